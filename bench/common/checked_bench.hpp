// checked_bench.hpp — what the benchmark executables share: each benchmark checks its result
// once before timing and calls fail() if it is wrong, which skips it and makes the executable
// exit 1 (CI runs every executable as a smoke test); allocations per operation are counted
// over a pass of their own outside the harness (it allocates a little around its loop, which
// would show up as a fraction of an allocation per nanosecond-scale operation).
#pragma once

#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"

namespace scalper::bench {

inline bool g_check_failed = false;

inline void fail(benchmark::State& state, const char* why) {
  g_check_failed = true;
  state.SkipWithError(why);
}

// Heap allocations per call of `op`, over `calls` calls (the executable must link
// scalper::alloc_counter).
template <class Op>
double allocs_per_call(Op&& op, int calls = 10'000) {
  const testing::AllocationScope allocs;
  for (int i = 0; i < calls; ++i) op();
  return static_cast<double>(allocs.count()) / calls;
}

// main() of a benchmark executable: 1 when a check failed or an argument was not understood.
inline int run_checked_benchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return g_check_failed ? 1 : 0;
}

}  // namespace scalper::bench
