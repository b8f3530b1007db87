#pragma once
// A rule's `output` compiled once: literal text and %field references
// (`%proc.name`, `%proc.aname[2]`, `%evt.arg.flags`; `%%` is a literal %).
// Falco's `%container.info` placeholder renders as `container_id=%container.id`.
// Rendering produces the message and the output_fields map of Falco's JSON.
#include <optional>
#include <string>
#include <vector>

#include "rules/fields.h"
#include "rules/rule_items.h"

namespace ksight::rules {

struct OutputField {
  std::string name;
  std::string value;     // rendered text; "<NA>" when absent
  bool numeric = false;  // JSON number (int fields)
  bool present = true;   // false: JSON null
};

class OutputFormat {
 public:
  // Unknown fields are errors at the position of the '%'; with
  // `unknown_as_warning` set they are warnings instead (the last diagnostic)
  // and set it to true (the rule compiler then skips the rule).
  static std::optional<OutputFormat> compile(const Text& text, Diagnostics& diags,
                                             bool* unknown_as_warning = nullptr);

  void render(EvalContext& ctx, std::string& out) const;
  void render_fields(EvalContext& ctx, std::vector<OutputField>& out) const;

 private:
  struct Segment {
    std::string literal;                 // text before the field
    std::optional<ResolvedField> field;  // none for the trailing literal
    std::string field_name;
  };
  std::vector<Segment> segments_;
};

}  // namespace ksight::rules
