// market.hpp — the simulated CoinDCX Futures account and markets: instruments, a seeded price
// path per pair, limit-order matching against it, fees, isolated positions, wallets, margin.
//
// Pure and deterministic: no clock (callers pass now_ms), no I/O, no threads. The same seed
// and the same calls give the same ids, prices, fills and events, which is what lets the
// simulator's tests and benchmarks be exact. Everything that changes announces itself as a
// StreamEvent carrying the CoinDCX JSON of the object *at that moment*, so the stream shows
// the real status sequences (initial → open → partially_filled → filled) rather than the last
// state several times.
//
// Matching model (a price path, not a book): a resting buy fills when the last price falls
// to or below its limit, a sell when it rises to or above; resting orders fill at their own
// limit as makers. An order marketable on arrival fills at the last price as a taker.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <scalper/engine/decimal.hpp>

namespace scalper::sim {

enum class Side : std::uint8_t { Buy, Sell };
enum class OrderType : std::uint8_t { Limit, Market };
enum class OrderStatus : std::uint8_t {
  Initial,
  Open,
  PartiallyFilled,
  Filled,
  PartiallyCancelled,
  Cancelled,
  Rejected,
};

[[nodiscard]] std::string_view to_wire(Side s) noexcept;
[[nodiscard]] std::string_view to_wire(OrderType t) noexcept;
[[nodiscard]] std::string_view to_wire(OrderStatus s) noexcept;
[[nodiscard]] bool is_terminal(OrderStatus s) noexcept;
// Accepts the lower-case request filter names and the list table's upper-case, one-L
// spellings (docs/architecture.md §7.4): "cancelled", "CANCELED", ...
[[nodiscard]] std::optional<OrderStatus> parse_status(std::string_view text) noexcept;

struct InstrumentSpec {
  std::string pair;  // "B-BTC_USDT"
  Decimal price_increment;
  Decimal quantity_increment;
  Decimal min_quantity;
  Decimal max_quantity;
  Decimal min_notional;
  Decimal maker_fee_pct;  // 0.025 means 0.025 %
  Decimal taker_fee_pct;  // 0.075 means 0.075 %
  Decimal band_up_pct;    // limit price at most LTP × (1 + band_up_pct / 100)
  Decimal band_down_pct;  // limit price at least LTP × (1 − band_down_pct / 100)
  std::int64_t max_leverage = 20;
  std::int64_t default_leverage = 10;
  Decimal initial_price;
  Decimal trade_quantity;  // size of the public trade printed on each price move

  [[nodiscard]] std::string base() const;  // "BTC"
};

// BTC, ETH and ID (the doc samples' pair), with plausible increments and limits.
[[nodiscard]] std::vector<InstrumentSpec> default_instruments();

struct ExchangeConfig {
  std::uint64_t seed = 1;
  std::vector<InstrumentSpec> instruments = default_instruments();
  Decimal usdt_balance = Decimal::from_units(100'000);
  Decimal inr_balance = Decimal::from_units(10'000'000);
  Decimal inr_per_usdt = Decimal::from_units(89);        // settlement_currency_conversion_price
  Decimal walk_volatility_bps = Decimal::from_units(5);  // max move per walk step, basis points
  bool partial_fills = false;  // a crossing fills half of what rests (at least one increment)
  bool zero_filled_qty_on_final = false;  // the exchange quirk: filled_quantity 0 when filled
};

struct SimOrder {
  std::string id;
  std::string pair;
  Side side = Side::Buy;
  OrderType type = OrderType::Limit;
  OrderStatus status = OrderStatus::Initial;
  Decimal price;
  Decimal total_quantity;
  Decimal remaining_quantity;
  Decimal cancelled_quantity;
  Decimal avg_price;
  Decimal fee_amount;
  Decimal ideal_margin;   // margin reserved at placement, in USDT
  Decimal locked_margin;  // what is still reserved (released as it fills or is cancelled)
  Decimal maker_fee_pct;  // the instrument's, copied so the order's JSON is self-contained
  Decimal taker_fee_pct;
  Decimal conversion_price;  // INR per USDT for INR-margined orders, else 0
  std::int64_t leverage = 1;
  std::string margin_currency = "USDT";
  std::string notification = "no_notification";
  std::string time_in_force = "good_till_cancel";
  std::string position_margin_type = "isolated";
  std::string display_message;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;

  [[nodiscard]] Decimal filled_quantity() const noexcept {
    return total_quantity - remaining_quantity - cancelled_quantity;
  }
};

struct SimFill {
  std::string order_id;
  std::string pair;
  Side side = Side::Buy;
  Decimal price;
  Decimal quantity;
  Decimal fee;
  bool is_maker = true;
  std::int64_t timestamp_ms = 0;
  std::string margin_currency;
};

struct SimPosition {
  std::string id;
  std::string pair;
  Decimal active_pos;  // signed: negative is short
  Decimal avg_price;
  Decimal locked_margin;
  Decimal realized_pnl;
  Decimal inactive_buy;   // resting buy quantity on this pair
  Decimal inactive_sell;  // resting sell quantity on this pair
  std::int64_t leverage = 10;
  std::string margin_currency = "USDT";
  std::int64_t updated_at = 0;
};

struct SimWallet {
  std::string id;
  std::string currency;
  Decimal balance;
  Decimal locked_balance;
};

// One thing the stream announces. `data` is the JSON of the payload (what CoinDCX puts, as a
// string, in the envelope's "data"); `channel` is the join name that receives it.
struct StreamEvent {
  std::string channel;  // "coindcx", "B-BTC_USDT@prices-futures", ...
  std::string event;    // "df-order-update", "price-change", ...
  std::string data;
  std::string pair;           // for per-pair latency bookkeeping ("" when none)
  bool carries_fill = false;  // a df-order-update that reports a new fill
};

struct Reject {
  int http_status = 400;
  std::string message;
};

struct OrderRequest {
  std::string pair;
  Side side = Side::Buy;
  OrderType type = OrderType::Limit;
  std::optional<Decimal> price;
  Decimal quantity;
  std::int64_t leverage = 1;
  std::string time_in_force = "good_till_cancel";
  std::string notification = "no_notification";
  std::string margin_currency = "USDT";
  std::string position_margin_type = "isolated";
};

struct OrderFilter {
  std::vector<OrderStatus> statuses;  // empty: all
  std::optional<Side> side;
  std::optional<std::string> pair;
  std::optional<std::string> margin_currency;
};

class Exchange {
 public:
  using Events = std::vector<StreamEvent>;

  explicit Exchange(ExchangeConfig config);

  // ---- account calls (REST) --------------------------------------------------------------
  // Validates against the instrument and the margin available, then creates the order
  // (status initial), opens it and matches it. Returns the order as created.
  std::variant<Reject, SimOrder> place(const OrderRequest& req, std::int64_t now_ms, Events& out);
  std::optional<Reject> cancel(std::string_view id, std::int64_t now_ms, Events& out);
  std::variant<Reject, SimOrder> edit(std::string_view id, Decimal quantity, Decimal price,
                                      std::int64_t now_ms, Events& out);
  // Cancels every open order in the margin currency (all when empty); returns how many.
  std::size_t cancel_all(std::string_view margin_currency, std::int64_t now_ms, Events& out);
  std::optional<Reject> update_leverage(std::string_view pair, std::int64_t leverage,
                                        std::int64_t now_ms, Events& out);

  // ---- market (control API, walk timer) ---------------------------------------------------
  // Moves the last price (rounded to the price increment), prints a public trade of
  // trade_qty (the instrument's usual size when not given) and matches.
  std::optional<Reject> set_price(std::string_view pair, Decimal price, std::int64_t now_ms,
                                  Events& out, std::optional<Decimal> trade_qty = std::nullopt);
  // One step of the pair's seeded random walk.
  std::optional<Reject> walk_step(std::string_view pair, std::int64_t now_ms, Events& out);
  void set_volatility_bps(Decimal bps) noexcept { config_.walk_volatility_bps = bps; }

  // Faults that live in the account: the next placement is refused (HTTP) or accepted and
  // then rejected on the stream.
  enum class RejectMode : std::uint8_t { None, Http, Stream };
  void reject_next_order(RejectMode mode) noexcept { reject_next_ = mode; }

  // Restores the state right after construction (same seed, same ids again).
  void reset();

  // ---- queries ----------------------------------------------------------------------------
  [[nodiscard]] const InstrumentSpec* instrument(std::string_view pair) const noexcept;
  [[nodiscard]] const std::vector<InstrumentSpec>& instruments() const noexcept {
    return config_.instruments;
  }
  [[nodiscard]] const ExchangeConfig& config() const noexcept { return config_; }
  [[nodiscard]] std::optional<Decimal> last_price(std::string_view pair) const noexcept;
  [[nodiscard]] const SimOrder* order(std::string_view id) const noexcept;
  // Newest first, as the exchange lists them.
  [[nodiscard]] std::vector<const SimOrder*> orders(const OrderFilter& filter) const;
  [[nodiscard]] std::vector<const SimPosition*> positions() const;
  [[nodiscard]] const SimPosition* position(std::string_view pair) const noexcept;
  [[nodiscard]] std::vector<const SimWallet*> wallets() const;
  // A deque: fills never move once recorded, so a long session has no tick that pays for
  // copying every earlier fill (a vector's doubling did, measured in bench/sim).
  [[nodiscard]] const std::deque<SimFill>& fills() const noexcept { return fills_; }
  [[nodiscard]] std::size_t resting_orders() const noexcept;

 private:
  struct Market {
    const InstrumentSpec* spec = nullptr;
    Decimal last_price;
    std::uint64_t rng = 0;
    std::int64_t trade_seq = 0;
    // Resting limit orders by price; the order ids in arrival order within a price.
    std::multimap<Decimal, std::string, std::greater<>> bids;  // best (highest) first
    std::multimap<Decimal, std::string, std::less<>> asks;     // best (lowest) first
  };

  Market* market(std::string_view pair) noexcept;
  std::string next_uuid();
  SimWallet& wallet(std::string_view currency);
  SimPosition& position_for(const InstrumentSpec& spec);

  std::optional<Reject> validate(const OrderRequest& req, const Market& m) const;
  Decimal margin_required_usdt(const OrderRequest& req, Decimal price) const;
  Decimal available_usdt(std::string_view currency) const;
  Decimal to_currency(Decimal usdt, std::string_view currency) const;

  void rest(Market& m, SimOrder& o);
  void unrest(Market& m, const SimOrder& o);
  void match_resting(Market& m, std::int64_t now_ms, Events& out);
  void fill(Market& m, SimOrder& o, Decimal qty, Decimal price, bool maker, std::int64_t now_ms,
            Events& out);
  void finish_cancel(SimOrder& o, std::int64_t now_ms, Events& out);
  void refresh_locked(std::string_view currency);

  void emit_order(const SimOrder& o, bool carries_fill, Events& out) const;
  void emit_position(const SimPosition& p, Events& out) const;
  void emit_wallet(const SimWallet& w, Events& out) const;
  void emit_market(const Market& m, Decimal trade_qty, bool buyer_maker, std::int64_t now_ms,
                   Events& out);

  ExchangeConfig config_;
  std::uint64_t id_rng_ = 0;
  RejectMode reject_next_ = RejectMode::None;
  std::vector<Market> markets_;
  std::unordered_map<std::string, SimOrder> orders_;
  std::vector<std::string> order_sequence_;  // creation order
  std::map<std::string, SimPosition, std::less<>> positions_;
  std::map<std::string, SimWallet, std::less<>> wallets_;
  std::deque<SimFill> fills_;
  std::int64_t price_version_ = 0;  // "vs" of currentPrices updates
};

// ---- CoinDCX JSON of the objects (shared by REST replies and stream payloads) -------------
class JsonWriter;
void write_order_json(JsonWriter& w, const SimOrder& o, bool zero_filled_qty_quirk);
void write_position_json(JsonWriter& w, const SimPosition& p, Decimal mark_price);
void write_wallet_json(JsonWriter& w, const SimWallet& w_);
void write_fill_json(JsonWriter& w, const SimFill& f);
void write_instrument_json(JsonWriter& w, const InstrumentSpec& spec);

}  // namespace scalper::sim
