// fuzz_shm_header.hpp — how fuzz_shm_header splits its input, shared with the seed generator.
//
// Byte 0 selects what validate_header() is asked to expect; the rest is the segment's bytes:
//   bit 0      check the regions against kFuzzRegions (otherwise: no region expectations)
//   bits 1–2   expected layout version: kFuzzVersions[index]
// tests/shm/segment_test.cpp writes the seeds in corpus/fuzz_shm_header with these rules and
// checks that they still validate as their names say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "scalper/shm/segment.hpp"

namespace scalper::fuzzing {

inline constexpr std::uint32_t kFuzzVersions[4] = {scalper::shm::kAnyVersion, 1, 7, 0xFFFFFFFFu};
inline constexpr scalper::shm::RegionSpec kFuzzRegions[3] = {
    {1, 0, 384}, {2, 5, 128}, {3, 0, 1000}};

struct ShmHeaderInput {
  std::uint32_t version = 0;
  std::span<const scalper::shm::RegionSpec> expected;
  std::span<const std::byte> mapping;
};

[[nodiscard]] inline std::uint8_t shm_header_selector(bool check_regions,
                                                      unsigned version_index) noexcept {
  return static_cast<std::uint8_t>((check_regions ? 1u : 0u) | ((version_index & 3u) << 1));
}

// `size` must be at least 1.
[[nodiscard]] inline ShmHeaderInput split_shm_header_input(const std::uint8_t* data,
                                                           std::size_t size) noexcept {
  ShmHeaderInput in;
  const std::uint8_t selector = data[0];
  in.version = kFuzzVersions[(selector >> 1) & 3u];
  if ((selector & 1u) != 0) in.expected = kFuzzRegions;
  in.mapping = std::as_bytes(std::span<const std::uint8_t>(data + 1, size - 1));
  return in;
}

}  // namespace scalper::fuzzing
