// fuzz_feed_codec.cpp — libFuzzer target for the CoinDCX codec (feed/codec): the stream
// decoder and the REST decoders.
//
// Input: byte 0 selects the event name from a table (the six decoded events, an unknown one,
// and a REST mode); the rest is the event's argument text (or the REST body).
// Invariants: decoding never crashes; the outcome's item count equals the sink calls; Decoded
// carries no error and Malformed one; the counters add up; every delivered item is
// well-formed (symbols map back to a CoinDCX pair, texts fit their fields); decoding the same
// input again gives the same outcome and items (the reused parser keeps no state). The input
// is also wrapped as both envelope forms, {"data":"<escaped input>"} and {"data":<input>}:
// when both decode, they must deliver the same items.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/feed/coindcx_rest.hpp"
#include "scalper/feed/coindcx_stream.hpp"
#include "scalper/feed/coindcx_symbols.hpp"

namespace {

using namespace scalper;
using namespace scalper::feed;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::string_view kEvents[] = {
    "df-order-update", "df-position-update",           "balance-update", "price-change",
    "new-trade",       "currentPrices@futures#update", "depth-snapshot", "rest"};

// Every item as raw bytes, in order, tagged by kind: compared byte for byte between runs.
struct Recorder : StreamSink {
  template <class T>
  void add(char kind, const T& item) {
    bytes.push_back(kind);
    const auto* p = reinterpret_cast<const char*>(&item);
    bytes.insert(bytes.end(), p, p + sizeof item);
    ++count;
  }
  static void check_symbol(const Symbol& s) {
    if (s.empty()) return;
    char pair[64];
    check(symbol_to_coindcx_pair(s.view(), pair) == s.size() + 2);
  }
  void on_order(const ExchangeOrder& o) override {
    check(!o.exchange_id.empty() && !o.symbol.empty());
    check_symbol(o.symbol);
    check(o.venue == Venue::CoinDcxFutures);
    check(static_cast<std::size_t>(o.status) < kExchangeStatusCount);
    add('o', o);
  }
  void on_position(const PositionUpdate& p) override {
    check(!p.symbol.empty());
    check_symbol(p.symbol);
    add('p', p);
  }
  void on_balance(const BalanceUpdate& b) override {
    check(!b.currency.empty());
    add('b', b);
  }
  void on_price(const PriceTick& t) override {
    check(t.symbol.empty());
    add('t', t);
  }
  void on_trade(const TradeTick& t) override {
    check_symbol(t.symbol);
    add('x', t);
  }
  void on_mark_price(const MarkPrice& m) override {
    check(m.has_mark_price || m.has_last_price);
    check(m.has_mark_price || m.mark_price.is_zero());
    check(m.has_last_price || m.last_price.is_zero());
    check_symbol(m.symbol);
    add('m', m);
  }
  std::vector<char> bytes;
  std::uint32_t count = 0;
};

struct OrderRecorder : OrderSink {
  void on_order(const ExchangeOrder& o) override {
    check(!o.exchange_id.empty() && !o.symbol.empty());
    const auto* p = reinterpret_cast<const char*>(&o);
    bytes.insert(bytes.end(), p, p + sizeof o);
    ++count;
  }
  std::vector<char> bytes;
  std::uint32_t count = 0;
};

void check_outcome(const DecodeOutcome& r, std::uint32_t delivered) {
  check(r.items == delivered);
  switch (r.status) {
    case DecodeStatus::Decoded: check(r.error == DecodeError::None); break;
    case DecodeStatus::UnknownEvent: check(r.error == DecodeError::None && r.items == 0); break;
    case DecodeStatus::Malformed:
      check(r.error != DecodeError::None);
      check(!describe(r).empty());
      break;
  }
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

CoinDcxStreamDecoder& stream_decoder() {
  static CoinDcxStreamDecoder d(1 << 16);
  return d;
}
CoinDcxRestDecoder& rest_decoder() {
  static CoinDcxRestDecoder d(1 << 16);
  return d;
}

Recorder decode_recorded(std::string_view event, std::string_view args, DecodeOutcome& out) {
  CoinDcxStreamDecoder& d = stream_decoder();
  const CodecCounters before = d.counters();
  Recorder rec;
  out = d.decode(event, args, rec);
  check_outcome(out, rec.count);
  const CodecCounters& after = d.counters();
  check(after.frames == before.frames + 1);
  check(after.items == before.items + out.items);
  check(after.malformed == before.malformed + (out.status == DecodeStatus::Malformed ? 1 : 0));
  check(after.unknown_events ==
        before.unknown_events + (out.status == DecodeStatus::UnknownEvent ? 1 : 0));
  if (out.status == DecodeStatus::Malformed) check(d.last_malformed_reason() == describe(out));
  return rec;
}

void fuzz_stream(std::string_view event, std::string_view args) {
  DecodeOutcome first;
  const Recorder a = decode_recorded(event, args, first);
  DecodeOutcome second;
  const Recorder b = decode_recorded(event, args, second);
  check(first.status == second.status && first.error == second.error &&
        first.items == second.items && first.field == second.field);
  check(a.bytes == b.bytes);

  if (args.size() > 20000) return;
  DecodeOutcome as_text;
  const Recorder t = decode_recorded(event, "{\"data\":" + quoted(args) + "}", as_text);
  DecodeOutcome as_inline;
  const Recorder i = decode_recorded(event, "{\"data\":" + std::string(args) + "}", as_inline);
  if (as_text.status == DecodeStatus::Decoded && as_inline.status == DecodeStatus::Decoded) {
    check(t.bytes == i.bytes);
  }
}

void fuzz_rest(std::string_view body) {
  CoinDcxRestDecoder& d = rest_decoder();
  OrderRecorder a;
  const DecodeOutcome r = d.decode_orders(body, a);
  check_outcome(r, a.count);
  OrderRecorder b;
  const DecodeOutcome again = d.decode_orders(body, b);
  check(r.status == again.status && r.error == again.error && a.bytes == b.bytes);
  ReasonText reason;
  const bool is_error = d.decode_error(body, reason);
  check(!is_error || !reason.empty());
  check(reason.size() <= ReasonText::kCapacity);
  const bool ack = d.decode_cancel_ack(body);
  check(!(ack && r.status == DecodeStatus::Decoded && r.items > 0));  // an ack is no order list
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view event = kEvents[data[0] % std::size(kEvents)];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (event == "rest") {
    fuzz_rest(rest);
  } else {
    fuzz_stream(event, rest);
  }
  return 0;
}
