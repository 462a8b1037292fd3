// SocketIoClient against the reference implementation: an npm `socket.io` v4 server with
// allowEIO3 (tests/net/interop/node/sio_server.js), for Engine.IO 3 and 4. Emitted events in
// order, the heartbeat at 100 ms, and a reconnect after each way the server can end us: a
// Socket.IO kick, an Engine.IO close, and a TCP connection destroyed without a goodbye.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <scalper/net/socketio_client.hpp>

#include "alloc_counter.hpp"
#include "peer_process.hpp"
#include "poll_until.hpp"

namespace scalper::net {
namespace {

using testing::PeerProcess;
using timing::mono_ms;

struct Recorder : SocketIoListener {
  std::function<void()> joins;
  bool count_only = false;  // for the allocation check: count events, keep nothing
  std::size_t counted = 0;
  std::vector<std::string> names;
  std::vector<std::string> args;
  std::vector<std::string> disconnects;
  int connected = 0;
  void on_connected() override {
    ++connected;
    if (joins) joins();
  }
  void on_event(std::string_view name, std::string_view a) override {
    ++counted;
    if (count_only) return;
    names.emplace_back(name);
    args.emplace_back(a);
  }
  void on_disconnected(std::string_view why) override { disconnects.emplace_back(why); }
  [[nodiscard]] std::size_t count(std::string_view name) const {
    return static_cast<std::size_t>(std::count(names.begin(), names.end(), name));
  }
};

class SioInterop : public ::testing::TestWithParam<EioVersion> {
 protected:
  void start_server(std::vector<std::string> flags = {}) {
    std::vector<std::string> argv = {SCALPER_NODE, "sio_server.js"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    server_ = std::make_unique<PeerProcess>(argv, SCALPER_NODE_INTEROP_DIR);
    port_ = server_->wait_for_port("listening ");
    ASSERT_NE(port_, 0) << "node sio_server.js did not start (npm ci in "
                        << SCALPER_NODE_INTEROP_DIR << "?)";
  }
  void make_client() {
    std::string warning;
    loop_ = EventLoop::create(LoopConfig{}, warning);
    SocketIoClientConfig cfg;
    cfg.address = testing::loopback(port_);
    cfg.host = "127.0.0.1:" + std::to_string(port_);
    cfg.version = GetParam();
    cfg.backoff_initial_ms = 20;
    cfg.backoff_max_ms = 80;
    cfg.buffer_bytes = 1 << 16;
    client_ = std::make_unique<SocketIoClient>(*loop_, cfg, rec_);
    client_->start(mono_ms());
  }
  void TearDown() override {
    if (!client_) return;
    client_->stop();
    (void)run_until([&] { return client_->quiescent(); }, 5000);
  }
  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return testing::poll_until(
        *loop_, [&](std::int64_t now) { client_->tick(now); }, done, within_ms);
  }
  [[nodiscard]] std::string eio_digit() const { return GetParam() == EioVersion::V3 ? "3" : "4"; }

  std::unique_ptr<PeerProcess> server_;
  std::uint16_t port_ = 0;
  std::unique_ptr<EventLoop> loop_;
  Recorder rec_;
  std::unique_ptr<SocketIoClient> client_;
};

TEST_P(SioInterop, ConnectsAndReceivesEmittedEventsInOrder) {
  start_server();
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.count("welcome") == 1; })) << client_->last_error();
  EXPECT_EQ(rec_.connected, 1);
  EXPECT_NE(rec_.args[0].find("\"eio\":" + eio_digit()), std::string::npos) << rec_.args[0];

  ASSERT_TRUE(client_->emit("join", R"({"channelName":"B-ETH_USDT@prices-futures"})"));
  ASSERT_TRUE(client_->emit("echo", R"({"n":1.5e-8,"s":"h\u00e9"},[1,2])"));
  ASSERT_TRUE(client_->emit("burst", R"({"count":100})"));
  ASSERT_TRUE(run_until([&] { return rec_.count("burst-done") == 1; })) << client_->last_error();
  EXPECT_EQ(rec_.names[1], "joined");
  EXPECT_EQ(rec_.args[1], R"({"channelName":"B-ETH_USDT@prices-futures"})");
  EXPECT_EQ(rec_.names[2], "echo");
  EXPECT_EQ(rec_.args[2], R"({"n":1.5e-8,"s":"hé"},[1,2])");  // re-serialised by the server
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(rec_.names[3 + static_cast<std::size_t>(i)], "burst-item");
    EXPECT_EQ(rec_.args[3 + static_cast<std::size_t>(i)], "{\"i\":" + std::to_string(i) + "}");
  }
  EXPECT_TRUE(rec_.disconnects.empty());
}

TEST_P(SioInterop, ReceivesEventsWithoutAllocating) {
  start_server();
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.count("welcome") == 1; })) << client_->last_error();
  rec_.count_only = true;
  // One burst of n events and its burst-done, polled by hand (no std::function measured).
  auto burst = [&](std::size_t n) {
    const std::size_t want = rec_.counted + n + 1;
    if (!client_->emit("burst", "{\"count\":" + std::to_string(n) + "}")) return false;
    const std::int64_t end = mono_ms() + 5000;
    while (rec_.counted < want && mono_ms() < end) (void)loop_->poll_once(1'000'000);
    return rec_.counted == want;
  };
  ASSERT_TRUE(burst(50));  // warm-up
  const std::string arg = R"({"count":500})";
  const std::size_t want = rec_.counted + 501;
  const scalper::testing::AllocationScope allocs;
  ASSERT_TRUE(client_->emit("burst", arg));
  const std::int64_t end = mono_ms() + 5000;
  while (rec_.counted < want && mono_ms() < end) (void)loop_->poll_once(1'000'000);
  ASSERT_EQ(rec_.counted, want);
  EXPECT_EQ(allocs.count(), 0u) << "over 501 events";
}

TEST_P(SioInterop, KeepsTheHeartbeatAt100Milliseconds) {
  start_server({"--ping-interval", "100", "--ping-timeout", "100"});
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.connected == 1; })) << client_->last_error();
  const std::int64_t until = mono_ms() + 1500;  // fifteen intervals
  (void)run_until([&] { return !rec_.disconnects.empty() || mono_ms() > until; }, 3000);
  EXPECT_TRUE(rec_.disconnects.empty()) << rec_.disconnects.front();
  ASSERT_TRUE(client_->emit("echo", R"("still here")"));
  ASSERT_TRUE(run_until([&] { return rec_.count("echo") == 1; }));
  EXPECT_EQ(rec_.connected, 1);
}

TEST_P(SioInterop, ReconnectsAfterTheServerDestroysTheConnection) {
  start_server();
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.connected == 1; })) << client_->last_error();
  ASSERT_TRUE(client_->emit("drop", ""));
  ASSERT_TRUE(run_until([&] { return rec_.connected == 2; })) << client_->last_error();
  ASSERT_EQ(rec_.disconnects.size(), 1u);
  EXPECT_EQ(rec_.disconnects[0], "peer closed the connection");
  ASSERT_TRUE(run_until([&] { return rec_.count("welcome") == 2; }));
}

TEST_P(SioInterop, ReconnectsAfterAKick) {
  start_server();
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.connected == 1; })) << client_->last_error();
  ASSERT_TRUE(client_->emit("kick", ""));
  ASSERT_TRUE(run_until([&] { return rec_.connected == 2; })) << client_->last_error();
  ASSERT_EQ(rec_.disconnects.size(), 1u);
  EXPECT_EQ(rec_.disconnects[0], "server disconnected the namespace");
}

TEST_P(SioInterop, ReconnectsAfterTheTransportIsClosed) {
  start_server();
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.connected == 1; })) << client_->last_error();
  ASSERT_TRUE(client_->emit("close-transport", ""));
  ASSERT_TRUE(run_until([&] { return rec_.connected == 2; })) << client_->last_error();
  ASSERT_EQ(rec_.disconnects.size(), 1u);
  EXPECT_EQ(rec_.disconnects[0], "server closed the websocket (1005)");
}

TEST_P(SioInterop, ReconnectsWhenTheServerComesBack) {
  start_server();
  make_client();
  ASSERT_TRUE(run_until([&] { return rec_.connected == 1; })) << client_->last_error();
  const std::uint16_t port = port_;
  server_.reset();  // SIGTERM: the process and its connections end
  ASSERT_TRUE(run_until([&] { return rec_.disconnects.size() >= 2; })) << "refused, retried";
  EXPECT_EQ(rec_.connected, 1);
  // Another server on the same port (free again: ours was the only listener).
  start_server({"--port", std::to_string(port)});
  ASSERT_EQ(port_, port);
  ASSERT_TRUE(run_until([&] { return rec_.connected == 2; })) << client_->last_error();
}

INSTANTIATE_TEST_SUITE_P(Eio, SioInterop, ::testing::Values(EioVersion::V3, EioVersion::V4),
                         [](const ::testing::TestParamInfo<EioVersion>& p) {
                           return p.param == EioVersion::V3 ? std::string("V3") : std::string("V4");
                         });

}  // namespace
}  // namespace scalper::net
