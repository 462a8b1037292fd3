// fuzz_net_http.cpp — libFuzzer target for the HTTP/1.1 response parser (scalper::net).
//
// Input: byte 0 is the mode, the rest is what a server sent before closing (any number of
// pipelined responses). Mode bit 7 picks small limits (to reach every limit check), bits 0..6
// how the bytes are cut into receives: 0 one byte at a time, n > 0 pieces of 1..n bytes.
//
// The bytes are parsed twice: all in one buffer, and piece by piece in a buffer reallocated to
// exactly the bytes received at every receive (so ASan sees a read past the offered bytes, and
// the parser's "offsets, not pointers" rule is exercised). Both end with finish_on_eof. The two
// runs must give the same verdicts, the same statuses and the same body bytes; every Done must
// consume at most what was offered, and its views must lie inside the consumed bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scalper/net/http.hpp"

namespace {

using scalper::net::HttpLimits;
using scalper::net::HttpParseError;
using scalper::net::HttpParseResult;
using scalper::net::HttpParseStatus;
using scalper::net::ResponseParser;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Verdict {
  HttpParseStatus status = HttpParseStatus::NeedMore;
  HttpParseError error = HttpParseError::None;
  std::size_t consumed = 0;
  unsigned code = 0;
  bool keep_alive = false;
  std::size_t headers = 0;
  std::string body;

  bool operator==(const Verdict&) const = default;
};

bool inside(std::string_view v, std::span<const char> area) {
  if (v.empty()) return true;
  return v.data() >= area.data() && v.size() <= area.size() &&
         v.data() - area.data() <= static_cast<std::ptrdiff_t>(area.size() - v.size());
}

// Checks a result of parse()/finish_on_eof() over `offered` and records it.
Verdict verdict(ResponseParser& p, HttpParseResult r, std::span<char> offered) {
  Verdict v{r.status, r.error, r.consumed, 0, false, 0, {}};
  check((r.status == HttpParseStatus::Error) == (r.error != HttpParseError::None));
  if (!r.done()) {
    check(r.consumed == 0);
    return v;
  }
  check(r.consumed > 0 && r.consumed <= offered.size());
  const std::span<const char> used(offered.data(), r.consumed);
  const std::string_view body = p.body();
  check(inside(body, used));
  check(inside(p.reason(), used));
  check(body.size() <= p.limits().max_body_bytes);
  check(p.header_count() <= p.limits().max_headers);
  for (std::size_t i = 0; i < p.header_count(); ++i) {
    check(!p.header(i).name.empty());
    check(inside(p.header(i).name, used));
    check(inside(p.header(i).value, used));
  }
  check(p.status() >= 200 && p.status() <= 599);  // 1xx are skipped, 101 refused
  check(p.find_header("content-length").has_value() == p.content_length().has_value());
  if (p.content_length() && p.status() != 204 && p.status() != 304) {
    check(!p.chunked() && body.size() == *p.content_length());
  }
  if (p.status() == 204 || p.status() == 304) check(body.empty());
  if (p.until_close()) check(r.consumed == offered.size() && !p.keep_alive());
  // Done is sticky.
  const HttpParseResult again = p.parse(offered);
  check(again.done() && again.consumed == r.consumed);

  v.code = p.status();
  v.keep_alive = p.keep_alive();
  v.headers = p.header_count();
  v.body.assign(body.data(), body.size());
  return v;
}

std::vector<Verdict> run_whole(std::span<const char> input, const HttpLimits& limits) {
  std::vector<char> buf(input.begin(), input.end());
  std::vector<Verdict> out;
  ResponseParser p(limits);
  std::size_t off = 0;
  for (;;) {
    const std::span<char> rest(buf.data() + off, buf.size() - off);
    HttpParseResult r = p.parse(rest);
    if (r.need_more()) r = p.finish_on_eof(rest);
    out.push_back(verdict(p, r, rest));
    if (!r.done()) return out;
    off += r.consumed;
    p.reset();
  }
}

std::vector<Verdict> run_pieces(std::span<const char> input, const HttpLimits& limits,
                                unsigned max_piece) {
  std::vector<char> buf;  // received and not yet consumed, exactly
  std::size_t received = 0;
  std::uint32_t rng = 0x9E3779B9u ^ max_piece;
  std::vector<Verdict> out;
  ResponseParser p(limits);
  for (;;) {
    const std::span<char> offered(buf.data(), buf.size());
    HttpParseResult r = p.parse(offered);
    if (r.need_more() && received == input.size()) r = p.finish_on_eof(offered);
    if (r.need_more()) {
      std::size_t piece = 1;
      if (max_piece > 0) {
        rng = rng * 1103515245u + 12345u;
        piece = 1 + (rng >> 16) % max_piece;
      }
      if (piece > input.size() - received) piece = input.size() - received;
      std::vector<char> next(buf.size() + piece);
      if (!buf.empty()) std::memcpy(next.data(), buf.data(), buf.size());
      std::memcpy(next.data() + buf.size(), input.data() + received, piece);
      received += piece;
      buf.swap(next);
      continue;
    }
    out.push_back(verdict(p, r, offered));
    if (!r.done()) return out;
    std::vector<char> rest(buf.begin() + static_cast<std::ptrdiff_t>(r.consumed), buf.end());
    buf.swap(rest);
    p.reset();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned mode = data[0];
  const std::span<const char> input(reinterpret_cast<const char*>(data + 1), size - 1);
  HttpLimits limits;
  if ((mode & 0x80u) != 0) {
    limits.max_header_bytes = 160;
    limits.max_headers = 4;
    limits.max_body_bytes = 48;
    limits.max_chunk_line_bytes = 24;
  }
  const std::vector<Verdict> whole = run_whole(input, limits);
  const std::vector<Verdict> pieces = run_pieces(input, limits, mode & 0x7Fu);
  check(whole == pieces);
  return 0;
}
