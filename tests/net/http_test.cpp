// HTTP/1.1 client codec: exact request bytes (one shot and the in-place body path), response
// parsing (Content-Length, chunked, until close, 1xx, pipelining), every refusal with its
// error, limits, incremental feeding at every byte offset, and zero allocations.
#include "scalper/net/http.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"

namespace scalper::net {

// gtest finds these by argument-dependent lookup, so they live in the enums' namespace.
[[maybe_unused]] static void PrintTo(HttpParseError e, std::ostream* os) { *os << to_string(e); }
[[maybe_unused]] static void PrintTo(HttpWriteError e, std::ostream* os) { *os << to_string(e); }
[[maybe_unused]] static void PrintTo(HttpParseStatus s, std::ostream* os) {
  *os << (s == HttpParseStatus::Done ? "Done" : s == HttpParseStatus::Error ? "Error" : "NeedMore");
}

namespace {

using namespace std::string_view_literals;
using scalper::testing::AllocationScope;

constexpr std::string_view kCreateTarget = "/exchange/v1/derivatives/futures/orders/create";
constexpr std::string_view kCreateBody =
    R"({"timestamp":1700000000000,"order":{"side":"buy","pair":"B-BTC_USDT",)"
    R"("order_type":"limit_order","price":"37000.5","total_quantity":"0.001",)"
    R"("leverage":10,"notification":"no_notification","time_in_force":"good_till_cancel"}})";

std::span<char> span_of(std::string& s) { return {s.data(), s.size()}; }
const void* addr(const char* p) { return p; }

// ---------------------------------------------------------------------------------------------
// Request writer
// ---------------------------------------------------------------------------------------------

// A stand-in for the HMAC: 64 hex digits derived from the body (FNV-1a, repeated).
std::string fake_signature(std::string_view body) {
  std::uint64_t h = 1469598103934665603u;
  for (const char c : body) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211u;
  std::string out;
  for (int i = 0; i < 64; ++i) {
    out.push_back("0123456789abcdef"[(h >> ((i % 16) * 4)) & 0xF]);
  }
  return out;
}

TEST(HttpRequestWriter, WritesExactBytesForCoinDcxCreateOrder) {
  const std::string sig = fake_signature(kCreateBody);
  const std::array<HttpHeader, 2> extra{{{"X-AUTH-APIKEY", "key-123"}, {"X-AUTH-SIGNATURE", sig}}};
  HttpRequestHead head;
  head.target = kCreateTarget;
  head.host = "api.coindcx.com";
  head.extra = extra;

  std::array<char, 1024> buf{};
  RequestWriter w(buf);
  const HttpWriteResult r = w.write(head, kCreateBody);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  const std::string expected =
      "POST /exchange/v1/derivatives/futures/orders/create HTTP/1.1\r\n"
      "Host: api.coindcx.com\r\n"
      "Content-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(kCreateBody.size()) +
      "\r\n"
      "Connection: keep-alive\r\n"
      "X-AUTH-APIKEY: key-123\r\n"
      "X-AUTH-SIGNATURE: " +
      sig +
      "\r\n"
      "\r\n" +
      std::string(kCreateBody);
  EXPECT_EQ(std::string_view(r.message.data(), r.message.size()), expected);
  EXPECT_EQ(addr(r.message.data()), addr(buf.data()));
  EXPECT_EQ(r.size(), expected.size());
  EXPECT_EQ(RequestWriter::head_size(head, kCreateBody.size()),
            expected.size() - kCreateBody.size());
}

TEST(HttpRequestWriter, OptionalLines) {
  std::array<char, 512> buf{};
  RequestWriter w(buf);
  HttpRequestHead head;
  head.host = "h";
  head.target = "/x";

  head.keep_alive = false;
  HttpWriteResult r = w.write(head, "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(r.message.data(), r.size()),
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\nConnection: close\r\n\r\n{}");

  // POST without a body still says Content-Length: 0 (servers answer 411 otherwise).
  head.keep_alive = true;
  head.content_type = {};
  r = w.write(head, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(r.message.data(), r.size()),
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");

  // GET without a body has no Content-Length; GET with one (CoinDCX wallets) has it.
  head.method = "GET";
  r = w.write(head, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(r.message.data(), r.size()),
            "GET /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(RequestWriter::head_size(head, 0), r.size());
  head.content_type = "application/json";
  r = w.write(head, R"({"timestamp":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(r.message.data(), r.size()),
            "GET /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
            "Content-Length: 15\r\nConnection: keep-alive\r\n\r\n{\"timestamp\":1}");
}

TEST(HttpRequestWriter, BufferTooSmallAtEverySizeNeverTruncates) {
  HttpRequestHead head;
  head.target = kCreateTarget;
  head.host = "api.coindcx.com";
  std::vector<char> big(1024);
  const HttpWriteResult full = RequestWriter(big).write(head, kCreateBody);
  ASSERT_TRUE(full.ok());
  const std::string expected(full.message.data(), full.size());

  for (std::size_t n = 0; n < expected.size(); ++n) {
    std::vector<char> buf(n, '#');
    const HttpWriteResult r = RequestWriter(buf).write(head, kCreateBody);
    EXPECT_EQ(r.error, HttpWriteError::BufferTooSmall) << "size " << n;
    EXPECT_TRUE(r.message.empty());
    EXPECT_EQ(std::string(buf.begin(), buf.end()), std::string(n, '#')) << "touched at " << n;
  }
  std::vector<char> exact(expected.size());
  const HttpWriteResult r = RequestWriter(exact).write(head, kCreateBody);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(exact.begin(), exact.end()), expected);
}

TEST(HttpRequestWriter, RefusesInputsThatWouldBreakTheFraming) {
  struct Case {
    const char* what;
    HttpRequestHead head;
    HttpHeader extra;
    HttpWriteError expected;
  };
  HttpRequestHead ok;
  ok.target = "/a";
  ok.host = "h";
  auto with = [&](auto change) {
    HttpRequestHead h = ok;
    change(h);
    return h;
  };
  const std::vector<Case> cases = {
      {"empty method", with([](auto& h) { h.method = ""; }), {"X", "1"}, HttpWriteError::BadMethod},
      {"space in method",
       with([](auto& h) { h.method = "PO ST"; }),
       {"X", "1"},
       HttpWriteError::BadMethod},
      {"empty target", with([](auto& h) { h.target = ""; }), {"X", "1"}, HttpWriteError::BadTarget},
      {"space in target",
       with([](auto& h) { h.target = "/a b"; }),
       {"X", "1"},
       HttpWriteError::BadTarget},
      {"CRLF in target",
       with([](auto& h) { h.target = "/a\r\nX: 1"; }),
       {"X", "1"},
       HttpWriteError::BadTarget},
      {"empty host", with([](auto& h) { h.host = ""; }), {"X", "1"}, HttpWriteError::BadHost},
      {"LF in host",
       with([](auto& h) { h.host = "h\nX: 1"; }),
       {"X", "1"},
       HttpWriteError::BadHost},
      {"CR in content type",
       with([](auto& h) { h.content_type = "a\rb"; }),
       {"X", "1"},
       HttpWriteError::BadHeaderValue},
      {"empty name", ok, {"", "1"}, HttpWriteError::BadHeaderName},
      {"colon in name", ok, {"X:", "1"}, HttpWriteError::BadHeaderName},
      {"space in name", ok, {"X A", "1"}, HttpWriteError::BadHeaderName},
      {"CRLF in value", ok, {"X-AUTH-APIKEY", "k\r\nX-Evil: 1"}, HttpWriteError::BadHeaderValue},
      {"NUL in value", ok, {"X", "a\0b"sv}, HttpWriteError::BadHeaderValue},
      {"DEL in value", ok, {"X", "a\x7f"}, HttpWriteError::BadHeaderValue},
      {"Content-Length", ok, {"content-length", "5"}, HttpWriteError::ReservedHeader},
      {"Transfer-Encoding", ok, {"Transfer-Encoding", "chunked"}, HttpWriteError::ReservedHeader},
      {"Host", ok, {"HOST", "x"}, HttpWriteError::ReservedHeader},
      {"Connection", ok, {"Connection", "close"}, HttpWriteError::ReservedHeader},
      {"Content-Type", ok, {"Content-type", "text/plain"}, HttpWriteError::ReservedHeader},
  };
  std::array<char, 256> buf{};
  for (Case c : cases) {
    c.head.extra = std::span<const HttpHeader>(&c.extra, 1);
    RequestWriter w(buf);
    EXPECT_EQ(w.write(c.head, "{}").error, c.expected) << c.what;
    ASSERT_EQ(w.begin_body(128).size(), buf.size() - 128);
    EXPECT_EQ(w.finish_body(c.head, 2).error, c.expected) << c.what << " (in place)";
  }
  // HTAB and obs-text are allowed in values.
  const HttpHeader fine{"X-Note", "a\tb \xc3\xa9"};
  ok.extra = std::span<const HttpHeader>(&fine, 1);
  EXPECT_TRUE(RequestWriter(buf).write(ok, "{}").ok());
}

TEST(HttpRequestWriter, InPlaceBodyIsSignedAndSentWithoutCopying) {
  constexpr std::size_t kReserve = 400;
  std::array<char, 1024> buf{};
  RequestWriter w(buf);
  const std::span<char> area = w.begin_body(kReserve);
  ASSERT_EQ(addr(area.data()), addr(buf.data() + kReserve));
  ASSERT_EQ(area.size(), buf.size() - kReserve);

  // The gateway serialises the body straight into the area, then signs those bytes.
  kCreateBody.copy(area.data(), kCreateBody.size());
  const std::string_view body(area.data(), kCreateBody.size());
  const std::string sig = fake_signature(body);
  const std::array<HttpHeader, 2> extra{{{"X-AUTH-APIKEY", "key-123"}, {"X-AUTH-SIGNATURE", sig}}};
  HttpRequestHead head;
  head.target = kCreateTarget;
  head.host = "api.coindcx.com";
  head.extra = extra;
  const HttpWriteResult r = w.finish_body(head, body.size());
  ASSERT_TRUE(r.ok()) << to_string(r.error);

  const std::size_t head_bytes = RequestWriter::head_size(head, body.size());
  EXPECT_EQ(addr(r.message.data()),
            addr(buf.data() + kReserve - head_bytes));  // ends where the body begins
  EXPECT_EQ(r.size(), head_bytes + body.size());
  EXPECT_EQ(std::string_view(r.message.data() + head_bytes, body.size()), kCreateBody);

  // Byte-identical to the one-shot writer.
  std::array<char, 1024> other{};
  const HttpWriteResult one_shot = RequestWriter(other).write(head, kCreateBody);
  ASSERT_TRUE(one_shot.ok());
  EXPECT_EQ(std::string_view(r.message.data(), r.size()),
            std::string_view(one_shot.message.data(), one_shot.size()));
}

TEST(HttpRequestWriter, InPlaceWithATightReserveStartsAtTheFront) {
  const std::string sig(64, 'a');  // fixed width, so the reserve can be computed beforehand
  const std::array<HttpHeader, 2> extra{{{"X-AUTH-APIKEY", "k"}, {"X-AUTH-SIGNATURE", sig}}};
  HttpRequestHead head;
  head.target = "/o";
  head.host = "h";
  head.extra = extra;
  const std::size_t reserve = RequestWriter::head_size(head, 10);  // any 2-digit body
  std::vector<char> buf(reserve + 16);
  RequestWriter w(buf);
  const std::span<char> area = w.begin_body(reserve);
  const std::string_view body = R"({"id":"4"})";  // 10 bytes
  body.copy(area.data(), body.size());
  const HttpWriteResult r = w.finish_body(head, body.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(addr(r.message.data()), addr(buf.data()));
  EXPECT_EQ(r.size(), reserve + body.size());
}

TEST(HttpRequestWriter, InPlaceErrors) {
  HttpRequestHead head;
  head.target = "/o";
  head.host = "h";
  std::array<char, 128> buf{};

  RequestWriter fresh(buf);
  EXPECT_EQ(fresh.finish_body(head, 2).error, HttpWriteError::NotBegun);

  RequestWriter w(buf);
  const std::size_t need = RequestWriter::head_size(head, 2);
  ASSERT_FALSE(w.begin_body(need - 1).empty());
  EXPECT_EQ(w.finish_body(head, 2).error, HttpWriteError::HeadTooLarge);
  ASSERT_FALSE(w.begin_body(need).empty());
  EXPECT_TRUE(w.finish_body(head, 2).ok());
  EXPECT_EQ(w.finish_body(head, buf.size() - need + 1).error, HttpWriteError::BufferTooSmall);
  EXPECT_TRUE(w.begin_body(buf.size()).empty());  // no room for a body: an empty one fits
  EXPECT_TRUE(w.finish_body(head, 0).ok());
  EXPECT_EQ(w.finish_body(head, 1).error, HttpWriteError::BufferTooSmall);
  EXPECT_TRUE(w.begin_body(buf.size() + 1).empty());
  EXPECT_EQ(w.finish_body(head, 0).error, HttpWriteError::BufferTooSmall);
}

TEST(HttpRequestWriter, BodyMayAlreadyLieInsideTheBuffer) {
  HttpRequestHead head;
  head.target = "/o";
  head.host = "h";
  std::string expected;
  {
    std::array<char, 1024> b{};
    const HttpWriteResult r = RequestWriter(b).write(head, kCreateBody);
    ASSERT_TRUE(r.ok());
    expected.assign(r.message.data(), r.size());
  }
  for (const std::size_t at :
       {std::size_t{0}, std::size_t{10}, std::size_t{60}, std::size_t{500}}) {
    std::array<char, 1024> buf{};
    kCreateBody.copy(buf.data() + at, kCreateBody.size());
    const HttpWriteResult r =
        RequestWriter(buf).write(head, std::string_view(buf.data() + at, kCreateBody.size()));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(std::string_view(r.message.data(), r.size()), expected) << "body at " << at;
  }
}

TEST(HttpRequestWriter, WritesWithoutAllocating) {
  const std::array<HttpHeader, 2> extra{
      {{"X-AUTH-APIKEY", "key-123"}, {"X-AUTH-SIGNATURE", "0123456789abcdef"}}};
  HttpRequestHead head;
  head.target = kCreateTarget;
  head.host = "api.coindcx.com";
  head.extra = extra;
  std::array<char, 1024> buf{};
  std::size_t total = 0;
  AllocationScope scope;
  for (int i = 0; i < 100; ++i) {
    RequestWriter w(buf);
    total += w.write(head, kCreateBody).size();
    const std::span<char> area = w.begin_body(300);
    kCreateBody.copy(area.data(), kCreateBody.size());
    total += w.finish_body(head, kCreateBody.size()).size();
  }
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_GT(total, 0u);
}

// ---------------------------------------------------------------------------------------------
// Response parser
// ---------------------------------------------------------------------------------------------

// What one parse run ends in, comparable across ways of feeding the same bytes.
struct Outcome {
  HttpParseStatus status = HttpParseStatus::NeedMore;
  HttpParseError error = HttpParseError::None;
  std::size_t consumed = 0;
  unsigned code = 0;
  std::string reason;
  std::string body;
  std::vector<std::string> headers;  // "name=value"
  bool keep_alive = false;

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << (o.status == HttpParseStatus::Done    ? "Done"
         : o.status == HttpParseStatus::Error ? "Error"
                                              : "NeedMore")
     << " " << to_string(o.error) << " consumed=" << o.consumed << " code=" << o.code << " body=["
     << o.body << "] keep_alive=" << o.keep_alive;
  return os;
}

Outcome outcome_of(const ResponseParser& p, HttpParseResult r) {
  Outcome o;
  o.status = r.status;
  o.error = r.error;
  o.consumed = r.consumed;
  if (r.done()) {
    o.code = p.status();
    o.reason = std::string(p.reason());
    o.body = std::string(p.body());
    for (std::size_t i = 0; i < p.header_count(); ++i) {
      o.headers.push_back(std::string(p.header(i).name) + "=" + std::string(p.header(i).value));
    }
    o.keep_alive = p.keep_alive();
  }
  return o;
}

// Offers text[0, cut) then all of it, in a buffer whose not-yet-received bytes are garbage.
// With eof, the last step is finish_on_eof.
Outcome feed_cuts(std::string_view text, const std::vector<std::size_t>& cuts, bool eof,
                  const HttpLimits& limits = {}) {
  std::string buf(text.size(), '\xAA');
  ResponseParser p(limits);
  HttpParseResult r;
  std::size_t have = 0;
  for (const std::size_t cut : cuts) {
    text.substr(have, cut - have).copy(buf.data() + have, cut - have);
    have = cut;
    r = p.parse({buf.data(), have});
    if (!r.need_more()) return outcome_of(p, r);
  }
  text.substr(have).copy(buf.data() + have, text.size() - have);
  r = eof ? p.finish_on_eof(span_of(buf)) : p.parse(span_of(buf));
  return outcome_of(p, r);
}

Outcome feed_whole(std::string_view text, bool eof = false, const HttpLimits& limits = {}) {
  return feed_cuts(text, {}, eof, limits);
}

Outcome feed_bytewise(std::string_view text, bool eof = false, const HttpLimits& limits = {}) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < text.size(); ++i) cuts.push_back(i);
  return feed_cuts(text, cuts, eof, limits);
}

// Whole, byte by byte and split in two at every offset: all must agree.
void expect_same_every_way(std::string_view text, const Outcome& expected, bool eof = false,
                           const HttpLimits& limits = {}) {
  EXPECT_EQ(feed_whole(text, eof, limits), expected);
  EXPECT_EQ(feed_bytewise(text, eof, limits), expected) << "byte by byte";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(feed_cuts(text, {cut}, eof, limits), expected) << "split at " << cut;
  }
}

Outcome done(std::size_t consumed, unsigned code, std::string reason, std::string body,
             std::vector<std::string> headers, bool keep_alive) {
  Outcome o;
  o.status = HttpParseStatus::Done;
  o.consumed = consumed;
  o.code = code;
  o.reason = std::move(reason);
  o.body = std::move(body);
  o.headers = std::move(headers);
  o.keep_alive = keep_alive;
  return o;
}

Outcome error(HttpParseError e) {
  Outcome o;
  o.status = HttpParseStatus::Error;
  o.error = e;
  return o;
}

// As scalper-sim (Boost.Beast) answers a create order: one order object in an array.
constexpr std::string_view kCoinDcxBody =
    R"([{"id":"c6b2a7a4-1f7e-11ef-9d0e-83b8cfbbd7a1","pair":"B-BTC_USDT","side":"buy",)"
    R"("status":"initial","order_type":"limit_order","price":37000.5,"total_quantity":0.001,)"
    R"("leverage":10,"created_at":1700000000000}])";

std::string coindcx_response() {
  return "HTTP/1.1 200 OK\r\n"
         "Server: scalper-sim\r\n"
         "Content-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(kCoinDcxBody.size()) + "\r\n\r\n" + std::string(kCoinDcxBody);
}

TEST(HttpResponseParser, ParsesCoinDcxJsonResponse) {
  std::string text = coindcx_response();
  ResponseParser p;
  const HttpParseResult r = p.parse(span_of(text));
  ASSERT_TRUE(r.done()) << to_string(r.error);
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_EQ(p.status(), 200u);
  EXPECT_EQ(p.version_minor(), 1u);
  EXPECT_EQ(p.reason(), "OK");
  ASSERT_EQ(p.header_count(), 3u);
  EXPECT_EQ(p.header(0).name, "Server");
  EXPECT_EQ(p.header(0).value, "scalper-sim");
  EXPECT_EQ(p.find_header("content-type"), "application/json");
  EXPECT_EQ(p.find_header("CONTENT-LENGTH"), std::to_string(kCoinDcxBody.size()));
  EXPECT_FALSE(p.find_header("X-Missing").has_value());
  EXPECT_EQ(p.content_length(), kCoinDcxBody.size());
  EXPECT_FALSE(p.chunked());
  EXPECT_FALSE(p.until_close());
  EXPECT_TRUE(p.keep_alive());
  EXPECT_EQ(p.body(), kCoinDcxBody);
  // Views point into the caller's buffer.
  EXPECT_EQ(addr(p.body().data()), addr(text.data() + text.size() - kCoinDcxBody.size()));
  EXPECT_EQ(addr(p.reason().data()), addr(text.data() + 13));
}

TEST(HttpResponseParser, ErrorStatusBodyAndHeaderValueTrimming) {
  const std::string body = R"({"message":"Insufficient funds","status":422,"code":422})";
  const std::string text =
      "HTTP/1.1 422 Unprocessable Entity\r\nX-Empty:\r\nX-Pad: \t v a \t\r\n"
      "Content-Length:" +
      std::to_string(body.size()) + "  \r\n\r\n" + body;
  expect_same_every_way(
      text, done(text.size(), 422, "Unprocessable Entity", body,
                 {"X-Empty=", "X-Pad=v a", "Content-Length=" + std::to_string(body.size())}, true));
}

TEST(HttpResponseParser, StatusLineVariants) {
  // No reason, with and without the SP; HTTP/1.0; odd but legal reason bytes.
  constexpr std::string_view kEmptyReason = "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(feed_whole(kEmptyReason),
            done(kEmptyReason.size(), 200, "", "", {"Content-Length=0"}, true));
  constexpr std::string_view kNoReason = "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(feed_whole(kNoReason), done(kNoReason.size(), 200, "", "", {"Content-Length=0"}, true));
  constexpr std::string_view kOddReason =
      "HTTP/1.0 503 Service\tUnavailable \xff\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(feed_whole(kOddReason), done(kOddReason.size(), 503, "Service\tUnavailable \xff", "",
                                         {"Content-Length=0"}, false));
}

TEST(HttpResponseParser, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    std::string_view text;
    bool keep_alive;
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.1 200 OK\r\nConnection: te\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
       false},
      {"HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", false},
      {"HTTP/1.1 204 No Content\r\n\r\n", true},
  };
  for (const Case& c : cases) {
    const Outcome o = feed_whole(c.text);
    ASSERT_EQ(o.status, HttpParseStatus::Done) << c.text;
    EXPECT_EQ(o.keep_alive, c.keep_alive) << c.text;
  }
}

TEST(HttpResponseParser, ContentLengthSplitAtEveryOffsetMatchesOneFeed) {
  const std::string text = coindcx_response();
  const Outcome one = feed_whole(text);
  ASSERT_EQ(one.status, HttpParseStatus::Done);
  EXPECT_EQ(one.body, kCoinDcxBody);
  expect_same_every_way(text, one);
}

constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "7\r\n"
    "[{\"id\":\r\n"
    "18;name=value;quoted=\"a;b\"\r\n"  // extensions are ignored
    "\"c6b2a7a4\",\"status\":\"ini\r\n"
    "00000000000000000000b \t; ext\r\n"  // leading zeros, BWS before the extension
    "tial\"}]\x00\x01\xff\xfe\r\n"
    "0\r\n"
    "X-Trailer: one\r\n"
    "X-Other:two\r\n"
    "\r\n"sv;
constexpr std::string_view kChunkedBody =
    "[{\"id\":\"c6b2a7a4\",\"status\":\"initial\"}]\x00\x01\xff\xfe"sv;

TEST(HttpResponseParser, ChunkedBodyIsDechunkedInPlace) {
  std::string text(kChunked);
  ResponseParser p;
  const HttpParseResult r = p.parse(span_of(text));
  ASSERT_TRUE(r.done()) << to_string(r.error);
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_TRUE(p.chunked());
  EXPECT_FALSE(p.content_length().has_value());
  EXPECT_EQ(p.body(), kChunkedBody);
  // Contiguous, moved down to where the first chunk-size line was.
  const std::size_t body_start = kChunked.find("\r\n\r\n") + 4;
  EXPECT_EQ(addr(p.body().data()), addr(text.data() + body_start));
  // Trailers are skipped, not reported as headers.
  EXPECT_EQ(p.header_count(), 2u);
  EXPECT_FALSE(p.find_header("X-Trailer").has_value());
  EXPECT_TRUE(p.keep_alive());
}

TEST(HttpResponseParser, ChunkedSplitAtEveryOffsetMatchesOneFeed) {
  const Outcome one = feed_whole(kChunked);
  ASSERT_EQ(one.status, HttpParseStatus::Done);
  EXPECT_EQ(one.body, kChunkedBody);
  expect_same_every_way(kChunked, one);
  // And in three pieces, at every pair of offsets.
  for (std::size_t a = 0; a <= kChunked.size(); a += 3) {
    for (std::size_t b = a; b <= kChunked.size(); b += 5) {
      EXPECT_EQ(feed_cuts(kChunked, {a, b}, false), one) << "cuts " << a << "," << b;
    }
  }
}

TEST(HttpResponseParser, ChunkedWithoutTrailersAndEmptyBody) {
  constexpr std::string_view kEmpty =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n";
  expect_same_every_way(kEmpty,
                        done(kEmpty.size(), 200, "OK", "", {"Transfer-Encoding=Chunked"}, true));
}

TEST(HttpResponseParser, BufferMayMoveBetweenCallsIfItsBytesAreKept) {
  const std::string text(kChunked);
  ResponseParser p;
  const std::size_t cut = text.find("status");  // mid-way through the second chunk's data
  std::string a(text.substr(0, cut));
  ASSERT_TRUE(p.parse(span_of(a)).need_more());
  std::string b = a + text.substr(cut);  // a's bytes as the parser left them, then the rest
  std::fill(a.begin(), a.end(), '\0');   // the old buffer is gone
  const HttpParseResult r = p.parse(span_of(b));
  ASSERT_TRUE(r.done()) << to_string(r.error);
  EXPECT_EQ(p.body(), kChunkedBody);
  EXPECT_EQ(addr(p.body().data()), addr(b.data() + text.find("\r\n\r\n") + 4));
  EXPECT_EQ(addr(p.reason().data()), addr(b.data() + 13));
}

TEST(HttpResponseParser, TwoPipelinedResponsesInOneBuffer) {
  const std::string first =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  const std::string second = "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nxyz";
  std::string buf = first + second + "HTTP/1.1 2";  // and the start of a third
  ResponseParser p;
  std::span<char> rest = span_of(buf);

  HttpParseResult r = p.parse(rest);
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r.consumed, first.size());
  EXPECT_EQ(p.status(), 200u);
  EXPECT_EQ(p.body(), "abc");
  EXPECT_EQ(p.parse(rest).consumed, first.size());  // Done is sticky until reset
  rest = rest.subspan(r.consumed);
  p.reset();

  r = p.parse(rest);
  ASSERT_TRUE(r.done());  // de-chunking the first did not touch the second
  EXPECT_EQ(r.consumed, second.size());
  EXPECT_EQ(p.status(), 201u);
  EXPECT_EQ(p.reason(), "Created");
  EXPECT_EQ(p.body(), "xyz");
  rest = rest.subspan(r.consumed);
  p.reset();

  EXPECT_TRUE(p.parse(rest).need_more());
  EXPECT_EQ(p.finish_on_eof(rest).error, HttpParseError::UnexpectedEof);
}

TEST(HttpResponseParser, InterimResponsesAreSkipped) {
  const std::string text =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\nConnection: close\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
  // Consumed covers the 1xx too; nothing of them (headers, Connection) leaks into the 200.
  expect_same_every_way(text, done(text.size(), 200, "OK", "{}", {"Content-Length=2"}, true));
  EXPECT_EQ(feed_whole("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
            error(HttpParseError::SwitchingProtocols));
  // A 1xx alone is not a response yet.
  EXPECT_EQ(feed_whole("HTTP/1.1 100 Continue\r\n\r\n").status, HttpParseStatus::NeedMore);
}

TEST(HttpResponseParser, NoBodyFor204And304) {
  const std::string text = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1";
  EXPECT_EQ(feed_whole(text),
            done(text.size() - 8, 204, "No Content", "", {"Content-Length=5"}, true));
  EXPECT_EQ(feed_whole("HTTP/1.1 304 Not Modified\r\n\r\n"),
            done(29, 304, "Not Modified", "", {}, true));
}

TEST(HttpResponseParser, BodyUntilCloseEndsWithFinishOnEof) {
  const std::string v10 = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}";
  expect_same_every_way(
      v10, done(v10.size(), 200, "OK", "{\"a\":1}", {"Content-Type=application/json"}, false),
      /*eof=*/true);
  const std::string close = "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\noops";
  expect_same_every_way(
      close, done(close.size(), 500, "Internal Server Error", "oops", {"Connection=close"}, false),
      true);
  // HTTP/1.1 keep-alive without any length: also read to close (RFC 9112 §6.3), not reusable.
  std::string bare = "HTTP/1.1 200 OK\r\n\r\nab";
  ResponseParser p;
  EXPECT_TRUE(p.parse(span_of(bare)).need_more());
  EXPECT_TRUE(p.until_close());
  EXPECT_EQ(p.body(), "ab");  // as far as received
  const HttpParseResult r = p.finish_on_eof(span_of(bare));
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r.consumed, bare.size());
  EXPECT_FALSE(p.keep_alive());
}

TEST(HttpResponseParser, EofBeforeTheEndIsAnError) {
  const std::string full = coindcx_response();
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::string part = full.substr(0, n);
    ResponseParser p;
    EXPECT_EQ(p.finish_on_eof(span_of(part)).error, HttpParseError::UnexpectedEof) << n;
  }
  const std::string chunked(kChunked);
  for (std::size_t n = 0; n < chunked.size(); ++n) {
    std::string part = chunked.substr(0, n);
    ResponseParser p;
    EXPECT_EQ(p.finish_on_eof(span_of(part)).error, HttpParseError::UnexpectedEof) << n;
  }
}

struct Malformed {
  const char* what;
  std::string_view text;
  HttpParseError expected;
};

const Malformed kMalformed[] = {
    {"not HTTP", "HTTX/1.1 200 OK\r\n\r\n", HttpParseError::BadStatusLine},
    {"lower-case HTTP", "http/1.1 200 OK\r\n\r\n", HttpParseError::BadStatusLine},
    {"leading space", " HTTP/1.1 200 OK\r\n\r\n", HttpParseError::BadStatusLine},
    {"leading CRLF", "\r\nHTTP/1.1 200 OK\r\n\r\n", HttpParseError::BadStatusLine},
    {"TLS alert", "\x15\x03\x03\x00\x02\x02\x28"sv, HttpParseError::BadStatusLine},
    {"HTTP/2", "HTTP/2 200 OK\r\n\r\n", HttpParseError::BadVersion},
    {"HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", HttpParseError::BadVersion},
    {"HTTP/1.10", "HTTP/1.10 200 OK\r\n\r\n", HttpParseError::BadVersion},
    {"HTTP/1.1 only", "HTTP/1.1\r\n\r\n", HttpParseError::BadStatusLine},
    {"tab after version", "HTTP/1.1\t200 OK\r\n\r\n", HttpParseError::BadStatusLine},
    {"two spaces", "HTTP/1.1  200 OK\r\n\r\n", HttpParseError::BadStatusCode},
    {"two digits", "HTTP/1.1 20 OK\r\n\r\n", HttpParseError::BadStatusCode},
    {"two digits, no reason", "HTTP/1.1 20\r\n\r\n", HttpParseError::BadStatusCode},
    {"four digits", "HTTP/1.1 2000 OK\r\n\r\n", HttpParseError::BadStatusCode},
    {"letter in code", "HTTP/1.1 2x0 OK\r\n\r\n", HttpParseError::BadStatusCode},
    {"code below 100", "HTTP/1.1 099 OK\r\n\r\n", HttpParseError::BadStatusCode},
    {"code above 599", "HTTP/1.1 600 OK\r\n\r\n", HttpParseError::BadStatusCode},
    {"tab after code", "HTTP/1.1 200\tOK\r\n\r\n", HttpParseError::BadStatusLine},
    {"control byte in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", HttpParseError::BadStatusLine},
    {"NUL in reason", "HTTP/1.1 200 O\0K\r\n\r\n"sv, HttpParseError::BadStatusLine},
    {"bare LF after status", "HTTP/1.1 200 OK\n\r\n", HttpParseError::BadLineEnding},
    {"bare CR in reason", "HTTP/1.1 200 O\rK\r\n\r\n", HttpParseError::BadLineEnding},
    {"101", "HTTP/1.1 101 Switching Protocols\r\n\r\n", HttpParseError::SwitchingProtocols},
    {"no colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", HttpParseError::BadHeaderName},
    {"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nab",
     HttpParseError::BadHeaderName},
    {"tab before colon", "HTTP/1.1 200 OK\r\nX\t: 2\r\n\r\n", HttpParseError::BadHeaderName},
    {"empty name", "HTTP/1.1 200 OK\r\n: v\r\n\r\n", HttpParseError::BadHeaderName},
    {"bracket in name", "HTTP/1.1 200 OK\r\nX[1]: v\r\n\r\n", HttpParseError::BadHeaderName},
    {"control byte in name", "HTTP/1.1 200 OK\r\nX\x01: v\r\n\r\n", HttpParseError::BadHeaderName},
    {"control byte in value",
     "HTTP/1.1 200 OK\r\nX: a\x01"
     "b\r\n\r\n",
     HttpParseError::BadHeaderValue},
    {"NUL in value", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"sv, HttpParseError::BadHeaderValue},
    {"DEL in value", "HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", HttpParseError::BadHeaderValue},
    {"bare CR in value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", HttpParseError::BadLineEnding},
    {"bare LF after header", "HTTP/1.1 200 OK\r\nX: a\n\r\n", HttpParseError::BadLineEnding},
    {"bare LF as blank line", "HTTP/1.1 200 OK\r\nX: a\r\n\n", HttpParseError::BadLineEnding},
    {"obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", HttpParseError::ObsFold},
    {"obs-fold with tab", "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", HttpParseError::ObsFold},
    {"space before first header", "HTTP/1.1 200 OK\r\n X: a\r\n\r\n", HttpParseError::ObsFold},
    {"duplicate Content-Length",
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab",
     HttpParseError::DuplicateContentLength},
    {"conflicting Content-Length",
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
     HttpParseError::DuplicateContentLength},
    {"Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nab",
     HttpParseError::BadContentLength},
    {"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
     HttpParseError::BadContentLength},
    {"signed Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab",
     HttpParseError::BadContentLength},
    {"empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
     HttpParseError::BadContentLength},
    {"space inside Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
     HttpParseError::BadContentLength},
    {"hex Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
     HttpParseError::BadContentLength},
    {"Content-Length 2^64", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
     HttpParseError::BadContentLength},
    {"Content-Length 10^23", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
     HttpParseError::BadContentLength},
    {"Content-Length 2^64-1", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
     HttpParseError::BodyTooLarge},
    {"Content-Length with chunked",
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     HttpParseError::ContentLengthWithTransferEncoding},
    {"chunked with Content-Length",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
     HttpParseError::ContentLengthWithTransferEncoding},
    {"gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
     HttpParseError::UnsupportedTransferEncoding},
    {"gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
     HttpParseError::UnsupportedTransferEncoding},
    {"chunked twice",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
     HttpParseError::UnsupportedTransferEncoding},
    {"chunked in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     HttpParseError::UnsupportedTransferEncoding},
    {"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ng\r\n",
     HttpParseError::BadChunkSize},
    {"chunk size empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
     HttpParseError::BadChunkSize},
    {"chunk size negative", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
     HttpParseError::BadChunkSize},
    {"chunk size 0x", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
     HttpParseError::BadChunkSize},
    {"junk after chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n",
     HttpParseError::BadChunkSize},
    {"chunk size over 64 bits",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
     HttpParseError::BadChunkSize},
    {"chunk size 2^64-1",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
     HttpParseError::BodyTooLarge},
    {"control byte in extension",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\x01\r\nabc\r\n0\r\n\r\n",
     HttpParseError::BadChunkSize},
    {"bare LF after chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n",
     HttpParseError::BadLineEnding},
    {"chunk data too long",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
     HttpParseError::BadChunkData},
    {"chunk data CR without LF",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX0\r\n\r\n",
     HttpParseError::BadChunkData},
    {"bad trailer name",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n",
     HttpParseError::BadHeaderName},
    {"folded trailer",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
     HttpParseError::ObsFold},
    {"control byte in trailer",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \x02\r\n\r\n",
     HttpParseError::BadHeaderValue},
};

TEST(HttpResponseParser, RefusesMalformedInputWithItsError) {
  for (const Malformed& m : kMalformed) {
    EXPECT_EQ(feed_whole(m.text), error(m.expected)) << m.what;
    EXPECT_EQ(feed_bytewise(m.text), error(m.expected)) << m.what << " (byte by byte)";
  }
}

TEST(HttpResponseParser, ErrorsAreSticky) {
  std::string bad = "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n";
  ResponseParser p;
  EXPECT_EQ(p.parse(span_of(bad)).error, HttpParseError::BadHeaderName);
  std::string good = coindcx_response();
  EXPECT_EQ(p.parse(span_of(good)).error, HttpParseError::BadHeaderName);
  EXPECT_EQ(p.finish_on_eof(span_of(good)).error, HttpParseError::BadHeaderName);
  p.reset();
  EXPECT_TRUE(p.parse(span_of(good)).done());
}

TEST(HttpResponseParser, OfferingFewerBytesThanBeforeIsRefused) {
  std::string text = coindcx_response();
  ResponseParser p;
  ASSERT_TRUE(p.parse({text.data(), 40}).need_more());
  EXPECT_EQ(p.parse({text.data(), 39}).error, HttpParseError::BufferShrank);
}

TEST(HttpResponseParser, BodyLimit) {
  HttpLimits limits;
  limits.max_body_bytes = 8;
  const auto cl = [](std::size_t n) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" +
           std::string(n, 'b');
  };
  EXPECT_EQ(feed_whole(cl(8), false, limits).status, HttpParseStatus::Done);
  // Refused at the header, before any of the body arrives.
  EXPECT_EQ(feed_whole(cl(9).substr(0, 38), false, limits), error(HttpParseError::BodyTooLarge));

  const std::string chunked8 =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n3\r\nfgh\r\n0\r\n\r\n";
  EXPECT_EQ(feed_whole(chunked8, false, limits).body, "abcdefgh");
  const std::string chunked9 =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n4\r\nfghi\r\n0\r\n\r\n";
  EXPECT_EQ(feed_whole(chunked9, false, limits), error(HttpParseError::BodyTooLarge));
  EXPECT_EQ(feed_bytewise(chunked9, false, limits), error(HttpParseError::BodyTooLarge));

  const std::string close8 = "HTTP/1.0 200 OK\r\n\r\n12345678";
  EXPECT_EQ(feed_whole(close8, true, limits).body, "12345678");
  EXPECT_EQ(feed_whole(close8 + "9", true, limits), error(HttpParseError::BodyTooLarge));
  EXPECT_EQ(feed_bytewise(close8 + "9", true, limits), error(HttpParseError::BodyTooLarge));
}

std::string response_with_headers(std::size_t n) {
  std::string s = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 0; i < n; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
  return s + "Content-Length: 0\r\n\r\n";
}

TEST(HttpResponseParser, HeaderCountLimit) {
  HttpLimits limits;
  limits.max_headers = 4;
  EXPECT_EQ(feed_whole(response_with_headers(3), false, limits).status, HttpParseStatus::Done);
  EXPECT_EQ(feed_whole(response_with_headers(4), false, limits),
            error(HttpParseError::TooManyHeaders));
  // The default is the table's capacity.
  EXPECT_EQ(feed_whole(response_with_headers(kHttpMaxHeaders - 1)).status, HttpParseStatus::Done);
  EXPECT_EQ(feed_whole(response_with_headers(kHttpMaxHeaders)),
            error(HttpParseError::TooManyHeaders));
  // Asking for more than the capacity gets the capacity.
  limits.max_headers = 1000;
  EXPECT_EQ(ResponseParser(limits).limits().max_headers, kHttpMaxHeaders);
}

TEST(HttpResponseParser, HeaderSectionSizeLimit) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(40, 'p') + "\r\nContent-Length: 2\r\n\r\n{}";
  const std::size_t head = text.size() - 2;
  HttpLimits limits;
  limits.max_header_bytes = head;
  expect_same_every_way(text,
                        done(text.size(), 200, "OK", "{}",
                             {"X-Pad=" + std::string(40, 'p'), "Content-Length=2"}, true),
                        false, limits);
  limits.max_header_bytes = head - 1;
  expect_same_every_way(text, error(HttpParseError::HeaderSectionTooLarge), false, limits);

  // A peer that never ends its line is cut off once the limit is passed, without waiting.
  limits.max_header_bytes = 64;
  std::string endless = "HTTP/1.1 200 " + std::string(51, 'r');
  ResponseParser p(limits);
  ASSERT_EQ(endless.size(), 64u);
  EXPECT_TRUE(p.parse(span_of(endless)).need_more());
  endless += 'r';
  EXPECT_EQ(p.parse(span_of(endless)).error, HttpParseError::HeaderSectionTooLarge);

  // Trailers have a section limit of their own.
  const std::string trailers =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + std::string(100, 't') +
      "\r\n\r\n";
  limits.max_header_bytes = 110;
  EXPECT_EQ(feed_whole(trailers, false, limits).status, HttpParseStatus::Done);
  limits.max_header_bytes = 108;
  EXPECT_EQ(feed_whole(trailers, false, limits), error(HttpParseError::HeaderSectionTooLarge));
}

TEST(HttpResponseParser, ChunkLineLimit) {
  const std::string text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                           std::string(20, 'e') + "\r\na\r\n0\r\n\r\n";
  HttpLimits limits;
  limits.max_chunk_line_bytes = 25;  // "1;" + 20 + CRLF = 24
  EXPECT_EQ(feed_whole(text, false, limits).body, "a");
  limits.max_chunk_line_bytes = 23;
  expect_same_every_way(text, error(HttpParseError::BadChunkSize), false, limits);
}

TEST(HttpResponseParser, NeverReadsBeyondTheSpan) {
  // The garbage after the offered bytes would complete the response if it were read.
  std::string buf = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
  ResponseParser p;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    ASSERT_TRUE(p.parse({buf.data(), n}).need_more()) << n;
  }
  EXPECT_TRUE(p.parse(span_of(buf)).done());
}

TEST(HttpResponseParser, ParsesWithoutAllocating) {
  std::string cl = coindcx_response();
  std::string chunked(kChunked);
  std::string pipelined = cl + cl;
  std::string interim = "HTTP/1.1 100 Continue\r\n\r\n" + cl;
  std::string bad(kMalformed[0].text);
  std::vector<std::string> copies(20, chunked);
  HttpParseResult results[6];
  std::size_t bytewise_done = 0;

  AllocationScope scope;
  ResponseParser p;
  results[0] = p.parse(span_of(cl));
  p.reset();
  results[1] = p.parse(span_of(chunked));
  p.reset();
  results[2] = p.parse(span_of(pipelined));
  p.reset();
  results[3] = p.parse(std::span<char>(pipelined).subspan(results[2].consumed));
  p.reset();
  results[4] = p.parse(span_of(interim));
  p.reset();
  results[5] = p.parse(span_of(bad));
  for (std::string& c : copies) {
    p.reset();
    for (std::size_t n = 0; n <= c.size(); ++n) {
      if (p.parse({c.data(), n}).done()) ++bytewise_done;
    }
  }
  (void)p.find_header("content-length");
  (void)p.keep_alive();
  const std::uint64_t allocations = scope.count();

  EXPECT_EQ(allocations, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(results[i].done()) << i;
  EXPECT_TRUE(results[5].failed());
  EXPECT_EQ(bytewise_done, copies.size());
}

TEST(HttpIequals, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(http_iequals("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(http_iequals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(http_iequals("a", "b"));
  EXPECT_FALSE(http_iequals("[", "{"));  // only letters fold
  EXPECT_TRUE(http_iequals("", ""));
}

}  // namespace
}  // namespace scalper::net
