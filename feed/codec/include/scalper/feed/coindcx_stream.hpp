// coindcx_stream.hpp — CoinDCX Futures socket.io events -> fixed-size items, through simdjson
// On-Demand, with no allocation after construction.
//
//   CoinDcxStreamDecoder d;                        // allocates its buffers once (≈ 8 MiB)
//   DecodeOutcome r = d.decode(name, args, sink);  // per event, on the feed thread
//
// Input: the socket.io event name and its argument's JSON text as our Socket.IO layer hands
// them over (for `42["df-order-update",{…}]`: "df-order-update" and `{…}`). The text need not
// be padded; it is copied into the decoder's padded buffer.
//
// Decisions (docs/architecture.md §7.6, tests/data/coindcx/README.md; feed/codec/README.md):
// * Envelope: `{"event":"<name>","data":<payload>}` where <payload> is a JSON string holding
//   the payload's text (what the exchange sends: unescaped into a second padded buffer and
//   parsed again) or the payload inline (what the docs show). The inner "event" is ignored: the
//   socket.io name decides. An argument without "data" (an object) or an array is taken as the
//   payload itself, as the original client did.
// * Numbers: JSON numbers or strings, plain or with an exponent ("3.1e-7", "1E+2"), read from
//   their text into Decimal rounding half-even (never through double); null, "" or an absent
//   field is 0 / not reported. Timestamps: integer ms, a fraction ("…271.6133") truncated.
// * Unknown events are counted and skipped without being parsed.
// * Malformed input never crashes and is never half-delivered silently: items are delivered
//   in order, each only once complete; at the first fault decoding stops and the outcome is
//   Malformed with the count of items already delivered. Fields the decoder does not read are
//   skipped with On-Demand's structural checks only (an invalid literal inside an ignored field
//   may pass).
//
// One thread at a time (the decoder owns its parser and buffers); the sink runs on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>

#include "scalper/engine/events.hpp"
#include "scalper/engine/fixed_string.hpp"
#include "scalper/engine/types.hpp"
#include "scalper/feed/decode_outcome.hpp"

namespace scalper::feed {

// Ids of positions and wallets (CoinDCX UUIDs, 36 chars).
using PositionId = FixedString<48>;
// Currency short names: "USDT", "INR".
using CurrencyCode = FixedString<16>;

// df-order-update: each element becomes an ExchangeOrder (engine/events.hpp), see on_order.

// df-position-update, one per element. Zero where a field is absent or null.
struct PositionUpdate {
  PositionId position_id;  // `id`
  Symbol symbol;           // `pair`, normalised ("BNB/USDT")
  Decimal active_pos;      // signed: negative = short
  Decimal avg_price;       // entry average
  Decimal liquidation_price;
  Decimal mark_price;
  Decimal locked_margin;
  Decimal leverage;
  std::int64_t updated_at_ms = 0;  // `updated_at`, Unix ms
  CurrencyCode margin_currency;    // `margin_currency_short_name`; empty when absent
};

// balance-update, one per wallet row.
struct BalanceUpdate {
  CurrencyCode currency;  // `currency_short_name`
  Decimal balance;
  Decimal locked_balance;
};

// price-change `{T,p,pr}`: the last traded price of the channel's pair. The event carries no
// symbol: `symbol` stays empty and the caller attributes the tick by its channel.
struct PriceTick {
  Symbol symbol;
  Decimal price;                    // `p`
  std::int64_t exchange_ts_ms = 0;  // `T`
};

// new-trade `{T,RT,p,q,m,s,pr}`.
struct TradeTick {
  Symbol symbol;                    // `s` normalised; empty when absent
  Decimal price;                    // `p`
  Decimal quantity;                 // `q`
  std::int64_t exchange_ts_ms = 0;  // `T`, the trade time
  std::int64_t rt_ms = 0;           // `RT`, a second exchange time (undocumented), integer part
  bool buyer_is_maker = false;      // `m` (1/0 or true/false)
  std::uint8_t pad_[7] = {};
};

// currentPrices@futures#update: one per pair in `prices` that carries a mark price (`mp`) or
// a last price (`ls`, the ticker variant observed live); pairs with neither are skipped.
struct MarkPrice {
  Symbol symbol;                    // the `prices` key, normalised
  Decimal mark_price;               // `mp`; 0 when !has_mark_price
  Decimal last_price;               // `ls`; 0 when !has_last_price
  std::int64_t exchange_ts_ms = 0;  // the frame's `ts`
  bool has_mark_price = false;
  bool has_last_price = false;
  std::uint8_t pad_[6] = {};
};

template <class T>
inline constexpr bool kPlainItem =
    std::is_trivially_copyable_v<T>&& std::has_unique_object_representations_v<T>;
static_assert(kPlainItem<PositionUpdate> && kPlainItem<BalanceUpdate> && kPlainItem<PriceTick> &&
                  kPlainItem<TradeTick> && kPlainItem<MarkPrice>,
              "stream items are trivially copyable with no padding (they may be journaled)");

// Receives decoded stream items, once per item, in input order, on the decoding thread. Every
// method but on_order does nothing by default, so a consumer overrides what it uses.
class StreamSink : public OrderSink {
 public:
  virtual void on_position(const PositionUpdate&) {}
  virtual void on_balance(const BalanceUpdate&) {}
  virtual void on_price(const PriceTick&) {}
  virtual void on_trade(const TradeTick&) {}
  virtual void on_mark_price(const MarkPrice&) {}
};

// The events decode() reads; any other name is UnknownEvent.
enum class CoinDcxEvent : std::uint8_t {
  Unknown = 0,
  OrderUpdate,     // "df-order-update"
  PositionUpdate,  // "df-position-update"
  BalanceUpdate,   // "balance-update"
  PriceChange,     // "price-change"
  NewTrade,        // "new-trade"
  CurrentPrices,   // "currentPrices@futures#update"
};
[[nodiscard]] CoinDcxEvent coindcx_event_from_name(std::string_view name) noexcept;

class CoinDcxStreamDecoder {
 public:
  static constexpr std::size_t kDefaultMaxFrameBytes = std::size_t{1} << 20;

  // Allocates the parser and two padded buffers for arguments up to max_frame_bytes; longer
  // ones are refused (TooLarge). Throws std::bad_alloc if memory is short: the only throw.
  explicit CoinDcxStreamDecoder(std::size_t max_frame_bytes = kDefaultMaxFrameBytes);
  ~CoinDcxStreamDecoder();
  CoinDcxStreamDecoder(const CoinDcxStreamDecoder&) = delete;
  CoinDcxStreamDecoder& operator=(const CoinDcxStreamDecoder&) = delete;

  // Decodes one event; see the banner for the rules. Never allocates, never throws (the sink
  // must not either).
  DecodeOutcome decode(std::string_view event_name, std::string_view args_json,
                       StreamSink& sink) noexcept;

  [[nodiscard]] const CodecCounters& counters() const noexcept { return counters_; }
  // The last Malformed outcome's describe(), empty until one happens.
  [[nodiscard]] const ReasonText& last_malformed_reason() const noexcept { return last_reason_; }
  [[nodiscard]] std::size_t max_frame_bytes() const noexcept { return max_frame_bytes_; }

 private:
  struct Impl;  // simdjson stays out of this header (the codec links it PRIVATE)

  DecodeOutcome finish(DecodeOutcome outcome) noexcept;

  std::unique_ptr<Impl> impl_;
  std::size_t max_frame_bytes_;
  CodecCounters counters_;
  ReasonText last_reason_;
};

}  // namespace scalper::feed
