/* Overview: first what concerns this key's partner (its own items over the last 28 days against
 * the 28 before, and the insights it pinned), then the platform's picture: Gen Z's preferences,
 * weekly trends, segments and the workspace's tables. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, table, figure, el, clear, notes, fmt, label, itemTitles, partnerNames, partnerName, whoami, drill, message } = CB;

  function lastDays(lastDay, days) {
    const end = new Date(lastDay + "T00:00:00Z");
    const start = new Date(end.getTime() - (days - 1) * 86400000);
    return { period_from: start.toISOString().slice(0, 10), period_to: lastDay };
  }
  const change = (r) => (r.change === null || r.change === undefined ? "—" : (r.change > 0 ? "+" : "") + (r.change * 100).toFixed(1) + "%");

  const statusOnce = api("/status");

  // ------------------------------------------------------------ this partner's own findings
  const yours = document.getElementById("yours-chart");
  load(yours, async () => {
    const [status, me] = await Promise.all([statusOnce, whoami()]);
    const events = (status.tables || []).find((t) => t.table === "events");
    const platform = me.partner === "platform";
    const q = { by: platform ? "partner" : "item", compare: "previous", ...(events && events.last ? lastDays(String(events.last).slice(0, 10), 28) : {}) };
    if (!platform) q.items_of = me.partner;
    const path = "/breakdown?" + new URLSearchParams(q);
    const res = await api(path);
    const titles = platform ? await partnerNames() : await itemTitles();
    document.getElementById("yours-heading").textContent = platform ? T("overview.partners") : T("overview.yours").replace("{partner}", partnerName(me));
    document.getElementById("yours-summary").textContent =
      `${fmt(res.period_from)} – ${fmt(res.period_to)} ${T("ex.vs")} ${fmt(res.previous_from)} – ${fmt(res.previous_to)} · ${T("ex.total_users")}: ${fmt(res.total_users)}`;
    await figure(yours, path);
    const shown = res.rows.filter((r) => !r.suppressed).slice(0, 10);
    table(document.getElementById("yours-table"), shown, [
      { key: "value", label: T(platform ? "dim.partner" : "dim.item"), value: (r) => label(r.value, q.by, titles), link: (r) => drill(q.by, r.value, q) },
      "users",
      "previous_users",
      { key: "change", value: change },
    ]);
    notes(yours, res);
  });

  // ------------------------------------------------------------ pinned insights
  const tiles = document.getElementById("my-dashboard");
  load(tiles, async () => {
    const pinned = (await api("/insights")).filter((i) => i.pinned);
    clear(tiles);
    if (!pinned.length) {
      message(tiles, T("overview.no_insights"), false, "empty");
      return;
    }
    tiles.dataset.state = "drawn";
    for (const insight of pinned) {
      const chart = el("div", { class: "chart", "data-insight": insight.id });
      const open = "/explore?" + new URLSearchParams(insight.query);
      tiles.append(el("div", { class: "tile" }, el("h3", { text: insight.name }), chart, el("a", { href: open, text: T("ex.open") })));
      const q = insight.query;
      const path = q.measure === "lift"
        ? "/preferences?" + new URLSearchParams(Object.fromEntries(Object.entries({ segment: q.segment || "all", by: q.by, vs: "all", kind: q.kind, period_from: q.period_from, period_to: q.period_to }).filter(([, v]) => v)))
        : "/breakdown?" + new URLSearchParams(q);
      load(chart, () => figure(chart, path));
    }
  });

  // ------------------------------------------------------------ the platform's picture
  const prefs = document.getElementById("prefs-chart");
  load(prefs, async () => {
    const path = "/preferences?segment=gen_z&by=kind&vs=all&top=20";
    const payload = await api(path);
    await figure(prefs, path);
    notes(prefs, payload);
  });

  const trends = document.getElementById("trends-chart");
  load(trends, async () => {
    await figure(trends, "/trends?by=kind&segment=all&period=week&top=8");
  });

  const segTable = document.getElementById("segments-table");
  load(segTable, async () => {
    const rows = rowsOf(await api("/segments"));
    table(segTable, rows, [
      { key: "name", link: (r) => drill("segment", r.name, {}) },
      { key: "description", value: CB.segmentText },
      "users",
      "share_of_users",
    ]);
  });

  const statusTable = document.getElementById("status-table");
  load(statusTable, async () => {
    const status = await statusOnce;
    const facts = clear(document.getElementById("status-facts"));
    for (const [key, value] of [
      ["overview.workspace", status.workspace],
      ["overview.version", status.version],
      ["overview.k", status.k],
    ]) {
      facts.append(el("div", {}, el("dt", { text: T(key) }), el("dd", { text: fmt(value) })));
    }
    table(statusTable, status.tables, [{ key: "table", value: (r) => label(r.table, "table") }, "rows", "files", "first", "last"]);
    const quality = document.getElementById("quality-table");
    if (status.quality && status.quality.length) {
      quality.hidden = false;
      document.getElementById("quality-heading").hidden = false;
      table(quality, status.quality, [
        { key: "table", value: (r) => label(r.table, "table") },
        "finished",
        "accepted",
        { key: "reject_rate", value: (r) => (100 * r.reject_rate).toFixed(1) + "%" },
        { key: "warnings", value: (r) => r.warnings.join(" · ") || "—" },
      ]);
    }
  });
});
