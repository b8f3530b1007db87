#pragma once
// The individual kernel feature probes behind FeatureProbe. Each loads the
// smallest program of its type (`r0 = 0; exit`, or `r0 = 1` where 0 would
// drop packets), attaches it where attaching is what can fail, and detaches
// at once. A "no" carries the syscall and errno that said no.
#include <string>

#include "agent/feature_probe.h"

namespace ksight::agent {

FeatureStatus probe_btf();
FeatureStatus probe_ringbuf();
FeatureStatus probe_tracepoint(const std::string& tracefs_path);
FeatureStatus probe_raw_tracepoint();
FeatureStatus probe_tp_btf();
FeatureStatus probe_sock_msg_tracepoints();
FeatureStatus probe_uprobe();
FeatureStatus probe_perf_event_sampling();
FeatureStatus probe_hardware_cycles();
FeatureStatus probe_fentry();
FeatureStatus probe_kprobe();
FeatureStatus probe_lsm();
FeatureStatus probe_tc();
FeatureStatus probe_cgroup_skb(const std::string& cgroup_v2_path);
FeatureStatus probe_task_iterator();

}  // namespace ksight::agent
