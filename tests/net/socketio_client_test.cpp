// SocketIoClient end to end against a peer nobody on the feed side wrote: the scalper-sim
// binary (Boost.Beast, its own socket.io server). Both Engine.IO versions, joins and events,
// heartbeats, and every way the stream dies (kicked, dropped, stalled, refused) followed by a
// reconnect. Waits are bounded: the loop is polled against a deadline, the simulator's start
// is read from its stdout with poll() and a timeout.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <scalper/net/http.hpp>
#include <scalper/net/socketio_client.hpp>
#include <scalper/net/tls.hpp>

#include "peer_process.hpp"
#include "poll_until.hpp"
#include "sim_process.hpp"

namespace scalper::net {
namespace {

using testing::Sim;
using timing::mono_ms;
using testing::TempDir;

struct Recorder : SocketIoListener {
  std::function<void()> joins;
  std::vector<std::string> names;
  std::vector<std::string> args;
  std::vector<std::string> disconnects;
  int connected = 0;
  void on_connected() override {
    ++connected;
    if (joins) joins();
  }
  void on_event(std::string_view name, std::string_view a) override {
    names.emplace_back(name);
    args.emplace_back(a);
  }
  void on_disconnected(std::string_view why) override { disconnects.emplace_back(why); }
  [[nodiscard]] bool saw_price(std::string_view price) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "price-change" && args[i].find(price) != std::string::npos) return true;
    }
    return false;
  }
};

class SocketIoClientTest : public ::testing::TestWithParam<EioVersion> {
 protected:
  void make_client(const Sim& sim, std::int64_t backoff_ms = 50, TlsContext* tls = nullptr,
                   std::string tls_host = {}) {
    std::string warning;
    loop = EventLoop::create(LoopConfig{}, warning);
    SocketIoClientConfig cfg;
    cfg.address = sim.address();
    cfg.host = "localhost:" + std::to_string(sim.port());
    cfg.tls = tls;
    cfg.tls_host = std::move(tls_host);
    cfg.version = GetParam();
    cfg.backoff_initial_ms = backoff_ms;
    cfg.backoff_max_ms = 4 * backoff_ms;
    cfg.buffer_bytes = 1 << 16;
    client = std::make_unique<SocketIoClient>(*loop, cfg, rec);
    client->start(mono_ms());
  }
  void TearDown() override {
    if (!client) return;
    client->stop();
    (void)run_until([&] { return client->quiescent(); }, 5000);
  }
  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return testing::poll_until(
        *loop, [&](std::int64_t now) { client->tick(now); }, done, within_ms);
  }
  void join_prices() {
    rec.joins = [this] {
      EXPECT_TRUE(client->emit("join", R"({"channelName":"B-ETH_USDT@prices-futures"})"));
    };
  }
  // Moves the price until the client sees it (the join has no ack; a price set before the
  // server processed it reaches nobody).
  bool see_price_move(const Sim& sim, const std::string& price) {
    const std::string body = R"({"pair":"B-ETH_USDT","price":")" + price + "\"}";
    const std::int64_t end = mono_ms() + 10'000;
    while (mono_ms() < end) {
      if (const int status = sim.control("/sim/price", body); status != 200) {
        ADD_FAILURE() << "POST /sim/price answered " << status;
        return false;
      }
      if (run_until([&] { return rec.saw_price(price); }, 200)) return true;
    }
    return false;
  }

  Recorder rec;
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<SocketIoClient> client;
};

TEST_P(SocketIoClientTest, ConnectsJoinsAndReceivesEvents) {
  Sim sim({});
  ASSERT_NE(sim.port(), 0);
  join_prices();
  make_client(sim);
  ASSERT_TRUE(run_until([&] { return rec.connected == 1; })) << client->last_error();
  ASSERT_TRUE(see_price_move(sim, "3411.5")) << rec.names.size() << " events";
  // The CoinDCX envelope arrives whole: {"event":"price-change","data":"<JSON text>"}.
  EXPECT_NE(rec.args.back().find(R"({"event":"price-change","data":")"), std::string::npos);
  EXPECT_TRUE(rec.disconnects.empty());
}

TEST_P(SocketIoClientTest, KeepsTheHeartbeatInItsDirection) {
  // 100 ms heartbeats: a wrong direction or a missed answer ends the session within ~200 ms.
  Sim sim({"--ping-interval-ms", "100", "--ping-timeout-ms", "100"});
  make_client(sim);
  ASSERT_TRUE(run_until([&] { return rec.connected == 1; })) << client->last_error();
  const std::int64_t until = mono_ms() + 1000;  // ten intervals
  EXPECT_FALSE(run_until([&] { return !rec.disconnects.empty() || mono_ms() > until; }, 2000) &&
               !rec.disconnects.empty())
      << rec.disconnects.front();
  EXPECT_EQ(rec.connected, 1);
}

TEST_P(SocketIoClientTest, KickedOnABadSignatureThenReconnects) {
  Sim sim({});
  bool bad_join_sent = false;
  rec.joins = [&] {
    if (bad_join_sent) return;
    bad_join_sent = true;
    EXPECT_TRUE(client->emit(
        "join", R"({"channelName":"coindcx","authSignature":"00","apiKey":"sim-key"})"));
  };
  make_client(sim);
  ASSERT_TRUE(run_until([&] { return !rec.disconnects.empty(); })) << client->last_error();
  EXPECT_EQ(rec.disconnects.front(), "server disconnected the namespace");
  ASSERT_TRUE(run_until([&] { return rec.connected == 2; })) << "reconnected after back-off";
}

TEST_P(SocketIoClientTest, DroppedByTheServerThenReconnectsAndRejoins) {
  Sim sim({});
  join_prices();
  make_client(sim);
  ASSERT_TRUE(run_until([&] { return rec.connected == 1; })) << client->last_error();
  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"drop_stream"})"), 200);
  ASSERT_TRUE(run_until([&] { return rec.connected == 2; })) << client->last_error();
  EXPECT_EQ(rec.disconnects.size(), 1u);
  EXPECT_TRUE(see_price_move(sim, "3422.5")) << "events flow again after the re-join";
}

TEST_P(SocketIoClientTest, AStalledStreamIsNoticedByItsHeartbeat) {
  Sim sim({"--ping-interval-ms", "100", "--ping-timeout-ms", "100"});
  make_client(sim);
  ASSERT_TRUE(run_until([&] { return rec.connected == 1; })) << client->last_error();
  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"stall_stream","ms":0})"), 200);
  ASSERT_TRUE(run_until([&] { return !rec.disconnects.empty(); })) << "the stall went unnoticed";
  EXPECT_EQ(rec.disconnects.front(), "heartbeat timed out");
  ASSERT_EQ(sim.control("/sim/faults/clear", "{}"), 200);
  ASSERT_TRUE(run_until([&] {
    return rec.connected >= 2 && client->state() == SioClientState::Open &&
           rec.disconnects.size() == static_cast<std::size_t>(rec.connected - 1);
  })) << client->last_error();
}

// ---- over TLS: the simulator's --tls certificate (SAN localhost, 127.0.0.1, ::1) ------------

TEST_P(SocketIoClientTest, OverTlsReceivesEventsAndResumesTheSessionOnReconnect) {
  TempDir dir;
  Sim sim({"--tls", "--cert-dir", dir.path(), "--walk-interval-ms", "20"});
  ASSERT_NE(sim.port(), 0);
  TlsConfig tc;
  tc.trust = TlsTrust::CaFile;
  tc.ca_file = dir.path() + "/cert.pem";
  TlsContext tls(tc);
  join_prices();
  make_client(sim, 50, &tls);  // verified against "localhost", the Host header minus its port
  ASSERT_TRUE(run_until([&] { return rec.connected == 1; })) << client->last_error();
  const TlsSession* session = client->websocket().stream().tls_session();
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->protocol_version(), "TLSv1.3");
  EXPECT_FALSE(session->resumed());
  ASSERT_TRUE(run_until([&] { return rec.names.size() >= 3; })) << "the walk moves every 20 ms";
  EXPECT_EQ(rec.names.front(), "price-change");

  // A bad private join gets us kicked; the reconnect offers the ticket of the first session.
  ASSERT_TRUE(
      client->emit("join", R"({"channelName":"coindcx","authSignature":"00","apiKey":"sim-key"})"));
  ASSERT_TRUE(run_until([&] { return rec.connected == 2; })) << client->last_error();
  EXPECT_EQ(rec.disconnects.front(), "server disconnected the namespace");
  EXPECT_TRUE(client->websocket().stream().tls_session()->resumed());
  const std::size_t before = rec.names.size();
  ASSERT_TRUE(run_until([&] { return rec.names.size() > before + 3; })) << "events after resuming";
}

TEST_P(SocketIoClientTest, OverTlsAWrongHostNameIsRefusedAndRetried) {
  TempDir dir;
  Sim sim({"--tls", "--cert-dir", dir.path()});
  ASSERT_NE(sim.port(), 0);
  TlsConfig tc;
  tc.trust = TlsTrust::CaFile;
  tc.ca_file = dir.path() + "/cert.pem";
  TlsContext tls(tc);
  make_client(sim, 10, &tls, "exchange.example");
  ASSERT_TRUE(run_until([&] { return rec.disconnects.size() >= 2; })) << client->last_error();
  EXPECT_EQ(rec.connected, 0);
  EXPECT_NE(rec.disconnects.front().find("hostname mismatch"), std::string::npos)
      << rec.disconnects.front();
}

TEST_P(SocketIoClientTest, OverTlsASelfSignedServerIsRefusedByTheSystemStore) {
  TempDir dir;
  Sim sim({"--tls", "--cert-dir", dir.path()});
  ASSERT_NE(sim.port(), 0);
  TlsContext tls(TlsConfig{});  // the system's trust store: it does not know the simulator
  make_client(sim, 10, &tls);
  ASSERT_TRUE(run_until([&] { return !rec.disconnects.empty(); })) << client->last_error();
  EXPECT_EQ(rec.connected, 0);
  EXPECT_NE(rec.disconnects.front().find("certificate verify failed"), std::string::npos)
      << rec.disconnects.front();
}

INSTANTIATE_TEST_SUITE_P(Eio, SocketIoClientTest, ::testing::Values(EioVersion::V3, EioVersion::V4),
                         [](const ::testing::TestParamInfo<EioVersion>& p) {
                           return p.param == EioVersion::V3 ? std::string("V3") : std::string("V4");
                         });

TEST(SocketIoClient, RefusedConnectionsBackOffAndRetry) {
  // A port with nobody listening.
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(probe);
  std::string warning;
  auto loop = EventLoop::create(LoopConfig{}, warning);
  Recorder rec;
  SocketIoClientConfig cfg;
  cfg.address = a;
  cfg.host = "127.0.0.1";
  cfg.backoff_initial_ms = 10;
  cfg.backoff_max_ms = 40;
  SocketIoClient client(*loop, cfg, rec);
  client.start(mono_ms());
  const std::int64_t end = mono_ms() + 10'000;
  while (rec.disconnects.size() < 4 && mono_ms() < end) {
    client.tick(mono_ms());
    (void)loop->poll_once(1'000'000);
  }
  ASSERT_GE(rec.disconnects.size(), 4u);
  EXPECT_EQ(rec.disconnects.front(), "connect: Connection refused");
  client.stop();
  while (!client.quiescent() && mono_ms() < end) (void)loop->poll_once(1'000'000);
}

}  // namespace
}  // namespace scalper::net
