#include "agent/security_pipeline.h"

#include <time.h>

#include <utility>

namespace ksight::agent {

SecurityPipeline::SecurityPipeline(SecuritySink sink, ProcLinks* proc)
    : sink_(std::move(sink)), proc_(proc), boot_to_wall_ns_(current_boot_to_wall_offset_ns()) {}

int64_t SecurityPipeline::current_boot_to_wall_offset_ns() {
  timespec wall{}, boot{};
  clock_gettime(CLOCK_REALTIME, &wall);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  auto ns = [](const timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; };
  return ns(wall) - ns(boot);
}

bool SecurityPipeline::handle(std::span<const std::byte> bytes) {
  SecurityEventRecord record;
  SecurityDecodeResult result = decode_security_record(bytes, record);
  if (!result.ok()) {
    stats_.decode_errors[std::string(security_decode_error_name(result.error))]++;
    return false;
  }
  record.wall_time_ns = record.boot_time_ns + boot_to_wall_ns_;
  if (proc_) resolve_record_paths(record, *proc_);
  by_syscall_[static_cast<size_t>(record.syscall)]++;
  stats_.events_total++;
  // The per-name map is for readers; refresh it cheaply, not per event.
  if (++since_sync_ >= 1024) sync_counts();
  if (sink_) sink_(record);
  return true;
}

SecurityStats SecurityPipeline::stats() {
  sync_counts();
  return stats_;
}

void SecurityPipeline::sync_counts() {
  since_sync_ = 0;
  for (size_t i = 0; i < by_syscall_.size(); i++) {
    if (by_syscall_[i] == 0) continue;
    stats_.events_by_syscall[std::string(security_syscall_name(static_cast<SecuritySyscall>(i)))] =
        by_syscall_[i];
  }
}

}  // namespace ksight::agent
