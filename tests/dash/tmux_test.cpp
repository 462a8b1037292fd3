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
#include "dash_pane.hpp"
#include "scalper/shm/segment.hpp"

namespace scalper::dash::testing {
namespace {

std::string unique(std::string_view what) {
  return "scalper-dash-" + std::string(what) + "-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

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
  DashPane pane(segment_, unique("tmux"));
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
  DashPane pane(segment_, unique("tmux"));
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
  DashPane pane(segment_, unique("tmux"));  // no core yet
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
