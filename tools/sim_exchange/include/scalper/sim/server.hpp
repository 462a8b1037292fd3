// server.hpp — scalper-sim's network face: one port serving the CoinDCX REST API, the
// socket.io stream at /socket.io/ (EIO=3 and EIO=4) and the JSON control API under /sim/,
// plain or TLS. Boost.Beast over Asio, one thread: every handler runs on the io_context, so
// the Exchange and the session state need no locks, and a seed replays the same run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <scalper/sim/market.hpp>
#include <scalper/sim/rest_api.hpp>
#include <scalper/sim/socketio.hpp>
#include <scalper/sim/tape.hpp>

namespace scalper::sim {

struct ServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8420;  // 0: any free port (see SimServer::port())
  bool tls = false;
  std::string cert_dir;  // where cert.pem/key.pem are written with --tls
  ExchangeConfig exchange;
  ApiConfig api;
  EioConfig eio;
  std::int64_t walk_interval_ms = 0;  // 0: the price moves only when told to
  std::vector<TapeTrade> tape;        // when not empty: replayed instead of the random walk
  Decimal replay_speed = Decimal::from_units(1);  // 2 = twice as fast; 0 = step by hand
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_stream_queue = 100'000;  // frames queued per client before it is dropped
};

class SimServer {
 public:
  SimServer(boost::asio::io_context& io, ServerConfig config);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds and starts accepting; throws std::runtime_error when the port cannot be bound.
  void start();
  // Stops accepting and closes every connection; io.run() then returns.
  void stop();

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] const std::string& cert_path() const noexcept;
  [[nodiscard]] std::string base_url() const;

  // Applies a fault by name, as `--fault kind[=value]` and POST /sim/fault do. Returns "" or
  // an error text for an unknown kind or bad value.
  std::string apply_fault(std::string_view kind, std::int64_t value, std::string_view mode);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace scalper::sim
