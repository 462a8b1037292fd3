// journal.hpp — the versioned binary journal of engine inputs (encode/decode in memory).
//
// Layout (little-endian, as the machines that write and read it):
//   header  : magic "SCLPJRNL" (8) | version u16 | header_size u16 | reserved u32
//             | EngineConfig record (length-prefixed, see below)
//   record* : length u32 (bytes after this field) | crc32c u32 (of everything after it)
//             | seq u64 | mono_ns i64 | wall_ns i64 | kind u16 | reserved u16 | payload
// The payload is the event alternative's bytes (events have no padding, so this is exact).
// A torn last record (crash mid-write) reads as the end of the journal, reported as such;
// a bad CRC anywhere else is corruption.
//
// Threading: pure functions over caller buffers. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "scalper/engine/engine.hpp"
#include "scalper/engine/events.hpp"

namespace scalper::journal {

inline constexpr std::uint16_t kVersion = 1;

enum class Status : std::uint8_t {
  Ok = 0,
  End,            // clean end of input
  TornTail,       // the last record is incomplete (crash while writing): stop here
  BadMagic,
  BadVersion,
  BadLength,
  BadCrc,
  BadKind,
  BadPayload,     // payload size does not match the kind, or an enum field is out of range
  BufferTooSmall,
};

[[nodiscard]] std::string_view to_string(Status s) noexcept;

// Sizes of what encode_* write.
[[nodiscard]] std::size_t header_size() noexcept;
[[nodiscard]] std::size_t record_size(const Event& ev) noexcept;
inline constexpr std::size_t kMaxRecordSize = 512;

// Each writes into `out` and returns bytes written, or 0 if `out` is too small.
std::size_t encode_header(const EngineConfig& config, std::span<std::byte> out) noexcept;
std::size_t encode_record(const Event& ev, std::span<std::byte> out) noexcept;

// Each reads from `in`; on Ok, `consumed` says how many bytes were used.
[[nodiscard]] Status decode_header(std::span<const std::byte> in, EngineConfig& config,
                                   std::size_t& consumed) noexcept;
[[nodiscard]] Status decode_record(std::span<const std::byte> in, Event& ev,
                                   std::size_t& consumed) noexcept;

// CRC-32C (Castagnoli), the checksum of every record.
[[nodiscard]] std::uint32_t crc32c(std::span<const std::byte> data,
                                   std::uint32_t seed = 0) noexcept;

}  // namespace scalper::journal
