// websocket_client.hpp — one RFC 6455 client connection on the EventLoop, over plain TCP or
// TLS (a Stream): the upgrade handshake with its Sec-WebSocket-Accept check, masked frames
// encoded straight into the send buffer, server frames decoded in place (reassembled when
// fragmented), pings answered, and both close handshakes.
//
// One connection per open(); it does not reconnect by itself (SocketIoClient does, above it).
// Every way the connection ends reaches on_ws_closed exactly once, as a WsClose:
//   * ServerFrame — the server closed: its code (kCloseNoStatus when it had none) and reason.
//     The close is echoed, and the socket closed once the echo is sent. Also when the server's
//     frame answers our close(): the code it echoed.
//   * OurFrame — we closed first and the server never answered within close_timeout_ms (the
//     code we sent), or the server broke the protocol: the code we sent for it (1002, 1007,
//     1009) and what was wrong.
//   * Dropped — no close frame at all (refused, reset, TLS failure, upgrade refused or timed
//     out, abort()): kCloseAbnormal (1006, never on the wire) and why.
//
// Mask keys come from the CSPRNG in batches of 256 (RFC 6455 §5.3 wants them unpredictable),
// so a frame costs no system call. Nothing allocates per frame. One thread: the loop's; the
// owner calls tick(now_ms) by next_deadline_ms() for the handshake and close timeouts.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/event_loop.hpp>
#include <scalper/net/http.hpp>
#include <scalper/net/stream.hpp>
#include <scalper/net/tls.hpp>
#include <scalper/net/websocket.hpp>

namespace scalper::net {

enum class WsCloseOrigin : std::uint8_t { ServerFrame, OurFrame, Dropped };

struct WsClose {
  std::uint16_t code = kCloseAbnormal;
  std::string_view reason;  // the server's reason (ServerFrame) or a local description
  WsCloseOrigin origin = WsCloseOrigin::Dropped;
};

class WebSocketListener {
 public:
  // The upgrade succeeded: messages may be sent.
  virtual void on_ws_open() = 0;
  // A whole Text (valid UTF-8) or Binary message. The view is valid during the call only.
  virtual void on_ws_message(Opcode op, std::span<const std::uint8_t> payload) = 0;
  // A Pong (the answer to ping(), or unsolicited). Pings are answered by the client itself.
  virtual void on_ws_pong(std::span<const std::uint8_t> /*payload*/) {}
  // The connection ended; see the header comment. The view is valid during the call only.
  virtual void on_ws_closed(const WsClose& close) = 0;

 protected:
  WebSocketListener() = default;
  WebSocketListener(const WebSocketListener&) = default;
  WebSocketListener& operator=(const WebSocketListener&) = default;
  virtual ~WebSocketListener() = default;
};

struct WebSocketClientConfig {
  sockaddr_in address{};      // IPv4 for now (the exchange's resolved address)
  std::string host;           // Host header, with ":port" when not the scheme's default
  std::string target = "/";   // path and query of the upgrade request
  TlsContext* tls = nullptr;  // wss:// when set (must outlive the client); ws:// when null
  std::string tls_host;       // the name the certificate must match; empty: host minus ":port"
  std::size_t buffer_bytes = std::size_t{1} << 20;  // receive and send, each; a message fits
  std::int64_t handshake_timeout_ms = 10'000;       // TCP connect + TLS + upgrade
  std::int64_t close_timeout_ms = 2'000;            // our close frame until the server's
};

enum class WsState : std::uint8_t {
  Closed,      // not opened, or ended (the socket may still be draining: quiescent())
  Connecting,  // TCP connect and TLS handshake
  Upgrading,   // upgrade request sent, waiting for the 101
  Open,
  Closing,  // we sent a close frame and wait for the server's
};

class WebSocketClient final : private StreamListener {
 public:
  WebSocketClient(EventLoop& loop, WebSocketClientConfig config, WebSocketListener& listener);
  ~WebSocketClient() override = default;
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Starts a connection: 0, or -errno when no socket could be made (the listener is not
  // called). Precondition: quiescent().
  [[nodiscard]] int open(std::int64_t now_ms);
  // Starts the close handshake (Open only; otherwise the same as abort()).
  void close(std::uint16_t code, std::string_view reason, std::int64_t now_ms);
  // Drops the connection at once, without a close frame.
  void abort(std::string_view why);
  void tick(std::int64_t now_ms);
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  // One frame; false when not Open or the send buffer cannot take it (nothing queued then).
  // A message may be sent in fragments: the first frame with its opcode and fin=false, the
  // rest as Continuation, the last with fin=true.
  bool send(Opcode op, std::span<const std::uint8_t> payload, bool fin = true);
  bool send_text(std::string_view text);
  bool ping(std::span<const std::uint8_t> payload);

  [[nodiscard]] WsState state() const noexcept { return state_; }
  [[nodiscard]] bool quiescent() const noexcept { return stream_.quiescent(); }
  [[nodiscard]] const Stream& stream() const noexcept { return stream_; }

 private:
  void on_stream_open() override;
  std::size_t on_stream_data(std::span<std::uint8_t> data) override;
  void on_stream_closed(std::string_view why) override;

  std::size_t read_upgrade_response(std::span<std::uint8_t> data);
  std::size_t read_frames(std::span<std::uint8_t> data);
  void on_server_close(const DecodeResult& frame);
  void on_protocol_error(const DecodeResult& frame);
  bool send_close(std::uint16_t code, std::string_view reason);
  void remember_close(std::uint16_t code, std::string_view why, WsCloseOrigin origin);
  std::uint32_t next_mask();

  WebSocketClientConfig config_;
  WebSocketListener& listener_;
  Stream stream_;
  FrameDecoder frames_;
  ResponseParser http_;
  WsState state_ = WsState::Closed;
  std::int64_t deadline_ms_ = INT64_MAX;
  char key_[kWebSocketKeyChars] = {};
  // How the connection ended, once known (a close frame exchanged, an error we reported);
  // reported when the socket is closed. Fixed storage: no allocation on the closing path.
  bool close_known_ = false;
  std::uint16_t close_code_ = 0;
  WsCloseOrigin close_origin_ = WsCloseOrigin::Dropped;
  std::size_t close_why_len_ = 0;
  std::uint16_t sent_code_ = 0;  // the code of our close(), while Closing
  std::array<char, 160> close_why_{};
  std::vector<std::uint32_t> masks_;  // unpredictable mask keys, refilled in batches
};

}  // namespace scalper::net
