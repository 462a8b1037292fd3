// Engine.IO v3/v4 + Socket.IO sessions: handshakes, heartbeat directions, events, framing.
#include <gtest/gtest.h>

#include <scalper/sim/socketio.hpp>

namespace scalper::sim {
namespace {

EioConfig fast() {
  EioConfig c;
  c.ping_interval_ms = 1000;
  c.ping_timeout_ms = 500;
  c.max_payload = 1000;
  return c;
}

struct Harness {
  explicit Harness(EioVersion v) : s(v, "abc", fast(), 0) { s.start(out); }
  std::string frame(std::string_view f, std::int64_t now = 0) {
    out.clear();
    emits.clear();
    return s.on_frame(f, now, out, emits);
  }
  std::string timer(std::int64_t now) {
    out.clear();
    return s.on_timer(now, out);
  }
  SocketIoSession s;
  std::vector<std::string> out;
  std::vector<ClientEmit> emits;
};

TEST(SocketIo, Eio3OpensAndConnectsTheNamespaceUnasked) {
  Harness h(EioVersion::V3);
  ASSERT_EQ(h.out.size(), 2u);
  EXPECT_EQ(h.out[0], R"(0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":500})");
  EXPECT_EQ(h.out[1], "40");
  EXPECT_TRUE(h.s.connected());
}

TEST(SocketIo, Eio4WaitsForTheClientConnect) {
  Harness h(EioVersion::V4);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(
      h.out[0],
      R"(0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000})");
  EXPECT_FALSE(h.s.connected());
  // Events before the namespace is connected are dropped.
  EXPECT_EQ(h.frame(R"(42["join",{"channelName":"x"}])"), "");
  EXPECT_TRUE(h.emits.empty());
  // ... but garbage is garbage either way.
  EXPECT_EQ(h.frame("42{not json"), "parse error");
  EXPECT_EQ(h.frame("40"), "");
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0], R"(40{"sid":"abc#ns"})");
  EXPECT_TRUE(h.s.connected());
}

TEST(SocketIo, Eio3ClientPingsAndTheServerPongs) {
  Harness h(EioVersion::V3);
  EXPECT_EQ(h.frame("2", 900), "");
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0], "3");
  EXPECT_EQ(h.frame("2probe", 950), "");
  EXPECT_EQ(h.out[0], "3probe");
  // Silent for interval + timeout after the last ping: dead.
  EXPECT_EQ(h.timer(950 + 1500), "");
  EXPECT_EQ(h.timer(950 + 1501), "ping timeout");
  EXPECT_TRUE(h.out.empty()) << "an EIO3 server never pings";
}

TEST(SocketIo, Eio3ClientPongIsTheWrongDirection) {
  Harness h(EioVersion::V3);
  EXPECT_EQ(h.frame("3"), "invalid heartbeat direction");
}

TEST(SocketIo, Eio4ServerPingsAndWantsAPongInTime) {
  Harness h(EioVersion::V4);
  EXPECT_EQ(h.s.next_timer_ms(), 1000);
  EXPECT_EQ(h.timer(999), "");
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.timer(1000), "");
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0], "2");
  EXPECT_EQ(h.s.next_timer_ms(), 1500);  // the pong deadline comes first
  EXPECT_EQ(h.frame("3", 1400), "");
  EXPECT_EQ(h.timer(1500), "");
  EXPECT_EQ(h.timer(2000), "");
  EXPECT_EQ(h.out.at(0), "2");
  EXPECT_EQ(h.timer(2500), "ping timeout") << "no pong within pingTimeout";
}

TEST(SocketIo, Eio4ClientPingIsTheWrongDirection) {
  Harness h(EioVersion::V4);
  EXPECT_EQ(h.frame("2"), "invalid heartbeat direction");
}

TEST(SocketIo, EventsAreDecodedWithTheirFirstArgument) {
  Harness h(EioVersion::V3);
  EXPECT_EQ(h.frame(R"(42["join",{"channelName":"coindcx","authSignature":"ab","apiKey":"k"}])"),
            "");
  ASSERT_EQ(h.emits.size(), 1u);
  EXPECT_EQ(h.emits[0].name, "join");
  EXPECT_EQ(h.emits[0].arg.find("channelName")->text, "coindcx");
  EXPECT_EQ(h.frame(R"(42["ping"])"), "");
  EXPECT_TRUE(h.emits.at(0).arg.is_null());
  // With an ack id: the event is delivered and acknowledged.
  EXPECT_EQ(h.frame(R"(4217["leave",{"channelName":"x"}])"), "");
  EXPECT_EQ(h.emits.at(0).name, "leave");
  EXPECT_EQ(h.out.at(0), "4317[]");
}

TEST(SocketIo, GarbageClosesLikeSocketIo) {
  for (std::string_view bad : {"", "x", "0", "42{not json", R"(42[1,2])", "42[]", "4x", "47"}) {
    Harness h(EioVersion::V4);
    (void)h.frame("40");
    EXPECT_EQ(h.frame(bad), "parse error") << bad;
  }
  Harness h(EioVersion::V4);
  EXPECT_EQ(h.frame(std::string(1001, '4')), "payload too large");
  EXPECT_EQ(h.frame("1"), "transport close");
}

TEST(SocketIo, OtherNamespacesAreRefused) {
  Harness h(EioVersion::V4);
  EXPECT_EQ(h.frame("40/admin,"), "");
  EXPECT_EQ(h.out.at(0), R"(44/admin,{"message":"Invalid namespace"})");
  EXPECT_FALSE(h.s.connected());
}

TEST(SocketIo, EventFrameCarriesDataAsAJsonString) {
  // The envelope of docs/architecture.md §7.6: 42["<e>",{"event":"<e>","data":"<JSON text>"}]
  EXPECT_EQ(
      SocketIoSession::event_frame("price-change", R"({"T":1,"p":"0.3473","pr":"f"})"),
      R"(42["price-change",{"event":"price-change","data":"{\"T\":1,\"p\":\"0.3473\",\"pr\":\"f\"}"}])");
  // It decodes back to the same payload through two JSON layers.
  std::string error;
  const std::string frame = SocketIoSession::event_frame("e", R"([{"a":"x\"y"}])");
  auto outer = parse_json(std::string_view(frame).substr(2), error);
  ASSERT_TRUE(outer);
  const JsonNode* data = outer->items.at(1).find("data");
  ASSERT_EQ(data->kind, JsonNode::Kind::String);
  auto inner = parse_json(data->text, error);
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->items.at(0).find("a")->text, "x\"y");
}

}  // namespace
}  // namespace scalper::sim
