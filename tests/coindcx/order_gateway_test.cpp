// OrderGateway against scalper-sim's REST surface: signed creates accepted with the exchange's
// id, refusals with the exchange's message, cancels, the reconciliation snapshot, and every
// way an answer can go missing (hung create with the order live, 5xx, 429, no connection),
// each with the outcome the engine must see. Plain and TLS. Waits are bounded.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "peer_process.hpp"
#include "poll_until.hpp"
#include "scalper/feed/order_gateway.hpp"
#include "sim_process.hpp"

namespace scalper::feed {
namespace {

using net::testing::Sim;
using timing::mono_ms;
using net::testing::TempDir;

Decimal dec(std::string_view s) {
  Decimal d;
  EXPECT_EQ(parse_decimal(s, d), DecimalStatus::Ok) << s;
  return d;
}

PlaceOrder order(std::uint64_t id, std::string_view price, Side side = Side::Buy) {
  PlaceOrder p;
  p.order = OrderId{id};
  p.bot = BotId{1};
  EXPECT_TRUE(p.symbol.try_assign("ETH/USDT"));
  p.price = dec(price);
  p.quantity = dec("0.01");
  p.side = side;
  p.leverage = 5;
  return p;
}

// Keeps every event, in storage reserved up front (the allocation check counts the gateway).
struct Events : GatewaySink {
  Events() { all.reserve(10'000); }
  std::vector<EventBody> all;
  void on_gateway_event(const EventBody& e) override { all.push_back(e); }

  template <class T>
  [[nodiscard]] std::vector<T> of() const {
    std::vector<T> out;
    for (const EventBody& e : all) {
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }
  template <class T>
  [[nodiscard]] std::size_t count() const {
    return of<T>().size();
  }
};

class OrderGatewayTest : public ::testing::Test {
 protected:
  void make_gateway(std::uint16_t port, net::TlsContext* tls = nullptr,
                    std::int64_t request_timeout_ms = 2'000, std::int64_t queue_timeout_ms = 5'000,
                    RateLimits limits = {}) {
    std::string warning;
    loop_ = net::EventLoop::create(net::LoopConfig{}, warning);
    OrderGatewayConfig cfg;
    cfg.http.address = net::testing::loopback(port);
    cfg.http.tls = tls;
    cfg.http.tls_host = "localhost";
    cfg.http.backoff_initial_ms = 10;
    cfg.http.backoff_max_ms = 50;
    cfg.host = "localhost:" + std::to_string(port);
    cfg.api_key = "sim-key";
    cfg.api_secret = "sim-secret";
    cfg.request_timeout_ms = request_timeout_ms;
    cfg.queue_timeout_ms = queue_timeout_ms;
    cfg.limits = limits;
    cfg.query_retry_ms = 50;
    gateway_ = std::make_unique<OrderGateway>(*loop_, cfg, events_);
    gateway_->start(mono_ms());
  }
  void TearDown() override {
    if (!gateway_) return;
    gateway_->stop();
    (void)run_until([&] { return gateway_->quiescent(); }, 5000);
  }
  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return net::testing::poll_until(
        *loop_, [&](std::int64_t now) { gateway_->tick(now); }, done, within_ms);
  }
  bool ready() {
    return run_until([&] { return gateway_->ready_connections() > 0; });
  }
  std::string accepted_id(std::uint64_t order_id) {
    for (const auto& a : events_.of<OrderAccepted>()) {
      if (a.order == OrderId{order_id}) return std::string(a.exchange_id.view());
    }
    return {};
  }

  std::unique_ptr<net::EventLoop> loop_;
  Events events_;
  std::unique_ptr<OrderGateway> gateway_;
};

TEST_F(OrderGatewayTest, ACreateIsAcceptedWithTheExchangesId) {
  Sim sim({});
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  ASSERT_TRUE(gateway_->place(order(7, "3400.5"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.all.size() == 1; }));
  const auto accepted = events_.of<OrderAccepted>();
  ASSERT_EQ(accepted.size(), 1u) << "a signed create the simulator took";
  EXPECT_EQ(accepted[0].order, OrderId{7});
  EXPECT_EQ(accepted[0].exchange_id.size(), 36u) << accepted[0].exchange_id.view();
}

TEST_F(OrderGatewayTest, ARefusalCarriesTheExchangesMessage) {
  Sim sim({});
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  ASSERT_TRUE(gateway_->place(order(8, "3400.505"), mono_ms()));  // off the 0.01 tick
  ASSERT_TRUE(run_until([&] { return !events_.all.empty(); }));
  const auto rejected = events_.of<OrderRejected>();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].kind, RejectKind::Definitive);
  EXPECT_NE(rejected[0].reason.view().find("divisible by 0.01"), std::string_view::npos)
      << rejected[0].reason.view();
}

TEST_F(OrderGatewayTest, CancelsAreSilentWhenTheyWorkAndReportedWhenNot) {
  Sim sim({});
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  ASSERT_TRUE(gateway_->place(order(1, "3400"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return !accepted_id(1).empty(); }));
  CancelOrder c;
  c.order = OrderId{1};
  ASSERT_TRUE(c.exchange_id.try_assign(accepted_id(1)));
  ASSERT_TRUE(gateway_->cancel(c, mono_ms()));
  CancelOrder unknown;
  unknown.order = OrderId{2};
  ASSERT_TRUE(unknown.exchange_id.try_assign("00000000-0000-0000-0000-000000000000"));
  ASSERT_TRUE(gateway_->cancel(unknown, mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.count<CancelFailed>() == 1; }));
  ASSERT_TRUE(run_until([&] {
    return gateway_->stats().sent == 3 && gateway_->queued() == 0 &&
           gateway_->ready_connections() == 2;
  }));
  const auto failed = events_.of<CancelFailed>();
  EXPECT_EQ(failed[0].order, OrderId{2});
  EXPECT_NE(failed[0].reason.view().find("HTTP 4"), std::string_view::npos)
      << failed[0].reason.view();
  EXPECT_EQ(events_.all.size(), 2u) << "the good cancel produced no event";
}

// The kill switch's one request: every open order of the account goes, with no event (the
// stream reports each cancel); a refused one is counted, not reported (the engine lists the
// venue after it anyway).
TEST_F(OrderGatewayTest, CancelAllTakesEveryOpenOrderAndIsSilent) {
  Sim sim({});
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  ASSERT_TRUE(gateway_->place(order(1, "3400"), mono_ms()));
  ASSERT_TRUE(gateway_->place(order(2, "3410", Side::Sell), mono_ms()));
  ASSERT_TRUE(gateway_->place(order(3, "3390"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.count<OrderAccepted>() == 3; }));
  ASSERT_TRUE(gateway_->cancel_all(CancelAllOrders{}, mono_ms()));
  QueryOrders q;
  q.request_id = 7;
  ASSERT_TRUE(gateway_->query(q, mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.count<ReconcileEnd>() == 1; }));
  std::size_t open = 0;
  for (const ReconcileOrder& r : events_.of<ReconcileOrder>()) {
    if (r.order.status == ExchangeStatus::Open) ++open;
  }
  EXPECT_EQ(open, 0u) << "an order survived the cancel-all";
  EXPECT_EQ(gateway_->stats().cancel_all_sent, 1u);
  EXPECT_EQ(gateway_->stats().cancel_all_failed, 0u);
  EXPECT_EQ(events_.count<CancelFailed>(), 0u);

  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"http_5xx","count":1})"), 200);
  ASSERT_TRUE(gateway_->cancel_all(CancelAllOrders{}, mono_ms()));
  ASSERT_TRUE(run_until([&] { return gateway_->stats().cancel_all_failed == 1; }));
  EXPECT_EQ(events_.count<CancelFailed>(), 0u);
}

TEST_F(OrderGatewayTest, AQueryHandsOverOpenAndRecentlyClosedOrdersAtOnce) {
  Sim sim({});
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  ASSERT_TRUE(gateway_->place(order(1, "3400"), mono_ms()));
  ASSERT_TRUE(gateway_->place(order(2, "3390"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.count<OrderAccepted>() == 2; }));
  CancelOrder c;
  c.order = OrderId{2};
  ASSERT_TRUE(c.exchange_id.try_assign(accepted_id(2)));
  ASSERT_TRUE(gateway_->cancel(c, mono_ms()));
  QueryOrders q;
  q.request_id = 99;
  ASSERT_TRUE(gateway_->query(q, mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.count<ReconcileEnd>() == 1; }));
  // Begin, the orders, End: nothing of it before every listing succeeded.
  std::size_t begin_at = 0;
  while (!std::holds_alternative<ReconcileBegin>(events_.all[begin_at])) ++begin_at;
  const auto listed = events_.of<ReconcileOrder>();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ReconcileEnd>(events_.all.back()));
  EXPECT_EQ(events_.all.size() - begin_at, listed.size() + 2);
  for (const auto& o : listed) {
    EXPECT_EQ(o.request_id, 99u);
    EXPECT_EQ(o.order.symbol.view(), "ETH/USDT");
    if (o.order.exchange_id.view() == accepted_id(1)) {
      EXPECT_EQ(o.order.status, ExchangeStatus::Open);
      EXPECT_EQ(o.order.price, dec("3400"));
    } else {
      EXPECT_EQ(o.order.exchange_id.view(), accepted_id(2));
      EXPECT_EQ(o.order.status, ExchangeStatus::Cancelled);
    }
  }
}

TEST_F(OrderGatewayTest, AHungCreateIsAnUnknownOutcomeAndTheOrderIsFoundByListing) {
  Sim sim({});
  make_gateway(sim.port(), nullptr, 300);
  ASSERT_TRUE(ready());
  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"hang_next_create"})"), 200);
  ASSERT_TRUE(gateway_->place(order(5, "3401"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return !events_.all.empty(); }));
  ASSERT_EQ(events_.count<OrderOutcomeUnknown>(), 1u) << "a timeout is not a failure";
  EXPECT_EQ(events_.of<OrderOutcomeUnknown>()[0].order, OrderId{5});
  QueryOrders q;
  q.request_id = 1;
  ASSERT_TRUE(gateway_->query(q, mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.count<ReconcileEnd>() == 1; }));
  const auto listed = events_.of<ReconcileOrder>();
  ASSERT_EQ(listed.size(), 1u) << "the hung create made the order live";
  EXPECT_EQ(listed[0].order.price, dec("3401"));
  EXPECT_EQ(listed[0].order.status, ExchangeStatus::Open);
}

TEST_F(OrderGatewayTest, ServerErrorsAndRateLimitsAreUnknownOutcomes) {
  Sim sim({});
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"http_5xx","count":1})"), 200);
  ASSERT_TRUE(gateway_->place(order(1, "3400"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.all.size() == 1; }));
  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"http_429","count":1})"), 200);
  ASSERT_TRUE(gateway_->place(order(2, "3400"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.all.size() == 2; }));
  EXPECT_EQ(events_.count<OrderOutcomeUnknown>(), 2u);
  EXPECT_EQ(gateway_->stats().rate_limited, 1u);
  // The 429 paused every request for its Retry-After; the next one still goes through.
  ASSERT_TRUE(gateway_->place(order(3, "3400"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.all.size() == 3; }));
  EXPECT_EQ(accepted_id(3).size(), 36u);
}

TEST_F(OrderGatewayTest, ABurstIsPacedUnderTheExchangesLimit) {
  Sim sim({});  // 16 requests per second per key, like the exchange
  make_gateway(sim.port());
  ASSERT_TRUE(ready());
  for (std::uint64_t i = 0; i < 40; ++i) {
    ASSERT_TRUE(gateway_->place(order(100 + i, "3300", Side::Buy), mono_ms()));
  }
  ASSERT_TRUE(run_until([&] { return events_.all.size() == 40; }, 20'000));
  EXPECT_EQ(events_.count<OrderAccepted>(), 40u);
  EXPECT_EQ(gateway_->stats().rate_limited, 0u) << "the exchange never had to refuse";
}

TEST_F(OrderGatewayTest, WithoutAConnectionAnOrderIsRejectedAsNeverSent) {
  // A port with nobody listening.
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = net::testing::loopback(0);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(probe);
  make_gateway(ntohs(a.sin_port), nullptr, 2'000, /*queue_timeout_ms=*/300);
  ASSERT_TRUE(gateway_->place(order(9, "3400"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return !events_.all.empty(); }));
  const auto rejected = events_.of<OrderRejected>();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].kind, RejectKind::Transient) << "it cannot be live";
  EXPECT_EQ(gateway_->stats().sent, 0u);
}

TEST_F(OrderGatewayTest, OverTlsWithoutAllocatingPerOrder) {
  TempDir dir;
  Sim sim({"--tls", "--cert-dir", dir.path(), "--rate-limit", "1000,60000"});
  ASSERT_NE(sim.port(), 0);
  net::TlsConfig tc;
  tc.trust = net::TlsTrust::CaFile;
  tc.ca_file = dir.path() + "/cert.pem";
  net::TlsContext tls(tc);
  RateLimits fast;  // the simulator was told 1000/s: so are we
  fast.per_second = 1'000;
  fast.per_minute = 60'000;
  make_gateway(sim.port(), &tls, 2'000, 5'000, fast);
  ASSERT_TRUE(ready());
  // Warm-up, then 50 creates and 50 cancels with their answers.
  ASSERT_TRUE(gateway_->place(order(1, "3400"), mono_ms()));
  ASSERT_TRUE(run_until([&] { return events_.all.size() == 1; }));
  ASSERT_EQ(accepted_id(1).size(), 36u);
  const scalper::testing::AllocationScope allocs;
  for (std::uint64_t i = 0; i < 50; ++i) {
    const std::size_t before = events_.all.size();
    ASSERT_TRUE(gateway_->place(order(10 + i, "3400"), mono_ms()));
    const std::int64_t end = mono_ms() + 5000;
    while (events_.all.size() == before && mono_ms() < end) {
      gateway_->tick(mono_ms());
      (void)loop_->poll_once(1'000'000);
    }
    ASSERT_EQ(events_.all.size(), before + 1);
    const auto* a = std::get_if<OrderAccepted>(&events_.all.back());
    ASSERT_NE(a, nullptr);
    CancelOrder c;
    c.order = a->order;
    c.exchange_id = a->exchange_id;
    ASSERT_TRUE(gateway_->cancel(c, mono_ms()));
  }
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_EQ(events_.count<OrderAccepted>(), 51u);
}

}  // namespace
}  // namespace scalper::feed
