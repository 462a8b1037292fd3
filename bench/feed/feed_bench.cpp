// feed_bench.cpp — the feed transport's codecs on one message, the way the feed thread sees
// them: a CoinDCX df-order-update frame (the event a fill arrives as) and its kin.
//
// BM_SocketIoDecode   Engine.IO packet → Socket.IO packet → event name and argument text, for
//   the 534-byte order-update frame, through EioSession::on_frame (the path the feed runs).
// BM_SocketIoEncode   a private-channel `join` emit written into a buffer.
// BM_WebSocketDecode  that frame as the server sends it (unmasked text frame, 16-bit length)
//   through FrameDecoder: header, limits, UTF-8 validation of the whole message, the view.
// BM_WebSocketEncode  the join emit as a masked client text frame (header + masking copy).
// BM_HttpResponseParse  the simulator's create-order reply (200, Content-Length, one order).
// BM_HttpRequestWrite   a signed create-order request, the body built in place first and the
//   head written in front of it (the order gateway's path; signing itself is not timed here).
// BM_LoopbackRtt/<0|1|2>  64 bytes out and back over loopback TCP to a blocking echo thread:
//   0 = a plain blocking client (send, then recv sleeping in the kernel), 3 = a non-blocking
//   client spinning on recv(MSG_DONTWAIT) (the floor of this machine's loopback for a
//   spinning thread), 1 = our EventLoop on io_uring, 2 = the epoll fallback, both
//   busy-spinning. Every round trip is timed; counters p50_ns, p99_ns, p999_ns from a
//   log-linear histogram. Ours minus the spinning floor is what the loop adds.
// BM_StreamRtt/<tls>/<client>  the same exchange through the Stream the feed's connections
//   use, plain and over TLS 1.3, beside a minimal blocking client (send/recv, or OpenSSL's
//   SSL_write/SSL_read on a blocking socket) doing the same: what our transport adds or saves.
//
// Items are messages; counter allocs_per_op is heap allocations per message, counted over
// 10,000 further calls outside the harness (target 0). Each benchmark checks its result once before
// timing; a failed check skips it with the reason and the executable exits 1 (CI runs it as a smoke
// test).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <scalper/net/engineio.hpp>
#include <scalper/net/http.hpp>
#include <scalper/net/websocket.hpp>

#include <cerrno>
#include <chrono>
#include <thread>

#include <openssl/ssl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include <scalper/net/event_loop.hpp>
#include <scalper/net/stream.hpp>
#include <scalper/net/tls.hpp>
#include <scalper/tls/tls_cert.hpp>
#include "alloc_counter.hpp"
#include "checked_bench.hpp"
#include "scalper/timing/histogram.hpp"

namespace scalper::bench {
namespace {

using timing::LogLinearHistogram;

// A filled order as the simulator (and, by the documented shape, CoinDCX) sends it: the
// envelope's data is JSON text inside a string, so every quote is escaped.
std::string order_update_frame() {
  const std::string inner =
      R"([{"id":"53305489-495e-4841-b74c-96ae9ef8abbe","pair":"B-ETH_USDT","side":"buy",)"
      R"("status":"filled","order_type":"limit_order","leverage":3.0,"fee_amount":0.0085,)"
      R"("price":3400.0,"avg_price":3400.0,"total_quantity":0.01,"remaining_quantity":0.0,)"
      R"("cancelled_quantity":0.0,"filled_quantity":0.01,"created_at":1795623474267,)"
      R"("updated_at":1795623474282,"display_message":"ETH limit buy order filled!",)"
      R"("margin_currency_short_name":"USDT"}])";
  std::string escaped;
  for (char c : inner) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return R"(42["df-order-update",{"event":"df-order-update","data":")" + escaped + "\"}]";
}

void BM_SocketIoDecode(benchmark::State& state) {
  const std::string frame = order_update_frame();
  using namespace scalper::net;
  EioSession session(EioVersion::V4, 0);
  (void)session.on_frame(
      R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
      0);
  (void)session.on_frame(R"(40{"sid":"x"})", 0);
  const EioStep check = session.on_frame(frame, 1);
  if (!check.event || check.message.name != "df-order-update" ||
      !check.message.args.starts_with(R"({"event":"df-order-update","data":"[{)") ||
      !check.message.args.ends_with(R"(}]"})")) {
    return fail(state, "the order-update frame did not decode to its event");
  }
  std::int64_t now = 1;
  for (auto _ : state) {
    const EioStep st = session.on_frame(frame, ++now);
    benchmark::DoNotOptimize(st.message.args.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
  state.counters["allocs_per_op"] = allocs_per_call([&] { (void)session.on_frame(frame, ++now); });
}
BENCHMARK(BM_SocketIoDecode);

void BM_SocketIoEncode(benchmark::State& state) {
  using namespace scalper::net;
  constexpr std::string_view kArg =
      R"({"channelName":"coindcx","authSignature":"c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989","apiKey":"sim-key"})";
  std::array<char, 256> buf{};
  const std::size_t n = encode_sio_event("join", kArg, buf);
  if (std::string_view(buf.data(), n) != std::string("42[\"join\",") + std::string(kArg) + "]") {
    return fail(state, "the join emit is not what socket.io expects");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(encode_sio_event("join", kArg, buf));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { (void)encode_sio_event("join", kArg, buf); });
}
BENCHMARK(BM_SocketIoEncode);

// The server's frame for `payload`: FIN, opcode text, no mask, minimal length.
std::vector<std::uint8_t> server_text_frame(std::string_view payload) {
  std::vector<std::uint8_t> f{0x81};
  if (payload.size() < 126) {
    f.push_back(static_cast<std::uint8_t>(payload.size()));
  } else {
    f.push_back(126);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

void BM_WebSocketDecode(benchmark::State& state) {
  using namespace scalper::net;
  const std::string text = order_update_frame();
  const std::vector<std::uint8_t> frame = server_text_frame(text);
  FrameDecoder decoder;
  const DecodeResult check = decoder.decode(frame);
  if (check.event != FrameEvent::Text || check.consumed != frame.size() || check.text() != text) {
    return fail(state, "the server frame did not decode to its text message");
  }
  for (auto _ : state) {
    const DecodeResult r = decoder.decode(frame);
    benchmark::DoNotOptimize(r.payload.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
  state.counters["allocs_per_op"] = allocs_per_call([&] { (void)decoder.decode(frame); });
}
BENCHMARK(BM_WebSocketDecode);

void BM_WebSocketEncode(benchmark::State& state) {
  using namespace scalper::net;
  constexpr std::string_view kJoin =
      R"(42["join",{"channelName":"coindcx","authSignature":"c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989","apiKey":"sim-key"}])";
  const std::span<const std::uint8_t> payload(reinterpret_cast<const std::uint8_t*>(kJoin.data()),
                                              kJoin.size());
  std::array<std::uint8_t, 512> out{};
  const std::size_t n = encode_frame(Opcode::Text, true, payload, 0x37fa213d, out);
  // 139 bytes: 2-byte header, 16-bit length, 4-byte key, then the masked payload.
  std::vector<std::uint8_t> unmasked(out.begin() + 8, out.begin() + static_cast<std::ptrdiff_t>(n));
  apply_mask(unmasked, 0x37fa213d);
  if (n != kJoin.size() + 8 || out[0] != 0x81 || (out[1] & 0x80) == 0 ||
      std::string_view(reinterpret_cast<const char*>(unmasked.data()), unmasked.size()) != kJoin) {
    return fail(state, "the client frame is not a masked text frame of the emit");
  }
  std::uint32_t key = 0x9e3779b9;
  for (auto _ : state) {
    key = key * 1664525u + 1013904223u;  // a fresh key per frame, as a client must
    benchmark::DoNotOptimize(encode_frame(Opcode::Text, true, payload, key, out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { (void)encode_frame(Opcode::Text, true, payload, key, out); });
}
BENCHMARK(BM_WebSocketEncode);

void BM_HttpResponseParse(benchmark::State& state) {
  using namespace scalper::net;
  const std::string body =
      R"([{"id":"53305489-495e-4841-b74c-96ae9ef8abbe","pair":"B-ETH_USDT","side":"buy",)"
      R"("status":"initial","order_type":"limit_order","leverage":3.0,"price":3400.0,)"
      R"("total_quantity":0.01,"remaining_quantity":0.01,"created_at":1795623474267}])";
  const std::string pristine =
      "HTTP/1.1 200 OK\r\nServer: scalper-sim\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string wire = pristine;
  ResponseParser parser;
  const HttpParseResult check = parser.parse(wire);
  if (!check.done() || parser.status() != 200 || parser.body() != body || !parser.keep_alive()) {
    return fail(state, "the create-order reply did not parse");
  }
  for (auto _ : state) {
    parser.reset();
    const HttpParseResult r = parser.parse(wire);
    benchmark::DoNotOptimize(r.consumed);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] = allocs_per_call([&] {
    parser.reset();
    (void)parser.parse(wire);
  });
}
BENCHMARK(BM_HttpResponseParse);

void BM_HttpRequestWrite(benchmark::State& state) {
  using namespace scalper::net;
  constexpr std::string_view kBody =
      R"({"timestamp":1761400000000,"order":{"side":"buy","pair":"B-ETH_USDT",)"
      R"("order_type":"limit_order","price":"3400.0","total_quantity":0.01,"leverage":3}})";
  const std::array<HttpHeader, 2> extra = {
      HttpHeader{"X-AUTH-APIKEY", "sim-key"},
      HttpHeader{"X-AUTH-SIGNATURE",
                 "1928512fa37f4053e5322e84c1a568b609484a517b3a7136bc92fa26be573717"}};
  HttpRequestHead head;
  head.target = "/exchange/v1/derivatives/futures/orders/create";
  head.host = "127.0.0.1:8420";
  head.extra = extra;
  std::array<char, 1024> buf{};
  RequestWriter writer(buf);
  auto write_once = [&]() {
    const std::span<char> area = writer.begin_body(384);
    std::memcpy(area.data(), kBody.data(), kBody.size());
    return writer.finish_body(head, kBody.size());
  };
  const HttpWriteResult check = write_once();
  const std::string_view msg(check.message.data(), check.message.size());
  if (!check.ok() || !msg.starts_with("POST /exchange/v1/derivatives/futures/orders/create") ||
      !msg.ends_with(kBody)) {
    return fail(state, "the create-order request was not written");
  }
  for (auto _ : state) {
    const HttpWriteResult r = write_once();
    benchmark::DoNotOptimize(r.message.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] = allocs_per_call([&] { (void)write_once(); });
}
BENCHMARK(BM_HttpRequestWrite);

// The round-trip benchmarks put the echo peer on CPU 1 and the client on CPU 0 (when the
// machine has two): unpinned, the scheduler sometimes runs a blocking client and its peer on
// one core, where a wake-up is a cheap hand-off, and the blocking figures swing by 10x between
// runs. Across cores is also what a real peer (another machine) looks like.
bool pin_to_cpu(unsigned cpu) {
  if (std::thread::hardware_concurrency() < 2) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Pins the calling (benchmark) thread to CPU 0 for its lifetime, then restores its mask.
class PinnedToCpu0 {
 public:
  PinnedToCpu0() {
    saved_ok_ = pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_) == 0;
    (void)pin_to_cpu(0);
  }
  ~PinnedToCpu0() {
    if (saved_ok_) pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_);
  }
  PinnedToCpu0(const PinnedToCpu0&) = delete;
  PinnedToCpu0& operator=(const PinnedToCpu0&) = delete;

 private:
  cpu_set_t saved_{};
  bool saved_ok_ = false;
};

// A blocking echo peer on its own thread for one connection: plain, or TLS (blocking OpenSSL, the
// simulator's self-signed certificate generator, TLS 1.3).
class EchoPeer {
 public:
  explicit EchoPeer(bool tls) : tls_(tls) {
    if (tls_) {
      const tls::SelfSignedCert cert = tls::generate_self_signed_cert(1);
      dir_ = make_temp_dir();
      ca_file_ = dir_ + "/cert.pem";
      (void)tls::write_cert_files(cert, dir_);
      ctx_ = SSL_CTX_new(TLS_server_method());
      SSL_CTX_use_certificate_chain_file(ctx_, ca_file_.c_str());
      SSL_CTX_use_PrivateKey_file(ctx_, (dir_ + "/key.pem").c_str(), SSL_FILETYPE_PEM);
    }
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 1);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    addr_ = a;
    thread_ = std::thread([this] {
      (void)pin_to_cpu(1);
      serve();
    });
  }
  ~EchoPeer() {
    thread_.join();
    ::close(listen_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (!dir_.empty()) {
      std::remove((dir_ + "/cert.pem").c_str());
      std::remove((dir_ + "/key.pem").c_str());
      ::rmdir(dir_.c_str());
    }
  }
  [[nodiscard]] const sockaddr_in& address() const noexcept { return addr_; }
  [[nodiscard]] const std::string& ca_file() const noexcept { return ca_file_; }

 private:
  static std::string make_temp_dir() {
    char tmpl[] = "/tmp/scalper-feed-bench-XXXXXX";
    return ::mkdtemp(tmpl) != nullptr ? std::string(tmpl) : std::string();
  }
  void serve() {
    const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    const int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[4096];
    if (!tls_) {
      for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;) {
        if (::send(c, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
    } else {
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;) {
          if (SSL_write(ssl, buf, n) != n) break;
        }
      }
      SSL_free(ssl);
    }
    ::close(c);
  }

  bool tls_;
  std::string dir_;
  std::string ca_file_;
  SSL_CTX* ctx_ = nullptr;
  int listen_ = -1;
  sockaddr_in addr_{};
  std::thread thread_;
};

struct RttHandler : scalper::net::IoHandler {
  int connected = 1, received = 0, sent = 0;
  void on_connect(int r) override { connected = r; }
  void on_recv(int r) override { received = r; }
  void on_send(int r) override { sent = r; }
};

void BM_LoopbackRtt(benchmark::State& state) {
  using namespace scalper::net;
  using Clock = std::chrono::steady_clock;
  const auto mode = state.range(0);
  const PinnedToCpu0 pinned;
  EchoPeer peer(/*tls=*/false);
  std::uint8_t out[64];
  std::uint8_t in[64];
  std::memset(out, 'x', sizeof out);
  LogLinearHistogram hist;
  std::string warning;
  std::unique_ptr<EventLoop> loop;
  RttHandler h;
  int fd = -1;
  const bool plain = mode == 0 || mode == 3;
  if (plain) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&peer.address()), sizeof(sockaddr_in)) !=
        0) {
      return fail(state, "blocking connect failed");
    }
  } else {
    LoopConfig cfg;
    cfg.idle = IdleStrategy::BusySpin;
    cfg.force_epoll = mode == 2;
    loop = EventLoop::create(cfg, warning);
    if (!loop || (mode == 1 && loop->backend() != IoBackend::IoUring)) {
      return fail(state, "io_uring is not available here");
    }
    fd = open_tcp_socket(AF_INET);
    loop->connect(fd, reinterpret_cast<const sockaddr*>(&peer.address()), sizeof(sockaddr_in), h);
    while (h.connected == 1) (void)loop->poll_once(0);
    if (h.connected != 0) return fail(state, "loop connect failed");
  }
  // One round trip; false on a short read or an error (the peer echoes 64 bytes at once on
  // loopback; a short read would be a broken assumption, checked).
  auto round_trip = [&]() -> bool {
    if (mode == 0) {
      if (::send(fd, out, sizeof out, MSG_NOSIGNAL) != sizeof out) return false;
      return ::recv(fd, in, sizeof in, MSG_WAITALL) == sizeof in;
    }
    if (mode == 3) {
      if (::send(fd, out, sizeof out, MSG_NOSIGNAL) != sizeof out) return false;
      ssize_t n = -1;
      while ((n = ::recv(fd, in, sizeof in, MSG_DONTWAIT)) < 0 && errno == EAGAIN) {
      }
      return n == sizeof in;
    }
    h.sent = h.received = 0;
    loop->send(fd, out, h);
    loop->recv(fd, in, h);
    while (h.received == 0 || h.sent == 0) (void)loop->poll_once(0);
    return h.sent == sizeof out && h.received == sizeof in;
  };
  for (int i = 0; i < 100; ++i) {
    if (!round_trip()) return fail(state, "a warm-up round trip failed");
  }
  for (auto _ : state) {
    const auto t0 = Clock::now();
    if (!round_trip()) {
      fail(state, "a round trip failed");
      break;
    }
    hist.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
  }
  ::shutdown(fd, SHUT_WR);
  if (!plain) {
    loop->recv(fd, in, h);
    h.received = 1;
    while (h.received > 0) (void)loop->poll_once(0);  // the peer's close
  }
  ::close(fd);
  state.counters["p50_ns"] = static_cast<double>(hist.quantile(0.5));
  state.counters["p99_ns"] = static_cast<double>(hist.quantile(0.99));
  state.counters["p999_ns"] = static_cast<double>(hist.quantile(0.999));
  state.SetLabel(mode == 0   ? "blocking"
                 : mode == 3 ? "spinning recv"
                 : mode == 1 ? "io_uring"
                             : "epoll");
}
BENCHMARK(BM_LoopbackRtt)->Arg(0)->Arg(3)->Arg(1)->Arg(2)->UseRealTime();

// ---- through the Stream: plain TCP and TLS, ours beside a minimal blocking client -----------

struct EchoCounter : net::StreamListener {
  std::size_t received = 0;
  bool open = false;
  bool closed = false;
  void on_stream_open() override { open = true; }
  std::size_t on_stream_data(std::span<std::uint8_t> data) override {
    received += data.size();
    return data.size();
  }
  void on_stream_closed(std::string_view) override { closed = true; }
};

// A minimal blocking client: a connected socket, and with TLS an OpenSSL SSL on it.
struct BlockingClient {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  bool connect(const sockaddr_in& to, bool tls, const std::string& ca_file) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return false;
    if (!tls) return true;
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    ssl = SSL_new(ctx);
    SSL_set1_host(ssl, "localhost");
    SSL_set_fd(ssl, fd);
    return SSL_connect(ssl) == 1;
  }
  bool round_trip(const std::uint8_t* out, std::uint8_t* in, int n) {
    if (ssl == nullptr) {
      if (::send(fd, out, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) return false;
      return ::recv(fd, in, static_cast<std::size_t>(n), MSG_WAITALL) == n;
    }
    if (SSL_write(ssl, out, n) != n) return false;
    for (int got = 0; got < n;) {
      const int r = SSL_read(ssl, in + got, n - got);
      if (r <= 0) return false;
      got += r;
    }
    return true;
  }
  ~BlockingClient() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
};

// BM_StreamRtt/<tls>/<client>: 64 bytes out and back to an echo thread, plain (tls=0) or TLS
// 1.3 (tls=1, AES-GCM both ways). client 0 = the minimal blocking client (send/recv or
// SSL_write/SSL_read sleeping in the kernel); 1 = our Stream on the io_uring loop, 2 = on the
// epoll loop, both busy-spinning. Percentiles of every round trip, as for BM_LoopbackRtt.
void BM_StreamRtt(benchmark::State& state) {
  using namespace scalper::net;
  using Clock = std::chrono::steady_clock;
  const bool tls = state.range(0) == 1;
  const auto client = state.range(1);
  const PinnedToCpu0 pinned;
  EchoPeer peer(tls);
  std::uint8_t out[64];
  std::uint8_t in[64];
  std::memset(out, 'x', sizeof out);
  LogLinearHistogram hist;
  BlockingClient blocking;
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<TlsContext> tls_context;
  std::unique_ptr<Stream> stream;
  EchoCounter echo;
  if (client == 0) {
    if (!blocking.connect(peer.address(), tls, peer.ca_file())) {
      return fail(state, "blocking client could not connect");
    }
  } else {
    LoopConfig cfg;
    cfg.idle = IdleStrategy::BusySpin;
    cfg.force_epoll = client == 2;
    std::string warning;
    loop = EventLoop::create(cfg, warning);
    if (!loop || (client == 1 && loop->backend() != IoBackend::IoUring)) {
      return fail(state, "io_uring is not available here");
    }
    if (tls) {
      TlsConfig tc;
      tc.trust = TlsTrust::CaFile;
      tc.ca_file = peer.ca_file();
      tls_context = std::make_unique<TlsContext>(tc);
    }
    stream =
        std::make_unique<Stream>(*loop, echo, tls_context.get(), StreamBuffers{1 << 16, 1 << 16});
    if (stream->open(peer.address(), "localhost", ntohs(peer.address().sin_port)) != 0) {
      return fail(state, "no socket");
    }
    while (!echo.open && !echo.closed) (void)loop->poll_once(0);
    if (!echo.open) return fail(state, "stream did not open");
  }
  auto round_trip = [&]() -> bool {
    if (client == 0) return blocking.round_trip(out, in, sizeof out);
    echo.received = 0;
    if (!stream->write(out)) return false;
    while (echo.received < sizeof out && !echo.closed) (void)loop->poll_once(0);
    return echo.received == sizeof out;
  };
  for (int i = 0; i < 100; ++i) {
    if (!round_trip()) return fail(state, "a warm-up round trip failed");
  }
  for (auto _ : state) {
    const auto t0 = Clock::now();
    if (!round_trip()) {
      fail(state, "a round trip failed");
      break;
    }
    hist.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
  }
  if (client != 0) {
    // Allocations per round trip of our client (the loop, the Stream, the TLS session's own
    // code; OpenSSL's internal mallocs are not operator new and are bounded in tls_test).
    state.counters["allocs_per_op"] = allocs_per_call([&] { (void)round_trip(); }, 1000);
    stream->close("done");
    while (!stream->quiescent()) (void)loop->poll_once(0);
  } else {
    state.counters["allocs_per_op"] = 0;  // not measured for the reference client
  }
  state.counters["p50_ns"] = static_cast<double>(hist.quantile(0.5));
  state.counters["p99_ns"] = static_cast<double>(hist.quantile(0.99));
  state.counters["p999_ns"] = static_cast<double>(hist.quantile(0.999));
  state.SetLabel(std::string(tls ? "tls1.3 " : "plain ") + (client == 0   ? "blocking"
                                                            : client == 1 ? "stream io_uring"
                                                                          : "stream epoll"));
}
BENCHMARK(BM_StreamRtt)
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({1, 2})
    ->UseRealTime();

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) { return scalper::bench::run_checked_benchmarks(argc, argv); }
