/* Explore: users and events per value of any dimension over a date range, against the previous
 * period (GET /breakdown); drill down from a bar or a row; export CSV/PNG; save the question as
 * an insight. The question lives in the address, so a reload or a saved insight reopens it. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, table, figure, segmentOptions, label, itemTitles, partnerNames, el, clear, message, fmt, exportCsv, exportPng, drill, whoami } = CB;
  const $ = (id) => document.getElementById(id);
  const form = $("explore-form");
  const [segment, by, kind, itemsOf, range, from, to, compare, measure] = ["ex-segment", "ex-by", "ex-kind", "ex-items-of", "ex-range", "ex-from", "ex-to", "ex-compare", "ex-measure"].map($);
  const plot = $("ex-chart");
  const rows = $("ex-table");
  const saved = $("ex-insights");
  let lastDay = null;
  let current = null;

  /** The question as GET /breakdown's parameters (empty ones left out). */
  function question() {
    const q = { measure: measure.value, by: by.value, segment: segment.value || "all", kind: kind.value, items_of: itemsOf.value, period_from: from.value, period_to: to.value, compare: compare.checked ? "previous" : "none" };
    if (q.measure === "users") delete q.measure;
    for (const k of Object.keys(q)) if (!q[k]) delete q[k];
    return q;
  }

  function setRange(days) {
    if (!lastDay || days === "custom") return;
    if (days === "all") {
      from.value = "";
      to.value = "";
      return;
    }
    const end = new Date(lastDay + "T00:00:00Z");
    const start = new Date(end.getTime() - (Number(days) - 1) * 86400000);
    from.value = start.toISOString().slice(0, 10);
    to.value = lastDay;
  }

  function fill(params) {
    const set = (node, value) => {
      if (value !== null && value !== undefined) node.value = value;
    };
    set(measure, params.get("measure"));
    set(by, params.get("by"));
    set(kind, params.get("kind"));
    set(itemsOf, params.get("items_of"));
    if (params.has("period_from") || params.has("period_to")) {
      range.value = "custom";
      from.value = params.get("period_from") || "";
      to.value = params.get("period_to") || "";
    }
    if (params.has("compare")) compare.checked = params.get("compare") === "previous";
  }

  /** The API path of a question: a breakdown, or the segment's preferences against everyone. */
  function pathOf(q) {
    if (q.measure !== "lift") return "/breakdown?" + new URLSearchParams(q);
    const p = { segment: q.segment || "all", by: q.by, vs: "all", top: "30" };
    for (const k of ["kind", "period_from", "period_to"]) if (q[k]) p[k] = q[k];
    return "/preferences?" + new URLSearchParams(p);
  }

  async function showLift(q, path) {
    await load(plot, async () => {
      const res = await api(path);
      current = { path, q, res };
      const titles = by.value === "item" ? await itemTitles() : by.value === "partner" ? await partnerNames() : null;
      await figure(plot, path);
      $("ex-summary").textContent = `${T("ex.measure.lift")} · ${T("ex.lift_vs_all")}`;
      table(rows, res.data || [], [
        { key: "value", label: T("dim." + by.value), value: (r) => label(r.value, by.value, titles), link: (r) => drill(by.value, r.value, q) },
        "segment_share", "baseline_share", "lift",
        { key: "ci_low", label: T("col.ci"), value: (r) => (r.ci_low === null ? "—" : `${fmt(r.ci_low)}–${fmt(r.ci_high)}`) },
        "significant", "users",
      ]);
      CB.notes(plot, res);
    });
  }

  async function show() {
    const q = question();
    const path = pathOf(q);
    if (q.measure === "lift") {
      history.replaceState(null, "", "?" + new URLSearchParams({ ...q, segment: segment.value }));
      await showLift(q, path);
      return;
    }
    history.replaceState(null, "", "?" + new URLSearchParams({ ...q, segment: segment.value }));
    await load(plot, async () => {
      const res = await api(path);
      current = { path, q, res };
      const titles = by.value === "item" ? await itemTitles() : by.value === "partner" ? await partnerNames() : null;
      await figure(plot, path);
      const compared = res.previous_from !== null;
      $("ex-summary").textContent = [
        `${fmt(res.period_from)} – ${fmt(res.period_to)}`,
        compared ? `${T("ex.vs")} ${fmt(res.previous_from)} – ${fmt(res.previous_to)}` : "",
        `${T("ex.total_users")}: ${fmt(res.total_users)}`,
        res.partition ? T("ex.partition") : T("ex.overlap"),
      ].filter(Boolean).join(" · ");
      const columns = [
        { key: "value", label: T("dim." + by.value), value: (r) => label(r.value, by.value, titles), link: (r) => drill(by.value, r.value, q) },
        "users", "share_of_users", "events",
      ];
      if (compared) columns.push("previous_users", { key: "change", value: (r) => (r.change === null ? "—" : (r.change > 0 ? "+" : "") + (r.change * 100).toFixed(1) + "%") });
      table(rows, res.rows, columns);
      CB.notes(plot, { privacy: [res.privacy, res.previous_privacy].filter(Boolean).map(CB.guardNote) });
      plot.on && plot.on("plotly_click", (event) => {
        const point = event.points && event.points[0];
        const target = point && drill(by.value, point.customdata, q);
        if (target) window.location.assign(target);
      });
    });
  }

  async function listInsights() {
    await load(saved, async () => {
      const list = await api("/insights");
      table(saved, list, [
        { key: "name", link: (i) => "/explore?" + new URLSearchParams(i.query) },
        { key: "query", label: T("ex.question"), value: (i) => `${T("dim." + i.query.by)}${i.query.kind ? " · " + label(i.query.kind, "kind") : ""}` },
        { key: "pinned" },
        { key: "id", label: "", button: T("ex.delete"), action: async (i) => { await api("/insights/" + i.id, undefined, undefined, { method: "DELETE" }); await listInsights(); } },
      ]);
    });
  }

  range.addEventListener("change", () => setRange(range.value));
  for (const node of [from, to]) node.addEventListener("change", () => (range.value = "custom"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  $("ex-csv").addEventListener("click", () => current && exportCsv(current.path, "breakdown-" + by.value));
  $("ex-png").addEventListener("click", () => current && exportPng(plot, current.path, "breakdown-" + by.value));
  $("ex-save").addEventListener("click", async () => {
    const out = $("ex-saved");
    const name = $("ex-insight-name").value.trim();
    if (!name) {
      message(out, T("ex.need_name"), true);
      return;
    }
    try {
      await api("/insights", { name, query: question(), pinned: $("ex-pin").checked });
      message(out, T("ex.saved"));
      await listInsights();
    } catch (err) {
      message(out, CB.errorText(err), true);
    }
  });

  load(plot, async () => {
    const params = new URLSearchParams(window.location.search);
    const [status, me, partners] = await Promise.all([api("/status"), whoami(), api("/partners")]);
    const events = (status.tables || []).find((t) => t.table === "events");
    lastDay = events && events.last ? String(events.last).slice(0, 10) : null;
    for (const p of partners) {
      if (me.partner !== "platform" && p.partner_id !== me.partner) continue;
      itemsOf.append(el("option", { value: p.partner_id, text: CB.partnerName(p) }));
    }
    if (me.partner !== "platform") itemsOf.value = me.partner; // a partner starts with its own items
    range.value = "28";
    setRange("28");
    fill(params);
    await segmentOptions(segment, params.get("segment") || "all");
    await show();
  });
  listInsights();
});
