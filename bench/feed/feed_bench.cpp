// feed_bench.cpp — the feed transport's codecs on one message, the way the feed thread sees
// them: a CoinDCX df-order-update frame (the event a fill arrives as) and its kin.
//
// BM_SocketIoDecode   Engine.IO packet → Socket.IO packet → event name and argument text, for
//   the 812-byte order-update frame, through EioSession::on_frame (the path the feed runs).
// BM_SocketIoEncode   a private-channel `join` emit written into a buffer.
// BM_WebSocketDecode  that frame as the server sends it (unmasked text frame, 16-bit length)
//   through FrameDecoder: header, limits, UTF-8 validation of the whole message, the view.
// BM_WebSocketEncode  the join emit as a masked client text frame (header + masking copy).
// BM_HttpResponseParse  the simulator's create-order reply (200, Content-Length, one order).
// BM_HttpRequestWrite   a signed create-order request, the body built in place first and the
//   head written in front of it (the order gateway's path; signing itself is not timed here).
//
// Items are messages; counter allocs_per_op is heap allocations per message, counted over
// 10,000 further calls outside the harness (target 0). Each benchmark checks its result once before
// timing; a failed check skips it with the reason and the executable exits 1 (CI runs it as a smoke
// test).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/engineio.hpp>
#include <scalper/net/http.hpp>
#include <scalper/net/websocket.hpp>
#include "alloc_counter.hpp"

namespace scalper::bench {
namespace {

bool g_check_failed = false;

void fail(benchmark::State& state, const char* why) {
  g_check_failed = true;
  state.SkipWithError(why);
}

// Heap allocations per call of `op`, counted over a pass of its own after the timed loop: the
// benchmark harness allocates a little around its loop, which would otherwise show up as a
// fraction of an allocation per (nanosecond-scale) op.
template <class Op>
double allocs_per_call(Op&& op, int calls = 10'000) {
  const testing::AllocationScope allocs;
  for (int i = 0; i < calls; ++i) op();
  return static_cast<double>(allocs.count()) / calls;
}

// A filled order as the simulator (and, by the documented shape, CoinDCX) sends it: the
// envelope's data is JSON text inside a string, so every quote is escaped.
std::string order_update_frame() {
  const std::string inner =
      R"([{"id":"53305489-495e-4841-b74c-96ae9ef8abbe","pair":"B-ETH_USDT","side":"buy",)"
      R"("status":"filled","order_type":"limit_order","leverage":3.0,"fee_amount":0.0085,)"
      R"("price":3400.0,"avg_price":3400.0,"total_quantity":0.01,"remaining_quantity":0.0,)"
      R"("cancelled_quantity":0.0,"filled_quantity":0.01,"created_at":1795623474267,)"
      R"("updated_at":1795623474282,"display_message":"ETH limit buy order filled!",)"
      R"("margin_currency_short_name":"USDT"}])";
  std::string escaped;
  for (char c : inner) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return R"(42["df-order-update",{"event":"df-order-update","data":")" + escaped + "\"}]";
}

void BM_SocketIoDecode(benchmark::State& state) {
  const std::string frame = order_update_frame();
  using namespace scalper::net;
  EioSession session(EioVersion::V4, 0);
  (void)session.on_frame(
      R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
      0);
  (void)session.on_frame(R"(40{"sid":"x"})", 0);
  const EioStep check = session.on_frame(frame, 1);
  if (!check.event || check.message.name != "df-order-update" ||
      !check.message.args.starts_with(R"({"event":"df-order-update","data":"[{)") ||
      !check.message.args.ends_with(R"(}]"})")) {
    return fail(state, "the order-update frame did not decode to its event");
  }
  std::int64_t now = 1;
  for (auto _ : state) {
    const EioStep st = session.on_frame(frame, ++now);
    benchmark::DoNotOptimize(st.message.args.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
  state.counters["allocs_per_op"] = allocs_per_call([&] { (void)session.on_frame(frame, ++now); });
}
BENCHMARK(BM_SocketIoDecode);

void BM_SocketIoEncode(benchmark::State& state) {
  using namespace scalper::net;
  constexpr std::string_view kArg =
      R"({"channelName":"coindcx","authSignature":"c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989","apiKey":"sim-key"})";
  std::array<char, 256> buf{};
  const std::size_t n = encode_sio_event("join", kArg, buf);
  if (std::string_view(buf.data(), n) != std::string("42[\"join\",") + std::string(kArg) + "]") {
    return fail(state, "the join emit is not what socket.io expects");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(encode_sio_event("join", kArg, buf));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { (void)encode_sio_event("join", kArg, buf); });
}
BENCHMARK(BM_SocketIoEncode);

// The server's frame for `payload`: FIN, opcode text, no mask, minimal length.
std::vector<std::uint8_t> server_text_frame(std::string_view payload) {
  std::vector<std::uint8_t> f{0x81};
  if (payload.size() < 126) {
    f.push_back(static_cast<std::uint8_t>(payload.size()));
  } else {
    f.push_back(126);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

void BM_WebSocketDecode(benchmark::State& state) {
  using namespace scalper::net;
  const std::string text = order_update_frame();
  const std::vector<std::uint8_t> frame = server_text_frame(text);
  FrameDecoder decoder;
  const DecodeResult check = decoder.decode(frame);
  if (check.event != FrameEvent::Text || check.consumed != frame.size() || check.text() != text) {
    return fail(state, "the server frame did not decode to its text message");
  }
  for (auto _ : state) {
    const DecodeResult r = decoder.decode(frame);
    benchmark::DoNotOptimize(r.payload.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
  state.counters["allocs_per_op"] = allocs_per_call([&] { (void)decoder.decode(frame); });
}
BENCHMARK(BM_WebSocketDecode);

void BM_WebSocketEncode(benchmark::State& state) {
  using namespace scalper::net;
  constexpr std::string_view kJoin =
      R"(42["join",{"channelName":"coindcx","authSignature":"c8f94ab0ff0372da5b20dfa616c8a1abd06341fa2c0ea19559decc4c8485b989","apiKey":"sim-key"}])";
  const std::span<const std::uint8_t> payload(reinterpret_cast<const std::uint8_t*>(kJoin.data()),
                                              kJoin.size());
  std::array<std::uint8_t, 512> out{};
  const std::size_t n = encode_frame(Opcode::Text, true, payload, 0x37fa213d, out);
  // 139 bytes: 2-byte header, 16-bit length, 4-byte key, then the masked payload.
  std::vector<std::uint8_t> unmasked(out.begin() + 8, out.begin() + static_cast<std::ptrdiff_t>(n));
  apply_mask(unmasked, 0x37fa213d);
  if (n != kJoin.size() + 8 || out[0] != 0x81 || (out[1] & 0x80) == 0 ||
      std::string_view(reinterpret_cast<const char*>(unmasked.data()), unmasked.size()) != kJoin) {
    return fail(state, "the client frame is not a masked text frame of the emit");
  }
  std::uint32_t key = 0x9e3779b9;
  for (auto _ : state) {
    key = key * 1664525u + 1013904223u;  // a fresh key per frame, as a client must
    benchmark::DoNotOptimize(encode_frame(Opcode::Text, true, payload, key, out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] =
      allocs_per_call([&] { (void)encode_frame(Opcode::Text, true, payload, key, out); });
}
BENCHMARK(BM_WebSocketEncode);

void BM_HttpResponseParse(benchmark::State& state) {
  using namespace scalper::net;
  const std::string body =
      R"([{"id":"53305489-495e-4841-b74c-96ae9ef8abbe","pair":"B-ETH_USDT","side":"buy",)"
      R"("status":"initial","order_type":"limit_order","leverage":3.0,"price":3400.0,)"
      R"("total_quantity":0.01,"remaining_quantity":0.01,"created_at":1795623474267}])";
  const std::string pristine =
      "HTTP/1.1 200 OK\r\nServer: scalper-sim\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string wire = pristine;
  ResponseParser parser;
  const HttpParseResult check = parser.parse(wire);
  if (!check.done() || parser.status() != 200 || parser.body() != body || !parser.keep_alive()) {
    return fail(state, "the create-order reply did not parse");
  }
  for (auto _ : state) {
    parser.reset();
    const HttpParseResult r = parser.parse(wire);
    benchmark::DoNotOptimize(r.consumed);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] = allocs_per_call([&] {
    parser.reset();
    (void)parser.parse(wire);
  });
}
BENCHMARK(BM_HttpResponseParse);

void BM_HttpRequestWrite(benchmark::State& state) {
  using namespace scalper::net;
  constexpr std::string_view kBody =
      R"({"timestamp":1761400000000,"order":{"side":"buy","pair":"B-ETH_USDT",)"
      R"("order_type":"limit_order","price":"3400.0","total_quantity":0.01,"leverage":3}})";
  const std::array<HttpHeader, 2> extra = {
      HttpHeader{"X-AUTH-APIKEY", "sim-key"},
      HttpHeader{"X-AUTH-SIGNATURE",
                 "1928512fa37f4053e5322e84c1a568b609484a517b3a7136bc92fa26be573717"}};
  HttpRequestHead head;
  head.target = "/exchange/v1/derivatives/futures/orders/create";
  head.host = "127.0.0.1:8420";
  head.extra = extra;
  std::array<char, 1024> buf{};
  RequestWriter writer(buf);
  auto write_once = [&]() {
    const std::span<char> area = writer.begin_body(384);
    std::memcpy(area.data(), kBody.data(), kBody.size());
    return writer.finish_body(head, kBody.size());
  };
  const HttpWriteResult check = write_once();
  const std::string_view msg(check.message.data(), check.message.size());
  if (!check.ok() || !msg.starts_with("POST /exchange/v1/derivatives/futures/orders/create") ||
      !msg.ends_with(kBody)) {
    return fail(state, "the create-order request was not written");
  }
  for (auto _ : state) {
    const HttpWriteResult r = write_once();
    benchmark::DoNotOptimize(r.message.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_op"] = allocs_per_call([&] { (void)write_once(); });
}
BENCHMARK(BM_HttpRequestWrite);

}  // namespace
}  // namespace scalper::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return scalper::bench::g_check_failed ? 1 : 0;
}
