// The sample journals in tests/data/journals/ and their golden replay digests.
//
// Each scenario of scenarios.hpp is run again: its journal must equal the checked-in file byte
// for byte (an event layout change without a journal version bump fails here), and replaying
// the file through a fresh engine — twice — must give the checked-in digest. After a deliberate
// change of behaviour, regenerate with SCALPER_UPDATE_GOLDEN=1 and review the diff of
// digests.txt and of `scalper-replay` output.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "scalper/engine/digest.hpp"
#include "scenarios.hpp"

namespace scalper::testing {
namespace {

const std::string kDir = std::string(SCALPER_TEST_DATA_DIR) + "/journals/";

bool updating_golden() {
  const char* v = std::getenv("SCALPER_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::byte> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(s.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  return bytes;
}

void write_file(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// name -> "digest count" as written in digests.txt.
std::map<std::string, std::string> read_digests() {
  std::map<std::string, std::string> golden;
  std::ifstream in(kDir + "digests.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, digest, count;
    fields >> name >> digest >> count;
    golden[name] = digest + " " + count;
  }
  return golden;
}

struct Replayed {
  std::uint64_t digest = 0;
  std::uint64_t actions = 0;
  std::size_t records = 0;
};

// Decodes a journal and steps every record through a fresh engine.
Replayed replay(const std::vector<std::byte>& bytes) {
  Replayed r;
  EngineConfig config;
  std::size_t used = 0;
  std::span<const std::byte> in(bytes);
  EXPECT_EQ(journal::decode_header(in, config, used), journal::Status::Ok);
  in = in.subspan(used);
  Engine engine(config);
  Outbox out(engine.outbox_capacity());
  ActionDigest digest;
  Event ev;
  for (;;) {
    const journal::Status s = journal::decode_record(in, ev, used);
    if (s == journal::Status::End) break;
    EXPECT_EQ(s, journal::Status::Ok) << "record " << r.records;
    if (s != journal::Status::Ok) break;
    in = in.subspan(used);
    out.clear();
    EXPECT_EQ(engine.step(ev, out), StepStatus::Ok);
    digest.add(out.actions());
    ++r.records;
  }
  r.digest = digest.value();
  r.actions = digest.count();
  return r;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

TEST(JournalSamples, MatchTheirScenariosAndGoldenDigests) {
  const auto golden = read_digests();
  std::string digests =
      "# scenario digest actions — replay digests of tests/data/journals/*.jrnl\n";
  for (const Scenario& sc : kScenarios) {
    SCOPED_TRACE(std::string(sc.name));
    EngineHarness h;
    sc.run(h);
    const std::vector<std::byte> bytes =
        encode_journal(EngineHarness::default_config(), h.journal());
    const std::string path = kDir + std::string(sc.name) + ".jrnl";
    const Replayed first = replay(bytes);
    const Replayed second = replay(bytes);
    EXPECT_EQ(first.records, h.journal().size());
    EXPECT_EQ(first.digest, second.digest) << "replay is not deterministic";
    EXPECT_EQ(first.actions, second.actions);
    const std::string line = hex(first.digest) + " " + std::to_string(first.actions);
    digests += std::string(sc.name) + " " + line + "\n";
    if (updating_golden()) {
      write_file(path, bytes);
      continue;
    }
    EXPECT_EQ(read_file(path), bytes) << path << " differs from its scenario; if the change is "
                                      << "deliberate, bump journal::kVersion when the layout "
                                         "changed and rerun with SCALPER_UPDATE_GOLDEN=1";
    const auto it = golden.find(std::string(sc.name));
    ASSERT_NE(it, golden.end()) << "no golden digest; run with SCALPER_UPDATE_GOLDEN=1";
    EXPECT_EQ(line, it->second) << "replay digest changed: behaviour changed";
    // And the checked-in file itself replays to the same digest.
    EXPECT_EQ(replay(read_file(path)).digest, first.digest);
  }
  if (updating_golden()) {
    std::ofstream(kDir + "digests.txt", std::ios::trunc) << digests;
  }
}

}  // namespace
}  // namespace scalper::testing
