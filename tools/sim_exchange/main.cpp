// scalper-sim: a CoinDCX Futures exchange on loopback, speaking the real wire protocol.
// See tools/sim_exchange/README.md for the API, the faults and the figures.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <scalper/sim/server.hpp>

namespace {

constexpr std::string_view kUsage = R"(Usage: scalper-sim [options]

A CoinDCX Futures exchange on one port: REST (signed, rate-limited), the socket.io stream at
/socket.io/ (EIO=3 and EIO=4) and a JSON control API under /sim/. Deterministic for a seed.

Network:
  --bind ADDR              address to listen on (default 127.0.0.1)
  --port N                 port (default 8420; 0 picks a free one)
  --port-file FILE         write the port actually bound to FILE once listening
  --tls                    serve HTTPS/WSS with a self-signed certificate made at start
  --cert-dir DIR           where --tls writes cert.pem (trust this) and key.pem
                           (default ./scalper-sim-tls)

Account and market:
  --api-key KEY            API key (default $COINDCX_API_KEY, else "sim-key")
  --api-secret SECRET      API secret (default $COINDCX_API_SECRET, else "sim-secret")
  --seed N                 seed of the price paths and ids (default 1)
  --walk-interval-ms N     move every pair's price every N ms (default 0: only when told)
  --trades-csv FILE        replay this tape of trades (time_ms,pair,price,quantity per line)
                           instead of the random walk, keeping the gaps between trades
  --replay-speed X         tape speed factor (default 1; 0: only POST /sim/walk/step moves it)
  --volatility-bps D       largest move per walk step, basis points (default 5)
  --balance-usdt D         starting USDT wallet (default 100000)
  --partial-fills          a crossing fills half of what rests, the rest on later crossings
  --zero-filled-qty        the exchange quirk: filled_quantity 0 on the final 'filled' event
  --rate-limit S,M         requests per second and per minute per key (default 16,960)
  --ping-interval-ms N     Engine.IO pingInterval (default 25000)
  --ping-timeout-ms N      Engine.IO pingTimeout (default 20000)

Faults (also POST /sim/fault {"kind":..., "count"|"ms":N, "mode":...}):
  --fault KIND[=N][:MODE]  repeatable; KIND is one of drop_stream, stall_stream (=ms, 0 for
                           until cleared), delay_events (=ms), duplicate_events (=count),
                           reorder_events (=count), lose_events (=count: private events
                           never sent while the link lives), hang_next_create (=count),
                           http_5xx (=count), http_429 (=count), delay_rest (=ms),
                           reject_next_order (:stream or :http)

  --help                   this text
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "scalper-sim: " << message << "\n(see scalper-sim --help)\n";
  std::exit(2);
}

std::int64_t parse_int(std::string_view flag, std::string_view text, std::int64_t lo,
                       std::int64_t hi) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v < lo || v > hi) {
    usage_error(std::string(flag) + " wants an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], not '" + std::string(text) + "'");
  }
  return v;
}

scalper::Decimal parse_dec(std::string_view flag, std::string_view text) {
  scalper::Decimal d;
  if (scalper::parse_decimal(text, d) != scalper::DecimalStatus::Ok || d.is_negative()) {
    usage_error(std::string(flag) + " wants a non-negative decimal, not '" + std::string(text) +
                "'");
  }
  return d;
}

struct FaultFlag {
  std::string kind;
  std::int64_t value = 1;
  std::string mode;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace scalper::sim;
  ServerConfig config;
  if (const char* k = std::getenv("COINDCX_API_KEY"); k != nullptr && *k != '\0') {
    config.api.api_key = k;
  }
  if (const char* s = std::getenv("COINDCX_API_SECRET"); s != nullptr && *s != '\0') {
    config.api.api_secret = s;
  }
  std::string port_file;
  std::vector<FaultFlag> faults;

  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= args.size()) usage_error(std::string(a) + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--bind") {
      config.bind_address = std::string(value());
    } else if (a == "--port") {
      config.port = static_cast<std::uint16_t>(parse_int(a, value(), 0, 65535));
    } else if (a == "--port-file") {
      port_file = std::string(value());
    } else if (a == "--tls") {
      config.tls = true;
    } else if (a == "--cert-dir") {
      config.cert_dir = std::string(value());
    } else if (a == "--api-key") {
      config.api.api_key = std::string(value());
    } else if (a == "--api-secret") {
      config.api.api_secret = std::string(value());
    } else if (a == "--seed") {
      config.exchange.seed = static_cast<std::uint64_t>(parse_int(a, value(), 0, INT64_MAX));
    } else if (a == "--walk-interval-ms") {
      config.walk_interval_ms = parse_int(a, value(), 0, 3'600'000);
    } else if (a == "--trades-csv") {
      const std::string path(value());
      std::ifstream in(path, std::ios::binary);
      if (!in) usage_error("cannot read --trades-csv " + path);
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      auto tape = scalper::sim::parse_trade_tape(text);
      if (auto* error = std::get_if<std::string>(&tape)) usage_error(path + ": " + *error);
      config.tape = std::move(std::get<std::vector<scalper::sim::TapeTrade>>(tape));
    } else if (a == "--replay-speed") {
      config.replay_speed = parse_dec(a, value());
    } else if (a == "--volatility-bps") {
      config.exchange.walk_volatility_bps = parse_dec(a, value());
    } else if (a == "--balance-usdt") {
      config.exchange.usdt_balance = parse_dec(a, value());
    } else if (a == "--partial-fills") {
      config.exchange.partial_fills = true;
    } else if (a == "--zero-filled-qty") {
      config.exchange.zero_filled_qty_on_final = true;
    } else if (a == "--rate-limit") {
      const std::string_view v = value();
      const auto comma = v.find(',');
      if (comma == std::string_view::npos) usage_error("--rate-limit wants PER_SECOND,PER_MINUTE");
      config.api.rate_per_second =
          static_cast<std::size_t>(parse_int(a, v.substr(0, comma), 1, 1'000'000));
      config.api.rate_per_minute =
          static_cast<std::size_t>(parse_int(a, v.substr(comma + 1), 1, 60'000'000));
    } else if (a == "--ping-interval-ms") {
      config.eio.ping_interval_ms = parse_int(a, value(), 10, 3'600'000);
    } else if (a == "--ping-timeout-ms") {
      config.eio.ping_timeout_ms = parse_int(a, value(), 10, 3'600'000);
    } else if (a == "--fault") {
      // KIND[=N][:MODE]
      std::string_view v = value();
      FaultFlag f;
      if (const auto colon = v.find(':'); colon != std::string_view::npos) {
        f.mode = std::string(v.substr(colon + 1));
        v = v.substr(0, colon);
      }
      if (const auto eq = v.find('='); eq != std::string_view::npos) {
        f.value = parse_int("--fault", v.substr(eq + 1), 0, INT64_MAX);
        v = v.substr(0, eq);
      }
      f.kind = std::string(v);
      faults.push_back(std::move(f));
    } else {
      usage_error("unknown option '" + std::string(a) + "'");
    }
  }

  try {
    boost::asio::io_context io;
    SimServer server(io, config);
    server.start();
    for (const auto& f : faults) {
      if (auto e = server.apply_fault(f.kind, f.value, f.mode); !e.empty()) usage_error(e);
    }
    if (!port_file.empty()) {
      // Written whole then renamed, so a test polling for the file never reads half a port.
      const std::string tmp = port_file + ".tmp";
      std::ofstream(tmp) << server.port() << "\n";
      if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
        throw std::runtime_error("cannot write --port-file " + port_file);
      }
    }
    std::cout << "scalper-sim: listening on " << server.base_url() << " (seed "
              << config.exchange.seed << ", api key " << config.api.api_key << ")\n";
    if (config.tls) std::cout << "scalper-sim: certificate " << server.cert_path() << "\n";
    std::cout << "scalper-sim: stream " << (config.tls ? "wss" : "ws") << "://"
              << config.bind_address << ":" << server.port()
              << "/socket.io/?EIO=4&transport=websocket, control " << server.base_url()
              << "/sim/state" << std::endl;

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
      server.stop();
      io.stop();
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "scalper-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
