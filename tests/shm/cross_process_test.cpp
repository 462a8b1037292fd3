// Two processes over a real segment (fork): a writer and a reader, SIGKILL of either side in
// the middle of a stream, a core restart that control re-attaches to, and the refusal to start
// a second core on a live one. Children leave with _exit(code); the parent always reaps them
// (testing::Child), and every wait on either side is bounded.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scalper/shm/segment.hpp"
#include "scalper/shm/seqlock_slot.hpp"
#include "scalper/shm/spsc_ring.hpp"
#include "shm_test_support.hpp"

namespace scalper::shm {
namespace {

using testing::Child;
using testing::Deadline;
using testing::now_ns;
using testing::ScopedName;
using testing::wait_until;

// Children's exit codes.
constexpr int kOk = 0;
constexpr int kTimedOut = 2;
constexpr int kBadData = 3;
constexpr int kSetupFailed = 4;

struct Rec {
  std::uint64_t seq;
  std::uint64_t check;
  std::uint64_t payload[2];
};
constexpr std::uint64_t checksum(std::uint64_t seq) { return ~seq * 0x9E3779B97F4A7C15u; }
Rec make(std::uint64_t seq) { return Rec{seq, checksum(seq), {seq, seq + 1}}; }
bool good(const Rec& r, std::uint64_t expected_seq) {
  return r.seq == expected_seq && r.check == checksum(expected_seq) &&
         r.payload[0] == expected_seq && r.payload[1] == expected_seq + 1;
}

struct Snap {
  std::uint64_t words[6];
};

constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kRing = 1;     // SpscRing<Rec>
constexpr std::uint32_t kControl = 2;  // test-only flags: [0] "stop" for a child core
constexpr std::uint32_t kSlot = 3;     // SeqlockSlot<Snap>
constexpr std::uint64_t kCap = 256;
const RegionSpec kSpecs[3] = {{kRing, 0, SpscRing<Rec>::bytes_for(kCap)},
                              {kControl, 0, 128},
                              {kSlot, 0, SeqlockSlot<Snap>::bytes()}};

std::atomic_ref<std::uint64_t> stop_flag(const Segment& s) {
  return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(s.region(kControl)));
}

// What a core does at start: create (or replace) the segment, lay out its regions, publish.
Segment start_core(const std::string& name, std::uint64_t epoch, std::string* replaced = nullptr) {
  Segment s = Segment::create_or_replace(name, kSpecs, epoch, kVersion, now_ns(), replaced);
  if (!SpscRing<Rec>::format(s.region(kRing), s.region_size(kRing), kCap)) {
    throw SegmentError(SegmentError::Code::BadSpec, "ring does not fit");
  }
  SeqlockSlot<Snap>::format(s.region(kSlot));
  s.publish();
  return s;
}

// Control's side: attach once the core has published (bounded).
std::optional<Segment> attach_when_ready(const std::string& name, std::string& why) {
  std::optional<Segment> s;
  const bool ok = wait_until([&] {
    s = Segment::attach(name, kVersion, kSpecs, false, why);
    return s.has_value();
  });
  if (!ok) return std::nullopt;
  return s;
}

// ---- a writer child and a reading parent -------------------------------------------------

TEST(CrossProcess, ChildWritesParentReadsInOrder) {
  const ScopedName name("cp-stream");
  constexpr std::uint64_t kCount = 100'000;
  Segment core = start_core(name.str(), 1);

  Child writer([&] {
    std::string why;
    std::optional<Segment> control = Segment::attach(name.str(), kVersion, kSpecs, false, why);
    SpscRing<Rec> ring;
    if (!control || !ring.attach(control->region(kRing), control->region_size(kRing))) {
      return kSetupFailed;
    }
    const Deadline deadline;
    for (std::uint64_t i = 0; i < kCount; ++i) {
      while (!ring.try_push(make(i))) {
        if (deadline.expired()) return kTimedOut;
        std::this_thread::yield();
      }
    }
    return kOk;
  });
  ASSERT_TRUE(writer.started());

  SpscRing<Rec> ring;
  ASSERT_TRUE(ring.attach(core.region(kRing), core.region_size(kRing)));
  std::uint64_t received = 0;
  std::uint64_t bad = 0;
  const bool all = wait_until([&] {
    Rec r{};
    while (ring.try_pop(r)) {
      if (!good(r, received)) ++bad;
      ++received;
    }
    return received == kCount;
  });
  ASSERT_TRUE(writer.wait_for_exit());
  EXPECT_TRUE(writer.exited_with(kOk)) << "child status " << writer.status();
  ASSERT_TRUE(all) << "received " << received << " of " << kCount;
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(ring.produced(), kCount);
  EXPECT_EQ(ring.consumed(), kCount);
}

TEST(CrossProcess, SeqlockSnapshotsAreWholeAcrossProcesses) {
  const ScopedName name("cp-seqlock");
  constexpr std::uint64_t kWrites = 50'000;
  Segment core = start_core(name.str(), 1);

  Child writer([&] {
    std::string why;
    std::optional<Segment> s = Segment::attach(name.str(), kVersion, kSpecs, false, why);
    if (!s) return kSetupFailed;
    SeqlockSlot<Snap> slot(s->region(kSlot));
    for (std::uint64_t v = 1; v <= kWrites; ++v) {
      Snap snap{};
      for (std::uint64_t& w : snap.words) w = v;
      slot.store(snap);
    }
    return kOk;
  });
  ASSERT_TRUE(writer.started());

  const SeqlockSlot<Snap> slot(core.region(kSlot));
  std::uint64_t torn = 0;
  std::uint64_t accepted = 0;
  std::uint64_t last = 0;
  const bool saw_last = wait_until([&] {
    Snap s{};
    if (!slot.try_load(s)) return false;
    ++accepted;
    for (std::uint64_t w : s.words) torn += w != s.words[0] ? 1 : 0;
    if (s.words[0] < last) ++torn;
    last = s.words[0];
    return last == kWrites;
  });
  ASSERT_TRUE(writer.wait_for_exit());
  EXPECT_TRUE(writer.exited_with(kOk)) << "child status " << writer.status();
  ASSERT_TRUE(saw_last) << "last value seen " << last;
  EXPECT_EQ(torn, 0u) << "of " << accepted;
}

// ---- SIGKILL of the producer, then a restart ---------------------------------------------

// A core that pushes 0, 1, 2, … and beats, until killed (or, if nobody kills it, the deadline).
int run_core_pushing_forever(const std::string& name, std::uint64_t epoch) {
  Segment s = start_core(name, epoch);
  SpscRing<Rec> ring;
  if (!ring.attach(s.region(kRing), s.region_size(kRing))) return kSetupFailed;
  const Deadline deadline;
  for (std::uint64_t i = 0;; ++i) {
    while (!ring.try_push(make(i))) {
      s.beat_core(now_ns());
      if (deadline.expired()) return kTimedOut;
      std::this_thread::yield();
    }
    s.beat_core(now_ns());
  }
}

TEST(CrossProcess, ProducerKilledMidStreamThenRestartedAndReattached) {
  const ScopedName name("cp-kill-producer");
  Child first_core([&] { return run_core_pushing_forever(name.str(), 1); });
  ASSERT_TRUE(first_core.started());

  std::string why;
  std::optional<Segment> control = attach_when_ready(name.str(), why);
  ASSERT_TRUE(control) << why;
  EXPECT_EQ(control->epoch(), 1u);
  EXPECT_EQ(control->identity().creator_pid, static_cast<std::uint64_t>(first_core.pid()));
  SpscRing<Rec> ring;
  ASSERT_TRUE(ring.attach(control->region(kRing), control->region_size(kRing)));

  // Read part of the stream, then kill the producer while it is pushing.
  std::uint64_t received = 0;
  std::uint64_t bad = 0;
  Rec r{};
  ASSERT_TRUE(wait_until([&] {
    while (received < 5'000 && ring.try_pop(r)) {
      if (!good(r, received)) ++bad;
      ++received;
    }
    control->beat_control(now_ns());
    return received >= 5'000;
  })) << "received "
      << received;
  EXPECT_FALSE(is_stale(control->header(), now_ns(), 10'000'000'000u));  // alive and beating
  first_core.kill_now();
  first_core.wait();
  EXPECT_TRUE(first_core.killed_by(SIGKILL)) << "status " << first_core.status();

  // Whatever it published before dying is whole and in order: a prefix of the stream.
  while (ring.try_pop(r)) {
    if (!good(r, received)) ++bad;
    ++received;
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(received, ring.produced());
  EXPECT_GE(received, 5'000u);

  // Control sees the core is gone: the pid (reaped) and, later, the heartbeat.
  EXPECT_TRUE(is_stale(control->header(), now_ns(), 10'000'000'000u));
  EXPECT_GT(control->core_heartbeat_age(now_ns() + 20'000'000'000u), 10'000'000'000u);
  EXPECT_FALSE(epoch_changed(*control)) << "no new core yet";

  // A new core replaces the stale segment under a new epoch, pushes a little, and waits for
  // control to read it.
  constexpr std::uint64_t kAfterRestart = 100;
  Child second_core([&] {
    std::string replaced;
    Segment s = start_core(name.str(), 2, &replaced);
    if (replaced.find("replaced an abandoned segment") == std::string::npos) return kBadData;
    SpscRing<Rec> out;
    if (!out.attach(s.region(kRing), s.region_size(kRing))) return kSetupFailed;
    for (std::uint64_t i = 0; i < kAfterRestart; ++i) {
      if (!out.try_push(make(i))) return kBadData;  // 100 < capacity: never full here
    }
    const bool drained = wait_until([&] { return out.consumed() == kAfterRestart; });
    return drained ? kOk : kTimedOut;
  });
  ASSERT_TRUE(second_core.started());

  // Control notices the new epoch and re-attaches, without restarting itself.
  ASSERT_TRUE(wait_until([&] { return epoch_changed(*control); }));
  control = Segment::attach(name.str(), kVersion, kSpecs, false, why);
  ASSERT_TRUE(control) << why;
  EXPECT_EQ(control->epoch(), 2u);
  EXPECT_EQ(control->identity().creator_pid, static_cast<std::uint64_t>(second_core.pid()));
  SpscRing<Rec> fresh;
  ASSERT_TRUE(fresh.attach(control->region(kRing), control->region_size(kRing)));
  std::uint64_t again = 0;
  ASSERT_TRUE(wait_until([&] {
    while (fresh.try_pop(r)) {
      if (!good(r, again)) ++bad;
      ++again;
    }
    return again == kAfterRestart;
  })) << "received "
      << again << " after the restart";
  EXPECT_EQ(bad, 0u);
  ASSERT_TRUE(second_core.wait_for_exit());
  EXPECT_TRUE(second_core.exited_with(kOk)) << "status " << second_core.status();
}

// ---- SIGKILL of the consumer -------------------------------------------------------------

TEST(CrossProcess, ConsumerKilledRingFillsAndPushNeverBlocks) {
  const ScopedName name("cp-kill-consumer");
  Segment core = start_core(name.str(), 1);
  SpscRing<Rec> ring;
  ASSERT_TRUE(ring.attach(core.region(kRing), core.region_size(kRing)));

  Child reader([&] {
    std::string why;
    std::optional<Segment> control = Segment::attach(name.str(), kVersion, kSpecs, false, why);
    SpscRing<Rec> in;
    if (!control || !in.attach(control->region(kRing), control->region_size(kRing))) {
      return kSetupFailed;
    }
    const Deadline deadline;
    Rec r{};
    for (std::uint64_t next = 0;;) {
      if (in.try_pop(r)) {
        if (!good(r, next)) return kBadData;
        ++next;
      } else {
        if (deadline.expired()) return kTimedOut;
        std::this_thread::yield();
      }
      control->beat_control(now_ns());
    }
  });
  ASSERT_TRUE(reader.started());

  // Produce until the reader has taken 1000 records, then kill it mid-stream.
  std::uint64_t pushed = 0;
  ASSERT_TRUE(wait_until([&] {
    if (ring.try_push(make(pushed))) ++pushed;
    return ring.consumed() >= 1'000;
  })) << "reader consumed "
      << ring.consumed();
  reader.kill_now();
  reader.wait();
  ASSERT_TRUE(reader.killed_by(SIGKILL))
      << "the reader stopped by itself: status " << reader.status();
  EXPECT_NE(core.header().control_heartbeat_ns.load(), 0u);
  EXPECT_TRUE(core.control_heartbeat_age(now_ns() + 20'000'000'000u) > 10'000'000'000u);

  // The core goes on: the ring takes exactly what is free, then refuses, every time, at once.
  const std::uint64_t consumed = ring.consumed();
  const std::uint64_t free_slots = kCap - (pushed - consumed);
  for (std::uint64_t i = 0; i < free_slots; ++i) {
    ASSERT_TRUE(ring.try_push(make(pushed))) << i << " of " << free_slots;
    ++pushed;
  }
  for (int i = 0; i < 1'000; ++i) ASSERT_FALSE(ring.try_push(make(pushed)));
  EXPECT_EQ(ring.produced(), pushed);
  EXPECT_EQ(ring.produced() - ring.consumed(), kCap);
}

// ---- two cores on one instance -----------------------------------------------------------

// A core that runs, beating, until the parent raises its stop flag.
int run_core_until_stopped(const std::string& name, std::uint64_t epoch) {
  Segment s = start_core(name, epoch);
  const bool stopped = wait_until([&] {
    s.beat_core(now_ns());
    return stop_flag(s).load(std::memory_order_acquire) != 0;
  });
  return stopped ? kOk : kTimedOut;
}

TEST(CrossProcess, SecondCoreIsRefusedWhileTheFirstLives) {
  const ScopedName name("cp-two-cores");
  Child core([&] { return run_core_until_stopped(name.str(), 1); });
  ASSERT_TRUE(core.started());
  std::string why;
  std::optional<Segment> control = attach_when_ready(name.str(), why);
  ASSERT_TRUE(control) << why;

  try {
    (void)Segment::create_or_replace(name.str(), kSpecs, 2, kVersion, now_ns());
    ADD_FAILURE() << "a second core took over a live core's segment";
  } catch (const SegmentError& e) {
    EXPECT_EQ(e.code(), SegmentError::Code::Live);
    EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(core.pid())), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)Segment::create(name.str(), kSpecs, 2, kVersion, now_ns()), SegmentError);
  EXPECT_FALSE(epoch_changed(*control));
  EXPECT_FALSE(is_stale(control->header(), now_ns(), 10'000'000'000u));

  stop_flag(*control).store(1, std::memory_order_release);
  ASSERT_TRUE(core.wait_for_exit());
  EXPECT_TRUE(core.exited_with(kOk)) << "status " << core.status();

  // Once it is gone, the next core starts (a new epoch), and control sees the change.
  std::string replaced;
  Segment next = start_core(name.str(), 2, &replaced);
  EXPECT_NE(replaced.find("pid " + std::to_string(core.pid())), std::string::npos) << replaced;
  EXPECT_TRUE(epoch_changed(*control));
}

TEST(CrossProcess, RacingCoresExactlyOneWins) {
  // Several cores start on one instance at the same moment, over a segment abandoned by a dead
  // one: exactly one may own the result; the others must be told a live core holds it.
  constexpr int kCores = 4;
  constexpr int kRounds = 5;
  constexpr int kRefused = 5;
  const ScopedName name("cp-race");
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    { const Segment abandoned = start_core(name.str(), 1); }
    const std::uint64_t start_at = now_ns() + 20'000'000;  // all children spin until then
    std::vector<std::unique_ptr<Child>> cores;
    for (int c = 0; c < kCores; ++c) {
      cores.push_back(std::make_unique<Child>([&, c] {
        if (!wait_until([&] { return now_ns() >= start_at; })) return kTimedOut;
        std::optional<Segment> mine;
        try {
          mine = start_core(name.str(), 100 + static_cast<std::uint64_t>(c));
        } catch (const SegmentError& e) {
          return e.code() == SegmentError::Code::Live ? kRefused : kSetupFailed;
        }
        const bool stopped =
            wait_until([&] { return stop_flag(*mine).load(std::memory_order_acquire) != 0; });
        return stopped ? kOk : kTimedOut;
      }));
      ASSERT_TRUE(cores.back()->started());
    }
    // All but one give up by themselves; the one left running is the owner.
    std::vector<bool> done(kCores, false);
    int exited = 0;
    const bool losers_done = wait_until(
        [&] {
          for (int c = 0; c < kCores; ++c) {
            int status = 0;
            if (!done[static_cast<std::size_t>(c)] &&
                ::waitpid(cores[static_cast<std::size_t>(c)]->pid(), &status, WNOHANG) > 0) {
              done[static_cast<std::size_t>(c)] = true;
              cores[static_cast<std::size_t>(c)]->mark_reaped();  // never signal a reaped pid
              ++exited;
              EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kRefused)
                  << "core " << c << " status " << status;
            }
          }
          return exited == kCores - 1;
        },
        std::chrono::seconds(5));
    ASSERT_TRUE(losers_done) << exited << " of " << kCores - 1 << " losers exited";
    int winner = -1;
    for (int c = 0; c < kCores; ++c) {
      if (!done[static_cast<std::size_t>(c)]) winner = c;
    }
    std::string why;
    const std::optional<Segment> control =
        Segment::attach(name.str(), kVersion, kSpecs, false, why);
    ASSERT_TRUE(control) << why;
    EXPECT_EQ(control->identity().creator_pid,
              static_cast<std::uint64_t>(cores[static_cast<std::size_t>(winner)]->pid()));
    EXPECT_EQ(control->epoch(), 100u + static_cast<std::uint64_t>(winner));
    stop_flag(*control).store(1, std::memory_order_release);
    Child& owner = *cores[static_cast<std::size_t>(winner)];
    ASSERT_TRUE(owner.wait_for_exit());
    EXPECT_TRUE(owner.exited_with(kOk)) << "status " << owner.status();
  }
}

TEST(CrossProcess, AKilledCoreIsReplaceableBeforeItIsReaped) {
  // The kernel drops a dead process's locks at exit, so a core killed but not yet reaped (a
  // zombie, whose pid still answers kill(pid, 0)) does not block its successor.
  const ScopedName name("cp-zombie");
  Child core([&] { return run_core_until_stopped(name.str(), 1); });
  ASSERT_TRUE(core.started());
  std::string why;
  std::optional<Segment> control = attach_when_ready(name.str(), why);
  ASSERT_TRUE(control) << why;

  core.kill_now();
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(core.pid()), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(
      is_stale(control->header(), control->header().core_heartbeat_ns.load(), 10'000'000'000u))
      << "a zombie's pid still exists: only the heartbeat can tell (documented)";
  Segment next = start_core(name.str(), 2);
  EXPECT_TRUE(next.owner());
  core.wait();
  EXPECT_TRUE(core.killed_by(SIGKILL));
  EXPECT_TRUE(
      is_stale(control->header(), control->header().core_heartbeat_ns.load(), 10'000'000'000u))
      << "reaped: the pid is gone";
}

}  // namespace
}  // namespace scalper::shm
