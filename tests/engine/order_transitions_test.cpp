// The order state machine as a table: every (our status × exchange status) pair, checked
// against the expected next status. Adding a status or an exchange status makes this fail
// until the table says what the new pair does.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "engine_harness.hpp"

namespace scalper::testing {
namespace {

using S = OrderStatus;
using X = ExchangeStatus;

// Brings a fresh bot's entry order into `status` and returns it.
OrderId order_in(EngineHarness& h, BotId& bot, S status) {
  bot = h.create_bot(EventFactory::params(), status != S::PendingNew && status != S::Unknown);
  OrderId id = h.live_order(bot);
  switch (status) {
    case S::PendingNew: break;
    case S::Unknown: h.step(h.events().outcome_unknown(id)); break;
    case S::Open: break;
    case S::PartiallyFilled: h.send(h.report(id, X::PartiallyFilled, "0.004")); break;
    case S::PendingCancel: h.step(h.events().stop(bot)); break;
    case S::Filled: h.fill(id); break;
    case S::Cancelled:
      h.step(h.events().stop(bot));
      h.cancelled_on_exchange(id);
      break;
    case S::Rejected: h.send(h.report(id, X::Rejected, "0")); break;
  }
  EXPECT_EQ(h.order(id).status, status);
  return id;
}

// Expected status after a report with `filled` = the order's full quantity for Filled and
// 0.005 for the partial kinds. Rows: our status; columns: the exchange status, in enum order
// Initial, Open, PartiallyFilled, Filled, PartiallyCancelled, Cancelled, Rejected, Untriggered.
constexpr std::array<std::array<S, kExchangeStatusCount>, kOrderStatusCount> kExpected = {{
    // PendingNew: no exchange id yet, so the report is held until the REST answer names it.
    {S::PendingNew, S::PendingNew, S::PendingNew, S::PendingNew, S::PendingNew, S::PendingNew,
     S::PendingNew, S::PendingNew},
    // Unknown: a report that matches it (venue, symbol, side, price, qty) adopts it.
    {S::Open, S::Open, S::PartiallyFilled, S::Filled, S::Cancelled, S::Cancelled, S::Unknown,
     S::Open},
    // Open
    {S::Open, S::Open, S::PartiallyFilled, S::Filled, S::Cancelled, S::Cancelled, S::Rejected,
     S::Open},
    // PartiallyFilled (0.004 of 0.01 filled)
    {S::PartiallyFilled, S::PartiallyFilled, S::PartiallyFilled, S::Filled, S::Cancelled,
     S::Cancelled, S::Rejected, S::PartiallyFilled},
    // PendingCancel: a fill can still win the race with our cancel (decision 12).
    {S::PendingCancel, S::PendingCancel, S::PendingCancel, S::Filled, S::Cancelled, S::Cancelled,
     S::Rejected, S::PendingCancel},
    // Terminal states never change.
    {S::Filled, S::Filled, S::Filled, S::Filled, S::Filled, S::Filled, S::Filled, S::Filled},
    {S::Cancelled, S::Cancelled, S::Cancelled, S::Cancelled, S::Cancelled, S::Cancelled,
     S::Cancelled, S::Cancelled},
    {S::Rejected, S::Rejected, S::Rejected, S::Rejected, S::Rejected, S::Rejected, S::Rejected,
     S::Rejected},
}};

TEST(OrderTransitions, EveryStatusAgainstEveryExchangeStatus) {
  for (std::size_t from = 0; from < kOrderStatusCount; ++from) {
    for (std::size_t x = 0; x < kExchangeStatusCount; ++x) {
      const S status = static_cast<S>(from);
      const X reported = static_cast<X>(x);
      SCOPED_TRACE(std::string(label(status)) + " + " + std::string(label(reported)));
      EngineHarness h;
      BotId bot;
      const OrderId id = order_in(h, bot, status);
      const bool partial = reported == X::PartiallyFilled || reported == X::PartiallyCancelled;
      const std::string_view filled = reported == X::Filled ? "0.01" : partial ? "0.005" : "0";
      h.send(h.report(id, reported, filled));
      EXPECT_EQ(h.order(id).status, kExpected[from][x]);
    }
  }
}

TEST(OrderTransitions, HeldReportForPendingOrderAppliesOnAcceptance) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params(), /*accept=*/false);
  const OrderId id = h.live_order(bot);
  // The stream reports the fill before the REST response names the id.
  h.send(EventFactory::report(EngineHarness::exchange_id_of(id), X::Filled, Side::Buy, "3900",
                              "0.01", "0.01", "3900"));
  EXPECT_EQ(h.engine().counters().early_updates, 1u);
  EXPECT_EQ(h.order(id).status, S::PendingNew);
  h.accept(id);
  EXPECT_EQ(h.order(id).status, S::Filled);
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
}

TEST(OrderTransitions, HeldReportsApplyInArrivalOrderAfterMuchNoise) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params(), /*accept=*/false);
  const OrderId id = h.live_order(bot);
  // Reports of orders that are not ours (or long settled) fill most of the ring first.
  for (int i = 0; i < 200; ++i) {
    h.send(EventFactory::report("noise-" + std::to_string(i), X::Filled, Side::Buy, "3900", "0.01",
                                "0.01"));
  }
  const std::string ours = EngineHarness::exchange_id_of(id);
  h.send(EventFactory::report(ours, X::PartiallyFilled, Side::Buy, "3900", "0.01", "0.004"));
  h.send(EventFactory::report("noise-x", X::Open, Side::Sell, "3950", "0.01", "0"));
  h.send(EventFactory::report(ours, X::Filled, Side::Buy, "3900", "0.01", "0.01"));
  h.accept(id);
  const auto fills = all_of<FillApplied>(h.last());
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].quantity, dec("0.004"));
  EXPECT_EQ(fills[1].quantity, dec("0.006"));
  EXPECT_EQ(h.order(id).status, S::Filled);
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
}

TEST(OrderTransitions, OlderReportAfterNewerAddsNothing) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId id = h.live_order(bot);
  h.send(h.report(id, X::PartiallyFilled, "0.006"));
  h.send(h.report(id, X::PartiallyFilled, "0.004"));  // reordered on the way
  EXPECT_EQ(h.order(id).filled_qty, dec("0.006"));
  EXPECT_EQ(h.bot(bot).position, dec("0.006"));
  EXPECT_TRUE(all_of<FillApplied>(h.last()).empty());
}

TEST(OrderTransitions, OverfillReportIsIgnoredWithAnError) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId id = h.live_order(bot);
  h.send(h.report(id, X::PartiallyFilled, "0.02"));
  EXPECT_EQ(h.order(id).filled_qty, Decimal{});
  const auto logs = all_of<ActivityLog>(h.last());
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, LogLevel::Error);
  EXPECT_EQ(text_of(logs[0]),
            "Ignored inconsistent BUY order update: filled quantity exceeds the order's");
}

TEST(OrderTransitions, ReportForAnotherClientsOrderIsCountedAndIgnored) {
  EngineHarness h;
  h.create_bot(EventFactory::params());
  h.send(EventFactory::report("not-ours", X::Filled, Side::Buy, "3900", "1", "1"));
  EXPECT_TRUE(h.last().empty());
  EXPECT_EQ(h.engine().counters().unknown_orders, 1u);
}

}  // namespace
}  // namespace scalper::testing
