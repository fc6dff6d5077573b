/* Recommendations preview: the items most similar to one of the key's items. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, table, title, message, ownItems, itemOptions } = CB;
  const pick = document.getElementById("rec-item");
  const plot = document.getElementById("rec-chart");
  const rows = document.getElementById("rec-table");

  async function show() {
    if (!pick.value) return;
    await load(plot, async () => {
      const res = await api(`/recommendations/similar/${encodeURIComponent(pick.value)}?n=10`);
      const list = rowsOf(res);
      await CB.figure(plot, `/recommendations/similar/${encodeURIComponent(pick.value)}?n=10`);
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
