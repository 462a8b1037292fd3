// tagged_index.hpp — fixed-capacity hash index from a key to a 32-bit slot (engine private).
//
// Open addressing with linear probing and backward-shift deletion (no tombstones, so probe
// lengths never degrade). Capacity is fixed at construction (a power of two at least twice the
// maximum number of keys); insert beyond that is a caller bug. The hashes are fixed, not
// seeded: the engine's behaviour must not depend on anything but its inputs. With backward-
// shift deletion the layout is the one the remaining keys give when inserted in their
// original order, which is how a restored engine rebuilds an index whose probe order matters.
// Threading: one thread. Allocation: only in the constructor.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "scalper/engine/types.hpp"

namespace scalper {

[[nodiscard]] inline std::uint64_t mix64(std::uint64_t x) noexcept {
  // splitmix64 finaliser: every input bit reaches every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

[[nodiscard]] inline std::uint64_t hash_key(std::uint64_t key) noexcept { return mix64(key); }

// Exchange ids are zero-padded to their fixed size, so hashing all words is exact and
// branch-free. Each word gets its own odd multiplier and the products are folded, so the
// multiplications run in parallel (a chained mix per word cost ~50 cycles on the hot path);
// the final mix spreads every input bit over the result.
[[nodiscard]] inline std::uint64_t hash_key(const ExchangeOrderId& id) noexcept {
  static_assert(sizeof(ExchangeOrderId) == 48);
  std::uint64_t w[6];
  std::memcpy(w, &id, sizeof id);
  const std::uint64_t a = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
                          (w[2] * 0x165667b19e3779f9ull);
  const std::uint64_t b = (w[3] * 0xd6e8feb86659fd93ull) ^ (w[4] * 0xff51afd7ed558ccdull) ^
                          (w[5] * 0xc4ceb9fe1a85ec53ull);
  return mix64(a ^ ((b << 29) | (b >> 35)));
}

// Hash index whose keys live elsewhere (in the records the slots point at): an entry is the
// slot and the low 32 bits of the key's hash, 8 bytes, so the table stays small enough to stay
// cached. The caller's predicate confirms a candidate slot against the real key.
class TaggedIndex {
 public:
  static constexpr std::uint32_t kAbsent = ~std::uint32_t{0};

  explicit TaggedIndex(std::size_t max_keys) {
    std::size_t cap = 16;
    while (cap < max_keys * 2) cap *= 2;
    static_assert(sizeof(std::size_t) == 8);
    entries_.resize(cap);
    mask_ = cap - 1;
  }

  template <class Matches>
  [[nodiscard]] std::uint32_t find(std::uint64_t hash, Matches&& matches) const noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    for (std::size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kAbsent) return kAbsent;
      if (e.tag == tag && matches(e.slot)) return e.slot;
    }
  }

  void prefetch(std::uint64_t hash) const noexcept {
    __builtin_prefetch(&entries_[static_cast<std::uint32_t>(hash) & mask_]);
  }

  void insert(std::uint64_t hash, std::uint32_t slot) noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t i = tag & mask_;
    while (entries_[i].slot != kAbsent) i = (i + 1) & mask_;
    entries_[i] = Entry{slot, tag};
  }

  // Empties the table, keeping its capacity (a checkpoint restore rebuilds it from the records).
  void clear() noexcept {
    for (Entry& e : entries_) e = Entry{};
  }

  // Removes the entry of `slot` (whose key hashed to `hash`), if present.
  void erase(std::uint64_t hash, std::uint32_t slot) noexcept {
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t i = tag & mask_;
    for (;; i = (i + 1) & mask_) {
      if (entries_[i].slot == kAbsent) return;
      if (entries_[i].slot == slot) break;
    }
    // Backward shift: pull later entries of the cluster into the hole when their home position
    // (the tag's low bits: the capacity is far below 2^32) does not lie cyclically in
    // (hole, j].
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & mask_; entries_[j].slot != kAbsent; j = (j + 1) & mask_) {
      const std::size_t h = entries_[j].tag & mask_;
      const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (stays) continue;
      entries_[hole] = entries_[j];
      hole = j;
    }
    entries_[hole] = Entry{};
  }

 private:
  struct Entry {
    std::uint32_t slot = kAbsent;
    std::uint32_t tag = 0;
  };
  std::vector<Entry> entries_;
  std::size_t mask_ = 0;
};

}  // namespace scalper
