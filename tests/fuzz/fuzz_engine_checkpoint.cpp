// fuzz_engine_checkpoint.cpp — libFuzzer target for Engine::restore (checkpoint.hpp).
//
// Input: arbitrary bytes, read as a checkpoint of an engine with the configuration below (the
// seeds in corpus/fuzz_engine_checkpoint are written by tests/engine/checkpoint_test.cpp with
// the same one). restore() must never crash, and whatever it accepts must save back to exactly
// the bytes it came from: decode accepts only what encode writes. Mutations almost never keep
// the CRC right, which would leave every check behind it to the seeds alone; so each input is
// restored a second time with its length and CRC recomputed.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "scalper/engine/checkpoint.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/journal.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Keep in step with fuzz_config() in tests/engine/checkpoint_test.cpp.
scalper::EngineConfig fuzz_config() {
  scalper::EngineConfig c;
  c.max_bots = 12;
  c.early_update_capacity = 8;
  c.venue_enabled[1] = true;
  return c;
}

void check_restore(scalper::Engine& engine, std::vector<std::byte>& saved,
                   std::span<const std::byte> in) {
  scalper::checkpoint::Status why = scalper::checkpoint::Status::Ok;
  const bool ok = engine.restore(in, &why);
  check(ok == (why == scalper::checkpoint::Status::Ok));
  const std::size_t n = engine.save(saved);
  check(n > 0);
  if (!ok) {
    // Refused: the engine is as freshly constructed, and says so.
    check(engine.bot_count() == 0 && engine.last_seq() == 0 && !engine.halted());
    return;
  }
  check(n == in.size() && std::memcmp(saved.data(), in.data(), n) == 0);
}

// Header (checkpoint.hpp): crc32c u32 at 12 over the payload, payload length u64 at 16.
bool reseal(std::vector<std::byte>& bytes) {
  if (bytes.size() < scalper::checkpoint::kHeaderSize) return false;
  const std::vector<std::byte> before = bytes;
  const std::uint64_t length = bytes.size() - scalper::checkpoint::kHeaderSize;
  const std::uint32_t crc = scalper::journal::crc32c(
      std::span<const std::byte>(bytes).subspan(scalper::checkpoint::kHeaderSize));
  std::memcpy(bytes.data() + 12, &crc, sizeof crc);
  std::memcpy(bytes.data() + 16, &length, sizeof length);
  return bytes != before;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static scalper::Engine engine(fuzz_config());
  static std::vector<std::byte> saved(engine.checkpoint_capacity());
  const auto in = std::as_bytes(std::span<const std::uint8_t>(data, size));
  check_restore(engine, saved, in);
  std::vector<std::byte> resealed(in.begin(), in.end());
  if (reseal(resealed)) check_restore(engine, saved, resealed);
  return 0;
}
