#include "scalper/feed/decode_outcome.hpp"

#include <array>
#include <cstring>

namespace scalper::feed {

std::string_view to_string(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::None: return "none";
    case DecodeError::TooLarge: return "too large";
    case DecodeError::BadJson: return "not JSON";
    case DecodeError::NotAnEnvelope: return "not an event envelope";
    case DecodeError::WrongShape: return "wrong payload shape";
    case DecodeError::WrongType: return "wrong JSON type";
    case DecodeError::BadNumber: return "not a decimal";
    case DecodeError::BadInteger: return "not an integer";
    case DecodeError::BadSymbol: return "not a CoinDCX pair";
    case DecodeError::BadStatus: return "unknown order status";
    case DecodeError::BadSide: return "unknown side";
    case DecodeError::TooLong: return "too long";
    case DecodeError::MissingField: return "missing";
    case DecodeError::TrailingContent: return "trailing content";
  }
  return "?";
}

std::string_view to_string(DecodeStatus s) noexcept {
  switch (s) {
    case DecodeStatus::Decoded: return "decoded";
    case DecodeStatus::UnknownEvent: return "unknown event";
    case DecodeStatus::Malformed: return "malformed";
  }
  return "?";
}

ReasonText describe(const DecodeOutcome& outcome) noexcept {
  if (outcome.status != DecodeStatus::Malformed) return ReasonText{};
  // Longer than ReasonText on purpose: the parts are appended whole and the result cut once.
  std::array<char, 160> text{};
  std::size_t n = 0;
  auto append = [&](std::string_view part) {
    const std::size_t room = text.size() - n;
    const std::size_t k = part.size() < room ? part.size() : room;
    if (k != 0) std::memcpy(text.data() + n, part.data(), k);
    n += k;
  };
  if (!outcome.field.empty()) {
    append(outcome.field);
    append(": ");
  }
  append(to_string(outcome.error));
  if (!outcome.detail.empty()) {
    append(" (");
    append(outcome.detail);
    append(")");
  }
  return ReasonText::truncated(std::string_view(text.data(), n));
}

}  // namespace scalper::feed
