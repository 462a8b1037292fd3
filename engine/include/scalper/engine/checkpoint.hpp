// checkpoint.hpp — the format of Engine::save() / Engine::restore(): the engine's complete state.
//
// A restart loads the newest good checkpoint, replays the journal's records after its seq
// (their actions discarded: they already happened), then steps Recovered (docs/architecture.md
// §4). So a checkpoint must hold everything a later step can depend on: restore(save(engine))
// then the same events gives the same actions, byte for byte, and save() again gives the same
// bytes (tests/engine/checkpoint_test.cpp and the property test check both on random
// histories, cut at every kind of point).
//
// Layout (little-endian, like the journal):
//   header  : magic "SCLPCKPT" (8) | version u16 | reserved u16 | crc32c u32 (of the payload)
//             | payload length u64
//   payload : the EngineConfig it was made with (the journal header's 64-byte config record)
//             | the engine's counters, id generators, last stepped seq, halt flag and reason
//             | each venue's link, listings and timers
//             | the bots in slot order | the free-slot list (its order decides future slots)
//             | the orders in slot order | the ring of settled exchange ids
//             | the early-update ring, in position order
// Everything is written field by field (no raw struct bytes, no padding), strings as a length
// byte and their characters, so the same state always gives the same bytes. What can be
// derived (the hash indexes, the resting-order array and its price bands, per-venue counts) is
// rebuilt on restore, not stored.
//
// Decoding accepts only what encoding writes: the exact length, the CRC, this version, the
// same configuration as the engine's, enums in range, bools 0/1, strings within capacity, slots
// in range and ascending, ids and references consistent (a bot's live order is its own and not
// settled, every unsettled order is its bot's live one, exchange ids unique). Anything else is
// refused and leaves the engine as freshly constructed.
//
// Threading: whoever owns the Engine. Allocation: none (save writes into the caller's buffer;
// restore fills the tables the constructor allocated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scalper::checkpoint {

inline constexpr std::uint16_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 24;

enum class Status : std::uint8_t {
  Ok = 0,
  Truncated,       // shorter than its header says (a crash while writing it?)
  Oversized,       // longer than its header says
  BadMagic,        // not a checkpoint
  BadVersion,      // a format this build does not read
  BadCrc,          // corrupt
  ConfigMismatch,  // made by an engine with another EngineConfig
  BadPayload,      // passes its CRC, but is not something save() writes
};

[[nodiscard]] std::string_view to_string(Status s) noexcept;

}  // namespace scalper::checkpoint
