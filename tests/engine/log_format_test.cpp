// Every activity-log text, one row per LogKind: the original's (docs/architecture.md §3,
// decision 9) to the letter, and ours. A new LogKind fails the coverage check until it has a
// row here.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine_harness.hpp"

namespace scalper::testing {
namespace {

struct Row {
  LogKind kind;
  void (*fill)(ActivityLog&);
  const char* text;
};

void buy_at_3900(ActivityLog& l) {
  l.side = Side::Buy;
  l.a = dec("3900");
}
void sell_at_3950_5(ActivityLog& l) {
  l.side = Side::Sell;
  l.a = dec("3950.5");
}
void reason(ActivityLog& l) {
  l.side = Side::Sell;
  l.text = ReasonText::truncated("Insufficient margin");
}

const Row kRows[] = {
    // ---- the original's texts (docs/architecture.md §3, decision 9) ----
    {LogKind::CreatePlaced, buy_at_3900, "Bot started and buy order placed at $3900.0"},
    {LogKind::StartPlaced, sell_at_3950_5, "Bot started and SELL order placed at $3950.5"},
    {LogKind::StartConfigError, reason, "Failed to start bot: Insufficient margin"},
    {LogKind::PlaceFailed, reason, "Failed to place order: Insufficient margin"},
    {LogKind::Stopped, [](ActivityLog& l) { l.n = 2; },
     "Bot stopped and 2 pending order(s) cancelled"},
    {LogKind::ToggledActive, [](ActivityLog&) {}, "Bot active for ETH/USDT"},
    {LogKind::ToggledStopped, [](ActivityLog&) {}, "Bot stopped for ETH/USDT"},
    {LogKind::UpdatedInactive, [](ActivityLog& l) { l.status = BotStatus::Error; },
     "Bot configuration updated (bot is ERROR)"},
    {LogKind::UpdateCancelled, [](ActivityLog& l) { l.n = 1; }, "1 pending order(s) cancelled"},
    {LogKind::UpdatePlaced, sell_at_3950_5, "New sell order placed at $3950.5"},
    {LogKind::UpdateFailed, reason, "Failed to update orders on exchange: Insufficient margin"},
    {LogKind::Deleted, [](ActivityLog& l) { l.n = 1; },
     "Bot deleted for ETH/USDT (1 orders cancelled)"},
    {LogKind::EmergencyStop, [](ActivityLog&) {}, "Emergency stop - All bots stopped"},
    {LogKind::Filled, buy_at_3900, "BUY order filled at $3900.0"},
    {LogKind::OppositePlaced, sell_at_3950_5,
     "SELL order placed at $3950.5 (opposite of filled order)"},
    {LogKind::OppositeFailed, reason, "Failed to place opposite SELL order: Insufficient margin"},
    {LogKind::CycleCompleted,
     [](ActivityLog& l) {
       l.a = dec("0.4708");
       l.b = dec("-12.345");
     },
     "Trading cycle completed! PnL: $0.47 | Total PnL: $-12.35"},
    {LogKind::SystemCancelled, [](ActivityLog& l) { l.reason = CancelReason::Update; },
     "Order cancelled for update operation"},
    {LogKind::AutoStopped, buy_at_3900,
     "Bot stopped automatically - BUY order cancelled on exchange"},
    // ---- ours ----
    {LogKind::UpdateActive, [](ActivityLog&) {},
     "Bot configuration updated (no order change needed)"},
    {LogKind::LoopFinished, [](ActivityLog&) {},
     "Cycle completed and infinite loop is off: bot stopped"},
    {LogKind::Rejected, reason, "SELL order rejected by exchange: Insufficient margin"},
    {LogKind::FilledWhileInactive,
     [](ActivityLog& l) {
       buy_at_3900(l);
       l.status = BotStatus::Stopped;
     },
     "BUY order filled at $3900.0 while bot is STOPPED: no new order placed"},
    {LogKind::PartialFill,
     [](ActivityLog& l) {
       l.a = dec("0.004");
       l.b = dec("0.01");
     },
     "BUY order partially filled: 0.004 of 0.01"},
    {LogKind::PlaceRetrying,
     [](ActivityLog& l) {
       l.text = ReasonText::truncated("HTTP 503");
       l.n = 2;
       l.m = 400;
     },
     "Placing BUY order failed (HTTP 503); retry 2 in 400 ms"},
    {LogKind::OutcomeUnknown, buy_at_3900,
     "No answer placing BUY order at $3900.0; checking open orders"},
    {LogKind::CancelFailed, reason,
     "Could not cancel SELL order: Insufficient margin; checking open orders"},
    {LogKind::PositionLeftOpen, [](ActivityLog& l) { l.a = dec("-0.01"); },
     "Open position of -0.01 left on ETH/USDT"},
    {LogKind::StreamDown, [](ActivityLog&) {},
     "CoinDCX F stream disconnected; new orders held until reconciled"},
    {LogKind::Reconciled,
     [](ActivityLog& l) {
       l.n = 3;
       l.m = 1;
     },
     "CoinDCX F stream reconciled: 3 order(s) listed, 1 resolved"},
    {LogKind::InconsistentUpdate, reason,
     "Ignored inconsistent SELL order update: Insufficient margin"},
    {LogKind::OrderAdopted, buy_at_3900, "BUY order found live on exchange after unknown outcome"},
    {LogKind::NotPlaced, buy_at_3900, "BUY order was not placed; placing it again"},
    {LogKind::NotListed, sell_at_3950_5,
     "SELL order no longer listed on exchange: treated as cancelled"},
    {LogKind::PnlOutOfRange, [](ActivityLog& l) { l.a = dec("5"); },
     "Cycle PnL 5.0 would take the total PnL out of range: bot set to ERROR"},
    {LogKind::Recovered,
     [](ActivityLog& l) {
       l.n = 2;
       l.m = 1;
     },
     "Engine recovered after restart: 2 placement(s) and 1 cancel(s) in flight, to be settled "
     "by listing; new orders wait for reconciliation"},
    {LogKind::Halted,
     [](ActivityLog& l) {
       l.n = 3;
       l.m = 2;
       l.text = ReasonText::truncated("risk limit");
     },
     "Trading halted (risk limit): 3 bot(s) stopped and 2 order(s) cancelled; no order goes out "
     "until resumed"},
    {LogKind::Resumed, [](ActivityLog&) {}, "Trading resumed: bots stay stopped until started"},
};

TEST(LogFormat, EveryKindHasItsText) {
  std::set<LogKind> covered;
  for (const Row& row : kRows) {
    ActivityLog l;
    l.kind = row.kind;
    l.ticker = sym("ETH/USDT");
    row.fill(l);
    EXPECT_EQ(text_of(l), row.text) << "kind " << static_cast<int>(row.kind);
    covered.insert(row.kind);
  }
  EXPECT_EQ(covered.size(), kLogKindCount) << "a LogKind has no row in this table";
}

TEST(LogFormat, StopVariantsOfTheOriginal) {
  ActivityLog l;
  l.kind = LogKind::Stopped;
  EXPECT_EQ(text_of(l), "Bot stopped (no pending orders)");
  l.n = 1;
  l.m = 1;
  EXPECT_EQ(text_of(l), "Bot stopped and 1 pending order(s) cancelled (1 failed)");
  l.n = 0;
  l.m = 2;
  EXPECT_EQ(text_of(l), "Bot stopped (2 order(s) could not be cancelled)");
  l.kind = LogKind::Deleted;
  l.ticker = sym("BTC/USDT");
  l.n = 0;
  EXPECT_EQ(text_of(l), "Bot deleted for BTC/USDT");
}

TEST(LogFormat, PnlRoundsHalfAwayFromZeroToCents) {
  ActivityLog l;
  l.kind = LogKind::CycleCompleted;
  l.a = dec("0.005");
  l.b = dec("-0.005");
  EXPECT_EQ(text_of(l), "Trading cycle completed! PnL: $0.01 | Total PnL: $-0.01");
  l.a = dec("-0.004");
  l.b = dec("1234567.891");
  EXPECT_EQ(text_of(l), "Trading cycle completed! PnL: $0.00 | Total PnL: $1234567.89");
}

TEST(LogFormat, LongestReasonStaysWithinTheBuffer) {
  ActivityLog l;
  l.kind = LogKind::PlaceRetrying;
  l.text = ReasonText::truncated(std::string(200, 'x'));
  l.n = ~0u;
  l.m = ~0u;
  char buf[kLogTextMax];
  const std::size_t n = format_log(l, buf);
  EXPECT_LE(n, kLogTextMax);
  EXPECT_NE(std::string(buf, n).find(std::string(ReasonText::kCapacity, 'x')), std::string::npos);
}

}  // namespace
}  // namespace scalper::testing
