// Lost reports: a fill the stream never delivered, while the stream stays up. The engine finds
// it by listing the venue's orders, prompted three ways (engine/README.md, "Lost reports"):
// a public trade at or through a live order's price with no report following it, silence on
// the stream, and the periodic sweep. Each test drives the order of events and the clock
// explicitly; none depends on timing.
#include <gtest/gtest.h>

#include "engine_harness.hpp"

namespace scalper::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;

class LostReports : public ::testing::Test {
 protected:
  static EngineConfig config() {
    EngineConfig c = EngineHarness::default_config();
    c.trade_check_ns = 250 * kMs;
    c.trade_recheck_ns = 1'000 * kMs;
    c.sweep_interval_ns = 5'000 * kMs;
    return c;
  }

  LostReports() : h_(config()) {
    // The venue went live in the harness's connect(): the sweep is armed.
    const auto t = all_of<ArmTimer>(h_.last());
    EXPECT_EQ(t.size(), 1u);
    if (!t.empty()) sweep_ = t[0];
    bot_ = h_.create_bot(EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3400", "3410"));
    buy_ = h_.live_order(bot_);
  }

  // The listing a QueryOrders asked for, answered with `orders`; every action of its steps.
  std::vector<Action> answer(const QueryOrders& q, const std::vector<ExchangeOrder>& orders) {
    std::vector<Action> all = h_.step(h_.events().reconcile_begin(q.request_id, q.venue));
    for (const ExchangeOrder& o : orders) {
      const auto& a = h_.step(h_.events().reconcile_order(q.request_id, o));
      all.insert(all.end(), a.begin(), a.end());
    }
    const auto& a = h_.step(h_.events().reconcile_end(q.request_id, q.venue));
    all.insert(all.end(), a.begin(), a.end());
    return all;
  }

  ExchangeOrder buy_filled() { return h_.report(buy_, ExchangeStatus::Filled, "0.01"); }

  // The fill was applied once and the sell went out.
  void expect_fill_applied_and_sell_placed(const std::vector<Action>& actions) {
    const auto fills = all_of<FillApplied>(actions);
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].order, buy_);
    const auto places = all_of<PlaceOrder>(actions);
    ASSERT_EQ(places.size(), 1u);
    EXPECT_EQ(places[0].side, Side::Sell);
    EXPECT_EQ(h_.bot(bot_).position, dec("0.01"));
    EXPECT_EQ(h_.engine().counters().fills_recovered, 1u);
  }

  EngineHarness h_;
  ArmTimer sweep_;
  BotId bot_;
  OrderId buy_;
};

TEST_F(LostReports, TheVenueGoingLiveArmsTheSweep) {
  EXPECT_EQ(sweep_.kind, TimerKind::Sweep);
  EXPECT_FALSE(sweep_.bot.valid());
  EXPECT_EQ(sweep_.venue, Venue::CoinDcxFutures);
  EXPECT_EQ(sweep_.deadline_mono_ns - h_.journal()[2].mono_ns, 5'000 * kMs);
}

TEST_F(LostReports, ATradeThroughTheBuyWithNoReportListsOrdersAfterTheBound) {
  h_.step(h_.events().trade("ETH/USDT", "3399.5"));
  const auto armed = all_of<ArmTimer>(h_.last());
  ASSERT_EQ(armed.size(), 1u);
  EXPECT_EQ(armed[0].kind, TimerKind::TradeCheck);
  EXPECT_EQ(armed[0].deadline_mono_ns, h_.events().mono_ns() + 250 * kMs);
  // More trades through the price arm nothing more: one check covers them.
  h_.step(h_.events().trade("ETH/USDT", "3399"));
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty());

  h_.events().advance(250 * kMs);
  h_.step(h_.events().venue_timer(armed[0].generation, TimerKind::TradeCheck));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u) << "no report came: ask the exchange";
  EXPECT_EQ(h_.engine().counters().trade_checks, 1u);

  expect_fill_applied_and_sell_placed(answer(q[0], {buy_filled()}));
}

TEST_F(LostReports, ATradeAtExactlyThePriceCountsAsThrough) {
  h_.step(h_.events().trade("ETH/USDT", "3400"));
  EXPECT_EQ(all_of<ArmTimer>(h_.last()).size(), 1u);
}

TEST_F(LostReports, TradesThatDoNotReachTheOrderOrAreAnotherTickerArmNothing) {
  h_.step(h_.events().trade("ETH/USDT", "3400.01"));  // above a buy
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty());
  h_.step(h_.events().trade("BTC/USDT", "3000"));  // through the price, but not this ticker
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty());
  h_.step(h_.events().trade("ETH/USDT", "3399", Venue::Bybit));  // another venue
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty());
}

TEST_F(LostReports, TheFillsOwnReportWithinTheBoundCancelsTheCheck) {
  h_.step(h_.events().trade("ETH/USDT", "3399"));
  const auto armed = all_of<ArmTimer>(h_.last());
  ASSERT_EQ(armed.size(), 1u);
  h_.send(buy_filled());  // the stream delivered it after all
  ASSERT_EQ(all_of<PlaceOrder>(h_.last()).size(), 1u);
  h_.events().advance(250 * kMs);
  h_.step(h_.events().venue_timer(armed[0].generation, TimerKind::TradeCheck));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty()) << "nothing is missing";
  EXPECT_EQ(h_.engine().counters().trade_checks, 0u);
}

TEST_F(LostReports, AnOrderStillOpenAfterACheckIsNotCheckedAgainForTheRecheckInterval) {
  h_.step(h_.events().trade("ETH/USDT", "3400"));
  const auto armed = all_of<ArmTimer>(h_.last());
  ASSERT_EQ(armed.size(), 1u);
  h_.events().advance(250 * kMs);
  h_.step(h_.events().venue_timer(armed[0].generation, TimerKind::TradeCheck));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  answer(q[0], {h_.report(buy_, ExchangeStatus::Open, "0")});  // queued behind others: open
  EXPECT_TRUE(all_of<FillApplied>(h_.last()).empty());
  // The price rests on our level: trades keep printing there, and must not become a listing
  // each.
  h_.step(h_.events().trade("ETH/USDT", "3400"));
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty());
  h_.events().advance(1'000 * kMs);
  h_.step(h_.events().trade("ETH/USDT", "3400"));
  EXPECT_EQ(all_of<ArmTimer>(h_.last()).size(), 1u) << "after the recheck interval it may ask";
}

TEST_F(LostReports, StreamSilenceWithAnOrderLiveListsAtOnce) {
  h_.step(h_.events().silent(3'000));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(h_.engine().counters().silence_checks, 1u);
  h_.step(h_.events().silent(3'000));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty()) << "a listing is already on its way";
  expect_fill_applied_and_sell_placed(answer(q[0], {buy_filled()}));
}

TEST_F(LostReports, StreamSilenceWithNothingLiveAsksNothing) {
  h_.step(h_.events().stop(bot_));
  h_.send(h_.report(buy_, ExchangeStatus::Cancelled, "0"));
  ASSERT_FALSE(h_.bot(bot_).live_order.valid());
  h_.step(h_.events().silent(3'000));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty());
}

TEST_F(LostReports, TheSweepListsWhenNoListingWasAnsweredWithinItsInterval) {
  h_.events().advance(5'000 * kMs);
  h_.step(h_.events().venue_timer(sweep_.generation, TimerKind::Sweep));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(h_.engine().counters().sweeps, 1u);
  const auto again = all_of<ArmTimer>(h_.last());
  ASSERT_EQ(again.size(), 1u) << "the sweep goes on";
  EXPECT_EQ(again[0].kind, TimerKind::Sweep);
  EXPECT_EQ(again[0].deadline_mono_ns, h_.events().mono_ns() + 5'000 * kMs);
  expect_fill_applied_and_sell_placed(answer(q[0], {buy_filled()}));
}

TEST_F(LostReports, ARecentListingPutsTheSweepOffUntilAnIntervalAfterIt) {
  h_.step(h_.events().silent(3'000));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  answer(q[0], {h_.report(buy_, ExchangeStatus::Open, "0")});
  const std::int64_t answered = h_.events().mono_ns();
  h_.events().advance(sweep_.deadline_mono_ns - h_.events().mono_ns() - kMs);  // fires on time
  h_.step(h_.events().venue_timer(sweep_.generation, TimerKind::Sweep));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty());
  const auto again = all_of<ArmTimer>(h_.last());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].deadline_mono_ns, answered + 5'000 * kMs);
}

TEST_F(LostReports, TheSweepLapsesWhileTheStreamIsDownAndReturnsWithIt) {
  h_.step(h_.events().disconnected());
  h_.events().advance(5'000 * kMs);
  h_.step(h_.events().venue_timer(sweep_.generation, TimerKind::Sweep));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty());
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty());
  h_.connect();  // live again: armed again, once
  std::size_t sweeps = 0;
  for (const ArmTimer& t : all_of<ArmTimer>(h_.last())) sweeps += t.kind == TimerKind::Sweep;
  EXPECT_EQ(sweeps, 1u);
}

TEST_F(LostReports, AStaleVenueTimerIsCountedAndIgnored) {
  h_.step(h_.events().venue_timer(sweep_.generation + 7, TimerKind::Sweep));
  h_.step(h_.events().venue_timer(3, TimerKind::TradeCheck));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty());
  EXPECT_EQ(h_.engine().counters().stale_timers, 2u);
}

TEST_F(LostReports, ARecoveredFillIsAppliedOnceWhenItsLateReportFollows) {
  h_.step(h_.events().silent(3'000));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  expect_fill_applied_and_sell_placed(answer(q[0], {buy_filled()}));
  h_.send(buy_filled());  // the stream's report, late
  EXPECT_TRUE(all_of<FillApplied>(h_.last()).empty());
  EXPECT_TRUE(all_of<PlaceOrder>(h_.last()).empty());
  EXPECT_EQ(h_.bot(bot_).position, dec("0.01"));
}

// A trade between the highest resting buy and the lowest resting sell of its ticker goes
// through nothing and is dismissed without a scan; when the order holding a bound leaves, the
// bound is recomputed from the orders still resting.
TEST_F(LostReports, TheBandOfRestingPricesFollowsOrdersComingAndGoing) {
  const BotId other =
      h_.create_bot(EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3390", "3420"));
  const OrderId other_buy = h_.live_order(other);
  h_.step(h_.events().trade("ETH/USDT", "3395"));  // through our 3400 buy only
  const auto first = all_of<ArmTimer>(h_.last());
  ASSERT_EQ(first.size(), 1u);
  h_.send(buy_filled());  // that buy fills and leaves the band; its sell goes out at 3410
  const auto sells = all_of<PlaceOrder>(h_.last());
  ASSERT_EQ(sells.size(), 1u);
  h_.accept(sells[0].order);
  h_.events().advance(250 * kMs);
  h_.step(h_.events().venue_timer(first[0].generation, TimerKind::TradeCheck));
  EXPECT_TRUE(all_of<QueryOrders>(h_.last()).empty()) << "the fill's report answered it";
  // Resting now: a buy at 3390 and sells at 3410 and 3420.
  h_.step(h_.events().trade("ETH/USDT", "3395"));
  EXPECT_TRUE(all_of<ArmTimer>(h_.last()).empty()) << "inside the recomputed band";
  h_.step(h_.events().trade("ETH/USDT", "3390"));
  ASSERT_EQ(all_of<ArmTimer>(h_.last()).size(), 1u) << "at the highest buy left, the other bot's";
  h_.events().advance(250 * kMs);
  h_.step(h_.events().venue_timer(first[0].generation + 1, TimerKind::TradeCheck));
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  const auto answer_actions = answer(q[0], {h_.report(other_buy, ExchangeStatus::Filled, "0.01")});
  const auto fills = all_of<FillApplied>(answer_actions);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].order, other_buy);
}

}  // namespace
}  // namespace scalper::testing
