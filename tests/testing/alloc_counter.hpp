// alloc_counter.hpp — counts heap allocations, for "zero allocations on the hot path" checks.
//
// Linking scalper::alloc_counter replaces the global operator new/delete of the executable
// with counting versions (tests and benchmarks only; never linked by an app).
// Threading: the counter is a relaxed atomic; counts from all threads are summed.
#pragma once

#include <cstdint>

namespace scalper::testing {

// Allocations made by this process so far.
std::uint64_t allocation_count() noexcept;
// Allocations made by the calling thread so far: for a check made from inside another
// component's thread (a callback), unaffected by what the test's own thread allocates.
std::uint64_t thread_allocation_count() noexcept;

// Counts allocations between construction and count().
class AllocationScope {
 public:
  AllocationScope() noexcept : start_(allocation_count()) {}
  [[nodiscard]] std::uint64_t count() const noexcept { return allocation_count() - start_; }

 private:
  std::uint64_t start_;
};

}  // namespace scalper::testing
