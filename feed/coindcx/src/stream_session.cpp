#include "scalper/feed/stream_session.hpp"

#include <algorithm>
#include <cstdio>

#include "scalper/feed/coindcx_requests.hpp"
#include "scalper/feed/coindcx_symbols.hpp"
#include "scalper/timing/clock.hpp"

namespace scalper::feed {
namespace {

constexpr std::string_view kAppPing = R"({"data":"Ping message"})";

}  // namespace

CoinDcxStreamSession::CoinDcxStreamSession(net::EventLoop& loop, StreamSessionConfig config,
                                           FeedEventSink& sink)
    : config_(std::move(config)),
      sink_(sink),
      client_(loop, config_.socketio, *this),
      decoder_(config_.max_frame_bytes) {
  private_join_ =
      CoinDcxRequestWriter(config_.api_key, config_.api_secret, {}).private_join_argument();
  std::fill(config_.api_secret.begin(), config_.api_secret.end(), '\0');
  config_.api_secret.clear();
  const std::vector<Symbol> tickers = config_.tickers;
  config_.tickers.clear();
  for (const Symbol& t : tickers) watch(t);
}

std::int64_t CoinDcxStreamSession::now_ns() const {
  return config_.clock_ns != nullptr ? config_.clock_ns() : timing::mono_ns();
}

void CoinDcxStreamSession::start(std::int64_t now_ms) {
  last_tick_ms_ = now_ms;
  client_.start(now_ms);
}

void CoinDcxStreamSession::stop() { client_.stop(); }

void CoinDcxStreamSession::tick(std::int64_t now_ms) {
  last_tick_ms_ = now_ms;
  if (has_pending_link_ && sink_.on_feed_event(pending_link_)) {
    has_pending_link_ = false;
    ++stats_.items;
  }
  client_.tick(now_ms);
  if (connected_ && now_ms >= settle_at_ms_) {
    // The joins have had time to take effect: reconcile again (see the header).
    settle_at_ms_ = INT64_MAX;
    seen_ns_ = now_ns();
    ++stats_.settled;
    push(StreamConnected{});
  }
  if (connected_ && now_ms >= silence_deadline_ms()) {
    silence_told_for_ = client_.last_frame_ms();
    seen_ns_ = now_ns();
    ++stats_.silences;
    push(StreamSilent{now_ms - silence_told_for_, Venue::CoinDcxFutures, {}});
  }
  if (connected_ && now_ms >= next_ping_ms_) {
    // The documented keep-alive (docs/architecture.md §7.6): an ordinary event, beside the
    // Engine.IO heartbeat.
    if (client_.emit("ping", kAppPing)) ++stats_.pings;
    next_ping_ms_ = now_ms + config_.app_ping_interval_ms;
  }
}

std::int64_t CoinDcxStreamSession::next_deadline_ms() const noexcept {
  if (has_pending_link_) return 0;
  const std::int64_t own =
      connected_ ? std::min({next_ping_ms_, settle_at_ms_, silence_deadline_ms()}) : INT64_MAX;
  return std::min(client_.next_deadline_ms(), own);
}

// When the current silence becomes worth telling: silence_ms after the last frame, unless
// that silence was told already (or the check is off).
std::int64_t CoinDcxStreamSession::silence_deadline_ms() const noexcept {
  const std::int64_t last = client_.last_frame_ms();
  if (config_.silence_ms <= 0 || last == silence_told_for_) return INT64_MAX;
  return last + config_.silence_ms;
}

void CoinDcxStreamSession::watch(const Symbol& ticker) {
  for (const Symbol& t : config_.tickers) {
    if (t == ticker) return;
  }
  char pair[32];
  const std::size_t n = symbol_to_coindcx_pair(ticker.view(), pair);
  if (n == 0) return;  // not a BASE/QUOTE symbol: nothing to join
  config_.tickers.push_back(ticker);
  ticker_joins_.push_back(R"({"channelName":")" + std::string(pair, n) + R"(@trades-futures"})");
  if (connected_) (void)client_.emit("join", ticker_joins_.back());
}

// ---- the connection ---------------------------------------------------------------------------

void CoinDcxStreamSession::on_connected() {
  stats_.joins += client_.emit("join", private_join_) ? 1u : 0u;
  for (const std::string& j : ticker_joins_) stats_.joins += client_.emit("join", j) ? 1u : 0u;
  connected_ = true;
  next_ping_ms_ = last_tick_ms_ + config_.app_ping_interval_ms;  // the owner's clock, as tick()
  settle_at_ms_ = config_.settle_ms > 0 ? last_tick_ms_ + config_.settle_ms : INT64_MAX;
  seen_ns_ = now_ns();
  push(StreamConnected{});
}

void CoinDcxStreamSession::on_disconnected(std::string_view why) {
  if (!connected_) return;  // a failed attempt: the engine already knows the stream is down
  // Why it dropped is for the operator's log; the engine only needs to know that it did.
  if (config_.log) config_.log("coindcx stream: disconnected: " + std::string(why));
  connected_ = false;
  settle_at_ms_ = INT64_MAX;
  seen_ns_ = now_ns();
  push(StreamDisconnected{});
}

void CoinDcxStreamSession::on_event(std::string_view name, std::string_view args) {
  seen_ns_ = now_ns();
  ++stats_.events;
  const DecodeOutcome out = decoder_.decode(name, args, *this);
  switch (out.status) {
    case DecodeStatus::Decoded: break;
    case DecodeStatus::UnknownEvent: ++stats_.unknown; break;
    case DecodeStatus::Malformed: report_malformed(name, out); break;
  }
}

void CoinDcxStreamSession::report_malformed(std::string_view name, const DecodeOutcome& outcome) {
  ++stats_.malformed;
  if (!config_.log) return;
  const std::int64_t now_ms = seen_ns_ / 1'000'000;
  if (now_ms - last_log_ms_ < config_.log_interval_ms) {
    ++suppressed_;
    return;
  }
  const ReasonText why = describe(outcome);
  char line[256];
  const int n =
      std::snprintf(line, sizeof line,
                    "coindcx stream: skipped a malformed %.*s frame: %.*s (%llu more "
                    "since the last report)",
                    static_cast<int>(name.size()), name.data(), static_cast<int>(why.size()),
                    why.view().data(), static_cast<unsigned long long>(suppressed_));
  config_.log(
      {line, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof line) - 1))});
  last_log_ms_ = now_ms;
  suppressed_ = 0;
}

// ---- decoded items ----------------------------------------------------------------------------

void CoinDcxStreamSession::push(const FeedEvent::Body& body) {
  FeedEvent e;
  e.seen_ns = seen_ns_;
  e.body = body;
  if (sink_.on_feed_event(e)) {
    ++stats_.items;
    return;
  }
  ++stats_.dropped;
  if (std::holds_alternative<StreamConnected>(body) ||
      std::holds_alternative<StreamDisconnected>(body)) {
    // The link state must arrive: kept (the newest only: it is the one that matters) and
    // offered again from tick().
    pending_link_ = e;
    has_pending_link_ = true;
    return;
  }
  // A lost order update would leave the engine wrong until the next listing: force one by
  // reconnecting (StreamDisconnected, then StreamConnected and the engine's reconciliation).
  // Prices and balances are superseded by the next ones and need no such repair.
  if (std::holds_alternative<OrderUpdate>(body)) {
    client_.drop("the feed queue was full and an order update was lost");
  }
}

void CoinDcxStreamSession::on_order(const ExchangeOrder& order) { push(OrderUpdate{order}); }
void CoinDcxStreamSession::on_position(const PositionUpdate& p) { push(p); }
void CoinDcxStreamSession::on_balance(const BalanceUpdate& b) { push(b); }
void CoinDcxStreamSession::on_trade(const TradeTick& t) { push(t); }
void CoinDcxStreamSession::on_mark_price(const MarkPrice& m) { push(m); }

}  // namespace scalper::feed
