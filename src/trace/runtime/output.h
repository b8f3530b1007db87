#pragma once
// Turning records and map contents into bpftrace-compatible text (or JSON
// lines). Pure functions over bytes, so they are unit-tested without BPF.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trace/printf_format.h"
#include "trace/program_info.h"
#include "trace/runtime/symbols.h"

namespace ksight::trace::runtime {

enum class OutputFormat { kText, kJson };

// Object keys keep their insertion order, as bpftrace writes them.
using Json = nlohmann::ordered_json;

// One JSON output line as bpftrace writes it: {"type": T, "data": D} with
// ", " and ": " separators.
std::string json_line(std::string_view type, const Json& data);

// One user-visible map entry, combined over CPUs.
struct MapEntry {
  std::vector<uint8_t> key;             // the user key (without histogram bucket)
  int64_t value = 0;                    // count/sum/min/max or a plain integer value
  int64_t count = 0, total = 0;         // avg/stats
  std::vector<uint8_t> raw;             // plain non-integer values (strings, usym)
  std::map<int64_t, uint64_t> buckets;  // hist/lhist: bucket index -> count
};

// printf() record (after the header) -> text.
std::string format_printf(const FormatInfo& format, const std::vector<FormatPiece>& pieces,
                          std::span<const uint8_t> args, SymbolSource& symbols);

// Renders a value of `type` stored at `data` (as in a key or record).
std::string format_value(const ast::Type& type, const uint8_t* data, SymbolSource& symbols,
                         bool in_map_key);

// Prints one map at exit/print() time, sorted like bpftrace (by value);
// `spec` (print(@m, top, div)) keeps the `top` largest entries and divides
// values by `div`.
void print_map(std::ostream& out, const MapInfo& map, std::vector<MapEntry> entries,
               OutputFormat format, SymbolSource& symbols, const PrintSpec& spec = {});

// The ASCII histogram lines for one key's buckets; counts shown divided
// by `div` (if not 0), bars drawn from the counts themselves (as bpftrace).
std::string format_hist(const MapInfo& map, const std::map<int64_t, uint64_t>& buckets,
                        uint64_t div = 0);

// strftime(3) of a Unix time in ns in local time, with bpftrace's %f
// (microseconds, 6 digits).
std::string format_wall_time(const std::string& format, int64_t unix_ns);

// CLOCK_REALTIME minus CLOCK_MONOTONIC now: turns `nsecs` into Unix time.
int64_t monotonic_to_unix_offset_ns();

// inet_ntop of an ntop() value ({u64 family, u8 address[16]}); "" for a
// family other than AF_INET/AF_INET6, as bpftrace.
std::string format_inet(const uint8_t* value);

// "1K", "4M"... as bpftrace labels power-of-two buckets.
std::string size_label(uint64_t n);

}  // namespace ksight::trace::runtime
