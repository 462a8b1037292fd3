// scalper-replay — runs a journal through a fresh engine and prints what it decided.
//
//   scalper-replay [--digest] [--summary] [--quiet] [--from SEQ] FILE
//   scalper-replay [--digest] [--summary] [--quiet] [--from SEQ] --journal-dir DIR
//
// FILE is one journal (an engine journal file, or one segment of the core's journal); DIR is
// the core's journal directory of segments (feed/core journal_reader.hpp), read across
// segments in seq order: what a control process that fell behind reads to catch up.
//
// Exit status: 0 replayed (a torn last record is a warning), 1 unreadable or corrupt journal or
// an engine refusal, 2 bad arguments.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "describe_action.hpp"
#include "scalper/core/journal_reader.hpp"
#include "scalper/engine/digest.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::replay {
namespace {

constexpr std::string_view kUsage =
    "usage: scalper-replay [--digest] [--summary] [--quiet] [--from SEQ] FILE\n"
    "       scalper-replay [--digest] [--summary] [--quiet] [--from SEQ] --journal-dir DIR\n"
    "\n"
    "Replays a Scalper journal through a fresh engine and prints one line per action,\n"
    "prefixed with the sequence number of the event that caused it.\n"
    "\n"
    "  FILE               one journal file (or one segment file of the core's journal)\n"
    "  --journal-dir DIR  the core's journal directory (<data_dir>/journal): its segments\n"
    "                     in seq order, including one the core is still writing\n"
    "  --from SEQ         print only what the records from sequence number SEQ on did (the\n"
    "                     digest and the summary's counts too); the records before it are\n"
    "                     still stepped, so the engine's state is the one they built\n"
    "  --digest           print only the action digest and count (\"<16 hex digits> <count>\")\n"
    "  --summary          print a table of the bots at the end (orders, fills, cycles, PnL)\n"
    "  --quiet            do not print the action lines\n"
    "  --help             this text\n"
    "\n"
    "Exit status: 0 replayed (a torn last record only warns), 1 unreadable or corrupt\n"
    "journal or an event the engine refused, 2 bad arguments.\n";

struct Options {
  bool digest = false;
  bool summary = false;
  bool quiet = false;
  std::uint64_t from = 0;  // 0: from the start
  std::string file;
  std::string journal_dir;
};

// Per-bot tallies of what the actions said; the final record comes from the engine when the
// bot is still there, from its last BotChanged when it was deleted.
struct BotTally {
  BotRecord last;
  bool deleted = false;
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
};

void tally(const Action& action, std::map<std::uint64_t, BotTally>& bots) {
  if (const auto* p = std::get_if<PlaceOrder>(&action))
    ++bots[p->bot.value].orders;
  else if (const auto* f = std::get_if<FillApplied>(&action))
    ++bots[f->bot.value].fills;
  else if (const auto* c = std::get_if<BotChanged>(&action))
    bots[c->bot.id.value].last = c->bot;
  else if (const auto* d = std::get_if<BotDeleted>(&action))
    bots[d->bot.value].deleted = true;
}

std::string dec(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

void print_summary(const Engine& engine, std::map<std::uint64_t, BotTally>& bots) {
  for (std::uint32_t slot = 0; slot < engine.bot_slots(); ++slot) {
    if (const BotRecord* b = engine.bot_at_slot(slot)) bots[b->id.value].last = *b;
  }
  struct Row {
    std::string cells[9];
  };
  std::vector<Row> rows;
  rows.push_back(
      {{"BOT", "TICKER", "VENUE", "STATUS", "ORDERS", "FILLS", "CYCLES", "PNL", "POSITION"}});
  std::uint64_t orders = 0, fills = 0, cycles = 0;
  Decimal pnl;
  std::size_t shown = 0;
  for (const auto& [id, t] : bots) {
    if (id == 0 || !t.last.id.valid()) continue;  // system-wide entries, or never described
    const BotRecord& b = t.last;
    rows.push_back(
        {{std::to_string(id), std::string(b.ticker.view()), std::string(label(b.venue)),
          t.deleted ? "DELETED" : std::string(label(b.status)), std::to_string(t.orders),
          std::to_string(t.fills), std::to_string(b.total_trades), dec(b.pnl), dec(b.position)}});
    orders += t.orders;
    fills += t.fills;
    cycles += b.total_trades;
    pnl += b.pnl;
    ++shown;
  }
  if (shown == 0) {
    std::printf("no bots\n");
    return;
  }
  constexpr bool kRightAligned[9] = {true, false, false, false, true, true, true, true, true};
  std::size_t width[9] = {};
  for (const Row& r : rows) {
    for (std::size_t c = 0; c < 9; ++c) width[c] = std::max(width[c], r.cells[c].size());
  }
  for (const Row& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < 9; ++c) {
      const std::string& cell = r.cells[c];
      const std::string pad(width[c] - cell.size(), ' ');
      if (c > 0) line += "  ";
      line += kRightAligned[c] ? pad + cell : cell + (c + 1 < 9 ? pad : "");
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("%zu bot(s): %llu orders placed, %llu fills, %llu cycles, total PnL %s\n", shown,
              static_cast<unsigned long long>(orders), static_cast<unsigned long long>(fills),
              static_cast<unsigned long long>(cycles), dec(pnl).c_str());
}

bool read_file(const std::string& path, std::vector<std::byte>& out, std::string& error) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = errno != 0 ? std::strerror(errno) : "cannot open";
    return false;
  }
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "read error";
    return false;
  }
  out.resize(chars.size());
  if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
  return true;
}

bool parse_seq(std::string_view text, std::uint64_t& seq) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  return ec == std::errc() && end == text.data() + text.size() && seq >= 1;
}

// Outcome of the command line: options, or an exit status to leave with.
int parse_args(int argc, char** argv, Options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
    if (a == "--digest")
      opt.digest = true;
    else if (a == "--summary")
      opt.summary = true;
    else if (a == "--quiet")
      opt.quiet = true;
    else if ((a == "--journal-dir" || a == "--from") && i + 1 < argc) {
      const std::string_view value = argv[++i];
      if (a == "--journal-dir" && !value.empty() && opt.journal_dir.empty()) {
        opt.journal_dir = value;
      } else if (a == "--from" && !parse_seq(value, opt.from)) {
        std::fprintf(stderr, "scalper-replay: --from needs a sequence number >= 1, not '%s'\n",
                     argv[i]);
        return 2;
      } else if (a == "--journal-dir") {
        std::fprintf(stderr, "scalper-replay: one --journal-dir only\n\n%s", kUsage.data());
        return 2;
      }
    } else if (!a.empty() && a[0] != '-' && opt.file.empty())
      opt.file = a;
    else {
      std::fprintf(stderr, "scalper-replay: unexpected argument '%s'\n\n%s", argv[i],
                   kUsage.data());
      return 2;
    }
  }
  if (!opt.file.empty() && !opt.journal_dir.empty()) {
    std::fprintf(stderr, "scalper-replay: give a FILE or --journal-dir, not both\n\n%s",
                 kUsage.data());
    return 2;
  }
  if (opt.file.empty() && opt.journal_dir.empty()) {
    std::fprintf(stderr, "scalper-replay: no journal file given\n\n%s", kUsage.data());
    return 2;
  }
  return -1;
}

// The engine and what is made of its actions, whichever source the records come from.
class Replay {
 public:
  Replay(const Options& opt, const EngineConfig& config)
      : opt_(opt), engine_(config), out_(engine_.outbox_capacity()) {}

  // Steps one record; false (reported) when the engine refused it. `source` and `at` say
  // where the record lies, for the message. Only records from --from on are shown.
  bool step(const Event& ev, const char* source, std::size_t at) {
    out_.clear();
    const StepStatus step = engine_.step(ev, out_);
    if (step != StepStatus::Ok) {
      std::fprintf(stderr,
                   "scalper-replay: %s: the engine refused the record at offset %zu (seq "
                   "%llu): %s\n",
                   source, at, static_cast<unsigned long long>(ev.seq),
                   step == StepStatus::BadSequence ? "sequence number not after the previous one"
                                                   : "outbox full (engine bound is wrong)");
      return false;
    }
    ++records_;
    if (ev.seq < opt_.from) return true;
    for (const Action& a : out_.actions()) {
      if (print_actions()) {
        std::printf("#%llu %s\n", static_cast<unsigned long long>(ev.seq),
                    describe_action(a).c_str());
      }
      tally(a, bots_);
    }
    digest_.add(out_.actions());
    return true;
  }

  void finish(int status) {
    // A digest of part of a journal would read like a result; the table is still worth seeing.
    if (opt_.digest && status == 0) {
      std::printf("%016llx %llu\n", static_cast<unsigned long long>(digest_.value()),
                  static_cast<unsigned long long>(digest_.count()));
    }
    if (opt_.summary) {
      if (print_actions()) std::printf("\n");
      print_summary(engine_, bots_);
    }
  }

  [[nodiscard]] unsigned long long records() const { return records_; }

 private:
  [[nodiscard]] bool print_actions() const { return !opt_.quiet && !opt_.digest; }

  const Options& opt_;
  Engine engine_;
  Outbox out_;
  ActionDigest digest_;
  std::map<std::uint64_t, BotTally> bots_;
  unsigned long long records_ = 0;
};

// A pre-sized segment of the core's journal ends in zeros: a zero length word with nothing
// but zeros after it is the end, not a corrupt length.
bool zero_tail(std::span<const std::byte> rest) {
  return std::all_of(rest.begin(), rest.end(), [](std::byte b) { return b == std::byte{0}; });
}

int run_file(const Options& opt) {
  const char* file = opt.file.c_str();
  std::vector<std::byte> bytes;
  std::string error;
  if (!read_file(opt.file, bytes, error)) {
    std::fprintf(stderr, "scalper-replay: cannot read %s: %s\n", file, error.c_str());
    return 1;
  }
  const std::span<const std::byte> all(bytes);

  EngineConfig config;
  std::size_t used = 0;
  switch (const journal::Status s = journal::decode_header(all, config, used)) {
    case journal::Status::Ok: break;
    case journal::Status::End:
      std::fprintf(stderr, "scalper-replay: %s is empty: not a journal\n", file);
      return 1;
    case journal::Status::TornTail:
      std::fprintf(stderr,
                   "scalper-replay: warning: %s ends inside its header (crash while creating "
                   "it?); replayed 0 records\n",
                   file);
      return 0;
    default:
      std::fprintf(stderr, "scalper-replay: %s: bad journal header: %s\n", file,
                   std::string(journal::to_string(s)).c_str());
      return 1;
  }

  Replay replay(opt, config);
  std::size_t at = used;
  int status = 0;

  for (;;) {
    Event ev;
    const journal::Status s = journal::decode_record(all.subspan(at), ev, used);
    if (s == journal::Status::End) break;
    // The journal banner: a record cut short, or a last record whose bytes are all there but
    // wrong, is a crash mid-write; a bad record with more after it is corruption.
    std::uint32_t length = 0;
    if (all.size() - at >= sizeof length) std::memcpy(&length, all.data() + at, sizeof length);
    if (s == journal::Status::BadLength && length == 0 && zero_tail(all.subspan(at))) break;
    const bool last = all.size() - at == sizeof length + std::size_t{length} ||
                      (sizeof length + std::size_t{length} <= all.size() - at &&
                       zero_tail(all.subspan(at + sizeof length + length)));
    if (s == journal::Status::TornTail || (s == journal::Status::BadCrc && last)) {
      std::fprintf(stderr,
                   "scalper-replay: warning: journal ends in a torn record at offset %zu (crash "
                   "while writing?); replayed %llu records\n",
                   at, replay.records());
      break;
    }
    if (s != journal::Status::Ok) {
      std::fprintf(stderr,
                   "scalper-replay: %s: corrupt journal at offset %zu: %s; replayed the %llu "
                   "records before it\n",
                   file, at, std::string(journal::to_string(s)).c_str(), replay.records());
      status = 1;
      break;
    }
    if (!replay.step(ev, file, at)) {
      status = 1;
      break;
    }
    at += used;
  }
  replay.finish(status);
  return status;
}

int run_dir(const Options& opt) {
  const char* dir = opt.journal_dir.c_str();
  core::JournalReader reader;
  if (!reader.open(opt.journal_dir)) {
    std::fprintf(stderr, "scalper-replay: cannot read %s: %s\n", dir, reader.problem().c_str());
    return 1;
  }
  if (reader.oldest_seq() > 1) {
    std::fprintf(stderr,
                 "scalper-replay: warning: %s: the records before seq %llu were released (after "
                 "a checkpoint); the engine starts empty there\n",
                 dir, static_cast<unsigned long long>(reader.oldest_seq()));
  }

  std::unique_ptr<Replay> replay;
  int status = 0;
  Event ev;
  for (;;) {
    const core::ReadStatus s = reader.next(ev);
    const unsigned long long records = replay != nullptr ? replay->records() : 0;
    if (s == core::ReadStatus::End) break;
    if (s == core::ReadStatus::TornTail) {
      std::fprintf(stderr,
                   "scalper-replay: warning: journal ends in a torn record: %s (crash while "
                   "writing?); replayed %llu records\n",
                   reader.problem().c_str(), records);
      break;
    }
    if (s == core::ReadStatus::Corrupt) {
      std::fprintf(stderr,
                   "scalper-replay: %s: corrupt journal: %s; replayed the %llu records before "
                   "it\n",
                   dir, reader.problem().c_str(), records);
      status = 1;
      break;
    }
    if (replay == nullptr) {
      replay = std::make_unique<Replay>(opt, reader.config());
    } else if (reader.config_changed()) {
      std::fprintf(stderr,
                   "scalper-replay: %s: the engine config changes at seq %llu (%s): one engine "
                   "cannot take another config mid-journal (replay that segment on its own)\n",
                   dir, static_cast<unsigned long long>(ev.seq), reader.segment_path().c_str());
      status = 1;
      break;
    }
    const std::size_t at = reader.offset() - journal::record_size(ev);
    if (!replay->step(ev, reader.segment_path().c_str(), at)) {
      status = 1;
      break;
    }
  }
  if (replay == nullptr) replay = std::make_unique<Replay>(opt, EngineConfig{});
  replay->finish(status);
  return status;
}

int run(const Options& opt) { return opt.journal_dir.empty() ? run_file(opt) : run_dir(opt); }

}  // namespace
}  // namespace scalper::replay

int main(int argc, char** argv) {
  scalper::replay::Options opt;
  const int rc = scalper::replay::parse_args(argc, argv, opt);
  if (rc >= 0) return rc;
  return scalper::replay::run(opt);
}
