#include "scalper/core/catch_up.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "scalper/core/checkpoint_store.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/engine/engine.hpp"

namespace scalper::core {
namespace {

std::vector<std::byte> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(bytes.size());
  std::transform(bytes.begin(), bytes.end(), out.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return out;
}

// Checkpoint files in `dir` by seq, newest first.
std::vector<std::pair<std::uint64_t, std::filesystem::path>> checkpoints_in(
    const std::filesystem::path& dir) {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::uint64_t seq = 0;
    if (parse_checkpoint_file_name(e.path().filename().string(), seq)) {
      found.emplace_back(seq, e.path());
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return found;
}

// Restores `engine` from the newest good checkpoint at or before `seq`; its seq, or 0 when
// there is none (the engine stays fresh).
std::uint64_t restore_at_or_before(Engine& engine, const std::filesystem::path& dir,
                                   std::uint64_t seq) {
  for (const auto& [at, path] : checkpoints_in(dir)) {
    if (at > seq) continue;
    const std::vector<std::byte> file = read_file(path);
    CheckpointHeader header;
    std::span<const std::byte> payload;
    if (parse_checkpoint(file, header, payload) != CheckpointCheck::Ok) continue;
    if (engine.restore(payload)) return at;
  }
  return 0;
}

}  // namespace

CatchUp replay_actions_after(const std::filesystem::path& data_dir, std::uint64_t after_input_seq,
                             const ActionSink& sink) {
  CatchUp r;
  JournalReader reader;
  if (!reader.open(data_dir / "journal")) {
    r.problem = "journal: " + reader.problem();
    return r;
  }
  // The journal's configuration, from its first segment's header: read one record to learn it.
  if (reader.read_from(1) == SeekStatus::Failed) {
    r.problem = "journal: " + reader.problem();
    return r;
  }
  Event ev;
  ReadStatus first = reader.next(ev);
  if (first != ReadStatus::Record) {
    r.ok = first == ReadStatus::End || first == ReadStatus::TornTail;
    if (!r.ok) r.problem = "journal: " + reader.problem();
    return r;
  }
  auto engine = std::make_unique<Engine>(reader.config());
  r.checkpoint_seq = restore_at_or_before(*engine, data_dir / "checkpoints", after_input_seq);
  const std::uint64_t from = r.checkpoint_seq + 1;
  if (reader.read_from(from) != SeekStatus::Ok) {
    r.problem = "the journal no longer holds input " + std::to_string(from) +
                " (released after a checkpoint): rebuild from the bots' snapshots";
    return r;
  }
  Outbox out(engine->outbox_capacity());
  for (;;) {
    const ReadStatus s = reader.next(ev);
    if (s == ReadStatus::End || s == ReadStatus::TornTail) break;
    if (s == ReadStatus::Corrupt) {
      r.problem = "journal: " + reader.problem();
      return r;
    }
    out.clear();
    if (engine->step(ev, out) != StepStatus::Ok) {
      r.problem = "journal input " + std::to_string(ev.seq) + " does not step";
      return r;
    }
    ++r.inputs;
    r.last_seq = ev.seq;
    if (ev.seq <= after_input_seq) continue;
    for (const Action& a : out.actions()) {
      sink(ev, a);
      ++r.delivered;
    }
  }
  r.ok = true;
  return r;
}

}  // namespace scalper::core
