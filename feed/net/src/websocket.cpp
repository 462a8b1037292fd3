#include <scalper/net/websocket.hpp>

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace scalper::net {
namespace {

// ---- small byte helpers -------------------------------------------------------------------

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with '=' padding; `out` holds 4 * ceil(in.size() / 3) characters.
void base64_encode(std::span<const std::uint8_t> in, char* out) noexcept {
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | std::uint32_t{in[i + 2]};
    *out++ = kBase64Alphabet[(v >> 18) & 0x3F];
    *out++ = kBase64Alphabet[(v >> 12) & 0x3F];
    *out++ = kBase64Alphabet[(v >> 6) & 0x3F];
    *out++ = kBase64Alphabet[v & 0x3F];
  }
  const std::size_t rest = in.size() - i;
  if (rest == 0) return;
  const std::uint32_t v =
      (std::uint32_t{in[i]} << 16) | (rest == 2 ? std::uint32_t{in[i + 1]} << 8 : 0u);
  *out++ = kBase64Alphabet[(v >> 18) & 0x3F];
  *out++ = kBase64Alphabet[(v >> 12) & 0x3F];
  *out++ = rest == 2 ? kBase64Alphabet[(v >> 6) & 0x3F] : '=';
  *out = '=';
}

std::uint16_t read_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint64_t read_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// HTTP optional whitespace (RFC 9110 §5.6.3): SP and HTAB.
std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (iequals(trim_ows(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// ---- request writing ------------------------------------------------------------------------

bool is_ctl(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

// Host, target and key go on a line of their own: any control byte or space could end that
// line early or forge another header (request smuggling).
bool is_single_token(std::string_view s) noexcept {
  return std::none_of(s.begin(), s.end(), [](char c) { return is_ctl(c) || c == ' '; });
}

bool is_tchar(char c) noexcept {  // RFC 9110 §5.6.2 token characters
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Headers the request writes itself, or that would offer what this codec cannot honour.
bool is_reserved_header(std::string_view name) noexcept {
  constexpr std::string_view kReserved[] = {
      "host",
      "upgrade",
      "connection",
      "sec-websocket-key",
      "sec-websocket-version",
      "sec-websocket-extensions",
      "sec-websocket-protocol",
  };
  return std::any_of(std::begin(kReserved), std::end(kReserved),
                     [name](std::string_view r) { return iequals(name, r); });
}

bool is_acceptable_header_line(std::string_view line) noexcept {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_tchar) || is_reserved_header(name)) return false;
  const std::string_view value = line.substr(colon + 1);
  // HTAB is the one control character a field value may hold.
  return std::none_of(value.begin(), value.end(), [](char c) { return is_ctl(c) && c != '\t'; });
}

// Appends into a fixed buffer; once something does not fit, everything after is refused.
class BoundedWriter {
 public:
  explicit BoundedWriter(std::span<char> out) noexcept : out_(out) {}

  void put(std::string_view s) noexcept {
    if (!fits_ || s.size() > out_.size() - used_) {
      fits_ = false;
      return;
    }
    std::memcpy(out_.data() + used_, s.data(), s.size());
    used_ += s.size();
  }
  [[nodiscard]] std::size_t written_or_zero() const noexcept { return fits_ ? used_ : 0; }

 private:
  std::span<char> out_;
  std::size_t used_ = 0;
  bool fits_ = true;
};

// ---- frames ---------------------------------------------------------------------------------

constexpr std::uint8_t kFinBit = 0x80;
constexpr std::uint8_t kRsvBits = 0x70;
constexpr std::uint8_t kOpcodeBits = 0x0F;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint8_t kLength16 = 126;
constexpr std::uint8_t kLength64 = 127;
constexpr std::size_t kMaxCloseReason = kMaxControlPayload - 2;

bool is_known_opcode(std::uint8_t op) noexcept { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

bool is_control(Opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

// Copies n bytes from src to dst XORed with the key, 8 bytes per step. The 8-byte pattern is
// the key twice in wire order, loaded with memcpy so it matches the payload bytes whatever the
// host's endianness; memcpy also makes unaligned words well-defined. Since 8 is a multiple of
// 4, the tail starts again at key byte 0. src == dst is allowed.
void mask_copy(const std::uint8_t* src, std::uint8_t* dst, std::size_t n,
               std::uint32_t mask_key) noexcept {
  const std::uint8_t key[4] = {
      static_cast<std::uint8_t>(mask_key >> 24), static_cast<std::uint8_t>(mask_key >> 16),
      static_cast<std::uint8_t>(mask_key >> 8), static_cast<std::uint8_t>(mask_key)};
  std::uint8_t pattern_bytes[8];
  std::memcpy(pattern_bytes, key, 4);
  std::memcpy(pattern_bytes + 4, key, 4);
  std::uint64_t pattern;
  std::memcpy(&pattern, pattern_bytes, 8);

  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= pattern;
    std::memcpy(dst + i, &word, 8);
  }
  for (; i < n; ++i) dst[i] = static_cast<std::uint8_t>(src[i] ^ key[i & 3]);
}

// Writes FIN/opcode, MASK + minimal length, extended length and key; returns header bytes.
std::size_t write_client_header(Opcode op, bool fin, std::size_t payload_size,
                                std::uint32_t mask_key, std::uint8_t* out) noexcept {
  out[0] = static_cast<std::uint8_t>((fin ? kFinBit : 0) | static_cast<std::uint8_t>(op));
  std::size_t at = 2;
  if (payload_size < kLength16) {
    out[1] = static_cast<std::uint8_t>(kMaskBit | payload_size);
  } else if (payload_size <= 0xFFFF) {
    out[1] = kMaskBit | kLength16;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    at = 4;
  } else {
    out[1] = kMaskBit | kLength64;
    const auto size64 = static_cast<std::uint64_t>(payload_size);
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(size64 >> (56 - 8 * i));
    at = 10;
  }
  for (int i = 0; i < 4; ++i) out[at++] = static_cast<std::uint8_t>(mask_key >> (24 - 8 * i));
  return at;
}

// ---- UTF-8 ----------------------------------------------------------------------------------

constexpr std::uint64_t kHighBits = 0x8080808080808080u;

bool all_ascii16(const std::uint8_t* p) noexcept {
  std::uint64_t a;
  std::uint64_t b;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  return ((a | b) & kHighBits) == 0;
}

bool is_continuation(std::uint8_t b) noexcept { return (b & 0xC0) == 0x80; }

// Length of the well-formed multi-byte sequence at p (Unicode Table 3-7), 0 if ill-formed.
// The narrowed second-byte ranges are what rule out overlongs (E0, F0), surrogates (ED) and
// code points above U+10FFFF (F4); C0, C1 and F5-FF never start a sequence.
std::size_t multibyte_sequence_length(const std::uint8_t* p, std::size_t available) noexcept {
  const std::uint8_t lead = p[0];
  if (lead < 0xC2) return 0;
  if (lead < 0xE0) return available >= 2 && is_continuation(p[1]) ? 2 : 0;
  if (lead < 0xF0) {
    if (available < 3) return 0;
    const std::uint8_t lo = lead == 0xE0 ? 0xA0 : 0x80;
    const std::uint8_t hi = lead == 0xED ? 0x9F : 0xBF;
    return p[1] >= lo && p[1] <= hi && is_continuation(p[2]) ? 3 : 0;
  }
  if (lead < 0xF5) {
    if (available < 4) return 0;
    const std::uint8_t lo = lead == 0xF0 ? 0x90 : 0x80;
    const std::uint8_t hi = lead == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= lo && p[1] <= hi && is_continuation(p[2]) && is_continuation(p[3]) ? 4 : 0;
  }
  return 0;
}

DecodeResult need_more(std::size_t bytes) noexcept {
  DecodeResult r;
  r.event = FrameEvent::NeedMore;
  r.need = bytes;
  return r;
}

}  // namespace

// ---- handshake ------------------------------------------------------------------------------

void make_websocket_key(std::span<const std::uint8_t, 16> nonce,
                        char (&out)[kWebSocketKeyChars]) noexcept {
  base64_encode(nonce, out);
}

bool websocket_accept_for(std::string_view key, char (&out)[kWebSocketAcceptChars]) noexcept {
  if (key.size() != kWebSocketKeyChars) return false;
  std::uint8_t input[kWebSocketKeyChars + kWebSocketGuid.size()];
  std::memcpy(input, key.data(), key.size());
  std::memcpy(input + key.size(), kWebSocketGuid.data(), kWebSocketGuid.size());
  std::uint8_t digest[SHA_DIGEST_LENGTH];
  if (SHA1(input, sizeof input, digest) == nullptr) return false;
  base64_encode(digest, out);
  return true;
}

std::size_t write_upgrade_request(const UpgradeRequest& request, std::span<char> out) noexcept {
  const std::string_view target = request.target.empty() ? "/" : request.target;
  if (target.front() != '/' || !is_single_token(target)) return 0;
  if (request.host.empty() || !is_single_token(request.host)) return 0;
  if (request.key.size() != kWebSocketKeyChars || !is_single_token(request.key)) return 0;
  for (const std::string_view line : request.extra_headers) {
    if (!is_acceptable_header_line(line)) return 0;
  }

  BoundedWriter w(out);
  w.put("GET ");
  w.put(target);
  w.put(" HTTP/1.1\r\nHost: ");
  w.put(request.host);
  w.put("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  w.put(request.key);
  w.put("\r\nSec-WebSocket-Version: 13\r\n");
  for (const std::string_view line : request.extra_headers) {
    w.put(line);
    w.put("\r\n");
  }
  w.put("\r\n");
  return w.written_or_zero();
}

std::string_view to_string(HandshakeError e) noexcept {
  switch (e) {
    case HandshakeError::None: return "ok";
    case HandshakeError::NotSwitchingProtocols: return "status is not 101";
    case HandshakeError::BadUpgrade: return "Upgrade is not websocket";
    case HandshakeError::BadConnection: return "Connection lacks the Upgrade token";
    case HandshakeError::BadAccept: return "Sec-WebSocket-Accept does not match the key";
    case HandshakeError::ExtensionNotOffered: return "server selected an extension not offered";
    case HandshakeError::SubprotocolNotOffered: return "server selected a subprotocol not offered";
  }
  return "unknown handshake error";
}

HandshakeError check_upgrade_response(const UpgradeResponse& response,
                                      std::string_view sent_key) noexcept {
  if (response.status != 101) return HandshakeError::NotSwitchingProtocols;
  if (!iequals(trim_ows(response.upgrade), "websocket")) return HandshakeError::BadUpgrade;
  if (!has_token(response.connection, "upgrade")) return HandshakeError::BadConnection;
  char expected[kWebSocketAcceptChars];
  if (!websocket_accept_for(sent_key, expected) ||
      trim_ows(response.accept) != std::string_view(expected, sizeof expected)) {
    return HandshakeError::BadAccept;
  }
  // We never offer extensions or subprotocols (RFC 6455 §4.1, client steps 5 and 6).
  if (!trim_ows(response.extensions).empty()) return HandshakeError::ExtensionNotOffered;
  if (!trim_ows(response.protocol).empty()) return HandshakeError::SubprotocolNotOffered;
  return HandshakeError::None;
}

// ---- encoding -------------------------------------------------------------------------------

bool is_sendable_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

void apply_mask(std::span<std::uint8_t> data, std::uint32_t mask_key) noexcept {
  mask_copy(data.data(), data.data(), data.size(), mask_key);
}

std::size_t encode_frame(Opcode op, bool fin, std::span<const std::uint8_t> payload,
                         std::uint32_t mask_key, std::span<std::uint8_t> out) noexcept {
  if (!is_known_opcode(static_cast<std::uint8_t>(op))) return 0;
  if (is_control(op) && (!fin || payload.size() > kMaxControlPayload)) return 0;
  if (out.size() < client_frame_size(payload.size())) return 0;
  const std::size_t header = write_client_header(op, fin, payload.size(), mask_key, out.data());
  mask_copy(payload.data(), out.data() + header, payload.size(), mask_key);
  return header + payload.size();
}

std::size_t encode_close(std::uint16_t code, std::string_view reason, std::uint32_t mask_key,
                         std::span<std::uint8_t> out) noexcept {
  if (code == kCloseNoStatus) {
    return reason.empty() ? encode_frame(Opcode::Close, true, {}, mask_key, out) : 0;
  }
  if (!is_sendable_close_code(code) || reason.size() > kMaxCloseReason || !is_valid_utf8(reason)) {
    return 0;
  }
  std::uint8_t payload[kMaxControlPayload];
  payload[0] = static_cast<std::uint8_t>(code >> 8);
  payload[1] = static_cast<std::uint8_t>(code);
  if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
  return encode_frame(Opcode::Close, true, {payload, 2 + reason.size()}, mask_key, out);
}

// ---- UTF-8 ----------------------------------------------------------------------------------

bool is_valid_utf8(std::span<const std::uint8_t> bytes) noexcept {
  const std::uint8_t* p = bytes.data();
  const std::uint8_t* const end = p + bytes.size();
  while (p != end) {
    if (end - p >= 16 && all_ascii16(p)) {
      p += 16;
      continue;
    }
    // A non-ASCII byte lies within the next 16 (or the tail is shorter): walk up to it.
    while (p != end && *p < 0x80) ++p;
    if (p == end) break;
    const std::size_t length = multibyte_sequence_length(p, static_cast<std::size_t>(end - p));
    if (length == 0) return false;
    p += length;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
  return is_valid_utf8(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// ---- decoding -------------------------------------------------------------------------------

std::string_view to_string(FrameError e) noexcept {
  switch (e) {
    case FrameError::None: return "ok";
    case FrameError::ReservedBits: return "RSV bits set without an extension";
    case FrameError::ReservedOpcode: return "reserved opcode";
    case FrameError::FragmentedControl: return "fragmented control frame";
    case FrameError::UnexpectedContinuation: return "continuation without a message";
    case FrameError::InterleavedMessage: return "new message inside a fragmented one";
    case FrameError::MaskedFrame: return "masked server frame";
    case FrameError::ControlTooLong: return "control frame above 125 bytes";
    case FrameError::NonMinimalLength: return "non-minimal length encoding";
    case FrameError::LengthMsbSet: return "64-bit length with the top bit set";
    case FrameError::BadClosePayload: return "invalid close payload or code";
    case FrameError::FrameTooBig: return "frame above the limit";
    case FrameError::MessageTooBig: return "message above the limit";
    case FrameError::InvalidUtf8: return "invalid UTF-8";
  }
  return "unknown frame error";
}

std::uint16_t close_code_for(FrameError e) noexcept {
  switch (e) {
    case FrameError::None: return kCloseNormal;
    case FrameError::FrameTooBig:
    case FrameError::MessageTooBig: return kCloseMessageTooBig;
    case FrameError::InvalidUtf8: return kCloseInvalidPayload;
    case FrameError::ReservedBits:
    case FrameError::ReservedOpcode:
    case FrameError::FragmentedControl:
    case FrameError::UnexpectedContinuation:
    case FrameError::InterleavedMessage:
    case FrameError::MaskedFrame:
    case FrameError::ControlTooLong:
    case FrameError::NonMinimalLength:
    case FrameError::LengthMsbSet:
    case FrameError::BadClosePayload: return kCloseProtocolError;
  }
  return kCloseProtocolError;
}

struct FrameDecoder::Header {
  Opcode op = Opcode::Text;
  bool fin = false;
  std::size_t frame_bytes = 0;  // header + payload
};

FrameDecoder::FrameDecoder(FrameLimits limits)
    : limits_(limits),
      reassembly_(std::make_unique_for_overwrite<std::uint8_t[]>(limits.max_message)) {
  // max_frame_bytes() adds the header size; keep that sum representable.
  limits_.max_frame_payload = std::min(
      limits_.max_frame_payload, std::numeric_limits<std::size_t>::max() - kMaxServerHeaderBytes);
}

void FrameDecoder::reset() noexcept {
  assembled_ = 0;
  in_progress_ = false;
  failed_ = FrameError::None;
}

DecodeResult FrameDecoder::fail(FrameError e) noexcept {
  failed_ = e;
  DecodeResult r;
  r.event = FrameEvent::Error;
  r.error = e;
  r.close_code = close_code_for(e);
  return r;
}

// Every check runs as soon as the bytes it needs are present, in byte order, so a frame gives
// the same verdict however the stream is split into reads.
DecodeResult FrameDecoder::decode(std::span<const std::uint8_t> buffer) noexcept {
  if (failed_ != FrameError::None) return fail(failed_);
  if (buffer.empty()) return need_more(2);

  const std::uint8_t b0 = buffer[0];
  if ((b0 & kRsvBits) != 0) return fail(FrameError::ReservedBits);
  const auto raw_op = static_cast<std::uint8_t>(b0 & kOpcodeBits);
  if (!is_known_opcode(raw_op)) return fail(FrameError::ReservedOpcode);
  Header h;
  h.op = static_cast<Opcode>(raw_op);
  h.fin = (b0 & kFinBit) != 0;
  const bool control = is_control(h.op);
  if (control) {
    if (!h.fin) return fail(FrameError::FragmentedControl);
  } else if (h.op == Opcode::Continuation) {
    if (!in_progress_) return fail(FrameError::UnexpectedContinuation);
  } else if (in_progress_) {
    return fail(FrameError::InterleavedMessage);
  }

  if (buffer.size() < 2) return need_more(2);
  const std::uint8_t b1 = buffer[1];
  if ((b1 & kMaskBit) != 0) return fail(FrameError::MaskedFrame);
  const auto length7 = static_cast<std::uint8_t>(b1 & 0x7F);
  if (control && length7 > kMaxControlPayload) return fail(FrameError::ControlTooLong);

  const std::size_t header_bytes = length7 == kLength16 ? 4 : length7 == kLength64 ? 10 : 2;
  if (buffer.size() < header_bytes) return need_more(header_bytes);
  std::uint64_t payload_size = length7;
  if (length7 == kLength16) {
    payload_size = read_be16(&buffer[2]);
    if (payload_size < kLength16) return fail(FrameError::NonMinimalLength);
  } else if (length7 == kLength64) {
    payload_size = read_be64(&buffer[2]);
    if ((payload_size >> 63) != 0) return fail(FrameError::LengthMsbSet);
    if (payload_size <= 0xFFFF) return fail(FrameError::NonMinimalLength);
  }

  // Limits before waiting for the payload: NeedMore never asks for more than
  // max_frame_bytes(), and an oversized message fails on its header.
  if (payload_size > limits_.max_frame_payload) return fail(FrameError::FrameTooBig);
  if (!control) {
    const std::size_t already = h.op == Opcode::Continuation ? assembled_ : 0;
    if (payload_size > limits_.max_message - already) return fail(FrameError::MessageTooBig);
  }

  const auto payload_bytes = static_cast<std::size_t>(payload_size);
  h.frame_bytes = header_bytes + payload_bytes;
  if (buffer.size() < h.frame_bytes) return need_more(h.frame_bytes);
  const std::span<const std::uint8_t> payload = buffer.subspan(header_bytes, payload_bytes);
  return control ? on_control(h, payload) : on_data(h, payload);
}

DecodeResult FrameDecoder::on_control(const Header& h,
                                      std::span<const std::uint8_t> payload) noexcept {
  DecodeResult r;
  r.consumed = h.frame_bytes;
  r.payload = payload;
  switch (h.op) {
    case Opcode::Ping: r.event = FrameEvent::Ping; return r;
    case Opcode::Pong: r.event = FrameEvent::Pong; return r;
    case Opcode::Close: break;
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary: return fail(FrameError::ReservedOpcode);  // unreachable: not control
  }
  r.event = FrameEvent::Close;
  if (payload.empty()) {
    r.close_code = kCloseNoStatus;
    return r;
  }
  if (payload.size() == 1) return fail(FrameError::BadClosePayload);
  r.close_code = read_be16(payload.data());
  if (!is_sendable_close_code(r.close_code)) return fail(FrameError::BadClosePayload);
  r.payload = payload.subspan(2);
  if (!is_valid_utf8(r.payload)) return fail(FrameError::InvalidUtf8);
  return r;
}

DecodeResult FrameDecoder::on_data(const Header& h,
                                   std::span<const std::uint8_t> payload) noexcept {
  if (h.op != Opcode::Continuation) {
    if (h.fin) return deliver(h.op, payload, h.frame_bytes);  // zero copy: a view of the buffer
    message_op_ = h.op;
    assembled_ = 0;
    in_progress_ = true;
  }
  // decode() checked assembled_ + payload.size() <= max_message.
  if (!payload.empty()) std::memcpy(reassembly_.get() + assembled_, payload.data(), payload.size());
  assembled_ += payload.size();
  if (!h.fin) {
    DecodeResult r;
    r.event = FrameEvent::Fragment;
    r.consumed = h.frame_bytes;
    return r;
  }
  in_progress_ = false;
  return deliver(message_op_, {reassembly_.get(), assembled_}, h.frame_bytes);
}

// Text is validated once, whole: a code point split across fragments is then no special case.
DecodeResult FrameDecoder::deliver(Opcode op, std::span<const std::uint8_t> message,
                                   std::size_t consumed) noexcept {
  if (op == Opcode::Text && !is_valid_utf8(message)) return fail(FrameError::InvalidUtf8);
  DecodeResult r;
  r.event = op == Opcode::Text ? FrameEvent::Text : FrameEvent::Binary;
  r.consumed = consumed;
  r.payload = message;
  return r;
}

UpgradeResponse upgrade_response_of(const ResponseParser& parser) {
  UpgradeResponse r;
  r.status = static_cast<int>(parser.status());
  r.upgrade = parser.find_header("Upgrade").value_or("");
  r.connection = parser.find_header("Connection").value_or("");
  r.accept = parser.find_header("Sec-WebSocket-Accept").value_or("");
  r.extensions = parser.find_header("Sec-WebSocket-Extensions").value_or("");
  r.protocol = parser.find_header("Sec-WebSocket-Protocol").value_or("");
  return r;
}

}  // namespace scalper::net
