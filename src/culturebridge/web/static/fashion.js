/* Fashion: rising attributes for a segment, and the key's products with their photos. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, figure, table, el, clear, fmt, message, lang, title, segmentOptions, notes } = CB;
  const segment = document.getElementById("fashion-segment");
  const plot = document.getElementById("fashion-chart");
  const rows = document.getElementById("fashion-table");
  const products = document.getElementById("fashion-products");

  // the same value can rise in the catalogue, in posts and in images: say which
  const attributeName = (a) => (a.startsWith("image_") ? T("dim.attributes." + a.slice(6)) + T("fashion.from_image") : T("dim.attributes." + a));
  const label = (r) =>
    `${attributeName(r.attribute)}: ${(lang === "zh" && r.label_zh) || r.label || r.value} · ${T("source." + r.source)}`;

  async function show() {
    const seg = encodeURIComponent(segment.value || "gen_z");
    const trends = load(plot, async () => {
      const path = `/fashion/trends?segment=${seg}&period=week&top=50`;
      const res = await api(path);
      // the significant movers only (as the CLI and the chart), the fastest risers first
      const kept = (res.rows || [])
        .filter((r) => !r.suppressed && r.growth && r.growth.rate !== null && r.trend && r.trend.significant)
        .sort((a, b) => b.growth.rate - a.growth.rate)
        .slice(0, 15)
        .reverse();
      await figure(plot, path);
      table(rows, kept.slice().reverse(), [
        { key: "attribute", label: T("col.attribute"), value: (r) => label(r) },
        { key: "direction", label: T("col.direction"), value: (r) => CB.label(r.trend.direction, "value") },
        { key: "growth", label: T("col.growth"), value: (r) => fmt(r.growth && r.growth.rate, "rate") },
        { key: "segment_share", label: T("col.segment_share"), value: (r) => fmt(r.preference && r.preference.segment_share, "share") },
        { key: "lift", label: T("col.lift"), value: (r) => fmt(r.preference && r.preference.lift) },
      ]);
    });
    const cards = load(products, async () => {
      const res = await api(`/fashion/products?segment=${seg}&top=12`);
      const list = rowsOf(res);
      clear(products);
      if (!list.length) {
        message(products, T("state.none_own"));
        return;
      }
      for (const p of list) {
        const card = el("figure", { class: "product" });
        if (typeof p.image_url === "string" && p.image_url.startsWith("/api/v1/")) {
          card.append(el("img", { src: p.image_url, alt: `${T("fashion.image")}: ${title(p)}`, loading: "lazy", width: "160", height: "160" }));
        }
        const attrs = Object.entries(p.attributes || {})
          .filter(([, v]) => typeof v === "string" || typeof v === "number")
          .map(([k, v]) => `${CB.T("dim.attributes." + k)}: ${CB.label(v, "value")}`)
          .join(" · ");
        card.append(
          el("figcaption", {},
            el("strong", { text: title(p) }),
            el("div", { class: "attrs", text: attrs }),
            el("div", { text: `${T("col.segment_share")}: ${fmt(p.segment_share, "share")}` }),
            el("div", { class: "attrs", text: p.item_id })),
        );
        products.append(card);
      }
      notes(products, res);
    });
    await Promise.all([trends, cards]);
  }

  segment.addEventListener("change", show);
  load(plot, async () => {
    await segmentOptions(segment, "gen_z_tier1");
    await show();
  });
});
