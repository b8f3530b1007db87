// resolve_probes(): wildcard expansion, tracepoint formats, kernel support.
#include <algorithm>
#include <cstdio>
#include <set>

#include "common/error.h"
#include "trace/diagnostics.h"
#include "trace/probes.h"
#include "trace/runtime/elf_resolve.h"
#include "trace/tracefs.h"
#include "trace/usdt_args.h"

namespace ksight::trace {

namespace {

using agent::Feature;

void require_feature(ProbeEnvironment& env, Feature feature, const AttachSpec& spec,
                     const std::string& what, std::string_view src) {
  if (!env.features) return;
  auto status = env.features->status(feature);
  if (status.available) return;
  fail_capability(src, spec.loc,
                  spec.name() + ": " + what + " not available on this kernel" +
                      (status.detail.empty() ? "" : ": " + status.detail));
}

// kprobe/fentry: the code generator has no backend for them; say whether the
// kernel would have allowed them at all, since that is the usual answer.
[[noreturn]] void refuse_kernel_function_probe(ProbeEnvironment& env, const AttachSpec& spec,
                                               std::string_view src) {
  bool kprobe = spec.type == ProbeType::kKprobe || spec.type == ProbeType::kKretprobe;
  Feature feature = kprobe ? Feature::kKprobe : Feature::kFentry;
  std::string what = kprobe ? "kprobes are" : "fentry/fexit trampolines are";
  require_feature(env, feature, spec, what, src);
  fail_capability(src, spec.loc,
                  spec.name() + ": " + std::string(probe_type_name(spec.type)) +
                      " probes are not supported by ksight trace yet; use tracepoint: or "
                      "rawtracepoint:");
}

std::vector<AttachSpec> expand_tracepoint(const AttachSpec& spec, ProbeEnvironment& env,
                                          std::string_view src) {
  if (!env.tracepoints) {
    fail_capability(src, spec.loc, spec.name() + ": cannot read tracepoints: " + env.tracefs_error);
  }
  std::string pattern = spec.target + ":" + spec.func;
  std::vector<std::string> names;
  // No wildcard: read the one format directly (listing every event costs
  // milliseconds of start-up); the list is only needed for suggestions.
  if (pattern.find_first_of("*?") == std::string::npos) {
    if (auto format = env.tracepoints->format(spec.target, spec.func)) {
      AttachSpec concrete = spec;
      concrete.format = *format;
      return {concrete};
    }
  }
  auto all = env.tracepoints->list();
  for (const auto& tp : all) {
    if (glob_match(pattern, tp)) names.push_back(tp);
  }
  if (names.empty()) {
    std::string hint = suggest(pattern, all);
    fail(
        src, spec.loc, "unknown tracepoint '" + pattern + "'",
        hint.empty() ? "list them with: ksight trace -l 'tracepoint:" + spec.target + ":*'" : hint);
  }
  std::vector<AttachSpec> out;
  for (const auto& tp : names) {
    AttachSpec concrete = spec;
    auto colon = tp.find(':');
    concrete.target = tp.substr(0, colon);
    concrete.func = tp.substr(colon + 1);
    auto format = env.tracepoints->format(concrete.target, concrete.func);
    if (!format) fail(src, spec.loc, "cannot read the format of tracepoint '" + tp + "'");
    concrete.format = *format;
    out.push_back(std::move(concrete));
  }
  return out;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// "func+0x10" -> ("func", 16); no '+' -> (func, 0).
std::pair<std::string, uint64_t> split_offset(const AttachSpec& spec, std::string_view src) {
  size_t plus = spec.func.rfind('+');
  if (plus == std::string::npos) return {spec.func, 0};
  std::string number = spec.func.substr(plus + 1);
  size_t used = 0;
  uint64_t offset = 0;
  try {
    offset = std::stoull(number, &used, 0);
  } catch (const std::exception&) {
    used = 0;
  }
  if (number.empty() || used != number.size())
    fail(src, spec.loc, "'" + spec.func + "': the offset must be a number, e.g. func+0x10");
  if (spec.type == ProbeType::kUretprobe)
    fail(src, spec.loc, spec.name() + ": a uretprobe cannot take an offset");
  return {spec.func.substr(0, plus), offset};
}

// Wildcards and offsets need the binary's symbols now: a wildcard becomes
// one probe per matching function (so `func` and `probe` name the real one),
// and an offset must fall inside its function. Plain names are resolved at
// attach time as before.
std::vector<AttachSpec> expand_uprobe(const AttachSpec& spec, std::string_view src) {
  bool wildcard = spec.func.find_first_of("*?") != std::string::npos;
  if (!wildcard && spec.func.find('+') == std::string::npos) return {spec};
  auto [func, offset] = split_offset(spec, src);
  if (wildcard && offset) fail(src, spec.loc, "'" + spec.func + "': no offset with a wildcard");
  std::string path;
  std::vector<runtime::FunctionSymbol> symbols;
  try {
    path = runtime::resolve_binary(spec.target);
    symbols = runtime::function_symbols(path);
  } catch (const Error& e) {
    fail(src, spec.loc, spec.name() + ": " + e.what());
  }
  std::vector<AttachSpec> out;
  std::set<std::string> seen;
  std::vector<std::string> names;
  for (const auto& s : symbols) {
    names.push_back(s.name);
    bool match = wildcard ? glob_match(func, s.name) : s.name == func;
    if (!match || !seen.insert(s.name).second) continue;
    if (!wildcard && s.size && offset >= s.size) {
      fail(src, spec.loc,
           spec.name() + ": offset " + hex(offset) + " is outside '" + func + "' (" +
               std::to_string(s.size) + " bytes, 0.." + hex(s.size - 1) + ")");
    }
    if (!wildcard && !s.size)
      fail(src, spec.loc, spec.name() + ": the size of '" + func + "' is unknown; no offset");
    AttachSpec concrete = spec;
    concrete.func = s.name;
    concrete.offset = offset;
    out.push_back(std::move(concrete));
  }
  if (out.empty()) {
    std::string hint = wildcard ? "" : suggest(func, names);
    fail(src, spec.loc, "no function matches '" + func + "' in " + path, hint);
  }
  std::sort(out.begin(), out.end(),
            [](const AttachSpec& a, const AttachSpec& b) { return a.func < b.func; });
  return out;
}

// One concrete probe per USDT site: the same probe inlined in several places
// may keep its arguments in different registers at each of them.
std::vector<AttachSpec> expand_usdt(const AttachSpec& spec, std::string_view src) {
  std::string path;
  std::vector<runtime::UsdtProbe> probes;
  try {
    path = runtime::resolve_binary(spec.target);
    probes = runtime::read_usdt_probes(path);
  } catch (const Error& e) {
    fail(src, spec.loc, spec.name() + ": " + e.what());
  }
  std::vector<AttachSpec> out;
  std::vector<std::string> names;
  for (const auto& p : probes) {
    std::string full = p.provider + ":" + p.name;
    names.push_back(full);
    if (spec.func != p.name && spec.func != full) continue;
    try {
      parse_usdt_args(p.args);
    } catch (const Error& e) {
      fail(src, spec.loc, spec.name() + ": " + e.what());
    }
    AttachSpec concrete = spec;
    concrete.usdt_site = p.file_offset;
    concrete.usdt_args = p.args;
    out.push_back(std::move(concrete));
  }
  if (out.empty())
    fail(src, spec.loc, "no USDT probe '" + spec.func + "' in " + path, suggest(spec.func, names));
  return out;
}

std::vector<AttachSpec> expand(const AttachSpec& spec, ProbeEnvironment& env,
                               std::string_view src) {
  switch (spec.type) {
    case ProbeType::kKprobe:
    case ProbeType::kKretprobe:
    case ProbeType::kFentry:
    case ProbeType::kFexit:
      refuse_kernel_function_probe(env, spec, src);
    case ProbeType::kTracepoint:
      return expand_tracepoint(spec, env, src);
    case ProbeType::kUprobe:
    case ProbeType::kUretprobe:
      return expand_uprobe(spec, src);
    case ProbeType::kUsdt:
      return expand_usdt(spec, src);
    // Other probe types are not probed up front (each probe loads a test
    // program and costs start-up time); their attach errors say why.
    default:
      return {spec};
  }
}

}  // namespace

std::vector<ConcreteProbe> resolve_probes(const ast::Program& program, std::string_view source,
                                          ProbeEnvironment& env) {
  std::vector<ConcreteProbe> out;
  for (ast::Probe* probe : program.probes) {
    for (const auto& ap : probe->attach_points) {
      AttachSpec spec = parse_attach_point(ap, source);
      for (auto& concrete : expand(spec, env, source)) out.push_back({std::move(concrete), probe});
    }
  }
  return out;
}

}  // namespace ksight::trace
