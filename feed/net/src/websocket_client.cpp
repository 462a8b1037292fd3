#include <scalper/net/websocket_client.hpp>

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace scalper::net {
namespace {

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

// "example.com:8443" -> "example.com"; "[::1]:443" -> "[::1]"; a bare IPv6 literal is kept.
std::string_view host_without_port(std::string_view host) {
  const std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return host;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    return close != std::string_view::npos ? host.substr(0, close + 1) : host;
  }
  if (host.find(':') != colon) return host;  // several colons: an IPv6 literal, no port
  return host.substr(0, colon);
}

StreamBuffers buffers_for(const WebSocketClientConfig& c) {
  // Room for the largest frame plus its header, so that every frame fits the buffer whole.
  return {c.buffer_bytes + kMaxServerHeaderBytes, c.buffer_bytes + kMaxClientHeaderBytes};
}

}  // namespace

WebSocketClient::WebSocketClient(EventLoop& loop, WebSocketClientConfig config,
                                 WebSocketListener& listener)
    : config_(std::move(config)),
      listener_(listener),
      stream_(loop, *this, config_.tls, buffers_for(config_)),
      frames_(limits_for(config_.buffer_bytes + kMaxServerHeaderBytes)),
      http_(upgrade_limits()) {
  if (config_.tls_host.empty()) config_.tls_host = std::string(host_without_port(config_.host));
  masks_.reserve(256);
}

int WebSocketClient::open(std::int64_t now_ms) {
  const int rc = stream_.open(config_.address, config_.tls_host, ntohs(config_.address.sin_port));
  if (rc < 0) return rc;
  http_.reset();
  frames_.reset();
  close_known_ = false;
  sent_code_ = 0;
  state_ = WsState::Connecting;
  deadline_ms_ = now_ms + config_.handshake_timeout_ms;
  return 0;
}

void WebSocketClient::close(std::uint16_t code, std::string_view reason, std::int64_t now_ms) {
  if (state_ != WsState::Open) return abort(reason.empty() ? "closed" : reason);
  if (!send_close(code, reason)) return abort("close frame did not fit");
  sent_code_ = code;
  state_ = WsState::Closing;
  deadline_ms_ = now_ms + config_.close_timeout_ms;
}

void WebSocketClient::abort(std::string_view why) { stream_.close(why); }

void WebSocketClient::tick(std::int64_t now_ms) {
  if (now_ms < deadline_ms_) return;
  switch (state_) {
    case WsState::Connecting:
    case WsState::Upgrading: return abort("websocket handshake timed out");
    case WsState::Closing: return abort("the server did not answer our close frame");
    case WsState::Open:
    case WsState::Closed: return;
  }
}

std::int64_t WebSocketClient::next_deadline_ms() const noexcept {
  return state_ == WsState::Open || state_ == WsState::Closed ? INT64_MAX : deadline_ms_;
}

// ---- sending --------------------------------------------------------------------------------

bool WebSocketClient::send(Opcode op, std::span<const std::uint8_t> payload, bool fin) {
  if (state_ != WsState::Open) return false;
  const std::span<std::uint8_t> out = stream_.write_area();
  const std::size_t n = encode_frame(op, fin, payload, next_mask(), out);
  if (n == 0) return false;
  stream_.commit_write(n);
  return true;
}

bool WebSocketClient::send_text(std::string_view text) {
  return send(Opcode::Text, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

bool WebSocketClient::ping(std::span<const std::uint8_t> payload) {
  return send(Opcode::Ping, payload);
}

bool WebSocketClient::send_close(std::uint16_t code, std::string_view reason) {
  const std::span<std::uint8_t> out = stream_.write_area();
  const std::size_t n = encode_close(code, reason, next_mask(), out);
  if (n == 0) return false;
  stream_.commit_write(n);
  return true;
}

std::uint32_t WebSocketClient::next_mask() {
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

// ---- the stream's events --------------------------------------------------------------------

void WebSocketClient::on_stream_open() {
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof nonce) != 1) return abort("no randomness for the WebSocket key");
  make_websocket_key(std::span<const std::uint8_t, 16>(nonce), key_);
  const UpgradeRequest req{
      config_.host, config_.target, std::string_view(key_, kWebSocketKeyChars), {}};
  const std::span<std::uint8_t> out = stream_.write_area();
  const std::size_t n =
      write_upgrade_request(req, {reinterpret_cast<char*>(out.data()), out.size()});
  if (n == 0) return abort("the upgrade request does not fit or has a bad field");
  state_ = WsState::Upgrading;
  stream_.commit_write(n);
}

std::size_t WebSocketClient::on_stream_data(std::span<std::uint8_t> data) {
  std::size_t used = 0;
  if (state_ == WsState::Upgrading) {
    used = read_upgrade_response(data);
    if (state_ != WsState::Open) return used;
  }
  return used + read_frames(data.subspan(used));
}

std::size_t WebSocketClient::read_upgrade_response(std::span<std::uint8_t> data) {
  const HttpParseResult r = http_.parse({reinterpret_cast<char*>(data.data()), data.size()});
  if (r.need_more()) return 0;
  if (r.failed()) {
    abort("upgrade response: " + std::string(to_string(r.error)));
    return 0;
  }
  const UpgradeResponse up = upgrade_response_of(http_);
  if (const HandshakeError e = check_upgrade_response(up, {key_, kWebSocketKeyChars});
      e != HandshakeError::None) {
    abort("upgrade refused: HTTP " + std::to_string(up.status) + ", " + std::string(to_string(e)));
    return 0;
  }
  state_ = WsState::Open;
  deadline_ms_ = INT64_MAX;
  listener_.on_ws_open();
  return r.consumed;
}

std::size_t WebSocketClient::read_frames(std::span<std::uint8_t> data) {
  std::size_t used = 0;
  while ((state_ == WsState::Open || state_ == WsState::Closing) && used < data.size()) {
    const DecodeResult d = frames_.decode(data.subspan(used));
    if (d.event == FrameEvent::NeedMore) break;
    if (d.event == FrameEvent::Error) {
      on_protocol_error(d);
      break;
    }
    used += d.consumed;
    switch (d.event) {
      case FrameEvent::Text:
      case FrameEvent::Binary:
        // After our close frame, data is still read but no longer delivered (RFC 6455 §1.4).
        if (state_ == WsState::Open) {
          listener_.on_ws_message(d.event == FrameEvent::Text ? Opcode::Text : Opcode::Binary,
                                  d.payload);
        }
        break;
      case FrameEvent::Ping:
        if (state_ == WsState::Open) (void)send(Opcode::Pong, d.payload);
        break;
      case FrameEvent::Pong: listener_.on_ws_pong(d.payload); break;
      case FrameEvent::Close: on_server_close(d); return used;
      case FrameEvent::Fragment:
      case FrameEvent::NeedMore:
      case FrameEvent::Error: break;
    }
  }
  return used;
}

void WebSocketClient::on_server_close(const DecodeResult& frame) {
  remember_close(frame.close_code, frame.text(), WsCloseOrigin::ServerFrame);
  if (state_ == WsState::Open) {
    // Echo the code (none if the server sent none), then close once it is out.
    const std::uint16_t code = frame.close_code;
    (void)send_close(is_sendable_close_code(code) ? code : kCloseNoStatus, {});
  }
  // Closing: the server's frame answers ours; the handshake is complete.
  state_ = WsState::Closing;
  stream_.close_after_flush(std::string_view(close_why_.data(), close_why_len_));
}

void WebSocketClient::on_protocol_error(const DecodeResult& frame) {
  const std::string why = "websocket: " + std::string(to_string(frame.error));
  remember_close(frame.close_code, why, WsCloseOrigin::OurFrame);
  (void)send_close(frame.close_code, {});
  state_ = WsState::Closing;
  stream_.close_after_flush(why);
}

void WebSocketClient::remember_close(std::uint16_t code, std::string_view why,
                                     WsCloseOrigin origin) {
  if (close_known_) return;
  close_known_ = true;
  close_code_ = code;
  close_origin_ = origin;
  close_why_len_ = std::min(why.size(), close_why_.size());
  std::memcpy(close_why_.data(), why.data(), close_why_len_);
}

void WebSocketClient::on_stream_closed(std::string_view why) {
  const WsState state_before = state_;
  state_ = WsState::Closed;
  deadline_ms_ = INT64_MAX;
  if (close_known_) {
    listener_.on_ws_closed(
        {close_code_, std::string_view(close_why_.data(), close_why_len_), close_origin_});
  } else if (state_before == WsState::Closing && sent_code_ != 0) {
    listener_.on_ws_closed({sent_code_, why, WsCloseOrigin::OurFrame});
  } else {
    listener_.on_ws_closed({kCloseAbnormal, why, WsCloseOrigin::Dropped});
  }
}

}  // namespace scalper::net
