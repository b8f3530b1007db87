#pragma once
// What the semantic pass learns about a whole program and what every later
// stage (code generation, loading, output) needs: the maps with their key and
// value layouts, and the printf formats with their argument types.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "trace/ast/ast.h"

namespace ksight::trace {

struct MapInfo {
  std::string name;  // "@", "@bytes"
  int id = 0;
  std::vector<ast::Type> key_types;  // empty for "@name" without keys
  ast::Type value;                   // an aggregation type or a plain value type
  int64_t lhist_min = 0, lhist_max = 0, lhist_step = 1;
  ast::Location first_use;

  bool is_histogram() const {
    return value.kind == ast::TypeKind::kHist || value.kind == ast::TypeKind::kLhist;
  }
  // Aggregations live in per-CPU hashes and are combined in user space.
  bool per_cpu() const { return value.is_aggregation(); }
  // The user key, then for histograms the bucket index (u64).
  uint32_t user_key_size() const;
  uint32_t key_size() const { return user_key_size() + (is_histogram() ? 8 : 0); }
  uint32_t value_size() const;
};

enum class RecordType : uint32_t {
  kPrintf = 1,  // id = format index, then the arguments
  kExit = 2,
  kPrintMap = 3,  // id = index into ProgramInfo::prints
  kClearMap = 4,
  kZeroMap = 5,
  kTime = 6,  // id = index into ProgramInfo::time_formats
};

// Every record sent through the ring buffer starts with this header.
struct RecordHeader {
  uint32_t type;
  uint32_t id;
};
static_assert(sizeof(RecordHeader) == 8);

struct FormatArg {
  ast::Type type;
  uint32_t offset = 0;  // in the record, after the header
};

struct FormatInfo {
  std::string format;
  std::vector<FormatArg> args;
  uint32_t record_size = sizeof(RecordHeader);
};

// print(@map[, top[, div]]): the last `top` entries once sorted (0: all),
// values divided by `div` (0: not divided).
struct PrintSpec {
  int map_id = 0;
  uint64_t top = 0;
  uint64_t div = 0;
  bool operator==(const PrintSpec&) const = default;
};

// One BPF_MAP_TYPE_STACK_TRACE per kind and depth: the kernel keeps as many
// frames as the value holds, so stacks equal in their first N frames share
// an id (and a map key) under kstack(N).
struct StackMapSpec {
  bool user = false;
  uint32_t frames = ast::kMaxStackFrames;
  bool operator==(const StackMapSpec&) const = default;
};

struct ProgramInfo {
  std::deque<MapInfo> maps;  // deque: references stay valid while maps are added
  std::vector<FormatInfo> formats;
  std::vector<std::string> params;        // positional parameters: $1 is params[0]
  std::vector<std::string> time_formats;  // time() formats, by record id
  std::vector<PrintSpec> prints;          // print() calls, by record id
  std::vector<StackMapSpec> stack_maps;
  bool uses_usym = false;
  MapInfo* find_map(const std::string& name);
  // Index of the stack map for (user, frames), added on first use.
  int stack_map(bool user, uint32_t frames);
  int print_spec(const PrintSpec& spec);
  int time_format(const std::string& format);
  bool uses_ustack() const;
};

// Sizes of values as stored in maps and records.
uint32_t value_size_of(const ast::Type& type);

}  // namespace ksight::trace
