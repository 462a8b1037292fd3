// stream_session.hpp — the CoinDCX Futures stream on the feed thread: the Socket.IO connection
// (TLS, reconnecting), the private `coindcx` join with its signature, a public trades channel
// for every watched ticker, the application `ping` every 25 s, and each decoded item handed
// on as a fixed-size FeedEvent stamped with the time its bytes were decoded.
//
// Per (re)connect (docs/architecture.md §7.6–7.7): channels do not survive a reconnect, so every
// join is emitted again from on_connected(), then StreamConnected goes out: the engine answers it
// by listing open orders and fills (reconciliation, engine decision 1) and holds new orders
// until that listing is applied. A join has no acknowledgement, so until the exchange has
// acted on it, its events are lost, and a listing made meanwhile can finish first: a fill in
// that window would stay unseen. So StreamConnected goes out a second time, settle_ms after
// the joins, and the engine reconciles again (seen against the simulator under load: the
// join took effect after the bots' first fills). A lost connection sends StreamDisconnected
// once.
//
// Silence: a stream can stay up and lose events (a stall shorter than the heartbeat's timeout,
// or private events dropped while pings go on). When no frame at all has arrived for
// silence_ms while connected, StreamSilent goes out, once per silent spell; the engine lists
// orders if any are live (engine/README.md, "Lost reports").
//
// Prices: `<pair>@prices-futures` carries no symbol (its `price-change` events cannot be told
// apart when several pairs are joined on one connection), so the last traded price comes from
// `<pair>@trades-futures` (`new-trade`, with `s`), one channel per ticker.
//
// Malformed frames are counted and skipped, never fatal; a description reaches the log
// callback at most once per log_interval_ms, with the number suppressed since. Nothing
// allocates per frame (the decoder's buffers and the join texts are made at start).
//
// One thread: the feed loop's. The owner calls tick(now_ms) by next_deadline_ms().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <scalper/net/socketio_client.hpp>

#include "scalper/engine/events.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper::feed {

// What the feed thread hands the engine thread (through the SPSC queue). Trivially copyable.
struct FeedEvent {
  using Body = std::variant<OrderUpdate, StreamConnected, StreamDisconnected, StreamSilent,
                            TradeTick, PositionUpdate, BalanceUpdate, MarkPrice>;
  std::int64_t seen_ns = 0;  // steady clock when the feed thread decoded the frame
  Body body;
};
static_assert(std::is_trivially_copyable_v<FeedEvent>);

class FeedEventSink {
 public:
  // False when the queue is full. The session counts it; a lost order update makes it
  // reconnect (so the engine reconciles), a refused link event is offered again on tick().
  virtual bool on_feed_event(const FeedEvent& event) = 0;

 protected:
  FeedEventSink() = default;
  FeedEventSink(const FeedEventSink&) = default;
  FeedEventSink& operator=(const FeedEventSink&) = default;
  virtual ~FeedEventSink() = default;
};

struct StreamSessionConfig {
  net::SocketIoClientConfig socketio;  // address, host, TLS, EIO version, back-off
  std::string api_key;
  std::string api_secret;  // turned into the join signature at construction, then dropped
  std::vector<Symbol> tickers;
  std::int64_t app_ping_interval_ms = 25'000;
  std::int64_t settle_ms = 1'000;  // joins -> the second StreamConnected (0: none)
  // No frame for this long while connected -> StreamSilent (0: never). CoinDCX pings every
  // 25 s, and a bot's ticker usually trades several times a second; 3 s of nothing with
  // orders live costs one listing, well inside the rate limit.
  std::int64_t silence_ms = 3'000;
  std::size_t max_frame_bytes = std::size_t{1} << 20;
  std::int64_t log_interval_ms = 1'000;
  // Not on the hot path: malformed frames, and why the connection dropped.
  std::function<void(std::string_view)> log;
  std::int64_t (*clock_ns)() = nullptr;       // steady ns for seen_ns; nullptr: steady_clock
};

struct StreamSessionStats {
  std::uint64_t events = 0;     // Socket.IO events received
  std::uint64_t items = 0;      // decoded items handed on
  std::uint64_t unknown = 0;    // events this codec does not decode
  std::uint64_t malformed = 0;  // refused frames
  std::uint64_t dropped = 0;    // items the queue refused
  std::uint64_t pings = 0;      // application pings sent
  std::uint64_t joins = 0;      // join emits queued (private and trades channels)
  std::uint64_t settled = 0;    // second StreamConnected sent after the joins settled
  std::uint64_t silences = 0;   // StreamSilent sent
};

class CoinDcxStreamSession final : private net::SocketIoListener, private StreamSink {
 public:
  CoinDcxStreamSession(net::EventLoop& loop, StreamSessionConfig config, FeedEventSink& sink);
  CoinDcxStreamSession(const CoinDcxStreamSession&) = delete;
  CoinDcxStreamSession& operator=(const CoinDcxStreamSession&) = delete;

  void start(std::int64_t now_ms);
  void stop();
  [[nodiscard]] bool quiescent() const noexcept { return client_.quiescent(); }
  void tick(std::int64_t now_ms);
  // Includes "now" while a refused link event waits to be offered again.
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  // Adds a ticker's trades channel: joined now if connected, and after every reconnect.
  void watch(const Symbol& ticker);

  [[nodiscard]] bool connected() const noexcept { return connected_; }
  [[nodiscard]] const StreamSessionStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const net::SocketIoClient& client() const noexcept { return client_; }

 private:
  // SocketIoListener
  void on_connected() override;
  void on_event(std::string_view name, std::string_view args) override;
  void on_disconnected(std::string_view why) override;
  // StreamSink
  void on_order(const ExchangeOrder& order) override;
  void on_position(const PositionUpdate& p) override;
  void on_balance(const BalanceUpdate& b) override;
  void on_trade(const TradeTick& t) override;
  void on_mark_price(const MarkPrice& m) override;

  void push(const FeedEvent::Body& body);
  void join_ticker(const Symbol& ticker);
  void report_malformed(std::string_view name, const DecodeOutcome& outcome);
  [[nodiscard]] std::int64_t silence_deadline_ms() const noexcept;
  [[nodiscard]] std::int64_t now_ns() const;

  StreamSessionConfig config_;
  FeedEventSink& sink_;
  net::SocketIoClient client_;
  CoinDcxStreamDecoder decoder_;
  std::string private_join_;               // {"channelName":"coindcx","authSignature":...}
  std::vector<std::string> ticker_joins_;  // {"channelName":"B-ETH_USDT@trades-futures"}
  bool connected_ = false;
  std::int64_t seen_ns_ = 0;  // of the frame being decoded
  std::int64_t next_ping_ms_ = INT64_MAX;
  std::int64_t settle_at_ms_ = INT64_MAX;  // when the second StreamConnected is due
  std::int64_t silence_told_for_ = -1;     // the last frame's time whose silence was told
  std::int64_t last_tick_ms_ = 0;          // the owner's clock at start() or the last tick()
  std::int64_t last_log_ms_ = INT64_MIN / 2;
  std::uint64_t suppressed_ = 0;
  FeedEvent pending_link_;  // a StreamConnected/Disconnected the queue refused
  bool has_pending_link_ = false;
  StreamSessionStats stats_;
};

}  // namespace scalper::feed
