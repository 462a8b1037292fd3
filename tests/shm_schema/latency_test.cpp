#include <gtest/gtest.h>

#include "scalper/shm/latency.hpp"

namespace scalper::shm {
namespace {

TEST(LatencyHistogram, BucketsAreLinearBelowEightThenEightPerPowerOfTwo) {
  for (std::uint64_t v = 0; v < 8; ++v) EXPECT_EQ(latency_bucket(v), v);
  EXPECT_EQ(latency_bucket_floor(latency_bucket(100)), 96u);
  EXPECT_EQ(latency_bucket_floor(latency_bucket(1000)), 960u);
  // Every floor maps back to its own bucket and buckets only grow.
  for (std::size_t b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    EXPECT_EQ(latency_bucket(latency_bucket_floor(b)), b);
    EXPECT_LT(latency_bucket_floor(b), latency_bucket_floor(b + 1));
  }
  EXPECT_EQ(latency_bucket(~std::uint64_t{0}), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, QuantilesAreWithinOneBucketBelow) {
  LatencyHistogram h;
  EXPECT_EQ(latency_quantile(h, 0.5), 0u);
  for (std::uint64_t v = 1; v <= 1000; ++v) record_latency(h, v * 100);  // 100 ns … 100 µs
  EXPECT_EQ(h.count, 1000u);
  EXPECT_EQ(h.max_ns, 100'000u);
  const std::uint64_t p50 = latency_quantile(h, 0.5);
  EXPECT_LE(p50, 50'100u);
  EXPECT_GE(p50, 50'100u * 7 / 8);
  const std::uint64_t p99 = latency_quantile(h, 0.99);
  EXPECT_LE(p99, 99'100u);
  EXPECT_GE(p99, 99'100u * 7 / 8);
  EXPECT_EQ(latency_quantile(h, 1.0), 100'000u);
}

}  // namespace
}  // namespace scalper::shm
