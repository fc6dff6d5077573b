/* Recommendations preview: the items most similar to one of the key's items. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, chart, table, title, message, ownItems, itemOptions } = CB;
  const pick = document.getElementById("rec-item");
  const plot = document.getElementById("rec-chart");
  const rows = document.getElementById("rec-table");

  async function show() {
    if (!pick.value) return;
    await load(plot, async () => {
      const res = await api(`/recommendations/similar/${encodeURIComponent(pick.value)}?n=10`);
      const list = rowsOf(res);
      const shown = list.slice().reverse();
      chart(plot, [{
        type: "bar",
        orientation: "h",
        x: shown.map((r) => r.score),
        y: shown.map((r) => `${title(r)} (${r.item_id})`),
        name: T("col.score"),
      }], { showlegend: false, xaxis: { title: { text: T("col.score") } } });
      table(rows, list, [
        { key: "title", value: (r) => title(r) },
        "item_id",
        { key: "kind", value: (r) => CB.label(r.kind) },
        "score",
      ]);
    });
  }

  pick.addEventListener("change", show);
  load(plot, async () => {
    const items = await ownItems();
    if (!items.length) {
      message(plot, T("rec.none"));
      return;
    }
    itemOptions(pick, items);
    await show();
  });
});
