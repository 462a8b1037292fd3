#include "scalper/feed/coindcx_stream.hpp"

#include "json_read.hpp"
#include "scalper/feed/coindcx_symbols.hpp"

namespace scalper::feed {
namespace {

using detail::fail;
using detail::Fault;
using detail::json_fail;
namespace od = detail::od;

// The items of one decode() so far, and where it stopped.
struct Run {
  StreamSink& sink;
  std::uint32_t items = 0;
  Fault fault;
};

// An array payload: every element through decode_one(value&, Run&), in order.
template <class DecodeOne>
bool for_each_element(od::value& payload, std::string_view what, Run& run,
                      DecodeOne&& decode_one) noexcept {
  od::array array;
  if (auto e = payload.get_array().get(array)) {
    if (e == simdjson::INCORRECT_TYPE) {
      return fail(run.fault, DecodeError::WrongShape, what, "expected an array");
    }
    return json_fail(run.fault, e, what);
  }
  for (auto element : array) {
    od::value value;
    if (auto e = std::move(element).get(value)) return json_fail(run.fault, e, what);
    if (!decode_one(value, run)) return false;
  }
  return true;
}

// An object payload's members: visit(key, value&) for each, in order.
template <class Visit>
bool for_each_member(od::object& object, std::string_view what, Fault& fault,
                     Visit&& visit) noexcept {
  for (auto member : object) {
    od::field field;
    if (auto e = std::move(member).get(field)) return json_fail(fault, e, what);
    std::string_view key;
    if (!detail::read_key(field, what, key, fault)) return false;
    if (!visit(key, field.value())) return false;
  }
  return true;
}

// The same with the keys left raw (compared byte for byte, never unescaped). For passes over
// an object that is read again afterwards: simdjson sizes its string buffer for unescaping
// each string of a document once, so a second pass must not unescape the keys again.
template <class Visit>
bool for_each_raw_member(od::object& object, std::string_view what, Fault& fault,
                         Visit&& visit) noexcept {
  for (auto member : object) {
    od::field field;
    if (auto e = std::move(member).get(field)) return json_fail(fault, e, what);
    if (!visit(field.key(), field.value())) return false;
  }
  return true;
}

bool get_object(od::value& value, std::string_view what, od::object& object,
                Fault& fault) noexcept {
  if (auto e = value.get_object().get(object)) {
    if (e == simdjson::INCORRECT_TYPE) {
      return fail(fault, DecodeError::WrongShape, what, "expected an object");
    }
    return json_fail(fault, e, what);
  }
  return true;
}

// ---- df-order-update ----------------------------------------------------------------------

bool decode_order_update(od::value& payload, Run& run) noexcept {
  return for_each_element(payload, "df-order-update", run, [](od::value& v, Run& r) {
    ExchangeOrder order;
    if (!detail::decode_order(v, order, r.fault)) return false;
    r.sink.on_order(order);
    ++r.items;
    return true;
  });
}

// ---- df-position-update ---------------------------------------------------------------------

bool read_position_field(std::string_view k, od::value& v, PositionUpdate& p, bool& has_pair,
                         Fault& f) noexcept {
  bool present = false;
  switch (k.size()) {
    case 2: return k != "id" || detail::read_fixed(v, "id", p.position_id, f);
    case 4:
      if (k != "pair") return true;
      if (!detail::read_pair(v, "pair", p.symbol, present, f)) return false;
      has_pair = present;
      return true;
    case 8: return k != "leverage" || detail::read_decimal(v, "leverage", p.leverage, present, f);
    case 9:
      return k != "avg_price" || detail::read_decimal(v, "avg_price", p.avg_price, present, f);
    case 10:
      if (k == "active_pos") return detail::read_decimal(v, "active_pos", p.active_pos, present, f);
      if (k == "mark_price") return detail::read_decimal(v, "mark_price", p.mark_price, present, f);
      if (k == "updated_at") return detail::read_integer(v, "updated_at", p.updated_at_ms, f);
      return true;
    case 13:
      return k != "locked_margin" ||
             detail::read_decimal(v, "locked_margin", p.locked_margin, present, f);
    case 17:
      return k != "liquidation_price" ||
             detail::read_decimal(v, "liquidation_price", p.liquidation_price, present, f);
    case 26:
      return k != "margin_currency_short_name" ||
             detail::read_fixed(v, "margin_currency_short_name", p.margin_currency, f);
    default: return true;
  }
}

bool decode_position_update(od::value& payload, Run& run) noexcept {
  return for_each_element(payload, "df-position-update", run, [](od::value& v, Run& r) {
    od::object object;
    if (!get_object(v, "position", object, r.fault)) return false;
    PositionUpdate position;
    bool has_pair = false;
    if (!for_each_member(object, "position", r.fault, [&](std::string_view k, od::value& fv) {
          return read_position_field(k, fv, position, has_pair, r.fault);
        })) {
      return false;
    }
    if (!has_pair) return fail(r.fault, DecodeError::MissingField, "pair");
    r.sink.on_position(position);
    ++r.items;
    return true;
  });
}

// ---- balance-update -------------------------------------------------------------------------

bool decode_balance_update(od::value& payload, Run& run) noexcept {
  return for_each_element(payload, "balance-update", run, [](od::value& v, Run& r) {
    od::object object;
    if (!get_object(v, "balance", object, r.fault)) return false;
    BalanceUpdate balance;
    bool present = false;
    if (!for_each_member(object, "balance", r.fault, [&](std::string_view k, od::value& fv) {
          if (k == "balance")
            return detail::read_decimal(fv, "balance", balance.balance, present, r.fault);
          if (k == "locked_balance") {
            return detail::read_decimal(fv, "locked_balance", balance.locked_balance, present,
                                        r.fault);
          }
          if (k == "currency_short_name") {
            return detail::read_fixed(fv, "currency_short_name", balance.currency, r.fault);
          }
          return true;
        })) {
      return false;
    }
    if (balance.currency.empty()) {
      return fail(r.fault, DecodeError::MissingField, "currency_short_name");
    }
    r.sink.on_balance(balance);
    ++r.items;
    return true;
  });
}

// ---- price-change ---------------------------------------------------------------------------

bool decode_price_change(od::value& payload, Run& run) noexcept {
  od::object object;
  if (!get_object(payload, "price-change", object, run.fault)) return false;
  PriceTick tick;
  bool has_price = false;
  if (!for_each_member(object, "price-change", run.fault, [&](std::string_view k, od::value& v) {
        if (k == "p") return detail::read_decimal(v, "p", tick.price, has_price, run.fault);
        if (k == "T") return detail::read_integer(v, "T", tick.exchange_ts_ms, run.fault);
        return true;
      })) {
    return false;
  }
  if (!has_price) return fail(run.fault, DecodeError::MissingField, "p");
  run.sink.on_price(tick);
  ++run.items;
  return true;
}

// ---- new-trade ------------------------------------------------------------------------------

bool read_trade_field(std::string_view k, od::value& v, TradeTick& t, bool& has_price,
                      bool& has_qty, Fault& f) noexcept {
  bool present = false;
  if (k.size() == 1) {
    switch (k[0]) {
      case 'T': return detail::read_integer(v, "T", t.exchange_ts_ms, f);
      case 'p': return detail::read_decimal(v, "p", t.price, has_price, f);
      case 'q': return detail::read_decimal(v, "q", t.quantity, has_qty, f);
      case 'm': return detail::read_flag(v, "m", t.buyer_is_maker, f);
      case 's': return detail::read_pair(v, "s", t.symbol, present, f);
      default: return true;
    }
  }
  return k != "RT" || detail::read_integer(v, "RT", t.rt_ms, f);
}

bool decode_new_trade(od::value& payload, Run& run) noexcept {
  od::object object;
  if (!get_object(payload, "new-trade", object, run.fault)) return false;
  TradeTick trade;
  bool has_price = false;
  bool has_qty = false;
  if (!for_each_member(object, "new-trade", run.fault, [&](std::string_view k, od::value& v) {
        return read_trade_field(k, v, trade, has_price, has_qty, run.fault);
      })) {
    return false;
  }
  if (!has_price) return fail(run.fault, DecodeError::MissingField, "p");
  if (!has_qty) return fail(run.fault, DecodeError::MissingField, "q");
  run.sink.on_trade(trade);
  ++run.items;
  return true;
}

// ---- currentPrices@futures#update -------------------------------------------------------------

bool decode_price_entry(std::string_view pair, od::value& v, std::int64_t ts_ms,
                        Run& run) noexcept {
  MarkPrice mark;
  if (!coindcx_pair_to_symbol(pair, mark.symbol)) {
    return fail(run.fault, DecodeError::BadSymbol, "prices");
  }
  od::object object;
  if (!get_object(v, "prices", object, run.fault)) return false;
  if (!for_each_member(object, "prices", run.fault, [&](std::string_view k, od::value& fv) {
        if (k == "mp") {
          return detail::read_decimal(fv, "mp", mark.mark_price, mark.has_mark_price, run.fault);
        }
        if (k == "ls") {
          return detail::read_decimal(fv, "ls", mark.last_price, mark.has_last_price, run.fault);
        }
        return true;
      })) {
    return false;
  }
  if (!mark.has_mark_price && !mark.has_last_price) return true;
  mark.exchange_ts_ms = ts_ms;
  run.sink.on_mark_price(mark);
  ++run.items;
  return true;
}

// Two passes over the object, so that every item carries the frame's `ts` wherever it stands:
// the first reads `ts` and skips the rest (raw keys), the second (after reset) decodes
// `prices`.
bool decode_current_prices(od::value& payload, Run& run) noexcept {
  constexpr std::string_view kWhat = "currentPrices@futures#update";
  od::object object;
  if (!get_object(payload, kWhat, object, run.fault)) return false;
  std::int64_t ts_ms = 0;
  if (!for_each_raw_member(object, kWhat, run.fault, [&](od::raw_json_string k, od::value& v) {
        return !k.unsafe_is_equal("ts") || detail::read_integer(v, "ts", ts_ms, run.fault);
      })) {
    return false;
  }
  bool not_empty = false;
  if (auto e = object.reset().get(not_empty)) return json_fail(run.fault, e, kWhat);
  return for_each_member(object, kWhat, run.fault, [&](std::string_view k, od::value& v) {
    if (k != "prices") return true;
    od::object prices;
    if (!get_object(v, "prices", prices, run.fault)) return false;
    return for_each_member(prices, "prices", run.fault, [&](std::string_view pair, od::value& pv) {
      return decode_price_entry(pair, pv, ts_ms, run);
    });
  });
}

bool decode_payload(CoinDcxEvent event, od::value& payload, Run& run) noexcept {
  switch (event) {
    case CoinDcxEvent::OrderUpdate: return decode_order_update(payload, run);
    case CoinDcxEvent::PositionUpdate: return decode_position_update(payload, run);
    case CoinDcxEvent::BalanceUpdate: return decode_balance_update(payload, run);
    case CoinDcxEvent::PriceChange: return decode_price_change(payload, run);
    case CoinDcxEvent::NewTrade: return decode_new_trade(payload, run);
    case CoinDcxEvent::CurrentPrices: return decode_current_prices(payload, run);
    case CoinDcxEvent::Unknown: break;
  }
  return fail(run.fault, DecodeError::WrongShape, "event", "not a decoded event");
}

}  // namespace

CoinDcxEvent coindcx_event_from_name(std::string_view name) noexcept {
  if (name == "df-order-update") return CoinDcxEvent::OrderUpdate;
  if (name == "price-change") return CoinDcxEvent::PriceChange;
  if (name == "new-trade") return CoinDcxEvent::NewTrade;
  if (name == "currentPrices@futures#update") return CoinDcxEvent::CurrentPrices;
  if (name == "df-position-update") return CoinDcxEvent::PositionUpdate;
  if (name == "balance-update") return CoinDcxEvent::BalanceUpdate;
  return CoinDcxEvent::Unknown;
}

// The parser and the two padded buffers: the argument as received, and the data string's
// unescaped text (never longer than the argument it came from).
struct CoinDcxStreamDecoder::Impl {
  explicit Impl(std::size_t max_bytes) : envelope(max_bytes), payload(max_bytes) {
    ready = detail::prepare_parser(parser, max_bytes) == simdjson::SUCCESS;
  }

  bool decode(CoinDcxEvent event, std::string_view args, Run& run) noexcept;
  bool decode_document_root(CoinDcxEvent event, od::document& doc, std::string_view what,
                            Run& run) noexcept;

  od::parser parser;
  detail::PaddedBuffer envelope;
  detail::PaddedBuffer payload;
  bool ready = false;
};

// The root value of a document as the payload, then nothing after it.
bool CoinDcxStreamDecoder::Impl::decode_document_root(CoinDcxEvent event, od::document& doc,
                                                      std::string_view what, Run& run) noexcept {
  od::value root;
  if (auto e = doc.get_value().get(root)) {
    if (e == simdjson::SCALAR_DOCUMENT_AS_VALUE) {
      return fail(run.fault, DecodeError::WrongShape, what, "a scalar, not a payload");
    }
    return json_fail(run.fault, e, what);
  }
  if (!decode_payload(event, root, run)) return false;
  return detail::at_document_end(doc) || fail(run.fault, DecodeError::TrailingContent, what);
}

// Idea: one pass over the envelope object finds "data". A string is unescaped (by simdjson,
// into the parser's string buffer) and copied to the payload buffer, then parsed as a second
// document once the envelope has been read to its end; an inline object/array is decoded in
// place. An object without "data" is decoded again from its start as the payload itself.
bool CoinDcxStreamDecoder::Impl::decode(CoinDcxEvent event, std::string_view args,
                                        Run& run) noexcept {
  envelope.assign(args);
  od::document doc;
  if (auto e = parser.iterate(envelope.data(), args.size(), envelope.allocated()).get(doc)) {
    return json_fail(run.fault, e, "");
  }
  od::json_type type{};
  if (auto e = doc.type().get(type)) return json_fail(run.fault, e, "");
  if (type == od::json_type::array) return decode_document_root(event, doc, "", run);
  if (type != od::json_type::object) {
    return fail(run.fault, DecodeError::NotAnEnvelope, "", "expected an object or an array");
  }
  od::object object;
  if (auto e = doc.get_object().get(object)) return json_fail(run.fault, e, "");
  bool found = false;
  std::size_t text_length = 0;
  bool data_is_text = false;
  if (!for_each_raw_member(object, "", run.fault, [&](od::raw_json_string key, od::value& v) {
        if (!key.unsafe_is_equal("data")) return true;
        if (found) return fail(run.fault, DecodeError::WrongShape, "data", "two data fields");
        found = true;
        od::json_type data_type{};
        if (auto e = v.type().get(data_type)) return json_fail(run.fault, e, "data");
        if (data_type == od::json_type::object || data_type == od::json_type::array) {
          return decode_payload(event, v, run);
        }
        if (data_type != od::json_type::string) {
          return fail(run.fault, DecodeError::WrongType, "data",
                      "expected a string, an object or an array");
        }
        std::string_view text;
        if (auto e = v.get_string().get(text)) return json_fail(run.fault, e, "data");
        payload.assign(text);
        text_length = text.size();
        data_is_text = true;
        return true;
      })) {
    return false;
  }
  if (!detail::at_document_end(doc)) return fail(run.fault, DecodeError::TrailingContent, "");
  if (!found) {
    doc.rewind();
    return decode_document_root(event, doc, "", run);
  }
  if (!data_is_text) return true;
  od::document inner;
  if (auto e = parser.iterate(payload.data(), text_length, payload.allocated()).get(inner)) {
    return json_fail(run.fault, e, "data");
  }
  return decode_document_root(event, inner, "data", run);
}

CoinDcxStreamDecoder::CoinDcxStreamDecoder(std::size_t max_frame_bytes)
    : impl_(std::make_unique<Impl>(max_frame_bytes)), max_frame_bytes_(max_frame_bytes) {}

CoinDcxStreamDecoder::~CoinDcxStreamDecoder() = default;

DecodeOutcome CoinDcxStreamDecoder::decode(std::string_view event_name, std::string_view args_json,
                                           StreamSink& sink) noexcept {
  ++counters_.frames;
  const CoinDcxEvent event = coindcx_event_from_name(event_name);
  if (event == CoinDcxEvent::Unknown) {
    ++counters_.unknown_events;
    return DecodeOutcome{DecodeStatus::UnknownEvent, DecodeError::None, 0, {}, {}};
  }
  if (args_json.size() > max_frame_bytes_ || !impl_->ready) {
    return finish(DecodeOutcome{DecodeStatus::Malformed,
                                DecodeError::TooLarge,
                                0,
                                {},
                                impl_->ready ? "longer than max_frame_bytes" : "no parser memory"});
  }
  Run run{sink, 0, {}};
  const bool ok = impl_->decode(event, args_json, run);
  if (ok) return finish(DecodeOutcome{DecodeStatus::Decoded, DecodeError::None, run.items, {}, {}});
  return finish(DecodeOutcome{DecodeStatus::Malformed, run.fault.error, run.items, run.fault.field,
                              run.fault.detail});
}

DecodeOutcome CoinDcxStreamDecoder::finish(DecodeOutcome outcome) noexcept {
  counters_.items += outcome.items;
  if (outcome.status == DecodeStatus::Malformed) {
    ++counters_.malformed;
    last_reason_ = describe(outcome);
  }
  return outcome;
}

}  // namespace scalper::feed
