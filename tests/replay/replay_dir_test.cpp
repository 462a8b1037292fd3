// scalper-replay over the core's journal directory (--journal-dir) and from a seq (--from):
// the same actions as the one-file journal, across rotated segments, a segment file on its
// own, released segments, corruption, and the new arguments' refusals.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scalper/core/journal_reader.hpp"
#include "scalper/core/journal_store.hpp"
#include "scenarios.hpp"

namespace scalper::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Outcome {
  int rc = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ReplayDir : public ::testing::Test {
 protected:
  // One bot cycling 60 times: ~250 records, several 4 KiB segments.
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("scalper-replay-dir-") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    EngineHarness h;
    const BotId bot = h.create_bot(EventFactory::params("ETH/USDT"));
    for (int i = 0; i < 60; ++i) h.fill_and_accept_next(bot, i % 2 == 0 ? "3900" : "3950", "0.01");
    events_ = h.journal();
    const std::vector<std::byte> bytes = encode_journal(EngineHarness::default_config(), events_);
    file_ = dir_ / "all.jrnl";
    std::ofstream(file_, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    journal_ = dir_ / "journal";
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
    for (const Event& ev : events_) {
      ASSERT_EQ(store_->append_waiting(ev, 30s), core::AppendStatus::Ok) << store_->failure();
    }
    ASSERT_TRUE(store_->sync_now(10s));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<core::JournalStore> open_store() {
    core::JournalStoreConfig c;
    c.dir = journal_;
    c.engine = EngineHarness::default_config();
    c.segment_bytes = 4096;
    core::JournalRecovery r;
    std::string error;
    auto store = core::JournalStore::open(c, r, error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  Outcome run(const std::string& args) {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd = std::string("'") + SCALPER_REPLAY_BIN + "' " + args + " >'" +
                            out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    Outcome r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::vector<fs::path> segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(journal_)) {
      if (core::parse_segment_file_name(e.path().filename().string())) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_, file_, journal_;
  std::vector<Event> events_;
  std::unique_ptr<core::JournalStore> store_;
};

TEST_F(ReplayDir, ReplaysTheSegmentsAsTheOneFileJournal) {
  ASSERT_GE(segments().size(), 3u);
  for (const char* mode : {"--digest", "--summary", ""}) {
    SCOPED_TRACE(mode);
    const Outcome from_file = run(std::string(mode) + " " + file_.string());
    const Outcome from_dir = run(std::string(mode) + " --journal-dir " + journal_.string());
    EXPECT_EQ(from_file.rc, 0) << from_file.err;
    EXPECT_EQ(from_dir.rc, 0) << from_dir.err;
    EXPECT_EQ(from_dir.out, from_file.out);
    EXPECT_EQ(from_dir.err, "");
    EXPECT_FALSE(from_dir.out.empty());
  }
}

TEST_F(ReplayDir, FromSeqPrintsOnlyWhatTheRecordsFromThereDid) {
  const std::uint64_t from = events_[events_.size() / 2].seq;
  for (const std::string& source :
       std::vector<std::string>{"--journal-dir " + journal_.string(), file_.string()}) {
    SCOPED_TRACE(source);
    const Outcome r = run("--from " + std::to_string(from) + " " + source);
    EXPECT_EQ(r.rc, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
      ASSERT_EQ(line[0], '#') << line;
      EXPECT_GE(std::stoull(line.substr(1)), from) << line;
      ++count;
    }
    EXPECT_GT(count, 0) << "the engine, fed the records before SEQ, acts on those after it";
  }
}

TEST_F(ReplayDir, ASegmentFileReplaysOnItsOwnItsZeroTailIsTheEnd) {
  const Outcome r = run("--quiet " + segments().front().string());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "") << "a pre-sized segment's zeros are its end, not a corrupt length";
}

TEST_F(ReplayDir, SaysWhenTheRecordsAskedForWereReleased) {
  const std::uint64_t second = *core::parse_segment_file_name(segments()[1].filename().string());
  ASSERT_EQ(store_->release_before(second), 1u);
  const Outcome r = run("--quiet --journal-dir " + journal_.string());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("the records before seq " + std::to_string(second) + " were released"),
            std::string::npos)
      << r.err;
}

TEST_F(ReplayDir, StopsWithTheFileAndOffsetOnCorruption) {
  store_.reset();
  const fs::path first = segments().front();
  std::vector<char> bytes;
  {
    std::ifstream in(first, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::size_t at = journal::header_size() + journal::record_size(events_[0]);
  bytes[at + 20] = static_cast<char>(bytes[at + 20] ^ 0x10);
  std::ofstream(first, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const Outcome r = run("--digest --journal-dir " + journal_.string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find(first.string() + " at offset " + std::to_string(at)), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("replayed the 1 records before it"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "no digest of a partial replay";
}

TEST_F(ReplayDir, RefusesBadNewArguments) {
  for (const std::string& args : std::vector<std::string>{
           "--from 0 " + file_.string(), "--from x " + file_.string(), "--from", "--journal-dir",
           file_.string() + " --journal-dir " + journal_.string()}) {
    const Outcome r = run(args);
    EXPECT_EQ(r.rc, 2) << args;
    EXPECT_TRUE(r.out.empty()) << args;
  }
  const Outcome missing = run("--journal-dir " + (dir_ / "nope").string());
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace scalper::testing
