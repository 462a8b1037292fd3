// fuzz_sim_rest.cpp — libFuzzer target for the simulator's CoinDCX REST surface.
//
// Input: "<path>\n<body>". The body is signed with the right secret so the fuzzer gets past
// authentication into the parsers and the exchange. Every reply must be a JSON document with
// a status the API documents; the account must stay consistent (no negative locked balance,
// resting orders only live ones).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <scalper/sim/json.hpp>
#include <scalper/sim/rest_api.hpp>

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::int64_t kNow = 1'761'400'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace scalper::sim;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  static const char* const kPrefix = "/exchange/v1/derivatives/futures";
  Exchange ex(ExchangeConfig{});
  ApiConfig cfg;
  cfg.rate_per_second = 1'000'000;
  cfg.rate_per_minute = 1'000'000;
  CoinDcxApi api(ex, cfg);
  HttpRequest r;
  r.method = "POST";
  r.target = std::string(kPrefix) + std::string(input.substr(0, nl));
  r.body = std::string(input.substr(nl + 1));
  r.api_key = cfg.api_key;
  r.signature = hmac_sha256_hex(cfg.api_secret, r.body);
  Exchange::Events events;
  // Twice: the second call sees the state the first one left.
  for (int round = 0; round < 2; ++round) {
    const HttpReply reply = api.handle(r, kNow, events);
    check(reply.status == 200 || reply.status == 400 || reply.status == 401 ||
          reply.status == 404 || reply.status == 405 || reply.status == 422);
    std::string error;
    check(parse_json(reply.body, error).has_value());
  }
  for (const SimWallet* w : ex.wallets()) check(!w->locked_balance.is_negative());
  for (const StreamEvent& e : events) {
    std::string error;
    check(parse_json(e.data, error).has_value());
  }
  return 0;
}
