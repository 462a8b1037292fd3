// CoinDcxRequestWriter and HmacSha256: the signing vectors of docs/architecture.md §7.2,
// HMAC against OpenSSL's one-shot HMAC for keys of every length class, the exact body bytes
// of each request (the bytes that are signed are the bytes that are sent), the head's headers,
// bad inputs, and no allocation per request.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "scalper/feed/coindcx_requests.hpp"

namespace scalper::feed {
namespace {

std::string sign(const HmacSha256& h, std::string_view message) {
  char out[kHmacHexChars];
  h.sign_hex(message, std::span<char, kHmacHexChars>(out, kHmacHexChars));
  return {out, sizeof out};
}

std::string reference_hmac(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

TEST(HmacSha256, MatchesTheComputedSigningVectors) {
  const HmacSha256 h("YYYY");
  EXPECT_EQ(sign(h, R"({"channel":"coindcx"})"),
            "c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989");
  EXPECT_EQ(sign(h, R"({"timestamp":1705647376759,"id":"c87ca633-6218-44ea-900b-e86981358cbd"})"),
            "1928512fa37f4053e5322e84c1a568b609484a517b3a7136bc92fa26be573717");
}

TEST(HmacSha256, AgreesWithOpenSslForKeysShortExactAndLong) {
  std::mt19937_64 rng(7);
  for (const std::size_t key_len : {0u, 1u, 32u, 63u, 64u, 65u, 200u}) {
    std::string key(key_len, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    const HmacSha256 h(key);
    for (const std::size_t msg_len : {0u, 1u, 55u, 56u, 64u, 300u, 5000u}) {
      std::string msg(msg_len, '\0');
      for (char& c : msg) c = static_cast<char>(rng());
      ASSERT_EQ(sign(h, msg), reference_hmac(key, msg)) << key_len << "/" << msg_len;
    }
  }
}

class RequestWriterTest : public ::testing::Test {
 protected:
  const CoinDcxRequestWriter writer{"key-123", "YYYY", "api.coindcx.com"};
  std::vector<char> buf = std::vector<char>(4096);

  static std::string text(std::span<const char> s) { return {s.data(), s.size()}; }
};

TEST_F(RequestWriterTest, CancelSignsAndSendsTheVectorsBody) {
  const SignedRequest r =
      writer.cancel_order("c87ca633-6218-44ea-900b-e86981358cbd", 1705647376759, buf);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(text(r.body),
            R"({"timestamp":1705647376759,"id":"c87ca633-6218-44ea-900b-e86981358cbd"})");
  const std::string m = text(r.message);
  EXPECT_EQ(m.rfind("POST /exchange/v1/derivatives/futures/orders/cancel HTTP/1.1\r\n", 0), 0u)
      << m;
  EXPECT_NE(m.find("\r\nHost: api.coindcx.com\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nContent-Length: 71\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nX-AUTH-APIKEY: key-123\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nX-AUTH-SIGNATURE: "
                   "1928512fa37f4053e5322e84c1a568b609484a517b3a7136bc92fa26be573717\r\n"),
            std::string::npos);
  EXPECT_EQ(m.substr(m.size() - r.body.size() - 4, 4), "\r\n\r\n") << "head, blank line, body";
}

TEST_F(RequestWriterTest, CancelAllWritesTheDocumentedBodyToItsPath) {
  const SignedRequest r = writer.cancel_all_open_orders(1705647376759, buf);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(text(r.body),
            R"({"timestamp":1705647376759,"margin_currency_short_name":["USDT"]})");
  const std::string m = text(r.message);
  EXPECT_EQ(
      m.rfind("POST /exchange/v1/derivatives/futures/positions/cancel_all_open_orders HTTP/1.1\r\n",
              0),
      0u)
      << m;
  EXPECT_NE(m.find("\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("\r\nX-AUTH-SIGNATURE: " + reference_hmac("YYYY", text(r.body)) + "\r\n"),
            std::string::npos)
      << m;
}

TEST_F(RequestWriterTest, CreateWritesTheDocumentedBody) {
  CoinDcxOrderRequest o;
  ASSERT_TRUE(o.symbol.try_assign("ETH/USDT"));
  o.side = Side::Sell;
  ASSERT_EQ(parse_decimal("3400.5", o.price), DecimalStatus::Ok);
  ASSERT_EQ(parse_decimal("0.01", o.quantity), DecimalStatus::Ok);
  o.leverage = 5;
  const SignedRequest r = writer.create_order(o, 1700000000123, buf);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(text(r.body),
            R"({"timestamp":1700000000123,"order":{"side":"sell","pair":"B-ETH_USDT",)"
            R"("order_type":"limit_order","price":3400.5,"total_quantity":0.01,"leverage":5,)"
            R"("notification":"no_notification","time_in_force":"good_till_cancel",)"
            R"("hidden":false,"post_only":false,"margin_currency_short_name":"USDT"}})");
  EXPECT_NE(text(r.message).find("X-AUTH-SIGNATURE: " + reference_hmac("YYYY", text(r.body))),
            std::string::npos);
}

TEST_F(RequestWriterTest, ListingsCarryTheirFiltersAndPaging) {
  const SignedRequest l = writer.list_orders("open,partially_filled", 1, 100, 42, buf);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(text(l.body), R"({"timestamp":42,"status":"open,partially_filled","page":"1",)"
                          R"("size":"100","margin_currency_short_name":["USDT"]})");
  std::vector<char> buf2(4096);
  const SignedRequest p = writer.positions(2, 50, 43, buf2);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(text(p.body),
            R"({"timestamp":43,"page":"2","size":"50","margin_currency_short_name":["USDT"]})");
  Symbol s;
  ASSERT_TRUE(s.try_assign("BTC/USDT"));
  const SignedRequest t = writer.trades(s, 1, 10, 44, buf);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(text(t.body), R"({"timestamp":44,"pair":"B-BTC_USDT","page":"1","size":"10",)"
                          R"("margin_currency_short_name":["USDT"]})");
  EXPECT_NE(text(t.message).find("POST /exchange/v1/derivatives/futures/trades HTTP/1.1"),
            std::string::npos);
}

TEST_F(RequestWriterTest, RefusesWhatTheExchangeCannotTake) {
  CoinDcxOrderRequest o;
  ASSERT_TRUE(o.symbol.try_assign("ETHUSDT"));
  o.price = Decimal::from_units(1);
  o.quantity = Decimal::from_units(1);
  EXPECT_EQ(writer.create_order(o, 1, buf).error, RequestError::BadSymbol);
  ASSERT_TRUE(o.symbol.try_assign("ETH/USDT"));
  o.price = Decimal{};
  EXPECT_EQ(writer.create_order(o, 1, buf).error, RequestError::BadValue);
  o.price = Decimal::from_units(1);
  o.leverage = 0;
  EXPECT_EQ(writer.create_order(o, 1, buf).error, RequestError::BadValue);
  EXPECT_EQ(writer.cancel_order("", 1, buf).error, RequestError::BadValue);
  EXPECT_EQ(writer.cancel_order("a\nb", 1, buf).error, RequestError::BadValue);
  std::vector<char> tiny(200);
  EXPECT_EQ(writer.cancel_order("c87ca633-6218-44ea-900b-e86981358cbd", 1, tiny).error,
            RequestError::BufferTooSmall);
}

TEST_F(RequestWriterTest, AnIdWithAQuoteIsEscapedNotInjected) {
  const SignedRequest r = writer.cancel_order(R"(x","id":"y)", 1, buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(text(r.body), R"({"timestamp":1,"id":"x\",\"id\":\"y"})");
}

TEST_F(RequestWriterTest, PrivateJoinSignsTheChannelObject) {
  EXPECT_EQ(writer.private_join_argument(),
            R"({"channelName":"coindcx","authSignature":")"
            "c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989"
            R"(","apiKey":"key-123"})");
}

TEST_F(RequestWriterTest, WritesAndSignsWithoutAllocating) {
  CoinDcxOrderRequest o;
  ASSERT_TRUE(o.symbol.try_assign("ETH/USDT"));
  o.price = Decimal::from_units(3400);
  o.quantity = Decimal::from_raw(1'000'000);
  const scalper::testing::AllocationScope allocs;
  std::size_t bytes = 0;
  for (int i = 0; i < 1000; ++i) {
    const SignedRequest r = writer.create_order(o, 1700000000000 + i, buf);
    bytes += r.message.size();
  }
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_GT(bytes, 1000u * 300u);
}

}  // namespace
}  // namespace scalper::feed
