// socketio_client.hpp — one Socket.IO connection over WebSocket on the EventLoop, that never
// silently dies: TCP connect, the upgrade handshake, Engine.IO/Socket.IO in the version's
// heartbeat direction, events out to a listener, and on any failure (refused, kicked, heartbeat
// timeout, peer close, protocol error) a reconnect after capped, jittered back-off. The
// listener's on_connected() runs after every (re)connect: that is where the layer above
// re-joins its channels and reconciles.
//
// Plain TCP here; TLS slots in between the socket and the codecs (tls.hpp) in the same shape.
// One thread: the loop's. The owner calls tick(now_ms) regularly (heartbeats, back-off
// timers); next_deadline_ms() says when it must.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/engineio.hpp>
#include <scalper/net/event_loop.hpp>
#include <scalper/net/http.hpp>
#include <scalper/net/reconnect.hpp>
#include <scalper/net/websocket.hpp>

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
  sockaddr_in address{};  // IPv4 for now (the exchange's resolved address)
  std::string host;       // Host header
  EioVersion version = EioVersion::V4;
  std::string path = "/socket.io/";
  std::int64_t backoff_initial_ms = 100;
  std::int64_t backoff_max_ms = 30'000;
  std::uint64_t seed = 1;                    // back-off jitter
  std::size_t buffer_bytes = 1 << 20;        // receive and send buffers, each (frames must fit)
  std::int64_t connect_timeout_ms = 10'000;  // TCP connect + upgrade handshake
  std::int64_t (*clock_ms)() = nullptr;      // monotonic ms; nullptr: steady_clock
};

enum class SioClientState : std::uint8_t {
  Idle,        // not started, or stopped
  Connecting,  // TCP connect in flight
  Upgrading,   // upgrade request sent, waiting for the 101
  Open,        // WebSocket open: Engine.IO/Socket.IO running
  Backoff,     // disconnected, waiting to reconnect
};

class SocketIoClient final : private IoHandler {
 public:
  SocketIoClient(EventLoop& loop, SocketIoClientConfig config, SocketIoListener& listener);
  ~SocketIoClient() override;
  SocketIoClient(const SocketIoClient&) = delete;
  SocketIoClient& operator=(const SocketIoClient&) = delete;

  void start(std::int64_t now_ms);
  // Closes without reconnecting. The socket is released once the loop has delivered the
  // cancelled operations (quiescent()); destroy the client only then.
  void stop();
  [[nodiscard]] bool quiescent() const noexcept { return fd_ < 0; }
  // Heartbeats, handshake timeout, back-off expiry.
  void tick(std::int64_t now_ms);
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  // Emits `42["name",arg]`. False when not connected or the send buffer is full.
  bool emit(std::string_view name, std::string_view arg_json);

  [[nodiscard]] SioClientState state() const noexcept { return state_; }
  [[nodiscard]] std::uint32_t connects() const noexcept { return connects_; }
  [[nodiscard]] std::string_view last_error() const noexcept { return last_error_; }

 private:
  void on_connect(int result) override;
  void on_recv(int result) override;
  void on_send(int result) override;

  void connect_now(std::int64_t now_ms);
  void fail(std::string_view why, std::int64_t now_ms);
  void release_socket();
  void on_closing_completion();
  [[nodiscard]] std::int64_t now() const;
  void start_recv();
  bool queue_frame(Opcode op, std::span<const std::uint8_t> payload);
  bool queue_frame_raw(const std::uint8_t* bytes, std::size_t n);
  void flush();
  void process_input(std::int64_t now_ms);
  bool process_handshake();
  void handle_eio_step(const EioStep& step, std::int64_t now_ms);
  std::uint32_t next_mask();

  EventLoop& loop_;
  SocketIoClientConfig config_;
  SocketIoListener& listener_;
  Backoff backoff_;
  EioSession session_;
  FrameDecoder frames_;
  ResponseParser http_;
  SioClientState state_ = SioClientState::Idle;
  int fd_ = -1;
  bool connect_pending_ = false;
  bool recv_pending_ = false;
  bool send_pending_ = false;
  bool stopping_ = false;
  std::size_t closing_ops_ = 0;   // completions still owed by the last socket
  std::vector<std::uint8_t> rx_;  // [0, rx_len_) received, not yet consumed
  std::size_t rx_len_ = 0;
  std::vector<std::uint8_t> tx_;  // [tx_sent_, tx_len_) queued, not yet sent
  std::size_t tx_len_ = 0;
  std::size_t tx_sent_ = 0;
  std::size_t tx_in_flight_ = 0;
  std::vector<std::uint8_t> scratch_;  // an emit's text before it is framed
  char key_[kWebSocketKeyChars] = {};
  std::int64_t deadline_ms_ = 0;  // handshake timeout or reconnect time
  std::uint32_t connects_ = 0;
  std::string last_error_;
  std::vector<std::uint32_t> masks_;  // unpredictable mask keys, refilled in batches
};

}  // namespace scalper::net
