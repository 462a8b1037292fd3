// scalper-replay as a user runs it: exit codes, messages and output on real journal files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios.hpp"

namespace scalper::testing {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int rc = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("scalper-replay-") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Arguments are passed through the shell: the tests keep them free of quotes.
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

  std::string write(const std::string& name, const std::vector<std::byte>& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return p.string();
  }

  // Two bots: one cycles once, the other is deleted.
  static std::vector<std::byte> two_bot_journal(std::size_t* record_count = nullptr) {
    EngineHarness h;
    const BotId eth = h.create_bot(EventFactory::params("ETH/USDT"));
    h.fill_and_accept_next(eth, "3900", "0.0195");
    h.fill_and_accept_next(eth, "3950", "0.0198");
    const BotId sol = h.create_bot(EventFactory::params("SOL/USDT", Side::Buy, "1", "180", "185"));
    const OrderId sol_order = h.live_order(sol);
    h.step(h.events().remove(sol));
    h.cancelled_on_exchange(sol_order);  // the delete completes once the cancel is confirmed
    if (record_count != nullptr) *record_count = h.journal().size();
    return encode_journal(EngineHarness::default_config(), h.journal());
  }

  fs::path dir_;
};

TEST_F(ReplayCli, PrintsUsageAndSucceedsWithHelp) {
  const Outcome r = run("--help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("usage: scalper-replay"), std::string::npos);
  EXPECT_TRUE(r.err.empty());
}

TEST_F(ReplayCli, PrintsUsageOnStderrAndExitsTwoOnBadArguments) {
  for (const char* args : {"", "--frobnicate x.jrnl", "a.jrnl b.jrnl"}) {
    const Outcome r = run(args);
    EXPECT_EQ(r.rc, 2) << args;
    EXPECT_NE(r.err.find("usage: scalper-replay"), std::string::npos) << args;
    EXPECT_TRUE(r.out.empty()) << args;
  }
}

TEST_F(ReplayCli, FailsOnAMissingFile) {
  const Outcome r = run((dir_ / "nope.jrnl").string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
}

TEST_F(ReplayCli, FailsOnAFileThatIsNotAJournal) {
  const std::string text = "this is not a journal, it is a text file of some length\n";
  std::vector<std::byte> bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  const Outcome r = run(write("text.jrnl", bytes));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("bad magic"), std::string::npos) << r.err;
  EXPECT_EQ(run(write("empty.jrnl", {})).rc, 1);
}

TEST_F(ReplayCli, PrintsTheGoldenDigestOfEverySampleJournal) {
  std::ifstream golden(std::string(SCALPER_TEST_DATA_DIR) + "/journals/digests.txt");
  std::string line;
  int checked = 0;
  while (std::getline(golden, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, digest, count;
    fields >> name >> digest >> count;
    const Outcome r =
        run(std::string(SCALPER_TEST_DATA_DIR) + "/journals/" + name + ".jrnl --digest");
    EXPECT_EQ(r.rc, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, digest + " " + count + "\n") << name;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(ReplayCli, PrintsOneLinePerActionPrefixedWithTheEventSeq) {
  const Outcome r = run(write("two.jrnl", two_bot_journal()));
  ASSERT_EQ(r.rc, 0) << r.err;
  // Order ids are the engine's to choose; the rest of the line is fixed. (No std::regex: GCC 12
  // reports a false maybe-uninitialized inside <regex> under the sanitizers.)
  const std::size_t place = r.out.find(" PLACE order=");
  ASSERT_NE(place, std::string::npos) << r.out;
  const std::size_t line_end = r.out.find('\n', place);
  const std::string line = r.out.substr(place, line_end - place);
  const std::size_t bot = line.find(" bot=1 BUY 0.01 ETH/USDT @ 3900.0 lev=3 CoinDCX F");
  EXPECT_NE(bot, std::string::npos) << line;
  EXPECT_EQ(bot + std::string_view(" bot=1 BUY 0.01 ETH/USDT @ 3900.0 lev=3 CoinDCX F").size(),
            line.size())
      << line;
  EXPECT_EQ(line.find_first_not_of("0123456789", std::string_view(" PLACE order=").size()), bot)
      << line;
  EXPECT_NE(r.out.find(" LOG SUCCESS bot=1 Bot started and buy order placed at $3900.0\n"),
            std::string::npos);
  EXPECT_NE(r.out.find(" BOT-DELETED bot=2\n"), std::string::npos);
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);) EXPECT_EQ(l[0], '#') << l;
  EXPECT_EQ(run(write("two.jrnl", two_bot_journal()) + " --quiet").out, "");
}

TEST_F(ReplayCli, SummarisesLiveAndDeletedBots) {
  const Outcome r = run("--quiet --summary " + write("two.jrnl", two_bot_journal()));
  ASSERT_EQ(r.rc, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> rows;
  for (std::string l; std::getline(lines, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_NE(rows[0].find("TICKER"), std::string::npos);
  EXPECT_NE(rows[1].find("ETH/USDT"), std::string::npos);
  EXPECT_NE(rows[1].find("ACTIVE"), std::string::npos);
  EXPECT_NE(rows[2].find("SOL/USDT"), std::string::npos);
  EXPECT_NE(rows[2].find("DELETED"), std::string::npos);
  // Numbers are right-aligned, so every row ends in the same column.
  EXPECT_EQ(rows[1].size(), rows[0].size()) << r.out;
  EXPECT_EQ(rows[2].size(), rows[0].size()) << r.out;
  EXPECT_NE(rows[3].find("2 bot(s): 4 orders placed, 2 fills, 1 cycles"), std::string::npos)
      << rows[3];
}

TEST_F(ReplayCli, WarnsAndSucceedsOnATornLastRecord) {
  std::size_t records = 0;
  std::vector<std::byte> bytes = two_bot_journal(&records);
  bytes.resize(bytes.size() - 5);
  const Outcome r = run("--digest " + write("torn.jrnl", bytes));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("journal ends in a torn record at offset"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("replayed " + std::to_string(records - 1) + " records"), std::string::npos)
      << r.err;
  ASSERT_GT(r.out.size(), 18u);
  EXPECT_EQ(r.out[16], ' ') << "the digest of the records before the torn one: " << r.out;
}

TEST_F(ReplayCli, TreatsABadChecksumOnTheLastRecordAsTorn) {
  std::vector<std::byte> bytes = two_bot_journal();
  bytes.back() ^= std::byte{0x40};
  const Outcome r = run("--quiet " + write("lastbad.jrnl", bytes));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("torn record"), std::string::npos) << r.err;
}

TEST_F(ReplayCli, StopsWithTheOffsetOnCorruptionMidFile) {
  std::vector<std::byte> bytes = two_bot_journal();
  const std::size_t at = journal::header_size();  // the first record
  bytes[at + 12] ^= std::byte{0x01};
  const Outcome r = run("--digest " + write("corrupt.jrnl", bytes));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("corrupt journal at offset " + std::to_string(at)), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "") << "no digest of a partial replay";
}

TEST_F(ReplayCli, FailsWhenTheEngineRefusesASequenceNumber) {
  EventFactory f;
  std::vector<Event> events = {f.connected(), f.create(EventFactory::params())};
  events[1].seq = events[0].seq;
  const Outcome r = run("--quiet " + write("seq.jrnl", encode_journal(EngineConfig{}, events)));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("sequence number"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace scalper::testing
