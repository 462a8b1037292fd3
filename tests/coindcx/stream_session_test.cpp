// CoinDcxStreamSession on its own, against the npm socket.io v4 server
// (tests/net/interop/node/sio_server.js), which sends whatever a test asks for through a
// second connection ("emit-as", to every client): order updates become FeedEvents with the
// decode time, malformed frames are counted and logged at a bounded rate, the application
// ping goes out on its interval, and a lost order update (queue full) forces the reconnect
// that makes the engine reconcile. Waits are bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <scalper/net/socketio_client.hpp>

#include "peer_process.hpp"
#include "poll_until.hpp"
#include "scalper/feed/stream_session.hpp"

namespace scalper::feed {
namespace {

using net::testing::PeerProcess;
using timing::mono_ms;

std::atomic<std::int64_t> g_fake_ns{1'000'000'000};
std::int64_t fake_clock_ns() { return g_fake_ns.load(); }

struct Sink : FeedEventSink {
  std::vector<FeedEvent> events;
  bool refuse_next_order = false;
  bool on_feed_event(const FeedEvent& e) override {
    if (refuse_next_order && std::holds_alternative<OrderUpdate>(e.body)) {
      refuse_next_order = false;
      return false;
    }
    events.push_back(e);
    return true;
  }
  template <class T>
  [[nodiscard]] std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<T>(e.body) ? 1u : 0u;
    return n;
  }
};

// The test's own connection to the server, to make it emit.
struct Controller : net::SocketIoListener {
  int connected = 0;
  void on_connected() override { ++connected; }
  void on_event(std::string_view, std::string_view) override {}
  void on_disconnected(std::string_view) override {}
};

// A df-order-update envelope as the exchange sends it: data is JSON text in a string.
std::string order_update_envelope(std::string_view id, std::string_view status) {
  const std::string inner = R"([{"id":")" + std::string(id) +
                            R"(","pair":"B-ETH_USDT","side":"buy","status":")" +
                            std::string(status) +
                            R"(","price":3400.5,"total_quantity":0.01,"remaining_quantity":0,)"
                            R"("filled_quantity":0.01,"avg_price":3400.5,"fee_amount":0.0085,)"
                            R"("created_at":1705647376759}])";
  std::string escaped;
  for (const char c : inner) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return R"({"event":"df-order-update","data":")" + escaped + "\"}";
}

class StreamSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<PeerProcess>(std::vector<std::string>{SCALPER_NODE, "sio_server.js"},
                                            SCALPER_NODE_INTEROP_DIR);
    port_ = server_->wait_for_port("listening ");
    ASSERT_NE(port_, 0) << "node sio_server.js did not start (npm ci in "
                        << SCALPER_NODE_INTEROP_DIR << "?)";
    std::string warning;
    loop_ = net::EventLoop::create(net::LoopConfig{}, warning);
    net::SocketIoClientConfig c;
    c.address = net::testing::loopback(port_);
    c.host = "127.0.0.1:" + std::to_string(port_);
    c.backoff_initial_ms = 20;
    c.backoff_max_ms = 80;
    controller_client_ = std::make_unique<net::SocketIoClient>(*loop_, c, controller_);
    controller_client_->start(mono_ms());
  }
  void TearDown() override {
    if (session_) session_->stop();
    controller_client_->stop();
    (void)run_until(
        [&] { return controller_client_->quiescent() && (!session_ || session_->quiescent()); },
        5000);
  }

  // settle_ms: long by default, so that only the test of it sees the second StreamConnected.
  void make_session(std::int64_t ping_interval_ms = 25'000, std::int64_t settle_ms = 600'000,
                    std::int64_t silence_ms = 600'000) {
    StreamSessionConfig cfg;
    cfg.socketio.address = net::testing::loopback(port_);
    cfg.socketio.host = "127.0.0.1:" + std::to_string(port_);
    cfg.socketio.backoff_initial_ms = 20;
    cfg.socketio.backoff_max_ms = 80;
    cfg.api_key = "key";
    cfg.api_secret = "secret";
    Symbol eth;
    ASSERT_TRUE(eth.try_assign("ETH/USDT"));
    cfg.tickers = {eth};
    cfg.app_ping_interval_ms = ping_interval_ms;
    cfg.settle_ms = settle_ms;
    cfg.silence_ms = silence_ms;
    cfg.log = [this](std::string_view line) { log_.emplace_back(line); };
    cfg.clock_ns = fake_clock_ns;
    session_ = std::make_unique<CoinDcxStreamSession>(*loop_, cfg, sink_);
    session_->start(mono_ms());
    ASSERT_TRUE(run_until([&] { return session_->connected() && controller_.connected > 0; }))
        << "both connections up";
  }

  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return net::testing::poll_until(
        *loop_,
        [&](std::int64_t now) {
          controller_client_->tick(now);
          if (session_) session_->tick(now);
        },
        done, within_ms);
  }

  // Makes the server emit `name` with the JSON value `arg_json`, `times` times, to everyone.
  void emit_as(std::string_view name, std::string_view arg_json, int times = 1) {
    ASSERT_TRUE(controller_client_->emit(
        "emit-as", R"({"name":")" + std::string(name) + R"(","arg":)" + std::string(arg_json) +
                       R"(,"times":)" + std::to_string(times) + "}"));
  }

  std::unique_ptr<PeerProcess> server_;
  std::uint16_t port_ = 0;
  std::unique_ptr<net::EventLoop> loop_;
  Controller controller_;
  std::unique_ptr<net::SocketIoClient> controller_client_;
  Sink sink_;
  std::vector<std::string> log_;
  std::unique_ptr<CoinDcxStreamSession> session_;
};

TEST_F(StreamSessionTest, ConnectsThenTurnsOrderUpdatesIntoFeedEvents) {
  make_session();
  ASSERT_EQ(sink_.count<StreamConnected>(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamConnected>(sink_.events.front().body));
  g_fake_ns = 5'000'000'000;
  emit_as("df-order-update", order_update_envelope("abc-1", "filled"));
  ASSERT_TRUE(run_until([&] { return sink_.count<OrderUpdate>() == 1; }));
  const FeedEvent& e = sink_.events.back();
  EXPECT_EQ(e.seen_ns, 5'000'000'000) << "stamped when its frame was decoded";
  const ExchangeOrder& o = std::get<OrderUpdate>(e.body).order;
  EXPECT_EQ(o.exchange_id.view(), "abc-1");
  EXPECT_EQ(o.symbol.view(), "ETH/USDT");
  EXPECT_EQ(o.status, ExchangeStatus::Filled);
  EXPECT_EQ(o.filled_qty, Decimal::from_raw(1'000'000));
  EXPECT_EQ(session_->stats().malformed, 0u);
}

TEST_F(StreamSessionTest, MalformedFramesAreCountedAndLoggedAtABoundedRate) {
  make_session();
  g_fake_ns = 10'000'000'000;
  emit_as("df-order-update", R"({"event":"df-order-update","data":"[{\"id\":"})", 50);
  ASSERT_TRUE(run_until([&] { return session_->stats().malformed == 50; }));
  ASSERT_EQ(log_.size(), 1u) << "fifty in one interval: one line";
  EXPECT_NE(log_[0].find("skipped a malformed df-order-update frame"), std::string::npos)
      << log_[0];
  g_fake_ns = 12'000'000'000;  // two seconds later
  emit_as("df-order-update", R"("not an envelope")");
  ASSERT_TRUE(run_until([&] { return session_->stats().malformed == 51; }));
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_NE(log_[1].find("(49 more since the last report)"), std::string::npos) << log_[1];
  // Good frames still decode after bad ones.
  emit_as("df-order-update", order_update_envelope("abc-2", "open"));
  ASSERT_TRUE(run_until([&] { return sink_.count<OrderUpdate>() == 1; }));
}

TEST_F(StreamSessionTest, ReconcilesAgainOnceTheJoinsHaveSettled) {
  make_session(25'000, /*settle_ms=*/100);
  // A join has no acknowledgement: a second StreamConnected makes the engine list again once
  // the exchange has surely acted on the joins.
  ASSERT_TRUE(run_until([&] { return sink_.count<StreamConnected>() == 2; }));
  EXPECT_EQ(session_->stats().settled, 1u);
  EXPECT_EQ(sink_.count<StreamDisconnected>(), 0u) << "the same connection";
  EXPECT_EQ(session_->client().connects(), 1u);
}

TEST_F(StreamSessionTest, TellsTheEngineOfSilenceOncePerSilentSpell) {
  // The node server pings every 25 s: with nothing emitted, 150 ms of silence comes at once.
  make_session(25'000, 600'000, /*silence_ms=*/150);
  ASSERT_TRUE(run_until([&] { return sink_.count<StreamSilent>() == 1; }));
  const FeedEvent& e = sink_.events.back();
  ASSERT_TRUE(std::holds_alternative<StreamSilent>(e.body));
  EXPECT_GE(std::get<StreamSilent>(e.body).silent_ms, 150);
  EXPECT_EQ(session_->client().connects(), 1u) << "silence is told, the connection kept";
  // A frame ends the spell; the next spell is told again, once.
  emit_as("df-order-update", order_update_envelope("abc-9", "open"));
  ASSERT_TRUE(run_until([&] { return sink_.count<OrderUpdate>() == 1; }));
  EXPECT_EQ(sink_.count<StreamSilent>(), 1u) << "the first spell was told once";
  ASSERT_TRUE(run_until([&] { return sink_.count<StreamSilent>() == 2; }));
  EXPECT_EQ(session_->stats().silences, 2u);
  EXPECT_EQ(sink_.count<StreamDisconnected>(), 0u);
}

TEST_F(StreamSessionTest, SendsTheApplicationPingOnItsInterval) {
  make_session(/*ping_interval_ms=*/50);
  // The server answers each `ping` with `pong-app`, an event the codec does not decode.
  ASSERT_TRUE(
      run_until([&] { return session_->stats().pings >= 4 && session_->stats().unknown >= 4; }));
}

TEST_F(StreamSessionTest, ALostOrderUpdateForcesAReconnect) {
  make_session();
  sink_.refuse_next_order = true;  // the queue to the engine is full for this one
  emit_as("df-order-update", order_update_envelope("abc-3", "filled"));
  ASSERT_TRUE(run_until([&] { return sink_.count<StreamConnected>() == 2; }))
      << "reconnected, so that the engine reconciles";
  EXPECT_EQ(session_->stats().dropped, 1u);
  EXPECT_EQ(sink_.count<StreamDisconnected>(), 1u);
  EXPECT_EQ(sink_.count<OrderUpdate>(), 0u);
}

TEST_F(StreamSessionTest, UnknownEventsAreCountedAndSkipped) {
  make_session();
  const std::uint64_t before = session_->stats().unknown;
  emit_as("Left Channel", R"({"channelName":"B-ETH_USDT@trades-futures"})", 3);
  ASSERT_TRUE(run_until([&] { return session_->stats().unknown >= before + 3; }));
  EXPECT_EQ(session_->stats().malformed, 0u);
  EXPECT_EQ(sink_.count<OrderUpdate>(), 0u);
}

}  // namespace
}  // namespace scalper::feed
