// engine_regression_test.cpp — short deterministic sequences for defects the property test
// (engine_property_test.cpp) ran into, one test each, minimised by hand from the failing seed.
//
// Each test states the expectation, not the fix: it must keep passing whatever the repair is.
// The "settle" helper plays a cooperative runtime and exchange for a few rounds: it answers
// every QueryOrders with the listing the test describes, confirms every CancelOrder the way the
// test says, and fires every armed timer once the clock passes its deadline.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine_harness.hpp"

namespace scalper::testing {
namespace {

// Quantities and prices of EventFactory::params(): 0.01 @ 3900 / 3950 on ETH/USDT.
constexpr std::string_view kQty = "0.01";

struct ExchangeBook {
  // What a listing returns (open orders and recent history), keyed by exchange id.
  std::map<std::string, ExchangeOrder> listed;
  // A CancelOrder for a listed order: carried out (the order leaves `listed` and a "cancelled"
  // report is streamed, unless `lose_reports`), or, with `cancels_time_out`, answered by
  // CancelFailed with the order still there. For an order not listed: "order not found".
  bool cancels_time_out = false;
  bool lose_reports = false;
};

// Plays the runtime and the exchange for `rounds` rounds, starting from `actions`: answers
// every QueryOrders and CancelOrder, and fires every armed timer once nothing else is pending
// (advancing the clock past its deadline). Returns every action the engine produced.
std::vector<Action> settle(EngineHarness& h, ExchangeBook& book, std::vector<Action> actions,
                           int rounds = 8) {
  std::vector<Action> seen;
  std::vector<ArmTimer> timers;
  for (int round = 0; round < rounds; ++round) {
    std::vector<Event> next;
    for (const Action& a : actions) {
      if (const auto* q = std::get_if<QueryOrders>(&a)) {
        next.push_back(h.events().reconcile_begin(q->request_id, q->venue));
        for (const auto& [id, order] : book.listed) {
          next.push_back(h.events().reconcile_order(q->request_id, order));
        }
        next.push_back(h.events().reconcile_end(q->request_id, q->venue));
      } else if (const auto* c = std::get_if<CancelOrder>(&a)) {
        auto it = book.listed.find(std::string(c->exchange_id.view()));
        if (it == book.listed.end()) {
          next.push_back(h.events().cancel_failed(c->order, "order not found"));
        } else if (book.cancels_time_out) {
          next.push_back(h.events().cancel_failed(c->order, "timeout"));
        } else {
          ExchangeOrder r = it->second;
          r.status = r.filled_qty.is_zero() ? ExchangeStatus::Cancelled
                                            : ExchangeStatus::PartiallyCancelled;
          book.listed.erase(it);
          if (!book.lose_reports) next.push_back(h.events().update_event(r));
        }
      } else if (const auto* t = std::get_if<ArmTimer>(&a)) {
        timers.push_back(*t);
      }
    }
    actions.clear();
    if (next.empty()) {  // nothing else pending: let the clock pass every armed timer
      if (timers.empty()) break;
      for (const ArmTimer& t : timers) {
        if (h.events().mono_ns() < t.deadline_mono_ns) {
          h.events().advance(t.deadline_mono_ns - h.events().mono_ns());
        }
        next.push_back(h.events().timer(t.bot, t.generation, t.kind));
      }
      timers.clear();
    }
    for (const Event& ev : next) {
      h.step(ev);
      seen.insert(seen.end(), h.last().begin(), h.last().end());
      actions.insert(actions.end(), h.last().begin(), h.last().end());
    }
  }
  return seen;
}

std::vector<Action> last_of(const EngineHarness& h) { return {h.last().begin(), h.last().end()}; }

std::size_t cancels_of(const std::vector<Action>& actions, OrderId order) {
  std::size_t n = 0;
  for (const CancelOrder& c : all_of<CancelOrder>(actions)) n += c.order == order ? 1u : 0u;
  return n;
}

// Property test, fixed seed 3 (step 9288; most fixed seeds hit it), [fill-once]: a fast bot's
// fifth order reuses the slot of its first, so the engine forgets the first order's exchange
// id. When the fifth order's placement outcome is unknown, the listing the engine asks for
// still shows the first order (filled a moment ago: within the 2 s adoption skew) with the same
// symbol, side, price and quantity, and adopt() takes it for the fifth: its fill is applied a
// second time.
TEST(EngineRegression, ListedFillOfForgottenOrderIsNotAppliedAgain) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId first = h.live_order(bot);
  h.fill(first);
  const ExchangeOrder first_filled = h.report(first, ExchangeStatus::Filled, kQty);
  // Three more legs: sell, buy, sell. The bot is flat again and places its fifth order.
  for (int leg = 0; leg < 3; ++leg) {
    const auto places = all_of<PlaceOrder>(h.last());
    ASSERT_EQ(places.size(), 1u);
    h.accept(places[0].order);
    h.fill(places[0].order);
  }
  const auto fifth = all_of<PlaceOrder>(h.last());
  ASSERT_EQ(fifth.size(), 1u);
  ASSERT_EQ(fifth[0].side, Side::Buy);
  ASSERT_TRUE(h.bot(bot).position.is_zero());

  h.step(h.events().outcome_unknown(fifth[0].order));
  const auto q = all_of<QueryOrders>(h.last());
  ASSERT_EQ(q.size(), 1u);
  // The listing: nothing open (the fifth order never reached the book), the first one among
  // the recently closed orders.
  h.step(h.events().reconcile_begin(q[0].request_id));
  h.step(h.events().reconcile_order(q[0].request_id, first_filled));
  EXPECT_TRUE(all_of<FillApplied>(h.last()).empty())
      << "the fill of " << h.exchange_id_of(first) << " was applied again";
  h.step(h.events().reconcile_end(q[0].request_id));
  EXPECT_TRUE(h.bot(bot).position.is_zero());
}

// Property generator, bots stranded: two bots with the same definition. A's placement times
// out (unknown outcome); B's order reaches the book and its "open" report beats B's REST
// answer, so adopt() gives B's exchange order to A (same symbol, side, price, quantity: the
// ambiguity is real). B's acceptance is then refused ("exchange id already belongs to another
// order") and B's order stays PENDING_NEW for ever: nothing lists or retries it, B never trades
// again and cannot even be deleted. (In seed 19 of an earlier generator a repeated acceptance,
// arriving after A's order was forgotten, then applied the same fill to both bots.)
TEST(EngineRegression, AcceptanceOfIdAdoptedByAnotherBotDoesNotStrandTheOrder) {
  EngineHarness h;
  h.create_bot(EventFactory::params(), /*accept=*/false);
  const OrderId a_order = all_of<PlaceOrder>(h.last()).at(0).order;
  h.step(h.events().outcome_unknown(a_order));
  std::vector<Action> pending = last_of(h);  // A's listing, answered below

  const BotId b = h.create_bot(EventFactory::params(), /*accept=*/false);
  const OrderId b_order = all_of<PlaceOrder>(h.last()).at(0).order;
  ExchangeOrder b_open = h.report(b_order, ExchangeStatus::Open, "0");
  b_open.exchange_id = xid("XB");
  h.send(b_open);  // B's order on the stream before B's REST answer: adopted by A's order
  h.step(h.events().accepted(b_order, "XB"));
  pending.insert(pending.end(), h.last().begin(), h.last().end());
  h.step(h.events().remove(b));
  pending.insert(pending.end(), h.last().begin(), h.last().end());

  ExchangeBook book;
  book.listed["XB"] = b_open;  // A's own placement never reached the book
  settle(h, book, pending);

  const OrderRecord* stuck = h.engine().find_order(b_order);
  EXPECT_TRUE(stuck == nullptr || stuck->status != OrderStatus::PendingNew)
      << "B's order is still PENDING_NEW";
  EXPECT_EQ(h.engine().find_bot(b), nullptr) << "bot B was never deleted";
}

// Property generator, bots stranded: a cancel that fails (timeout, 5xx) while the order stays
// on the book. The engine lists orders, sees the order open, and does nothing more: the order
// stays PENDING_CANCEL and live on the exchange, and a second stop (or a delete, or the
// emergency stop-all) cannot send the cancel again because cancel_live() skips PENDING_CANCEL.
TEST(EngineRegression, CancelIsSentAgainWhenItFailedAndTheOrderIsStillOpen) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId order = h.live_order(bot);
  h.step(h.events().stop(bot));
  ASSERT_EQ(cancels_of(h.last(), order), 1u);
  std::vector<Action> pending = last_of(h);  // the cancel timeout

  ExchangeBook book;
  book.listed[h.exchange_id_of(order)] = h.report(order, ExchangeStatus::Open, "0");
  book.cancels_time_out = true;
  h.step(h.events().cancel_failed(order, "timeout"));
  pending.insert(pending.end(), h.last().begin(), h.last().end());
  std::vector<Action> after = settle(h, book, pending);
  h.step(h.events().stop(bot));
  after.insert(after.end(), h.last().begin(), h.last().end());
  h.step(h.events().stop_all());
  after.insert(after.end(), h.last().begin(), h.last().end());

  EXPECT_GE(cancels_of(after, order), 1u)
      << "the order is open on the exchange and nothing will ever cancel it again";
}

// Property generator, bots stranded: the exchange carried out our cancel, but its "cancelled"
// report was lost (the stream dropped) and the order has since left the recent history, so no
// listing shows it. The engine never concludes anything from an order's absence from the open
// orders: it stays PENDING_CANCEL, and a bot being deleted stays half-deleted for ever.
TEST(EngineRegression, PendingCancelOrderAbsentFromListingsIsSettled) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params());
  const OrderId order = h.live_order(bot);
  ExchangeBook book;
  book.listed[h.exchange_id_of(order)] = h.report(order, ExchangeStatus::Open, "0");
  book.lose_reports = true;  // the exchange cancels it; the "cancelled" report never comes
  h.step(h.events().remove(bot));
  ASSERT_EQ(cancels_of(h.last(), order), 1u);
  settle(h, book, last_of(h));  // the cancel timeout fires; its listing shows nothing

  const OrderRecord* o = h.engine().find_order(order);
  EXPECT_TRUE(o == nullptr || is_terminal(o->status)) << "order still PENDING_CANCEL";
  EXPECT_EQ(h.engine().find_bot(bot), nullptr) << "the deleted bot never goes away";
}

// Property generator, bots stranded: the exchange rejects an order just after accepting it
// (margin check) and the stream's "rejected" arrives before the REST acceptance. Early reports
// are buffered for replay at acceptance, but resolve_report() refuses to buffer "rejected"
// ones, so the rejection is lost: the order is OPEN for ever, the bot waits for a fill that
// cannot come, and decision 7 (rejected -> ERROR with an alert) never happens.
TEST(EngineRegression, RejectedReportBeforeAcceptanceIsNotLost) {
  EngineHarness h;
  const BotId bot = h.create_bot(EventFactory::params(), /*accept=*/false);
  const OrderId order = all_of<PlaceOrder>(h.last()).at(0).order;
  h.send(h.report(order, ExchangeStatus::Rejected, "0"));
  h.accept(order);

  EXPECT_EQ(h.order(order).status, OrderStatus::Rejected);
  EXPECT_EQ(h.bot(bot).status, BotStatus::Error);
}

// Property test under UBSan (SCALPER_PROPERTY_STEPS=100000, fixed seed 1): "signed integer
// overflow" in Decimal::operator+= from complete_cycle_if_flat(). Validation bounds one order's
// value (quantity x sell price <= 10^10), but a bot's cumulative PnL is added unchecked and the
// Decimal range is only +-9.2 x 10^10: a valid bot of 90,000,000 @ 0.5 / 50.5 earns 4.5 x 10^9
// a cycle and its pnl overflows (undefined behaviour; wraps negative in practice) at cycle 21.
TEST(EngineRegression, CumulativePnlOfLargeValidBotDoesNotOverflow) {
  EngineHarness h;
  const BotId bot =
      h.create_bot(EventFactory::params("DOGE/INR", Side::Buy, "90000000", "0.5", "50.5"));
  Decimal previous;
  for (int leg = 0; leg < 2 * 25; ++leg) {
    const OrderId live = h.bot(bot).live_order;
    if (!live.valid()) break;  // the engine may refuse to go on; it must not wrap
    h.fill(live);
    const Decimal pnl = h.bot(bot).pnl;
    ASSERT_FALSE(pnl.is_negative()) << "after leg " << leg + 1;
    ASSERT_GE(pnl, previous) << "after leg " << leg + 1;
    previous = pnl;
    const auto places = all_of<PlaceOrder>(h.last());
    if (places.empty()) break;
    h.accept(places[0].order);
  }
}

}  // namespace
}  // namespace scalper::testing
