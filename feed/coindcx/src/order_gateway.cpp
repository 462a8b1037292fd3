#include "scalper/feed/order_gateway.hpp"

#include <algorithm>
#include <cstdio>

#include "scalper/timing/clock.hpp"

namespace scalper::feed {
namespace {

// The exchange's list filter (docs/architecture.md §7.3): what may still trade, and what has
// ended. (`untriggered` is for TP/SL orders, which the bots never place.)
constexpr std::string_view kOpenStatuses = "open,partially_filled";
constexpr std::string_view kClosedStatuses = "filled,partially_cancelled,cancelled,rejected";

bool is_success(unsigned status) { return status >= 200 && status < 300; }

// The answers that mean the exchange looked at the order and refused it. 408 and 429 are
// not among them (the order may or may not have been processed), nor is any 5xx.
bool is_definitive_refusal(unsigned status) {
  return status == 400 || status == 401 || status == 403 || status == 404 || status == 422;
}

ReasonText reason_text(std::string_view s) {
  ReasonText t;
  t.assign_truncated(s);
  return t;
}

// The text snprintf wrote into buf (it returns the length it wanted, which may be longer).
std::string_view written(const char* buf, std::size_t size, int n) {
  return {buf, std::min<std::size_t>(static_cast<std::size_t>(std::max(n, 0)), size - 1)};
}

// "HTTP 422: Insufficient funds" from the error body, or "HTTP 503" when it has no message.
ReasonText reason_of(CoinDcxRestDecoder& decoder, const net::ResponseParser& r) {
  ReasonText text;
  char buf[ReasonText::kCapacity + 1];
  ReasonText message;
  const bool has_message = decoder.decode_error(r.body(), message) && !message.empty();
  const int n = has_message ? std::snprintf(buf, sizeof buf, "HTTP %u: %.*s", r.status(),
                                            static_cast<int>(message.size()), message.view().data())
                            : std::snprintf(buf, sizeof buf, "HTTP %u", r.status());
  text.assign_truncated(written(buf, sizeof buf, n));
  return text;
}

// Collects the orders a REST body lists.
class Collect final : public OrderSink {
 public:
  explicit Collect(std::vector<ExchangeOrder>& into) : into_(into) {}
  // Never drops one: a missing order would read as "gone" to the engine. The capacity set at
  // start holds every page the gateway asks for; an exchange that sent longer pages would
  // cost a reallocation here, off the hot path.
  void on_order(const ExchangeOrder& order) override {
    into_.push_back(order);
    ++count;
  }
  std::size_t count = 0;

 private:
  std::vector<ExchangeOrder>& into_;
};

// Keeps the first order of a create response.
class First final : public OrderSink {
 public:
  void on_order(const ExchangeOrder& order) override {
    if (!found) order_ = order;
    found = true;
  }
  bool found = false;
  [[nodiscard]] const ExchangeOrder& order() const { return order_; }

 private:
  ExchangeOrder order_;
};

}  // namespace

// One keep-alive connection and the job in flight on it.
class OrderGateway::Connection final : public net::HttpClientListener {
 public:
  Connection(OrderGateway& gateway, net::EventLoop& loop, const net::HttpClientConfig& config)
      : gateway_(gateway), client(loop, config, *this) {}

  void on_http_ready() override { gateway_.dispatch(gateway_.now()); }
  void on_http_response(std::uint64_t, const net::ResponseParser& r) override {
    gateway_.on_response(*this, r);
  }
  void on_http_failure(std::uint64_t, net::HttpFailure f, std::string_view why) override {
    gateway_.on_failure(*this, f, why);
  }

 private:
  OrderGateway& gateway_;

 public:
  net::HttpClient client;
  bool busy = false;
  Job job;
};

OrderGateway::OrderGateway(net::EventLoop& loop, OrderGatewayConfig config, GatewaySink& sink)
    : config_(std::move(config)),
      sink_(sink),
      writer_(config_.api_key, config_.api_secret, config_.host),
      decoder_(config_.http.response_bytes),
      limiter_(config_.limits) {
  // The secret lives on only as HMAC states inside writer_.
  std::fill(config_.api_secret.begin(), config_.api_secret.end(), '\0');
  config_.api_secret.clear();
  const std::size_t n = std::max<std::size_t>(config_.connections, 1);
  for (std::size_t i = 0; i < n; ++i) {
    net::HttpClientConfig c = config_.http;
    c.seed = config_.http.seed + i;  // connections back off out of step
    connections_.push_back(std::make_unique<Connection>(*this, loop, c));
  }
  queue_.resize(std::max<std::size_t>(config_.queue_capacity, 1));
  listed_.reserve(std::size_t{config_.page_size} * (config_.max_open_pages + 1));
  delayed_.reserve(8);
}

OrderGateway::~OrderGateway() = default;

std::int64_t OrderGateway::now() const {
  return config_.http.clock_ms != nullptr ? config_.http.clock_ms() : timing::mono_ms();
}

std::int64_t OrderGateway::wall_ms() const {
  return config_.wall_clock_ms != nullptr ? config_.wall_clock_ms() : timing::wall_ms();
}

void OrderGateway::start(std::int64_t now_ms) {
  for (auto& c : connections_) c->client.start(now_ms);
}

void OrderGateway::stop() {
  for (auto& c : connections_) c->client.stop();
}

bool OrderGateway::quiescent() const noexcept {
  return std::all_of(connections_.begin(), connections_.end(),
                     [](const auto& c) { return c->client.quiescent(); });
}

std::size_t OrderGateway::ready_connections() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(),
                    [](const auto& c) { return c->client.ready() && !c->busy; }));
}

void OrderGateway::tick(std::int64_t now_ms) {
  for (auto& c : connections_) c->client.tick(now_ms);
  // Listings whose retry time came go back to the queue.
  for (std::size_t i = 0; i < delayed_.size();) {
    if (delayed_[i].not_before_ms <= now_ms) {
      (void)enqueue(delayed_[i]);
      delayed_.erase(delayed_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  wake_ms_ = INT64_MAX;
  dispatch(now_ms);
}

std::int64_t OrderGateway::next_deadline_ms() const noexcept {
  std::int64_t t = wake_ms_;
  for (const auto& c : connections_) t = std::min(t, c->client.next_deadline_ms());
  for (const Job& j : delayed_) t = std::min(t, j.not_before_ms);
  if (queue_len_ > 0 && ready_connections() == 0) {
    t = std::min(t, queue_[queue_head_].enqueued_ms + config_.queue_timeout_ms);
  }
  return t;
}

// ---- the queue --------------------------------------------------------------------------------

bool OrderGateway::enqueue(const Job& job) {
  if (queue_len_ == queue_.size()) {
    ++stats_.queue_full;
    return false;
  }
  queue_[(queue_head_ + queue_len_) % queue_.size()] = job;
  ++queue_len_;
  return true;
}

bool OrderGateway::place(const PlaceOrder& order, std::int64_t now_ms) {
  Job j;
  j.kind = JobKind::Place;
  j.enqueued_ms = now_ms;
  j.place = order;
  if (!enqueue(j)) return false;
  dispatch(now_ms);
  return true;
}

bool OrderGateway::cancel(const CancelOrder& order, std::int64_t now_ms) {
  Job j;
  j.kind = JobKind::Cancel;
  j.enqueued_ms = now_ms;
  j.cancel = order;
  if (!enqueue(j)) return false;
  dispatch(now_ms);
  return true;
}

bool OrderGateway::cancel_all(const CancelAllOrders& sweep, std::int64_t now_ms) {
  Job j;
  j.kind = JobKind::CancelAll;
  j.enqueued_ms = now_ms;
  (void)sweep;  // one venue per gateway: this one's
  if (!enqueue(j)) {
    ++stats_.cancel_all_failed;
    return false;
  }
  dispatch(now_ms);
  return true;
}

bool OrderGateway::query(const QueryOrders& q, std::int64_t now_ms) {
  if (query_active_) {
    // One reconciliation at a time; the newest request is answered when this one ends.
    pending_query_ = q;
    has_pending_query_ = true;
    return true;
  }
  Job j;
  j.kind = JobKind::ListOpen;
  j.page = 1;
  j.enqueued_ms = now_ms;
  j.query = q;
  if (!enqueue(j)) return false;
  query_active_ = true;
  listed_.clear();
  dispatch(now_ms);
  return true;
}

// Jobs nobody could send in time: an order that was never sent cannot be live (a Transient
// rejection, which the engine retries); a cancel never sent left the order as it was.
// Listings wait for as long as it takes.
void OrderGateway::expire_queued(std::int64_t now_ms) {
  if (queue_len_ == 0 || now_ms - queue_[queue_head_].enqueued_ms < config_.queue_timeout_ms) {
    return;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < queue_len_; ++i) {
    const Job job = queue_[(queue_head_ + i) % queue_.size()];
    const bool expired = now_ms - job.enqueued_ms >= config_.queue_timeout_ms;
    if (expired && job.kind == JobKind::Place) {
      ++stats_.rejected;
      emit(OrderRejected{job.place.order,
                         RejectKind::Transient,
                         {},
                         reason_text("not sent: no connection to the exchange")});
    } else if (expired && job.kind == JobKind::Cancel) {
      ++stats_.cancel_failed;
      emit(CancelFailed{job.cancel.order, reason_text("not sent: no connection to the exchange")});
    } else if (expired && job.kind == JobKind::CancelAll) {
      ++stats_.cancel_all_failed;  // the engine's listing after it covers every order
    } else {
      queue_[(queue_head_ + kept) % queue_.size()] = job;
      ++kept;
    }
  }
  queue_len_ = kept;
}

void OrderGateway::dispatch(std::int64_t now_ms) {
  expire_queued(now_ms);
  while (queue_len_ > 0) {
    Connection* free = nullptr;
    for (auto& c : connections_) {
      if (c->client.ready() && !c->busy) {
        free = c.get();
        break;
      }
    }
    if (free == nullptr) return;
    const JobKind next = queue_[queue_head_].kind;
    if ((next == JobKind::ListOpen || next == JobKind::ListClosed) && cancel_all_in_flight_ > 0) {
      return;  // the listing verifies the cancel-all: it goes once that is answered
    }
    if (!limiter_.try_acquire(now_ms)) {
      wake_ms_ = std::min(wake_ms_, limiter_.next_available_ms(now_ms));
      return;
    }
    const Job job = queue_[queue_head_];
    queue_head_ = (queue_head_ + 1) % queue_.size();
    --queue_len_;
    (void)send_job(*free, job, now_ms);
  }
}

bool OrderGateway::send_job(Connection& c, const Job& job, std::int64_t now_ms) {
  const std::span<char> buf = c.client.request_buffer();
  SignedRequest req;
  switch (job.kind) {
    case JobKind::Place: {
      CoinDcxOrderRequest o;
      o.symbol = job.place.symbol;
      o.side = job.place.side;
      o.price = job.place.price;
      o.quantity = job.place.quantity;
      o.leverage = job.place.leverage;
      req = writer_.create_order(o, wall_ms(), buf);
      if (!req.ok()) {
        ++stats_.rejected;
        emit(OrderRejected{
            job.place.order, RejectKind::Definitive, {}, reason_text(to_string(req.error))});
        return false;
      }
      break;
    }
    case JobKind::Cancel:
      req = writer_.cancel_order(job.cancel.exchange_id.view(), wall_ms(), buf);
      if (!req.ok()) {
        ++stats_.cancel_failed;
        emit(CancelFailed{job.cancel.order, reason_text(to_string(req.error))});
        return false;
      }
      break;
    case JobKind::CancelAll:
      req = writer_.cancel_all_open_orders(wall_ms(), buf);
      ++stats_.cancel_all_sent;
      ++cancel_all_in_flight_;  // answered in on_response or on_failure
      break;
    case JobKind::ListOpen:
      req = writer_.list_orders(kOpenStatuses, job.page, config_.page_size, wall_ms(), buf);
      break;
    case JobKind::ListClosed:
      req = writer_.list_orders(kClosedStatuses, 1, config_.page_size, wall_ms(), buf);
      break;
  }
  if (!req.ok() || !c.client.send(req.message, 0, config_.request_timeout_ms, now_ms)) {
    // Cannot happen with a ready connection and a 16 KiB buffer; treated as never sent.
    c.job = job;
    c.busy = true;
    on_failure(c, net::HttpFailure::ConnectionLost, "the request could not be queued");
    return false;
  }
  ++stats_.sent;
  c.job = job;
  c.busy = true;
  return true;
}

// ---- answers ----------------------------------------------------------------------------------

void OrderGateway::on_response(Connection& c, const net::ResponseParser& r) {
  c.busy = false;
  const std::int64_t t = now();
  if (r.status() == 429) {
    ++stats_.rate_limited;
    const auto retry = r.find_header("Retry-After");
    limiter_.on_rejected_for_rate(t, retry ? retry_after_ms(*retry) : -1);
  } else {
    limiter_.on_accepted();
  }
  switch (c.job.kind) {
    case JobKind::Place: finish_place(c.job, r); break;
    case JobKind::Cancel: finish_cancel(c.job, r); break;
    case JobKind::CancelAll:
      --cancel_all_in_flight_;
      if (!is_success(r.status())) ++stats_.cancel_all_failed;  // see the outcome table
      break;
    case JobKind::ListOpen:
    case JobKind::ListClosed: finish_listing(c.job, r); break;
  }
  dispatch(t);
}

void OrderGateway::on_failure(Connection& c, net::HttpFailure failure, std::string_view why) {
  if (!c.busy) return;
  c.busy = false;
  switch (c.job.kind) {
    case JobKind::Place:
      ++stats_.unknown;
      emit(OrderOutcomeUnknown{c.job.place.order});
      break;
    case JobKind::CancelAll:
      --cancel_all_in_flight_;
      ++stats_.cancel_all_failed;
      break;
    case JobKind::Cancel: {
      ++stats_.cancel_failed;
      char buf[ReasonText::kCapacity + 1];
      const int n = std::snprintf(
          buf, sizeof buf, "%.*s: %.*s", static_cast<int>(net::to_string(failure).size()),
          net::to_string(failure).data(), static_cast<int>(why.size()), why.data());
      emit(CancelFailed{c.job.cancel.order, reason_text(written(buf, sizeof buf, n))});
      break;
    }
    case JobKind::ListOpen:
    case JobKind::ListClosed: retry_listing(c.job, now()); break;
  }
  dispatch(now());
}

void OrderGateway::finish_place(const Job& job, const net::ResponseParser& r) {
  if (is_success(r.status())) {
    First first;
    if (decoder_.decode_orders(r.body(), first).ok() && first.found &&
        !first.order().exchange_id.empty()) {
      ++stats_.accepted;
      emit(OrderAccepted{job.place.order, first.order().exchange_id});
      return;
    }
    // Accepted, but we cannot tell which order it is: the listing will.
    ++stats_.unknown;
    emit(OrderOutcomeUnknown{job.place.order});
    return;
  }
  if (is_definitive_refusal(r.status())) {
    ++stats_.rejected;
    emit(OrderRejected{job.place.order, RejectKind::Definitive, {}, reason_of(decoder_, r)});
    return;
  }
  ++stats_.unknown;
  emit(OrderOutcomeUnknown{job.place.order});
}

void OrderGateway::finish_cancel(const Job& job, const net::ResponseParser& r) {
  if (is_success(r.status())) return;  // the stream or the next listing reports the cancel
  ++stats_.cancel_failed;
  emit(CancelFailed{job.cancel.order, reason_of(decoder_, r)});
}

void OrderGateway::finish_listing(const Job& job, const net::ResponseParser& r) {
  if (!is_success(r.status())) return retry_listing(job, now());
  Collect collect(listed_);
  if (!decoder_.decode_orders(r.body(), collect).ok()) return retry_listing(job, now());
  Job next = job;
  next.enqueued_ms = now();
  if (job.kind == JobKind::ListOpen && collect.count == config_.page_size &&
      job.page < config_.max_open_pages) {
    next.page = job.page + 1;  // a full page: there may be more
    (void)enqueue(next);
    return;
  }
  if (job.kind == JobKind::ListOpen) {
    next.kind = JobKind::ListClosed;
    next.page = 1;
    (void)enqueue(next);
    return;
  }
  // Both listings are in: hand the engine the whole snapshot at once.
  const std::uint64_t id = job.query.request_id;
  emit(ReconcileBegin{id, job.query.venue, {}});
  for (const ExchangeOrder& o : listed_) emit(ReconcileOrder{id, o});
  emit(ReconcileEnd{id, job.query.venue, {}});
  listed_.clear();
  query_active_ = false;
  if (has_pending_query_) {
    has_pending_query_ = false;
    (void)query(pending_query_, now());
  }
}

void OrderGateway::retry_listing(Job job, std::int64_t now_ms) {
  ++stats_.query_retries;
  job.not_before_ms = now_ms + config_.query_retry_ms;
  delayed_.push_back(job);  // reserved; at most one reconciliation's page is ever waiting
}

void OrderGateway::emit(const EventBody& event) { sink_.on_gateway_event(event); }

}  // namespace scalper::feed
