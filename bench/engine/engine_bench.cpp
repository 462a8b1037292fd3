// engine_bench.cpp — Engine::step() on the hot path: a fill in, the opposite order out.
//
// BM_FillToOpposite/bots:N  N bots, each with one accepted live order. Round-robin over the
//   bots, one iteration steps a full fill of a bot's order (the engine answers with exactly one
//   PlaceOrder on the other side) and the exchange's acceptance of that new order: 2 steps.
// BM_CommandMix/bots:N  the same fills with operator commands between them; per iteration
//   5 fill/accept pairs, 2 sell-price updates (each with its cancel confirmation and the
//   re-placement's acceptance) and a stop, its cancel confirmation, a start and its acceptance:
//   20 steps when every update re-places.
// BM_MarketTrade/bots:N  N bots, each with one accepted live buy; one iteration steps a public
//   trade of their ticker that goes through none of their prices (the common case): the engine
//   checks it against every order the exchange has (lost-report detection), and does nothing.
// BM_EngineSave/bots:N, BM_EngineRestore/bots:N  N bots (max_bots = N), each with one accepted
//   live order: one iteration writes the engine's whole state into a buffer sized once by
//   checkpoint_capacity() (what the runtime does on the engine thread), or restores it into an
//   engine of the same configuration (what a restart does). Checked once before timing: the
//   round trip gives back the same bytes and the same bots and orders. Counters: bytes (the
//   checkpoint's size), ns_per_bot, allocs_per_op (save must be 0).
//
// Items are engine steps. Counters: ns_per_step (wall time per step) and allocs_per_op (heap
// allocations per step in the timed loop; the engine's target is 0). Bot creation, venue
// reconciliation and exchange-id formatting happen outside the timing. Each benchmark checks
// once, before timing, that the engine does what the loop assumes; if it does not, the
// benchmark is skipped with the reason and the executable exits 1 (CI runs it as a smoke test).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "alloc_counter.hpp"
#include "event_factory.hpp"
#include "scalper/engine/engine.hpp"

namespace scalper::bench {
namespace {

using testing::EventFactory;

bool g_check_failed = false;  // set with every SkipWithError: main() then exits 1

void fail(benchmark::State& state, const char* why) {
  g_check_failed = true;
  state.SkipWithError(why);
}

// Unique exchange order ids, shaped like CoinDCX's 36-char UUIDs so copies and comparisons cost
// what they will in production. The engine may remember settled ids (to drop late duplicates),
// so ids are never reused. They are formatted ahead of use into a fixed table, so the timed loop
// only copies them; when the table runs low the loop refills it with the timer paused.
class ExchangeIds {
 public:
  static constexpr std::size_t kBatch = 4096;

  ExchangeIds() : ids_(kBatch) { refill(); }

  [[nodiscard]] std::size_t remaining() const noexcept { return ids_.size() - next_; }

  // The caller keeps remaining() > 0 (the loop checks once per iteration, not per id).
  [[nodiscard]] const ExchangeOrderId& take() noexcept { return ids_[next_++]; }

  // Setup only: refills itself.
  [[nodiscard]] const ExchangeOrderId& take_refilling() {
    if (remaining() == 0) refill();
    return take();
  }

  void refill() noexcept {
    for (ExchangeOrderId& id : ids_) {
      char text[kLength];
      std::memcpy(text, kPrefix.data(), kPrefix.size());
      std::uint64_t serial = serial_++;
      for (std::size_t i = kLength; i > kPrefix.size(); --i) {
        text[i - 1] = static_cast<char>('0' + serial % 10);
        serial /= 10;
      }
      if (!id.try_assign({text, kLength})) __builtin_trap();  // 36 < capacity 47
    }
    next_ = 0;
  }

 private:
  static constexpr std::string_view kPrefix = "b3e1c0de-5ca1-4e00-8000-";
  static constexpr std::size_t kLength = 36;  // prefix + 12 serial digits

  std::vector<ExchangeOrderId> ids_;
  std::size_t next_ = 0;
  std::uint64_t serial_ = 0;
};

// One bot as the benchmark's exchange sees it: the live order and what a fill of it reports.
struct BotBook {
  BotId bot;
  OrderId order;
  ExchangeOrderId exchange_id;
  Decimal price;
  Decimal quantity;
  Side side = Side::Buy;
  bool next_sell_alt = false;  // which of the two sell prices the next update sets
};

// The engine plus a scripted exchange that answers every request at once. Each operation
// returns nullptr when the engine did what the benchmark expects, else a reason to report.
class Desk {
 public:
  static EngineConfig config_for(std::uint32_t bots) {
    EngineConfig c;
    c.max_bots = bots;
    return c;
  }

  explicit Desk(std::uint32_t bots)
      : engine_(config_for(bots)), out_(engine_.outbox_capacity()), bot_count_(bots) {
    books_.reserve(bots);
    params_ = EventFactory::params();
    alt_params_ = EventFactory::params("ETH/USDT", Side::Buy, "0.01", "3900", "3960");
  }

  // Connects and reconciles the venue, then creates the bots and accepts their entry orders.
  const char* open() {
    if (!step(f_.connected())) return "step(StreamConnected) refused";
    if (!query_.has_value()) return "StreamConnected did not emit QueryOrders";
    const std::uint64_t request = query_->request_id;
    if (!step(f_.reconcile_begin(request)) || !step(f_.reconcile_end(request))) {
      return "reconciliation steps refused";
    }
    if (engine_.venue_link(Venue::CoinDcxFutures) != VenueLink::Live) {
      return "venue not Live after an empty reconciliation";
    }
    for (std::uint32_t i = 0; i < bot_count_; ++i) {
      if (!step(f_.create(params_))) return "step(CreateBot) refused";
      if (places_ != 1 || cancels_ != 0) return "CreateBot did not emit exactly one PlaceOrder";
      BotBook book;
      book.bot = place_.bot;
      if (const char* why = accept(book, ids_.take_refilling())) return why;
      books_.push_back(book);
    }
    return nullptr;
  }

  // The exchange reports a full fill of the bot's live order; the engine must place exactly one
  // order on the other side for the same bot, which the exchange then accepts. 2 steps.
  const char* fill(BotBook& b) noexcept {
    // Decoded in place into a reused event, as the feed thread writes into its queue slot.
    if (!std::holds_alternative<OrderUpdate>(fill_ev_.body)) fill_ev_.body.emplace<OrderUpdate>();
    ExchangeOrder& o = std::get<OrderUpdate>(fill_ev_.body).order;
    o.exchange_id = b.exchange_id;
    o.symbol = params_.ticker;
    o.status = ExchangeStatus::Filled;
    o.side = b.side;
    o.price = b.price;
    o.total_qty = b.quantity;
    o.filled_qty = b.quantity;
    o.avg_price = b.price;
    f_.stamp(fill_ev_);
    if (!step(fill_ev_)) return "step(fill) refused";
    if (places_ != 1 || cancels_ != 0) return "a fill did not emit exactly one PlaceOrder";
    if (place_.side != opposite(b.side)) return "the order placed after a fill is not opposite";
    if (place_.bot != b.bot) return "the order placed after a fill belongs to another bot";
    return accept(b, ids_.take());
  }

  // A sell-price update on an ACTIVE bot. If the engine cancels the live order to re-place it,
  // the exchange confirms the cancel and accepts the new order (3 steps); if it keeps the order
  // (it may, when only the other side's price changed), that is 1 step.
  const char* update_sell_price(BotBook& b) noexcept {
    b.next_sell_alt = !b.next_sell_alt;
    if (!step(f_.update(b.bot, b.next_sell_alt ? alt_params_ : params_, kUpdateSellPrice))) {
      return "step(UpdateBot) refused";
    }
    if (cancels_ == 0) {
      return places_ == 0 ? nullptr : "an update placed an order without cancelling the live one";
    }
    if (cancels_ != 1 || places_ != 0) return "an update did not emit exactly one CancelOrder";
    if (!step(f_.update_event(report(b, ExchangeStatus::Cancelled, Decimal{})))) {
      return "step(cancel confirmation) refused";
    }
    if (places_ != 1) return "a confirmed update-cancel did not emit exactly one PlaceOrder";
    return accept(b, ids_.take());
  }

  // Stop (cancel the live order), the exchange confirms, start again (place), the exchange
  // accepts. 4 steps.
  const char* stop_and_start(BotBook& b) noexcept {
    if (!step(f_.stop(b.bot))) return "step(StopBot) refused";
    if (cancels_ != 1 || places_ != 0) return "StopBot did not emit exactly one CancelOrder";
    if (!step(f_.update_event(report(b, ExchangeStatus::Cancelled, Decimal{})))) {
      return "step(cancel confirmation) refused";
    }
    if (places_ != 0) return "a confirmed stop-cancel placed an order";
    if (!step(f_.start(b.bot))) return "step(StartBot) refused";
    if (places_ != 1 || cancels_ != 0) return "StartBot did not emit exactly one PlaceOrder";
    return accept(b, ids_.take());
  }

  // A public trade of the bots' ticker at `price`: it must arm exactly `timers` venue timers
  // (one trade check when it goes through an order's price, none otherwise) and place nothing.
  const char* trade(Event& ev, std::size_t timers) noexcept {
    f_.stamp(ev);
    if (!step(ev)) return "step(MarketTrade) refused";
    if (places_ != 0 || cancels_ != 0 || query_.has_value())
      return "a trade asked for exchange work";
    if (timers_ != timers) return "a trade armed an unexpected number of timers";
    return nullptr;
  }
  [[nodiscard]] const BotParams& params() const noexcept { return params_; }

  // Cross-checks the engine's records against the book (setup only, not timed).
  const char* check_book(const BotBook& b) const noexcept {
    const BotRecord* bot = engine_.find_bot(b.bot);
    if (bot == nullptr) return "find_bot: bot not found";
    if (bot->status != BotStatus::Active) return "bot is not ACTIVE";
    if (bot->live_order != b.order) return "bot's live order is not the one last placed";
    const OrderRecord* order = engine_.find_order(b.order);
    if (order == nullptr) return "find_order: live order not found";
    if (order->status != OrderStatus::Open) return "accepted order is not OPEN";
    if (!(order->exchange_id == b.exchange_id)) return "accepted order lost its exchange id";
    return nullptr;
  }

  [[nodiscard]] std::vector<BotBook>& books() noexcept { return books_; }
  [[nodiscard]] const Engine& engine() const noexcept { return engine_; }
  [[nodiscard]] ExchangeIds& ids() noexcept { return ids_; }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }

 private:
  ExchangeOrder report(const BotBook& b, ExchangeStatus status, Decimal filled) const noexcept {
    ExchangeOrder o;
    o.exchange_id = b.exchange_id;
    o.symbol = params_.ticker;
    o.status = status;
    o.side = b.side;
    o.price = b.price;
    o.total_qty = b.quantity;
    o.filled_qty = filled;
    o.avg_price = filled.is_zero() ? Decimal{} : b.price;
    return o;
  }

  // The exchange accepts the order the last step placed; the book now tracks that order.
  const char* accept(BotBook& b, const ExchangeOrderId& exchange_id) noexcept {
    const PlaceOrder placed = place_;
    if (!std::holds_alternative<OrderAccepted>(accept_ev_.body)) {
      accept_ev_.body.emplace<OrderAccepted>();
    }
    OrderAccepted& a = std::get<OrderAccepted>(accept_ev_.body);
    a.order = placed.order;
    a.exchange_id = exchange_id;
    f_.stamp(accept_ev_);
    if (!step(accept_ev_)) return "step(OrderAccepted) refused";
    if (places_ != 0 || cancels_ != 0) return "an acceptance emitted exchange work";
    b.order = placed.order;
    b.exchange_id = exchange_id;
    b.side = placed.side;
    b.price = placed.price;
    b.quantity = placed.quantity;
    return nullptr;
  }

  // Steps one event and keeps what it asked of the exchange, as a runtime draining the outbox
  // would; then clears the outbox.
  bool step(const Event& ev) noexcept {
    const StepStatus status = engine_.step(ev, out_);
    ++steps_;
    places_ = 0;
    cancels_ = 0;
    timers_ = 0;
    query_.reset();
    for (const Action& a : out_.actions()) {
      if (std::holds_alternative<ArmTimer>(a)) ++timers_;
      if (const auto* p = std::get_if<PlaceOrder>(&a)) {
        place_ = *p;
        ++places_;
      } else if (std::holds_alternative<CancelOrder>(a)) {
        ++cancels_;
      } else if (const auto* q = std::get_if<QueryOrders>(&a)) {
        query_ = *q;
      }
    }
    const bool ok = status == StepStatus::Ok && !out_.overflowed();
    out_.clear();
    return ok;
  }

  EventFactory f_;
  Event fill_ev_;
  Event accept_ev_;
  Engine engine_;
  Outbox out_;
  ExchangeIds ids_;
  std::vector<BotBook> books_;
  BotParams params_;
  BotParams alt_params_;
  std::uint32_t bot_count_;
  std::uint64_t steps_ = 0;
  PlaceOrder place_;
  std::optional<QueryOrders> query_;
  std::uint32_t places_ = 0;
  std::uint32_t cancels_ = 0;
  std::uint32_t timers_ = 0;
};

// Wall time of a timed loop, less the stretches spent refilling exchange ids with the
// framework's timer paused, so ns_per_step is the time the steps took.
class LoopTimer {
 public:
  using Clock = std::chrono::steady_clock;

  LoopTimer() : start_(Clock::now()) {}
  void pause() { pause_start_ = Clock::now(); }
  void resume() { paused_ += Clock::now() - pause_start_; }
  [[nodiscard]] double elapsed_ns() const {
    return std::chrono::duration<double, std::nano>(Clock::now() - start_ - paused_).count();
  }

 private:
  Clock::time_point start_;
  Clock::time_point pause_start_;
  Clock::duration paused_{};
};

void report_counters(benchmark::State& state, std::uint64_t steps, std::uint64_t allocs,
                     double elapsed_ns) {
  if (steps == 0) return;
  const auto n = static_cast<double>(steps);
  state.SetItemsProcessed(static_cast<std::int64_t>(steps));
  state.counters["allocs_per_op"] = benchmark::Counter(static_cast<double>(allocs) / n);
  state.counters["ns_per_step"] = benchmark::Counter(elapsed_ns / n);
  state.counters["bots"] = static_cast<double>(state.range(0));
}

void BM_FillToOpposite(benchmark::State& state) {
  const auto bots = static_cast<std::uint32_t>(state.range(0));
  Desk desk(bots);
  if (const char* why = desk.open()) return fail(state, why);
  std::vector<BotBook>& books = desk.books();

  // The check before timing: one fill gives exactly one opposite PlaceOrder (Desk::fill) and
  // the engine's records agree with what the exchange was told.
  if (const char* why = desk.fill(books[0])) return fail(state, why);
  if (const char* why = desk.check_book(books[0])) return fail(state, why);

  std::size_t cursor = 1 % books.size();
  ExchangeIds& ids = desk.ids();
  const std::uint64_t steps_before = desk.steps();
  const testing::AllocationScope allocations;
  LoopTimer timer;
  for (auto _ : state) {
    if (ids.remaining() < 1) {
      timer.pause();
      state.PauseTiming();
      ids.refill();
      state.ResumeTiming();
      timer.resume();
    }
    if (const char* why = desk.fill(books[cursor])) {
      fail(state, why);
      break;
    }
    if (++cursor == books.size()) cursor = 0;
  }
  const double elapsed_ns = timer.elapsed_ns();
  report_counters(state, desk.steps() - steps_before, allocations.count(), elapsed_ns);
}

void BM_CommandMix(benchmark::State& state) {
  constexpr std::size_t kFillsPerIteration = 5;
  constexpr std::size_t kIdsPerIteration = kFillsPerIteration + 2 + 1;  // fills, updates, start

  const auto bots = static_cast<std::uint32_t>(state.range(0));
  Desk desk(bots);
  if (const char* why = desk.open()) return fail(state, why);
  std::vector<BotBook>& books = desk.books();
  const std::size_t n = books.size();

  // The check before timing: one of each operation, then the records of every bot touched.
  if (const char* why = desk.fill(books[0])) return fail(state, why);
  if (const char* why = desk.update_sell_price(books[n / 2])) return fail(state, why);
  if (const char* why = desk.stop_and_start(books[n - 1])) return fail(state, why);
  for (const std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
    if (const char* why = desk.check_book(books[i])) return fail(state, why);
  }

  // Fills walk the bots in order; commands walk them from the middle, so with many bots a
  // command rarely lands on the bot that just filled (as in production).
  std::size_t fill_cursor = 1 % n;
  std::size_t command_cursor = n / 2;
  ExchangeIds& ids = desk.ids();
  const std::uint64_t steps_before = desk.steps();
  const testing::AllocationScope allocations;
  LoopTimer timer;
  for (auto _ : state) {
    if (ids.remaining() < kIdsPerIteration) {
      timer.pause();
      state.PauseTiming();
      ids.refill();
      state.ResumeTiming();
      timer.resume();
    }
    const char* why = nullptr;
    for (std::size_t k = 0; k < kFillsPerIteration && why == nullptr; ++k) {
      why = desk.fill(books[fill_cursor]);
      if (++fill_cursor == n) fill_cursor = 0;
    }
    for (int k = 0; k < 3 && why == nullptr; ++k) {
      BotBook& b = books[command_cursor];
      why = k < 2 ? desk.update_sell_price(b) : desk.stop_and_start(b);
      if (++command_cursor == n) command_cursor = 0;
    }
    if (why != nullptr) {
      fail(state, why);
      break;
    }
  }
  const double elapsed_ns = timer.elapsed_ns();
  report_counters(state, desk.steps() - steps_before, allocations.count(), elapsed_ns);
}

void BM_MarketTrade(benchmark::State& state) {
  const auto bots = static_cast<std::uint32_t>(state.range(0));
  Desk desk(bots);
  if (const char* why = desk.open()) return fail(state, why);
  const BotParams& p = desk.params();  // every bot rests a buy at p.buy_price
  Event between;
  between.body = MarketTrade{p.ticker, p.buy_price + Decimal::from_units(1), 0, p.venue, {}};
  Event through;
  through.body = MarketTrade{p.ticker, p.buy_price, 0, p.venue, {}};
  // The check before timing: a trade above every buy arms nothing; one at their price arms
  // one trade check (for all of them); then the timed trades between arm nothing either.
  if (const char* why = desk.trade(between, 0)) return fail(state, why);
  if (const char* why = desk.trade(through, 1)) return fail(state, why);

  const std::uint64_t steps_before = desk.steps();
  const testing::AllocationScope allocations;
  LoopTimer timer;
  for (auto _ : state) {
    if (const char* why = desk.trade(between, 0)) {
      fail(state, why);
      break;
    }
  }
  const double elapsed_ns = timer.elapsed_ns();
  report_counters(state, desk.steps() - steps_before, allocations.count(), elapsed_ns);
}

// A checkpoint of a desk's engine, and the check made before timing save or restore: the bytes
// restore into a fresh engine of the same configuration, which saves them back unchanged and
// holds every bot with its live order. nullptr when all is as expected.
const char* check_round_trip(Desk& desk, const std::vector<std::byte>& bytes, std::uint32_t bots) {
  if (bytes.empty()) return "save() wrote nothing into a buffer of checkpoint_capacity()";
  Engine restored(Desk::config_for(bots));
  if (!restored.restore(bytes)) return "restore() refused what save() wrote";
  std::vector<std::byte> again(restored.checkpoint_capacity());
  again.resize(restored.save(again));
  if (again != bytes) return "save -> restore -> save is not byte-identical";
  if (restored.bot_count() != bots) return "the restored engine lost bots";
  for (const BotBook& b : desk.books()) {
    const BotRecord* bot = restored.find_bot(b.bot);
    if (bot == nullptr || bot->live_order != b.order) return "a restored bot lost its order";
    const OrderRecord* order = restored.find_order(b.order);
    if (order == nullptr || !(order->exchange_id == b.exchange_id)) {
      return "a restored order lost its exchange id";
    }
  }
  return nullptr;
}

void report_checkpoint(benchmark::State& state, std::size_t bytes, std::uint64_t allocs,
                       double elapsed_ns) {
  const auto iterations = static_cast<double>(state.iterations());
  if (iterations == 0) return;
  const auto bots = static_cast<double>(state.range(0));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["ns_per_bot"] = benchmark::Counter(elapsed_ns / iterations / bots);
  state.counters["allocs_per_op"] = benchmark::Counter(static_cast<double>(allocs) / iterations);
  state.counters["bots"] = bots;
}

void BM_EngineSave(benchmark::State& state) {
  const auto bots = static_cast<std::uint32_t>(state.range(0));
  Desk desk(bots);
  if (const char* why = desk.open()) return fail(state, why);
  const Engine& engine = desk.engine();
  std::vector<std::byte> buffer(engine.checkpoint_capacity());
  std::vector<std::byte> first(buffer.size());
  first.resize(engine.save(first));
  if (const char* why = check_round_trip(desk, first, bots)) return fail(state, why);

  std::size_t written = 0;
  const testing::AllocationScope allocations;
  LoopTimer timer;
  for (auto _ : state) {
    written = engine.save(buffer);
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  const double elapsed_ns = timer.elapsed_ns();
  const std::uint64_t allocs = allocations.count();
  if (written != first.size()) return fail(state, "save() wrote a different size in the loop");
  report_checkpoint(state, written, allocs, elapsed_ns);
}

void BM_EngineRestore(benchmark::State& state) {
  const auto bots = static_cast<std::uint32_t>(state.range(0));
  Desk desk(bots);
  if (const char* why = desk.open()) return fail(state, why);
  std::vector<std::byte> bytes(desk.engine().checkpoint_capacity());
  bytes.resize(desk.engine().save(bytes));
  if (const char* why = check_round_trip(desk, bytes, bots)) return fail(state, why);

  Engine restored(Desk::config_for(bots));
  bool ok = true;
  const testing::AllocationScope allocations;
  LoopTimer timer;
  for (auto _ : state) {
    ok &= restored.restore(bytes);
    benchmark::ClobberMemory();
  }
  const double elapsed_ns = timer.elapsed_ns();
  const std::uint64_t allocs = allocations.count();
  if (!ok) return fail(state, "restore() refused the checkpoint in the loop");
  report_checkpoint(state, bytes.size(), allocs, elapsed_ns);
}

BENCHMARK(BM_FillToOpposite)->ArgName("bots")->Arg(1)->Arg(1000)->Arg(10000);
BENCHMARK(BM_CommandMix)->ArgName("bots")->Arg(1)->Arg(1000)->Arg(10000);
BENCHMARK(BM_MarketTrade)->ArgName("bots")->Arg(1)->Arg(1000)->Arg(10000);
BENCHMARK(BM_EngineSave)->ArgName("bots")->Arg(1)->Arg(1000)->Arg(10000);
BENCHMARK(BM_EngineRestore)->ArgName("bots")->Arg(1)->Arg(1000)->Arg(10000);

void print_help() {
  std::fputs(
      "engine_bench: Engine::step() throughput, fill -> opposite order (Google Benchmark).\n"
      "  BM_FillToOpposite/bots:N  fill + acceptance of the opposite order, round-robin\n"
      "  BM_CommandMix/bots:N      fills with price updates, stop and start between them\n"
      "  BM_MarketTrade/bots:N     a public trade through no order's price\n"
      "  BM_EngineSave/bots:N      the engine's whole state into a checkpoint buffer\n"
      "  BM_EngineRestore/bots:N   a checkpoint back into an engine\n"
      "Counters: ns_per_step (ns_per_bot, bytes for checkpoints), allocs_per_op (target 0).\n"
      "Exits 1 if a pre-timing check fails.\n"
      "Usually run through `./scalper bench` (JSON into build/bench/).\n\n",
      stdout);
  benchmark::PrintDefaultHelp();
}

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "-h") {
      scalper::bench::print_help();
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv, scalper::bench::print_help);  // --help: prints, exits 0
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return scalper::bench::g_check_failed ? 1 : 0;
}
