// REST bodies: the documented create, edit, list and cancel responses, error bodies (CoinDCX's
// and our simulator's), malformed bodies, and no allocation per body.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "codec_test_support.hpp"
#include "scalper/feed/coindcx_rest.hpp"

namespace scalper::feed {
namespace {

using test::dec;
using test::fixture;

struct Orders : OrderSink {
  void on_order(const ExchangeOrder& o) override { all.push_back(o); }
  std::vector<ExchangeOrder> all;
};

TEST(CoinDcxRest, CreateOrderResponse) {
  CoinDcxRestDecoder decoder;
  Orders sink;
  const DecodeOutcome r = decoder.decode_orders(fixture("rest_create_order_response.json"), sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  EXPECT_EQ(r.items, 1u);
  ASSERT_EQ(sink.all.size(), 1u);
  const ExchangeOrder& o = sink.all[0];
  EXPECT_EQ(o.exchange_id.view(), "c87ca633-6218-44ea-900b-e86981358cbd");
  EXPECT_EQ(o.symbol.view(), "ID/USDT");
  EXPECT_EQ(o.side, Side::Sell);
  EXPECT_EQ(o.status, ExchangeStatus::Initial);
  EXPECT_EQ(o.price, dec("0.2966"));
  EXPECT_EQ(o.total_qty, dec("33"));
  EXPECT_EQ(o.filled_qty, Decimal{});  // 33 − 33 remaining − 0 cancelled
  EXPECT_EQ(o.avg_price, Decimal{});
  EXPECT_EQ(o.fee, Decimal{});
  EXPECT_EQ(o.exchange_ts_ms, 1705647376759);
  EXPECT_EQ(o.venue, Venue::CoinDcxFutures);
  EXPECT_EQ(decoder.counters().frames, 1u);
  EXPECT_EQ(decoder.counters().items, 1u);
}

TEST(CoinDcxRest, EditOrderResponse) {
  CoinDcxRestDecoder decoder;
  Orders sink;
  const DecodeOutcome r = decoder.decode_orders(fixture("rest_edit_order_response.json"), sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  ASSERT_EQ(sink.all.size(), 1u);
  const ExchangeOrder& o = sink.all[0];
  EXPECT_EQ(o.exchange_id.view(), "dd456ab4-4a7d-11ef-a287-bf3cd92be693");
  EXPECT_EQ(o.symbol.view(), "USDC/USDT");
  EXPECT_EQ(o.side, Side::Buy);
  EXPECT_EQ(o.status, ExchangeStatus::Open);
  EXPECT_EQ(o.price, dec("0.999501"));
  EXPECT_EQ(o.total_qty, dec("12"));
  EXPECT_EQ(o.filled_qty, Decimal{});
  EXPECT_EQ(o.avg_price, Decimal{});
  EXPECT_EQ(o.fee, Decimal{});
  EXPECT_EQ(o.exchange_ts_ms, 1721908991520);
}

TEST(CoinDcxRest, ListOrdersResponse) {
  CoinDcxRestDecoder decoder;
  Orders sink;
  const DecodeOutcome r = decoder.decode_orders(fixture("rest_list_orders_response.json"), sink);
  ASSERT_TRUE(r.ok()) << describe(r).view();
  EXPECT_EQ(r.items, 2u);
  ASSERT_EQ(sink.all.size(), 2u);
  const ExchangeOrder& open = sink.all[0];
  EXPECT_EQ(open.exchange_id.view(), "714d2080-1fe3-4c6e-ba81-9d2ac9a46003");
  EXPECT_EQ(open.symbol.view(), "ETH/USDT");
  EXPECT_EQ(open.side, Side::Buy);
  EXPECT_EQ(open.status, ExchangeStatus::Open);
  EXPECT_EQ(open.price, dec("2037.69"));
  EXPECT_EQ(open.total_qty, dec("0.019"));
  EXPECT_EQ(open.filled_qty, Decimal{});
  EXPECT_EQ(open.avg_price, Decimal{});
  EXPECT_EQ(open.fee, Decimal{});
  EXPECT_EQ(open.exchange_ts_ms, 1705565256365);
  const ExchangeOrder& filled = sink.all[1];
  EXPECT_EQ(filled.exchange_id.view(), "ffb261ae-8010-4cec-b6e9-c111e0cc0c10");
  EXPECT_EQ(filled.symbol.view(), "ID/USDT");
  EXPECT_EQ(filled.side, Side::Buy);
  EXPECT_EQ(filled.status, ExchangeStatus::Filled);
  EXPECT_EQ(filled.price, dec("0.3312"));
  EXPECT_EQ(filled.avg_price, dec("0.3313"));
  EXPECT_EQ(filled.total_qty, dec("45"));
  EXPECT_EQ(filled.filled_qty, dec("45"));  // 45 − 0 − 0
  // 0.011181375 has nine places: half-even to eight rounds the odd 7 up.
  EXPECT_EQ(filled.fee, dec("0.01118138"));
  EXPECT_EQ(filled.exchange_ts_ms, 1705565061504);
}

TEST(CoinDcxRest, ListResponseUpperCaseStatuses) {
  CoinDcxRestDecoder decoder;
  Orders sink;
  std::string body = "[";
  const std::vector<std::pair<std::string_view, ExchangeStatus>> statuses = {
      {"OPEN", ExchangeStatus::Open},
      {"PARTIALLY_FILLED", ExchangeStatus::PartiallyFilled},
      {"FILLED", ExchangeStatus::Filled},
      {"CANCELED", ExchangeStatus::Cancelled},
      {"PARTIALLY_CANCELED", ExchangeStatus::PartiallyCancelled},
      {"REJECTED", ExchangeStatus::Rejected},
      {"UNTRIGGERED", ExchangeStatus::Untriggered}};
  for (const auto& [text, status] : statuses) {
    if (body.size() > 1) body += ',';
    body += R"({"id":"x","pair":"B-ETH_USDT","side":"BUY","status":")" + std::string(text) +
            R"(","price":"1"})";
  }
  body += "]";
  ASSERT_TRUE(decoder.decode_orders(body, sink).ok());
  ASSERT_EQ(sink.all.size(), statuses.size());
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_EQ(sink.all[i].status, statuses[i].second) << statuses[i].first;
  }
}

TEST(CoinDcxRest, EmptyListAndMalformedBodies) {
  CoinDcxRestDecoder decoder(1024);
  Orders sink;
  EXPECT_TRUE(decoder.decode_orders("[]", sink).ok());
  EXPECT_TRUE(decoder.decode_orders(" [ ]\r\n", sink).ok());
  struct Case {
    std::string body;
    DecodeError error;
    std::uint32_t delivered = 0;  // orders delivered before the fault was found
  };
  for (const Case& c :
       std::vector<Case>{{R"({"code":422,"message":"Insufficient funds","status":"error"})",
                          DecodeError::WrongShape},
                         {"", DecodeError::BadJson},
                         {"[", DecodeError::BadJson},
                         {R"([{"id":"x"}])", DecodeError::MissingField},
                         // simdjson refuses a root array not closed by the last token.
                         {R"([{"id":"x","pair":"B-ETH_USDT","side":"buy","status":"open"}] 1)",
                          DecodeError::BadJson},
                         {R"([{"id":"x","pair":"B-ETH_USDT","side":"buy","status":"open"}] [])",
                          DecodeError::TrailingContent, 1},
                         {"[" + std::string(2000, ' ') + "]", DecodeError::TooLarge},
                         {"<html>502 Bad Gateway</html>", DecodeError::BadJson}}) {
    Orders got;
    const DecodeOutcome r = decoder.decode_orders(c.body, got);
    EXPECT_EQ(r.status, DecodeStatus::Malformed) << c.body.substr(0, 80);
    EXPECT_EQ(r.items, c.delivered) << c.body.substr(0, 80);
    EXPECT_EQ(got.all.size(), c.delivered) << c.body.substr(0, 80);
    EXPECT_EQ(r.error, c.error) << c.body.substr(0, 80) << " -> " << describe(r).view();
    EXPECT_FALSE(decoder.last_malformed_reason().empty());
  }
  EXPECT_TRUE(sink.all.empty());
  EXPECT_EQ(decoder.counters().items, 1u);
  EXPECT_EQ(decoder.counters().malformed, 8u);
  EXPECT_EQ(decoder.counters().frames, 10u);
}

TEST(CoinDcxRest, CancelAck) {
  CoinDcxRestDecoder decoder;
  EXPECT_TRUE(decoder.decode_cancel_ack(fixture("rest_cancel_order_response.json")));
  EXPECT_TRUE(decoder.decode_cancel_ack(R"({"message":"success","status":200,"code":200})"));
  EXPECT_TRUE(decoder.decode_cancel_ack(R"({"message":"Success"})"));
  EXPECT_TRUE(decoder.decode_cancel_ack(R"({"code":"200","message":"success"})"));
  for (const std::string_view bad :
       {R"({"message":"success","status":422,"code":200})",
        R"({"message":"failure","status":200,"code":200})", R"({"status":200,"code":200})",
        R"({"code":404,"message":"Order not found","status":"error"})",
        R"([{"message":"success"}])", R"({"message":"success","status":200)", "", "success"}) {
    EXPECT_FALSE(decoder.decode_cancel_ack(bad)) << bad;
  }
}

TEST(CoinDcxRest, ErrorBodies) {
  CoinDcxRestDecoder decoder;
  ReasonText reason;
  // CoinDCX's documented shape, and exactly what our simulator's error_reply writes.
  EXPECT_TRUE(decoder.decode_error(
      R"({"code":422,"message":"Order leverage must be equal to position leverage","status":"error"})",
      reason));
  EXPECT_EQ(reason.view(), "Order leverage must be equal to position leverage");
  EXPECT_TRUE(decoder.decode_error(R"({"error":"Invalid API key"})", reason));
  EXPECT_EQ(reason.view(), "Invalid API key");
  // message wins over error, in either order.
  EXPECT_TRUE(decoder.decode_error(R"({"error":"e","message":"m"})", reason));
  EXPECT_EQ(reason.view(), "m");
  EXPECT_TRUE(decoder.decode_error(R"({"message":"m","error":"e"})", reason));
  EXPECT_EQ(reason.view(), "m");
  // Escapes are undone; long texts are cut to ReasonText at a character boundary.
  EXPECT_TRUE(decoder.decode_error(R"({"message":"Price \"x\" should be \u2264 0.01"})", reason));
  EXPECT_EQ(reason.view(), "Price \"x\" should be \u2264 0.01");
  const std::string long_text = std::string(78, 'a') + "\u00e9\u00e9";
  EXPECT_TRUE(decoder.decode_error(R"({"message":")" + long_text + "\"}", reason));
  EXPECT_EQ(reason.view(), std::string(78, 'a'));
  // Not an error body: false, and the body's printable start for a person.
  EXPECT_FALSE(decoder.decode_error("<html>\r\n502 Bad Gateway</html>", reason));
  EXPECT_EQ(reason.view(), "<html>??502 Bad Gateway</html>");
  EXPECT_FALSE(decoder.decode_error(R"({"code":500})", reason));
  EXPECT_EQ(reason.view(), R"({"code":500})");
  EXPECT_FALSE(decoder.decode_error(R"({"message":42})", reason));
  EXPECT_FALSE(decoder.decode_error(R"({"message":""})", reason));
  EXPECT_FALSE(decoder.decode_error("", reason));
  EXPECT_TRUE(reason.empty());
  EXPECT_FALSE(decoder.decode_error(std::string(200, 'x'), reason));
  EXPECT_EQ(reason.size(), ReasonText::kCapacity);
}

TEST(CoinDcxRest, NoAllocationPerBody) {
  const std::string list = fixture("rest_list_orders_response.json");
  const std::string error = R"({"code":422,"message":"Insufficient funds","status":"error"})";
  const std::string ack = R"({"message":"success","status":200,"code":200})";
  CoinDcxRestDecoder decoder;
  struct Count : OrderSink {
    void on_order(const ExchangeOrder&) override { ++n; }
    int n = 0;
  } sink;
  ReasonText reason;
  auto round = [&] {
    (void)decoder.decode_orders(list, sink);
    (void)decoder.decode_error(error, reason);
    (void)decoder.decode_cancel_ack(ack);
    (void)decoder.decode_orders("[{", sink);
  };
  round();
  const testing::AllocationScope allocs;
  for (int i = 0; i < 1000; ++i) round();
  EXPECT_EQ(allocs.count(), 0u);
  EXPECT_EQ(sink.n, 2 * 1001);
}

}  // namespace
}  // namespace scalper::feed
