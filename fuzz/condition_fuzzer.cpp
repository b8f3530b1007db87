// Fuzzes the condition language: lexer, parser, passes, compiler, and
// evaluation of whatever compiles against a representative event.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/parser.h"
#include "rules/ruleset.h"

using namespace ksight::rules;

namespace {

SecurityEvent sample_event() {
  SecurityEvent ev;
  ev.type = EventType::kOpenat;
  ev.res = 3;
  ev.proc.comm = "cat";
  ev.proc.exe = "/usr/bin/cat";
  ev.proc.args = {"cat", "/etc/shadow"};
  ev.proc.ancestors = {"bash", "sshd"};
  ev.fd.name = "/etc/shadow";
  ev.fd.type_char = 'f';
  ev.set_arg("flags", "O_RDONLY");
  return ev;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ParseResult parsed = parse_condition(SourceText::inline_text(text), true);
  if (parsed.error) (void)parsed.error->format();
  if (parsed.root) (void)to_string(*parsed.root);
  Diagnostics diags;
  CheckPtr check = compile_condition(text, diags);
  (void)diags.format();
  if (check) {
    static const SecurityEvent ev = sample_event();
    EvalContext ctx;
    ctx.reset(ev);
    (void)check->eval(ctx);
  }
  return 0;
}
