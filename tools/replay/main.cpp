// scalper-replay — runs a journal through a fresh engine and prints what it decided.
//
//   scalper-replay [--digest] [--summary] [--quiet] FILE
//
// Exit status: 0 replayed (a torn last record is a warning), 1 unreadable or corrupt journal or
// an engine refusal, 2 bad arguments.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "describe_action.hpp"
#include "scalper/engine/digest.hpp"
#include "scalper/engine/engine.hpp"
#include "scalper/engine/journal.hpp"

namespace scalper::replay {
namespace {

constexpr std::string_view kUsage =
    "usage: scalper-replay [--digest] [--summary] [--quiet] FILE\n"
    "\n"
    "Replays a Scalper journal through a fresh engine and prints one line per action,\n"
    "prefixed with the sequence number of the event that caused it.\n"
    "\n"
    "  --digest   print only the action digest and count (\"<16 hex digits> <count>\")\n"
    "  --summary  print a table of the bots at the end (orders, fills, cycles, PnL)\n"
    "  --quiet    do not print the action lines\n"
    "  --help     this text\n"
    "\n"
    "Exit status: 0 replayed (a torn last record only warns), 1 unreadable or corrupt\n"
    "journal or an event the engine refused, 2 bad arguments.\n";

struct Options {
  bool digest = false;
  bool summary = false;
  bool quiet = false;
  std::string file;
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
    else if (!a.empty() && a[0] != '-' && opt.file.empty())
      opt.file = a;
    else {
      std::fprintf(stderr, "scalper-replay: unexpected argument '%s'\n\n%s", argv[i],
                   kUsage.data());
      return 2;
    }
  }
  if (opt.file.empty()) {
    std::fprintf(stderr, "scalper-replay: no journal file given\n\n%s", kUsage.data());
    return 2;
  }
  return -1;
}

int run(const Options& opt) {
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

  Engine engine(config);
  Outbox out(engine.outbox_capacity());
  ActionDigest digest;
  std::map<std::uint64_t, BotTally> bots;
  const bool print_actions = !opt.quiet && !opt.digest;
  std::size_t at = used;
  std::uint64_t records = 0;
  int status = 0;

  for (;;) {
    Event ev;
    const journal::Status s = journal::decode_record(all.subspan(at), ev, used);
    if (s == journal::Status::End) break;
    // The journal banner: a record cut short, or a last record whose bytes are all there but
    // wrong, is a crash mid-write; a bad record with more after it is corruption.
    std::uint32_t length = 0;
    if (all.size() - at >= sizeof length) std::memcpy(&length, all.data() + at, sizeof length);
    const bool last = all.size() - at == sizeof length + std::size_t{length};
    if (s == journal::Status::TornTail || (s == journal::Status::BadCrc && last)) {
      std::fprintf(stderr,
                   "scalper-replay: warning: journal ends in a torn record at offset %zu (crash "
                   "while writing?); replayed %llu records\n",
                   at, static_cast<unsigned long long>(records));
      break;
    }
    if (s != journal::Status::Ok) {
      std::fprintf(stderr,
                   "scalper-replay: %s: corrupt journal at offset %zu: %s; replayed the %llu "
                   "records before it\n",
                   file, at, std::string(journal::to_string(s)).c_str(),
                   static_cast<unsigned long long>(records));
      status = 1;
      break;
    }
    out.clear();
    const StepStatus step = engine.step(ev, out);
    if (step != StepStatus::Ok) {
      std::fprintf(stderr,
                   "scalper-replay: %s: the engine refused the record at offset %zu (seq "
                   "%llu): %s\n",
                   file, at, static_cast<unsigned long long>(ev.seq),
                   step == StepStatus::BadSequence ? "sequence number not after the previous one"
                                                   : "outbox full (engine bound is wrong)");
      status = 1;
      break;
    }
    for (const Action& a : out.actions()) {
      if (print_actions) {
        std::printf("#%llu %s\n", static_cast<unsigned long long>(ev.seq),
                    describe_action(a).c_str());
      }
      tally(a, bots);
    }
    digest.add(out.actions());
    at += used;
    ++records;
  }

  // A digest of part of a journal would read like a result; the table is still worth seeing.
  if (opt.digest && status == 0) {
    std::printf("%016llx %llu\n", static_cast<unsigned long long>(digest.value()),
                static_cast<unsigned long long>(digest.count()));
  }
  if (opt.summary) {
    if (print_actions) std::printf("\n");
    print_summary(engine, bots);
  }
  return status;
}

}  // namespace
}  // namespace scalper::replay

int main(int argc, char** argv) {
  scalper::replay::Options opt;
  const int rc = scalper::replay::parse_args(argc, argv, opt);
  if (rc >= 0) return rc;
  return scalper::replay::run(opt);
}
