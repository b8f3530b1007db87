// ksight profile UI: time range + label filter → merged profile from the
// agent's JSON API → icicle flame graph (canvas) and top table; optional diff
// against a base range. No dependencies: everything here is served by the
// agent itself (see src/ui/README.md for why a small own renderer).
'use strict';

const $ = (id) => document.getElementById(id);
const ROW = 18;
const state = { windows: [], data: null, zoom: null, frames: [], diff: false, sort: 'flat',
                search: null, brush: null };

// ---------- formatting ----------
function fmtValue(v, unit) {
  const a = Math.abs(v);
  if (unit === 'nanoseconds') {
    if (a >= 1e9) return (v / 1e9).toFixed(2) + ' s';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + ' ms';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + ' µs';
    return v + ' ns';
  }
  if (unit === 'bytes') {
    if (a >= 1 << 30) return (v / (1 << 30)).toFixed(2) + ' GiB';
    if (a >= 1 << 20) return (v / (1 << 20)).toFixed(1) + ' MiB';
    if (a >= 1 << 10) return (v / (1 << 10)).toFixed(1) + ' KiB';
    return v + ' B';
  }
  return String(v);
}
const pct = (v, t) => (t ? (100 * v / t).toFixed(2) : '0.00') + '%';
function fmtTime(ns) {
  const d = new Date(ns / 1e6);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

// ---------- API ----------
async function api(path, params) {
  const q = new URLSearchParams(params || {});
  const res = await fetch('/api/v1/' + path + '?' + q.toString());
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function selector() {
  const parts = [];
  document.querySelectorAll('#labels select').forEach((s) => {
    if (s.value !== '') parts.push(s.dataset.key + '="' + s.value.replace(/(["\\])/g, '\\$1') + '"');
  });
  return '{' + parts.join(',') + '}';
}

function queryParams() {
  const p = { selector: selector(), from: $('from').value, to: $('to').value };
  if ($('value-type').value) p.type = $('value-type').value;
  if (state.diff) { p.base_from = $('base-from').value; p.base_to = $('base-to').value; }
  return p;
}

// ---------- controls ----------
function fillSelect(sel, values, label, keep) {
  const old = sel.value;
  sel.innerHTML = '';
  values.forEach((v) => {
    const o = document.createElement('option');
    o.value = v; o.textContent = label(v);
    sel.appendChild(o);
  });
  if (keep && values.map(String).includes(old)) sel.value = old;
}

async function loadLabels() {
  const { labels } = await api('labels');
  const box = $('labels');
  box.innerHTML = '';
  Object.keys(labels).sort().forEach((key) => {
    const l = document.createElement('label');
    const s = document.createElement('select');
    s.id = 'label-' + key; s.dataset.key = key;
    if (key === 'type') {
      // Profile types do not add up (ns of CPU + bytes allocated): one at a
      // time, CPU first; the Value picker then offers that type's sample types.
      l.textContent = 'profile type ';
      fillSelect(s, labels[key], (v) => v);
      if (labels[key].includes('cpu')) s.value = 'cpu';
      s.addEventListener('change', () => { $('value-type').innerHTML = ''; });
    } else {
      l.textContent = key + ' ';
      fillSelect(s, [''].concat(labels[key]), (v) => (v === '' ? 'any' : v));
    }
    s.addEventListener('change', loadWindows);
    l.appendChild(s);
    box.appendChild(l);
  });
}

async function loadWindows() {
  const { windows } = await api('windows', { selector: selector() });
  state.windows = windows;
  // Bounds stay decimal strings (exact ns); Number() only for drawing.
  const byTime = (a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
  const starts = [...new Set(windows.map((w) => w[0]))].sort(byTime);
  const ends = [...new Set(windows.map((w) => w[1]))].sort(byTime);
  const wasEmpty = $('from').options.length === 0;
  for (const [id, values] of [['from', starts], ['base-from', starts], ['to', ends], ['base-to', ends]]) {
    fillSelect($(id), values, fmtTime, !wasEmpty);
  }
  if (wasEmpty && starts.length) {
    $('from').value = starts[0]; $('to').value = ends[ends.length - 1];
    $('base-from').value = starts[0]; $('base-to').value = ends[Math.max(0, Math.floor(ends.length / 2) - 1)];
  }
  drawTimeline();
}

function preset(seconds) {
  const ends = [...$('to').options].map((o) => o.value);
  const starts = [...$('from').options].map((o) => o.value);
  if (!ends.length) return;
  const last = ends[ends.length - 1];
  $('to').value = last;
  const from = seconds ? BigInt(last) - BigInt(seconds) * 1000000000n : BigInt(starts[0]);
  $('from').value = starts.find((s) => BigInt(s) >= from) ?? starts[starts.length - 1];
  drawTimeline();
  runQuery();
}

// ---------- timeline (range picker) ----------
function timelineBounds() {
  if (!state.windows.length) return null;
  return [Math.min(...state.windows.map((w) => Number(w[0]))),
    Math.max(...state.windows.map((w) => Number(w[1])))];
}

function drawTimeline() {
  const c = $('timeline');
  const w = c.clientWidth, h = 44, dpr = window.devicePixelRatio || 1;
  c.width = w * dpr; c.height = h * dpr;
  const g = c.getContext('2d');
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, h);
  const b = timelineBounds();
  if (!b) return;
  const x = (t) => ((t - b[0]) / (b[1] - b[0] || 1)) * w;
  const sel = [Number($('from').value), Number($('to').value)];
  g.fillStyle = 'rgba(43,108,176,0.18)';
  g.fillRect(x(sel[0]), 0, x(sel[1]) - x(sel[0]), h);
  if (state.diff) {
    g.fillStyle = 'rgba(179,38,30,0.15)';
    const bf = Number($('base-from').value), bt = Number($('base-to').value);
    g.fillRect(x(bf), 0, x(bt) - x(bf), h);
  }
  g.fillStyle = '#4a6a8a';
  state.windows.forEach((win) => {
    const a = x(Number(win[0])), b = x(Number(win[1]));
    g.fillRect(a, 14, Math.max(1, b - a - 1), 16);
  });
  g.fillStyle = '#333';
  g.font = '10px sans-serif';
  g.fillText(fmtTime(b[0]), 2, 10);
  const right = fmtTime(b[1]);
  g.fillText(right, w - g.measureText(right).width - 2, 10);
}

function timelineTime(ev) {
  const b = timelineBounds();
  const r = $('timeline').getBoundingClientRect();
  return b[0] + ((ev.clientX - r.left) / r.width) * (b[1] - b[0]);
}

function nearest(sel, t) {
  let best = null;
  for (const o of sel.options) {
    if (best === null || Math.abs(Number(o.value) - t) < Math.abs(Number(best) - t)) best = o.value;
  }
  return best;
}

function initTimeline() {
  const c = $('timeline');
  c.addEventListener('mousedown', (ev) => { if (timelineBounds()) state.brush = timelineTime(ev); });
  window.addEventListener('mouseup', (ev) => {
    if (state.brush === null) return;
    const t = timelineTime(ev), a = Math.min(state.brush, t), b = Math.max(state.brush, t);
    state.brush = null;
    $('from').value = nearest($('from'), a);
    const from = BigInt($('from').value);
    const to = nearest($('to'), b);
    $('to').value = BigInt(to) > from ? to : [...$('to').options].find((o) => BigInt(o.value) > from)?.value;
    drawTimeline();
    runQuery();
  });
}

// ---------- flame graph ----------
function linkParents(node, parent) {
  node.parent = parent;
  (node.c || []).forEach((c) => linkParents(c, node));
}

function width(n) { return state.diff && !state.data.total ? (n.b || 0) : n.v; }

function layout() {
  const frames = [];
  const path = [];
  for (let n = state.zoom; n; n = n.parent) path.unshift(n);
  path.forEach((n, d) => frames.push({ n, d, x: 0, w: 1 }));
  const walk = (n, d, x, w) => {
    const total = width(n) || 1;
    let cx = x;
    for (const c of n.c || []) {
      const cw = (w * width(c)) / total;
      if (cw > 0) { frames.push({ n: c, d: d + 1, x: cx, w: cw }); walk(c, d + 1, cx, cw); }
      cx += cw;
    }
  };
  walk(state.zoom, path.length - 1, 0, 1);
  return frames;
}

function hashHue(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h;
}

function color(n) {
  if (state.search && state.search.test(n.n)) return 'rgb(200,80,220)';
  if (state.diff) {
    const t = state.data.total || 1, bt = state.data.base_total || 1;
    const delta = n.v / t - (n.b || 0) / bt;
    const rel = Math.min(1, Math.abs(delta) / Math.max(n.v / t, (n.b || 0) / bt, 1e-9));
    const k = Math.round(255 - 170 * rel);
    if (Math.abs(delta) < 1e-9) return 'rgb(235,235,235)';
    return delta > 0 ? `rgb(255,${k},${k})` : `rgb(${k},${k},255)`;
  }
  const h = hashHue(n.n);
  if (n.k === 'r') return 'rgb(200,200,205)';
  if (n.k === 'p') return 'rgb(170,190,215)';
  if (n.k === 'k') return `rgb(${220 + (h % 30)},${120 + (h % 60)},60)`;
  if (n.k === 'i') return `rgb(120,${190 + (h % 50)},${120 + (h % 40)})`;
  return `rgb(${205 + (h % 50)},${(h >> 8) % 180 + 40},40)`;
}

function drawFlame() {
  const c = $('flame');
  const frames = layout();
  state.frames = frames;
  const depth = frames.reduce((m, f) => Math.max(m, f.d), 0) + 1;
  const w = c.clientWidth, h = depth * ROW, dpr = window.devicePixelRatio || 1;
  c.style.height = h + 'px';
  c.width = w * dpr; c.height = h * dpr;
  const g = c.getContext('2d');
  g.scale(dpr, dpr);
  g.font = '11px ui-monospace, monospace';
  g.textBaseline = 'middle';
  const drawn = [];
  for (const f of frames) {
    const x = f.x * w, fw = f.w * w, y = f.d * ROW;
    if (fw < 0.5) continue;
    g.fillStyle = color(f.n);
    g.fillRect(x, y, Math.max(fw - 0.5, 0.5), ROW - 1);
    if (fw > 1) drawn.push(f.n.n);
    if (fw > 24) {
      g.save();
      g.beginPath(); g.rect(x, y, fw - 2, ROW); g.clip();
      g.fillStyle = '#111';
      g.fillText(f.n.n, x + 3, y + ROW / 2);
      g.restore();
    }
  }
  // For tests and automation: the names drawn at least one pixel wide.
  window.ksightDrawnFrames = drawn;
  c.dataset.frames = String(drawn.length);
  searchSummary();
}

function frameAt(ev) {
  const r = $('flame').getBoundingClientRect();
  const x = (ev.clientX - r.left) / r.width, d = Math.floor((ev.clientY - r.top) / ROW);
  return state.frames.find((f) => f.d === d && x >= f.x && x < f.x + f.w);
}

function tooltipText(n) {
  const d = state.data, unit = d.unit;
  let s = `<b>${escapeHtml(n.n)}</b><br>${fmtValue(n.v, unit)} (${pct(n.v, d.total)})`;
  if (state.diff) {
    const b = n.b || 0;
    s += `<br>base ${fmtValue(b, unit)} (${pct(b, d.base_total)}) → change ${
      (((n.v / (d.total || 1)) - (b / (d.base_total || 1))) * 100).toFixed(2)} pp`;
  }
  return s;
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function initFlame() {
  const c = $('flame'), tip = $('tooltip');
  c.addEventListener('mousemove', (ev) => {
    const f = state.data && frameAt(ev);
    if (!f) { tip.hidden = true; return; }
    tip.innerHTML = tooltipText(f.n);
    tip.hidden = false;
    const r = $('flame-wrap').getBoundingClientRect();
    tip.style.left = Math.min(ev.clientX - r.left + 12, r.width - 300) + 'px';
    tip.style.top = (ev.clientY - r.top + 16) + 'px';
  });
  c.addEventListener('mouseleave', () => { tip.hidden = true; });
  c.addEventListener('click', (ev) => {
    const f = state.data && frameAt(ev);
    if (f) { state.zoom = f.n; drawFlame(); }
  });
}

function searchSummary() {
  if (!state.search || !state.data) { $('summary').dataset.match = ''; return; }
  let matched = 0;
  const walk = (n) => {
    if (state.search.test(n.n)) { matched += n.v; return; }
    (n.c || []).forEach(walk);
  };
  walk(state.data.flame);
  $('summary').dataset.match = pct(matched, state.data.total);
  $('summary').textContent = summaryText() + ` · search matches ${pct(matched, state.data.total)}`;
}

function summaryText() {
  const d = state.data;
  let s = `${d.value_type || 'no data'}: total ${fmtValue(d.total, d.unit)}`;
  if (state.diff) s += ` vs base ${fmtValue(d.base_total, d.unit)} (red grew, blue shrank)`;
  return s;
}

// ---------- top table ----------
function drawTop() {
  const d = state.data, tbody = document.querySelector('#top tbody');
  const rows = d.top.slice();
  const delta = (r) => r.flat / (d.total || 1) - (r.base_flat || 0) / (d.base_total || 1);
  const key = state.sort;
  rows.sort((a, b) => key === 'name' ? a.name.localeCompare(b.name)
    : key === 'delta' ? Math.abs(delta(b)) - Math.abs(delta(a)) : b[key] - a[key]);
  tbody.innerHTML = '';
  for (const r of rows.slice(0, 300)) {
    const tr = document.createElement('tr');
    const dl = delta(r);
    tr.innerHTML = `<td>${escapeHtml(r.name)}${r.kind === 'k' ? ' <small>[k]</small>' : ''}</td>` +
      `<td>${fmtValue(r.flat, d.unit)}</td><td>${pct(r.flat, d.total)}</td>` +
      `<td>${fmtValue(r.cum, d.unit)}</td><td>${pct(r.cum, d.total)}</td>` +
      `<td class="diff-only ${dl > 1e-12 ? 'grow' : dl < -1e-12 ? 'shrink' : ''}">${(dl * 100).toFixed(2)} pp</td>`;
    tr.addEventListener('click', () => { $('search').value = '^' + r.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$'; applySearch(); });
    tbody.appendChild(tr);
  }
}

// ---------- query ----------
async function runQuery() {
  if (!$('from').value) { $('status').textContent = 'no profile windows stored yet'; document.body.dataset.state = 'ready'; return; }
  document.body.dataset.state = 'loading';
  state.diff = $('diff-on').checked;
  document.body.classList.toggle('diff', state.diff);
  const params = queryParams();
  $('tooltip').hidden = true;
  $('status').textContent = 'loading…';
  try {
    const data = await api(state.diff ? 'diff' : 'profile', params);
    state.data = data;
    linkParents(data.flame, null);
    state.zoom = data.flame;
    fillSelect($('value-type'), data.sample_types.map((t) => t.type), (v) => v, true);
    if (data.value_type) $('value-type').value = data.value_type;
    $('summary').textContent = summaryText();
    const dl = Object.assign({}, params);
    $('download').href = '/api/v1/pprof?' + new URLSearchParams(dl).toString();
    drawFlame();
    drawTop();
    drawTimeline();
    $('status').textContent = '';
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
  }
  document.body.dataset.state = 'ready';
}

function applySearch() {
  const text = $('search').value;
  try { state.search = text ? new RegExp(text) : null; } catch (e) { state.search = null; }
  if (state.data) { $('summary').textContent = summaryText(); drawFlame(); }
}

async function init() {
  initTimeline();
  initFlame();
  $('query').addEventListener('click', runQuery);
  $('diff-on').addEventListener('change', runQuery);
  $('value-type').addEventListener('change', runQuery);
  $('search').addEventListener('input', applySearch);
  $('reset-zoom').addEventListener('click', () => { if (state.data) { state.zoom = state.data.flame; drawFlame(); } });
  document.querySelectorAll('[data-preset]').forEach((b) => b.addEventListener('click', () => preset(Number(b.dataset.preset))));
  document.querySelectorAll('#top th').forEach((th) => th.addEventListener('click', () => { state.sort = th.dataset.sort; if (state.data) drawTop(); }));
  window.addEventListener('resize', () => { drawTimeline(); if (state.data) drawFlame(); });
  try {
    await loadLabels();
    await loadWindows();
    await runQuery();
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
    document.body.dataset.state = 'ready';
  }
}

window.ksightUi = { state, runQuery, loadWindows };
init();
