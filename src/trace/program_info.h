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
  kPrintMap = 3,  // id = map id
  kClearMap = 4,
  kZeroMap = 5,
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

struct ProgramInfo {
  std::deque<MapInfo> maps;  // deque: references stay valid while maps are added
  std::vector<FormatInfo> formats;
  bool uses_kstack = false;
  bool uses_ustack = false;
  bool uses_usym = false;
  MapInfo* find_map(const std::string& name);
};

// Sizes of values as stored in maps and records.
uint32_t value_size_of(const ast::Type& type);

}  // namespace ksight::trace
