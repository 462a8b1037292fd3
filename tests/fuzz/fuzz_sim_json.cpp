// fuzz_sim_json.cpp — libFuzzer target for the simulator's request-body parser.
//
// Input: any bytes, taken as a JSON document. The parser must never crash or recurse away;
// a document it accepts must survive a write → parse round trip with the same shape, and
// the typed readers must answer (a value or an error naming the field) for every member.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <scalper/sim/json.hpp>

namespace {

using scalper::sim::JsonNode;
using scalper::sim::JsonWriter;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void write(JsonWriter& w, const JsonNode& n) {
  switch (n.kind) {
    case JsonNode::Kind::Null: w.null(); break;
    case JsonNode::Kind::Bool: w.boolean(n.text == "true"); break;
    case JsonNode::Kind::Number: w.raw(n.text); break;
    case JsonNode::Kind::String: w.string(n.text); break;
    case JsonNode::Kind::Array:
      w.begin_array();
      for (const auto& i : n.items) write(w, i);
      w.end_array();
      break;
    case JsonNode::Kind::Object:
      w.begin_object();
      for (const auto& [k, v] : n.members) {
        w.key(k);
        write(w, v);
      }
      w.end_object();
      break;
  }
}

bool same_shape(const JsonNode& a, const JsonNode& b) {
  if (a.kind != b.kind || a.text != b.text || a.items.size() != b.items.size() ||
      a.members.size() != b.members.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    if (!same_shape(a.items[i], b.items[i])) return false;
  }
  for (std::size_t i = 0; i < a.members.size(); ++i) {
    if (a.members[i].key != b.members[i].key) return false;
    if (!same_shape(a.members[i].value, b.members[i].value)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto node = scalper::sim::parse_json(text, error);
  if (!node) {
    check(!error.empty());
    return 0;
  }
  JsonWriter w;
  write(w, *node);
  std::string error2;
  auto again = scalper::sim::parse_json(w.str(), error2);
  check(again.has_value());
  check(same_shape(*node, *again));
  for (const auto& member : node->members) {
    // Readers see the first member of a name (duplicates are legal input).
    const JsonNode& first = *node->find(member.key);
    std::optional<scalper::Decimal> d;
    std::optional<std::int64_t> i;
    std::optional<std::string> s;
    (void)scalper::sim::read_decimal(*node, member.key, scalper::sim::Presence::Required, d);
    (void)scalper::sim::read_int(*node, member.key, scalper::sim::Presence::Required, i);
    const std::string e =
        scalper::sim::read_string(*node, member.key, scalper::sim::Presence::Required, s);
    check(e.empty() == (first.kind == JsonNode::Kind::String));
    check(!d || first.kind == JsonNode::Kind::Number || first.kind == JsonNode::Kind::String);
  }
  return 0;
}
