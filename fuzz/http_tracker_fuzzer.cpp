// libFuzzer target for what the HTTP capture feeds on: bytes of any TCP
// traffic on the node (src/otel/http_parser.h, http_tracker.h). The input
// is a sequence of captured socket calls:
//   call  = flags:u8 total:u8 len:u8 data[len]
//   flags = bit 0 direction (write), bits 1-2 fd, bits 3-4 thread, bit 5
//           "socket replaced" (fd reuse), bit 6 "quiet": end held responses,
//           bit 7 "expire idle connections"
// `total` beyond `len` is a gap of uncaptured bytes (x 64). Small bounds
// make eviction, pending overflow and thread bookkeeping reachable. The
// tracker must neither crash nor break its bounds, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "otel/http_tracker.h"

using namespace ksight::otel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxConnections = 3;
  uint64_t exchanges = 0;
  HttpTracker tracker(
      {.max_connections = kMaxConnections, .max_pending = 4, .thread_history = 2},
      [&](HttpExchange&& x) {
        ++exchanges;
        // Calls are fed in time order: nothing ends before it starts.
        if (x.end_ns < x.start_ns) abort();
      },
      1);
  uint64_t socks[4] = {1, 2, 3, 4};
  uint64_t ts = 1;
  size_t pos = 0;
  while (pos + 3 <= size) {
    uint8_t flags = data[pos];
    uint64_t total = data[pos + 1];
    size_t len = data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    int fd = (flags >> 1) & 3;
    if (flags & 0x20) socks[fd] += 4;
    Payload p;
    p.pid = 10;
    p.tid = 20 + ((flags >> 3) & 3);
    p.fd = fd;
    p.sock = socks[fd];
    p.direction = (flags & 1) ? Direction::kEgress : Direction::kIngress;
    p.ts_ns = ts;
    p.total = len + (total > len ? (total - len) * 64 : 0);
    p.captured = {data + pos, len};
    p.comm = "fuzz";
    tracker.on_payload(p);
    pos += len;
    ts += 100;
    if (flags & 0x40) tracker.end_quiet_responses(ts, 50);
    if (flags & 0x80) tracker.expire(ts, 1000);
    tracker.server_span_during(p.tid, ts - 150, ts - 50);
    if (tracker.connections() > kMaxConnections) abort();
  }
  tracker.end_quiet_responses(ts + 1000, 50);
  return 0;
}
