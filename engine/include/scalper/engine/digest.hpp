// digest.hpp — one 64-bit hash of an action stream, for replay determinism checks.
//
// FNV-1a over (kind, bytes) of every action, in order. Actions have no padding bytes, so equal
// streams hash equal on every build. Not a security hash: it detects change, not tampering.
// Threading: value type. Allocation: none.
#pragma once

#include <cstdint>
#include <span>

#include "scalper/engine/actions.hpp"

namespace scalper {

class ActionDigest {
 public:
  void add(const Action& action) noexcept;
  void add(std::span<const Action> actions) noexcept {
    for (const Action& a : actions) add(a);
  }
  [[nodiscard]] std::uint64_t value() const noexcept { return hash_; }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
  std::uint64_t count_ = 0;
};

}  // namespace scalper
