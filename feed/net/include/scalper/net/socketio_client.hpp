// socketio_client.hpp — one Socket.IO connection over WebSocket on the EventLoop, that never
// silently dies: TCP connect, the upgrade handshake, Engine.IO/Socket.IO in the version's
// heartbeat direction, events out to a listener, and on any failure (refused, kicked, heartbeat
// timeout, peer close, protocol error) a reconnect after capped, jittered back-off. The
// listener's on_connected() runs after every (re)connect: that is where the layer above
// re-joins its channels and reconciles.
//
// Layers: Stream (TCP, TLS when configured) < WebSocketClient (upgrade, frames) < this
// (Engine.IO/Socket.IO, reconnection). One thread: the loop's. The owner calls tick(now_ms)
// regularly (heartbeats, handshake and back-off timers); next_deadline_ms() says when it must.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/engineio.hpp>
#include <scalper/net/event_loop.hpp>
#include <scalper/net/reconnect.hpp>
#include <scalper/net/tls.hpp>
#include <scalper/net/websocket_client.hpp>

namespace scalper::net {

class SocketIoListener {
 public:
  // The namespace is connected (first time or after a reconnect): join channels now.
  virtual void on_connected() = 0;
  // An EVENT: its name and the JSON text of its arguments (views valid during the call).
  virtual void on_event(std::string_view name, std::string_view args) = 0;
  // The connection ended; a reconnect follows after the back-off. `why` is for the log.
  virtual void on_disconnected(std::string_view why) = 0;

 protected:
  virtual ~SocketIoListener() = default;
};

struct SocketIoClientConfig {
  sockaddr_in address{};      // IPv4 for now (the exchange's resolved address)
  std::string host;           // Host header
  TlsContext* tls = nullptr;  // wss:// when set (must outlive the client)
  std::string tls_host;       // the name the certificate must match; empty: host minus ":port"
  EioVersion version = EioVersion::V4;
  std::string path = "/socket.io/";
  std::int64_t backoff_initial_ms = 100;
  std::int64_t backoff_max_ms = 30'000;
  std::uint64_t seed = 1;              // back-off jitter
  std::size_t buffer_bytes = 1 << 20;  // receive and send buffers, each (frames must fit)
  // Each of the two handshakes must finish within this: TCP connect + TLS + WebSocket
  // upgrade; then the Engine.IO open packet + the namespace connect.
  std::int64_t connect_timeout_ms = 10'000;
  std::int64_t (*clock_ms)() = nullptr;  // monotonic ms; nullptr: steady_clock
};

enum class SioClientState : std::uint8_t {
  Idle,        // not started, or stopped
  Connecting,  // TCP connect, TLS handshake, WebSocket upgrade
  Open,        // WebSocket open: Engine.IO/Socket.IO running
  Backoff,     // disconnected, waiting to reconnect
};

class SocketIoClient final : private WebSocketListener {
 public:
  SocketIoClient(EventLoop& loop, SocketIoClientConfig config, SocketIoListener& listener);
  ~SocketIoClient() override;
  SocketIoClient(const SocketIoClient&) = delete;
  SocketIoClient& operator=(const SocketIoClient&) = delete;

  void start(std::int64_t now_ms);
  // Closes without reconnecting. The socket is released once the loop has delivered the
  // cancelled operations (quiescent()); destroy the client only then.
  void stop();
  [[nodiscard]] bool quiescent() const noexcept { return ws_.quiescent(); }
  // Ends the current connection as a failure would (on_disconnected(why), then a reconnect
  // after back-off): for a layer above that lost something and needs the re-join and
  // reconciliation a reconnect brings.
  void drop(std::string_view why);
  // Heartbeats, handshake timeout, back-off expiry.
  void tick(std::int64_t now_ms);
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  // Emits `42["name",arg]`. False when not connected or the send buffer is full.
  bool emit(std::string_view name, std::string_view arg_json);

  [[nodiscard]] SioClientState state() const noexcept { return state_; }
  [[nodiscard]] std::uint32_t connects() const noexcept { return connects_; }
  // When the last frame of any kind (events, heartbeats) arrived, or the session opened:
  // how the layer above tells a silent stream from a quiet market.
  [[nodiscard]] std::int64_t last_frame_ms() const noexcept { return last_frame_ms_; }
  [[nodiscard]] std::string_view last_error() const noexcept { return last_error_; }
  // The connection underneath: its stream's TLS session, for instance.
  [[nodiscard]] const WebSocketClient& websocket() const noexcept { return ws_; }

 private:
  void on_ws_open() override;
  void on_ws_message(Opcode op, std::span<const std::uint8_t> payload) override;
  void on_ws_closed(const WsClose& close) override;

  void connect_now(std::int64_t now_ms);
  void fail(std::string_view why);
  [[nodiscard]] std::int64_t now() const;
  void handle_eio_step(const EioStep& step);

  SocketIoClientConfig config_;
  SocketIoListener& listener_;
  WebSocketClient ws_;
  Backoff backoff_;
  EioSession session_;
  SioClientState state_ = SioClientState::Idle;
  bool stopping_ = false;
  std::vector<char> scratch_;     // an emit's text before it is framed
  std::int64_t deadline_ms_ = 0;  // reconnect time
  std::uint32_t connects_ = 0;
  std::int64_t last_frame_ms_ = 0;
  std::string last_error_;
};

}  // namespace scalper::net
