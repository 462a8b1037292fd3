#include "scalper/engine/journal.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "config_record.hpp"
#include "known_enums.hpp"

namespace scalper::journal {
namespace {

// The format is "the bytes the machine holds"; a big-endian port would need byte swaps here.
static_assert(std::endian::native == std::endian::little, "journal is little-endian");

using Bytes = std::span<const std::byte>;

// ---- CRC-32C, slicing-by-8 ------------------------------------------------------------------
// Every record is checksummed on the write path of the runtime, so the byte-at-a-time loop
// (one table lookup per byte) is worth the 8 KiB of tables that let it take 8 bytes per step.
// (Where the CPU has SSE4.2, its crc32 instruction does better still: see crc32c() below.)

constexpr std::uint32_t kCrcPoly = 0x82F63B78u;  // Castagnoli, reflected

using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr CrcTables make_crc_tables() noexcept {
  CrcTables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? (c >> 1) ^ kCrcPoly : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t i = 0; i < 256; ++i) {
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
  }
  return t;
}

constexpr CrcTables kCrcTables = make_crc_tables();

// ---- header ----------------------------------------------------------------------------
//  0 magic[8] | 8 version u16 | 10 header_size u16 | 12 reserved u32
// 16 config length u32 (bytes after it) | 20 crc32c u32 (of bytes 24..88)
// 24 the config record (config_record.hpp: 64 bytes, sweep_interval_ns since version 2)

constexpr std::array<char, 8> kMagic = {'S', 'C', 'L', 'P', 'J', 'R', 'N', 'L'};
constexpr std::size_t kConfigOffset = 16;
constexpr std::size_t kConfigFieldsOffset = kConfigOffset + 8;
constexpr std::size_t kConfigFieldsSize = detail::kConfigRecordSize;
constexpr std::size_t kHeaderSize = kConfigFieldsOffset + kConfigFieldsSize;

// ---- records -------------------------------------------------------------------------
//  0 length u32 (bytes after it) | 4 crc32c u32 (of bytes 8..4+length)
//  8 seq u64 | 16 mono_ns i64 | 24 wall_ns i64 | 32 kind u16 | 34 reserved u16 | 36 payload

constexpr std::size_t kLengthSize = 4;
constexpr std::size_t kCrcOffset = 4;
constexpr std::size_t kCoveredOffset = 8;  // the CRC covers from here to the end of the record
constexpr std::size_t kKindOffset = 32;
constexpr std::size_t kPayloadOffset = 36;

template <std::size_t... I>
constexpr std::array<std::size_t, sizeof...(I)> payload_sizes(std::index_sequence<I...>) noexcept {
  return {sizeof(std::variant_alternative_t<I, EventBody>)...};
}
constexpr auto kPayloadSizes = payload_sizes(std::make_index_sequence<kEventKindCount>{});

constexpr std::size_t max_payload_size() noexcept {
  std::size_t m = 0;
  for (std::size_t s : kPayloadSizes) m = s > m ? s : m;
  return m;
}
static_assert(kPayloadOffset + max_payload_size() <= kMaxRecordSize,
              "an event grew past kMaxRecordSize: raise it (readers size buffers with it)");

// ---- payload validation ----------------------------------------------------------------
// A decoded event goes straight into Engine::step, which trusts its enums and strings. Enums
// with a fixed underlying type may hold any value of it, so they are copied first and checked
// by known() (known_enums.hpp). A bool holding anything but 0 or 1 is undefined behaviour to
// read, so bools are checked in the raw bytes.

using detail::known;

constexpr std::uint16_t kKnownUpdateFields =
    kUpdateTicker | kUpdateQuantity | kUpdateBuyPrice | kUpdateSellPrice | kUpdateTrailing |
    kUpdateVenue | kUpdateFirstSide | kUpdateLeverage | kUpdateInfiniteLoop;

template <std::size_t N>
bool all_zero(const std::uint8_t (&pad)[N]) noexcept {
  for (std::uint8_t b : pad) {
    if (b != 0) return false;
  }
  return true;
}

// Within capacity and zero-filled past the end, as FixedString itself keeps it.
template <std::size_t N>
bool well_formed(const FixedString<N>& s) noexcept {
  static_assert(sizeof(FixedString<N>) == N);
  if (s.size() > FixedString<N>::kCapacity) return false;
  for (std::size_t i = s.size(); i < FixedString<N>::kCapacity; ++i) {
    if (s.data()[i] != '\0') return false;
  }
  return true;
}

bool bool_byte_ok(Bytes raw, std::size_t offset) noexcept {
  return std::to_integer<unsigned>(raw[offset]) <= 1;
}

bool valid(const BotParams& p) noexcept {
  return well_formed(p.ticker) && known(p.venue) && known(p.first_side) && all_zero(p.pad_);
}
bool valid(const ExchangeOrder& o) noexcept {
  return well_formed(o.exchange_id) && well_formed(o.symbol) && known(o.venue) && known(o.status) &&
         known(o.side) && all_zero(o.pad_);
}

bool valid(const CreateBot& e, Bytes raw) noexcept {
  return bool_byte_ok(raw, offsetof(CreateBot, params) + offsetof(BotParams, infinite_loop)) &&
         valid(e.params);
}
bool valid(const UpdateBot& e, Bytes raw) noexcept {
  return bool_byte_ok(raw, offsetof(UpdateBot, params) + offsetof(BotParams, infinite_loop)) &&
         valid(e.params) && (e.fields & ~kKnownUpdateFields) == 0 && all_zero(e.pad_);
}
bool valid(const StartBot&, Bytes) noexcept { return true; }
bool valid(const StopBot&, Bytes) noexcept { return true; }
bool valid(const ToggleBot&, Bytes) noexcept { return true; }
bool valid(const DeleteBot&, Bytes) noexcept { return true; }
bool valid(const StopAll&, Bytes) noexcept { return true; }
bool valid(const OrderAccepted& e, Bytes) noexcept { return well_formed(e.exchange_id); }
bool valid(const OrderRejected& e, Bytes) noexcept {
  return known(e.kind) && all_zero(e.pad_) && well_formed(e.reason);
}
bool valid(const OrderOutcomeUnknown&, Bytes) noexcept { return true; }
bool valid(const CancelFailed& e, Bytes) noexcept { return well_formed(e.reason); }
bool valid(const OrderUpdate& e, Bytes) noexcept { return valid(e.order); }
bool valid(const StreamConnected& e, Bytes) noexcept { return known(e.venue) && all_zero(e.pad_); }
bool valid(const StreamDisconnected& e, Bytes) noexcept {
  return known(e.venue) && all_zero(e.pad_);
}
bool valid(const ReconcileBegin& e, Bytes) noexcept { return known(e.venue) && all_zero(e.pad_); }
bool valid(const ReconcileOrder& e, Bytes) noexcept { return valid(e.order); }
bool valid(const ReconcileEnd& e, Bytes) noexcept { return known(e.venue) && all_zero(e.pad_); }
bool valid(const TimerFired& e, Bytes) noexcept {
  return known(e.kind) && known(e.venue) && all_zero(e.pad_);
}
bool valid(const MarketTrade& e, Bytes) noexcept {
  return well_formed(e.symbol) && known(e.venue) && all_zero(e.pad_);
}
bool valid(const StreamSilent& e, Bytes) noexcept { return known(e.venue) && all_zero(e.pad_); }
bool valid(const Recovered&, Bytes) noexcept { return true; }
bool valid(const Halt& e, Bytes) noexcept { return known(e.reason) && all_zero(e.pad_); }
bool valid(const Resume&, Bytes) noexcept { return true; }

// offsetof (used for the bool bytes above) is only meaningful on standard-layout types.
static_assert(std::is_standard_layout_v<CreateBot> && std::is_standard_layout_v<UpdateBot>);

using PayloadDecoder = bool (*)(Bytes, EventBody&) noexcept;

template <std::size_t I>
bool decode_payload(Bytes raw, EventBody& body) noexcept {
  using T = std::variant_alternative_t<I, EventBody>;
  T value;
  std::memcpy(&value, raw.data(), sizeof value);
  if (!valid(value, raw)) return false;
  body.template emplace<I>(value);
  return true;
}

template <std::size_t... I>
constexpr std::array<PayloadDecoder, sizeof...(I)> payload_decoders(
    std::index_sequence<I...>) noexcept {
  return {&decode_payload<I>...};
}
constexpr auto kPayloadDecoders = payload_decoders(std::make_index_sequence<kEventKindCount>{});

}  // namespace

std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::End: return "end of journal";
    case Status::TornTail: return "torn record at the end (crash while writing?)";
    case Status::BadMagic: return "not a scalper journal (bad magic)";
    case Status::BadVersion: return "unsupported journal version";
    case Status::BadLength: return "record length is corrupt";
    case Status::BadCrc: return "checksum mismatch (corrupt record)";
    case Status::BadKind: return "unknown event kind";
    case Status::BadPayload: return "malformed event payload";
    case Status::BufferTooSmall: return "buffer too small";
  }
  return "?";
}

std::size_t header_size() noexcept { return kHeaderSize; }

std::size_t record_size(const Event& ev) noexcept {
  return kPayloadOffset + kPayloadSizes[ev.body.index()];
}

std::size_t encode_header(const EngineConfig& config, std::span<std::byte> out) noexcept {
  if (out.size() < kHeaderSize) return 0;
  std::byte* p = out.data();
  std::memset(p, 0, kHeaderSize);
  std::memcpy(p, kMagic.data(), kMagic.size());
  store_le<std::uint16_t>(p + 8, kVersion);
  store_le<std::uint16_t>(p + 10, static_cast<std::uint16_t>(kHeaderSize));
  store_le<std::uint32_t>(p + kConfigOffset, static_cast<std::uint32_t>(4 + kConfigFieldsSize));
  std::byte* f = p + kConfigFieldsOffset;
  detail::write_config_record(config, f);
  store_le<std::uint32_t>(p + kConfigOffset + 4, crc32c(Bytes(f, kConfigFieldsSize)));
  return kHeaderSize;
}

Status decode_header(std::span<const std::byte> in, EngineConfig& config,
                     std::size_t& consumed) noexcept {
  if (in.empty()) return Status::End;
  // A header cut short by a crash reads as torn as long as what is there could be ours.
  const std::size_t magic_seen = in.size() < kMagic.size() ? in.size() : kMagic.size();
  if (std::memcmp(in.data(), kMagic.data(), magic_seen) != 0) return Status::BadMagic;
  const std::byte* p = in.data();
  if (in.size() < 10) return Status::TornTail;
  if (load_le<std::uint16_t>(p + 8) != kVersion) return Status::BadVersion;
  if (in.size() < 12) return Status::TornTail;
  if (load_le<std::uint16_t>(p + 10) != kHeaderSize) return Status::BadLength;
  if (in.size() < kHeaderSize) return Status::TornTail;
  if (load_le<std::uint32_t>(p + 12) != 0) return Status::BadPayload;
  if (load_le<std::uint32_t>(p + kConfigOffset) != 4 + kConfigFieldsSize) return Status::BadLength;
  const std::byte* f = p + kConfigFieldsOffset;
  if (load_le<std::uint32_t>(p + kConfigOffset + 4) != crc32c(Bytes(f, kConfigFieldsSize))) {
    return Status::BadCrc;
  }

  EngineConfig c;
  if (!detail::read_config_record(f, c) || !detail::within_limits(c)) return Status::BadPayload;
  config = c;
  consumed = kHeaderSize;
  return Status::Ok;
}

std::size_t encode_record(const Event& ev, std::span<std::byte> out) noexcept {
  const std::size_t size = record_size(ev);
  if (out.size() < size) return 0;
  std::byte* p = out.data();
  store_le<std::uint32_t>(p, static_cast<std::uint32_t>(size - kLengthSize));
  store_le<std::uint64_t>(p + 8, ev.seq);
  store_le<std::int64_t>(p + 16, ev.mono_ns);
  store_le<std::int64_t>(p + 24, ev.wall_ns);
  store_le<std::uint16_t>(p + kKindOffset, static_cast<std::uint16_t>(ev.body.index()));
  store_le<std::uint16_t>(p + kKindOffset + 2, 0);
  std::visit([p](const auto& alt) noexcept { std::memcpy(p + kPayloadOffset, &alt, sizeof alt); },
             ev.body);
  store_le<std::uint32_t>(p + kCrcOffset, crc32c(Bytes(p + kCoveredOffset, size - kCoveredOffset)));
  return size;
}

Status decode_record(std::span<const std::byte> in, Event& ev, std::size_t& consumed) noexcept {
  if (in.empty()) return Status::End;
  if (in.size() < kLengthSize) return Status::TornTail;
  const std::byte* p = in.data();
  const std::uint32_t length = load_le<std::uint32_t>(p);
  if (length < kPayloadOffset - kLengthSize || length > kMaxRecordSize - kLengthSize) {
    return Status::BadLength;
  }
  const std::size_t size = kLengthSize + length;

  if (in.size() < size) {
    // Only a record we could have written is torn; a length that disagrees with its kind
    // is a flipped bit mid-journal, which must not pass for a clean end.
    if (in.size() >= kPayloadOffset) {
      const std::uint16_t kind = load_le<std::uint16_t>(p + kKindOffset);
      if (kind >= kEventKindCount) return Status::BadKind;
      if (size != kPayloadOffset + kPayloadSizes[kind]) return Status::BadLength;
    }
    return Status::TornTail;
  }

  if (load_le<std::uint32_t>(p + kCrcOffset) !=
      crc32c(in.subspan(kCoveredOffset, size - kCoveredOffset))) {
    return Status::BadCrc;
  }
  const std::uint16_t kind = load_le<std::uint16_t>(p + kKindOffset);
  if (kind >= kEventKindCount) return Status::BadKind;
  if (size != kPayloadOffset + kPayloadSizes[kind]) return Status::BadLength;
  if (load_le<std::uint16_t>(p + kKindOffset + 2) != 0) return Status::BadPayload;

  Event decoded;
  if (!kPayloadDecoders[kind](in.subspan(kPayloadOffset, kPayloadSizes[kind]), decoded.body)) {
    return Status::BadPayload;
  }
  decoded.seq = load_le<std::uint64_t>(p + 8);
  decoded.mono_ns = load_le<std::int64_t>(p + 16);
  decoded.wall_ns = load_le<std::int64_t>(p + 24);
  ev = decoded;
  consumed = size;
  return Status::Ok;
}

namespace {

#if defined(__x86_64__)
// SSE4.2's crc32 instruction is CRC-32C itself (reflected, without the inversions), 8 bytes
// per instruction: several times the table loop, which matters for checkpoints (megabytes, on
// the engine thread) and helps every record. The builds do not assume the instruction (no
// -msse4.2, so figures compare across machines): it is chosen at run time.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::span<const std::byte> data,
                                                             std::uint32_t seed) noexcept {
  std::uint64_t crc = ~seed;
  const std::byte* p = data.data();
  std::size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) crc = _mm_crc32_u64(crc, load_le<std::uint64_t>(p));
  auto crc32 = static_cast<std::uint32_t>(crc);
  for (; n > 0; ++p, --n) crc32 = _mm_crc32_u8(crc32, std::to_integer<std::uint8_t>(*p));
  return ~crc32;
}

bool have_sse42() noexcept {
  static const bool yes = [] {
    __builtin_cpu_init();  // may run before the constructor that would have done it
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return yes;
}
#endif

}  // namespace

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t seed) noexcept {
#if defined(__x86_64__)
  if (have_sse42()) return crc32c_sse42(data, seed);
#endif
  return crc32c_portable(data, seed);
}

std::uint32_t crc32c_portable(std::span<const std::byte> data, std::uint32_t seed) noexcept {
  const auto& t = kCrcTables;
  std::uint32_t crc = ~seed;
  const std::byte* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    const std::uint32_t lo = load_le<std::uint32_t>(p) ^ crc;
    const std::uint32_t hi = load_le<std::uint32_t>(p + 4);
    crc = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
          t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ std::to_integer<std::uint32_t>(*p++)) & 0xFFu];
  return ~crc;
}

}  // namespace scalper::journal
