// journal.hpp — the versioned binary journal of engine inputs (encode/decode in memory).
//
// Layout (little-endian, as the machines that write and read it):
//   header  : magic "SCLPJRNL" (8) | version u16 | header_size u16 | reserved u32
//             | EngineConfig record: length u32 | crc32c u32 | the config, field by field
//               (EngineConfig has padding, so never its raw bytes; engine/src/config_record.hpp
//               lists them: the checkpoint carries the same record)
//   record* : length u32 (bytes after this field) | crc32c u32 (of everything after it)
//             | seq u64 | mono_ns i64 | wall_ns i64 | kind u16 | reserved u16 | payload
// The payload is the event alternative's bytes (events have no padding, so this is exact).
// Decoding accepts only what encoding writes: exact sizes, reserved and padding bytes zero,
// enums in range, bools 0/1, FixedStrings within capacity and zero-filled; so a decoded Event
// is safe to hand to Engine::step and re-encodes to the same bytes.
// A torn last record (crash mid-write: fewer bytes than its length, with a length that fits
// its kind) reads as TornTail; an empty input as End. A bad CRC is BadCrc wherever it is:
// whether a bad last record is a crash or corruption is the reader's call (scalper-replay
// treats it as torn).
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

inline constexpr std::uint16_t kVersion = 2;  // 2: lost-report settings in the header

enum class Status : std::uint8_t {
  Ok = 0,
  End,       // clean end of input
  TornTail,  // the last record is incomplete (crash while writing): stop here
  BadMagic,
  BadVersion,
  BadLength,
  BadCrc,
  BadKind,
  BadPayload,  // payload size does not match the kind, or an enum field is out of range
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

// CRC-32C (Castagnoli), the checksum of every record and of checkpoints. With SSE4.2's crc32
// instruction where the CPU has it (chosen at run time), else crc32c_portable.
[[nodiscard]] std::uint32_t crc32c(std::span<const std::byte> data,
                                   std::uint32_t seed = 0) noexcept;
// The same by tables (slicing-by-8): what crc32c runs without the instruction; tests pin both.
[[nodiscard]] std::uint32_t crc32c_portable(std::span<const std::byte> data,
                                            std::uint32_t seed = 0) noexcept;

}  // namespace scalper::journal
