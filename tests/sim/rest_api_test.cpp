// The CoinDCX REST surface: authentication, rate limit, paths, bodies and reply shapes.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <scalper/sim/json.hpp>
#include <scalper/sim/rest_api.hpp>

namespace scalper::sim {
namespace {

constexpr std::int64_t kNow = 1'761'400'000'000;
constexpr std::string_view kCreate = "/exchange/v1/derivatives/futures/orders/create";

JsonNode parse(std::string_view text) {
  std::string error;
  auto n = parse_json(text, error);
  EXPECT_TRUE(n.has_value()) << error << " in " << text;
  return n.value_or(JsonNode{});
}

JsonNode fixture(std::string_view name) {
  std::ifstream in(std::string(SCALPER_COINDCX_DIR) + "/" + std::string(name));
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

// Every field the documented example has, we have too, with a compatible JSON type (a
// documented null or "None" may be anything).
void expect_covers(const JsonNode& ours, const JsonNode& documented, std::string_view what) {
  ASSERT_EQ(ours.kind, JsonNode::Kind::Object) << what;
  for (const auto& [key, value] : documented.members) {
    const JsonNode* mine = ours.find(key);
    ASSERT_NE(mine, nullptr) << what << " lacks " << key;
    if (value.is_null() || value.text == "None" || mine->is_null()) continue;
    EXPECT_EQ(kind_name(mine->kind), kind_name(value.kind)) << what << "." << key;
  }
}

class RestApiTest : public ::testing::Test {
 protected:
  RestApiTest() : ex(ExchangeConfig{}), api(ex, ApiConfig{}) {}

  HttpReply call(std::string_view path, std::string body, std::int64_t now = kNow,
                 std::string method = "POST") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::string(path);
    r.api_key = "sim-key";
    r.signature = hmac_sha256_hex("sim-secret", body);
    r.body = std::move(body);
    return api.handle(r, now, events);
  }
  static std::string ts(std::int64_t now = kNow) { return R"("timestamp":)" + std::to_string(now); }
  static std::string order_body(std::string_view price, std::string_view qty = "0.01") {
    return "{" + ts() +
           R"(,"order":{"side":"buy","pair":"B-ETH_USDT","order_type":"limit_order","price":")" +
           std::string(price) + R"(","total_quantity":)" + std::string(qty) +
           R"(,"leverage":3,"notification":"no_notification","time_in_force":"good_till_cancel","margin_currency_short_name":"USDT"}})";
  }
  std::string create_id(std::string_view price = "3400.0") {
    const HttpReply r = call(kCreate, order_body(price));
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body).items.at(0).find("id")->text;
  }
  static std::string message(const HttpReply& r) { return parse(r.body).find("message")->text; }

  Exchange ex;
  CoinDcxApi api;
  Exchange::Events events;
};

TEST_F(RestApiTest, CreateAnswersAnArrayWithTheInitialOrderInTheDocumentedShape) {
  const HttpReply r = call(kCreate, order_body("3400.0"));
  ASSERT_EQ(r.status, 200) << r.body;
  const JsonNode body = parse(r.body);
  ASSERT_EQ(body.kind, JsonNode::Kind::Array);
  ASSERT_EQ(body.items.size(), 1u);
  const JsonNode& o = body.items[0];
  EXPECT_EQ(o.find("status")->text, "initial");
  EXPECT_EQ(o.find("price")->text, "3400.0");
  EXPECT_EQ(o.find("total_quantity")->text, "0.01");
  expect_covers(o, fixture("rest_create_order_response.json").items.at(0), "create reply");
  EXPECT_EQ(r.created_pair, "B-ETH_USDT");
  EXPECT_FALSE(events.empty());
}

TEST_F(RestApiTest, AuthenticationFailuresAre401WithAMessage) {
  const std::string body = order_body("3400.0");
  HttpRequest r{"POST", std::string(kCreate), "sim-key", "00", body};
  EXPECT_EQ(api.handle(r, kNow, events).status, 401);
  EXPECT_EQ(message(api.handle(r, kNow, events)), "Invalid signature");
  r.signature = hmac_sha256_hex("sim-secret", body + " ");  // not the bytes sent
  EXPECT_EQ(api.handle(r, kNow, events).status, 401);
  r.signature = hmac_sha256_hex("sim-secret", body);
  r.api_key = "other-key";
  EXPECT_EQ(message(api.handle(r, kNow, events)), "Invalid API key");
  r.api_key.clear();
  EXPECT_EQ(api.handle(r, kNow, events).status, 401);
  // Stale and future timestamps.
  EXPECT_EQ(message(call(kCreate, order_body("3400.0"), kNow + 10'001)),
            "Request timestamp is too old");
  EXPECT_EQ(call(kCreate, order_body("3400.0"), kNow + 10'000).status, 200);
  EXPECT_EQ(message(call(kCreate, order_body("3400.0"), kNow - 5'001)),
            "Request timestamp is in the future");
  EXPECT_EQ(message(call(kCreate, R"({"order":{}})")), "timestamp is missing");
  EXPECT_EQ(ex.orders({}).size(), 1u) << "only the one good call placed an order";
}

TEST_F(RestApiTest, RateLimitAnswers429WithRetryAfter) {
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    const HttpReply r = call("/exchange/v1/derivatives/futures/wallets", "{" + ts() + "}");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(message(r), "Too many requests");
      ASSERT_EQ(r.headers.size(), 1u);
      EXPECT_EQ(r.headers[0].first, "Retry-After");
    }
  }
  EXPECT_EQ(ok, 16);
  EXPECT_EQ(limited, 4);
  EXPECT_EQ(call("/exchange/v1/derivatives/futures/wallets", "{" + ts() + "}", kNow + 1000).status,
            200);
}

TEST_F(RestApiTest, BadBodiesAre400NamingTheProblem) {
  EXPECT_EQ(message(call(kCreate, "{" + ts() + ",")).substr(0, 14), "malformed JSON");
  EXPECT_EQ(message(call(kCreate, "[1]")), "body must be a JSON object");
  EXPECT_EQ(message(call(kCreate, "{" + ts() + "}")), "order is missing");
  EXPECT_EQ(message(call(kCreate, "{" + ts() + R"(,"order":[]})")), "order must be an object");
  std::string wrong = order_body("3400.0");
  wrong.replace(wrong.find(R"("total_quantity":0.01)"), 21, R"("total_quantity":{"a":1})");
  EXPECT_EQ(message(call(kCreate, wrong)), "total_quantity must be a number, not object");
  std::string side = order_body("3400.0");
  side.replace(side.find(R"("side":"buy")"), 12, R"("side":1)");
  EXPECT_EQ(message(call(kCreate, side)), "side must be a string, not number");
  std::string type = order_body("3400.0");
  type.replace(type.find("limit_order"), 11, "stop_limit");
  EXPECT_EQ(call(kCreate, type).status, 400);
  EXPECT_EQ(message(call(kCreate, order_body("3400.005"))), "Price should be divisible by 0.01");
  EXPECT_EQ(call(kCreate, order_body("3400.0", "100")).status, 422);
}

TEST_F(RestApiTest, UnknownPathsAndWrongMethods) {
  EXPECT_EQ(call("/exchange/v1/derivatives/futures/orders/nope", "{}").status, 404);
  EXPECT_EQ(call("/nope", "{}").status, 404);
  EXPECT_EQ(call(kCreate, order_body("3400.0"), kNow, "GET").status, 405);
  EXPECT_EQ(
      call("/exchange/v1/derivatives/futures/data/active_instruments", "", kNow, "POST").status,
      405);
  EXPECT_EQ(parse(call("/nope", "{}").body).find("status")->text, "error");
}

TEST_F(RestApiTest, CancelAnswersTheDocumentedSuccessShape) {
  const std::string id = create_id();
  const HttpReply r = call("/exchange/v1/derivatives/futures/orders/cancel",
                           "{" + ts() + R"(,"id":")" + id + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  const JsonNode documented = fixture("rest_cancel_order_response.json");
  const JsonNode ours = parse(r.body);
  for (const auto& [k, v] : documented.members) EXPECT_EQ(ours.find(k)->text, v.text) << k;
  const HttpReply again = call("/exchange/v1/derivatives/futures/orders/cancel",
                               "{" + ts() + R"(,"id":")" + id + "\"}");
  EXPECT_EQ(again.status, 422);
}

TEST_F(RestApiTest, EditAnswersAnArrayOfTheEditedOrder) {
  const std::string id = create_id();
  const HttpReply r =
      call("/exchange/v1/derivatives/futures/orders/edit",
           "{" + ts() + R"(,"id":")" + id + R"(","total_quantity":0.02,"price":3390.5})");
  ASSERT_EQ(r.status, 200) << r.body;
  const JsonNode reply = parse(r.body);
  const JsonNode& o = reply.items.at(0);
  EXPECT_EQ(o.find("price")->text, "3390.5");
  EXPECT_EQ(o.find("display_message")->text, "Order edited successfully");
  expect_covers(o, fixture("rest_edit_order_response.json").items.at(0), "edit reply");
}

TEST_F(RestApiTest, ListOrdersFiltersByStatusAndPages) {
  const std::string a = create_id("3400.0");
  const std::string b = create_id("3300.0");
  const std::string c = create_id("3250.0");
  ASSERT_EQ(
      call("/exchange/v1/derivatives/futures/orders/cancel", "{" + ts() + R"(,"id":")" + b + "\"}")
          .status,
      200);
  auto list = [&](std::string filter) {
    std::vector<std::string> ids;
    const HttpReply r = call("/exchange/v1/derivatives/futures/orders", "{" + ts() + filter + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& o : parse(r.body).items) ids.push_back(o.find("id")->text);
    return ids;
  };
  EXPECT_EQ(
      list(R"(,"status":"open","page":"1","size":"10","margin_currency_short_name":["USDT"])"),
      (std::vector<std::string>{c, a}));
  EXPECT_EQ(list(R"(,"status":"open,cancelled")"), (std::vector<std::string>{c, b, a}));
  EXPECT_EQ(list(R"(,"status":"CANCELED")"), (std::vector<std::string>{b}));
  EXPECT_EQ(list(R"(,"page":"2","size":"2")"), (std::vector<std::string>{a}));
  EXPECT_EQ(
      call("/exchange/v1/derivatives/futures/orders", "{" + ts() + R"(,"status":"bogus"})").status,
      400);
  EXPECT_EQ(call("/exchange/v1/derivatives/futures/orders", "{" + ts() + R"(,"size":"0"})").status,
            400);
}

TEST_F(RestApiTest, PositionsWalletsAndTradesMatchTheDocumentedShapes) {
  (void)call(kCreate, order_body("3600.0"));  // marketable: fills now
  const JsonNode positions = parse(
      call("/exchange/v1/derivatives/futures/positions", "{" + ts() + R"(,"pairs":"B-ETH_USDT"})")
          .body);
  ASSERT_EQ(positions.items.size(), 1u);
  EXPECT_EQ(positions.items[0].find("active_pos")->text, "0.01");
  expect_covers(positions.items[0], fixture("rest_list_positions_response.json").items.at(0),
                "position");
  const HttpReply wallets =
      call("/exchange/v1/derivatives/futures/wallets", "{" + ts() + "}", kNow, "GET");
  ASSERT_EQ(wallets.status, 200);
  expect_covers(parse(wallets.body).items.at(0), fixture("rest_wallets_response.json").items.at(0),
                "wallet");
  const JsonNode trades =
      parse(call("/exchange/v1/derivatives/futures/trades", "{" + ts() + R"(,"pair":"B-ETH_USDT"})")
                .body);
  ASSERT_EQ(trades.items.size(), 1u);
  expect_covers(trades.items[0], fixture("rest_trades_response.json").items.at(0), "trade");
}

TEST_F(RestApiTest, PublicInstrumentAndActiveInstruments) {
  HttpReply r = call(
      "/exchange/v1/derivatives/futures/data/"
      "instrument?pair=B-ETH_USDT&margin_currency_short_name=USDT",
      "", kNow, "GET");
  ASSERT_EQ(r.status, 200) << r.body;
  expect_covers(*parse(r.body).find("instrument"),
                *fixture("rest_instrument_details_response.json").find("instrument"), "instrument");
  r = call("/exchange/v1/derivatives/futures/data/instrument?pair=B-NOPE_USDT", "", kNow, "GET");
  EXPECT_EQ(r.status, 404);
  r = call(
      "/exchange/v1/derivatives/futures/data/active_instruments?margin_currency_short_name[]=USDT",
      "", kNow, "GET");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse(r.body).items.at(0).text, "B-BTC_USDT");
}

TEST_F(RestApiTest, InjectedFaults) {
  api.faults().fail_5xx = 1;
  EXPECT_EQ(call(kCreate, order_body("3400.0")).status, 503);
  EXPECT_TRUE(ex.orders({}).empty()) << "a 5xx did nothing";
  api.faults().fail_429 = 1;
  EXPECT_EQ(call(kCreate, order_body("3400.0")).status, 429);
  api.faults().hang_creates = 1;
  const HttpReply hung = call(kCreate, order_body("3400.0"));
  EXPECT_TRUE(hung.hang);
  EXPECT_EQ(ex.orders({}).size(), 1u) << "the unanswered order is live";
  EXPECT_FALSE(call(kCreate, order_body("3300.0")).hang);
}

TEST(QueryParam, DecodesAndAcceptsArraySyntax) {
  EXPECT_EQ(query_param("pair=B-ETH_USDT&x=1", "pair"), "B-ETH_USDT");
  EXPECT_EQ(query_param("margin_currency_short_name%5B%5D=USDT", "margin_currency_short_name"),
            "USDT");
  EXPECT_EQ(query_param("a=%41%2", "a"), "A%2");
  EXPECT_EQ(query_param("a=1", "b"), "");
}

}  // namespace
}  // namespace scalper::sim
