#pragma once
// Fixed-size record decode for the agent's ring buffers. A record is
// accepted only when its length, header.size and type agree with the struct
// the BPF side declares (bpf/process.h, bpf/net.h); anything else is counted
// as a decode error by the caller, never trusted.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ksight::agent {

enum class ProcessEventType { kFork = 100, kExec = 101, kExit = 102 };

struct ProcessEvent {
  ProcessEventType type = ProcessEventType::kFork;
  uint64_t timestamp_ns = 0;  // CLOCK_BOOTTIME
  uint32_t pid = 0;           // tgid the event is about (the child for fork)
  uint32_t tid = 0;
  uint32_t ppid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t exit_code = 0;
  uint64_t cgroup_id = 0;
  uint64_t start_boottime_ns = 0;
  std::string comm;
  std::string filename;  // exec only
};

enum class TcpEventType { kConnect = 500, kAccept = 501, kClose = 502 };

struct TcpEvent {
  TcpEventType type = TcpEventType::kConnect;
  uint64_t timestamp_ns = 0;
  uint32_t pid = 0;  // 0 for accepted connections (softirq context)
  uint64_t cgroup_id = 0;
  std::string comm;
  uint16_t family = 0;  // AF_INET / AF_INET6
  std::array<uint8_t, 16> saddr{};
  std::array<uint8_t, 16> daddr{};
  uint16_t sport = 0;
  uint16_t dport = 0;
  bool inbound = false;
  bool failed = false;
  uint64_t duration_ns = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;

  std::string source() const;  // "10.0.0.1:443", "[::1]:80"
  std::string destination() const;
};

std::optional<ProcessEvent> decode_process_event(std::span<const uint8_t> record);
std::optional<TcpEvent> decode_tcp_event(std::span<const uint8_t> record);

}  // namespace ksight::agent
