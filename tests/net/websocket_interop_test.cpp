// WebSocketClient against a peer nobody here wrote: the npm `ws` server in
// tests/net/interop/node/ws_server.js (installed by `./scalper test` from its lock file).
// Echo of text and binary, fragmented messages both ways, ping/pong, close codes both ways, a
// message over the server's limit, and a refused upgrade. Waits are bounded.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <scalper/net/websocket_client.hpp>

#include "alloc_counter.hpp"
#include "peer_process.hpp"
#include "poll_until.hpp"

namespace scalper::net {
namespace {

using testing::PeerProcess;
using timing::mono_ms;

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Message {
  Opcode op;
  std::string data;
};

struct Recorder : WebSocketListener {
  std::function<void()> on_open;
  bool count_only = false;  // for the allocation check: count messages, keep nothing
  std::size_t counted = 0;
  int opened = 0;
  std::vector<Message> messages;
  std::vector<std::string> pongs;
  bool closed = false;
  std::uint16_t close_code = 0;
  std::string close_reason;
  WsCloseOrigin close_origin = WsCloseOrigin::Dropped;

  void on_ws_open() override {
    ++opened;
    if (on_open) on_open();
  }
  void on_ws_message(Opcode op, std::span<const std::uint8_t> p) override {
    ++counted;
    if (count_only) return;
    messages.push_back({op, std::string(reinterpret_cast<const char*>(p.data()), p.size())});
  }
  void on_ws_pong(std::span<const std::uint8_t> p) override {
    pongs.emplace_back(reinterpret_cast<const char*>(p.data()), p.size());
  }
  void on_ws_closed(const WsClose& c) override {
    closed = true;
    close_code = c.code;
    close_reason = std::string(c.reason);
    close_origin = c.origin;
  }
};

class WsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<PeerProcess>(std::vector<std::string>{SCALPER_NODE, "ws_server.js"},
                                            SCALPER_NODE_INTEROP_DIR);
    port_ = server_->wait_for_port("listening ");
    ASSERT_NE(port_, 0) << "node ws_server.js did not start (npm ci in " << SCALPER_NODE_INTEROP_DIR
                        << "?)";
    std::string warning;
    loop_ = EventLoop::create(LoopConfig{}, warning);
  }
  void TearDown() override {
    if (!client_) return;
    client_->abort("test over");
    (void)run_until([&] { return client_->quiescent(); }, 5000);
  }

  void open(std::string target) {
    WebSocketClientConfig cfg;
    cfg.address = testing::loopback(port_);
    cfg.host = "127.0.0.1:" + std::to_string(port_);
    cfg.target = std::move(target);
    cfg.buffer_bytes = 1 << 20;
    client_ = std::make_unique<WebSocketClient>(*loop_, cfg, rec_);
    ASSERT_EQ(client_->open(mono_ms()), 0);
  }
  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return testing::poll_until(
        *loop_, [&](std::int64_t now) { client_->tick(now); }, done, within_ms);
  }
  bool opened() {
    return run_until([&] { return rec_.opened == 1 || rec_.closed; }) && rec_.opened == 1;
  }

  std::unique_ptr<PeerProcess> server_;
  std::uint16_t port_ = 0;
  std::unique_ptr<EventLoop> loop_;
  Recorder rec_;
  std::unique_ptr<WebSocketClient> client_;
};

TEST_F(WsInterop, EchoesTextAndBinaryOfEverySize) {
  open("/echo");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  std::string big(200'000, 'x');  // 64-bit length form
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  const std::uint8_t raw[] = {0x00, 0xff, 0x80, 0x7f, 0x10};
  ASSERT_TRUE(client_->send_text("h\xc3\xa9llo"));
  ASSERT_TRUE(client_->send(Opcode::Binary, raw));
  ASSERT_TRUE(client_->send_text(std::string(300, 'm')));  // 16-bit length form
  ASSERT_TRUE(client_->send_text(big));
  ASSERT_TRUE(run_until([&] { return rec_.messages.size() == 4; }));
  EXPECT_EQ(rec_.messages[0].op, Opcode::Text);
  EXPECT_EQ(rec_.messages[0].data, "h\xc3\xa9llo");
  EXPECT_EQ(rec_.messages[1].op, Opcode::Binary);
  EXPECT_EQ(rec_.messages[1].data, std::string(reinterpret_cast<const char*>(raw), sizeof raw));
  EXPECT_EQ(rec_.messages[2].data, std::string(300, 'm'));
  EXPECT_EQ(rec_.messages[3].data, big);
  EXPECT_FALSE(rec_.closed);
}

TEST_F(WsInterop, EchoesWithoutAllocatingPerMessage) {
  open("/echo");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  rec_.count_only = true;
  const std::string text(64, 'q');
  // One echo, polled by hand (no std::function in the measured loop).
  auto echo_once = [&] {
    const std::size_t want = rec_.counted + 1;
    if (!client_->send_text(text)) return false;
    const std::int64_t end = mono_ms() + 5000;
    while (rec_.counted < want && !rec_.closed && mono_ms() < end) {
      (void)loop_->poll_once(1'000'000);
    }
    return rec_.counted == want;
  };
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(echo_once());  // warm-up
  const scalper::testing::AllocationScope allocs;
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(echo_once());
  EXPECT_EQ(allocs.count(), 0u);
}

TEST_F(WsInterop, SendsAMessageInFragments) {
  open("/echo");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  ASSERT_TRUE(client_->send(Opcode::Text, bytes_of("frag"), false));
  ASSERT_TRUE(client_->ping(bytes_of("between")));  // control frames may interleave
  ASSERT_TRUE(client_->send(Opcode::Continuation, bytes_of("ment"), false));
  ASSERT_TRUE(client_->send(Opcode::Continuation, bytes_of("ed"), true));
  ASSERT_TRUE(run_until([&] { return !rec_.messages.empty() && !rec_.pongs.empty(); }));
  EXPECT_EQ(rec_.messages[0].op, Opcode::Text);
  EXPECT_EQ(rec_.messages[0].data, "fragmented");
  EXPECT_EQ(rec_.pongs[0], "between");
}

TEST_F(WsInterop, ReceivesAFragmentedMessageWhole) {
  open("/fragments?n=7&size=1000");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  ASSERT_TRUE(run_until([&] { return !rec_.messages.empty(); }));
  ASSERT_EQ(rec_.messages.size(), 1u);
  std::string expected(1000, ' ');
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(rec_.messages[0].op, Opcode::Text);
  EXPECT_EQ(rec_.messages[0].data, expected);
}

TEST_F(WsInterop, AnswersTheServersPingWithItsPayload) {
  open("/ping?payload=hello-ping");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  // The server reports the pong it got back as a text message.
  ASSERT_TRUE(run_until([&] { return !rec_.messages.empty(); }));
  EXPECT_EQ(rec_.messages[0].data, "pong:hello-ping");
}

TEST_F(WsInterop, ReportsTheServersCloseCodeAndReason) {
  open("/close?code=4001&reason=bye");
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.opened, 1);
  EXPECT_EQ(rec_.close_origin, WsCloseOrigin::ServerFrame);
  EXPECT_EQ(rec_.close_code, 4001);
  EXPECT_EQ(rec_.close_reason, "bye");
  EXPECT_TRUE(run_until([&] { return client_->quiescent(); }));
}

TEST_F(WsInterop, GoingAwayIsACloseCodeToo) {
  open("/close?code=1001&reason=going");
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.close_code, kCloseGoingAway);
  EXPECT_EQ(rec_.close_reason, "going");
}

TEST_F(WsInterop, OurCloseIsAnsweredWithTheSameCode) {
  open("/echo");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  client_->close(4321, "client-bye", mono_ms());
  EXPECT_EQ(client_->state(), WsState::Closing);
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.close_origin, WsCloseOrigin::ServerFrame);
  EXPECT_EQ(rec_.close_code, 4321);
  EXPECT_TRUE(run_until([&] { return client_->quiescent(); }));
}

TEST_F(WsInterop, AMessageOverTheServersLimitGets1009) {
  open("/limited");
  ASSERT_TRUE(opened()) << rec_.close_reason;
  ASSERT_TRUE(client_->send_text(std::string(1000, 's')));
  ASSERT_TRUE(run_until([&] { return rec_.messages.size() == 1; }));
  ASSERT_TRUE(client_->send_text(std::string(2000, 'b')));
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.close_origin, WsCloseOrigin::ServerFrame);
  EXPECT_EQ(rec_.close_code, kCloseMessageTooBig);
}

TEST_F(WsInterop, ARefusedUpgradeIsReportedWithItsStatus) {
  open("/nowhere");
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.opened, 0);
  EXPECT_EQ(rec_.close_origin, WsCloseOrigin::Dropped);
  EXPECT_EQ(rec_.close_code, kCloseAbnormal);
  EXPECT_NE(rec_.close_reason.find("HTTP 404"), std::string::npos) << rec_.close_reason;
}

}  // namespace
}  // namespace scalper::net
