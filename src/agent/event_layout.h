#pragma once
// Layout checks of the structs shared with BPF (bpf/include/ksight_event.h and
// each feature's bpf/<feature>.h). clang lays them out for the BPF target and
// g++ for x86_64; any difference would silently corrupt decoding, so the
// offsets the decoders rely on are pinned here.
#include <cstddef>

#include "ksight_event.h"
#include "profile.h"

static_assert(sizeof(ksight_event_header) == 48);
static_assert(offsetof(ksight_event_header, timestamp_ns) == 0);
static_assert(offsetof(ksight_event_header, type) == 8);
static_assert(offsetof(ksight_event_header, size) == 12);
static_assert(offsetof(ksight_event_header, pid) == 16);
static_assert(offsetof(ksight_event_header, tid) == 20);
static_assert(offsetof(ksight_event_header, cgroup_id) == 24);
static_assert(offsetof(ksight_event_header, comm) == 32);

static_assert(offsetof(profile_sample, cpu) == 48);
static_assert(offsetof(profile_sample, kernel_depth) == 52);
static_assert(offsetof(profile_sample, user_depth) == 56);
static_assert(offsetof(profile_sample, kernel_stack) == 64);
static_assert(offsetof(profile_sample, user_stack) == 64 + 8 * KSIGHT_MAX_STACK_DEPTH);
static_assert(sizeof(profile_sample) == 64 + 16 * KSIGHT_MAX_STACK_DEPTH);
static_assert(offsetof(profile_sample_ustack, user_regs) == sizeof(profile_sample));
static_assert(offsetof(profile_sample_ustack, stack_size) ==
              sizeof(profile_sample) + 8 * PROFILE_USER_REGS);
static_assert(offsetof(profile_sample_ustack, regs_valid) ==
              sizeof(profile_sample) + 8 * PROFILE_USER_REGS + 4);
static_assert(offsetof(profile_sample_ustack, stack) ==
              sizeof(profile_sample) + 8 * PROFILE_USER_REGS + 8);
static_assert(sizeof(profile_sample_ustack) ==
              sizeof(profile_sample) + 8 * PROFILE_USER_REGS + 8 + PROFILE_MAX_STACK_COPY);
