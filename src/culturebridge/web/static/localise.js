/* Localisation QA: missing Chinese texts, term inconsistencies and over-long texts. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, figure, table, message } = CB;
  const plot = document.getElementById("loc-chart");
  const rows = document.getElementById("loc-table");

  load(plot, async () => {
    const res = await api("/localise/check");
    const findings = [
      ...(res.missing || []).map((m) => ({ item_id: m.item_id, kind: m.kind, field: m.field, problem: T("loc.missing"), text: m.title })),
      ...(res.inconsistencies || []).map((f) => ({ item_id: f.item_id, kind: f.kind, field: f.field, problem: `${f.problem}: ${f.term} → ${f.expected}`, text: f.found })),
      ...(res.too_long || []).map((x) => ({ item_id: x.item_id, kind: x.kind, field: x.field, problem: `${T("loc.too_long")} (${x.length} > ${x.limit})`, text: x.text })),
    ];
    if (!findings.length) {
      message(plot, T("loc.none"));
      table(rows, [], []);
      return;
    }
    await figure(plot, "/localise/check");
    table(rows, findings.slice(0, 200), ["item_id", "kind", "field", "problem", "text"]);
  });
});
