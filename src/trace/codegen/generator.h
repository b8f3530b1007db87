#pragma once
// Internal to codegen: the per-probe code generator.
//
// Register conventions: R6 = context, R9 = scratch base (per-CPU map value),
// R0 = the value of an integer expression. Helpers clobber R0-R5, so
// intermediate integers are spilled to stack slots. Non-integer values
// (strings, usym pairs) live in the scratch area; their "value" is an offset.
#include <map>
#include <string>
#include <string_view>

#include "trace/codegen/codegen.h"

namespace ksight::trace::codegen {

constexpr int kCtx = BPF_REG_6;
constexpr int kScratch = BPF_REG_9;

// A non-integer value in scratch memory.
struct Slot {
  int32_t off = 0;
  uint32_t size = 0;
};

// Values that are one u64 (integers, stack ids, addresses, timestamps) are
// computed in R0; the rest are built in scratch memory.
inline bool in_register(ast::TypeKind k) {
  using ast::TypeKind;
  return k == TypeKind::kInt || k == TypeKind::kKsym || k == TypeKind::kKstack ||
         k == TypeKind::kUstack || k == TypeKind::kStrftime;
}

class Generator {
 public:
  Generator(const ConcreteProbe& probe, std::string_view source, ProgramInfo& info,
            const CodegenOptions& options)
      : probe_(probe), src_(source), info_(info), opts_(options) {}

  ProbeProgram run();

 private:
  // codegen.cpp: control flow and statements
  void prologue();
  void declare_vars(const std::vector<ast::Stmt*>& list);
  void stmt(ast::Stmt* s);
  bool stmts(const std::vector<ast::Stmt*>& list);
  void assign_var(ast::AssignVar* a);
  void call_stmt(ast::Call* c);
  void printf_stmt(ast::Call* c);
  void send_record(RecordType type, uint32_t id);
  void count_lost_record();
  void if_stmt(ast::If* i);
  void while_stmt(ast::While* w);
  void unroll_stmt(ast::Unroll* u);
  void jump_stmt(ast::Jump* j);

  // codegen_expr.cpp: expressions
  void int_expr(ast::Expr* e);                                 // value in R0
  Slot value_expr(ast::Expr* e);                               // non-integer value in scratch
  void store_value(ast::Expr* e, int32_t off, uint32_t size);  // any type into scratch[off]
  void builtin(ast::Builtin* b);
  void usdt_arg(int index);
  Slot string_builtin(ast::Builtin* b);
  void field_int(ast::Field* f);
  Slot field_string(ast::Field* f);
  Slot call_value(ast::Call* c);
  void call_int(ast::Call* c);
  void binop(ast::Binop* b);
  void string_compare(ast::Binop* b);
  void logical(ast::Binop* b);
  void signed_divide(uint8_t alu);
  void ternary_int(ast::Ternary* t);
  Slot ternary_value(ast::Ternary* t);
  void cast(ast::Cast* c);
  void inc_dec(ast::IncDec* d);
  Slot string_literal(const std::string& value, uint32_t size);
  Slot read_str(ast::Expr* ptr, uint32_t size);
  Slot ntop(ast::Call* c);
  void stack_id(const ast::Type& type);
  bool user_space_pointers() const;

  // codegen_maps.cpp: maps
  void assign_map(ast::AssignMap* a);
  void aggregate(ast::AssignMap* a, MapInfo& map);
  int32_t build_key(ast::Map* m, const MapInfo& map, int32_t bucket_slot);
  void lookup_or_init(const MapInfo& map, int32_t key_off, InsnBuilder::Label done);
  void map_read_int(ast::Map* m);
  void percpu_read(const MapInfo& map, int32_t key);
  void map_inc_dec(ast::IncDec* d);
  Slot map_read_value(ast::Map* m);
  void delete_key(ast::Map* m);
  void hist_bucket(int32_t value_slot);
  void lhist_bucket(int32_t value_slot, const MapInfo& map);

  // memory helpers
  int32_t alloc_scratch(uint32_t size);
  int32_t alloc_var_scratch(uint32_t size);
  int16_t alloc_stack();
  void copy_scratch(int32_t dst, uint32_t dst_size, int32_t src, uint32_t src_size);
  void zero_scratch(int32_t off, uint32_t size);
  void scratch_ptr(int reg, int32_t off);  // reg = R9 + off
  [[noreturn]] void error(ast::Location loc, const std::string& msg);

  const ConcreteProbe& probe_;
  std::string_view src_;
  ProgramInfo& info_;
  CodegenOptions opts_;
  InsnBuilder b_;
  InsnBuilder::Label exit_label_ = 0;
  bool reads_context_ = false;  // tracepoint fields read from the record
  bool kernel_stack_ = false;   // takes a kstack (see run())
  bool terminated_ = false;     // the statement just generated does not fall through
                                // (exit(), break, continue)
  struct Loop {
    InsnBuilder::Label next, done;  // continue and break targets
  };
  std::vector<Loop> loops_;                  // enclosing while loops, innermost last
  int32_t scratch_top_ = 0;                  // temporaries grow up from 0
  int32_t var_bottom_ = kLostCounterOffset;  // variables grow down from the end
  int stack_depth_ = 8;                      // fp-8 is the scratch map key
  std::map<std::string, int16_t> int_vars_;  // $x -> stack offset
  std::map<std::string, Slot> value_vars_;   // $s -> scratch slot
};

}  // namespace ksight::trace::codegen
