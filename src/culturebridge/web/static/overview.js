/* Overview: the workspace's tables, Gen Z's preferences by kind, weekly trends by kind. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, table, chart, el, clear, notes, fmt, label } = CB;

  const statusTable = document.getElementById("status-table");
  load(statusTable, async () => {
    const status = await api("/status");
    const facts = clear(document.getElementById("status-facts"));
    for (const [key, value] of [
      ["overview.workspace", status.workspace],
      ["overview.version", status.version],
      ["overview.k", status.k],
    ]) {
      facts.append(el("div", {}, el("dt", { text: T(key) }), el("dd", { text: fmt(value) })));
    }
    table(statusTable, status.tables, ["table", "rows", "files", "first", "last"]);
  });

  const segTable = document.getElementById("segments-table");
  load(segTable, async () => {
    const rows = rowsOf(await api("/segments"));
    table(segTable, rows, ["name", "description", "users", "share_of_users"]);
  });

  const prefs = document.getElementById("prefs-chart");
  load(prefs, async () => {
    const payload = await api("/preferences?segment=gen_z&by=kind&vs=all&top=20");
    const rows = rowsOf(payload).filter((r) => !r.suppressed && r.segment_share !== null);
    chart(prefs, [
      { type: "bar", name: T("col.segment_share"), x: rows.map((r) => label(r.value)), y: rows.map((r) => r.segment_share) },
      { type: "bar", name: T("col.baseline_share"), x: rows.map((r) => label(r.value)), y: rows.map((r) => r.baseline_share) },
    ], { barmode: "group", yaxis: { tickformat: ".0%" } });
    notes(prefs, payload);
  });

  const trends = document.getElementById("trends-chart");
  load(trends, async () => {
    const result = await api("/trends?by=kind&segment=all&period=week&top=8");
    chart(trends, trendTraces(result), { yaxis: { tickformat: ".0%" } });
  });
});

/** One line per trend row: its share per period (suppressed points left as gaps). */
function trendTraces(result) {
  return ((result && result.rows) || [])
    .filter((r) => !r.suppressed && (r.points || []).length)
    .map((r) => ({
      type: "scatter",
      mode: "lines",
      name: CB.label(r.value),
      x: r.points.map((p) => p.period_start),
      y: r.points.map((p) => (p.suppressed ? null : p.share)),
    }));
}
