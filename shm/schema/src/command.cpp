#include "scalper/shm/command.hpp"

#include <span>
#include <type_traits>
#include <variant>

#include "scalper/engine/journal.hpp"

namespace scalper::shm {
namespace {

template <class T>
constexpr bool kIsCommand =
    std::is_same_v<T, CreateBot> || std::is_same_v<T, UpdateBot> ||
    std::is_same_v<T, StartBot> || std::is_same_v<T, StopBot> || std::is_same_v<T, ToggleBot> ||
    std::is_same_v<T, DeleteBot> || std::is_same_v<T, StopAll> || std::is_same_v<T, Halt> ||
    std::is_same_v<T, Resume>;

static_assert(kCommandBytes >= journal::kMaxRecordSize, "every record must fit a command");

}  // namespace

std::string_view to_string(CommandCheck check) noexcept {
  switch (check) {
    case CommandCheck::Ok: return "ok";
    case CommandCheck::Oversized: return "command record longer than its buffer";
    case CommandCheck::Undecodable: return "command record does not decode";
    case CommandCheck::NotACommand: return "record is not an operator command";
    case CommandCheck::IdMismatch: return "command id does not match the record's";
  }
  return "unknown";
}

bool is_operator_command(const EventBody& body) noexcept {
  return std::visit([](const auto& b) { return kIsCommand<std::decay_t<decltype(b)>>; }, body);
}

std::uint64_t command_id(const EventBody& body) noexcept {
  return std::visit(
      [](const auto& b) -> std::uint64_t {
        if constexpr (kIsCommand<std::decay_t<decltype(b)>>) {
          return b.cmd_id;
        } else {
          return 0;
        }
      },
      body);
}

bool encode_command(const EventBody& command, std::uint64_t sent_wall_ns,
                    CommandRecord& out) noexcept {
  if (!is_operator_command(command)) return false;
  const Event ev{1, 0, 0, command};
  const std::size_t n = journal::encode_record(ev, std::span<std::byte>(out.bytes));
  if (n == 0) return false;
  out.sent_wall_ns = sent_wall_ns;
  out.cmd_id = command_id(command);
  out.length = static_cast<std::uint32_t>(n);
  out.reserved = 0;
  return true;
}

CommandCheck decode_command(const CommandRecord& record, EventBody& out) noexcept {
  if (record.length > kCommandBytes) return CommandCheck::Oversized;
  Event ev;
  std::size_t consumed = 0;
  const auto bytes = std::span<const std::byte>(record.bytes, record.length);
  if (journal::decode_record(bytes, ev, consumed) != journal::Status::Ok ||
      consumed != record.length) {
    return CommandCheck::Undecodable;
  }
  if (!is_operator_command(ev.body)) return CommandCheck::NotACommand;
  if (command_id(ev.body) != record.cmd_id) return CommandCheck::IdMismatch;
  out = ev.body;
  return CommandCheck::Ok;
}

}  // namespace scalper::shm
