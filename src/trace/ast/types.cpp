#include "trace/ast/types.h"
#include "trace/ast/ast.h"

namespace ksight::trace::ast {

std::string type_name(const Type& type) {
  switch (type.kind) {
    case TypeKind::kNone:
      return "none";
    case TypeKind::kInt:
      return std::string(type.is_signed ? "int" : "uint") + std::to_string(type.size * 8);
    case TypeKind::kString:
      return "string[" + std::to_string(type.size) + "]";
    case TypeKind::kKstack:
    case TypeKind::kUstack: {
      std::string name = type.kind == TypeKind::kKstack ? "kstack" : "ustack";
      if (type.stack_mode == StackMode::kBpftrace && type.stack_frames == kMaxStackFrames)
        return name;
      const char* mode = type.stack_mode == StackMode::kPerf  ? "perf"
                         : type.stack_mode == StackMode::kRaw ? "raw"
                                                              : "bpftrace";
      return name + "(" + mode + ", " + std::to_string(type.stack_frames) + ")";
    }
    case TypeKind::kInet:
      return "inet";
    case TypeKind::kStrftime:
      return "strftime(\"" + type.time_format + "\")";
    case TypeKind::kBytes:
      return "uint8[" + std::to_string(type.size) + "]";
    case TypeKind::kKsym:
      return "ksym";
    case TypeKind::kUsym:
      return "usym";
    case TypeKind::kCount:
      return "count";
    case TypeKind::kSum:
      return "sum";
    case TypeKind::kMin:
      return "min";
    case TypeKind::kMax:
      return "max";
    case TypeKind::kAvg:
      return "avg";
    case TypeKind::kStats:
      return "stats";
    case TypeKind::kHist:
      return "hist";
    case TypeKind::kLhist:
      return "lhist";
  }
  return "?";
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kBand:
      return "&";
    case Op::kBor:
      return "|";
    case Op::kBxor:
      return "^";
    case Op::kShl:
      return "<<";
    case Op::kShr:
      return ">>";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kLand:
      return "&&";
    case Op::kLor:
      return "||";
    case Op::kNot:
      return "!";
    case Op::kNeg:
      return "-";
    case Op::kBnot:
      return "~";
  }
  return "?";
}

}  // namespace ksight::trace::ast
