// The journal on the live path (feed/core journal_store.hpp, journal_reader.hpp): append and
// read back across rotated segments and ring laps, read_from, recovery after kill -9 (records
// only the ring held included) and after hand-made damage, disk full, release, a live reader,
// allocation-free appends, and the fuzz seeds of the segment scanner.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alloc_counter.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/core/journal_store.hpp"
#include "store_test_support.hpp"

namespace scalper::core::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kSmallSegment = 4096;  // ~40 records: rotations every few dozen appends

constexpr std::size_t kSmallRing = 16 * 1024;  // ~100 records: a lap every few dozen appends

JournalStoreConfig config_for(const fs::path& dir, std::size_t segment_bytes = kSmallSegment) {
  JournalStoreConfig c;
  c.dir = dir;
  c.segment_bytes = segment_bytes;
  c.ring_bytes = kSmallRing;
  return c;
}

std::unique_ptr<JournalStore> open_store(const JournalStoreConfig& c,
                                         JournalRecovery* recovery = nullptr) {
  JournalRecovery r;
  std::string error;
  auto store = JournalStore::open(c, r, error);
  EXPECT_NE(store, nullptr) << error;
  if (recovery != nullptr) *recovery = r;
  return store;
}

// Appends `ev`, waiting (bounded) for the writer when the ring is full: a test appending in a
// loop outruns it.
AppendStatus append_waiting(JournalStore& store, const Event& ev) {
  return store.append_waiting(ev, 30s);
}

::testing::AssertionResult append_range(JournalStore& store, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t seq = from; seq <= to; ++seq) {
    const AppendStatus s = append_waiting(store, event_for(seq));
    if (s != AppendStatus::Ok) {
      return ::testing::AssertionFailure()
             << "append of seq " << seq << " failed: " << store.failure();
    }
  }
  return ::testing::AssertionSuccess();
}

struct ReadBack {
  std::vector<Event> events;
  ReadStatus ended = ReadStatus::End;
  std::string problem;
};

ReadBack read_all(const fs::path& dir, std::uint64_t from = 0) {
  ReadBack out;
  JournalReader reader;
  if (!reader.open(dir)) {
    out.ended = ReadStatus::Corrupt;
    out.problem = reader.problem();
    return out;
  }
  if (from != 0) (void)reader.read_from(from);
  Event ev;
  for (;;) {
    const ReadStatus s = reader.next(ev);
    if (s != ReadStatus::Record) {
      out.ended = s;
      out.problem = reader.problem();
      return out;
    }
    out.events.push_back(ev);
  }
}

// Every record from..to present, in order, byte for byte what event_for(seq) encodes.
::testing::AssertionResult holds_exactly(const ReadBack& r, std::uint64_t from, std::uint64_t to) {
  if (r.events.size() != to - from + 1) {
    return ::testing::AssertionFailure() << "read " << r.events.size() << " records, expected "
                                         << to - from + 1 << " (" << r.problem << ")";
  }
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const std::uint64_t seq = from + i;
    if (r.events[i].seq != seq || !same_event(r.events[i], event_for(seq))) {
      return ::testing::AssertionFailure() << "record " << i << " is not seq " << seq;
    }
  }
  return ::testing::AssertionSuccess();
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (parse_segment_file_name(e.path().filename().string())) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Offsets of every record of one segment file.
std::vector<std::size_t> record_offsets(const fs::path& file) {
  const std::vector<std::byte> bytes = read_bytes(file);
  std::vector<std::size_t> out;
  std::size_t at = journal::header_size();
  Event ev;
  for (;;) {
    const RecordResult r = read_record_at(bytes, at, ev);
    if (r.read != RecordRead::Ok) return out;
    out.push_back(at);
    at += r.size;
  }
}

// ---- append, read back, read_from ---------------------------------------------------------

TEST(JournalStore, ReadsBackEveryRecordAcrossRotatedSegments) {
  const ScratchDir dir("rotate");
  {
    auto store = open_store(config_for(dir.path()));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 500));
    EXPECT_EQ(store->last_seq(), 500u);
    ASSERT_TRUE(store->sync_now(10s));
    EXPECT_EQ(store->durable_seq(), 500u);
    EXPECT_GE(store->rotations(), 5u);
  }
  const auto files = segment_files(dir.path());
  EXPECT_GE(files.size(), 5u);
  EXPECT_EQ(files.front().filename().string(), segment_file_name(1));
  EXPECT_FALSE(fs::exists(dir.path() / kNextSegmentName)) << "an unused tmp file is removed";
  const ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.ended, ReadStatus::End) << r.problem;
  EXPECT_TRUE(holds_exactly(r, 1, 500));
}

TEST(JournalStore, ReadFromStartsExactlyAtTheGivenSeq) {
  const ScratchDir dir("from");
  {
    auto store = open_store(config_for(dir.path()));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 300));
  }
  // The first record of every segment, its neighbours, and the ends.
  std::vector<std::uint64_t> starts = {1, 2, 150, 299, 300};
  for (const fs::path& f : segment_files(dir.path())) {
    const std::uint64_t first = *parse_segment_file_name(f.filename().string());
    starts.insert(starts.end(), {first - 1, first, first + 1});
  }
  for (const std::uint64_t k : starts) {
    if (k == 0 || k > 300) continue;
    SCOPED_TRACE("read_from(" + std::to_string(k) + ")");
    JournalReader reader;
    ASSERT_TRUE(reader.open(dir.path()));
    ASSERT_EQ(reader.read_from(k), SeekStatus::Ok);
    Event ev;
    ASSERT_EQ(reader.next(ev), ReadStatus::Record) << reader.problem();
    EXPECT_EQ(ev.seq, k);
    EXPECT_TRUE(same_event(ev, event_for(k)));
  }
  JournalReader past;
  ASSERT_TRUE(past.open(dir.path()));
  ASSERT_EQ(past.read_from(301), SeekStatus::Ok);
  Event ev;
  EXPECT_EQ(past.next(ev), ReadStatus::End) << "nothing at or after 301 yet";
}

TEST(JournalStore, RefusesASeqThatIsNotTheNextOne) {
  const ScratchDir dir("seq");
  auto store = open_store(config_for(dir.path()));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->append(event_for(0)), AppendStatus::BadSequence);
  ASSERT_EQ(store->append(event_for(7)), AppendStatus::Ok) << "an empty journal starts anywhere";
  EXPECT_EQ(store->append(event_for(9)), AppendStatus::BadSequence);
  EXPECT_EQ(store->append(event_for(7)), AppendStatus::BadSequence);
  EXPECT_EQ(store->append(event_for(8)), AppendStatus::Ok);
  EXPECT_EQ(store->last_seq(), 8u);
}

TEST(JournalStore, ReopenContinuesAfterTheLastRecord) {
  const ScratchDir dir("reopen");
  {
    auto store = open_store(config_for(dir.path()));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 100));
  }
  JournalRecovery rec;
  {
    auto store = open_store(config_for(dir.path()), &rec);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(rec.next_seq, 101u);
    EXPECT_EQ(rec.torn_bytes, 0u);
    EXPECT_FALSE(rec.new_config);
    EXPECT_EQ(store->durable_seq(), 100u);
    EXPECT_EQ(store->append(event_for(100)), AppendStatus::BadSequence);
    ASSERT_TRUE(append_range(*store, 101, 150));
  }
  const ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.ended, ReadStatus::End) << r.problem;
  EXPECT_TRUE(holds_exactly(r, 1, 150));
}

TEST(JournalStore, AnotherEngineConfigStartsANewSegmentAndTheReaderSaysSo) {
  const ScratchDir dir("config");
  JournalStoreConfig a = config_for(dir.path(), 1 << 20);
  JournalStoreConfig b = a;
  b.engine.max_bots = 77;
  {
    auto store = open_store(a);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 10));
  }
  {
    JournalRecovery rec;
    auto store = open_store(b, &rec);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(rec.new_config);
    ASSERT_TRUE(append_range(*store, 11, 20));
  }
  EXPECT_EQ(segment_files(dir.path()).size(), 2u);
  JournalReader reader;
  ASSERT_TRUE(reader.open(dir.path()));
  Event ev;
  for (std::uint64_t seq = 1; seq <= 20; ++seq) {
    ASSERT_EQ(reader.next(ev), ReadStatus::Record) << reader.problem();
    EXPECT_EQ(reader.config_changed(), seq == 1 || seq == 11) << seq;
    EXPECT_TRUE(same_engine_config(reader.config(), seq <= 10 ? a.engine : b.engine)) << seq;
  }
  EXPECT_EQ(reader.next(ev), ReadStatus::End);
}

// ---- damage by hand -------------------------------------------------------------------------

class JournalDamage : public ::testing::Test {
 protected:
  // 50 records in one segment.
  void SetUp() override {
    auto store = open_store(config_for(dir_.path(), 1 << 16));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 50));
    store.reset();
    const auto files = segment_files(dir_.path());
    ASSERT_EQ(files.size(), 1u);
    file_ = files[0];
    offsets_ = record_offsets(file_);
    ASSERT_EQ(offsets_.size(), 50u);
  }
  std::size_t end_of_records() const {
    return offsets_.back() + journal::record_size(event_for(50));
  }

  ScratchDir dir_{"damage"};
  fs::path file_;
  std::vector<std::size_t> offsets_;
};

TEST_F(JournalDamage, HalfARecordAtTheEndIsATornTailWipedOnReopen) {
  std::vector<std::byte> bytes = read_bytes(file_);
  const std::vector<std::byte> half = encoded(event_for(51));
  const std::size_t at = end_of_records();
  std::copy(half.begin(), half.begin() + static_cast<std::ptrdiff_t>(half.size() / 2),
            bytes.begin() + static_cast<std::ptrdiff_t>(at));
  write_bytes(file_, bytes);

  const ReadBack torn = read_all(dir_.path());
  EXPECT_EQ(torn.ended, ReadStatus::TornTail);
  EXPECT_TRUE(holds_exactly(torn, 1, 50));
  EXPECT_NE(torn.problem.find(file_.string() + " at offset " + std::to_string(at)),
            std::string::npos)
      << torn.problem;

  JournalRecovery rec;
  {
    auto store = open_store(config_for(dir_.path(), 1 << 16), &rec);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(rec.next_seq, 51u);
    EXPECT_GE(rec.torn_bytes, half.size() / 2);
    EXPECT_NE(rec.torn.find(std::to_string(at)), std::string::npos) << rec.torn;
  }
  const std::vector<std::byte> after = read_bytes(file_);
  EXPECT_TRUE(std::all_of(after.begin() + static_cast<std::ptrdiff_t>(at), after.end(),
                          [](std::byte b) { return b == std::byte{0}; }))
      << "the torn bytes are zeroed: they can never be read";
  const ReadBack clean = read_all(dir_.path());
  EXPECT_EQ(clean.ended, ReadStatus::End) << clean.problem;
  EXPECT_TRUE(holds_exactly(clean, 1, 50));
  {
    auto store = open_store(config_for(dir_.path(), 1 << 16));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 51, 60));
  }
  EXPECT_TRUE(holds_exactly(read_all(dir_.path()), 1, 60));
}

TEST_F(JournalDamage, ABadChecksumOnTheLastRecordIsATornTail) {
  std::vector<std::byte> bytes = read_bytes(file_);
  bytes[offsets_.back() + 20] ^= std::byte{0x10};
  write_bytes(file_, bytes);

  const ReadBack torn = read_all(dir_.path());
  EXPECT_EQ(torn.ended, ReadStatus::TornTail) << torn.problem;
  EXPECT_TRUE(holds_exactly(torn, 1, 49));

  JournalRecovery rec;
  auto store = open_store(config_for(dir_.path(), 1 << 16), &rec);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(rec.next_seq, 50u) << "the damaged record is gone";
  ASSERT_TRUE(append_range(*store, 50, 55));
  store.reset();
  EXPECT_TRUE(holds_exactly(read_all(dir_.path()), 1, 55));
}

TEST_F(JournalDamage, TheSameDamageMidJournalIsCorruptionWithFileAndOffset) {
  for (const bool half : {false, true}) {
    SCOPED_TRACE(half ? "record 20 cut in half" : "record 20 with a flipped bit");
    std::vector<std::byte> bytes = read_bytes(file_);
    const std::vector<std::byte> original = bytes;
    const std::size_t at = offsets_[19];
    if (half) {
      const std::size_t size = journal::record_size(event_for(20));
      std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(at + size / 2),
                bytes.begin() + static_cast<std::ptrdiff_t>(at + size), std::byte{0});
    } else {
      bytes[at + 20] ^= std::byte{0x10};
    }
    write_bytes(file_, bytes);

    const ReadBack r = read_all(dir_.path());
    EXPECT_EQ(r.ended, ReadStatus::Corrupt);
    EXPECT_TRUE(holds_exactly(r, 1, 19));
    const std::string where = file_.string() + " at offset " + std::to_string(at);
    EXPECT_NE(r.problem.find(where), std::string::npos) << r.problem;

    JournalRecovery rec;
    std::string error;
    EXPECT_EQ(JournalStore::open(config_for(dir_.path(), 1 << 16), rec, error), nullptr)
        << "never append after corruption";
    EXPECT_NE(error.find(where), std::string::npos) << error;
    write_bytes(file_, original);
  }
}

TEST(JournalStoreDamage, ATornRecordBeforeALaterSegmentIsCorruption) {
  const ScratchDir dir("torn-mid");
  {
    auto store = open_store(config_for(dir.path()));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 200));
  }
  const fs::path first = segment_files(dir.path()).front();
  std::vector<std::byte> bytes = read_bytes(first);
  bytes[record_offsets(first).back() + 20] ^= std::byte{0x10};  // looks torn in its own file
  write_bytes(first, bytes);
  const ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.ended, ReadStatus::Corrupt) << r.problem;
  EXPECT_NE(r.problem.find("later segments"), std::string::npos) << r.problem;
}

TEST(JournalStoreDamage, AZeroLengthWithRecordsAfterItIsCorruption) {
  const ScratchDir dir("zero-len");
  {
    auto store = open_store(config_for(dir.path(), 1 << 16));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 30));
  }
  const fs::path file = segment_files(dir.path()).front();
  std::vector<std::byte> bytes = read_bytes(file);
  const std::size_t at = record_offsets(file)[9];
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(at),
            bytes.begin() + static_cast<std::ptrdiff_t>(at + 4), std::byte{0});
  write_bytes(file, bytes);
  const SegmentScan s = scan_segment(bytes);
  EXPECT_EQ(s.outcome, ScanOutcome::Corrupt);
  EXPECT_TRUE(s.data_after_end);
  EXPECT_EQ(s.end, at);
  JournalRecovery rec;
  std::string error;
  EXPECT_EQ(JournalStore::open(config_for(dir.path(), 1 << 16), rec, error), nullptr);
  EXPECT_NE(error.find("zero record length with data after it"), std::string::npos) << error;
}

// The writer had rotated into its prepared file and died before naming it.
TEST(JournalStoreRecovery, RecordsInTheUnnamedNextSegmentAreAdopted) {
  const ScratchDir dir("adopt");
  {
    auto store = open_store(config_for(dir.path()));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 10));
  }
  std::vector<std::byte> next(kSmallSegment);
  std::size_t at = journal::encode_header(EngineConfig{}, next);
  for (std::uint64_t seq = 11; seq <= 15; ++seq) {
    at += journal::encode_record(event_for(seq), std::span<std::byte>(next).subspan(at));
  }
  write_bytes(dir.path() / kNextSegmentName, next);

  const ReadBack before = read_all(dir.path());
  EXPECT_EQ(before.ended, ReadStatus::End) << before.problem;
  EXPECT_TRUE(holds_exactly(before, 1, 15)) << "the reader follows into the unnamed file";

  JournalRecovery rec;
  auto store = open_store(config_for(dir.path()), &rec);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(rec.adopted_next);
  EXPECT_EQ(rec.next_seq, 16u);
  EXPECT_TRUE(fs::exists(dir.path() / segment_file_name(11)));
  ASSERT_TRUE(append_range(*store, 16, 20));
  store.reset();
  EXPECT_TRUE(holds_exactly(read_all(dir.path()), 1, 20));
}

// ---- kill -9 ---------------------------------------------------------------------------------

struct Progress {
  std::atomic<std::uint64_t> written{0};  // the last seq append() returned Ok for
  std::atomic<int> opened{0};
};

// Each round: a child opens the journal, appends in a loop and publishes each seq once
// append() returned Ok; the parent SIGKILLs it at a random point, reopens, checks that every
// reported record is there, intact, with no torn record, and appends a few itself.
void kill_rounds(int rounds, std::uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const ScratchDir dir("kill");
  const JournalStoreConfig config = config_for(dir.path());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint64_t> ahead(1, 300);
  std::uint64_t base = 0;  // the journal's last seq before the round
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    SharedPage<Progress> progress;
    const std::uint64_t target = base + ahead(rng);
    Child child([&] {
      JournalRecovery rec;
      std::string error;
      auto store = JournalStore::open(config, rec, error);
      if (store == nullptr) return 2;
      progress->opened.store(1);
      for (std::uint64_t seq = base + 1;; ++seq) {
        if (append_waiting(*store, event_for(seq)) != AppendStatus::Ok) return 3;
        progress->written.store(seq, std::memory_order_release);
      }
    });
    ASSERT_TRUE(child.started());
    ASSERT_TRUE(wait_until([&] { return progress->written.load() >= target; }))
        << "the child appended up to " << progress->written.load();
    child.kill_now();
    const int status = child.wait_for_exit();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    const std::uint64_t reported = progress->written.load(std::memory_order_acquire);

    JournalRecovery rec;
    auto store = open_store(config, &rec);
    ASSERT_NE(store, nullptr);
    ASSERT_GE(rec.next_seq, reported + 1) << "a record reported written was lost";
    // kill -9 can land in the writer's copy of a record, before its length is stored: that
    // tail is torn, and the ring must be what repairs it.
    if (rec.torn_bytes > 0) {
      EXPECT_GT(rec.from_ring, 0u) << rec.torn;
    }
    const std::uint64_t last = rec.next_seq - 1;
    const ReadBack r = read_all(dir.path(), base + 1);
    ASSERT_EQ(r.ended, ReadStatus::End) << r.problem;
    ASSERT_TRUE(holds_exactly(r, base + 1, last));
    ASSERT_TRUE(append_range(*store, last + 1, last + 5)) << "appending goes on after reopen";
    ASSERT_TRUE(store->sync_now(10s));
    store->release_before(base + 1);  // keeps the directory small over many rounds
    base = last + 5;
  }
  const ReadBack tail = read_all(dir.path(), base - 4);
  EXPECT_EQ(tail.ended, ReadStatus::End) << tail.problem;
  EXPECT_TRUE(holds_exactly(tail, base - 4, base));
}

TEST(JournalKill, LosesNothingWrittenAtTwentyKillPoints) {
  kill_rounds(20, std::random_device{}());
}

TEST(JournalKillSlow, LosesNothingWrittenAtAThousandKillPoints) {
  kill_rounds(1000, std::random_device{}());
}

// ---- the ring ---------------------------------------------------------------------------------

struct RingReport {
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> copied{1};
};

// A child opens the journal with a writer that never runs (its intervals are an hour and the
// ring, 1 MiB, never reaches a quarter), appends seqs from..to, and is killed: every one of them
// is then in the ring only. `report` gets what it wrote and the last seq the segments held
// (from - 1: nothing of the child's was copied).
::testing::AssertionResult kill_with_records_only_in_the_ring(JournalStoreConfig config,
                                                              std::uint64_t from, std::uint64_t to,
                                                              RingReport& report) {
  config.ring_bytes = 1 << 20;
  config.drain_interval = 1h;
  config.sync_interval = 1h;
  Child child([&] {
    JournalRecovery rec;
    std::string error;
    auto store = JournalStore::open(config, rec, error);
    if (store == nullptr) return 2;
    for (std::uint64_t seq = from; seq <= to; ++seq) {
      if (store->append(event_for(seq)) != AppendStatus::Ok) return 3;
    }
    report.copied.store(store->copied_seq());
    report.written.store(to);
    ::raise(SIGKILL);
    return 4;
  });
  const int status = child.wait_for_exit();
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
    return ::testing::AssertionFailure() << "the child ended with status " << status;
  }
  if (report.written.load() != to) {
    return ::testing::AssertionFailure() << "the child wrote up to " << report.written.load();
  }
  if (report.copied.load() != from - 1) {
    return ::testing::AssertionFailure() << "the writer copied records: the test proves nothing";
  }
  return ::testing::AssertionSuccess();
}

// The writer never runs (its intervals are an hour and the ring never reaches a quarter), so
// every record is only in the ring when the process is killed; the next open copies them into
// the segments, under the config they were written with, and a new config starts after them.
TEST(JournalRing, RecordsOnlyTheRingHeldAreRecoveredUnderTheirConfig) {
  const ScratchDir dir("ring");
  const JournalStoreConfig a = config_for(dir.path(), 1 << 20);
  SharedPage<RingReport> report;
  ASSERT_TRUE(kill_with_records_only_in_the_ring(a, 1, 500, *report));
  EXPECT_TRUE(read_all(dir.path()).events.empty()) << "no segment holds a record yet";

  JournalStoreConfig b = config_for(dir.path(), 1 << 20);
  b.engine.max_bots = 77;
  JournalRecovery rec;
  {
    auto store = open_store(b, &rec);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(rec.from_ring, 500u);
    EXPECT_EQ(rec.next_seq, 501u);
    EXPECT_TRUE(rec.new_config);
    EXPECT_EQ(store->durable_seq(), 500u) << "copied and synced before open() returned";
    ASSERT_TRUE(append_range(*store, 501, 510));
  }
  JournalReader reader;
  ASSERT_TRUE(reader.open(dir.path()));
  Event ev;
  for (std::uint64_t seq = 1; seq <= 510; ++seq) {
    ASSERT_EQ(reader.next(ev), ReadStatus::Record) << seq << ": " << reader.problem();
    ASSERT_TRUE(same_event(ev, event_for(seq))) << seq;
    EXPECT_TRUE(same_engine_config(reader.config(), seq <= 500 ? a.engine : b.engine)) << seq;
  }
  EXPECT_EQ(reader.next(ev), ReadStatus::End);
}

// A process killed in the writer's copy of a record leaves a zero length word with some of
// the record's bytes after it at the end of the last segment. With the record in the ring it
// is a torn tail, zeroed and then copied again from the ring; without the ring holding it, the
// same bytes are corruption (the store cannot tell them from damage).
class JournalRingRepair : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      auto store = open_store(config_for(dir_.path(), 1 << 20));
      ASSERT_NE(store, nullptr);
      ASSERT_TRUE(append_range(*store, 1, 10));
    }
    SharedPage<RingReport> report;
    ASSERT_TRUE(kill_with_records_only_in_the_ring(config_for(dir_.path(), 1 << 20), 11, 15,
                                                   *report));
    // Record 11's bytes after its length word, half of them, where the copy was going.
    file_ = segment_files(dir_.path()).back();
    std::vector<std::byte> bytes = read_bytes(file_);
    const std::vector<std::size_t> offsets = record_offsets(file_);
    ASSERT_EQ(offsets.size(), 10u);
    at_ = offsets.back() + journal::record_size(event_for(10));
    const std::vector<std::byte> eleventh = encoded(event_for(11));
    const auto half = static_cast<std::ptrdiff_t>(eleventh.size() / 2);
    ASSERT_GT(half, 4);
    std::copy(eleventh.begin() + 4, eleventh.begin() + 4 + half,
              bytes.begin() + static_cast<std::ptrdiff_t>(at_ + 4));
    write_bytes(file_, bytes);
  }

  ScratchDir dir_{"repair"};
  fs::path file_;
  std::size_t at_ = 0;
};

TEST_F(JournalRingRepair, TheRingRepairsARecordKilledMidCopy) {
  JournalRecovery rec;
  {
    auto store = open_store(config_for(dir_.path(), 1 << 20), &rec);
    ASSERT_NE(store, nullptr);
    EXPECT_GT(rec.torn_bytes, 0u);
    EXPECT_NE(rec.torn.find(file_.string() + " at offset " + std::to_string(at_)),
              std::string::npos)
        << rec.torn;
    EXPECT_EQ(rec.from_ring, 5u);
    EXPECT_EQ(rec.next_seq, 16u);
  }
  const ReadBack r = read_all(dir_.path());
  EXPECT_EQ(r.ended, ReadStatus::End) << r.problem;
  EXPECT_TRUE(holds_exactly(r, 1, 15));
}

TEST_F(JournalRingRepair, WithoutTheRingTheSameBytesAreCorruption) {
  fs::remove(dir_.path() / kRingFileName);
  JournalRecovery rec;
  std::string error;
  EXPECT_EQ(JournalStore::open(config_for(dir_.path(), 1 << 20), rec, error), nullptr);
  EXPECT_NE(error.find("zero record length with data after it"), std::string::npos) << error;
}

// The same at the very start: the writer had named the journal's first segment and was
// copying its first record. The segment holds nothing committed and goes; the ring refills it.
TEST(JournalRingRepairFirst, AFirstRecordKilledMidCopyComesBackFromTheRing) {
  const ScratchDir dir("repair-first");
  SharedPage<RingReport> report;
  ASSERT_TRUE(kill_with_records_only_in_the_ring(config_for(dir.path(), 1 << 20), 1, 5, *report));
  std::vector<std::byte> segment(1 << 20);
  const std::size_t at = journal::encode_header(EngineConfig{}, segment);
  const std::vector<std::byte> first = encoded(event_for(1));
  std::copy(first.begin() + 4, first.end(), segment.begin() + static_cast<std::ptrdiff_t>(at + 4));
  write_bytes(dir.path() / segment_file_name(1), segment);

  JournalRecovery rec;
  {
    auto store = open_store(config_for(dir.path(), 1 << 20), &rec);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(rec.from_ring, 5u);
    EXPECT_EQ(rec.next_seq, 6u);
  }
  const ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.ended, ReadStatus::End) << r.problem;
  EXPECT_TRUE(holds_exactly(r, 1, 5));
}

// Laps of a small ring, and records of every size crossing its end: all read back in order.
TEST(JournalRing, ManyLapsKeepEveryRecordInOrder) {
  const ScratchDir dir("laps");
  JournalStoreConfig c = config_for(dir.path(), 1 << 20);
  auto store = open_store(c);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_range(*store, 1, 5000));  // ~50 laps
  ASSERT_TRUE(store->sync_now(10s));
  EXPECT_EQ(store->copied_seq(), 5000u);
  EXPECT_EQ(store->durable_seq(), 5000u);
  const ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.ended, ReadStatus::End) << r.problem;
  EXPECT_TRUE(holds_exactly(r, 1, 5000));
}

// A ring file that is not one (damaged header, or garbage) is set aside: the segments are the
// journal, and a fresh ring replaces it.
TEST(JournalRing, AGarbageRingFileIsIgnored) {
  const ScratchDir dir("garbage-ring");
  {
    auto store = open_store(config_for(dir.path()));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 20));
  }
  std::vector<std::byte> junk(4 * 4096 + 4096);
  std::mt19937 rng(7);
  for (auto& b : junk) b = static_cast<std::byte>(rng());
  write_bytes(dir.path() / kRingFileName, junk);
  JournalRecovery rec;
  auto store = open_store(config_for(dir.path()), &rec);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(rec.from_ring, 0u);
  EXPECT_EQ(rec.next_seq, 21u);
  ASSERT_TRUE(append_range(*store, 21, 30));
  store.reset();
  EXPECT_TRUE(holds_exactly(read_all(dir.path()), 1, 30));
}

// ---- disk full -------------------------------------------------------------------------------

struct FullReport {
  std::atomic<std::uint64_t> last_ok{0};
  std::atomic<int> stage{0};
  char failure[1024] = {};
};

// The kernel itself refuses: RLIMIT_FSIZE below the segment size (SIGXFSZ ignored) makes the
// next segment's posix_fallocate fail with EFBIG, no root needed. The writer fills the segment
// open() left current and the one prepared at open(), cannot make a third, and append() then
// fails; every record it accepted before is recovered at the next open (some only from the
// ring).
TEST(JournalStoreFull, AppendFailsWhenTheWriterCannotMakeASegmentAndNothingAcceptedIsLost) {
  const ScratchDir dir("full");
  const JournalStoreConfig config = config_for(dir.path(), 1 << 16);
  {
    auto store = open_store(config);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(append_range(*store, 1, 10));
  }
  SharedPage<FullReport> report;
  Child child([&] {
    JournalRecovery rec;
    std::string error;
    auto store = JournalStore::open(config, rec, error);  // its next segment is made here
    if (store == nullptr) return 2;
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{config.segment_bytes / 2, config.segment_bytes / 2};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 3;
    for (std::uint64_t seq = rec.next_seq; seq < 100'000; ++seq) {
      const AppendStatus s = append_waiting(*store, event_for(seq));
      if (s == AppendStatus::Failed) break;
      if (s != AppendStatus::Ok) return 4;
      report->last_ok.store(seq);
    }
    const std::string why = store->failure();
    std::snprintf(report->failure, sizeof report->failure, "%s", why.c_str());
    report->stage.store(static_cast<int>(store->rotations()));
    std::_Exit(0);  // the store's destructor would try once more: what is left stays in the ring
  });
  const int status = child.wait_for_exit();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(report->stage.load(), 1) << "failed at the rotation after the prepared segment";
  const std::string failure = report->failure;
  EXPECT_NE(failure.find((dir.path() / kNextSegmentName).string()), std::string::npos) << failure;
  EXPECT_NE(failure.find(std::strerror(EFBIG)), std::string::npos) << failure;

  const std::uint64_t last = report->last_ok.load();
  JournalRecovery rec;
  auto store = open_store(config, &rec);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(rec.next_seq, last + 1);
  EXPECT_GT(rec.from_ring, 0u) << "the records the writer could not place came from the ring";
  store.reset();
  EXPECT_TRUE(holds_exactly(read_all(dir.path()), 1, last));
}

// ---- release ----------------------------------------------------------------------------------

TEST(JournalStore, ReleaseBeforeDeletesOnlyWhollyCoveredSegments) {
  const ScratchDir dir("release");
  auto store = open_store(config_for(dir.path()));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(append_range(*store, 1, 400));
  ASSERT_TRUE(store->sync_now(10s));
  std::vector<std::uint64_t> firsts;
  for (const fs::path& f : segment_files(dir.path())) {
    firsts.push_back(*parse_segment_file_name(f.filename().string()));
  }
  ASSERT_GE(firsts.size(), 4u);
  const auto remaining = [&] { return segment_files(dir.path()).size(); };

  EXPECT_EQ(store->release_before(firsts[1] - 1), 0u) << "record firsts[1]-1 is not covered";
  EXPECT_EQ(store->release_before(firsts[1]), 1u);
  EXPECT_EQ(remaining(), firsts.size() - 1);
  EXPECT_FALSE(fs::exists(dir.path() / segment_file_name(firsts[0])));
  EXPECT_EQ(store->release_before(firsts[2] + 1), 1u) << "segment 2 still holds records >= it";
  EXPECT_EQ(store->release_before(1'000'000), firsts.size() - 3)
      << "all but the segment being written";
  EXPECT_EQ(remaining(), 1u);
  EXPECT_TRUE(fs::exists(dir.path() / segment_file_name(firsts.back())));
  ASSERT_TRUE(append_range(*store, 401, 410)) << "the current segment is intact";
  store.reset();

  JournalReader reader;
  ASSERT_TRUE(reader.open(dir.path()));
  EXPECT_EQ(reader.read_from(1), SeekStatus::Released);
  EXPECT_EQ(reader.oldest_seq(), firsts.back());
  const ReadBack r = read_all(dir.path(), firsts.back());
  EXPECT_TRUE(holds_exactly(r, firsts.back(), 410));
}

// ---- a reader beside the writer --------------------------------------------------------------

TEST(JournalReaderLive, FollowsTheEngineThreadAcrossRotations) {
  const ScratchDir dir("live");
  auto store = open_store(config_for(dir.path()));
  ASSERT_NE(store, nullptr);
  constexpr std::uint64_t kCount = 3000;
  std::atomic<bool> ok{true};
  std::thread engine([&] { ok = append_range(*store, 1, kCount); });
  JournalReader reader;
  ASSERT_TRUE(reader.open(dir.path()));
  std::uint64_t next = 1;
  Event ev;
  const bool all = wait_until([&] {
    for (;;) {
      const ReadStatus s = reader.next(ev);
      if (s != ReadStatus::Record) {
        EXPECT_EQ(s, ReadStatus::End) << reader.problem();
        return s != ReadStatus::End || next > kCount;
      }
      EXPECT_EQ(ev.seq, next);
      EXPECT_TRUE(same_event(ev, event_for(next)));
      ++next;
    }
  });
  engine.join();
  EXPECT_TRUE(ok);
  EXPECT_TRUE(all);
  EXPECT_EQ(next, kCount + 1);
}

// ---- the engine thread's path: no allocation -------------------------------------------------

// No system call either, by construction: append() encodes into the ring and stores atomics
// (plus one notify when the ring passes a quarter). A manual check with `strace -f` over this
// test shows the appending thread making none between its first and last append but those
// futex wakes.
TEST(JournalStoreHotPath, AppendAllocatesNothingAfterOpenAcrossRotationsAndLaps) {
  const ScratchDir dir("alloc");
  auto store = open_store(config_for(dir.path(), 1 << 20));
  ASSERT_NE(store, nullptr);
  constexpr std::uint64_t kCount = 40'000;
  std::vector<Event> events;
  events.reserve(kCount);
  for (std::uint64_t seq = 1; seq <= kCount; ++seq) events.push_back(event_for(seq));
  std::uint64_t allocations = 0;
  for (const Event& ev : events) {
    for (;;) {
      const std::uint64_t before = scalper::testing::thread_allocation_count();
      const AppendStatus s = store->append(ev);
      allocations += scalper::testing::thread_allocation_count() - before;
      if (s == AppendStatus::Ok) break;
      ASSERT_EQ(s, AppendStatus::Full);
      ASSERT_TRUE(store->wait_for_room(30s)) << store->failure();
    }
  }
  EXPECT_EQ(allocations, 0u);
  ASSERT_TRUE(store->sync_now(10s));
  EXPECT_GE(store->rotations(), 3u);
  EXPECT_EQ(store->durable_seq(), kCount);
}

// ---- the segment scanner and its fuzz seeds ---------------------------------------------------
// tests/fuzz/corpus/fuzz_core_segment holds the images made by segment_seeds(). They are
// checked to still scan as their names say; after a format change regenerate them with
// SCALPER_UPDATE_GOLDEN=1 scalper_core_store_tests.

struct SegmentSeed {
  std::string name;
  std::vector<std::byte> bytes;
  ScanOutcome outcome;
  std::size_t records;
};

std::vector<SegmentSeed> segment_seeds() {
  std::vector<std::byte> clean(1024);
  std::size_t at = journal::encode_header(EngineConfig{}, clean);
  std::vector<std::size_t> offsets;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    offsets.push_back(at);
    at += journal::encode_record(event_for(seq), std::span<std::byte>(clean).subspan(at));
  }
  const std::size_t end = at;
  std::vector<std::byte> torn = clean;
  const std::vector<std::byte> sixth = encoded(event_for(6));
  std::copy(sixth.begin(), sixth.begin() + 40, torn.begin() + static_cast<std::ptrdiff_t>(end));
  std::vector<std::byte> bad_last = clean;
  bad_last[offsets[4] + 20] ^= std::byte{1};
  std::vector<std::byte> bad_middle = clean;
  bad_middle[offsets[2] + 20] ^= std::byte{1};
  std::vector<std::byte> gap = clean;
  std::fill(gap.begin() + static_cast<std::ptrdiff_t>(offsets[3]),
            gap.begin() + static_cast<std::ptrdiff_t>(offsets[3] + 4), std::byte{0});
  const std::vector<std::byte> cut(clean.begin(),
                                   clean.begin() + static_cast<std::ptrdiff_t>(end - 10));
  std::vector<std::byte> header_only(clean.begin(),
                                     clean.begin() + static_cast<std::ptrdiff_t>(offsets[0]));
  std::vector<std::byte> bad_header = clean;
  bad_header[30] ^= std::byte{1};
  return {
      {"clean", clean, ScanOutcome::Clean, 5},
      {"torn_half_record", torn, ScanOutcome::TornTail, 5},
      {"torn_bad_crc_last", bad_last, ScanOutcome::TornTail, 4},
      {"corrupt_middle", bad_middle, ScanOutcome::Corrupt, 2},
      {"zero_length_then_data", gap, ScanOutcome::Corrupt, 3},
      {"cut_short", cut, ScanOutcome::TornTail, 4},
      {"header_only", header_only, ScanOutcome::Clean, 0},
      {"bad_header", bad_header, ScanOutcome::Corrupt, 0},
      {"empty", {}, ScanOutcome::Corrupt, 0},
  };
}

bool updating_golden() {
  const char* v = std::getenv("SCALPER_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

TEST(SegmentSeeds, ScanAsTheirNamesSayWhenMadeAndOnDisk) {
  const fs::path corpus = fs::path(SCALPER_FUZZ_CORPUS_DIR) / "fuzz_core_segment";
  if (updating_golden()) fs::create_directories(corpus);
  for (const SegmentSeed& s : segment_seeds()) {
    SCOPED_TRACE(s.name);
    const SegmentScan made = scan_segment(s.bytes);
    EXPECT_EQ(made.outcome, s.outcome) << describe(made);
    EXPECT_EQ(made.records, s.records);
    if (updating_golden()) write_bytes(corpus / s.name, s.bytes);
    const std::vector<std::byte> on_disk = read_bytes(corpus / s.name);
    EXPECT_EQ(on_disk, s.bytes) << "regenerate with SCALPER_UPDATE_GOLDEN=1";
  }
}

TEST(SegmentNames, RoundTripAndRefuseOtherNames) {
  EXPECT_EQ(segment_file_name(42), "journal-00000000000000000042.sjl");
  EXPECT_EQ(parse_segment_file_name(segment_file_name(18446744073709551615u)),
            18446744073709551615u);
  for (const std::string_view bad :
       {"journal-42.sjl", "journal-0000000000000000004x.sjl", "journal-next.sjl.tmp",
        "journal-00000000000000000042.sjl.tmp", "checkpoint-00000000000000000042.sck",
        "journal-99999999999999999999.sjl"}) {
    EXPECT_FALSE(parse_segment_file_name(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace scalper::core::testing
