// false_sharing.hpp — the padding unit of every layout shared between processes.
//
// A fixed constant, not std::hardware_destructive_interference_size: shared layouts are an ABI
// between two separately built programs, and the library constant may differ between them
// (GCC warns it can change with -mtune). 128 bytes: two cache lines, so the adjacent-line
// prefetcher cannot pull a neighbour's hot line along.
#pragma once

#include <cstddef>

namespace scalper::shm {

inline constexpr std::size_t kFalseSharing = 128;

}  // namespace scalper::shm
