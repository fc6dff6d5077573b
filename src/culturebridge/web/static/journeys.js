/* Journeys: how often people come back (DAU, WAU, MAU, stickiness), a funnel of the steps the
 * analyst picks with a conversion window (GET /funnel/steps), and what people do next after an
 * event (GET /paths). The funnel's question lives in the address, so a reload reopens it. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, table, figure, segmentOptions, label, fmt, notes } = CB;
  const $ = (id) => document.getElementById(id);
  const pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%");

  // ------------------------------------------------------------ active users and stickiness
  const stick = $("stick-chart");
  load(stick, async () => {
    const res = await api("/stickiness");
    $("tile-dau").textContent = fmt(res.dau);
    $("tile-wau").textContent = fmt(res.wau);
    $("tile-mau").textContent = fmt(res.mau);
    $("tile-ratio").textContent = pct(res.dau_mau);
    $("jr-tiles").dataset.state = "drawn";
    $("jr-asof").textContent = `${T("jr.as_of")} ${fmt(res.as_of)}`;
    await figure(stick, "/stickiness");
    notes(stick, res);
  }).then(() => {
    if ($("jr-tiles").dataset.state === "loading") $("jr-tiles").dataset.state = "error";
  });

  // ------------------------------------------------------------ the funnel of chosen steps
  const jf = $("jf-chart");
  function stepText(type, kind) {
    return kind ? `${type}:${kind}` : type;
  }
  function funnelQuery() {
    const q = new URLSearchParams();
    for (let i = 1; i <= 4; i++) {
      const type = $("jf-type-" + i).value;
      if (type) q.append("step", stepText(type, $("jf-kind-" + i).value));
    }
    q.set("window_days", $("jf-window").value || "7");
    q.set("segment", $("jf-segment").value || "all");
    return q;
  }
  function fillFunnel(params) {
    const steps = params.getAll("step");
    if (!steps.length) return;
    for (let i = 1; i <= 4; i++) {
      const [type, kind] = (steps[i - 1] || "").split(":");
      $("jf-type-" + i).value = type || "";
      $("jf-kind-" + i).value = kind || "";
    }
    if (params.get("window_days")) $("jf-window").value = params.get("window_days");
  }
  async function showFunnel() {
    const q = funnelQuery();
    const path = "/funnel/steps?" + q;
    history.replaceState(null, "", "?" + q);
    await load(jf, async () => {
      const res = await api(path);
      await figure(jf, path);
      $("jf-method").textContent = `${T("jr.window")}: ${res.window_days} · ${T("jr.method")}`;
      table($("jf-table"), res.rows, [
        { key: "step", label: T("jr.step"), value: (r) => `${r.step}. ${res.step_specs[r.step - 1].event_types.map((t) => label(t, "value")).join(" / ")}${res.step_specs[r.step - 1].item_kinds ? " · " + res.step_specs[r.step - 1].item_kinds.map((k) => label(k, "kind")).join(" / ") : ""}` },
        "users",
        { key: "rate_from_previous", value: (r) => pct(r.rate_from_previous) + (r.rate_from_previous_ci_low === null ? "" : ` (${pct(r.rate_from_previous_ci_low)}–${pct(r.rate_from_previous_ci_high)})`) },
        { key: "rate_from_first", label: T("jr.from_first"), value: (r) => pct(r.rate_from_first) },
        { key: "median_hours_from_previous", value: (r) => (r.median_hours_from_previous === null ? "—" : fmt(r.median_hours_from_previous) + " h") },
      ]);
      notes(jf, res);
    });
  }
  $("jf-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showFunnel();
  });

  // ------------------------------------------------------------ paths
  const pc = $("paths-chart");
  async function showPaths() {
    const after = stepText($("paths-type").value, $("paths-kind").value);
    const path = "/paths?" + new URLSearchParams({ after, within_hours: $("paths-hours").value || "24" });
    await load(pc, async () => {
      const res = await api(path);
      await figure(pc, path);
      $("paths-summary").textContent = `${T("jr.started")}: ${fmt(res.users)} · ${T("jr.nothing_next")}: ${fmt(res.no_next_users)}`;
      table($("paths-table"), res.rows.filter((r) => !r.suppressed), [
        { key: "next_type", value: (r) => label(r.next_type, "value") },
        { key: "next_kind", value: (r) => label(r.next_kind, "kind") },
        "users",
        "share_of_users",
      ]);
      notes(pc, res);
    });
  }
  $("paths-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showPaths();
  });

  load(jf, async () => {
    $("jf-type-1").value = "impression";
    $("jf-type-2").value = "view";
    $("jf-type-3").value = "purchase";
    fillFunnel(new URLSearchParams(window.location.search));
    await segmentOptions($("jf-segment"), new URLSearchParams(window.location.search).get("segment") || "all");
    await showFunnel();
  });
  $("paths-type").value = "play";
  $("paths-kind").value = "film";
  showPaths();
});
