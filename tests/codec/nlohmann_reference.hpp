// nlohmann_reference.hpp — a slow, plainly written CoinDCX decoder on nlohmann::json, for the
// differential test and as the benchmark's baseline.
//
// It follows the same written rules as the codec (coindcx_stream.hpp) but shares none of its
// code except parse_decimal: the envelope is parsed with nlohmann (then the data string again),
// fields are looked up by name, and numbers keep their original text. nlohmann's DOM would
// turn 0.1 into a double; here a SAX handler stores every number as the string "\x01<text>"
// instead (the float callback receives the token's text; integers are exact and are printed
// back), so Decimal values come from text exactly as in the codec.
//
// Tests and benchmarks only: allocates freely; returns false on anything it cannot read.
#pragma once

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/engine/decimal.hpp"
#include "scalper/engine/events.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper::feed::reference {

using Json = nlohmann::json;

inline constexpr char kNumberMark = '\x01';

// Builds the DOM through nlohmann's own builder, numbers diverted to marked strings.
class NumberTextSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  explicit NumberTextSax(Json& root) : dom_(root, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return marked(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) { return marked(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& text) { return marked(text); }
  bool string(string_t& v) { return dom_.string(v); }
  bool binary(binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(string_t& k) { return dom_.key(k); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  template <class Exception>
  bool parse_error(std::size_t pos, const std::string& token, const Exception& ex) {
    return dom_.parse_error(pos, token, ex);
  }

 private:
  bool marked(const std::string& text) {
    string_t s = kNumberMark + text;
    return dom_.string(s);
  }
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
};

inline bool parse(std::string_view text, Json& out) {
  out = Json();
  NumberTextSax sax(out);
  return Json::sax_parse(text.begin(), text.end(), &sax);
}

// The payload of an event argument: the data string parsed again, or data inline.
inline bool payload_of(std::string_view args, Json& payload) {
  Json envelope;
  if (!parse(args, envelope) || !envelope.is_object()) return false;
  const auto data = envelope.find("data");
  if (data == envelope.end()) return false;
  if (data->is_string()) {
    const std::string& text = data->get_ref<const std::string&>();
    if (!text.empty() && text[0] == kNumberMark) return false;  // a number, not JSON text
    return parse(text, payload);
  }
  payload = std::move(*data);
  return payload.is_object() || payload.is_array();
}

// The text of a number-or-string field; nullopt when absent, null or "".
inline bool number_text(const Json& object, const char* key, std::optional<std::string>& out) {
  out.reset();
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  std::string text = it->get<std::string>();
  if (!text.empty() && text[0] == kNumberMark) text.erase(0, 1);
  if (!text.empty()) out = text;
  return true;
}

inline bool decimal_field(const Json& object, const char* key, Decimal& out, bool* present) {
  out = Decimal{};
  std::optional<std::string> text;
  if (!number_text(object, key, text)) return false;
  if (present != nullptr) *present = text.has_value();
  if (!text) return true;
  return parse_decimal(*text, out, Rounding::HalfEven) == DecimalStatus::Ok;
}

// Integer milliseconds: the digits before any fraction (the reference knows no exponents).
inline bool integer_field(const Json& object, const char* key, std::int64_t& out) {
  out = 0;
  std::optional<std::string> text;
  if (!number_text(object, key, text)) return false;
  if (!text) return true;
  const std::string whole = text->substr(0, text->find('.'));
  if (whole.empty() || whole.find_first_not_of("-0123456789") != std::string::npos) return false;
  out = std::stoll(whole);
  return true;
}

inline bool string_field(const Json& object, const char* key, std::string& out) {
  out.clear();
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return out.empty() || out[0] != kNumberMark;
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "B-ETH_USDT" -> "ETH/USDT", the way the original client did it (strip "B-", '_' -> '/').
inline bool symbol_of(const std::string& pair, Symbol& out) {
  if (pair.rfind("B-", 0) != 0) return false;
  std::string s = pair.substr(2);
  const std::size_t u = s.find('_');
  if (u == std::string::npos) return false;
  s[u] = '/';
  return out.try_assign(s);
}

inline bool status_of(const std::string& text, ExchangeStatus& out) {
  const std::string s = lower(text);
  if (s == "init" || s == "initial")
    out = ExchangeStatus::Initial;
  else if (s == "open")
    out = ExchangeStatus::Open;
  else if (s == "partially_filled")
    out = ExchangeStatus::PartiallyFilled;
  else if (s == "filled")
    out = ExchangeStatus::Filled;
  else if (s == "partially_cancelled" || s == "partially_canceled")
    out = ExchangeStatus::PartiallyCancelled;
  else if (s == "cancelled" || s == "canceled")
    out = ExchangeStatus::Cancelled;
  else if (s == "rejected")
    out = ExchangeStatus::Rejected;
  else if (s == "untriggered")
    out = ExchangeStatus::Untriggered;
  else
    return false;
  return true;
}

inline bool order_of(const Json& j, ExchangeOrder& o) {
  o = ExchangeOrder{};
  if (!j.is_object()) return false;
  std::string id, pair, side, status;
  if (!string_field(j, "id", id) || !string_field(j, "pair", pair) ||
      !string_field(j, "side", side) || !string_field(j, "status", status)) {
    return false;
  }
  if (id.empty() || !o.exchange_id.try_assign(id) || !symbol_of(pair, o.symbol) ||
      !status_of(status, o.status)) {
    return false;
  }
  const std::string s = lower(side);
  if (s != "buy" && s != "sell") return false;
  o.side = s == "buy" ? Side::Buy : Side::Sell;
  bool has_filled = false, has_remaining = false;
  Decimal remaining, cancelled;
  if (!decimal_field(j, "price", o.price, nullptr) ||
      !decimal_field(j, "avg_price", o.avg_price, nullptr) ||
      !decimal_field(j, "fee_amount", o.fee, nullptr) ||
      !decimal_field(j, "total_quantity", o.total_qty, nullptr) ||
      !decimal_field(j, "filled_quantity", o.filled_qty, &has_filled) ||
      !decimal_field(j, "remaining_quantity", remaining, &has_remaining) ||
      !decimal_field(j, "cancelled_quantity", cancelled, nullptr) ||
      !integer_field(j, "created_at", o.exchange_ts_ms)) {
    return false;
  }
  if (!has_filled && has_remaining) {
    // Magnitudes here stay far below overflow.
    Decimal f = o.total_qty - remaining - cancelled;
    if (f.is_negative()) f = Decimal{};
    if (f > o.total_qty) f = o.total_qty.is_negative() ? Decimal{} : o.total_qty;
    o.filled_qty = f;
  }
  o.venue = Venue::CoinDcxFutures;
  return true;
}

// df-order-update: every order of the payload array, appended to `out`.
inline bool decode_order_update(std::string_view args, std::vector<ExchangeOrder>& out) {
  Json payload;
  if (!payload_of(args, payload) || !payload.is_array()) return false;
  for (const Json& j : payload) {
    ExchangeOrder o;
    if (!order_of(j, o)) return false;
    out.push_back(o);
  }
  return true;
}

// price-change `{T,p,pr}`, appended to `out`.
inline bool decode_price_change(std::string_view args, std::vector<PriceTick>& out) {
  Json payload;
  if (!payload_of(args, payload) || !payload.is_object()) return false;
  PriceTick t;
  bool has_price = false;
  if (!decimal_field(payload, "p", t.price, &has_price) || !has_price ||
      !integer_field(payload, "T", t.exchange_ts_ms)) {
    return false;
  }
  out.push_back(t);
  return true;
}

}  // namespace scalper::feed::reference
