#include "json_read.hpp"

#include <cstdint>
#include <cstring>

#include "scalper/feed/coindcx_symbols.hpp"

namespace scalper::feed::detail {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// raw_json_token() runs up to the next token, so a number's text carries the spaces after it.
std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

// Short texts for the errors malformed frames produce; simdjson's own run past ReasonText.
std::string_view short_message(simdjson::error_code code) noexcept {
  switch (code) {
    case simdjson::TAPE_ERROR: return "bad structure";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "unclosed array or object";
    case simdjson::UNCLOSED_STRING: return "unclosed string";
    case simdjson::STRING_ERROR: return "bad string escape";
    case simdjson::UNESCAPED_CHARS: return "control character in a string";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::EMPTY: return "empty";
    case simdjson::DEPTH_ERROR: return "nested too deep";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "bad literal";
    case simdjson::NUMBER_ERROR: return "bad number";
    case simdjson::CAPACITY: return "document too large";
    case simdjson::INCORRECT_TYPE: return "wrong JSON type";
    case simdjson::SCALAR_DOCUMENT_AS_VALUE: return "a scalar where a container belongs";
    default: return simdjson::error_message(code);
  }
}

// A value whose first byte is 'n': exactly `null`, or a bad literal ("nul", "nan").
bool read_null(od::value& value, std::string_view field, Fault& fault) noexcept {
  bool is_null = false;
  if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
    return fail(fault, DecodeError::BadJson, field, "bad literal");
  }
  return true;
}

// A string value's text. Without a backslash (ids, pairs, statuses, numbers: always, in
// practice) it is a view into the document between the quotes; stage 1 has already paired the
// quotes and checked UTF-8 and control characters. With one, simdjson unescapes it into the
// parser's string buffer. Either view lives until the parser's next document.
bool string_text(od::value& value, std::string_view field, std::string_view& out,
                 Fault& fault) noexcept {
  const std::string_view token = trim_right(value.raw_json_token());
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
    const std::string_view inner = token.substr(1, token.size() - 2);
    if (inner.find('\\') == std::string_view::npos) {
      out = inner;
      return true;
    }
  }
  if (auto e = value.get_string().get(out)) return json_fail(fault, e, field);
  return true;
}

// The text of a number-or-string field; `have` is false for null and "".
bool read_number_text(od::value& value, std::string_view field, std::string_view& text, bool& have,
                      Fault& fault) noexcept {
  have = false;
  od::json_type type{};
  if (auto e = value.type().get(type)) return json_fail(fault, e, field);
  switch (type) {
    case od::json_type::number:
      text = trim_right(value.raw_json_token());
      have = true;
      return true;
    case od::json_type::string:
      if (!string_text(value, field, text, fault)) return false;
      have = !text.empty();
      return true;
    case od::json_type::null: return read_null(value, field, fault);
    case od::json_type::array:
    case od::json_type::object:
    case od::json_type::boolean: break;
  }
  return fail(fault, DecodeError::WrongType, field, "expected a number or a numeric string");
}

// ---- order objects ----------------------------------------------------------------------

enum class OrderKey : std::uint8_t {
  Other,
  Id,
  Pair,
  Side,
  Status,
  Price,
  AvgPrice,
  FeeAmount,
  CreatedAt,
  TotalQuantity,
  FilledQuantity,
  RemainingQuantity,
  CancelledQuantity,
};

// By length first: one or two compares per key of the ~35 an order object carries.
OrderKey order_key(std::string_view k) noexcept {
  switch (k.size()) {
    case 2: return k == "id" ? OrderKey::Id : OrderKey::Other;
    case 4:
      if (k == "pair") return OrderKey::Pair;
      return k == "side" ? OrderKey::Side : OrderKey::Other;
    case 5: return k == "price" ? OrderKey::Price : OrderKey::Other;
    case 6: return k == "status" ? OrderKey::Status : OrderKey::Other;
    case 9: return k == "avg_price" ? OrderKey::AvgPrice : OrderKey::Other;
    case 10:
      if (k == "fee_amount") return OrderKey::FeeAmount;
      return k == "created_at" ? OrderKey::CreatedAt : OrderKey::Other;
    case 14: return k == "total_quantity" ? OrderKey::TotalQuantity : OrderKey::Other;
    case 15: return k == "filled_quantity" ? OrderKey::FilledQuantity : OrderKey::Other;
    case 18:
      if (k == "remaining_quantity") return OrderKey::RemainingQuantity;
      return k == "cancelled_quantity" ? OrderKey::CancelledQuantity : OrderKey::Other;
    default: return OrderKey::Other;
  }
}

// What an order object said, before the derived fields are settled.
struct OrderRead {
  bool has_id = false;
  bool has_pair = false;
  bool has_status = false;
  bool has_side = false;
  bool has_filled = false;
  bool has_remaining = false;
  Decimal remaining;
  Decimal cancelled;
};

bool read_order_field(OrderKey key, od::value& value, ExchangeOrder& out, OrderRead& read,
                      Fault& fault) noexcept {
  bool present = false;
  switch (key) {
    case OrderKey::Other: return true;
    case OrderKey::Id: {
      if (!read_fixed(value, "id", out.exchange_id, fault)) return false;
      read.has_id = !out.exchange_id.empty();
      return true;
    }
    case OrderKey::Pair: {
      if (!read_pair(value, "pair", out.symbol, present, fault)) return false;
      read.has_pair = present;
      return true;
    }
    case OrderKey::Status: {
      std::string_view text;
      if (!read_string(value, "status", text, fault)) return false;
      if (text.empty()) return true;
      if (!parse_coindcx_status(text, out.status)) {
        return fail(fault, DecodeError::BadStatus, "status");
      }
      read.has_status = true;
      return true;
    }
    case OrderKey::Side: {
      std::string_view text;
      if (!read_string(value, "side", text, fault)) return false;
      if (text.empty()) return true;
      if (!parse_coindcx_side(text, out.side)) return fail(fault, DecodeError::BadSide, "side");
      read.has_side = true;
      return true;
    }
    case OrderKey::Price: return read_decimal(value, "price", out.price, present, fault);
    case OrderKey::AvgPrice: return read_decimal(value, "avg_price", out.avg_price, present, fault);
    case OrderKey::FeeAmount: return read_decimal(value, "fee_amount", out.fee, present, fault);
    case OrderKey::CreatedAt: return read_integer(value, "created_at", out.exchange_ts_ms, fault);
    case OrderKey::TotalQuantity:
      return read_decimal(value, "total_quantity", out.total_qty, present, fault);
    case OrderKey::FilledQuantity:
      return read_decimal(value, "filled_quantity", out.filled_qty, read.has_filled, fault);
    case OrderKey::RemainingQuantity:
      return read_decimal(value, "remaining_quantity", read.remaining, read.has_remaining, fault);
    case OrderKey::CancelledQuantity:
      return read_decimal(value, "cancelled_quantity", read.cancelled, present, fault);
  }
  return true;
}

// Without `filled_quantity` (REST responses never carry it) the fill is what is neither
// resting nor cancelled: total − remaining − cancelled. The cancelled part matters: a
// cancelled order reports remaining 0 (our simulator moves the rest to cancelled_quantity), and
// total − remaining alone would read as a full fill. Clamped to [0, total].
Decimal derived_filled(Decimal total, Decimal remaining, Decimal cancelled) noexcept {
  std::int64_t left = 0;
  std::int64_t filled = 0;
  if (__builtin_sub_overflow(total.raw(), remaining.raw(), &left) ||
      __builtin_sub_overflow(left, cancelled.raw(), &filled) || filled < 0) {
    return Decimal{};
  }
  const std::int64_t cap = total.raw() > 0 ? total.raw() : 0;
  return Decimal::from_raw(filled > cap ? cap : filled);
}

}  // namespace

bool fail(Fault& fault, DecodeError error, std::string_view field,
          std::string_view detail) noexcept {
  fault.error = error;
  fault.field = field;
  fault.detail = detail;
  return false;
}

bool json_fail(Fault& fault, simdjson::error_code code, std::string_view field) noexcept {
  return fail(fault,
              code == simdjson::INCORRECT_TYPE ? DecodeError::WrongType : DecodeError::BadJson,
              field, short_message(code));
}

bool read_decimal(od::value& value, std::string_view field, Decimal& out, bool& present,
                  Fault& fault) noexcept {
  present = false;
  out = Decimal{};
  std::string_view text;
  bool have = false;
  if (!read_number_text(value, field, text, have, fault)) return false;
  if (!have) return true;
  Decimal d;
  const DecimalStatus status = parse_decimal(text, d, Rounding::HalfEven);
  if (status != DecimalStatus::Ok)
    return fail(fault, DecodeError::BadNumber, field, to_string(status));
  out = d;
  present = true;
  return true;
}

bool read_integer(od::value& value, std::string_view field, std::int64_t& out,
                  Fault& fault) noexcept {
  out = 0;
  std::string_view text;
  bool have = false;
  if (!read_number_text(value, field, text, have, fault)) return false;
  if (have && !parse_integer_part(text, out)) {
    out = 0;
    return fail(fault, DecodeError::BadInteger, field);
  }
  return true;
}

bool read_string(od::value& value, std::string_view field, std::string_view& out,
                 Fault& fault) noexcept {
  out = {};
  od::json_type type{};
  if (auto e = value.type().get(type)) return json_fail(fault, e, field);
  if (type == od::json_type::null) return read_null(value, field, fault);
  if (type != od::json_type::string) {
    return fail(fault, DecodeError::WrongType, field, "expected a string");
  }
  return string_text(value, field, out, fault);
}

bool read_key(od::field& field, std::string_view what, std::string_view& out,
              Fault& fault) noexcept {
  const char* raw = field.key().raw();
  std::size_t n = 0;
  for (; raw[n] != '"'; ++n) {
    if (raw[n] == '\\') {
      if (auto e = field.unescaped_key().get(out)) return json_fail(fault, e, what);
      return true;
    }
  }
  out = std::string_view(raw, n);
  return true;
}

bool read_flag(od::value& value, std::string_view field, bool& out, Fault& fault) noexcept {
  out = false;
  od::json_type type{};
  if (auto e = value.type().get(type)) return json_fail(fault, e, field);
  if (type == od::json_type::boolean) {
    if (auto e = value.get_bool().get(out)) return json_fail(fault, e, field);
    return true;
  }
  if (type == od::json_type::number || type == od::json_type::null) {
    Decimal d;
    bool present = false;
    if (!read_decimal(value, field, d, present, fault)) return false;
    out = !d.is_zero();
    return true;
  }
  return fail(fault, DecodeError::WrongType, field, "expected a boolean or a number");
}

bool read_pair(od::value& value, std::string_view field, Symbol& out, bool& present,
               Fault& fault) noexcept {
  present = false;
  out.clear();
  std::string_view text;
  if (!read_string(value, field, text, fault)) return false;
  if (text.empty()) return true;
  if (!coindcx_pair_to_symbol(text, out)) return fail(fault, DecodeError::BadSymbol, field);
  present = true;
  return true;
}

// Idea: the digits D (integer then fraction) with the decimal point after position
// p = integer digits + exponent; the integer part is D's first p digits, zeros appended when p
// runs past D, none when p <= 0. The exponent saturates far beyond any int64, so a huge one
// overflows and a hugely negative one gives 0, as the true value would.
bool parse_integer_part(std::string_view text, std::int64_t& out) noexcept {
  // Fast path: plain digits that cannot overflow (every millisecond timestamp).
  if (!text.empty() && text.size() <= 18) {
    std::int64_t v = 0;
    std::size_t i = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) v = v * 10 + (text[i] - '0');
    if (i == text.size()) {
      out = v;
      return true;
    }
  }
  constexpr std::int64_t kExponentLimit = 1'000'000'000;
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::size_t int_len = i - int_begin;
  std::size_t frac_begin = i;
  std::size_t frac_len = 0;
  if (i < text.size() && text[i] == '.') {
    frac_begin = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    frac_len = i - frac_begin;
  }
  if (int_len + frac_len == 0) return false;
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == text.size() || !is_digit(text[i])) return false;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (exponent < kExponentLimit) exponent = exponent * 10 + (text[i] - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size()) return false;

  const std::size_t total = int_len + frac_len;
  auto digit_at = [&](std::int64_t k) -> std::uint64_t {
    if (k >= static_cast<std::int64_t>(total)) return 0;
    const auto u = static_cast<std::size_t>(k);
    const char c = u < int_len ? text[int_begin + u] : text[frac_begin + (u - int_len)];
    return static_cast<std::uint64_t>(c - '0');
  };
  const std::uint64_t limit =
      negative ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(INT64_MAX);
  const std::int64_t point = static_cast<std::int64_t>(int_len) + exponent;
  std::uint64_t acc = 0;
  for (std::int64_t k = 0; k < point; ++k) {
    const std::uint64_t d = digit_at(k);
    // Bounded: past the text's digits only zeros are appended, and a non-zero acc overflows
    // within 19 of them; a zero acc past the text stays zero, so stop there.
    if (acc == 0 && d == 0 && k >= static_cast<std::int64_t>(total)) break;
    if (acc > (limit - d) / 10) return false;
    acc = acc * 10 + d;
  }
  out = negative ? static_cast<std::int64_t>(0 - acc) : static_cast<std::int64_t>(acc);
  return true;
}

bool decode_order(od::value& value, ExchangeOrder& out, Fault& fault) noexcept {
  out = ExchangeOrder{};
  od::object object;
  if (auto e = value.get_object().get(object)) {
    if (e == simdjson::INCORRECT_TYPE) {
      return fail(fault, DecodeError::WrongShape, "order", "expected an object");
    }
    return json_fail(fault, e, "order");
  }
  OrderRead read;
  for (auto member : object) {
    od::field field;
    if (auto e = std::move(member).get(field)) return json_fail(fault, e, "order");
    std::string_view key;
    if (!read_key(field, "order", key, fault)) return false;
    if (!read_order_field(order_key(key), field.value(), out, read, fault)) return false;
  }
  if (!read.has_id) return fail(fault, DecodeError::MissingField, "id");
  if (!read.has_pair) return fail(fault, DecodeError::MissingField, "pair");
  if (!read.has_status) return fail(fault, DecodeError::MissingField, "status");
  if (!read.has_side) return fail(fault, DecodeError::MissingField, "side");
  if (!read.has_filled && read.has_remaining) {
    out.filled_qty = derived_filled(out.total_qty, read.remaining, read.cancelled);
  }
  out.venue = Venue::CoinDcxFutures;
  return true;
}

bool at_document_end(od::document& doc) noexcept {
  const char* rest = nullptr;
  return doc.current_location().get(rest) != simdjson::SUCCESS;
}

void PaddedBuffer::assign(std::string_view text) noexcept {
  if (!text.empty()) std::memcpy(bytes_.get(), text.data(), text.size());
}

simdjson::error_code prepare_parser(od::parser& parser, std::size_t capacity) noexcept {
  return parser.allocate(capacity, kMaxDepth);
}

void assign_reason(ReasonText& out, std::string_view text) noexcept {
  if (text.size() > ReasonText::kCapacity) {
    std::size_t cut = ReasonText::kCapacity;
    // Back off over continuation bytes (10xxxxxx) so no character is split.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
    text = text.substr(0, cut);
  }
  out.assign_truncated(text);
}

}  // namespace scalper::feed::detail
