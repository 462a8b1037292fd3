// The stream decoder's rules: number forms, status spellings, several items per frame, envelope
// variants, unknown events, malformed input (counted, with a reason, never a crash), and no
// allocation per frame.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "codec_test_support.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper::feed {
namespace {

using test::dec;
using test::RecordingSink;

// An order object as JSON, field by field (raw JSON values), so a test can swap one field.
class OrderJson {
 public:
  OrderJson() {
    set("id", R"("53305489-495e-4841-b74c-96ae9ef8abbe")");
    set("pair", R"("B-ETH_USDT")");
    set("side", R"("buy")");
    set("status", R"("open")");
    set("order_type", R"("limit_order")");
    set("leverage", "3.0");
    set("fee_amount", "0.0085");
    set("price", "3400.0");
    set("avg_price", "3400.0");
    set("total_quantity", "0.01");
    set("remaining_quantity", "0.0");
    set("cancelled_quantity", "0.0");
    set("filled_quantity", "0.01");
    set("created_at", "1795623474267");
    set("trades", R"([{"price":1,"q":[1,2,{"x":null}]}])");
    set("display_message", R"("ETH \"limit\" buy order\nfilled! \u00e9")");
  }
  OrderJson& set(const std::string& key, const std::string& raw) {
    for (auto& [k, v] : fields_) {
      if (k == key) {
        v = raw;
        return *this;
      }
    }
    fields_.emplace_back(key, raw);
    return *this;
  }
  OrderJson& erase(const std::string& key) {
    std::erase_if(fields_, [&](const auto& f) { return f.first == key; });
    return *this;
  }
  [[nodiscard]] std::string str() const {
    std::string s = "{";
    for (const auto& [k, v] : fields_) {
      if (s.size() > 1) s += ',';
      s += "\"" + k + "\":" + v;
    }
    return s + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string array_of(const std::vector<std::string>& items) {
  std::string s = "[";
  for (const std::string& i : items) {
    if (s.size() > 1) s += ',';
    s += i;
  }
  return s + "]";
}

// One order frame in the string form, decoded; the order (or a failed test).
ExchangeOrder decode_one_order(const OrderJson& o) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  const DecodeOutcome r = decoder.decode(
      "df-order-update", test::string_envelope("df-order-update", array_of({o.str()})), sink);
  EXPECT_TRUE(r.ok()) << describe(r).view() << "\n" << o.str();
  EXPECT_EQ(sink.orders.size(), 1u);
  return sink.orders.empty() ? ExchangeOrder{} : sink.orders[0];
}

TEST(CoinDcxStream, OrderFieldsFromTheSimulatorShape) {
  const ExchangeOrder o = decode_one_order(OrderJson{});
  EXPECT_EQ(o.exchange_id.view(), "53305489-495e-4841-b74c-96ae9ef8abbe");
  EXPECT_EQ(o.symbol.view(), "ETH/USDT");
  EXPECT_EQ(o.side, Side::Buy);
  EXPECT_EQ(o.status, ExchangeStatus::Open);
  EXPECT_EQ(o.price, dec("3400"));
  EXPECT_EQ(o.avg_price, dec("3400"));
  EXPECT_EQ(o.total_qty, dec("0.01"));
  EXPECT_EQ(o.filled_qty, dec("0.01"));
  EXPECT_EQ(o.fee, dec("0.0085"));
  EXPECT_EQ(o.exchange_ts_ms, 1795623474267);
  EXPECT_EQ(o.venue, Venue::CoinDcxFutures);
}

TEST(CoinDcxStream, NumbersInEveryForm) {
  struct Case {
    std::string raw;
    std::string_view expected;
  };
  const std::vector<Case> cases = {
      {"3400", "3400"},
      {"3400.0", "3400"},
      {R"("3400")", "3400"},
      {R"("3400.00000000")", "3400"},
      {"3.4e3", "3400"},
      {"3.4E+3", "3400"},
      {"340000e-2", "3400"},
      {R"("3.4e3")", "3400"},
      {R"("1E+2")", "100"},
      {"3.1e-7", "0.00000031"},
      {R"("3.1e-7")", "0.00000031"},
      {"0.123456785", "0.12345678"},  // half-even: 8 is even, stays
      {"0.123456775", "0.12345678"},  // half-even: 7 is odd, goes up
      {"0.1234567851", "0.12345679"},
      {"-0.5", "-0.5"},
      {"null", "0"},
      {R"("")", "0"},
      {"0", "0"},
      {"1e-20", "0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.raw);
    const ExchangeOrder o =
        decode_one_order(OrderJson{}.set("price", c.raw).set("fee_amount", c.raw));
    EXPECT_EQ(o.price, dec(c.expected));
    EXPECT_EQ(o.fee, dec(c.expected));
  }
  // Absent: 0.
  const ExchangeOrder o = decode_one_order(OrderJson{}.erase("price").erase("avg_price"));
  EXPECT_EQ(o.price, Decimal{});
  EXPECT_EQ(o.avg_price, Decimal{});
}

TEST(CoinDcxStream, TimestampsAsIntegersStringsFractionsExponents) {
  struct Case {
    std::string raw;
    std::int64_t expected;
  };
  for (const Case& c : std::vector<Case>{{"1705516416271", 1705516416271},
                                         {"1705516416271.6133", 1705516416271},
                                         {R"("1705516416271")", 1705516416271},
                                         {R"("1705516416271.9999")", 1705516416271},
                                         {"1.705516416271e12", 1705516416271},
                                         {"1705516416271E0", 1705516416271},
                                         {"17055164162716133e-4", 1705516416271},
                                         {"9223372036854775807", INT64_MAX},
                                         {"null", 0},
                                         {R"("")", 0}}) {
    SCOPED_TRACE(c.raw);
    EXPECT_EQ(decode_one_order(OrderJson{}.set("created_at", c.raw)).exchange_ts_ms, c.expected);
  }
  EXPECT_EQ(decode_one_order(OrderJson{}.erase("created_at")).exchange_ts_ms, 0);
}

TEST(CoinDcxStream, StatusSpellingsAndSideCase) {
  struct Case {
    std::string_view text;
    ExchangeStatus status;
  };
  for (const Case& c :
       {Case{"initial", ExchangeStatus::Initial}, Case{"INIT", ExchangeStatus::Initial},
        Case{"open", ExchangeStatus::Open},
        Case{"PARTIALLY_FILLED", ExchangeStatus::PartiallyFilled},
        Case{"filled", ExchangeStatus::Filled},
        Case{"partially_cancelled", ExchangeStatus::PartiallyCancelled},
        Case{"PARTIALLY_CANCELED", ExchangeStatus::PartiallyCancelled},
        Case{"cancelled", ExchangeStatus::Cancelled}, Case{"CANCELED", ExchangeStatus::Cancelled},
        Case{"Rejected", ExchangeStatus::Rejected},
        Case{"untriggered", ExchangeStatus::Untriggered}}) {
    SCOPED_TRACE(c.text);
    const ExchangeOrder o = decode_one_order(
        OrderJson{}.set("status", "\"" + std::string(c.text) + "\"").set("side", R"("SELL")"));
    EXPECT_EQ(o.status, c.status);
    EXPECT_EQ(o.side, Side::Sell);
  }
}

TEST(CoinDcxStream, FilledQuantityDerivedWhenAbsent) {
  // total − remaining − cancelled: a partial fill then a cancel of the rest.
  ExchangeOrder o = decode_one_order(OrderJson{}
                                         .erase("filled_quantity")
                                         .set("total_quantity", "1.0")
                                         .set("remaining_quantity", "0.0")
                                         .set("cancelled_quantity", "0.7"));
  EXPECT_EQ(o.filled_qty, dec("0.3"));
  o = decode_one_order(OrderJson{}
                           .erase("filled_quantity")
                           .set("total_quantity", "1.0")
                           .set("remaining_quantity", "0.25")
                           .erase("cancelled_quantity"));
  EXPECT_EQ(o.filled_qty, dec("0.75"));
  // Nonsense never goes below 0 or above total.
  o = decode_one_order(OrderJson{}
                           .erase("filled_quantity")
                           .set("total_quantity", "1.0")
                           .set("remaining_quantity", "0.9")
                           .set("cancelled_quantity", "0.9"));
  EXPECT_EQ(o.filled_qty, Decimal{});
  o = decode_one_order(OrderJson{}
                           .erase("filled_quantity")
                           .set("total_quantity", "1.0")
                           .set("remaining_quantity", "-5"));
  EXPECT_EQ(o.filled_qty, dec("1"));
  // null filled_quantity counts as absent.
  o = decode_one_order(OrderJson{}
                           .set("filled_quantity", "null")
                           .set("total_quantity", "2")
                           .set("remaining_quantity", "0.5")
                           .set("cancelled_quantity", "0"));
  EXPECT_EQ(o.filled_qty, dec("1.5"));
  // Neither filled nor remaining: not reported.
  o = decode_one_order(OrderJson{}.erase("filled_quantity").erase("remaining_quantity"));
  EXPECT_EQ(o.filled_qty, Decimal{});
  // Present (the final "filled" event's 0 quirk): kept as sent, not derived.
  o = decode_one_order(OrderJson{}
                           .set("status", R"("filled")")
                           .set("filled_quantity", "0.0")
                           .set("remaining_quantity", "0.0"));
  EXPECT_EQ(o.filled_qty, Decimal{});
}

TEST(CoinDcxStream, EveryOrderOfAFrameIsDelivered) {
  std::vector<std::string> orders;
  for (int i = 0; i < 5; ++i) {
    orders.push_back(OrderJson{}
                         .set("id", "\"order-" + std::to_string(i) + "\"")
                         .set("price", std::to_string(100 + i) + ".5")
                         .str());
  }
  CoinDcxStreamDecoder decoder;
  for (const std::string& args : {test::string_envelope("df-order-update", array_of(orders)),
                                  test::inline_envelope("df-order-update", array_of(orders))}) {
    RecordingSink sink;
    const DecodeOutcome r = decoder.decode("df-order-update", args, sink);
    ASSERT_TRUE(r.ok()) << describe(r).view();
    EXPECT_EQ(r.items, 5u);
    ASSERT_EQ(sink.orders.size(), 5u);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(sink.orders[static_cast<std::size_t>(i)].exchange_id.view(),
                "order-" + std::to_string(i));
      EXPECT_EQ(sink.orders[static_cast<std::size_t>(i)].price,
                dec(std::to_string(100 + i) + ".5"));
    }
  }
  EXPECT_EQ(decoder.counters().items, 10u);
}

TEST(CoinDcxStream, EmptyArrayDecodesNothing) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  const DecodeOutcome r =
      decoder.decode("df-order-update", test::string_envelope("df-order-update", "[]"), sink);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.items, 0u);
}

TEST(CoinDcxStream, SocketIoNameDecidesNotTheInnerEvent) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  const std::string args =
      "{\"event\":\"price-change\",\"data\":" + test::json_quote(array_of({OrderJson{}.str()})) +
      "}";
  const DecodeOutcome r = decoder.decode("df-order-update", args, sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  EXPECT_EQ(sink.orders.size(), 1u);
  EXPECT_TRUE(sink.prices.empty());
}

TEST(CoinDcxStream, EnvelopeVariants) {
  CoinDcxStreamDecoder decoder;
  const std::string price = R"({"T":1705516361108,"p":"0.3473","pr":"f"})";
  for (const std::string& args : {
           "{\"data\":" + test::json_quote(price) + ",\"event\":\"price-change\"}",  // data first
           "{\"data\":" + test::json_quote(price) + "}",                             // no event
           " \n{ \"event\" : \"price-change\" ,\n \"data\" : " + test::json_quote(price) + " }\n ",
           "{\"data\":" + price + ",\"x\":[1,{\"y\":2}]}",  // inline, other fields ignored
           price,                                           // bare payload, no envelope
       }) {
    SCOPED_TRACE(args);
    RecordingSink sink;
    const DecodeOutcome r = decoder.decode("price-change", args, sink);
    ASSERT_TRUE(r.ok()) << describe(r).view();
    ASSERT_EQ(sink.prices.size(), 1u);
    EXPECT_EQ(sink.prices[0].price, dec("0.3473"));
    EXPECT_EQ(sink.prices[0].exchange_ts_ms, 1705516361108);
  }
  // A bare array is the payload itself too.
  RecordingSink sink;
  EXPECT_TRUE(decoder.decode("df-order-update", array_of({OrderJson{}.str()}), sink).ok());
  EXPECT_EQ(sink.orders.size(), 1u);
}

TEST(CoinDcxStream, DataTextWithUnicodeEscapes) {
  // The data string may escape anything, \u-escapes included; the inner text is the same JSON.
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  const std::string args =
      R"({"event":"price-change","data":"{\u0022T\u0022:1,\u0022p\u0022:\u00220.5\u0022}"})";
  const DecodeOutcome r = decoder.decode("price-change", args, sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  ASSERT_EQ(sink.prices.size(), 1u);
  EXPECT_EQ(sink.prices[0].price, dec("0.5"));
}

TEST(CoinDcxStream, TradeMakerFlagForms) {
  CoinDcxStreamDecoder decoder;
  struct Case {
    std::string_view raw;
    bool maker;
  };
  for (const Case& c : {Case{"1", true}, Case{"0", false}, Case{"true", true}, Case{"false", false},
                        Case{"null", false}}) {
    RecordingSink sink;
    const std::string payload = R"({"T":1,"p":"2","q":"3","m":)" + std::string(c.raw) + "}";
    ASSERT_TRUE(decoder.decode("new-trade", test::string_envelope("new-trade", payload), sink).ok())
        << c.raw;
    ASSERT_EQ(sink.trades.size(), 1u);
    EXPECT_EQ(sink.trades[0].buyer_is_maker, c.maker) << c.raw;
    EXPECT_TRUE(sink.trades[0].symbol.empty());  // no `s`: the channel says which pair
  }
}

TEST(CoinDcxStream, CurrentPricesTsAfterPricesAndSeveralPairs) {
  const std::string payload =
      R"({"prices":{"B-ETH_USDT":{"mp":"3400.5","ls":3401},"B-BTC_USDT":{"mp":1E+5},)"
      R"("B-X_USDT":{"bmST":1},"B-SOL_USDT":{"ls":"1.5e2"}},"ts":1788457809589,"vs":1})";
  CoinDcxStreamDecoder decoder;
  for (const std::string& args : {test::string_envelope("currentPrices@futures#update", payload),
                                  test::inline_envelope("currentPrices@futures#update", payload)}) {
    RecordingSink sink;
    const DecodeOutcome r = decoder.decode("currentPrices@futures#update", args, sink);
    ASSERT_TRUE(r.ok()) << describe(r).view();
    ASSERT_EQ(sink.marks.size(), 3u);
    EXPECT_EQ(sink.marks[0].symbol.view(), "ETH/USDT");
    EXPECT_EQ(sink.marks[0].mark_price, dec("3400.5"));
    EXPECT_EQ(sink.marks[0].last_price, dec("3401"));
    EXPECT_TRUE(sink.marks[0].has_mark_price && sink.marks[0].has_last_price);
    EXPECT_EQ(sink.marks[1].symbol.view(), "BTC/USDT");
    EXPECT_EQ(sink.marks[1].mark_price, dec("100000"));
    EXPECT_FALSE(sink.marks[1].has_last_price);
    EXPECT_EQ(sink.marks[2].symbol.view(), "SOL/USDT");
    EXPECT_EQ(sink.marks[2].last_price, dec("150"));
    EXPECT_FALSE(sink.marks[2].has_mark_price);
    for (const MarkPrice& m : sink.marks) EXPECT_EQ(m.exchange_ts_ms, 1788457809589);
  }
}

// On-Demand skips what it does not read without recursing, so nesting depth costs nothing
// and is not limited there; the decoders themselves descend at most four levels.
TEST(CoinDcxStream, DeepNestingInAnIgnoredFieldIsSkipped) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const DecodeOutcome r =
      decoder.decode("price-change", R"({"data":{"p":1,"x":)" + deep + "}}", sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  EXPECT_EQ(sink.prices.size(), 1u);
  EXPECT_EQ(decoder.decode("df-order-update", "{\"data\":" + deep + "}", sink).error,
            DecodeError::WrongShape);
}

TEST(CoinDcxStream, UnknownEventsAreCountedAndSkipped) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  for (const std::string_view name :
       {"depth-snapshot", "candlestick", "Left Channel", "df-balance-update", "", "DF-ORDER-UPDATE",
        "df-order-update "}) {
    // Even garbage is not looked at: the event is skipped before parsing.
    const DecodeOutcome r = decoder.decode(name, "{not json", sink);
    EXPECT_EQ(r.status, DecodeStatus::UnknownEvent) << name;
    EXPECT_EQ(r.error, DecodeError::None);
  }
  EXPECT_EQ(decoder.counters().unknown_events, 7u);
  EXPECT_EQ(decoder.counters().frames, 7u);
  EXPECT_EQ(decoder.counters().malformed, 0u);
  EXPECT_EQ(sink.total(), 0u);
}

TEST(CoinDcxStream, EventNames) {
  EXPECT_EQ(coindcx_event_from_name("df-order-update"), CoinDcxEvent::OrderUpdate);
  EXPECT_EQ(coindcx_event_from_name("df-position-update"), CoinDcxEvent::PositionUpdate);
  EXPECT_EQ(coindcx_event_from_name("balance-update"), CoinDcxEvent::BalanceUpdate);
  EXPECT_EQ(coindcx_event_from_name("price-change"), CoinDcxEvent::PriceChange);
  EXPECT_EQ(coindcx_event_from_name("new-trade"), CoinDcxEvent::NewTrade);
  EXPECT_EQ(coindcx_event_from_name("currentPrices@futures#update"), CoinDcxEvent::CurrentPrices);
  EXPECT_EQ(coindcx_event_from_name("currentPrices@futures@rt"), CoinDcxEvent::Unknown);
}

// ---- malformed input ------------------------------------------------------------------------

struct MalformedCase {
  std::string name;
  std::string event;
  std::string args;
  DecodeError error;
  std::string_view field;
  std::uint32_t items_before = 0;
};

std::vector<MalformedCase> malformed_cases() {
  const std::string good = OrderJson{}.str();
  const std::string order_array = array_of({good});
  std::vector<MalformedCase> c;
  auto add = [&](std::string name, std::string args, DecodeError error, std::string_view field,
                 std::uint32_t before = 0, std::string event = "df-order-update") {
    c.push_back({std::move(name), std::move(event), std::move(args), error, field, before});
  };
  const std::string whole = test::string_envelope("df-order-update", order_array);
  add("truncated in the data string", whole.substr(0, whole.size() / 2), DecodeError::BadJson, "");
  add("truncated after the data string", whole.substr(0, whole.size() - 1), DecodeError::BadJson,
      "");
  add("empty", "", DecodeError::BadJson, "");
  add("whitespace", "  \n", DecodeError::BadJson, "");
  add("a string", R"("df-order-update")", DecodeError::NotAnEnvelope, "");
  add("a number", "42", DecodeError::NotAnEnvelope, "");
  add("null", "null", DecodeError::NotAnEnvelope, "");
  add("trailing content", whole + " {}", DecodeError::TrailingContent, "");
  add("data is a number", R"({"event":"df-order-update","data":5})", DecodeError::WrongType,
      "data");
  add("data is null", R"({"event":"df-order-update","data":null})", DecodeError::WrongType, "data");
  add("two data fields", R"({"data":"[]","data":"[]"})", DecodeError::WrongShape, "data");
  add("bad escape in data", R"({"event":"df-order-update","data":"[\q]"})", DecodeError::BadJson,
      "data");
  add("data text is not JSON", R"({"event":"df-order-update","data":"[\"abc]"})",
      DecodeError::BadJson, "data");
  // On-Demand finds some faults only when it reaches them: the field being read is named.
  add("data text has a missing value", R"({"event":"df-order-update","data":"[{\"id\":}]"})",
      DecodeError::BadJson, "id");
  add("data text is truncated", R"({"event":"df-order-update","data":"[{\"id\":\"x\""})",
      DecodeError::BadJson, "order");
  add("data text has trailing content", test::string_envelope("df-order-update", "[] []"),
      DecodeError::TrailingContent, "data");
  add("data text is a scalar", test::string_envelope("df-order-update", "17"),
      DecodeError::WrongShape, "data");
  add("data text is empty", test::string_envelope("df-order-update", ""), DecodeError::BadJson,
      "data");
  add("orders not an array", test::string_envelope("df-order-update", good),
      DecodeError::WrongShape, "df-order-update");
  add("order not an object", test::string_envelope("df-order-update", "[1]"),
      DecodeError::WrongShape, "order");
  add("price is an object",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("price", "{}").str()})),
      DecodeError::WrongType, "price");
  add("price is a boolean",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("price", "true").str()})),
      DecodeError::WrongType, "price");
  add("price is not a number",
      test::string_envelope("df-order-update",
                            array_of({OrderJson{}.set("price", R"("3,400")").str()})),
      DecodeError::BadNumber, "price");
  add("price out of range",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("price", "1e400").str()})),
      DecodeError::BadNumber, "price");
  add("price is a bad number token",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("price", "1.5.5").str()})),
      DecodeError::BadNumber, "price");
  add("created_at not an integer",
      test::string_envelope("df-order-update",
                            array_of({OrderJson{}.set("created_at", R"("soon")").str()})),
      DecodeError::BadInteger, "created_at");
  add("created_at out of range",
      test::string_envelope("df-order-update",
                            array_of({OrderJson{}.set("created_at", "1e19").str()})),
      DecodeError::BadInteger, "created_at");
  add("unknown status",
      test::string_envelope("df-order-update",
                            array_of({OrderJson{}.set("status", R"("expired")").str()})),
      DecodeError::BadStatus, "status");
  add("status is a number",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("status", "3").str()})),
      DecodeError::WrongType, "status");
  add("unknown side",
      test::string_envelope("df-order-update",
                            array_of({OrderJson{}.set("side", R"("long")").str()})),
      DecodeError::BadSide, "side");
  add("bad pair",
      test::string_envelope("df-order-update",
                            array_of({OrderJson{}.set("pair", R"("ETHUSDT")").str()})),
      DecodeError::BadSymbol, "pair");
  add("id too long",
      test::string_envelope(
          "df-order-update",
          array_of({OrderJson{}.set("id", "\"" + std::string(48, 'a') + "\"").str()})),
      DecodeError::TooLong, "id");
  add("id missing",
      test::string_envelope("df-order-update", array_of({OrderJson{}.erase("id").str()})),
      DecodeError::MissingField, "id");
  add("id null",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("id", "null").str()})),
      DecodeError::MissingField, "id");
  add("pair missing",
      test::string_envelope("df-order-update", array_of({OrderJson{}.erase("pair").str()})),
      DecodeError::MissingField, "pair");
  add("status missing",
      test::string_envelope("df-order-update", array_of({OrderJson{}.erase("status").str()})),
      DecodeError::MissingField, "status");
  add("side missing",
      test::string_envelope("df-order-update", array_of({OrderJson{}.erase("side").str()})),
      DecodeError::MissingField, "side");
  add("second order bad, first delivered",
      test::string_envelope("df-order-update",
                            array_of({good, OrderJson{}.set("price", "[]").str(), good})),
      DecodeError::WrongType, "price", 1);
  add("invalid UTF-8", "{\"event\":\"df-order-update\",\"data\":\"\xff\"}", DecodeError::BadJson,
      "");
  add("control character in a string", "{\"data\":\"a\x01\"}", DecodeError::BadJson, "");
  add("bad literal",
      R"({"data":[{"id":"a","pair":"B-ETH_USDT","status":"open","side":"buy","price":nul}]})",
      DecodeError::BadJson, "price");
  // Other events.
  add("price-change without p", test::string_envelope("price-change", R"({"T":1})"),
      DecodeError::MissingField, "p", 0, "price-change");
  add("price-change as an array", test::string_envelope("price-change", R"([{"T":1,"p":1}])"),
      DecodeError::WrongShape, "price-change", 0, "price-change");
  add("new-trade without q",
      test::string_envelope("new-trade", R"({"T":1,"p":"1","s":"B-ETH_USDT"})"),
      DecodeError::MissingField, "q", 0, "new-trade");
  add("new-trade bad s",
      test::string_envelope("new-trade", R"({"T":1,"p":"1","q":1,"s":"BTCUSDT"})"),
      DecodeError::BadSymbol, "s", 0, "new-trade");
  add("new-trade m is a string", test::string_envelope("new-trade", R"({"p":"1","q":1,"m":"yes"})"),
      DecodeError::WrongType, "m", 0, "new-trade");
  add("position without pair",
      test::string_envelope("df-position-update", R"([{"id":"p","active_pos":1}])"),
      DecodeError::MissingField, "pair", 0, "df-position-update");
  add("position bad leverage",
      test::string_envelope("df-position-update", R"([{"pair":"B-ETH_USDT","leverage":"x"}])"),
      DecodeError::BadNumber, "leverage", 0, "df-position-update");
  add("balance without currency", test::string_envelope("balance-update", R"([{"balance":"1"}])"),
      DecodeError::MissingField, "currency_short_name", 0, "balance-update");
  add("balance currency too long",
      test::string_envelope("balance-update", R"([{"currency_short_name":"ABCDEFGHIJKLMNOPQ"}])"),
      DecodeError::TooLong, "currency_short_name", 0, "balance-update");
  add("current prices bad pair",
      test::string_envelope("currentPrices@futures#update",
                            R"({"ts":1,"prices":{"ETHUSDT":{"mp":1}}})"),
      DecodeError::BadSymbol, "prices", 0, "currentPrices@futures#update");
  add("current prices entry not an object",
      test::string_envelope("currentPrices@futures#update",
                            R"({"ts":1,"prices":{"B-ETH_USDT":1}})"),
      DecodeError::WrongShape, "prices", 0, "currentPrices@futures#update");
  add("current prices bad mp, first pair delivered",
      test::string_envelope("currentPrices@futures#update",
                            R"({"ts":1,"prices":{"B-ETH_USDT":{"mp":1},"B-BTC_USDT":{"mp":"x"}}})"),
      DecodeError::BadNumber, "mp", 1, "currentPrices@futures#update");
  add("current prices bad ts",
      test::string_envelope("currentPrices@futures#update", R"({"ts":"x","prices":{}})"),
      DecodeError::BadInteger, "ts", 0, "currentPrices@futures#update");
  return c;
}

TEST(CoinDcxStream, MalformedFramesAreCountedWithAReason) {
  CoinDcxStreamDecoder decoder;
  std::uint64_t malformed = 0;
  for (const MalformedCase& c : malformed_cases()) {
    SCOPED_TRACE(c.name + ": " + c.args.substr(0, 120));
    RecordingSink sink;
    const DecodeOutcome r = decoder.decode(c.event, c.args, sink);
    ++malformed;
    EXPECT_EQ(r.status, DecodeStatus::Malformed);
    EXPECT_EQ(r.error, c.error) << describe(r).view();
    EXPECT_EQ(r.field, c.field) << describe(r).view();
    EXPECT_EQ(r.items, c.items_before);
    EXPECT_EQ(sink.total(), r.items) << "every delivered item is reported";
    EXPECT_EQ(decoder.counters().malformed, malformed);
    EXPECT_FALSE(decoder.last_malformed_reason().empty());
    EXPECT_EQ(decoder.last_malformed_reason(), describe(r));
    // The decoder is intact afterwards.
    RecordingSink after;
    ASSERT_TRUE(decoder
                    .decode("df-order-update",
                            test::string_envelope("df-order-update", array_of({OrderJson{}.str()})),
                            after)
                    .ok());
    EXPECT_EQ(after.orders.size(), 1u);
  }
}

TEST(CoinDcxStream, ReasonTexts) {
  CoinDcxStreamDecoder decoder;
  RecordingSink sink;
  (void)decoder.decode(
      "df-order-update",
      test::string_envelope("df-order-update", array_of({OrderJson{}.set("price", "1e400").str()})),
      sink);
  EXPECT_EQ(decoder.last_malformed_reason().view(), "price: not a decimal (out of range)");
  (void)decoder.decode("df-order-update", R"({"data":"[\"abc]"})", sink);
  EXPECT_EQ(decoder.last_malformed_reason().view(), "data: not JSON (unclosed string)");
  (void)decoder.decode("df-order-update", R"({"data":"[{\"id\":}]"})", sink);
  EXPECT_EQ(decoder.last_malformed_reason().view(), "id: not JSON (bad structure)");
  (void)decoder.decode("price-change", R"({"data":"{\"T\":1}"})", sink);
  EXPECT_EQ(decoder.last_malformed_reason().view(), "p: missing");
}

TEST(CoinDcxStream, OversizeFramesAreRefusedNotAllocated) {
  CoinDcxStreamDecoder decoder(256);
  EXPECT_EQ(decoder.max_frame_bytes(), 256u);
  RecordingSink sink;
  std::string big = test::string_envelope("price-change", R"({"T":1,"p":"1"})");
  big.insert(big.size() - 1, std::string(300, ' '));
  const testing::AllocationScope allocs;
  const DecodeOutcome r = decoder.decode("price-change", big, sink);
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_EQ(r.status, DecodeStatus::Malformed);
  EXPECT_EQ(r.error, DecodeError::TooLarge);
  EXPECT_EQ(decoder.counters().malformed, 1u);
  // Exactly at the limit still decodes.
  std::string fits = test::string_envelope("price-change", R"({"T":1,"p":"1"})");
  fits.insert(fits.size() - 1, std::string(256 - fits.size(), ' '));
  ASSERT_EQ(fits.size(), 256u);
  EXPECT_TRUE(decoder.decode("price-change", fits, sink).ok());
}

TEST(CoinDcxStream, NoAllocationPerFrameAfterWarmUp) {
  std::vector<std::string> orders;
  for (int i = 0; i < 3; ++i) orders.push_back(OrderJson{}.str());
  const std::string order_text = test::string_envelope("df-order-update", array_of(orders));
  const std::string order_inline = test::inline_envelope("df-order-update", array_of(orders));
  const std::string price = test::string_envelope("price-change", R"({"T":1,"p":"0.3473"})");
  const std::string marks = test::string_envelope(
      "currentPrices@futures#update", R"({"ts":1,"prices":{"B-ETH_USDT":{"mp":1.5,"ls":"2"}}})");
  const std::string trade =
      test::string_envelope("new-trade", R"({"T":1,"RT":2.5,"p":"1","q":2,"m":1,"s":"B-ID_USDT"})");
  const std::string position = test::inline_envelope(
      "df-position-update", R"([{"id":"x","pair":"B-ETH_USDT","active_pos":-1.5}])");
  const std::string balance =
      test::string_envelope("balance-update", R"([{"currency_short_name":"USDT","balance":"1"}])");
  const std::string bad = R"({"data":"[{\"id\":}]"})";
  CoinDcxStreamDecoder decoder;
  test::CountingSink sink;
  auto round = [&] {
    (void)decoder.decode("df-order-update", order_text, sink);
    (void)decoder.decode("df-order-update", order_inline, sink);
    (void)decoder.decode("price-change", price, sink);
    (void)decoder.decode("currentPrices@futures#update", marks, sink);
    (void)decoder.decode("new-trade", trade, sink);
    (void)decoder.decode("df-position-update", position, sink);
    (void)decoder.decode("balance-update", balance, sink);
    (void)decoder.decode("df-order-update", bad, sink);
    (void)decoder.decode("depth-update", bad, sink);
  };
  round();  // warm-up
  ASSERT_EQ(sink.n, 11u);
  const testing::AllocationScope allocs;
  for (int i = 0; i < 1000; ++i) round();
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_EQ(sink.n, 11u * 1001);
  EXPECT_EQ(decoder.counters().malformed, 1001u);
  EXPECT_EQ(decoder.counters().unknown_events, 1001u);
}

}  // namespace
}  // namespace scalper::feed
