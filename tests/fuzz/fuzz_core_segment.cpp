// fuzz_core_segment.cpp — libFuzzer target for the journal segment scanner (feed/core
// journal_reader.hpp): what the core's recovery and the catch-up reader run over segment files
// read back from disk, around the engine's decode_record (fuzzed on its own by fuzz_journal):
// the zero-length end, the torn-tail-or-corruption verdict, the seq order.
//
// Input: a segment image. scan_segment must never read outside it or crash. Its verdict must
// agree with reading the records one by one: every record before `end` decodes, seqs run
// last + 1, the torn bytes lie inside the image with only zeros after them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "scalper/core/journal_reader.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace scalper::core;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  const SegmentScan s = scan_segment(bytes);
  (void)describe(s);
  if (s.header != scalper::journal::Status::Ok) {
    check(s.outcome == ScanOutcome::Corrupt && s.records == 0);
    return 0;
  }
  check(s.end <= size);
  std::size_t at = scalper::journal::header_size();
  std::uint64_t last = 0;
  for (std::size_t i = 0; i < s.records; ++i) {
    scalper::Event ev;
    const RecordResult r = read_record_at(bytes, at, ev);
    check(r.read == RecordRead::Ok);
    check(i == 0 || ev.seq == last + 1);
    check(i != 0 || ev.seq == s.first_seq);
    last = ev.seq;
    at += r.size;
  }
  check(at == s.end);
  check(s.records == 0 || last == s.last_seq);
  if (s.outcome == ScanOutcome::TornTail) {
    check(s.damage_end > s.end && s.damage_end <= size);
    for (std::size_t i = s.damage_end; i < size; ++i) check(data[i] == 0);
  }
  return 0;
}
