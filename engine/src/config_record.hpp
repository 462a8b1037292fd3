// config_record.hpp — EngineConfig as 64 bytes, field by field (engine private).
//
// The journal's header and the engine's checkpoint both carry the configuration they were
// made with; this is their one field list, so a new EngineConfig field cannot reach one and
// miss the other. EngineConfig has padding, so its raw bytes are never written.
//
//  0 max_bots u32 | 4 max_place_attempts u32 | 8 early_update_capacity u32
// 12 venue_enabled u8 x3 | 15 reserved u8
// 16 retry_base_ns i64 | 24 retry_max_ns i64 | 32 cancel_timeout_ns i64
// 40 trade_check_ns i64 | 48 trade_recheck_ns i64 | 56 sweep_interval_ns i64
//
// Threading: pure functions. Allocation: none.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "scalper/engine/byte_io.hpp"
#include "scalper/engine/engine.hpp"

namespace scalper::detail {

static_assert(std::endian::native == std::endian::little, "records are little-endian");

inline constexpr std::size_t kConfigRecordSize = 64;

// A new EngineConfig field must be written here, or a replay or a restore would silently run
// with its default: this fires when the struct changes, so the record (and the versions of
// the journal and the checkpoint) are updated with it.
static_assert(sizeof(EngineConfig) == 72 && kVenueCount == 3,
              "EngineConfig changed: update config_record.hpp and bump journal::kVersion and "
              "checkpoint::kVersion");

// A record that passed its CRC can still be hostile (fuzzers, hand-made files); these bound
// what Engine's constructor will be asked to allocate. Far above any real deployment.
inline constexpr std::uint32_t kMaxBotsLimit = 1u << 20;
inline constexpr std::uint32_t kMaxEarlyUpdatesLimit = 1u << 20;

// Writes kConfigRecordSize bytes at `f`.
inline void write_config_record(const EngineConfig& config, std::byte* f) noexcept {
  std::memset(f, 0, kConfigRecordSize);
  store_le<std::uint32_t>(f + 0, config.max_bots);
  store_le<std::uint32_t>(f + 4, config.max_place_attempts);
  store_le<std::uint32_t>(f + 8, config.early_update_capacity);
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    f[12 + v] = std::byte{config.venue_enabled[v] ? std::uint8_t{1} : std::uint8_t{0}};
  }
  store_le<std::int64_t>(f + 16, config.retry_base_ns);
  store_le<std::int64_t>(f + 24, config.retry_max_ns);
  store_le<std::int64_t>(f + 32, config.cancel_timeout_ns);
  store_le<std::int64_t>(f + 40, config.trade_check_ns);
  store_le<std::int64_t>(f + 48, config.trade_recheck_ns);
  store_le<std::int64_t>(f + 56, config.sweep_interval_ns);
}

// Reads kConfigRecordSize bytes at `f`; false (config untouched) unless they are exactly what
// write_config_record writes (bools 0 or 1, the reserved byte zero).
[[nodiscard]] inline bool read_config_record(const std::byte* f, EngineConfig& config) noexcept {
  EngineConfig c;
  c.max_bots = load_le<std::uint32_t>(f + 0);
  c.max_place_attempts = load_le<std::uint32_t>(f + 4);
  c.early_update_capacity = load_le<std::uint32_t>(f + 8);
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    const auto b = std::to_integer<unsigned>(f[12 + v]);
    if (b > 1) return false;
    c.venue_enabled[v] = b == 1;
  }
  if (f[15] != std::byte{0}) return false;
  c.retry_base_ns = load_le<std::int64_t>(f + 16);
  c.retry_max_ns = load_le<std::int64_t>(f + 24);
  c.cancel_timeout_ns = load_le<std::int64_t>(f + 32);
  c.trade_check_ns = load_le<std::int64_t>(f + 40);
  c.trade_recheck_ns = load_le<std::int64_t>(f + 48);
  c.sweep_interval_ns = load_le<std::int64_t>(f + 56);
  config = c;
  return true;
}

// What a journal header may ask an engine to be: sizes the constructor can allocate, no
// negative durations. (A checkpoint is instead compared with the engine it is restored into.)
[[nodiscard]] inline bool within_limits(const EngineConfig& c) noexcept {
  return c.max_bots != 0 && c.max_bots <= kMaxBotsLimit &&
         c.early_update_capacity <= kMaxEarlyUpdatesLimit && c.retry_base_ns >= 0 &&
         c.retry_max_ns >= 0 && c.cancel_timeout_ns >= 0 && c.trade_check_ns >= 0 &&
         c.trade_recheck_ns >= 0 && c.sweep_interval_ns >= 0;
}

// Field by field: EngineConfig has padding, so no memcmp.
[[nodiscard]] inline bool same_config(const EngineConfig& a, const EngineConfig& b) noexcept {
  for (std::size_t v = 0; v < kVenueCount; ++v) {
    if (a.venue_enabled[v] != b.venue_enabled[v]) return false;
  }
  return a.max_bots == b.max_bots && a.max_place_attempts == b.max_place_attempts &&
         a.early_update_capacity == b.early_update_capacity && a.retry_base_ns == b.retry_base_ns &&
         a.retry_max_ns == b.retry_max_ns && a.cancel_timeout_ns == b.cancel_timeout_ns &&
         a.trade_check_ns == b.trade_check_ns && a.trade_recheck_ns == b.trade_recheck_ns &&
         a.sweep_interval_ns == b.sweep_interval_ns;
}

}  // namespace scalper::detail
