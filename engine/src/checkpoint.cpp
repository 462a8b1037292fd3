// The checkpoint's header and status texts; the engine's tables are written and read in
// engine.cpp (Engine::save, Engine::restore) with checkpoint_codec.hpp. Layout: checkpoint.hpp.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "checkpoint_codec.hpp"
#include "scalper/engine/checkpoint.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper {
namespace checkpoint {

std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::Truncated: return "checkpoint shorter than its header says (torn write?)";
    case Status::Oversized: return "checkpoint longer than its header says";
    case Status::BadMagic: return "not a scalper checkpoint (bad magic)";
    case Status::BadVersion: return "unsupported checkpoint version";
    case Status::BadCrc: return "checksum mismatch (corrupt checkpoint)";
    case Status::ConfigMismatch: return "checkpoint made with another engine configuration";
    case Status::BadPayload: return "malformed checkpoint payload";
  }
  return "?";
}

}  // namespace checkpoint

namespace detail {
namespace {

//  0 magic[8] | 8 version u16 | 10 reserved u16 | 12 crc32c u32 (of the payload)
// 16 payload length u64
constexpr std::array<char, 8> kMagic = {'S', 'C', 'L', 'P', 'C', 'K', 'P', 'T'};
constexpr std::size_t kVersionAt = 8;
constexpr std::size_t kReservedAt = 10;
constexpr std::size_t kCrcAt = 12;
constexpr std::size_t kLengthAt = 16;
static_assert(kLengthAt + 8 == checkpoint::kHeaderSize);

}  // namespace

void seal_checkpoint(std::byte* out, std::size_t payload_size) noexcept {
  std::memcpy(out, kMagic.data(), kMagic.size());
  store_le<std::uint16_t>(out + kVersionAt, checkpoint::kVersion);
  store_le<std::uint16_t>(out + kReservedAt, 0);
  const std::span<const std::byte> payload(out + checkpoint::kHeaderSize, payload_size);
  store_le<std::uint32_t>(out + kCrcAt, journal::crc32c(payload));
  store_le<std::uint64_t>(out + kLengthAt, payload_size);
}

checkpoint::Status open_checkpoint(std::span<const std::byte> in,
                                   std::span<const std::byte>& payload) noexcept {
  using checkpoint::Status;
  const std::size_t magic_seen = in.size() < kMagic.size() ? in.size() : kMagic.size();
  if (magic_seen == 0 || std::memcmp(in.data(), kMagic.data(), magic_seen) != 0) {
    return Status::BadMagic;
  }
  if (in.size() < checkpoint::kHeaderSize) return Status::Truncated;
  const std::byte* p = in.data();
  if (load_le<std::uint16_t>(p + kVersionAt) != checkpoint::kVersion) return Status::BadVersion;
  if (load_le<std::uint16_t>(p + kReservedAt) != 0) return Status::BadPayload;
  const std::uint64_t length = load_le<std::uint64_t>(p + kLengthAt);
  const std::size_t available = in.size() - checkpoint::kHeaderSize;
  if (available < length) return Status::Truncated;
  if (available > length) return Status::Oversized;
  const std::span<const std::byte> body = in.subspan(checkpoint::kHeaderSize, length);
  if (load_le<std::uint32_t>(p + kCrcAt) != journal::crc32c(body)) return Status::BadCrc;
  payload = body;
  return Status::Ok;
}

}  // namespace detail
}  // namespace scalper
