#include "export/svg_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <ostream>
#include <sstream>

#include "export/flame_graph.h"
#include "export/flame_graph_script.h"
#include "export/svg_text.h"

namespace ksight::exporter {
namespace {

constexpr int kWidth = 1200;
constexpr int kXPad = 10;
constexpr int kFrameHeight = 16;
constexpr int kTopPad = 72;  // title, subtitle, legend
constexpr int kBottomPad = 30;
constexpr double kCharWidth = 7.2;      // 12px monospace
constexpr double kMinFrameWidth = 0.1;  // pixels; narrower frames are left out

struct Rgb {
  int r, g, b;
};

// Deterministic per name, so a function keeps its colour across graphs; the
// hue family tells the kind of frame.
Rgb frame_colour(const std::string& name, FrameKind kind) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  double a = static_cast<double>(h & 0xffff) / 65535.0;
  double b = static_cast<double>((h >> 16) & 0xffff) / 65535.0;
  auto mix = [](int base, int span, double t) { return base + static_cast<int>(span * t); };
  switch (kind) {
    case FrameKind::kProcess:
      return {mix(175, 30, a), mix(160, 30, a), mix(215, 30, b)};
    case FrameKind::kKernel:
      return {mix(60, 60, a), mix(150, 60, b), mix(210, 40, a)};
    case FrameKind::kInlined:
      return {mix(160, 50, a), mix(200, 40, b), mix(70, 40, a)};
    case FrameKind::kUser:
      break;
  }
  return {mix(205, 50, a), mix(40, 170, b), mix(20, 40, a)};
}

constexpr Rgb kRootColour{200, 200, 200};

std::string rgb(Rgb c) {
  return fmt::format("rgb({},{},{})", c.r, c.g, c.b);
}

struct Canvas {
  int height = 0;
  int64_t total = 0;
  double scale = 0;  // pixels per value unit
  profile::ValueType value_type;
};

void write_frame(const PlacedFrame& f, const FlameTree& tree, const StackSet& set,
                 const Canvas& canvas, std::ostream& out) {
  const FlameNode& node = tree.nodes[f.node];
  bool root = f.node == 0;
  const Frame* frame = root ? nullptr : &set.frames[node.frame];
  std::string name = root ? "all" : sanitize_text(frame->name);
  Rgb colour = root ? kRootColour : frame_colour(frame->name, frame->kind);
  double x = kXPad + static_cast<double>(f.start) * canvas.scale;
  double w = static_cast<double>(node.value) * canvas.scale;
  int y = canvas.height - kBottomPad - (f.depth + 1) * kFrameHeight;
  auto chars = static_cast<size_t>(std::max(0.0, (w - 6) / kCharWidth));
  out << fmt::format(R"(<g class="f" data-s="{}" data-v="{}" data-d="{}">)", f.start, node.value,
                     f.depth)
      << "<title>" << xml_escape(name) << " ("
      << xml_escape(format_value(node.value, canvas.value_type)) << ", "
      << format_percent(node.value, canvas.total) << ")</title>"
      << fmt::format(R"(<rect x="{:.2f}" y="{}" width="{:.2f}" height="{}" rx="2" fill="{}"/>)", x,
                     y, w, kFrameHeight - 1, rgb(colour))
      << fmt::format(R"(<text x="{:.2f}" y="{:.1f}">)", x + 3, y + 11.5)
      << xml_escape(fit_text(name, chars)) << "</text></g>\n";
}

void write_legend(std::ostream& out) {
  struct Item {
    const char* label;
    FrameKind kind;
  };
  const Item items[] = {{"process", FrameKind::kProcess},
                        {"user", FrameKind::kUser},
                        {"inlined", FrameKind::kInlined},
                        {"kernel", FrameKind::kKernel}};
  int x = kXPad;
  for (const auto& item : items) {
    out << fmt::format(R"(<rect x="{}" y="49" width="10" height="10" fill="{}"/>)", x,
                       rgb(frame_colour(item.label, item.kind)))
        << fmt::format(R"(<text x="{}" y="58">{}</text>)", x + 14, item.label) << "\n";
    x += 14 + static_cast<int>(std::string_view(item.label).size() * kCharWidth) + 12;
  }
}

std::string utc_time(int64_t unix_nanos) {
  std::time_t secs = static_cast<std::time_t>(unix_nanos / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string subtitle(const profile::Profile& profile, const Canvas& canvas) {
  if (canvas.total <= 0) return "no samples";
  const profile::ValueType& vt = canvas.value_type;
  std::string s =
      vt.unit == "count" || vt.unit.empty() ? vt.type : fmt::format("{} ({})", vt.type, vt.unit);
  s += ": total " + format_value(canvas.total, vt);
  if (profile.duration_nanos > 0) {
    s += fmt::format(" in {:.1f} s", static_cast<double>(profile.duration_nanos) / 1e9);
  }
  if (profile.time_nanos > 0) s += " from " + utc_time(profile.time_nanos);
  return s;
}

void write_header(const std::string& title, const std::string& sub, const Canvas& canvas,
                  std::ostream& out) {
  out << R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>)"
      << "\n"
      << fmt::format(
             R"(<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" )"
             R"(viewBox="0 0 {0} {1}" data-total="{2}" data-xpad="{3}" data-width="{0}">)",
             kWidth, canvas.height, canvas.total, kXPad)
      << "\n<style type=\"text/css\"><![CDATA[" << kFlameGraphStyle << "]]></style>\n"
      << R"svg(<rect x="0" y="0" width="100%" height="100%" fill="rgb(250,250,245)"/>)svg"
      << "\n"
      << fmt::format(R"(<text id="title" x="{}" y="22">{}</text>)", kWidth / 2,
                     xml_escape(sanitize_text(title)))
      << "\n"
      << fmt::format(R"(<text id="subtitle" x="{}" y="40">{}</text>)", kWidth / 2,
                     xml_escape(sanitize_text(sub)))
      << "\n"
      << fmt::format(R"(<text id="reset" class="control hidden" x="{}" y="22">Reset Zoom</text>)",
                     kXPad)
      << "\n"
      << fmt::format(R"(<text id="search" class="control" x="{}" y="22">Search</text>)",
                     kWidth - kXPad)
      << "\n";
  write_legend(out);
}

void write_footer(const Canvas& canvas, std::ostream& out) {
  int y = canvas.height - 10;
  out << fmt::format(R"(<text id="details" x="{}" y="{}"> </text>)", kXPad, y) << "\n"
      << fmt::format(R"(<text id="matched" x="{}" y="{}"></text>)", kWidth - kXPad, y) << "\n"
      << "<script type=\"text/ecmascript\"><![CDATA[" << kFlameGraphScript << "]]></script>\n"
      << "</svg>\n";
}

void write_svg(const profile::Profile& profile, const WriteOptions& options, std::ostream& out) {
  size_t index = select_value_index(profile, options.value_type);
  StackSet set = collect_stacks(profile, index, options.show_lines);
  FlameTree tree = build_flame_tree(set);
  Canvas canvas;
  canvas.total = tree.root().value;
  canvas.value_type = profile.sample_types[index];
  canvas.scale = canvas.total > 0 ? static_cast<double>(kWidth - 2 * kXPad) / canvas.total : 0;
  std::vector<PlacedFrame> frames = place_frames(tree, kMinFrameWidth / (kWidth - 2 * kXPad));
  int max_depth = 0;
  for (const auto& f : frames) max_depth = std::max(max_depth, f.depth);
  canvas.height = kTopPad + (max_depth + 1) * kFrameHeight + kBottomPad;
  write_header(options.title.empty() ? "Flame Graph" : options.title, subtitle(profile, canvas),
               canvas, out);
  out << "<g id=\"frames\">\n";
  for (const auto& f : frames) write_frame(f, tree, set, canvas, out);
  out << "</g>\n";
  write_footer(canvas, out);
}

class SvgWriter : public ProfileWriter {
 public:
  void write(const profile::Profile& profile, std::ostream& out,
             const WriteOptions& options) const override {
    write_svg(profile, options, out);
  }
};

}  // namespace

std::string render_flame_graph(const profile::Profile& profile, const WriteOptions& options) {
  std::ostringstream out;
  write_svg(profile, options, out);
  return std::move(out).str();
}

std::unique_ptr<ProfileWriter> make_svg_writer() {
  return std::make_unique<SvgWriter>();
}

}  // namespace ksight::exporter
