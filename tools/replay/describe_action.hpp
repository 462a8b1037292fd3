// describe_action.hpp — one human-readable line per engine action, for scalper-replay.
//
// "PLACE order=3 bot=1 BUY 0.01 ETH/USDT @ 3900.0 lev=3 CoinDCX F"; activity-log entries carry
// their exact original text (format_log). Numbers print with format_decimal, so what a line
// shows is the value the engine holds, digit for digit.
// Threading: pure functions. Allocation: yes (returns std::string; tools only, not the engine).
#pragma once

#include <string>

#include "scalper/engine/actions.hpp"

namespace scalper::replay {

[[nodiscard]] std::string describe_action(const Action& action);

}  // namespace scalper::replay
