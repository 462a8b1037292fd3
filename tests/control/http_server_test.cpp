// scalper-control's HTTP server (control/http http_server.hpp) over real loopback sockets, with
// a Boost.Beast client: the order of checks its header promises (caps, body limit, request id,
// rate limit, token in the URL, routes, bearer token, handler errors) and the access log.
// Every socket operation has a deadline; the rate limit runs on a clock the test steps.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "scalper/control/http_server.hpp"

namespace scalper::control {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view kToken = "test-token-0123456789abcdef0123456789";

struct Reply {
  int status = 0;
  std::string body;
  http::response<http::string_body> raw;
};

// One connection to the server; requests on it in turn (keep-alive).
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    stream_.expires_after(5s);
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  Reply send(http::verb verb, std::string target, std::string body = {},
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    for (auto& [k, v] : headers) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    stream_.expires_after(5s);
    http::write(stream_, req);
    return read();
  }
  Reply read() {
    Reply r;
    beast::flat_buffer buf;
    stream_.expires_after(5s);
    http::read(stream_, buf, r.raw);
    r.status = static_cast<int>(r.raw.result_int());
    r.body = r.raw.body();
    return r;
  }
  beast::tcp_stream& stream() { return stream_; }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
};

std::vector<std::pair<std::string, std::string>> bearer(std::string_view token = kToken) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerConfig c = {}) {
    c.port = 0;
    c.token = std::make_shared<ApiToken>(std::string(kToken));
    c.now_ms = [this] { return now_ms_.load(); };
    c.access_log = [this](const AccessRecord& a) {
      const std::lock_guard lock(log_mu_);
      log_.push_back(std::string(a.method) + " " + std::string(a.path) + " " +
                     std::to_string(a.status) + " " + std::string(a.request_id));
    };
    server_ = std::make_unique<HttpServer>(c);
    server_->route("GET", "/health", [](const HttpRequest&) {
      HttpResponse r;
      r.body = R"({"status":"ok"})";
      return r;
    });
    server_->route("GET", "/api/v1/bots/{id}", [](const HttpRequest& req) {
      HttpResponse r;
      r.body = "bot " + req.params.at("id");
      return r;
    });
    server_->route("DELETE", "/api/v1/bots/{id}", [](const HttpRequest&) { return HttpResponse{}; });
    server_->route("POST", "/api/v1/echo", [](const HttpRequest& req) {
      HttpResponse r;
      r.body = req.body;
      return r;
    });
    server_->route("GET", "/api/v1/boom", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("secret internals");
    });
    std::string error;
    ASSERT_TRUE(server_->start(error)) << error;
    ASSERT_NE(server_->port(), 0);
  }
  std::vector<std::string> log() {
    const std::lock_guard lock(log_mu_);
    return log_;
  }

  std::atomic<std::int64_t> now_ms_{1'000};
  std::unique_ptr<HttpServer> server_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(HttpServerTest, OpenRoutesNeedNoTokenAndEveryAnswerCarriesARequestId) {
  start();
  Client c(server_->port());
  const Reply r = c.send(http::verb::get, "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.raw[http::field::content_type], "application/json");
  const std::string generated(r.raw["X-Request-Id"]);
  EXPECT_FALSE(generated.empty());
  const Reply mine = c.send(http::verb::get, "/health", {}, {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(mine.raw["X-Request-Id"], "abc-123");
  const Reply junk =
      c.send(http::verb::get, "/health", {}, {{"X-Request-Id", "no spaces or\ttabs"}});
  EXPECT_NE(junk.raw["X-Request-Id"], "no spaces or\ttabs");
  EXPECT_FALSE(junk.raw["X-Request-Id"].empty());
  const std::vector<std::string> lines = log();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "GET /health 200 " + generated);
  EXPECT_EQ(lines[1], "GET /health 200 abc-123");
}

TEST_F(HttpServerTest, ApiRoutesNeedTheBearerToken) {
  start();
  Client c(server_->port());
  const Reply none = c.send(http::verb::get, "/api/v1/bots/7");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.raw[http::field::www_authenticate], "Bearer");
  EXPECT_NE(none.body.find("\"detail\""), std::string::npos) << none.body;
  EXPECT_EQ(c.send(http::verb::get, "/api/v1/bots/7", {}, bearer("wrong-token")).status, 401);
  EXPECT_EQ(c.send(http::verb::get, "/api/v1/bots/7", {}, {{"Authorization", std::string(kToken)}})
                .status,
            401)
      << "the scheme is required";
  const Reply ok = c.send(http::verb::get, "/api/v1/bots/7", {}, bearer());
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "bot 7") << "the {id} segment reaches the handler";
}

TEST_F(HttpServerTest, ATokenInTheUrlIsRefusedEvenWithTheRightHeader) {
  start();
  Client c(server_->port());
  const Reply r = c.send(http::verb::get, "/api/v1/bots/7?token=" + std::string(kToken), {},
                         bearer());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Authorization header"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(kToken), std::string::npos);
  EXPECT_EQ(c.send(http::verb::get, "/api/v1/bots/7?x=1&Access_Token=a", {}, bearer()).status,
            400);
  EXPECT_EQ(c.send(http::verb::get, "/api/v1/bots/7?tokens=1", {}, bearer()).status, 200)
      << "only the credential names";
}

TEST_F(HttpServerTest, UnknownPathsAre404AndOtherMethods405WithAllow) {
  start();
  Client c(server_->port());
  const Reply missing = c.send(http::verb::get, "/api/v1/nothing", {}, bearer());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"detail":"no such route: /api/v1/nothing"})");
  const Reply wrong = c.send(http::verb::put, "/api/v1/bots/7", {}, bearer());
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.raw[http::field::allow], "GET, DELETE");
  EXPECT_EQ(c.send(http::verb::get, "/api/v1/bots/", {}, bearer()).status, 404)
      << "{id} needs a segment";
}

TEST_F(HttpServerTest, ABodyOver64KiBIs413AndOneAtTheLimitPasses) {
  start();
  {
    Client c(server_->port());
    const std::string at_limit(64 * 1024, 'x');
    const Reply ok = c.send(http::verb::post, "/api/v1/echo", at_limit, bearer());
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body.size(), at_limit.size());
  }
  Client c(server_->port());
  const Reply big =
      c.send(http::verb::post, "/api/v1/echo", std::string(64 * 1024 + 1, 'x'), bearer());
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body, R"({"detail":"request body over 65536 bytes"})");
}

TEST_F(HttpServerTest, AHandlersExceptionIsA500ThatSaysNothingOfIt) {
  start();
  Client c(server_->port());
  const Reply r = c.send(http::verb::get, "/api/v1/boom", {}, bearer());
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret internals"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(std::string(r.raw["X-Request-Id"])), std::string::npos)
      << "the id lets the operator find it in the log: " << r.body;
  EXPECT_EQ(c.send(http::verb::get, "/health").status, 200) << "the server goes on";
}

TEST_F(HttpServerTest, TheRateLimitAnswers429WithRetryAfterAndRecovers) {
  HttpServerConfig c;
  c.rate = {/*per_second=*/1, /*burst=*/3, /*max_clients=*/16};
  start(c);
  Client client(server_->port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.send(http::verb::get, "/health").status, 200);
  const Reply limited = client.send(http::verb::get, "/api/v1/bots/1", {}, bearer());
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.raw[http::field::retry_after], "1");
  now_ms_ += 1'000;
  EXPECT_EQ(client.send(http::verb::get, "/health").status, 200);
}

TEST_F(HttpServerTest, ConnectionsPastTheCapAre503AndClosed) {
  HttpServerConfig c;
  c.max_connections = 2;
  start(c);
  Client a(server_->port());
  Client b(server_->port());
  // Both are sessions once they have been answered.
  ASSERT_EQ(a.send(http::verb::get, "/health").status, 200);
  ASSERT_EQ(b.send(http::verb::get, "/health").status, 200);
  Client third(server_->port());
  const Reply r = third.read();  // answered at once, without a request
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(r.raw.keep_alive());
  EXPECT_EQ(a.send(http::verb::get, "/health").status, 200) << "the others go on";
}

TEST(HttpServerStart, ABusyPortIsAClearError) {
  HttpServerConfig c;
  c.port = 0;
  HttpServer a(c);
  std::string error;
  ASSERT_TRUE(a.start(error)) << error;
  HttpServerConfig same;
  same.port = a.port();
  HttpServer b(same);
  EXPECT_FALSE(b.start(error));
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(a.port()) + ": "), std::string::npos)
      << error;
  HttpServerConfig bad;
  bad.address = "not-an-address";
  HttpServer c2(bad);
  EXPECT_FALSE(c2.start(error));
  EXPECT_NE(error.find("not an IP address"), std::string::npos) << error;
}

}  // namespace
}  // namespace scalper::control
