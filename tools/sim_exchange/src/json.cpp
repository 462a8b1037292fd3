#include <scalper/sim/json.hpp>

#include <simdjson.h>
#include <charconv>

namespace scalper::sim {
namespace {

namespace od = simdjson::ondemand;

// Deep enough for every CoinDCX body (two levels); a cap keeps a hostile body of brackets
// from recursing the stack away.
constexpr int kMaxDepth = 16;

std::string describe(simdjson::error_code e) { return std::string(simdjson::error_message(e)); }

// Forward: builds `out` from any On-Demand value (document values are converted first).
simdjson::error_code build(od::value value, JsonNode& out, int depth);

simdjson::error_code build_scalar(od::json_type type, auto& value, JsonNode& out) {
  switch (type) {
    case od::json_type::null: out.kind = JsonNode::Kind::Null; return simdjson::SUCCESS;
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = value.get_bool().get(b)) return e;
      out.kind = JsonNode::Kind::Bool;
      out.text = b ? "true" : "false";
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      // Validate it is a number at all, then keep the exact token (money is read from text).
      double ignored = 0;
      if (auto e = value.get_double().get(ignored)) {
        // Big integers fail get_double only on syntax; anything else is a real error.
        return e;
      }
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                              raw.back() == '\t')) {
        raw.remove_suffix(1);
      }
      out.kind = JsonNode::Kind::Number;
      out.text.assign(raw);
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = value.get_string().get(s)) return e;
      out.kind = JsonNode::Kind::String;
      out.text.assign(s);
      return simdjson::SUCCESS;
    }
    default: return simdjson::INCORRECT_TYPE;
  }
}

template <class V>
simdjson::error_code build_any(V& value, JsonNode& out, int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type{};
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::object) {
    od::object obj;
    if (auto e = value.get_object().get(obj)) return e;
    out.kind = JsonNode::Kind::Object;
    for (auto field : obj) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      JsonNode child;
      if (auto e = build(field.value(), child, depth + 1)) return e;
      out.members.push_back(JsonMember{std::string(key), std::move(child)});
    }
    return simdjson::SUCCESS;
  }
  if (type == od::json_type::array) {
    od::array arr;
    if (auto e = value.get_array().get(arr)) return e;
    out.kind = JsonNode::Kind::Array;
    for (auto item : arr) {
      od::value v;
      if (auto e = item.get(v)) return e;
      JsonNode child;
      if (auto e = build(v, child, depth + 1)) return e;
      out.items.push_back(std::move(child));
    }
    return simdjson::SUCCESS;
  }
  return build_scalar(type, value, out);
}

simdjson::error_code build(od::value value, JsonNode& out, int depth) {
  return build_any(value, out, depth);
}

bool is_numeric_text(const JsonNode& n) {
  return n.kind == JsonNode::Kind::Number || n.kind == JsonNode::Kind::String;
}

}  // namespace

const JsonNode* JsonNode::find(std::string_view key) const noexcept {
  if (kind != Kind::Object) return nullptr;
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view kind_name(JsonNode::Kind kind) noexcept {
  switch (kind) {
    case JsonNode::Kind::Null: return "null";
    case JsonNode::Kind::Bool: return "boolean";
    case JsonNode::Kind::Number: return "number";
    case JsonNode::Kind::String: return "string";
    case JsonNode::Kind::Array: return "array";
    case JsonNode::Kind::Object: return "object";
  }
  return "?";
}

std::optional<JsonNode> parse_json(std::string_view text, std::string& error) {
  od::parser parser;
  simdjson::padded_string padded(text);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    error = "malformed JSON: " + describe(e);
    return std::nullopt;
  }
  JsonNode root;
  // A scalar document cannot be turned into an od::value, so scalars are read off the
  // document itself; objects and arrays go through the common builder.
  simdjson::error_code e = build_any(doc, root, 0);
  // In bounds after the root value means something follows it: "{} {}" or "1 2".
  const char* rest = nullptr;
  if (e == simdjson::SUCCESS && doc.current_location().get(rest) == simdjson::SUCCESS) {
    e = simdjson::TRAILING_CONTENT;
  }
  if (e) {
    error = e == simdjson::DEPTH_ERROR ? "malformed JSON: nested deeper than 16 levels"
                                       : "malformed JSON: " + describe(e);
    return std::nullopt;
  }
  return root;
}

std::string read_decimal(const JsonNode& obj, std::string_view key, Presence presence,
                         std::optional<Decimal>& out) {
  out.reset();
  const JsonNode* n = obj.find(key);
  if (n == nullptr || n->is_null()) {
    return presence == Presence::Required ? std::string(key) + " is missing" : std::string();
  }
  if (!is_numeric_text(*n)) {
    return std::string(key) + " must be a number, not " + std::string(kind_name(n->kind));
  }
  Decimal d;
  // Exact: a price or quantity with digits beyond 8 places is refused, not silently rounded
  // into something the client did not send.
  if (auto st = parse_decimal(n->text, d, Rounding::Exact); st != DecimalStatus::Ok) {
    return std::string(key) + " is invalid: " + std::string(to_string(st));
  }
  out = d;
  return {};
}

std::string read_string(const JsonNode& obj, std::string_view key, Presence presence,
                        std::optional<std::string>& out) {
  out.reset();
  const JsonNode* n = obj.find(key);
  if (n == nullptr || n->is_null()) {
    return presence == Presence::Required ? std::string(key) + " is missing" : std::string();
  }
  if (n->kind != JsonNode::Kind::String) {
    return std::string(key) + " must be a string, not " + std::string(kind_name(n->kind));
  }
  out = n->text;
  return {};
}

std::string read_int(const JsonNode& obj, std::string_view key, Presence presence,
                     std::optional<std::int64_t>& out) {
  out.reset();
  const JsonNode* n = obj.find(key);
  if (n == nullptr || n->is_null()) {
    return presence == Presence::Required ? std::string(key) + " is missing" : std::string();
  }
  if (!is_numeric_text(*n)) {
    return std::string(key) + " must be an integer, not " + std::string(kind_name(n->kind));
  }
  // Integers may arrive as 3, "3" or 3.0 (the exchange's own floats); a fraction is an error.
  Decimal d;
  if (parse_decimal(n->text, d, Rounding::Exact) != DecimalStatus::Ok ||
      d.raw() % Decimal::kOne != 0) {
    // Timestamps in ms exceed Decimal's range; fall back to a plain integer parse.
    std::int64_t v = 0;
    const char* first = n->text.data();
    const char* last = first + n->text.size();
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc{} || ptr != last) return std::string(key) + " must be an integer";
    out = v;
    return {};
  }
  out = d.raw() / Decimal::kOne;
  return {};
}

// ---- writer -------------------------------------------------------------------------------

void append_json_string(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // Runs that need no escape are appended whole: replies are mostly such runs, and a
  // character at a time was half the cost of a fill in the matching benchmark.
  std::size_t run = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const auto u = static_cast<unsigned char>(c);
    if (c != '"' && c != '\\' && u >= 0x20) continue;
    out.append(v.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 0xF]);
    }
  }
  out.append(v.data() + run, v.size() - run);
  out.push_back('"');
}

void JsonWriter::before_value() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
  if (need_comma_) out_.push_back(',');
  append_json_string(out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::string(std::string_view v) {
  before_value();
  append_json_string(out_, v);
  return *this;
}
JsonWriter& JsonWriter::number(Decimal v) {
  before_value();
  char buf[kDecimalTextMax];
  out_.append(buf, format_decimal(v, buf));
  return *this;
}
JsonWriter& JsonWriter::number_text(Decimal v) {
  before_value();
  char buf[kDecimalTextMax];
  out_.push_back('"');
  out_.append(buf, format_decimal(v, buf));
  out_.push_back('"');
  return *this;
}
JsonWriter& JsonWriter::integer(std::int64_t v) {
  before_value();
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 chars hold any int64
  out_.append(buf, ptr);
  return *this;
}
JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

}  // namespace scalper::sim
