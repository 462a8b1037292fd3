// Checkpoint files (feed/core checkpoint_store.hpp): the format's every check, newest-good
// selection past corrupt, truncated and temp files, the writer thread's retention and the seq
// it lets the journal release, kill -9 mid-write, and the fuzz seeds of the parser.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/core/checkpoint_store.hpp"
#include "store_test_support.hpp"

namespace scalper::core::testing {
namespace {

using namespace std::chrono_literals;

// The payload of checkpoint `seq` in these tests: every byte depends on seq and position, so
// a payload from another checkpoint or a mix of two never passes for it.
std::vector<std::byte> payload_for(std::uint64_t seq, std::size_t size) {
  std::vector<std::byte> out(size);
  std::uint64_t x = seq * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<std::byte>(x & 0xFFu);
  }
  return out;
}

std::vector<std::byte> file_image(std::uint64_t seq, const std::vector<std::byte>& payload) {
  const auto header = encode_checkpoint_header(seq, payload);
  std::vector<std::byte> out(header.begin(), header.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

CheckpointCheck check(const std::vector<std::byte>& file) {
  CheckpointHeader h;
  std::span<const std::byte> payload;
  return parse_checkpoint(file, h, payload);
}

void write_ok(const fs::path& dir, std::uint64_t seq, const std::vector<std::byte>& payload) {
  std::string error;
  ASSERT_TRUE(write_checkpoint_file(dir, seq, payload, error)) << error;
}

std::string reason_for(const LoadedCheckpoint& l, const fs::path& path) {
  for (const SkippedCheckpoint& s : l.skipped) {
    if (s.path == path) return s.reason;
  }
  return "(not skipped)";
}

std::vector<std::uint64_t> checkpoint_seqs(const fs::path& dir) {
  std::vector<std::uint64_t> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::uint64_t seq = 0;
    if (parse_checkpoint_file_name(e.path().filename().string(), seq)) out.push_back(seq);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- the format -----------------------------------------------------------------------------

TEST(CheckpointFormat, ParsesWhatItEncodes) {
  const std::vector<std::byte> payload = payload_for(7, 1000);
  const std::vector<std::byte> file = file_image(42, payload);
  CheckpointHeader h;
  std::span<const std::byte> body;
  ASSERT_EQ(parse_checkpoint(file, h, body), CheckpointCheck::Ok);
  EXPECT_EQ(h.seq, 42u);
  EXPECT_EQ(h.payload_size, 1000u);
  EXPECT_TRUE(std::equal(body.begin(), body.end(), payload.begin(), payload.end()));
  EXPECT_EQ(check(file_image(1, {})), CheckpointCheck::Ok) << "an empty state is a state";
}

TEST(CheckpointFormat, RefusesEveryKindOfDamage) {
  const std::vector<std::byte> good = file_image(42, payload_for(7, 300));
  const auto with = [&](auto&& change) {
    std::vector<std::byte> f = good;
    change(f);
    return check(f);
  };
  EXPECT_EQ(check({}), CheckpointCheck::Truncated);
  EXPECT_EQ(with([](auto& f) { f.resize(20); }), CheckpointCheck::Truncated);
  EXPECT_EQ(with([](auto& f) { f.resize(4); }), CheckpointCheck::Truncated) << "cut in the magic";
  EXPECT_EQ(with([](auto& f) { f.pop_back(); }), CheckpointCheck::Truncated);
  EXPECT_EQ(with([](auto& f) { f.push_back(std::byte{0}); }), CheckpointCheck::TrailingBytes);
  EXPECT_EQ(with([](auto& f) { f[0] = std::byte{'X'}; }), CheckpointCheck::BadMagic);
  EXPECT_EQ(with([](auto& f) { f[17] ^= std::byte{1}; }), CheckpointCheck::BadHeaderCrc);
  EXPECT_EQ(with([](auto& f) { f[100] ^= std::byte{1}; }), CheckpointCheck::BadPayloadCrc);
  EXPECT_EQ(with([](auto& f) { f.back() ^= std::byte{0x80}; }), CheckpointCheck::BadPayloadCrc);

  // Fields that are wrong under a valid header CRC: resealed after the change.
  const auto resealed = [&](std::size_t at, std::byte value) {
    std::vector<std::byte> f = good;
    f[at] = value;
    const std::uint32_t crc = journal::crc32c(std::span<const std::byte>(f).first(44));
    std::memcpy(f.data() + 44, &crc, sizeof crc);
    return check(f);
  };
  EXPECT_EQ(resealed(8, std::byte{2}), CheckpointCheck::BadVersion);
  EXPECT_EQ(resealed(10, std::byte{49}), CheckpointCheck::BadHeader);
  EXPECT_EQ(resealed(12, std::byte{1}), CheckpointCheck::BadHeader);
  EXPECT_EQ(resealed(40, std::byte{1}), CheckpointCheck::BadHeader);
  EXPECT_EQ(resealed(31, std::byte{0x7F}), CheckpointCheck::TooLarge);
  EXPECT_EQ(resealed(24, std::byte{0xFF}), CheckpointCheck::Truncated) << "says 511 bytes";
}

TEST(CheckpointFormat, NamesRoundTrip) {
  std::uint64_t seq = 0;
  EXPECT_EQ(checkpoint_file_name(42), "checkpoint-00000000000000000042.sck");
  EXPECT_TRUE(parse_checkpoint_file_name(checkpoint_file_name(42), seq));
  EXPECT_EQ(seq, 42u);
  EXPECT_FALSE(parse_checkpoint_file_name("checkpoint-00000000000000000042.sck.tmp", seq));
  EXPECT_FALSE(parse_checkpoint_file_name("checkpoint-42.sck", seq));
  EXPECT_FALSE(parse_checkpoint_file_name("journal-00000000000000000042.sjl", seq));
}

// ---- files on disk --------------------------------------------------------------------------

TEST(CheckpointFiles, WriteAndLoadRoundTrip) {
  const ScratchDir dir("roundtrip");
  const std::vector<std::byte> payload = payload_for(42, 100'000);
  write_ok(dir.path() / "checkpoints", 42, payload);
  const LoadedCheckpoint l = load_newest_checkpoint(dir.path() / "checkpoints");
  ASSERT_TRUE(l.found) << l.error;
  EXPECT_EQ(l.seq, 42u);
  EXPECT_EQ(l.payload, payload);
  EXPECT_EQ(l.path.filename().string(), checkpoint_file_name(42));
  EXPECT_TRUE(l.skipped.empty());
  EXPECT_EQ(fs::directory_iterator(dir.path() / "checkpoints")->path().filename().string(),
            checkpoint_file_name(42))
      << "no temp file left";
}

TEST(CheckpointFiles, NothingToLoadInAMissingOrEmptyDirectory) {
  const ScratchDir dir("none");
  EXPECT_FALSE(load_newest_checkpoint(dir.path() / "missing").found);
  const LoadedCheckpoint l = load_newest_checkpoint(dir.path());
  EXPECT_FALSE(l.found);
  EXPECT_TRUE(l.error.empty()) << l.error;
}

TEST(CheckpointFiles, LoadTakesTheNewestGoodOneAndSaysWhyItSkippedTheOthers) {
  const ScratchDir dir("newest");
  const fs::path d = dir.path();
  for (const std::uint64_t seq : {10u, 20u, 30u, 40u, 50u})
    write_ok(d, seq, payload_for(seq, 5000));
  // 50: a flipped byte; 40: truncated; 30: not a checkpoint at all; a temp file past them all.
  std::vector<std::byte> flipped = read_bytes(d / checkpoint_file_name(50));
  flipped[3000] ^= std::byte{0x04};
  write_bytes(d / checkpoint_file_name(50), flipped);
  std::vector<std::byte> cut = read_bytes(d / checkpoint_file_name(40));
  cut.resize(cut.size() / 2);
  write_bytes(d / checkpoint_file_name(40), cut);
  write_bytes(d / checkpoint_file_name(30), std::vector<std::byte>(500, std::byte{'x'}));
  const fs::path temp = d / (checkpoint_file_name(60) + ".tmp");
  write_bytes(temp, file_image(60, payload_for(60, 5000)));

  const LoadedCheckpoint l = load_newest_checkpoint(d);
  ASSERT_TRUE(l.found);
  EXPECT_EQ(l.seq, 20u);
  EXPECT_EQ(l.payload, payload_for(20, 5000));
  EXPECT_EQ(l.skipped.size(), 4u);
  EXPECT_NE(reason_for(l, d / checkpoint_file_name(50)).find("payload checksum"),
            std::string::npos);
  EXPECT_NE(reason_for(l, d / checkpoint_file_name(40)).find("truncated"), std::string::npos);
  EXPECT_NE(reason_for(l, d / checkpoint_file_name(30)).find("bad magic"), std::string::npos);
  EXPECT_NE(reason_for(l, temp).find("leftover temp file"), std::string::npos);
}

TEST(CheckpointFiles, ARenamedCheckpointIsNotTakenForAnother) {
  const ScratchDir dir("renamed");
  write_ok(dir.path(), 10, payload_for(10, 100));
  write_ok(dir.path(), 20, payload_for(20, 100));
  fs::rename(dir.path() / checkpoint_file_name(20), dir.path() / checkpoint_file_name(30));
  const LoadedCheckpoint l = load_newest_checkpoint(dir.path());
  EXPECT_EQ(l.seq, 10u);
  EXPECT_NE(reason_for(l, dir.path() / checkpoint_file_name(30)).find("another seq"),
            std::string::npos);
}

// ---- the writer thread ------------------------------------------------------------------------

struct Durables {
  std::mutex mu;
  std::vector<DurableCheckpoint> seen;
  CheckpointStore::OnDurable callback() {
    return [this](const DurableCheckpoint& d) {
      const std::lock_guard lock(mu);
      seen.push_back(d);
    };
  }
};

std::unique_ptr<CheckpointStore> open_checkpoints(const fs::path& dir, Durables& durables) {
  std::string error;
  auto store = CheckpointStore::open({dir, 2, {}}, durables.callback(), error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

TEST(CheckpointStore, KeepsTheNewestTwoAndReleasesTheJournalBeforeTheOlder) {
  const ScratchDir dir("keep");
  Durables durables;
  auto store = open_checkpoints(dir.path(), durables);
  ASSERT_NE(store, nullptr);
  for (const std::uint64_t seq : {100u, 200u, 300u}) {
    store->submit(seq, payload_for(seq, 4096));
    ASSERT_TRUE(store->wait_idle(10s));
  }
  EXPECT_EQ(store->durable_seq(), 300u);
  EXPECT_EQ(store->last_error(), "");
  store.reset();
  ASSERT_EQ(durables.seen.size(), 3u);
  EXPECT_EQ(durables.seen[0].release_before, 0u) << "one checkpoint: nothing to fall back on";
  EXPECT_EQ(durables.seen[1].release_before, 101u) << "the restart may fall back to 100";
  EXPECT_EQ(durables.seen[2].release_before, 201u);
  EXPECT_EQ(durables.seen[2].deleted, 1u);
  EXPECT_EQ(checkpoint_seqs(dir.path()), (std::vector<std::uint64_t>{200, 300}));
  EXPECT_EQ(load_newest_checkpoint(dir.path()).payload, payload_for(300, 4096));
}

// The core makes its journal durable up to a checkpoint's seq before the checkpoint is
// written; when it cannot, that checkpoint is not written at all (never ahead of the journal).
TEST(CheckpointStore, IsNotWrittenWhenTheJournalCannotBeMadeDurableFirst) {
  const ScratchDir dir("before-write");
  Durables durables;
  std::vector<std::uint64_t> asked;
  bool journal_ok = false;
  CheckpointStoreConfig config{dir.path(), 2, {}};
  config.before_write = [&](std::uint64_t seq, std::string& error) {
    asked.push_back(seq);
    if (!journal_ok) error = "journal not durable";
    return journal_ok;
  };
  std::string error;
  auto store = CheckpointStore::open(config, durables.callback(), error);
  ASSERT_NE(store, nullptr) << error;
  store->submit(40, payload_for(40, 64));
  ASSERT_TRUE(store->wait_idle(10s));
  EXPECT_EQ(store->durable_seq(), 0u);
  EXPECT_EQ(store->last_error(), "journal not durable");
  EXPECT_TRUE(checkpoint_seqs(dir.path()).empty());
  journal_ok = true;
  store->submit(50, payload_for(50, 64));
  ASSERT_TRUE(store->wait_idle(10s));
  EXPECT_EQ(store->durable_seq(), 50u);
  EXPECT_EQ(checkpoint_seqs(dir.path()), (std::vector<std::uint64_t>{50}));
  EXPECT_EQ(asked, (std::vector<std::uint64_t>{40, 50}));
}

TEST(CheckpointStore, NeverDeletesTheLastGoodOneForACorruptNewerOne) {
  const ScratchDir dir("corrupt-newer");
  write_ok(dir.path(), 10, payload_for(10, 100));
  write_ok(dir.path(), 20, payload_for(20, 100));
  std::vector<std::byte> bad = read_bytes(dir.path() / checkpoint_file_name(20));
  bad.back() ^= std::byte{1};
  write_bytes(dir.path() / checkpoint_file_name(20), bad);
  write_bytes(dir.path() / (checkpoint_file_name(25) + ".tmp"), bad);

  Durables durables;
  auto store = open_checkpoints(dir.path(), durables);
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(fs::exists(dir.path() / (checkpoint_file_name(25) + ".tmp")))
      << "leftover temp files are removed at open";
  store->submit(30, payload_for(30, 100));
  ASSERT_TRUE(store->wait_idle(10s));
  store.reset();
  EXPECT_EQ(checkpoint_seqs(dir.path()), (std::vector<std::uint64_t>{10, 30}));
  ASSERT_EQ(durables.seen.size(), 1u);
  EXPECT_EQ(durables.seen[0].release_before, 11u);
}

TEST(CheckpointStore, WritesTheCopyTakenAtSubmit) {
  const ScratchDir dir("copy");
  Durables durables;
  auto store = open_checkpoints(dir.path(), durables);
  ASSERT_NE(store, nullptr);
  std::vector<std::byte> state = payload_for(5, 1 << 20);
  store->submit(5, state);
  std::fill(state.begin(), state.end(), std::byte{0});  // the engine thread moves on at once
  ASSERT_TRUE(store->wait_idle(10s));
  EXPECT_EQ(load_newest_checkpoint(dir.path()).payload, payload_for(5, 1 << 20));
}

TEST(CheckpointStore, AFailedWriteIsReportedWithThePath) {
  const ScratchDir dir("fail");
  Durables durables;
  auto store = open_checkpoints(dir.path() / "checkpoints", durables);
  ASSERT_NE(store, nullptr);
  fs::remove_all(dir.path() / "checkpoints");
  write_bytes(dir.path() / "checkpoints", {std::byte{1}});  // a file where the directory was
  store->submit(9, payload_for(9, 100));
  ASSERT_TRUE(store->wait_idle(10s));
  EXPECT_EQ(store->failures(), 1u);
  EXPECT_NE(store->last_error().find((dir.path() / "checkpoints").string()), std::string::npos)
      << store->last_error();
  EXPECT_TRUE(durables.seen.empty()) << "the journal is not released for a failed checkpoint";
}

// ---- kill -9 mid-write ----------------------------------------------------------------------

struct WriteProgress {
  std::atomic<std::uint64_t> writing{0};  // submitted, not yet known durable
  std::atomic<std::uint64_t> durable{0};  // on_durable ran for it
};

TEST(CheckpointKill, LoadReturnsTheOldOrTheNewOneNeverGarbage) {
  const ScratchDir dir("kill");
  constexpr std::size_t kSize = 4 << 20;
  write_ok(dir.path(), 1, payload_for(1, kSize));
  const std::uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(0, 40'000);
  std::uint64_t next = 2;
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    SharedPage<WriteProgress> progress;
    const std::uint64_t first = next;
    Child child([&] {
      std::string error;
      auto store = CheckpointStore::open(
          {dir.path(), 2, {}}, [&](const DurableCheckpoint& d) { progress->durable.store(d.seq); },
          error);
      if (store == nullptr) return 2;
      for (std::uint64_t seq = first;; ++seq) {
        const std::vector<std::byte> state = payload_for(seq, kSize);
        progress->writing.store(seq);
        store->submit(seq, state);
        if (!store->wait_idle(30s)) return 3;
      }
    });
    ASSERT_TRUE(wait_until([&] { return progress->writing.load() >= first; }));
    // A busy wait of a random length, not a sleep: the kill lands anywhere in the write.
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(delay_us(rng));
    while (std::chrono::steady_clock::now() < until) {
    }
    child.kill_now();
    (void)child.wait_for_exit();
    const std::uint64_t durable = progress->durable.load();
    const std::uint64_t writing = progress->writing.load();

    const LoadedCheckpoint l = load_newest_checkpoint(dir.path());
    ASSERT_TRUE(l.found) << l.error;
    EXPECT_GE(l.seq, std::max<std::uint64_t>(durable, 1)) << "a durable checkpoint was lost";
    EXPECT_LE(l.seq, writing);
    EXPECT_EQ(l.payload, payload_for(l.seq, kSize)) << "checkpoint " << l.seq << " is garbage";
    next = writing + 1;
  }
}

// ---- the parser's fuzz seeds -----------------------------------------------------------------
// tests/fuzz/corpus/fuzz_core_checkpoint holds the files made here, checked to still parse as
// their names say; regenerate with SCALPER_UPDATE_GOLDEN=1 scalper_core_store_tests.

TEST(CheckpointSeeds, ParseAsTheirNamesSayWhenMadeAndOnDisk) {
  const std::vector<std::byte> good = file_image(42, payload_for(42, 200));
  std::vector<std::byte> flipped = good;
  flipped[120] ^= std::byte{8};
  std::vector<std::byte> bad_header = good;
  bad_header[20] ^= std::byte{8};
  const std::vector<std::byte> truncated(good.begin(), good.begin() + 150);
  std::vector<std::byte> trailing = good;
  trailing.push_back(std::byte{0});
  const struct {
    std::string name;
    std::vector<std::byte> bytes;
    CheckpointCheck expect;
  } seeds[] = {
      {"valid", good, CheckpointCheck::Ok},
      {"empty_state", file_image(7, {}), CheckpointCheck::Ok},
      {"flipped_payload", flipped, CheckpointCheck::BadPayloadCrc},
      {"flipped_header", bad_header, CheckpointCheck::BadHeaderCrc},
      {"truncated", truncated, CheckpointCheck::Truncated},
      {"trailing", trailing, CheckpointCheck::TrailingBytes},
      {"empty", {}, CheckpointCheck::Truncated},
  };
  const fs::path corpus = fs::path(SCALPER_FUZZ_CORPUS_DIR) / "fuzz_core_checkpoint";
  const char* update = std::getenv("SCALPER_UPDATE_GOLDEN");
  const bool updating = update != nullptr && std::string_view(update) == "1";
  if (updating) fs::create_directories(corpus);
  for (const auto& s : seeds) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(check(s.bytes), s.expect);
    if (updating) write_bytes(corpus / s.name, s.bytes);
    EXPECT_EQ(read_bytes(corpus / s.name), s.bytes) << "regenerate with SCALPER_UPDATE_GOLDEN=1";
  }
}

}  // namespace
}  // namespace scalper::core::testing
