#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace ksight::metrics {

namespace {

const char* type_word(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} plus an optional extra label (le), or "" when empty.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const LabelValues& values, const char* extra_name = nullptr,
                   const std::string& extra_value = {}) {
  if (names.empty() && !extra_name) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (extra_name) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void render_histogram(std::string& out, const FamilySnapshot& f, const LabelValues& labels,
                      const SeriesValue& s) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= f.bucket_bounds.size(); ++i) {
    cumulative += i < s.bucket_counts.size() ? s.bucket_counts[i] : 0;
    std::string le = i < f.bucket_bounds.size() ? format_value(f.bucket_bounds[i]) : "+Inf";
    out += f.name + "_bucket";
    append_labels(out, f.label_names, labels, "le", le);
    out += ' ' + std::to_string(cumulative) + '\n';
  }
  out += f.name + "_sum";
  append_labels(out, f.label_names, labels);
  out += ' ' + format_value(s.sum) + '\n';
  out += f.name + "_count";
  append_labels(out, f.label_names, labels);
  out += ' ' + std::to_string(s.count) + '\n';
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, end);
}

std::string render_text(const std::vector<FamilySnapshot>& families) {
  std::string out;
  for (const auto& f : families) {
    out += "# HELP " + f.name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + f.name + ' ' + type_word(f.type) + '\n';
    for (const auto& [labels, s] : f.series) {
      if (f.type == MetricType::kHistogram) {
        render_histogram(out, f, labels, s);
        continue;
      }
      out += f.name;
      append_labels(out, f.label_names, labels);
      out += ' ' + format_value(s.value) + '\n';
    }
  }
  return out;
}

}  // namespace ksight::metrics
