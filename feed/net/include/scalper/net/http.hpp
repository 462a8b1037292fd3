// http.hpp — HTTP/1.1 client codec for order entry: a request writer and a response parser.
//
// Pure byte code: no sockets, no clocks, no threads, no exceptions, no allocation. Both halves
// work over caller buffers; the io loop owns the buffers and the connection.
//
// RequestWriter — writes "METHOD target HTTP/1.1", Host, Content-Type, Content-Length (from
// the body), Connection, the caller's extra headers (X-AUTH-APIKEY, X-AUTH-SIGNATURE, ...) and
// the body. It never truncates: a request that does not fit leaves an error and no message.
// Inputs are validated (token method and names, no CR/LF/CTL in values, visible-ASCII target),
// so a bad value can never inject a header or split the request.
//
// In-place body (the order gateway signs the exact body bytes it sends): begin_body(reserve)
// hands out the buffer from offset `reserve` on; the gateway serialises the JSON body there,
// signs it, then finish_body(head, n) writes the head *backwards from the body*, i.e. into
// [reserve - head_size, reserve), with the signature among its headers. The request is then
// the contiguous span [reserve - head_size, reserve + n) — it usually does not start at
// offset 0, so send result.message, not the buffer's front.
//   Why this and not a fixed-width Content-Length field: padding the number (leading zeros,
//   or spaces as OWS) is legal HTTP but is exactly the kind of unusual framing some servers,
//   proxies and WAFs in front of an exchange treat as suspicious or parse differently; and the
//   head could not carry the signature anyway, since that is known only after the body. Here
//   the bytes on the wire are canonical and identical to write()'s, no byte of the body is
//   copied or moved, and the head is written once, after everything in it is known. The cost
//   is a few unused bytes in front of the message (reserve - head_size); head_size() gives the
//   exact figure when a tight reserve is wanted (the signature is fixed-width hex).
//
// ResponseParser — incremental and allocation-free. parse(buf) is given the receive buffer's
// unconsumed bytes, starting at the first byte of the response; each call may offer more bytes
// than the last (never fewer). It returns NeedMore, Done(consumed) or Error(HttpParseError).
// After Done the caller reads status/headers/body, drops `consumed` bytes from its buffer
// (whatever follows is the next, pipelined, response) and calls reset() before the next one.
// Errors are sticky: the stream is out of sync and the connection must be closed.
//   * Status line: HTTP/1.0 or HTTP/1.1, a 3-digit code 100..599, optional reason. 1xx
//     interim responses (100 Continue, 103 ...) are skipped and counted in `consumed` of the
//     final response; 101 is an error unless limits.accept_upgrade (the WebSocket handshake),
//     where it is the final response with no body.
//   * Headers: up to limits.max_headers lines kept as views; the status line, headers and the
//     blank line together at most limits.max_header_bytes. Lines must end in CRLF (a bare CR
//     or LF is an error); obs-fold, a missing colon, whitespace before the colon, a non-token
//     name byte or a control byte in a value are errors.
//   * Body: by Content-Length (one, 1*DIGIT; duplicates and lists refused), by
//     "Transfer-Encoding: chunked" (the only coding accepted; together with Content-Length it
//     is refused, as is any Transfer-Encoding in HTTP/1.0), or, with neither, until the peer
//     closes (RFC 9112 §6.3; finish_on_eof() ends it). 204 and 304 have no body. The de-chunked
//     body is limited to limits.max_body_bytes. Responses to HEAD are not supported.
//   * Chunked bodies are de-chunked IN PLACE: chunk data is moved down over the chunk-size
//     lines already parsed, so body() is one contiguous view. That is why parse() takes a
//     mutable span. Bytes of the buffer before the parser's position may therefore change;
//     the caller must keep them as they are between calls (copy or move them unchanged if the
//     buffer is compacted). Extensions are ignored, trailers are checked and skipped.
//
// View lifetime: the parser stores offsets, not pointers, and rebuilds views from the span of
// the latest parse()/finish_on_eof() call. reason(), header(), find_header() and body() are
// valid until the caller consumes, overwrites or moves those bytes, or calls reset(). Between
// NeedMore calls the buffer may move (say, a ring compacting itself) as long as the bytes seen
// so far are kept unchanged and in order at the front of the next span.
//
// The raw response (with chunk framing and any 1xx before it) must fit in the caller's buffer
// until Done: nothing is released earlier.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace scalper::net {

// One header line, as the writer takes it and the parser returns it.
struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive equality, as header names and tokens compare.
[[nodiscard]] bool http_iequals(std::string_view a, std::string_view b) noexcept;

// ---------------------------------------------------------------------------------------------
// Request writer
// ---------------------------------------------------------------------------------------------

enum class HttpWriteError : std::uint8_t {
  None,
  BufferTooSmall,  // the request (or, for finish_body, the body) does not fit the buffer
  HeadTooLarge,    // finish_body: the head is longer than the reserve given to begin_body
  NotBegun,        // finish_body without a successful begin_body
  BadMethod,       // empty or not a token
  BadTarget,       // empty, or a byte other than visible ASCII (no SP, CTL or obs-text)
  BadHost,         // empty, or SP / a control byte
  BadHeaderName,   // an extra header's name is empty or not a token
  BadHeaderValue,  // CR, LF, NUL or another control byte (HTAB is fine) in a value
  ReservedHeader,  // an extra header the writer owns: Host, Content-Type, Content-Length,
                   // Transfer-Encoding or Connection
};

[[nodiscard]] std::string_view to_string(HttpWriteError e) noexcept;

// What goes before the body. Views only: they must outlive the write call, nothing more.
// Lines are written in this order:
//   METHOD SP target SP "HTTP/1.1"
//   Host: host
//   Content-Type: content_type          (left out when content_type is empty)
//   Content-Length: <body size>         (left out only for an empty body with GET or HEAD)
//   Connection: keep-alive | close
//   extra[0..n)                         (as given, "Name: value")
struct HttpRequestHead {
  std::string_view method = "POST";
  std::string_view target;  // origin-form, e.g. "/exchange/v1/derivatives/futures/orders/create"
  std::string_view host;    // e.g. "api.coindcx.com"
  std::string_view content_type = "application/json";
  std::span<const HttpHeader> extra;
  bool keep_alive = true;
};

struct HttpWriteResult {
  HttpWriteError error = HttpWriteError::None;
  std::span<const char> message;  // the request's bytes inside the buffer; empty on error

  [[nodiscard]] bool ok() const noexcept { return error == HttpWriteError::None; }
  [[nodiscard]] std::size_t size() const noexcept { return message.size(); }
};

class RequestWriter {
 public:
  explicit RequestWriter(std::span<char> out) noexcept : out_(out) {}

  // Bytes of the head (request line through the blank line) for a body of body_size bytes.
  // Does not validate; a tight begin_body reserve is head_size(head, any body size with as
  // many decimal digits as the real one).
  [[nodiscard]] static std::size_t head_size(const HttpRequestHead& head,
                                             std::size_t body_size) noexcept;

  // One shot: head then body from the buffer's first byte. The body may lie anywhere, even
  // inside the buffer (it is moved into place before the head is written).
  [[nodiscard]] HttpWriteResult write(const HttpRequestHead& head, std::string_view body) noexcept;

  // In place, step 1: the area the body must be written to, out[head_reserve..). When
  // head_reserve > buffer size it is empty and finish_body fails with BufferTooSmall. Calling
  // it again starts over (the last call's reserve counts).
  [[nodiscard]] std::span<char> begin_body(std::size_t head_reserve) noexcept;

  // In place, step 2: the first body_size bytes of the body area are the body. Writes the head
  // right before them; the body is not touched.
  [[nodiscard]] HttpWriteResult finish_body(const HttpRequestHead& head,
                                            std::size_t body_size) noexcept;

  [[nodiscard]] std::span<char> buffer() const noexcept { return out_; }

 private:
  static constexpr std::size_t kNotBegun = static_cast<std::size_t>(-1);

  std::span<char> out_;
  std::size_t reserve_ = kNotBegun;
};

// ---------------------------------------------------------------------------------------------
// Response parser
// ---------------------------------------------------------------------------------------------

// Capacity of the parser's header table; HttpLimits::max_headers may lower it.
inline constexpr std::size_t kHttpMaxHeaders = 64;

struct HttpLimits {
  std::size_t max_header_bytes = 8192;        // status line + header lines + blank line (min 16);
                                              // also bounds the trailer section on its own
  std::size_t max_headers = kHttpMaxHeaders;  // header lines kept (clamped to kHttpMaxHeaders)
  std::size_t max_body_bytes = 1u << 20;      // de-chunked body
  std::size_t max_chunk_line_bytes = 1024;    // chunk-size line, extensions, CRLF (min 3)
  // The WebSocket handshake: a 101 is the final response, Done right after its head (no
  // body; the bytes after `consumed` are already the new protocol's). Off for order entry,
  // where a 101 is never asked for and stays an error.
  bool accept_upgrade = false;
};

enum class HttpParseStatus : std::uint8_t { NeedMore, Done, Error };

enum class HttpParseError : std::uint8_t {
  None,
  BadLineEnding,          // a CR not followed by LF, or an LF without CR, in a head/chunk line
  BadStatusLine,          // not "HTTP/", no SP after version/code, control byte in the reason
  BadVersion,             // not HTTP/1.0 or HTTP/1.1
  BadStatusCode,          // not three digits, or outside 100..599
  SwitchingProtocols,     // 101 without limits.accept_upgrade: never requested
  BadHeaderName,          // no colon, empty name, whitespace before the colon, non-token byte
  BadHeaderValue,         // control byte (other than HTAB) in a value
  ObsFold,                // a header/trailer line starting with SP or HTAB
  HeaderSectionTooLarge,  // head (or trailer section) beyond limits.max_header_bytes
  TooManyHeaders,         // more than limits.max_headers header lines
  BadContentLength,       // not 1*DIGIT (sign, list, empty, spaces inside) or > 2^64-1
  DuplicateContentLength,
  ContentLengthWithTransferEncoding,
  UnsupportedTransferEncoding,  // anything but one "chunked"; any Transfer-Encoding in 1.0
  BadChunkSize,   // no hex digit, junk after it, overflow, line over max_chunk_line_bytes
  BadChunkData,   // chunk data not followed by CRLF
  BodyTooLarge,   // body (de-chunked) over limits.max_body_bytes
  UnexpectedEof,  // finish_on_eof while the response is incomplete
  BufferShrank,   // parse() offered fewer bytes than it had already seen (caller bug)
};

[[nodiscard]] std::string_view to_string(HttpParseError e) noexcept;

struct HttpParseResult {
  HttpParseStatus status = HttpParseStatus::NeedMore;
  HttpParseError error = HttpParseError::None;
  std::size_t consumed = 0;  // Done: bytes of the span this response used (1xx included)

  [[nodiscard]] bool done() const noexcept { return status == HttpParseStatus::Done; }
  [[nodiscard]] bool need_more() const noexcept { return status == HttpParseStatus::NeedMore; }
  [[nodiscard]] bool failed() const noexcept { return status == HttpParseStatus::Error; }
};

class ResponseParser {
 public:
  explicit ResponseParser(const HttpLimits& limits = HttpLimits{}) noexcept;

  // Parses as far as buf allows. buf starts at the response's first byte and holds every
  // byte offered before (unchanged, see the file comment) plus possibly more. Done and Error
  // are sticky until reset(): calling again returns the same result.
  [[nodiscard]] HttpParseResult parse(std::span<char> buf) noexcept;

  // The peer closed the connection; buf is everything received. Parses it, then ends a body
  // delimited by the close (Done, consumed = buf.size()); any other unfinished response is
  // UnexpectedEof.
  [[nodiscard]] HttpParseResult finish_on_eof(std::span<char> buf) noexcept;

  // Ready for the next response (keeps the limits).
  void reset() noexcept;

  // The final response, meaningful after Done (after NeedMore: as far as parsed).
  [[nodiscard]] unsigned status() const noexcept { return status_; }
  [[nodiscard]] unsigned version_minor() const noexcept { return minor_; }  // 0 or 1
  [[nodiscard]] std::string_view reason() const noexcept { return view(reason_); }
  [[nodiscard]] std::size_t header_count() const noexcept { return header_count_; }
  [[nodiscard]] HttpHeader header(std::size_t i) const noexcept;  // i < header_count()
  // The first header with that name (ASCII case-insensitive); its value without OWS.
  [[nodiscard]] std::optional<std::string_view> find_header(std::string_view name) const noexcept;
  [[nodiscard]] std::string_view body() const noexcept { return view({body_start_, body_len_}); }

  // May the connection carry another request? HTTP/1.1: unless "Connection: close";
  // HTTP/1.0: only with "Connection: keep-alive"; never when the body ran until close.
  [[nodiscard]] bool keep_alive() const noexcept;
  // The Content-Length header's value, if there was one (ignored for 204 and 304).
  [[nodiscard]] std::optional<std::uint64_t> content_length() const noexcept;
  [[nodiscard]] bool chunked() const noexcept { return chunked_; }
  [[nodiscard]] bool until_close() const noexcept { return until_close_; }

  [[nodiscard]] const HttpLimits& limits() const noexcept { return limits_; }

 private:
  enum class Phase : std::uint8_t {
    StatusLine,
    Headers,
    Body,
    ChunkSize,
    ChunkData,
    ChunkDataEnd,
    Trailers,
    UntilClose,
    Done,
    Error,
  };
  enum class LineScan : std::uint8_t { Found, Partial, TooLong };

  struct Range {
    std::size_t off = 0;
    std::size_t len = 0;
  };
  struct Field {
    Range name;
    Range value;
  };

  [[nodiscard]] std::string_view view(Range r) const noexcept;
  void reset_message() noexcept;
  HttpParseResult fail(HttpParseError e) noexcept;
  HttpParseResult done(std::size_t end) noexcept;
  LineScan scan_line(std::size_t size, std::size_t from, std::size_t limit,
                     std::size_t& lf) noexcept;
  HttpParseError check_crlf(std::size_t lf) const noexcept;
  HttpParseError status_prefix(std::size_t size) const noexcept;
  HttpParseError parse_status_line(std::size_t end) noexcept;
  HttpParseError parse_field_line(std::size_t end, bool store) noexcept;
  HttpParseError end_of_head(bool& interim) noexcept;
  HttpParseError parse_chunk_size(std::size_t end) noexcept;

  HttpLimits limits_;
  char* base_ = nullptr;  // span of the latest call
  std::size_t size_ = 0;
  Phase phase_ = Phase::StatusLine;
  HttpParseResult final_{};

  std::size_t pos_ = 0;            // next unparsed byte (line phases: start of the line)
  std::size_t scan_ = 0;           // where the search for the line's LF resumes
  std::size_t section_start_ = 0;  // start of the head or trailer section (size limit)

  unsigned status_ = 0;
  unsigned minor_ = 0;
  Range reason_;
  std::array<Field, kHttpMaxHeaders> fields_{};
  std::size_t header_count_ = 0;

  bool has_content_length_ = false;
  bool has_transfer_encoding_ = false;
  bool chunked_ = false;
  bool until_close_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  std::uint64_t content_length_ = 0;

  std::size_t body_start_ = 0;
  std::size_t body_len_ = 0;
  std::uint64_t chunk_left_ = 0;
};

}  // namespace scalper::net
