// fuzz_core_checkpoint.cpp — libFuzzer target for the core's checkpoint file parser
// (feed/core checkpoint_store.hpp), which reads files back from disk after a crash.
//
// Input: a whole checkpoint file. parse_checkpoint must never read outside it or crash; what
// it accepts must have a payload of exactly the size and checksum its header states, and its
// header must re-encode to the same bytes (no field is ignored).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "scalper/core/checkpoint_store.hpp"
#include "scalper/engine/journal.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace scalper::core;
  const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
  CheckpointHeader header;
  std::span<const std::byte> payload;
  if (parse_checkpoint(file, header, payload) != CheckpointCheck::Ok) return 0;
  check(payload.size() == header.payload_size);
  check(payload.size() + kCheckpointHeaderSize == size);
  check(payload.data() == file.data() + kCheckpointHeaderSize);
  check(scalper::journal::crc32c(payload) == header.payload_crc);
  const auto again = encode_checkpoint_header(header.seq, payload);
  check(std::memcmp(again.data(), data, kCheckpointHeaderSize) == 0);
  return 0;
}
