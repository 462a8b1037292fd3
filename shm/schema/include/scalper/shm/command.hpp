// command.hpp — an operator command into and out of a CommandRecord (schema.hpp).
//
// Control encodes a command with the journal's record encoding; the core decodes every record
// it pops with the journal's decoder, which accepts only what the encoder writes (sizes, CRC,
// enums in range, strings zero-filled), and then checks that the record is an operator command
// and that it carries the cmd_id the record says. Only then does any field get read. A record
// that fails is answered with a CommandResult naming why; the core never trusts the ring.
// The seq and clocks inside the encoded record are placeholders: the core stamps its own when
// it journals the command.
//
// Threading: pure functions. Allocation: none.
#pragma once

#include <cstdint>
#include <string_view>

#include "scalper/engine/events.hpp"
#include "scalper/shm/schema.hpp"

namespace scalper::shm {

enum class CommandCheck : std::uint8_t {
  Ok = 0,
  Oversized,     // length beyond the record's bytes
  Undecodable,   // the journal decoder refused the bytes
  NotACommand,   // a well-formed event, but not something an operator may send
  IdMismatch,    // the record's cmd_id is not the command's
};
[[nodiscard]] std::string_view to_string(CommandCheck check) noexcept;

// The engine inputs an operator may send (create, update, start, stop, toggle, delete, stop
// all, halt, resume).
[[nodiscard]] bool is_operator_command(const EventBody& body) noexcept;
// The command's correlation id (0 for a body that is not a command).
[[nodiscard]] std::uint64_t command_id(const EventBody& body) noexcept;

// False when `command` is not an operator command (nothing written).
[[nodiscard]] bool encode_command(const EventBody& command, std::uint64_t sent_wall_ns,
                                  CommandRecord& out) noexcept;
[[nodiscard]] CommandCheck decode_command(const CommandRecord& record, EventBody& out) noexcept;

}  // namespace scalper::shm
