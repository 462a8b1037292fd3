// Engine.IO v3/v4 + Socket.IO client: packet decoding against the protocol samples, event
// encoding, and the heartbeat state machine for both versions.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <scalper/net/engineio.hpp>
#include <scalper/net/reconnect.hpp>
#include "alloc_counter.hpp"

namespace scalper::net {
namespace {

std::vector<std::string> fixture_lines(const char* name) {
  std::ifstream in(std::string(SCALPER_NET_FIXTURES_DIR) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string fixture(const char* name) {
  std::ifstream in(std::string(SCALPER_NET_FIXTURES_DIR) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(EngineIo, DecodesEveryPacketType) {
  EioPacket p;
  ASSERT_TRUE(decode_eio_packet("4hello", p));  // eio4_websocket_packet_example.txt
  EXPECT_EQ(p.type, EioPacketType::Message);
  EXPECT_EQ(p.payload, "hello");
  for (char t = '0'; t <= '6'; ++t) {
    ASSERT_TRUE(decode_eio_packet(std::string(1, t), p));
    EXPECT_EQ(static_cast<int>(p.type), t - '0');
  }
  EXPECT_FALSE(decode_eio_packet("", p));
  EXPECT_FALSE(decode_eio_packet("7", p));
  EXPECT_FALSE(decode_eio_packet("x", p));
}

TEST(EngineIo, ParsesTheDocumentedOpenPackets) {
  EioOpen o;
  const std::string eio4 = fixture("eio4_open_packet_payload.json");  // o's views point here
  ASSERT_TRUE(parse_eio_open(eio4, o));
  EXPECT_EQ(o.sid, "lv_VI97HAXpY6yYWAAAC");
  EXPECT_EQ(o.ping_interval_ms, 25000);
  EXPECT_EQ(o.ping_timeout_ms, 20000);
  EXPECT_EQ(o.max_payload, 1000000);
  // EIO3's, from the WebSocket-only sample session (no upgrades, no maxPayload).
  const std::string eio3 = fixture_lines("eio3_websocket_only_session.txt").at(2);
  const std::string json = eio3.substr(3, eio3.find(" =>") - 3);
  ASSERT_TRUE(parse_eio_open(json, o)) << json;
  EXPECT_EQ(o.ping_timeout_ms, 5000);
  EXPECT_EQ(o.max_payload, 0);
}

TEST(EngineIo, RefusesOpenPacketsThatAreNotOne) {
  EioOpen o;
  for (std::string_view bad : {"", "{}", R"({"sid":"a","pingInterval":1})",
                               R"({"sid":"","pingInterval":1,"pingTimeout":1})",
                               R"({"sid":"a","pingInterval":0,"pingTimeout":1})",
                               R"({"sid":"a","pingInterval":-5,"pingTimeout":1})",
                               R"({"sid":"a","pingInterval":99999999999,"pingTimeout":1})",
                               R"({"sid":"a","pingInterval":1,"pingTimeout":1} x)",
                               R"({"sid":"a","pingInterval":1,"pingTimeout":1,})",
                               R"({"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":[{}]})",
                               R"(["sid"])", R"({"sid":"a)"}) {
    EXPECT_FALSE(parse_eio_open(bad, o)) << bad;
  }
  EXPECT_TRUE(parse_eio_open(R"( { "upgrades" : [ "websocket" , "x" ] , "sid":"a",)"
                             R"("pingInterval":1,"pingTimeout":2,"extra":null,"f":1.5e3 } )",
                             o));
}

// The ten encodings of socket.io-protocol v4's "Examples", one per line.
TEST(SocketIo, DecodesTheProtocolExamples) {
  const auto lines = fixture_lines("sio4_packet_encoding_examples.txt");
  ASSERT_EQ(lines.size(), 10u);
  struct Want {
    SioPacketType type;
    std::string_view nsp;
    bool has_id;
    std::uint64_t id;
    std::uint32_t attachments;
    std::string_view data;
  };
  const std::array<Want, 10> want = {{
      {SioPacketType::Connect, "/", false, 0, 0, ""},
      {SioPacketType::Connect, "/admin", false, 0, 0, ""},
      {SioPacketType::Disconnect, "/admin", false, 0, 0, ""},
      {SioPacketType::Event, "/", false, 0, 0, R"(["hello",1])"},
      {SioPacketType::Event, "/admin", true, 456, 0, R"(["project:delete",123])"},
      {SioPacketType::Ack, "/admin", true, 456, 0, "[]"},
      {SioPacketType::ConnectError, "/admin", false, 0, 0, R"("Not authorized")"},
      {SioPacketType::BinaryEvent, "/", false, 0, 1, R"(["hello",{"_placeholder":true,"num":0}])"},
      {SioPacketType::BinaryEvent, "/admin", true, 456, 1,
       R"(["project:delete",{"_placeholder":true,"num":0}])"},
      {SioPacketType::BinaryAck, "/admin", true, 456, 1, R"([{"_placeholder":true,"num":0}])"},
  }};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    SioPacket p;
    ASSERT_TRUE(decode_sio_packet(lines[i], p)) << lines[i];
    EXPECT_EQ(p.type, want[i].type) << lines[i];
    EXPECT_EQ(p.nsp, want[i].nsp) << lines[i];
    EXPECT_EQ(p.has_ack_id, want[i].has_id) << lines[i];
    EXPECT_EQ(p.ack_id, want[i].id) << lines[i];
    EXPECT_EQ(p.attachments, want[i].attachments) << lines[i];
    EXPECT_EQ(p.data, want[i].data) << lines[i];
  }
}

TEST(SocketIo, RefusesMalformedPackets) {
  SioPacket p;
  for (std::string_view bad :
       {"", "7", "2", "2{}", "3", "1x", "5[]", "5-", "51[]", "21234567890123456789[]"}) {
    EXPECT_FALSE(decode_sio_packet(bad, p)) << bad;
  }
}

TEST(SocketIo, SplitsEventsIntoNameAndArguments) {
  SioEvent e;
  // The CoinDCX envelope, data as JSON text inside a string (docs/architecture.md §7.6).
  ASSERT_TRUE(split_sio_event(
      R"(["new-trade",{"event":"new-trade","data":"{\"T\":1,\"p\":\"0.3\"}"}])", e));
  EXPECT_EQ(e.name, "new-trade");
  EXPECT_EQ(e.args, R"({"event":"new-trade","data":"{\"T\":1,\"p\":\"0.3\"}"})");
  ASSERT_TRUE(split_sio_event(R"([ "ping" ] )", e));
  EXPECT_EQ(e.name, "ping");
  EXPECT_TRUE(e.args.empty());
  ASSERT_TRUE(split_sio_event(R"(["a", 1, [2]])", e));
  EXPECT_EQ(e.args, "1, [2]");
  for (std::string_view bad : {"", "[]", "[1]", R"(["a)", R"(["a",])", R"(["a" 1])",
                               R"(["a\"b",1])", R"("a")", R"(["a",1)"}) {
    EXPECT_FALSE(split_sio_event(bad, e)) << bad;
  }
}

TEST(SocketIo, EncodesEventsWithoutAllocating) {
  std::array<char, 128> buf{};
  const scalper::testing::AllocationScope allocs;
  const std::size_t n = encode_sio_event("join", R"({"channelName":"coindcx"})", buf);
  const std::size_t m = encode_sio_event("ping", "", std::span(buf).subspan(n));
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_EQ(std::string_view(buf.data(), n), R"(42["join",{"channelName":"coindcx"}])");
  EXPECT_EQ(std::string_view(buf.data() + n, m), R"(42["ping"])");
  EXPECT_EQ(encode_sio_event("join", "{}", std::span(buf).first(12)), 0u) << "too small";
  EXPECT_EQ(encode_sio_event("join", "{}", std::span(buf).first(13)), 13u) << "exactly enough";
  EXPECT_EQ(encode_sio_event("a\"b", "", buf), 0u);
}

// ---- sessions -------------------------------------------------------------------------------

constexpr std::string_view kOpen4 =
    R"(0{"sid":"s","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000})";
constexpr std::string_view kOpen3 =
    R"(0{"sid":"s","upgrades":[],"pingInterval":1000,"pingTimeout":500})";

TEST(EioSession, V4ConnectsTheNamespaceItselfAndAnswersPings) {
  EioSession s(EioVersion::V4, 0);
  EioStep st = s.on_frame(kOpen4, 10);
  EXPECT_EQ(st.reply, "40");
  EXPECT_EQ(s.state(), EioState::AwaitingNamespace);
  st = s.on_frame(R"(40{"sid":"x"})", 20);
  EXPECT_TRUE(st.connected_now);
  EXPECT_EQ(s.state(), EioState::Connected);
  EXPECT_EQ(s.next_deadline_ms(), 10 + 1000 + 500);
  st = s.on_frame("2", 900);
  EXPECT_EQ(st.reply, "3");
  EXPECT_EQ(s.next_deadline_ms(), 900 + 1500);
  EXPECT_TRUE(s.on_timer(2399).reply.empty());
  EXPECT_EQ(s.state(), EioState::Connected);
  st = s.on_timer(2400);
  EXPECT_TRUE(st.closed_now) << "no ping within interval + timeout";
  EXPECT_EQ(s.close_reason(), EioCloseReason::PingTimeout);
}

TEST(EioSession, V4NeverPingsTheServer) {
  EioSession s(EioVersion::V4, 0);
  (void)s.on_frame(kOpen4, 0);
  (void)s.on_frame("40", 0);
  for (std::int64_t t = 0; t < 1500; t += 50) EXPECT_NE(s.on_timer(t).reply, "2");
}

TEST(EioSession, V3WaitsForTheServerConnectAndPingsItself) {
  EioSession s(EioVersion::V3, 0);
  EioStep st = s.on_frame(kOpen3, 0);
  EXPECT_TRUE(st.reply.empty()) << "socket.io 2.x servers connect the namespace unasked";
  st = s.on_frame("40", 5);
  EXPECT_TRUE(st.connected_now);
  EXPECT_EQ(s.next_deadline_ms(), 1000);
  EXPECT_TRUE(s.on_timer(999).reply.empty());
  st = s.on_timer(1000);
  EXPECT_EQ(st.reply, "2");
  EXPECT_EQ(s.next_deadline_ms(), 1500) << "the pong is due first";
  EXPECT_TRUE(s.on_frame("3", 1200).reply.empty());
  EXPECT_EQ(s.next_deadline_ms(), 2000);
  EXPECT_EQ(s.on_timer(2000).reply, "2");
  EXPECT_TRUE(s.on_timer(2499).reply.empty());
  EXPECT_TRUE(s.on_timer(2500).closed_now) << "no pong within pingTimeout";
  EXPECT_EQ(s.close_reason(), EioCloseReason::PingTimeout);
}

// The cause of a flaky stall test: a stream stalled just as we sent "40" swallowed the
// server's answer, and once the stall ended the server pinged again and we answered, so the
// session sat in AwaitingNamespace for good: up at the Engine.IO level, with no events, no
// StreamConnected, and no reconciliation. The handshake bound ends it.
TEST(EioSession, V4WithoutANamespaceConnectEndsAtTheHandshakeBoundEvenWhilePinged) {
  EioSession s(EioVersion::V4, 0, /*handshake_timeout_ms=*/3'000);
  EXPECT_EQ(s.on_frame(kOpen4, 10).reply, "40");
  for (std::int64_t t = 500; t < 3'000; t += 500) {
    EXPECT_EQ(s.on_frame("2", t).reply, "3") << "the heartbeat alone looks healthy";
    EXPECT_FALSE(s.on_timer(t).closed_now);
  }
  EXPECT_EQ(s.state(), EioState::AwaitingNamespace);
  EXPECT_EQ(s.next_deadline_ms(), 3'000);
  const EioStep st = s.on_timer(3'000);
  EXPECT_TRUE(st.closed_now);
  EXPECT_FALSE(st.connected_now);
  EXPECT_EQ(s.close_reason(), EioCloseReason::HandshakeTimeout);
}

TEST(EioSession, AConnectedSessionOutlivesTheHandshakeBound) {
  EioSession s(EioVersion::V4, 0, 1'000);
  (void)s.on_frame(kOpen4, 10);
  EXPECT_TRUE(s.on_frame("40", 20).connected_now);
  EXPECT_EQ(s.next_deadline_ms(), 10 + 1000 + 500) << "only the heartbeat bounds it now";
  EXPECT_EQ(s.on_frame("2", 1'400).reply, "3");
  EXPECT_FALSE(s.on_timer(2'000).closed_now);
  EXPECT_EQ(s.state(), EioState::Connected);
}

TEST(EioSession, V3WithoutANamespaceConnectEndsAtTheHandshakeBound) {
  EioSession s(EioVersion::V3, 0, 2'000);
  (void)s.on_frame(kOpen3, 0);
  (void)s.on_timer(1'000);  // our ping
  EXPECT_TRUE(s.on_frame("3", 1'100).reply.empty());
  EXPECT_FALSE(s.on_timer(1'999).closed_now);
  EXPECT_TRUE(s.on_timer(2'000).closed_now);
  EXPECT_EQ(s.close_reason(), EioCloseReason::HandshakeTimeout);
}

TEST(EioSession, V3NeverAnswersAServerPing) {
  // Answering would be a client "3", the wrong direction for EIO3 on an engine.io 6 server.
  EioSession s(EioVersion::V3, 0);
  (void)s.on_frame(kOpen3, 0);
  EXPECT_TRUE(s.on_frame("2", 10).reply.empty());
  EXPECT_NE(s.state(), EioState::Closed);
}

TEST(EioSession, DeliversEventsOnlyOnceConnected) {
  EioSession s(EioVersion::V4, 0);
  (void)s.on_frame(kOpen4, 0);
  EioStep st = s.on_frame(R"(42["price-change",{"event":"price-change","data":"{}"}])", 1);
  EXPECT_FALSE(st.event) << "before the namespace connect";
  (void)s.on_frame("40{\"sid\":\"x\"}", 2);
  st = s.on_frame(R"(42["price-change",{"event":"price-change","data":"{}"}])", 3);
  ASSERT_TRUE(st.event);
  EXPECT_EQ(st.message.name, "price-change");
  EXPECT_EQ(st.message.args, R"({"event":"price-change","data":"{}"})");
  st = s.on_frame(R"(42/admin,["x"])", 4);
  EXPECT_FALSE(st.event) << "other namespaces are not ours";
}

TEST(EioSession, EndsOnKickRefusalCloseAndGarbage) {
  struct Case {
    std::string_view frame;
    EioCloseReason reason;
  };
  for (const Case& c :
       {Case{"41", EioCloseReason::Kicked},
        Case{R"(44{"message":"Not authorized"})", EioCloseReason::ConnectRefused},
        Case{"1", EioCloseReason::ServerClose}, Case{"x", EioCloseReason::ProtocolError},
        Case{"42{not an array", EioCloseReason::ProtocolError},
        Case{kOpen4, EioCloseReason::ProtocolError}}) {
    EioSession s(EioVersion::V4, 0);
    (void)s.on_frame(kOpen4, 0);
    (void)s.on_frame("40", 0);
    const EioStep st = s.on_frame(c.frame, 1);
    EXPECT_TRUE(st.closed_now) << c.frame;
    EXPECT_EQ(s.close_reason(), c.reason) << c.frame;
    EXPECT_FALSE(s.on_frame("2", 2).closed_now) << "closed once";
    EXPECT_TRUE(s.on_frame("2", 2).reply.empty()) << "and silent after";
  }
}

TEST(EioSession, AFirstFrameThatIsNotTheOpenPacketIsFatal) {
  EioSession s(EioVersion::V4, 0);
  EXPECT_TRUE(s.on_frame("40", 0).closed_now);
  EXPECT_EQ(s.close_reason(), EioCloseReason::ProtocolError);
  EioSession t(EioVersion::V3, 0);
  EXPECT_FALSE(t.on_timer(19'999).closed_now);
  EXPECT_TRUE(t.on_timer(20'000).closed_now) << "no open packet within the bound";
  EXPECT_EQ(t.close_reason(), EioCloseReason::HandshakeTimeout);
}

TEST(EioSession, SessionStepsDoNotAllocate) {
  EioSession s(EioVersion::V3, 0);
  const scalper::testing::AllocationScope allocs;
  (void)s.on_frame(kOpen3, 0);
  (void)s.on_frame("40", 0);
  for (int i = 0; i < 100; ++i) {
    (void)s.on_frame(R"(42["new-trade",{"event":"new-trade","data":"{}"}])", i);
    (void)s.on_timer(i * 10);
    (void)s.on_frame("3", i * 10);
  }
  EXPECT_EQ(allocs.count(), 0u);
}

// ---- reconnection ---------------------------------------------------------------------------

TEST(Backoff, GrowsTowardsTheCapWithJitterAndNeverZero) {
  Backoff b(100, 5000, 7);
  std::int64_t cap = 100;
  for (int i = 0; i < 20; ++i) {
    const std::int64_t d = b.next_delay_ms();
    EXPECT_GE(d, cap / 2) << i;
    EXPECT_LE(d, cap) << i;
    cap = std::min<std::int64_t>(cap * 2, 5000);
  }
  EXPECT_EQ(b.attempts(), 20u);
  b.reset();
  EXPECT_LE(b.next_delay_ms(), 100);
}

TEST(Backoff, SameSeedSameScheduleOtherSeedOther) {
  Backoff a(100, 60'000, 1), b(100, 60'000, 1), c(100, 60'000, 2);
  std::vector<std::int64_t> da, db, dc;
  for (int i = 0; i < 12; ++i) {
    da.push_back(a.next_delay_ms());
    db.push_back(b.next_delay_ms());
    dc.push_back(c.next_delay_ms());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(Backoff, SurvivesManyAttemptsWithoutOverflow) {
  Backoff b(1, INT64_MAX / 4, 3);
  for (int i = 0; i < 200; ++i) EXPECT_GT(b.next_delay_ms(), 0);
}

TEST(Liveness, DeadAfterTheBoundWithoutTraffic) {
  Liveness l(1000, 0);
  EXPECT_FALSE(l.dead(999));
  l.on_receive(500);
  EXPECT_FALSE(l.dead(1499));
  EXPECT_TRUE(l.dead(1500));
  EXPECT_EQ(l.deadline_ms(), 1500);
}

}  // namespace
}  // namespace scalper::net
