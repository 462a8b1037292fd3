// Pairs, statuses and sides: every documented spelling, and the refusals.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "scalper/feed/coindcx_symbols.hpp"

namespace scalper::feed {
namespace {

std::string to_pair(std::string_view symbol, std::size_t room = 32) {
  std::array<char, 64> buf{};
  const std::size_t n = symbol_to_coindcx_pair(symbol, std::span<char>(buf.data(), room));
  return std::string(buf.data(), n);
}

TEST(CoinDcxSymbols, PairToSymbol) {
  Symbol s;
  ASSERT_TRUE(coindcx_pair_to_symbol("B-ETH_USDT", s));
  EXPECT_EQ(s.view(), "ETH/USDT");
  ASSERT_TRUE(coindcx_pair_to_symbol("B-1000SHIB_USDT", s));
  EXPECT_EQ(s.view(), "1000SHIB/USDT");
  ASSERT_TRUE(coindcx_pair_to_symbol("B-ID_USDT", s));
  EXPECT_EQ(s.view(), "ID/USDT");
  ASSERT_TRUE(coindcx_pair_to_symbol("KC-BTC_INR", s));  // any ecode of letters
  EXPECT_EQ(s.view(), "BTC/INR");
  // Exactly kMaxTickerLength (20) characters.
  ASSERT_TRUE(coindcx_pair_to_symbol("B-ABCDEFGHIJKLMNO_USDT", s));
  EXPECT_EQ(s.view(), "ABCDEFGHIJKLMNO/USDT");
}

TEST(CoinDcxSymbols, PairToSymbolRefusesAnythingElse) {
  for (const std::string_view bad : {"",
                                     "ETHUSDT",
                                     "BTCUSDT",
                                     "B-ETHUSDT",
                                     "ETH_USDT",
                                     "-ETH_USDT",
                                     "B-_USDT",
                                     "B-ETH_",
                                     "B-eth_USDT",
                                     "B-ETH_usdt",
                                     "B-ETH_USDT_X",
                                     "B-ETH-X_USDT",
                                     "B1-ETH_USDT",
                                     "B-ETH/USDT",
                                     "B-ETH_US DT",
                                     "B-ABCDEFGHIJKLMNOP_USDT" /* 21 chars */,
                                     "B-ETH_USDT ",
                                     " B-ETH_USDT",
                                     "B--ETH_USDT",
                                     "B-ÉTH_USDT"}) {
    Symbol s = Symbol::truncated("stale");
    EXPECT_FALSE(coindcx_pair_to_symbol(bad, s)) << bad;
    EXPECT_TRUE(s.empty()) << bad;
  }
}

TEST(CoinDcxSymbols, SymbolToPair) {
  EXPECT_EQ(to_pair("ETH/USDT"), "B-ETH_USDT");
  EXPECT_EQ(to_pair("1000SHIB/USDT"), "B-1000SHIB_USDT");
  EXPECT_EQ(to_pair("ABCDEFGHIJKLMNO/USDT"), "B-ABCDEFGHIJKLMNO_USDT");
  // The buffer must hold all of it: 10 chars for "B-ETH_USDT".
  EXPECT_EQ(to_pair("ETH/USDT", 10), "B-ETH_USDT");
  EXPECT_EQ(to_pair("ETH/USDT", 9), "");
  EXPECT_EQ(to_pair("ETH/USDT", 0), "");
}

TEST(CoinDcxSymbols, SymbolToPairRefusesBadSymbols) {
  for (const std::string_view bad :
       {"", "ETHUSDT", "/USDT", "ETH/", "eth/USDT", "ETH/usdt", "ETH/USDT/X", "ETH-USDT",
        "ETH_X/USDT", "ABCDEFGHIJKLMNOP/USDT" /* 21 */, "ETH /USDT", "B-ETH_USDT"}) {
    EXPECT_EQ(to_pair(bad), "") << bad;
  }
}

TEST(CoinDcxSymbols, RoundTrip) {
  for (const std::string_view pair : {"B-ETH_USDT", "B-BTC_USDT", "B-1000PEPE_USDT", "B-ID_INR"}) {
    Symbol s;
    ASSERT_TRUE(coindcx_pair_to_symbol(pair, s));
    EXPECT_EQ(to_pair(s.view()), pair);
  }
}

TEST(CoinDcxStatus, EverySpellingCaseInsensitive) {
  struct Case {
    std::string_view text;
    ExchangeStatus status;
  };
  for (const Case& c : {Case{"initial", ExchangeStatus::Initial},
                        Case{"init", ExchangeStatus::Initial},
                        Case{"INIT", ExchangeStatus::Initial},
                        Case{"open", ExchangeStatus::Open},
                        Case{"OPEN", ExchangeStatus::Open},
                        Case{"partially_filled", ExchangeStatus::PartiallyFilled},
                        Case{"PARTIALLY_FILLED", ExchangeStatus::PartiallyFilled},
                        Case{"filled", ExchangeStatus::Filled},
                        Case{"Filled", ExchangeStatus::Filled},
                        Case{"partially_cancelled", ExchangeStatus::PartiallyCancelled},
                        Case{"partially_canceled", ExchangeStatus::PartiallyCancelled},
                        Case{"PARTIALLY_CANCELED", ExchangeStatus::PartiallyCancelled},
                        Case{"cancelled", ExchangeStatus::Cancelled},
                        Case{"canceled", ExchangeStatus::Cancelled},
                        Case{"CANCELED", ExchangeStatus::Cancelled},
                        Case{"CANCELLED", ExchangeStatus::Cancelled},
                        Case{"rejected", ExchangeStatus::Rejected},
                        Case{"REJECTED", ExchangeStatus::Rejected},
                        Case{"untriggered", ExchangeStatus::Untriggered},
                        Case{"UNTRIGGERED", ExchangeStatus::Untriggered}}) {
    ExchangeStatus s = ExchangeStatus::Rejected;
    if (c.status == ExchangeStatus::Rejected) s = ExchangeStatus::Open;
    EXPECT_TRUE(parse_coindcx_status(c.text, s)) << c.text;
    EXPECT_EQ(s, c.status) << c.text;
  }
}

TEST(CoinDcxStatus, RefusesOthers) {
  for (const std::string_view bad : {"", "new", "cancel", "cancelledx", "partially filled",
                                     "partially-filled", " open", "open ", "expired", "in"}) {
    ExchangeStatus s = ExchangeStatus::Untriggered;
    EXPECT_FALSE(parse_coindcx_status(bad, s)) << bad;
    EXPECT_EQ(s, ExchangeStatus::Untriggered) << "untouched";
  }
}

TEST(CoinDcxSide, BuySellCaseInsensitive) {
  Side s = Side::Sell;
  EXPECT_TRUE(parse_coindcx_side("buy", s));
  EXPECT_EQ(s, Side::Buy);
  EXPECT_TRUE(parse_coindcx_side("SELL", s));
  EXPECT_EQ(s, Side::Sell);
  EXPECT_TRUE(parse_coindcx_side("Buy", s));
  EXPECT_EQ(s, Side::Buy);
  for (const std::string_view bad : {"", "b", "buyy", "short", "long", " sell"}) {
    s = Side::Sell;
    EXPECT_FALSE(parse_coindcx_side(bad, s)) << bad;
    EXPECT_EQ(s, Side::Sell);
  }
}

}  // namespace
}  // namespace scalper::feed
