#include <scalper/sim/socketio.hpp>

#include <algorithm>
#include <cctype>

namespace scalper::sim {

SocketIoSession::SocketIoSession(EioVersion version, std::string sid, EioConfig config,
                                 std::int64_t now_ms)
    : version_(version),
      sid_(std::move(sid)),
      config_(config),
      last_client_ping_ms_(now_ms),
      next_ping_ms_(now_ms + config.ping_interval_ms) {}

void SocketIoSession::start(std::vector<std::string>& out) {
  JsonWriter w;
  w.begin_object();
  w.key("sid").string(sid_);
  w.key("upgrades").begin_array().end_array();
  w.key("pingInterval").integer(config_.ping_interval_ms);
  w.key("pingTimeout").integer(config_.ping_timeout_ms);
  if (version_ == EioVersion::V4)
    w.key("maxPayload").integer(static_cast<std::int64_t>(config_.max_payload));
  w.end_object();
  out.push_back("0" + w.str());
  if (version_ == EioVersion::V3) {
    out.emplace_back("40");  // socket.io 2.x connects the default namespace unasked
    namespace_connected_ = true;
  }
}

std::string SocketIoSession::on_frame(std::string_view frame, std::int64_t now_ms,
                                      std::vector<std::string>& out,
                                      std::vector<ClientEmit>& emits) {
  if (frame.size() > config_.max_payload) return "payload too large";
  if (frame.empty()) return "parse error";
  const char type = frame.front();
  const std::string_view payload = frame.substr(1);
  switch (type) {
    case '0': return "parse error";  // only the server opens
    case '1': return "transport close";
    case '2':  // ping
      if (version_ == EioVersion::V4) return "invalid heartbeat direction";
      last_client_ping_ms_ = now_ms;
      // Built with += rather than "3" + std::string(payload): GCC 12 at -O3 reports a bogus
      // -Wrestrict on the latter.
      {
        std::string pong = "3";
        pong += payload;
        out.push_back(std::move(pong));
      }
      return {};
    case '3':  // pong
      if (version_ == EioVersion::V3) return "invalid heartbeat direction";
      pong_deadline_ms_ = 0;
      return {};
    case '4': return on_socketio_packet(payload, out, emits);
    case '5':             // upgrade: meaningless on a WebSocket-only session, harmless
    case '6': return {};  // noop
    default: return "parse error";
  }
}

std::string SocketIoSession::on_socketio_packet(std::string_view p, std::vector<std::string>& out,
                                                std::vector<ClientEmit>& emits) {
  if (p.empty()) return "parse error";
  const char type = p.front();
  p.remove_prefix(1);
  // A namespace other than "/" is named right after the type: "/admin,".
  if (!p.empty() && p.front() == '/') {
    const auto comma = p.find(',');
    const std::string nsp(p.substr(0, comma));
    if (type == '0') {
      out.push_back("44" + nsp + R"(,{"message":"Invalid namespace"})");
      return {};
    }
    return {};  // traffic for a namespace that was never connected is dropped, as socket.io does
  }
  switch (type) {
    case '0':  // CONNECT (EIO4 clients must send it; EIO3 clients may)
      if (version_ == EioVersion::V4) {
        JsonWriter w;
        w.begin_object().key("sid").string(sid_ + "#ns").end_object();
        out.push_back("40" + w.str());
      } else if (!namespace_connected_) {
        out.emplace_back("40");
      }
      namespace_connected_ = true;
      return {};
    case '1':  // DISCONNECT from the default namespace: the client is leaving
      namespace_connected_ = false;
      return "client namespace disconnect";
    case '2': {  // EVENT, maybe with an ack id: 2<id>[...]
      // Decoded before anything else, as socket.io does: an undecodable packet closes the
      // connection even when the namespace is not connected yet.
      std::size_t i = 0;
      while (i < p.size() && std::isdigit(static_cast<unsigned char>(p[i])) != 0) ++i;
      const std::string_view body = p.substr(i);
      std::string error;
      auto parsed = parse_json(body, error);
      if (!parsed || parsed->kind != JsonNode::Kind::Array || parsed->items.empty() ||
          parsed->items.front().kind != JsonNode::Kind::String) {
        return "parse error";
      }
      if (!namespace_connected_) return {};  // dropped, as for a namespace never joined
      ClientEmit e;
      e.name = parsed->items.front().text;
      if (parsed->items.size() > 1) e.arg = std::move(parsed->items[1]);
      emits.push_back(std::move(e));
      if (i > 0) out.push_back("43" + std::string(p.substr(0, i)) + "[]");  // empty ack
      return {};
    }
    case '3': return {};  // ACK from the client: we never ask for one
    default: return "parse error";
  }
}

std::string SocketIoSession::on_timer(std::int64_t now_ms, std::vector<std::string>& out) {
  if (version_ == EioVersion::V3) {
    // The client owes a ping every interval; the server gives it interval + timeout.
    if (now_ms - last_client_ping_ms_ > config_.ping_interval_ms + config_.ping_timeout_ms) {
      return "ping timeout";
    }
    return {};
  }
  if (pong_deadline_ms_ != 0 && now_ms >= pong_deadline_ms_) return "ping timeout";
  if (now_ms >= next_ping_ms_) {
    out.emplace_back("2");
    if (pong_deadline_ms_ == 0) pong_deadline_ms_ = now_ms + config_.ping_timeout_ms;
    next_ping_ms_ = now_ms + config_.ping_interval_ms;
  }
  return {};
}

std::int64_t SocketIoSession::next_timer_ms() const noexcept {
  if (version_ == EioVersion::V3) {
    return last_client_ping_ms_ + config_.ping_interval_ms + config_.ping_timeout_ms + 1;
  }
  return pong_deadline_ms_ != 0 ? std::min(pong_deadline_ms_, next_ping_ms_) : next_ping_ms_;
}

std::string SocketIoSession::event_frame(std::string_view event, std::string_view data_json) {
  std::string data_as_string;
  data_as_string.reserve(data_json.size() + data_json.size() / 4 + 2);
  append_json_string(data_as_string, data_json);
  std::string f;
  f.reserve(data_as_string.size() + 2 * event.size() + 32);
  f += "42[";
  append_json_string(f, event);
  f += R"(,{"event":)";
  append_json_string(f, event);
  f += R"(,"data":)";
  f += data_as_string;
  f += "}]";
  return f;
}

}  // namespace scalper::sim
