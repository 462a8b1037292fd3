// The WebSocket opening handshake through both codecs, as the feed will run it: the upgrade
// request (websocket.hpp), the server's 101 read by the HTTP parser in upgrade mode
// (http.hpp), the accept check, and the first frame that followed the head in the same read.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include <scalper/net/http.hpp>
#include <scalper/net/websocket.hpp>

namespace scalper::net {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.2

TEST(WebSocketHandshake, UpgradeRequestThen101ThenTheFirstFrame) {
  std::array<char, 512> req{};
  const UpgradeRequest request{"127.0.0.1:8420", "/socket.io/?EIO=4&transport=websocket", kKey, {}};
  const std::size_t n = write_upgrade_request(request, req);
  ASSERT_GT(n, 0u);
  const std::string_view sent(req.data(), n);
  EXPECT_TRUE(sent.starts_with("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"));
  EXPECT_NE(sent.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string_view::npos);

  // The server's head and, in the same read, the Engine.IO open packet as a text frame.
  std::string wire =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  const std::size_t head = wire.size();
  const std::string open = R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000})";
  wire += static_cast<char>(0x81);
  wire += static_cast<char>(open.size());
  wire += open;

  HttpLimits limits;
  limits.accept_upgrade = true;
  ResponseParser parser(limits);
  const HttpParseResult r = parser.parse(wire);
  ASSERT_TRUE(r.done()) << to_string(r.error);
  EXPECT_EQ(r.consumed, head) << "the frame after the head is not the parser's";
  EXPECT_EQ(check_upgrade_response(upgrade_response_of(parser), kKey), HandshakeError::None);

  FrameDecoder frames;
  const std::string_view rest = std::string_view(wire).substr(r.consumed);
  const DecodeResult f =
      frames.decode({reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size()});
  ASSERT_EQ(f.event, FrameEvent::Text);
  EXPECT_EQ(f.text(), open);
}

TEST(WebSocketHandshake, RefusalsTheFeedMustSee) {
  HttpLimits limits;
  limits.accept_upgrade = true;
  auto check = [&](std::string head) {
    ResponseParser p(limits);
    const HttpParseResult r = p.parse(head);
    EXPECT_TRUE(r.done()) << head;
    return check_upgrade_response(upgrade_response_of(p), kKey);
  };
  const std::string ok_prefix =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  EXPECT_EQ(check(ok_prefix + "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"),
            HandshakeError::BadAccept);
  EXPECT_EQ(check(ok_prefix + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                              "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
            HandshakeError::ExtensionNotOffered);
  // The simulator's refusal of an unsupported Engine.IO version: a 400 with a body.
  EXPECT_EQ(check("HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}"),
            HandshakeError::NotSwitchingProtocols);
  // Without upgrade mode (order entry) a 101 stays an error.
  ResponseParser strict;
  std::string head = ok_prefix + "\r\n";
  EXPECT_EQ(strict.parse(head).error, HttpParseError::SwitchingProtocols);
}

}  // namespace
}  // namespace scalper::net
