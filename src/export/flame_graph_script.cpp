#include "export/flame_graph_script.h"

namespace ksight::exporter {

const char* const kFlameGraphStyle = R"CSS(
text { font-family: monospace; font-size: 12px; fill: rgb(0,0,0); }
.f text { pointer-events: none; }
.f:hover rect { stroke: rgb(40,40,40); stroke-width: 0.5; cursor: pointer; }
.ancestor rect { opacity: 0.55; }
.control { cursor: pointer; fill: rgb(30,60,160); }
.control:hover { text-decoration: underline; }
.hidden { display: none; }
#title { font-size: 17px; text-anchor: middle; }
#subtitle { fill: rgb(90,90,90); text-anchor: middle; }
#matched { text-anchor: end; }
#search { text-anchor: end; }
)CSS";

const char* const kFlameGraphScript = R"JS(
"use strict";
(function () {
  var svg = document.documentElement;
  var total = Number(svg.getAttribute("data-total"));
  var xpad = Number(svg.getAttribute("data-xpad"));
  var full = Number(svg.getAttribute("data-width")) - 2 * xpad;
  var charWidth = 7.2;
  var frames = Array.prototype.slice.call(document.querySelectorAll("g.f"));
  var details = document.getElementById("details");
  var matched = document.getElementById("matched");
  var resetZoom = document.getElementById("reset");
  var searchButton = document.getElementById("search");
  var searching = false;

  function num(g, key) { return Number(g.getAttribute("data-" + key)); }
  function title(g) { return g.querySelector("title").textContent; }
  function frameName(g) {
    var t = title(g);
    var cut = t.lastIndexOf(" (");
    return cut < 0 ? t : t.substring(0, cut);
  }
  function frameOf(node) {
    while (node && node !== svg) {
      if (node.classList && node.classList.contains("f")) return node;
      node = node.parentNode;
    }
    return null;
  }

  function fitText(g, width) {
    var text = g.querySelector("text");
    var name = frameName(g);
    var chars = Math.floor((width - 6) / charWidth);
    if (chars < 3) text.textContent = "";
    else if (name.length <= chars) text.textContent = name;
    else text.textContent = name.substring(0, chars - 2) + "..";
  }

  function place(g, x, width) {
    var rect = g.querySelector("rect");
    rect.setAttribute("x", x.toFixed(2));
    rect.setAttribute("width", Math.max(width, 0).toFixed(2));
    g.querySelector("text").setAttribute("x", (x + 3).toFixed(2));
    fitText(g, width);
  }

  function zoom(target) {
    var s0 = num(target, "s"), v0 = num(target, "v"), d0 = num(target, "d");
    frames.forEach(function (g) {
      var s = num(g, "s"), v = num(g, "v"), d = num(g, "d");
      g.classList.remove("hidden", "ancestor");
      if (d < d0 && s <= s0 && s + v >= s0 + v0) {
        g.classList.add("ancestor");
        place(g, xpad, full);
      } else if (d >= d0 && s >= s0 && s + v <= s0 + v0) {
        place(g, xpad + (s - s0) / v0 * full, v / v0 * full);
      } else {
        g.classList.add("hidden");
      }
    });
    resetZoom.classList.toggle("hidden", d0 === 0);
  }

  function unzoom() {
    frames.forEach(function (g) {
      g.classList.remove("hidden", "ancestor");
      place(g, xpad + num(g, "s") / total * full, num(g, "v") / total * full);
    });
    resetZoom.classList.add("hidden");
  }

  function clearSearch() {
    frames.forEach(function (g) {
      var rect = g.querySelector("rect");
      if (rect.hasAttribute("data-fill")) {
        rect.setAttribute("fill", rect.getAttribute("data-fill"));
        rect.removeAttribute("data-fill");
      }
    });
    matched.textContent = "";
    searchButton.textContent = "Search";
    searching = false;
  }

  // Nested matches count once: the union of the matched frames' spans.
  function matchedValue(spans) {
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var sum = 0, end = -1;
    spans.forEach(function (span) {
      var from = Math.max(span[0], end), to = span[0] + span[1];
      if (to > from) { sum += to - from; end = to; }
    });
    return sum;
  }

  function search(pattern) {
    var re;
    try { re = new RegExp(pattern); } catch (e) { matched.textContent = "bad regex: " + e.message; return; }
    clearSearch();
    var spans = [];
    frames.forEach(function (g) {
      if (!re.test(frameName(g))) return;
      var rect = g.querySelector("rect");
      rect.setAttribute("data-fill", rect.getAttribute("fill"));
      rect.setAttribute("fill", "rgb(230,0,230)");
      spans.push([num(g, "s"), num(g, "v")]);
    });
    var pct = total > 0 ? 100 * matchedValue(spans) / total : 0;
    matched.textContent = "Matched: " + pct.toFixed(2) + "% (" + pattern + ")";
    searchButton.textContent = "Reset Search";
    searching = true;
  }

  function promptSearch() {
    if (searching) { clearSearch(); return; }
    var pattern = window.prompt("Search frames (regular expression)", "");
    if (pattern) search(pattern);
  }

  svg.addEventListener("mouseover", function (e) {
    var g = frameOf(e.target);
    if (g) details.textContent = "Frame: " + title(g);
  });
  svg.addEventListener("mouseout", function (e) {
    if (frameOf(e.target)) details.textContent = " ";
  });
  svg.addEventListener("click", function (e) {
    var g = frameOf(e.target);
    if (g) zoom(g);
    else if (e.target === resetZoom) unzoom();
    else if (e.target === searchButton) promptSearch();
  });
  window.addEventListener("keydown", function (e) {
    if ((e.ctrlKey && e.key === "f") || e.key === "/") {
      e.preventDefault();
      if (searching) clearSearch();
      promptSearch();
    } else if (e.key === "Escape") {
      unzoom();
      clearSearch();
    }
  });
  window.ksightFlameGraph = { zoom: zoom, unzoom: unzoom, search: search, clearSearch: clearSearch };
})();
)JS";

}  // namespace ksight::exporter
