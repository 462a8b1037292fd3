// latency.hpp — recording into and reading from a LatencyHistogram (schema.hpp).
//
// The core records (one writer, its own copy, published through a seqlock slot at a bounded
// rate); control and the dashboard read percentiles from a snapshot.
// Threading: pure functions over the caller's histogram. Allocation: none.
#pragma once

#include <bit>
#include <cstdint>

#include "scalper/shm/schema.hpp"

namespace scalper::shm {

// Bucket of a sample: values below 8 ns map linearly; above, 8 sub-buckets per power of two.
[[nodiscard]] constexpr std::size_t latency_bucket(std::uint64_t ns) noexcept {
  constexpr std::size_t kSub = LatencyHistogram::kSubBuckets;
  if (ns < kSub) return static_cast<std::size_t>(ns);
  const auto exponent = static_cast<std::size_t>(std::bit_width(ns) - 1);  // >= 3
  const auto sub = static_cast<std::size_t>((ns >> (exponent - 3)) & (kSub - 1));
  const std::size_t bucket = (exponent - 2) * kSub + sub;
  return bucket < LatencyHistogram::kBuckets ? bucket : LatencyHistogram::kBuckets - 1;
}

// Smallest value that falls in `bucket`.
[[nodiscard]] constexpr std::uint64_t latency_bucket_floor(std::size_t bucket) noexcept {
  constexpr std::size_t kSub = LatencyHistogram::kSubBuckets;
  if (bucket < kSub) return bucket;
  const std::size_t exponent = bucket / kSub + 2;
  const std::uint64_t sub = bucket % kSub;
  return (std::uint64_t{1} << exponent) + (sub << (exponent - 3));
}

inline void record_latency(LatencyHistogram& h, std::uint64_t ns) noexcept {
  ++h.buckets[latency_bucket(ns)];
  ++h.count;
  h.sum_ns += ns;
  if (ns > h.max_ns) h.max_ns = ns;
}

// The q-quantile (0 < q <= 1) as the floor of its bucket (within 12.5 % below the true
// value); the exact max for q == 1. 0 when empty.
[[nodiscard]] inline std::uint64_t latency_quantile(const LatencyHistogram& h, double q) noexcept {
  if (h.count == 0) return 0;
  if (q >= 1.0) return h.max_ns;
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(h.count));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
    seen += h.buckets[b];
    if (seen > rank) return latency_bucket_floor(b);
  }
  return h.max_ns;
}

}  // namespace scalper::shm
