#include "trace/ast/types.h"
#include "trace/ast/ast.h"

namespace ksight::trace::ast {

std::string type_name(const Type& type) {
  switch (type.kind) {
    case TypeKind::kNone:
      return "none";
    case TypeKind::kInt:
      return type.is_signed ? "int64" : "uint64";
    case TypeKind::kString:
      return "string[" + std::to_string(type.size) + "]";
    case TypeKind::kKstack:
      return "kstack";
    case TypeKind::kUstack:
      return "ustack";
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
