// SpscRing over ordinary memory: single-threaded behaviour first, then two threads with a
// checksum (the Stress suites; run under the tsan preset).
#include "scalper/shm/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "alloc_counter.hpp"
#include "shm_test_support.hpp"

namespace scalper::shm {
namespace {

using testing::Deadline;

struct Record {
  std::uint64_t seq;
  std::uint64_t check;  // a function of seq, so a torn or stale record shows
  std::uint32_t small;
  std::uint32_t pad;
};

constexpr std::uint64_t checksum(std::uint64_t seq) { return seq * 0x9E3779B97F4A7C15u ^ 0xA5A5u; }
Record make(std::uint64_t seq) {
  return Record{seq, checksum(seq), static_cast<std::uint32_t>(seq), 0};
}

// Ring memory over an aligned array, as the segment gives it (128-byte aligned).
template <std::size_t Capacity, class T = Record>
struct Buffer {
  alignas(kFalseSharing) std::array<std::byte, SpscRing<T>::bytes_for(Capacity)> bytes{};
};

TEST(SpscRing, FormatRefusesBadCapacityOrTooLittleMemory) {
  Buffer<8> buf;
  EXPECT_FALSE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 0));
  EXPECT_FALSE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 6));
  EXPECT_FALSE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 16));  // too small
  EXPECT_FALSE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size() - 1, 8));
  EXPECT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 8));
}

TEST(SpscRing, AttachRefusesWrongRecordSizeNonPowerOfTwoAndTooLittleMemory) {
  Buffer<8> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 8));

  SpscRing<std::uint64_t> other_type;  // 8-byte records over a ring of 24-byte ones
  EXPECT_FALSE(other_type.attach(buf.bytes.data(), buf.bytes.size()));
  EXPECT_FALSE(other_type.attached());

  SpscRing<Record> ring;
  EXPECT_FALSE(ring.attach(buf.bytes.data(), sizeof(RingLayout) - 1));
  EXPECT_FALSE(ring.attach(buf.bytes.data(), buf.bytes.size() - 1));  // last record cut off
  EXPECT_FALSE(ring.attached());

  auto* layout = reinterpret_cast<RingLayout*>(buf.bytes.data());
  layout->capacity = 6;  // corrupt: not a power of two
  EXPECT_FALSE(ring.attach(buf.bytes.data(), buf.bytes.size()));
  layout->capacity = 0;
  EXPECT_FALSE(ring.attach(buf.bytes.data(), buf.bytes.size()));
  layout->capacity = 8;
  EXPECT_TRUE(ring.attach(buf.bytes.data(), buf.bytes.size()));
  EXPECT_EQ(ring.capacity(), 8u);
}

TEST(SpscRing, RefusesMemoryNotAlignedForItsLayout) {
  Buffer<16> buf;
  std::byte* off = buf.bytes.data() + 64;  // 64-aligned, not 128
  EXPECT_FALSE(SpscRing<Record>::format(off, buf.bytes.size() - 64, 8));
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 8));
  SpscRing<Record> ring;
  EXPECT_FALSE(ring.attach(off, buf.bytes.size() - 64));
}

TEST(SpscRing, ATailMoreThanARingAheadReadsAsEmpty) {
  Buffer<8> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 8));
  SpscRing<Record> producer, consumer;
  ASSERT_TRUE(producer.attach(buf.bytes.data(), buf.bytes.size()));
  ASSERT_TRUE(consumer.attach(buf.bytes.data(), buf.bytes.size()));
  ASSERT_TRUE(producer.try_push(make(1)));
  auto* layout = reinterpret_cast<RingLayout*>(buf.bytes.data());
  layout->tail.store(1000, std::memory_order_release);  // a stray write: no producer did this
  Record r{};
  EXPECT_FALSE(consumer.try_pop(r));
  EXPECT_FALSE(consumer.try_pop(r));
  EXPECT_EQ(consumer.consumed(), 0u);
}

TEST(SpscRing, EmptyThenFullThenEmptyAgain) {
  Buffer<4> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 4));
  SpscRing<Record> ring;
  ASSERT_TRUE(ring.attach(buf.bytes.data(), buf.bytes.size()));

  Record out{};
  EXPECT_FALSE(ring.try_pop(out));
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(make(i))) << i;
  EXPECT_FALSE(ring.try_push(make(4)));  // full: a value, not a block
  EXPECT_EQ(ring.produced(), 4u);
  EXPECT_EQ(ring.consumed(), 0u);
  for (std::uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out.seq, i);
    EXPECT_EQ(out.check, checksum(i));
  }
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(ring.consumed(), 4u);
  EXPECT_TRUE(ring.try_push(make(4)));  // room again once consumed
}

TEST(SpscRing, WrapsAroundManyTimesKeepingOrder) {
  // 2^k positions are crossed many times over, with the fill level varying each round.
  constexpr std::size_t kCap = 8;
  Buffer<kCap> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), kCap));
  SpscRing<Record> producer;
  SpscRing<Record> consumer;  // two handles over one ring, as two threads would hold
  ASSERT_TRUE(producer.attach(buf.bytes.data(), buf.bytes.size()));
  ASSERT_TRUE(consumer.attach(buf.bytes.data(), buf.bytes.size()));

  std::uint64_t next_in = 0;
  std::uint64_t next_out = 0;
  for (std::uint64_t round = 0; round < 1000; ++round) {
    const std::uint64_t burst = round % (kCap + 1);  // 0..capacity
    for (std::uint64_t i = 0; i < burst; ++i) ASSERT_TRUE(producer.try_push(make(next_in++)));
    Record out{};
    for (std::uint64_t i = 0; i < burst; ++i) {
      ASSERT_TRUE(consumer.try_pop(out));
      ASSERT_EQ(out.seq, next_out);
      ASSERT_EQ(out.check, checksum(next_out));
      ++next_out;
    }
    ASSERT_FALSE(consumer.try_pop(out));
    ASSERT_EQ(producer.produced() - producer.consumed(), 0u);
  }
  EXPECT_GT(next_in, 100 * kCap);
  EXPECT_EQ(consumer.produced(), next_in);
  EXPECT_EQ(consumer.consumed(), next_out);
}

TEST(SpscRing, PositionsMeasureLag) {
  Buffer<16> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 16));
  SpscRing<Record> ring;
  ASSERT_TRUE(ring.attach(buf.bytes.data(), buf.bytes.size()));
  for (std::uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(ring.try_push(make(i)));
  Record out{};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(ring.produced(), 10u);
  EXPECT_EQ(ring.consumed(), 3u);
  EXPECT_EQ(ring.produced() - ring.consumed(), 7u);
}

TEST(SpscRing, ReattachingContinuesWhereTheRingIs) {
  // A consumer that restarts (control after a crash) attaches to the positions in memory.
  Buffer<8> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 8));
  SpscRing<Record> producer;
  ASSERT_TRUE(producer.attach(buf.bytes.data(), buf.bytes.size()));
  for (std::uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(producer.try_push(make(i)));
  {
    SpscRing<Record> first;
    ASSERT_TRUE(first.attach(buf.bytes.data(), buf.bytes.size()));
    Record out{};
    ASSERT_TRUE(first.try_pop(out));
    ASSERT_TRUE(first.try_pop(out));
  }
  SpscRing<Record> second;
  ASSERT_TRUE(second.attach(buf.bytes.data(), buf.bytes.size()));
  Record out{};
  ASSERT_TRUE(second.try_pop(out));
  EXPECT_EQ(out.seq, 2u);
}

TEST(SpscRing, PushAndPopDoNotAllocate) {
  Buffer<8> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), 8));
  SpscRing<Record> ring;
  ASSERT_TRUE(ring.attach(buf.bytes.data(), buf.bytes.size()));
  const scalper::testing::AllocationScope scope;
  Record out{};
  for (std::uint64_t i = 0; i < 100; ++i) {
    (void)ring.try_push(make(i));
    (void)ring.try_pop(out);
  }
  EXPECT_EQ(scope.count(), 0u);
}

// ---- two threads -------------------------------------------------------------------------

// Producer pushes 0..N-1, consumer checks order and checksum and sums seq. A small ring makes
// both the "full" and the "empty" paths (and the cached-position refreshes) run constantly.
TEST(SpscRingStress, TwoThreadsKeepOrderAndChecksum) {
  constexpr std::size_t kCap = 64;
  constexpr std::uint64_t kCount = 200'000;
  Buffer<kCap> buf;
  ASSERT_TRUE(SpscRing<Record>::format(buf.bytes.data(), buf.bytes.size(), kCap));
  SpscRing<Record> producer;
  SpscRing<Record> consumer;
  ASSERT_TRUE(producer.attach(buf.bytes.data(), buf.bytes.size()));
  ASSERT_TRUE(consumer.attach(buf.bytes.data(), buf.bytes.size()));

  std::atomic<bool> producer_timed_out{false};
  std::thread writer([&] {
    const Deadline deadline;
    for (std::uint64_t i = 0; i < kCount; ++i) {
      while (!producer.try_push(make(i))) {
        if (deadline.expired()) {
          producer_timed_out = true;
          return;
        }
        std::this_thread::yield();
      }
    }
  });

  std::uint64_t received = 0;
  std::uint64_t sum = 0;
  std::uint64_t bad = 0;
  bool timed_out = false;
  const Deadline deadline;
  Record out{};
  while (received < kCount) {
    if (!consumer.try_pop(out)) {
      if (deadline.expired()) {
        timed_out = true;
        break;
      }
      std::this_thread::yield();
      continue;
    }
    if (out.seq != received || out.check != checksum(received) ||
        out.small != static_cast<std::uint32_t>(received)) {
      ++bad;
    }
    sum += out.seq;
    ++received;
  }
  writer.join();

  ASSERT_FALSE(producer_timed_out) << "producer stuck on a full ring";
  ASSERT_FALSE(timed_out) << "consumer got only " << received << " of " << kCount;
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(sum, kCount * (kCount - 1) / 2);
  EXPECT_EQ(consumer.produced(), kCount);
  EXPECT_EQ(consumer.consumed(), kCount);
  EXPECT_FALSE(consumer.try_pop(out));
}

}  // namespace
}  // namespace scalper::shm
