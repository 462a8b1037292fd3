#include <scalper/sim/rest_api.hpp>

#include <algorithm>

#include <scalper/sim/json.hpp>

namespace scalper::sim {
namespace {

constexpr std::string_view kFutures = "/exchange/v1/derivatives/futures";

HttpReply json_reply(std::string body, int status = 200) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpReply success_reply() { return json_reply(R"({"message":"success","status":200,"code":200})"); }

std::string_view strip_prefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix ? s.substr(prefix.size()) : std::string_view{};
}

// Reads "1,2,3"-style or array lists of strings (status filters, margin currencies, pairs).
std::vector<std::string> read_list(const JsonNode* n) {
  std::vector<std::string> v;
  if (n == nullptr) return v;
  auto split = [&](std::string_view s) {
    while (!s.empty()) {
      const auto comma = s.find(',');
      std::string_view item = s.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) v.emplace_back(item);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
  };
  if (n->kind == JsonNode::Kind::String) split(n->text);
  if (n->kind == JsonNode::Kind::Array) {
    for (const auto& item : n->items) {
      if (item.kind == JsonNode::Kind::String) split(item.text);
    }
  }
  return v;
}

// page/size arrive as strings in the samples ("1", "10") and as numbers from other clients.
std::string read_paging(const JsonNode& body, std::int64_t& page, std::int64_t& size) {
  std::optional<std::int64_t> p, s;
  if (auto e = read_int(body, "page", Presence::Optional, p); !e.empty()) return e;
  if (auto e = read_int(body, "size", Presence::Optional, s); !e.empty()) return e;
  page = p.value_or(1);
  size = s.value_or(10);
  if (page < 1) return "page must be at least 1";
  if (size < 1 || size > 1000) return "size must be between 1 and 1000";
  return {};
}

template <class T, class Write>
std::string write_page(const std::vector<T>& all, std::int64_t page, std::int64_t size,
                       Write&& write_item) {
  JsonWriter w;
  w.begin_array();
  const auto first = static_cast<std::size_t>((page - 1) * size);
  for (std::size_t i = first; i < all.size() && i < first + static_cast<std::size_t>(size); ++i) {
    write_item(w, all[i]);
  }
  w.end_array();
  return w.take();
}

std::string read_side(const JsonNode& obj, Presence presence, std::optional<Side>& out) {
  out.reset();
  std::optional<std::string> s;
  if (auto e = read_string(obj, "side", presence, s); !e.empty()) return e;
  if (!s) return {};
  if (*s == "buy") {
    out = Side::Buy;
  } else if (*s == "sell") {
    out = Side::Sell;
  } else {
    return "side must be buy or sell";
  }
  return {};
}

// The create body nests its fields under "order" (docs/architecture.md §7.3).
std::string read_order_request(const JsonNode& body, OrderRequest& req) {
  const JsonNode* o = body.find("order");
  if (o == nullptr) return "order is missing";
  if (o->kind != JsonNode::Kind::Object) return "order must be an object";
  std::optional<std::string> pair, type, tif, notification, ccy, margin_type;
  std::optional<Side> side;
  std::optional<Decimal> price, qty;
  std::optional<std::int64_t> leverage;
  for (auto e :
       {read_string(*o, "pair", Presence::Required, pair), read_side(*o, Presence::Required, side),
        read_string(*o, "order_type", Presence::Required, type),
        read_decimal(*o, "total_quantity", Presence::Required, qty),
        read_decimal(*o, "price", Presence::Optional, price),
        read_int(*o, "leverage", Presence::Optional, leverage),
        read_string(*o, "time_in_force", Presence::Optional, tif),
        read_string(*o, "notification", Presence::Optional, notification),
        read_string(*o, "margin_currency_short_name", Presence::Optional, ccy),
        read_string(*o, "position_margin_type", Presence::Optional, margin_type)}) {
    if (!e.empty()) return e;
  }
  req.pair = *pair;
  req.side = *side;
  // Both the sample names and the request table's short names (docs/architecture.md §7.3).
  if (*type == "limit_order" || *type == "limit") {
    req.type = OrderType::Limit;
  } else if (*type == "market_order" || *type == "market") {
    req.type = OrderType::Market;
  } else {
    return "order_type " + *type + " is not supported by the simulator";
  }
  if (req.type == OrderType::Limit && !price) return "price is missing";
  req.price = price;
  req.quantity = *qty;
  req.leverage = leverage.value_or(1);
  if (tif) {
    if (*tif != "good_till_cancel" && *tif != "immediate_or_cancel" && *tif != "fill_or_kill") {
      return "time_in_force must be good_till_cancel, immediate_or_cancel or fill_or_kill";
    }
    req.time_in_force = *tif;
  }
  if (notification) req.notification = *notification;
  if (ccy) req.margin_currency = *ccy;
  if (margin_type) {
    if (*margin_type != "isolated" && *margin_type != "crossed") {
      return "position_margin_type must be isolated or crossed";
    }
    req.position_margin_type = *margin_type;
  }
  return {};
}

}  // namespace

HttpReply error_reply(int status, std::string_view message) {
  JsonWriter w;
  w.begin_object();
  w.key("code").integer(status);
  w.key("message").string(message);
  w.key("status").string("error");
  w.end_object();
  return json_reply(w.take(), status);
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const auto eq = item.find('=');
    const std::string name = url_decode(item.substr(0, eq));
    if (name == key || name == std::string(key) + "[]") {
      return eq == std::string_view::npos ? std::string() : url_decode(item.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

CoinDcxApi::CoinDcxApi(Exchange& exchange, ApiConfig config)
    : exchange_(exchange),
      config_(std::move(config)),
      rate_(config_.rate_per_second, config_.rate_per_minute) {}

HttpReply CoinDcxApi::handle(const HttpRequest& req, std::int64_t now_ms, Exchange::Events& out) {
  const std::string_view target = req.target;
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  // Public market data: GET, no signature.
  if (path.starts_with(std::string(kFutures) + "/data/") || path.starts_with("/market_data/")) {
    if (req.method != "GET") return error_reply(405, "Method Not Allowed");
    return handle_public(path, query);
  }
  const std::string_view sub = strip_prefix(path, kFutures);
  if (sub.empty()) return error_reply(404, "Not Found");
  const bool is_get = sub == "/wallets";  // documented as a GET with a JSON body
  if (req.method != "POST" && !(is_get && req.method == "GET")) {
    return error_reply(405, "Method Not Allowed");
  }
  return handle_private(sub, req, now_ms, out);
}

HttpReply CoinDcxApi::handle_private(std::string_view path, const HttpRequest& req,
                                     std::int64_t now_ms, Exchange::Events& out) {
  static const std::vector<std::string_view> kKnown = {"/orders/create",
                                                       "/orders/cancel",
                                                       "/orders/edit",
                                                       "/orders",
                                                       "/positions",
                                                       "/positions/update_leverage",
                                                       "/positions/cancel_all_open_orders",
                                                       "/trades",
                                                       "/wallets"};
  if (std::find(kKnown.begin(), kKnown.end(), path) == kKnown.end()) {
    return error_reply(404, "Not Found");
  }
  // Authentication first: the exchange answers 401 before looking at anything else.
  if (req.api_key.empty() || req.signature.empty()) {
    return error_reply(401,
                       "Authentication headers X-AUTH-APIKEY and X-AUTH-SIGNATURE are required");
  }
  if (!signature_matches(config_.api_key, req.api_key)) {
    return error_reply(401, "Invalid API key");
  }
  if (!rate_.admit(now_ms)) {
    HttpReply r = error_reply(429, "Too many requests");
    r.headers.emplace_back("Retry-After", std::to_string(rate_.retry_after_s(now_ms)));
    return r;
  }
  if (!signature_matches(hmac_sha256_hex(config_.api_secret, req.body), req.signature)) {
    return error_reply(401, "Invalid signature");
  }
  auto counted = calls_.find(path);
  if (counted == calls_.end()) counted = calls_.emplace(std::string(path), 0).first;
  ++counted->second;
  if (faults_.fail_429 > 0) {
    --faults_.fail_429;
    HttpReply r = error_reply(429, "Too many requests");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (faults_.fail_5xx > 0) {
    --faults_.fail_5xx;
    return error_reply(503, "Service Unavailable");
  }

  std::string error;
  auto body = parse_json(req.body, error);
  if (!body) return error_reply(400, error);
  if (body->kind != JsonNode::Kind::Object) return error_reply(400, "body must be a JSON object");
  std::optional<std::int64_t> ts;
  if (auto e = read_int(*body, "timestamp", Presence::Required, ts); !e.empty()) {
    return error_reply(401, e);
  }
  if (now_ms - *ts > config_.max_timestamp_age_ms) {
    return error_reply(401, "Request timestamp is too old");
  }
  if (*ts - now_ms > config_.max_timestamp_skew_ms) {
    return error_reply(401, "Request timestamp is in the future");
  }

  if (path == "/orders/create") {
    OrderRequest order;
    if (auto e = read_order_request(*body, order); !e.empty()) return error_reply(400, e);
    auto result = exchange_.place(order, now_ms, out);
    if (auto* r = std::get_if<Reject>(&result)) return error_reply(r->http_status, r->message);
    JsonWriter w;
    w.begin_array();
    write_order_json(w, std::get<SimOrder>(result), false);
    w.end_array();
    HttpReply reply = json_reply(w.take());
    reply.created_pair = order.pair;
    if (faults_.hang_creates > 0) {
      --faults_.hang_creates;
      reply.hang = true;
    }
    return reply;
  }
  if (path == "/orders/cancel") {
    std::optional<std::string> id;
    if (auto e = read_string(*body, "id", Presence::Required, id); !e.empty()) {
      return error_reply(400, e);
    }
    if (auto r = exchange_.cancel(*id, now_ms, out)) return error_reply(r->http_status, r->message);
    return success_reply();
  }
  if (path == "/orders/edit") {
    std::optional<std::string> id;
    std::optional<Decimal> qty, price;
    for (auto e : {read_string(*body, "id", Presence::Required, id),
                   read_decimal(*body, "total_quantity", Presence::Required, qty),
                   read_decimal(*body, "price", Presence::Required, price)}) {
      if (!e.empty()) return error_reply(400, e);
    }
    auto result = exchange_.edit(*id, *qty, *price, now_ms, out);
    if (auto* r = std::get_if<Reject>(&result)) return error_reply(r->http_status, r->message);
    JsonWriter w;
    w.begin_array();
    write_order_json(w, std::get<SimOrder>(result), false);
    w.end_array();
    return json_reply(w.take());
  }
  if (path == "/orders") {
    OrderFilter filter;
    std::optional<std::string> status_text;
    if (auto e = read_string(*body, "status", Presence::Optional, status_text); !e.empty()) {
      return error_reply(400, e);
    }
    for (const auto& s : read_list(body->find("status"))) {
      auto st = parse_status(s);
      if (!st) return error_reply(400, "status " + s + " is not an order status");
      filter.statuses.push_back(*st);
    }
    std::optional<Side> side;
    if (auto e = read_side(*body, Presence::Optional, side); !e.empty()) return error_reply(400, e);
    filter.side = side;
    const auto ccys = read_list(body->find("margin_currency_short_name"));
    if (!ccys.empty()) filter.margin_currency = ccys.front();
    std::int64_t page = 1, size = 10;
    if (auto e = read_paging(*body, page, size); !e.empty()) return error_reply(400, e);
    const auto list = exchange_.orders(filter);
    return json_reply(write_page(list, page, size, [&](JsonWriter& w, const SimOrder* o) {
      write_order_json(w, *o, false);
    }));
  }
  if (path == "/positions") {
    std::int64_t page = 1, size = 10;
    if (auto e = read_paging(*body, page, size); !e.empty()) return error_reply(400, e);
    const auto pairs = read_list(body->find("pairs"));
    std::vector<const SimPosition*> list;
    for (const SimPosition* p : exchange_.positions()) {
      if (pairs.empty() || std::find(pairs.begin(), pairs.end(), p->pair) != pairs.end()) {
        list.push_back(p);
      }
    }
    return json_reply(write_page(list, page, size, [&](JsonWriter& w, const SimPosition* p) {
      write_position_json(w, *p, exchange_.last_price(p->pair).value_or(Decimal{}));
    }));
  }
  if (path == "/positions/update_leverage") {
    std::optional<std::string> pair;
    std::optional<std::int64_t> leverage;
    for (auto e : {read_string(*body, "pair", Presence::Required, pair),
                   read_int(*body, "leverage", Presence::Required, leverage)}) {
      if (!e.empty()) return error_reply(400, e);
    }
    if (auto r = exchange_.update_leverage(*pair, *leverage, now_ms, out)) {
      return error_reply(r->http_status, r->message);
    }
    return success_reply();
  }
  if (path == "/positions/cancel_all_open_orders") {
    const auto ccys = read_list(body->find("margin_currency_short_name"));
    if (ccys.empty()) {
      (void)exchange_.cancel_all("", now_ms, out);
    } else {
      for (const auto& c : ccys) (void)exchange_.cancel_all(c, now_ms, out);
    }
    return success_reply();
  }
  if (path == "/trades") {
    std::optional<std::string> pair, order_id;
    for (auto e : {read_string(*body, "pair", Presence::Optional, pair),
                   read_string(*body, "order_id", Presence::Optional, order_id)}) {
      if (!e.empty()) return error_reply(400, e);
    }
    std::int64_t page = 1, size = 10;
    if (auto e = read_paging(*body, page, size); !e.empty()) return error_reply(400, e);
    std::vector<const SimFill*> list;
    const auto& fills = exchange_.fills();
    for (auto it = fills.rbegin(); it != fills.rend(); ++it) {
      if (pair && it->pair != *pair) continue;
      if (order_id && it->order_id != *order_id) continue;
      list.push_back(&*it);
    }
    return json_reply(write_page(list, page, size,
                                 [](JsonWriter& w, const SimFill* f) { write_fill_json(w, *f); }));
  }
  // "/wallets"
  JsonWriter w;
  w.begin_array();
  for (const SimWallet* wal : exchange_.wallets()) write_wallet_json(w, *wal);
  w.end_array();
  return json_reply(w.take());
}

HttpReply CoinDcxApi::handle_public(std::string_view path, std::string_view query) const {
  const std::string futures(kFutures);
  if (path == futures + "/data/active_instruments") {
    JsonWriter w;
    w.begin_array();
    for (const auto& s : exchange_.instruments()) w.string(s.pair);
    w.end_array();
    return json_reply(w.take());
  }
  if (path == futures + "/data/instrument") {
    const std::string pair = query_param(query, "pair");
    if (pair.empty()) return error_reply(400, "pair is missing");
    const InstrumentSpec* spec = exchange_.instrument(pair);
    if (spec == nullptr) return error_reply(404, "Instrument " + pair + " not found");
    JsonWriter w;
    w.begin_object().key("instrument");
    write_instrument_json(w, *spec);
    w.end_object();
    return json_reply(w.take());
  }
  if (path == futures + "/data/trades") {
    const std::string pair = query_param(query, "pair");
    if (exchange_.instrument(pair) == nullptr)
      return error_reply(400, "pair is missing or unknown");
    JsonWriter w;
    w.begin_array();
    const Decimal p = exchange_.last_price(pair).value_or(Decimal{});
    w.begin_object()
        .key("price")
        .number(p)
        .key("quantity")
        .number(exchange_.instrument(pair)->trade_quantity);
    w.key("is_maker").boolean(false).end_object();
    w.end_array();
    return json_reply(w.take());
  }
  if (path == "/market_data/v3/current_prices/futures/rt") {
    JsonWriter w;
    w.begin_object().key("prices").begin_object();
    for (const auto& s : exchange_.instruments()) {
      w.key(s.pair).begin_object();
      w.key("mp").number(exchange_.last_price(s.pair).value_or(Decimal{}));
      w.key("ls").number(exchange_.last_price(s.pair).value_or(Decimal{}));
      w.end_object();
    }
    w.end_object().end_object();
    return json_reply(w.take());
  }
  return error_reply(404, "Not Found");
}

}  // namespace scalper::sim
