// SeqlockSlot over ordinary memory: single-threaded behaviour, then a writer and a reader
// thread checking that every copy a reader accepts is one the writer wrote whole.
#include "scalper/shm/seqlock_slot.hpp"

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

// Nine words, all equal in every value the writer stores: a torn copy has unequal words.
struct Snapshot {
  std::uint64_t words[9];
};
Snapshot make(std::uint64_t v) {
  Snapshot s{};
  for (std::uint64_t& w : s.words) w = v;
  return s;
}
bool consistent(const Snapshot& s) {
  for (std::uint64_t w : s.words) {
    if (w != s.words[0]) return false;
  }
  return true;
}

// Odd-sized payload: the last word is only partly the value's.
struct Small {
  std::uint32_t a;
  std::uint16_t b;
  char c;
};

template <class T>
struct SlotMemory {
  alignas(kFalseSharing) std::array<std::byte, SeqlockSlot<T>::bytes()> bytes{};
};

TEST(SeqlockSlot, NeverWrittenLoadsNothing) {
  SlotMemory<Snapshot> mem;
  SeqlockSlot<Snapshot>::format(mem.bytes.data());
  const SeqlockSlot<Snapshot> slot(mem.bytes.data());
  Snapshot out = make(7);
  EXPECT_FALSE(slot.try_load(out));
  EXPECT_FALSE(slot.load(out));
  EXPECT_EQ(slot.version(), 0u);
}

TEST(SeqlockSlot, StoreThenLoadRoundTrips) {
  SlotMemory<Snapshot> mem;
  SeqlockSlot<Snapshot>::format(mem.bytes.data());
  SeqlockSlot<Snapshot> slot(mem.bytes.data());
  slot.store(make(42));
  Snapshot out{};
  ASSERT_TRUE(slot.try_load(out));
  EXPECT_TRUE(consistent(out));
  EXPECT_EQ(out.words[0], 42u);
  slot.store(make(43));
  ASSERT_TRUE(slot.load(out));
  EXPECT_EQ(out.words[8], 43u);
}

TEST(SeqlockSlot, OddSizedPayloadRoundTrips) {
  SlotMemory<Small> mem;
  SeqlockSlot<Small>::format(mem.bytes.data());
  SeqlockSlot<Small> slot(mem.bytes.data());
  slot.store(Small{0xDEADBEEF, 0x1234, 'x'});
  Small out{};
  ASSERT_TRUE(slot.load(out));
  EXPECT_EQ(out.a, 0xDEADBEEFu);
  EXPECT_EQ(out.b, 0x1234u);
  EXPECT_EQ(out.c, 'x');
}

TEST(SeqlockSlot, VersionCountsStores) {
  SlotMemory<Snapshot> mem;
  SeqlockSlot<Snapshot>::format(mem.bytes.data());
  SeqlockSlot<Snapshot> slot(mem.bytes.data());
  for (std::uint64_t i = 1; i <= 5; ++i) {
    slot.store(make(i));
    EXPECT_EQ(slot.version(), i);
  }
}

TEST(SeqlockSlot, ReaderRefusesAWriteInProgress) {
  // A writer that died (or is preempted) between its two sequence updates leaves it odd.
  SlotMemory<Snapshot> mem;
  SeqlockSlot<Snapshot>::format(mem.bytes.data());
  SeqlockSlot<Snapshot> slot(mem.bytes.data());
  slot.store(make(1));
  auto* sequence = reinterpret_cast<std::atomic<std::uint64_t>*>(mem.bytes.data());
  sequence->fetch_add(1);  // odd: "a write is under way"
  Snapshot out{};
  EXPECT_FALSE(slot.try_load(out));
  EXPECT_FALSE(slot.load(out, 16));  // bounded: gives up instead of spinning forever
  sequence->fetch_add(1);
  EXPECT_TRUE(slot.load(out));
}

TEST(SeqlockSlot, StoreAndLoadDoNotAllocate) {
  SlotMemory<Snapshot> mem;
  SeqlockSlot<Snapshot>::format(mem.bytes.data());
  SeqlockSlot<Snapshot> slot(mem.bytes.data());
  const scalper::testing::AllocationScope scope;
  Snapshot out{};
  for (std::uint64_t i = 1; i < 100; ++i) {
    slot.store(make(i));
    (void)slot.load(out);
  }
  EXPECT_EQ(scope.count(), 0u);
}

// ---- two threads -------------------------------------------------------------------------

// The writer stores 1..N without ever waiting; two readers copy as fast as they can. Every
// copy a reader gets must be whole (all words equal) and never older than its previous one.
struct ReaderTally {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t torn = 0;
  std::uint64_t backwards = 0;
  std::uint64_t last = 0;
  bool timed_out = false;
};

ReaderTally read_until(const SeqlockSlot<Snapshot>& slot, std::uint64_t final_value) {
  ReaderTally t;
  const Deadline deadline;
  while (t.last != final_value) {  // until the writer's last store shows
    if (deadline.expired()) {
      t.timed_out = true;
      break;
    }
    Snapshot out{};
    if (!slot.try_load(out)) {
      ++t.refused;
      std::this_thread::yield();
      continue;
    }
    ++t.accepted;
    if (!consistent(out)) ++t.torn;
    if (out.words[0] < t.last) ++t.backwards;
    t.last = out.words[0];
  }
  return t;
}

TEST(SeqlockSlotStress, EveryAcceptedCopyIsWholeAndMonotonic) {
  constexpr std::uint64_t kWrites = 100'000;
  SlotMemory<Snapshot> mem;
  SeqlockSlot<Snapshot>::format(mem.bytes.data());
  SeqlockSlot<Snapshot> writer_slot(mem.bytes.data());
  const SeqlockSlot<Snapshot> reader_slot(mem.bytes.data());

  ReaderTally other;
  std::thread second_reader([&] { other = read_until(reader_slot, kWrites); });
  std::thread writer([&] {
    for (std::uint64_t i = 1; i <= kWrites; ++i) writer_slot.store(make(i));
  });
  const ReaderTally mine = read_until(reader_slot, kWrites);
  writer.join();
  second_reader.join();

  for (const ReaderTally* t : std::array<const ReaderTally*, 2>{&mine, &other}) {
    ASSERT_FALSE(t->timed_out) << "never saw the final value; last " << t->last;
    EXPECT_EQ(t->torn, 0u) << "of " << t->accepted << " accepted copies (" << t->refused
                           << " refused)";
    EXPECT_EQ(t->backwards, 0u);
    EXPECT_GT(t->accepted, 0u);
  }
  EXPECT_EQ(reader_slot.version(), kWrites);
}

}  // namespace
}  // namespace scalper::shm
