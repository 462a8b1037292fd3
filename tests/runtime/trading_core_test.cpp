// TradingCore end to end against scalper-sim with TLS on, in one-thread and two-thread mode, for
// Engine.IO 3 and 4: one bot's
// full cycle (buy fills, the sell goes out, the sell fills, the next buy goes out), then the
// same under each fault the simulator injects. Afterwards exactly the expected orders are live
// on the exchange (its own listing, decoded by our codec) and every fill was applied once.
//
// Waits are bounded: the test thread waits on a condition variable the engine thread signals
// on every action, with a deadline.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "peer_process.hpp"
#include "scalper/feed/coindcx_rest.hpp"
#include "scalper/core/trading_core.hpp"
#include "sim_process.hpp"

namespace scalper::feed {
namespace {

using net::testing::Sim;
using net::testing::TempDir;

Decimal dec(std::string_view s) {
  Decimal d;
  EXPECT_EQ(parse_decimal(s, d), DecimalStatus::Ok) << s;
  return d;
}

// What the engine thread did, for the test thread to wait on and check. Its lists are reserved
// up front, so that recording allocates nothing on the core's thread: the allocation check
// reads that thread's count at every fill.
class Recorder {
 public:
  Recorder() {
    fills_.reserve(kReserved);
    cycles_.reserve(kReserved);
    orders_.reserve(kReserved);
    logs_.reserve(kReserved);
    allocations_at_fill_.reserve(kReserved);
  }

  void on_action(const Action& a) {
    const std::lock_guard lock(mutex_);
    if (orders_.size() == kReserved || logs_.size() == kReserved) overflowed_ = true;
    if (const auto* f = std::get_if<FillApplied>(&a)) {
      fills_.push_back(*f);
      allocations_at_fill_.push_back(testing::thread_allocation_count());
    }
    if (const auto* c = std::get_if<CycleCompleted>(&a)) cycles_.push_back(*c);
    if (const auto* o = std::get_if<OrderChanged>(&a)) orders_.push_back(o->order);
    if (const auto* b = std::get_if<BotChanged>(&a)) last_bot_ = b->bot;
    if (const auto* l = std::get_if<ActivityLog>(&a)) logs_.push_back(l->kind);
    changed_.notify_all();
  }

  // Waits until pred() holds (checked under the lock), at most within_ms.
  bool wait(const std::function<bool()>& pred, std::int64_t within_ms = 15'000) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(within_ms), pred);
  }

  void on_market(const FeedEvent& e) {
    const std::lock_guard lock(mutex_);
    if (std::holds_alternative<TradeTick>(e.body)) ++trades_;
    changed_.notify_all();
  }

  // Accessors for predicates (called with the lock held by wait()) and after stop().
  [[nodiscard]] std::size_t trades() const { return trades_; }
  [[nodiscard]] std::size_t count_log(LogKind k) const {
    return static_cast<std::size_t>(std::count(logs_.begin(), logs_.end(), k));
  }
  [[nodiscard]] const std::vector<FillApplied>& fills() const { return fills_; }
  // The core thread's allocation count when each fill was recorded.
  [[nodiscard]] const std::vector<std::uint64_t>& allocations_at_fill() const {
    return allocations_at_fill_;
  }
  [[nodiscard]] bool overflowed() const { return overflowed_; }
  [[nodiscard]] const std::vector<CycleCompleted>& cycles() const { return cycles_; }
  [[nodiscard]] const BotRecord& bot() const { return last_bot_; }
  // The newest record of the bot's live order accepted by the exchange, if it is `side`.
  [[nodiscard]] bool live_order_accepted(Side side) const {
    for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {
      if (it->id != last_bot_.live_order) continue;
      return it->side == side && !it->exchange_id.empty();
    }
    return false;
  }

 private:
  static constexpr std::size_t kReserved = 1 << 14;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<FillApplied> fills_;
  std::vector<std::uint64_t> allocations_at_fill_;
  std::vector<CycleCompleted> cycles_;
  std::vector<OrderRecord> orders_;
  std::vector<LogKind> logs_;
  BotRecord last_bot_;
  std::size_t trades_ = 0;
  bool overflowed_ = false;
};

// Orders as the exchange lists them (GET /sim/orders), decoded by our own codec.
struct Listed : OrderSink {
  std::vector<ExchangeOrder> orders;
  void on_order(const ExchangeOrder& o) override { orders.push_back(o); }
  [[nodiscard]] std::vector<ExchangeOrder> live() const {
    std::vector<ExchangeOrder> out;
    for (const auto& o : orders) {
      if (o.status == ExchangeStatus::Open || o.status == ExchangeStatus::PartiallyFilled ||
          o.status == ExchangeStatus::Initial) {
        out.push_back(o);
      }
    }
    return out;
  }
};

// The stream's Engine.IO version and the core's threading mode.
struct CoreMode {
  net::EioVersion eio = net::EioVersion::V4;
  CoreThreads threads = CoreThreads::Two;
};

class TradingCoreTest : public ::testing::TestWithParam<CoreMode> {
 protected:
  void start(std::vector<std::string> sim_flags = {}, std::int64_t request_timeout_ms = 2'000,
             bool configured_ticker = true) {
    std::vector<std::string> flags = {"--tls", "--cert-dir", dir_.path()};
    if (!default_heartbeats_) {
      // Short heartbeats, so that a stall is noticed (and the stream replaced) quickly.
      flags.insert(flags.end(), {"--ping-interval-ms", "300", "--ping-timeout-ms", "300"});
    }
    flags.insert(flags.end(), sim_flags.begin(), sim_flags.end());
    sim_ = std::make_unique<Sim>(flags);
    ASSERT_NE(sim_->port(), 0);
    net::TlsConfig tc;
    tc.trust = net::TlsTrust::CaFile;
    tc.ca_file = dir_.path() + "/cert.pem";
    // One TLS context per thread: a context and its session cache belong to one thread.
    stream_tls_ = std::make_unique<net::TlsContext>(tc);
    rest_tls_ = std::make_unique<net::TlsContext>(tc);

    TradingCoreConfig cfg;
    auto& s = cfg.stream;
    s.socketio.address = sim_->address();
    s.socketio.host = "localhost:" + std::to_string(sim_->port());
    s.socketio.tls = stream_tls_.get();
    s.socketio.version = GetParam().eio;
    s.socketio.backoff_initial_ms = 50;
    s.socketio.backoff_max_ms = 200;
    // A connection whose namespace connect was swallowed by a stall ends after this (see
    // EioSession): short, so that the stall test's waits hold with room under load.
    s.socketio.connect_timeout_ms = 2'000;
    s.api_key = "sim-key";
    s.api_secret = "sim-secret";
    s.silence_ms = silence_ms_;
    Symbol eth;
    ASSERT_TRUE(eth.try_assign("ETH/USDT"));
    if (configured_ticker) s.tickers = {eth};
    auto& g = cfg.gateway;
    g.http.address = sim_->address();
    g.http.tls = rest_tls_.get();
    g.http.tls_host = "localhost";
    g.http.backoff_initial_ms = 20;
    g.http.backoff_max_ms = 200;
    g.host = s.socketio.host;
    g.api_key = "sim-key";
    g.api_secret = "sim-secret";
    g.request_timeout_ms = request_timeout_ms;
    g.query_retry_ms = 100;
    cfg.engine = engine_;
    cfg.threads = GetParam().threads;
    cfg.on_action = [this](const Action& a) { rec_.on_action(a); };
    cfg.on_market = [this](const FeedEvent& e) { rec_.on_market(e); };
    cfg.log = [this](std::string_view line) {
      const std::lock_guard lock(core_log_mu_);
      core_log_ += std::string(line) + "\n";
    };
    core_ = std::make_unique<TradingCore>(std::move(cfg));
    core_->start();
    ASSERT_TRUE(rec_.wait([&] { return rec_.count_log(LogKind::Reconciled) >= 1; }))
        << "the stream connected and the first reconciliation ran";
  }

  void TearDown() override {
    if (core_) core_->stop();
  }

  // The bot every test trades with: ETH/USDT, 0.01, buy 3400, sell 3410, leverage 5.
  void submit_bot() {
    CreateBot c;
    c.cmd_id = 1;
    ASSERT_TRUE(c.params.ticker.try_assign("ETH/USDT"));
    c.params.quantity = dec("0.01");
    c.params.buy_price = dec("3400");
    c.params.sell_price = dec("3410");
    c.params.leverage = 5;
    ASSERT_TRUE(core_->submit(c));
  }

  void create_bot() {
    submit_bot();
    ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Buy); }))
        << "the first buy is live on the exchange";
  }

  void set_price(std::string_view price) {
    ASSERT_EQ(sim_->control("/sim/price",
                            R"({"pair":"B-ETH_USDT","price":")" + std::string(price) + "\"}"),
              200);
  }

  // How many fills the exchange made (GET /sim/fills: one object per fill).
  std::size_t fills_on_exchange() {
    const std::string body = sim_->fetch("/sim/fills");
    std::size_t n = 0;
    for (std::size_t at = body.find("\"order_id\""); at != std::string::npos;
         at = body.find("\"order_id\"", at + 1)) {
      ++n;
    }
    return n;
  }

  // The exchange's own listing of live orders.
  std::vector<ExchangeOrder> live_on_exchange() {
    const std::string body = sim_->fetch("/sim/orders");
    EXPECT_FALSE(body.empty());
    Listed listed;
    EXPECT_TRUE(decoder_.decode_orders(body, listed).ok());
    return listed.live();
  }

  // Buy fills, the sell goes out; the sell fills, a new buy goes out.
  void run_one_cycle() {
    set_price("3399");
    ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }))
        << "the sell went out after the buy filled";
    set_price("3411");
    ASSERT_TRUE(rec_.wait([&] {
      return rec_.cycles().size() == 1 && rec_.live_order_accepted(Side::Buy);
    })) << "the cycle closed and the next buy went out";
  }

  // The stream session reconciles a second time a second after its joins (see
  // stream_session.hpp); a fill lost before that listing would be found by it, not by the
  // path a test is about.
  void wait_for_the_second_reconciliation() {
    ASSERT_TRUE(rec_.wait([&] { return rec_.count_log(LogKind::Reconciled) >= 2; }));
  }

  // The sell is live: it fills, and the next buy goes out.
  void run_one_cycle_from_the_sell() {
    set_price("3411");
    ASSERT_TRUE(rec_.wait([&] {
      return rec_.cycles().size() == 1 && rec_.live_order_accepted(Side::Buy);
    })) << "the cycle closed and the next buy went out";
    expect_one_cycle_and_one_live_buy();
  }

  // Exactly one live order, the bot's buy at 3400, and each of the two fills applied once.
  // Stops the core first: the recorder is read without the engine thread running.
  void expect_one_cycle_and_one_live_buy() {
    // Counted before the stop: stopping closes the stream, and in two-thread mode the engine
    // may step that disconnect before it stops (a StreamDown the test itself caused).
    (void)rec_.wait([&] {
      stream_downs_before_stop_ = rec_.count_log(LogKind::StreamDown);
      return true;
    });
    core_->stop();
    const auto live = live_on_exchange();
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].side, Side::Buy);
    EXPECT_EQ(live[0].price, dec("3400"));
    EXPECT_EQ(rec_.fills().size(), 2u);
    EXPECT_EQ(rec_.cycles().size(), 1u);
    EXPECT_EQ(rec_.bot().total_trades, 1u);
    EXPECT_EQ(rec_.bot().position, Decimal{});
  }

  // Set before start(): the simulator's own heartbeats (Engine.IO ping every 25 s, timeout
  // 20 s), the engine's settings, and the stream's silence threshold.
  bool default_heartbeats_ = false;
  EngineConfig engine_;
  std::int64_t silence_ms_ = StreamSessionConfig{}.silence_ms;

  TempDir dir_;
  std::unique_ptr<Sim> sim_;
  std::unique_ptr<net::TlsContext> stream_tls_;
  std::unique_ptr<net::TlsContext> rest_tls_;
  Recorder rec_;
  std::mutex core_log_mu_;
  std::string core_log_;  // the core's log lines (why a stream dropped, ...), for failures
  std::size_t stream_downs_before_stop_ = 0;
  std::unique_ptr<TradingCore> core_;
  CoinDcxRestDecoder decoder_{std::size_t{1} << 20};

  [[nodiscard]] std::string core_log() {
    const std::lock_guard lock(core_log_mu_);
    return core_log_;
  }
};

TEST_P(TradingCoreTest, RunsAFullCycleOverTls) {
  start();
  create_bot();
  run_one_cycle();
  expect_one_cycle_and_one_live_buy();
  EXPECT_EQ(core_->threads(), GetParam().threads);
  if (GetParam().threads == CoreThreads::Two) {
    // Spin-then-park (the default): between the test's steps the engine thread slept, and
    // the feed thread's events (or the command) woke it through the eventfd.
    EXPECT_GT(core_->stats().engine_wakeups, 0u);
  }
}

// The hot path allocates nothing: between the fills of the first cycle and those of five
// more, the core's thread (the engine thread; in one-thread mode the only one, stream
// included) made no heap allocation. Read on that thread, at each fill.
TEST_P(TradingCoreTest, FillCyclesAllocateNothingOnTheCoreThread) {
  start();
  create_bot();
  run_one_cycle();  // warm-up: connections, buffers and first-use tables are made here
  for (std::size_t cycle = 2; cycle <= 6; ++cycle) {
    set_price("3399");
    ASSERT_TRUE(rec_.wait([&] { return rec_.fills().size() == 2 * cycle - 1; }));
    set_price("3411");
    ASSERT_TRUE(rec_.wait(
        [&] { return rec_.cycles().size() == cycle && rec_.live_order_accepted(Side::Buy); }));
  }
  core_->stop();
  ASSERT_FALSE(rec_.overflowed());
  const auto& at = rec_.allocations_at_fill();
  ASSERT_EQ(at.size(), 12u);
  EXPECT_EQ(at.back() - at[1], 0u) << "allocations on the core thread over five fill cycles";
}

TEST_P(TradingCoreTest, AFillMissedWhileTheStreamWasDroppedIsFoundByReconciliation) {
  start();
  create_bot();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"drop_stream"})"), 200);
  run_one_cycle();
  expect_one_cycle_and_one_live_buy();
}

TEST_P(TradingCoreTest, AStalledStreamIsReplacedAndItsFillRecovered) {
  start();
  create_bot();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"stall_stream","ms":0})"), 200);
  set_price("3399");  // the fill's event is lost in the stall
  ASSERT_TRUE(rec_.wait([&] { return rec_.count_log(LogKind::StreamDown) >= 1; }))
      << "the heartbeat noticed the stall";
  ASSERT_EQ(sim_->control("/sim/faults/clear", "{}"), 200);
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }))
      << "reconciliation found the fill and the sell went out";
  set_price("3411");
  ASSERT_TRUE(
      rec_.wait([&] { return rec_.cycles().size() == 1 && rec_.live_order_accepted(Side::Buy); }));
  expect_one_cycle_and_one_live_buy();
}

// ---- fills lost on a stream that stays up ------------------------------------------------
// With the simulator's default heartbeats no reconnect can happen within these tests (a dead
// stream is noticed after 45 s at the soonest), so only the engine's lost-report paths can
// find the fill. Each waits at most the bound the path promises, plus a second for the
// listing and the placement.

// The engine's counters, the fills on the exchange, and one cycle closed: read after stop().
// The stream's drops are those seen before the stop (expect_one_cycle_and_one_live_buy).
void expect_recovered_once(const TradingCore& core, std::size_t fills_on_exchange,
                           const Recorder& rec, std::size_t stream_downs,
                           const std::string& core_log) {
  EXPECT_EQ(core.engine().counters().fills_recovered, 1u);
  EXPECT_EQ(fills_on_exchange, rec.fills().size()) << "every fill the exchange made, once";
  EXPECT_EQ(stream_downs, 0u) << "the stream never dropped:\n" << core_log;
}

TEST_P(TradingCoreTest, AFillLostInAThreeSecondStallGoesOutWithinTheSweepInterval) {
  default_heartbeats_ = true;
  start();
  create_bot();
  wait_for_the_second_reconciliation();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"stall_stream","ms":3000})"), 200);
  set_price("3399");  // the fill's event and its trade are lost in the stall
  const std::int64_t sweep_ms = EngineConfig{}.sweep_interval_ns / 1'000'000;
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }, sweep_ms + 1'000))
      << "the sell went out within the sweep interval";
  EXPECT_EQ(live_on_exchange().size(), 1u) << "the buy filled, the sell alone is live";
  ASSERT_EQ(sim_->control("/sim/faults/clear", "{}"), 200);  // the stall may not be over yet
  run_one_cycle_from_the_sell();
  expect_recovered_once(*core_, fills_on_exchange(), rec_, stream_downs_before_stop_, core_log());
  const EngineCounters& c = core_->engine().counters();
  EXPECT_GE(c.silence_checks + c.sweeps, 1u);
}

TEST_P(TradingCoreTest, AFillEventLostWhileTheTradePrintsIsFoundWithinASecond) {
  default_heartbeats_ = true;
  engine_.sweep_interval_ns = 0;  // only the trade path is left to find it
  silence_ms_ = 0;
  start();
  create_bot();
  wait_for_the_second_reconciliation();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"lose_events","count":1})"), 200);
  set_price("3399");  // the fill's order update is lost; the trade through 3400 prints
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }, 1'000))
      << "the trade through the buy's price found the fill within a second";
  EXPECT_EQ(live_on_exchange().size(), 1u);
  run_one_cycle_from_the_sell();
  expect_recovered_once(*core_, fills_on_exchange(), rec_, stream_downs_before_stop_, core_log());
  EXPECT_GE(core_->engine().counters().trade_checks, 1u);
}

TEST_P(TradingCoreTest, AFillLostInAStallIsFoundByTheNextTradeThroughThePrice) {
  default_heartbeats_ = true;
  engine_.sweep_interval_ns = 0;
  silence_ms_ = 0;
  start();
  create_bot();
  wait_for_the_second_reconciliation();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"stall_stream","ms":0})"), 200);
  set_price("3399");  // fill and trade both lost
  ASSERT_EQ(sim_->control("/sim/faults/clear", "{}"), 200);
  set_price("3398");  // a later trade through the buy's price
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }, 1'000))
      << "found within a second of the later trade";
  run_one_cycle_from_the_sell();
  expect_recovered_once(*core_, fills_on_exchange(), rec_, stream_downs_before_stop_, core_log());
  EXPECT_GE(core_->engine().counters().trade_checks, 1u);
}

TEST_P(TradingCoreTest, TheSweepAloneFindsALostFill) {
  default_heartbeats_ = true;
  engine_.trade_check_ns = 3'600'000'000'000;  // trades cannot help
  engine_.sweep_interval_ns = 2'000'000'000;
  silence_ms_ = 0;
  start();
  create_bot();
  wait_for_the_second_reconciliation();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"lose_events","count":1})"), 200);
  set_price("3399");
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }, 2'000 + 1'000))
      << "the sell went out within the sweep interval";
  run_one_cycle_from_the_sell();
  expect_recovered_once(*core_, fills_on_exchange(), rec_, stream_downs_before_stop_, core_log());
  EXPECT_GE(core_->engine().counters().sweeps, 1u);
}

TEST_P(TradingCoreTest, DuplicatedEventsApplyEachFillOnce) {
  start();
  create_bot();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"duplicate_events","count":100})"), 200);
  run_one_cycle();
  expect_one_cycle_and_one_live_buy();
}

TEST_P(TradingCoreTest, ReorderedEventsStillApplyEachFillOnce) {
  start();
  create_bot();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"reorder_events","count":100})"), 200);
  set_price("3399");
  // A reordered pair is held until its partner comes; clearing releases a lone one.
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }, 3'000) ||
              sim_->control("/sim/faults/clear", "{}") == 200);
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Sell); }));
  ASSERT_EQ(sim_->control("/sim/faults/clear", "{}"), 200);
  set_price("3411");
  ASSERT_TRUE(
      rec_.wait([&] { return rec_.cycles().size() == 1 && rec_.live_order_accepted(Side::Buy); }));
  expect_one_cycle_and_one_live_buy();
}

TEST_P(TradingCoreTest, ACreateThatTimesOutWithTheOrderLiveIsAdoptedNotDoubled) {
  start({}, /*request_timeout_ms=*/500);
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"hang_next_create"})"), 200);
  submit_bot();
  ASSERT_TRUE(rec_.wait([&] { return rec_.count_log(LogKind::OrderAdopted) == 1; }))
      << "the listing found the order the hung create made";
  ASSERT_TRUE(rec_.wait([&] { return rec_.live_order_accepted(Side::Buy); }));
  EXPECT_EQ(live_on_exchange().size(), 1u) << "never a second live order";
  run_one_cycle();
  expect_one_cycle_and_one_live_buy();
}

TEST_P(TradingCoreTest, ARateLimitedCreateIsCheckedThenPlacedOnce) {
  start();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"http_429","count":1})"), 200);
  create_bot();  // 429 -> outcome unknown -> listing: not there -> placed again
  EXPECT_EQ(live_on_exchange().size(), 1u);
  run_one_cycle();
  expect_one_cycle_and_one_live_buy();
}

TEST_P(TradingCoreTest, ARejectedOrderPutsTheBotInErrorWithNothingLive) {
  start();
  ASSERT_EQ(sim_->control("/sim/fault", R"({"kind":"reject_next_order","mode":"http"})"), 200);
  submit_bot();
  ASSERT_TRUE(rec_.wait([&] { return rec_.bot().status == BotStatus::Error; }));
  core_->stop();
  EXPECT_TRUE(live_on_exchange().empty());
}

TEST_P(TradingCoreTest, AManualCancelOnTheExchangeStopsTheBot) {
  start();
  create_bot();
  const auto live = live_on_exchange();
  ASSERT_EQ(live.size(), 1u);
  ASSERT_EQ(
      sim_->control("/sim/cancel", R"({"id":")" + std::string(live[0].exchange_id.view()) + "\"}"),
      200);
  ASSERT_TRUE(rec_.wait([&] {
    return rec_.count_log(LogKind::AutoStopped) == 1 && rec_.bot().status == BotStatus::Stopped;
  }));
  core_->stop();
  EXPECT_TRUE(live_on_exchange().empty());
}

TEST_P(TradingCoreTest, WatchesTheTickerOfEveryBot) {
  start({}, 2'000, /*configured_ticker=*/false);  // no ticker in the configuration
  create_bot();
  // The simulator prints a trade on every price it is given; the join has no ack, so prices
  // are set until one arrives (each wait ends at the first trade, or after 100 ms).
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) {
    set_price(i % 2 == 0 ? "3405" : "3406");
    seen = rec_.wait([&] { return rec_.trades() > 0; }, 100);
  }
  EXPECT_TRUE(seen) << "the bot's ticker got its trades channel";
  core_->stop();
  EXPECT_GT(core_->stats().trades, 0u);
}

// Both threading modes; each Engine.IO version in one of them at least (the versions differ
// only below the session, which tests/net and tests/coindcx cover for both).
INSTANTIATE_TEST_SUITE_P(Mode, TradingCoreTest,
                         ::testing::Values(CoreMode{net::EioVersion::V3, CoreThreads::One},
                                           CoreMode{net::EioVersion::V4, CoreThreads::One},
                                           CoreMode{net::EioVersion::V4, CoreThreads::Two}),
                         [](const ::testing::TestParamInfo<CoreMode>& p) {
                           return std::string(p.param.threads == CoreThreads::One ? "One" : "Two") +
                                  (p.param.eio == net::EioVersion::V3 ? "V3" : "V4");
                         });

TEST(CoreThreadsChoice, AutoIsOneThreadBelowFourCpusAndSaysSo) {
  EXPECT_EQ(resolve_threads(CoreThreads::Auto, 1), CoreThreads::One);
  EXPECT_EQ(resolve_threads(CoreThreads::Auto, 3), CoreThreads::One);
  EXPECT_EQ(resolve_threads(CoreThreads::Auto, 4), CoreThreads::Two);
  EXPECT_EQ(resolve_threads(CoreThreads::Two, 2), CoreThreads::Two) << "asked for: kept";
  EXPECT_EQ(resolve_threads(CoreThreads::One, 64), CoreThreads::One);
  EXPECT_EQ(describe_threads(CoreThreads::Auto, CoreThreads::One, 2),
            "core: one thread for the feed and the engine (2 CPUs usable; threads = \"auto\": "
            "one below 4 CPUs)");
  EXPECT_EQ(describe_threads(CoreThreads::Two, CoreThreads::Two, 1),
            "core: a feed thread and an engine thread (1 CPU usable; threads = \"two\" in the "
            "configuration)");
  EXPECT_GE(usable_cpus(), 1);
}

}  // namespace
}  // namespace scalper::feed
