#include "scalper/feed/coindcx_requests.hpp"

#include <openssl/crypto.h>

#include <array>
#include <charconv>
#include <cstring>

#include "scalper/feed/coindcx_symbols.hpp"
#include "scalper/net/http.hpp"

// SHA256_Init/Update/Final are deprecated as a public API in OpenSSL 3.0 but present and
// allocation-free; the header comment says why they are used here, in this file only.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace scalper::feed {
namespace {

constexpr std::size_t kBlock = 64;  // SHA-256 block size

void to_hex(const unsigned char* bytes, std::size_t n, char* out) noexcept {
  constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
}

// Compact JSON into a fixed span: every append checks room; the first failure sticks.
class BodyWriter {
 public:
  explicit BodyWriter(std::span<char> out) noexcept : out_(out) {}

  BodyWriter& raw(std::string_view s) noexcept {
    if (!fits(s.size())) return *this;
    std::memcpy(out_.data() + len_, s.data(), s.size());
    len_ += s.size();
    return *this;
  }
  // A JSON string. Our values are ids and codes; anything that would need escaping beyond
  // quote and backslash (a control byte) is refused rather than encoded.
  BodyWriter& quoted(std::string_view s) noexcept {
    raw("\"");
    for (const char c : s) {
      if (static_cast<unsigned char>(c) < 0x20) {
        bad_value_ = true;
        return *this;
      }
      if (c == '"' || c == '\\') raw("\\");
      raw({&c, 1});
    }
    return raw("\"");
  }
  BodyWriter& integer(std::int64_t v) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return raw({buf, static_cast<std::size_t>(r.ptr - buf)});
  }
  // An unsigned integer as a JSON string ("page":"1"), as the exchange's samples send them.
  BodyWriter& quoted_integer(std::uint32_t v) noexcept {
    char buf[16];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return raw("\"").raw({buf, static_cast<std::size_t>(r.ptr - buf)}).raw("\"");
  }
  // A decimal as a JSON number in its shortest exact form ("3400.5", "0.01").
  BodyWriter& decimal(Decimal d) noexcept {
    char buf[kDecimalTextMax];
    return raw({buf, format_decimal(d, buf)});
  }

  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] bool overflowed() const noexcept { return overflow_; }
  [[nodiscard]] bool bad_value() const noexcept { return bad_value_; }

 private:
  bool fits(std::size_t n) noexcept {
    if (overflow_ || out_.size() - len_ < n) {
      overflow_ = true;
      return false;
    }
    return true;
  }

  std::span<char> out_;
  std::size_t len_ = 0;
  bool overflow_ = false;
  bool bad_value_ = false;
};

BodyWriter& margin_currencies(BodyWriter& w) noexcept {
  return w.raw(",\"margin_currency_short_name\":[\"USDT\"]");
}

}  // namespace

std::string_view to_string(RequestError e) noexcept {
  switch (e) {
    case RequestError::None: return "none";
    case RequestError::BadSymbol: return "not a BASE/QUOTE symbol";
    case RequestError::BadValue: return "a value the exchange cannot take";
    case RequestError::BufferTooSmall: return "request buffer too small";
  }
  return "?";
}

// ---- HMAC-SHA256 ------------------------------------------------------------------------------

HmacSha256::HmacSha256(std::string_view key) noexcept {
  std::array<unsigned char, kBlock> block{};
  if (key.size() > kBlock) {  // RFC 2104: a long key is hashed first
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block.data());
  } else if (!key.empty()) {
    std::memcpy(block.data(), key.data(), key.size());
  }
  std::array<unsigned char, kBlock> pad{};
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, pad.data(), pad.size());
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, pad.data(), pad.size());
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
}

HmacSha256::~HmacSha256() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}

void HmacSha256::sign_hex(std::string_view message,
                          std::span<char, kHmacHexChars> out) const noexcept {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, message.data(), message.size());
  SHA256_Final(digest, &ctx);
  ctx = outer_;
  SHA256_Update(&ctx, digest, sizeof digest);
  SHA256_Final(digest, &ctx);
  to_hex(digest, sizeof digest, out.data());
  OPENSSL_cleanse(&ctx, sizeof ctx);
}

// ---- requests ---------------------------------------------------------------------------------

CoinDcxRequestWriter::CoinDcxRequestWriter(std::string api_key, std::string_view api_secret,
                                           std::string host)
    : api_key_(std::move(api_key)), host_(std::move(host)), hmac_(api_secret) {}

// Writes the body in place with write_body(BodyWriter&), signs exactly those bytes, and writes
// the head in front of them.
template <class WriteBody>
SignedRequest CoinDcxRequestWriter::finish(std::string_view path, std::span<char> out,
                                           WriteBody&& write_body) const noexcept {
  char signature[kHmacHexChars];
  std::memset(signature, '0', sizeof signature);  // head_size needs the width only
  const net::HttpHeader auth[] = {{"X-AUTH-APIKEY", api_key_},
                                  {"X-AUTH-SIGNATURE", {signature, sizeof signature}}};
  net::HttpRequestHead head;
  head.method = "POST";
  head.target = path;
  head.host = host_;
  head.extra = auth;
  // A body under 100 kB has at most 5 digits of Content-Length: the head fits this reserve.
  const std::size_t reserve = net::RequestWriter::head_size(head, 99'999);
  net::RequestWriter writer(out);
  const std::span<char> body_area = writer.begin_body(reserve);
  if (body_area.empty()) return {RequestError::BufferTooSmall, {}, {}};

  BodyWriter body(body_area);
  if (const RequestError e = write_body(body); e != RequestError::None) return {e, {}, {}};
  if (body.bad_value()) return {RequestError::BadValue, {}, {}};
  if (body.overflowed()) return {RequestError::BufferTooSmall, {}, {}};

  const std::string_view body_text(body_area.data(), body.size());
  hmac_.sign_hex(body_text, std::span<char, kHmacHexChars>(signature, kHmacHexChars));
  const net::HttpWriteResult r = writer.finish_body(head, body.size());
  if (!r.ok()) return {RequestError::BufferTooSmall, {}, {}};
  return {RequestError::None, r.message, r.message.last(body.size())};
}

SignedRequest CoinDcxRequestWriter::create_order(const CoinDcxOrderRequest& order,
                                                 std::int64_t timestamp_ms,
                                                 std::span<char> out) const noexcept {
  return finish(coindcx_path::kCreateOrder, out, [&](BodyWriter& w) {
    char pair[32];
    const std::size_t n = symbol_to_coindcx_pair(order.symbol.view(), pair);
    if (n == 0) return RequestError::BadSymbol;
    if (order.price <= Decimal{} || order.quantity <= Decimal{} || order.leverage == 0) {
      return RequestError::BadValue;
    }
    w.raw("{\"timestamp\":").integer(timestamp_ms);
    w.raw(",\"order\":{\"side\":").raw(order.side == Side::Buy ? "\"buy\"" : "\"sell\"");
    w.raw(",\"pair\":").quoted({pair, n});
    w.raw(",\"order_type\":\"limit_order\",\"price\":").decimal(order.price);
    w.raw(",\"total_quantity\":").decimal(order.quantity);
    w.raw(",\"leverage\":").integer(order.leverage);
    w.raw(",\"notification\":\"no_notification\",\"time_in_force\":\"good_till_cancel\"");
    w.raw(",\"hidden\":false,\"post_only\":false,\"margin_currency_short_name\":")
        .quoted(order.margin_currency)
        .raw("}}");
    return RequestError::None;
  });
}

SignedRequest CoinDcxRequestWriter::cancel_order(std::string_view exchange_id,
                                                 std::int64_t timestamp_ms,
                                                 std::span<char> out) const noexcept {
  return finish(coindcx_path::kCancelOrder, out, [&](BodyWriter& w) {
    if (exchange_id.empty()) return RequestError::BadValue;
    w.raw("{\"timestamp\":").integer(timestamp_ms).raw(",\"id\":").quoted(exchange_id).raw("}");
    return RequestError::None;
  });
}

SignedRequest CoinDcxRequestWriter::cancel_all_open_orders(std::int64_t timestamp_ms,
                                                           std::span<char> out) const noexcept {
  return finish(coindcx_path::kCancelAllOpenOrders, out, [&](BodyWriter& w) {
    w.raw("{\"timestamp\":").integer(timestamp_ms);
    margin_currencies(w).raw("}");
    return RequestError::None;
  });
}

SignedRequest CoinDcxRequestWriter::list_orders(std::string_view statuses, std::uint32_t page,
                                                std::uint32_t size, std::int64_t timestamp_ms,
                                                std::span<char> out) const noexcept {
  return finish(coindcx_path::kListOrders, out, [&](BodyWriter& w) {
    w.raw("{\"timestamp\":").integer(timestamp_ms).raw(",\"status\":").quoted(statuses);
    w.raw(",\"page\":").quoted_integer(page).raw(",\"size\":").quoted_integer(size);
    margin_currencies(w).raw("}");
    return RequestError::None;
  });
}

SignedRequest CoinDcxRequestWriter::positions(std::uint32_t page, std::uint32_t size,
                                              std::int64_t timestamp_ms,
                                              std::span<char> out) const noexcept {
  return finish(coindcx_path::kPositions, out, [&](BodyWriter& w) {
    w.raw("{\"timestamp\":").integer(timestamp_ms);
    w.raw(",\"page\":").quoted_integer(page).raw(",\"size\":").quoted_integer(size);
    margin_currencies(w).raw("}");
    return RequestError::None;
  });
}

SignedRequest CoinDcxRequestWriter::trades(const Symbol& symbol, std::uint32_t page,
                                           std::uint32_t size, std::int64_t timestamp_ms,
                                           std::span<char> out) const noexcept {
  return finish(coindcx_path::kTrades, out, [&](BodyWriter& w) {
    char pair[32];
    const std::size_t n = symbol_to_coindcx_pair(symbol.view(), pair);
    if (n == 0) return RequestError::BadSymbol;
    w.raw("{\"timestamp\":").integer(timestamp_ms).raw(",\"pair\":").quoted({pair, n});
    w.raw(",\"page\":").quoted_integer(page).raw(",\"size\":").quoted_integer(size);
    margin_currencies(w).raw("}");
    return RequestError::None;
  });
}

std::string CoinDcxRequestWriter::private_join_argument() const {
  char signature[kHmacHexChars];
  hmac_.sign_hex(R"({"channel":"coindcx"})",
                 std::span<char, kHmacHexChars>(signature, kHmacHexChars));
  std::string arg = R"({"channelName":"coindcx","authSignature":")";
  arg.append(signature, sizeof signature);
  arg += R"(","apiKey":")";
  arg += api_key_;  // keys are [A-Za-z0-9-]; a quote would have been refused at config load
  arg += "\"}";
  OPENSSL_cleanse(signature, sizeof signature);
  return arg;
}

}  // namespace scalper::feed
