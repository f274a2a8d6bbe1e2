// The gazetteer search page: asks this service's own /search and /batch, draws /map.json as SVG.
// Plain browser JavaScript, no libraries. The map is Web Mercator at zoom Z so that optional tiles
// ({z}/{x}/{y} URL given by the user) line up with it.
"use strict";

const Z = 6;
const WORLD = 256 * Math.pow(2, Z);
const BBOX = { west: 21.9, east: 40.4, south: 44.0, north: 52.6 };
const SVGNS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function project(lon, lat) {
  const x = ((lon + 180) / 360) * WORLD;
  const s = Math.sin((lat * Math.PI) / 180);
  const y = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * WORLD;
  return [x, y];
}

const [X0, Y0] = project(BBOX.west, BBOX.north);
const [X1, Y1] = project(BBOX.east, BBOX.south);

function el(name, attrs, parent) {
  const node = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function text(tag, value) {
  const node = document.createElement(tag);
  node.textContent = value == null ? "" : String(value);
  return node;
}

const map = { svg: null, tiles: null, oblasts: null, towns: null, marks: null, byId: {} };

function setupMap() {
  const svg = $("map");
  svg.setAttribute("viewBox", `${X0} ${Y0} ${X1 - X0} ${Y1 - Y0}`);
  map.svg = svg;
  map.tiles = el("g", { id: "tiles" }, svg);
  map.oblasts = el("g", { id: "oblasts" }, svg);
  map.towns = el("g", { id: "towns" }, svg);
  map.labels = el("g", { id: "oblast-labels" }, svg);
  map.marks = el("g", { id: "marks" }, svg);
  const saved = window.localStorage && localStorage.getItem("gazetteer.tiles");
  if (saved) { $("tile-url").value = saved; drawTiles(saved); }
  fetch("/map.json").then((r) => r.json()).then(drawBase).catch((e) => status("error", `map: ${e}`));
}

function drawBase(data) {
  for (const ob of data.oblasts) {
    let d = "";
    for (const ring of ob.rings) {
      d += ring.map(([lon, lat], i) => (i ? "L" : "M") + project(lon, lat).map((v) => v.toFixed(1)).join(" ")).join("") + "Z";
    }
    const path = el("path", { d, class: "oblast", "data-id": ob.id }, map.oblasts);
    el("title", {}, path).textContent = `${ob.name_uk} / ${ob.name_en}`;
    map.byId[ob.id] = path;
    if (ob.lat != null && ob.lon != null) {
      const [x, y] = project(ob.lon, ob.lat);
      el("text", { x, y, class: "oblast-label" }, map.labels).textContent = ob.name_en;
    }
  }
  let d = "";
  for (const [lon, lat] of data.points) {
    const [x, y] = project(lon, lat);
    d += `M${x.toFixed(1)} ${y.toFixed(1)}h0.9v0.9h-0.9Z`;
  }
  el("path", { d, class: "town" }, map.towns);
  map.svg.dataset.ready = "1";
}

function drawTiles(template) {
  map.tiles.replaceChildren();
  if (!template) { map.oblasts.removeAttribute("opacity"); return; }
  const t0x = Math.floor(X0 / 256), t1x = Math.floor(X1 / 256);
  const t0y = Math.floor(Y0 / 256), t1y = Math.floor(Y1 / 256);
  for (let tx = t0x; tx <= t1x; tx++) {
    for (let ty = t0y; ty <= t1y; ty++) {
      const href = template.replace("{z}", Z).replace("{x}", tx).replace("{y}", ty).replace("{s}", "a");
      el("image", { href, x: tx * 256, y: ty * 256, width: 256, height: 256, opacity: 0.85 }, map.tiles);
    }
  }
  map.oblasts.setAttribute("opacity", "0.45");
}

function status(kind, message) {
  const node = $("status");
  node.className = kind;
  node.textContent = message;
}

let current = [];

function choose(index) {
  const rows = $("results").tBodies[0].rows;
  for (let i = 0; i < rows.length; i++) rows[i].classList.toggle("chosen", i === index);
  map.marks.replaceChildren();
  for (const p of Object.values(map.byId)) p.classList.remove("hit");
  current.forEach((r, i) => {
    if (i === index) return;
    const [x, y] = project(parseFloat(r.lon), parseFloat(r.lat));
    el("circle", { cx: x, cy: y, r: 4.5, class: "candidate" }, map.marks);
  });
  const r = current[index];
  if (!r) return;
  const [x, y] = project(parseFloat(r.lon), parseFloat(r.lat));
  const hit = map.byId[r.gazetteer.oblast_id];
  if (hit) hit.classList.add("hit");
  const mark = el("circle", { cx: x, cy: y, r: 6, class: "chosen", "data-katottg": r.gazetteer.katottg }, map.marks);
  el("title", {}, mark).textContent = r.display_name;
  el("text", { x: x + 7, y: y - 6, class: "label" }, map.marks).textContent = r.name;
}

function unit(address, key) {
  return (address && address[key]) || "";
}

async function search(event) {
  if (event) event.preventDefault();
  const q = $("q").value.trim();
  if (!q) { status("error", "Type a name."); return; }
  const params = new URLSearchParams({ format: "jsonv2", addressdetails: "1", limit: "10",
    "accept-language": $("lang").value });
  const oblast = $("oblast").value.trim();
  if (oblast) { params.set("city", q); params.set("state", oblast); } else { params.set("q", q); }
  status("", "…");
  let response;
  try {
    response = await fetch(`/search?${params}`);
  } catch (e) { status("error", `the service did not answer: ${e}`); return; }
  const data = await response.json();
  if (!response.ok) { status("error", (data.error && data.error.message) || response.statusText); return; }
  const kind = response.headers.get("X-Gazetteer-Status") || (data.length ? "resolved" : "not_found");
  const reason = decodeURIComponent(response.headers.get("X-Gazetteer-Reason") || "");
  current = data;
  const body = $("results").tBodies[0];
  body.replaceChildren();
  data.forEach((r, i) => {
    const g = r.gazetteer, a = r.address || {};
    const tr = document.createElement("tr");
    tr.dataset.katottg = g.katottg;
    for (const v of [i + 1, r.name, r.addresstype, unit(a, "state"), unit(a, "district"), unit(a, "municipality"),
      g.coord_precision, g.match || g.level || "", g.score == null ? "" : g.score.toFixed(2)]) tr.appendChild(text("td", v));
    tr.title = `KATOTTG ${g.katottg} — ${r.display_name}`;
    tr.addEventListener("click", () => choose(i));
    body.appendChild(tr);
  });
  $("results").hidden = data.length === 0;
  if (kind === "resolved") status("resolved", `resolved: ${data[0].display_name}`);
  else if (kind === "ambiguous") status("ambiguous", `ambiguous: ${data.length} candidates shown, best first — ${reason}`);
  else if (kind === "oblast") status("resolved", `a region, not a settlement: ${data.map((r) => r.display_name).join("; ")}`);
  else status("not_found", `not found: ${reason || "no settlement of that name"}`);
  choose(data.length ? 0 : -1);
}

const BATCH_COLUMNS = ["query", "gaz_status", "gaz_name_uk", "gaz_oblast_uk", "gaz_raion_uk", "gaz_hromada_uk",
  "gaz_lat", "gaz_lon", "gaz_coord_precision", "gaz_score", "gaz_reason"];

function csvCell(v) {
  const s = v == null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function runBatch() {
  const names = $("batch-input").value.split(/\r?\n/);
  while (names.length && !names[names.length - 1].trim()) names.pop();
  if (!names.length) { $("batch-status").textContent = "Paste some names first."; return; }
  $("batch-status").textContent = `resolving ${names.length} names…`;
  const response = await fetch("/batch", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ names, oblast: $("batch-oblast").value.trim() || null }) });
  const data = await response.json();
  if (!response.ok) { $("batch-status").textContent = data.error.message; return; }
  const body = $("batch-table").tBodies[0];
  body.replaceChildren();
  const counts = {};
  for (const row of data.rows) {
    counts[row.gaz_status] = (counts[row.gaz_status] || 0) + 1;
    const tr = document.createElement("tr");
    for (const c of BATCH_COLUMNS) tr.appendChild(text("td", c === "gaz_score" && row[c] != null ? row[c].toFixed(2) : row[c]));
    if (row.gaz_status !== "resolved") tr.classList.add("bad");
    body.appendChild(tr);
  }
  $("batch-table").hidden = false;
  $("batch-status").textContent = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ");
  const columns = Object.keys(data.rows[0] || {});
  const lines = [columns.join(",")].concat(data.rows.map((r) => columns.map((c) => csvCell(r[c])).join(",")));
  const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const link = $("download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.hidden = false;
}

function init() {
  setupMap();
  $("search-form").addEventListener("submit", search);
  $("batch-run").addEventListener("click", runBatch);
  $("tile-apply").addEventListener("click", () => {
    const url = $("tile-url").value.trim();
    if (window.localStorage) localStorage.setItem("gazetteer.tiles", url);
    drawTiles(url);
  });
  fetch("/status?format=json").then((r) => r.json()).then((s) => {
    $("licence").textContent = `gazetteer ${s.software_version.replace("gazetteer ", "")}: ${s.settlements} settlements; ` +
      "data: codifier KATOTTG, GeoNames (CC BY 4.0), OCHA COD-AB; extract built " + s.data_updated;
  }).catch(() => {});
  const q = new URLSearchParams(window.location.search).get("q");
  if (q) { $("q").value = q; search(); }
}

init();
