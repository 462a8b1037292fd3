#include "scalper/engine/digest.hpp"

#include <cstddef>
#include <cstdint>
#include <variant>

namespace scalper {
namespace {

constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

std::uint64_t fnv1a(std::uint64_t hash, const unsigned char* p, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    hash ^= p[i];
    hash *= kFnvPrime;
  }
  return hash;
}

}  // namespace

void ActionDigest::add(const Action& action) noexcept {
  // The kind goes in little-endian explicitly so the digest is a property of the actions, not
  // of the machine that computed it.
  const auto kind = static_cast<std::uint16_t>(action.index());
  const unsigned char kind_bytes[2] = {static_cast<unsigned char>(kind & 0xFFu),
                                       static_cast<unsigned char>(kind >> 8)};
  hash_ = fnv1a(hash_, kind_bytes, sizeof kind_bytes);
  std::visit(
      [this](const auto& alt) noexcept {
        hash_ = fnv1a(hash_, reinterpret_cast<const unsigned char*>(&alt), sizeof alt);
      },
      action);
  ++count_;
}

}  // namespace scalper
