#include <scalper/net/engineio.hpp>

#include <algorithm>
#include <cstring>

namespace scalper::net {
namespace {

constexpr std::int64_t kMaxHeartbeatMs = 3'600'000;  // sanity bound on announced intervals

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A tiny cursor over JSON text for parse_eio_open.
struct Scanner {
  std::string_view s;
  std::size_t i = 0;

  void skip_space() noexcept {
    while (i < s.size() && is_space(s[i])) ++i;
  }
  bool eat(char c) noexcept {
    skip_space();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // A string's raw contents (escapes left as they are); false when unterminated.
  bool string(std::string_view& out) noexcept {
    skip_space();
    if (i >= s.size() || s[i] != '"') return false;
    const std::size_t start = ++i;
    while (i < s.size() && s[i] != '"') {
      if (static_cast<unsigned char>(s[i]) < 0x20) return false;
      i += s[i] == '\\' ? 2u : 1u;
    }
    if (i >= s.size()) return false;
    out = s.substr(start, i - start);
    ++i;
    return true;
  }
  // A non-negative integer that fits the sanity bound.
  bool integer(std::int64_t& out) noexcept {
    skip_space();
    const std::size_t start = i;
    std::int64_t v = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (v > kMaxHeartbeatMs * 1000) return false;
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return false;
    out = v;
    return true;
  }
  bool literal(std::string_view word) noexcept {
    skip_space();
    if (s.substr(i, word.size()) != word) return false;
    i += word.size();
    return true;
  }
  bool number_token() noexcept {
    skip_space();
    const std::size_t start = i;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '-' || s[i] == '+' || s[i] == '.' ||
                            s[i] == 'e' || s[i] == 'E')) {
      ++i;
    }
    return i > start;
  }
  bool scalar() noexcept {
    skip_space();
    if (i >= s.size()) return false;
    std::string_view ignored;
    switch (s[i]) {
      case '"': return string(ignored);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number_token();
    }
  }
  bool value() noexcept {
    if (!eat('[')) return scalar();
    if (eat(']')) return true;
    do {
      if (!scalar()) return false;
    } while (eat(','));
    return eat(']');
  }
};

}  // namespace

bool decode_eio_packet(std::string_view frame, EioPacket& out) noexcept {
  if (frame.empty() || frame[0] < '0' || frame[0] > '6') return false;
  out.type = static_cast<EioPacketType>(frame[0] - '0');
  out.payload = frame.substr(1);
  return true;
}

bool parse_eio_open(std::string_view json, EioOpen& out) noexcept {
  Scanner sc{json};
  EioOpen open;
  bool have_sid = false, have_interval = false, have_timeout = false;
  if (!sc.eat('{')) return false;
  if (!sc.eat('}')) {
    do {
      std::string_view key;
      if (!sc.string(key) || !sc.eat(':')) return false;
      bool ok = true;
      if (key == "sid") {
        ok = sc.string(open.sid) && !open.sid.empty();
        have_sid = ok;
      } else if (key == "pingInterval") {
        ok = sc.integer(open.ping_interval_ms);
        have_interval = ok;
      } else if (key == "pingTimeout") {
        ok = sc.integer(open.ping_timeout_ms);
        have_timeout = ok;
      } else if (key == "maxPayload") {
        ok = sc.integer(open.max_payload);
      } else {
        ok = sc.value();  // "upgrades" and anything a newer server adds
      }
      if (!ok) return false;
    } while (sc.eat(','));
    if (!sc.eat('}')) return false;
  }
  sc.skip_space();
  if (sc.i != json.size() || !have_sid || !have_interval || !have_timeout) return false;
  if (open.ping_interval_ms <= 0 || open.ping_interval_ms > kMaxHeartbeatMs ||
      open.ping_timeout_ms <= 0 || open.ping_timeout_ms > kMaxHeartbeatMs) {
    return false;
  }
  out = open;
  return true;
}

bool decode_sio_packet(std::string_view p, SioPacket& out) noexcept {
  if (p.empty() || p[0] < '0' || p[0] > '6') return false;
  SioPacket pkt;
  pkt.type = static_cast<SioPacketType>(p[0] - '0');
  std::size_t i = 1;
  if (pkt.type == SioPacketType::BinaryEvent || pkt.type == SioPacketType::BinaryAck) {
    const std::size_t start = i;
    std::uint64_t n = 0;
    while (i < p.size() && is_digit(p[i]) && i - start < 9)
      n = n * 10 + std::uint64_t(p[i++] - '0');
    if (i == start || i >= p.size() || p[i] != '-') return false;
    pkt.attachments = static_cast<std::uint32_t>(n);
    ++i;
  }
  if (i < p.size() && p[i] == '/') {
    const std::size_t comma = p.find(',', i);
    pkt.nsp = p.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    i = comma == std::string_view::npos ? p.size() : comma + 1;
  }
  if (i < p.size() && is_digit(p[i])) {
    const std::size_t start = i;
    std::uint64_t id = 0;
    while (i < p.size() && is_digit(p[i])) {
      if (i - start >= 18) return false;  // ids beyond 10^18 are nobody's
      id = id * 10 + std::uint64_t(p[i++] - '0');
    }
    pkt.has_ack_id = true;
    pkt.ack_id = id;
  }
  pkt.data = p.substr(i);
  // Events and acks carry an array; a connect may carry an object; nothing else has data
  // except an error's payload (an object or, in v4, a string).
  if ((pkt.type == SioPacketType::Event || pkt.type == SioPacketType::Ack ||
       pkt.type == SioPacketType::BinaryEvent || pkt.type == SioPacketType::BinaryAck) &&
      (pkt.data.empty() || pkt.data.front() != '[')) {
    return false;
  }
  if (pkt.type == SioPacketType::Disconnect && !pkt.data.empty()) return false;
  out = pkt;
  return true;
}

bool split_sio_event(std::string_view data, SioEvent& out) noexcept {
  std::size_t end = data.size();
  while (end > 0 && is_space(data[end - 1])) --end;
  if (end < 4 || data.front() != '[' || data[end - 1] != ']') return false;
  std::size_t i = 1;
  while (i < end && is_space(data[i])) ++i;
  if (i >= end || data[i] != '"') return false;
  const std::size_t name_start = ++i;
  while (i < end && data[i] != '"') {
    if (data[i] == '\\' || static_cast<unsigned char>(data[i]) < 0x20) return false;
    ++i;
  }
  if (i >= end) return false;
  SioEvent ev;
  ev.name = data.substr(name_start, i - name_start);
  ++i;
  while (i < end && is_space(data[i])) ++i;
  if (i == end - 1) {  // `["name"]`
    ev.args = {};
  } else {
    if (data[i] != ',') return false;
    ++i;
    std::size_t args_end = end - 1;
    while (i < args_end && is_space(data[i])) ++i;
    while (args_end > i && is_space(data[args_end - 1])) --args_end;
    if (i >= args_end) return false;  // `["name",]`
    ev.args = data.substr(i, args_end - i);
  }
  out = ev;
  return true;
}

std::size_t encode_sio_event(std::string_view name, std::string_view arg_json,
                             std::span<char> out) noexcept {
  for (char c : name) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return 0;
  }
  const std::size_t need = 5 + name.size() + (arg_json.empty() ? 0 : 1 + arg_json.size()) + 1;
  if (out.size() < need) return 0;
  char* w = out.data();
  std::memcpy(w, "42[\"", 4);
  w += 4;
  std::memcpy(w, name.data(), name.size());
  w += name.size();
  *w++ = '"';
  if (!arg_json.empty()) {
    *w++ = ',';
    std::memcpy(w, arg_json.data(), arg_json.size());
    w += arg_json.size();
  }
  *w++ = ']';
  return static_cast<std::size_t>(w - out.data());
}

std::string_view to_string(EioCloseReason r) noexcept {
  switch (r) {
    case EioCloseReason::None: return "none";
    case EioCloseReason::ServerClose: return "server closed the session";
    case EioCloseReason::Kicked: return "server disconnected the namespace";
    case EioCloseReason::ConnectRefused: return "namespace connect refused";
    case EioCloseReason::PingTimeout: return "heartbeat timed out";
    case EioCloseReason::HandshakeTimeout: return "no namespace connect within the handshake bound";
    case EioCloseReason::ProtocolError: return "protocol error";
  }
  return "?";
}

// ---- session --------------------------------------------------------------------------------

EioSession::EioSession(EioVersion version, std::int64_t now_ms,
                       std::int64_t handshake_timeout_ms) noexcept
    : version_(version),
      last_server_ping_ms_(now_ms),
      handshake_deadline_ms_(now_ms + std::max<std::int64_t>(handshake_timeout_ms, 0)) {}

EioStep EioSession::close(EioCloseReason why) noexcept {
  EioStep step;
  if (state_ != EioState::Closed) {
    state_ = EioState::Closed;
    reason_ = why;
    step.closed_now = true;
  }
  return step;
}

EioStep EioSession::on_frame(std::string_view frame, std::int64_t now_ms) noexcept {
  if (state_ == EioState::Closed) return {};
  EioPacket pkt;
  if (!decode_eio_packet(frame, pkt)) return close(EioCloseReason::ProtocolError);
  if (state_ == EioState::AwaitingOpen) {
    if (pkt.type != EioPacketType::Open) return close(EioCloseReason::ProtocolError);
    return on_open(pkt.payload, now_ms);
  }
  EioStep step;
  switch (pkt.type) {
    case EioPacketType::Open: return close(EioCloseReason::ProtocolError);  // only once
    case EioPacketType::Close: return close(EioCloseReason::ServerClose);
    case EioPacketType::Ping:
      // EIO4: the server's heartbeat; answering is our half. EIO3 servers do not ping, and
      // answering one would be the wrong direction on a v4 server: ignored.
      if (version_ == EioVersion::V4) {
        last_server_ping_ms_ = now_ms;
        step.reply = "3";
      }
      return step;
    case EioPacketType::Pong:
      if (version_ == EioVersion::V3) pong_due_ms_ = 0;
      return step;
    case EioPacketType::Message: return on_message(pkt.payload);
    case EioPacketType::Upgrade:
    case EioPacketType::Noop: return step;
  }
  return step;
}

EioStep EioSession::on_open(std::string_view payload, std::int64_t now_ms) noexcept {
  EioOpen open;
  if (!parse_eio_open(payload, open)) return close(EioCloseReason::ProtocolError);
  ping_interval_ms_ = open.ping_interval_ms;
  ping_timeout_ms_ = open.ping_timeout_ms;
  last_server_ping_ms_ = now_ms;
  next_ping_ms_ = now_ms + ping_interval_ms_;
  state_ = EioState::AwaitingNamespace;
  EioStep step;
  if (version_ == EioVersion::V4) step.reply = "40";  // v5 protocol: the client connects
  return step;
}

EioStep EioSession::on_message(std::string_view payload) noexcept {
  SioPacket pkt;
  if (!decode_sio_packet(payload, pkt)) return close(EioCloseReason::ProtocolError);
  EioStep step;
  if (pkt.nsp != "/") return step;  // we only ever connect the default namespace
  switch (pkt.type) {
    case SioPacketType::Connect:
      if (state_ == EioState::AwaitingNamespace) {
        state_ = EioState::Connected;
        step.connected_now = true;
      }
      return step;
    case SioPacketType::Disconnect: return close(EioCloseReason::Kicked);
    case SioPacketType::ConnectError: return close(EioCloseReason::ConnectRefused);
    case SioPacketType::Event:
      if (state_ != EioState::Connected) return step;  // as the server would drop it
      if (!split_sio_event(pkt.data, step.message)) return close(EioCloseReason::ProtocolError);
      step.event = true;
      return step;
    case SioPacketType::Ack:
    case SioPacketType::BinaryEvent:
    case SioPacketType::BinaryAck: return step;  // never asked for; no exchange sends binary
  }
  return step;
}

EioStep EioSession::on_timer(std::int64_t now_ms) noexcept {
  if (state_ == EioState::Closed) return {};
  if (state_ != EioState::Connected && now_ms >= handshake_deadline_ms_) {
    return close(EioCloseReason::HandshakeTimeout);
  }
  if (state_ == EioState::AwaitingOpen) return {};
  if (version_ == EioVersion::V4) {
    if (now_ms >= last_server_ping_ms_ + ping_interval_ms_ + ping_timeout_ms_) {
      return close(EioCloseReason::PingTimeout);
    }
    return {};
  }
  if (pong_due_ms_ != 0 && now_ms >= pong_due_ms_) return close(EioCloseReason::PingTimeout);
  EioStep step;
  if (now_ms >= next_ping_ms_) {
    step.reply = "2";
    if (pong_due_ms_ == 0) pong_due_ms_ = now_ms + ping_timeout_ms_;
    next_ping_ms_ = now_ms + ping_interval_ms_;
  }
  return step;
}

std::int64_t EioSession::next_deadline_ms() const noexcept {
  switch (state_) {
    case EioState::Closed: return INT64_MAX;
    case EioState::AwaitingOpen: return handshake_deadline_ms_;
    case EioState::AwaitingNamespace:
    case EioState::Connected: break;
  }
  const std::int64_t heartbeat =
      version_ == EioVersion::V4 ? last_server_ping_ms_ + ping_interval_ms_ + ping_timeout_ms_
      : pong_due_ms_ != 0 && pong_due_ms_ < next_ping_ms_ ? pong_due_ms_
                                                          : next_ping_ms_;
  return state_ == EioState::AwaitingNamespace ? std::min(heartbeat, handshake_deadline_ms_)
                                               : heartbeat;
}

}  // namespace scalper::net
