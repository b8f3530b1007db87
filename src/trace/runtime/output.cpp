#include "trace/runtime/output.h"

#include <arpa/inet.h>
#include <time.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace ksight::trace::runtime {

using ast::TypeKind;

namespace {

int64_t load_i64(const uint8_t* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The integer a C printf would format: the length modifier's width, else
// the argument's own (an int32 field with %u prints as unsigned 32-bit, a
// (uint8) cast stays 0..255). A 64-bit value under a bare %d/%u/%x prints
// whole: bpftrace 0.17 passes it to printf as-is, so %d of nsecs prints
// the low 32 bits; that is a bug and ksight does not copy it.
int64_t c_width(int64_t v, const ast::Type& type, const FormatPiece& p, bool is_signed) {
  uint32_t bytes = p.length_bytes ? p.length_bytes : type.size <= 4 ? 4 : 8;
  // Each arm converts on its own: int32_t ? uint32_t would be uint32_t.
  switch (bytes) {
    case 1:
      if (is_signed) return static_cast<int8_t>(v);
      return static_cast<uint8_t>(v);
    case 2:
      if (is_signed) return static_cast<int16_t>(v);
      return static_cast<uint16_t>(v);
    case 4:
      if (is_signed) return static_cast<int32_t>(v);
      return static_cast<uint32_t>(v);
    default:
      return v;
  }
}

std::string c_string(const uint8_t* p, size_t size) {
  size_t n = 0;
  while (n < size && p[n]) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

// bpftrace mode: one "func+off" per line, indented by 4 in map keys and 8
// elsewhere; perf mode: "\t<hex address> func+off", then " (file)" for user
// frames, as perf script prints them.
std::string format_stack(const ast::Type& type, int64_t packed, SymbolSource& symbols,
                         bool in_map_key) {
  bool user = type.kind == TypeKind::kUstack;
  int32_t id = static_cast<int32_t>(packed & 0xffffffff);
  uint32_t pid = static_cast<uint32_t>(static_cast<uint64_t>(packed) >> 32);
  std::string out = "\n";
  if (id < 0) return out;  // bpf_get_stackid failed (e.g. no user stack)
  bool perf = type.stack_mode == ast::StackMode::kPerf;
  const char* indent = perf ? "\t" : in_map_key ? "    " : "        ";
  std::vector<uint64_t> frames = symbols.stack(user, type.stack_frames, id);
  if (frames.size() > type.stack_frames) frames.resize(type.stack_frames);
  char addr_text[32];
  for (uint64_t addr : frames) {
    out += indent;
    if (perf) {
      std::snprintf(addr_text, sizeof(addr_text), "%llx ", static_cast<unsigned long long>(addr));
      out += addr_text;
    }
    out += user ? symbols.user_symbol(pid, addr, true) : symbols.kernel_symbol(addr, true);
    if (perf && user) out += " (" + symbols.user_module(pid, addr) + ")";
    out += "\n";
  }
  return out;
}

// print()'s div as bpftrace applies it: C division of the value.
int64_t divided(const MapInfo& map, int64_t v, uint64_t div) {
  if (div == 0) return v;
  bool is_unsigned =
      map.value.kind == TypeKind::kCount || (map.value.is_int() && !map.value.is_signed);
  if (is_unsigned) return static_cast<int64_t>(static_cast<uint64_t>(v) / div);
  return v / static_cast<int64_t>(div);
}

std::string format_key(const MapInfo& map, const std::vector<uint8_t>& key, SymbolSource& symbols) {
  if (map.key_types.empty()) return "";
  std::string out = "[";
  size_t off = 0;
  for (size_t i = 0; i < map.key_types.size(); ++i) {
    if (i) out += ", ";
    out += format_value(map.key_types[i], key.data() + off, symbols, true);
    off += value_size_of(map.key_types[i]);
  }
  return out + "]";
}

int64_t sort_value(const MapInfo& map, const MapEntry& e) {
  switch (map.value.kind) {
    case TypeKind::kAvg:
      return e.count ? e.total / e.count : 0;
    case TypeKind::kStats:
      return e.total;
    case TypeKind::kHist:
    case TypeKind::kLhist: {
      int64_t sum = 0;
      for (const auto& [b, c] : e.buckets) sum += static_cast<int64_t>(c);
      return sum;
    }
    default:
      return e.value;
  }
}

std::string scalar_text(const MapInfo& map, const MapEntry& e, SymbolSource& symbols,
                        uint64_t div) {
  switch (map.value.kind) {
    case TypeKind::kAvg:
      return std::to_string(divided(map, e.count ? e.total / e.count : 0, div));
    case TypeKind::kStats:
      return "count " + std::to_string(e.count) + ", average " +
             std::to_string(e.count ? e.total / e.count : 0) + ", total " + std::to_string(e.total);
    case TypeKind::kCount:
      return std::to_string(static_cast<uint64_t>(divided(map, e.value, div)));
    case TypeKind::kSum:
    case TypeKind::kMin:
    case TypeKind::kMax:
      return std::to_string(divided(map, e.value, div));
    default: {
      if (!e.raw.empty()) return format_value(map.value, e.raw.data(), symbols, false);
      int64_t v = map.value.is_int() ? divided(map, e.value, div) : e.value;
      uint8_t buf[8];
      std::memcpy(buf, &v, 8);
      return format_value(map.value, buf, symbols, false);
    }
  }
}

std::string hist_label(const MapInfo& map, int64_t bucket) {
  if (map.value.kind == TypeKind::kHist) {
    if (bucket == 0) return "(..., 0)";
    if (bucket == 1) return "[0]";
    uint64_t lo = 1ull << (bucket - 2), hi = lo << 1;
    if (hi - lo == 1) return "[" + size_label(lo) + "]";
    return "[" + size_label(lo) + ", " + size_label(hi) + ")";
  }
  int64_t buckets = (map.lhist_max - map.lhist_min + map.lhist_step - 1) / map.lhist_step;
  if (bucket == 0) return "(..., " + std::to_string(map.lhist_min) + ")";
  if (bucket > buckets) return "[" + std::to_string(map.lhist_max) + ", ...)";
  int64_t lo = map.lhist_min + (bucket - 1) * map.lhist_step;
  return "[" + std::to_string(lo) + ", " + std::to_string(lo + map.lhist_step) + ")";
}

// The bucket's bounds as bpftrace's JSON gives them: inclusive min and max,
// an open end left out.
Json json_bucket(const MapInfo& map, int64_t bucket, uint64_t count) {
  Json b = Json::object();
  if (map.value.kind == TypeKind::kHist) {
    if (bucket == 0) {
      b["max"] = -1;
    } else if (bucket == 1) {
      b["min"] = 0, b["max"] = 0;
    } else {
      uint64_t lo = 1ull << (bucket - 2);
      b["min"] = lo, b["max"] = (lo << 1) - 1;
    }
  } else {
    int64_t buckets = (map.lhist_max - map.lhist_min + map.lhist_step - 1) / map.lhist_step;
    if (bucket == 0) {
      b["max"] = map.lhist_min - 1;
    } else if (bucket > buckets) {
      b["min"] = map.lhist_max;
    } else {
      int64_t lo = map.lhist_min + (bucket - 1) * map.lhist_step;
      b["min"] = lo, b["max"] = lo + map.lhist_step - 1;
    }
  }
  b["count"] = count;
  return b;
}

Json json_value(const MapInfo& map, const MapEntry& e, SymbolSource& symbols, uint64_t div) {
  switch (map.value.kind) {
    case TypeKind::kStats:
      return {{"count", e.count}, {"average", e.count ? e.total / e.count : 0}, {"total", e.total}};
    case TypeKind::kHist:
    case TypeKind::kLhist: {
      // Every bucket from the first to the last non-empty one, like the text.
      Json arr = Json::array();
      if (e.buckets.empty()) return arr;
      for (int64_t b = e.buckets.begin()->first; b <= e.buckets.rbegin()->first; ++b) {
        auto it = e.buckets.find(b);
        uint64_t count = it == e.buckets.end() ? 0 : it->second;
        arr.push_back(json_bucket(map, b, div ? count / div : count));
      }
      return arr;
    }
    case TypeKind::kAvg:
      return divided(map, e.count ? e.total / e.count : 0, div);
    case TypeKind::kCount:
      return static_cast<uint64_t>(divided(map, e.value, div));
    case TypeKind::kSum:
    case TypeKind::kMin:
    case TypeKind::kMax:
      return divided(map, e.value, div);
    default:
      if (map.value.is_int() && !map.value.is_signed)
        return static_cast<uint64_t>(divided(map, e.value, div));
      if (map.value.is_int()) return divided(map, e.value, div);
      return scalar_text(map, e, symbols, 0);
  }
}

// bpftrace joins the parts of a JSON key with "," and no space.
std::string json_key(const MapInfo& map, const MapEntry& e, SymbolSource& symbols) {
  std::string out;
  size_t off = 0;
  for (size_t i = 0; i < map.key_types.size(); ++i) {
    if (i) out += ",";
    out += format_value(map.key_types[i], e.key.data() + off, symbols, true);
    off += value_size_of(map.key_types[i]);
  }
  return out;
}

const char* json_type(const MapInfo& map) {
  if (map.is_histogram()) return "hist";
  if (map.value.kind == TypeKind::kStats || map.value.kind == TypeKind::kAvg) return "stats";
  return "map";
}

void print_json(std::ostream& out, const MapInfo& map, const std::vector<MapEntry>& entries,
                SymbolSource& symbols, uint64_t div) {
  if (entries.empty()) return;  // bpftrace prints nothing for an empty map
  Json data;
  if (map.key_types.empty()) {
    data = json_value(map, entries.front(), symbols, div);
  } else {
    data = Json::object();
    for (const auto& e : entries)
      data[json_key(map, e, symbols)] = json_value(map, e, symbols, div);
  }
  out << json_line(json_type(map), Json{{map.name, data}}) << "\n";
}

// Like bpftrace 0.17's text output: a hist/lhist entry is "name: " then its
// bars and a blank line; avg/stats maps end with one blank line; an empty
// map prints a blank line.
void print_text(std::ostream& out, const MapInfo& map, const std::vector<MapEntry>& entries,
                SymbolSource& symbols, uint64_t div) {
  if (entries.empty()) {
    out << "\n";
    return;
  }
  for (const auto& e : entries) {
    std::string head = map.name + format_key(map, e.key, symbols);
    if (map.is_histogram()) {
      out << head << ": \n" << format_hist(map, e.buckets, div) << "\n";
    } else {
      out << head << ": " << scalar_text(map, e, symbols, div) << "\n";
    }
  }
  if (map.value.kind == TypeKind::kStats || map.value.kind == TypeKind::kAvg) out << "\n";
}

void append_json(std::string& out, const Json& j) {
  if (j.is_object()) {
    out += "{";
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      if (!first) out += ", ";
      first = false;
      out += Json(k).dump(-1, ' ', false, Json::error_handler_t::replace);
      out += ": ";
      append_json(out, v);
    }
    out += "}";
  } else if (j.is_array()) {
    out += "[";
    for (size_t i = 0; i < j.size(); ++i) {
      if (i) out += ", ";
      append_json(out, j[i]);
    }
    out += "]";
  } else {
    out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

}  // namespace

std::string json_line(std::string_view type, const Json& data) {
  std::string out = "{\"type\": ";
  out += Json(std::string(type)).dump();
  out += ", \"data\": ";
  append_json(out, data);
  return out + "}";
}

std::string size_label(uint64_t n) {
  static const char* suffixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int i = 0;
  while (n >= 1024 && n % 1024 == 0 && i < 6) {
    n /= 1024;
    ++i;
  }
  return std::to_string(n) + suffixes[i];
}

std::string format_value(const ast::Type& type, const uint8_t* data, SymbolSource& symbols,
                         bool in_map_key) {
  switch (type.kind) {
    case TypeKind::kString:
      return c_string(data, type.size);
    case TypeKind::kKstack:
    case TypeKind::kUstack:
      return format_stack(type, load_i64(data), symbols, in_map_key);
    case TypeKind::kInet:
      return format_inet(data);
    case TypeKind::kStrftime:
      return format_wall_time(type.time_format, load_i64(data) + monotonic_to_unix_offset_ns());
    case TypeKind::kKsym:
      return symbols.kernel_symbol(static_cast<uint64_t>(load_i64(data)), false);
    case TypeKind::kUsym:
      return symbols.user_symbol(static_cast<uint32_t>(load_i64(data + 8)),
                                 static_cast<uint64_t>(load_i64(data)), false);
    default: {
      int64_t v = load_i64(data);
      return type.is_signed ? std::to_string(v) : std::to_string(static_cast<uint64_t>(v));
    }
  }
}

std::string format_printf(const FormatInfo& format, const std::vector<FormatPiece>& pieces,
                          std::span<const uint8_t> args, SymbolSource& symbols) {
  std::string out;
  size_t arg = 0;
  char buf[512];
  for (const auto& p : pieces) {
    out += p.literal;
    if (!p.has_conversion) continue;
    const FormatArg& fa = format.args.at(arg++);
    if (fa.offset - sizeof(RecordHeader) + value_size_of(fa.type) > args.size()) break;
    const uint8_t* data = args.data() + fa.offset - sizeof(RecordHeader);
    if (p.conversion == 's') {
      std::string s = format_value(fa.type, data, symbols, false);
      std::snprintf(buf, sizeof(buf), (p.spec + "s").c_str(), s.c_str());
    } else if (p.conversion == 'd' || p.conversion == 'i') {
      std::snprintf(buf, sizeof(buf), (p.spec + "lld").c_str(),
                    static_cast<long long>(c_width(load_i64(data), fa.type, p, true)));
    } else if (p.conversion == 'c') {
      std::snprintf(buf, sizeof(buf), (p.spec + "c").c_str(), static_cast<int>(load_i64(data)));
    } else if (p.conversion == 'p') {
      std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(load_i64(data)));
    } else {
      std::snprintf(buf, sizeof(buf), (p.spec + "ll" + p.conversion).c_str(),
                    static_cast<unsigned long long>(c_width(load_i64(data), fa.type, p, false)));
    }
    out += buf;
  }
  return out;
}

std::string format_hist(const MapInfo& map, const std::map<int64_t, uint64_t>& buckets,
                        uint64_t div) {
  if (buckets.empty()) return "";
  uint64_t max_count = 0;
  for (const auto& [b, c] : buckets) max_count = std::max(max_count, c);
  int64_t first = buckets.begin()->first, last = buckets.rbegin()->first;
  std::string out;
  char line[256];
  for (int64_t b = first; b <= last; ++b) {
    auto it = buckets.find(b);
    uint64_t count = it == buckets.end() ? 0 : it->second;
    size_t bar = max_count ? static_cast<size_t>(count * 52 / max_count) : 0;
    std::snprintf(line, sizeof(line), "%-16s%8llu |%s%s|\n", hist_label(map, b).c_str(),
                  static_cast<unsigned long long>(div ? count / div : count),
                  std::string(bar, '@').c_str(), std::string(52 - bar, ' ').c_str());
    out += line;
  }
  return out;
}

void print_map(std::ostream& out, const MapInfo& map, std::vector<MapEntry> entries,
               OutputFormat format, SymbolSource& symbols, const PrintSpec& spec) {
  std::stable_sort(entries.begin(), entries.end(), [&](const MapEntry& a, const MapEntry& b) {
    return sort_value(map, a) < sort_value(map, b);
  });
  // bpftrace ignores top and div for stats() maps (and warns).
  bool stats = map.value.kind == TypeKind::kStats;
  uint64_t top = stats ? 0 : spec.top, div = stats ? 0 : spec.div;
  if (top > 0 && entries.size() > top)
    entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(top));
  if (format == OutputFormat::kJson) return print_json(out, map, entries, symbols, div);
  print_text(out, map, entries, symbols, div);
}

int64_t monotonic_to_unix_offset_ns() {
  timespec real{}, mono{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  return (static_cast<int64_t>(real.tv_sec) - mono.tv_sec) * 1000000000ll +
         (real.tv_nsec - mono.tv_nsec);
}

std::string format_wall_time(const std::string& format, int64_t unix_ns) {
  int64_t secs = unix_ns / 1000000000ll;
  int64_t rem = unix_ns % 1000000000ll;
  if (rem < 0) rem += 1000000000ll, --secs;
  // %f first: strftime(3) has no sub-second field.
  std::string fmt;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      if (format[i + 1] == 'f') {
        char us[8];
        std::snprintf(us, sizeof(us), "%06lld", static_cast<long long>(rem / 1000));
        fmt += us;
      } else {
        fmt += format.substr(i, 2);
      }
      ++i;
      continue;
    }
    fmt += format[i];
  }
  time_t t = static_cast<time_t>(secs);
  tm local{};
  localtime_r(&t, &local);
  char buf[512];
  size_t n = std::strftime(buf, sizeof(buf), fmt.c_str(), &local);
  return std::string(buf, n);
}

std::string format_inet(const uint8_t* value) {
  int64_t family = load_i64(value);
  char buf[INET6_ADDRSTRLEN];
  int af = family == AF_INET ? AF_INET : family == AF_INET6 ? AF_INET6 : -1;
  if (af < 0 || !inet_ntop(af, value + 8, buf, sizeof(buf))) return "";
  return buf;
}

}  // namespace ksight::trace::runtime
