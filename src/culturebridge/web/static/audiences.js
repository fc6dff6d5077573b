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
    const behaviour = [];
    if (data.get("did_type")) {
      behaviour.push({
        event_types: [String(data.get("did_type"))],
        item_kinds: data.get("did_kind") ? [String(data.get("did_kind"))] : null,
        partners: data.get("did_partner") ? [String(data.get("did_partner"))] : null,
        within_days: num("did_days"),
      });
    }
    const combined = data.getAll("combine").map(String);
    const mode = String(data.get("combine_mode") || "all_of");
    return {
      age_min: num("age_min"),
      age_max: num("age_max"),
      genders: list("genders"),
      city_tiers: tiers ? tiers.map(Number) : null,
      platforms: list("platforms"),
      provinces: provinces.length ? provinces : null,
      behaviour,
      all_of: mode === "all_of" ? combined : [],
      any_of: mode === "any_of" ? combined : [],
      by: String(data.get("by") || "kind"),
      top: 15,
    };
  }

  // saving: the same definition, named, kept in the workspace (`culturebridge segments` lists it)
  const saveMsg = document.getElementById("seg-saved");
  document.getElementById("seg-save").addEventListener("click", async () => {
    const body = definition();
    delete body.by;
    delete body.top;
    body.name = document.getElementById("seg-name").value.trim();
    body.description = CB.T("aud.saved_from_dashboard");
    try {
      const size = await api("/segments", body);
      message(saveMsg, `${CB.T("ex.saved")} ${size.name}: ${size.users === null ? T("aud.too_small") : fmt(size.users) + " " + T("aud.users")}`);
      await listSegments();
    } catch (err) {
      if (!(err instanceof CB.ApiError && err.status === 401)) message(saveMsg, errorText(err), true);
    }
  });

  const segList = document.getElementById("seg-list");
  async function listSegments() {
    await load(segList, async () => {
      const rows = rowsOf(await api("/segments"));
      const combine = document.getElementById("combine");
      const picked = new Set([...combine.selectedOptions].map((o) => o.value));
      CB.options(combine, rows.filter((r) => r.name !== "all").map((r) => ({ value: r.name, label: r.name })));
      for (const o of combine.options) o.selected = picked.has(o.value);
      table(segList, rows, [
        { key: "name", link: (r) => CB.drill("segment", r.name, {}) },
        { key: "definition", value: (r) => (CB.lang === "zh" ? r.definition_zh : r.definition) },
        "users",
        "share_of_users",
        { key: "owner", value: (r) => (r.saved ? r.owner || T("word.platform") : T("word.builtin")) },
        { key: "delete", label: "", button: T("ex.delete"), when: (r) => r.saved, action: async (r) => {
          try {
            await api("/segments/" + encodeURIComponent(r.name), undefined, undefined, { method: "DELETE" });
            await listSegments();
          } catch (err) {
            message(saveMsg, errorText(err), true);
          }
        } },
      ]);
    });
  }
  listSegments();
  (async () => {
    const [me, partners] = await Promise.all([CB.whoami(), api("/partners")]);
    const pick = document.getElementById("did-partner");
    for (const p of partners) {
      if (me.partner !== "platform" && p.partner_id !== me.partner) continue;
      pick.append(CB.el("option", { value: p.partner_id, text: CB.partnerName(p) }));
    }
  })().catch(() => undefined);

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
      (CB.lang === "zh" && preview.definition_zh) || preview.definition || preview.description || size.definition || "";
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
        { key: "dimension", label: T("form.dimension"), value: (r) => T("dim." + r.dimension) },
        { key: "value", value: (r) => label(r.value, r.dimension) },
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
    const asked = new URLSearchParams(window.location.search).get("item");
    if (asked && items.some((i) => i.item_id === asked)) pick.value = asked; // a drill-down
    await showAudience();
  });

  // ---------------------------------------------------------------- the funnel
  const funnelChart = document.getElementById("funnel-chart");
  load(funnelChart, async () => {
    await figure(funnelChart, "/funnel?segment=gen_z");
  });
});
