// The simulator's request parser and reply writer.
#include <gtest/gtest.h>

#include <scalper/sim/json.hpp>

namespace scalper::sim {
namespace {

JsonNode parse_ok(std::string_view text) {
  std::string error;
  auto n = parse_json(text, error);
  EXPECT_TRUE(n.has_value()) << text << ": " << error;
  return n.value_or(JsonNode{});
}

std::string parse_error(std::string_view text) {
  std::string error;
  auto n = parse_json(text, error);
  EXPECT_FALSE(n.has_value()) << text;
  return error;
}

TEST(Json, KeepsNumbersAsTheirText) {
  const JsonNode n = parse_ok(R"({"a":0.1,"b":3.1e-7,"c":1705647376759,"d":-2})");
  EXPECT_EQ(n.find("a")->text, "0.1");
  EXPECT_EQ(n.find("b")->text, "3.1e-7");
  EXPECT_EQ(n.find("c")->text, "1705647376759");
  EXPECT_EQ(n.find("d")->kind, JsonNode::Kind::Number);
}

TEST(Json, ReadsNestedObjectsArraysAndEscapes) {
  const JsonNode n =
      parse_ok(R"({"order":{"side":"buy","x":[1,"two",null,true]},"s":"a\"b\u00e9"})");
  const JsonNode* order = n.find("order");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->find("side")->text, "buy");
  const JsonNode* x = order->find("x");
  ASSERT_EQ(x->items.size(), 4u);
  EXPECT_EQ(x->items[1].text, "two");
  EXPECT_TRUE(x->items[2].is_null());
  EXPECT_EQ(x->items[3].text, "true");
  EXPECT_EQ(n.find("s")->text, "a\"b\xC3\xA9");
}

TEST(Json, FirstOfDuplicateKeysWins) {
  // The exchange's own create-order sample repeats take_profit_price.
  const JsonNode n = parse_ok(R"({"k":1,"k":2})");
  EXPECT_EQ(n.find("k")->text, "1");
}

TEST(Json, RefusesMalformedDocuments) {
  for (std::string_view bad : {"", "{", R"({"a":})", R"({"a":1,})", "[1,2", R"({"a" 1})", "{} {}",
                               "nul", R"({"a":01})", "\"\\x\""}) {
    EXPECT_NE(parse_error(bad).find("malformed JSON"), std::string::npos) << bad;
  }
}

TEST(Json, RefusesDeepNestingWithoutRecursingAway) {
  const std::string deep(10'000, '[');
  EXPECT_FALSE(parse_error(deep).empty());
  std::string ok;
  for (int i = 0; i < 10; ++i) ok += "[";
  for (int i = 0; i < 10; ++i) ok += "]";
  parse_ok(ok);
}

TEST(Json, TypedReadsAcceptNumbersAsTextAndNameTheField) {
  const JsonNode n = parse_ok(
      R"({"p":"3900.0","q":0.01,"bad":{"x":1},"lev":3,"lev2":"3","f":2.5,"ts":1705647376759})");
  std::optional<Decimal> d;
  EXPECT_EQ(read_decimal(n, "p", Presence::Required, d), "");
  EXPECT_EQ(d->raw(), 390'000'000'000);
  EXPECT_EQ(read_decimal(n, "q", Presence::Required, d), "");
  EXPECT_EQ(d->raw(), 1'000'000);
  EXPECT_EQ(read_decimal(n, "bad", Presence::Required, d), "bad must be a number, not object");
  EXPECT_EQ(read_decimal(n, "missing", Presence::Required, d), "missing is missing");
  const JsonNode fine = parse_ok(R"({"p":"3400.000000001"})");
  EXPECT_EQ(read_decimal(fine, "p", Presence::Required, d),
            "p is invalid: more than 8 decimal places");
  EXPECT_EQ(read_decimal(n, "missing", Presence::Optional, d), "");
  EXPECT_FALSE(d.has_value());

  std::optional<std::int64_t> i;
  EXPECT_EQ(read_int(n, "lev", Presence::Required, i), "");
  EXPECT_EQ(*i, 3);
  EXPECT_EQ(read_int(n, "lev2", Presence::Required, i), "");
  EXPECT_EQ(*i, 3);
  EXPECT_EQ(read_int(n, "f", Presence::Required, i), "f must be an integer");
  EXPECT_EQ(read_int(n, "ts", Presence::Required, i), "");
  EXPECT_EQ(*i, 1705647376759);

  std::optional<std::string> s;
  EXPECT_EQ(read_string(n, "q", Presence::Required, s), "q must be a string, not number");
}

TEST(JsonWriter, WritesCompactJsonWithCommasAndEscapes) {
  JsonWriter w;
  w.begin_object();
  w.key("a").integer(-5);
  w.key("b").number(Decimal::from_raw(1'000'000));
  w.key("c").number_text(Decimal::from_units(3900));
  w.key("d").begin_array().string("x\"\n\x01").boolean(true).null().end_array();
  w.key("e").begin_object().end_object();
  w.end_object();
  EXPECT_EQ(w.str(), R"({"a":-5,"b":0.01,"c":"3900.0","d":["x\"\n\u0001",true,null],"e":{}})");
}

TEST(JsonWriter, WhatItWritesParsesBack) {
  JsonWriter w;
  w.begin_array();
  for (int i = 0; i < 3; ++i) w.begin_object().key("i").integer(i).end_object();
  w.end_array();
  const JsonNode n = parse_ok(w.str());
  ASSERT_EQ(n.items.size(), 3u);
  EXPECT_EQ(n.items[2].find("i")->text, "2");
}

}  // namespace
}  // namespace scalper::sim
