#include "trace/runtime/output.h"

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

std::string c_string(const uint8_t* p, size_t size) {
  size_t n = 0;
  while (n < size && p[n]) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::string format_stack(bool user, int64_t packed, SymbolSource& symbols, bool in_map_key) {
  int32_t id = static_cast<int32_t>(packed & 0xffffffff);
  uint32_t pid = static_cast<uint32_t>(static_cast<uint64_t>(packed) >> 32);
  std::string out = "\n";
  if (id < 0) return out;  // bpf_get_stackid failed (e.g. no user stack)
  const char* indent = in_map_key ? "    " : "        ";  // as bpftrace indents them
  for (uint64_t addr : symbols.stack(user, id)) {
    out += indent;
    out += user ? symbols.user_symbol(pid, addr, true) : symbols.kernel_symbol(addr, true);
    out += "\n";
  }
  return out;
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

std::string scalar_text(const MapInfo& map, const MapEntry& e, SymbolSource& symbols) {
  switch (map.value.kind) {
    case TypeKind::kAvg:
      return std::to_string(e.count ? e.total / e.count : 0);
    case TypeKind::kStats:
      return "count " + std::to_string(e.count) + ", average " +
             std::to_string(e.count ? e.total / e.count : 0) + ", total " + std::to_string(e.total);
    case TypeKind::kCount:
      return std::to_string(static_cast<uint64_t>(e.value));
    case TypeKind::kSum:
    case TypeKind::kMin:
    case TypeKind::kMax:
      return std::to_string(e.value);
    default: {
      if (!e.raw.empty()) return format_value(map.value, e.raw.data(), symbols, false);
      uint8_t buf[8];
      std::memcpy(buf, &e.value, 8);
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

Json json_value(const MapInfo& map, const MapEntry& e, SymbolSource& symbols) {
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
        arr.push_back(json_bucket(map, b, it == e.buckets.end() ? 0 : it->second));
      }
      return arr;
    }
    case TypeKind::kAvg:
      return e.count ? e.total / e.count : 0;
    case TypeKind::kCount:
    case TypeKind::kSum:
    case TypeKind::kMin:
    case TypeKind::kMax:
      return e.value;
    default:
      if (map.value.is_int()) return e.value;
      return scalar_text(map, e, symbols);
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
                SymbolSource& symbols) {
  if (entries.empty()) return;  // bpftrace prints nothing for an empty map
  Json data;
  if (map.key_types.empty()) {
    data = json_value(map, entries.front(), symbols);
  } else {
    data = Json::object();
    for (const auto& e : entries) data[json_key(map, e, symbols)] = json_value(map, e, symbols);
  }
  out << json_line(json_type(map), Json{{map.name, data}}) << "\n";
}

// Like bpftrace 0.17's text output: a hist/lhist entry is "name: " then its
// bars and a blank line; avg/stats maps end with one blank line; an empty
// map prints a blank line.
void print_text(std::ostream& out, const MapInfo& map, const std::vector<MapEntry>& entries,
                SymbolSource& symbols) {
  if (entries.empty()) {
    out << "\n";
    return;
  }
  for (const auto& e : entries) {
    std::string head = map.name + format_key(map, e.key, symbols);
    if (map.is_histogram()) {
      out << head << ": \n" << format_hist(map, e.buckets) << "\n";
    } else {
      out << head << ": " << scalar_text(map, e, symbols) << "\n";
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
      return format_stack(type.kind == TypeKind::kUstack, load_i64(data), symbols, in_map_key);
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
                    static_cast<long long>(load_i64(data)));
    } else if (p.conversion == 'c') {
      std::snprintf(buf, sizeof(buf), (p.spec + "c").c_str(), static_cast<int>(load_i64(data)));
    } else if (p.conversion == 'p') {
      std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(load_i64(data)));
    } else {
      std::snprintf(buf, sizeof(buf), (p.spec + "ll" + p.conversion).c_str(),
                    static_cast<unsigned long long>(load_i64(data)));
    }
    out += buf;
  }
  return out;
}

std::string format_hist(const MapInfo& map, const std::map<int64_t, uint64_t>& buckets) {
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
                  static_cast<unsigned long long>(count), std::string(bar, '@').c_str(),
                  std::string(52 - bar, ' ').c_str());
    out += line;
  }
  return out;
}

void print_map(std::ostream& out, const MapInfo& map, std::vector<MapEntry> entries,
               OutputFormat format, SymbolSource& symbols) {
  std::stable_sort(entries.begin(), entries.end(), [&](const MapEntry& a, const MapEntry& b) {
    return sort_value(map, a) < sort_value(map, b);
  });
  if (format == OutputFormat::kJson) return print_json(out, map, entries, symbols);
  print_text(out, map, entries, symbols);
}

}  // namespace ksight::trace::runtime
