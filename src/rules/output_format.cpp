#include "rules/output_format.h"

#include <cctype>

namespace ksight::rules {

namespace {

bool field_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' ||
         c == ']' || c == '-';
}

}  // namespace

std::optional<OutputFormat> OutputFormat::compile(const Text& text, Diagnostics& diags,
                                                  bool* unknown_as_warning) {
  OutputFormat format;
  auto src = std::make_shared<SourceText>();
  src->append(text.value, text.mark.file, text.mark.line, text.mark.column);
  // Folded YAML scalars (`output: >`) end in a newline; an alert is one line.
  std::string s = text.value;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  Segment current;
  bool ok = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      current.literal += s[i];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '%') {
      current.literal += '%';
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < s.size() && field_char(s[end])) ++end;
    // A sentence may end right after a field: "%fd.name."
    while (end > i + 1 && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
    std::string name = s.substr(i + 1, end - i - 1);
    // Falco's placeholder for "the container context"; ksight knows the id.
    if (name == "container.info") {
      current.literal += "container_id=";
      name = "container.id";
    }
    std::string error;
    ResolvedField field = resolve_field(name, &error);
    if (!field.info) {
      Location where = src->locate(i);
      if (name.empty()) {
        diags.error(where, "output: '%' without a field name (use %% for a literal %)");
      } else if (unknown_as_warning && error.starts_with("unknown field")) {
        diags.warning(where, "output: " + error);
        *unknown_as_warning = true;
      } else {
        diags.error(where, "output: " + error);
      }
      ok = false;
    } else {
      current.field = std::move(field);
      current.field_name = name;
      format.segments_.push_back(std::move(current));
      current = Segment{};
    }
    i = end - 1;
  }
  format.segments_.push_back(std::move(current));
  if (!ok) return std::nullopt;
  return format;
}

void OutputFormat::render(EvalContext& ctx, std::string& out) const {
  for (const auto& seg : segments_) {
    out += seg.literal;
    if (seg.field) render_field(ctx, *seg.field, out);
  }
}

void OutputFormat::render_fields(EvalContext& ctx, std::vector<OutputField>& out) const {
  for (const auto& seg : segments_) {
    if (!seg.field) continue;
    bool seen = false;
    for (const auto& f : out) seen |= f.name == seg.field_name;
    if (seen) continue;
    OutputField field;
    field.name = seg.field_name;
    FieldValue probe;
    field.present = seg.field->info->extract(ctx, seg.field->arg, probe);
    field.numeric = field.present && seg.field->type == FieldType::kInt;
    render_field(ctx, *seg.field, field.value);
    out.push_back(std::move(field));
  }
}

}  // namespace ksight::rules
