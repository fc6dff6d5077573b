/* Campaigns: the key's campaigns, and one campaign's A/B report (lift with its 95% CI). */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, figure, table, message, options, fmt, label } = CB;
  const list = document.getElementById("campaigns-table");
  const pick = document.getElementById("campaign-pick");
  const plot = document.getElementById("campaign-chart");
  const rows = document.getElementById("campaign-table");

  async function showReport() {
    if (!pick.value) return;
    await load(plot, async () => {
      const path = `/campaigns/${encodeURIComponent(pick.value)}/report`;
      const report = await api(path);
      const comparisons = ((report.analysis && report.analysis.comparisons) || []).filter((c) => c.lift !== null);
      // relative lift keeps metrics of different units on one axis; fall back to absolute
      const rel = comparisons.every((c) => c.relative_lift !== null && c.relative_ci_low !== null);
      const mid = (c) => (rel ? c.relative_lift : c.lift);
      const low = (c) => (rel ? c.relative_ci_low : c.ci_low);
      const high = (c) => (rel ? c.relative_ci_high : c.ci_high);
      await figure(plot, path);
      table(rows, comparisons, [
        { key: "metric", value: (c) => label(c.metric, "value") },
        { key: "arm", value: (c) => label(c.arm, "value") },
        { key: "effect", value: (c) => fmt(mid(c), rel ? "share" : "") },
        { key: "ci_low", value: (c) => fmt(low(c), rel ? "share" : "") },
        { key: "ci_high", value: (c) => fmt(high(c), rel ? "share" : "") },
        "p_value",
      ]);
    });
  }
  pick.addEventListener("change", showReport);

  load(list, async () => {
    const camps = rowsOf(await api("/campaigns"));
    table(list, camps, ["campaign_id", "name", "start", "end", { key: "users", value: (c) => fmt(c.assigned_users) }, { key: "arm", value: (c) => (c.arms || []).map((a) => label(a, "value")).join(", ") }]);
    // a report needs users assigned to arms; a campaign without them has nothing to compare
    const reportable = camps.filter((c) => (c.arms || []).length > 1);
    if (!reportable.length) {
      message(plot, T(camps.length ? "camp.no_arms" : "camp.none"));
      return;
    }
    options(pick, reportable.map((c) => ({ value: c.campaign_id, label: `${c.name} (${c.campaign_id})` })));
    await showReport();
  });
});
