#pragma once
// The stylesheet and script embedded in every SVG flame graph, so the file
// works offline with nothing else: hover details, click to zoom, regex search.
namespace ksight::exporter {

// CSS for the <style> element.
extern const char* const kFlameGraphStyle;

// ECMAScript for the <script> CDATA section. It relies on the SVG's layout
// contract: every frame is <g class="f" data-s data-v data-d> holding a
// <title> ("name (value, pct)"), a <rect> and a <text>; the root <svg> has
// data-total, data-xpad, data-width; ids details, matched, reset, search.
extern const char* const kFlameGraphScript;

}  // namespace ksight::exporter
