// The core's logger: JSON lines that parse back with every field, escaping, the truncation
// marker, the severity filter, the drop counter and its report, producers that allocate
// nothing, many producers without a lost or torn line, and stop() that drains.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc_counter.hpp"
#include "scalper/core/logger.hpp"

namespace scalper::core {
namespace {

using nlohmann::json;

// 2026-12-03T11:30:00.123456789Z
// LoggerOptions' default room per producer.
constexpr std::size_t kRing = 1024;

constexpr std::int64_t kNow = 1'796'297'400'123'456'789;
std::atomic<std::int64_t> g_now{kNow};
std::int64_t test_clock() noexcept { return g_now.load(std::memory_order_relaxed); }

class LoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_now = kNow;
    path_ = (std::filesystem::path(::testing::TempDir()) /
             ("scalper-logger-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log"))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  LoggerOptions options(LogFormat format = LogFormat::Json, std::size_t max_producers = 8) {
    LoggerOptions o;
    std::string why;
    o.fd = open_log_file(path_, why);
    EXPECT_GE(o.fd, 0) << why;
    o.close_fd = true;
    o.format = format;
    o.max_producers = max_producers;
    o.clock = &test_clock;
    o.level = Severity::Debug;
    return o;
  }

  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }
  std::vector<json> json_lines() const {
    std::vector<json> out;
    for (const std::string& l : lines()) out.push_back(json::parse(l));  // strict UTF-8
    return out;
  }

  std::string path_;
};

TEST_F(LoggerTest, JsonLinesCarryEveryField) {
  Logger logger(options());
  LogProducer p = logger.producer();
  logger.start();
  EXPECT_TRUE(p.info("engine", "order placed",
                     {{"bot", std::uint64_t{42}},
                      {"delta", -7},
                      {"price", Decimal::from_raw(300'050'000'000)},
                      {"side", "BUY"},
                      {"live", true},
                      {"note", std::string_view("x")}}));
  EXPECT_TRUE(p.error("feed", "no fields"));
  logger.stop();
  const std::vector<json> got = json_lines();
  ASSERT_EQ(got.size(), 2u);
  const json& j = got[0];
  EXPECT_EQ(j["time"], "2026-12-03T11:30:00.123456Z");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["component"], "engine");
  EXPECT_EQ(j["message"], "order placed");
  EXPECT_EQ(j["fields"]["bot"], 42u);
  EXPECT_TRUE(j["fields"]["bot"].is_number_unsigned());
  EXPECT_EQ(j["fields"]["delta"], -7);
  EXPECT_EQ(j["fields"]["price"], "3000.5");  // money as an exact decimal string
  EXPECT_EQ(j["fields"]["side"], "BUY");
  EXPECT_EQ(j["fields"]["live"], true);
  EXPECT_EQ(j["fields"]["note"], "x");
  // Keys in the order given, the fields object last among the line's keys.
  EXPECT_EQ(lines()[0].rfind(R"({"time":"2026-12-03T11:30:00.123456Z","level":"info",)", 0), 0u);
  EXPECT_EQ(got[1]["level"], "error");
  EXPECT_FALSE(got[1].contains("fields"));
  EXPECT_EQ(logger.written(), 2u);
}

TEST_F(LoggerTest, TimesAreRfc3339UtcWithMicroseconds) {
  Logger logger(options());
  LogProducer p = logger.producer();
  const std::vector<std::pair<std::int64_t, std::string>> cases = {
      {0, "1970-01-01T00:00:00.000000Z"},
      {-1, "1969-12-31T23:59:59.999999Z"},
      {951'782'400'000'001'000, "2000-02-29T00:00:00.000001Z"},
      {4'102'444'799'999'999'999, "2099-12-31T23:59:59.999999Z"},
  };
  for (const auto& [ns, text] : cases) {
    g_now = ns;
    p.info("t", "x");
  }
  logger.stop();
  const std::vector<json> got = json_lines();
  ASSERT_EQ(got.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(got[i]["time"], cases[i].second);
}

TEST_F(LoggerTest, EverythingIsEscapedAndReadsBackExactly) {
  const std::string nasty =
      "quote\" backslash\\ newline\n tab\t cr\r nul-less \x01\x1f del\x7f "
      "utf8: \xE2\x82\xAC \xC3\xBC \xF0\x9D\x84\x9E";
  Logger logger(options());
  LogProducer p = logger.producer();
  p.warn("comp\"\n", nasty, {{"k\"ey\n", nasty.substr(0, 40)}});
  logger.stop();
  const std::vector<std::string> raw = lines();
  ASSERT_EQ(raw.size(), 1u);  // the newlines inside did not split the line
  const json j = json::parse(raw[0]);
  EXPECT_EQ(j["message"], nasty);
  EXPECT_EQ(j["component"], "comp\"\n");
  EXPECT_EQ(j["fields"]["k\"ey\n"], nasty.substr(0, 40));
  EXPECT_NE(raw[0].find("\\u0001"), std::string::npos);
  EXPECT_NE(raw[0].find("\xE2\x82\xAC"), std::string::npos);  // UTF-8 kept as is
}

TEST_F(LoggerTest, InvalidUtf8BecomesReplacementCharactersNotALostLine) {
  Logger logger(options());
  LogProducer p = logger.producer();
  p.info("c", "bad \xC3( byte");
  logger.stop();
  const std::vector<json> got = json_lines();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["message"], "bad \xEF\xBF\xBD( byte");
}

TEST_F(LoggerTest, TextLinesAreOneLineEach) {
  Logger logger(options(LogFormat::Text));
  LogProducer p = logger.producer();
  p.info("engine", "order placed",
         {{"bot", 7}, {"px", Decimal::from_units(3000)}, {"why", "two words"}, {"empty", ""}});
  p.error("feed", "line\nbreak\\", {{"q", "a\"b"}});
  logger.stop();
  const std::vector<std::string> got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0],
            "2026-12-03T11:30:00.123456Z INFO engine: order placed bot=7 px=3000.0 "
            "why=\"two words\" empty=\"\"");
  EXPECT_EQ(got[1], "2026-12-03T11:30:00.123456Z ERROR feed: line\\nbreak\\\\ q=\"a\\\"b\"");
}

TEST_F(LoggerTest, LongTextIsCutWithTheMarkerAtACharacterBoundary) {
  const std::string marker(kLogTruncationMarker);
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xC3\xA9";  // 300 bytes of two-byte characters
  Logger logger(options());
  LogProducer p = logger.producer();
  p.info("a-very-long-component-name", std::string(300, 'm'),
         {{"k", std::string(100, 'v')}, {std::string(40, 'K'), "x"}});
  p.info("c", accents);
  p.info("c", std::string(kLogMessageMax, 'f'));  // exactly at capacity: not cut
  p.info("c", "fields",
         {{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}, {"f", 6}, {"g", 7}, {"h", 8}});
  logger.stop();
  const std::vector<json> got = json_lines();  // parses: still valid UTF-8
  ASSERT_EQ(got.size(), 4u);
  const std::string message = got[0]["message"];
  EXPECT_EQ(message.size(), kLogMessageMax);
  EXPECT_EQ(message, std::string(kLogMessageMax - marker.size(), 'm') + marker);
  const std::string component = got[0]["component"];
  EXPECT_EQ(component, "a-very-long-" + marker);
  EXPECT_EQ(component.size(), kLogComponentMax);
  EXPECT_EQ(got[0]["fields"]["k"], std::string(kLogValueMax - marker.size(), 'v') + marker);
  EXPECT_TRUE(got[0]["fields"].contains(std::string(kLogKeyMax - marker.size(), 'K') + marker));
  const std::string cut = got[1]["message"];
  EXPECT_LE(cut.size(), kLogMessageMax);
  EXPECT_EQ(cut.substr(cut.size() - marker.size()), marker);
  EXPECT_EQ(cut.substr(0, cut.size() - marker.size()),
            accents.substr(0, cut.size() - marker.size()));
  EXPECT_EQ(got[2]["message"], std::string(kLogMessageMax, 'f'));
  EXPECT_EQ(got[3]["fields"].size(), kLogFieldsMax);
  EXPECT_EQ(got[3]["fields_omitted"], 2);
}

TEST_F(LoggerTest, TheSeverityFilterActsAtTheProducer) {
  LoggerOptions o = options();
  o.level = Severity::Warn;
  Logger logger(o);
  LogProducer p = logger.producer();
  EXPECT_FALSE(p.enabled(Severity::Info));
  EXPECT_FALSE(p.debug("c", "debug"));
  EXPECT_FALSE(p.info("c", "info"));
  EXPECT_TRUE(p.warn("c", "warn"));
  EXPECT_TRUE(p.error("c", "error"));
  logger.set_level(Severity::Debug);
  EXPECT_TRUE(p.debug("c", "debug again"));
  logger.stop();
  const std::vector<json> got = json_lines();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]["message"], "warn");
  EXPECT_EQ(got[1]["message"], "error");
  EXPECT_EQ(got[2]["message"], "debug again");
  EXPECT_EQ(logger.dropped(), 0u);  // filtered is not dropped
}

TEST_F(LoggerTest, AFullQueueDropsCountsAndReportsInTheNextLine) {
  Logger logger(options());
  LogProducer p = logger.producer();
  // The thread is not started: nothing drains. Fill until the ring refuses.
  int accepted = 0;
  while (p.info("c", "kept", {{"n", accepted}})) {
    ++accepted;
    ASSERT_LT(accepted, 100'000) << "the ring never filled";
  }
  EXPECT_EQ(static_cast<std::size_t>(accepted), kRing);
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(p.info("c", "lost"));
  EXPECT_EQ(logger.dropped(), 10u);
  logger.start();
  logger.stop();
  const std::vector<json> got = json_lines();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(accepted) + 1);
  EXPECT_EQ(got[0]["component"], "logger");
  EXPECT_EQ(got[0]["level"], "warn");
  EXPECT_EQ(got[0]["fields"]["dropped"], 10u);
  for (int i = 0; i < accepted; ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i) + 1]["fields"]["n"], i);
  }
  for (const json& j : got) EXPECT_NE(j["message"], "lost");
}

TEST_F(LoggerTest, AProducerAllocatesNothingFromTakingItsRingOn) {
  Logger logger(options());
  logger.start();
  std::uint64_t allocations = ~0ull;
  int enqueued = 0;
  std::thread producer_thread([&] {
    // Counted from before the producer is taken: the rings were reserved by the constructor.
    const std::uint64_t before = scalper::testing::thread_allocation_count();
    LogProducer p = logger.producer();
    for (int i = 0; i < 100; ++i) p.info("warm", "up", {{"i", i}});
    for (int i = 0; i < 20'000; ++i) {
      enqueued += p.log(i % 2 == 0 ? Severity::Info : Severity::Debug, "engine",
                        "order placed at a price that is long enough to matter",
                        {{"bot", i},
                         {"price", Decimal::from_raw(300'050'000'000)},
                         {"side", "BUY"},
                         {"ok", true},
                         {"text", "abc"}})
                      ? 1
                      : 0;
    }
    allocations = scalper::testing::thread_allocation_count() - before;
  });
  producer_thread.join();
  logger.stop();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(enqueued, 0);
  EXPECT_EQ(static_cast<std::uint64_t>(enqueued) + logger.dropped(),
            20'000u);  // warm-up lines never drop
}

TEST_F(LoggerTest, ManyProducersEveryLineArrivesIntactExactlyOnce) {
  // Each thread stays within its own room, so not one line may be dropped however slowly the
  // logger thread runs.
  constexpr int kThreads = 8;
  constexpr int kLines = static_cast<int>(kRing) - 24;
  Logger logger(options(LogFormat::Json, kThreads));
  logger.start();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      LogProducer p = logger.producer();
      const std::string payload(static_cast<std::size_t>(50 + t), static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i) {
        EXPECT_TRUE(p.info("t" + std::to_string(t), payload, {{"thread", t}, {"seq", i}}));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  logger.stop();
  EXPECT_EQ(logger.dropped(), 0u);
  const std::vector<json> got = json_lines();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  for (const json& j : got) {
    ASSERT_TRUE(j.contains("fields") && j["fields"].contains("thread")) << j.dump();
    const int t = j["fields"]["thread"];
    const int seq = j["fields"]["seq"];
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(seq, next[static_cast<std::size_t>(t)]) << "thread " << t;  // in order, once
    next[static_cast<std::size_t>(t)] = seq + 1;
    EXPECT_EQ(j["component"], "t" + std::to_string(t));
    EXPECT_EQ(j["message"],
              std::string(static_cast<std::size_t>(50 + t), static_cast<char>('a' + t)));
  }
  for (int n : next) EXPECT_EQ(n, kLines);
}

TEST_F(LoggerTest, StopDrainsEverythingQueuedBeforeIt) {
  Logger logger(options(LogFormat::Text));
  LogProducer p = logger.producer();
  logger.start();
  for (int i = 0; i < 1'000; ++i) ASSERT_TRUE(p.info("c", "line", {{"i", i}}));
  logger.stop();
  EXPECT_EQ(lines().size(), 1'000u);
  EXPECT_EQ(lines().back(), "2026-12-03T11:30:00.123456Z INFO c: line i=999");
  logger.stop();  // idempotent
  EXPECT_EQ(logger.written(), 1'000u);
}

TEST_F(LoggerTest, StopWithoutStartStillWrites) {
  {
    Logger logger(options());
    LogProducer p = logger.producer();
    p.info("c", "before any thread");
  }  // the destructor stops
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_EQ(json::parse(lines()[0])["message"], "before any thread");
}

TEST_F(LoggerTest, AnIdleLoggerWritesWithoutWaitingForStop) {
  Logger logger(options());
  LogProducer p = logger.producer();
  logger.start();
  p.info("c", "soon");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (lines().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(lines().size(), 1u);
  logger.stop();
}

TEST_F(LoggerTest, ProducersBeyondTheReservedNumberAreRefusedUntilOneIsGivenBack) {
  Logger logger(options(LogFormat::Json, 2));
  std::optional<LogProducer> first(logger.producer());
  LogProducer second = logger.producer();
  EXPECT_THROW((void)logger.producer(), std::length_error);
  first.reset();
  LogProducer third = logger.producer();  // the first's ring, given back
  EXPECT_TRUE(third.info("c", "third"));
  LogProducer moved = std::move(second);
  EXPECT_FALSE(second.info("c", "moved-from"));  // NOLINT(bugprone-use-after-move): on purpose
  EXPECT_TRUE(moved.info("c", "moved"));
  logger.stop();
  EXPECT_EQ(lines().size(), 2u);
}

TEST(LogFile, OpenLogFileAppendsAndNamesAFailure) {
  std::string why;
  EXPECT_EQ(open_log_file("/nonexistent/dir/core.log", why), -1);
  EXPECT_EQ(why,
            "/nonexistent/dir/core.log: cannot open for appending (No such file or directory)");
}

}  // namespace
}  // namespace scalper::core
