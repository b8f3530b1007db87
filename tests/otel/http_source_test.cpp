// Decoding of bpf/http.h records and the service-name mapping (src/agent/http_source).
#include "agent/http_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/error.h"
#include "http.h"

namespace ksight::agent {
namespace {

std::vector<uint8_t> record(const std::string& data, uint64_t total, uint16_t family) {
  ksight_http_payload e{};
  e.header.type = KSIGHT_EVENT_HTTP_PAYLOAD;
  e.header.size = sizeof e;
  e.header.timestamp_ns = 123;
  e.header.pid = 10;
  e.header.tid = 11;
  std::strcpy(e.header.comm, "nginx");
  e.sock = 0xffff888000001000;
  e.total = total;
  e.fd = 7;
  e.captured = static_cast<uint32_t>(data.size());
  e.direction = KSIGHT_HTTP_EGRESS;
  e.family = family;
  e.lport = 8080;
  e.rport = 51000;
  if (family == 2) {
    uint8_t l[4] = {127, 0, 0, 1}, r[4] = {10, 1, 2, 3};
    std::memcpy(e.laddr, l, 4);
    std::memcpy(e.raddr, r, 4);
  } else {
    e.laddr[15] = 1;  // ::1
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 9};
    std::memcpy(e.raddr, mapped, 16);
  }
  std::memcpy(e.data, data.data(), data.size());
  std::vector<uint8_t> out(sizeof e);
  std::memcpy(out.data(), &e, sizeof e);
  return out;
}

TEST(HttpSource, DecodesIpv4Record) {
  auto r = record("HTTP/1.1 200 OK\r\n", 4000, 2);
  auto p = decode_http_payload(r);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, 10u);
  EXPECT_EQ(p->tid, 11u);
  EXPECT_EQ(p->fd, 7);
  EXPECT_EQ(p->direction, otel::Direction::kEgress);
  EXPECT_EQ(p->total, 4000u);
  EXPECT_EQ(std::string(p->captured.begin(), p->captured.end()), "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(otel::to_endpoint(p->local).address, "127.0.0.1");
  EXPECT_EQ(p->local.port, 8080);
  EXPECT_EQ(otel::to_endpoint(p->peer).address, "10.1.2.3");
  EXPECT_EQ(p->comm, "nginx");
}

// The hand-written dotted quad against glibc for every octet value.
TEST(HttpSource, Ipv4TextMatchesInetNtop) {
  auto r = record("x", 1, 2);
  auto* e = reinterpret_cast<ksight_http_payload*>(r.data());
  for (int v = 0; v < 256; ++v) {
    uint8_t addr[4] = {uint8_t(v), uint8_t(255 - v), uint8_t(v / 2), uint8_t(v % 10)};
    std::memcpy(e->laddr, addr, 4);
    char want[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, addr, want, sizeof want);
    auto p = decode_http_payload(r);
    ASSERT_TRUE(p);
    EXPECT_EQ(otel::to_endpoint(p->local).address, want) << v;
  }
}

// The BPF side writes 4 bytes of an IPv4 address; the other 12 are stale
// ring-buffer bytes and must not make the same address compare different.
TEST(HttpSource, Ipv4AddressesIgnoreTheUnwrittenBytes) {
  auto clean = record("x", 1, 2);
  auto stale = record("x", 1, 2);
  auto* e = reinterpret_cast<ksight_http_payload*>(stale.data());
  std::memset(e->laddr + 4, 0xAB, 12);
  std::memset(e->raddr + 4, 0xCD, 12);
  auto a = decode_http_payload(clean), b = decode_http_payload(stale);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->local, b->local);
  EXPECT_EQ(a->peer, b->peer);
}

TEST(HttpSource, DecodesIpv6AndMappedAddresses) {
  auto p = decode_http_payload(record("x", 1, 10));
  ASSERT_TRUE(p);
  EXPECT_EQ(otel::to_endpoint(p->local).address, "::1");
  EXPECT_EQ(otel::to_endpoint(p->peer).address, "192.168.0.9");
}

TEST(HttpSource, RejectsMalformedRecords) {
  auto r = record("x", 1, 2);
  EXPECT_FALSE(decode_http_payload(std::span(r).first(40)));
  r[8] = 1;  // another event type
  EXPECT_FALSE(decode_http_payload(r));
}

TEST(HttpSource, ServiceNameMapping) {
  std::map<std::string, std::string> names = {
      {"0123456789ab", "shop"}, {"python3", "py"}, {"nginx", "edge"}};
  EXPECT_EQ(service_name_for(names, "0123456789abcdef", "x", "y"), "shop");
  EXPECT_EQ(service_name_for(names, "", "python3", "python3.11"), "py");
  EXPECT_EQ(service_name_for(names, "", "", "nginx"), "edge");
  EXPECT_EQ(service_name_for(names, "", "curl", "curl"), "");
}

// The words the BPF side compares with the group leader's comm: the name
// NUL-padded to 16 bytes, in memory order.
TEST(HttpSource, CommFilterWordsArePaddedComm) {
  auto words = comm_filter_words({"nginx", "a-very-long-process-name"});
  ASSERT_EQ(words.size(), 2u);
  char bytes[16];
  std::memcpy(bytes, words[0].data(), sizeof bytes);
  EXPECT_EQ(std::string(bytes, 6), std::string("nginx\0", 6));
  EXPECT_EQ(std::string(bytes + 6, 10), std::string(10, '\0'));
  // Cut to 15 bytes and a NUL, as the kernel cuts comm.
  std::memcpy(bytes, words[1].data(), sizeof bytes);
  EXPECT_EQ(std::string(bytes, 16), std::string("a-very-long-pro") + '\0');
  EXPECT_TRUE(comm_filter_words({}).empty());
}

TEST(HttpSource, CommFilterRejectsEmptyNamesAndTooMany) {
  EXPECT_THROW(comm_filter_words({""}), Error);
  std::vector<std::string> many(KSIGHT_HTTP_MAX_COMMS + 1, "x");
  try {
    comm_filter_words(many);
    FAIL() << "nine names accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at most 8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ksight::agent
