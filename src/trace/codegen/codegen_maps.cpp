// Map updates, aggregations and reads.
#include "trace/codegen/generator.h"

namespace ksight::trace::codegen {

using ast::TypeKind;

int32_t Generator::build_key(ast::Map* m, const MapInfo& map, int32_t bucket_slot) {
  int32_t key = alloc_scratch(map.key_size());
  if (m->keys.empty()) {
    b_.st_imm(kDW, kScratch, static_cast<int16_t>(key), 0);
  }
  int32_t off = key;
  for (size_t i = 0; i < m->keys.size(); ++i) {
    uint32_t size = value_size_of(map.key_types[i]);
    store_value(m->keys[i], off, size);
    off += static_cast<int32_t>(size);
  }
  if (map.is_histogram()) {
    b_.ldx(kDW, BPF_REG_0, BPF_REG_10, static_cast<int16_t>(bucket_slot));
    b_.stx(kDW, kScratch, static_cast<int16_t>(key + map.user_key_size()), BPF_REG_0);
  }
  return key;
}

void Generator::assign_map(ast::AssignMap* a) {
  MapInfo& map = *info_.find_map(a->map->name);
  if (map.value.is_aggregation()) return aggregate(a, map);
  int32_t key = build_key(a->map, map, 0);
  int32_t value = alloc_scratch(map.value_size());
  store_value(a->expr, value, map.value_size());
  b_.set_location(a->loc);
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  scratch_ptr(BPF_REG_3, value);
  b_.mov_imm(BPF_REG_4, BPF_ANY);
  b_.call(BPF_FUNC_map_update_elem);
}

// Leaves R0 = pointer to this CPU's value for the key, creating a zeroed
// entry first when there is none; jumps to `done` if that fails (map full).
void Generator::lookup_or_init(const MapInfo& map, int32_t key, InsnBuilder::Label done) {
  auto have = b_.new_label();
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.call(BPF_FUNC_map_lookup_elem);
  b_.jmp_imm(BPF_JNE, BPF_REG_0, 0, have);
  int32_t zero = alloc_scratch(map.value_size());
  zero_scratch(zero, map.value_size());
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  scratch_ptr(BPF_REG_3, zero);
  b_.mov_imm(BPF_REG_4, BPF_NOEXIST);
  b_.call(BPF_FUNC_map_update_elem);
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.call(BPF_FUNC_map_lookup_elem);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, done);
  b_.bind(have);
}

void Generator::aggregate(ast::AssignMap* a, MapInfo& map) {
  auto* call = static_cast<ast::Call*>(a->expr);
  TypeKind kind = map.value.kind;
  int16_t value_slot = 0, bucket_slot = 0;
  if (!call->args.empty()) {
    value_slot = alloc_stack();
    int_expr(call->args[0]);
    b_.stx(kDW, BPF_REG_10, value_slot, BPF_REG_0);
  }
  if (map.is_histogram()) {
    bucket_slot = alloc_stack();
    if (kind == TypeKind::kHist) {
      hist_bucket(value_slot);
    } else {
      lhist_bucket(value_slot, map);
    }
    b_.stx(kDW, BPF_REG_10, bucket_slot, BPF_REG_0);
  }
  int32_t key = build_key(a->map, map, bucket_slot);
  b_.set_location(a->loc);
  auto done = b_.new_label();
  lookup_or_init(map, key, done);
  // Per-CPU values: no other CPU writes this memory, so no atomics.
  switch (kind) {
    case TypeKind::kCount:
    case TypeKind::kHist:
    case TypeKind::kLhist:
    case TypeKind::kSum:
      b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 0);
      if (kind == TypeKind::kSum) {
        b_.ldx(kDW, BPF_REG_2, BPF_REG_10, value_slot);
        b_.alu_reg(BPF_ADD, BPF_REG_1, BPF_REG_2);
      } else {
        b_.alu_imm(BPF_ADD, BPF_REG_1, 1);
      }
      b_.stx(kDW, BPF_REG_0, 0, BPF_REG_1);
      break;
    case TypeKind::kAvg:
    case TypeKind::kStats:
      b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 0);
      b_.alu_imm(BPF_ADD, BPF_REG_1, 1);
      b_.stx(kDW, BPF_REG_0, 0, BPF_REG_1);
      b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 8);
      b_.ldx(kDW, BPF_REG_2, BPF_REG_10, value_slot);
      b_.alu_reg(BPF_ADD, BPF_REG_1, BPF_REG_2);
      b_.stx(kDW, BPF_REG_0, 8, BPF_REG_1);
      break;
    case TypeKind::kMin:
    case TypeKind::kMax: {
      auto set = b_.new_label();
      b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 8);
      b_.ldx(kDW, BPF_REG_2, BPF_REG_10, value_slot);
      b_.jmp_imm(BPF_JEQ, BPF_REG_1, 0, set);
      b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 0);
      b_.jmp_reg(kind == TypeKind::kMin ? BPF_JSGE : BPF_JSLE, BPF_REG_2, BPF_REG_1, done);
      b_.bind(set);
      b_.stx(kDW, BPF_REG_0, 0, BPF_REG_2);
      b_.st_imm(kDW, BPF_REG_0, 8, 1);
      break;
    }
    default:
      error(a->loc, "codegen: bad aggregation");
  }
  b_.bind(done);
}

// Bucket 0: negative, 1: zero, k >= 2: [2^(k-2), 2^(k-1)).
void Generator::hist_bucket(int32_t value_slot) {
  auto out = b_.new_label();
  b_.ldx(kDW, BPF_REG_1, BPF_REG_10, static_cast<int16_t>(value_slot));
  b_.mov_imm(BPF_REG_0, 0);
  b_.jmp_imm(BPF_JSLT, BPF_REG_1, 0, out);
  b_.mov_imm(BPF_REG_0, 1);
  b_.jmp_imm(BPF_JEQ, BPF_REG_1, 0, out);
  b_.mov_imm(BPF_REG_0, 2);
  for (int shift : {32, 16, 8, 4, 2, 1}) {
    auto skip = b_.new_label();
    b_.ld_imm64(BPF_REG_2, 1ull << shift);
    b_.jmp_reg(BPF_JLT, BPF_REG_1, BPF_REG_2, skip);
    b_.alu_imm(BPF_RSH, BPF_REG_1, shift);
    b_.alu_imm(BPF_ADD, BPF_REG_0, shift);
    b_.bind(skip);
  }
  b_.bind(out);
}

// Bucket 0: below min, 1..n: [min + (i-1)*step, ...), n+1: at or above max.
void Generator::lhist_bucket(int32_t value_slot, const MapInfo& map) {
  int64_t buckets = (map.lhist_max - map.lhist_min + map.lhist_step - 1) / map.lhist_step;
  auto out = b_.new_label();
  b_.ldx(kDW, BPF_REG_1, BPF_REG_10, static_cast<int16_t>(value_slot));
  b_.mov_imm(BPF_REG_0, 0);
  b_.ld_imm64(BPF_REG_2, static_cast<uint64_t>(map.lhist_min));
  b_.jmp_reg(BPF_JSLT, BPF_REG_1, BPF_REG_2, out);
  b_.ld_imm64(BPF_REG_0, static_cast<uint64_t>(buckets + 1));
  b_.ld_imm64(BPF_REG_3, static_cast<uint64_t>(map.lhist_max));
  b_.jmp_reg(BPF_JSGE, BPF_REG_1, BPF_REG_3, out);
  b_.alu_reg(BPF_SUB, BPF_REG_1, BPF_REG_2);
  b_.ld_imm64(BPF_REG_3, static_cast<uint64_t>(map.lhist_step));
  b_.alu_reg(BPF_DIV, BPF_REG_1, BPF_REG_3);
  b_.mov_reg(BPF_REG_0, BPF_REG_1);
  b_.alu_imm(BPF_ADD, BPF_REG_0, 1);
  b_.bind(out);
}

void Generator::map_read_int(ast::Map* m) {
  const MapInfo& map = *info_.find_map(m->name);
  int32_t key = build_key(m, map, 0);
  if (map.per_cpu() && opts_.ncpus > 0) return percpu_read(map, key);
  auto missing = b_.new_label(), end = b_.new_label();
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.call(BPF_FUNC_map_lookup_elem);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, missing);
  b_.ldx(kDW, BPF_REG_0, BPF_REG_0, 0);
  b_.jmp(end);
  b_.bind(missing);
  b_.mov_imm(BPF_REG_0, 0);
  b_.bind(end);
}

// count/sum/min/max read in an expression: every CPU's value combined, as
// printing the map would (bpftrace 0.17 reads only the current CPU's). R7
// (callee-saved, otherwise unused) counts CPUs; the verifier walks the
// bounded loop once per CPU.
void Generator::percpu_read(const MapInfo& map, int32_t key) {
  using ast::TypeKind;
  bool minmax = map.value.kind == TypeKind::kMin || map.value.kind == TypeKind::kMax;
  int16_t acc = alloc_stack(), seen = alloc_stack();
  b_.st_imm(kDW, BPF_REG_10, acc, 0);
  b_.st_imm(kDW, BPF_REG_10, seen, 0);
  b_.mov_imm(BPF_REG_7, 0);
  auto loop = b_.new_label(), next = b_.new_label();
  b_.bind(loop);
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.mov_reg(BPF_REG_3, BPF_REG_7);
  b_.call(BPF_FUNC_map_lookup_percpu_elem);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, next);
  b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 0);
  b_.ldx(kDW, BPF_REG_2, BPF_REG_10, acc);
  if (!minmax) {
    b_.alu_reg(BPF_ADD, BPF_REG_2, BPF_REG_1);
    b_.stx(kDW, BPF_REG_10, acc, BPF_REG_2);
  } else {
    // {value, set}: skip CPUs that never saw a value; keep the smaller
    // (min) or larger (max) one.
    auto take = b_.new_label();
    b_.ldx(kDW, BPF_REG_3, BPF_REG_0, 8);
    b_.jmp_imm(BPF_JEQ, BPF_REG_3, 0, next);
    b_.ldx(kDW, BPF_REG_3, BPF_REG_10, seen);
    b_.jmp_imm(BPF_JEQ, BPF_REG_3, 0, take);
    bool is_min = map.value.kind == TypeKind::kMin;
    b_.jmp_reg(is_min ? BPF_JSGE : BPF_JSLE, BPF_REG_1, BPF_REG_2, next);
    b_.bind(take);
    b_.stx(kDW, BPF_REG_10, acc, BPF_REG_1);
    b_.st_imm(kDW, BPF_REG_10, seen, 1);
  }
  b_.bind(next);
  b_.alu_imm(BPF_ADD, BPF_REG_7, 1);
  b_.jmp_imm(BPF_JLT, BPF_REG_7, opts_.ncpus, loop);
  b_.ldx(kDW, BPF_REG_0, BPF_REG_10, acc);
}

// @x[k]++ and friends: read (0 when absent), store the new value, leave
// the expression's value in R0. Not atomic, like bpftrace's.
void Generator::map_inc_dec(ast::IncDec* d) {
  auto* m = static_cast<ast::Map*>(d->target);
  const MapInfo& map = *info_.find_map(m->name);
  int32_t key = build_key(m, map, 0);
  int32_t value = alloc_scratch(8);
  int16_t old = alloc_stack();
  auto have = b_.new_label(), update = b_.new_label();
  b_.set_location(d->loc);
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.call(BPF_FUNC_map_lookup_elem);
  b_.jmp_imm(BPF_JNE, BPF_REG_0, 0, have);
  b_.mov_imm(BPF_REG_1, 0);
  b_.jmp(update);
  b_.bind(have);
  b_.ldx(kDW, BPF_REG_1, BPF_REG_0, 0);
  b_.bind(update);
  b_.stx(kDW, BPF_REG_10, old, BPF_REG_1);
  b_.alu_imm(BPF_ADD, BPF_REG_1, d->increment ? 1 : -1);
  b_.stx(kDW, kScratch, static_cast<int16_t>(value), BPF_REG_1);
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  scratch_ptr(BPF_REG_3, value);
  b_.mov_imm(BPF_REG_4, BPF_ANY);
  b_.call(BPF_FUNC_map_update_elem);
  if (d->prefix) {
    b_.ldx(kDW, BPF_REG_0, kScratch, static_cast<int16_t>(value));
  } else {
    b_.ldx(kDW, BPF_REG_0, BPF_REG_10, old);
  }
}

Slot Generator::map_read_value(ast::Map* m) {
  const MapInfo& map = *info_.find_map(m->name);
  int32_t key = build_key(m, map, 0);
  Slot dst{alloc_scratch(map.value_size()), map.value_size()};
  auto missing = b_.new_label(), end = b_.new_label();
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.call(BPF_FUNC_map_lookup_elem);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, missing);
  for (uint32_t i = 0; i < dst.size; i += 8) {
    b_.ldx(kDW, BPF_REG_1, BPF_REG_0, static_cast<int16_t>(i));
    b_.stx(kDW, kScratch, static_cast<int16_t>(dst.off + i), BPF_REG_1);
  }
  b_.jmp(end);
  b_.bind(missing);
  zero_scratch(dst.off, dst.size);
  b_.bind(end);
  return dst;
}

void Generator::delete_key(ast::Map* m) {
  const MapInfo& map = *info_.find_map(m->name);
  if (map.is_histogram())
    error(m->loc, "delete() of a single histogram key is not supported; use clear()");
  int32_t key = build_key(m, map, 0);
  b_.ld_map(BPF_REG_1, map.id);
  scratch_ptr(BPF_REG_2, key);
  b_.call(BPF_FUNC_map_delete_elem);
}

}  // namespace ksight::trace::codegen
