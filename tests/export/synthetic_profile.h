#pragma once
// A small, fully known profile for the writer tests and the peer test: user
// frames in an app and libc, an inlined function, kernel and kernel-module
// frames, an unsymbolized address, three processes, string and numeric labels.
#include "profile/profile.h"

namespace ksight::testing {

// Location ids in synthetic_profile(), for readable tests.
enum SyntheticLocation : uint64_t {
  kMain = 1,        // app: main (app.c:10)
  kCompute = 2,     // app: hot_inner (hot.h:5) inlined into compute (app.c:20)
  kHotLeaf = 3,     // app: hot_leaf (app.c:30)
  kLibcWrite = 4,   // libc: write
  kEntry = 5,       // kernel: entry_SYSCALL_64
  kKsysWrite = 6,   // kernel: ksys_write
  kNftDoChain = 7,  // [nf_tables] module: nft_do_chain
  kUnknown = 8,     // app, no symbol: app+0x1300
};

// Values are {samples/count, cpu/nanoseconds}; 110 samples in all, of which
// 100 end in hot_leaf (pids 100 and 101, comm "app").
profile::Profile synthetic_profile();

constexpr int64_t kSyntheticPeriod = 10101010;  // 1e9 / 99 Hz

}  // namespace ksight::testing
