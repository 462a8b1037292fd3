#include <scalper/net/socketio_client.hpp>

#include <openssl/rand.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace scalper::net {
namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

FrameLimits limits_for(std::size_t buffer_bytes) {
  FrameLimits l;
  l.max_frame_payload = buffer_bytes - kMaxServerHeaderBytes;  // a frame fits the buffer
  l.max_message = buffer_bytes;
  return l;
}

HttpLimits upgrade_limits() {
  HttpLimits l;
  l.accept_upgrade = true;
  return l;
}

std::string target_of(const SocketIoClientConfig& c) {
  return c.path + "?EIO=" + (c.version == EioVersion::V3 ? "3" : "4") + "&transport=websocket";
}

}  // namespace

SocketIoClient::SocketIoClient(EventLoop& loop, SocketIoClientConfig config,
                               SocketIoListener& listener)
    : loop_(loop),
      config_(std::move(config)),
      listener_(listener),
      backoff_(config_.backoff_initial_ms, config_.backoff_max_ms, config_.seed),
      session_(config_.version, 0),
      frames_(limits_for(config_.buffer_bytes)),
      http_(upgrade_limits()),
      rx_(config_.buffer_bytes),
      tx_(config_.buffer_bytes),
      scratch_(64 * 1024) {
  masks_.reserve(256);
}

SocketIoClient::~SocketIoClient() {
  // The owner stops and drains first (see stop()); closing here is the last resort.
  if (fd_ >= 0) ::close(fd_);
}

std::int64_t SocketIoClient::now() const {
  return config_.clock_ms != nullptr ? config_.clock_ms() : steady_ms();
}

void SocketIoClient::start(std::int64_t now_ms) {
  stopping_ = false;
  connect_now(now_ms);
}

void SocketIoClient::stop() {
  stopping_ = true;
  fail("stopped", now());
  state_ = SioClientState::Idle;
}

void SocketIoClient::connect_now(std::int64_t now_ms) {
  const int fd = open_tcp_socket(AF_INET);
  if (fd < 0) return fail("socket: " + std::string(std::strerror(-fd)), now_ms);
  fd_ = fd;
  rx_len_ = tx_len_ = tx_sent_ = tx_in_flight_ = 0;
  http_.reset();
  frames_.reset();
  state_ = SioClientState::Connecting;
  deadline_ms_ = now_ms + config_.connect_timeout_ms;
  connect_pending_ = true;
  loop_.connect(fd_, reinterpret_cast<const sockaddr*>(&config_.address), sizeof config_.address,
                *this);
}

void SocketIoClient::fail(std::string_view why, std::int64_t now_ms) {
  if (state_ == SioClientState::Backoff || state_ == SioClientState::Idle) return;
  last_error_ = std::string(why);
  state_ = stopping_ ? SioClientState::Idle : SioClientState::Backoff;
  deadline_ms_ = stopping_ ? INT64_MAX : now_ms + backoff_.next_delay_ms();
  closing_ops_ =
      std::size_t{connect_pending_} + std::size_t{recv_pending_} + std::size_t{send_pending_};
  if (closing_ops_ > 0) {
    loop_.cancel(fd_);  // the fd is closed once every cancelled operation has come back
  } else {
    release_socket();
  }
  listener_.on_disconnected(last_error_);
}

void SocketIoClient::release_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  connect_pending_ = recv_pending_ = send_pending_ = false;
}

// A completion for a socket being torn down: count it, close when the last one is in.
void SocketIoClient::on_closing_completion() {
  if (closing_ops_ > 0 && --closing_ops_ == 0) release_socket();
}

void SocketIoClient::tick(std::int64_t now_ms) {
  switch (state_) {
    case SioClientState::Idle: return;
    case SioClientState::Backoff:
      if (now_ms >= deadline_ms_ && fd_ < 0) connect_now(now_ms);
      return;
    case SioClientState::Connecting:
    case SioClientState::Upgrading:
      if (now_ms >= deadline_ms_) fail("connect or upgrade timed out", now_ms);
      return;
    case SioClientState::Open: handle_eio_step(session_.on_timer(now_ms), now_ms); return;
  }
}

std::int64_t SocketIoClient::next_deadline_ms() const noexcept {
  switch (state_) {
    case SioClientState::Idle: return INT64_MAX;
    case SioClientState::Open: return session_.next_deadline_ms();
    case SioClientState::Connecting:
    case SioClientState::Upgrading:
    case SioClientState::Backoff: return deadline_ms_;
  }
  return INT64_MAX;
}

// ---- completions ----------------------------------------------------------------------------

void SocketIoClient::on_connect(int result) {
  connect_pending_ = false;
  if (state_ != SioClientState::Connecting) return on_closing_completion();
  const std::int64_t t = now();
  if (result < 0) return fail("connect: " + std::string(std::strerror(-result)), t);
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof nonce) != 1) return fail("no randomness for the WebSocket key", t);
  make_websocket_key(std::span<const std::uint8_t, 16>(nonce), key_);
  const std::string target = target_of(config_);
  const UpgradeRequest req{config_.host, target, std::string_view(key_, kWebSocketKeyChars), {}};
  const std::size_t n = write_upgrade_request(
      req, {reinterpret_cast<char*>(tx_.data()) + tx_len_, tx_.size() - tx_len_});
  if (n == 0) return fail("upgrade request does not fit", t);
  tx_len_ += n;
  state_ = SioClientState::Upgrading;
  flush();
  start_recv();
}

void SocketIoClient::on_recv(int result) {
  recv_pending_ = false;
  if (state_ != SioClientState::Upgrading && state_ != SioClientState::Open) {
    return on_closing_completion();
  }
  const std::int64_t t = now();
  if (result == 0) return fail("peer closed the connection", t);
  if (result < 0) return fail("recv: " + std::string(std::strerror(-result)), t);
  rx_len_ += static_cast<std::size_t>(result);
  process_input(t);
  if (state_ == SioClientState::Upgrading || state_ == SioClientState::Open) start_recv();
}

void SocketIoClient::on_send(int result) {
  send_pending_ = false;
  if (state_ != SioClientState::Upgrading && state_ != SioClientState::Open) {
    return on_closing_completion();
  }
  if (result < 0) return fail("send: " + std::string(std::strerror(-result)), now());
  tx_sent_ += static_cast<std::size_t>(result);
  if (tx_sent_ == tx_len_) tx_sent_ = tx_len_ = 0;
  flush();
}

void SocketIoClient::start_recv() {
  if (recv_pending_ || fd_ < 0) return;
  if (rx_len_ == rx_.size()) return fail("a frame larger than the receive buffer", now());
  recv_pending_ = true;
  loop_.recv(fd_, {rx_.data() + rx_len_, rx_.size() - rx_len_}, *this);
}

void SocketIoClient::flush() {
  if (send_pending_ || fd_ < 0 || tx_sent_ == tx_len_) return;
  tx_in_flight_ = tx_len_ - tx_sent_;
  send_pending_ = true;
  loop_.send(fd_, {tx_.data() + tx_sent_, tx_in_flight_}, *this);
}

// ---- input ----------------------------------------------------------------------------------

bool SocketIoClient::process_handshake() {
  const HttpParseResult r = http_.parse({reinterpret_cast<char*>(rx_.data()), rx_len_});
  if (r.need_more()) return false;
  const std::int64_t t = now();
  if (r.failed()) {
    fail("upgrade response: " + std::string(to_string(r.error)), t);
    return false;
  }
  const UpgradeResponse up = upgrade_response_of(http_);
  if (const HandshakeError e = check_upgrade_response(up, {key_, kWebSocketKeyChars});
      e != HandshakeError::None) {
    fail("upgrade refused: HTTP " + std::to_string(up.status) + ", " + std::string(to_string(e)),
         t);
    return false;
  }
  // What followed the head in the same read is already WebSocket.
  std::memmove(rx_.data(), rx_.data() + r.consumed, rx_len_ - r.consumed);
  rx_len_ -= r.consumed;
  session_ = EioSession(config_.version, t);
  state_ = SioClientState::Open;
  return true;
}

void SocketIoClient::process_input(std::int64_t now_ms) {
  if (state_ == SioClientState::Upgrading && !process_handshake()) return;
  std::size_t off = 0;
  while (state_ == SioClientState::Open && off < rx_len_) {
    const DecodeResult d = frames_.decode({rx_.data() + off, rx_len_ - off});
    if (d.event == FrameEvent::NeedMore) break;
    if (d.event == FrameEvent::Error) {
      std::uint8_t close[kMaxClientHeaderBytes + 2 + 64];
      const std::size_t n = encode_close(d.close_code, {}, next_mask(), close);
      if (n > 0) (void)queue_frame_raw(close, n);
      fail("websocket: " + std::string(to_string(d.error)), now_ms);
      return;
    }
    off += d.consumed;
    switch (d.event) {
      case FrameEvent::Text: handle_eio_step(session_.on_frame(d.text(), now_ms), now_ms); break;
      case FrameEvent::Ping: (void)queue_frame(Opcode::Pong, d.payload); break;
      case FrameEvent::Close:
        fail("server closed the websocket (" + std::to_string(d.close_code) + ")", now_ms);
        return;
      case FrameEvent::Fragment:
      case FrameEvent::Binary:
      case FrameEvent::Pong:
      case FrameEvent::NeedMore:
      case FrameEvent::Error: break;
    }
  }
  if (state_ != SioClientState::Open) return;
  std::memmove(rx_.data(), rx_.data() + off, rx_len_ - off);
  rx_len_ -= off;
}

void SocketIoClient::handle_eio_step(const EioStep& step, std::int64_t now_ms) {
  if (!step.reply.empty()) {
    (void)queue_frame(Opcode::Text, {reinterpret_cast<const std::uint8_t*>(step.reply.data()),
                                     step.reply.size()});
  }
  if (step.connected_now) {
    ++connects_;
    backoff_.reset();  // this connection proved itself
    listener_.on_connected();
  }
  if (step.event) listener_.on_event(step.message.name, step.message.args);
  if (step.closed_now) fail(to_string(session_.close_reason()), now_ms);
}

// ---- output ---------------------------------------------------------------------------------

bool SocketIoClient::emit(std::string_view name, std::string_view arg_json) {
  if (state_ != SioClientState::Open || session_.state() != EioState::Connected) return false;
  // Text into the scratch buffer, then masked while copied into the send buffer: the frame
  // encoder's input and output must not overlap.
  const std::size_t n =
      encode_sio_event(name, arg_json, {reinterpret_cast<char*>(scratch_.data()), scratch_.size()});
  if (n == 0) return false;
  return queue_frame(Opcode::Text, {scratch_.data(), n});
}

bool SocketIoClient::queue_frame(Opcode op, std::span<const std::uint8_t> payload) {
  if (tx_len_ + client_frame_size(payload.size()) > tx_.size()) return false;
  const std::size_t n =
      encode_frame(op, true, payload, next_mask(), {tx_.data() + tx_len_, tx_.size() - tx_len_});
  if (n == 0) return false;
  tx_len_ += n;
  flush();
  return true;
}

bool SocketIoClient::queue_frame_raw(const std::uint8_t* bytes, std::size_t n) {
  if (tx_len_ + n > tx_.size()) return false;
  std::memcpy(tx_.data() + tx_len_, bytes, n);
  tx_len_ += n;
  flush();
  return true;
}

std::uint32_t SocketIoClient::next_mask() {
  // RFC 6455 wants keys a proxy cannot predict; drawn from the CSPRNG in batches so a frame
  // costs no system call.
  if (masks_.empty()) {
    masks_.resize(256);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(masks_.data()),
                   static_cast<int>(masks_.size() * sizeof(std::uint32_t))) != 1) {
      masks_.assign(256, 0x5ca1ab1e);  // degraded but well-formed; RAND_bytes does not fail here
    }
  }
  const std::uint32_t m = masks_.back();
  masks_.pop_back();
  return m;
}

}  // namespace scalper::net
