// json_read.hpp — private to scalper_feed_codec: field readers over simdjson On-Demand values
// and the CoinDCX order object, shared by the stream and REST decoders.
//
// Every reader returns false after recording a Fault (error kind, static field name, static
// detail); callers stop at the first false. Numbers are read from their token text (never via
// double), so any number the exchange prints, in any form, maps to the same Decimal.
//
// No allocation, no exceptions; one thread per parser.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "scalper/engine/events.hpp"
#include "scalper/engine/types.hpp"
#include "scalper/feed/decode_outcome.hpp"

namespace scalper::feed::detail {

namespace od = simdjson::ondemand;

// Where decoding stopped. Both texts are static (literals in this library or simdjson's).
struct Fault {
  DecodeError error = DecodeError::None;
  std::string_view field;
  std::string_view detail;
};

// Records the fault and returns false, so that `return fail(...)` reads as what it does.
bool fail(Fault& fault, DecodeError error, std::string_view field,
          std::string_view detail = {}) noexcept;
// A simdjson error code: INCORRECT_TYPE is WrongType, everything else BadJson with a short
// static explanation.
bool json_fail(Fault& fault, simdjson::error_code code, std::string_view field) noexcept;

// A number field that may be a JSON number or a string ("0.3473", "3.1e-7"); null, "" and
// absence read as 0 with present = false. Rounded half-even to 8 places.
bool read_decimal(od::value& value, std::string_view field, Decimal& out, bool& present,
                  Fault& fault) noexcept;
// An integer field (Unix ms), number or string; a fraction is truncated ("…271.6133"). Null
// or "" read as 0.
bool read_integer(od::value& value, std::string_view field, std::int64_t& out,
                  Fault& fault) noexcept;
// A string field, unescaped (the view lives until the parser's next document). Null reads as
// empty.
bool read_string(od::value& value, std::string_view field, std::string_view& out,
                 Fault& fault) noexcept;
// A member's key: a view into the document when it holds no backslash, else unescaped by
// simdjson. Call once per member (unescaping twice would overrun simdjson's string buffer).
bool read_key(od::field& field, std::string_view what, std::string_view& out,
              Fault& fault) noexcept;
// A flag: true/false, or a number (non-zero = true); null = false.
bool read_flag(od::value& value, std::string_view field, bool& out, Fault& fault) noexcept;
// A CoinDCX pair ("B-ETH_USDT") as our symbol; null or "" leave `out` empty, present = false.
bool read_pair(od::value& value, std::string_view field, Symbol& out, bool& present,
               Fault& fault) noexcept;
// A text into a fixed-size field; longer text is TooLong. Null or "" leave `out` empty.
template <std::size_t N>
bool read_fixed(od::value& value, std::string_view field, FixedString<N>& out,
                Fault& fault) noexcept {
  std::string_view text;
  if (!read_string(value, field, text, fault)) return false;
  if (!out.try_assign(text)) return fail(fault, DecodeError::TooLong, field);
  return true;
}

// [+-]digits[.digits][(e|E)[+-]digits] truncated toward zero to an int64. False on bad syntax
// or a value outside int64.
[[nodiscard]] bool parse_integer_part(std::string_view text, std::int64_t& out) noexcept;

// One order object (df-order-update element, REST order): the field mapping of
// coindcx_stream.hpp. `id`, `pair`, `status` and `side` are required.
bool decode_order(od::value& value, ExchangeOrder& out, Fault& fault) noexcept;

// True when nothing but whitespace follows the document's root value (call after reading it).
[[nodiscard]] bool at_document_end(od::document& doc) noexcept;

// A heap buffer with SIMDJSON_PADDING spare bytes past `capacity`, allocated once.
class PaddedBuffer {
 public:
  explicit PaddedBuffer(std::size_t capacity)
      : bytes_(std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING)),
        capacity_(capacity) {}
  // Copies text (size <= capacity()) to the start of the buffer.
  void assign(std::string_view text) noexcept;
  [[nodiscard]] char* data() noexcept { return bytes_.get(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  // What parser.iterate() wants as the allocated size for `length` bytes of text.
  [[nodiscard]] std::size_t allocated() const noexcept {
    return capacity_ + simdjson::SIMDJSON_PADDING;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_;
};

// A parser whose buffers hold a document of `capacity` bytes, allocated now (iterate() would
// otherwise allocate on the first document). simdjson 3.0's On-Demand does not enforce the
// depth (it skips unread values without recursion; our decoders descend four levels at most),
// so kMaxDepth only sizes its bookkeeping.
inline constexpr std::size_t kMaxDepth = 64;
[[nodiscard]] simdjson::error_code prepare_parser(od::parser& parser,
                                                  std::size_t capacity) noexcept;

// ReasonText from arbitrary text, cut at a UTF-8 character boundary.
void assign_reason(ReasonText& out, std::string_view text) noexcept;

}  // namespace scalper::feed::detail
