// fuzz_engine.cpp — libFuzzer target: whatever the journal decoder accepts, Engine::step takes.
//
// Input: a journal (or bare records). Every record that decodes, CRCs recomputed so mutations
// reach the engine, is stepped through one small engine; step must never overflow its outbox
// or misbehave under the sanitizers, whatever the order, ids or values of the events.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "scalper/engine/engine.hpp"
#include "scalper/engine/journal.hpp"

namespace {

namespace journal = scalper::journal;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Every CRC rewritten as far as the lengths allow (layout: journal.hpp banner).
void reseal(std::vector<std::byte>& bytes, std::size_t at) {
  while (bytes.size() - at >= 8) {
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data() + at, sizeof length);
    const std::size_t size = 4 + std::size_t{length};
    if (size < 8 || size > bytes.size() - at) break;
    const std::uint32_t crc =
        journal::crc32c(std::span<const std::byte>(bytes).subspan(at + 8, size - 8));
    std::memcpy(bytes.data() + at + 4, &crc, sizeof crc);
    at += size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto raw = std::as_bytes(std::span<const std::uint8_t>(data, size));
  std::vector<std::byte> bytes(raw.begin(), raw.end());

  // The header's config is ignored: a small fixed engine keeps each run fast, and the config
  // decoder has fuzz_journal.
  scalper::EngineConfig header_config;
  std::size_t at = 0;
  if (journal::decode_header(bytes, header_config, at) != journal::Status::Ok) at = 0;
  reseal(bytes, at);

  scalper::EngineConfig config;
  config.max_bots = 8;
  config.early_update_capacity = 8;
  config.venue_enabled[1] = true;
  scalper::Engine engine(config);
  scalper::Outbox out(engine.outbox_capacity());

  const std::span<const std::byte> in(bytes);
  for (;;) {
    scalper::Event ev;
    std::size_t used = 0;
    if (journal::decode_record(in.subspan(at), ev, used) != journal::Status::Ok) break;
    at += used;
    out.clear();
    const scalper::StepStatus s = engine.step(ev, out);
    check(s != scalper::StepStatus::OutboxFull && !out.overflowed());
  }
  return 0;
}
