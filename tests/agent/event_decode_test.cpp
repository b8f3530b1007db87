#include "agent/event_decode.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/types.h>

#include <cstring>
#include <vector>

#include "net.h"
#include "process.h"

namespace ksight::agent {
namespace {

template <typename T>
std::vector<uint8_t> bytes(const T& raw) {
  std::vector<uint8_t> out(sizeof(T));
  std::memcpy(out.data(), &raw, sizeof(T));
  return out;
}

ksight_process_event exec_record() {
  ksight_process_event r{};
  r.header.timestamp_ns = 111;
  r.header.type = KSIGHT_EVENT_PROCESS_EXEC;
  r.header.size = sizeof(r);
  r.header.pid = 42;
  r.header.tid = 42;
  r.header.cgroup_id = 7;
  std::strcpy(r.header.comm, "cat");
  r.start_boottime_ns = 5000000000;
  r.ppid = 1;
  r.uid = 1000;
  r.gid = 100;
  std::strcpy(r.filename, "/usr/bin/cat");
  return r;
}

TEST(DecodeProcess, Exec) {
  auto e = decode_process_event(bytes(exec_record()));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, ProcessEventType::kExec);
  EXPECT_EQ(e->pid, 42u);
  EXPECT_EQ(e->comm, "cat");
  EXPECT_EQ(e->filename, "/usr/bin/cat");
  EXPECT_EQ(e->uid, 1000u);
  EXPECT_EQ(e->cgroup_id, 7u);
  EXPECT_EQ(e->start_boottime_ns, 5000000000u);
}

TEST(DecodeProcess, UnterminatedStringsAreBounded) {
  auto r = exec_record();
  std::memset(r.header.comm, 'A', sizeof(r.header.comm));
  std::memset(r.filename, 'B', sizeof(r.filename));
  auto e = decode_process_event(bytes(r));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->comm.size(), 16u);
  EXPECT_EQ(e->filename.size(), 256u);
}

TEST(DecodeProcess, RejectsWrongSizeTypeAndHeader) {
  auto good = bytes(exec_record());
  auto shorter = good;
  shorter.pop_back();
  EXPECT_FALSE(decode_process_event(shorter));
  EXPECT_FALSE(decode_process_event({}));
  auto r = exec_record();
  r.header.type = 999;
  EXPECT_FALSE(decode_process_event(bytes(r)));
  r = exec_record();
  r.header.size = 48;
  EXPECT_FALSE(decode_process_event(bytes(r)));
  r = exec_record();
  r.header.type = KSIGHT_EVENT_TCP_CONNECT;  // a record of another source
  EXPECT_FALSE(decode_process_event(bytes(r)));
}

TEST(DecodeTcp, ConnectIpv4AndClose) {
  ksight_tcp_event r{};
  r.header.type = KSIGHT_EVENT_TCP_CONNECT;
  r.header.size = sizeof(r);
  r.header.pid = 9;
  r.family = AF_INET;
  inet_pton(AF_INET, "10.1.2.3", r.saddr);
  inet_pton(AF_INET, "10.9.8.7", r.daddr);
  r.sport = 40000;
  r.dport = 443;
  r.result = KSIGHT_TCP_FAILED;
  auto e = decode_tcp_event(bytes(r));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, TcpEventType::kConnect);
  EXPECT_TRUE(e->failed);
  EXPECT_FALSE(e->inbound);
  EXPECT_EQ(e->source(), "10.1.2.3:40000");
  EXPECT_EQ(e->destination(), "10.9.8.7:443");

  r.header.type = KSIGHT_EVENT_TCP_CLOSE;
  r.result = KSIGHT_TCP_OK;
  r.direction = KSIGHT_TCP_INBOUND;
  r.family = AF_INET6;
  inet_pton(AF_INET6, "::1", r.daddr);
  r.bytes_sent = 100;
  r.duration_ns = 5;
  e = decode_tcp_event(bytes(r));
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->inbound);
  EXPECT_EQ(e->destination(), "[::1]:443");
  EXPECT_EQ(e->bytes_sent, 100u);
  r.family = 99;
  EXPECT_FALSE(decode_tcp_event(bytes(r)));
}

}  // namespace
}  // namespace ksight::agent
