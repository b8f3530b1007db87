// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU sampler. Attached to one perf_event per CPU (software cpu-clock or
 * hardware cycles at a fixed frequency); every tick on a CPU runs this
 * program in the context of whatever task was running, so its pid, comm and
 * stacks describe where that CPU was spending time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile.h"

const volatile bool filter_pids = false;   /* only tgids in target_pids */
const volatile bool include_idle = false;  /* samples of the idle task (pid 0) */
const volatile bool collect_kernel = true;
const volatile bool collect_user = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} target_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROFILE_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost_counters SEC(".maps");

static __always_inline void count_loss(__u32 reason)
{
	__u64 *counter = bpf_map_lookup_elem(&lost_counters, &reason);

	if (counter)
		*counter += 1;
}

static __always_inline __s32 take_stack(void *ctx, __u64 *stack, __u64 flags, __u32 loss)
{
	long bytes = bpf_get_stack(ctx, stack, KSIGHT_MAX_STACK_DEPTH * sizeof(__u64), flags);

	if (bytes < 0) {
		count_loss(loss);
		return (__s32)bytes;
	}
	return (__s32)(bytes / sizeof(__u64));
}

static __always_inline bool is_kernel_thread(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, mm) == NULL;
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct profile_sample *sample;

	if (tgid == 0 && !include_idle)
		return 0;
	if (filter_pids && !bpf_map_lookup_elem(&target_pids, &tgid))
		return 0;

	sample = bpf_ringbuf_reserve(&samples, sizeof(*sample), 0);
	if (!sample) {
		count_loss(PROFILE_LOSS_RINGBUF_FULL);
		return 0;
	}
	sample->hdr.timestamp_ns = bpf_ktime_get_boot_ns();
	sample->hdr.type = KSIGHT_EVENT_CPU_SAMPLE;
	sample->hdr.size = sizeof(*sample);
	sample->hdr.pid = tgid;
	sample->hdr.tid = (__u32)id;
	sample->hdr.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(sample->hdr.comm, sizeof(sample->hdr.comm));
	sample->cpu = bpf_get_smp_processor_id();
	sample->flags = 0;
	sample->kernel_depth = collect_kernel ?
		take_stack(ctx, sample->kernel_stack, 0, PROFILE_LOSS_KERNEL_STACK) : 0;
	/* Kernel threads have no user memory; asking would only count an error. */
	sample->user_depth = (collect_user && !is_kernel_thread()) ?
		take_stack(ctx, sample->user_stack, BPF_F_USER_STACK, PROFILE_LOSS_USER_STACK) : 0;
	bpf_ringbuf_submit(sample, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
