// byte_io.hpp — fixed-width integers read from and written to unaligned bytes, little-endian:
// the one place the journal, the checkpoints and their files on disk do it.
//
// Why memcpy: a record's fields sit at any offset of a byte buffer or a mapped file, and a cast
// to an integer pointer there is undefined behaviour; the compiler turns the copy into one
// load or store. The formats are little-endian and so is every machine the project builds for
// (checked at compile time), so no byte swapping.
//
// Threading: pure functions. Allocation: none.
#pragma once

#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace scalper {

static_assert(std::endian::native == std::endian::little,
              "the journal and checkpoint formats are little-endian");

template <class T>
[[nodiscard]] T load_le(const std::byte* p) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void store_le(std::byte* p, T v) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace scalper
