#include "trace/probes.h"

#include <cstdio>
#include <map>

#include "trace/diagnostics.h"

namespace ksight::trace {

namespace {

const std::map<std::string, ProbeType>& provider_names() {
  static const std::map<std::string, ProbeType> names = {
      {"BEGIN", ProbeType::kBegin},
      {"END", ProbeType::kEnd},
      {"tracepoint", ProbeType::kTracepoint},
      {"t", ProbeType::kTracepoint},
      {"rawtracepoint", ProbeType::kRawTracepoint},
      {"rt", ProbeType::kRawTracepoint},
      {"uprobe", ProbeType::kUprobe},
      {"u", ProbeType::kUprobe},
      {"uretprobe", ProbeType::kUretprobe},
      {"ur", ProbeType::kUretprobe},
      {"usdt", ProbeType::kUsdt},
      {"U", ProbeType::kUsdt},
      {"profile", ProbeType::kProfile},
      {"p", ProbeType::kProfile},
      {"interval", ProbeType::kInterval},
      {"i", ProbeType::kInterval},
      {"kprobe", ProbeType::kKprobe},
      {"k", ProbeType::kKprobe},
      {"kretprobe", ProbeType::kKretprobe},
      {"kr", ProbeType::kKretprobe},
      {"fentry", ProbeType::kFentry},
      {"f", ProbeType::kFentry},
      {"kfunc", ProbeType::kFentry},
      {"fexit", ProbeType::kFexit},
      {"fr", ProbeType::kFexit},
      {"kretfunc", ProbeType::kFexit},
  };
  return names;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    parts.emplace_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) return parts;
    start = p + 1;
  }
}

uint64_t parse_number(const std::string& text, const ast::AttachPoint& ap, std::string_view src) {
  try {
    size_t used = 0;
    uint64_t v = std::stoull(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  fail(src, ap.loc, "'" + ap.text + "': expected a positive number, found '" + text + "'");
}

void parse_timed(AttachSpec& spec, const std::vector<std::string>& parts,
                 const ast::AttachPoint& ap, std::string_view src) {
  if (parts.size() != 3) {
    fail(src, ap.loc,
         "'" + ap.text + "': expected " + std::string(probe_type_name(spec.type)) +
             (spec.type == ProbeType::kProfile ? ":hz:N" : ":s:N or :ms:N"));
  }
  spec.target = parts[1];
  uint64_t n = parse_number(parts[2], ap, src);
  spec.count = n;
  static const std::map<std::string, uint64_t> interval_units = {
      {"s", 1000000000ull}, {"ms", 1000000ull}, {"us", 1000ull}, {"hz", 0}};
  if (spec.type == ProbeType::kProfile) {
    if (spec.target != "hz") fail(src, ap.loc, "'" + ap.text + "': only profile:hz:N is supported");
    spec.number = n;
  } else {
    auto unit = interval_units.find(spec.target);
    if (unit == interval_units.end())
      fail(src, ap.loc, "'" + ap.text + "': unit must be s, ms, us or hz");
    spec.number = unit->second ? n * unit->second : 1000000000ull / n;
  }
}

// uprobe:/path:func, uprobe:lib:func, usdt:/path:provider:name.
void parse_user(AttachSpec& spec, const std::vector<std::string>& parts, const ast::AttachPoint& ap,
                std::string_view src) {
  if (parts.size() < 3)
    fail(src, ap.loc,
         "'" + ap.text + "': expected " + std::string(probe_type_name(spec.type)) +
             ":PATH:FUNCTION");
  spec.target = parts[1];
  spec.func = parts[2];
  for (size_t i = 3; i < parts.size(); ++i) spec.func += ":" + parts[i];
}

}  // namespace

std::string_view probe_type_name(ProbeType type) {
  switch (type) {
    case ProbeType::kBegin:
      return "BEGIN";
    case ProbeType::kEnd:
      return "END";
    case ProbeType::kTracepoint:
      return "tracepoint";
    case ProbeType::kRawTracepoint:
      return "rawtracepoint";
    case ProbeType::kUprobe:
      return "uprobe";
    case ProbeType::kUretprobe:
      return "uretprobe";
    case ProbeType::kUsdt:
      return "usdt";
    case ProbeType::kProfile:
      return "profile";
    case ProbeType::kInterval:
      return "interval";
    case ProbeType::kKprobe:
      return "kprobe";
    case ProbeType::kKretprobe:
      return "kretprobe";
    case ProbeType::kFentry:
      return "fentry";
    case ProbeType::kFexit:
      return "fexit";
  }
  return "?";
}

std::string AttachSpec::name() const {
  std::string n(probe_type_name(type));
  switch (type) {
    case ProbeType::kBegin:
    case ProbeType::kEnd:
      return n;
    case ProbeType::kProfile:
    case ProbeType::kInterval:
      return n + ":" + target + ":" + std::to_string(count);
    case ProbeType::kRawTracepoint:
      return n + ":" + func;
    default: {
      std::string name = target.empty() ? n + ":" + func : n + ":" + target + ":" + func;
      if (offset) {
        char hex[24];
        std::snprintf(hex, sizeof(hex), "+0x%llx", static_cast<unsigned long long>(offset));
        name += hex;
      }
      return name;
    }
  }
}

AttachSpec parse_attach_point(const ast::AttachPoint& ap, std::string_view src) {
  auto parts = split(ap.text, ':');
  auto provider = provider_names().find(parts[0]);
  if (provider == provider_names().end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : provider_names()) known.push_back(k);
    fail(src, ap.loc, "unknown probe type '" + parts[0] + "'", suggest(parts[0], known));
  }
  AttachSpec spec;
  spec.type = provider->second;
  spec.loc = ap.loc;
  switch (spec.type) {
    case ProbeType::kBegin:
    case ProbeType::kEnd:
      if (parts.size() != 1) fail(src, ap.loc, "BEGIN and END take no arguments");
      break;
    case ProbeType::kRawTracepoint:
      spec.func = parts.back();  // rawtracepoint:NAME or rawtracepoint:module:NAME
      spec.target = parts.size() > 2 ? parts[1] : "";
      break;
    case ProbeType::kProfile:
    case ProbeType::kInterval:
      parse_timed(spec, parts, ap, src);
      break;
    case ProbeType::kUprobe:
    case ProbeType::kUretprobe:
    case ProbeType::kUsdt:
      parse_user(spec, parts, ap, src);
      break;
    default:  // tracepoint:cat:name, kprobe:func, fentry:func
      if (spec.type == ProbeType::kTracepoint && parts.size() != 3) {
        fail(src, ap.loc, "'" + ap.text + "': expected tracepoint:CATEGORY:NAME");
      }
      spec.target = parts.size() > 2 ? parts[1] : "";
      spec.func = parts.back();
  }
  return spec;
}

std::vector<std::string> list_probes(std::string_view pattern, TracepointSource& tracepoints) {
  std::string pat(pattern.empty() ? "*" : pattern);
  // "tracepoint:cat:name" or "t:cat:name" or plain "cat:name".
  for (std::string prefix : {"tracepoint:", "t:"}) {
    if (pat.rfind(prefix, 0) == 0) pat = pat.substr(prefix.size());
  }
  if (pat.find(':') == std::string::npos) pat = "*:" + pat;
  std::vector<std::string> out;
  for (const auto& tp : tracepoints.list()) {
    if (glob_match(pat, tp)) out.push_back("tracepoint:" + tp);
  }
  return out;
}

}  // namespace ksight::trace
