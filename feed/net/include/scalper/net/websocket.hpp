// websocket.hpp — the client side of RFC 6455: opening handshake helpers, masked frame
// encoding, server frame decoding with reassembly, and UTF-8 validation.
//
// Pure: bytes in, bytes or events out; no sockets, clocks or threads. Nothing here allocates
// except FrameDecoder's constructor (its reassembly buffer, once) and the SHA-1 of the
// handshake (OpenSSL, once per connection). Scope (docs/architecture.md §7.8): no extensions and
// no subprotocols are offered, so RSV bits must be 0 and the server may select neither.
//
// Lifetime of the views FrameDecoder returns:
//   * an unfragmented Text/Binary message, a Ping/Pong payload and a Close reason point into
//     the buffer passed to decode(): they stay valid until the caller drops (consumes),
//     moves (compacts) or overwrites those bytes. Handle the event before compacting.
//   * a fragmented message points into the decoder's reassembly buffer: it stays valid until
//     the next decode() or reset() call on that decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <scalper/net/http.hpp>

namespace scalper::net {

// ---- opening handshake ------------------------------------------------------------------

inline constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
inline constexpr std::size_t kWebSocketKeyChars = 24;     // base64 of 16 bytes
inline constexpr std::size_t kWebSocketAcceptChars = 28;  // base64 of a 20-byte SHA-1

// Sec-WebSocket-Key: base64 of a 16-byte nonce. The caller draws the nonce from a CSPRNG
// (fresh per connection); keeping randomness out keeps this function testable.
void make_websocket_key(std::span<const std::uint8_t, 16> nonce,
                        char (&out)[kWebSocketKeyChars]) noexcept;

// Sec-WebSocket-Accept the server must answer for `key`: base64(SHA-1(key + GUID)). False
// (out untouched) unless `key` is 24 characters, or when OpenSSL fails.
[[nodiscard]] bool websocket_accept_for(std::string_view key,
                                        char (&out)[kWebSocketAcceptChars]) noexcept;

struct UpgradeRequest {
  std::string_view host;    // Host header value, with ":port" when not the scheme's default
  std::string_view target;  // origin-form path and query ("/ws?x=1"); "" means "/"
  std::string_view key;     // from make_websocket_key
  // Further complete header lines without CRLF ("Origin: https://x"). They may not repeat a
  // header written here nor offer extensions or subprotocols (this codec supports neither).
  std::span<const std::string_view> extra_headers;
};

// Writes the GET request and its terminating blank line into `out`. Returns the bytes
// written, or 0 when they do not fit or a field could smuggle a line (CR, LF, NUL, a space
// in the target, a header line without a name) or names a header listed above.
[[nodiscard]] std::size_t write_upgrade_request(const UpgradeRequest& request,
                                                std::span<char> out) noexcept;

// The server's answer, as parsed by the HTTP layer. A header that occurred several times is
// passed as its values joined with ", " (RFC 9110 §5.3); an absent header is "".
struct UpgradeResponse {
  int status = 0;
  std::string_view upgrade;     // Upgrade
  std::string_view connection;  // Connection (a token list)
  std::string_view accept;      // Sec-WebSocket-Accept
  std::string_view extensions;  // Sec-WebSocket-Extensions
  std::string_view protocol;    // Sec-WebSocket-Protocol
};

enum class HandshakeError : std::uint8_t {
  None,
  NotSwitchingProtocols,  // status is not 101
  BadUpgrade,             // Upgrade is not "websocket" (case-insensitive)
  BadConnection,          // Connection has no "Upgrade" token (case-insensitive)
  BadAccept,              // Sec-WebSocket-Accept does not match our key
  ExtensionNotOffered,    // the server selected an extension: we offer none
  SubprotocolNotOffered,  // the server selected a subprotocol: we offer none
};

[[nodiscard]] std::string_view to_string(HandshakeError e) noexcept;

// RFC 6455 §4.1 checks of the 101 response to a request that carried `sent_key`. Any error
// means the connection must be failed (closed without a WebSocket close frame).
[[nodiscard]] HandshakeError check_upgrade_response(const UpgradeResponse& response,
                                                    std::string_view sent_key) noexcept;

// The handshake fields of a response the HTTP parser read in upgrade mode (http.hpp,
// HttpLimits::accept_upgrade), ready for check_upgrade_response.
[[nodiscard]] UpgradeResponse upgrade_response_of(const ResponseParser& parser);

// ---- frames ---------------------------------------------------------------------------------

enum class Opcode : std::uint8_t {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xA,
};

// Close codes (RFC 6455 §7.4.1). 1005 and 1006 are reported locally, never sent.
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseNoStatus = 1005;
inline constexpr std::uint16_t kCloseAbnormal = 1006;
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kClosePolicyViolation = 1008;
inline constexpr std::uint16_t kCloseMessageTooBig = 1009;
inline constexpr std::uint16_t kCloseInternalError = 1011;

// True for a code an endpoint may put in a close frame: 1000-1003, 1007-1014 (1012-1014 were
// registered with IANA after the RFC) and 3000-4999 (libraries, applications).
[[nodiscard]] bool is_sendable_close_code(std::uint16_t code) noexcept;

inline constexpr std::size_t kMaxControlPayload = 125;
inline constexpr std::size_t kMaxClientHeaderBytes = 14;  // 2 + 8-byte length + 4-byte mask
inline constexpr std::size_t kMaxServerHeaderBytes = 10;  // servers never mask

// Bytes encode_frame writes for a payload of `payload_size` bytes (minimal length encoding).
[[nodiscard]] constexpr std::size_t client_frame_size(std::size_t payload_size) noexcept {
  const std::size_t length_bytes = payload_size < 126 ? 0 : payload_size <= 0xFFFF ? 2 : 8;
  return 2 + length_bytes + 4 + payload_size;
}

// XORs `data` with the mask key, as if `data` started at byte 0 of a frame payload. The key's
// most significant byte is the first one on the wire (0x37fa213d masks with 37 fa 21 3d).
void apply_mask(std::span<std::uint8_t> data, std::uint32_t mask_key) noexcept;

// Writes one masked client frame: header, key, masked copy of `payload` (which must not
// overlap `out`). Returns the bytes written, or 0 when `out` is too small, `op` is not one of
// the six opcodes, or a control frame has fin=false or more than 125 bytes. The key must be
// fresh and unpredictable per frame (RFC 6455 §5.3): the caller draws it.
[[nodiscard]] std::size_t encode_frame(Opcode op, bool fin, std::span<const std::uint8_t> payload,
                                       std::uint32_t mask_key,
                                       std::span<std::uint8_t> out) noexcept;

// A close frame with `code` and a UTF-8 `reason` (at most 123 bytes). kCloseNoStatus writes
// an empty close payload (reason must then be empty). Returns 0 when the code may not be
// sent, the reason is too long or not UTF-8, or `out` is too small.
[[nodiscard]] std::size_t encode_close(std::uint16_t code, std::string_view reason,
                                       std::uint32_t mask_key,
                                       std::span<std::uint8_t> out) noexcept;

// ---- UTF-8 ----------------------------------------------------------------------------------

// Well-formed UTF-8 per Unicode Table 3-7: no overlong forms, no surrogates (U+D800-DFFF),
// nothing above U+10FFFF, no truncated sequence at the end. ASCII runs go 16 bytes at a time.
[[nodiscard]] bool is_valid_utf8(std::span<const std::uint8_t> bytes) noexcept;
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

// ---- decoding server frames -----------------------------------------------------------------

enum class FrameEvent : std::uint8_t {
  NeedMore,  // the frame at the start of the buffer is incomplete; see DecodeResult::need
  Fragment,  // a non-final data fragment was stored for reassembly; nothing to deliver yet
  Text,      // a complete text message (valid UTF-8)
  Binary,    // a complete binary message
  Ping,      // answer with a Pong echoing the payload
  Pong,
  Close,  // the server closes: reply with a close frame, then stop sending
  Error,  // the server broke the protocol: send a close with DecodeResult::close_code
};

// Why decode() reported Error. The decoder stays failed until reset().
enum class FrameError : std::uint8_t {
  None,
  ReservedBits,            // 1002: RSV1-3 set, and no extension was negotiated
  ReservedOpcode,          // 1002: opcode 3-7 or B-F
  FragmentedControl,       // 1002: control frame with FIN=0
  UnexpectedContinuation,  // 1002: continuation frame with no message in progress
  InterleavedMessage,      // 1002: Text/Binary frame while a fragmented message is in progress
  MaskedFrame,             // 1002: servers must not mask
  ControlTooLong,          // 1002: control payload above 125 bytes
  NonMinimalLength,        // 1002: a 16/64-bit length that fits a shorter form
  LengthMsbSet,            // 1002: 64-bit length with the most significant bit set
  BadClosePayload,         // 1002: 1-byte close payload, or a code not allowed on the wire
  FrameTooBig,             // 1009: payload above FrameLimits::max_frame_payload
  MessageTooBig,           // 1009: message above FrameLimits::max_message
  InvalidUtf8,             // 1007: a text message or close reason is not UTF-8
};

[[nodiscard]] std::string_view to_string(FrameError e) noexcept;
[[nodiscard]] std::uint16_t close_code_for(FrameError e) noexcept;

struct DecodeResult {
  FrameEvent event = FrameEvent::NeedMore;
  // Bytes at the start of the buffer that this call used up; the caller drops them before the
  // next call. 0 for NeedMore and Error.
  std::size_t consumed = 0;
  // NeedMore: decode() cannot progress before the buffer holds at least this many bytes (the
  // whole frame once its header is known). Never above FrameDecoder::max_frame_bytes().
  std::size_t need = 0;
  // Text/Binary: the message; Ping/Pong: the payload; Close: the reason (UTF-8, maybe empty).
  std::span<const std::uint8_t> payload;
  // Close: the server's code (kCloseNoStatus for an empty payload). Error: the code to send.
  std::uint16_t close_code = 0;
  FrameError error = FrameError::None;

  [[nodiscard]] std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
};

struct FrameLimits {
  std::size_t max_frame_payload = std::size_t{1} << 20;  // one frame's payload
  std::size_t max_message = std::size_t{1} << 20;        // a whole message, however fragmented
};

// Decodes the frames a server sends, one per call, from the start of the receive buffer:
//
//   for (;;) {
//     DecodeResult r = decoder.decode({rx.data() + head, tail - head});
//     if (r.event == FrameEvent::NeedMore) break;   // read more (r.need bytes at least)
//     handle(r);                                     // before the bytes are dropped
//     if (r.event == FrameEvent::Error) { send close r.close_code; break; }
//     head += r.consumed;
//   }
//
// Unfragmented messages and control frames are delivered as views into the buffer (no copy);
// fragments are copied into a reassembly buffer of max_message bytes allocated once, here.
// Control frames between fragments are delivered at once and leave reassembly as it was.
// The receive buffer must be able to hold max_frame_bytes() so that every frame fits.
// decode() never allocates and never reads past the span it is given.
class FrameDecoder {
 public:
  explicit FrameDecoder(FrameLimits limits = {});

  [[nodiscard]] DecodeResult decode(std::span<const std::uint8_t> buffer) noexcept;

  // Forgets any partial message and a previous error (a new connection), keeping the buffer.
  void reset() noexcept;

  [[nodiscard]] const FrameLimits& limits() const noexcept { return limits_; }
  [[nodiscard]] std::size_t max_frame_bytes() const noexcept {
    return limits_.max_frame_payload + kMaxServerHeaderBytes;
  }
  [[nodiscard]] bool message_in_progress() const noexcept { return in_progress_; }
  // The reassembly buffer, so that checks can tell where a view points.
  [[nodiscard]] std::span<const std::uint8_t> reassembly_storage() const noexcept {
    return {reassembly_.get(), limits_.max_message};
  }

 private:
  struct Header;

  DecodeResult fail(FrameError e) noexcept;
  DecodeResult on_control(const Header& h, std::span<const std::uint8_t> payload) noexcept;
  DecodeResult on_data(const Header& h, std::span<const std::uint8_t> payload) noexcept;
  DecodeResult deliver(Opcode op, std::span<const std::uint8_t> message,
                       std::size_t consumed) noexcept;

  FrameLimits limits_;
  std::unique_ptr<std::uint8_t[]> reassembly_;
  std::size_t assembled_ = 0;  // bytes of the message in progress held in reassembly_
  Opcode message_op_ = Opcode::Text;
  bool in_progress_ = false;
  FrameError failed_ = FrameError::None;
};

}  // namespace scalper::net
