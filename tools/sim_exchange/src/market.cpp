#include <scalper/sim/market.hpp>

#include <algorithm>
#include <cstdlib>

#include <scalper/sim/json.hpp>

namespace scalper::sim {
namespace {

constexpr Decimal dec(std::string_view text) {
  // Compile-time literals only (instrument tables); parse_decimal is not constexpr, so this
  // does the small subset by hand: digits with an optional fraction.
  std::int64_t whole = 0;
  std::int64_t frac = 0;
  int frac_digits = 0;
  bool in_frac = false;
  for (char c : text) {
    if (c == '.') {
      in_frac = true;
      continue;
    }
    if (in_frac) {
      frac = frac * 10 + (c - '0');
      ++frac_digits;
    } else {
      whole = whole * 10 + (c - '0');
    }
  }
  while (frac_digits < Decimal::kScale) {
    frac *= 10;
    ++frac_digits;
  }
  return Decimal::from_raw(whole * Decimal::kOne + frac);
}

// Overflow in the simulator's own arithmetic is refused at the validation step (quantities
// and prices are bounded by the instrument), so these saturate instead of failing.
Decimal mul(Decimal a, Decimal b) {
  Decimal out;
  if (!mul_checked(a, b, out))
    return Decimal::from_raw(a.is_negative() != b.is_negative() ? INT64_MIN / 2 : INT64_MAX / 2);
  return out;
}
Decimal div(Decimal a, Decimal b) {
  Decimal out;
  if (!div_checked(a, b, out)) return Decimal{};
  return out;
}
Decimal abs(Decimal d) { return d.is_negative() ? -d : d; }
Decimal min(Decimal a, Decimal b) { return a < b ? a : b; }
Decimal percent(Decimal value, Decimal pct) {
  return div(mul(value, pct), Decimal::from_units(100));
}

bool divisible(Decimal value, Decimal increment) {
  return increment.raw() <= 0 || value.raw() % increment.raw() == 0;
}
Decimal round_down_to(Decimal value, Decimal increment) {
  if (increment.raw() <= 0) return value;
  return Decimal::from_raw(value.raw() / increment.raw() * increment.raw());
}
Decimal round_to(Decimal value, Decimal increment) {
  if (increment.raw() <= 0) return value;
  const std::int64_t q = value.raw() / increment.raw();
  const std::int64_t r = value.raw() % increment.raw();
  std::int64_t n = q;
  if (2 * std::llabs(r) >= increment.raw()) n += r < 0 ? -1 : 1;
  return Decimal::from_raw(n * increment.raw());
}

std::string text(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

// splitmix64: tiny, fast, and a full-period stream per seed; the simulator needs
// reproducibility, not cryptographic quality.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string display_message(const SimOrder& o, std::string_view what, std::string_view base) {
  std::string msg(base);
  msg += ' ';
  msg += o.type == OrderType::Limit ? "limit" : "market";
  msg += ' ';
  msg += to_wire(o.side);
  msg += " order ";
  msg += what;
  msg += '!';
  return msg;
}

}  // namespace

// ---- enums ------------------------------------------------------------------------------

std::string_view to_wire(Side s) noexcept { return s == Side::Buy ? "buy" : "sell"; }
std::string_view to_wire(OrderType t) noexcept {
  return t == OrderType::Limit ? "limit_order" : "market_order";
}
std::string_view to_wire(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::Initial: return "initial";
    case OrderStatus::Open: return "open";
    case OrderStatus::PartiallyFilled: return "partially_filled";
    case OrderStatus::Filled: return "filled";
    case OrderStatus::PartiallyCancelled: return "partially_cancelled";
    case OrderStatus::Cancelled: return "cancelled";
    case OrderStatus::Rejected: return "rejected";
  }
  return "?";
}
bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::Filled || s == OrderStatus::PartiallyCancelled ||
         s == OrderStatus::Cancelled || s == OrderStatus::Rejected;
}
std::optional<OrderStatus> parse_status(std::string_view t) noexcept {
  std::string lower(t);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "initial" || lower == "init") return OrderStatus::Initial;
  if (lower == "open") return OrderStatus::Open;
  if (lower == "partially_filled") return OrderStatus::PartiallyFilled;
  if (lower == "filled") return OrderStatus::Filled;
  if (lower == "partially_cancelled" || lower == "partially_canceled")
    return OrderStatus::PartiallyCancelled;
  if (lower == "cancelled" || lower == "canceled") return OrderStatus::Cancelled;
  if (lower == "rejected") return OrderStatus::Rejected;
  return std::nullopt;
}

std::string InstrumentSpec::base() const {
  const auto dash = pair.find('-');
  const auto under = pair.find('_');
  if (dash == std::string::npos || under == std::string::npos || under < dash) return pair;
  return pair.substr(dash + 1, under - dash - 1);
}

std::vector<InstrumentSpec> default_instruments() {
  std::vector<InstrumentSpec> v;
  auto add = [&](std::string pair, std::string_view tick, std::string_view step,
                 std::string_view min_q, std::string_view max_q, std::string_view price,
                 std::string_view trade_q, std::int64_t max_lev) {
    InstrumentSpec s;
    s.pair = std::move(pair);
    s.price_increment = dec(tick);
    s.quantity_increment = dec(step);
    s.min_quantity = dec(min_q);
    s.max_quantity = dec(max_q);
    s.min_notional = dec("6");
    s.maker_fee_pct = dec("0.025");
    s.taker_fee_pct = dec("0.075");
    s.band_up_pct = dec("8");
    s.band_down_pct = dec("8");
    s.max_leverage = max_lev;
    s.default_leverage = 10;
    s.initial_price = dec(price);
    s.trade_quantity = dec(trade_q);
    v.push_back(std::move(s));
  };
  add("B-BTC_USDT", "0.1", "0.001", "0.001", "1000", "65000", "0.003", 50);
  add("B-ETH_USDT", "0.01", "0.001", "0.001", "10000", "3500", "0.05", 50);
  add("B-ID_USDT", "0.0001", "1", "1", "5000000", "0.3473", "40", 20);
  return v;
}

// ---- construction -----------------------------------------------------------------------

Exchange::Exchange(ExchangeConfig config) : config_(std::move(config)) { reset(); }

void Exchange::reset() {
  id_rng_ = config_.seed ^ 0x5CA1'9E85'1D00'0001ull;
  reject_next_ = RejectMode::None;
  orders_.clear();
  order_sequence_.clear();
  positions_.clear();
  wallets_.clear();
  fills_.clear();
  price_version_ = 0;
  markets_.clear();
  markets_.reserve(config_.instruments.size());
  for (std::size_t i = 0; i < config_.instruments.size(); ++i) {
    Market m;
    m.spec = &config_.instruments[i];
    m.last_price = config_.instruments[i].initial_price;
    m.rng = config_.seed * 0x9E3779B97F4A7C15ull + i + 1;
    markets_.push_back(std::move(m));
  }
  for (const auto& [ccy, amount] :
       {std::pair{"USDT", config_.usdt_balance}, std::pair{"INR", config_.inr_balance}}) {
    SimWallet w;
    w.id = next_uuid();
    w.currency = ccy;
    w.balance = amount;
    wallets_.emplace(w.currency, std::move(w));
  }
  for (const auto& spec : config_.instruments) (void)position_for(spec);
}

std::string Exchange::next_uuid() {
  const std::uint64_t hi = next_random(id_rng_);
  const std::uint64_t lo = next_random(id_rng_);
  static constexpr char kHex[] = "0123456789abcdef";
  // RFC 4122 version-4 layout, so clients that validate UUIDs accept ours.
  std::uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes[i] >> 4]);
    s.push_back(kHex[bytes[i] & 0xF]);
  }
  return s;
}

Exchange::Market* Exchange::market(std::string_view pair) noexcept {
  for (auto& m : markets_) {
    if (m.spec->pair == pair) return &m;
  }
  return nullptr;
}

const InstrumentSpec* Exchange::instrument(std::string_view pair) const noexcept {
  for (const auto& s : config_.instruments) {
    if (s.pair == pair) return &s;
  }
  return nullptr;
}

std::optional<Decimal> Exchange::last_price(std::string_view pair) const noexcept {
  for (const auto& m : markets_) {
    if (m.spec->pair == pair) return m.last_price;
  }
  return std::nullopt;
}

SimWallet& Exchange::wallet(std::string_view currency) {
  auto it = wallets_.find(currency);
  if (it != wallets_.end()) return it->second;
  SimWallet w;
  w.id = next_uuid();
  w.currency = std::string(currency);
  return wallets_.emplace(w.currency, std::move(w)).first->second;
}

SimPosition& Exchange::position_for(const InstrumentSpec& spec) {
  auto it = positions_.find(spec.pair);
  if (it != positions_.end()) return it->second;
  SimPosition p;
  p.id = next_uuid();
  p.pair = spec.pair;
  p.leverage = spec.default_leverage;
  return positions_.emplace(p.pair, std::move(p)).first->second;
}

Decimal Exchange::to_currency(Decimal usdt, std::string_view currency) const {
  return currency == "INR" ? mul(usdt, config_.inr_per_usdt) : usdt;
}

Decimal Exchange::available_usdt(std::string_view currency) const {
  auto it = wallets_.find(currency);
  if (it == wallets_.end()) return Decimal{};
  const Decimal free = it->second.balance - it->second.locked_balance;
  return currency == "INR" ? div(free, config_.inr_per_usdt) : free;
}

// ---- validation -------------------------------------------------------------------------

Decimal Exchange::margin_required_usdt(const OrderRequest& req, Decimal price) const {
  // An order against the position only needs margin for the part that opens new exposure.
  Decimal opening = req.quantity;
  if (auto it = positions_.find(req.pair); it != positions_.end()) {
    const Decimal pos = it->second.active_pos;
    const bool reduces = (req.side == Side::Sell && pos.is_positive()) ||
                         (req.side == Side::Buy && pos.is_negative());
    if (reduces) opening = std::max(Decimal{}, req.quantity - abs(pos));
  }
  return div(mul(price, opening), Decimal::from_units(std::max<std::int64_t>(req.leverage, 1)));
}

std::optional<Reject> Exchange::validate(const OrderRequest& req, const Market& m) const {
  const InstrumentSpec& s = *m.spec;
  auto reject = [](int status, std::string msg) { return Reject{status, std::move(msg)}; };
  if (req.margin_currency != "USDT" && req.margin_currency != "INR") {
    return reject(400, "margin_currency_short_name must be USDT or INR");
  }
  if (!req.quantity.is_positive()) return reject(400, "Quantity should be greater than 0");
  if (!divisible(req.quantity, s.quantity_increment)) {
    return reject(400, "Quantity should be divisible by " + text(s.quantity_increment));
  }
  if (req.quantity < s.min_quantity) {
    return reject(400, "Quantity should be greater than or equal to " + text(s.min_quantity));
  }
  if (req.quantity > s.max_quantity) {
    return reject(400, "Quantity should be less than or equal to " + text(s.max_quantity));
  }
  Decimal price = m.last_price;
  if (req.type == OrderType::Limit) {
    if (!req.price || !req.price->is_positive())
      return reject(400, "Price should be greater than 0");
    price = *req.price;
    if (!divisible(price, s.price_increment)) {
      return reject(400, "Price should be divisible by " + text(s.price_increment));
    }
    const Decimal upper =
        round_down_to(m.last_price + percent(m.last_price, s.band_up_pct), s.price_increment);
    const Decimal lower = m.last_price - percent(m.last_price, s.band_down_pct);
    if (price > upper) return reject(400, "Please enter a value lower than " + text(upper));
    if (price < lower) {
      return reject(400, "Please enter a value higher than " +
                             text(round_to(lower + s.price_increment, s.price_increment)));
    }
  }
  if (mul(price, req.quantity) < s.min_notional) {
    return reject(400, "Order value should be at least " + text(s.min_notional) + " USDT");
  }
  if (req.leverage < 1 || req.leverage > s.max_leverage) {
    return reject(422, "Leverage should be between 1 and " + std::to_string(s.max_leverage));
  }
  if (auto it = positions_.find(req.pair); it != positions_.end()) {
    const SimPosition& p = it->second;
    const bool idle = p.active_pos.is_zero() && m.bids.empty() && m.asks.empty();
    // An idle position takes the order's leverage (what the original client relied on);
    // otherwise the documented rule holds.
    if (!idle && p.leverage != req.leverage) {
      return reject(422, "Order leverage must be equal to position leverage");
    }
  }
  if (margin_required_usdt(req, price) > available_usdt(req.margin_currency)) {
    return reject(422, "Insufficient funds");
  }
  return std::nullopt;
}

// ---- account calls ----------------------------------------------------------------------

std::variant<Reject, SimOrder> Exchange::place(const OrderRequest& req, std::int64_t now_ms,
                                               Events& out) {
  Market* m = market(req.pair);
  if (m == nullptr) return Reject{400, "Invalid pair " + req.pair};
  if (auto r = validate(req, *m)) return *r;
  if (reject_next_ == RejectMode::Http) {
    reject_next_ = RejectMode::None;
    return Reject{422, "Order rejected by the exchange (simulated)"};
  }

  SimOrder o;
  o.id = next_uuid();
  o.pair = req.pair;
  o.side = req.side;
  o.type = req.type;
  o.price = req.type == OrderType::Limit ? *req.price : m->last_price;
  o.total_quantity = req.quantity;
  o.remaining_quantity = req.quantity;
  o.leverage = req.leverage;
  o.margin_currency = req.margin_currency;
  o.notification = req.notification;
  o.time_in_force = req.time_in_force;
  o.position_margin_type = req.position_margin_type;
  o.created_at = now_ms;
  o.updated_at = now_ms;
  o.ideal_margin = margin_required_usdt(req, o.price);
  o.maker_fee_pct = m->spec->maker_fee_pct;
  o.taker_fee_pct = m->spec->taker_fee_pct;
  o.conversion_price = req.margin_currency == "INR" ? config_.inr_per_usdt : Decimal{};
  o.display_message = display_message(o, "placed", m->spec->base());

  SimPosition& pos = position_for(*m->spec);
  if (pos.active_pos.is_zero() && m->bids.empty() && m->asks.empty()) {
    pos.leverage = req.leverage;
    pos.margin_currency = req.margin_currency;
  }

  auto [it, inserted] = orders_.emplace(o.id, o);
  (void)inserted;  // ids come from a 128-bit stream: never repeat within a run
  order_sequence_.push_back(o.id);
  SimOrder& live = it->second;
  const SimOrder created = live;  // the REST reply shows the order as created
  emit_order(live, false, out);

  if (reject_next_ == RejectMode::Stream) {
    reject_next_ = RejectMode::None;
    live.status = OrderStatus::Rejected;
    live.cancelled_quantity = live.remaining_quantity;
    live.remaining_quantity = Decimal{};
    live.display_message = "Order rejected (simulated)";
    emit_order(live, false, out);
    return created;
  }

  live.status = OrderStatus::Open;
  live.locked_margin = live.ideal_margin;
  SimWallet& w = wallet(live.margin_currency);
  w.locked_balance += to_currency(live.locked_margin, live.margin_currency);
  emit_order(live, false, out);
  emit_wallet(w, out);

  // Marketable on arrival: take at the last price.
  const bool marketable =
      live.type == OrderType::Market ||
      (live.side == Side::Buy ? live.price >= m->last_price : live.price <= m->last_price);
  if (marketable) {
    Decimal qty = live.remaining_quantity;
    if (config_.partial_fills && live.type == OrderType::Limit) {
      qty = std::max(round_down_to(div(qty, Decimal::from_units(2)), m->spec->quantity_increment),
                     min(m->spec->quantity_increment, qty));
    }
    fill(*m, live, qty, m->last_price, false, now_ms, out);
  }
  if (!is_terminal(live.status)) {
    if (live.type == OrderType::Market || live.time_in_force != "good_till_cancel") {
      finish_cancel(live, now_ms, out);  // IOC/FOK and market remainders do not rest
    } else {
      rest(*m, live);
    }
  }
  return created;
}

std::optional<Reject> Exchange::cancel(std::string_view id, std::int64_t now_ms, Events& out) {
  auto it = orders_.find(std::string(id));
  if (it == orders_.end()) return Reject{400, "Order not found"};
  SimOrder& o = it->second;
  if (is_terminal(o.status))
    return Reject{422, "Order is already " + std::string(to_wire(o.status))};
  if (Market* m = market(o.pair)) unrest(*m, o);
  finish_cancel(o, now_ms, out);
  return std::nullopt;
}

std::variant<Reject, SimOrder> Exchange::edit(std::string_view id, Decimal quantity, Decimal price,
                                              std::int64_t now_ms, Events& out) {
  auto it = orders_.find(std::string(id));
  if (it == orders_.end()) return Reject{400, "Order not found"};
  SimOrder& o = it->second;
  if (is_terminal(o.status))
    return Reject{422, "Order is already " + std::string(to_wire(o.status))};
  if (o.type != OrderType::Limit) return Reject{422, "Only limit orders can be edited"};
  Market* m = market(o.pair);
  const Decimal filled = o.filled_quantity();
  if (quantity <= filled) {
    return Reject{400, "Quantity should be greater than the filled quantity " + text(filled)};
  }
  OrderRequest req;
  req.pair = o.pair;
  req.side = o.side;
  req.price = price;
  req.quantity = quantity;
  req.leverage = o.leverage;
  req.margin_currency = o.margin_currency;
  // Validate as a fresh order, but with this order's own margin counted as available.
  SimWallet& w = wallet(o.margin_currency);
  const Decimal held = to_currency(o.locked_margin, o.margin_currency);
  w.locked_balance -= held;
  unrest(*m, o);
  auto rejected = validate(req, *m);
  if (rejected) {
    w.locked_balance += held;
    rest(*m, o);
    return *rejected;
  }
  o.price = price;
  o.total_quantity = quantity;
  o.remaining_quantity = quantity - filled - o.cancelled_quantity;
  o.ideal_margin = margin_required_usdt(req, price);
  o.locked_margin = div(mul(o.ideal_margin, o.remaining_quantity), quantity);
  w.locked_balance += to_currency(o.locked_margin, o.margin_currency);
  o.updated_at = now_ms;
  o.display_message = "Order edited successfully";
  rest(*m, o);
  emit_order(o, false, out);
  emit_wallet(w, out);
  const SimOrder edited = o;
  if (o.side == Side::Buy ? o.price >= m->last_price : o.price <= m->last_price) {
    unrest(*m, o);
    fill(*m, o, o.remaining_quantity, m->last_price, false, now_ms, out);
    if (!is_terminal(o.status)) rest(*m, o);
  }
  return edited;
}

std::size_t Exchange::cancel_all(std::string_view margin_currency, std::int64_t now_ms,
                                 Events& out) {
  std::size_t n = 0;
  for (const auto& id : order_sequence_) {
    SimOrder& o = orders_.at(id);
    if (is_terminal(o.status)) continue;
    if (!margin_currency.empty() && o.margin_currency != margin_currency) continue;
    if (Market* m = market(o.pair)) unrest(*m, o);
    finish_cancel(o, now_ms, out);
    ++n;
  }
  return n;
}

std::optional<Reject> Exchange::update_leverage(std::string_view pair, std::int64_t leverage,
                                                std::int64_t now_ms, Events& out) {
  const InstrumentSpec* spec = instrument(pair);
  if (spec == nullptr) return Reject{400, "Invalid pair " + std::string(pair)};
  if (leverage < 1 || leverage > spec->max_leverage) {
    return Reject{422, "Leverage should be between 1 and " + std::to_string(spec->max_leverage)};
  }
  Market* m = market(pair);
  if (!m->bids.empty() || !m->asks.empty()) {
    return Reject{422, "Leverage cannot be changed while orders are open"};
  }
  SimPosition& p = position_for(*spec);
  if (!p.active_pos.is_zero()) {
    // Isolated margin must still cover the position at the new leverage.
    SimWallet& w = wallet(p.margin_currency);
    const Decimal old_margin = p.locked_margin;
    const Decimal new_margin =
        div(mul(abs(p.active_pos), p.avg_price), Decimal::from_units(leverage));
    if (new_margin - old_margin > available_usdt(p.margin_currency)) {
      return Reject{422, "Insufficient funds"};
    }
    w.locked_balance +=
        to_currency(new_margin, p.margin_currency) - to_currency(old_margin, p.margin_currency);
    p.locked_margin = new_margin;
  }
  p.leverage = leverage;
  p.updated_at = now_ms;
  emit_position(p, out);
  return std::nullopt;
}

// ---- market -----------------------------------------------------------------------------

std::optional<Reject> Exchange::set_price(std::string_view pair, Decimal price, std::int64_t now_ms,
                                          Events& out, std::optional<Decimal> trade_qty) {
  Market* m = market(pair);
  if (m == nullptr) return Reject{400, "Invalid pair " + std::string(pair)};
  const Decimal rounded = round_to(price, m->spec->price_increment);
  if (!rounded.is_positive()) return Reject{400, "price must be positive"};
  const bool up = rounded >= m->last_price;
  m->last_price = rounded;
  // Buyer is the maker when the price ticks down (a seller hit the bid).
  emit_market(*m, trade_qty.value_or(m->spec->trade_quantity), !up, now_ms, out);
  match_resting(*m, now_ms, out);
  return std::nullopt;
}

std::optional<Reject> Exchange::walk_step(std::string_view pair, std::int64_t now_ms, Events& out) {
  Market* m = market(pair);
  if (m == nullptr) return Reject{400, "Invalid pair " + std::string(pair)};
  // Uniform move in [-vol, +vol] basis points of the price, at least one tick either way.
  const std::uint64_t r = next_random(m->rng);
  const std::int64_t u = static_cast<std::int64_t>(r % 2'000'001) - 1'000'000;  // ±1e6
  // fraction = vol_bps × u / 10^4, with u in [-1, 1] carried as millionths.
  const Decimal u_frac = Decimal::from_raw(u * 100);
  const Decimal fraction =
      div(mul(config_.walk_volatility_bps, u_frac), Decimal::from_units(10'000));
  Decimal step = mul(m->last_price, fraction);
  step = round_to(step, m->spec->price_increment);
  if (step.is_zero()) step = (r & 1) ? m->spec->price_increment : -m->spec->price_increment;
  Decimal next = m->last_price + step;
  if (!next.is_positive()) next = m->spec->price_increment;
  return set_price(pair, next, now_ms, out);
}

// Resting quantity is mirrored in the position's inactive_pos_buy/sell: rest() adds what
// remains, unrest() takes away what remains then (zero once filled), a maker fill takes its
// own quantity.
void Exchange::rest(Market& m, SimOrder& o) {
  SimPosition& p = position_for(*m.spec);
  if (o.side == Side::Buy) {
    m.bids.emplace(o.price, o.id);
    p.inactive_buy += o.remaining_quantity;
  } else {
    m.asks.emplace(o.price, o.id);
    p.inactive_sell += o.remaining_quantity;
  }
}

void Exchange::unrest(Market& m, const SimOrder& o) {
  auto drop = [&](auto& book) {
    auto [first, last] = book.equal_range(o.price);
    for (auto it = first; it != last; ++it) {
      if (it->second == o.id) {
        book.erase(it);
        return true;
      }
    }
    return false;
  };
  SimPosition& p = position_for(*m.spec);
  if (o.side == Side::Buy) {
    if (drop(m.bids)) p.inactive_buy -= o.remaining_quantity;
  } else {
    if (drop(m.asks)) p.inactive_sell -= o.remaining_quantity;
  }
}

void Exchange::match_resting(Market& m, std::int64_t now_ms, Events& out) {
  // Collect first: a partial fill leaves the order resting, and fills may not disturb the
  // iteration. Crossing orders are rare per tick; the common no-cross tick costs two lookups.
  std::vector<std::string> crossing;
  for (auto it = m.bids.begin(); it != m.bids.end() && it->first >= m.last_price; ++it) {
    crossing.push_back(it->second);
  }
  for (auto it = m.asks.begin(); it != m.asks.end() && it->first <= m.last_price; ++it) {
    crossing.push_back(it->second);
  }
  for (const auto& id : crossing) {
    SimOrder& o = orders_.at(id);
    Decimal qty = o.remaining_quantity;
    if (config_.partial_fills) {
      const Decimal half =
          round_down_to(div(qty, Decimal::from_units(2)), m.spec->quantity_increment);
      qty = std::max(half, min(m.spec->quantity_increment, qty));
    }
    fill(m, o, qty, o.price, true, now_ms, out);
  }
}

void Exchange::fill(Market& m, SimOrder& o, Decimal qty, Decimal price, bool maker,
                    std::int64_t now_ms, Events& out) {
  const InstrumentSpec& s = *m.spec;
  const Decimal notional = mul(price, qty);
  const Decimal fee = percent(notional, maker ? s.maker_fee_pct : s.taker_fee_pct);
  const Decimal before = o.filled_quantity();
  o.avg_price = div(mul(o.avg_price, before) + notional, before + qty);
  o.remaining_quantity -= qty;
  o.fee_amount += fee;
  const Decimal release =
      o.remaining_quantity.is_zero()
          ? o.locked_margin
          : min(o.locked_margin, div(mul(o.ideal_margin, qty), o.total_quantity));
  o.locked_margin -= release;
  o.status = o.remaining_quantity.is_zero() ? OrderStatus::Filled : OrderStatus::PartiallyFilled;
  o.updated_at = now_ms;
  o.display_message =
      display_message(o, o.remaining_quantity.is_zero() ? "filled" : "partially filled", s.base());
  SimPosition& p = position_for(s);
  if (maker) (o.side == Side::Buy ? p.inactive_buy : p.inactive_sell) -= qty;
  if (o.remaining_quantity.is_zero()) unrest(m, o);

  // Position: add to it, or close against it (realising PnL), or flip through zero.
  SimWallet& w = wallet(o.margin_currency);
  const Decimal signed_qty = o.side == Side::Buy ? qty : -qty;
  const Decimal old_margin = p.locked_margin;
  if (p.active_pos.is_zero() || p.active_pos.is_negative() == signed_qty.is_negative()) {
    const Decimal size = abs(p.active_pos) + qty;
    p.avg_price = div(mul(abs(p.active_pos), p.avg_price) + notional, size);
    p.active_pos += signed_qty;
  } else {
    const Decimal closed = min(qty, abs(p.active_pos));
    Decimal pnl = mul(closed, price - p.avg_price);
    if (p.active_pos.is_negative()) pnl = -pnl;
    p.realized_pnl += pnl;
    w.balance += to_currency(pnl, o.margin_currency);
    p.active_pos += signed_qty;
    if (p.active_pos.is_zero()) {
      p.avg_price = Decimal{};
    } else if (p.active_pos.is_negative() == signed_qty.is_negative()) {
      p.avg_price = price;  // flipped: the remainder opened at this price
    }
  }
  p.margin_currency = o.margin_currency;
  p.locked_margin = div(mul(abs(p.active_pos), p.avg_price), Decimal::from_units(p.leverage));
  p.updated_at = now_ms;
  w.balance -= to_currency(fee, o.margin_currency);
  w.locked_balance += to_currency(p.locked_margin, o.margin_currency) -
                      to_currency(old_margin, o.margin_currency) -
                      to_currency(release, o.margin_currency);

  fills_.push_back(
      SimFill{o.id, o.pair, o.side, price, qty, fee, maker, now_ms, o.margin_currency});
  emit_order(o, true, out);
  emit_position(p, out);
  emit_wallet(w, out);
}

void Exchange::finish_cancel(SimOrder& o, std::int64_t now_ms, Events& out) {
  const bool some_filled = o.filled_quantity().is_positive();
  o.cancelled_quantity += o.remaining_quantity;
  o.remaining_quantity = Decimal{};
  o.status = some_filled ? OrderStatus::PartiallyCancelled : OrderStatus::Cancelled;
  o.updated_at = now_ms;
  if (const InstrumentSpec* s = instrument(o.pair)) {
    o.display_message = display_message(o, "cancelled", s->base());
  }
  SimWallet& w = wallet(o.margin_currency);
  w.locked_balance -= to_currency(o.locked_margin, o.margin_currency);
  o.locked_margin = Decimal{};
  emit_order(o, false, out);
  emit_wallet(w, out);
}

// ---- queries ----------------------------------------------------------------------------

const SimOrder* Exchange::order(std::string_view id) const noexcept {
  auto it = orders_.find(std::string(id));
  return it == orders_.end() ? nullptr : &it->second;
}

std::vector<const SimOrder*> Exchange::orders(const OrderFilter& f) const {
  std::vector<const SimOrder*> v;
  for (auto it = order_sequence_.rbegin(); it != order_sequence_.rend(); ++it) {
    const SimOrder& o = orders_.at(*it);
    if (!f.statuses.empty()) {
      // "open" in a filter means live: initial and open both (the exchange lists both).
      const bool wanted = std::any_of(f.statuses.begin(), f.statuses.end(), [&](OrderStatus s) {
        return s == o.status || (s == OrderStatus::Open && o.status == OrderStatus::Initial);
      });
      if (!wanted) continue;
    }
    if (f.side && o.side != *f.side) continue;
    if (f.pair && o.pair != *f.pair) continue;
    if (f.margin_currency && o.margin_currency != *f.margin_currency) continue;
    v.push_back(&o);
  }
  return v;
}

std::vector<const SimPosition*> Exchange::positions() const {
  std::vector<const SimPosition*> v;
  for (const auto& [pair, p] : positions_) v.push_back(&p);
  return v;
}

const SimPosition* Exchange::position(std::string_view pair) const noexcept {
  auto it = positions_.find(pair);
  return it == positions_.end() ? nullptr : &it->second;
}

std::vector<const SimWallet*> Exchange::wallets() const {
  std::vector<const SimWallet*> v;
  for (const auto& [ccy, w] : wallets_) v.push_back(&w);
  return v;
}

std::size_t Exchange::resting_orders() const noexcept {
  std::size_t n = 0;
  for (const auto& m : markets_) n += m.bids.size() + m.asks.size();
  return n;
}

// ---- events -----------------------------------------------------------------------------

void Exchange::emit_order(const SimOrder& o, bool carries_fill, Events& out) const {
  JsonWriter w;
  w.begin_array();
  write_order_json(w, o, config_.zero_filled_qty_on_final);
  w.end_array();
  out.push_back(StreamEvent{"coindcx", "df-order-update", w.take(), o.pair, carries_fill});
}

void Exchange::emit_position(const SimPosition& p, Events& out) const {
  JsonWriter w;
  w.begin_array();
  write_position_json(w, p, last_price(p.pair).value_or(Decimal{}));
  w.end_array();
  out.push_back(StreamEvent{"coindcx", "df-position-update", w.take(), p.pair, false});
}

void Exchange::emit_wallet(const SimWallet& wal, Events& out) const {
  JsonWriter w;
  w.begin_array().begin_object();
  w.key("id").string(wal.id);
  w.key("balance").number_text(wal.balance);
  w.key("locked_balance").number_text(wal.locked_balance);
  w.key("currency_id").string(wal.id);
  w.key("currency_short_name").string(wal.currency);
  w.end_object().end_array();
  out.push_back(StreamEvent{"coindcx", "balance-update", w.take(), "", false});
}

void Exchange::emit_market(const Market& m, Decimal trade_qty, bool buyer_maker,
                           std::int64_t now_ms, Events& out) {
  const std::string& pair = m.spec->pair;
  {
    JsonWriter w;
    w.begin_object();
    w.key("T").integer(now_ms);
    w.key("p").number_text(m.last_price);
    w.key("pr").string("f");
    w.end_object();
    out.push_back(StreamEvent{pair + "@prices-futures", "price-change", w.take(), pair, false});
  }
  {
    JsonWriter w;
    w.begin_object();
    w.key("T").integer(now_ms);
    w.key("RT").integer(now_ms);
    w.key("p").number_text(m.last_price);
    w.key("q").number_text(trade_qty);
    w.key("m").integer(buyer_maker ? 1 : 0);
    w.key("s").string(pair);
    w.key("pr").string("f");
    w.end_object();
    out.push_back(StreamEvent{pair + "@trades-futures", "new-trade", w.take(), pair, false});
  }
  {
    JsonWriter w;
    w.begin_object();
    w.key("vs").integer(++price_version_);
    w.key("ts").integer(now_ms);
    w.key("pr").string("futures");
    w.key("pST").integer(now_ms);
    w.key("prices").begin_object().key(pair).begin_object();
    w.key("mp").number(m.last_price);
    w.key("ls").number(m.last_price);
    w.key("bmST").integer(now_ms);
    w.key("cmRT").integer(now_ms);
    w.end_object().end_object();
    w.end_object();
    out.push_back(StreamEvent{"currentPrices@futures@rt", "currentPrices@futures#update", w.take(),
                              pair, false});
  }
}

// ---- JSON of the objects ----------------------------------------------------------------

void write_order_json(JsonWriter& w, const SimOrder& o, bool zero_filled_qty_quirk) {
  const bool quirk = zero_filled_qty_quirk && o.status == OrderStatus::Filled;
  w.begin_object();
  w.key("id").string(o.id);
  w.key("pair").string(o.pair);
  w.key("side").string(to_wire(o.side));
  w.key("status").string(to_wire(o.status));
  w.key("order_type").string(to_wire(o.type));
  w.key("stop_trigger_instruction").string("last_price");
  w.key("notification").string(o.notification);
  w.key("leverage").number(Decimal::from_units(o.leverage));
  w.key("maker_fee").number(o.maker_fee_pct);
  w.key("taker_fee").number(o.taker_fee_pct);
  w.key("fee_amount").number(o.fee_amount);
  w.key("price").number(o.price);
  w.key("stop_price").number(Decimal{});
  w.key("avg_price").number(o.avg_price);
  w.key("total_quantity").number(o.total_quantity);
  w.key("remaining_quantity").number(o.remaining_quantity);
  w.key("cancelled_quantity").number(o.cancelled_quantity);
  w.key("filled_quantity").number(quirk ? Decimal{} : o.filled_quantity());
  w.key("ideal_margin").number(o.ideal_margin);
  w.key("locked_margin").number(o.locked_margin);
  w.key("order_category").null();
  w.key("position_margin_type").string(o.position_margin_type);
  w.key("stage").string("default");
  w.key("created_at").integer(o.created_at);
  w.key("updated_at").integer(o.updated_at);
  w.key("trades").begin_array().end_array();
  w.key("display_message").string(o.display_message);
  w.key("group_status").null();
  w.key("group_id").null();
  w.key("metatags").null();
  w.key("liquidation_fee").null();
  w.key("take_profit_price").null();
  w.key("stop_loss_price").null();
  w.key("margin_currency_short_name").string(o.margin_currency);
  w.key("settlement_currency_conversion_price").number(o.conversion_price);
  w.end_object();
}

void write_position_json(JsonWriter& w, const SimPosition& p, Decimal mark_price) {
  // Isolated liquidation estimate: the price at which the margin is gone, less 0.5 %
  // maintenance. Informational only; the simulator does not liquidate.
  Decimal liquidation;
  if (!p.active_pos.is_zero() && p.leverage > 0) {
    const Decimal frac =
        div(Decimal::from_units(1), Decimal::from_units(p.leverage)) - Decimal::from_raw(500'000);
    const Decimal delta = mul(p.avg_price, frac);
    liquidation = p.active_pos.is_positive() ? p.avg_price - delta : p.avg_price + delta;
  }
  w.begin_object();
  w.key("id").string(p.id);
  w.key("pair").string(p.pair);
  w.key("active_pos").number(p.active_pos);
  w.key("inactive_pos_buy").number(p.inactive_buy);
  w.key("inactive_pos_sell").number(p.inactive_sell);
  w.key("avg_price").number(p.avg_price);
  w.key("liquidation_price").number(liquidation);
  w.key("locked_margin").number(p.locked_margin);
  w.key("locked_user_margin").number(p.locked_margin);
  w.key("locked_order_margin").number(Decimal{});
  w.key("take_profit_trigger").null();
  w.key("stop_loss_trigger").null();
  w.key("leverage").number(Decimal::from_units(p.leverage));
  w.key("maintenance_margin").number(Decimal{});
  w.key("mark_price").number(mark_price);
  w.key("margin_type").string("isolated");
  w.key("settlement_currency_avg_price").number(Decimal{});
  w.key("margin_currency_short_name").string(p.margin_currency);
  w.key("updated_at").integer(p.updated_at);
  w.end_object();
}

void write_wallet_json(JsonWriter& w, const SimWallet& wal) {
  w.begin_object();
  w.key("id").string(wal.id);
  w.key("currency_short_name").string(wal.currency);
  w.key("balance").number_text(wal.balance);
  w.key("locked_balance").number_text(wal.locked_balance);
  w.key("cross_order_margin").string("0.0");
  w.key("cross_user_margin").string("0.0");
  w.end_object();
}

void write_fill_json(JsonWriter& w, const SimFill& f) {
  w.begin_object();
  w.key("price").number(f.price);
  w.key("quantity").number(f.quantity);
  w.key("is_maker").boolean(f.is_maker);
  w.key("fee_amount").number(f.fee);
  w.key("pair").string(f.pair);
  w.key("side").string(to_wire(f.side));
  w.key("timestamp").integer(f.timestamp_ms);
  w.key("order_id").string(f.order_id);
  w.key("settlement_currency_conversion_price").number(Decimal{});
  w.key("margin_currency_short_name").string(f.margin_currency);
  w.end_object();
}

void write_instrument_json(JsonWriter& w, const InstrumentSpec& s) {
  const std::string base = s.base();
  w.begin_object();
  w.key("settle_currency_short_name").string("USDT");
  w.key("quote_currency_short_name").string("USDT");
  w.key("position_currency_short_name").string(base);
  w.key("underlying_currency_short_name").string(base);
  w.key("status").string("active");
  w.key("pair").string(s.pair);
  w.key("kind").string("perpetual");
  w.key("settlement").string("never");
  w.key("max_leverage_long").number(Decimal::from_units(s.max_leverage));
  w.key("max_leverage_short").number(Decimal::from_units(s.max_leverage));
  w.key("unit_contract_value").number(Decimal::from_units(1));
  w.key("price_increment").number(s.price_increment);
  // Absolute limits far outside the ±band the simulator enforces around the last price.
  w.key("min_price").number(s.price_increment);
  w.key("max_price").number(mul(s.initial_price, Decimal::from_units(100)));
  w.key("quantity_increment").number(s.quantity_increment);
  w.key("min_trade_size").number(s.min_quantity);
  w.key("min_quantity").number(s.min_quantity);
  w.key("max_quantity").number(s.max_quantity);
  w.key("min_notional").number(s.min_notional);
  w.key("maker_fee").number(s.maker_fee_pct);
  w.key("taker_fee").number(s.taker_fee_pct);
  w.key("multiplier_up").number(s.band_up_pct);
  w.key("multiplier_down").number(s.band_down_pct);
  w.key("safety_percentage").number(Decimal::from_units(2));
  w.key("quanto_to_settle_multiplier").number(Decimal::from_units(1));
  w.key("is_inverse").boolean(false);
  w.key("is_quanto").boolean(false);
  w.key("allow_post_only").boolean(false);  // documented as unsupported
  w.key("allow_hidden").boolean(false);
  w.key("max_market_order_quantity").number(s.max_quantity);
  w.key("funding_frequency").integer(8);
  w.key("max_notional").number(mul(s.max_quantity, s.initial_price));
  w.key("expiry_time").integer(2548162800000);  // perpetual: the far date the exchange shows
  w.key("liquidation_fee").number(Decimal::from_units(1));
  w.key("margin_currency_short_name").string("USDT");
  w.key("exit_only").boolean(false);
  w.key("time_in_force_options")
      .begin_array()
      .string("good_till_cancel")
      .string("immediate_or_cancel")
      .string("fill_or_kill")
      .end_array();
  w.key("order_types").begin_array().string("market_order").string("limit_order").end_array();
  // One tier: the simulator's leverage limit applies at every size.
  w.key("dynamic_position_leverage_details").begin_object();
  w.key(std::to_string(s.max_leverage)).number(mul(s.max_quantity, s.initial_price));
  w.end_object();
  w.key("dynamic_safety_margin_details").begin_object().key("0").number(Decimal::from_units(2));
  w.end_object();
  w.end_object();
}

}  // namespace scalper::sim
