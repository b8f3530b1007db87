#pragma once
// Value types of the one-liner language. Integers are 64-bit in BPF
// registers; strings live in fixed-size buffers; stacks are stack-map ids.
#include <cstdint>
#include <string>

namespace ksight::trace::ast {

enum class TypeKind {
  kNone,  // not yet known / statement without a value
  kInt,
  kString,
  kKstack,  // stack id in the kernel stack map
  kUstack,  // (pid << 32) | stack id in the user stack map
  kKsym,    // kernel address printed as a symbol
  kUsym,    // (user address, pid) printed as a symbol
  // Map aggregation values (only as the value of a map).
  kCount,
  kSum,
  kMin,
  kMax,
  kAvg,
  kStats,
  kHist,
  kLhist,
};

struct Type {
  TypeKind kind = TypeKind::kNone;
  uint32_t size = 0;  // bytes in a map key/value or a record
  bool is_signed = true;

  static Type none() { return {}; }
  static Type integer(bool is_signed = true) { return {TypeKind::kInt, 8, is_signed}; }
  static Type string(uint32_t size) { return {TypeKind::kString, size, false}; }
  static Type of(TypeKind kind, uint32_t size) { return {kind, size, false}; }

  bool is_int() const { return kind == TypeKind::kInt; }
  bool is_string() const { return kind == TypeKind::kString; }
  bool is_aggregation() const { return kind >= TypeKind::kCount; }
  bool operator==(const Type& o) const { return kind == o.kind && size == o.size; }
};

std::string type_name(const Type& type);

}  // namespace ksight::trace::ast
