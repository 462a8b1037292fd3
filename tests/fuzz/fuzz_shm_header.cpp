// fuzz_shm_header.cpp — libFuzzer target for scalper::shm::validate_header.
//
// Input: a selector byte, then the bytes of a would-be segment (fuzz_shm_header.hpp). Whatever
// the bytes, validate_header must not read outside them (ASan in the fuzz preset), must answer
// the same twice, must explain every refusal, and every header it accepts must really be safe
// to use: the checks below re-derive that with a second, deliberately naive implementation.
#include "fuzz_shm_header.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "scalper/shm/segment.hpp"

namespace {

using scalper::shm::RegionEntry;
using scalper::shm::SegmentHeader;
using scalper::shm::SegmentIdentity;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Every byte of every accepted region lies in the mapping past the header, in no other region.
void check_accepted(const scalper::fuzzing::ShmHeaderInput& in, const SegmentIdentity& id) {
  const std::size_t size = in.mapping.size();
  check(size >= sizeof(SegmentHeader) && id.total_size == size);
  check(std::memcmp(id.magic, scalper::shm::kSegmentMagic, sizeof id.magic) == 0);
  check(id.header_size == sizeof(SegmentHeader));
  check(std::memcmp(in.mapping.data(), &id, sizeof id) == 0);  // the copy is the bytes
  std::uint32_t version = 0;
  std::memcpy(&version, in.mapping.data() + offsetof(SegmentHeader, layout_version),
              sizeof version);
  check(version != 0);
  check(in.version == scalper::shm::kAnyVersion || version == in.version);
  check(id.region_count <= scalper::shm::kMaxRegions);
  for (std::uint32_t i = 0; i < id.region_count; ++i) {
    const RegionEntry& r = id.regions[i];
    check(r.kind != 0 && r.size != 0 && r.offset % scalper::shm::kRegionAlign == 0);
    check(r.offset >= sizeof(SegmentHeader) && r.offset <= size && r.size <= size - r.offset);
    for (std::uint32_t j = 0; j < i; ++j) {
      const RegionEntry& o = id.regions[j];
      check(o.kind != r.kind);
      check(r.offset + r.size <= o.offset || o.offset + o.size <= r.offset);
    }
  }
  if (!in.expected.empty()) {
    check(id.region_count == in.expected.size());
    for (std::size_t i = 0; i < in.expected.size(); ++i) {
      check(id.regions[i].kind == in.expected[i].kind);
      check(id.regions[i].flags == in.expected[i].flags);
      check(id.regions[i].size == in.expected[i].size);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const scalper::fuzzing::ShmHeaderInput in = scalper::fuzzing::split_shm_header_input(data, size);

  std::string why;
  SegmentIdentity id{};
  const bool ok = scalper::shm::validate_header(in.mapping, in.version, in.expected, why, &id);
  check(ok == why.empty());  // a refusal always says why; an acceptance says nothing

  std::string again;
  check(scalper::shm::validate_header(in.mapping, in.version, in.expected.data(),
                                      in.expected.size(), again) == ok);
  check(again == why);

  if (ok) check_accepted(in, id);
  return 0;
}
