// order_gateway.hpp — the engine's order entry to CoinDCX Futures: engine actions (PlaceOrder,
// CancelOrder, QueryOrders) become signed REST requests on pre-connected keep-alive
// connections, and the exchange's answers become engine events.
//
// Outcomes, by what the exchange is known to have done (engine decisions 7–8, issue #7):
//   create  2xx with the order     -> OrderAccepted {order, exchange id}
//           400/401/404/422 + text -> OrderRejected Definitive (the exchange refused it)
//           429, 5xx, other, no or unreadable answer (timeout, connection lost)
//                                  -> OrderOutcomeUnknown: the order may be live; futures
//                                     orders have no client id, so the engine lists open
//                                     orders to settle it. Never reported as a failure.
//           never sent (no connection within queue_timeout_ms)
//                                  -> OrderRejected Transient (it cannot be live)
//   cancel  2xx                    -> nothing: the stream (or the next listing) reports it
//           anything else          -> CancelFailed {reason}: the engine lists open orders
//   cancel all (the kill switch: positions/cancel_all_open_orders)
//           2xx                    -> nothing: the stream reports each cancelled order
//           anything else, or never sent
//                                  -> nothing but a count (cancel_all_failed): the engine
//                                     lists the venue after it anyway, and sends its own cancel
//                                     for every order the listing still shows. A listing is
//                                     not sent while a cancel-all is in flight (on the other
//                                     connection it could overtake it and see every order
//                                     still open).
//   query   -> ReconcileBegin, ReconcileOrder × n, ReconcileEnd, all at once, after every
//           listing succeeded: open orders (all pages), then the most recent page of closed
//           ones (their final fills). A failed listing is retried after a back-off until it
//           succeeds, because the engine holds new orders until it has applied the snapshot.
//
// Rate: a client-side RateLimiter per key (16/s, 960/min by default) paces requests before
// the exchange has to refuse them, and a 429 pauses every request for Retry-After.
//
// Threading and cost: the engine's thread runs this with its own EventLoop (the engine drains
// its outbox through the gateway itself; no queue hop on the way out). Jobs wait in a fixed
// ring; requests are written and signed in place in a connection's buffer; responses are
// decoded in place; events go out through GatewaySink. Nothing allocates per order after
// start() (tested).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/event_loop.hpp>
#include <scalper/net/http_client.hpp>

#include "scalper/engine/actions.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/feed/coindcx_requests.hpp"
#include "scalper/feed/coindcx_rest.hpp"
#include "scalper/feed/rate_limiter.hpp"

namespace scalper::feed {

class GatewaySink {
 public:
  // One engine event (OrderAccepted, OrderRejected, OrderOutcomeUnknown, CancelFailed,
  // ReconcileBegin/Order/End). The caller stamps and journals it.
  virtual void on_gateway_event(const EventBody& event) = 0;

 protected:
  GatewaySink() = default;
  GatewaySink(const GatewaySink&) = default;
  GatewaySink& operator=(const GatewaySink&) = default;
  virtual ~GatewaySink() = default;
};

struct OrderGatewayConfig {
  net::HttpClientConfig http;  // address, TLS, connect timeout, back-off
  std::string host;            // Host header ("api.coindcx.com")
  std::string api_key;
  std::string api_secret;       // used to derive the HMAC states, then not kept
  std::size_t connections = 2;  // a cancel need not wait behind a slow create
  std::int64_t request_timeout_ms = 5'000;
  std::int64_t queue_timeout_ms = 10'000;  // unsent by then: see the outcome table
  std::int64_t query_retry_ms = 500;       // a failed listing is tried again after this
  std::size_t queue_capacity = 1024;
  std::uint32_t page_size = 100;
  std::uint32_t max_open_pages = 20;  // at most page_size × this open orders are listed
  RateLimits limits;
  std::int64_t (*wall_clock_ms)() = nullptr;  // the body's timestamp; nullptr: system_clock
};

struct GatewayStats {
  std::uint64_t sent = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t unknown = 0;
  std::uint64_t cancel_failed = 0;
  std::uint64_t cancel_all_sent = 0;
  std::uint64_t cancel_all_failed = 0;
  std::uint64_t rate_limited = 0;  // 429 answers
  std::uint64_t query_retries = 0;
  std::uint64_t queue_full = 0;
};

class OrderGateway final {
 public:
  OrderGateway(net::EventLoop& loop, OrderGatewayConfig config, GatewaySink& sink);
  ~OrderGateway();
  OrderGateway(const OrderGateway&) = delete;
  OrderGateway& operator=(const OrderGateway&) = delete;

  void start(std::int64_t now_ms);
  // Closes the connections; requests in flight are reported as for a lost connection.
  void stop();
  [[nodiscard]] bool quiescent() const noexcept;
  void tick(std::int64_t now_ms);
  [[nodiscard]] std::int64_t next_deadline_ms() const noexcept;

  // Engine actions. False (and counted) only when the queue is full: the caller reports it
  // as it would a request that was never sent.
  bool place(const PlaceOrder& order, std::int64_t now_ms);
  bool cancel(const CancelOrder& order, std::int64_t now_ms);
  bool cancel_all(const CancelAllOrders& sweep, std::int64_t now_ms);
  bool query(const QueryOrders& query, std::int64_t now_ms);

  [[nodiscard]] const GatewayStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_len_; }
  [[nodiscard]] std::size_t ready_connections() const noexcept;

 private:
  enum class JobKind : std::uint8_t { Place, Cancel, CancelAll, ListOpen, ListClosed };
  struct Job {
    JobKind kind = JobKind::Place;
    std::uint32_t page = 1;
    std::int64_t enqueued_ms = 0;
    std::int64_t not_before_ms = 0;  // a listing retried after a failure
    PlaceOrder place;
    CancelOrder cancel;
    QueryOrders query;
  };
  class Connection;

  bool enqueue(const Job& job);
  void dispatch(std::int64_t now_ms);
  void expire_queued(std::int64_t now_ms);
  bool send_job(Connection& c, const Job& job, std::int64_t now_ms);
  void on_response(Connection& c, const net::ResponseParser& response);
  void on_failure(Connection& c, net::HttpFailure failure, std::string_view why);
  void finish_place(const Job& job, const net::ResponseParser& response);
  void finish_cancel(const Job& job, const net::ResponseParser& response);
  void finish_listing(const Job& job, const net::ResponseParser& response);
  void retry_listing(Job job, std::int64_t now_ms);
  void emit(const EventBody& event);
  [[nodiscard]] std::int64_t wall_ms() const;
  [[nodiscard]] std::int64_t now() const;

  OrderGatewayConfig config_;
  GatewaySink& sink_;
  CoinDcxRequestWriter writer_;
  CoinDcxRestDecoder decoder_;
  RateLimiter limiter_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Job> queue_;  // a ring of queue_capacity
  std::size_t queue_head_ = 0;
  std::size_t queue_len_ = 0;
  std::vector<Job> delayed_;           // listings to retry at their not_before_ms
  std::vector<ExchangeOrder> listed_;  // one reconciliation's orders, emitted when complete
  bool query_active_ = false;          // a reconciliation's listings are under way
  std::uint32_t cancel_all_in_flight_ = 0;  // listings wait for it: they verify its effect
  bool has_pending_query_ = false;     // another QueryOrders arrived meanwhile
  QueryOrders pending_query_;
  std::int64_t wake_ms_ = INT64_MAX;  // when the rate limiter has a token again
  GatewayStats stats_;
};

}  // namespace scalper::feed
