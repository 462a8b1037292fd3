// log_format.hpp — the activity-log texts, exactly as the original wrote them (decision 9 of
// docs/architecture.md §3).
//
// The engine emits ActivityLog records (kind + fields); the text is made here, off the hot
// path, by whoever shows or stores it (control, scalper-replay, tests).
// Threading: pure functions. Allocation: none.
#pragma once

#include <cstddef>

#include "scalper/engine/actions.hpp"

namespace scalper {

// Longest text format_log() writes.
inline constexpr std::size_t kLogTextMax = 512;

// Writes the message (no terminator) into buf, which holds kLogTextMax chars; returns its length.
std::size_t format_log(const ActivityLog& log, char* buf) noexcept;

}  // namespace scalper
