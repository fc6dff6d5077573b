/* Audiences: the segment builder (POST /segments/preview), an own item's audience, the funnel. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, figure, table, fmt, message, errorText, clear, notes, ownItems, itemOptions, itemTitles, label } = CB;

  // ---------------------------------------------------------------- the segment builder
  const form = document.getElementById("segment-form");
  const result = document.getElementById("seg-result");
  const msg = document.getElementById("seg-msg");

  function definition() {
    const data = new FormData(form);
    const num = (name) => {
      const v = String(data.get(name) || "").trim();
      return v === "" ? null : Number(v);
    };
    const list = (name) => {
      const values = data.getAll(name).map(String);
      return values.length ? values : null;
    };
    const provinces = String(data.get("provinces") || "")
      .split(/[,，、]/)
      .map((s) => s.trim())
      .filter(Boolean);
    const tiers = list("city_tiers");
    return {
      age_min: num("age_min"),
      age_max: num("age_max"),
      genders: list("genders"),
      city_tiers: tiers ? tiers.map(Number) : null,
      platforms: list("platforms"),
      provinces: provinces.length ? provinces : null,
      by: String(data.get("by") || "kind"),
      top: 15,
    };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.hidden = true;
    message(msg, T("state.loading"));
    try {
      const body = definition();
      const preview = await api("/segments/preview", body);
      clear(msg);
      await showPreview(preview, body);
    } catch (err) {
      if (!(err instanceof CB.ApiError && err.status === 401)) message(msg, errorText(err), true);
    }
  });

  async function showPreview(preview, body) {
    const size = preview.size || preview;
    const users = size.users !== undefined ? size.users : preview.segment_users;
    document.getElementById("seg-size").textContent =
      users === null || users === undefined ? T("aud.too_small") : `${fmt(users)} ${T("aud.users")}`;
    document.getElementById("seg-definition").textContent =
      preview.definition || preview.description || size.definition || "";
    const prefs = preview.preferences;
    const rows = (Array.isArray(prefs) ? prefs : rowsOf(prefs)).filter((r) => !r.suppressed);
    const by = preview.dimension || "kind";
    const titles = by === "item" ? await itemTitles() : null;
    result.hidden = false;
    const plot = document.getElementById("seg-chart");
    await figure(plot, "/segments/preview", body);
    table(document.getElementById("seg-table"), rows, [{ key: "value", value: (r) => label(r.value, by, titles) }, "segment_share", "baseline_share", "lift", "significant"]);
    notes(plot, preview);
  }

  // ---------------------------------------------------------------- an own item's audience
  const pick = document.getElementById("aud-item");
  const audChart = document.getElementById("aud-chart");
  const audTable = document.getElementById("aud-table");

  async function showAudience() {
    if (!pick.value) return;
    await load(audChart, async () => {
      const path = "/audiences/" + encodeURIComponent(pick.value);
      const res = await api(path);
      const rows = (res.rows || []).filter((r) => !r.suppressed && r.dimension !== "province");
      await figure(audChart, path);
      table(audTable, rows, [
        { key: "dimension", label: T("form.dimension") },
        "value",
        { key: "item_share", label: T("form.item") },
        { key: "base_share", label: T("col.baseline_share") },
        "lift",
        "users",
      ]);
    });
  }
  pick.addEventListener("change", showAudience);
  load(audChart, async () => {
    const items = await ownItems();
    if (!items.length) {
      message(audChart, T("state.none_own"));
      return;
    }
    itemOptions(pick, items);
    await showAudience();
  });

  // ---------------------------------------------------------------- the funnel
  const funnelChart = document.getElementById("funnel-chart");
  load(funnelChart, async () => {
    await figure(funnelChart, "/funnel?segment=gen_z");
  });
});
