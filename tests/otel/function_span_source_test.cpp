// The agent side of bpf/funcspan.h and bpf/slowsys.h: record decoding.
#include "agent/function_span_source.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "funcspan.h"
#include "slowsys.h"

namespace ksight::agent {
namespace {

template <typename T>
std::span<const uint8_t> bytes(const T& e) {
  return {reinterpret_cast<const uint8_t*>(&e), sizeof e};
}

ksight_funcspan_event call_record() {
  ksight_funcspan_event e{};
  e.header.type = KSIGHT_EVENT_FUNC_SPAN;
  e.header.size = sizeof e;
  e.header.pid = 10;
  e.header.tid = 11;
  e.header.timestamp_ns = 5000;
  std::memcpy(e.header.comm, "srv", 4);
  e.start_ns = 1000;
  e.cookie = 2;
  return e;
}

TEST(FunctionSpanSourceTest, DecodesACall) {
  auto c = decode_function_call(bytes(call_record()));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->pid, 10u);
  EXPECT_EQ(c->tid, 11u);
  EXPECT_EQ(c->index, 2u);
  EXPECT_EQ(c->start_ns, 1000u);
  EXPECT_EQ(c->end_ns, 5000u);
  EXPECT_EQ(c->comm, "srv");
  EXPECT_TRUE(c->syscall.empty());
}

TEST(FunctionSpanSourceTest, RejectsShortWrongTypeAndBackwardsRecords) {
  auto e = call_record();
  EXPECT_FALSE(decode_function_call(bytes(e).first(sizeof e - 1)));
  e.header.type = KSIGHT_EVENT_HTTP_PAYLOAD;
  EXPECT_FALSE(decode_function_call(bytes(e)));
  e = call_record();
  e.start_ns = 6000;  // after its return
  EXPECT_FALSE(decode_function_call(bytes(e)));
}

TEST(FunctionSpanSourceTest, DecodesASlowSyscallWithItsName) {
  ksight_slowsys_event e{};
  e.header.type = KSIGHT_EVENT_SLOW_SYSCALL;
  e.header.pid = 10;
  e.header.tid = 12;
  e.header.timestamp_ns = 40'000'000;
  e.start_ns = 5'000'000;
  e.nr = 230;  // x86_64 clock_nanosleep
  e.ret = -4;
  auto c = decode_slow_syscall(bytes(e));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->syscall, "clock_nanosleep");
  EXPECT_EQ(c->ret, -4);
  EXPECT_EQ(c->tid, 12u);
  EXPECT_EQ(c->end_ns - c->start_ns, 35'000'000u);
  EXPECT_FALSE(decode_function_call(bytes(e)));
  EXPECT_FALSE(decode_slow_syscall(bytes(call_record())));
}

}  // namespace
}  // namespace ksight::agent
