/* Trends: share of each value per period for a segment, with the rising/falling table. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { api, load, figure, table, segmentOptions, label, itemTitles } = CB;
  const form = document.getElementById("trends-form");
  const segment = document.getElementById("trends-segment");
  const by = document.getElementById("trends-by");
  const period = document.getElementById("trends-period");
  const kind = document.getElementById("trends-kind");
  const plot = document.getElementById("trends-chart");
  const rows = document.getElementById("trends-table");

  async function show() {
    const query = new URLSearchParams({ by: by.value, segment: segment.value || "all", period: period.value, top: "12" });
    if (kind.value) query.set("kind", kind.value); // genres within one kind
    await load(plot, async () => {
      const result = await api("/trends?" + query);
      const titles = by.value === "item" ? await itemTitles() : null;
      await figure(plot, "/trends?" + query);
      table(rows, result.rows || [], [{ key: "value", value: (r) => label(r.value, by.value, titles) }, { key: "direction", value: (r) => label(r.direction, "value") }, "growth_rate", "first_share", "last_share", "significant", "emerging"]);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  load(plot, async () => {
    const asked = new URLSearchParams(window.location.search);
    await segmentOptions(segment, asked.get("segment") || "gen_z"); // a drill-down names one
    await show();
  });
});
