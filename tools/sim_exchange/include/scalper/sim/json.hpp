// json.hpp — the simulator's JSON: a checked tree for request bodies, a writer for replies.
//
// Requests are small (the server caps bodies) and arrive a few hundred per second at most, so
// a tree is the simple, safe shape here; it is built with simdjson's On-Demand API because
// that keeps every number's text as sent, and money must be parsed from text, never through
// double. The writer emits compact JSON (no spaces), the form CoinDCX's own samples sign.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <scalper/engine/decimal.hpp>

namespace scalper::sim {

struct JsonMember;

struct JsonNode {
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  std::string text;  // String: unescaped value; Number: the raw token; Bool: "true"/"false"
  // Object members in document order. A struct of its own, not std::pair: a pair of an
  // incomplete JsonNode is refused by clang's libstdc++ checks, a vector of one is fine.
  std::vector<JsonMember> members;
  std::vector<JsonNode> items;  // Array

  // First member named `key` (CoinDCX samples contain duplicate keys; the first one wins,
  // as in most JSON libraries' "find" semantics). nullptr when absent or not an object.
  [[nodiscard]] const JsonNode* find(std::string_view key) const noexcept;
  [[nodiscard]] bool is_null() const noexcept { return kind == Kind::Null; }
};

struct JsonMember {
  std::string key;
  JsonNode value;
};

[[nodiscard]] std::string_view kind_name(JsonNode::Kind kind) noexcept;

// Parses a whole document. On failure returns nullopt and sets `error` to a short reason
// ("malformed JSON at ...", "nested deeper than N"). Never throws.
[[nodiscard]] std::optional<JsonNode> parse_json(std::string_view text, std::string& error);

// Typed reads of one member, accepting the looseness the exchange itself shows: numbers as
// JSON numbers or numeric strings. Each returns an error text naming the field, or "".
enum class Presence : std::uint8_t { Required, Optional };
[[nodiscard]] std::string read_decimal(const JsonNode& obj, std::string_view key, Presence presence,
                                       std::optional<Decimal>& out);
[[nodiscard]] std::string read_string(const JsonNode& obj, std::string_view key, Presence presence,
                                      std::optional<std::string>& out);
[[nodiscard]] std::string read_int(const JsonNode& obj, std::string_view key, Presence presence,
                                   std::optional<std::int64_t>& out);

// Compact JSON writer. Keys and values are appended in call order; the caller keeps the
// nesting balanced (begin_object/end_object). Commas are placed automatically.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& string(std::string_view v);
  JsonWriter& number(Decimal v);       // shortest exact text, as a JSON number ("0.1", "3900.0")
  JsonWriter& number_text(Decimal v);  // the same digits as a JSON string ("0.1")
  JsonWriter& integer(std::int64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // an already-encoded value

  // Convenience: key + value.
  template <class F>
  JsonWriter& field(std::string_view k, F&& write_value) {
    key(k);
    write_value(*this);
    return *this;
  }

  [[nodiscard]] const std::string& str() const noexcept { return out_; }
  [[nodiscard]] std::string take() noexcept { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  bool need_comma_ = false;
};

// Appends `v` as a quoted JSON string with the mandatory escapes (and \u00XX for controls).
void append_json_string(std::string& out, std::string_view v);

}  // namespace scalper::sim
