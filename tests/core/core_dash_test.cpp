// scalper-dash against the real scalper-core: the dashboard in a tmux pane (dash_pane.hpp),
// the core trading its three demo bots against scalper-sim's random walk. The rows appear with
// the bots' prices; their PnL and cycles on screen follow what the core publishes as the walk
// fills orders; a stopped core is said plainly and a restarted one is followed on its new
// epoch. Every wait is bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "core_rig.hpp"
#include "dash_pane.hpp"
#include "scalper/engine/decimal.hpp"

namespace scalper::core::testing {
namespace {

using dash::testing::DashPane;
using dash::testing::Screen;

std::string pane_socket() {
  return "scalper-core-dash-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

std::string text(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

// The screen's row for `bot` (found by its buy price, which is unique among the demo bots)
// shows the PnL and cycles the core publishes for it right now.
bool row_matches_core(const Screen& s, const BotRecord& bot) {
  const std::string& row = s.line(" " + text(bot.buy_price) + " ");
  return !row.empty() && row.find(" " + text(bot.pnl) + " ") != std::string::npos &&
         row.find(" " + std::to_string(bot.total_trades) + " ") != std::string::npos;
}

TEST(CoreDash, FollowsTheRealCoresBotsThroughFillsAndARestart) {
  CoreRig rig(default_bots(), {"--walk-interval-ms", "60"});
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  DashPane pane(rig.shm_name(), pane_socket());
  ASSERT_TRUE(pane.started());
  ASSERT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("| trading") && s.has("3 bots |") && s.line("BTC/USDT").find("ACTIVE") !=
                                                                 std::string::npos;
      },
      "the three demo bots of a trading core"));

  // The walk fills orders: the screen follows the core's figures until a cycle is done.
  std::uint32_t cycles_seen = 0;
  ASSERT_TRUE(pane.wait_for(
      [&](const Screen& s) {
        const auto bots = rig.core_bots();
        std::uint32_t cycles = 0;
        bool all = bots.size() == 3;
        for (const auto& [id, bot] : bots) {
          cycles += bot.total_trades;
          all = all && row_matches_core(s, bot);
        }
        cycles_seen = cycles;
        return all && cycles >= 1;
      },
      "every row showing the core's PnL and cycles, after a completed cycle", 60'000))
      << "cycles: " << cycles_seen << "\n"
      << rig.read_log();

  // Stopped: said plainly. Started again: followed on the new epoch, rows back.
  ASSERT_EQ(rig.stop_core(), 0) << rig.read_log();
  ASSERT_TRUE(pane.wait_for_text("no scalper-core is running on segment " + rig.shm_name()));
  rig.start_core();
  ASSERT_TRUE(rig.wait_trading()) << rig.read_log();
  EXPECT_TRUE(pane.wait_for(
      [](const Screen& s) {
        return s.has("core restarted (epoch") && s.has("| trading") && s.has("3 bots |");
      },
      "the dashboard back on the restarted core"));
  pane.keys({"q"});
  EXPECT_TRUE(pane.wait_exited()) << pane.capture().text();
}

}  // namespace
}  // namespace scalper::core::testing
