// checkpoint_codec.hpp — the pieces of the checkpoint format (engine private): a writer and a
// reader of little-endian fields, the records of public types, and the header.
//
// The engine's own tables (engine.cpp) are written with these, field by field; the layout is
// in checkpoint.hpp. The writer is unchecked per field: a caller asks room() once for a whole
// record (its size, below), which keeps save() a straight run of stores. The reader is
// checked per field and sticky: past the end or on a value encode never writes, it returns
// zeroes and ok() turns false, so a decoder reads a record and checks once.
//
// Threading: value types over caller buffers. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "config_record.hpp"
#include "known_enums.hpp"
#include "scalper/engine/actions.hpp"
#include "scalper/engine/checkpoint.hpp"

namespace scalper::detail {

// Bytes a string takes at most: its length byte and its characters.
template <std::size_t N>
constexpr std::size_t kStringMax = 1 + FixedString<N>::kCapacity;

class CheckpointWriter {
 public:
  CheckpointWriter(std::byte* at, std::byte* end) noexcept : p_(at), end_(end) {}

  [[nodiscard]] bool room(std::size_t n) const noexcept {
    return static_cast<std::size_t>(end_ - p_) >= n;
  }
  [[nodiscard]] std::byte* position() const noexcept { return p_; }

  void u8(std::uint8_t v) noexcept { *p_++ = std::byte{v}; }
  void u32(std::uint32_t v) noexcept { put(v); }
  void u64(std::uint64_t v) noexcept { put(v); }
  void i64(std::int64_t v) noexcept { put(v); }
  void dec(Decimal d) noexcept { put(d.raw()); }
  void flag(bool b) noexcept { u8(b ? 1 : 0); }
  template <class E>
  void enumerated(E e) noexcept {
    static_assert(sizeof(E) == 1);
    u8(static_cast<std::uint8_t>(e));
  }
  template <std::size_t N>
  void str(const FixedString<N>& s) noexcept {
    u8(static_cast<std::uint8_t>(s.size()));
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // Past n bytes the caller wrote itself at position().
  void skip(std::size_t n) noexcept { p_ += n; }

 private:
  template <class T>
  void put(T v) noexcept {
    std::memcpy(p_, &v, sizeof v);
    p_ += sizeof v;
  }

  std::byte* p_;
  std::byte* end_;
};

class CheckpointReader {
 public:
  explicit CheckpointReader(std::span<const std::byte> in) noexcept
      : p_(in.data()), end_(in.data() + in.size()) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] bool at_end() const noexcept { return p_ == end_; }
  // Marks the input bad: for checks made by the caller.
  void refuse() noexcept { ok_ = false; }
  bool check(bool condition) noexcept {
    if (!condition) ok_ = false;
    return condition;
  }

  // The next n bytes, or nullptr (and not ok) past the end.
  const std::byte* take(std::size_t n) noexcept {
    if (!ok_ || static_cast<std::size_t>(end_ - p_) < n) {
      ok_ = false;
      return nullptr;
    }
    const std::byte* at = p_;
    p_ += n;
    return at;
  }

  std::uint8_t u8() noexcept { return get<std::uint8_t>(); }
  std::uint32_t u32() noexcept { return get<std::uint32_t>(); }
  std::uint64_t u64() noexcept { return get<std::uint64_t>(); }
  std::int64_t i64() noexcept { return get<std::int64_t>(); }
  Decimal dec() noexcept { return Decimal::from_raw(get<std::int64_t>()); }
  bool flag() noexcept {
    const std::uint8_t b = u8();
    check(b <= 1);
    return b == 1;
  }
  template <class E>
  E enumerated() noexcept {
    static_assert(sizeof(E) == 1);
    const auto e = static_cast<E>(u8());
    return check(known(e)) ? e : E{};
  }
  template <std::size_t N>
  FixedString<N> str() noexcept {
    FixedString<N> s;
    const std::uint8_t n = u8();
    if (!check(n <= FixedString<N>::kCapacity)) return s;
    const std::byte* chars = take(n);
    if (chars != nullptr) {
      (void)s.try_assign({reinterpret_cast<const char*>(chars), n});
    }
    return s;
  }

 private:
  template <class T>
  T get() noexcept {
    const std::byte* at = take(sizeof(T));
    if (at == nullptr) return T{};
    T v;
    std::memcpy(&v, at, sizeof v);
    return v;
  }

  const std::byte* p_;
  const std::byte* end_;
  bool ok_ = true;
};

// ---- records of public types ---------------------------------------------------------------

// Each record's size is fixed but for its strings' characters: the *Max sizes bound a buffer
// (Engine::checkpoint_capacity), the *_size() functions ask room() for exactly what is written.

// BotRecord: id | ticker | 7 decimals | 3 times | live_order | total_trades
//            | venue, first_side, status, leverage, infinite_loop, last_fill_side
inline constexpr std::size_t kBotRecordMax = 8 + kStringMax<24> + 7 * 8 + 3 * 8 + 8 + 4 + 6;

inline std::size_t bot_record_size(const BotRecord& b) noexcept {
  return kBotRecordMax - Symbol::kCapacity + b.ticker.size();
}

inline void write_bot_record(CheckpointWriter& w, const BotRecord& b) noexcept {
  w.u64(b.id.value);
  w.str(b.ticker);
  w.dec(b.quantity);
  w.dec(b.buy_price);
  w.dec(b.sell_price);
  w.dec(b.trailing_percent);
  w.dec(b.pnl);
  w.dec(b.position);
  w.dec(b.last_fill_price);
  w.i64(b.last_fill_wall_ns);
  w.i64(b.created_wall_ns);
  w.i64(b.updated_wall_ns);
  w.u64(b.live_order.value);
  w.u32(b.total_trades);
  w.enumerated(b.venue);
  w.enumerated(b.first_side);
  w.enumerated(b.status);
  w.u8(b.leverage);
  w.flag(b.infinite_loop);
  w.enumerated(b.last_fill_side);
}

inline BotRecord read_bot_record(CheckpointReader& r) noexcept {
  BotRecord b;
  b.id = BotId{r.u64()};
  b.ticker = r.str<24>();
  b.quantity = r.dec();
  b.buy_price = r.dec();
  b.sell_price = r.dec();
  b.trailing_percent = r.dec();
  b.pnl = r.dec();
  b.position = r.dec();
  b.last_fill_price = r.dec();
  b.last_fill_wall_ns = r.i64();
  b.created_wall_ns = r.i64();
  b.updated_wall_ns = r.i64();
  b.live_order = OrderId{r.u64()};
  b.total_trades = r.u32();
  b.venue = r.enumerated<Venue>();
  b.first_side = r.enumerated<Side>();
  b.status = r.enumerated<BotStatus>();
  b.leverage = r.u8();
  b.infinite_loop = r.flag();
  b.last_fill_side = r.enumerated<Side>();
  return b;
}

// OrderRecord: id | bot | exchange_id | symbol | 5 decimals | 2 times
//              | side, status, cancel_reason, origin, venue, leverage
inline constexpr std::size_t kOrderRecordMax =
    8 + 8 + kStringMax<48> + kStringMax<24> + 5 * 8 + 2 * 8 + 6;

inline std::size_t order_record_size(const OrderRecord& o) noexcept {
  return kOrderRecordMax - ExchangeOrderId::kCapacity - Symbol::kCapacity + o.exchange_id.size() +
         o.symbol.size();
}

inline void write_order_record(CheckpointWriter& w, const OrderRecord& o) noexcept {
  w.u64(o.id.value);
  w.u64(o.bot.value);
  w.str(o.exchange_id);
  w.str(o.symbol);
  w.dec(o.price);
  w.dec(o.quantity);
  w.dec(o.filled_qty);
  w.dec(o.avg_price);
  w.dec(o.fee);
  w.i64(o.created_wall_ns);
  w.i64(o.updated_wall_ns);
  w.enumerated(o.side);
  w.enumerated(o.status);
  w.enumerated(o.cancel_reason);
  w.enumerated(o.origin);
  w.enumerated(o.venue);
  w.u8(o.leverage);
}

inline OrderRecord read_order_record(CheckpointReader& r) noexcept {
  OrderRecord o;
  o.id = OrderId{r.u64()};
  o.bot = BotId{r.u64()};
  o.exchange_id = r.str<48>();
  o.symbol = r.str<24>();
  o.price = r.dec();
  o.quantity = r.dec();
  o.filled_qty = r.dec();
  o.avg_price = r.dec();
  o.fee = r.dec();
  o.created_wall_ns = r.i64();
  o.updated_wall_ns = r.i64();
  o.side = r.enumerated<Side>();
  o.status = r.enumerated<OrderStatus>();
  o.cancel_reason = r.enumerated<CancelReason>();
  o.origin = r.enumerated<OrderOrigin>();
  o.venue = r.enumerated<Venue>();
  o.leverage = r.u8();
  return o;
}

// ExchangeOrder: exchange_id | symbol | 5 decimals | exchange_ts_ms | venue, status, side
inline constexpr std::size_t kExchangeOrderMax = kStringMax<48> + kStringMax<24> + 5 * 8 + 8 + 3;

inline std::size_t exchange_order_size(const ExchangeOrder& o) noexcept {
  return kExchangeOrderMax - ExchangeOrderId::kCapacity - Symbol::kCapacity + o.exchange_id.size() +
         o.symbol.size();
}

inline void write_exchange_order(CheckpointWriter& w, const ExchangeOrder& o) noexcept {
  w.str(o.exchange_id);
  w.str(o.symbol);
  w.dec(o.price);
  w.dec(o.total_qty);
  w.dec(o.filled_qty);
  w.dec(o.avg_price);
  w.dec(o.fee);
  w.i64(o.exchange_ts_ms);
  w.enumerated(o.venue);
  w.enumerated(o.status);
  w.enumerated(o.side);
}

inline ExchangeOrder read_exchange_order(CheckpointReader& r) noexcept {
  ExchangeOrder o;
  o.exchange_id = r.str<48>();
  o.symbol = r.str<24>();
  o.price = r.dec();
  o.total_qty = r.dec();
  o.filled_qty = r.dec();
  o.avg_price = r.dec();
  o.fee = r.dec();
  o.exchange_ts_ms = r.i64();
  o.venue = r.enumerated<Venue>();
  o.status = r.enumerated<ExchangeStatus>();
  o.side = r.enumerated<Side>();
  return o;
}

// ---- the header ------------------------------------------------------------------------------

// Writes the header before a payload of `payload_size` bytes already at out + kHeaderSize.
void seal_checkpoint(std::byte* out, std::size_t payload_size) noexcept;

// Checks the header and the CRC; on Ok, `payload` is the bytes after the header.
[[nodiscard]] checkpoint::Status open_checkpoint(std::span<const std::byte> in,
                                                 std::span<const std::byte>& payload) noexcept;

}  // namespace scalper::detail
