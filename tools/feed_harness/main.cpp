// scalper-feed-harness — the feed thread, the engine and the order gateway against scalper-sim
// (or anything speaking CoinDCX Futures), with bots whose prices the harness drives through
// fill cycles over the simulator's control API; then the tick-to-order histogram and the
// simulator's own wire-to-wire figure. With --null-responder, the engine is replaced by the
// floor: a loop that answers every fill frame with a canned, pre-signed create request.
//
// Exit status: 0 done, 1 a run that failed (no connection, cycles not completed in time),
// 2 bad arguments.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <simdjson.h>

#include <scalper/net/http_client.hpp>
#include <scalper/net/socketio_client.hpp>

#include "scalper/core/core_hooks.hpp"
#include "scalper/core/trading_core.hpp"
#include "scalper/feed/coindcx_requests.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::harness {
namespace {

constexpr std::string_view kUsage = R"(Usage: scalper-feed-harness --port N [options]

Runs scalper-core's feed thread, engine and order gateway against scalper-sim on 127.0.0.1
(start it first: scalper-sim --port N [--tls --cert-dir DIR]), creates bots on ETH/USDT
(quantity 0.01, buy 3400, sell 3410), and drives their fills: the price goes to 3399 (every
buy fills, every bot places its sell) and back to 3411 (every sell fills, every bot places its
next buy), --cycles times. Then it prints tick-to-order (the feed thread starting to decode a
fill frame -> the opposite order's request ready for the kernel, with its parts, and the
kernel call apart) and the simulator's wire-to-wire (fill frame written -> next create-order
request received).

Options:
  --port N           the simulator's port (required)
  --tls DIR          speak TLS, trusting DIR/cert.pem (the simulator's --cert-dir)
  --eio 3|4          Engine.IO version of the stream (default 4)
  --bots N           bots to create (default 1, at most 100)
  --cycles N         fill cycles to drive (default 50)
  --threads MODE     one, two or auto (default auto: one below 4 usable CPUs, as scalper-core)
  --busy-spin        the core's thread(s) busy-spin (benchmarks); default: spin, then park
  --engine-busy-spin only the engine thread (or the one thread) busy-spins; a feed thread
                     spins, then parks: for a machine with too few cores for both and the
                     simulator
  --feed-cpu N       pin the feed thread to CPU N (two-thread mode)
  --spin-polls N     empty polls before a spin-then-park thread parks (default 2000)
  --epoll            the epoll loop instead of io_uring (how a parked thread waits)
  --engine-cpu N     pin the engine thread (or the one thread) to CPU N
  --null-responder   no engine: answer each fill frame with a canned create request, on one
                     thread (pinned by --engine-cpu; the floor for wire-to-wire here)
  --rate-limit S,M   the gateway's request limits per second and minute (default 16,960,
                     the exchange's; give the simulator the same --rate-limit)
  --api-key K        (default sim-key)   --api-secret S (default sim-secret)
  --journal DIR      as scalper-core runs: every input journaled into DIR (a fresh
                     journal each run) before it is stepped, every step published to a
                     shared-memory segment, checkpoints; for tick-to-order with the core's
                     durability on against off (without it) in one session
  --help             this text
)";

struct Options {
  std::uint16_t port = 0;
  std::string cert_dir;
  net::EioVersion eio = net::EioVersion::V4;
  int bots = 1;
  int cycles = 50;
  feed::CoreThreads threads = feed::CoreThreads::Auto;
  bool busy_spin = false;
  bool engine_busy_spin = false;
  int spin_polls = 2000;
  bool epoll = false;
  int feed_cpu = -1;
  int engine_cpu = -1;
  bool null_responder = false;
  std::string api_key = "sim-key";
  std::string api_secret = "sim-secret";
  feed::RateLimits limits;
  std::string journal_dir;  // empty: no journal, no segment
};

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "scalper-feed-harness: %s\n(see --help)\n", why.c_str());
  std::exit(2);
}

int parse_int(std::string_view flag, const char* text, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) {
    usage_error(std::string(flag) + " needs a number from " + std::to_string(lo) + " to " +
                std::to_string(hi) + ", not '" + text + "'");
  }
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      std::exit(0);
    } else if (a == "--port") {
      o.port = static_cast<std::uint16_t>(parse_int(a, value(), 1, 65535));
    } else if (a == "--tls") {
      o.cert_dir = value();
    } else if (a == "--eio") {
      o.eio = parse_int(a, value(), 3, 4) == 3 ? net::EioVersion::V3 : net::EioVersion::V4;
    } else if (a == "--bots") {
      o.bots = parse_int(a, value(), 1, 100);
    } else if (a == "--cycles") {
      o.cycles = parse_int(a, value(), 1, 1'000'000);
    } else if (a == "--threads") {
      const std::string_view v = value();
      if (v == "one") {
        o.threads = feed::CoreThreads::One;
      } else if (v == "two") {
        o.threads = feed::CoreThreads::Two;
      } else if (v == "auto") {
        o.threads = feed::CoreThreads::Auto;
      } else {
        usage_error("--threads must be one, two or auto, not '" + std::string(v) + "'");
      }
    } else if (a == "--busy-spin") {
      o.busy_spin = true;
    } else if (a == "--engine-busy-spin") {
      o.engine_busy_spin = true;
    } else if (a == "--spin-polls") {
      o.spin_polls = parse_int(a, value(), 0, 100'000'000);
    } else if (a == "--epoll") {
      o.epoll = true;
    } else if (a == "--feed-cpu") {
      o.feed_cpu = parse_int(a, value(), 0, 1023);
    } else if (a == "--engine-cpu") {
      o.engine_cpu = parse_int(a, value(), 0, 1023);
    } else if (a == "--null-responder") {
      o.null_responder = true;
    } else if (a == "--rate-limit") {
      const std::string v = value();
      const auto comma = v.find(',');
      if (comma == std::string::npos) usage_error("--rate-limit needs S,M (per second,per minute)");
      o.limits.per_second =
          static_cast<std::uint32_t>(parse_int(a, v.substr(0, comma).c_str(), 1, 1'000'000));
      o.limits.per_minute =
          static_cast<std::uint32_t>(parse_int(a, v.substr(comma + 1).c_str(), 1, 60'000'000));
    } else if (a == "--api-key") {
      o.api_key = value();
    } else if (a == "--api-secret") {
      o.api_secret = value();
    } else if (a == "--journal") {
      o.journal_dir = value();
    } else {
      usage_error("unknown option '" + std::string(a) + "'");
    }
  }
  if (o.port == 0) usage_error("--port is required");
  return o;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::unique_ptr<net::TlsContext> tls_for(const Options& o) {
  if (o.cert_dir.empty()) return nullptr;
  net::TlsConfig c;
  c.trust = net::TlsTrust::CaFile;
  c.ca_file = o.cert_dir + "/cert.pem";
  return std::make_unique<net::TlsContext>(c);
}

// The simulator's control API, one blocking request at a time, on a loop of its own.
class Control final : private net::HttpClientListener {
 public:
  explicit Control(const Options& o)
      : tls_(tls_for(o)), host_("localhost:" + std::to_string(o.port)) {
    std::string warning;
    loop_ = net::EventLoop::create(net::LoopConfig{}, warning);
    net::HttpClientConfig c;
    c.address = loopback(o.port);
    c.tls = tls_.get();
    c.tls_host = "localhost";
    client_ =
        std::make_unique<net::HttpClient>(*loop_, c, static_cast<net::HttpClientListener&>(*this));
    client_->start(timing::mono_ms());
  }
  ~Control() {
    client_->stop();
    const std::int64_t end = timing::mono_ms() + 2'000;
    while (!client_->quiescent() && timing::mono_ms() < end) (void)loop_->poll_once(1'000'000);
  }

  // The status and body of METHOD path, or nullopt when there was no answer within 5 s.
  std::optional<std::pair<unsigned, std::string>> call(std::string_view method,
                                                       std::string_view path,
                                                       std::string_view body = {}) {
    if (!run_until([&] { return client_->ready(); })) return std::nullopt;
    net::RequestWriter w(client_->request_buffer());
    net::HttpRequestHead head;
    head.method = method;
    head.target = path;
    head.host = host_;
    const net::HttpWriteResult req = w.write(head, body);
    if (!req.ok()) return std::nullopt;
    return exchange(req.message);
  }

  // A signed exchange request written by `write` into the request buffer.
  std::optional<std::pair<unsigned, std::string>> call_signed(
      const std::function<feed::SignedRequest(std::span<char>)>& write) {
    if (!run_until([&] { return client_->ready(); })) return std::nullopt;
    const feed::SignedRequest r = write(client_->request_buffer());
    if (!r.ok()) return std::nullopt;
    return exchange(r.message);
  }

 private:
  std::optional<std::pair<unsigned, std::string>> exchange(std::span<const char> request) {
    answer_.reset();
    failed_ = false;
    if (!client_->send(request, 0, 5'000, timing::mono_ms())) return std::nullopt;
    if (!run_until([&] { return answer_.has_value() || failed_; })) return std::nullopt;
    return answer_;
  }

  bool run_until(const std::function<bool()>& done) {
    const std::int64_t end = timing::mono_ms() + 5'000;
    while (!done()) {
      if (timing::mono_ms() > end) return false;
      client_->tick(timing::mono_ms());
      (void)loop_->poll_once(1'000'000);
    }
    return true;
  }
  void on_http_ready() override {}
  void on_http_response(std::uint64_t, const net::ResponseParser& r) override {
    answer_.emplace(r.status(), std::string(r.body()));
  }
  void on_http_failure(std::uint64_t, net::HttpFailure, std::string_view) override {
    failed_ = true;
  }

  std::unique_ptr<net::TlsContext> tls_;
  std::string host_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<net::HttpClient> client_;
  std::optional<std::pair<unsigned, std::string>> answer_;
  bool failed_ = false;
};

bool set_price(Control& control, std::string_view price) {
  const auto r = control.call("POST", "/sim/price",
                              R"({"pair":"B-ETH_USDT","price":")" + std::string(price) + "\"}");
  return r && r->first == 200;
}

void print_latency(std::string_view what, std::vector<std::int64_t> ns) {
  if (ns.empty()) {
    std::printf("%.*s: no samples\n", static_cast<int>(what.size()), what.data());
    return;
  }
  std::sort(ns.begin(), ns.end());
  auto q = [&](double p) {
    const auto i = static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1));
    return static_cast<double>(ns[i]) / 1'000.0;
  };
  std::printf("%.*s: %zu samples, p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.2f us\n",
              static_cast<int>(what.size()), what.data(), ns.size(), q(0.5), q(0.99), q(0.999),
              static_cast<double>(ns.back()) / 1'000.0);
}

// Counts what the engine did, for the driver thread to wait on.
// The simulator's raw latency samples of ETH/USDT (GET /sim/latency/samples:
// {"unit":"ns","pairs":{"B-ETH_USDT":[[written,received],...]}}) as (written, received);
// empty when the answer is not that shape.
std::vector<std::pair<std::int64_t, std::int64_t>> parse_raw_latency(std::string_view json) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array pairs;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc["pairs"]["B-ETH_USDT"].get_array().get(pairs) != simdjson::SUCCESS) {
    return {};
  }
  for (auto pair : pairs) {
    std::int64_t v[2];
    std::size_t n = 0;
    simdjson::ondemand::array a;
    if (pair.get_array().get(a) != simdjson::SUCCESS) return {};
    for (auto x : a) {
      if (n == 2 || x.get_int64().get(v[n]) != simdjson::SUCCESS) return {};
      ++n;
    }
    if (n != 2) return {};
    out.emplace_back(v[0], v[1]);
  }
  return out;
}

// Where each sampled fill's wire-to-wire time went, stage by stage, on one clock: our samples
// carry when decoding began, the simulator's when it wrote the fill frame and when it read
// the next create. A sample is matched to the first create the simulator read after our
// request was ready (within 10 ms). Unmatched samples are counted (the simulator pairs a fill
// with the next create of its pair, whoever sent it).
// Two stamps can come out of order on loopback, where a write call runs the receiver's TCP
// inline and the two programs run on two CPUs: the simulator stamps "written" when its write
// call has returned, which can be after we decoded the frame and had our request ready (stage
// 1 then counts as 0), and it can read our request before our submit call is back (stage 5
// then counts as 0). Neither is a reason to drop the sample: requiring the fill's stamp to
// come before our request, as this once did, matched 0 of 12 samples one run in fifteen.
void print_stages(const std::vector<feed::TickToOrderSample>& samples,
                  std::vector<std::pair<std::int64_t, std::int64_t>> raw) {
  std::sort(raw.begin(), raw.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  std::vector<std::int64_t> wake, decode, engine, submit, after;
  for (const auto& s : samples) {
    const std::int64_t ready = s.seen_at + s.total;
    const std::int64_t submitted = ready + s.submit;
    const auto it = std::lower_bound(raw.begin(), raw.end(), ready,
                                     [](const std::pair<std::int64_t, std::int64_t>& p,
                                        std::int64_t t) { return p.second < t; });
    if (it == raw.end() || it->second - ready > 10'000'000) continue;
    wake.push_back(std::max<std::int64_t>(s.seen_at - it->first, 0));
    decode.push_back(s.queue);
    engine.push_back(s.engine);
    submit.push_back(s.submit);
    after.push_back(std::max<std::int64_t>(it->second - submitted, 0));
  }
  std::printf("stages, matched %zu of %zu samples:\n", wake.size(), samples.size());
  print_latency("  stage 1, the simulator wrote the fill frame -> our thread decodes it", wake);
  print_latency("  stage 2, decode, queue hop, engine picks it up", decode);
  print_latency("  stage 3, engine step, request written, signed, queued", engine);
  print_latency("  stage 4, the kernel call that submits the request", submit);
  print_latency("  stage 5, our submit returned -> the simulator read the request", after);
}

struct Progress {
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> accepted{0};  // orders that became Open (exchange id known)
  std::atomic<std::uint64_t> reconciled{0};
};

bool wait_for(const std::function<bool()>& done, std::int64_t within_ms) {
  const std::int64_t end = timing::mono_ms() + within_ms;
  while (!done()) {
    if (timing::mono_ms() > end) return false;
    // The driver is not measured, and on a small machine every core it spins on is one the
    // measured threads or the simulator lack: it polls at 100 us.
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

// A fresh market and an empty latency histogram for this run.
bool reset_simulator(Control& control) {
  const auto r = control.call("POST", "/sim/reset", "{}");
  if (!r || r->first != 200) {
    std::fprintf(stderr,
                 "scalper-feed-harness: POST /sim/reset failed (is scalper-sim on --port?)\n");
    return false;
  }
  return true;
}

// --journal: the core process's journal, checkpoints and shared-memory publishing around the
// TradingCore (core_hooks.hpp), as scalper-core wires them, with a fresh journal directory and
// a segment of this process's own; the log goes nowhere (the harness prints its own lines).
class Durability {
 public:
  Durability(const std::string& dir, const EngineConfig& engine)
      : shm_name_("scalper-harness-" + std::to_string(::getpid())) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    config_.core.data_dir = dir;
    core::JournalStoreConfig jc;
    jc.dir = std::filesystem::path(dir) / "journal";
    jc.engine = engine;
    core::JournalRecovery recovery;
    std::string why;
    journal_ = core::JournalStore::open(jc, recovery, why);
    if (journal_) {
      checkpoints_ = core::CheckpointStore::open(
          {std::filesystem::path(dir) / "checkpoints", 2, {}}, nullptr, why);
    }
    if (!journal_ || !checkpoints_) {
      std::fprintf(stderr, "scalper-feed-harness: --journal %s: %s\n", dir.c_str(), why.c_str());
      return;
    }
    core::LoggerOptions lo;
    lo.fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    lo.close_fd = true;
    logger_.emplace(lo);
    logger_->start();
    channel_.emplace(shm::CoreChannel::open(shm_name_, shm::SchemaConfig{}, 1,
                                            static_cast<std::uint64_t>(timing::mono_ns())));
    hooks_.emplace(config_, *journal_, *checkpoints_, logger_->producer());
  }
  ~Durability() {
    hooks_.reset();
    publisher_.reset();
    channel_.reset();
    shm::Segment::remove(shm_name_);
  }
  [[nodiscard]] bool ok() const { return hooks_.has_value(); }
  core::CoreHooks& hooks() { return *hooks_; }
  void bind(const Engine& engine) {
    publisher_.emplace(*channel_, engine, core::ShmPublisherConfig{});
    hooks_->bind(engine, *publisher_, /*first_start=*/true, Recovered{}, 0);
  }

 private:
  std::string shm_name_;
  core::CoreConfig config_;
  std::unique_ptr<core::JournalStore> journal_;
  std::unique_ptr<core::CheckpointStore> checkpoints_;
  std::optional<core::Logger> logger_;
  std::optional<shm::CoreChannel> channel_;
  std::optional<core::ShmPublisher> publisher_;
  std::optional<core::CoreHooks> hooks_;
};

int run_core(const Options& o) {
  Control control(o);
  if (!reset_simulator(control)) return 1;
  const auto stream_tls = tls_for(o);
  const auto rest_tls = tls_for(o);
  Progress progress;
  feed::TradingCoreConfig cfg;
  cfg.threads = o.threads;
  auto& s = cfg.stream;
  s.socketio.address = loopback(o.port);
  s.socketio.host = "localhost:" + std::to_string(o.port);
  s.socketio.tls = stream_tls.get();
  s.socketio.version = o.eio;
  s.api_key = o.api_key;
  s.api_secret = o.api_secret;
  Symbol eth;
  (void)eth.try_assign("ETH/USDT");
  s.tickers = {eth};
  auto& g = cfg.gateway;
  g.http.address = loopback(o.port);
  g.http.tls = rest_tls.get();
  g.http.tls_host = "localhost";
  g.host = s.socketio.host;
  g.api_key = o.api_key;
  g.api_secret = o.api_secret;
  g.limits = o.limits;
  cfg.feed_loop.idle = o.busy_spin ? net::IdleStrategy::BusySpin : net::IdleStrategy::SpinThenPark;
  cfg.engine_loop.idle = o.busy_spin || o.engine_busy_spin ? net::IdleStrategy::BusySpin
                                                           : net::IdleStrategy::SpinThenPark;
  cfg.feed_loop.spin_polls = cfg.engine_loop.spin_polls = static_cast<std::uint32_t>(o.spin_polls);
  cfg.feed_loop.force_epoll = cfg.engine_loop.force_epoll = o.epoll;
  cfg.feed_cpu = o.feed_cpu;
  cfg.engine_cpu = o.engine_cpu;
  cfg.log = [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };
  cfg.on_action = [&progress](const Action& a) {
    if (std::holds_alternative<FillApplied>(a)) progress.fills.fetch_add(1);
    if (const auto* c = std::get_if<OrderChanged>(&a);
        c != nullptr && c->order.status == OrderStatus::Open && !c->order.exchange_id.empty()) {
      progress.accepted.fetch_add(1);
    }
    if (const auto* l = std::get_if<ActivityLog>(&a);
        l != nullptr && l->kind == LogKind::Reconciled) {
      progress.reconciled.fetch_add(1);
    }
  };
  std::optional<Durability> durability;
  if (!o.journal_dir.empty()) {
    durability.emplace(o.journal_dir, cfg.engine);
    if (!durability->ok()) return 1;
    cfg.hooks = &durability->hooks();
  }
  feed::TradingCore core(std::move(cfg));
  if (durability) durability->bind(core.engine());
  core.start();
  int status = 0;
  const auto bots = static_cast<std::uint64_t>(o.bots);
  if (!set_price(control, "3405") ||
      !wait_for([&] { return progress.reconciled.load() > 0; }, 15'000)) {
    std::fprintf(stderr, "scalper-feed-harness: no stream or no reconciliation within 15 s\n");
    status = 1;
  }
  for (int b = 0; status == 0 && b < o.bots; ++b) {
    CreateBot c;
    c.cmd_id = static_cast<std::uint64_t>(b) + 1;
    (void)c.params.ticker.try_assign("ETH/USDT");
    (void)parse_decimal("0.01", c.params.quantity);
    (void)parse_decimal("3400", c.params.buy_price);
    (void)parse_decimal("3410", c.params.sell_price);
    c.params.leverage = 5;
    if (!core.submit(c)) status = 1;
  }
  if (status == 0 && !wait_for([&] { return progress.accepted.load() >= bots; }, 15'000)) {
    std::fprintf(stderr, "scalper-feed-harness: the bots' first orders were not accepted\n");
    status = 1;
  }
  std::uint64_t want = bots;
  const std::int64_t t0 = timing::mono_ms();
  for (int cycle = 0; status == 0 && cycle < o.cycles; ++cycle) {
    for (const std::string_view price : {"3399", "3411"}) {
      want += bots;
      if (!set_price(control, price) ||
          !wait_for([&] { return progress.accepted.load() >= want; }, 15'000)) {
        std::fprintf(stderr, "scalper-feed-harness: cycle %d stalled at price %.*s\n", cycle,
                     static_cast<int>(price.size()), price.data());
        if (const auto state = control.call("GET", "/sim/state")) {
          std::fprintf(stderr, "simulator state: %s\n", state->second.c_str());
        }
        status = 1;
        break;
      }
    }
    if (status == 0 && (cycle + 1) % 10 == 0) {
      std::fprintf(stderr, "\r%d/%d cycles", cycle + 1, o.cycles);
    }
  }
  const std::int64_t elapsed = timing::mono_ms() - t0;
  std::fprintf(stderr, "\n");
  core.stop();
  const auto& ss = core.stream_stats();
  const auto& gs = core.gateway_stats();
  std::printf(
      "stream: %llu joins, %llu events, %llu items, %llu unknown, %llu malformed, %llu dropped; "
      "gateway: %llu sent, %llu accepted, %llu rejected, %llu unknown outcomes\n",
      static_cast<unsigned long long>(ss.joins), static_cast<unsigned long long>(ss.events),
      static_cast<unsigned long long>(ss.items), static_cast<unsigned long long>(ss.unknown),
      static_cast<unsigned long long>(ss.malformed), static_cast<unsigned long long>(ss.dropped),
      static_cast<unsigned long long>(gs.sent), static_cast<unsigned long long>(gs.accepted),
      static_cast<unsigned long long>(gs.rejected), static_cast<unsigned long long>(gs.unknown));
  std::printf("%d bot(s), %d cycle(s) in %lld ms, %llu fills applied\n", o.bots, o.cycles,
              static_cast<long long>(elapsed),
              static_cast<unsigned long long>(progress.fills.load()));
  const auto& samples = core.tick_to_order();
  auto part = [&](std::int64_t feed::TickToOrderSample::*field) {
    std::vector<std::int64_t> v;
    v.reserve(samples.size());
    for (const auto& x : samples) v.push_back(x.*field);
    return v;
  };
  print_latency("tick-to-order", part(&feed::TickToOrderSample::total));
  print_latency("  decode + queue hop", part(&feed::TickToOrderSample::queue));
  print_latency("  engine + gateway", part(&feed::TickToOrderSample::engine));
  print_latency("the kernel call that submits it (apart)", part(&feed::TickToOrderSample::submit));
  if (core.stats().tick_to_order_deferred > 0) {
    std::printf(
        "  (%llu order(s) on a fill were held by the rate limit, a reconnect or a reconciliation: "
        "not sampled)\n",
        static_cast<unsigned long long>(core.stats().tick_to_order_deferred));
  }
  if (const auto lat = control.call("GET", "/sim/latency")) {
    std::printf("simulator wire-to-wire (GET /sim/latency): %s\n", lat->second.c_str());
  }
  if (const auto raw = control.call("GET", "/sim/latency/samples")) {
    print_stages(samples, parse_raw_latency(raw->second));
  }
  return status;
}

// The floor: one thread, the stream and one keep-alive connection; every fill frame is
// answered at once with a canned create request (a buy at 3300, which rests), re-signed once a
// second (the exchange refuses a timestamp older than 10 s). No codec, no engine. The driver
// places the resting buy at 3400 that each cycle's price drop fills.
class NullResponder final : private net::SocketIoListener, private net::HttpClientListener {
 public:
  explicit NullResponder(const Options& o)
      : writer_(o.api_key, o.api_secret, "localhost:" + std::to_string(o.port)),
        stream_tls_(tls_for(o)),
        rest_tls_(tls_for(o)) {
    std::string warning;
    net::LoopConfig lc;
    lc.idle = o.busy_spin || o.engine_busy_spin ? net::IdleStrategy::BusySpin
                                                : net::IdleStrategy::SpinThenPark;
    lc.spin_polls = static_cast<std::uint32_t>(o.spin_polls);
    lc.force_epoll = o.epoll;
    loop_ = net::EventLoop::create(lc, warning);
    net::SocketIoClientConfig sc;
    sc.address = loopback(o.port);
    sc.host = "localhost:" + std::to_string(o.port);
    sc.tls = stream_tls_.get();
    sc.version = o.eio;
    stream_ = std::make_unique<net::SocketIoClient>(*loop_, sc,
                                                    static_cast<net::SocketIoListener&>(*this));
    net::HttpClientConfig hc;
    hc.address = loopback(o.port);
    hc.tls = rest_tls_.get();
    hc.tls_host = "localhost";
    rest_ =
        std::make_unique<net::HttpClient>(*loop_, hc, static_cast<net::HttpClientListener&>(*this));
    (void)order_.symbol.try_assign("ETH/USDT");
    (void)parse_decimal("3300", order_.price);
    (void)parse_decimal("0.01", order_.quantity);
    order_.leverage = 5;
  }

  // Runs until `cycles` fills were answered or `stop` says so; returns the answers sent.
  std::uint64_t run(const std::function<bool()>& stop) {
    stream_->start(timing::mono_ms());
    rest_->start(timing::mono_ms());
    while (!stop()) {
      const std::int64_t now = timing::mono_ms();
      if (now >= resign_at_) resign(now);
      stream_->tick(now);
      rest_->tick(now);
      // At most 1 ms: the loop spins or parks by its strategy (--busy-spin, --spin-polls).
      (void)loop_->poll_once(1'000'000);
    }
    stream_->stop();
    rest_->stop();
    const std::int64_t end = timing::mono_ms() + 2'000;
    while ((!stream_->quiescent() || !rest_->quiescent()) && timing::mono_ms() < end) {
      (void)loop_->poll_once(1'000'000);
    }
    return answered_.load();
  }
  [[nodiscard]] bool joined() const noexcept { return joined_.load(); }
  [[nodiscard]] std::uint64_t answered() const noexcept { return answered_.load(); }
  // The last answer's response is in: the connection can take the next fill's answer.
  [[nodiscard]] bool idle() const noexcept { return !in_flight_.load(); }
  // Order updates seen: the private channel is live once one arrives (a join has no ack).
  [[nodiscard]] std::uint64_t order_events() const noexcept { return order_events_.load(); }

 private:
  void resign(std::int64_t now) {
    const feed::SignedRequest r = writer_.create_order(order_, timing::wall_ms(), canned_);
    canned_len_ = r.ok() ? static_cast<std::size_t>(r.message.data() - canned_.data()) : 0;
    canned_size_ = r.ok() ? r.message.size() : 0;
    resign_at_ = now + 1'000;
  }
  void send_canned() {
    if (canned_size_ == 0 || !rest_->ready()) return;
    const std::span<char> buf = rest_->request_buffer();
    std::memcpy(buf.data(), canned_.data() + canned_len_, canned_size_);
    if (rest_->send({buf.data(), canned_size_}, 0, 5'000, timing::mono_ms())) {
      in_flight_.store(true);
      answered_.fetch_add(1);
    }
  }

  void on_connected() override {
    (void)stream_->emit("join", writer_.private_join_argument());
    joined_.store(true);
  }
  void on_event(std::string_view name, std::string_view args) override {
    // The cheapest test that can tell a fill: the event name and the status field's text, as
    // the envelope's JSON-in-a-string escapes it (or inline, unescaped).
    if (name != "df-order-update") return;
    order_events_.fetch_add(1);
    if (args.find(R"(\"status\":\"filled\")") != std::string_view::npos ||
        args.find(R"("status":"filled")") != std::string_view::npos) {
      send_canned();
    }
  }
  void on_disconnected(std::string_view) override { joined_.store(false); }
  void on_http_ready() override {}
  void on_http_response(std::uint64_t, const net::ResponseParser&) override {
    in_flight_.store(false);
  }
  void on_http_failure(std::uint64_t, net::HttpFailure, std::string_view) override {
    in_flight_.store(false);
  }

  feed::CoinDcxRequestWriter writer_;
  std::unique_ptr<net::TlsContext> stream_tls_;
  std::unique_ptr<net::TlsContext> rest_tls_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<net::SocketIoClient> stream_;
  std::unique_ptr<net::HttpClient> rest_;
  feed::CoinDcxOrderRequest order_;
  std::vector<char> canned_ = std::vector<char>(4096);
  std::size_t canned_len_ = 0;   // offset of the request in canned_
  std::size_t canned_size_ = 0;  // its length
  std::int64_t resign_at_ = 0;
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<bool> in_flight_{false};
  std::atomic<std::uint64_t> order_events_{0};
  std::atomic<bool> joined_{false};
};

int run_null_responder(const Options& o) {
  Control control(o);
  if (!reset_simulator(control)) return 1;
  NullResponder responder(o);
  std::atomic<bool> done{false};
  std::atomic<int> status{0};
  if (!set_price(control, "3405")) return 1;
  std::thread driver([&] {
    if (!wait_for([&] { return responder.joined(); }, 15'000)) {
      status = 1;
      done = true;
      return;
    }
    Control c(o);
    const feed::CoinDcxRequestWriter writer(o.api_key, o.api_secret,
                                            "localhost:" + std::to_string(o.port));
    feed::CoinDcxOrderRequest resting;
    (void)resting.symbol.try_assign("ETH/USDT");
    (void)parse_decimal("3400", resting.price);
    (void)parse_decimal("0.01", resting.quantity);
    resting.leverage = 5;
    for (int cycle = 0; cycle < o.cycles && status == 0; ++cycle) {
      const std::uint64_t before = responder.answered();
      const std::uint64_t updates = responder.order_events();
      const auto placed = c.call_signed(
          [&](std::span<char> buf) { return writer.create_order(resting, timing::wall_ms(), buf); });
      // The resting order's own update proves the private channel live before its fill.
      if (!placed || placed->first != 200 ||
          !wait_for([&] { return responder.order_events() > updates; }, 15'000) ||
          !set_price(c, "3399") ||
          !wait_for([&] { return responder.answered() > before && responder.idle(); }, 15'000) ||
          !set_price(c, "3405")) {
        std::fprintf(stderr, "scalper-feed-harness: null-responder cycle %d failed\n", cycle);
        status = 1;
      }
    }
    done = true;
  });
  // The responder runs on this thread: pinned like the engine thread would be (after the
  // driver was started, so that the driver does not inherit the CPU).
  if (o.engine_cpu >= 0 && !feed::pin_current_thread(o.engine_cpu)) {
    std::fprintf(stderr, "scalper-feed-harness: could not pin to CPU %d\n", o.engine_cpu);
  }
  const std::uint64_t answered = responder.run([&] { return done.load(); });
  driver.join();
  std::printf("null responder: %llu fill(s) answered\n", static_cast<unsigned long long>(answered));
  if (const auto lat = control.call("GET", "/sim/latency")) {
    std::printf("simulator wire-to-wire (GET /sim/latency): %s\n", lat->second.c_str());
  }
  return status;
}

}  // namespace
}  // namespace scalper::harness

int main(int argc, char** argv) {
  const auto options = scalper::harness::parse(argc, argv);
  return options.null_responder ? scalper::harness::run_null_responder(options)
                                : scalper::harness::run_core(options);
}
