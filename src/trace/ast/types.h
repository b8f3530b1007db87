#pragma once
// Value types of the one-liner language. Integers are 64-bit in BPF
// registers (sign- or zero-extended from their declared width, which printf
// honours as C does); strings live in fixed-size buffers; stacks are
// stack-map ids.
#include <cstdint>
#include <string>

namespace ksight::trace::ast {

enum class TypeKind {
  kNone,  // not yet known / statement without a value
  kInt,
  kString,
  kKstack,    // stack id in the kernel stack map
  kUstack,    // (pid << 32) | stack id in the user stack map
  kKsym,      // kernel address printed as a symbol
  kUsym,      // (user address, pid) printed as a symbol
  kInet,      // ntop(): {u64 address family, u8 address[16]}
  kStrftime,  // strftime(): CLOCK_MONOTONIC ns, printed as wall time
  kBytes,     // a non-char array field (__u8 saddr[4]); only ntop() and sizeof take it
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

// How kstack/ustack values print (bpftrace's modes).
enum class StackMode : uint8_t { kBpftrace, kPerf, kRaw };

// Frames a stack keeps at most: bpftrace's default (perf_event_max_stack).
constexpr uint32_t kMaxStackFrames = 127;

struct Type {
  TypeKind kind = TypeKind::kNone;
  // Bytes in a map key/value or a record; for integers the declared width
  // (1, 2, 4 or 8), which decides how printf's %d/%u/%x without a length
  // modifier read them.
  uint32_t size = 0;
  bool is_signed = true;
  StackMode stack_mode = StackMode::kBpftrace;  // kKstack/kUstack
  uint32_t stack_frames = kMaxStackFrames;      // kKstack/kUstack
  std::string time_format;                      // kStrftime

  static Type none() { return {}; }
  static Type integer(bool is_signed = true, uint32_t bytes = 8) {
    return make(TypeKind::kInt, bytes, is_signed);
  }
  static Type string(uint32_t size) { return make(TypeKind::kString, size, false); }
  static Type of(TypeKind kind, uint32_t size) { return make(kind, size, false); }
  static Type make(TypeKind kind, uint32_t size, bool is_signed) {
    Type t;
    t.kind = kind;
    t.size = size;
    t.is_signed = is_signed;
    return t;
  }

  bool is_int() const { return kind == TypeKind::kInt; }
  bool is_string() const { return kind == TypeKind::kString; }
  bool is_stack() const { return kind == TypeKind::kKstack || kind == TypeKind::kUstack; }
  bool is_aggregation() const { return kind >= TypeKind::kCount; }
  // Same kind and the same printing (stack mode and depth, time format):
  // values of two such types can share a map key or value.
  bool compatible(const Type& o) const {
    return kind == o.kind &&
           (!is_stack() || (stack_mode == o.stack_mode && stack_frames == o.stack_frames)) &&
           time_format == o.time_format;
  }
  bool operator==(const Type& o) const { return compatible(o) && size == o.size; }
};

std::string type_name(const Type& type);

}  // namespace ksight::trace::ast
