// scalper-dash as an operator sees it: the real binary in a tmux pane of a fixed size, the fake
// core (scalper-dash-fake-core) publishing into a real segment, keys typed with send-keys and
// the screen read with capture-pane. Also --once, without tmux.
//
// Every test has its own tmux server (-L, a unique socket, killed at the end) and its own
// segment name. No sleeps: each check polls capture-pane until the screen shows what it should
// or a deadline passes (then the last screen is printed).
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "scalper/shm/segment.hpp"

namespace scalper::dash::testing {
namespace {

constexpr int kColumns = 140;
constexpr int kRows = 30;

std::string unique(std::string_view what) {
  return "scalper-dash-" + std::string(what) + "-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

class Screen {
 public:
  explicit Screen(std::string text) : text_(std::move(text)) {
    std::istringstream in(text_);
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
  }
  [[nodiscard]] bool has(std::string_view s) const { return text_.find(s) != std::string::npos; }
  // The row showing `s`, or -1.
  [[nodiscard]] int row(std::string_view s) const {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].find(s) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }
  [[nodiscard]] const std::string& line(std::string_view s) const {
    static const std::string none;
    const int r = row(s);
    return r < 0 ? none : lines_[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> lines_;
};

// One tmux server with one session running scalper-dash.
class DashPane {
 public:
  explicit DashPane(const std::string& segment) : socket_(unique("tmux")) {
    const RunResult r = tmux({"new-session", "-d", "-s", "dash", "-x", std::to_string(kColumns),
                              "-y", std::to_string(kRows), SCALPER_DASH_BIN, "--segment", segment,
                              "--interval-ms", "50"});
    started_ = r.rc == 0;
    if (!started_) ADD_FAILURE() << "tmux new-session: " << r.out;
  }
  // kill-server ends the server and the pane's scalper-dash with it (SIGHUP); tmux 3.3 leaves
  // the socket file behind, so it goes too.
  ~DashPane() {
    (void)tmux({"kill-server"});
    const char* dir = std::getenv("TMUX_TMPDIR");
    const std::string path = std::string(dir != nullptr && *dir != 0 ? dir : "/tmp") + "/tmux-" +
                             std::to_string(::getuid()) + "/" + socket_;
    ::unlink(path.c_str());
  }
  DashPane(const DashPane&) = delete;
  DashPane& operator=(const DashPane&) = delete;

  RunResult tmux(std::vector<std::string> args) {
    std::vector<std::string> argv{TMUX_BIN, "-L", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv));
  }

  void keys(std::vector<std::string> keys) {
    std::vector<std::string> args{"send-keys", "-t", "dash"};
    args.insert(args.end(), keys.begin(), keys.end());
    ASSERT_EQ(tmux(std::move(args)).rc, 0);
  }

  Screen capture() { return Screen(tmux({"capture-pane", "-p", "-t", "dash"}).out); }

  // Polls the screen until `ok` holds: true, or false at the deadline with the last screen
  // reported as a test failure.
  bool wait_for(const std::function<bool(const Screen&)>& ok, std::string_view what,
                std::int64_t within_ms = kWaitMs) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    for (;;) {
      const Screen s = capture();
      if (ok(s)) return true;
      if (timing::mono_ms() >= end) {
        ADD_FAILURE() << "screen never showed " << what << ":\n" << s.text();
        return false;
      }
      ::poll(nullptr, 0, 20);  // the pane redraws every 50 ms: nothing to wait on but time
    }
  }
  bool wait_for_text(std::string_view text, std::int64_t within_ms = kWaitMs) {
    return wait_for([text](const Screen& s) { return s.has(text); }, text, within_ms);
  }

  // The session ends when its only pane's process exits.
  bool wait_exited(std::int64_t within_ms = kWaitMs) {
    const std::int64_t end = timing::mono_ms() + within_ms;
    while (timing::mono_ms() < end) {
      if (tmux({"has-session", "-t", "dash"}).rc != 0) return true;
      ::poll(nullptr, 0, 20);
    }
    return false;
  }

  [[nodiscard]] bool started() const { return started_; }

 private:
  std::string socket_;
  bool started_ = false;
};

class FakeCore {
 public:
  FakeCore(const std::string& segment, std::uint64_t epoch)
      : child_({SCALPER_DASH_FAKE_CORE_BIN, segment, std::to_string(epoch)}) {
    ready_ = !child_.wait_for_line("ready epoch " + std::to_string(epoch)).empty();
  }
  // Sends a word and waits for the answer that says it took effect.
  bool tell(std::string_view word, std::string_view answer) {
    return child_.send_line(word) && !child_.wait_for_line(answer).empty();
  }
  // "quit", then reaped: its pid is gone, as a stopped core's is.
  bool quit() { return tell("quit", "bye") && child_.wait_exit() == 0; }
  [[nodiscard]] bool ready() const { return ready_; }

 private:
  Child child_;
  bool ready_ = false;
};

class DashTmux : public ::testing::Test {
 protected:
  void SetUp() override {
    segment_ = unique("seg");
    shm::Segment::remove(segment_);
  }
  void TearDown() override { shm::Segment::remove(segment_); }
  std::string segment_;
};

TEST_F(DashTmux, ShowsTheBotsAndFollowsTheirFigures) {
  FakeCore core(segment_, 1);
  ASSERT_TRUE(core.ready());
  DashPane pane(segment_);
  ASSERT_TRUE(pane.started());
  ASSERT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("ETH/USDT") && s.has("BTC/USDT") && s.has("SOL/USDT") &&
               s.line("ETH/USDT").find("12.5") != std::string::npos;
      },
      "three bot rows"));
  const Screen first = pane.capture();
  EXPECT_TRUE(first.has("epoch 1 | trading")) << first.text();
  EXPECT_NE(first.line("ETH/USDT").find("#101"), std::string::npos) << first.text();
  EXPECT_NE(first.line("BTC/USDT").find("-3.25"), std::string::npos) << first.text();
  EXPECT_TRUE(first.has("journal durable seq 40 | checkpoint seq 32")) << first.text();
  EXPECT_TRUE(first.has("q quit")) << first.text();

  ASSERT_TRUE(core.tell("tick", "ticked 1"));
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        const std::string& eth = s.line("ETH/USDT");
        return eth.find("13.75") != std::string::npos && eth.find("  6  ") != std::string::npos;
      },
      "ETH's PnL 13.75 after one cycle, 6 cycles"));

  ASSERT_TRUE(core.tell("halt", "halted"));
  EXPECT_TRUE(pane.wait_for_text("HALTED: operator pulled the kill switch"));

  pane.keys({"3"});
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        // 99 samples of 2.8 us and one of 41 us: p50 is the floor of 2.8 us's bucket.
        const std::string& tto = s.line("tick-to-order");
        return s.has("[3 health & latency]") && tto.find("100  2.5 us") != std::string::npos &&
               tto.find("41.0 us") != std::string::npos;
      },
      "the health page with tick-to-order p50 2.5 us, max 41.0 us"));
}

TEST_F(DashTmux, SortAndFilterKeys) {
  FakeCore core(segment_, 1);
  ASSERT_TRUE(core.ready());
  DashPane pane(segment_);
  ASSERT_TRUE(pane.started());
  ASSERT_TRUE(pane.wait_for_text("SOL/USDT"));

  pane.keys({"s"});  // ticker: BTC, ETH, SOL
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("sort ticker ascending") && s.row("BTC/USDT") < s.row("ETH/USDT") &&
               s.row("ETH/USDT") < s.row("SOL/USDT");
      },
      "rows by ticker"));
  pane.keys({"s", "s"});  // pnl: BTC -3.25, SOL 0.75, ETH 12.5
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("sort pnl ascending") && s.row("BTC/USDT") < s.row("SOL/USDT") &&
               s.row("SOL/USDT") < s.row("ETH/USDT");
      },
      "rows by pnl"));
  pane.keys({"r"});
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("sort pnl descending") && s.row("ETH/USDT") < s.row("SOL/USDT") &&
               s.row("SOL/USDT") < s.row("BTC/USDT");
      },
      "rows by pnl, reversed"));

  pane.keys({"/", "s", "o", "l"});
  EXPECT_TRUE(pane.wait_for_text("filter: sol_"));
  pane.keys({"Enter"});
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("1 of 3 bots match 'sol'") && s.has("SOL/USDT") && !s.has("ETH/USDT") &&
               !s.has("BTC/USDT");
      },
      "only SOL after the filter"));
  pane.keys({"Escape"});
  EXPECT_TRUE(pane.wait_for([](const Screen& s) { return s.has("3 bots |") && s.has("ETH/USDT"); },
                            "every bot back after Esc"));
}

TEST_F(DashTmux, WaitsForACoreFollowsItsRestartAndItsEnd) {
  DashPane pane(segment_);  // no core yet
  ASSERT_TRUE(pane.started());
  ASSERT_TRUE(pane.wait_for_text("no scalper-core is running on segment " + segment_));

  auto core = std::make_unique<FakeCore>(segment_, 1);
  ASSERT_TRUE(core->ready());
  ASSERT_TRUE(pane.wait_for_text("ETH/USDT"));

  ASSERT_TRUE(core->tell("restart", "ready epoch 2"));
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("core restarted (epoch 2)") && s.has("epoch 2 |") && s.has("ETH/USDT");
      },
      "the re-attached dashboard on epoch 2"));

  ASSERT_TRUE(core->quit());
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("no scalper-core is running on segment") && s.has("left from a core that");
      },
      "the no-core message after the core quit"));

  core = std::make_unique<FakeCore>(segment_, 3);  // it keeps retrying
  ASSERT_TRUE(core->ready());
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) { return s.has("core restarted (epoch 3)") && s.has("SOL/USDT"); },
      "the dashboard back on epoch 3"));

  pane.keys({"q"});
  EXPECT_TRUE(pane.wait_exited()) << pane.capture().text();
}

TEST(DashOnce, NoCoreExitsOneWithTheMessage) {
  const std::string segment = unique("none");
  shm::Segment::remove(segment);
  const RunResult r = run({SCALPER_DASH_BIN, "--once", "--segment", segment});
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("no scalper-core is running on segment " + segment + " ("),
            std::string::npos)
      << r.out;
}

TEST(DashOnce, PrintsTheBotRowsOfARunningCore) {
  const std::string segment = unique("once");
  shm::Segment::remove(segment);
  {
    FakeCore core(segment, 4);
    ASSERT_TRUE(core.ready());
    const RunResult r = run({SCALPER_DASH_BIN, "--once", "--segment", segment});
    EXPECT_EQ(r.rc, 0) << r.out;
    const Screen s(r.out);
    EXPECT_TRUE(s.has("epoch 4 | trading")) << r.out;
    EXPECT_NE(s.line("ETH/USDT").find("12.5"), std::string::npos) << r.out;
    EXPECT_NE(s.line("BTC/USDT").find("-3.25"), std::string::npos) << r.out;
    EXPECT_NE(s.line("SOL/USDT").find("ERROR"), std::string::npos) << r.out;
    EXPECT_TRUE(s.has("USDT")) << r.out;
    EXPECT_NE(s.line("tick-to-order").find("100"), std::string::npos) << r.out;
  }
  shm::Segment::remove(segment);
}

TEST(DashCli, HelpAndBadArguments) {
  const RunResult help = run({SCALPER_DASH_BIN, "--help"});
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("exit status"), std::string::npos) << help.out;
  const RunResult bad = run({SCALPER_DASH_BIN, "--bogus"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.out.find("unknown argument '--bogus'"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace scalper::dash::testing
