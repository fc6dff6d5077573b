/* Social listening: the most mentioned items, sentiment alerts, and one item's timeline. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, figure, table, title, fmt, message, options, ownItems, notes } = CB;
  const terms = document.getElementById("alert-terms");

  /** An alert's drill-down: the item's timeline, and what its posts said that week. */
  async function drillAlert(alert) {
    if ([...pick.options].some((o) => o.value === alert.item_id)) {
      pick.value = alert.item_id;
      await showTimeline();
    }
    document.getElementById("alert-terms-heading").textContent =
      `${T("social.terms")}: ${title(alert) || alert.item_id} · ${fmt(alert.period_start)}`;
    await load(terms, async () => {
      const path = `/social/alerts/${encodeURIComponent(alert.item_id)}/terms?period_start=${alert.period_start}&period=week`;
      const res = await api(path);
      table(terms, res.terms.filter((t) => !t.suppressed), [
        { key: "term", label: T("col.term") },
        { key: "posts", label: T("col.posts") },
        { key: "expected", label: T("col.expected") },
        { key: "ratio", label: T("col.ratio") },
      ]);
      notes(terms, res);
    });
    terms.scrollIntoView({ block: "nearest" });
  }
  const mentions = document.getElementById("mentions-chart");
  const alerts = document.getElementById("alerts-table");
  const pick = document.getElementById("timeline-item");
  const timeline = document.getElementById("timeline-chart");

  async function showTimeline() {
    if (!pick.value) return;
    await load(timeline, async () => {
      await figure(timeline, `/social/timeline/${encodeURIComponent(pick.value)}?period=week`);
    });
  }
  pick.addEventListener("change", showTimeline);

  load(mentions, async () => {
    const [res, own] = await Promise.all([api("/social/mentions?top=15"), ownItems()]);
    const rows = (res.rows || []).filter((r) => !r.suppressed && r.posts !== null);
    await figure(mentions, "/social/mentions?top=15");
    // the timeline offers the key's own items, the most mentioned first
    const mine = new Map(own.map((r) => [r.item_id, r]));
    const first = rows.filter((r) => mine.has(r.item_id)).map((r) => r.item_id);
    const ordered = [...first, ...own.map((r) => r.item_id).filter((id) => !first.includes(id))];
    if (!ordered.length) {
      message(timeline, T("state.none_own"));
      return;
    }
    options(pick, ordered.map((id) => ({ value: id, label: `${title(mine.get(id))} (${id})` })));
    await showTimeline();
  });

  load(alerts, async () => {
    const res = await api("/social/alerts?period=week");
    const list = res.alerts || [];
    if (!list.length) {
      message(alerts, T("social.no_alerts"));
      return;
    }
    table(alerts, list, [
      { key: "title", value: (r) => title(r), link: (r) => `#alert-${r.item_id}-${r.period_start}` },
      "item_id",
      "period_start",
      "posts",
      "negative_share",
      { key: "baseline", value: (r) => fmt(r.baseline_share, "share") },
    ]);
    alerts.querySelectorAll("a").forEach((a, i) =>
      a.addEventListener("click", (event) => {
        event.preventDefault();
        drillAlert(list[i]);
      }),
    );
    const asked = /^#alert-(.+)-(\d{4}-\d{2}-\d{2})$/.exec(window.location.hash);
    const hit = asked && list.find((r) => r.item_id === asked[1] && r.period_start === asked[2]);
    if (hit) await drillAlert(hit);
  });
});
