#pragma once
// Records real stack snapshots of the test process itself, from code built
// -O2 -fomit-frame-pointer (snapshot_recorder.cpp), for replaying the
// unwinder: known chains, recursion, and the bytes to corrupt.
#include <cstddef>

#include "unwind/snapshot_file.h"

namespace ksight::testing {

// Captured in ksight_rec_capture, called as
// ksight_rec_outer -> ksight_rec_middle -> ksight_rec_leaf -> ksight_rec_capture.
unwind::RecordedSnapshot record_chain(size_t stack_bytes);
// Captured under `depth` frames of ksight_rec_recurse.
unwind::RecordedSnapshot record_recursion(int depth, size_t stack_bytes);

}  // namespace ksight::testing
