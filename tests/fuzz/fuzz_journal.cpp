// fuzz_journal.cpp — libFuzzer target for the journal decoder.
//
// Input: arbitrary bytes, read as a journal (header, then records) when the header decodes,
// else as bare records. Whatever decodes Ok must re-encode to exactly the bytes it came from:
// the decoder accepts nothing the encoder would not have written.
// Mutations almost never keep a CRC right, which would leave the payload checks behind it to
// the seeds alone; so each input is decoded a second time with every CRC recomputed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "scalper/engine/journal.hpp"

namespace {

namespace journal = scalper::journal;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

void check_decode(std::span<const std::byte> in) {
  std::array<std::byte, journal::kMaxRecordSize> buf{};
  std::size_t at = 0;

  scalper::EngineConfig config;
  std::size_t consumed = 0;
  if (journal::decode_header(in, config, consumed) == journal::Status::Ok) {
    check(consumed == journal::header_size() && consumed <= in.size());
    const std::size_t n = journal::encode_header(config, buf);
    check(n == consumed && same_bytes(std::span<const std::byte>(buf).first(n), in.first(n)));
    at = consumed;
  }

  for (;;) {
    scalper::Event ev;
    const journal::Status s = journal::decode_record(in.subspan(at), ev, consumed);
    if (s != journal::Status::Ok) {
      check(s != journal::Status::End || at == in.size());
      break;
    }
    check(consumed > 0 && consumed <= in.size() - at);
    check(journal::record_size(ev) == consumed);
    const std::size_t n = journal::encode_record(ev, buf);
    check(n == consumed && same_bytes(std::span<const std::byte>(buf).first(n), in.subspan(at, n)));
    at += consumed;
  }
}

std::uint32_t load_u32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store_crc(std::vector<std::byte>& bytes, std::size_t crc_at, std::size_t from,
               std::size_t to) {
  const std::uint32_t crc =
      journal::crc32c(std::span<const std::byte>(bytes).subspan(from, to - from));
  std::memcpy(bytes.data() + crc_at, &crc, sizeof crc);
}

// Rewrites the header's and each record's CRC (layout: journal.hpp banner) as far as the
// lengths allow. Returns false when nothing changed.
bool reseal(std::vector<std::byte>& bytes) {
  const std::vector<std::byte> before = bytes;
  std::size_t at = 0;
  if (bytes.size() >= journal::header_size() && std::memcmp(bytes.data(), "SCLPJRNL", 8) == 0) {
    store_crc(bytes, 20, 24, journal::header_size());
    at = journal::header_size();
  }
  while (bytes.size() - at >= 8) {
    const std::size_t size = 4 + std::size_t{load_u32(bytes.data() + at)};
    if (size < 8 || size > bytes.size() - at) break;
    store_crc(bytes, at + 4, at + 8, at + size);
    at += size;
  }
  return bytes != before;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = std::as_bytes(std::span<const std::uint8_t>(data, size));
  check_decode(in);
  std::vector<std::byte> resealed(in.begin(), in.end());
  if (reseal(resealed)) check_decode(resealed);
  return 0;
}
