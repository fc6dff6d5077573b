/* Social listening: the most mentioned items, sentiment alerts, and one item's timeline. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, chart, table, title, fmt, message, options, ownItems } = CB;
  const mentions = document.getElementById("mentions-chart");
  const alerts = document.getElementById("alerts-table");
  const pick = document.getElementById("timeline-item");
  const timeline = document.getElementById("timeline-chart");

  async function showTimeline() {
    if (!pick.value) return;
    await load(timeline, async () => {
      const res = await api(`/social/timeline/${encodeURIComponent(pick.value)}?period=week`);
      const cells = (res.cells || []).filter((c) => !c.suppressed);
      chart(timeline, [
        { type: "bar", name: T("col.posts"), x: cells.map((c) => c.period_start), y: cells.map((c) => c.posts) },
        { type: "scatter", mode: "lines+markers", name: T("col.negative_share"), x: cells.map((c) => c.period_start), y: cells.map((c) => c.negative_share), yaxis: "y2" },
      ], {
        yaxis: { title: { text: T("col.posts") } },
        yaxis2: { overlaying: "y", side: "right", tickformat: ".0%", rangemode: "tozero" },
        margin: { r: 60 },
      });
    });
  }
  pick.addEventListener("change", showTimeline);

  load(mentions, async () => {
    const [res, own] = await Promise.all([api("/social/mentions?top=15"), ownItems()]);
    const rows = (res.rows || []).filter((r) => !r.suppressed && r.posts !== null);
    // a partner's key gets everyone else's items folded into one "(other partners)" row,
    // which would dwarf its own bars: the chart shows named items only
    const named = rows.filter((r) => !String(r.item_id).startsWith("("));
    const shown = named.slice().reverse();
    chart(mentions, [{
      type: "bar",
      orientation: "h",
      x: shown.map((r) => r.posts),
      y: shown.map((r) => title(r) || r.item_id),
      name: T("col.posts"),
    }], { showlegend: false, xaxis: { title: { text: T("col.posts") } } });
    // the timeline offers the key's own items, the most mentioned first
    const mine = new Map(own.map((r) => [r.item_id, r]));
    const first = rows.filter((r) => mine.has(r.item_id)).map((r) => r.item_id);
    const ordered = [...first, ...own.map((r) => r.item_id).filter((id) => !first.includes(id))];
    if (!ordered.length) {
      message(timeline, T("state.none_own"));
      return;
    }
    options(pick, ordered.map((id) => ({ value: id, label: `${title(mine.get(id))} (${id})` })));
    await showTimeline();
  });

  load(alerts, async () => {
    const res = await api("/social/alerts?period=week");
    const list = res.alerts || [];
    if (!list.length) {
      message(alerts, T("social.no_alerts"));
      return;
    }
    table(alerts, list, [
      { key: "title", value: (r) => title(r) },
      "item_id",
      "period_start",
      "posts",
      "negative_share",
      { key: "baseline", value: (r) => fmt(r.baseline_share, "share") },
    ]);
  });
});
