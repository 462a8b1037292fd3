#include <scalper/net/socketio_client.hpp>

#include <cstring>

#include "scalper/timing/clock.hpp"

namespace scalper::net {
namespace {

std::string target_of(const SocketIoClientConfig& c) {
  return c.path + "?EIO=" + (c.version == EioVersion::V3 ? "3" : "4") + "&transport=websocket";
}

WebSocketClientConfig ws_config_of(const SocketIoClientConfig& c) {
  WebSocketClientConfig w;
  w.address = c.address;
  w.host = c.host;
  w.target = target_of(c);
  w.tls = c.tls;
  w.tls_host = c.tls_host;
  w.buffer_bytes = c.buffer_bytes;
  w.handshake_timeout_ms = c.connect_timeout_ms;
  return w;
}

}  // namespace

SocketIoClient::SocketIoClient(EventLoop& loop, SocketIoClientConfig config,
                               SocketIoListener& listener)
    : config_(std::move(config)),
      listener_(listener),
      ws_(loop, ws_config_of(config_), *this),
      backoff_(config_.backoff_initial_ms, config_.backoff_max_ms, config_.seed),
      session_(config_.version, 0),
      scratch_(64 * 1024) {}

SocketIoClient::~SocketIoClient() = default;

std::int64_t SocketIoClient::now() const {
  return config_.clock_ms != nullptr ? config_.clock_ms() : timing::mono_ms();
}

void SocketIoClient::start(std::int64_t now_ms) {
  stopping_ = false;
  connect_now(now_ms);
}

void SocketIoClient::stop() {
  stopping_ = true;
  if (state_ == SioClientState::Connecting || state_ == SioClientState::Open) {
    ws_.abort("stopped");
  }
  state_ = SioClientState::Idle;
}

void SocketIoClient::connect_now(std::int64_t now_ms) {
  state_ = SioClientState::Connecting;
  if (const int rc = ws_.open(now_ms); rc < 0) {
    // No socket at all (descriptor limit): the same back-off as any failure.
    const std::string why = "socket: " + std::string(std::strerror(-rc));
    on_ws_closed({kCloseAbnormal, why, WsCloseOrigin::Dropped});
  }
}

// Ends the current connection; on_ws_closed() then schedules the reconnect.
void SocketIoClient::fail(std::string_view why) { ws_.abort(why); }

void SocketIoClient::drop(std::string_view why) {
  if (state_ == SioClientState::Connecting || state_ == SioClientState::Open) fail(why);
}

void SocketIoClient::tick(std::int64_t now_ms) {
  switch (state_) {
    case SioClientState::Idle: return;
    case SioClientState::Backoff:
      if (now_ms >= deadline_ms_ && ws_.quiescent()) connect_now(now_ms);
      return;
    case SioClientState::Connecting: ws_.tick(now_ms); return;
    case SioClientState::Open:
      ws_.tick(now_ms);
      if (state_ == SioClientState::Open) handle_eio_step(session_.on_timer(now_ms));
      return;
  }
}

std::int64_t SocketIoClient::next_deadline_ms() const noexcept {
  switch (state_) {
    case SioClientState::Idle: return INT64_MAX;
    case SioClientState::Open: return std::min(session_.next_deadline_ms(), ws_.next_deadline_ms());
    case SioClientState::Connecting: return ws_.next_deadline_ms();
    case SioClientState::Backoff: return deadline_ms_;
  }
  return INT64_MAX;
}

// ---- the WebSocket's events -----------------------------------------------------------------

void SocketIoClient::on_ws_open() {
  last_frame_ms_ = now();
  session_ = EioSession(config_.version, last_frame_ms_, config_.connect_timeout_ms);
  state_ = SioClientState::Open;
}

void SocketIoClient::on_ws_message(Opcode op, std::span<const std::uint8_t> payload) {
  if (op != Opcode::Text) return fail("a binary frame (this client takes text packets only)");
  last_frame_ms_ = now();
  handle_eio_step(session_.on_frame({reinterpret_cast<const char*>(payload.data()), payload.size()},
                                    last_frame_ms_));
}

void SocketIoClient::on_ws_closed(const WsClose& close) {
  if (state_ == SioClientState::Idle || state_ == SioClientState::Backoff) return;
  if (close.origin == WsCloseOrigin::ServerFrame) {
    last_error_ = "server closed the websocket (" + std::to_string(close.code) + ")";
  } else {
    last_error_ = std::string(close.reason);
  }
  state_ = stopping_ ? SioClientState::Idle : SioClientState::Backoff;
  deadline_ms_ = stopping_ ? INT64_MAX : now() + backoff_.next_delay_ms();
  listener_.on_disconnected(last_error_);
}

void SocketIoClient::handle_eio_step(const EioStep& step) {
  if (!step.reply.empty()) (void)ws_.send_text(step.reply);
  if (step.connected_now) {
    ++connects_;
    backoff_.reset();  // this connection proved itself
    listener_.on_connected();
  }
  if (step.event) listener_.on_event(step.message.name, step.message.args);
  if (step.closed_now) fail(to_string(session_.close_reason()));
}

// ---- output ---------------------------------------------------------------------------------

bool SocketIoClient::emit(std::string_view name, std::string_view arg_json) {
  if (state_ != SioClientState::Open || session_.state() != EioState::Connected) return false;
  // The text goes to a scratch buffer first: the frame encoder masks it while copying it into
  // the send buffer, and its input and output must not overlap.
  const std::size_t n = encode_sio_event(name, arg_json, scratch_);
  if (n == 0) return false;
  return ws_.send_text({scratch_.data(), n});
}

}  // namespace scalper::net
