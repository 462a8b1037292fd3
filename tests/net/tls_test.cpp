// TLS client session over memory BIOs, against an in-process OpenSSL server with the simulator's
// self-signed certificate: handshake and data both ways (1 MB each way, TLS 1.2 and 1.3),
// verification (trusted CA, host name and IP checks, untrusted chain), SNI, ALPN, session
// resumption by host:port (TLS 1.3 tickets and TLS 1.2), close_notify, end of stream without it,
// garbage input, back-pressure on both rings, and zero allocations — through operator new AND
// OpenSSL's malloc — once the handshake is over.
//
// No sockets, threads or sleeps: a pump moves ciphertext between the client's and the server's
// BIO pairs and drives both ends until nothing moves.
#include "scalper/net/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "scalper/tls/tls_cert.hpp"

// ---- OpenSSL's allocations ------------------------------------------------------------------
//
// The allocation counter sees operator new only; OpenSSL allocates with CRYPTO_malloc. These
// hooks count those too. They must be installed before OpenSSL's first allocation, hence a
// static initialiser (nothing in this executable touches OpenSSL before main()).
namespace {

std::atomic<std::uint64_t> g_openssl_allocations{0};

void* counting_malloc(std::size_t n, const char*, int) {
  g_openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  g_openssl_allocations.fetch_add(1, std::memory_order_relaxed);  // growing or not: counted
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) { std::free(p); }

const bool g_openssl_hooks_installed =
    CRYPTO_set_mem_functions(&counting_malloc, &counting_realloc, &counting_free) == 1;

}  // namespace

namespace scalper::net {

[[maybe_unused]] static void PrintTo(TlsStatus s, std::ostream* os) { *os << to_string(s); }
[[maybe_unused]] static void PrintTo(TlsError e, std::ostream* os) { *os << to_string(e); }

namespace {

using scalper::testing::AllocationScope;

constexpr std::uint16_t kPort = 8443;
constexpr std::size_t kRing = std::size_t{64} * 1024;

// ---- the certificate, generated once, and its cert.pem on disk ------------------------------

struct CertFiles {
  scalper::tls::SelfSignedCert cert;
  std::filesystem::path dir;
  std::string ca_file;

  CertFiles()
      : cert(scalper::tls::generate_self_signed_cert()),
        dir(std::filesystem::path(::testing::TempDir()) /
            ("scalper_tls_test_" + std::to_string(::getpid()))),
        ca_file(scalper::tls::write_cert_files(cert, dir.string())) {}
  ~CertFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const CertFiles& cert_files() {
  static const CertFiles files;
  return files;
}

TlsConfig trusting_config() {
  TlsConfig c;
  c.trust = TlsTrust::CaFile;
  c.ca_file = cert_files().ca_file;
  return c;
}

// ---- the in-process server ------------------------------------------------------------------

struct ServerOptions {
  int max_version = 0;  // 0: TLS 1.3
  const char* ciphers_tls12 = nullptr;
  const char* ciphersuites_tls13 = nullptr;
  bool alpn = false;  // select "http/1.1" if offered
};

class Server {
 public:
  explicit Server(ServerOptions opts = {}) : ctx_(SSL_CTX_new(TLS_server_method())) {
    if (ctx_ == nullptr) throw std::runtime_error("server SSL_CTX_new");
    const auto& pem = cert_files().cert;
    BIO* cb = BIO_new_mem_buf(pem.cert_pem.data(), static_cast<int>(pem.cert_pem.size()));
    BIO* kb = BIO_new_mem_buf(pem.key_pem.data(), static_cast<int>(pem.key_pem.size()));
    X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    EVP_PKEY* k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    const bool ok = x != nullptr && k != nullptr && SSL_CTX_use_certificate(ctx_, x) == 1 &&
                    SSL_CTX_use_PrivateKey(ctx_, k) == 1 && SSL_CTX_check_private_key(ctx_) == 1;
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cb);
    BIO_free(kb);
    if (!ok) throw std::runtime_error("server certificate");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, opts.max_version);
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (opts.ciphers_tls12 != nullptr) SSL_CTX_set_cipher_list(ctx_, opts.ciphers_tls12);
    if (opts.ciphersuites_tls13 != nullptr) SSL_CTX_set_ciphersuites(ctx_, opts.ciphersuites_tls13);
    // Server-side session cache (TLS 1.2 session ids) and tickets are OpenSSL's defaults;
    // spelled out because resumption depends on them.
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_SERVER);
    SSL_CTX_clear_options(ctx_, SSL_OP_NO_TICKET);
    // SNI: SSL_CTX_set_tlsext_servername_callback/_arg without their C casts.
    SSL_CTX_callback_ctrl(ctx_, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                          reinterpret_cast<void (*)(void)>(&Server::on_servername));
    SSL_CTX_ctrl(ctx_, SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG, 0, this);
    if (opts.alpn) SSL_CTX_set_alpn_select_cb(ctx_, &Server::on_alpn, nullptr);
  }
  ~Server() { SSL_CTX_free(ctx_); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] SSL_CTX* ctx() const { return ctx_; }

  int sni_calls = 0;         // ClientHellos seen
  bool sni_present = false;  // the last one carried server_name
  std::string sni;           // ... and this was it

 private:
  static int on_servername(SSL* ssl, int* /*alert*/, void* arg) {
    auto* self = static_cast<Server*>(arg);
    ++self->sni_calls;
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    self->sni_present = name != nullptr;
    self->sni = name != nullptr ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }

  static int on_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
                     const unsigned char* in, unsigned int inlen, void* /*arg*/) {
    constexpr std::string_view kWant = "http/1.1";
    for (unsigned int i = 0; i < inlen;) {
      const unsigned int len = in[i];
      if (i + 1 + len > inlen) break;
      if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == kWant) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
  }

  SSL_CTX* ctx_;
};

// One server-side connection: an SSL in accept state on its own BIO pair.
class ServerConn {
 public:
  explicit ServerConn(const Server& server) : ssl_(SSL_new(server.ctx())) {
    BIO* internal = nullptr;
    if (ssl_ == nullptr || BIO_new_bio_pair(&internal, kRing, &net_, kRing) != 1) {
      throw std::runtime_error("server connection");
    }
    SSL_set_bio(ssl_, internal, internal);
    SSL_set_accept_state(ssl_);
  }
  ~ServerConn() {
    SSL_free(ssl_);
    BIO_free(net_);
  }
  ServerConn(const ServerConn&) = delete;
  ServerConn& operator=(const ServerConn&) = delete;

  [[nodiscard]] SSL* ssl() const { return ssl_; }
  [[nodiscard]] BIO* net() const { return net_; }

 private:
  SSL* ssl_;
  BIO* net_ = nullptr;
};

// A fixed receive buffer (sized up front, so reading into it never allocates).
struct Sink {
  explicit Sink(std::size_t capacity) : buf(capacity) {}
  std::vector<std::uint8_t> buf;
  std::size_t len = 0;
  [[nodiscard]] std::span<std::uint8_t> room() { return std::span(buf).subspan(len); }
  [[nodiscard]] std::string text() const {
    return {reinterpret_cast<const char*>(buf.data()), len};
  }
};

// Moves ciphertext between client and server and drives both ends until a round moves and
// reads nothing. Plaintext lands in the sinks (or is dropped when a sink is null). Allocates
// nothing itself.
class Pump {
 public:
  Pump(TlsSession& client, ServerConn& server, Sink* client_sink = nullptr,
       Sink* server_sink = nullptr)
      : client_(client), server_(server), client_sink_(client_sink), server_sink_(server_sink) {}

  // False if the bound was hit (something keeps moving forever).
  bool run(int max_rounds = 10'000) {
    for (int round = 0; round < max_rounds; ++round) {
      std::size_t moved = move_bytes();
      moved += drive_server();
      moved += drive_client();
      if (moved == 0 && client_.pending_ciphertext_bytes() == 0 &&
          BIO_ctrl_pending(server_.net()) == 0) {
        return true;
      }
    }
    return false;
  }

  // The last result of each side's read / handshake step.
  TlsStatus client_status = TlsStatus::WantRead;
  int server_status = SSL_ERROR_NONE;
  unsigned long server_error = 0;      // the server's first OpenSSL error, if it failed
  std::size_t max_client_pending = 0;  // most ciphertext seen waiting in the client's outbox

 private:
  std::size_t move_bytes() {
    std::size_t moved = 0;
    max_client_pending = std::max(max_client_pending, client_.pending_ciphertext_bytes());
    for (;;) {  // client -> server
      const auto out = client_.pending_ciphertext();
      if (out.empty()) break;
      const int n = BIO_write(server_.net(), out.data(), static_cast<int>(out.size()));
      if (n <= 0) break;
      client_.consume_ciphertext(static_cast<std::size_t>(n));
      moved += static_cast<std::size_t>(n);
    }
    for (;;) {  // server -> client
      char* p = nullptr;
      const int avail = BIO_nread0(server_.net(), &p);
      if (avail <= 0) break;
      const std::size_t n = client_.feed_ciphertext(
          {reinterpret_cast<const std::uint8_t*>(p), static_cast<std::size_t>(avail)});
      if (n == 0) break;
      BIO_nread(server_.net(), &p, static_cast<int>(n));
      moved += n;
    }
    return moved;
  }

  std::size_t drive_server() {
    SSL* ssl = server_.ssl();
    if (SSL_is_init_finished(ssl) != 1) {
      ERR_clear_error();
      const int rc = SSL_do_handshake(ssl);
      server_status = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc);
      note_server_error();
      if (rc != 1) return 0;
    }
    std::size_t got = 0;
    for (;;) {
      std::span<std::uint8_t> room =
          server_sink_ != nullptr ? server_sink_->room() : std::span<std::uint8_t>(scratch_);
      if (room.empty()) break;
      std::size_t n = 0;
      ERR_clear_error();
      const int rc = SSL_read_ex(ssl, room.data(), room.size(), &n);
      if (rc != 1) {
        server_status = SSL_get_error(ssl, rc);
        note_server_error();
        break;
      }
      server_status = SSL_ERROR_NONE;
      if (server_sink_ != nullptr) server_sink_->len += n;
      got += n;
    }
    return got;
  }

  void note_server_error() {
    if (server_status == SSL_ERROR_SSL && server_error == 0) server_error = ERR_peek_error();
    ERR_clear_error();
  }

  std::size_t drive_client() {
    std::span<std::uint8_t> room =
        client_sink_ != nullptr ? client_sink_->room() : std::span<std::uint8_t>(scratch_);
    const TlsIoResult r = client_.read_plaintext(room);
    client_status = r.status;
    if (client_sink_ != nullptr) client_sink_->len += r.bytes;
    return r.bytes;
  }

  TlsSession& client_;
  ServerConn& server_;
  Sink* client_sink_;
  Sink* server_sink_;
  std::array<std::uint8_t, 16 * 1024> scratch_{};
};

// start() and pump to the end of the handshake (or its failure).
TlsStatus connect(TlsSession& client, ServerConn& server, std::string_view host,
                  std::uint16_t port = kPort) {
  const TlsStatus st = client.start(host, port);
  if (st == TlsStatus::Error) return st;
  Pump pump(client, server);
  if (!pump.run()) return TlsStatus::Error;
  if (client.error() != TlsError::None) return TlsStatus::Error;
  return client.handshake_done() ? TlsStatus::Ok : pump.client_status;
}

// Client writes everything, pumping whenever the outbox is full. False if it never fits.
bool client_write_all(TlsSession& client, Pump& pump, std::span<const std::uint8_t> data) {
  std::size_t off = 0;
  for (int guard = 0; off < data.size() && guard < 100'000; ++guard) {
    const TlsIoResult r = client.write_plaintext(data.subspan(off));
    off += r.bytes;
    if (r.status == TlsStatus::Error || r.status == TlsStatus::Closed) return false;
    if (r.status != TlsStatus::Ok) pump.run();
  }
  return off == data.size() && pump.run();
}

// Server writes everything (OpenSSL's retry rule: the same remaining bytes after WANT_WRITE).
bool server_write_all(ServerConn& server, Pump& pump, std::span<const std::uint8_t> data) {
  std::size_t off = 0;
  for (int guard = 0; off < data.size() && guard < 100'000; ++guard) {
    std::size_t n = 0;
    ERR_clear_error();
    const int rc = SSL_write_ex(server.ssl(), data.data() + off, data.size() - off, &n);
    if (rc == 1) {
      off += n;
      continue;
    }
    if (SSL_get_error(server.ssl(), rc) != SSL_ERROR_WANT_WRITE) return false;
    pump.run();
  }
  return off == data.size() && pump.run();
}

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = seed;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// ---------------------------------------------------------------------------------------------

TEST(TlsSetup, OpenSslAllocationHooksInstalled) {
  // Without them the zero-allocation checks below would only see operator new.
  EXPECT_TRUE(g_openssl_hooks_installed);
}

TEST(TlsHandshake, CompletesAndExchangesDataBothWays) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);

  EXPECT_FALSE(client.started());
  ASSERT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
  EXPECT_GT(client.pending_ciphertext_bytes(), 0u) << "the ClientHello waits in the outbox";
  EXPECT_FALSE(client.handshake_done());
  // Writing before the handshake is done takes nothing and says why.
  const TlsIoResult early = client.write_plaintext(bytes_of("too early"));
  EXPECT_EQ(early.bytes, 0u);
  EXPECT_EQ(early.status, TlsStatus::WantRead);

  Sink client_rx(1024), server_rx(1024);
  Pump pump(client, sc, &client_rx, &server_rx);
  ASSERT_TRUE(pump.run());
  ASSERT_TRUE(client.handshake_done()) << client.error_reason();
  EXPECT_EQ(client.handshake(), TlsStatus::Ok);
  EXPECT_EQ(client.protocol_version(), "TLSv1.3");
  EXPECT_FALSE(client.cipher().empty());
  EXPECT_FALSE(client.resumed());
  EXPECT_EQ(client.error(), TlsError::None);
  EXPECT_TRUE(client.error_reason().empty());
  EXPECT_TRUE(client.alpn_protocol().empty());

  const TlsIoResult w = client.write_plaintext(bytes_of("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(w.status, TlsStatus::Ok);
  EXPECT_EQ(w.bytes, 18u);
  ASSERT_TRUE(server_write_all(sc, pump, bytes_of("HTTP/1.1 200 OK\r\n\r\n")));
  ASSERT_TRUE(pump.run());
  EXPECT_EQ(server_rx.text(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(client_rx.text(), "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(pump.client_status, TlsStatus::WantRead);
}

struct VersionCase {
  const char* name;
  TlsVersion max_version;
  const char* ciphers_tls12;  // client and server
  const char* ciphersuites_tls13;
  const char* expect_version;
  std::uint64_t max_allocs_per_record_written;  // OpenSSL 3.0's, see SteadyStateAllocations
  std::uint64_t max_allocs_per_record_read;
};

[[maybe_unused]] void PrintTo(const VersionCase& c, std::ostream* os) { *os << c.name; }

class TlsVersions : public ::testing::TestWithParam<VersionCase> {
 protected:
  TlsConfig client_config() const {
    TlsConfig c = trusting_config();
    c.max_version = GetParam().max_version;
    if (GetParam().ciphers_tls12 != nullptr) c.cipher_list_tls12 = GetParam().ciphers_tls12;
    if (GetParam().ciphersuites_tls13 != nullptr) {
      c.ciphersuites_tls13 = GetParam().ciphersuites_tls13;
    }
    return c;
  }
  ServerOptions server_options() const {
    ServerOptions o;
    o.ciphers_tls12 = GetParam().ciphers_tls12;
    o.ciphersuites_tls13 = GetParam().ciphersuites_tls13;
    return o;
  }
};

TEST_P(TlsVersions, MegabyteEachWayInChunks) {
  TlsContext ctx(client_config());
  Server server(server_options());
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(client.protocol_version(), GetParam().expect_version);

  constexpr std::size_t kSize = std::size_t{1} << 20;
  const std::vector<std::uint8_t> up = pattern(kSize, 1);
  const std::vector<std::uint8_t> down = pattern(kSize, 2);
  Sink client_rx(kSize), server_rx(kSize);
  Pump pump(client, sc, &client_rx, &server_rx);

  // Client -> server in odd-sized chunks, so records and ring wraps fall everywhere.
  constexpr std::size_t kChunk = 10'007;
  for (std::size_t off = 0; off < kSize; off += kChunk) {
    const std::size_t n = std::min(kChunk, kSize - off);
    ASSERT_TRUE(client_write_all(client, pump, std::span(up).subspan(off, n))) << off;
  }
  ASSERT_TRUE(pump.run());
  ASSERT_EQ(server_rx.len, kSize);
  EXPECT_TRUE(std::equal(up.begin(), up.end(), server_rx.buf.begin()));
  EXPECT_LE(pump.max_client_pending, kRing) << "the outbox is a fixed ring";

  // Server -> client, 1 MB in one SSL_write loop (64 records), read by the pump.
  ASSERT_TRUE(server_write_all(sc, pump, down));
  ASSERT_EQ(client_rx.len, kSize);
  EXPECT_TRUE(std::equal(down.begin(), down.end(), client_rx.buf.begin()));
  EXPECT_EQ(client.error(), TlsError::None);
}

// Steady state, after the handshake (and the tickets a TLS 1.3 server sends after it): this
// code allocates nothing; OpenSSL 3.0 allocates a few 40-byte blocks per RECORD (never per
// byte), freed before the call returns. Measured on the client's calls only, each direction on
// its own, through operator new and through OpenSSL's malloc hooks:
//   * write_plaintext: WPACKET bookkeeping in do_ssl3_write (2 per record), plus the TLS 1.3
//     AAD builder in tls13_enc (1): 3 per record in TLS 1.3, 2 in TLS 1.2 with AEAD suites.
//   * read_plaintext: TLS 1.3 the AAD builder (1 per record); TLS 1.2 AEAD nothing.
//   * CBC suites (off by default) add HMAC/digest contexts per record: 28 written, 26 read.
// No OpenSSL setting removes them (they are unconditional in libssl 3.0's record layer). The
// bounds below are the figures measured with Debian's OpenSSL 3.0; a newer OpenSSL that needs
// fewer passes, one that needs more fails here and must be looked at.
TEST_P(TlsVersions, SteadyStateAllocations) {
  ASSERT_TRUE(g_openssl_hooks_installed);
  TlsContext ctx(client_config());
  Server server(server_options());
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(client.protocol_version(), GetParam().expect_version);

  const std::vector<std::uint8_t> small = pattern(812, 3);     // a fill's WebSocket frame
  const std::vector<std::uint8_t> large = pattern(40'000, 4);  // three records
  Sink server_rx(64 * 1024);
  std::array<std::uint8_t, 64 * 1024> client_rx{};
  Pump pump(client, sc, nullptr, &server_rx);
  // Warm-up: first records each way (per-thread error state, lazily set-up cipher contexts).
  ASSERT_TRUE(client_write_all(client, pump, small));
  ASSERT_TRUE(server_write_all(sc, pump, small));

  bool ok = true;
  std::uint64_t records = 0;
  std::uint64_t cxx_allocations = 0;
  std::uint64_t write_allocations = 0;
  std::uint64_t read_allocations = 0;
  for (int i = 0; i < 200; ++i) {
    const std::vector<std::uint8_t>& msg = (i % 4 == 3) ? large : small;
    records += (msg.size() + 16383) / 16384;

    // Client -> server: the client's write measured, the delivery not.
    std::uint64_t before = g_openssl_allocations.load();
    {
      const AllocationScope scope;
      const TlsIoResult w = client.write_plaintext(msg);
      cxx_allocations += scope.count();
      ok = ok && w.status == TlsStatus::Ok && w.bytes == msg.size();
    }
    write_allocations += g_openssl_allocations.load() - before;
    server_rx.len = 0;
    ok = ok && pump.run() && server_rx.len == msg.size() &&
         std::equal(msg.begin(), msg.end(), server_rx.buf.begin());

    // Server -> client: the server's write and the byte moves not measured, the client's
    // feed and reads measured.
    for (std::size_t off = 0, n = 0; ok && off < msg.size(); off += n) {  // partial writes
      ok = SSL_write_ex(sc.ssl(), msg.data() + off, msg.size() - off, &n) == 1;
    }
    before = g_openssl_allocations.load();
    {
      const AllocationScope scope;
      std::size_t got = 0;
      for (int round = 0; round < 100; ++round) {
        char* p = nullptr;
        const int avail = BIO_nread0(sc.net(), &p);
        if (avail > 0) {
          const std::size_t fed = client.feed_ciphertext(
              {reinterpret_cast<const std::uint8_t*>(p), static_cast<std::size_t>(avail)});
          BIO_nread(sc.net(), &p, static_cast<int>(fed));
        }
        const TlsIoResult r = client.read_plaintext(std::span(client_rx).subspan(got));
        got += r.bytes;
        if (r.status != TlsStatus::Ok && avail <= 0) break;
      }
      cxx_allocations += scope.count();
      ok = ok && got == msg.size() && std::equal(msg.begin(), msg.end(), client_rx.begin());
    }
    read_allocations += g_openssl_allocations.load() - before;
  }
  EXPECT_TRUE(ok);
  EXPECT_EQ(client.error(), TlsError::None);
  EXPECT_EQ(cxx_allocations, 0u);
  const double per_write = static_cast<double>(write_allocations) / static_cast<double>(records);
  const double per_read = static_cast<double>(read_allocations) / static_cast<double>(records);
  std::printf(
      "[ allocs   ] %s: %s, %llu records each way: OpenSSL mallocs per record "
      "written %.2f, read %.2f; operator new %llu\n",
      GetParam().name, std::string(client.cipher()).c_str(),
      static_cast<unsigned long long>(records), per_write, per_read,
      static_cast<unsigned long long>(cxx_allocations));
  RecordProperty("openssl_allocs_per_record_written", std::to_string(per_write));
  RecordProperty("openssl_allocs_per_record_read", std::to_string(per_read));
  EXPECT_LE(write_allocations, GetParam().max_allocs_per_record_written * records);
  EXPECT_LE(read_allocations, GetParam().max_allocs_per_record_read * records);
}

INSTANTIATE_TEST_SUITE_P(
    Tls, TlsVersions,
    ::testing::Values(
        VersionCase{"Tls13Default", TlsVersion::Tls13, nullptr, nullptr, "TLSv1.3", 3, 1},
        VersionCase{"Tls13ChaCha", TlsVersion::Tls13, nullptr, "TLS_CHACHA20_POLY1305_SHA256",
                    "TLSv1.3", 3, 1},
        VersionCase{"Tls12Default", TlsVersion::Tls12, nullptr, nullptr, "TLSv1.2", 2, 0},
        VersionCase{"Tls12ChaCha", TlsVersion::Tls12, "ECDHE-ECDSA-CHACHA20-POLY1305", nullptr,
                    "TLSv1.2", 2, 0},
        VersionCase{"Tls12AesCbc", TlsVersion::Tls12, "ECDHE-ECDSA-AES256-SHA384", nullptr,
                    "TLSv1.2", 28, 26}),
    [](const ::testing::TestParamInfo<VersionCase>& param_info) {
      return std::string(param_info.param.name);
    });

// ---- verification ---------------------------------------------------------------------------

TEST(TlsVerify, TrustedCaAndLocalhostSucceeds) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  EXPECT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(SSL_get_verify_result(client.native_handle()), X509_V_OK);
}

TEST(TlsVerify, HostnameMismatchIsAnError) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  EXPECT_EQ(connect(client, sc, "example.com"), TlsStatus::Error);
  EXPECT_EQ(client.error(), TlsError::CertificateVerify);
  EXPECT_TRUE(contains(client.error_reason(), "certificate verify failed"))
      << client.error_reason();
  EXPECT_TRUE(contains(client.error_reason(), "hostname mismatch")) << client.error_reason();
  EXPECT_FALSE(client.handshake_done());
  // Sticky: every later call says Error, nothing is decrypted or taken.
  std::array<std::uint8_t, 16> buf{};
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Error);
  EXPECT_EQ(client.write_plaintext(bytes_of("x")).status, TlsStatus::Error);
  EXPECT_EQ(client.handshake(), TlsStatus::Error);
  EXPECT_EQ(client.shutdown(), TlsStatus::Error);
  // The server got the client's fatal alert.
  EXPECT_EQ(SSL_is_init_finished(sc.ssl()), 0);
}

TEST(TlsVerify, Ipv4LiteralIsCheckedAgainstIpSans) {
  TlsContext ctx(trusting_config());
  Server server;
  {
    ServerConn sc(server);
    TlsSession client(ctx);
    EXPECT_EQ(connect(client, sc, "127.0.0.1"), TlsStatus::Ok) << client.error_reason();
  }
  {
    ServerConn sc(server);
    TlsSession client(ctx);
    EXPECT_EQ(connect(client, sc, "127.0.0.2"), TlsStatus::Error);
    EXPECT_EQ(client.error(), TlsError::CertificateVerify);
    EXPECT_TRUE(contains(client.error_reason(), "IP address mismatch")) << client.error_reason();
  }
}

TEST(TlsVerify, Ipv6LiteralWithAndWithoutBrackets) {
  TlsContext ctx(trusting_config());
  Server server;
  for (const char* host : {"::1", "[::1]", "0:0:0:0:0:0:0:1"}) {
    ServerConn sc(server);
    TlsSession client(ctx);
    EXPECT_EQ(connect(client, sc, host), TlsStatus::Ok) << host << ": " << client.error_reason();
    EXPECT_FALSE(server.sni_present) << host;
  }
}

TEST(TlsVerify, UntrustedSelfSignedIsAnError) {
  TlsConfig config;  // the system store: it does not hold the simulator's certificate
  ASSERT_EQ(config.trust, TlsTrust::SystemStore);
  ASSERT_TRUE(config.verify_peer);
  TlsContext ctx(config);
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
  Pump pump(client, sc);
  ASSERT_TRUE(pump.run());
  EXPECT_EQ(pump.client_status, TlsStatus::Error);
  EXPECT_EQ(client.error(), TlsError::CertificateVerify);
  EXPECT_TRUE(contains(client.error_reason(), "self-signed certificate")) << client.error_reason();
  // OpenSSL queued a fatal alert (unknown_ca) and the pump delivered it to the server.
  EXPECT_EQ(ERR_GET_REASON(pump.server_error), SSL_R_TLSV1_ALERT_UNKNOWN_CA);
  EXPECT_EQ(SSL_is_init_finished(sc.ssl()), 0);
}

TEST(TlsVerify, VerifyOffAcceptsAnyPeer) {
  TlsConfig config;
  config.verify_peer = false;
  TlsContext ctx(config);
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  EXPECT_EQ(connect(client, sc, "example.com"), TlsStatus::Ok) << client.error_reason();
}

// ---- SNI and ALPN -----------------------------------------------------------------------------

TEST(TlsSni, ServerReceivesTheHostName) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(server.sni_calls, 1);
  EXPECT_TRUE(server.sni_present);
  EXPECT_EQ(server.sni, "localhost");
}

TEST(TlsSni, NotSentForAnIpLiteral) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "127.0.0.1"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(server.sni_calls, 1) << "the callback runs for every ClientHello";
  EXPECT_FALSE(server.sni_present);
}

TEST(TlsAlpn, OffersHttp11WhenConfigured) {
  Server server({.alpn = true});
  {
    TlsConfig config = trusting_config();
    config.alpn_http11 = true;
    TlsContext ctx(config);
    ServerConn sc(server);
    TlsSession client(ctx);
    ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
    EXPECT_EQ(client.alpn_protocol(), "http/1.1");
  }
  {
    TlsContext ctx(trusting_config());  // not offered: none chosen, and no error
    ServerConn sc(server);
    TlsSession client(ctx);
    ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
    EXPECT_TRUE(client.alpn_protocol().empty());
  }
}

// ---- session resumption ---------------------------------------------------------------------

// First connection: full handshake; its session (TLS 1.2: at the handshake's end; TLS 1.3: the
// tickets that follow it, read by the pump) goes into the context's cache under host:port.
// Second connection to the same host:port: resumed.
void expect_resumption(TlsVersion version, const char* expect_version) {
  TlsConfig config = trusting_config();
  config.max_version = version;
  TlsContext ctx(config);
  Server server;
  {
    ServerConn sc(server);
    TlsSession first(ctx);
    ASSERT_EQ(connect(first, sc, "localhost"), TlsStatus::Ok) << first.error_reason();
    EXPECT_EQ(first.protocol_version(), expect_version);
    EXPECT_FALSE(first.resumed());
  }
  EXPECT_TRUE(ctx.has_session("localhost", kPort));
  EXPECT_EQ(ctx.cached_sessions(), 1u);
  {
    ServerConn sc(server);
    TlsSession second(ctx);
    ASSERT_EQ(connect(second, sc, "localhost"), TlsStatus::Ok) << second.error_reason();
    EXPECT_EQ(second.protocol_version(), expect_version);
    EXPECT_TRUE(second.resumed());
    EXPECT_TRUE(SSL_session_reused(sc.ssl()) == 1) << "the server agrees";
    // Data still flows on the resumed connection.
    Sink server_rx(64);
    Pump pump(second, sc, nullptr, &server_rx);
    ASSERT_TRUE(client_write_all(second, pump, bytes_of("ping")));
    EXPECT_EQ(server_rx.text(), "ping");
  }
  {
    // The same TlsSession object reused for a third connection resumes too.
    ServerConn sc1(server);
    ServerConn sc2(server);
    TlsSession s(ctx);
    ASSERT_EQ(connect(s, sc1, "localhost"), TlsStatus::Ok) << s.error_reason();
    EXPECT_TRUE(s.resumed());
    ASSERT_EQ(connect(s, sc2, "localhost"), TlsStatus::Ok) << s.error_reason();
    EXPECT_TRUE(s.resumed());
  }
}

TEST(TlsResumption, Tls13SecondSessionResumes) { expect_resumption(TlsVersion::Tls13, "TLSv1.3"); }

TEST(TlsResumption, Tls12SecondSessionResumes) { expect_resumption(TlsVersion::Tls12, "TLSv1.2"); }

TEST(TlsResumption, KeyedByHostAndPort) {
  TlsContext ctx(trusting_config());
  Server server;
  {
    ServerConn sc(server);
    TlsSession first(ctx);
    ASSERT_EQ(connect(first, sc, "localhost", 8443), TlsStatus::Ok) << first.error_reason();
  }
  EXPECT_TRUE(ctx.has_session("localhost", 8443));
  EXPECT_FALSE(ctx.has_session("localhost", 9443));
  EXPECT_FALSE(ctx.has_session("127.0.0.1", 8443));
  {
    ServerConn sc(server);
    TlsSession other_port(ctx);
    ASSERT_EQ(connect(other_port, sc, "localhost", 9443), TlsStatus::Ok);
    EXPECT_FALSE(other_port.resumed());
  }
  {
    ServerConn sc(server);
    TlsSession other_host(ctx);
    ASSERT_EQ(connect(other_host, sc, "127.0.0.1", 8443), TlsStatus::Ok);
    EXPECT_FALSE(other_host.resumed());
  }
  EXPECT_EQ(ctx.cached_sessions(), 3u);
  ctx.forget_session("localhost", 8443);
  EXPECT_FALSE(ctx.has_session("localhost", 8443));
  {
    ServerConn sc(server);
    TlsSession again(ctx);
    ASSERT_EQ(connect(again, sc, "localhost", 8443), TlsStatus::Ok);
    EXPECT_FALSE(again.resumed()) << "forgotten";
  }
  ctx.forget_all_sessions();
  EXPECT_EQ(ctx.cached_sessions(), 0u);
}

TEST(TlsResumption, DisabledNeverResumes) {
  TlsConfig config = trusting_config();
  config.session_resumption = false;
  TlsContext ctx(config);
  Server server;
  for (int i = 0; i < 2; ++i) {
    ServerConn sc(server);
    TlsSession client(ctx);
    ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
    EXPECT_FALSE(client.resumed());
  }
  EXPECT_EQ(ctx.cached_sessions(), 0u);
}

// ---- closing --------------------------------------------------------------------------------

TEST(TlsClose, PeerCloseNotifyIsClosedAfterTheData) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();

  Sink client_rx(64);
  Pump pump(client, sc, &client_rx, nullptr);
  ASSERT_TRUE(server_write_all(sc, pump, bytes_of("bye")));
  EXPECT_EQ(SSL_shutdown(sc.ssl()), 0);  // close_notify sent, the client's not yet received
  ASSERT_TRUE(pump.run());
  EXPECT_EQ(client_rx.text(), "bye");
  EXPECT_EQ(pump.client_status, TlsStatus::Closed);
  std::array<std::uint8_t, 16> buf{};
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Closed) << "and stays so";
  EXPECT_EQ(client.error(), TlsError::None);

  // Answering with ours completes the exchange.
  EXPECT_EQ(client.shutdown(), TlsStatus::Ok);
  EXPECT_GT(client.pending_ciphertext_bytes(), 0u);
  ASSERT_TRUE(pump.run());
  EXPECT_EQ(SSL_shutdown(sc.ssl()), 1);
}

TEST(TlsClose, ClientShutdownSendsCloseNotify) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(client.shutdown(), TlsStatus::Ok);
  Pump pump(client, sc);
  ASSERT_TRUE(pump.run());
  EXPECT_EQ(pump.server_status, SSL_ERROR_ZERO_RETURN);
  const TlsIoResult w = client.write_plaintext(bytes_of("late"));
  EXPECT_EQ(w.status, TlsStatus::Error) << "no writing after close_notify";
  EXPECT_EQ(w.bytes, 0u);
}

TEST(TlsClose, ShutdownBeforeHandshakeQueuesNothing) {
  TlsContext ctx(trusting_config());
  TlsSession client(ctx);
  ASSERT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
  client.consume_ciphertext(client.pending_ciphertext().size());
  EXPECT_EQ(client.shutdown(), TlsStatus::Ok);
  EXPECT_EQ(client.pending_ciphertext_bytes(), 0u);
}

TEST(TlsClose, EndOfStreamWithoutCloseNotifyIsUnexpectedEof) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();

  // Data that arrived before the end is still delivered.
  Sink client_rx(64);
  Pump pump(client, sc, &client_rx, nullptr);
  ASSERT_TRUE(server_write_all(sc, pump, bytes_of("partial")));
  EXPECT_EQ(client_rx.text(), "partial");
  client.feed_eof();
  std::array<std::uint8_t, 16> buf{};
  const TlsIoResult r = client.read_plaintext(buf);
  EXPECT_EQ(r.status, TlsStatus::Error);
  EXPECT_EQ(client.error(), TlsError::UnexpectedEof);
  EXPECT_TRUE(contains(client.error_reason(), "unexpected eof")) << client.error_reason();
  EXPECT_EQ(client.feed_ciphertext(bytes_of("more")), 0u) << "nothing after the end";
}

TEST(TlsClose, CloseNotifyThenEndOfStreamIsClosed) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  EXPECT_EQ(SSL_shutdown(sc.ssl()), 0);
  Pump pump(client, sc);
  ASSERT_TRUE(pump.run());
  client.feed_eof();
  std::array<std::uint8_t, 16> buf{};
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Closed);
  EXPECT_EQ(client.error(), TlsError::None);
}

// ---- bad input ------------------------------------------------------------------------------

TEST(TlsErrors, GarbageInsteadOfServerHelloIsAnError) {
  TlsContext ctx(trusting_config());
  TlsSession client(ctx);
  ASSERT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
  const std::string garbage = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(client.feed_ciphertext(bytes_of(garbage)), garbage.size());
  std::array<std::uint8_t, 64> buf{};
  const TlsIoResult r = client.read_plaintext(buf);
  EXPECT_EQ(r.status, TlsStatus::Error);
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_EQ(client.error(), TlsError::Protocol);
  EXPECT_FALSE(client.error_reason().empty());
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Error) << "sticky";
}

TEST(TlsErrors, RandomBytesInsteadOfServerHelloNeverCrash) {
  TlsContext ctx(trusting_config());
  const std::vector<std::uint8_t> noise = pattern(70'000, 7);  // more than the inbox holds
  for (std::uint32_t seed = 0; seed < 20; ++seed) {
    TlsSession client(ctx);
    ASSERT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
    const std::vector<std::uint8_t> bytes = pattern(1 + seed * 997, seed);
    std::size_t off = 0;
    TlsStatus last = TlsStatus::WantRead;
    std::array<std::uint8_t, 256> buf{};
    for (int i = 0; i < 100 && off < bytes.size(); ++i) {
      off += client.feed_ciphertext(std::span(bytes).subspan(off));
      last = client.read_plaintext(buf).status;
      if (last == TlsStatus::Error) break;
    }
    EXPECT_NE(last, TlsStatus::Ok) << seed;
    if (last == TlsStatus::Error) {
      EXPECT_FALSE(client.error_reason().empty()) << seed;
    }
  }
  TlsSession client(ctx);
  ASSERT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
  EXPECT_EQ(client.feed_ciphertext(noise), kRing) << "the inbox takes what fits";
  std::array<std::uint8_t, 256> buf{};
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Error);
}

TEST(TlsErrors, CorruptRecordAfterHandshakeIsAnError) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();
  // A well-formed application-data record header with a payload that is not ciphertext.
  std::vector<std::uint8_t> record = {0x17, 0x03, 0x03, 0x00, 0x40};
  const std::vector<std::uint8_t> body = pattern(0x40, 9);
  record.insert(record.end(), body.begin(), body.end());
  EXPECT_EQ(client.feed_ciphertext(record), record.size());
  std::array<std::uint8_t, 128> buf{};
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Error);
  EXPECT_EQ(client.error(), TlsError::Protocol);
  EXPECT_TRUE(contains(client.error_reason(), "bad record mac")) << client.error_reason();
}

TEST(TlsErrors, PeerAlertIsAnErrorWithItsName) {
  // The server only speaks TLS 1.3; a client capped at TLS 1.2 gets a protocol_version alert.
  TlsConfig config = trusting_config();
  config.max_version = TlsVersion::Tls12;
  TlsContext ctx(config);
  Server server;
  SSL_CTX_set_min_proto_version(server.ctx(), TLS1_3_VERSION);
  ServerConn sc(server);
  TlsSession client(ctx);
  EXPECT_EQ(connect(client, sc, "localhost"), TlsStatus::Error);
  EXPECT_EQ(client.error(), TlsError::Protocol);
  EXPECT_TRUE(contains(client.error_reason(), "alert protocol version")) << client.error_reason();
}

TEST(TlsErrors, CallsBeforeStartFail) {
  TlsContext ctx(trusting_config());
  TlsSession client(ctx);
  std::array<std::uint8_t, 8> buf{};
  EXPECT_EQ(client.feed_ciphertext(buf), 0u);
  EXPECT_TRUE(client.receive_area().empty());
  EXPECT_TRUE(client.pending_ciphertext().empty());
  EXPECT_EQ(client.pending_ciphertext_bytes(), 0u);
  client.consume_ciphertext(5);
  client.commit_received(5);
  client.feed_eof();
  EXPECT_FALSE(client.handshake_done());
  EXPECT_FALSE(client.resumed());
  EXPECT_TRUE(client.protocol_version().empty());
  EXPECT_TRUE(client.cipher().empty());
  EXPECT_EQ(client.read_plaintext(buf).status, TlsStatus::Error);
  EXPECT_EQ(client.error(), TlsError::NotStarted);
  // start() clears the failure.
  EXPECT_EQ(client.start("localhost", kPort), TlsStatus::WantRead);
  EXPECT_EQ(client.error(), TlsError::None);
}

TEST(TlsErrors, InvalidHostsAreRefused) {
  TlsContext ctx(trusting_config());
  TlsSession client(ctx);
  using namespace std::string_view_literals;
  const std::string too_long(300, 'a');
  for (const std::string_view host :
       {""sv, "local\0host"sv, "[]"sv, "[localhost]"sv, std::string_view(too_long)}) {
    EXPECT_EQ(client.start(host, kPort), TlsStatus::Error) << host.size();
    EXPECT_EQ(client.error(), TlsError::InvalidHost);
    EXPECT_FALSE(client.error_reason().empty());
  }
}

TEST(TlsContextTest, BadConfigurationThrowsWithOpenSslText) {
  TlsConfig missing;
  missing.trust = TlsTrust::CaFile;
  missing.ca_file = "/nonexistent/ca.pem";
  try {
    TlsContext ctx(missing);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "/nonexistent/ca.pem")) << e.what();
    EXPECT_TRUE(contains(e.what(), "No such file")) << e.what();
  }
  TlsConfig cipher;
  cipher.cipher_list_tls12 = "NOT-A-CIPHER";
  EXPECT_THROW(TlsContext{cipher}, std::runtime_error);
  TlsConfig tiny;
  tiny.bio_buffer_bytes = 100;
  EXPECT_THROW(TlsContext{tiny}, std::runtime_error);
  TlsConfig empty_file;
  empty_file.trust = TlsTrust::CaFile;
  EXPECT_THROW(TlsContext{empty_file}, std::runtime_error);
}

// ---- back-pressure and the zero-copy receive path -------------------------------------------

TEST(TlsBackpressure, WriteTakesWholeRecordsThatFitTheOutbox) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();

  const std::vector<std::uint8_t> big = pattern(std::size_t{1} << 20, 5);
  const TlsIoResult r = client.write_plaintext(big);
  EXPECT_EQ(r.status, TlsStatus::WantWrite);
  EXPECT_GT(r.bytes, 0u);
  EXPECT_LT(r.bytes, kRing);
  EXPECT_LE(client.pending_ciphertext_bytes(), kRing);
  // Nothing more fits until the socket takes some: nothing taken, no state left in OpenSSL.
  const TlsIoResult again = client.write_plaintext(std::span(big).subspan(r.bytes));
  EXPECT_EQ(again.status, TlsStatus::WantWrite);
  EXPECT_EQ(again.bytes, 0u);

  // The outbox drains through views (a ring: maybe two of them).
  std::size_t drained = 0;
  Sink server_rx(std::size_t{1} << 20);
  for (auto v = client.pending_ciphertext(); !v.empty(); v = client.pending_ciphertext()) {
    ASSERT_EQ(BIO_write(sc.net(), v.data(), static_cast<int>(v.size())),
              static_cast<int>(v.size()));
    drained += v.size();
    client.consume_ciphertext(v.size());
  }
  EXPECT_GT(drained, r.bytes) << "record overhead";
  EXPECT_EQ(client.pending_ciphertext_bytes(), 0u);
  Pump pump(client, sc, nullptr, &server_rx);
  ASSERT_TRUE(pump.run());
  ASSERT_TRUE(client_write_all(client, pump, std::span(big).subspan(r.bytes)));
  ASSERT_EQ(server_rx.len, big.size());
  EXPECT_TRUE(std::equal(big.begin(), big.end(), server_rx.buf.begin()));
}

TEST(TlsBackpressure, FeedTakesWhatFitsAndReadingFreesRoom) {
  TlsContext ctx(trusting_config());
  Server server;
  ServerConn sc(server);
  TlsSession client(ctx);
  ASSERT_EQ(connect(client, sc, "localhost"), TlsStatus::Ok) << client.error_reason();

  // 200 KB of server records, collected as raw ciphertext first.
  const std::vector<std::uint8_t> down = pattern(200'000, 6);
  std::vector<std::uint8_t> wire;
  for (std::size_t off = 0; off < down.size();) {
    std::size_t n = 0;
    ASSERT_EQ(SSL_write_ex(sc.ssl(), down.data() + off, down.size() - off, &n), 1);
    off += n;
    char* p = nullptr;
    for (int avail = BIO_nread0(sc.net(), &p); avail > 0; avail = BIO_nread0(sc.net(), &p)) {
      wire.insert(wire.end(), p, p + avail);
      BIO_nread(sc.net(), &p, avail);
    }
  }
  ASSERT_GT(wire.size(), 3 * kRing);

  Sink rx(down.size());
  std::size_t fed = client.feed_ciphertext(wire);
  EXPECT_EQ(fed, kRing) << "the inbox takes what fits";
  EXPECT_TRUE(client.receive_area().empty()) << "and is full";
  int rounds = 0;
  while (rx.len < down.size() && rounds++ < 1000) {
    // Half the time through the zero-copy area, half through the copying call.
    if (rounds % 2 == 0) {
      const std::span<std::uint8_t> area = client.receive_area();
      const std::size_t n = std::min(area.size(), wire.size() - fed);
      std::copy_n(wire.begin() + static_cast<std::ptrdiff_t>(fed), n, area.begin());
      client.commit_received(n);
      fed += n;
    } else {
      fed += client.feed_ciphertext(std::span(wire).subspan(fed));
    }
    const TlsIoResult r = client.read_plaintext(rx.room());
    rx.len += r.bytes;
    ASSERT_NE(r.status, TlsStatus::Error) << client.error_reason();
  }
  EXPECT_EQ(fed, wire.size());
  ASSERT_EQ(rx.len, down.size());
  EXPECT_TRUE(std::equal(down.begin(), down.end(), rx.buf.begin()));
}

TEST(TlsStatusNames, EveryEnumeratorHasAName) {
  for (const TlsStatus s : {TlsStatus::Ok, TlsStatus::WantRead, TlsStatus::WantWrite,
                            TlsStatus::Closed, TlsStatus::Error}) {
    EXPECT_NE(to_string(s), "unknown");
  }
  for (const TlsError e : {TlsError::None, TlsError::NotStarted, TlsError::InvalidHost,
                           TlsError::Resources, TlsError::CertificateVerify, TlsError::Protocol,
                           TlsError::UnexpectedEof, TlsError::Internal}) {
    EXPECT_NE(to_string(e), "unknown");
  }
}

}  // namespace
}  // namespace scalper::net
