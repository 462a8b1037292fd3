#include "scalper/feed/coindcx_symbols.hpp"

#include <array>
#include <cstring>

namespace scalper::feed {
namespace {

constexpr bool is_upper_alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
constexpr bool is_letter(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr char to_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool all_of(std::string_view s, bool (*pred)(char) noexcept) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool upper_alnum(char c) noexcept { return is_upper_alnum(c); }
bool letter(char c) noexcept { return is_letter(c); }

bool iequals(std::string_view text, std::string_view lower) noexcept {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (to_lower(text[i]) != lower[i]) return false;
  }
  return true;
}

struct StatusSpelling {
  std::string_view text;  // lower case
  ExchangeStatus status;
};
constexpr std::array<StatusSpelling, 11> kStatusSpellings{{
    {"initial", ExchangeStatus::Initial},
    {"init", ExchangeStatus::Initial},
    {"open", ExchangeStatus::Open},
    {"partially_filled", ExchangeStatus::PartiallyFilled},
    {"filled", ExchangeStatus::Filled},
    {"partially_cancelled", ExchangeStatus::PartiallyCancelled},
    {"partially_canceled", ExchangeStatus::PartiallyCancelled},
    {"cancelled", ExchangeStatus::Cancelled},
    {"canceled", ExchangeStatus::Cancelled},
    {"rejected", ExchangeStatus::Rejected},
    {"untriggered", ExchangeStatus::Untriggered},
}};

}  // namespace

bool coindcx_pair_to_symbol(std::string_view pair, Symbol& out) noexcept {
  out.clear();
  const std::size_t dash = pair.find('-');
  if (dash == std::string_view::npos) return false;
  const std::string_view ecode = pair.substr(0, dash);
  const std::string_view instrument = pair.substr(dash + 1);
  const std::size_t underscore = instrument.find('_');
  if (underscore == std::string_view::npos) return false;
  const std::string_view base = instrument.substr(0, underscore);
  const std::string_view quote = instrument.substr(underscore + 1);
  if (!all_of(ecode, letter) || !all_of(base, upper_alnum) || !all_of(quote, upper_alnum)) {
    return false;
  }
  const std::size_t length = base.size() + 1 + quote.size();
  if (length > kMaxTickerLength) return false;
  std::array<char, kMaxTickerLength> text{};
  std::memcpy(text.data(), base.data(), base.size());
  text[base.size()] = '/';
  std::memcpy(text.data() + base.size() + 1, quote.data(), quote.size());
  return out.try_assign(std::string_view(text.data(), length));
}

std::size_t symbol_to_coindcx_pair(std::string_view symbol, std::span<char> out) noexcept {
  if (symbol.size() > kMaxTickerLength) return 0;
  const std::size_t slash = symbol.find('/');
  if (slash == std::string_view::npos) return 0;
  const std::string_view base = symbol.substr(0, slash);
  const std::string_view quote = symbol.substr(slash + 1);
  if (!all_of(base, upper_alnum) || !all_of(quote, upper_alnum)) return 0;
  const std::size_t length = kCoinDcxFuturesEcode.size() + 1 + symbol.size();
  if (out.size() < length) return 0;
  char* p = out.data();
  std::memcpy(p, kCoinDcxFuturesEcode.data(), kCoinDcxFuturesEcode.size());
  p += kCoinDcxFuturesEcode.size();
  *p++ = '-';
  std::memcpy(p, base.data(), base.size());
  p += base.size();
  *p++ = '_';
  std::memcpy(p, quote.data(), quote.size());
  return length;
}

bool parse_coindcx_status(std::string_view text, ExchangeStatus& out) noexcept {
  for (const StatusSpelling& s : kStatusSpellings) {
    if (iequals(text, s.text)) {
      out = s.status;
      return true;
    }
  }
  return false;
}

bool parse_coindcx_side(std::string_view text, Side& out) noexcept {
  if (iequals(text, "buy")) {
    out = Side::Buy;
    return true;
  }
  if (iequals(text, "sell")) {
    out = Side::Sell;
    return true;
  }
  return false;
}

}  // namespace scalper::feed
