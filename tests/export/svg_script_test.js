// Runs the script embedded in ksight's SVG flame graph under node against a
// minimal DOM built from the SVG itself, and checks what a user would see:
// hover details, click-to-zoom, reset, regex search and its matched share.
//
// usage: node svg_script_test.js PATH/TO/ksight_write_fixture_profile
"use strict";
const assert = require("assert");
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

class ClassList {
  constructor(el) { this.el = el; }
  get set() { return new Set((this.el.attrs.class || "").split(/\s+/).filter(Boolean)); }
  write(s) { this.el.attrs.class = [...s].join(" "); }
  contains(c) { return this.set.has(c); }
  add(...cs) { const s = this.set; cs.forEach((c) => s.add(c)); this.write(s); }
  remove(...cs) { const s = this.set; cs.forEach((c) => s.delete(c)); this.write(s); }
  toggle(c, on) { if (on === undefined ? !this.contains(c) : on) this.add(c); else this.remove(c); }
}

class Element {
  constructor(tag, attrs, parent) {
    this.tag = tag;
    this.attrs = attrs;
    this.parentNode = parent;
    this.children = [];
    this.textContent = "";
    this.classList = new ClassList(this);
    this.listeners = {};
  }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  hasAttribute(k) { return k in this.attrs; }
  removeAttribute(k) { delete this.attrs[k]; }
  querySelector(tag) { return this.children.find((c) => c.tag === tag) || null; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatch(type, event) { (this.listeners[type] || []).forEach((fn) => fn(event)); }
}

function unescape(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function attributes(text) {
  const attrs = {};
  for (const m of text.matchAll(/([\w-]+)="([^"]*)"/g)) attrs[m[1]] = unescape(m[2]);
  return attrs;
}

// Builds just enough DOM: the root <svg>, elements with an id, every frame.
function buildDom(svgText) {
  const root = new Element("svg", attributes(svgText.match(/<svg ([^>]*)>/)[1]), null);
  const byId = {};
  for (const m of svgText.matchAll(/<text ([^>]*id="[^"]*"[^>]*)>([^<]*)<\/text>/g)) {
    const el = new Element("text", attributes(m[1]), root);
    el.textContent = unescape(m[2]);
    byId[el.attrs.id] = el;
  }
  const frames = [];
  const frameRe = /<g class="f" ([^>]*)><title>([^<]*)<\/title><rect ([^>]*)\/><text ([^>]*)>([^<]*)<\/text><\/g>/g;
  for (const m of svgText.matchAll(frameRe)) {
    const g = new Element("g", attributes(m[1]), root);
    g.attrs.class = "f";
    const title = new Element("title", {}, g);
    title.textContent = unescape(m[2]);
    const rect = new Element("rect", attributes(m[3]), g);
    const text = new Element("text", attributes(m[4]), g);
    text.textContent = unescape(m[5]);
    g.children.push(title, rect, text);
    frames.push(g);
  }
  const document = {
    documentElement: root,
    querySelectorAll: (sel) => (sel === "g.f" ? frames : []),
    getElementById: (id) => byId[id] || null,
  };
  return { root, frames, byId, document };
}

function main() {
  const writer = process.argv[2];
  assert.ok(writer, "usage: node svg_script_test.js ksight_write_fixture_profile");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ksight_svg_js_"));
  const file = path.join(dir, "flame.svg");
  execFileSync(writer, [file]);
  const svgText = fs.readFileSync(file, "utf8");
  fs.rmSync(dir, { recursive: true });

  const dom = buildDom(svgText);
  assert.strictEqual(dom.frames.length, 14, "frames parsed from the SVG");
  const script = svgText.match(/<script[^>]*><!\[CDATA\[([\s\S]*?)\]\]><\/script>/)[1];
  let promptAnswer = "";
  const window = {
    listeners: {},
    prompt: () => promptAnswer,
    addEventListener(type, fn) { this.listeners[type] = fn; },
  };
  new Function("document", "window", script)(dom.document, window);

  const frame = (title) => dom.frames.find((g) => g.querySelector("title").textContent.startsWith(title + " ("));
  const width = (g) => Number(g.querySelector("rect").getAttribute("width"));
  const hidden = (g) => g.classList.contains("hidden");
  const full = 1180;

  // Hover: details line shows the frame's title.
  const hot = frame("hot_leaf");
  dom.root.dispatch("mouseover", { target: hot.querySelector("rect") });
  assert.strictEqual(dom.byId.details.textContent, "Frame: hot_leaf (100 samples, 90.91%)");
  dom.root.dispatch("mouseout", { target: hot.querySelector("rect") });
  assert.strictEqual(dom.byId.details.textContent.trim(), "");

  // Click "writer": it fills the width, its children widen, siblings hide.
  const writerFrame = frame("writer");
  dom.root.dispatch("click", { target: writerFrame.querySelector("rect") });
  assert.ok(Math.abs(width(writerFrame) - full) < 0.01, "zoomed frame spans the graph");
  assert.ok(Math.abs(width(frame("ksys_write")) - full * 3 / 4) < 0.01, "child widened");
  assert.ok(hidden(hot), "sibling subtree hidden");
  assert.ok(hidden(frame("app")), "sibling process hidden");
  assert.ok(frame("all").classList.contains("ancestor"), "ancestor kept");
  assert.ok(!hidden(frame("all")));
  assert.ok(!dom.byId.reset.classList.contains("hidden"), "Reset Zoom shown");
  assert.ok(frame("ksys_write").querySelector("text").textContent.startsWith("ksys_write"),
            "labels refitted after zoom");

  // Reset zoom restores the original geometry.
  dom.root.dispatch("click", { target: dom.byId.reset });
  assert.ok(!hidden(hot));
  assert.ok(Math.abs(width(hot) - full * 100 / 110) < 0.01);
  assert.ok(dom.byId.reset.classList.contains("hidden"));

  // Search: nested matches (hot_inner contains hot_leaf) count once.
  promptAnswer = "^hot_";
  dom.root.dispatch("click", { target: dom.byId.search });
  assert.strictEqual(hot.querySelector("rect").getAttribute("fill"), "rgb(230,0,230)");
  assert.notStrictEqual(frame("main").querySelector("rect").getAttribute("fill"), "rgb(230,0,230)");
  assert.ok(dom.byId.matched.textContent.startsWith("Matched: 95.45%"), dom.byId.matched.textContent);
  assert.strictEqual(dom.byId.search.textContent, "Reset Search");
  dom.root.dispatch("click", { target: dom.byId.search });  // clears
  assert.notStrictEqual(hot.querySelector("rect").getAttribute("fill"), "rgb(230,0,230)");
  assert.strictEqual(dom.byId.matched.textContent, "");

  // Keyboard: '/' prompts; a regex over kernel frames.
  promptAnswer = "ksys|entry_SYSCALL|nft";
  let prevented = false;
  window.listeners.keydown({ key: "/", ctrlKey: false, preventDefault: () => { prevented = true; } });
  assert.ok(prevented);
  assert.ok(dom.byId.matched.textContent.startsWith("Matched: 3.64%"), dom.byId.matched.textContent);
  window.listeners.keydown({ key: "Escape", preventDefault: () => {} });
  assert.strictEqual(dom.byId.matched.textContent, "");

  // A bad regex is reported, not thrown.
  window.ksightFlameGraph.search("(");
  assert.ok(dom.byId.matched.textContent.startsWith("bad regex"));
  console.log("svg_script: all checks passed");
}

main();
