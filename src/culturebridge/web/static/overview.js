/* Overview: the workspace's tables, Gen Z's preferences by kind, weekly trends by kind. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const { T, api, load, rowsOf, table, figure, el, clear, notes, fmt } = CB;

  const statusTable = document.getElementById("status-table");
  load(statusTable, async () => {
    const status = await api("/status");
    const facts = clear(document.getElementById("status-facts"));
    for (const [key, value] of [
      ["overview.workspace", status.workspace],
      ["overview.version", status.version],
      ["overview.k", status.k],
    ]) {
      facts.append(el("div", {}, el("dt", { text: T(key) }), el("dd", { text: fmt(value) })));
    }
    table(statusTable, status.tables, ["table", "rows", "files", "first", "last"]);
  });

  const segTable = document.getElementById("segments-table");
  load(segTable, async () => {
    const rows = rowsOf(await api("/segments"));
    table(segTable, rows, ["name", "description", "users", "share_of_users"]);
  });

  const prefs = document.getElementById("prefs-chart");
  load(prefs, async () => {
    const path = "/preferences?segment=gen_z&by=kind&vs=all&top=20";
    const payload = await api(path);
    await figure(prefs, path);
    notes(prefs, payload);
  });

  const trends = document.getElementById("trends-chart");
  load(trends, async () => {
    await figure(trends, "/trends?by=kind&segment=all&period=week&top=8");
  });
});
