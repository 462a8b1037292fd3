// engineio.hpp — the client side of Engine.IO (v3 and v4) and Socket.IO on the WebSocket
// transport: packet decoding, event encoding, and the heartbeat state machine.
//
// Pure: text frames in, decisions out, the clock passed in; no sockets, no allocation. The two
// versions differ where it hurts (docs/architecture.md §7.5):
//   EIO3 (socket.io 2.x): the server connects the namespace by itself ("40"); the CLIENT pings
//        ("2") every pingInterval and wants a pong ("3") within pingTimeout.
//   EIO4 (socket.io 3+):  the client sends "40" and waits for "40{...}"; the SERVER pings and
//        the client pongs; no ping within pingInterval + pingTimeout means the server is gone.
// Sending the wrong direction is fatal on a real server, so the session never does.
//
// Views returned by the decoders point into the frame passed in and live as long as it does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace scalper::net {

enum class EioVersion : std::uint8_t { V3 = 3, V4 = 4 };

// ---- Engine.IO packets --------------------------------------------------------------------

enum class EioPacketType : std::uint8_t { Open, Close, Ping, Pong, Message, Upgrade, Noop };

struct EioPacket {
  EioPacketType type = EioPacketType::Noop;
  std::string_view payload;  // everything after the type digit
};

// Splits one WebSocket text frame into its Engine.IO packet. False for an empty frame or an
// unknown type digit.
[[nodiscard]] bool decode_eio_packet(std::string_view frame, EioPacket& out) noexcept;

// The open packet's JSON:
// {"sid":…,"upgrades":[…],"pingInterval":N,"pingTimeout":N[,"maxPayload":N]}.
struct EioOpen {
  std::string_view sid;
  std::int64_t ping_interval_ms = 0;
  std::int64_t ping_timeout_ms = 0;
  std::int64_t max_payload = 0;  // 0 when absent (EIO3)
};

// Reads the four known keys of the open packet's payload. A scanner rather than a JSON
// library: this is one small object per connection, the only JSON the transport reads, and
// scalper_net stays free of the codec layer's dependencies. It still refuses what is not a
// flat JSON object of strings, numbers, booleans, null and arrays of those.
[[nodiscard]] bool parse_eio_open(std::string_view json, EioOpen& out) noexcept;

// ---- Socket.IO packets (inside Engine.IO "4" messages) ------------------------------------

enum class SioPacketType : std::uint8_t {
  Connect,
  Disconnect,
  Event,
  Ack,
  ConnectError,
  BinaryEvent,
  BinaryAck
};

struct SioPacket {
  SioPacketType type = SioPacketType::Connect;
  std::string_view nsp = "/";  // namespace; "/" when the packet names none
  bool has_ack_id = false;
  std::uint64_t ack_id = 0;
  std::uint32_t attachments = 0;  // binary packets: the count before '-'
  std::string_view data;          // JSON text after the header ("" when none)
};

// Decodes a Socket.IO packet (the Engine.IO message payload): type digit, optional
// attachment count, optional "/nsp,", optional ack id, optional JSON data.
[[nodiscard]] bool decode_sio_packet(std::string_view payload, SioPacket& out) noexcept;

// An EVENT's data `["name",args…]`, split without a JSON parse: the name (escapes are not
// decoded: false when the name has any, which no exchange event does) and the raw JSON text
// of the arguments after it ("" when there are none), e.g. `{"event":…}` for one argument.
struct SioEvent {
  std::string_view name;
  std::string_view args;  // JSON text of the first argument onward, without the closing ']'
};
[[nodiscard]] bool split_sio_event(std::string_view data, SioEvent& out) noexcept;

// Writes the frame `42["<name>",<arg_json>]` (or `42["<name>"]` when arg_json is empty) into
// `out`. Returns the bytes written, or 0 when `out` is too small or `name` needs escaping.
[[nodiscard]] std::size_t encode_sio_event(std::string_view name, std::string_view arg_json,
                                           std::span<char> out) noexcept;

// ---- the client session ---------------------------------------------------------------------

enum class EioState : std::uint8_t {
  AwaitingOpen,       // WebSocket up, no open packet yet
  AwaitingNamespace,  // open packet seen; EIO4 sent "40", both wait for the server's "40"
  Connected,          // events flow
  Closed,             // the session is over (see close_reason())
};

// Why a session ended.
enum class EioCloseReason : std::uint8_t {
  None,
  ServerClose,       // Engine.IO "1"
  Kicked,            // Socket.IO "41": the server disconnected us (CoinDCX: bad auth)
  ConnectRefused,    // Socket.IO "44"
  PingTimeout,       // the heartbeat stopped
  HandshakeTimeout,  // no open packet, or no namespace connect, within the handshake bound
  ProtocolError,     // a frame that is not Engine.IO/Socket.IO, or out of order
};

[[nodiscard]] std::string_view to_string(EioCloseReason r) noexcept;

// What the caller must do after feeding a frame or a timer tick. At most one reply frame is
// ever due at once; it is one of the constant texts below.
struct EioStep {
  std::string_view reply;      // frame to send now ("" when none): "2", "3" or "40"
  bool connected_now = false;  // the namespace just connected: (re)join channels now
  bool event = false;          // `event` holds a Socket.IO EVENT for the layer above
  SioEvent message;            // valid when event
  bool closed_now = false;     // the session just ended: close the socket, reconnect
};

class EioSession {
 public:
  // The open packet and then the server's namespace connect ("40") must both arrive within
  // handshake_timeout_ms of now_ms. The bound matters for the namespace connect most: an
  // EIO4 server that swallowed our "40" (a stream stalled at that moment) still pings, and
  // we still answer, so without it the session would wait forever, connected to nothing.
  EioSession(EioVersion version, std::int64_t now_ms,
             std::int64_t handshake_timeout_ms = 20'000) noexcept;

  // One text frame from the server.
  [[nodiscard]] EioStep on_frame(std::string_view frame, std::int64_t now_ms) noexcept;
  // Heartbeat duty: EIO3 pings when due and times out a missing pong; EIO4 times out a
  // missing ping. Call it at next_deadline_ms() (or any time; it is idempotent).
  [[nodiscard]] EioStep on_timer(std::int64_t now_ms) noexcept;
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  [[nodiscard]] EioState state() const noexcept { return state_; }
  [[nodiscard]] EioCloseReason close_reason() const noexcept { return reason_; }
  [[nodiscard]] EioVersion version() const noexcept { return version_; }
  [[nodiscard]] std::int64_t ping_interval_ms() const noexcept { return ping_interval_ms_; }
  [[nodiscard]] std::int64_t ping_timeout_ms() const noexcept { return ping_timeout_ms_; }

 private:
  EioStep close(EioCloseReason why) noexcept;
  EioStep on_open(std::string_view payload, std::int64_t now_ms) noexcept;
  EioStep on_message(std::string_view payload) noexcept;

  EioVersion version_;
  EioState state_ = EioState::AwaitingOpen;
  EioCloseReason reason_ = EioCloseReason::None;
  // Until the open packet says otherwise: the values CoinDCX announces (25 s / 20 s).
  std::int64_t ping_interval_ms_ = 25'000;
  std::int64_t ping_timeout_ms_ = 20'000;
  std::int64_t last_server_ping_ms_;    // EIO4: when the server last pinged (or the open)
  std::int64_t next_ping_ms_ = 0;       // EIO3: when we ping next
  std::int64_t pong_due_ms_ = 0;        // EIO3: 0 while no ping of ours is outstanding
  std::int64_t handshake_deadline_ms_;  // not Connected by then: the connection is dead
};

}  // namespace scalper::net
