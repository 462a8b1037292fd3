// coindcx_requests.hpp — CoinDCX Futures order-entry requests, signed and written whole into a
// caller buffer: the bytes the HttpClient sends (docs/architecture.md §7.2–7.3).
//
// Signing (§7.2): lowercase hex HMAC-SHA256, keyed with the API secret, over the EXACT body
// bytes, sent as X-AUTH-SIGNATURE with X-AUTH-APIKEY. The body is compact JSON written once,
// in place, then signed, then the HTTP head is written in front of it (RequestWriter's
// in-place path): the signed bytes and the sent bytes are the same bytes, never re-serialised.
// Every body carries `timestamp` in Unix milliseconds (the exchange refuses one older than
// 10 s), passed in by the caller: this code reads no clock.
//
// Why HMAC by hand on SHA-256 states rather than OpenSSL's EVP_MAC: the key is fixed for the
// process, so the inner and outer SHA-256 states after the padded key block are computed once;
// a signature is then two copies of a 112-byte state and two SHA-256 runs, with no allocation
// and no provider lookup (EVP_MAC_init/EVP_MAC_CTX_dup in OpenSSL 3.0 look up and allocate per
// call). SHA-256 itself is OpenSSL's (SHA256_Update/SHA256_Final, deprecated in 3.0 as a
// public API but present and the fastest path; kept to this one file).
//
// Nothing here allocates after construction, throws, or reads the clock.
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scalper/engine/decimal.hpp"
#include "scalper/engine/types.hpp"

namespace scalper::feed {

inline constexpr std::size_t kHmacHexChars = 64;

// HMAC-SHA256 (RFC 2104) with one key, precomputed.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key) noexcept;
  ~HmacSha256();  // wipes the key-derived states
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Lowercase hex of HMAC(key, message).
  void sign_hex(std::string_view message, std::span<char, kHmacHexChars> out) const noexcept;

 private:
  SHA256_CTX inner_{};  // after SHA-256 of (key ^ ipad)
  SHA256_CTX outer_{};  // after SHA-256 of (key ^ opad)
};

// The exchange's API paths (relative to the REST base URL).
namespace coindcx_path {
inline constexpr std::string_view kCreateOrder = "/exchange/v1/derivatives/futures/orders/create";
inline constexpr std::string_view kCancelOrder = "/exchange/v1/derivatives/futures/orders/cancel";
inline constexpr std::string_view kListOrders = "/exchange/v1/derivatives/futures/orders";
inline constexpr std::string_view kPositions = "/exchange/v1/derivatives/futures/positions";
inline constexpr std::string_view kTrades = "/exchange/v1/derivatives/futures/trades";
inline constexpr std::string_view kUpdateLeverage =
    "/exchange/v1/derivatives/futures/positions/update_leverage";
inline constexpr std::string_view kCancelAllOpenOrders =
    "/exchange/v1/derivatives/futures/positions/cancel_all_open_orders";
}  // namespace coindcx_path

// A limit order to create: the engine's PlaceOrder in the exchange's terms.
struct CoinDcxOrderRequest {
  Symbol symbol;  // "ETH/USDT" (sent as "B-ETH_USDT")
  Side side = Side::Buy;
  Decimal price;     // limit price, > 0
  Decimal quantity;  // > 0
  std::uint8_t leverage = 3;
  std::string_view margin_currency = "USDT";
};

// Why a request could not be written (the message is empty then).
enum class RequestError : std::uint8_t {
  None,
  BadSymbol,      // not BASE/QUOTE
  BadValue,       // price or quantity not > 0, leverage 0, an id with a control character
  BufferTooSmall  // the caller's buffer cannot hold the request
};

[[nodiscard]] std::string_view to_string(RequestError e) noexcept;

struct SignedRequest {
  RequestError error = RequestError::None;
  std::span<const char> message;  // the whole HTTP request inside the caller's buffer
  std::span<const char> body;     // the signed JSON body (a suffix of message)
  [[nodiscard]] bool ok() const noexcept { return error == RequestError::None; }
};

// Writes signed CoinDCX requests. Holds the key, the secret's HMAC states and the Host header
// value; one per API key. Requests go into the caller's buffer (HttpClient::request_buffer()),
// 2 KiB is plenty for any of them.
class CoinDcxRequestWriter {
 public:
  CoinDcxRequestWriter(std::string api_key, std::string_view api_secret, std::string host);

  // POST orders/create: {"timestamp":T,"order":{"side","pair","order_type":"limit_order",
  // "price","total_quantity","leverage","notification":"no_notification",
  // "time_in_force":"good_till_cancel","hidden":false,"post_only":false,
  // "margin_currency_short_name"}}.
  [[nodiscard]] SignedRequest create_order(const CoinDcxOrderRequest& order,
                                           std::int64_t timestamp_ms,
                                           std::span<char> out) const noexcept;
  // POST orders/cancel: {"timestamp":T,"id":"<exchange order id>"}.
  [[nodiscard]] SignedRequest cancel_order(std::string_view exchange_id, std::int64_t timestamp_ms,
                                           std::span<char> out) const noexcept;
  // POST positions/cancel_all_open_orders: {"timestamp":T,"margin_currency_short_name":["USDT"]}
  // — every open order of the account in that margin currency, whoever placed it.
  [[nodiscard]] SignedRequest cancel_all_open_orders(std::int64_t timestamp_ms,
                                                     std::span<char> out) const noexcept;
  // POST orders: {"timestamp":T,"status":"<comma list>","page":"P","size":"S",
  // "margin_currency_short_name":["USDT"]} — statuses as the exchange spells its filter
  // ("open,partially_filled").
  [[nodiscard]] SignedRequest list_orders(std::string_view statuses, std::uint32_t page,
                                          std::uint32_t size, std::int64_t timestamp_ms,
                                          std::span<char> out) const noexcept;
  // POST positions: {"timestamp":T,"page":"P","size":"S","margin_currency_short_name":["USDT"]}.
  [[nodiscard]] SignedRequest positions(std::uint32_t page, std::uint32_t size,
                                        std::int64_t timestamp_ms,
                                        std::span<char> out) const noexcept;
  // POST trades: {"timestamp":T,"pair":"B-…","page":"P","size":"S",
  // "margin_currency_short_name":["USDT"]} — recent fills of one instrument.
  [[nodiscard]] SignedRequest trades(const Symbol& symbol, std::uint32_t page, std::uint32_t size,
                                     std::int64_t timestamp_ms, std::span<char> out) const noexcept;

  // The private stream's join argument: {"channelName":"coindcx","authSignature":"<hex of
  // HMAC over {"channel":"coindcx"}>","apiKey":"<key>"} (docs/architecture.md §7.6).
  // Constant per secret: keep it out of logs.
  [[nodiscard]] std::string private_join_argument() const;

 private:
  template <class WriteBody>
  SignedRequest finish(std::string_view path, std::span<char> out,
                       WriteBody&& write_body) const noexcept;

  std::string api_key_;
  std::string host_;
  HmacSha256 hmac_;
};

}  // namespace scalper::feed
