// The bot state machine: every command from every status, placement outcomes, partial fills,
// the stream's life cycle and reconciliation, and the step contract itself.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "alloc_counter.hpp"
#include "engine_harness.hpp"

namespace scalper::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Puts a fresh bot (live entry order accepted) into `status`.
BotId bot_in(EngineHarness& h, BotStatus status) {
  const BotId bot = h.create_bot(EventFactory::params());
  switch (status) {
    case BotStatus::Active: break;
    case BotStatus::Stopped: {
      const OrderId id = h.live_order(bot);
      h.step(h.events().stop(bot));
      h.cancelled_on_exchange(id);
      break;
    }
    case BotStatus::Error:
      h.send(h.report(h.live_order(bot), ExchangeStatus::Rejected, "0"));
      break;
  }
  EXPECT_EQ(h.bot(bot).status, status);
  return bot;
}

CommandResult only_result(const std::vector<Action>& actions) {
  const auto r = all_of<CommandResult>(actions);
  EXPECT_EQ(r.size(), 1u);
  return r.empty() ? CommandResult{} : r[0];
}

// ---- the bot state machine as a table -----------------------------------------------------

enum class Cmd { Start, Stop, Toggle, UpdateTrading, UpdateLoopOnly, Delete };

Event command(EngineHarness& h, Cmd c, BotId bot) {
  BotParams p;
  switch (c) {
    case Cmd::Start: return h.events().start(bot);
    case Cmd::Stop: return h.events().stop(bot);
    case Cmd::Toggle: return h.events().toggle(bot);
    case Cmd::UpdateTrading:
      p.buy_price = dec("3890");
      return h.events().update(bot, p, kUpdateBuyPrice);
    case Cmd::UpdateLoopOnly:
      p.infinite_loop = false;
      return h.events().update(bot, p, kUpdateInfiniteLoop);
    case Cmd::Delete: return h.events().remove(bot);
  }
  return h.events().start(bot);
}

struct BotTransition {
  BotStatus from;
  Cmd cmd;
  bool exists_after;  // false: deleted in this step
  BotStatus to;
  std::size_t places;
  std::size_t cancels;
};

// From ACTIVE the bot holds an accepted order; from STOPPED and ERROR it holds none.
// An ACTIVE bot being deleted keeps its record (STOPPED) until the exchange confirms the cancel.
constexpr BotTransition kBotTransitions[] = {
    {BotStatus::Active, Cmd::Start, true, BotStatus::Active, 0, 0},
    {BotStatus::Active, Cmd::Stop, true, BotStatus::Stopped, 0, 1},
    {BotStatus::Active, Cmd::Toggle, true, BotStatus::Stopped, 0, 1},
    {BotStatus::Active, Cmd::UpdateTrading, true, BotStatus::Active, 0, 1},
    {BotStatus::Active, Cmd::UpdateLoopOnly, true, BotStatus::Active, 0, 0},
    {BotStatus::Active, Cmd::Delete, true, BotStatus::Stopped, 0, 1},
    {BotStatus::Stopped, Cmd::Start, true, BotStatus::Active, 1, 0},
    {BotStatus::Stopped, Cmd::Stop, true, BotStatus::Stopped, 0, 0},
    {BotStatus::Stopped, Cmd::Toggle, true, BotStatus::Active, 1, 0},
    {BotStatus::Stopped, Cmd::UpdateTrading, true, BotStatus::Stopped, 0, 0},
    {BotStatus::Stopped, Cmd::UpdateLoopOnly, true, BotStatus::Stopped, 0, 0},
    {BotStatus::Stopped, Cmd::Delete, false, BotStatus::Stopped, 0, 0},
    {BotStatus::Error, Cmd::Start, true, BotStatus::Active, 1, 0},
    {BotStatus::Error, Cmd::Stop, true, BotStatus::Stopped, 0, 0},
    {BotStatus::Error, Cmd::Toggle, true, BotStatus::Active, 1, 0},
    {BotStatus::Error, Cmd::UpdateTrading, true, BotStatus::Error, 0, 0},
    {BotStatus::Error, Cmd::UpdateLoopOnly, true, BotStatus::Error, 0, 0},
    {BotStatus::Error, Cmd::Delete, false, BotStatus::Error, 0, 0},
};

TEST(BotTransitions, EveryCommandFromEveryStatus) {
  for (const BotTransition& t : kBotTransitions) {
    SCOPED_TRACE(std::string(label(t.from)) + " + command " +
                 std::to_string(static_cast<int>(t.cmd)));
    EngineHarness h;
    const BotId bot = bot_in(h, t.from);
    h.step(command(h, t.cmd, bot));
    EXPECT_EQ(h.engine().find_bot(bot) != nullptr, t.exists_after);
    if (t.exists_after) {
      EXPECT_EQ(h.bot(bot).status, t.to);
    }
    EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), t.places);
    EXPECT_EQ(all_of<CancelOrder>(h.last()).size(), t.cancels);
  }
}

// ---- create ------------------------------------------------------------------------------

TEST(BotCreate, PlacesTheFirstSideAndLogsOnAcceptance) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Buy);
  EXPECT_EQ(places[0].price, dec("3900"));
  EXPECT_EQ(places[0].quantity, dec("0.01"));
  EXPECT_EQ(places[0].leverage, 3);
  EXPECT_EQ(places[0].symbol.view(), "ETH/USDT");
  EXPECT_THAT(log_texts(h.last()), IsEmpty());  // nothing claimed before the exchange has it
  const BotId bot = only_result(h.last()).bot;
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
  h.accept(places[0].order);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot started and buy order placed at $3900.0"));
  EXPECT_EQ(all_of<ActivityLog>(h.last())[0].level, LogLevel::Success);
  EXPECT_EQ(all_of<Notify>(h.last())[0].kind, NotifyKind::BotStarted);
}

TEST(BotCreate, HonoursLeverageAndDefaultsZeroToThree) {
  EngineHarness h;
  BotParams p = EventFactory::params();
  p.leverage = 10;
  h.step(h.events().create(p));
  EXPECT_EQ(all_of<PlaceOrder>(h.last())[0].leverage, 10);
  p.leverage = 0;
  p.ticker = sym("SOL/USDT");
  h.step(h.events().create(p));
  EXPECT_EQ(all_of<PlaceOrder>(h.last())[0].leverage, 3);
}

struct InvalidCase {
  const char* name;
  void (*mutate)(BotParams&);
  const char* reason;
};

class BotCreateInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(BotCreateInvalid, IsRefusedWithTheRuleAndCreatesNothing) {
  EngineHarness h;
  BotParams p = EventFactory::params();
  GetParam().mutate(p);
  h.step(h.events().create(p));
  const CommandResult r = only_result(h.last());
  EXPECT_EQ(r.status, CommandStatus::Invalid);
  EXPECT_EQ(r.text.view(), GetParam().reason);
  EXPECT_EQ(h.engine().bot_count(), 0u);
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BotCreateInvalid,
    ::testing::Values(
        InvalidCase{"EmptyTicker", [](BotParams& p) { p.ticker = Symbol{}; },
                    "ticker must be BASE/QUOTE in upper-case letters and digits, at most 20 chars"},
        InvalidCase{"LowerCaseTicker", [](BotParams& p) { p.ticker = sym("eth/usdt"); },
                    "ticker must be BASE/QUOTE in upper-case letters and digits, at most 20 chars"},
        InvalidCase{"NoSlash", [](BotParams& p) { p.ticker = sym("ETHUSDT"); },
                    "ticker must be BASE/QUOTE in upper-case letters and digits, at most 20 chars"},
        InvalidCase{"TooLong", [](BotParams& p) { p.ticker = sym("ABCDEFGHIJKL/MNOPQRST"); },
                    "ticker must be BASE/QUOTE in upper-case letters and digits, at most 20 chars"},
        InvalidCase{"ZeroQuantity", [](BotParams& p) { p.quantity = Decimal{}; },
                    "quantity must be greater than 0"},
        InvalidCase{"NegativeBuy", [](BotParams& p) { p.buy_price = dec("-1"); },
                    "buy_price must be greater than 0"},
        InvalidCase{"ZeroSell", [](BotParams& p) { p.sell_price = Decimal{}; },
                    "sell_price must be greater than 0"},
        InvalidCase{"SellEqualsBuy", [](BotParams& p) { p.sell_price = p.buy_price; },
                    "sell_price must be greater than buy_price"},
        InvalidCase{"TrailingTooSmall", [](BotParams& p) { p.trailing_percent = dec("0.05"); },
                    "trailing_percent must be between 0.1 and 3.0"},
        InvalidCase{"TrailingTooLarge", [](BotParams& p) { p.trailing_percent = dec("3.01"); },
                    "trailing_percent must be between 0.1 and 3.0"},
        InvalidCase{"Leverage51", [](BotParams& p) { p.leverage = 51; },
                    "leverage must be between 1 and 50"},
        InvalidCase{"HugeValue", [](BotParams& p) { p.quantity = dec("1000000000"); },
                    "order value (quantity x price) is too large"}),
    [](const ::testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

TEST(BotCreate, AcceptsTrailingAtItsBounds) {
  EngineHarness h;
  BotParams p = EventFactory::params();
  p.trailing_percent = dec("0.1");
  h.step(h.events().create(p));
  EXPECT_EQ(only_result(h.last()).status, CommandStatus::Ok);
  p.trailing_percent = dec("3.0");
  h.step(h.events().create(p));
  EXPECT_EQ(only_result(h.last()).status, CommandStatus::Ok);
}

TEST(BotCreate, UnconfiguredExchangeLeavesTheBotInError) {
  EngineHarness h;
  BotParams p = EventFactory::params();
  p.venue = Venue::Binance;
  h.step(h.events().create(p));
  const CommandResult r = only_result(h.last());
  EXPECT_EQ(r.status, CommandStatus::Failed);
  EXPECT_EQ(h.bot(r.bot).status, BotStatus::Error);  // the bot persists, as the original's did
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("Failed to start bot: Exchange 'Binance' is not configured (no "
                          "adapter or API keys)"));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
}

TEST(BotCreate, DefinitiveRejectionLeavesTheBotInError) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  h.step(h.events().rejected(h.live_order(bot), "Order value below minimum"));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Error);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Failed to place order: Order value below minimum"));
  EXPECT_FALSE(h.bot(bot).live_order.valid());
}

TEST(BotCreate, RefusesBeyondTheBotLimit) {
  EngineConfig c = EngineHarness::default_config();
  c.max_bots = 1;
  EngineHarness h(c);
  h.create_bot(EventFactory::params());
  h.step(h.events().create(EventFactory::params("BTC/USDT")));
  EXPECT_EQ(only_result(h.last()).status, CommandStatus::Invalid);
  EXPECT_EQ(only_result(h.last()).text.view(), "bot limit reached");
}

// ---- start / stop / toggle from every status ---------------------------------------------

TEST(BotStart, FromStoppedPlacesFirstSideWithUpperCaseLog) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Stopped);
  h.step(h.events().start(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  h.accept(places[0].order);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot started and BUY order placed at $3900.0"));
}

TEST(BotStart, FromErrorPlacesAgain) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Error);
  h.step(h.events().start(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
}

TEST(BotStart, WithAnOpenPositionPlacesItsExit) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.step(h.events().stop(bot));
  h.fill(entry);  // filled before our cancel arrived
  h.step(h.events().start(bot));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
  EXPECT_EQ(places[0].quantity, dec("0.01"));
}

TEST(BotStart, RightAfterStopWaitsForTheOldOrderToSettle) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId old = h.live_order(bot);
  h.step(h.events().stop(bot));
  h.step(h.events().start(bot));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());  // the old one may still fill
  h.cancelled_on_exchange(old);
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
}

TEST(BotStop, WithoutOrderSaysNoPendingOrders) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Error);
  h.step(h.events().stop(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot stopped (no pending orders)"));
  EXPECT_EQ(all_of<Notify>(h.last())[0].kind, NotifyKind::BotStopped);
}

TEST(BotStop, StoppedBotStaysStopped) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Stopped);
  h.step(h.events().stop(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
  EXPECT_TRUE(all_of<CancelOrder>(h.last()).empty());
}

TEST(BotToggle, ActiveStopsWithItsOrderCancelled) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Active);
  h.step(h.events().toggle(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
  EXPECT_EQ(all_of<CancelOrder>(h.last()).size(), 1u);  // the original left it live
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot stopped for ETH/USDT"));
}

TEST(BotToggle, StoppedStartsWithAnOrder) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Stopped);
  h.step(h.events().toggle(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot active for ETH/USDT"));
}

TEST(BotToggle, ErrorStartsToo) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Error);
  h.step(h.events().toggle(bot));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
}

TEST(BotCommands, UnknownBotIsNotFoundForEveryCommand) {
  EngineHarness h;
  const BotId ghost{42};
  for (const Event& ev : {h.events().start(ghost), h.events().stop(ghost), h.events().toggle(ghost),
                          h.events().remove(ghost),
                          h.events().update(ghost, EventFactory::params(), kUpdateBuyPrice)}) {
    h.step(ev);
    EXPECT_EQ(only_result(h.last()).status, CommandStatus::NotFound);
  }
}

// ---- update ------------------------------------------------------------------------------

TEST(BotUpdate, InactiveBotOnlyStoresTheChange) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Stopped);
  BotParams p;
  p.buy_price = dec("3800");
  h.step(h.events().update(bot, p, kUpdateBuyPrice));
  EXPECT_EQ(h.bot(bot).buy_price, dec("3800"));
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot configuration updated (bot is STOPPED)"));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
}

TEST(BotUpdate, ActiveBotLogsCancelThenNewOrder) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId old = h.live_order(bot);
  BotParams p;
  p.quantity = dec("0.02");
  h.step(h.events().update(bot, p, kUpdateQuantity));
  EXPECT_THAT(log_texts(h.last()), ElementsAre("1 pending order(s) cancelled"));
  h.cancelled_on_exchange(old);
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].quantity, dec("0.02"));
  h.accept(places[0].order);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("New buy order placed at $3900.0"));
  EXPECT_EQ(all_of<Notify>(h.last())[0].kind, NotifyKind::BotUpdated);
}

TEST(BotUpdate, TickerChangeWithOpenPositionIsRefused) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.fill_and_accept_next(bot);
  BotParams p;
  p.ticker = sym("SOL/USDT");
  h.step(h.events().update(bot, p, kUpdateTicker));
  EXPECT_EQ(only_result(h.last()).status, CommandStatus::Invalid);
  EXPECT_EQ(h.bot(bot).ticker.view(), "ETH/USDT");
}

TEST(BotUpdate, WhilePlacementPendingCancelsOnAcceptanceThenReplaces) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params(), /*accept=*/false);
  const OrderId first = h.live_order(bot);
  BotParams p;
  p.buy_price = dec("3890");
  h.step(h.events().update(bot, p, kUpdateBuyPrice));
  EXPECT_TRUE(all_of<CancelOrder>(h.last()).empty());  // no exchange id to cancel yet
  h.accept(first);
  ASSERT_EQ(all_of<CancelOrder>(h.last()).size(), 1u);
  h.cancelled_on_exchange(first);
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].price, dec("3890"));
}

TEST(BotUpdate, PartiallyFilledEntryIsExitedForTheFilledPart) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.send(h.report(entry, ExchangeStatus::PartiallyFilled, "0.004"));
  BotParams p;
  p.sell_price = dec("3960");
  h.step(h.events().update(bot, p, kUpdateSellPrice));
  h.cancelled_on_exchange(entry, "0.004");  // partially_cancelled
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
  EXPECT_EQ(places[0].quantity, dec("0.004"));
  EXPECT_EQ(places[0].price, dec("3960"));
}

// ---- delete ------------------------------------------------------------------------------

TEST(BotDelete, WithoutOrderRemovesAtOnce) {
  EngineHarness h;
  const BotId bot = bot_in(h, BotStatus::Stopped);
  h.step(h.events().remove(bot));
  EXPECT_THAT(log_texts(h.last()), ElementsAre("Bot deleted for ETH/USDT"));
  EXPECT_EQ(all_of<BotDeleted>(h.last()).size(), 1u);
  EXPECT_EQ(h.engine().find_bot(bot), nullptr);
  EXPECT_EQ(h.engine().bot_count(), 0u);
  h.step(h.events().remove(bot));
  EXPECT_EQ(only_result(h.last()).status, CommandStatus::NotFound);
}

TEST(BotDelete, LateFillWhileDeletingIsRecordedThenRemoves) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.step(h.events().remove(bot));
  h.fill(entry);
  EXPECT_EQ(all_of<FillApplied>(h.last()).size(), 1u);
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  EXPECT_EQ(all_of<BotDeleted>(h.last()).size(), 1u);
}

// ---- fills -------------------------------------------------------------------------------

TEST(BotFill, LogsFillThenOppositeOnAcceptance) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.fill(h.live_order(bot), "3899.5");
  EXPECT_THAT(log_texts(h.last()), ElementsAre("BUY order filled at $3899.5"));
  EXPECT_EQ(h.bot(bot).last_fill_side, Side::Buy);
  EXPECT_EQ(h.bot(bot).last_fill_price, dec("3899.5"));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  h.accept(places[0].order);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("SELL order placed at $3950.0 (opposite of filled order)"));
  const auto notes = all_of<Notify>(h.last());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].kind, NotifyKind::OrderFilledOppositePlaced);
  EXPECT_EQ(notes[0].side, Side::Buy);
  EXPECT_EQ(notes[0].price, dec("3899.5"));
  EXPECT_EQ(notes[0].side2, Side::Sell);
  EXPECT_EQ(notes[0].price2, dec("3950"));
}

TEST(BotFill, PartialFillsAccumulateAndExitTheFilledQuantity) {
  EngineHarness h;
  BotParams p = EventFactory::params();
  p.quantity = dec("0.03");
  const BotId bot = h.create_bot(p);
  const OrderId entry = h.live_order(bot);
  h.send(h.report(entry, ExchangeStatus::PartiallyFilled, "0.01", "3900"));
  EXPECT_THAT(log_texts(h.last()), ElementsAre("BUY order partially filled: 0.01 of 0.03"));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  h.send(h.report(entry, ExchangeStatus::PartiallyFilled, "0.02", "3899"));
  const auto fills = all_of<FillApplied>(h.last());
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].quantity, dec("0.01"));
  EXPECT_EQ(fills[0].price, dec("3898"));  // 0.02 × 3899 − 0.01 × 3900 = 38.98 over 0.01
  h.send(h.report(entry, ExchangeStatus::Filled, "0.03", "3899"));
  EXPECT_EQ(h.bot(bot).position, dec("0.03"));
  EXPECT_EQ(all_of<PlaceOrder>(h.last())[0].quantity, dec("0.03"));
}

TEST(BotFill, PartiallyFilledExitCancelledExternallyStopsWithPositionWarning) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId exit = h.fill_and_accept_next(bot);
  h.cancelled_on_exchange(exit, "0.004");
  EXPECT_EQ(h.bot(bot).status, BotStatus::Stopped);
  EXPECT_EQ(h.bot(bot).position, dec("0.006"));
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("Bot stopped automatically - SELL order cancelled on exchange",
                          "Open position of 0.006 left on ETH/USDT"));
}

TEST(BotFill, ManyCyclesSumTheirPnl) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  for (int i = 0; i < 5; ++i) {
    h.fill_and_accept_next(bot);
    h.fill_and_accept_next(bot);
  }
  EXPECT_EQ(h.bot(bot).total_trades, 5u);
  EXPECT_EQ(h.bot(bot).pnl, dec("2.5"));
  EXPECT_TRUE(h.bot(bot).position.is_zero());
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
}

TEST(BotFill, NegativeCyclePnlPrintsWithSign) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.fill_and_accept_next(bot, "3900", "0");
  h.fill(h.live_order(bot), "3949", "0.5");  // 0.49 − 0.5
  EXPECT_THAT(log_texts(h.last()),
              ::testing::Contains("Trading cycle completed! PnL: $-0.01 | Total PnL: $-0.01"));
  EXPECT_EQ(all_of<Notify>(h.last())[0].level, LogLevel::Warning);
}

// ---- placement outcomes ------------------------------------------------------------------

TEST(BotPlacement, TransientFailureRetriesWithBackoffNeverTwoOrders) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  const OrderId first = h.live_order(bot);
  h.step(h.events().rejected(first, "HTTP 503", RejectKind::Transient));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Active);
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  const auto timers = all_of<ArmTimer>(h.last());
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, TimerKind::PlaceRetry);
  EXPECT_EQ(timers[0].deadline_mono_ns - h.events().mono_ns(), 200'000'000);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("Placing BUY order failed (HTTP 503); retry 1 in 200 ms"));
  // A second start meanwhile must not place.
  h.step(h.events().start(bot));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  h.step(h.events().timer(bot, timers[0].generation, TimerKind::PlaceRetry));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  // The second failure doubles the delay.
  h.step(h.events().rejected(places[0].order, "HTTP 503", RejectKind::Transient));
  EXPECT_EQ(all_of<ArmTimer>(h.last())[0].deadline_mono_ns - h.events().mono_ns(), 400'000'000);
}

TEST(BotPlacement, TransientFailuresGiveUpAfterMaxAttempts) {
  EngineConfig c = EngineHarness::default_config();
  c.max_place_attempts = 2;
  EngineHarness h(c);
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  h.step(h.events().rejected(h.live_order(bot), "timeout before send", RejectKind::Transient));
  const ArmTimer t = all_of<ArmTimer>(h.last())[0];
  h.step(h.events().timer(bot, t.generation, TimerKind::PlaceRetry));
  h.step(h.events().rejected(h.live_order(bot), "timeout before send", RejectKind::Transient));
  EXPECT_EQ(h.bot(bot).status, BotStatus::Error);
}

TEST(BotPlacement, StaleTimerIsIgnored) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  h.step(h.events().rejected(h.live_order(bot), "503", RejectKind::Transient));
  const ArmTimer t = all_of<ArmTimer>(h.last())[0];
  h.step(h.events().stop(bot));
  h.step(h.events().timer(bot, t.generation, TimerKind::PlaceRetry));
  EXPECT_TRUE(h.last().empty());
  EXPECT_EQ(h.engine().counters().stale_timers, 1u);
}

TEST(BotPlacement, UnknownOutcomeFoundLiveByListingIsAdopted) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  const OrderId id = h.live_order(bot);
  h.step(h.events().outcome_unknown(id));
  const auto q = all_of<QueryOrders>(h.last());
  ASSERT_EQ(q.size(), 1u);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("No answer placing BUY order at $3900.0; checking open orders"));
  h.step(h.events().reconcile_begin(q[0].request_id));
  ExchangeOrder listed =
      EventFactory::report("live-1", ExchangeStatus::Open, Side::Buy, "3900", "0.01", "0");
  listed.exchange_ts_ms = h.order(id).created_wall_ns / 1'000'000 - 500;  // exchange clock behind
  h.step(h.events().reconcile_order(q[0].request_id, listed));
  EXPECT_EQ(h.order(id).status, OrderStatus::Open);
  EXPECT_EQ(h.order(id).exchange_id.view(), "live-1");
  h.step(h.events().reconcile_end(q[0].request_id));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
}

TEST(BotPlacement, OlderOrderOfTheSameShapeIsNotAdopted) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  const OrderId id = h.live_order(bot);
  h.step(h.events().outcome_unknown(id));
  const std::uint64_t req = all_of<QueryOrders>(h.last())[0].request_id;
  h.step(h.events().reconcile_begin(req));
  ExchangeOrder old =
      EventFactory::report("old-fill", ExchangeStatus::Filled, Side::Buy, "3900", "0.01", "0.01");
  old.exchange_ts_ms = h.order(id).created_wall_ns / 1'000'000 - 60'000;  // a minute before
  h.step(h.events().reconcile_order(req, old));
  EXPECT_EQ(h.order(id).status, OrderStatus::Unknown);
  EXPECT_TRUE(h.bot(bot).position.is_zero());
}

TEST(BotPlacement, UnknownOutcomeMissingTwiceIsPlacedAgain) {
  EngineHarness h;
  h.step(h.events().create(EventFactory::params()));
  const BotId bot = only_result(h.last()).bot;
  const OrderId id = h.live_order(bot);
  h.step(h.events().outcome_unknown(id));
  const std::uint64_t first = all_of<QueryOrders>(h.last())[0].request_id;
  h.step(h.events().reconcile_begin(first));
  h.step(h.events().reconcile_end(first));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());  // may still be in flight: look again
  const auto timers = all_of<ArmTimer>(h.last());
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, TimerKind::OutcomeRecheck);
  h.step(h.events().timer(bot, timers[0].generation, TimerKind::OutcomeRecheck));
  const std::uint64_t second = all_of<QueryOrders>(h.last())[0].request_id;
  h.step(h.events().reconcile_begin(second));
  h.step(h.events().reconcile_end(second));
  EXPECT_EQ(h.order(id).status, OrderStatus::Rejected);
  EXPECT_THAT(log_texts(h.last()), ElementsAre("BUY order was not placed; placing it again"));
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
}

TEST(BotPlacement, CancelFailureAsksForAListing) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId id = h.live_order(bot);
  h.step(h.events().stop(bot));
  h.step(h.events().cancel_failed(id, "HTTP 500"));
  EXPECT_EQ(all_of<QueryOrders>(h.last()).size(), 1u);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("Could not cancel BUY order: HTTP 500; checking open orders"));
}

TEST(BotPlacement, CancelTimeoutAsksForAListing) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  h.step(h.events().stop(bot));
  const auto timers = all_of<ArmTimer>(h.last());
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, TimerKind::CancelTimeout);
  h.step(h.events().timer(bot, timers[0].generation, TimerKind::CancelTimeout));
  EXPECT_EQ(all_of<QueryOrders>(h.last()).size(), 1u);
}

// ---- the stream --------------------------------------------------------------------------

TEST(BotStream, PlacementsWaitUntilTheVenueIsReconciled) {
  EngineHarness h(EngineHarness::default_config(), /*connect=*/false);
  EXPECT_EQ(h.engine().venue_link(Venue::CoinDcxFutures), VenueLink::Down);
  h.step(h.events().create(EventFactory::params()));
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());
  h.step(h.events().connected());
  const std::uint64_t req = all_of<QueryOrders>(h.last())[0].request_id;
  EXPECT_EQ(h.engine().venue_link(Venue::CoinDcxFutures), VenueLink::Reconciling);
  h.step(h.events().reconcile_begin(req));
  h.step(h.events().reconcile_end(req));
  EXPECT_EQ(h.engine().venue_link(Venue::CoinDcxFutures), VenueLink::Live);
  EXPECT_EQ(all_of<PlaceOrder>(h.last()).size(), 1u);
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("CoinDCX F stream reconciled: 0 order(s) listed, 0 resolved"));
}

TEST(BotStream, FillMissedWhileDownIsAppliedByTheListing) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId entry = h.live_order(bot);
  h.step(h.events().disconnected());
  EXPECT_THAT(log_texts(h.last()),
              ElementsAre("CoinDCX F stream disconnected; new orders held until reconciled"));
  h.step(h.events().connected());
  const std::uint64_t req = all_of<QueryOrders>(h.last())[0].request_id;
  h.step(h.events().reconcile_begin(req));
  h.step(h.events().reconcile_order(req, h.report(entry, ExchangeStatus::Filled, "0.01", "3900")));
  EXPECT_EQ(h.order(entry).status, OrderStatus::Filled);
  EXPECT_TRUE(all_of<PlaceOrder>(h.last()).empty());  // held until the listing is complete
  h.step(h.events().reconcile_end(req));
  const auto places = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].side, Side::Sell);
}

// ---- the step contract -------------------------------------------------------------------

TEST(EngineStep, RefusesRepeatedOrOlderSequenceNumbers) {
  EngineHarness h;
  Event ev = h.events().create(EventFactory::params());
  Outbox out(h.engine().outbox_capacity());
  ASSERT_EQ(h.engine().step(ev, out), StepStatus::Ok);
  out.clear();
  EXPECT_EQ(h.engine().step(ev, out), StepStatus::BadSequence);
  EXPECT_EQ(out.size(), 0u);
  EXPECT_EQ(h.engine().bot_count(), 1u);
}

TEST(EngineStep, FullOutboxRefusesBeforeChangingState) {
  EngineHarness h;
  Outbox tiny(4);
  const Event ev = h.events().create(EventFactory::params());
  EXPECT_EQ(h.engine().step(ev, tiny), StepStatus::OutboxFull);
  EXPECT_EQ(tiny.size(), 0u);
  EXPECT_EQ(h.engine().bot_count(), 0u);
  Outbox big(h.engine().outbox_capacity());
  EXPECT_EQ(h.engine().step(ev, big), StepStatus::Ok);  // the same event, once drained
  EXPECT_EQ(h.engine().bot_count(), 1u);
}

TEST(EngineStep, StopAllOverEveryBotFitsTheOutbox) {
  EngineConfig c = EngineHarness::default_config();
  c.max_bots = 200;
  EngineHarness h(c);
  for (int i = 0; i < 200; ++i) h.create_bot(EventFactory::params());
  h.step(h.events().stop_all());
  EXPECT_EQ(all_of<CancelOrder>(h.last()).size(), 200u);
}

TEST(EngineStep, NoAllocationAfterWarmUp) {
  EngineConfig c = EngineHarness::default_config();
  c.max_bots = 16;
  Engine engine(c);
  Outbox out(engine.outbox_capacity());
  EventFactory f;
  auto run = [&](const Event& ev) {
    out.clear();
    EXPECT_EQ(engine.step(ev, out), StepStatus::Ok);
  };
  auto last_place = [&]() {
    for (const Action& a : out.actions()) {
      if (const auto* p = std::get_if<PlaceOrder>(&a)) return p->order;
    }
    return OrderId{};
  };
  run(f.connected());
  run(f.reconcile_begin(1));
  run(f.reconcile_end(1));
  // Every event below is built before counting: the counter watches step() alone.
  run(f.create(EventFactory::params()));
  OrderId order = last_place();
  constexpr int kCycles = 200;
  std::vector<ExchangeOrderId> ids(2 * kCycles + 2);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = xid("ex-" + std::to_string(i));
  const AllocationScope scope;
  for (int i = 0; i < 2 * kCycles; ++i) {
    OrderAccepted acc{order, ids[static_cast<std::size_t>(i)]};
    run(f.make(acc));
    ExchangeOrder r;
    r.exchange_id = ids[static_cast<std::size_t>(i)];
    r.symbol = sym("ETH/USDT");
    r.status = ExchangeStatus::Filled;
    r.side = i % 2 == 0 ? Side::Buy : Side::Sell;
    r.price = i % 2 == 0 ? dec("3900") : dec("3950");
    r.total_qty = dec("0.01");
    r.filled_qty = r.total_qty;
    run(f.make(OrderUpdate{r}));
    order = last_place();
  }
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(engine.find_bot(BotId{1})->total_trades, static_cast<std::uint32_t>(kCycles));
}

}  // namespace
}  // namespace scalper::testing

namespace scalper::testing {
namespace {

// The Telegram-worthy facts (docs/architecture.md §3, decision 9): the original's four and the
// ones it dropped or never sent (started, updated, deleted, emergency stop, errors), plus ours
// (loop finished).
TEST(BotNotifications, EveryKindIsSentByItsFlow) {
  EngineHarness h;
  std::set<NotifyKind> seen;
  auto collect = [&] {
    for (const Notify& n : all_of<Notify>(h.last())) seen.insert(n.kind);
  };
  BotParams once = EventFactory::params("ETH/USDT");
  once.infinite_loop = false;
  const BotId a = h.create_bot(once);  // BotStarted
  collect();
  BotParams move;
  move.buy_price = dec("3890");
  const OrderId first = h.live_order(a);
  h.step(h.events().update(a, move, kUpdateBuyPrice));
  h.cancelled_on_exchange(first);
  h.accept(all_of<PlaceOrder>(h.last())[0].order);  // BotUpdated
  collect();
  h.fill_and_accept_next(a);  // OrderFilledOppositePlaced
  collect();
  h.fill(h.live_order(a));  // CycleCompleted, LoopFinished
  collect();
  const BotId b =
      h.create_bot(EventFactory::params("BTC/USDT", Side::Buy, "0.001", "60000", "61000"));
  h.cancelled_on_exchange(h.live_order(b));  // AutoStopped
  collect();
  h.step(h.events().start(b));
  h.step(h.events().rejected(h.live_order(b), "Insufficient margin"));  // BotError
  collect();
  h.step(h.events().stop(b));  // BotStopped
  collect();
  h.step(h.events().remove(b));  // BotDeleted
  collect();
  h.step(h.events().stop_all());  // EmergencyStop
  collect();
  const std::set<NotifyKind> all = {
      NotifyKind::BotStarted,     NotifyKind::BotStopped,    NotifyKind::BotUpdated,
      NotifyKind::BotDeleted,     NotifyKind::EmergencyStop, NotifyKind::OrderFilledOppositePlaced,
      NotifyKind::CycleCompleted, NotifyKind::AutoStopped,   NotifyKind::BotError,
      NotifyKind::LoopFinished};
  EXPECT_EQ(seen, all);
}

}  // namespace
}  // namespace scalper::testing
