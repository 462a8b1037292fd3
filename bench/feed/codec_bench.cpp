// codec_bench.cpp — the CoinDCX codec (feed/codec) against a reference decoder on
// nlohmann::json, on the same event arguments, into the same structs.
//
// BM_Codec_OrderUpdate      the 812-byte df-order-update frame's argument (a filled order, data
//   as escaped JSON text, as the exchange sends it) through CoinDcxStreamDecoder: envelope
//   parse, unescape into the padded buffer, second parse, one ExchangeOrder to the sink.
// BM_Nlohmann_OrderUpdate   the same argument through tests/codec/nlohmann_reference.hpp:
//   nlohmann parses the envelope, then the data string, numbers kept as text (SAX) so that
//   Decimals come from text exactly as in the codec; the same ExchangeOrder.
// BM_Codec_OrderUpdateInline  the same order with data inline (the documented form): one parse.
// BM_Codec_PriceChange / BM_Nlohmann_PriceChange  a price-change argument (data as text).
//
// Items are frames (items_per_second; ns per frame = 1e9 / items_per_second); bytes are the
// argument's bytes. allocs_per_op: heap allocations per frame over 10,000 further calls outside
// the harness (the codec's target is 0). Each benchmark checks its decoded result once before
// timing, against the values the frame carries; a failed check skips it with the reason and
// the executable exits 1 (CI runs it as a smoke test).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "checked_bench.hpp"
#include "nlohmann_reference.hpp"
#include "scalper/feed/coindcx_stream.hpp"

namespace scalper::bench {
namespace {

using feed::CoinDcxStreamDecoder;
using feed::DecodeOutcome;
using feed::PriceTick;

Decimal dec(std::string_view text) {
  Decimal d;
  (void)parse_decimal(text, d, Rounding::Exact);
  return d;
}

// The data of bench/feed/feed_bench.cpp's order_update_frame(): a filled order as the
// simulator (and, by the documented shape, CoinDCX) sends it.
constexpr std::string_view kOrderPayload =
    R"([{"id":"53305489-495e-4841-b74c-96ae9ef8abbe","pair":"B-ETH_USDT","side":"buy",)"
    R"("status":"filled","order_type":"limit_order","leverage":3.0,"fee_amount":0.0085,)"
    R"("price":3400.0,"avg_price":3400.0,"total_quantity":0.01,"remaining_quantity":0.0,)"
    R"("cancelled_quantity":0.0,"filled_quantity":0.01,"created_at":1795623474267,)"
    R"("updated_at":1795623474282,"display_message":"ETH limit buy order filled!",)"
    R"("margin_currency_short_name":"USDT"}])";
constexpr std::string_view kPricePayload = R"({"T":1795623474267,"p":"3400.5","pr":"f"})";

std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
// {"event":…,"data":"<escaped>"}: the argument of 42["<event>",…] as Socket.IO hands it over.
std::string text_envelope(std::string_view event, std::string_view payload) {
  return R"({"event":")" + std::string(event) + R"(","data":")" + escaped(payload) + "\"}";
}
std::string inline_envelope(std::string_view event, std::string_view payload) {
  return R"({"event":")" + std::string(event) + R"(","data":)" + std::string(payload) + "}";
}

bool is_the_filled_order(const ExchangeOrder& o) {
  return o.exchange_id.view() == "53305489-495e-4841-b74c-96ae9ef8abbe" &&
         o.symbol.view() == "ETH/USDT" && o.side == Side::Buy &&
         o.status == ExchangeStatus::Filled && o.price == dec("3400") &&
         o.avg_price == dec("3400") && o.total_qty == dec("0.01") && o.filled_qty == dec("0.01") &&
         o.fee == dec("0.0085") && o.exchange_ts_ms == 1795623474267 &&
         o.venue == Venue::CoinDcxFutures;
}
bool is_the_tick(const PriceTick& t) {
  return t.price == dec("3400.5") && t.exchange_ts_ms == 1795623474267 && t.symbol.empty();
}

// Keeps the last item, so the check reads what the decoder produced; never allocates.
struct LastItem : feed::StreamSink {
  void on_order(const ExchangeOrder& o) override {
    order = o;
    ++n;
  }
  void on_price(const PriceTick& t) override {
    tick = t;
    ++n;
  }
  ExchangeOrder order;
  PriceTick tick;
  std::uint64_t n = 0;
};

void codec_order_update(benchmark::State& state, const std::string& args) {
  CoinDcxStreamDecoder decoder;
  LastItem sink;
  const DecodeOutcome check = decoder.decode("df-order-update", args, sink);
  if (!check.ok() || check.items != 1 || sink.n != 1 || !is_the_filled_order(sink.order)) {
    return fail(state, "the codec did not decode the filled order");
  }
  for (auto _ : state) {
    const DecodeOutcome r = decoder.decode("df-order-update", args, sink);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(sink.order);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(args.size()));
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { (void)decoder.decode("df-order-update", args, sink); });
  state.counters["frame_bytes"] = static_cast<double>(args.size());
}

void BM_Codec_OrderUpdate(benchmark::State& state) {
  codec_order_update(state, text_envelope("df-order-update", kOrderPayload));
}
BENCHMARK(BM_Codec_OrderUpdate);

void BM_Codec_OrderUpdateInline(benchmark::State& state) {
  codec_order_update(state, inline_envelope("df-order-update", kOrderPayload));
}
BENCHMARK(BM_Codec_OrderUpdateInline);

void BM_Nlohmann_OrderUpdate(benchmark::State& state) {
  const std::string args = text_envelope("df-order-update", kOrderPayload);
  std::vector<ExchangeOrder> out;
  out.reserve(8);
  if (!feed::reference::decode_order_update(args, out) || out.size() != 1 ||
      !is_the_filled_order(out[0])) {
    return fail(state, "the nlohmann reference did not decode the filled order");
  }
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(feed::reference::decode_order_update(args, out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(args.size()));
  state.counters["allocs_per_op"] = allocs_per_call([&] {
    out.clear();
    (void)feed::reference::decode_order_update(args, out);
  });
  state.counters["frame_bytes"] = static_cast<double>(args.size());
}
BENCHMARK(BM_Nlohmann_OrderUpdate);

void BM_Codec_PriceChange(benchmark::State& state) {
  const std::string args = text_envelope("price-change", kPricePayload);
  CoinDcxStreamDecoder decoder;
  LastItem sink;
  const DecodeOutcome check = decoder.decode("price-change", args, sink);
  if (!check.ok() || check.items != 1 || !is_the_tick(sink.tick)) {
    return fail(state, "the codec did not decode the price tick");
  }
  for (auto _ : state) {
    const DecodeOutcome r = decoder.decode("price-change", args, sink);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(sink.tick);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(args.size()));
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { (void)decoder.decode("price-change", args, sink); });
  state.counters["frame_bytes"] = static_cast<double>(args.size());
}
BENCHMARK(BM_Codec_PriceChange);

void BM_Nlohmann_PriceChange(benchmark::State& state) {
  const std::string args = text_envelope("price-change", kPricePayload);
  std::vector<PriceTick> out;
  out.reserve(8);
  if (!feed::reference::decode_price_change(args, out) || out.size() != 1 || !is_the_tick(out[0])) {
    return fail(state, "the nlohmann reference did not decode the price tick");
  }
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(feed::reference::decode_price_change(args, out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(args.size()));
  state.counters["allocs_per_op"] = allocs_per_call([&] {
    out.clear();
    (void)feed::reference::decode_price_change(args, out);
  });
  state.counters["frame_bytes"] = static_cast<double>(args.size());
}
BENCHMARK(BM_Nlohmann_PriceChange);

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) { return scalper::bench::run_checked_benchmarks(argc, argv); }
