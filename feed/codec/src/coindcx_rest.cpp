#include "scalper/feed/coindcx_rest.hpp"

#include <array>

#include "json_read.hpp"

namespace scalper::feed {
namespace {

using detail::fail;
using detail::Fault;
using detail::json_fail;
namespace od = detail::od;

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view text, std::string_view lower) noexcept {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (ascii_lower(text[i]) != lower[i]) return false;
  }
  return true;
}

// The start of a body that is not a JSON error, printable: for a person reading the reason
// (an HTML page from a proxy, a truncated answer).
void printable_prefix(std::string_view body, ReasonText& out) noexcept {
  std::array<char, ReasonText::kCapacity> text{};
  const std::size_t n = body.size() < text.size() ? body.size() : text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    text[i] = c >= 0x20 && c < 0x7F ? body[i] : '?';
  }
  out.assign_truncated(std::string_view(text.data(), n));
}

// A `status`/`code` member: absent, or 200 as a number or a string.
bool is_200(od::value& value) noexcept {
  Fault ignored;
  std::int64_t v = 0;
  return detail::read_integer(value, "code", v, ignored) && v == 200;
}

}  // namespace

struct CoinDcxRestDecoder::Impl {
  explicit Impl(std::size_t max_bytes) : body(max_bytes) {
    ready = detail::prepare_parser(parser, max_bytes) == simdjson::SUCCESS;
  }

  // Copies the body into the padded buffer and starts a document over it.
  simdjson::error_code start(std::string_view text, od::document& doc) noexcept {
    if (!ready) return simdjson::MEMALLOC;
    if (text.size() > body.capacity()) return simdjson::CAPACITY;
    body.assign(text);
    return parser.iterate(body.data(), text.size(), body.allocated()).get(doc);
  }

  od::parser parser;
  detail::PaddedBuffer body;
  bool ready = false;
};

CoinDcxRestDecoder::CoinDcxRestDecoder(std::size_t max_body_bytes)
    : impl_(std::make_unique<Impl>(max_body_bytes)), max_body_bytes_(max_body_bytes) {}

CoinDcxRestDecoder::~CoinDcxRestDecoder() = default;

DecodeOutcome CoinDcxRestDecoder::decode_orders(std::string_view body, OrderSink& sink) noexcept {
  ++counters_.frames;
  std::uint32_t items = 0;
  Fault fault;
  auto decode_all = [&]() -> bool {
    if (body.size() > max_body_bytes_) {
      return fail(fault, DecodeError::TooLarge, "", "longer than max_body_bytes");
    }
    od::document doc;
    if (auto e = impl_->start(body, doc)) return json_fail(fault, e, "");
    od::json_type type{};
    if (auto e = doc.type().get(type)) return json_fail(fault, e, "");
    if (type != od::json_type::array) {
      return fail(fault, DecodeError::WrongShape, "", "expected an array of orders");
    }
    od::array array;
    if (auto e = doc.get_array().get(array)) return json_fail(fault, e, "");
    for (auto element : array) {
      od::value value;
      if (auto e = std::move(element).get(value)) return json_fail(fault, e, "order");
      ExchangeOrder order;
      if (!detail::decode_order(value, order, fault)) return false;
      sink.on_order(order);
      ++items;
    }
    return detail::at_document_end(doc) || fail(fault, DecodeError::TrailingContent, "");
  };
  const bool ok = decode_all();
  counters_.items += items;
  if (ok) return DecodeOutcome{DecodeStatus::Decoded, DecodeError::None, items, {}, {}};
  const DecodeOutcome outcome{DecodeStatus::Malformed, fault.error, items, fault.field,
                              fault.detail};
  ++counters_.malformed;
  last_reason_ = describe(outcome);
  return outcome;
}

bool CoinDcxRestDecoder::decode_error(std::string_view body, ReasonText& reason) noexcept {
  reason.clear();
  od::document doc;
  od::object object;
  bool found_message = false;
  bool found_error = false;
  if (body.size() <= max_body_bytes_ && impl_->start(body, doc) == simdjson::SUCCESS &&
      doc.get_object().get(object) == simdjson::SUCCESS) {
    bool complete = true;
    for (auto member : object) {
      od::field field;
      if (std::move(member).get(field) != simdjson::SUCCESS) {
        complete = false;
        break;
      }
      const od::raw_json_string key = field.key();
      const bool is_message = key.unsafe_is_equal("message");
      if (!is_message && (found_message || !key.unsafe_is_equal("error"))) continue;
      std::string_view text;
      od::json_type type{};
      if (field.value().type().get(type) != simdjson::SUCCESS || type != od::json_type::string ||
          field.value().get_string().get(text) != simdjson::SUCCESS || text.empty()) {
        continue;
      }
      detail::assign_reason(reason, text);
      (is_message ? found_message : found_error) = true;
    }
    if (complete && detail::at_document_end(doc) && (found_message || found_error)) return true;
  }
  printable_prefix(body, reason);
  return false;
}

bool CoinDcxRestDecoder::decode_cancel_ack(std::string_view body) noexcept {
  od::document doc;
  od::object object;
  if (body.size() > max_body_bytes_ || impl_->start(body, doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  bool success = false;
  bool all_200 = true;
  for (auto member : object) {
    od::field field;
    if (std::move(member).get(field) != simdjson::SUCCESS) return false;
    const od::raw_json_string key = field.key();
    if (key.unsafe_is_equal("message")) {
      Fault ignored;
      std::string_view text;
      success =
          detail::read_string(field.value(), "message", text, ignored) && iequals(text, "success");
    } else if (key.unsafe_is_equal("status") || key.unsafe_is_equal("code")) {
      all_200 = all_200 && is_200(field.value());
    }
  }
  return success && all_200 && detail::at_document_end(doc);
}

}  // namespace scalper::feed
