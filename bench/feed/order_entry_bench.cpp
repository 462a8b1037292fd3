// order_entry_bench.cpp — the order gateway's CPU work per request, before any I/O: HMAC-SHA256
// over the body and the whole signed request written in place (feed/coindcx).
//
// BM_HmacSign          lowercase hex HMAC-SHA256 of a 250-byte create-order body, with the
//   key's inner and outer states precomputed (what every request pays).
// BM_CreateOrderRequest  CoinDcxRequestWriter::create_order: the compact JSON body written in
//   the buffer, signed, the HTTP head (with X-AUTH-APIKEY and X-AUTH-SIGNATURE) written in
//   front of it: the bytes the HttpClient then sends.
// BM_CancelOrderRequest  the same for a cancel (a 72-byte body).
//
// Items are requests (items_per_second); allocs_per_op counts heap allocations per request over
// 10,000 further calls outside the harness (target 0). Each checks its output once first (the
// signature against OpenSSL's one-shot HMAC); a failed check skips it and the executable exits 1.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "checked_bench.hpp"
#include "scalper/feed/coindcx_requests.hpp"

namespace scalper::bench {
namespace {

constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kSecret = "f1e2d3c4b5a697887766554433221100f1e2d3c4b5a69788";

feed::CoinDcxOrderRequest sample_order() {
  feed::CoinDcxOrderRequest o;
  (void)o.symbol.try_assign("ETH/USDT");
  o.side = Side::Sell;
  (void)parse_decimal("3410.25", o.price);
  (void)parse_decimal("0.01", o.quantity);
  o.leverage = 5;
  return o;
}

std::string reference_hex(std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

void BM_HmacSign(benchmark::State& state) {
  const feed::HmacSha256 hmac(kSecret);
  const std::string body(250, 'b');
  char out[feed::kHmacHexChars];
  const std::span<char, feed::kHmacHexChars> hex(out, feed::kHmacHexChars);
  hmac.sign_hex(body, hex);
  if (std::string_view(out, sizeof out) != reference_hex(body)) {
    return fail(state, "signature differs from OpenSSL's HMAC");
  }
  for (auto _ : state) {
    hmac.sign_hex(body, hex);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] = allocs_per_call([&] { hmac.sign_hex(body, hex); });
}
BENCHMARK(BM_HmacSign);

void BM_CreateOrderRequest(benchmark::State& state) {
  const feed::CoinDcxRequestWriter writer(std::string(kKey), kSecret, "api.coindcx.com");
  const feed::CoinDcxOrderRequest order = sample_order();
  std::vector<char> buf(16 * 1024);
  std::int64_t ts = 1'700'000'000'000;
  const feed::SignedRequest r = writer.create_order(order, ts, buf);
  if (!r.ok() ||
      std::string_view(r.message.data(), r.message.size())
              .find("X-AUTH-SIGNATURE: " + reference_hex({r.body.data(), r.body.size()})) ==
          std::string_view::npos) {
    return fail(state, "the create request is not signed over its body");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(writer.create_order(order, ++ts, buf));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(r.message.size());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { benchmark::DoNotOptimize(writer.create_order(order, ++ts, buf)); });
}
BENCHMARK(BM_CreateOrderRequest);

void BM_CancelOrderRequest(benchmark::State& state) {
  const feed::CoinDcxRequestWriter writer(std::string(kKey), kSecret, "api.coindcx.com");
  std::vector<char> buf(16 * 1024);
  std::int64_t ts = 1'700'000'000'000;
  constexpr std::string_view id = "c87ca633-6218-44ea-900b-e86981358cbd";
  if (!writer.cancel_order(id, ts, buf).ok()) return fail(state, "cancel request not written");
  for (auto _ : state) {
    benchmark::DoNotOptimize(writer.cancel_order(id, ++ts, buf));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { benchmark::DoNotOptimize(writer.cancel_order(id, ++ts, buf)); });
}
BENCHMARK(BM_CancelOrderRequest);

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) { return scalper::bench::run_checked_benchmarks(argc, argv); }
