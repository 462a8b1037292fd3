#include "scalper/control/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cctype>
#include <optional>
#include <thread>

namespace scalper::control {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool same_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
}

// A query parameter that carries a credential, by name (its value is never looked at).
bool query_has_token(std::string_view query) noexcept {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::string_view name = pair.substr(0, pair.find('='));
    for (std::string_view banned : {"token", "access_token", "api_token", "apikey", "api_key"}) {
      if (same_ignoring_case(name, banned)) return true;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(at, end - at));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return out;
}

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> parts;  // the pattern's segments
  HttpServer::Handler handler;
};

bool matches(const Route& r, const std::vector<std::string_view>& path,
             std::map<std::string, std::string, std::less<>>& params) {
  if (r.parts.size() != path.size()) return false;
  std::map<std::string, std::string, std::less<>> found;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& p = r.parts[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) return false;
      found.emplace(p.substr(1, p.size() - 2), std::string(path[i]));
    } else if (p != path[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers) {
    if (same_ignoring_case(k, name)) return v;
  }
  return {};
}

HttpResponse json_error(int status, std::string_view detail) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"detail", detail}}.dump();
  return r;
}

class Session;

struct HttpServer::Impl {
  explicit Impl(HttpServerConfig c) : config(std::move(c)), limiter(config.rate) {
    if (!config.now_ms) {
      config.now_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
      };
    }
    id_prefix = random_hex_token().substr(0, 8);
  }

  HttpResponse handle(HttpRequest& req);
  void accept();
  std::string next_request_id() { return id_prefix + "-" + std::to_string(++requests); }

  // Declared before io: sessions destroyed with io's pending handlers still count down here.
  HttpServerConfig config;
  std::vector<Route> routes;
  RateLimiter limiter;
  std::string id_prefix;
  std::uint64_t requests = 0;
  std::size_t active = 0;
  std::atomic<std::uint16_t> bound_port{0};
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  bool stopped = false;
};

// One connection: read a request, answer it, again while it keeps alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& impl, bool over_cap)
      : stream_(std::move(socket)), impl_(impl), over_cap_(over_cap) {
    ++impl_.active;
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "?" : ep.address().to_string();
  }
  ~Session() { --impl_.active; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    if (over_cap_) {
      HttpRequest none;
      none.request_id = impl_.next_request_id();
      none.client = client_;
      return answer(none, json_error(503, "too many connections: try again shortly"), false);
    }
    read();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(impl_.config.max_body);
    stream_.expires_after(std::chrono::milliseconds(impl_.config.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::body_limit) {
      HttpRequest req;
      req.request_id = impl_.next_request_id();
      req.client = client_;
      return answer(req,
                    json_error(413, "request body over " +
                                        std::to_string(impl_.config.max_body) + " bytes"),
                    false);
    }
    if (ec) return close();
    http::request<http::string_body> msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    const std::string_view target(msg.target().data(), msg.target().size());
    const std::size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    req.body = std::move(msg.body());
    req.client = client_;
    for (const auto& f : msg) {
      req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    const std::string_view id = req.header("X-Request-Id");
    req.request_id = valid_request_id(id) ? std::string(id) : impl_.next_request_id();
    HttpResponse res = impl_.handle(req);
    answer(req, std::move(res), msg.keep_alive());
  }

  void answer(const HttpRequest& req, HttpResponse res, bool keep_alive) {
    keep_alive_ = keep_alive;
    out_ = {};
    out_.version(11);
    out_.result(static_cast<unsigned>(res.status));
    out_.set(http::field::content_type, res.content_type);
    out_.set(http::field::cache_control, "no-store");
    out_.set("X-Request-Id", req.request_id);
    for (const auto& [k, v] : res.headers) out_.set(k, v);
    out_.body() = std::move(res.body);
    out_.keep_alive(keep_alive);
    out_.prepare_payload();
    if (impl_.config.access_log) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();
      impl_.config.access_log(
          {req.method, req.path, res.status, us, req.request_id, req.client});
    }
    http::async_write(stream_, out_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!self->keep_alive_) return self->finish();
      self->read();
    });
  }

  // After a last answer: our side of the connection is closed, and what the client still sends
  // (the rest of a refused body) is read and dropped until it closes too, or for at most a
  // second. Closing with unread bytes would send a reset, and a reset can destroy our answer
  // in the client's buffers before it reads it.
  void finish() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }
  void drain() {
    stream_.async_read_some(asio::buffer(drained_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& impl_;
  bool over_cap_;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> out_;
  bool keep_alive_ = false;
  std::array<char, 4096> drained_{};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

HttpResponse HttpServer::Impl::handle(HttpRequest& req) {
  std::uint32_t retry_after = 0;
  if (!limiter.admit(req.client, config.now_ms(), retry_after)) {
    HttpResponse r = json_error(429, "too many requests: slow down");
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return r;
  }
  if (query_has_token(req.query)) {
    return json_error(400,
                      "a credential in the URL is refused: send it in the Authorization header "
                      "(URLs end up in logs)");
  }
  const std::vector<std::string_view> path = segments(req.path);
  const Route* found = nullptr;
  std::string allowed;
  for (const Route& r : routes) {
    std::map<std::string, std::string, std::less<>> params;
    if (!matches(r, path, params)) continue;
    if (r.method == req.method) {
      found = &r;
      req.params = std::move(params);
      break;
    }
    allowed += (allowed.empty() ? "" : ", ") + r.method;
  }
  if (found == nullptr) {
    if (allowed.empty()) return json_error(404, "no such route: " + req.path);
    HttpResponse r = json_error(405, req.method + " is not allowed on " + req.path);
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  if (req.path.starts_with(config.protected_prefix)) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view auth = req.header("Authorization");
    const bool ok = config.token != nullptr && auth.size() > kBearer.size() &&
                    same_ignoring_case(auth.substr(0, kBearer.size()), kBearer) &&
                    config.token->matches(auth.substr(kBearer.size()));
    if (!ok) {
      HttpResponse r = json_error(401, "missing or wrong token: send Authorization: Bearer <token>");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  try {
    return found->handler(req);
  } catch (...) {
    return json_error(500, "internal error (request " + req.request_id + ")");
  }
}

void HttpServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    } else {
      const bool over_cap = active >= config.max_connections;
      std::make_shared<Session>(std::move(socket), *this, over_cap)->start();
    }
    accept();
  });
}

HttpServer::HttpServer(HttpServerConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(std::string method, std::string pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  for (std::string_view s : segments(pattern)) r.parts.emplace_back(s);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  impl_->routes.push_back(std::move(r));
}

bool HttpServer::start(std::string& error) {
  Impl& m = *impl_;
  beast::error_code ec;
  const auto address = asio::ip::make_address(m.config.address, ec);
  const std::string where = m.config.address + ":" + std::to_string(m.config.port);
  if (ec) {
    error = where + ": not an IP address";
    return false;
  }
  const tcp::endpoint endpoint(address, m.config.port);
  m.acceptor.open(endpoint.protocol(), ec);
  if (!ec) m.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(endpoint, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = where + ": " + ec.message();
    return false;
  }
  m.bound_port = m.acceptor.local_endpoint().port();
  m.accept();
  m.thread = std::thread([&m] { m.io.run(); });
  return true;
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port.load(); }

void HttpServer::stop() {
  Impl& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  if (m.thread.joinable()) {
    asio::post(m.io, [&m] {
      beast::error_code ignored;
      m.acceptor.close(ignored);
    });
    m.io.stop();
    m.thread.join();
  }
}

}  // namespace scalper::control
