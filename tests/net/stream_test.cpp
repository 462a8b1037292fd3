// Stream over TLS against `openssl s_server -rev` (it answers each line reversed), with a
// certificate made by `openssl req` for this test: verification by name and by IP, a wrong
// host name refused, TLS 1.2 and 1.3, and the session resumed by the next connection. Plain
// TCP against the same kind of peer is covered by the WebSocket and Socket.IO tests.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <scalper/net/stream.hpp>

#include "peer_process.hpp"
#include "poll_until.hpp"

namespace scalper::net {
namespace {

using testing::PeerProcess;
using timing::mono_ms;
using testing::TempDir;

struct Recorder : StreamListener {
  std::function<void()> on_open;
  int opened = 0;
  std::string received;
  bool closed = false;
  std::string why;
  void on_stream_open() override {
    ++opened;
    if (on_open) on_open();
  }
  std::size_t on_stream_data(std::span<std::uint8_t> data) override {
    received.append(reinterpret_cast<const char*>(data.data()), data.size());
    return data.size();
  }
  void on_stream_closed(std::string_view w) override {
    closed = true;
    why = std::string(w);
  }
};

class TlsStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PeerProcess req(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-days", "1", "-keyout", dir_.path() + "/key.pem", "-out", dir_.path() + "/cert.pem"},
        {}, true);
    ASSERT_EQ(req.wait_exit(30'000), 0) << "openssl req failed";
    server_ = std::make_unique<PeerProcess>(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                 dir_.path() + "/cert.pem", "-key", dir_.path() + "/key.pem",
                                 "-rev"},
        std::string{}, true);
    port_ = server_->wait_for_port("ACCEPT");
    ASSERT_NE(port_, 0) << "openssl s_server did not start";
    std::string warning;
    loop_ = EventLoop::create(LoopConfig{}, warning);
  }
  void TearDown() override {
    if (!stream_) return;
    stream_->close("test over");
    (void)run_until([&] { return stream_->quiescent(); }, 5000);
  }

  void open(TlsConfig config, std::string_view host) {
    config.trust = TlsTrust::CaFile;
    config.ca_file = dir_.path() + "/cert.pem";
    tls_ = std::make_unique<TlsContext>(config);
    stream_ = std::make_unique<Stream>(*loop_, rec_, tls_.get(), StreamBuffers{1 << 16, 1 << 16});
    reopen(host);
  }
  void reopen(std::string_view host) {
    rec_ = Recorder{};
    rec_.on_open = [this] {
      const std::string_view line = "hello scalper\n";
      EXPECT_TRUE(
          stream_->write({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()}));
    };
    ASSERT_EQ(stream_->open(testing::loopback(port_), host, port_), 0);
  }
  bool run_until(const std::function<bool()>& done, std::int64_t within_ms = 10'000) {
    return testing::poll_until(
        *loop_, [](std::int64_t) {}, done, within_ms);
  }
  bool answered() {
    return run_until([&] { return rec_.received.find('\n') != std::string::npos || rec_.closed; });
  }

  TempDir dir_;
  std::unique_ptr<PeerProcess> server_;
  std::uint16_t port_ = 0;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<TlsContext> tls_;
  Recorder rec_;
  std::unique_ptr<Stream> stream_;
};

TEST_F(TlsStreamTest, VerifiesTheNameAndExchangesData) {
  open(TlsConfig{}, "localhost");
  ASSERT_TRUE(answered()) << rec_.why;
  EXPECT_EQ(rec_.received, "replacs olleh\n");
  EXPECT_EQ(stream_->tls_session()->protocol_version(), "TLSv1.3");
  EXPECT_FALSE(rec_.closed);
}

TEST_F(TlsStreamTest, VerifiesAnIpAddressAgainstItsIpSan) {
  open(TlsConfig{}, "127.0.0.1");
  ASSERT_TRUE(answered()) << rec_.why;
  EXPECT_EQ(rec_.received, "replacs olleh\n");
}

TEST_F(TlsStreamTest, RefusesAWrongHostName) {
  open(TlsConfig{}, "exchange.example");
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_EQ(rec_.opened, 0);
  EXPECT_TRUE(rec_.received.empty());
  EXPECT_NE(rec_.why.find("hostname mismatch"), std::string::npos) << rec_.why;
}

TEST_F(TlsStreamTest, SpeaksTls12WhenCapped) {
  TlsConfig c;
  c.max_version = TlsVersion::Tls12;
  open(c, "localhost");
  ASSERT_TRUE(answered()) << rec_.why;
  EXPECT_EQ(rec_.received, "replacs olleh\n");
  EXPECT_EQ(stream_->tls_session()->protocol_version(), "TLSv1.2");
}

TEST_F(TlsStreamTest, TheNextConnectionResumesTheSession) {
  open(TlsConfig{}, "localhost");
  ASSERT_TRUE(answered()) << rec_.why;  // reading after the handshake took the tickets in
  EXPECT_FALSE(stream_->tls_session()->resumed());
  stream_->close("reconnect");
  ASSERT_TRUE(run_until([&] { return stream_->quiescent(); }));
  reopen("localhost");
  ASSERT_TRUE(answered()) << rec_.why;
  EXPECT_EQ(rec_.received, "replacs olleh\n");
  EXPECT_TRUE(stream_->tls_session()->resumed());
}

TEST_F(TlsStreamTest, ThePeerGoingAwayClosesTheStream) {
  open(TlsConfig{}, "localhost");
  ASSERT_TRUE(answered()) << rec_.why;
  server_.reset();  // SIGTERM
  ASSERT_TRUE(run_until([&] { return rec_.closed; }));
  EXPECT_FALSE(rec_.why.empty());
}

}  // namespace
}  // namespace scalper::net
