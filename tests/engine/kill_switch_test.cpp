// The kill switch (decision 13 of docs/architecture.md §3): Halt stops every bot, cancels every
// live order (intent first; one cancel-all request where the venue has one) and lists each
// venue to verify; while halted nothing starts and no
// order goes out, whatever arrives; Resume lifts it and leaves the bots stopped. The halt is
// state: it survives a checkpoint and a journal replay. (The property test's second mix halts
// and resumes at random and checks "no placement while halted" after every step.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "engine_harness.hpp"
#include "scenarios.hpp"

namespace scalper::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;

Event halt(EventFactory& f, HaltReason reason = HaltReason::Operator, std::uint64_t cmd = 900) {
  return f.make(Halt{cmd, reason, {}});
}
Event resume(EventFactory& f, std::uint64_t cmd = 901) { return f.make(Resume{cmd}); }

CommandResult only_result(const std::vector<Action>& actions) {
  const auto r = all_of<CommandResult>(actions);
  EXPECT_EQ(r.size(), 1u);
  return r.empty() ? CommandResult{} : r[0];
}

EngineConfig two_venues() {
  EngineConfig c = EngineHarness::default_config();
  c.venue_enabled[2] = true;  // Bybit as well
  return c;
}

class KillSwitch : public ::testing::Test {
 protected:
  KillSwitch() : h_(two_venues()) {
    h_.connect(Venue::Bybit);
    live_ = h_.create_bot(EventFactory::params());
    awaiting_ =
        h_.create_bot(EventFactory::params("BTC/USDT", Side::Sell, "0.1", "60000", "61000"), false);
    stopped_ = h_.create_bot(EventFactory::params("SOL/USDT"));
    const OrderId stopped_order = h_.live_order(stopped_);
    h_.step(f().stop(stopped_));
    h_.cancelled_on_exchange(stopped_order);
  }

  EventFactory& f() { return h_.events(); }

  EngineHarness h_;
  BotId live_;      // ACTIVE, its order accepted
  BotId awaiting_;  // ACTIVE, its placement not answered yet
  BotId stopped_;   // STOPPED, no order
};

TEST_F(KillSwitch, HaltStopsEveryBotCancelsEveryOrderAndListsEachVenue) {
  const OrderId open = h_.live_order(live_);
  const OrderId pending = h_.live_order(awaiting_);
  const std::vector<Action> a = h_.step(halt(f(), HaltReason::RiskLimit));

  EXPECT_TRUE(h_.engine().halted());
  EXPECT_EQ(h_.engine().halt_reason(), HaltReason::RiskLimit);
  EXPECT_TRUE(all_of<PlaceOrder>(a).empty());
  // CoinDCX Futures cancels every open order of the account in one request: no order gets a
  // request of its own. The accepted one is PendingCancel with its intent recorded first
  // (decision 5); the one awaiting its answer keeps the intent and is cancelled once accepted,
  // if the cancel-all did not take it already. Bybit has no such call.
  EXPECT_TRUE(all_of<CancelOrder>(a).empty());
  const auto sweeps = all_of<CancelAllOrders>(a);
  ASSERT_EQ(sweeps.size(), 1u);
  EXPECT_EQ(sweeps[0].venue, Venue::CoinDcxFutures);
  EXPECT_EQ(h_.order(open).status, OrderStatus::PendingCancel);
  EXPECT_EQ(h_.order(open).cancel_reason, CancelReason::Stop);
  EXPECT_EQ(h_.order(pending).cancel_reason, CancelReason::Stop);
  for (BotId b : {live_, awaiting_, stopped_}) EXPECT_EQ(h_.bot(b).status, BotStatus::Stopped);

  // Then every configured venue is listed, after the cancel-all went out.
  const auto listings = all_of<QueryOrders>(a);
  ASSERT_EQ(listings.size(), 2u);  // CoinDCX F and Bybit
  EXPECT_EQ(listings[0].venue, Venue::CoinDcxFutures);
  EXPECT_EQ(listings[1].venue, Venue::Bybit);
  std::size_t sweep_at = a.size();
  std::size_t first_listing_at = a.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::holds_alternative<CancelAllOrders>(a[i]) && sweep_at == a.size()) sweep_at = i;
    if (std::holds_alternative<QueryOrders>(a[i]) && first_listing_at == a.size()) {
      first_listing_at = i;
    }
  }
  EXPECT_LT(sweep_at, first_listing_at);

  EXPECT_EQ(log_texts(a).back(),
            "Trading halted (risk limit): 2 bot(s) stopped and 2 order(s) cancelled; no order "
            "goes out until resumed");
  const auto notes = all_of<Notify>(a);
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes.back().kind, NotifyKind::Halted);
  EXPECT_EQ(notes.back().count, 2u);
  EXPECT_EQ(notes.back().count2, 2u);
  EXPECT_EQ(notes.back().text.view(), "risk limit");
  const CommandResult r = only_result(a);
  EXPECT_EQ(r.cmd_id, 900u);
  EXPECT_EQ(r.status, CommandStatus::Ok);
  EXPECT_EQ(r.count, 2u);
}

TEST_F(KillSwitch, WhileHaltedWhateverWouldStartABotIsRefused) {
  h_.step(halt(f()));
  const std::string why = "trading is halted: resume first";
  const std::size_t bots = h_.engine().bot_count();

  const CommandResult create = only_result(h_.step(f().create(EventFactory::params("XRP/USDT"))));
  EXPECT_EQ(create.status, CommandStatus::Refused);
  EXPECT_EQ(create.text.view(), why);
  EXPECT_EQ(h_.engine().bot_count(), bots);

  const CommandResult start = only_result(h_.step(f().start(stopped_)));
  EXPECT_EQ(start.status, CommandStatus::Refused);
  EXPECT_EQ(start.text.view(), why);
  const CommandResult toggle = only_result(h_.step(f().toggle(stopped_)));
  EXPECT_EQ(toggle.status, CommandStatus::Refused);
  EXPECT_EQ(h_.bot(stopped_).status, BotStatus::Stopped);
  EXPECT_TRUE(all_of<PlaceOrder>(h_.last()).empty());

  // What does not start anything still works: an update (the bot stays stopped), a delete.
  BotParams p = EventFactory::params("SOL/USDT", Side::Buy, "0.01", "3800", "3950");
  EXPECT_EQ(only_result(h_.step(f().update(stopped_, p, kUpdateBuyPrice))).status,
            CommandStatus::Ok);
  EXPECT_TRUE(all_of<PlaceOrder>(h_.last()).empty());
  EXPECT_EQ(only_result(h_.step(f().remove(stopped_))).status, CommandStatus::Ok);
  EXPECT_EQ(only_result(h_.step(f().start(BotId{999}))).status, CommandStatus::NotFound);
}

TEST_F(KillSwitch, WhileHaltedNoOrderGoesOutWhateverArrives) {
  const OrderId open = h_.live_order(live_);
  const OrderId pending = h_.live_order(awaiting_);
  h_.step(halt(f()));

  // The placement in flight is accepted: it is cancelled at once, nothing is placed.
  const auto accepted = h_.accept(pending);
  EXPECT_EQ(all_of<CancelOrder>(accepted).size(), 1u);
  EXPECT_TRUE(all_of<PlaceOrder>(accepted).empty());

  // The cancelled order filled first: the fill is applied (position is truth), no exit.
  const auto filled = h_.fill(open);
  EXPECT_EQ(all_of<FillApplied>(filled).size(), 1u);
  EXPECT_TRUE(all_of<PlaceOrder>(filled).empty());
  EXPECT_EQ(h_.bot(live_).position, dec("0.01"));
  EXPECT_EQ(h_.bot(live_).status, BotStatus::Stopped);

  // The stream drops and comes back: reconciliation runs, nothing is placed.
  h_.step(f().disconnected());
  h_.step(f().connected());
  const auto q = all_of<QueryOrders>(h_.last());
  ASSERT_EQ(q.size(), 1u);
  h_.step(f().reconcile_begin(q[0].request_id));
  const auto end = h_.step(f().reconcile_end(q[0].request_id));
  EXPECT_EQ(h_.engine().venue_link(Venue::CoinDcxFutures), VenueLink::Live);
  EXPECT_TRUE(all_of<PlaceOrder>(end).empty());
}

TEST_F(KillSwitch, NoRetryGoesOutWhileHalted) {
  // A transient failure with its back-off running, then the halt: the retry places nothing.
  const OrderId pending = h_.live_order(awaiting_);
  h_.step(f().rejected(pending, "HTTP 503", RejectKind::Transient));
  const ArmTimer retry = detail::armed(h_.last());
  ASSERT_EQ(retry.kind, TimerKind::PlaceRetry);
  h_.step(halt(f()));
  f().advance(retry.deadline_mono_ns - f().mono_ns());
  EXPECT_TRUE(
      all_of<PlaceOrder>(h_.step(f().timer(awaiting_, retry.generation, retry.kind))).empty());
}

TEST_F(KillSwitch, AnUpdatesReplacementIsNotPlacedWhenItsCancelIsConfirmedWhileHalted) {
  const OrderId open = h_.live_order(live_);
  const BotParams p = EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3900", "3960");
  h_.step(f().update(live_, p, kUpdateSellPrice | kUpdateBuyPrice));
  ASSERT_EQ(all_of<CancelOrder>(h_.last()).size(), 1u);
  h_.step(halt(f()));
  EXPECT_EQ(h_.order(open).cancel_reason, CancelReason::Stop);  // the halt's intent now
  const auto confirmed = h_.cancelled_on_exchange(open);
  EXPECT_TRUE(all_of<PlaceOrder>(confirmed).empty());
  EXPECT_FALSE(h_.bot(live_).live_order.valid());
  EXPECT_EQ(h_.bot(live_).status, BotStatus::Stopped);
}

TEST_F(KillSwitch, ResumeLiftsTheHaltAndLeavesTheBotsStopped) {
  h_.step(halt(f(), HaltReason::JournalFailure));
  const std::vector<Action> a = h_.step(resume(f()));
  EXPECT_FALSE(h_.engine().halted());
  EXPECT_EQ(only_result(a).status, CommandStatus::Ok);
  EXPECT_EQ(log_texts(a),
            std::vector<std::string>{"Trading resumed: bots stay stopped until started"});
  const auto notes = all_of<Notify>(a);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].kind, NotifyKind::Resumed);
  EXPECT_TRUE(all_of<PlaceOrder>(a).empty());
  for (BotId b : {live_, awaiting_, stopped_}) EXPECT_EQ(h_.bot(b).status, BotStatus::Stopped);

  // The operator starts a bot: it trades again (once its old order has settled).
  h_.cancelled_on_exchange(h_.live_order(live_));
  const auto started = h_.step(f().start(live_));
  EXPECT_EQ(only_result(started).status, CommandStatus::Ok);
  EXPECT_EQ(all_of<PlaceOrder>(started).size(), 1u);
}

TEST_F(KillSwitch, ResumeWhenNotHaltedChangesNothing) {
  const std::vector<Action> a = h_.step(resume(f()));
  const CommandResult r = only_result(a);
  EXPECT_EQ(r.status, CommandStatus::NoOp);
  EXPECT_EQ(r.text.view(), "trading is not halted");
  EXPECT_EQ(a.size(), 1u);
}

TEST_F(KillSwitch, ASecondHaltSendsTheCancelAllAgainAndTakesTheNewReason) {
  h_.step(halt(f(), HaltReason::Operator));
  const auto again = h_.step(halt(f(), HaltReason::JournalFailure, 902));
  EXPECT_EQ(h_.engine().halt_reason(), HaltReason::JournalFailure);
  EXPECT_EQ(all_of<CancelAllOrders>(again).size(), 1u);  // the first may have been lost
  EXPECT_TRUE(all_of<CancelOrder>(again).empty());
  EXPECT_EQ(only_result(again).count, 0u);  // no bot was still running
  EXPECT_EQ(all_of<QueryOrders>(again).size(), 2u);
}

// The cancel-all failed or was lost: the listing after it still shows the order open, and
// that order's own cancel goes out (as its cancel timeout would make happen too).
TEST_F(KillSwitch, AnOrderTheListingStillShowsAfterTheCancelAllGetsItsOwnCancel) {
  const OrderId open = h_.live_order(live_);
  const auto a = h_.step(halt(f()));
  ASSERT_FALSE(all_of<CancelAllOrders>(a).empty());
  const std::uint64_t listing = all_of<QueryOrders>(a).front().request_id;
  std::vector<CancelOrder> cancels;
  for (const Event& ev : {f().reconcile_begin(listing),
                          f().reconcile_order(listing, h_.report(open, ExchangeStatus::Open, "0")),
                          f().reconcile_end(listing)}) {
    for (const CancelOrder& c : all_of<CancelOrder>(h_.step(ev))) cancels.push_back(c);
  }
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].order, open);
  EXPECT_EQ(cancels[0].reason, CancelReason::Stop);
  EXPECT_TRUE(all_of<PlaceOrder>(h_.last()).empty());
}

TEST_F(KillSwitch, TheHaltSurvivesACheckpointAndAJournalReplay) {
  h_.step(halt(f(), HaltReason::RiskLimit));
  std::vector<std::byte> bytes(h_.engine().checkpoint_capacity());
  bytes.resize(h_.engine().save(bytes));
  Engine restored(two_venues());
  ASSERT_TRUE(restored.restore(bytes));
  EXPECT_TRUE(restored.halted());
  EXPECT_EQ(restored.halt_reason(), HaltReason::RiskLimit);

  Engine replayed(two_venues());
  Outbox out(replayed.outbox_capacity());
  const std::vector<std::byte> journal = encode_journal(two_venues(), h_.journal());
  std::span<const std::byte> in(journal);
  EngineConfig config;
  std::size_t used = 0;
  ASSERT_EQ(journal::decode_header(in, config, used), journal::Status::Ok);
  in = in.subspan(used);
  Event ev;
  while (journal::decode_record(in, ev, used) == journal::Status::Ok) {
    in = in.subspan(used);
    out.clear();
    ASSERT_EQ(replayed.step(ev, out), StepStatus::Ok);
  }
  EXPECT_EQ(replayed.last_seq(), h_.engine().last_seq());
  EXPECT_TRUE(replayed.halted());
  EXPECT_EQ(replayed.halt_reason(), HaltReason::RiskLimit);
  // And either way a start is still refused.
  out.clear();
  ASSERT_EQ(replayed.step(f().start(stopped_), out), StepStatus::Ok);
  EXPECT_EQ(only_result({out.actions().begin(), out.actions().end()}).status,
            CommandStatus::Refused);
}

// Halt, Resume and Recovered are steps like any other: no allocation.
TEST(KillSwitchAndRecovery, StepWithoutAllocating) {
  EngineConfig c = two_venues();
  c.max_bots = 8;
  Engine engine(c);
  Outbox out(engine.outbox_capacity());
  EventFactory f;
  auto run = [&](const Event& ev) {
    out.clear();
    EXPECT_EQ(engine.step(ev, out), StepStatus::Ok);
  };
  run(f.connected());
  run(f.reconcile_begin(1));
  run(f.reconcile_end(1));
  for (const char* ticker : {"ETH/USDT", "BTC/USDT", "SOL/USDT"}) {
    run(f.create(EventFactory::params(ticker)));
  }
  // Built before counting: the counter watches step() alone.
  const Event events[] = {f.make(Halt{1, HaltReason::Operator, {}}), f.make(Resume{2}),
                          f.make(Recovered{0, 0}), f.make(Halt{3, HaltReason::RiskLimit, {}}),
                          f.make(Recovered{0, 0}), f.make(Resume{4})};
  const AllocationScope scope;
  for (const Event& ev : events) run(ev);
  EXPECT_EQ(scope.count(), 0u);
}

}  // namespace
}  // namespace scalper::testing
