// histogram.hpp — a small log-linear latency histogram for measurements (HdrHistogram's idea;
// HdrHistogram itself is not packaged for Debian here).
//
// Values (any unit: the benchmarks record timer ticks and convert when they report) below
// 2 × kSubBuckets are counted exactly; above, every power-of-two range is cut into kSubBuckets
// equal buckets, so a bucket is at most 1/kSubBuckets of its value wide and a reported quantile
// (the bucket's midpoint) is within 1/(2 × kSubBuckets) ≈ 0.4 % of the true sample. Any
// uint64 fits: no clamping, no lost outliers. min, max and count are exact; mean() divides a
// 64-bit sum (ample for latencies in ticks).
//
// record() is branch-light and never allocates (the bucket array is allocated once, 58 KiB),
// so it can sit inside a timed loop. Not thread-safe: one histogram per recording thread;
// merge() afterwards.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace scalper::timing {

class LogLinearHistogram {
 public:
  static constexpr unsigned kSubBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBits;  // 128
  // Exact buckets [0, 2·kSub), then kSub buckets for each exponent kSubBits+1 … 63.
  static constexpr std::size_t kBuckets = 2 * kSubBuckets + (63 - kSubBits) * kSubBuckets;

  LogLinearHistogram() : counts_(kBuckets, 0) {}

  void record(std::uint64_t value) noexcept {
    ++counts_[index_of(value)];
    ++count_;
    sum_ += value;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  void merge(const LogLinearHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  void reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    sum_ = 0;
    min_ = std::numeric_limits<std::uint64_t>::max();
    max_ = 0;
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] double mean() const noexcept {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }

  // The value below or at which a fraction q of the samples lie (q in [0, 1]): the midpoint of
  // the bucket holding the ceil(q·count)-th smallest sample, clamped to [min, max] so q = 0 and
  // q = 1 are exact.
  [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
    if (count_ == 0) return 0;
    if (q >= 1.0) return max_;
    const double wanted = std::ceil(std::max(q, 0.0) * static_cast<double>(count_));
    const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const std::uint64_t mid = lower_bound_of(i) + (width_of(i) - 1) / 2;
        return std::clamp(mid, min(), max_);
      }
    }
    return max_;
  }

  // Visits the non-empty buckets in increasing order: fn(lower, upper_exclusive, count).
  template <class Fn>
  void for_each_bucket(Fn&& fn) const {
    for (std::size_t i = 0; i < kBuckets; ++i) {
      if (counts_[i] != 0) fn(lower_bound_of(i), lower_bound_of(i) + width_of(i), counts_[i]);
    }
  }

  [[nodiscard]] static constexpr std::size_t index_of(std::uint64_t value) noexcept {
    if (value < 2 * kSubBuckets) return static_cast<std::size_t>(value);
    const auto exponent = static_cast<unsigned>(std::bit_width(value) - 1);  // >= kSubBits + 1
    const unsigned shift = exponent - kSubBits;                                // >= 1
    const std::uint64_t top = value >> shift;  // the leading kSubBits + 1 bits: [kSub, 2·kSub)
    return static_cast<std::size_t>(2 * kSubBuckets + (shift - 1) * kSubBuckets +
                                    (top - kSubBuckets));
  }

  [[nodiscard]] static constexpr std::uint64_t lower_bound_of(std::size_t index) noexcept {
    if (index < 2 * kSubBuckets) return index;
    const std::uint64_t j = index - 2 * kSubBuckets;
    const std::uint64_t shift = j / kSubBuckets + 1;
    return (j % kSubBuckets + kSubBuckets) << shift;
  }

  [[nodiscard]] static constexpr std::uint64_t width_of(std::size_t index) noexcept {
    if (index < 2 * kSubBuckets) return 1;
    return std::uint64_t{1} << ((index - 2 * kSubBuckets) / kSubBuckets + 1);
  }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

// Self-checks of the bucket arithmetic, evaluated by every includer's compiler.
static_assert(LogLinearHistogram::index_of(255) == 255);
static_assert(LogLinearHistogram::index_of(256) == 256);
static_assert(LogLinearHistogram::lower_bound_of(LogLinearHistogram::index_of(1000)) <= 1000);
static_assert(LogLinearHistogram::lower_bound_of(LogLinearHistogram::index_of(1000)) +
                  LogLinearHistogram::width_of(LogLinearHistogram::index_of(1000)) >
              1000);
static_assert(LogLinearHistogram::index_of(~std::uint64_t{0}) == LogLinearHistogram::kBuckets - 1);

}  // namespace scalper::timing
