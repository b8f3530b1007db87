#include "agent/event_decode.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>

// The BPF ABI headers, with the kernel's fixed-width types.
#include <linux/types.h>

#include "net.h"
#include "process.h"

namespace ksight::agent {

// Layout checks: these structs cross the kernel boundary byte for byte.
static_assert(sizeof(ksight_event_header) == 48);
static_assert(offsetof(ksight_event_header, cgroup_id) == 24);
static_assert(offsetof(ksight_event_header, comm) == 32);
static_assert(sizeof(ksight_process_event) == 48 + 24 + KSIGHT_FILENAME_LEN);
static_assert(offsetof(ksight_process_event, filename) == 72);
static_assert(sizeof(ksight_tcp_event) == 48 + 32 + 8 + 24);
static_assert(offsetof(ksight_tcp_event, duration_ns) == 88);

namespace {

std::string bounded_string(const char* s, size_t max) {
  return std::string(s, strnlen(s, max));
}

template <typename T>
std::optional<T> load(std::span<const uint8_t> record) {
  if (record.size() != sizeof(T)) return std::nullopt;
  T raw;
  std::memcpy(&raw, record.data(), sizeof(T));
  if (raw.header.size != sizeof(T)) return std::nullopt;
  return raw;
}

std::string endpoint(uint16_t family, const std::array<uint8_t, 16>& addr, uint16_t port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(port);
  }
  inet_ntop(AF_INET, addr.data(), buf, sizeof(buf));
  return std::string(buf) + ":" + std::to_string(port);
}

}  // namespace

std::optional<ProcessEvent> decode_process_event(std::span<const uint8_t> record) {
  auto raw = load<ksight_process_event>(record);
  if (!raw) return std::nullopt;
  ProcessEvent e;
  switch (raw->header.type) {
    case KSIGHT_EVENT_PROCESS_FORK:
    case KSIGHT_EVENT_PROCESS_EXEC:
    case KSIGHT_EVENT_PROCESS_EXIT:
      e.type = static_cast<ProcessEventType>(raw->header.type);
      break;
    default:
      return std::nullopt;
  }
  e.timestamp_ns = raw->header.timestamp_ns;
  e.pid = raw->header.pid;
  e.tid = raw->header.tid;
  e.cgroup_id = raw->header.cgroup_id;
  e.comm = bounded_string(raw->header.comm, sizeof(raw->header.comm));
  e.ppid = raw->ppid;
  e.uid = raw->uid;
  e.gid = raw->gid;
  e.exit_code = raw->exit_code;
  e.start_boottime_ns = raw->start_boottime_ns;
  e.filename = bounded_string(raw->filename, sizeof(raw->filename));
  return e;
}

std::optional<TcpEvent> decode_tcp_event(std::span<const uint8_t> record) {
  auto raw = load<ksight_tcp_event>(record);
  if (!raw) return std::nullopt;
  TcpEvent e;
  switch (raw->header.type) {
    case KSIGHT_EVENT_TCP_CONNECT:
    case KSIGHT_EVENT_TCP_ACCEPT:
    case KSIGHT_EVENT_TCP_CLOSE:
      e.type = static_cast<TcpEventType>(raw->header.type);
      break;
    default:
      return std::nullopt;
  }
  if (raw->family != AF_INET && raw->family != AF_INET6) return std::nullopt;
  e.timestamp_ns = raw->header.timestamp_ns;
  e.pid = raw->header.pid;
  e.cgroup_id = raw->header.cgroup_id;
  e.comm = bounded_string(raw->header.comm, sizeof(raw->header.comm));
  e.family = raw->family;
  std::memcpy(e.saddr.data(), raw->saddr, 16);
  std::memcpy(e.daddr.data(), raw->daddr, 16);
  e.sport = raw->sport;
  e.dport = raw->dport;
  e.inbound = raw->direction == KSIGHT_TCP_INBOUND;
  e.failed = raw->result == KSIGHT_TCP_FAILED;
  e.duration_ns = raw->duration_ns;
  e.bytes_sent = raw->bytes_sent;
  e.bytes_received = raw->bytes_received;
  return e;
}

std::string TcpEvent::source() const {
  return endpoint(family, saddr, sport);
}
std::string TcpEvent::destination() const {
  return endpoint(family, daddr, dport);
}

}  // namespace ksight::agent
