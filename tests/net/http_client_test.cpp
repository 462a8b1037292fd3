// HttpClient against scalper-sim's REST surface (Boost.Beast), plain and TLS: keep-alive,
// error statuses as responses, the per-request timeout, "Connection: close", a server that
// goes away with a request in flight, refused connects, a wrong TLS host name, and no
// allocation per request. Waits are bounded.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <scalper/net/http_client.hpp>

#include "alloc_counter.hpp"
#include "peer_process.hpp"
#include "poll_until.hpp"
#include "sim_process.hpp"

namespace scalper::net {
namespace {

using testing::Sim;
using timing::mono_ms;
using testing::TempDir;

constexpr std::string_view kInstruments =
    "/exchange/v1/derivatives/futures/data/active_instruments";

struct Outcome {
  std::uint64_t tag = 0;
  int status = 0;  // 0: failed
  HttpFailure failure = HttpFailure::Timeout;
  bool body_names_eth = false;
};

// Records into storage reserved up front, so that the allocation check sees the client alone.
struct Recorder : HttpClientListener {
  Recorder() { outcomes.reserve(1000); }
  int ready = 0;
  int disconnects = 0;
  std::vector<Outcome> outcomes;
  void on_http_ready() override { ++ready; }
  void on_http_response(std::uint64_t tag, const ResponseParser& r) override {
    outcomes.push_back({tag, static_cast<int>(r.status()), HttpFailure::Timeout,
                        r.body().find("B-ETH_USDT") != std::string_view::npos});
  }
  void on_http_failure(std::uint64_t tag, HttpFailure f, std::string_view) override {
    outcomes.push_back({tag, 0, f, false});
  }
  void on_http_disconnected(std::string_view) override { ++disconnects; }
};

class HttpClientTest : public ::testing::Test {
 protected:
  void make_client(std::uint16_t port, TlsContext* tls = nullptr, std::string tls_host = {}) {
    std::string warning;
    loop_ = EventLoop::create(LoopConfig{}, warning);
    HttpClientConfig cfg;
    cfg.address = testing::loopback(port);
    cfg.tls = tls;
    cfg.tls_host = std::move(tls_host);
    cfg.backoff_initial_ms = 10;
    cfg.backoff_max_ms = 40;
    host_ = "localhost:" + std::to_string(port);
    client_ = std::make_unique<HttpClient>(*loop_, cfg, rec_);
    client_->start(mono_ms());
  }
  void TearDown() override {
    if (!client_) return;
    client_->stop();
    (void)run_until([&] { return client_->quiescent(); }, 5000);
  }
  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return testing::poll_until(
        *loop_, [&](std::int64_t now) { client_->tick(now); }, done, within_ms);
  }
  // Writes a request into the client's buffer and sends it.
  bool send(std::string_view method, std::string_view target, std::uint64_t tag,
            std::int64_t timeout_ms = 5000, bool keep_alive = true) {
    RequestWriter w(client_->request_buffer());
    HttpRequestHead head;
    head.method = method;
    head.target = target;
    head.host = host_;
    head.keep_alive = keep_alive;
    const HttpWriteResult r = w.write(head, method == "GET" ? "" : "{}");
    return r.ok() && client_->send(r.message, tag, timeout_ms, mono_ms());
  }
  // Sends and waits for the outcome of one request.
  Outcome request(std::string_view method, std::string_view target, std::int64_t timeout_ms,
                  bool keep_alive = true) {
    const std::size_t before = rec_.outcomes.size();
    if (!run_until([&] { return client_->ready(); })) return {};
    if (!send(method, target, ++tag_, timeout_ms, keep_alive)) return {};
    if (!run_until([&] { return rec_.outcomes.size() > before; })) return {};
    return rec_.outcomes.back();
  }

  std::unique_ptr<EventLoop> loop_;
  Recorder rec_;
  std::unique_ptr<HttpClient> client_;
  std::string host_;
  std::uint64_t tag_ = 0;
};

TEST_F(HttpClientTest, KeepAliveCarriesManyRequestsOnOneConnectionWithoutAllocating) {
  Sim sim({});
  ASSERT_NE(sim.port(), 0);
  make_client(sim.port());
  for (int i = 0; i < 10; ++i) {  // warm-up: first-use growth in the loop and the parser
    const Outcome o = request("GET", kInstruments, 5000);
    ASSERT_EQ(o.status, 200) << client_->last_error();
  }
  const scalper::testing::AllocationScope allocs;
  for (int i = 0; i < 100; ++i) {
    const Outcome o = request("GET", kInstruments, 5000);
    ASSERT_EQ(o.status, 200) << client_->last_error();
    ASSERT_EQ(o.tag, tag_);
    ASSERT_TRUE(o.body_names_eth);
  }
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_EQ(client_->connects(), 1u);
  EXPECT_EQ(rec_.disconnects, 0);
}

TEST_F(HttpClientTest, ErrorStatusesAreResponsesNotFailures) {
  Sim sim({});
  make_client(sim.port());
  EXPECT_EQ(request("GET", "/exchange/v1/nowhere", 5000).status, 404);
  EXPECT_EQ(request("POST", "/exchange/v1/derivatives/futures/orders/create", 5000).status, 401);
  EXPECT_EQ(request("GET", kInstruments, 5000).status, 200);
  EXPECT_EQ(client_->connects(), 1u);
}

TEST_F(HttpClientTest, ARequestWithoutAnAnswerTimesOutAndTheConnectionIsReplaced) {
  Sim sim({});
  make_client(sim.port());
  ASSERT_EQ(request("GET", kInstruments, 5000).status, 200);
  ASSERT_EQ(sim.control("/sim/fault", R"({"kind":"delay_rest","ms":1500})"), 200);
  const std::int64_t t0 = mono_ms();
  const Outcome late = request("GET", kInstruments, 100);
  EXPECT_EQ(late.status, 0);
  EXPECT_EQ(late.failure, HttpFailure::Timeout);
  EXPECT_LT(mono_ms() - t0, 1500) << "reported at its own timeout, not the server's delay";
  // The connection that may still carry the late answer is dropped and replaced at once.
  ASSERT_TRUE(run_until([&] { return client_->ready(); }));
  EXPECT_EQ(client_->connects(), 2u);
  ASSERT_EQ(sim.control("/sim/faults/clear", "{}"), 200);
  EXPECT_EQ(request("GET", kInstruments, 5000).status, 200);
}

TEST_F(HttpClientTest, ConnectionCloseIsHonouredAndTheConnectionReplaced) {
  Sim sim({});
  make_client(sim.port());
  EXPECT_EQ(request("GET", kInstruments, 5000, /*keep_alive=*/false).status, 200);
  ASSERT_TRUE(run_until([&] { return client_->connects() == 2 && client_->ready(); }));
  EXPECT_EQ(rec_.disconnects, 1);
  EXPECT_EQ(request("GET", kInstruments, 5000).status, 200);
}

TEST_F(HttpClientTest, AServerThatGoesAwayLosesTheRequestInFlight) {
  auto sim = std::make_unique<Sim>(std::vector<std::string>{});
  make_client(sim->port());
  ASSERT_TRUE(run_until([&] { return client_->ready(); })) << client_->last_error();
  ASSERT_EQ(sim->control("/sim/fault", R"({"kind":"delay_rest","ms":3000})"), 200);
  ASSERT_TRUE(send("GET", kInstruments, 77, 10'000));
  sim.reset();  // SIGTERM while the answer is delayed
  ASSERT_TRUE(run_until([&] { return !rec_.outcomes.empty(); }));
  EXPECT_EQ(rec_.outcomes[0].tag, 77u);
  EXPECT_EQ(rec_.outcomes[0].status, 0);
  EXPECT_EQ(rec_.outcomes[0].failure, HttpFailure::ConnectionLost);
  // Then refused reconnects, backing off.
  ASSERT_TRUE(run_until([&] { return rec_.disconnects >= 4; }));
  EXPECT_FALSE(client_->ready());
  EXPECT_NE(client_->last_error().find("refused"), std::string_view::npos) << client_->last_error();
}

TEST_F(HttpClientTest, OverTlsKeepsOneVerifiedConnection) {
  TempDir dir;
  Sim sim({"--tls", "--cert-dir", dir.path()});
  ASSERT_NE(sim.port(), 0);
  TlsConfig tc;
  tc.trust = TlsTrust::CaFile;
  tc.ca_file = dir.path() + "/cert.pem";
  TlsContext tls(tc);
  make_client(sim.port(), &tls, "localhost");
  for (int i = 0; i < 20; ++i) {
    const Outcome o = request("GET", kInstruments, 5000);
    ASSERT_EQ(o.status, 200) << client_->last_error();
    ASSERT_TRUE(o.body_names_eth);
  }
  EXPECT_EQ(client_->connects(), 1u);
  EXPECT_EQ(client_->stream().tls_session()->protocol_version(), "TLSv1.3");
}

TEST_F(HttpClientTest, OverTlsAWrongHostNameIsNeverReady) {
  TempDir dir;
  Sim sim({"--tls", "--cert-dir", dir.path()});
  TlsConfig tc;
  tc.trust = TlsTrust::CaFile;
  tc.ca_file = dir.path() + "/cert.pem";
  TlsContext tls(tc);
  make_client(sim.port(), &tls, "api.exchange.example");
  ASSERT_TRUE(run_until([&] { return rec_.disconnects >= 2; })) << "refused, then retried";
  EXPECT_EQ(rec_.ready, 0);
  EXPECT_NE(client_->last_error().find("hostname mismatch"), std::string_view::npos)
      << client_->last_error();
}

TEST_F(HttpClientTest, SendIsRefusedUnlessReady) {
  Sim sim({});
  make_client(sim.port());
  EXPECT_FALSE(send("GET", kInstruments, 1)) << "still connecting";
  ASSERT_TRUE(run_until([&] { return client_->ready(); }));
  ASSERT_TRUE(send("GET", kInstruments, 2));
  EXPECT_FALSE(send("GET", kInstruments, 3)) << "one request at a time";
  ASSERT_TRUE(run_until([&] { return rec_.outcomes.size() == 1; }));
  EXPECT_EQ(rec_.outcomes[0].tag, 2u);
}

}  // namespace
}  // namespace scalper::net
