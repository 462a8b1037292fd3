// http.cpp — HTTP/1.1 client codec: request writer and incremental response parser.
#include "scalper/net/http.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

namespace scalper::net {
namespace {

constexpr std::string_view kHttp11 = "HTTP/1.1";
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHostPrefix = "Host: ";
constexpr std::string_view kContentTypePrefix = "Content-Type: ";
constexpr std::string_view kContentLengthPrefix = "Content-Length: ";
constexpr std::string_view kKeepAliveLine = "Connection: keep-alive\r\n";
constexpr std::string_view kCloseLine = "Connection: close\r\n";
constexpr std::string_view kFieldSeparator = ": ";

constexpr unsigned char uc(char c) noexcept { return static_cast<unsigned char>(c); }

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// tchar (RFC 9110 §5.6.2).
constexpr bool is_tchar(char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// field-vchar / SP / HTAB, obs-text included: everything but the control bytes.
constexpr bool is_field_byte(char c) noexcept {
  const unsigned char u = uc(c);
  return c == '\t' || (u >= 0x20 && u != 0x7F);
}

constexpr bool is_field_text(std::string_view s) noexcept {
  for (const char c : s) {
    if (!is_field_byte(c)) return false;
  }
  return true;
}

constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Does the comma-separated token list hold `token` (case-insensitive)?
bool list_has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, comma));
    if (http_iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::size_t decimal_digits(std::size_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

bool content_length_line(const HttpRequestHead& head, std::size_t body_size) noexcept {
  return body_size != 0 || !(head.method == "GET" || head.method == "HEAD");
}

bool reserved_name(std::string_view name) noexcept {
  return http_iequals(name, "Host") || http_iequals(name, "Content-Type") ||
         http_iequals(name, "Content-Length") || http_iequals(name, "Transfer-Encoding") ||
         http_iequals(name, "Connection");
}

HttpWriteError validate(const HttpRequestHead& head) noexcept {
  if (!is_token(head.method)) return HttpWriteError::BadMethod;
  if (head.target.empty()) return HttpWriteError::BadTarget;
  for (const char c : head.target) {
    if (uc(c) < 0x21 || uc(c) > 0x7E) return HttpWriteError::BadTarget;
  }
  if (head.host.empty()) return HttpWriteError::BadHost;
  for (const char c : head.host) {
    if (uc(c) <= 0x20 || uc(c) == 0x7F) return HttpWriteError::BadHost;
  }
  if (!is_field_text(head.content_type)) return HttpWriteError::BadHeaderValue;
  for (const HttpHeader& h : head.extra) {
    if (!is_token(h.name)) return HttpWriteError::BadHeaderName;
    if (reserved_name(h.name)) return HttpWriteError::ReservedHeader;
    if (!is_field_text(h.value)) return HttpWriteError::BadHeaderValue;
  }
  return HttpWriteError::None;
}

char* put(char* p, std::string_view s) noexcept {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Writes exactly RequestWriter::head_size(head, body_size) bytes at p.
void put_head(char* p, const HttpRequestHead& head, std::size_t body_size) noexcept {
  p = put(p, head.method);
  *p++ = ' ';
  p = put(p, head.target);
  *p++ = ' ';
  p = put(p, kHttp11);
  p = put(p, kCrlf);
  p = put(p, kHostPrefix);
  p = put(p, head.host);
  p = put(p, kCrlf);
  if (!head.content_type.empty()) {
    p = put(p, kContentTypePrefix);
    p = put(p, head.content_type);
    p = put(p, kCrlf);
  }
  if (content_length_line(head, body_size)) {
    p = put(p, kContentLengthPrefix);
    // The caller sized the head with decimal_digits(body_size): to_chars cannot run short.
    p = std::to_chars(p, p + decimal_digits(body_size), body_size).ptr;
    p = put(p, kCrlf);
  }
  p = put(p, head.keep_alive ? kKeepAliveLine : kCloseLine);
  for (const HttpHeader& h : head.extra) {
    p = put(p, h.name);
    p = put(p, kFieldSeparator);
    p = put(p, h.value);
    p = put(p, kCrlf);
  }
  put(p, kCrlf);
}

}  // namespace

bool http_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view to_string(HttpWriteError e) noexcept {
  switch (e) {
    case HttpWriteError::None: return "None";
    case HttpWriteError::BufferTooSmall: return "BufferTooSmall";
    case HttpWriteError::HeadTooLarge: return "HeadTooLarge";
    case HttpWriteError::NotBegun: return "NotBegun";
    case HttpWriteError::BadMethod: return "BadMethod";
    case HttpWriteError::BadTarget: return "BadTarget";
    case HttpWriteError::BadHost: return "BadHost";
    case HttpWriteError::BadHeaderName: return "BadHeaderName";
    case HttpWriteError::BadHeaderValue: return "BadHeaderValue";
    case HttpWriteError::ReservedHeader: return "ReservedHeader";
  }
  return "?";
}

std::string_view to_string(HttpParseError e) noexcept {
  switch (e) {
    case HttpParseError::None: return "None";
    case HttpParseError::BadLineEnding: return "BadLineEnding";
    case HttpParseError::BadStatusLine: return "BadStatusLine";
    case HttpParseError::BadVersion: return "BadVersion";
    case HttpParseError::BadStatusCode: return "BadStatusCode";
    case HttpParseError::SwitchingProtocols: return "SwitchingProtocols";
    case HttpParseError::BadHeaderName: return "BadHeaderName";
    case HttpParseError::BadHeaderValue: return "BadHeaderValue";
    case HttpParseError::ObsFold: return "ObsFold";
    case HttpParseError::HeaderSectionTooLarge: return "HeaderSectionTooLarge";
    case HttpParseError::TooManyHeaders: return "TooManyHeaders";
    case HttpParseError::BadContentLength: return "BadContentLength";
    case HttpParseError::DuplicateContentLength: return "DuplicateContentLength";
    case HttpParseError::ContentLengthWithTransferEncoding:
      return "ContentLengthWithTransferEncoding";
    case HttpParseError::UnsupportedTransferEncoding: return "UnsupportedTransferEncoding";
    case HttpParseError::BadChunkSize: return "BadChunkSize";
    case HttpParseError::BadChunkData: return "BadChunkData";
    case HttpParseError::BodyTooLarge: return "BodyTooLarge";
    case HttpParseError::UnexpectedEof: return "UnexpectedEof";
    case HttpParseError::BufferShrank: return "BufferShrank";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// RequestWriter
// ---------------------------------------------------------------------------------------------

std::size_t RequestWriter::head_size(const HttpRequestHead& head, std::size_t body_size) noexcept {
  std::size_t n = head.method.size() + 1 + head.target.size() + 1 + kHttp11.size() + 2;
  n += kHostPrefix.size() + head.host.size() + 2;
  if (!head.content_type.empty()) n += kContentTypePrefix.size() + head.content_type.size() + 2;
  if (content_length_line(head, body_size)) {
    n += kContentLengthPrefix.size() + decimal_digits(body_size) + 2;
  }
  n += head.keep_alive ? kKeepAliveLine.size() : kCloseLine.size();
  for (const HttpHeader& h : head.extra) n += h.name.size() + 2 + h.value.size() + 2;
  return n + 2;
}

HttpWriteResult RequestWriter::write(const HttpRequestHead& head, std::string_view body) noexcept {
  if (const HttpWriteError e = validate(head); e != HttpWriteError::None) return {e, {}};
  const std::size_t h = head_size(head, body.size());
  if (h > out_.size() || body.size() > out_.size() - h) return {HttpWriteError::BufferTooSmall, {}};
  // Body first (memmove: it may overlap the buffer), then the head in front of it.
  if (!body.empty()) std::memmove(out_.data() + h, body.data(), body.size());
  put_head(out_.data(), head, body.size());
  return {HttpWriteError::None, std::span<const char>(out_.data(), h + body.size())};
}

std::span<char> RequestWriter::begin_body(std::size_t head_reserve) noexcept {
  reserve_ = head_reserve;
  if (head_reserve > out_.size()) return {};
  return out_.subspan(head_reserve);
}

HttpWriteResult RequestWriter::finish_body(const HttpRequestHead& head,
                                           std::size_t body_size) noexcept {
  if (reserve_ == kNotBegun) return {HttpWriteError::NotBegun, {}};
  if (reserve_ > out_.size() || body_size > out_.size() - reserve_) {
    return {HttpWriteError::BufferTooSmall, {}};
  }
  if (const HttpWriteError e = validate(head); e != HttpWriteError::None) return {e, {}};
  const std::size_t h = head_size(head, body_size);
  if (h > reserve_) return {HttpWriteError::HeadTooLarge, {}};
  char* const start = out_.data() + (reserve_ - h);
  put_head(start, head, body_size);
  return {HttpWriteError::None, std::span<const char>(start, h + body_size)};
}

// ---------------------------------------------------------------------------------------------
// ResponseParser
// ---------------------------------------------------------------------------------------------

ResponseParser::ResponseParser(const HttpLimits& limits) noexcept : limits_(limits) {
  // The status-line prefix check looks at 9 bytes before any limit applies (see
  // status_prefix); a smaller head limit would make the verdict depend on how bytes arrive.
  limits_.max_header_bytes = std::max<std::size_t>(limits_.max_header_bytes, 16);
  limits_.max_headers = std::min(limits_.max_headers, kHttpMaxHeaders);
  limits_.max_chunk_line_bytes = std::max<std::size_t>(limits_.max_chunk_line_bytes, 3);
}

void ResponseParser::reset() noexcept {
  reset_message();  // the header table is hidden by header_count_ = 0, not cleared
  base_ = nullptr;
  size_ = 0;
  phase_ = Phase::StatusLine;
  final_ = {};
  pos_ = 0;
  scan_ = 0;
  section_start_ = 0;
}

void ResponseParser::reset_message() noexcept {
  status_ = 0;
  minor_ = 0;
  reason_ = {};
  header_count_ = 0;
  has_content_length_ = false;
  has_transfer_encoding_ = false;
  chunked_ = false;
  until_close_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
  content_length_ = 0;
  body_start_ = 0;
  body_len_ = 0;
  chunk_left_ = 0;
}

std::string_view ResponseParser::view(Range r) const noexcept {
  if (base_ == nullptr || r.len == 0) return {};
  return {base_ + r.off, r.len};
}

HttpHeader ResponseParser::header(std::size_t i) const noexcept {
  if (i >= header_count_) return {};
  return {view(fields_[i].name), view(fields_[i].value)};
}

std::optional<std::string_view> ResponseParser::find_header(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < header_count_; ++i) {
    if (http_iequals(view(fields_[i].name), name)) return view(fields_[i].value);
  }
  return std::nullopt;
}

bool ResponseParser::keep_alive() const noexcept {
  if (until_close_ || connection_close_) return false;
  return minor_ == 1 || connection_keep_alive_;
}

std::optional<std::uint64_t> ResponseParser::content_length() const noexcept {
  if (!has_content_length_) return std::nullopt;
  return content_length_;
}

HttpParseResult ResponseParser::fail(HttpParseError e) noexcept {
  phase_ = Phase::Error;
  final_ = {HttpParseStatus::Error, e, 0};
  return final_;
}

HttpParseResult ResponseParser::done(std::size_t end) noexcept {
  phase_ = Phase::Done;
  final_ = {HttpParseStatus::Done, HttpParseError::None, end};
  return final_;
}

// Looks for the LF ending the line (or section) that started at `from`, at most `limit` bytes
// long including its CRLF. The verdict does not depend on how the bytes arrived: TooLong means
// there is no LF among the first `limit` bytes from `from` and at least limit + 1 are present.
ResponseParser::LineScan ResponseParser::scan_line(std::size_t size, std::size_t from,
                                                   std::size_t limit, std::size_t& lf) noexcept {
  const std::size_t stop = (size - from > limit) ? from + limit : size;
  if (scan_ < stop) {
    const void* hit = std::memchr(base_ + scan_, '\n', stop - scan_);
    if (hit != nullptr) {
      lf = static_cast<std::size_t>(static_cast<const char*>(hit) - base_);
      scan_ = lf;
      return LineScan::Found;
    }
    scan_ = stop;
  }
  return stop < size ? LineScan::TooLong : LineScan::Partial;
}

// The line [pos_, lf] must end in CRLF and hold no other CR.
HttpParseError ResponseParser::check_crlf(std::size_t lf) const noexcept {
  if (lf == pos_ || base_[lf - 1] != '\r') return HttpParseError::BadLineEnding;
  const std::size_t len = lf - 1 - pos_;
  if (len != 0 && std::memchr(base_ + pos_, '\r', len) != nullptr) {
    return HttpParseError::BadLineEnding;
  }
  return HttpParseError::None;
}

// "HTTP/1.x " checked on the bytes present so far (up to 9), before the LF is seen: a peer
// that is not speaking HTTP/1.x is refused at once. Runs first in every call, so its verdict
// is the same however the bytes arrive.
HttpParseError ResponseParser::status_prefix(std::size_t size) const noexcept {
  constexpr std::string_view kPrefix = "HTTP/1.";
  const std::size_t n = std::min<std::size_t>(size - pos_, 9);
  const char* s = base_ + pos_;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (i < 5) {
      if (c != kPrefix[i]) return HttpParseError::BadStatusLine;
    } else if (i < 7) {
      if (c != kPrefix[i]) return HttpParseError::BadVersion;
    } else if (i == 7) {
      if (c != '0' && c != '1') return HttpParseError::BadVersion;
    } else if (c != ' ') {
      return (c >= '0' && c <= '9') ? HttpParseError::BadVersion : HttpParseError::BadStatusLine;
    }
  }
  return HttpParseError::None;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ], SP before an empty reason
// optional. [pos_, end) is the line without CRLF; its first 9 bytes passed status_prefix.
HttpParseError ResponseParser::parse_status_line(std::size_t end) noexcept {
  const std::string_view line(base_ + pos_, end - pos_);
  minor_ = line[7] == '1' ? 1u : 0u;
  if (line.size() < 12) return HttpParseError::BadStatusCode;
  unsigned code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return HttpParseError::BadStatusCode;
    code = code * 10 + static_cast<unsigned>(line[i] - '0');
  }
  if (code < 100 || code > 599) return HttpParseError::BadStatusCode;
  status_ = code;
  if (line.size() > 12) {
    if (line[12] >= '0' && line[12] <= '9') return HttpParseError::BadStatusCode;
    if (line[12] != ' ') return HttpParseError::BadStatusLine;
    if (!is_field_text(line.substr(13))) return HttpParseError::BadStatusLine;
    reason_ = {pos_ + 13, line.size() - 13};
  }
  return HttpParseError::None;
}

// field-line = field-name ":" OWS field-value OWS. [pos_, end) is the line without CRLF, not
// empty. Headers are stored and interpreted (store = true); trailers only checked.
HttpParseError ResponseParser::parse_field_line(std::size_t end, bool store) noexcept {
  const std::string_view line(base_ + pos_, end - pos_);
  if (is_ows(line.front())) return HttpParseError::ObsFold;
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return HttpParseError::BadHeaderName;
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return HttpParseError::BadHeaderName;
  const std::string_view raw_value = line.substr(colon + 1);
  if (!is_field_text(raw_value)) return HttpParseError::BadHeaderValue;
  if (!store) return HttpParseError::None;

  if (header_count_ >= limits_.max_headers) return HttpParseError::TooManyHeaders;
  const std::string_view value = trim_ows(raw_value);
  const std::size_t value_off =
      value.empty() ? pos_ + colon + 1 : static_cast<std::size_t>(value.data() - base_);
  fields_[header_count_++] = {{pos_, name.size()}, {value_off, value.size()}};

  if (http_iequals(name, "Content-Length")) {
    if (has_content_length_) return HttpParseError::DuplicateContentLength;
    if (value.empty()) return HttpParseError::BadContentLength;
    std::uint64_t n = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return HttpParseError::BadContentLength;
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        return HttpParseError::BadContentLength;
      }
      n = n * 10 + digit;
    }
    has_content_length_ = true;
    content_length_ = n;
  } else if (http_iequals(name, "Transfer-Encoding")) {
    if (has_transfer_encoding_ || minor_ == 0 || !http_iequals(value, "chunked")) {
      return HttpParseError::UnsupportedTransferEncoding;
    }
    has_transfer_encoding_ = true;
    chunked_ = true;
  } else if (http_iequals(name, "Connection")) {
    if (list_has_token(value, "close")) connection_close_ = true;
    if (list_has_token(value, "keep-alive")) connection_keep_alive_ = true;
  }
  return HttpParseError::None;
}

// The blank line after the headers (pos_ is past it): choose how the body is delimited.
HttpParseError ResponseParser::end_of_head(bool& interim) noexcept {
  interim = false;
  if (status_ == 101) {
    if (!limits_.accept_upgrade) return HttpParseError::SwitchingProtocols;
    body_start_ = pos_;  // final, bodiless: the caller switches protocols after `consumed`
    body_len_ = 0;
    return HttpParseError::None;
  }
  if (status_ < 200) {
    interim = true;
    return HttpParseError::None;
  }
  if (has_content_length_ && has_transfer_encoding_) {
    return HttpParseError::ContentLengthWithTransferEncoding;
  }
  body_start_ = pos_;
  body_len_ = 0;
  if (status_ == 204 || status_ == 304) return HttpParseError::None;
  if (chunked_) {
    phase_ = Phase::ChunkSize;
  } else if (has_content_length_) {
    if (content_length_ > limits_.max_body_bytes) return HttpParseError::BodyTooLarge;
    phase_ = Phase::Body;
  } else {
    until_close_ = true;
    phase_ = Phase::UntilClose;
  }
  return HttpParseError::None;
}

// chunk-size [ chunk-ext ] CRLF; extensions (";" and anything printable) are ignored.
HttpParseError ResponseParser::parse_chunk_size(std::size_t end) noexcept {
  const std::string_view line(base_ + pos_, end - pos_);
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line.size(); ++i) {
    const int v = hex_value(line[i]);
    if (v < 0) break;
    if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
      return HttpParseError::BadChunkSize;
    }
    size = (size << 4) | static_cast<std::uint64_t>(v);
  }
  if (i == 0) return HttpParseError::BadChunkSize;
  while (i < line.size() && is_ows(line[i])) ++i;
  if (i < line.size()) {
    if (line[i] != ';' || !is_field_text(line.substr(i + 1))) return HttpParseError::BadChunkSize;
  }
  if (size > limits_.max_body_bytes - body_len_) return HttpParseError::BodyTooLarge;
  chunk_left_ = size;
  return HttpParseError::None;
}

HttpParseResult ResponseParser::parse(std::span<char> buf) noexcept {
  if (phase_ == Phase::Done || phase_ == Phase::Error) return final_;
  const std::size_t size = buf.size();
  if (size < size_) return fail(HttpParseError::BufferShrank);
  base_ = buf.data();
  size_ = size;

  for (;;) {
    switch (phase_) {
      case Phase::StatusLine: {
        if (const HttpParseError e = status_prefix(size); e != HttpParseError::None) {
          return fail(e);
        }
        std::size_t lf = 0;
        const LineScan s = scan_line(size, section_start_, limits_.max_header_bytes, lf);
        if (s == LineScan::TooLong) return fail(HttpParseError::HeaderSectionTooLarge);
        if (s == LineScan::Partial) return {};
        if (const HttpParseError e = check_crlf(lf); e != HttpParseError::None) return fail(e);
        if (const HttpParseError e = parse_status_line(lf - 1); e != HttpParseError::None) {
          return fail(e);
        }
        pos_ = scan_ = lf + 1;
        phase_ = Phase::Headers;
        break;
      }
      case Phase::Headers: {
        std::size_t lf = 0;
        const LineScan s = scan_line(size, section_start_, limits_.max_header_bytes, lf);
        if (s == LineScan::TooLong) return fail(HttpParseError::HeaderSectionTooLarge);
        if (s == LineScan::Partial) return {};
        if (const HttpParseError e = check_crlf(lf); e != HttpParseError::None) return fail(e);
        if (lf - 1 > pos_) {
          if (const HttpParseError e = parse_field_line(lf - 1, true); e != HttpParseError::None) {
            return fail(e);
          }
          pos_ = scan_ = lf + 1;
          break;
        }
        pos_ = scan_ = lf + 1;
        bool interim = false;
        if (const HttpParseError e = end_of_head(interim); e != HttpParseError::None) {
          return fail(e);
        }
        if (interim) {  // 1xx: drop it, the final response follows
          reset_message();
          section_start_ = pos_;
          phase_ = Phase::StatusLine;
        } else if (phase_ == Phase::Headers) {  // 101 (upgrade), 204, 304: no body
          return done(pos_);
        }
        break;
      }
      case Phase::Body: {
        if (size - body_start_ < content_length_) return {};
        body_len_ = static_cast<std::size_t>(content_length_);
        return done(body_start_ + body_len_);
      }
      case Phase::ChunkSize: {
        std::size_t lf = 0;
        const LineScan s = scan_line(size, pos_, limits_.max_chunk_line_bytes, lf);
        if (s == LineScan::TooLong) return fail(HttpParseError::BadChunkSize);
        if (s == LineScan::Partial) return {};
        if (const HttpParseError e = check_crlf(lf); e != HttpParseError::None) return fail(e);
        if (const HttpParseError e = parse_chunk_size(lf - 1); e != HttpParseError::None) {
          return fail(e);
        }
        pos_ = scan_ = lf + 1;
        if (chunk_left_ == 0) {
          section_start_ = pos_;
          phase_ = Phase::Trailers;
        } else {
          phase_ = Phase::ChunkData;
        }
        break;
      }
      case Phase::ChunkData: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(size - pos_, chunk_left_));
        char* const dst = base_ + body_start_ + body_len_;
        if (n != 0 && dst != base_ + pos_) std::memmove(dst, base_ + pos_, n);
        body_len_ += n;
        pos_ += n;
        chunk_left_ -= n;
        if (chunk_left_ != 0) return {};
        phase_ = Phase::ChunkDataEnd;
        break;
      }
      case Phase::ChunkDataEnd: {
        if (size - pos_ >= 1 && base_[pos_] != '\r') return fail(HttpParseError::BadChunkData);
        if (size - pos_ < 2) return {};
        if (base_[pos_ + 1] != '\n') return fail(HttpParseError::BadChunkData);
        pos_ = scan_ = pos_ + 2;
        phase_ = Phase::ChunkSize;
        break;
      }
      case Phase::Trailers: {
        std::size_t lf = 0;
        const LineScan s = scan_line(size, section_start_, limits_.max_header_bytes, lf);
        if (s == LineScan::TooLong) return fail(HttpParseError::HeaderSectionTooLarge);
        if (s == LineScan::Partial) return {};
        if (const HttpParseError e = check_crlf(lf); e != HttpParseError::None) return fail(e);
        if (lf - 1 == pos_) return done(lf + 1);
        if (const HttpParseError e = parse_field_line(lf - 1, false); e != HttpParseError::None) {
          return fail(e);
        }
        pos_ = scan_ = lf + 1;
        break;
      }
      case Phase::UntilClose: {
        if (size - body_start_ > limits_.max_body_bytes) return fail(HttpParseError::BodyTooLarge);
        body_len_ = size - body_start_;
        pos_ = size;
        return {};
      }
      case Phase::Done:
      case Phase::Error: return final_;
    }
  }
}

HttpParseResult ResponseParser::finish_on_eof(std::span<char> buf) noexcept {
  const HttpParseResult r = parse(buf);
  if (!r.need_more()) return r;
  if (phase_ == Phase::UntilClose) return done(size_);
  return fail(HttpParseError::UnexpectedEof);
}

}  // namespace scalper::net
