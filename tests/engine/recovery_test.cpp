// Recovery after a restart (docs/architecture.md §4): the new process restores the old one's
// state (a checkpoint, then the journal after it) and steps Recovered; the exchange's listing
// then settles what was in flight. Never a second order for a placement whose answer died
// with the old process (CoinDCX has no client order id, decision 8), never a fill applied
// twice, and every bot ends with exactly its one order.
//
// The scenarios drive each case explicitly; RecoveryProperty cuts random histories anywhere
// (often right after a placement went out) against a small exchange that lists the truth.
// engine_property_test.cpp runs restarts inside its long random histories too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine_harness.hpp"
#include "scenarios.hpp"

namespace scalper::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;
using Bytes = std::vector<std::byte>;

Bytes checkpoint_of(const Engine& engine) {
  Bytes bytes(engine.checkpoint_capacity());
  bytes.resize(engine.save(bytes));
  return bytes;
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

// One core process: its engine and outbox. Events come from the caller's EventFactory, so a
// process that takes over carries on with the journal's seq and clock.
class Process {
 public:
  explicit Process(const EngineConfig& config) : engine_(config), out_(engine_.outbox_capacity()) {}

  Engine& engine() { return engine_; }

  const std::vector<Action>& step(const Event& ev) {
    out_.clear();
    EXPECT_EQ(engine_.step(ev, out_), StepStatus::Ok) << "seq " << ev.seq;
    EXPECT_FALSE(out_.overflowed());
    last_.assign(out_.actions().begin(), out_.actions().end());
    return last_;
  }

 private:
  Engine engine_;
  Outbox out_;
  std::vector<Action> last_;
};

// An order as the exchange lists it.
ExchangeOrder on_book(const OrderRecord& o, std::string_view xid, ExchangeStatus status,
                      Decimal filled) {
  ExchangeOrder r;
  r.exchange_id = testing::xid(xid);
  r.symbol = o.symbol;
  r.price = o.price;
  r.total_qty = o.quantity;
  r.filled_qty = filled;
  r.avg_price = filled.is_zero() ? Decimal{} : o.price;
  r.exchange_ts_ms = o.created_wall_ns / 1'000'000;
  r.venue = o.venue;
  r.status = status;
  r.side = o.side;
  return r;
}

class Recovery : public ::testing::Test {
 protected:
  EventFactory& f() { return h_.events(); }
  Engine& engine() { return next_->engine(); }
  const OrderRecord& order(OrderId id) {
    const OrderRecord* o = engine().find_order(id);
    EXPECT_NE(o, nullptr) << "order " << id.value;
    static const OrderRecord none;
    return o == nullptr ? none : *o;
  }
  const BotRecord& bot(BotId id) {
    const BotRecord* b = engine().find_bot(id);
    EXPECT_NE(b, nullptr) << "bot " << id.value;
    static const BotRecord none;
    return b == nullptr ? none : *b;
  }

  // The old process dies now; a new one restores its last state and steps Recovered.
  std::vector<Action> crash_and_recover() {
    next_ = std::make_unique<Process>(h_.engine().config());
    EXPECT_TRUE(next_->engine().restore(checkpoint_of(h_.engine())));
    return next_->step(f().make(Recovered{h_.engine().last_seq(), 0}));
  }

  // The stream comes back: its listing is answered with `listed`.
  std::vector<Action> reconnect(const std::vector<ExchangeOrder>& listed) {
    std::vector<Action> all = next_->step(f().connected());
    const auto q = all_of<QueryOrders>(all);
    EXPECT_EQ(q.size(), 1u);
    if (!q.empty()) append(all, answer(q[0], listed));
    return all;
  }

  std::vector<Action> answer(const QueryOrders& q, const std::vector<ExchangeOrder>& listed) {
    std::vector<Action> all = next_->step(f().reconcile_begin(q.request_id, q.venue));
    for (const ExchangeOrder& o : listed)
      append(all, next_->step(f().reconcile_order(q.request_id, o)));
    append(all, next_->step(f().reconcile_end(q.request_id, q.venue)));
    return all;
  }

  std::vector<Action> fire(const ArmTimer& t) {
    if (t.deadline_mono_ns > f().mono_ns()) f().advance(t.deadline_mono_ns - f().mono_ns());
    return next_->step(t.bot.valid() ? f().timer(t.bot, t.generation, t.kind)
                                     : f().venue_timer(t.generation, t.kind, t.venue));
  }

  EngineHarness h_;
  std::unique_ptr<Process> next_;
};

TEST_F(Recovery, APlacementInFlightThatLandedIsFoundNotSentAgain) {
  const BotId b = h_.create_bot(EventFactory::params(), false);  // PlaceOrder out, no answer
  const OrderId placed = h_.live_order(b);
  const std::vector<Action> recovered = crash_and_recover();

  EXPECT_TRUE(all_of<PlaceOrder>(recovered).empty());
  EXPECT_TRUE(all_of<QueryOrders>(recovered).empty());  // the reconnect's listing will ask
  const auto changed = all_of<OrderChanged>(recovered);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].order.id, placed);
  EXPECT_EQ(changed[0].order.status, OrderStatus::Unknown);
  EXPECT_EQ(log_texts(recovered),
            std::vector<std::string>{"Engine recovered after restart: 1 placement(s) and 0 "
                                     "cancel(s) in flight, to be settled by listing; new orders "
                                     "wait for reconciliation"});
  for (Venue v : {Venue::CoinDcxFutures, Venue::Binance, Venue::Bybit}) {
    EXPECT_EQ(engine().venue_link(v), VenueLink::Down);
  }

  const std::vector<Action> after =
      reconnect({on_book(order(placed), "LANDED-1", ExchangeStatus::Open, Decimal{})});
  EXPECT_TRUE(all_of<PlaceOrder>(after).empty()) << "a second order for the same placement";
  EXPECT_EQ(bot(b).live_order, placed);
  EXPECT_EQ(order(placed).status, OrderStatus::Open);
  EXPECT_EQ(order(placed).exchange_id.view(), "LANDED-1");
  EXPECT_EQ(engine().venue_link(Venue::CoinDcxFutures), VenueLink::Live);

  // It trades on as usual: its fill places exactly one exit.
  const auto filled = next_->step(f().update_event(
      on_book(order(placed), "LANDED-1", ExchangeStatus::Filled, order(placed).quantity)));
  EXPECT_EQ(all_of<FillApplied>(filled).size(), 1u);
  const auto exits = all_of<PlaceOrder>(filled);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].side, Side::Sell);
}

TEST_F(Recovery, APlacementInFlightThatNeverLandedIsPlacedOnceAfterTwoListings) {
  const BotId b = h_.create_bot(EventFactory::params(), false);
  const OrderId lost = h_.live_order(b);
  crash_and_recover();

  const std::vector<Action> first = reconnect({});
  EXPECT_TRUE(all_of<PlaceOrder>(first).empty()) << "one listing is not enough to tell";
  ArmTimer recheck;
  for (const ArmTimer& t : all_of<ArmTimer>(first)) {
    if (t.kind == TimerKind::OutcomeRecheck) recheck = t;
  }
  ASSERT_TRUE(recheck.bot.valid()) << "no recheck armed";

  const std::vector<Action> asked = fire(recheck);
  const auto q = all_of<QueryOrders>(asked);
  ASSERT_EQ(q.size(), 1u);
  const std::vector<Action> second = answer(q[0], {});
  const auto places = all_of<PlaceOrder>(second);
  ASSERT_EQ(places.size(), 1u);
  EXPECT_NE(places[0].order, lost);
  EXPECT_EQ(order(lost).status, OrderStatus::Rejected);
  EXPECT_EQ(bot(b).live_order, places[0].order);
  EXPECT_EQ(log_texts(second).front(), "BUY order was not placed; placing it again");
}

TEST_F(Recovery, AFillLostInTheCrashIsAppliedOnceFromTheListing) {
  const BotId b = h_.create_bot(EventFactory::params());
  const OrderId buy = h_.live_order(b);
  const std::string xid = EngineHarness::exchange_id_of(buy);
  const std::vector<Action> recovered = crash_and_recover();
  EXPECT_TRUE(all_of<OrderChanged>(recovered).empty());  // an accepted order is just listed

  const ExchangeOrder filled =
      on_book(order(buy), xid, ExchangeStatus::Filled, order(buy).quantity);
  const std::vector<Action> after = reconnect({filled});
  EXPECT_EQ(all_of<FillApplied>(after).size(), 1u);
  ASSERT_EQ(all_of<PlaceOrder>(after).size(), 1u);  // the exit, once the venue is live
  EXPECT_EQ(bot(b).position, dec("0.01"));
  EXPECT_EQ(engine().counters().fills_recovered, 1u);

  // The stream's own report of it arrives late: nothing more.
  const auto late = next_->step(f().update_event(filled));
  EXPECT_TRUE(all_of<FillApplied>(late).empty());
  EXPECT_TRUE(all_of<PlaceOrder>(late).empty());
  EXPECT_EQ(bot(b).position, dec("0.01"));
}

TEST_F(Recovery, ACancelInFlightIsSentAgainWhenTheListingStillShowsTheOrder) {
  const BotId b = h_.create_bot(EventFactory::params());
  const OrderId buy = h_.live_order(b);
  const std::string xid = EngineHarness::exchange_id_of(buy);
  h_.step(f().stop(b));
  ASSERT_EQ(all_of<CancelOrder>(h_.last()).size(), 1u);
  const std::vector<Action> recovered = crash_and_recover();

  const auto timers = all_of<ArmTimer>(recovered);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, TimerKind::CancelTimeout);
  EXPECT_EQ(timers[0].deadline_mono_ns,
            f().mono_ns() + EngineHarness::default_config().cancel_timeout_ns);
  EXPECT_EQ(log_texts(recovered),
            std::vector<std::string>{"Engine recovered after restart: 0 placement(s) and 1 "
                                     "cancel(s) in flight, to be settled by listing; new orders "
                                     "wait for reconciliation"});

  const std::vector<Action> after =
      reconnect({on_book(order(buy), xid, ExchangeStatus::Open, Decimal{})});
  const auto cancels = all_of<CancelOrder>(after);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].reason, CancelReason::Stop);
  EXPECT_TRUE(all_of<PlaceOrder>(after).empty());

  const auto done =
      next_->step(f().update_event(on_book(order(buy), xid, ExchangeStatus::Cancelled, Decimal{})));
  EXPECT_TRUE(all_of<PlaceOrder>(done).empty());
  EXPECT_EQ(bot(b).status, BotStatus::Stopped);
  EXPECT_FALSE(bot(b).live_order.valid());
}

TEST_F(Recovery, ACancelThatWentThroughIsSettledByTheListing) {
  const BotId b = h_.create_bot(EventFactory::params());
  const OrderId buy = h_.live_order(b);
  h_.step(f().stop(b));
  crash_and_recover();
  const std::vector<Action> after = reconnect({on_book(
      order(buy), EngineHarness::exchange_id_of(buy), ExchangeStatus::Cancelled, Decimal{})});
  EXPECT_TRUE(all_of<CancelOrder>(after).empty());
  EXPECT_TRUE(all_of<PlaceOrder>(after).empty());
  EXPECT_EQ(order(buy).status, OrderStatus::Cancelled);
  EXPECT_EQ(bot(b).status, BotStatus::Stopped);
}

TEST_F(Recovery, ARetryBackOffIsArmedAgainAndPlacesOnlyOnceTheVenueIsLive) {
  const BotId b = h_.create_bot(EventFactory::params(), false);
  h_.step(f().rejected(h_.live_order(b), "HTTP 503", RejectKind::Transient));
  const ArmTimer old = detail::armed(h_.last());
  ASSERT_EQ(old.kind, TimerKind::PlaceRetry);
  const std::vector<Action> recovered = crash_and_recover();

  const auto timers = all_of<ArmTimer>(recovered);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, TimerKind::PlaceRetry);
  EXPECT_EQ(timers[0].bot, b);
  EXPECT_GT(timers[0].generation, old.generation);
  EXPECT_EQ(timers[0].deadline_mono_ns, f().mono_ns() + 200 * kMs);  // attempt 1's back-off

  EXPECT_TRUE(all_of<PlaceOrder>(fire(old)).empty());  // the old process's: stale
  EXPECT_EQ(engine().counters().stale_timers, h_.engine().counters().stale_timers + 1);
  EXPECT_TRUE(all_of<PlaceOrder>(fire(timers[0])).empty());  // the venue is not live yet
  const auto places = all_of<PlaceOrder>(reconnect({}));
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].bot, b);
}

TEST_F(Recovery, EveryVenueGoesDownAndItsTimersLapseUntilItIsLiveAgain) {
  const ArmTimer sweep = detail::armed(h_.last());  // armed when the harness's venue went live
  ASSERT_EQ(sweep.kind, TimerKind::Sweep);
  const BotId b = h_.create_bot(EventFactory::params());
  h_.step(f().trade("ETH/USDT", "3900"));  // through the buy's price: a trade check
  const ArmTimer check = detail::armed(h_.last());
  ASSERT_EQ(check.kind, TimerKind::TradeCheck);
  crash_and_recover();

  EXPECT_TRUE(all_of<QueryOrders>(fire(check)).empty());
  EXPECT_TRUE(all_of<QueryOrders>(fire(sweep)).empty());
  const std::vector<Action> after =
      reconnect({on_book(order(h_.live_order(b)), EngineHarness::exchange_id_of(h_.live_order(b)),
                         ExchangeStatus::Open, Decimal{})});
  const auto timers = all_of<ArmTimer>(after);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].kind, TimerKind::Sweep);
  EXPECT_EQ(engine().venue_link(Venue::CoinDcxFutures), VenueLink::Live);
}

// As the runtime does it: an older checkpoint, then the journal's records after it (their
// actions discarded), then Recovered. Before Recovered the new engine is the old one exactly.
TEST_F(Recovery, FromAnOlderCheckpointAndTheJournalAfterIt) {
  const BotId b = h_.create_bot(EventFactory::params());
  const Bytes checkpoint = checkpoint_of(h_.engine());
  const std::uint64_t covered = h_.engine().last_seq();
  h_.fill(h_.live_order(b));  // the exit goes out, no answer yet
  const OrderId exit = detail::placed(h_.last());
  ASSERT_TRUE(exit.valid());
  h_.step(f().trade("ETH/USDT", "3951"));

  next_ = std::make_unique<Process>(h_.engine().config());
  ASSERT_TRUE(next_->engine().restore(checkpoint));
  std::uint64_t replayed = 0;
  for (const Event& ev : h_.journal()) {
    if (ev.seq <= covered) continue;
    next_->step(ev);
    ++replayed;
  }
  EXPECT_EQ(replayed, 2u);
  EXPECT_EQ(checkpoint_of(engine()), checkpoint_of(h_.engine()));

  const auto recovered = next_->step(f().make(Recovered{covered, replayed}));
  EXPECT_EQ(order(exit).status, OrderStatus::Unknown);
  EXPECT_EQ(bot(b).position, dec("0.01"));
  const auto after = reconnect({on_book(order(exit), "EXIT-1", ExchangeStatus::Open, Decimal{})});
  EXPECT_TRUE(all_of<PlaceOrder>(after).empty());
  EXPECT_EQ(bot(b).live_order, exit);
}

TEST_F(Recovery, StaysHaltedAcrossTheRestart) {
  h_.create_bot(EventFactory::params());
  h_.step(f().make(Halt{5, HaltReason::RiskLimit, {}}));
  crash_and_recover();
  EXPECT_TRUE(engine().halted());
  EXPECT_EQ(engine().halt_reason(), HaltReason::RiskLimit);
}

// ---- random histories cut anywhere ----------------------------------------------------------

// A small exchange that knows the truth and lists all of it (open and closed orders), and an
// operator who starts and stops three bots with prices of their own (so the book says whose an
// order is). Before the crash anything goes: answers arrive late, are unknown or transient
// failures, reports get lost; the cut falls anywhere, or right after a placement went out. After
// it the world is kind (answers come, cancels go through) until nothing is left in flight.
class Trial {
 public:
  explicit Trial(std::uint64_t seed) : rng_(seed), process_(std::make_unique<Process>(config())) {}

  static EngineConfig config() {
    EngineConfig c;
    c.max_bots = 4;
    return c;
  }

  void run(std::size_t before_crash, bool right_after_a_placement) {
    step(f_.connected());
    settle();
    static constexpr const char* kBuy[] = {"3900", "3901", "3902"};
    static constexpr const char* kSell[] = {"3950", "3951", "3952"};
    for (int i = 0; i < 3; ++i) {
      step(f_.create(EventFactory::params("ETH/USDT", Side::Buy, "0.01", kBuy[i], kSell[i])));
      bots_.push_back(all_of<CommandResult>(last_).at(0).bot);
    }
    for (std::size_t i = 0; i < before_crash || (right_after_a_placement && !placed_); ++i) {
      if (i > 10 * before_crash + 200) break;  // no placement came: cut anyway
      chaos();
    }
    crash();
    step(f_.make(Recovered{process_->engine().last_seq(), 0}));
    step(f_.connected());
    settle();
    check_end();
  }

 private:
  struct BookOrder {
    std::string xid;
    OrderId ours;
    BotId bot;
    ExchangeOrder report;  // as it would be listed now
    bool open = true;
  };

  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  template <class T>
  std::size_t pick(const std::vector<T>& v) {
    return static_cast<std::size_t>(rng_() % v.size());
  }

  void step(const Event& ev) {
    last_ = process_->step(ev);
    placed_ = false;
    for (const Action& a : last_) {
      if (const auto* p = std::get_if<PlaceOrder>(&a)) {
        placed_ = true;
        awaiting_.push_back(*p);
        if (chance(70)) land(*p);
      } else if (const auto* c = std::get_if<CancelOrder>(&a)) {
        cancels_.push_back(*c);
      } else if (const auto* q = std::get_if<QueryOrders>(&a)) {
        queries_.push_back(*q);
      } else if (const auto* t = std::get_if<ArmTimer>(&a)) {
        if (t->bot.valid()) timers_.push_back(*t);
      } else if (const auto* fill = std::get_if<FillApplied>(&a)) {
        applied_[std::string(fill->exchange_id.view())] += fill->quantity;
        position_[fill->bot.value] += fill->side == Side::Buy ? fill->quantity : -fill->quantity;
      }
    }
    // The book's side of decision 12, at every step: one open order per bot at most.
    std::map<std::uint64_t, int> open;
    for (const BookOrder& o : book_) {
      if (o.open) {
        EXPECT_LE(++open[o.bot.value], 1) << "bot " << o.bot.value << " has two open orders";
      }
    }
  }

  void land(const PlaceOrder& p) {
    BookOrder o;
    o.xid = "B" + std::to_string(book_.size() + 1);
    o.ours = p.order;
    o.bot = p.bot;
    o.report.exchange_id = xid(o.xid);
    o.report.symbol = p.symbol;
    o.report.price = p.price;
    o.report.total_qty = p.quantity;
    o.report.side = p.side;
    o.report.status = ExchangeStatus::Open;
    o.report.exchange_ts_ms = (EventFactory::kStartWallNs + f_.mono_ns()) / 1'000'000;
    book_.push_back(o);
  }

  BookOrder* landed(OrderId id) {
    for (BookOrder& o : book_) {
      if (o.ours == id) return &o;
    }
    return nullptr;
  }

  void report(BookOrder& o, bool delivered) {
    if (delivered) step(f_.update_event(o.report));
  }

  // One random thing before the crash.
  void chaos() {
    const int r = static_cast<int>(rng_() % 100);
    if (r < 30 && !awaiting_.empty()) {
      const std::size_t i = pick(awaiting_);
      const PlaceOrder p = awaiting_[i];
      awaiting_.erase(awaiting_.begin() + static_cast<std::ptrdiff_t>(i));
      BookOrder* o = landed(p.order);
      if (o != nullptr && chance(80)) return step(f_.accepted(p.order, o->xid));
      if (o == nullptr && chance(50)) {
        return step(f_.rejected(p.order, "HTTP 503", RejectKind::Transient));
      }
      return step(f_.outcome_unknown(p.order));
    }
    if (r < 55) {
      std::vector<std::size_t> open;
      for (std::size_t i = 0; i < book_.size(); ++i) {
        if (book_[i].open) open.push_back(i);
      }
      if (!open.empty()) {
        BookOrder& o = book_[open[pick(open)]];
        o.report.filled_qty = o.report.total_qty;
        o.report.avg_price = o.report.price;
        o.report.status = ExchangeStatus::Filled;
        o.open = false;
        return report(o, chance(75));
      }
    }
    if (r < 65 && !cancels_.empty()) {
      const CancelOrder c = cancels_.front();
      cancels_.erase(cancels_.begin());
      return cancel(c, chance(80));
    }
    if (r < 75 && !queries_.empty()) return list(pop_front(queries_));
    if (r < 85 && !timers_.empty()) return fire_next();
    const BotId b = bots_[pick(bots_)];
    step(chance(50) ? f_.stop(b) : f_.start(b));
  }

  void cancel(const CancelOrder& c, bool delivered) {
    for (BookOrder& o : book_) {
      if (o.xid == c.exchange_id.view() && o.open) {
        o.open = false;
        o.report.status = ExchangeStatus::Cancelled;
        return report(o, delivered);
      }
    }
  }

  template <class T>
  static T pop_front(std::vector<T>& v) {
    const T t = v.front();
    v.erase(v.begin());
    return t;
  }

  // The book as it is now (a row's step may place an order: it is not in this listing).
  void list(const QueryOrders& q) {
    std::vector<ExchangeOrder> rows;
    for (const BookOrder& o : book_) rows.push_back(o.report);
    step(f_.reconcile_begin(q.request_id, q.venue));
    for (const ExchangeOrder& row : rows) step(f_.reconcile_order(q.request_id, row));
    step(f_.reconcile_end(q.request_id, q.venue));
  }

  void fire_next() {
    std::sort(timers_.begin(), timers_.end(), [](const ArmTimer& a, const ArmTimer& b) {
      return a.deadline_mono_ns < b.deadline_mono_ns;
    });
    const ArmTimer t = pop_front(timers_);
    if (t.deadline_mono_ns > f_.mono_ns()) f_.advance(t.deadline_mono_ns - f_.mono_ns());
    step(f_.timer(t.bot, t.generation, t.kind));
  }

  // The process dies: the new one restores its state; what was in flight dies with it, but a
  // cancel may have reached the exchange.
  void crash() {
    auto next = std::make_unique<Process>(config());
    ASSERT_TRUE(next->engine().restore(checkpoint_of(process_->engine())));
    process_ = std::move(next);
    awaiting_.clear();
    queries_.clear();
    timers_.clear();
    for (const CancelOrder& c : cancels_) {
      for (BookOrder& o : book_) {
        if (o.xid == c.exchange_id.view() && o.open && chance(50)) {
          o.open = false;
          o.report.status = ExchangeStatus::Cancelled;
        }
      }
    }
    cancels_.clear();
  }

  // After the crash: answers come, cancels go through, timers fire, until nothing is left.
  void settle() {
    for (int i = 0; i < 1'000; ++i) {
      if (!queries_.empty()) {
        list(pop_front(queries_));
      } else if (!awaiting_.empty()) {
        const PlaceOrder p = pop_front(awaiting_);
        if (landed(p.order) == nullptr) land(p);
        step(f_.accepted(p.order, landed(p.order)->xid));
      } else if (!cancels_.empty()) {
        cancel(pop_front(cancels_), true);
      } else if (!timers_.empty()) {
        fire_next();
      } else {
        return;
      }
    }
    ADD_FAILURE() << "still busy after 1000 rounds";
  }

  void check_end() {
    Engine& e = process_->engine();
    for (const BotId b : bots_) {
      const BotRecord* rec = e.find_bot(b);
      ASSERT_NE(rec, nullptr);
      int open = 0;
      const BookOrder* mine = nullptr;
      for (const BookOrder& o : book_) {
        if (o.open && o.bot == b) {
          ++open;
          mine = &o;
        }
      }
      if (rec->status == BotStatus::Active) {
        EXPECT_EQ(open, 1) << "bot " << b.value << " should end with exactly its one order";
        const OrderRecord* live = e.find_order(rec->live_order);
        ASSERT_NE(live, nullptr) << "bot " << b.value << " has no live order";
        EXPECT_EQ(live->status, OrderStatus::Open);
        if (mine != nullptr) {
          EXPECT_EQ(live->exchange_id.view(), mine->xid);
        }
      } else {
        EXPECT_EQ(open, 0) << "stopped bot " << b.value << " left an order on the book";
      }
      // Every fill the book made was applied, once: positions agree with the book.
      Decimal truth;
      for (const BookOrder& o : book_) {
        if (o.bot == b) {
          truth += o.report.side == Side::Buy ? o.report.filled_qty : -o.report.filled_qty;
        }
      }
      EXPECT_EQ(rec->position, truth) << "bot " << b.value;
      EXPECT_EQ(position_[b.value], truth) << "bot " << b.value;
    }
    for (const BookOrder& o : book_) {
      EXPECT_EQ(applied_[o.xid], o.report.filled_qty) << o.xid;
    }
  }

  std::mt19937_64 rng_;
  EventFactory f_;
  std::unique_ptr<Process> process_;
  std::vector<Action> last_;
  std::vector<BotId> bots_;
  std::vector<BookOrder> book_;
  std::vector<PlaceOrder> awaiting_;
  std::vector<CancelOrder> cancels_;
  std::vector<QueryOrders> queries_;
  std::vector<ArmTimer> timers_;
  std::map<std::string, Decimal> applied_;
  std::map<std::uint64_t, Decimal> position_;
  bool placed_ = false;
};

TEST(RecoveryProperty, EveryBotEndsWithExactlyItsOneOrderAndEveryFillOnce) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 cut(seed * 7919);
    Trial trial(seed);
    trial.run(static_cast<std::size_t>(cut() % 60), seed % 2 == 0);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace scalper::testing
