// fuzz_shm_command.cpp — libFuzzer target for the command ring's record check (shm/schema
// command.hpp), the core's only reader of what control (or anything) writes into the ring.
//
// Input: the first 8 bytes are the record's cmd_id, the next 4 its length (any value, also
// beyond the buffer), the rest its bytes. decode_command must never read past the record or
// crash; what it accepts must be an operator command that re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "scalper/shm/command.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace scalper::shm;
  CommandRecord record;
  if (size >= 8) std::memcpy(&record.cmd_id, data, 8);
  if (size >= 12) std::memcpy(&record.length, data + 8, 4);
  const std::size_t body = size > 12 ? size - 12 : 0;
  // An empty input arrives as a null pointer: memcpy from it is undefined even for 0 bytes.
  if (body > 0) {
    std::memcpy(record.bytes, data + (size - body), body < kCommandBytes ? body : kCommandBytes);
  }
  scalper::EventBody command;
  if (decode_command(record, command) != CommandCheck::Ok) return 0;
  check(is_operator_command(command));
  check(command_id(command) == record.cmd_id);
  CommandRecord again;
  check(encode_command(command, 0, again));
  check(again.length == record.length);
  // The seq and clocks inside are placeholders control never relies on; the rest must match.
  constexpr std::size_t kStampEnd = 32;  // length, crc, seq, mono_ns, wall_ns
  check(std::memcmp(again.bytes + kStampEnd, record.bytes + kStampEnd,
                    record.length - kStampEnd) == 0);
  return 0;
}
