/* culturebridge dashboard: what every page shares.
 *
 * Data comes only from the REST API (the HttpOnly cookie carries the key), so the key's partner
 * scope applies everywhere. Everything taken from the API goes into the page with textContent
 * (never innerHTML), and every failed call becomes a message on the page, never an uncaught
 * promise.
 */
"use strict";

const CB = (() => {
  const messages = JSON.parse(document.getElementById("i18n").textContent);
  const lang = document.body.dataset.lang || "en";
  const T = (key) => (Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key);

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
      this.detail = detail;
    }
  }

  /**
   * GET (or POST with `body`) /api/v1/<path>; rejects with ApiError on a non-2xx answer.
   * `opts`: {method, headers, raw} (raw: answer the Response itself, for downloads).
   */
  async function api(path, body, accept, opts) {
    const o = opts || {};
    const init = {
      credentials: "same-origin",
      headers: Object.assign({ Accept: accept || "application/json", "Accept-Language": lang }, o.headers || {}),
    };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (o.method) init.method = o.method;
    let response;
    try {
      response = await fetch("/api/v1" + path, init);
    } catch (err) {
      throw new ApiError(0, String(err));
    }
    if (o.raw && response.ok) return response;
    let payload = null;
    try {
      payload = await response.json();
    } catch (err) {
      payload = null;
    }
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
      throw new ApiError(401, "signed out");
    }
    if (!response.ok) {
      const detail = payload && payload.detail !== undefined ? payload.detail : response.statusText;
      throw new ApiError(response.status, readable(detail));
    }
    return payload;
  }

  /**
   * An error's detail as a sentence: FastAPI's validation errors ([{loc, msg}, ...]) become
   * "age_max: Input should be greater than or equal to 0", never raw JSON.
   */
  function readable(detail) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => {
          const where = (d.loc || []).filter((p) => p !== "body" && p !== "query").join(".");
          return (where ? where + ": " : "") + (d.msg || String(d));
        })
        .join("; ");
    }
    return String(detail);
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /**
   * A message in a container (replacing what was there). `data-state` tells a reader (and the
   * browser tests) where the container is: loading, message, error, empty, drawn.
   */
  function message(node, text, isError, state) {
    clear(node);
    node.dataset.state = state || (isError ? "error" : "message");
    node.append(el("p", { class: isError ? "msg error" : "msg", text }));
  }

  function errorText(err) {
    if (err instanceof ApiError) {
      return T("state.error") + (err.status ? ` (${err.status})` : "") + ": " + err.detail;
    }
    return T("state.error") + ": " + String(err && err.message ? err.message : err);
  }

  /** Run `work()`, showing "loading" in `node` meanwhile and the error there if it fails. */
  async function load(node, work) {
    if (node) message(node, T("state.loading"), false, "loading");
    try {
      const result = await work();
      if (node && node.dataset.state === "loading") node.dataset.state = "drawn";
      return result;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return undefined;
      if (node) message(node, errorText(err), true);
      return undefined;
    }
  }

  const rowsOf = (payload) =>
    Array.isArray(payload)
      ? payload
      : (payload && (payload.data || payload.rows || payload.items || payload.results)) || [];

  /** An item's title in the page's language, falling back to the other, then to its id. */
  function title(row) {
    if (!row) return "";
    const en = row.title_en || row.name_en;
    const zh = row.title_zh || row.name_zh;
    return (lang === "zh" ? zh || en : en || zh) || row.title || row.item_id || row.value || "";
  }

  /**
   * A value as a reader knows it: item kinds and funnel stages translated, an item by its title
   * (with `titles` from `itemTitles()`) and its id beside it, the rest as is.
   */
  function label(value, dimension, titles) {
    if (titles && titles.has(value)) return dimension === "item" ? `${titles.get(value)} (${value})` : titles.get(value);
    const key = (dimension || "kind") + "." + value;
    if (Object.prototype.hasOwnProperty.call(messages, key)) return messages[key];
    const word = "value." + value; // a data value said the same in every dimension (unknown, web…)
    return Object.prototype.hasOwnProperty.call(messages, word) ? messages[word] : String(value);
  }

  function fmt(value, key) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "boolean") return value ? T("word.yes") : T("word.no");
    if (typeof value === "number") {
      if (/share|(^|_)rate($|_)|prob/.test(key || "")) return (value * 100).toFixed(1) + "%";
      if (Number.isInteger(value)) return value.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB");
      return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
    }
    if (Array.isArray(value)) return value.map((v) => fmt(v)).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    const stamp = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(String(value));
    if (stamp) return stamp[2] === "00:00" ? stamp[1] : `${stamp[1]} ${stamp[2]}`;
    return String(value);
  }

  /**
   * A table of `rows`. `columns`: list of field names or {key, label, value(row)}; labels come
   * from the "col.<key>" strings. A row marked `suppressed` says so instead of blanks.
   */
  function table(node, rows, columns) {
    if (!rows || rows.length === 0) {
      message(node, T("state.empty"), false, "empty");
      return;
    }
    clear(node);
    node.dataset.state = "drawn";
    const cols = columns.map((c) => (typeof c === "string" ? { key: c } : c));
    const head = el("tr", {}, ...cols.map((c) => el("th", { text: c.label !== undefined ? c.label : T("col." + c.key) })));
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      for (const c of cols) {
        if (c.action && c.when && !c.when(row)) {
          tr.append(el("td"));
          continue;
        }
        if (c.action) {
          const button = el("button", { type: "button", class: "secondary small", text: c.button || "…" });
          button.addEventListener("click", () => c.action(row));
          tr.append(el("td", {}, button));
          continue;
        }
        const raw = c.value ? c.value(row) : row[c.key];
        const text = c.value && typeof raw === "string" ? raw : fmt(raw, c.key);
        const href = c.link ? c.link(row) : null;
        const td = el("td", {}, href ? el("a", { href, text }) : text);
        if (typeof raw === "number") td.className = "num";
        tr.append(td);
      }
      body.append(tr);
    }
    node.append(el("table", {}, el("thead", {}, head), body));
  }

  /** The guard's notes under a result (what was hidden below k), just after its container. */
  function notes(node, payload) {
    const raw = payload ? payload.privacy : null;
    const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
    const texts = list.map(guardNote);
    const next = node.nextElementSibling;
    if (next && next.classList.contains("notes")) next.remove();
    if (texts.length === 0) return;
    node.after(el("ul", { class: "notes", title: T("state.privacy") }, ...texts.map((t) => el("li", { text: t }))));
  }

  const FONT = 'system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  /** Draw a Plotly chart (SVG) into `node`; an empty `traces` shows the empty state instead. */
  function chart(node, traces, layout) {
    clear(node);
    if (!traces || traces.length === 0 || traces.every((t) => !(t.x || t.y || []).length)) {
      message(node, T("state.empty"), false, "empty");
      return false;
    }
    node.dataset.state = "drawn";
    const base = {
      margin: { l: 60, r: 20, t: 40, b: 60 },
      font: { family: FONT, size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      autosize: true,
    };
    const merged = Object.assign(base, layout || {});
    merged.margin = Object.assign({ l: 60, r: 20, t: 40, b: 60 }, (layout && layout.margin) || {});
    // long labels (titles, attribute names) push the plot area in rather than being cut off
    merged.xaxis = Object.assign({ automargin: true }, (layout && layout.xaxis) || {});
    merged.yaxis = Object.assign({ automargin: true }, (layout && layout.yaxis) || {});
    window.Plotly.newPlot(node, traces, merged, {
      displayModeBar: false,
      responsive: true,
    });
    return true;
  }

  /**
   * Draw the chart the API builds for a released result: the same route as its data, asked for
   * a Plotly figure (the spec the reports embed), labelled in the page's language.
   */
  async function figure(node, path, body) {
    const spec = await api(path, body, "application/vnd.plotly.v1+json");
    const drawn = chart(node, spec.data, spec.layout);
    if (drawn) exportButtons(node, path, body);
    return drawn;
  }

  /** CSV and PNG buttons under a chart drawn from an API result (every export is audited). */
  function exportButtons(node, path, body) {
    const name = (node.id || "chart").replace(/-chart$/, "");
    let bar = node.parentNode.querySelector(`.exports[data-for="${node.id}"]`);
    if (bar) bar.remove();
    const csv = el("button", { type: "button", class: "secondary small", text: T("export.csv") });
    const png = el("button", { type: "button", class: "secondary small", text: T("export.png") });
    csv.addEventListener("click", () => exportCsv(path, name, body));
    png.addEventListener("click", () => exportPng(node, path, name, body));
    bar = el("div", { class: "exports", "data-for": node.id }, csv, png);
    node.parentNode.insertBefore(bar, node);
  }

  /** Fill a <select> with options [{value, label}]; keeps `preferred` selected if present. */
  function options(select, opts, preferred) {
    clear(select);
    for (const o of opts) select.append(el("option", { value: o.value, text: o.label }));
    if (preferred !== undefined && opts.some((o) => o.value === preferred)) select.value = preferred;
  }

  /** A segment as the page's reader reads it: a built-in by its definition in Chinese on a
   * Chinese page (its description is English prose), a saved one by what its author wrote. */
  function segmentText(r) {
    if (lang === "zh") return r.saved && r.description ? r.description : r.definition_zh || r.definition || "";
    return r.description || r.definition || "";
  }

  /** The segments the API knows, as options for a <select>. */
  async function segmentOptions(select, preferred) {
    const payload = await api("/segments");
    const rows = rowsOf(payload);
    const opts = rows.map((r) => ({
      value: r.name,
      label: r.name === "all" ? T("word.all") : `${r.name} — ${segmentText(r)}`,
    }));
    if (!opts.some((o) => o.value === "all")) opts.unshift({ value: "all", label: T("word.all") });
    options(select, opts, preferred);
    return rows;
  }

  /** The items this key may see in detail (its own; every item for the platform). */
  async function ownItems(kind) {
    const query = kind ? "?kind=" + encodeURIComponent(kind) : "";
    return rowsOf(await api("/items" + query));
  }

  let titlesOnce = null;
  /** item_id -> title in the page's language, for the items this key sees (fetched once). */
  function itemTitles() {
    if (!titlesOnce) titlesOnce = ownItems().then((rows) => new Map(rows.map((r) => [r.item_id, title(r)])));
    return titlesOnce;
  }

  function itemOptions(select, items) {
    options(
      select,
      items.map((r) => ({ value: r.item_id, label: `${title(r)} (${r.item_id})` })),
    );
  }

  let whoOnce = null;
  /** The key's partner and names (GET /whoami), fetched once per page. */
  function whoami() {
    if (!whoOnce) whoOnce = api("/whoami");
    return whoOnce;
  }

  /** A partner's name in the page's language (the other language, then its id, if missing). */
  function partnerName(p) {
    const en = p.name_en || p.partner_name_en;
    const zh = p.name_zh || p.partner_name_zh;
    return (lang === "zh" ? zh || en : en || zh) || p.partner_id || p.partner || "";
  }

  let partnersOnce = null;
  /** partner_id -> name in the page's language (fetched once). */
  function partnerNames() {
    if (!partnersOnce) partnersOnce = api("/partners").then((rows) => new Map(rows.map((p) => [p.partner_id, partnerName(p)])));
    return partnersOnce;
  }

  /** Where a click on a value leads: an item to its audience, a kind to its genres, a partner
   * to its items, a segment to its trends; null where there is nowhere further to go. */
  function drill(dimension, value, question) {
    if (value === null || value === undefined || String(value).startsWith("(")) return null;
    const q = Object.assign({}, question || {});
    if (dimension === "item") return "/audiences?item=" + encodeURIComponent(value);
    if (dimension === "kind") return "/explore?" + new URLSearchParams(Object.assign(q, { by: "genre", kind: value }));
    if (dimension === "partner") return "/explore?" + new URLSearchParams(Object.assign(q, { by: "item", items_of: value }));
    if (dimension === "segment") return "/explore?" + new URLSearchParams({ segment: value, measure: "lift", by: "kind" });
    return null;
  }

  function download(href, filename) {
    const a = el("a", { href, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
  }

  /** The rows of a result as CSV, asked of the API (which writes the export to the audit log). */
  async function exportCsv(path, name, body) {
    const response = await api(path, body, "text/csv", { raw: true });
    const url = URL.createObjectURL(await response.blob());
    download(url, name + ".csv");
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** The chart as a PNG: the API's spec, asked for again as an export (audited), drawn to an
   * image by Plotly in this page. */
  async function exportPng(node, path, name, body) {
    const spec = await api(path, body, "application/vnd.plotly.v1+json", { headers: { "X-Export": "png" } });
    const layout = Object.assign({ paper_bgcolor: "#fff", plot_bgcolor: "#fff", font: { family: FONT } }, spec.layout || {});
    const width = Math.max(node.clientWidth || 800, 600);
    const url = await window.Plotly.toImage({ data: spec.data, layout }, { format: "png", width, height: layout.height || 480 });
    download(url, name + ".png");
  }

  /** A guard report (object) as a sentence in the page's language. */
  function guardNote(r) {
    if (typeof r === "string") {
      // the API's notes, as the guard words them, said in the page's language
      let m = /^(.*?)(\d+) of (\d+) cells below k=(\d+) users suppressed(.*)$/.exec(r);
      if (m) return m[1] + T("privacy.hidden").replace("{n}", m[2]).replace("{cells}", m[3]).replace("{k}", m[4]) + m[5];
      m = /^(.*?)no cell below k=(\d+) users(.*)$/.exec(r);
      if (m) return m[1] + T("privacy.none").replace("{k}", m[2]) + m[3];
      return r;
    }
    if (!r || typeof r !== "object") return String(r || "");
    const hidden = (r.suppressed || 0) + (r.complementary || 0);
    return hidden ? T("privacy.hidden").replace("{n}", hidden).replace("{cells}", r.cells).replace("{k}", r.k) : T("privacy.none").replace("{k}", r.k);
  }

  async function header() {
    const node = document.getElementById("partner-name");
    if (!node) return;
    try {
      const me = await whoami();
      const name = lang === "zh" ? me.partner_name_zh || me.partner_name_en : me.partner_name_en || me.partner_name_zh;
      node.textContent = name ? `${name} (${me.partner})` : me.partner;
    } catch (err) {
      node.textContent = "?";
    }
  }

  /** The language switch keeps the page's question (its address) and changes only the language. */
  function keepQuestion() {
    const link = document.getElementById("lang-switch");
    if (!link) return;
    const params = new URLSearchParams(window.location.search);
    params.set("lang", new URLSearchParams(link.getAttribute("href").slice(1)).get("lang"));
    link.setAttribute("href", "?" + params);
  }

  document.addEventListener("DOMContentLoaded", header);
  document.addEventListener("DOMContentLoaded", keepQuestion);

  return { segmentText, whoami, partnerName, partnerNames, drill, exportCsv, exportPng, guardNote, label, T, api, ApiError, el, clear, message, errorText, load, rowsOf, title, fmt, table, notes, chart, figure, options, segmentOptions, ownItems, itemTitles, itemOptions, lang };
})();
