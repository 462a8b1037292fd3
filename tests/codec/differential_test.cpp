// Differential: thousands of random df-order-update and price-change frames (seeded), decoded
// by the codec and by the nlohmann reference (nlohmann_reference.hpp); every field must agree,
// and must equal what the generator meant.
//
// The generator renders each decimal (≤ 8 places, |x| < 1e6) at random as a JSON number, a
// string, either with an exponent ("3.4e3", "340000E-2", "3.4E+3"), or null/absent; statuses in
// every documented spelling and random letter case; the data as escaped text or inline; keys
// in random order with ignored fields (nested, escaped) between them; 1–5 orders per frame.
// SCALPER_SEED=<n> reruns one seed; a failure prints the seed and the frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "codec_test_support.hpp"
#include "nlohmann_reference.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper::feed {
namespace {

std::uint64_t base_seed() {
  const char* env = std::getenv("SCALPER_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20261125;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool coin(int percent_true = 50) { return uniform(1, 100) <= percent_true; }

  // A decimal below 1e6 with up to 8 places.
  Decimal decimal() {
    const int places = uniform(0, 8);
    std::int64_t units = std::uniform_int_distribution<std::int64_t>(0, 999'999)(rng_);
    if (coin(20)) units = uniform(0, 3);
    std::int64_t frac = 0;
    std::int64_t scale = 1;
    for (int i = 0; i < places; ++i) {
      frac = frac * 10 + uniform(0, 9);
      scale *= 10;
    }
    return Decimal::from_raw(units * Decimal::kOne + frac * (Decimal::kOne / scale));
  }

  // The decimal's exact digits as text: "<int>[.<frac>]", trailing zeros kept at random.
  std::string plain(Decimal d) {
    const std::int64_t raw = d.raw();
    std::string s = std::to_string(raw / Decimal::kOne);
    std::string frac = std::to_string(raw % Decimal::kOne);
    frac.insert(0, 8 - frac.size(), '0');
    if (!coin(30)) {
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
    }
    if (!frac.empty()) s += "." + frac;
    return s;
  }

  // mantissa × 10^e with the same value: the digit string with its point moved by e.
  std::string exponent(Decimal d) {
    const int e = uniform(-4, 6);
    std::string digits = std::to_string(d.raw());  // value = digits × 10^-8
    // mantissa = digits × 10^(-8-e)
    int point = static_cast<int>(digits.size()) - 8 - e;  // digits before the point
    std::string mantissa;
    if (point <= 0) {
      mantissa = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (point >= static_cast<int>(digits.size())) {
      mantissa = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
      mantissa = digits.substr(0, static_cast<std::size_t>(point)) + "." +
                 digits.substr(static_cast<std::size_t>(point));
    }
    std::string exp = coin() ? "e" : "E";
    if (e >= 0 && coin()) exp += "+";
    return mantissa + exp + std::to_string(e);
  }

  // A JSON value for `d`: number or string, plain or exponent.
  std::string number(Decimal d) {
    const std::string text = coin() ? plain(d) : exponent(d);
    return coin() ? text : "\"" + text + "\"";
  }

  std::string random_case(std::string_view s) {
    std::string out(s);
    const int mode = uniform(0, 2);  // as written, upper, mixed
    for (char& c : out) {
      if (c < 'a' || c > 'z') continue;
      if (mode == 1 || (mode == 2 && coin())) c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
  }

  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

struct Field {
  std::string key;
  std::string value;
};

std::string object_of(Generator& g, std::vector<Field> fields) {
  std::shuffle(fields.begin(), fields.end(), g.rng());
  const bool spaced = g.coin(20);
  std::string s = "{";
  for (const Field& f : fields) {
    if (s.size() > 1) s += spaced ? ", " : ",";
    s += "\"" + f.key + "\"" + (spaced ? " : " : ":") + f.value;
  }
  return s + "}";
}

// One order: its JSON and what it means.
std::pair<std::string, ExchangeOrder> random_order(Generator& g, int index) {
  static const std::vector<std::pair<std::string, std::string>> kPairs = {
      {"B-ETH_USDT", "ETH/USDT"},
      {"B-BTC_USDT", "BTC/USDT"},
      {"B-1000SHIB_USDT", "1000SHIB/USDT"},
      {"B-ID_USDT", "ID/USDT"},
      {"B-SOL_INR", "SOL/INR"}};
  static const std::vector<std::pair<std::string, ExchangeStatus>> kStatuses = {
      {"init", ExchangeStatus::Initial},
      {"initial", ExchangeStatus::Initial},
      {"open", ExchangeStatus::Open},
      {"partially_filled", ExchangeStatus::PartiallyFilled},
      {"filled", ExchangeStatus::Filled},
      {"partially_cancelled", ExchangeStatus::PartiallyCancelled},
      {"partially_canceled", ExchangeStatus::PartiallyCancelled},
      {"cancelled", ExchangeStatus::Cancelled},
      {"canceled", ExchangeStatus::Cancelled},
      {"rejected", ExchangeStatus::Rejected},
      {"untriggered", ExchangeStatus::Untriggered}};
  ExchangeOrder o;
  std::vector<Field> f;
  const std::string id =
      "id-" + std::to_string(index) + "-" + std::to_string(g.uniform(0, 1 << 30));
  (void)o.exchange_id.try_assign(id);
  f.push_back({"id", "\"" + id + "\""});
  const auto& pair = g.pick(kPairs);
  (void)o.symbol.try_assign(pair.second);
  f.push_back({"pair", "\"" + pair.first + "\""});
  const auto& status = g.pick(kStatuses);
  o.status = status.second;
  f.push_back({"status", "\"" + g.random_case(status.first) + "\""});
  o.side = g.coin() ? Side::Buy : Side::Sell;
  f.push_back({"side", "\"" + g.random_case(lower(o.side)) + "\""});

  // Each decimal field: a value (any form), null, or absent.
  auto decimal_field = [&](const char* key, Decimal& into, bool& present) {
    present = false;
    into = Decimal{};
    const int mode = g.uniform(0, 9);
    if (mode == 0) return;  // absent
    if (mode == 1) {
      f.push_back({key, "null"});
      return;
    }
    into = g.decimal();
    present = true;
    f.push_back({key, g.number(into)});
  };
  bool ignored = false, has_filled = false, has_remaining = false;
  Decimal remaining, cancelled;
  decimal_field("price", o.price, ignored);
  decimal_field("avg_price", o.avg_price, ignored);
  decimal_field("fee_amount", o.fee, ignored);
  decimal_field("total_quantity", o.total_qty, ignored);
  decimal_field("filled_quantity", o.filled_qty, has_filled);
  decimal_field("remaining_quantity", remaining, has_remaining);
  decimal_field("cancelled_quantity", cancelled, ignored);
  if (!has_filled && has_remaining) {
    Decimal filled = o.total_qty - remaining - cancelled;
    if (filled.is_negative()) filled = Decimal{};
    o.filled_qty = filled > o.total_qty ? o.total_qty : filled;
  }
  // created_at: integer ms, as a number or string, sometimes with a fraction, or null/absent.
  const int ts_mode = g.uniform(0, 9);
  if (ts_mode >= 2) {
    o.exchange_ts_ms = 1'700'000'000'000 + g.uniform(0, 1 << 30);
    std::string text = std::to_string(o.exchange_ts_ms);
    if (g.coin(30)) text += "." + std::to_string(g.uniform(0, 9999));
    f.push_back({"created_at", g.coin() ? text : "\"" + text + "\""});
  } else if (ts_mode == 1) {
    f.push_back({"created_at", "null"});
  }
  // Fields the codec ignores, with nesting and escapes to skip over.
  f.push_back({"order_type", "\"limit_order\""});
  f.push_back({"leverage", g.number(Decimal::from_units(g.uniform(1, 50)))});
  f.push_back({"display_message", R"("ETH \"limit\" order\nplaced \u00e9 \\ /")"});
  f.push_back({"trades", g.coin() ? "[]" : R"([{"id":1,"p":[1.5,"x",{"q":null}]},true])"});
  f.push_back({"group_id", "null"});
  f.push_back({"metatags", R"({"a":{"b":[false]}})"});
  return {object_of(g, std::move(f)), o};
}

std::string wrap(Generator& g, std::string_view event, const std::string& payload) {
  return g.coin() ? test::string_envelope(event, payload) : test::inline_envelope(event, payload);
}

void expect_same(const ExchangeOrder& a, const ExchangeOrder& b, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.exchange_id, b.exchange_id);
  EXPECT_EQ(a.symbol, b.symbol);
  EXPECT_EQ(a.price, b.price);
  EXPECT_EQ(a.total_qty, b.total_qty);
  EXPECT_EQ(a.filled_qty, b.filled_qty);
  EXPECT_EQ(a.avg_price, b.avg_price);
  EXPECT_EQ(a.fee, b.fee);
  EXPECT_EQ(a.exchange_ts_ms, b.exchange_ts_ms);
  EXPECT_EQ(a.venue, b.venue);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.side, b.side);
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "byte-identical (padding included)";
}

TEST(CoinDcxDifferential, OrderUpdatesAgreeWithNlohmann) {
  const std::uint64_t seed = base_seed();
  Generator g(seed);
  CoinDcxStreamDecoder decoder;
  std::size_t orders_checked = 0;
  for (int frame = 0; frame < 3000; ++frame) {
    const int n = g.uniform(1, 5);
    std::vector<ExchangeOrder> truth;
    std::string payload = "[";
    for (int i = 0; i < n; ++i) {
      auto [json, order] = random_order(g, i);
      if (i > 0) payload += ',';
      payload += json;
      truth.push_back(order);
    }
    payload += "]";
    const std::string args = wrap(g, "df-order-update", payload);
    SCOPED_TRACE("seed " + std::to_string(seed) + " frame " + std::to_string(frame) + ": " + args);

    test::RecordingSink sink;
    const DecodeOutcome r = decoder.decode("df-order-update", args, sink);
    ASSERT_TRUE(r.ok()) << describe(r).view();
    std::vector<ExchangeOrder> ref;
    ASSERT_TRUE(reference::decode_order_update(args, ref));
    ASSERT_EQ(sink.orders.size(), truth.size());
    ASSERT_EQ(ref.size(), truth.size());
    for (std::size_t i = 0; i < truth.size(); ++i) {
      expect_same(sink.orders[i], ref[i], "codec vs nlohmann");
      expect_same(sink.orders[i], truth[i], "codec vs generator");
      ++orders_checked;
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(orders_checked, 6000u);
}

TEST(CoinDcxDifferential, PriceChangesAgreeWithNlohmann) {
  const std::uint64_t seed = base_seed() + 1;
  Generator g(seed);
  CoinDcxStreamDecoder decoder;
  for (int frame = 0; frame < 3000; ++frame) {
    PriceTick truth;
    truth.price = g.decimal();
    truth.exchange_ts_ms = 1'700'000'000'000 + g.uniform(0, 1 << 30);
    std::string ts = std::to_string(truth.exchange_ts_ms);
    if (g.coin(30)) ts += "." + std::to_string(g.uniform(0, 9999));
    std::vector<Field> fields = {{"T", g.coin() ? ts : "\"" + ts + "\""},
                                 {"p", g.number(truth.price)},
                                 {"pr", g.coin() ? "\"f\"" : "\"futures\""}};
    if (g.coin(20)) fields.push_back({"x", R"({"y":[1,"\"z\""]})"});
    const std::string args = wrap(g, "price-change", object_of(g, fields));
    SCOPED_TRACE("seed " + std::to_string(seed) + " frame " + std::to_string(frame) + ": " + args);

    test::RecordingSink sink;
    const DecodeOutcome r = decoder.decode("price-change", args, sink);
    ASSERT_TRUE(r.ok()) << describe(r).view();
    std::vector<PriceTick> ref;
    ASSERT_TRUE(reference::decode_price_change(args, ref));
    ASSERT_EQ(sink.prices.size(), 1u);
    ASSERT_EQ(ref.size(), 1u);
    EXPECT_EQ(sink.prices[0].price, ref[0].price);
    EXPECT_EQ(sink.prices[0].exchange_ts_ms, ref[0].exchange_ts_ms);
    EXPECT_EQ(sink.prices[0].price, truth.price);
    EXPECT_EQ(sink.prices[0].exchange_ts_ms, truth.exchange_ts_ms);
    EXPECT_TRUE(sink.prices[0].symbol.empty());
    if (HasFailure()) return;
  }
}

// The reference must itself be right on the documented fixtures, or agreeing with it is moot.
TEST(CoinDcxDifferential, ReferenceReadsTheFixtures) {
  std::vector<ExchangeOrder> ref;
  const std::string payload = test::fixture("ws_df_order_update.json");
  ASSERT_TRUE(
      reference::decode_order_update(test::string_envelope("df-order-update", payload), ref));
  ASSERT_TRUE(
      reference::decode_order_update(test::inline_envelope("df-order-update", payload), ref));
  ASSERT_EQ(ref.size(), 2u);
  EXPECT_EQ(ref[0].exchange_id.view(), "ff5a645f-84b7-4d63-b513-9e2f960855fc");
  EXPECT_EQ(ref[0].price, test::dec("0.9"));
  EXPECT_EQ(ref[0].exchange_ts_ms, 1705915012812);
  EXPECT_EQ(std::memcmp(&ref[0], &ref[1], sizeof ref[0]), 0);
  std::vector<PriceTick> ticks;
  ASSERT_TRUE(reference::decode_price_change(
      test::string_envelope("price-change", test::fixture("ws_price_change_futures.json")), ticks));
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].price, test::dec("0.3473"));
  EXPECT_EQ(ticks[0].exchange_ts_ms, 1705516361108);
}

}  // namespace
}  // namespace scalper::feed
