#include <scalper/sim/server.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <scalper/sim/json.hpp>
#include <scalper/timing/clock.hpp>
#include <scalper/timing/histogram.hpp>
#include <scalper/tls/tls_cert.hpp>

namespace scalper::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
// Asio's timers are on this clock; timing::mono_ns() reads the same one (CLOCK_MONOTONIC).
using Clock = std::chrono::steady_clock;
using timing::mono_ns;
using timing::wall_ms;

// One client of the stream, whatever its transport (plain or TLS). The server keeps raw
// pointers in its channel table; a client removes itself (finish) before it can be destroyed.
class StreamClient {
 public:
  virtual ~StreamClient() = default;
  virtual void deliver(const std::shared_ptr<const std::string>& frame, const std::string& pair,
                       bool carries_fill) = 0;
  virtual void drop() = 0;  // abrupt: TCP closed with no close frame, as a dead link looks
  // For GET /sim/state: frames waiting to be written, and whether a write is in flight.
  [[nodiscard]] virtual std::size_t queued() const = 0;
  [[nodiscard]] virtual bool writing() const = 0;
  std::set<std::string> channels;
  std::int64_t connected_ms = 0;  // wall clock, for GET /sim/state
  std::int64_t last_join_ms = 0;
};

}  // namespace

// ---- the server's state -------------------------------------------------------------------

class SimServer::Impl {
 public:
  Impl(asio::io_context& io, ServerConfig config)
      : io_(io),
        config_(std::move(config)),
        exchange_(config_.exchange),
        api_(exchange_, config_.api),
        ssl_(ssl::context::tls_server),
        acceptor_(io),
        delay_timer_(io) {}

  asio::io_context& io_;
  // Connections hold a weak_ptr to this: an io_context that outlives the server destroys
  // their unrun handlers later, and a connection must not touch a server that is gone.
  std::shared_ptr<const int> lifetime_ = std::make_shared<const int>(0);
  ServerConfig config_;
  Exchange exchange_;
  CoinDcxApi api_;
  ssl::context ssl_;
  tcp::acceptor acceptor_;
  std::string cert_path_;
  bool stopping_ = false;

  // Stream routing.
  std::unordered_map<std::string, std::vector<StreamClient*>> subscribers_;
  std::vector<StreamClient*> clients_;
  std::uint64_t next_sid_ = 1;

  // Stream faults (global: they model the exchange's stream, not one client's).
  struct StreamFaults {
    std::int64_t stalled_until_ns = 0;  // >0: frames are swallowed until then; -1: until cleared
    std::int64_t delay_ms = 0;
    int duplicate = 0;  // next N private events sent twice
    int reorder = 0;    // next N pairs of private events swapped
    int lose = 0;       // next N private events never sent; the connection, pings and
                        // public channels go on (a venue dropping events, not the link)
  } stream_faults_;
  struct Routed {
    std::string channel;
    std::string pair;
    bool fill = false;
    std::shared_ptr<const std::string> frame;
  };
  std::optional<Routed> held_;                           // the first of a pair being reordered
  std::deque<std::pair<std::int64_t, Routed>> delayed_;  // (due ns, event), due order
  asio::steady_timer delay_timer_;

  // Price walk per pair.
  struct Walker {
    explicit Walker(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    bool running = false;
    std::int64_t interval_ms = 100;
  };
  std::map<std::string, std::unique_ptr<Walker>, std::less<>> walkers_;

  // Trade tape replay (--trades-csv): one cursor over all pairs, in tape order.
  struct TapeReplay {
    explicit TapeReplay(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::size_t next = 0;
    bool running = false;
  };
  TapeReplay tape_{io_};
  bool has_tape() const { return !config_.tape.empty(); }

  // Wire-to-wire latency: fill frame written → next create-order received, per pair.
  std::map<std::string, std::int64_t, std::less<>> fill_written_ns_;
  std::map<std::string, timing::LogLinearHistogram, std::less<>> latency_;
  // The same pairs raw (fill frame written, create received; steady clock ns, the clock a
  // client on this machine reads too), the newest kRawLatencySamples per pair: a client can
  // match them against its own timestamps to split the wire-to-wire time into stages.
  static constexpr std::size_t kRawLatencySamples = 20'000;
  std::map<std::string, std::deque<std::pair<std::int64_t, std::int64_t>>, std::less<>>
      latency_raw_;

  bool stalled() const {
    if (stream_faults_.stalled_until_ns == -1) return true;
    return stream_faults_.stalled_until_ns > mono_ns();
  }

  // ---- stream routing ---------------------------------------------------------------------
  void add_client(StreamClient* c) {
    c->connected_ms = wall_ms();
    clients_.push_back(c);
  }
  void remove_client(StreamClient* c) {
    for (const auto& ch : c->channels) {
      auto& v = subscribers_[ch];
      v.erase(std::remove(v.begin(), v.end(), c), v.end());
    }
    c->channels.clear();
    clients_.erase(std::remove(clients_.begin(), clients_.end(), c), clients_.end());
  }
  void subscribe(StreamClient* c, const std::string& channel) {
    if (c->channels.insert(channel).second) subscribers_[channel].push_back(c);
  }
  void unsubscribe(StreamClient* c, const std::string& channel) {
    if (c->channels.erase(channel) == 0) return;
    auto& v = subscribers_[channel];
    v.erase(std::remove(v.begin(), v.end(), c), v.end());
  }

  void publish(const Exchange::Events& events) {
    for (const auto& ev : events) {
      auto it = subscribers_.find(ev.channel);
      if (it == subscribers_.end() || it->second.empty()) continue;  // nobody listens
      route(Routed{
          ev.channel, ev.pair, ev.carries_fill,
          std::make_shared<const std::string>(SocketIoSession::event_frame(ev.event, ev.data))});
    }
  }

  void route(Routed r) {
    if (stalled()) return;  // a stalled stream loses what it does not send
    if (stream_faults_.delay_ms > 0) {
      delayed_.emplace_back(mono_ns() + stream_faults_.delay_ms * 1'000'000, std::move(r));
      arm_delay_timer();
      return;
    }
    route_now(std::move(r));
  }

  void route_now(Routed r) {
    if (r.channel == "coindcx") {
      if (stream_faults_.lose > 0) {
        --stream_faults_.lose;
        return;
      }
      if (stream_faults_.duplicate > 0) {
        --stream_faults_.duplicate;
        dispatch(r);
        dispatch(r);
        return;
      }
      if (stream_faults_.reorder > 0) {
        if (!held_) {
          held_ = std::move(r);
          return;
        }
        --stream_faults_.reorder;
        dispatch(r);
        dispatch(*held_);
        held_.reset();
        return;
      }
    }
    dispatch(r);
  }

  void dispatch(const Routed& r) {
    auto it = subscribers_.find(r.channel);
    if (it == subscribers_.end()) return;
    // Copy: a delivery may drop a client that overflowed, which edits the vector.
    const std::vector<StreamClient*> targets = it->second;
    for (StreamClient* c : targets) c->deliver(r.frame, r.pair, r.fill);
  }

  void arm_delay_timer() {
    if (delayed_.empty()) return;
    delay_timer_.expires_at(Clock::time_point(std::chrono::nanoseconds(delayed_.front().first)));
    delay_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      const std::int64_t now = mono_ns();
      while (!delayed_.empty() && delayed_.front().first <= now) {
        Routed r = std::move(delayed_.front().second);
        delayed_.pop_front();
        route_now(std::move(r));
      }
      arm_delay_timer();
    });
  }

  void drop_all_streams() {
    const std::vector<StreamClient*> all = clients_;
    for (StreamClient* c : all) c->drop();
  }

  void note_fill_written(const std::string& pair) { fill_written_ns_[pair] = mono_ns(); }
  void note_create_received(const std::string& pair, std::int64_t received_ns) {
    auto it = fill_written_ns_.find(pair);
    if (it == fill_written_ns_.end()) return;
    const std::int64_t delta = received_ns - it->second;
    fill_written_ns_.erase(it);
    if (delta < 0) return;
    latency_[pair].record(static_cast<std::uint64_t>(delta));
    auto& raw = latency_raw_[pair];
    if (raw.size() == kRawLatencySamples) raw.pop_front();
    raw.emplace_back(received_ns - delta, received_ns);
  }

  // ---- walk -------------------------------------------------------------------------------
  Walker& walker(const std::string& pair) {
    auto& w = walkers_[pair];
    if (!w) w = std::make_unique<Walker>(io_);
    return *w;
  }
  void start_walk(const std::string& pair, std::int64_t interval_ms) {
    Walker& w = walker(pair);
    w.interval_ms = std::max<std::int64_t>(interval_ms, 1);
    w.running = true;
    schedule_walk(pair);
  }
  void stop_walk(const std::string& pair) {
    Walker& w = walker(pair);
    w.running = false;
    w.timer.cancel();
  }
  void schedule_walk(const std::string& pair) {
    Walker& w = walker(pair);
    w.timer.expires_after(std::chrono::milliseconds(w.interval_ms));
    w.timer.async_wait([this, pair](beast::error_code ec) {
      if (ec || stopping_) return;
      Walker& wk = walker(pair);
      if (!wk.running) return;
      Exchange::Events out;
      (void)exchange_.walk_step(pair, wall_ms(), out);
      publish(out);
      schedule_walk(pair);
    });
  }

  // Plays the next trade of the tape; false at its end.
  bool play_tape_trade() {
    if (tape_.next >= config_.tape.size()) return false;
    const TapeTrade& t = config_.tape[tape_.next++];
    Exchange::Events out;
    (void)exchange_.set_price(t.pair, t.price, wall_ms(), out, t.quantity);
    publish(out);
    return true;
  }
  void start_tape() {
    if (!config_.replay_speed.is_positive()) return;  // speed 0: stepped by hand only
    tape_.running = true;
    schedule_tape();
  }
  void stop_tape() {
    tape_.running = false;
    tape_.timer.cancel();
  }
  void schedule_tape() {
    if (tape_.next >= config_.tape.size()) {
      tape_.running = false;
      return;
    }
    // The gap to the previous trade, scaled by the speed: gap_ms / speed.
    std::int64_t gap_ms = 0;
    if (tape_.next > 0) {
      const std::int64_t gap =
          config_.tape[tape_.next].time_ms - config_.tape[tape_.next - 1].time_ms;
      Decimal scaled;
      if (div_checked(Decimal::from_raw(gap), config_.replay_speed, scaled)) gap_ms = scaled.raw();
    }
    tape_.timer.expires_after(std::chrono::milliseconds(gap_ms));
    tape_.timer.async_wait([this](beast::error_code ec) {
      if (ec || stopping_ || !tape_.running) return;
      (void)play_tape_trade();
      schedule_tape();
    });
  }

  // ---- HTTP -------------------------------------------------------------------------------
  HttpReply handle_http(const http::request<http::string_body>& req, std::int64_t received_ns);
  HttpReply handle_control(std::string_view method, std::string_view path, std::string_view body);
  std::string apply_fault(std::string_view kind, std::int64_t value, std::string_view mode);
  std::string latency_json() const;
  std::string latency_samples_json() const;
  std::string state_json() const;
};

namespace {

// ---- WebSocket / socket.io connection -----------------------------------------------------

template <class NextLayer>
class WsConnection final : public StreamClient,
                           public std::enable_shared_from_this<WsConnection<NextLayer>> {
 public:
  WsConnection(NextLayer&& stream, SimServer::Impl& srv, EioVersion version)
      : ws_(std::move(stream)),
        srv_(srv),
        server_alive_(srv.lifetime_),
        session_(version, "sim" + std::to_string(srv.next_sid_++), srv.config_.eio, wall_ms()),
        timer_(ws_.get_executor()) {}

  ~WsConnection() override {
    if (!server_alive_.expired()) srv_.remove_client(this);
  }

  void run(http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();  // Engine.IO heartbeats judge liveness
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.read_message_max(srv_.config_.eio.max_payload + 1);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "scalper-sim"); }));
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();
      self->srv_.add_client(self.get());
      std::vector<std::string> out;
      self->session_.start(out);
      for (auto& f : out) self->enqueue(std::make_shared<const std::string>(std::move(f)));
      self->arm_timer();
      self->read();
    });
  }

  void deliver(const std::shared_ptr<const std::string>& frame, const std::string& pair,
               bool carries_fill) override {
    if (closed_ || closing_) return;
    if (queue_.size() >= srv_.config_.max_stream_queue) return drop();  // a client too slow
    queue_.push_back(Out{frame, pair, carries_fill});
    if (!writing_) write_next();
  }

  std::size_t queued() const override { return queue_.size(); }
  bool writing() const override { return writing_; }

  void drop() override {
    if (closed_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    finish();
  }

 private:
  struct Out {
    std::shared_ptr<const std::string> frame;
    std::string pair;
    bool fill = false;
  };

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();  // closed, or a broken frame (Beast has sent the close code)
    if (!ws_.got_text()) return close_after_flush(websocket::close_code::bad_payload);
    const std::string frame = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    std::vector<std::string> out;
    std::vector<ClientEmit> emits;
    const std::string reason = session_.on_frame(frame, wall_ms(), out, emits);
    // A stalled exchange answers nothing either: EIO3 clients must see their pongs stop.
    if (!srv_.stalled()) {
      for (auto& f : out) enqueue(std::make_shared<const std::string>(std::move(f)));
    }
    if (!reason.empty()) return close_after_flush(websocket::close_code::normal);
    for (auto& e : emits) {
      if (!handle_emit(e)) return;
    }
    arm_timer();
    read();
  }

  // join / leave / ping (docs/architecture.md §7.6). Returns false when the client was kicked.
  bool handle_emit(const ClientEmit& e) {
    const JsonNode* name = e.arg.find("channelName");
    if (e.name == "join") {
      if (name == nullptr || name->kind != JsonNode::Kind::String) return true;  // ignored
      if (name->text == "coindcx") {
        const JsonNode* key = e.arg.find("apiKey");
        const JsonNode* sig = e.arg.find("authSignature");
        const auto& api = srv_.config_.api;
        const bool ok = key != nullptr && sig != nullptr && key->kind == JsonNode::Kind::String &&
                        sig->kind == JsonNode::Kind::String &&
                        signature_matches(api.api_key, key->text) &&
                        signature_matches(join_signature(api.api_secret), sig->text);
        if (!ok) {
          // As observed on CoinDCX: the namespace is disconnected, then the connection.
          enqueue(std::make_shared<const std::string>(SocketIoSession::kKickFrame));
          close_after_flush(websocket::close_code::policy_error);
          return false;
        }
      }
      srv_.subscribe(this, name->text);  // unknown channels are accepted and stay silent
      last_join_ms = wall_ms();
    } else if (e.name == "leave") {
      if (name != nullptr && name->kind == JsonNode::Kind::String) {
        srv_.unsubscribe(this, name->text);
      }
    }
    return true;  // "ping" and anything else: no reply, as the exchange
  }

  void arm_timer() {
    const std::int64_t due = session_.next_timer_ms();
    timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(due - wall_ms(), 0)));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_ || self->closing_) return;
      if (self->srv_.stalled()) {  // a stalled exchange sends nothing, pings included
        self->arm_timer_in(100);
        return;
      }
      std::vector<std::string> out;
      const std::string reason = self->session_.on_timer(wall_ms(), out);
      for (auto& f : out) self->enqueue(std::make_shared<const std::string>(std::move(f)));
      if (!reason.empty()) return self->close_after_flush(websocket::close_code::going_away);
      self->arm_timer();
    });
  }
  void arm_timer_in(std::int64_t ms) {
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->arm_timer();
    });
  }

  void enqueue(std::shared_ptr<const std::string> frame) {
    if (closed_) return;
    queue_.push_back(Out{std::move(frame), {}, false});
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      if (closing_) do_close();
      return;
    }
    writing_ = true;
    ws_.text(true);
    // Stamped as the write is handed to the stream, not when its completion runs: on
    // loopback the client can be decoding the frame before this side's handler runs.
    if (queue_.front().fill) srv_.note_fill_written(queue_.front().pair);
    ws_.async_write(asio::buffer(*queue_.front().frame),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->finish();
                      self->queue_.pop_front();
                      self->write_next();
                    });
  }

  void close_after_flush(websocket::close_code code) {
    if (closing_ || closed_) return;
    closing_ = true;
    close_code_ = code;
    srv_.remove_client(this);  // no more events for a closing client
    if (!writing_) do_close();
  }

  void do_close() {
    if (closed_) return;
    ws_.async_close(close_code_,
                    [self = this->shared_from_this()](beast::error_code) { self->finish(); });
  }

  void finish() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    if (!server_alive_.expired()) srv_.remove_client(this);
  }

  websocket::stream<NextLayer> ws_;
  SimServer::Impl& srv_;
  std::weak_ptr<const int> server_alive_;
  SocketIoSession session_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<Out> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  websocket::close_code close_code_ = websocket::close_code::normal;
};

// ---- HTTP connection ----------------------------------------------------------------------

template <class Stream>
class HttpConnection final : public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  HttpConnection(Stream&& stream, SimServer::Impl& srv)
      : stream_(std::move(stream)), srv_(srv), timer_(stream_.get_executor()) {}

  void run() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(srv_.config_.max_body_bytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    const std::int64_t received_ns = mono_ns();
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::body_limit) {
      return respond(error_reply(413, "Request body larger than " +
                                          std::to_string(srv_.config_.max_body_bytes) + " bytes"),
                     11, false);
    }
    if (ec == http::error::header_limit) {
      return respond(error_reply(431, "Request headers too large"), 11, false);
    }
    if (ec) {
      // A request Beast could not parse gets a 400 when the socket still works.
      if (ec.category() == beast::error_code(http::error::bad_target).category()) {
        return respond(error_reply(400, "Malformed HTTP request: " + ec.message()), 11, false);
      }
      return;  // timeout or reset: nothing to answer
    }
    http::request<http::string_body> req = parser_->release();
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/socket.io/" || path == "/socket.io") return upgrade(std::move(req));

    HttpReply reply = srv_.handle_http(req, received_ns);
    if (reply.hang) return hang();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    if (srv_.api_.faults().delay_ms > 0) {
      timer_.expires_after(std::chrono::milliseconds(srv_.api_.faults().delay_ms));
      timer_.async_wait([self = this->shared_from_this(), reply = std::move(reply), version,
                         keep_alive](beast::error_code e) mutable {
        if (!e) self->respond(std::move(reply), version, keep_alive);
      });
      return;
    }
    respond(std::move(reply), version, keep_alive);
  }

  void upgrade(http::request<http::string_body> req) {
    const std::string target(req.target());
    const auto qmark = target.find('?');
    const std::string_view query = qmark == std::string::npos
                                       ? std::string_view{}
                                       : std::string_view(target).substr(qmark + 1);
    const std::string eio = query_param(query, "EIO");
    const std::string transport = query_param(query, "transport");
    // engine.io's own error bodies: {"code":N,"message":...}
    if (!websocket::is_upgrade(req) || transport != "websocket") {
      return respond(engineio_error(0, "Transport unknown"), req.version(), false);
    }
    if (eio != "3" && eio != "4") {
      return respond(engineio_error(5, "Unsupported protocol version"), req.version(), false);
    }
    const EioVersion v = eio == "3" ? EioVersion::V3 : EioVersion::V4;
    std::make_shared<WsConnection<Stream>>(std::move(stream_), srv_, v)->run(std::move(req));
  }

  static HttpReply engineio_error(int code, std::string_view message) {
    JsonWriter w;
    w.begin_object().key("code").integer(code).key("message").string(message).end_object();
    HttpReply r;
    r.status = 400;
    r.body = w.take();
    return r;
  }

  // The order exists but its create call is never answered: keep the socket open (the
  // client's timeout decides) and read only to notice the close.
  void hang() {
    beast::get_lowest_layer(stream_).expires_never();
    stream_.async_read_some(asio::buffer(sink_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->hang();
                            });
  }

  void respond(HttpReply reply, unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version);
    res->set(http::field::server, "scalper-sim");
    res->set(http::field::content_type, "application/json");
    for (const auto& [k, v] : reply.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!res->keep_alive()) return self->shutdown();
                        self->read();
                      });
  }

  void shutdown() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Stream stream_;
  SimServer::Impl& srv_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 512> sink_{};
};

}  // namespace

// ---- HTTP routing -------------------------------------------------------------------------

HttpReply SimServer::Impl::handle_http(const http::request<http::string_body>& req,
                                       std::int64_t received_ns) {
  const std::string method(req.method_string());
  const std::string target(req.target());
  const std::string_view path = std::string_view(target).substr(0, target.find('?'));
  if (path.starts_with("/sim/") || path == "/sim") {
    return handle_control(method, path, req.body());
  }
  HttpRequest r;
  r.method = method;
  r.target = target;
  if (auto it = req.find("X-AUTH-APIKEY"); it != req.end()) r.api_key = std::string(it->value());
  if (auto it = req.find("X-AUTH-SIGNATURE"); it != req.end()) {
    r.signature = std::string(it->value());
  }
  r.body = req.body();
  Exchange::Events out;
  HttpReply reply = api_.handle(r, wall_ms(), out);
  if (!reply.created_pair.empty()) note_create_received(reply.created_pair, received_ns);
  publish(out);
  return reply;
}

std::string SimServer::Impl::apply_fault(std::string_view kind, std::int64_t value,
                                         std::string_view mode) {
  RestFaults& rf = api_.faults();
  const int count = static_cast<int>(std::clamp<std::int64_t>(value, 0, 1'000'000));
  if (kind == "drop_stream") {
    drop_all_streams();
  } else if (kind == "stall_stream") {
    stream_faults_.stalled_until_ns = value <= 0 ? -1 : mono_ns() + value * 1'000'000;
  } else if (kind == "delay_events") {
    stream_faults_.delay_ms = std::max<std::int64_t>(value, 0);
  } else if (kind == "duplicate_events") {
    stream_faults_.duplicate = std::max(count, 1);
  } else if (kind == "reorder_events") {
    stream_faults_.reorder = std::max(count, 1);
  } else if (kind == "lose_events") {
    stream_faults_.lose = std::max(count, 1);
  } else if (kind == "hang_next_create") {
    rf.hang_creates = std::max(count, 1);
  } else if (kind == "http_5xx") {
    rf.fail_5xx = std::max(count, 1);
  } else if (kind == "http_429") {
    rf.fail_429 = std::max(count, 1);
  } else if (kind == "delay_rest") {
    rf.delay_ms = std::max<std::int64_t>(value, 0);
  } else if (kind == "reject_next_order") {
    if (mode.empty() || mode == "stream") {
      exchange_.reject_next_order(Exchange::RejectMode::Stream);
    } else if (mode == "http") {
      exchange_.reject_next_order(Exchange::RejectMode::Http);
    } else {
      return "reject_next_order mode must be stream or http";
    }
  } else {
    return "unknown fault '" + std::string(kind) +
           "' (drop_stream, stall_stream, delay_events, duplicate_events, reorder_events, "
           "lose_events, hang_next_create, http_5xx, http_429, delay_rest, reject_next_order)";
  }
  return {};
}

std::string SimServer::Impl::latency_samples_json() const {
  JsonWriter w;
  w.begin_object().key("unit").string("ns").key("pairs").begin_object();
  for (const auto& [pair, raw] : latency_raw_) {
    w.key(pair).begin_array();
    for (const auto& [written, received] : raw) {
      w.begin_array().integer(written).integer(received).end_array();
    }
    w.end_array();
  }
  w.end_object().end_object();
  return w.take();
}

std::string SimServer::Impl::latency_json() const {
  JsonWriter w;
  w.begin_object().key("unit").string("us").key("pairs").begin_object();
  auto us = [](std::uint64_t ns) {
    return Decimal::from_raw(static_cast<std::int64_t>(ns) * 100'000);
  };
  for (const auto& [pair, h] : latency_) {
    w.key(pair).begin_object();
    w.key("count").integer(static_cast<std::int64_t>(h.count()));
    w.key("min").number(us(h.min()));
    w.key("p50").number(us(h.quantile(0.5)));
    w.key("p90").number(us(h.quantile(0.9)));
    w.key("p99").number(us(h.quantile(0.99)));
    w.key("max").number(us(h.max()));
    w.key("buckets").begin_array();
    h.for_each_bucket([&](std::uint64_t lo, std::uint64_t hi, std::uint64_t n) {
      w.begin_array()
          .number(us(lo))
          .number(us(hi))
          .integer(static_cast<std::int64_t>(n))
          .end_array();
    });
    w.end_array();
    w.end_object();
  }
  w.end_object().end_object();
  return w.take();
}

std::string SimServer::Impl::state_json() const {
  JsonWriter w;
  w.begin_object();
  w.key("seed").integer(static_cast<std::int64_t>(config_.exchange.seed));
  w.key("stream_clients").integer(static_cast<std::int64_t>(clients_.size()));
  // Who listens where: a client that joined nothing gets nothing, silently, as on CoinDCX.
  w.key("subscribers").begin_object();
  for (const auto& [channel, clients] : subscribers_) {
    if (!clients.empty()) w.key(channel).integer(static_cast<std::int64_t>(clients.size()));
  }
  w.end_object();
  w.key("clients").begin_array();
  for (const StreamClient* c : clients_) {
    w.begin_object();
    w.key("queued").integer(static_cast<std::int64_t>(c->queued()));
    w.key("writing").boolean(c->writing());
    w.key("connected_ms").integer(c->connected_ms);
    w.key("last_join_ms").integer(c->last_join_ms);
    w.end_object();
  }
  w.end_array();
  w.key("resting_orders").integer(static_cast<std::int64_t>(exchange_.resting_orders()));
  w.key("rest_calls").begin_object();
  for (const auto& [path, n] : api_.calls()) w.key(path).integer(static_cast<std::int64_t>(n));
  w.end_object();
  w.key("pairs").begin_array();
  for (const auto& s : exchange_.instruments()) {
    w.begin_object();
    w.key("pair").string(s.pair);
    w.key("price").number_text(exchange_.last_price(s.pair).value_or(Decimal{}));
    auto it = walkers_.find(s.pair);
    const bool running = it != walkers_.end() && it->second->running;
    w.key("walking").boolean(running);
    w.key("walk_interval_ms").integer(running ? it->second->interval_ms : 0);
    w.end_object();
  }
  w.end_array();
  if (has_tape()) {
    w.key("tape").begin_object();
    w.key("trades").integer(static_cast<std::int64_t>(config_.tape.size()));
    w.key("played").integer(static_cast<std::int64_t>(tape_.next));
    w.key("running").boolean(tape_.running);
    w.end_object();
  }
  const RestFaults& rf = api_.faults();
  w.key("faults").begin_object();
  w.key("stalled").boolean(stalled());
  w.key("delay_events_ms").integer(stream_faults_.delay_ms);
  w.key("duplicate_events").integer(stream_faults_.duplicate);
  w.key("reorder_events").integer(stream_faults_.reorder);
  w.key("lose_events").integer(stream_faults_.lose);
  w.key("hang_next_create").integer(rf.hang_creates);
  w.key("http_5xx").integer(rf.fail_5xx);
  w.key("http_429").integer(rf.fail_429);
  w.key("delay_rest_ms").integer(rf.delay_ms);
  w.end_object();
  w.end_object();
  return w.take();
}

HttpReply SimServer::Impl::handle_control(std::string_view method, std::string_view path,
                                          std::string_view body_text) {
  auto ok = [](std::string body = R"({"ok":true})") {
    HttpReply r;
    r.body = std::move(body);
    return r;
  };
  const bool get = method == "GET";
  const bool post = method == "POST";
  if (get && path == "/sim/state") return ok(state_json());
  if (get && path == "/sim/latency") return ok(latency_json());
  if (get && path == "/sim/latency/samples") return ok(latency_samples_json());
  if (get && path == "/sim/orders") {
    JsonWriter w;
    w.begin_array();
    for (const SimOrder* o : exchange_.orders({})) write_order_json(w, *o, false);
    w.end_array();
    return ok(w.take());
  }
  if (get && path == "/sim/fills") {
    JsonWriter w;
    w.begin_array();
    for (const auto& f : exchange_.fills()) write_fill_json(w, f);
    w.end_array();
    return ok(w.take());
  }
  if (!post) {
    return error_reply(404, "Not Found: " + std::string(method) + " " + std::string(path));
  }

  JsonNode body;
  if (!body_text.empty()) {
    std::string error;
    auto parsed = parse_json(body_text, error);
    if (!parsed) return error_reply(400, error);
    if (parsed->kind != JsonNode::Kind::Object) return error_reply(400, "body must be an object");
    body = std::move(*parsed);
  } else {
    body.kind = JsonNode::Kind::Object;
  }
  std::optional<std::string> pair;
  if (auto e = read_string(body, "pair", Presence::Optional, pair); !e.empty()) {
    return error_reply(400, e);
  }
  auto pairs_or_all = [&]() {
    std::vector<std::string> v;
    if (pair) {
      v.push_back(*pair);
    } else {
      for (const auto& s : exchange_.instruments()) v.push_back(s.pair);
    }
    return v;
  };
  Exchange::Events out;

  if (path == "/sim/price") {
    if (!pair) return error_reply(400, "pair is missing");
    const auto current = exchange_.last_price(*pair);
    if (!current) return error_reply(404, "unknown pair " + *pair);
    std::optional<Decimal> price, delta;
    for (auto e : {read_decimal(body, "price", Presence::Optional, price),
                   read_decimal(body, "delta", Presence::Optional, delta)}) {
      if (!e.empty()) return error_reply(400, e);
    }
    if (price.has_value() == delta.has_value()) {
      return error_reply(400, "give exactly one of price and delta");
    }
    const Decimal target = price ? *price : *current + *delta;
    if (auto r = exchange_.set_price(*pair, target, wall_ms(), out)) {
      return error_reply(r->http_status, r->message);
    }
    publish(out);
    return ok();
  }
  if (path == "/sim/walk") {
    const JsonNode* running = body.find("running");
    if (running == nullptr || running->kind != JsonNode::Kind::Bool) {
      return error_reply(400, "running (true or false) is missing");
    }
    std::optional<std::int64_t> interval;
    std::optional<Decimal> vol;
    for (auto e : {read_int(body, "interval_ms", Presence::Optional, interval),
                   read_decimal(body, "volatility_bps", Presence::Optional, vol)}) {
      if (!e.empty()) return error_reply(400, e);
    }
    if (interval && *interval < 1) return error_reply(400, "interval_ms must be at least 1");
    if (vol) exchange_.set_volatility_bps(*vol);
    if (has_tape()) {  // the tape replaces the walk: one cursor for all pairs
      if (running->text == "true") {
        if (!tape_.running) start_tape();
      } else {
        stop_tape();
      }
      return ok();
    }
    for (const auto& p : pairs_or_all()) {
      if (!exchange_.instrument(p)) return error_reply(404, "unknown pair " + p);
      if (running->text == "true") {
        start_walk(p, interval.value_or(walker(p).interval_ms));
      } else {
        stop_walk(p);
      }
    }
    return ok();
  }
  if (path == "/sim/walk/step") {
    std::optional<std::int64_t> steps;
    if (auto e = read_int(body, "steps", Presence::Optional, steps); !e.empty()) {
      return error_reply(400, e);
    }
    const std::int64_t n = steps.value_or(1);
    if (n < 1 || n > 1'000'000) return error_reply(400, "steps must be between 1 and 1000000");
    if (has_tape()) {
      std::int64_t played = 0;
      while (played < n && play_tape_trade()) ++played;
      return ok(R"({"ok":true,"played":)" + std::to_string(played) + "}");
    }
    for (const auto& p : pairs_or_all()) {
      for (std::int64_t i = 0; i < n; ++i) {
        if (auto r = exchange_.walk_step(p, wall_ms(), out)) {
          return error_reply(404, r->message);
        }
        publish(out);
        out.clear();
      }
    }
    return ok();
  }
  if (path == "/sim/fault") {
    std::optional<std::string> kind, mode;
    std::optional<std::int64_t> count, ms;
    for (auto e : {read_string(body, "kind", Presence::Required, kind),
                   read_string(body, "mode", Presence::Optional, mode),
                   read_int(body, "count", Presence::Optional, count),
                   read_int(body, "ms", Presence::Optional, ms)}) {
      if (!e.empty()) return error_reply(400, e);
    }
    const std::int64_t value = ms ? *ms : count.value_or(1);
    if (auto e = apply_fault(*kind, value, mode.value_or("")); !e.empty()) {
      return error_reply(400, e);
    }
    return ok();
  }
  if (path == "/sim/faults/clear") {
    stream_faults_ = StreamFaults{};
    api_.faults() = RestFaults{};
    exchange_.reject_next_order(Exchange::RejectMode::None);
    if (held_) {
      dispatch(*held_);
      held_.reset();
    }
    return ok();
  }
  if (path == "/sim/cancel") {
    std::optional<std::string> id;
    if (auto e = read_string(body, "id", Presence::Required, id); !e.empty()) {
      return error_reply(400, e);
    }
    if (auto r = exchange_.cancel(*id, wall_ms(), out))
      return error_reply(r->http_status, r->message);
    publish(out);
    return ok();
  }
  if (path == "/sim/reset") {
    for (auto& [p, w] : walkers_) {
      w->running = false;
      w->timer.cancel();
    }
    stop_tape();
    tape_.next = 0;
    exchange_.reset();
    api_.reset();
    stream_faults_ = StreamFaults{};
    held_.reset();
    delayed_.clear();
    latency_.clear();
    latency_raw_.clear();
    fill_written_ns_.clear();
    return ok();
  }
  return error_reply(404, "Not Found: " + std::string(path));
}

// ---- SimServer ----------------------------------------------------------------------------

SimServer::SimServer(asio::io_context& io, ServerConfig config)
    : impl_(std::make_unique<Impl>(io, std::move(config))) {}

SimServer::~SimServer() = default;

void SimServer::start() {
  Impl& s = *impl_;
  if (s.config_.tls) {
    const tls::SelfSignedCert cert = tls::generate_self_signed_cert();
    const std::string dir = s.config_.cert_dir.empty() ? "scalper-sim-tls" : s.config_.cert_dir;
    s.cert_path_ = tls::write_cert_files(cert, dir);
    s.ssl_.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1);
    s.ssl_.use_certificate_chain(asio::buffer(cert.cert_pem));
    s.ssl_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(s.config_.bind_address, ec);
  if (ec) throw std::runtime_error("bad bind address '" + s.config_.bind_address + "'");
  const tcp::endpoint ep(address, s.config_.port);
  s.acceptor_.open(ep.protocol(), ec);
  if (!ec) s.acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor_.bind(ep, ec);
  if (!ec) s.acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + s.config_.bind_address + ":" +
                             std::to_string(s.config_.port) + ": " + ec.message());
  }
  for (const auto& t : s.config_.tape) {
    if (s.exchange_.instrument(t.pair) == nullptr) {
      throw std::runtime_error("the trade tape names pair " + t.pair +
                               ", which the simulator does not list");
    }
  }
  if (s.has_tape()) {
    s.start_tape();
  } else if (s.config_.walk_interval_ms > 0) {
    for (const auto& spec : s.exchange_.instruments())
      s.start_walk(spec.pair, s.config_.walk_interval_ms);
  }
  struct Acceptor {
    static void accept(Impl& s) {
      s.acceptor_.async_accept([&s](beast::error_code e, tcp::socket sock) {
        if (e) {
          if (e != asio::error::operation_aborted && !s.stopping_) accept(s);
          return;
        }
        sock.set_option(tcp::no_delay(true), e);
        if (s.config_.tls) {
          std::make_shared<HttpConnection<beast::ssl_stream<beast::tcp_stream>>>(
              beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(sock)), s.ssl_), s)
              ->run();
        } else {
          std::make_shared<HttpConnection<beast::tcp_stream>>(beast::tcp_stream(std::move(sock)), s)
              ->run();
        }
        accept(s);
      });
    }
  };
  Acceptor::accept(s);
}

void SimServer::stop() {
  Impl& s = *impl_;
  s.stopping_ = true;
  beast::error_code ignored;
  s.acceptor_.close(ignored);
  for (auto& [p, w] : s.walkers_) w->timer.cancel();
  s.stop_tape();
  s.delay_timer_.cancel();
  s.drop_all_streams();
}

std::uint16_t SimServer::port() const noexcept {
  beast::error_code ec;
  const auto ep = impl_->acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

const std::string& SimServer::cert_path() const noexcept { return impl_->cert_path_; }

std::string SimServer::base_url() const {
  return std::string(impl_->config_.tls ? "https://" : "http://") + impl_->config_.bind_address +
         ":" + std::to_string(port());
}

std::string SimServer::apply_fault(std::string_view kind, std::int64_t value,
                                   std::string_view mode) {
  return impl_->apply_fault(kind, value, mode);
}

}  // namespace scalper::sim
