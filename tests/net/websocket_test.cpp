// RFC 6455 client codec: the RFC's own examples (§1.2 handshake, §5.7 frames, read from the
// fixtures copied under tests/data/net/), every protocol error with its close code, length
// classes, fragmentation with control frames in between, UTF-8 edge cases, NeedMore on every
// prefix, chunked delivery, and zero allocations after construction.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "scalper/net/websocket.hpp"
#include "utf8_reference.hpp"

namespace scalper::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

#ifndef SCALPER_NET_FIXTURES_DIR
#error "SCALPER_NET_FIXTURES_DIR must name tests/data/net"
#endif

constexpr std::uint32_t kRfcMaskKey = 0x37fa213d;  // RFC 6455 §5.7: key bytes 37 fa 21 3d

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string string_of(std::span<const std::uint8_t> b) { return std::string(b.begin(), b.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes pattern_payload(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(SCALPER_NET_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- test-only server side --------------------------------------------------------------

enum class LengthForm { Minimal, Force16, Force64 };

// An unmasked server frame with a raw first byte (FIN, RSV and opcode as given), so tests
// can build frames the encoder refuses to produce.
Bytes server_frame(std::uint8_t first_byte, const Bytes& payload,
                   LengthForm form = LengthForm::Minimal) {
  Bytes f{first_byte};
  const std::uint64_t n = payload.size();
  if (form == LengthForm::Minimal && n < 126) {
    f.push_back(static_cast<std::uint8_t>(n));
  } else if (form != LengthForm::Force64 && n <= 0xFFFF) {
    f.push_back(126);
    f.push_back(static_cast<std::uint8_t>(n >> 8));
    f.push_back(static_cast<std::uint8_t>(n));
  } else {
    f.push_back(127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

std::uint8_t first_byte(Opcode op, bool fin) {
  return static_cast<std::uint8_t>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(op));
}

Bytes server_frame(Opcode op, bool fin, const Bytes& payload) {
  return server_frame(first_byte(op, fin), payload);
}

// What a server sees of our client frame, re-sent unmasked: drops the key, unmasks.
Bytes unmask_client_frame(std::span<const std::uint8_t> frame) {
  const std::size_t length7 = frame[1] & 0x7F;
  const std::size_t header = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
  std::uint32_t key = 0;
  for (std::size_t i = 0; i < 4; ++i) key = (key << 8) | frame[header + i];
  Bytes out(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(header));
  out[1] = static_cast<std::uint8_t>(out[1] & 0x7F);
  out.insert(out.end(), frame.begin() + static_cast<std::ptrdiff_t>(header + 4), frame.end());
  apply_mask(std::span(out).subspan(header), key);
  return out;
}

Bytes encode(Opcode op, bool fin, const Bytes& payload, std::uint32_t key) {
  Bytes out(client_frame_size(payload.size()));
  const std::size_t n = encode_frame(op, fin, payload, key, out);
  out.resize(n);
  return out;
}

// ---- decoding helpers ---------------------------------------------------------------------

struct Event {
  FrameEvent event = FrameEvent::NeedMore;
  std::string payload;
  std::uint16_t code = 0;
  FrameError error = FrameError::None;
  std::size_t consumed = 0;

  bool operator==(const Event&) const = default;
};

Event copy_event(const DecodeResult& r) {
  return Event{r.event, string_of(r.payload), r.close_code, r.error, r.consumed};
}

// Decodes everything `bytes` holds, as one receive buffer, until NeedMore or an error.
std::vector<Event> decode_all(FrameDecoder& d, std::span<const std::uint8_t> bytes) {
  std::vector<Event> events;
  std::size_t at = 0;
  for (;;) {
    const DecodeResult r = d.decode(bytes.subspan(at));
    if (r.event == FrameEvent::NeedMore) break;
    events.push_back(copy_event(r));
    if (r.event == FrameEvent::Error) break;
    at += r.consumed;
  }
  return events;
}

// The same, with the bytes arriving `chunk` at a time into a receive buffer of
// max_frame_bytes() that is compacted after each event, as the connection will do it.
std::vector<Event> decode_chunked(FrameDecoder& d, const Bytes& stream, std::size_t chunk) {
  std::vector<Event> events;
  Bytes rx(d.max_frame_bytes());
  std::size_t filled = 0;
  std::size_t fed = 0;
  while (fed < stream.size()) {
    const std::size_t n = std::min({chunk, stream.size() - fed, rx.size() - filled});
    std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(fed), n,
                rx.begin() + static_cast<std::ptrdiff_t>(filled));
    fed += n;
    filled += n;
    for (;;) {
      const DecodeResult r = d.decode({rx.data(), filled});
      if (r.event == FrameEvent::NeedMore) {
        EXPECT_GT(r.need, filled);
        EXPECT_LE(r.need, rx.size());
        break;
      }
      events.push_back(copy_event(r));
      if (r.event == FrameEvent::Error) return events;
      std::memmove(rx.data(), rx.data() + r.consumed, filled - r.consumed);
      filled -= r.consumed;
    }
  }
  return events;
}

DecodeResult decode_one(FrameDecoder& d, const Bytes& frame) { return d.decode(frame); }

using testing::reference_utf8;

bool points_into(std::span<const std::uint8_t> view, std::span<const std::uint8_t> area) {
  return view.data() >= area.data() && view.data() + view.size() <= area.data() + area.size();
}

// ---- RFC 6455 §5.7 examples, parsed from the fixture ----------------------------------------

// Each "*" bullet of the fixture is one frame: hex tokens ("0x81", or wider such as "0x0100",
// read big-endian) and "[N bytes of binary data]", filled here with pattern_payload(N).
std::vector<Bytes> rfc_section57_frames() {
  std::istringstream in(read_fixture("rfc6455_section5.7_examples.txt"));
  std::vector<std::string> tokens{std::istream_iterator<std::string>(in),
                                  std::istream_iterator<std::string>()};
  std::vector<Bytes> frames;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] != "*") continue;
    Bytes frame;
    for (++i; i < tokens.size(); ++i) {
      const std::string& t = tokens[i];
      if (t.rfind("0x", 0) == 0) {
        for (std::size_t h = 2; h + 1 < t.size(); h += 2) {
          frame.push_back(static_cast<std::uint8_t>(std::stoul(t.substr(h, 2), nullptr, 16)));
        }
      } else if (t.rfind("[", 0) == 0) {
        const Bytes data = pattern_payload(std::stoul(t.substr(1)));
        frame.insert(frame.end(), data.begin(), data.end());
        while (i < tokens.size() && tokens[i].back() != ']') ++i;
      } else {
        break;
      }
    }
    --i;
    frames.push_back(frame);
  }
  return frames;
}

// ==== handshake ================================================================================

TEST(WebSocketHandshake, RfcSection12KeyGivesRfcAccept) {
  char accept[kWebSocketAcceptChars];
  ASSERT_TRUE(websocket_accept_for("dGhlIHNhbXBsZSBub25jZQ==", accept));
  EXPECT_EQ(std::string_view(accept, sizeof accept), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, FixtureKeyAndAcceptAgree) {
  const std::string text = read_fixture("rfc6455_section1.2_handshake_example.txt");
  const auto value_of = [&](std::string_view name) {
    const std::size_t at = text.find(name);
    EXPECT_NE(at, std::string::npos) << name;
    const std::size_t start = at + name.size();
    return text.substr(start, text.find('\n', start) - start);
  };
  const std::string key = value_of("Sec-WebSocket-Key: ");
  const std::string expected = value_of("Sec-WebSocket-Accept: ");
  char accept[kWebSocketAcceptChars];
  ASSERT_TRUE(websocket_accept_for(key, accept));
  EXPECT_EQ(std::string_view(accept, sizeof accept), expected);
}

TEST(WebSocketHandshake, KeyIsBase64OfTheNonce) {
  // The RFC's key is the base64 of the 16 ASCII bytes "the sample nonce".
  const Bytes rfc = bytes_of("the sample nonce");
  char key[kWebSocketKeyChars];
  make_websocket_key(std::span<const std::uint8_t, 16>(rfc.data(), 16), key);
  EXPECT_EQ(std::string_view(key, sizeof key), "dGhlIHNhbXBsZSBub25jZQ==");

  const std::uint8_t zeros[16] = {};
  make_websocket_key(zeros, key);
  EXPECT_EQ(std::string_view(key, sizeof key), "AAAAAAAAAAAAAAAAAAAAAA==");
  std::uint8_t ones[16];
  std::fill(std::begin(ones), std::end(ones), std::uint8_t{0xFF});
  make_websocket_key(ones, key);
  EXPECT_EQ(std::string_view(key, sizeof key), "/////////////////////w==");
}

TEST(WebSocketHandshake, AcceptNeedsA24CharacterKey) {
  char accept[kWebSocketAcceptChars];
  EXPECT_FALSE(websocket_accept_for("", accept));
  EXPECT_FALSE(websocket_accept_for("dGhlIHNhbXBsZSBub25jZQ=", accept));
  EXPECT_FALSE(websocket_accept_for("dGhlIHNhbXBsZSBub25jZQ==x", accept));
}

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

TEST(WebSocketHandshake, WritesTheUpgradeRequest) {
  const std::string_view extra[] = {"Origin: http://example.com", "User-Agent: scalper"};
  const UpgradeRequest req{"server.example.com", "/chat?x=1&y=2", kKey, extra};
  char buf[512];
  const std::size_t n = write_upgrade_request(req, buf);
  EXPECT_EQ(std::string_view(buf, n),
            "GET /chat?x=1&y=2 HTTP/1.1\r\n"
            "Host: server.example.com\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Origin: http://example.com\r\n"
            "User-Agent: scalper\r\n"
            "\r\n");
}

TEST(WebSocketHandshake, EmptyTargetIsTheRoot) {
  const UpgradeRequest req{"h:8443", "", kKey, {}};
  char buf[256];
  const std::size_t n = write_upgrade_request(req, buf);
  EXPECT_TRUE(std::string_view(buf, n).starts_with("GET / HTTP/1.1\r\nHost: h:8443\r\n"));
  EXPECT_TRUE(std::string_view(buf, n).ends_with("Sec-WebSocket-Version: 13\r\n\r\n"));
}

TEST(WebSocketHandshake, RequestReturnsZeroUnlessItFits) {
  const std::string_view extra[] = {"Origin: http://example.com"};
  const UpgradeRequest req{"server.example.com", "/chat", kKey, extra};
  char full[512];
  const std::size_t n = write_upgrade_request(req, full);
  ASSERT_GT(n, 0u);
  std::vector<char> buf(n);
  for (std::size_t size = 0; size < n; ++size) {
    EXPECT_EQ(write_upgrade_request(req, std::span<char>(buf.data(), size)), 0u) << size;
  }
  EXPECT_EQ(write_upgrade_request(req, buf), n);
  EXPECT_EQ(std::string_view(buf.data(), n), std::string_view(full, n));
}

TEST(WebSocketHandshake, RequestRefusesLineSmugglingAndReservedHeaders) {
  char buf[512];
  const auto write = [&](std::string_view host, std::string_view target, std::string_view key,
                         std::string_view extra_line) {
    const std::string_view extra[] = {extra_line};
    const UpgradeRequest req{host, target, key,
                             extra_line.empty() ? std::span<const std::string_view>{}
                                                : std::span<const std::string_view>(extra)};
    return write_upgrade_request(req, buf);
  };
  EXPECT_GT(write("h", "/", kKey, ""), 0u);
  EXPECT_GT(write("h", "/", kKey, "X-Tab: a\tb"), 0u);
  EXPECT_EQ(write("", "/", kKey, ""), 0u);
  EXPECT_EQ(write("h\r\nEvil: 1", "/", kKey, ""), 0u);
  EXPECT_EQ(write("h h", "/", kKey, ""), 0u);
  EXPECT_EQ(write("h", "/a b", kKey, ""), 0u);
  EXPECT_EQ(write("h", "/a\nb", kKey, ""), 0u);
  EXPECT_EQ(write("h", "chat", kKey, ""), 0u);  // not origin-form
  EXPECT_EQ(write("h", "/", "short", ""), 0u);
  EXPECT_EQ(write("h", "/", "dGhlIHNhbXBsZSBub25j\r\n==", ""), 0u);
  EXPECT_EQ(write("h", "/", kKey, "Origin: a\r\nEvil: 1"), 0u);
  EXPECT_EQ(write("h", "/", kKey, std::string_view("Origin: a\0b", 11)), 0u);
  EXPECT_EQ(write("h", "/", kKey, "no colon"), 0u);
  EXPECT_EQ(write("h", "/", kKey, ": no name"), 0u);
  EXPECT_EQ(write("h", "/", kKey, "Bad Name: x"), 0u);
  for (const std::string_view reserved :
       {"Host: x", "UPGRADE: x", "connection: close", "Sec-WebSocket-Key: x",
        "Sec-WebSocket-Version: 8", "Sec-WebSocket-Extensions: permessage-deflate",
        "sec-websocket-protocol: chat"}) {
    EXPECT_EQ(write("h", "/", kKey, reserved), 0u) << reserved;
  }
}

UpgradeResponse good_response() {
  // RFC 6455 §1.2 server example, minus the subprotocol we did not offer.
  return UpgradeResponse{101, "websocket", "Upgrade", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "", ""};
}

TEST(WebSocketHandshake, AcceptsTheRfcResponse) {
  EXPECT_EQ(check_upgrade_response(good_response(), kKey), HandshakeError::None);
}

TEST(WebSocketHandshake, HeaderTokensAreCaseInsensitiveAndTrimmed) {
  UpgradeResponse r = good_response();
  r.upgrade = " WebSocket\t";
  r.connection = "keep-alive, UPGRADE";
  r.accept = " s3pPLMBiTxaQ9kYGzzhZRbK+xOo= ";
  r.extensions = "  ";
  EXPECT_EQ(check_upgrade_response(r, kKey), HandshakeError::None);
  r.connection = "upgrade,keep-alive";
  EXPECT_EQ(check_upgrade_response(r, kKey), HandshakeError::None);
}

TEST(WebSocketHandshake, RejectsEveryBrokenResponse) {
  const auto with = [](auto edit) {
    UpgradeResponse r = good_response();
    edit(r);
    return check_upgrade_response(r, kKey);
  };
  EXPECT_EQ(with([](UpgradeResponse& r) { r.status = 200; }),
            HandshakeError::NotSwitchingProtocols);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.status = 426; }),
            HandshakeError::NotSwitchingProtocols);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.upgrade = ""; }), HandshakeError::BadUpgrade);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.upgrade = "websocket2"; }), HandshakeError::BadUpgrade);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.connection = ""; }), HandshakeError::BadConnection);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.connection = "keep-alive"; }),
            HandshakeError::BadConnection);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.connection = "upgraded"; }),
            HandshakeError::BadConnection);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.accept = ""; }), HandshakeError::BadAccept);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo"; }),
            HandshakeError::BadAccept);
  EXPECT_EQ(with([](UpgradeResponse& r) { r.accept = "S3PPLMBiTxaQ9kYGzzhZRbK+xOo="; }),
            HandshakeError::BadAccept);  // base64 is case-sensitive
  EXPECT_EQ(with([](UpgradeResponse& r) { r.extensions = "permessage-deflate"; }),
            HandshakeError::ExtensionNotOffered);
  // The RFC's server selects "chat": fine for the RFC's client, which offered it; we never do.
  EXPECT_EQ(with([](UpgradeResponse& r) { r.protocol = "chat"; }),
            HandshakeError::SubprotocolNotOffered);
  EXPECT_EQ(check_upgrade_response(good_response(), "AAAAAAAAAAAAAAAAAAAAAA=="),
            HandshakeError::BadAccept);
  EXPECT_EQ(check_upgrade_response(good_response(), "bad key"), HandshakeError::BadAccept);
}

TEST(WebSocketHandshake, ErrorsHaveNames) {
  for (int e = 0; e <= static_cast<int>(HandshakeError::SubprotocolNotOffered); ++e) {
    EXPECT_FALSE(to_string(static_cast<HandshakeError>(e)).empty());
  }
}

// ==== encoder ==================================================================================

TEST(WebSocketEncode, RfcSection57MaskedFrames) {
  const std::vector<Bytes> rfc = rfc_section57_frames();
  ASSERT_EQ(rfc.size(), 8u);
  EXPECT_EQ(encode(Opcode::Text, true, bytes_of("Hello"), kRfcMaskKey), rfc[1]);
  EXPECT_EQ(encode(Opcode::Pong, true, bytes_of("Hello"), kRfcMaskKey), rfc[5]);
  // The same frames, spelled out (RFC 6455 §5.7), in case the fixture changes.
  EXPECT_EQ(rfc[1], (Bytes{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  EXPECT_EQ(rfc[5], (Bytes{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(WebSocketEncode, UnmaskedRfcExamplesAreOurFramesSeenByTheServer) {
  const std::vector<Bytes> rfc = rfc_section57_frames();
  ASSERT_EQ(rfc.size(), 8u);
  const auto round = [](Opcode op, bool fin, const Bytes& payload) {
    return unmask_client_frame(encode(op, fin, payload, 0xdeadbeef));
  };
  EXPECT_EQ(round(Opcode::Text, true, bytes_of("Hello")), rfc[0]);
  EXPECT_EQ(round(Opcode::Text, false, bytes_of("Hel")), rfc[2]);
  EXPECT_EQ(round(Opcode::Continuation, true, bytes_of("lo")), rfc[3]);
  EXPECT_EQ(round(Opcode::Ping, true, bytes_of("Hello")), rfc[4]);
  EXPECT_EQ(round(Opcode::Binary, true, pattern_payload(256)), rfc[6]);
  EXPECT_EQ(round(Opcode::Binary, true, pattern_payload(65536)), rfc[7]);
}

TEST(WebSocketEncode, MinimalLengthForEveryClass) {
  struct Case {
    std::size_t size;
    std::size_t header;  // without the 4 key bytes
    std::uint8_t length7;
  };
  for (const Case c :
       {Case{0, 2, 0}, Case{1, 2, 1}, Case{125, 2, 125}, Case{126, 4, 126}, Case{127, 4, 126},
        Case{65535, 4, 126}, Case{65536, 10, 127}, Case{70000, 10, 127}}) {
    const Bytes payload = pattern_payload(c.size);
    const Bytes frame = encode(Opcode::Binary, true, payload, 0x01020304);
    ASSERT_EQ(frame.size(), c.header + 4 + c.size) << c.size;
    EXPECT_EQ(client_frame_size(c.size), frame.size());
    EXPECT_EQ(frame[0], 0x82);
    EXPECT_EQ(frame[1], 0x80 | c.length7) << c.size;
    std::uint64_t encoded_length = c.length7;
    if (c.header == 4) encoded_length = (std::uint64_t{frame[2]} << 8) | frame[3];
    if (c.header == 10) {
      encoded_length = 0;
      for (std::size_t i = 0; i < 8; ++i) encoded_length = (encoded_length << 8) | frame[2 + i];
    }
    EXPECT_EQ(encoded_length, c.size);
    EXPECT_EQ(Bytes(frame.begin() + static_cast<std::ptrdiff_t>(c.header),
                    frame.begin() + static_cast<std::ptrdiff_t>(c.header + 4)),
              (Bytes{1, 2, 3, 4}));
    const Bytes seen = unmask_client_frame(frame);
    EXPECT_EQ(Bytes(seen.begin() + static_cast<std::ptrdiff_t>(c.header), seen.end()), payload);
  }
}

TEST(WebSocketEncode, ReturnsZeroWhenOutIsTooSmall) {
  for (const std::size_t size : {0u, 5u, 125u, 126u, 300u}) {
    const Bytes payload = pattern_payload(size);
    const std::size_t need = client_frame_size(size);
    Bytes out(need);
    for (std::size_t cap = 0; cap < need; ++cap) {
      EXPECT_EQ(encode_frame(Opcode::Text, true, payload, 1, std::span(out.data(), cap)), 0u);
    }
    EXPECT_EQ(encode_frame(Opcode::Text, true, payload, 1, out), need);
  }
}

TEST(WebSocketEncode, ControlFramesAreShortAndFinal) {
  Bytes out(256);
  EXPECT_GT(encode_frame(Opcode::Ping, true, pattern_payload(125), 1, out), 0u);
  EXPECT_EQ(encode_frame(Opcode::Ping, true, pattern_payload(126), 1, out), 0u);
  EXPECT_EQ(encode_frame(Opcode::Pong, true, pattern_payload(126), 1, out), 0u);
  EXPECT_EQ(encode_frame(Opcode::Close, true, pattern_payload(126), 1, out), 0u);
  EXPECT_EQ(encode_frame(Opcode::Ping, false, {}, 1, out), 0u);
  EXPECT_EQ(encode_frame(Opcode::Close, false, {}, 1, out), 0u);
  // Data frames may be fragments.
  EXPECT_EQ(encode_frame(Opcode::Text, false, {}, 1, out), 6u);
  EXPECT_EQ(encode_frame(Opcode::Continuation, false, {}, 1, out), 6u);
  EXPECT_EQ(out[0], 0x00);
  for (const int reserved : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF, 0x10, 0x81}) {
    EXPECT_EQ(encode_frame(static_cast<Opcode>(reserved), true, {}, 1, out), 0u) << reserved;
  }
}

TEST(WebSocketEncode, WordMaskingMatchesBytewiseMaskingAtAnyAlignment) {
  const std::uint32_t key = 0xA1B2C3D4;
  const std::uint8_t key_bytes[4] = {0xA1, 0xB2, 0xC3, 0xD4};
  Bytes storage(80);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n <= 64; ++n) {
      const Bytes original = pattern_payload(n);
      std::span<std::uint8_t> data(storage.data() + offset, n);
      std::copy(original.begin(), original.end(), data.begin());
      apply_mask(data, key);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(data[i], original[i] ^ key_bytes[i % 4]) << "offset " << offset << " n " << n;
      }
      apply_mask(data, key);
      ASSERT_TRUE(std::equal(data.begin(), data.end(), original.begin()));
    }
  }
}

TEST(WebSocketEncode, Close) {
  Bytes out(200);
  std::size_t n = encode_close(kCloseNormal, "bye", 0, out);  // key 0: payload stays readable
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            (Bytes{0x88, 0x85, 0, 0, 0, 0, 0x03, 0xE8, 'b', 'y', 'e'}));
  n = encode_close(kCloseNoStatus, "", 0, out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            (Bytes{0x88, 0x80, 0, 0, 0, 0}));
  n = encode_close(4000, "", kRfcMaskKey, out);
  EXPECT_EQ(unmask_client_frame(std::span(out.data(), n)), (Bytes{0x88, 0x02, 0x0F, 0xA0}));

  EXPECT_EQ(encode_close(kCloseNoStatus, "x", 0, out), 0u);
  for (const int unsendable : {0, 999, 1004, 1006, 1015, 2999, 5000}) {
    EXPECT_EQ(encode_close(static_cast<std::uint16_t>(unsendable), "", 0, out), 0u) << unsendable;
  }
  EXPECT_EQ(encode_close(kCloseNormal, std::string(123, 'r'), 0, out), 131u);
  EXPECT_EQ(encode_close(kCloseNormal, std::string(124, 'r'), 0, out), 0u);
  EXPECT_EQ(encode_close(kCloseNormal, "\xC3\xA9t\xC3\xA9", 0, out), 6u + 2u + 5u);
  EXPECT_EQ(encode_close(kCloseNormal, "\xC3", 0, out), 0u);
  EXPECT_EQ(encode_close(kCloseNormal, "bye", 0, std::span(out.data(), 10)), 0u);
}

TEST(WebSocketEncode, SendableCloseCodes) {
  for (std::uint32_t code = 0; code <= 0xFFFF; ++code) {
    const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                          (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_sendable_close_code(static_cast<std::uint16_t>(code)), expected) << code;
  }
}

// ==== UTF-8 ====================================================================================

TEST(WebSocketUtf8, AcceptsWellFormedText) {
  for (const std::string_view ok : {
           std::string_view(""),
           std::string_view("plain ASCII that is longer than sixteen bytes, twice over ...."),
           std::string_view("\x7F"),
           std::string_view("\xC2\x80"),          // U+0080
           std::string_view("\xDF\xBF"),          // U+07FF
           std::string_view("\xE0\xA0\x80"),      // U+0800
           std::string_view("\xED\x9F\xBF"),      // U+D7FF, just below the surrogates
           std::string_view("\xEE\x80\x80"),      // U+E000, just above them
           std::string_view("\xEF\xBF\xBF"),      // U+FFFF
           std::string_view("\xF0\x90\x80\x80"),  // U+10000
           std::string_view("\xF4\x8F\xBF\xBF"),  // U+10FFFF
           std::string_view("caf\xC3\xA9 \xE2\x82\xAC 5 \xF0\x9D\x84\x9E"),  // é € 𝄞
           std::string_view(
               "{\"symbol\":\"B-BTC_USDT\",\"p\":\"97000.5\",\"note\":\"\xE2\x9C\x93\"}"),
       }) {
    EXPECT_TRUE(is_valid_utf8(ok)) << ok;
  }
}

TEST(WebSocketUtf8, RejectsOverlongsSurrogatesAndOutOfRange) {
  for (const std::string_view bad : {
           std::string_view("\xC0\x80"),                  // overlong NUL
           std::string_view("\xC1\xBF"),                  // overlong U+007F
           std::string_view("\xE0\x80\x80"),              // overlong 3-byte
           std::string_view("\xE0\x9F\xBF"),              // overlong U+07FF
           std::string_view("\xF0\x8F\xBF\xBF"),          // overlong U+FFFF
           std::string_view("\xED\xA0\x80"),              // U+D800
           std::string_view("\xED\xBF\xBF"),              // U+DFFF
           std::string_view("\xED\xA0\x80\xED\xB0\x80"),  // CESU-8 pair
           std::string_view("\xF4\x90\x80\x80"),          // U+110000
           std::string_view("\xF5\x80\x80\x80"),
           std::string_view("\xFF"),
           std::string_view("\xFE"),
           std::string_view("\x80"),  // lone continuation
           std::string_view("\xBF"),
           std::string_view("\xC3"),  // truncated
           std::string_view("\xE2\x82"),
           std::string_view("\xF0\x9D\x84"),
           std::string_view("\xC3\x28"),  // continuation missing
           std::string_view("\xE2\x28\xA1"),
           std::string_view("\xF0\x9D\x28\x9E"),
       }) {
    EXPECT_FALSE(is_valid_utf8(bad)) << ::testing::PrintToString(std::string(bad));
  }
}

TEST(WebSocketUtf8, BadByteAnywhereAroundTheWordFastPath) {
  for (std::size_t length = 1; length <= 48; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string s(length, 'a');
      s[at] = '\xFF';
      ASSERT_FALSE(is_valid_utf8(s)) << length << " " << at;
      if (at + 2 <= length) {
        s[at] = '\xC3';
        s[at + 1] = '\xA9';
        ASSERT_TRUE(is_valid_utf8(s)) << length << " " << at;
        s[at + 1] = 'a';
        ASSERT_FALSE(is_valid_utf8(s)) << length << " " << at;
      }
    }
  }
}

TEST(WebSocketUtf8, AgreesWithReferenceOnAllShortSequences) {
  Bytes b(4);
  for (std::uint32_t v = 0; v <= 0xFFFF; ++v) {  // every 2-byte string
    b = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    ASSERT_EQ(is_valid_utf8(b), reference_utf8(b)) << std::hex << v;
  }
  for (std::uint32_t v = 0xE00000; v <= 0xFFFFFF; ++v) {  // every 3-byte string with lead >= E0
    b = {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
         static_cast<std::uint8_t>(v)};
    ASSERT_EQ(is_valid_utf8(b), reference_utf8(b)) << std::hex << v;
  }
  for (std::uint32_t lead = 0xF0; lead <= 0xF7; ++lead) {  // 4-byte leads, all second bytes
    for (std::uint32_t second = 0; second <= 0xFF; ++second) {
      for (const int tail : {0x00, 0x7F, 0x80, 0xBF, 0xC0}) {
        b = {static_cast<std::uint8_t>(lead), static_cast<std::uint8_t>(second),
             static_cast<std::uint8_t>(tail), 0x80};
        ASSERT_EQ(is_valid_utf8(b), reference_utf8(b)) << std::hex << lead << " " << second;
      }
    }
  }
}

// ==== decoder: RFC examples
// ========================================================================

FrameLimits big_limits() { return FrameLimits{1 << 17, 1 << 17}; }

TEST(WebSocketDecode, RfcSingleFrameTextIsAViewOfTheBuffer) {
  const Bytes frame = rfc_section57_frames().at(0);
  ASSERT_EQ(frame, (Bytes{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  FrameDecoder d;
  const DecodeResult r = decode_one(d, frame);
  EXPECT_EQ(r.event, FrameEvent::Text);
  EXPECT_EQ(r.consumed, 7u);
  EXPECT_EQ(r.text(), "Hello");
  EXPECT_EQ(r.payload.data(), frame.data() + 2);  // zero copy
}

TEST(WebSocketDecode, RfcMaskedFramesAreProtocolErrorsFromAServer) {
  const std::vector<Bytes> rfc = rfc_section57_frames();
  for (const std::size_t i : {1u, 5u}) {
    FrameDecoder d;
    const DecodeResult r = decode_one(d, rfc.at(i));
    EXPECT_EQ(r.event, FrameEvent::Error);
    EXPECT_EQ(r.error, FrameError::MaskedFrame);
    EXPECT_EQ(r.close_code, kCloseProtocolError);
  }
}

TEST(WebSocketDecode, RfcFragmentedText) {
  const std::vector<Bytes> rfc = rfc_section57_frames();
  const Bytes stream = concat({rfc.at(2), rfc.at(3)});
  FrameDecoder d;
  DecodeResult r = d.decode(stream);
  EXPECT_EQ(r.event, FrameEvent::Fragment);
  EXPECT_EQ(r.consumed, 5u);
  EXPECT_TRUE(d.message_in_progress());
  r = d.decode(std::span(stream).subspan(5));
  EXPECT_EQ(r.event, FrameEvent::Text);
  EXPECT_EQ(r.consumed, 4u);
  EXPECT_EQ(r.text(), "Hello");
  EXPECT_TRUE(points_into(r.payload, d.reassembly_storage()));
  EXPECT_FALSE(d.message_in_progress());
}

TEST(WebSocketDecode, RfcPing) {
  FrameDecoder d;
  const Bytes frame = rfc_section57_frames().at(4);
  const DecodeResult r = decode_one(d, frame);
  EXPECT_EQ(r.event, FrameEvent::Ping);
  EXPECT_EQ(r.text(), "Hello");
  EXPECT_EQ(r.consumed, frame.size());
}

TEST(WebSocketDecode, Rfc256ByteAnd64KiBBinary) {
  const std::vector<Bytes> rfc = rfc_section57_frames();
  ASSERT_EQ(rfc.at(6).size(), 4u + 256u);
  ASSERT_EQ(rfc.at(7).size(), 10u + 65536u);
  FrameDecoder d(big_limits());
  for (const auto& [frame, header] : {std::pair{rfc[6], 4u}, std::pair{rfc[7], 10u}}) {
    const DecodeResult r = d.decode(frame);
    EXPECT_EQ(r.event, FrameEvent::Binary);
    EXPECT_EQ(r.consumed, frame.size());
    EXPECT_EQ(r.payload.size(), frame.size() - header);
    EXPECT_EQ(r.payload.data(), frame.data() + header);
    EXPECT_EQ(Bytes(r.payload.begin(), r.payload.end()), pattern_payload(frame.size() - header));
  }
}

// ==== decoder: incremental input
// ===================================================================

TEST(WebSocketDecode, NeedMoreForEveryPrefixOfEveryLengthClass) {
  std::vector<Bytes> frames;
  for (const std::size_t size : {0u, 1u, 5u, 125u, 126u, 300u, 65535u, 65536u, 70000u}) {
    frames.push_back(server_frame(Opcode::Binary, true, pattern_payload(size)));
  }
  frames.push_back(server_frame(Opcode::Text, true, bytes_of("h\xC3\xA9llo")));
  frames.push_back(server_frame(Opcode::Ping, true, pattern_payload(125)));
  frames.push_back(server_frame(Opcode::Pong, true, {}));
  frames.push_back(server_frame(Opcode::Close, true, bytes_of("\x03\xE8ok")));
  frames.push_back(server_frame(Opcode::Close, true, {}));
  frames.push_back(server_frame(Opcode::Text, false, bytes_of("frag")));
  for (const Bytes& frame : frames) {
    FrameDecoder d(big_limits());
    const std::size_t n = frame.size();
    for (std::size_t k = 0; k < n; ++k) {
      // Around the header and the end, every prefix gets its own exact-size heap copy, so
      // ASan catches any read past it; in between, views of the full frame.
      const bool exact = k < 16 || n - k < 16;
      const Bytes copy =
          exact ? Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(k)) : Bytes{};
      const DecodeResult r = d.decode(exact ? std::span<const std::uint8_t>(copy)
                                            : std::span<const std::uint8_t>(frame.data(), k));
      ASSERT_EQ(r.event, FrameEvent::NeedMore) << "frame size " << n << " prefix " << k;
      ASSERT_EQ(r.consumed, 0u);
      ASSERT_GT(r.need, k);
      ASSERT_LE(r.need, n);
      ASSERT_FALSE(d.message_in_progress());
    }
    const DecodeResult r = d.decode(frame);
    EXPECT_NE(r.event, FrameEvent::NeedMore);
    EXPECT_NE(r.event, FrameEvent::Error);
    EXPECT_EQ(r.consumed, n);
  }
}

TEST(WebSocketDecode, NeedMoreNamesTheHeaderThenTheFrame) {
  FrameDecoder d(big_limits());
  const Bytes f16 = server_frame(Opcode::Binary, true, pattern_payload(300));
  const Bytes f64 = server_frame(Opcode::Binary, true, pattern_payload(70000));
  const auto need = [&](const Bytes& f, std::size_t k) {
    return d.decode(std::span(f.data(), k)).need;
  };
  EXPECT_EQ(need(f16, 0), 2u);
  EXPECT_EQ(need(f16, 1), 2u);
  EXPECT_EQ(need(f16, 2), 4u);
  EXPECT_EQ(need(f16, 3), 4u);
  EXPECT_EQ(need(f16, 4), 304u);
  EXPECT_EQ(need(f16, 303), 304u);
  EXPECT_EQ(need(f64, 2), 10u);
  EXPECT_EQ(need(f64, 9), 10u);
  EXPECT_EQ(need(f64, 10), 70010u);
  EXPECT_LE(need(f64, 10), d.max_frame_bytes());
}

TEST(WebSocketDecode, SeveralFramesInOneBuffer) {
  const Bytes stream = concat({server_frame(Opcode::Text, true, bytes_of("one")),
                               server_frame(Opcode::Ping, true, bytes_of("p")),
                               server_frame(Opcode::Binary, true, pattern_payload(200)),
                               server_frame(Opcode::Text, true, bytes_of("two")),
                               Bytes{0x81}});  // the start of one more
  FrameDecoder d;
  const std::vector<Event> events = decode_all(d, stream);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], (Event{FrameEvent::Text, "one", 0, FrameError::None, 5}));
  EXPECT_EQ(events[1], (Event{FrameEvent::Ping, "p", 0, FrameError::None, 3}));
  EXPECT_EQ(events[2].event, FrameEvent::Binary);
  EXPECT_EQ(events[2].consumed, 204u);
  EXPECT_EQ(events[3], (Event{FrameEvent::Text, "two", 0, FrameError::None, 5}));
}

Bytes mixed_stream() {
  return concat({
      server_frame(Opcode::Text, true, bytes_of("{\"e\":\"trade\"}")),
      server_frame(Opcode::Text, false, bytes_of("caf\xC3")),
      server_frame(Opcode::Ping, true, bytes_of("hb")),
      server_frame(Opcode::Continuation, false, bytes_of("\xA9 ")),
      server_frame(Opcode::Pong, true, {}),
      server_frame(Opcode::Continuation, true, bytes_of("ok")),
      server_frame(Opcode::Binary, true, pattern_payload(3000)),
      server_frame(Opcode::Binary, false, pattern_payload(700)),
      server_frame(Opcode::Continuation, true, pattern_payload(70000 - 700)),
      server_frame(Opcode::Close, true, bytes_of("\x03\xE9going away")),
  });
}

TEST(WebSocketDecode, ChunkedArrivalGivesTheSameEventsAsOneBuffer) {
  const Bytes stream = mixed_stream();
  FrameDecoder whole_decoder(big_limits());
  const std::vector<Event> whole = decode_all(whole_decoder, stream);
  ASSERT_EQ(whole.size(), 10u);
  EXPECT_EQ(whole[5].event, FrameEvent::Text);
  EXPECT_EQ(whole[5].payload, "caf\xC3\xA9 ok");
  EXPECT_EQ(whole[8].event, FrameEvent::Binary);
  EXPECT_EQ(whole[8].payload.size(), 70000u);
  EXPECT_EQ(whole[9], (Event{FrameEvent::Close, "going away", 1001, FrameError::None, 14}));
  for (const std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u, 65536u}) {
    FrameDecoder d(big_limits());
    EXPECT_EQ(decode_chunked(d, stream, chunk), whole) << "chunk " << chunk;
  }
}

// ==== decoder: fragmentation
// ======================================================================

TEST(WebSocketDecode, ControlFramesBetweenFragmentsLeaveReassemblyAlone) {
  const Bytes stream = concat({
      server_frame(Opcode::Text, false, bytes_of("He")),
      server_frame(Opcode::Ping, true, bytes_of("ping")),
      server_frame(Opcode::Continuation, false, bytes_of("l")),
      server_frame(Opcode::Pong, true, bytes_of("pong")),
      server_frame(Opcode::Continuation, false, {}),
      server_frame(Opcode::Close, true, bytes_of("\x03\xE8")),
      server_frame(Opcode::Continuation, true, bytes_of("lo")),
  });
  FrameDecoder d;
  std::size_t at = 0;
  const FrameEvent expected[] = {FrameEvent::Fragment, FrameEvent::Ping,     FrameEvent::Fragment,
                                 FrameEvent::Pong,     FrameEvent::Fragment, FrameEvent::Close,
                                 FrameEvent::Text};
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    const DecodeResult r = d.decode(std::span(stream).subspan(at));
    ASSERT_EQ(r.event, expected[i]) << i;
    if (r.event == FrameEvent::Ping) {
      EXPECT_EQ(r.text(), "ping");
      EXPECT_TRUE(points_into(r.payload, stream));  // delivered at once, from the buffer
    }
    if (r.event == FrameEvent::Pong) {
      EXPECT_EQ(r.text(), "pong");
    }
    if (r.event == FrameEvent::Close) {
      EXPECT_EQ(r.close_code, kCloseNormal);
    }
    if (r.event == FrameEvent::Text) {
      EXPECT_EQ(r.text(), "Hello");
    } else {
      EXPECT_TRUE(d.message_in_progress()) << i;
    }
    at += r.consumed;
  }
  EXPECT_EQ(at, stream.size());
  EXPECT_FALSE(d.message_in_progress());
}

TEST(WebSocketDecode, CodePointsSplitAcrossFragmentsAreAccepted) {
  // "€𝄞" = E2 82 AC F0 9D 84 9E, sent one byte per fragment.
  const std::string text = "\xE2\x82\xAC\xF0\x9D\x84\x9E";
  Bytes stream;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const Opcode op = i == 0 ? Opcode::Text : Opcode::Continuation;
    const Bytes f =
        server_frame(op, i + 1 == text.size(), Bytes{static_cast<std::uint8_t>(text[i])});
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameDecoder d;
  const std::vector<Event> events = decode_all(d, stream);
  ASSERT_EQ(events.size(), text.size());
  EXPECT_EQ(events.back().event, FrameEvent::Text);
  EXPECT_EQ(events.back().payload, text);
}

TEST(WebSocketDecode, InvalidUtf8InAFragmentedTextIsCaughtAtTheEnd) {
  const Bytes stream = concat({server_frame(Opcode::Text, false, bytes_of("ok \xE2\x82")),
                               server_frame(Opcode::Continuation, true, bytes_of("x"))});
  FrameDecoder d;
  const std::vector<Event> events = decode_all(d, stream);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].event, FrameEvent::Error);
  EXPECT_EQ(events[1].error, FrameError::InvalidUtf8);
  EXPECT_EQ(events[1].code, kCloseInvalidPayload);
}

TEST(WebSocketDecode, BinaryIsNotUtf8Checked) {
  FrameDecoder d;
  const DecodeResult r = decode_one(d, server_frame(Opcode::Binary, true, Bytes{0xFF, 0xC0, 0x80}));
  EXPECT_EQ(r.event, FrameEvent::Binary);
}

TEST(WebSocketDecode, EmptyMessagesAndFragments) {
  const Bytes stream =
      concat({server_frame(Opcode::Text, true, {}), server_frame(Opcode::Binary, false, {}),
              server_frame(Opcode::Continuation, true, {}), server_frame(Opcode::Ping, true, {})});
  FrameDecoder d;
  const std::vector<Event> events = decode_all(d, stream);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], (Event{FrameEvent::Text, "", 0, FrameError::None, 2}));
  EXPECT_EQ(events[1].event, FrameEvent::Fragment);
  EXPECT_EQ(events[2], (Event{FrameEvent::Binary, "", 0, FrameError::None, 2}));
  EXPECT_EQ(events[3], (Event{FrameEvent::Ping, "", 0, FrameError::None, 2}));
}

TEST(WebSocketDecode, EncodeThenDecodeRoundTripsEveryLengthClassAndFragmentation) {
  FrameDecoder d(big_limits());
  for (const std::size_t size : {0u, 1u, 7u, 8u, 9u, 125u, 126u, 127u, 65535u, 65536u, 100000u}) {
    const Bytes payload = pattern_payload(size);
    for (const Opcode op : {Opcode::Binary, Opcode::Text}) {
      const Bytes body = op == Opcode::Text ? Bytes(size, 'j') : payload;
      const Bytes frame = unmask_client_frame(encode(op, true, body, 0x9e3779b9));
      const DecodeResult r = d.decode(frame);
      ASSERT_EQ(r.event, op == Opcode::Text ? FrameEvent::Text : FrameEvent::Binary) << size;
      EXPECT_EQ(r.consumed, frame.size());
      EXPECT_TRUE(std::equal(r.payload.begin(), r.payload.end(), body.begin(), body.end()));
    }
    // The same payload in fragments of 1, 125, 126 and 65536 bytes.
    for (const std::size_t piece : {1u, 125u, 126u, 65536u}) {
      if (size > 5000 && piece == 1) continue;
      Bytes stream;
      std::size_t at = 0;
      do {
        const std::size_t n = std::min(piece, size - at);
        const Bytes part(payload.begin() + static_cast<std::ptrdiff_t>(at),
                         payload.begin() + static_cast<std::ptrdiff_t>(at + n));
        const Opcode op = at == 0 ? Opcode::Binary : Opcode::Continuation;
        const Bytes f = unmask_client_frame(encode(op, at + n == size, part, 0x12345678));
        stream.insert(stream.end(), f.begin(), f.end());
        at += n;
      } while (at < size);
      const std::vector<Event> events = decode_all(d, stream);
      ASSERT_FALSE(events.empty());
      EXPECT_EQ(events.back().event, FrameEvent::Binary) << size << " / " << piece;
      EXPECT_EQ(events.back().payload, string_of(payload)) << size << " / " << piece;
    }
  }
}

// ==== decoder: protocol errors
// ======================================================================

struct ErrorCase {
  const char* name;
  Bytes stream;
  FrameError error;
  std::uint16_t code;
  FrameLimits limits = {};
};

std::vector<ErrorCase> error_cases() {
  std::vector<ErrorCase> c;
  const auto p = kCloseProtocolError;
  c.push_back({"rsv1", server_frame(0xC1, bytes_of("x")), FrameError::ReservedBits, p});
  c.push_back({"rsv2", server_frame(0xA1, bytes_of("x")), FrameError::ReservedBits, p});
  c.push_back({"rsv3", server_frame(0x91, bytes_of("x")), FrameError::ReservedBits, p});
  c.push_back({"rsv on ping", server_frame(0xC9, {}), FrameError::ReservedBits, p});
  for (const int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    c.push_back({"reserved opcode", server_frame(static_cast<std::uint8_t>(0x80 | op), {}),
                 FrameError::ReservedOpcode, p});
  }
  c.push_back(
      {"fragmented ping", server_frame(0x09, bytes_of("x")), FrameError::FragmentedControl, p});
  c.push_back({"fragmented close", server_frame(0x08, {}), FrameError::FragmentedControl, p});
  c.push_back({"ping of 126", server_frame(Opcode::Ping, true, pattern_payload(126)),
               FrameError::ControlTooLong, p});
  c.push_back({"pong of 126 via 64-bit length",
               server_frame(0x8A, pattern_payload(126), LengthForm::Force64),
               FrameError::ControlTooLong, p});
  c.push_back({"continuation first", server_frame(Opcode::Continuation, true, bytes_of("x")),
               FrameError::UnexpectedContinuation, p});
  c.push_back({"non-final continuation first",
               server_frame(Opcode::Continuation, false, bytes_of("x")),
               FrameError::UnexpectedContinuation, p});
  c.push_back({"continuation after a complete message",
               concat({server_frame(Opcode::Text, false, bytes_of("a")),
                       server_frame(Opcode::Continuation, true, bytes_of("b")),
                       server_frame(Opcode::Continuation, true, bytes_of("c"))}),
               FrameError::UnexpectedContinuation, p});
  c.push_back({"text inside text",
               concat({server_frame(Opcode::Text, false, bytes_of("a")),
                       server_frame(Opcode::Text, true, bytes_of("b"))}),
               FrameError::InterleavedMessage, p});
  c.push_back({"binary inside text",
               concat({server_frame(Opcode::Text, false, bytes_of("a")),
                       server_frame(Opcode::Binary, false, bytes_of("b"))}),
               FrameError::InterleavedMessage, p});
  c.push_back({"masked", Bytes{0x81, 0x81, 1, 2, 3, 4, 'x' ^ 1}, FrameError::MaskedFrame, p});
  c.push_back({"masked ping", Bytes{0x89, 0x80, 1, 2, 3, 4}, FrameError::MaskedFrame, p});
  c.push_back({"16-bit length for 125",
               server_frame(0x82, pattern_payload(125), LengthForm::Force16),
               FrameError::NonMinimalLength, p});
  c.push_back({"16-bit length for 0", server_frame(0x82, {}, LengthForm::Force16),
               FrameError::NonMinimalLength, p});
  c.push_back({"64-bit length for 65535",
               server_frame(0x82, pattern_payload(65535), LengthForm::Force64),
               FrameError::NonMinimalLength, p});
  c.push_back({"64-bit length for 5", server_frame(0x82, bytes_of("Hello"), LengthForm::Force64),
               FrameError::NonMinimalLength, p});
  c.push_back({"64-bit length with MSB", Bytes{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1},
               FrameError::LengthMsbSet, p});
  c.push_back({"64-bit length all ones",
               Bytes{0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
               FrameError::LengthMsbSet, p});
  c.push_back({"close of 1 byte", server_frame(Opcode::Close, true, Bytes{0x03}),
               FrameError::BadClosePayload, p});
  for (const int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    c.push_back(
        {"unsendable close code",
         server_frame(Opcode::Close, true,
                      Bytes{static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code)}),
         FrameError::BadClosePayload, p});
  }
  c.push_back({"close reason not UTF-8",
               server_frame(Opcode::Close, true, bytes_of("\x03\xE8\xC0\xAF")),
               FrameError::InvalidUtf8, kCloseInvalidPayload});
  c.push_back({"text not UTF-8", server_frame(Opcode::Text, true, bytes_of("a\xED\xA0\x80z")),
               FrameError::InvalidUtf8, kCloseInvalidPayload});
  c.push_back({"text overlong", server_frame(Opcode::Text, true, bytes_of("\xC0\xAF")),
               FrameError::InvalidUtf8, kCloseInvalidPayload});
  c.push_back({"text truncated at the end",
               server_frame(Opcode::Text, true, bytes_of("ab\xF0\x9D")), FrameError::InvalidUtf8,
               kCloseInvalidPayload});
  const FrameLimits small{100, 150};
  c.push_back({"frame above max_frame_payload",
               server_frame(Opcode::Binary, true, pattern_payload(101)), FrameError::FrameTooBig,
               kCloseMessageTooBig, small});
  c.push_back({"frame of 2^63-1", Bytes{0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
               FrameError::FrameTooBig, kCloseMessageTooBig});
  c.push_back({"fragments above max_message",
               concat({server_frame(Opcode::Text, false, pattern_payload(100)),
                       server_frame(Opcode::Continuation, false, Bytes(50, 'a')),
                       server_frame(Opcode::Continuation, true, Bytes(1, 'a'))}),
               FrameError::MessageTooBig, kCloseMessageTooBig, small});
  c.push_back({"message above max_message in one frame",
               server_frame(Opcode::Binary, true, pattern_payload(11)), FrameError::MessageTooBig,
               kCloseMessageTooBig, FrameLimits{100, 10}});
  c.push_back({"first fragment above max_message",
               server_frame(Opcode::Binary, false, pattern_payload(11)), FrameError::MessageTooBig,
               kCloseMessageTooBig, FrameLimits{100, 10}});
  return c;
}

TEST(WebSocketDecode, EveryProtocolErrorHasItsCloseCode) {
  for (const ErrorCase& c : error_cases()) {
    FrameDecoder d(c.limits);
    const std::vector<Event> events = decode_all(d, c.stream);
    ASSERT_FALSE(events.empty()) << c.name;
    const Event& last = events.back();
    EXPECT_EQ(last.event, FrameEvent::Error) << c.name;
    EXPECT_EQ(last.error, c.error) << c.name << ": " << to_string(last.error);
    EXPECT_EQ(last.code, c.code) << c.name;
    EXPECT_EQ(last.code, close_code_for(c.error)) << c.name;
    EXPECT_EQ(last.consumed, 0u) << c.name;
    EXPECT_FALSE(to_string(c.error).empty());
    // The same verdict whatever the chunking.
    FrameDecoder chunked(c.limits);
    EXPECT_EQ(decode_chunked(chunked, c.stream, 1), events) << c.name;
  }
}

TEST(WebSocketDecode, AcceptedCloseCodes) {
  for (const int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                         3000, 3999, 4000, 4999}) {
    FrameDecoder d;
    const Bytes frame = server_frame(
        Opcode::Close, true,
        concat({Bytes{static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code)},
                bytes_of("r\xC3\xA9")}));
    const DecodeResult r = d.decode(frame);
    EXPECT_EQ(r.event, FrameEvent::Close) << code;
    EXPECT_EQ(r.close_code, code);
    EXPECT_EQ(r.text(), "r\xC3\xA9");
    EXPECT_EQ(r.payload.data(), frame.data() + 4);
  }
  FrameDecoder d;
  const DecodeResult r = decode_one(d, server_frame(Opcode::Close, true, {}));
  EXPECT_EQ(r.event, FrameEvent::Close);
  EXPECT_EQ(r.close_code, kCloseNoStatus);
  EXPECT_TRUE(r.payload.empty());
}

TEST(WebSocketDecode, LimitsFailOnTheHeaderWithoutWaitingForThePayload) {
  FrameDecoder d(FrameLimits{1000, 1000});
  const Bytes header_only{0x82, 0x7F, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF};  // 2 GiB payload
  const DecodeResult r = d.decode(header_only);
  EXPECT_EQ(r.event, FrameEvent::Error);
  EXPECT_EQ(r.error, FrameError::FrameTooBig);
  EXPECT_EQ(d.max_frame_bytes(), 1010u);
}

TEST(WebSocketDecode, ErrorsAreStickyUntilReset) {
  FrameDecoder d;
  const Bytes good = server_frame(Opcode::Text, true, bytes_of("ok"));
  ASSERT_EQ(decode_one(d, server_frame(Opcode::Text, false, bytes_of("part"))).event,
            FrameEvent::Fragment);
  EXPECT_EQ(decode_one(d, Bytes{0xC1, 0x00}).error, FrameError::ReservedBits);
  const DecodeResult again = d.decode(good);
  EXPECT_EQ(again.event, FrameEvent::Error);
  EXPECT_EQ(again.error, FrameError::ReservedBits);
  EXPECT_EQ(again.consumed, 0u);
  d.reset();
  EXPECT_FALSE(d.message_in_progress());
  const DecodeResult r = d.decode(good);
  EXPECT_EQ(r.event, FrameEvent::Text);
  EXPECT_EQ(r.text(), "ok");
}

TEST(WebSocketDecode, ResetDropsAPartialMessage) {
  FrameDecoder d;
  ASSERT_EQ(decode_one(d, server_frame(Opcode::Text, false, bytes_of("stale"))).event,
            FrameEvent::Fragment);
  d.reset();
  EXPECT_EQ(decode_one(d, server_frame(Opcode::Continuation, true, bytes_of("x"))).error,
            FrameError::UnexpectedContinuation);
  d.reset();
  const std::vector<Event> events =
      decode_all(d, concat({server_frame(Opcode::Text, false, bytes_of("fre")),
                            server_frame(Opcode::Continuation, true, bytes_of("sh"))}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].payload, "fresh");
}

// ==== allocation
// ======================================================================================

TEST(WebSocketAllocation, EncodeAndDecodeNeverAllocateAfterConstruction) {
  FrameDecoder d(big_limits());
  const Bytes stream = mixed_stream();
  const Bytes bad = concat({server_frame(Opcode::Text, false, bytes_of("a")), Bytes{0x81, 0x00}});
  const Bytes payload = pattern_payload(70000);
  Bytes out(client_frame_size(payload.size()));
  char request[512];
  const std::string_view extra[] = {"Origin: https://example.com"};
  const UpgradeRequest req{"stream.example.com", "/ws?streams=btcusdt@trade", kKey, extra};
  std::uint8_t nonce[16] = {1, 2, 3};

  std::size_t events = 0;
  std::size_t bytes = 0;
  bool all_ok = true;
  const scalper::testing::AllocationScope scope;
  for (int round = 0; round < 3; ++round) {
    for (const std::size_t size : {0u, 5u, 125u, 126u, 65535u, 65536u, 70000u}) {
      bytes += encode_frame(Opcode::Binary, true, std::span(payload.data(), size),
                            static_cast<std::uint32_t>(size), out);
    }
    bytes += encode_close(kCloseNormal, "bye", 7, out);
    apply_mask(out, 0xCAFEBABE);
    std::size_t at = 0;
    for (;;) {
      const DecodeResult r = d.decode(std::span(stream).subspan(at));
      if (r.event == FrameEvent::NeedMore) break;
      all_ok = all_ok && r.event != FrameEvent::Error;
      ++events;
      at += r.consumed;
    }
    all_ok = all_ok && at == stream.size();
    for (std::size_t k = 0; k < stream.size(); k += 1 + k / 4) {
      all_ok = all_ok && d.decode(std::span(stream.data(), k)).event != FrameEvent::Error;
    }
    all_ok = all_ok && d.decode(bad).event == FrameEvent::Fragment;
    all_ok = all_ok && d.decode(std::span(bad).subspan(3)).error == FrameError::InterleavedMessage;
    d.reset();
    all_ok = all_ok && is_valid_utf8(std::string_view("caf\xC3\xA9 and more ascii text"));
    char key[kWebSocketKeyChars];
    make_websocket_key(nonce, key);
    bytes += write_upgrade_request(req, request);
  }
  const std::uint64_t allocations = scope.count();
  EXPECT_EQ(allocations, 0u);
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(events, 30u);
  EXPECT_GT(bytes, 0u);
}

}  // namespace
}  // namespace scalper::net
