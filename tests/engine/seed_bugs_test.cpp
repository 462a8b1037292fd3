// One named test per bug the original's own notes named (BUG-001, BUG-002, RACE, the zero filled
// quantity) and per defect of the original we fixed, as docs/architecture.md §3 lists them with
// the decision that fixes each: each test asserts the invariant the fix establishes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"

namespace scalper::testing {
namespace {

using ::testing::ElementsAre;

BotParams loop_params(bool infinite_loop, Side first = Side::Buy) {
  BotParams p = EventFactory::params("ETH/USDT", first);
  p.infinite_loop = infinite_loop;
  return p;
}

// BUG-001: after any fill on an ACTIVE bot exactly one new order is placed.
TEST(SeedBug001, ExactlyOneOrderAfterEachFillWithLoopOn) {
  EngineHarness h;
  const BotId bot = h.create_bot(loop_params(true));
  h.fill(h.live_order(bot));
  ASSERT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
  EXPECT_EQ(all_of<PlaceOrder>(h.last())[0].side, Side::Sell);
  h.accept(all_of<PlaceOrder>(h.last())[0].order);
  h.fill(h.live_order(bot));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Buy);
}

TEST(SeedBug001, ExactlyOneOrderAfterEntryFillWithLoopOff) {
  EngineHarness h;
  const BotId bot = h.create_bot(loop_params(false));
  h.fill(h.live_order(bot));
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
}

// BUG-002: an external cancellation stops the bot, with a warning and an alert.
TEST(SeedBug002, ExternalCancelAutoStopsWithWarningAndAlert) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.cancelled_on_exchange(entry);
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("Bot stopped automatically - BUY order cancelled on exchange"));
  EXPECT_EQ(all_of<ActivityLog>(h.last())[0].level, LogLevel::Warning);
  const auto notes = all_of<Notify>(h.last());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].kind, NotifyKind::AutoStopped);
  EXPECT_EQ(notes[0].exchange_id.view(), EngineHarness::exchange_id_of(entry));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
}

// RACE: the cancel event of our own update arrives at once; the bot must stay ACTIVE and get
// exactly one new order. The intent is recorded before the CancelOrder action exists, so the
// event is processed in the very next step with the intent visible.
TEST(SeedRace, UpdateCancelEventDoesNotAutoStop) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId first = h.live_order(bot);
  BotParams p;
  p.buy_price = dec("3890");
  h.step(h.events().update(bot, p, kUpdateBuyPrice));
  const auto cancels = all_of<CancelOrder>(h.last());
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].reason, CancelReason::Update);
  EXPECT_EQ(h.order(first).cancel_reason, CancelReason::Update);  // recorded with the cancel
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());  // the new order waits for the cancel
  h.cancelled_on_exchange(first);
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Order cancelled for update operation"));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].price, dec("3890"));
  EXPECT_TRUE(all_of<Notify>(h.last()).empty());
}

TEST(SeedRace, StopCancelEventDoesNotAutoStopOrAlert) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId first = h.live_order(bot);
  h.step(h.events().stop(bot));
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot stopped and 1 pending order(s) cancelled"));
  h.cancelled_on_exchange(first);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Order cancelled for stop operation"));
  EXPECT_TRUE(all_of<Notify>(h.last()).empty());
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
}

TEST(SeedRace, DeleteCancelEventRemovesTheBot) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId first = h.live_order(bot);
  h.step(h.events().remove(bot));
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot deleted for ETH/USDT (1 orders cancelled)"));
  ASSERT_EQ(all_of<CancelOrder>(h.last()).size(), 1u);
  EXPECT_NE(h.engine().find_bot(bot), nullptr);  // kept until the exchange confirms
  h.cancelled_on_exchange(first);
  EXPECT_EQ(all_of<BotDeleted>(h.last()).size(), 1u);
  EXPECT_EQ(h.engine().find_bot(bot), nullptr);
  EXPECT_TRUE(all_of<Notify>(h.last()).empty());
}

// The zero filled quantity (docs/architecture.md §7.4): a final "filled" with filled_quantity 0
// is a full fill.
TEST(SeedQuirk, FilledWithZeroFilledQuantityIsAFullFill) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.send(h.report(entry, ExchangeStatus::Filled, "0", "3900"));
  EXPECT_EQ(h.order(entry).status, OrderStatus::Filled);
  EXPECT_EQ(h.order(entry).filled_qty, dec("0.01"));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
  EXPECT_EQ(places[0].quantity, dec("0.01"));
}

// Duplicate "filled" events are applied once.
TEST(SeedDuplicateFill, SameFilledEventTwicePlacesOneOrder) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  const ExchangeOrder filled = h.report(entry, ExchangeStatus::Filled, "0.01", "3900");
  h.send(filled);
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
  h.send(filled);
  EXPECT_TRUE(h.last().empty());
  EXPECT_EQ(h.bot(bot).position, dec("0.01"));
  // The settled order is no longer looked up: its repeat is held as a possible early report
  // for the opposite order (which awaits its REST answer), then ignored.
  EXPECT_EQ(h.engine().counters().unknown_orders + h.engine().counters().early_updates, 1u);
  h.accept(h.live_order(bot));
  EXPECT_TRUE(all_of<FillApplied>(h.last()).empty());
  EXPECT_EQ(h.bot(bot).position, dec("0.01"));
}

// Fills of STOPPED or ERROR bots never place orders (but are recorded).
TEST(SeedFillOnStoppedBot, LateFillAfterStopPlacesNothing) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.step(h.events().stop(bot));
  h.fill(entry);
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  EXPECT_EQ(h.bot(bot).position, dec("0.01"));
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("BUY order filled at $3900.0 while bot is STOPPED: no new order placed",
                          "Open position of 0.01 left on ETH/USDT"));
}

// As the original's update did once fixed: re-place the opposite of the last fill's side, at the
// new price.
TEST(SeedUpdateSide, AfterBuyFillUpdatePlacesSellAtNewSellPrice) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId exit = h.fill_and_accept_next(bot);
  BotParams p;
  p.sell_price = dec("3960");
  h.step(h.events().update(bot, p, kUpdateSellPrice));
  h.cancelled_on_exchange(exit);
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
  EXPECT_EQ(places[0].price, dec("3960"));
  h.accept(places[0].order);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("New sell order placed at $3960.0"));
}

TEST(SeedUpdateSide, WithNoFillUpdatePlacesFirstSide) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params("ETH/USDT", Side::Sell));
  const OrderId entry = h.live_order(bot);
  BotParams p;
  p.sell_price = dec("3970");
  h.step(h.events().update(bot, p, kUpdateSellPrice));
  h.cancelled_on_exchange(entry);
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
  EXPECT_EQ(places[0].price, dec("3970"));
}

// As the original's delete did: cancel the exchange order first.
TEST(SeedDelete, DeleteCancelsThePendingOrder) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.step(h.events().remove(bot));
  const auto cancels = all_of<CancelOrder>(h.last());
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].order, entry);
  EXPECT_EQ(cancels[0].reason, CancelReason::Delete);
}

// As the original's stop did (its UI had once only toggled the status): cancel on the exchange.
TEST(SeedStop, StopCancelsOnTheExchange) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.step(h.events().stop(bot));
  ASSERT_EQ(all_of<CancelOrder>(h.last()).size(), 1u);
  EXPECT_EQ(all_of<CancelOrder>(h.last())[0].exchange_id.view(),
            EngineHarness::exchange_id_of(all_of<CancelOrder>(h.last())[0].order));
}

// Decision 6: the original's start on an ACTIVE bot placed a second order; ours is a no-op.
TEST(SeedStartTwice, StartOnActiveBotIsANoOp) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.step(h.events().start(bot));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  const auto r = all_of<CommandResult>(h.last());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, CommandStatus::NoOp);
}

// Decision 6: the original's emergency stop cancelled nothing on the exchange; ours cancels
// every live order.
TEST(SeedEmergencyStop, StopAllCancelsEveryLiveOrder) {
  EngineHarness h;
  const BotId a = h.create_bot(EventFactory::params("ETH/USDT"));
  const BotId b =
      h.create_bot(EventFactory::params("BTC/USDT", Side::Buy, "0.001", "60000", "61000"));
  h.step(h.events().stop_all());
  EXPECT_EQ(all_of<CancelOrder>(h.last()).size(), 2u);
  EXPECT_EQ(h.bot(a).status, BotStatus::Stopped);
  EXPECT_EQ(h.bot(b).status, BotStatus::Stopped);
  const auto logs = all_of<ActivityLog>(h.last());
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(text_of(logs[0]), "Emergency stop - All bots stopped");
  EXPECT_EQ(logs[0].level, LogLevel::Error);
  EXPECT_FALSE(logs[0].bot.valid());
  EXPECT_EQ(all_of<CommandResult>(h.last())[0].count, 2u);
}

// Decision 12: an update's cancelled order fills anyway (the original then had two live
// orders): one live order, never two.
TEST(SeedLateFill, FillAfterUpdateCancelLeavesOneLiveOrder) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  BotParams p;
  p.sell_price = dec("3980");
  h.step(h.events().update(bot, p, kUpdateSellPrice));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  h.fill(entry, "3900");  // it filled before the cancel reached the book
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
  EXPECT_EQ(places[0].price, dec("3980"));  // the exit uses the updated price
  EXPECT_EQ(h.bot(bot).live_order, places[0].order);
}

// Decision 7: the original ignored "rejected", leaving the bot ACTIVE with no order; ours moves
// it to ERROR with an alert.
TEST(SeedRejected, StreamRejectionMovesBotToError) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.send(h.report(h.live_order(bot), ExchangeStatus::Rejected, "0"));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Error);
  ASSERT_EQ(all_of<Notify>(h.last()).size(), 1u);
  EXPECT_EQ(all_of<Notify>(h.last())[0].kind, NotifyKind::BotError);
}

// Decision 8: a failed opposite placement left the original's bot ACTIVE and idle; ours is an
// error with an alert, not a silent stall.
TEST(SeedOppositeFailed, DefinitiveRejectionMovesBotToErrorWithAlert) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.fill(h.live_order(bot));
  const OrderId exit = all_of<PlaceOrder>(h.last())[0].order;
  h.step(h.events().rejected(exit, "Insufficient margin"));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Error);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("Failed to place opposite SELL order: Insufficient margin"));
  EXPECT_EQ(all_of<Notify>(h.last()).size(), 1u);
}

// Decision 10: the original checked sell > buy on create only; we re-check it on update.
TEST(SeedUpdateValidation, UpdateRejectsSellNotAboveBuy) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  BotParams p;
  p.sell_price = dec("3900");
  h.step(h.events().update(bot, p, kUpdateSellPrice));
  const auto r = all_of<CommandResult>(h.last());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, CommandStatus::Invalid);
  EXPECT_EQ(r[0].text.view(), "sell_price must be greater than buy_price");
  EXPECT_EQ(h.bot(bot).sell_price, dec("3950"));
  EXPECT_TRUE(all_of<CancelOrder>(h.last()).empty());
}

// Decision 10: the original's update cancelled and re-placed even when no trading field
// changed; ours keeps the live order.
TEST(SeedUpdateNoChurn, LoopToggleKeepsTheLiveOrder) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  BotParams p;
  p.infinite_loop = false;
  h.step(h.events().update(bot, p, kUpdateInfiniteLoop));
  EXPECT_TRUE(all_of<CancelOrder>(h.last()).empty());
  EXPECT_EQ(h.live_order(bot), entry);
  EXPECT_FALSE(h.bot(bot).infinite_loop);
}

// Decision 2: the original never read infinite_loop; false now stops after one full cycle.
// (Its other stream defect, acting on only the first order of a batched event, is the codec's.)
TEST(SeedInfiniteLoop, LoopOffStopsAfterOneCycle) {
  EngineHarness h;
  const BotId bot = h.create_bot(loop_params(false));
  h.fill_and_accept_next(bot);
  h.fill(h.live_order(bot));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
  EXPECT_EQ(h.bot(bot).total_trades, 1u);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("SELL order filled at $3950.0",
                          "Trading cycle completed! PnL: $0.50 | Total PnL: $0.50",
                          "Cycle completed and infinite loop is off: bot stopped"));
}

// Decision 4: PnL from the real fills, minus fees, counted when the exit fills (the original
// used the next buy's limit price and no fees).
TEST(SeedCyclePnl, BuyFirstCycleUsesRealFillsAndFees) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.fill_and_accept_next(bot, "3899.5", "0.0195");  // entry filled better than the limit
  EXPECT_EQ(h.bot(bot).total_trades, 0u);           // no cycle on the entry
  h.fill(h.live_order(bot), "3950.5", "0.0197");
  // (3950.5 − 3899.5) × 0.01 − 0.0195 − 0.0197 = 0.51 − 0.0392 = 0.4708
  EXPECT_EQ(h.bot(bot).pnl, dec("0.4708"));
  EXPECT_EQ(h.bot(bot).total_trades, 1u);
  const auto cycles = all_of<CycleCompleted>(h.last());
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].fees, dec("0.0392"));
}

TEST(SeedCyclePnl, SellFirstCycleCountsWhenTheBuyFills) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params("ETH/USDT", Side::Sell));
  h.fill_and_accept_next(bot, "3950");  // short opens: the original counted a cycle here
  EXPECT_EQ(h.bot(bot).total_trades, 0u);
  EXPECT_EQ(h.bot(bot).position, dec("-0.01"));
  h.fill(h.live_order(bot), "3900");
  EXPECT_EQ(h.bot(bot).total_trades, 1u);
  EXPECT_EQ(h.bot(bot).pnl, dec("0.5"));
  EXPECT_TRUE(h.bot(bot).position.is_zero());
}

}  // namespace
}  // namespace scalper::testing
