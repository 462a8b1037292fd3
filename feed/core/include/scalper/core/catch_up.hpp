// catch_up.hpp — the read path of a control process that fell behind the event ring.
//
// The core never waits on control: when control lags and the event ring is full, records are
// dropped and control sees the jump in their sequence. The journal holds the inputs, not the
// actions; but the engine is a pure function of its inputs, so the actions are regenerated
// exactly: restore the newest checkpoint at or before the last input control saw (or start
// from the journal's first record when it still has it), replay the journal through an engine
// of the journal's configuration, and hand over the actions of every input after it, each
// with its input. The same actions the core published, byte for byte (journal replay is
// deterministic: the golden digest tests hold it).
//
// Works on a live core's directory (the journal is read through read-only mappings; records
// appear whole or not at all) or a stopped one. On a live core a record reaches the journal's
// segments when the writer copies it from the ring (within 5 ms): a caller that needs up to a
// given seq waits until the core's health says the journal is durable that far. Checkpoints are kept two deep and the journal
// segments before the older one are released, so a control process that lagged past both
// checkpoints cannot catch up this way: it rebuilds from the bots' snapshots instead
// (`problem` says so).
//
// Threading: any thread but the core's. Allocation: yes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "scalper/engine/actions.hpp"
#include "scalper/engine/events.hpp"

namespace scalper::core {

struct CatchUp {
  bool ok = false;
  std::string problem;             // why not, when !ok
  std::uint64_t checkpoint_seq = 0;  // the checkpoint it started from (0: the journal's start)
  std::uint64_t inputs = 0;          // journal records replayed
  std::uint64_t delivered = 0;       // actions handed over
  std::uint64_t last_seq = 0;        // the last input read
};

using ActionSink = std::function<void(const Event& input, const Action& action)>;

// The actions of every journaled input after `after_input_seq`, in order, from the core's
// data directory (`<data_dir>/journal`, `<data_dir>/checkpoints`).
[[nodiscard]] CatchUp replay_actions_after(const std::filesystem::path& data_dir,
                                           std::uint64_t after_input_seq, const ActionSink& sink);

}  // namespace scalper::core
