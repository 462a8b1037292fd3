// decode_outcome.hpp — what a codec call reports, and the sink orders are delivered to.
//
// Every decode returns a DecodeOutcome by value: a status, how many items reached the sink, and
// for a malformed input an error kind plus two static texts (the JSON field at fault and a
// detail such as simdjson's message). The texts are string literals owned by the codec, never
// views into the input, so an outcome stays valid after the input buffer is reused. describe()
// composes them into a ReasonText for logs and alerts.
//
// Value types: no allocation, any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "scalper/engine/events.hpp"
#include "scalper/engine/types.hpp"

namespace scalper::feed {

enum class DecodeStatus : std::uint8_t {
  Decoded = 0,       // the whole input was read; `items` went to the sink
  UnknownEvent = 1,  // an event this codec does not decode: skipped without parsing
  Malformed = 2,     // refused; `items` still went to the sink before the fault was found
};

enum class DecodeError : std::uint8_t {
  None = 0,
  TooLarge,         // input longer than the decoder's buffers (max_frame_bytes / max_body_bytes)
  BadJson,          // not JSON (simdjson's reason in detail); field "data": the data string's text
  NotAnEnvelope,    // the event argument is neither an object nor an array
  WrongShape,       // the payload is not the container the event carries (array / object)
  WrongType,        // a field holds a JSON type it cannot have (an object for a price, ...)
  BadNumber,        // a decimal field's text is not a decimal in range (detail says why)
  BadInteger,       // an integer field (timestamp) is not an integer in range
  BadSymbol,        // a pair is not <ecode>-<BASE>_<QUOTE>
  BadStatus,        // an order status none of the documented spellings
  BadSide,          // not buy / sell
  TooLong,          // an id or currency longer than its fixed-size field
  MissingField,     // a field the item cannot do without (order id, pair, status, side, ...)
  TrailingContent,  // something follows the JSON value
};

[[nodiscard]] std::string_view to_string(DecodeError e) noexcept;
[[nodiscard]] std::string_view to_string(DecodeStatus s) noexcept;

struct DecodeOutcome {
  DecodeStatus status = DecodeStatus::Decoded;
  DecodeError error = DecodeError::None;
  // Items delivered to the sink by this call. For Malformed: those before the faulty one
  // (items are delivered in input order, each only once it is complete).
  std::uint32_t items = 0;
  std::string_view field;   // static text: the JSON field at fault ("price", "data", ...)
  std::string_view detail;  // static text: more on the error, or empty

  [[nodiscard]] bool ok() const noexcept { return status == DecodeStatus::Decoded; }
};

// "price: not a decimal number (out of range)", cut to ReasonText's capacity. Empty for an
// outcome that is not Malformed.
[[nodiscard]] ReasonText describe(const DecodeOutcome& outcome) noexcept;

// Running totals of one decoder. frames counts every call (decoded, unknown and malformed).
struct CodecCounters {
  std::uint64_t frames = 0;
  std::uint64_t items = 0;
  std::uint64_t unknown_events = 0;
  std::uint64_t malformed = 0;
};

// Receives decoded orders (the stream's df-order-update, the REST order responses), once per
// order, in input order, on the decoding thread. The reference is valid for the call only.
class OrderSink {
 public:
  virtual ~OrderSink() = default;
  virtual void on_order(const ExchangeOrder& order) = 0;
};

}  // namespace scalper::feed
