// fuzz_net_engineio.cpp — libFuzzer target for the Engine.IO/Socket.IO client decoders and
// session (feed/net).
//
// Input: byte 0 picks EIO3 or EIO4 (and a clock step); the rest is split on '\n' into server
// frames fed to one session, with timer ticks between them. Invariants: the session never
// answers in the wrong heartbeat direction (EIO3 never sends "3", EIO4 never sends "2"),
// replies only the constant frames, says nothing once closed, delivers events only when
// connected, and every view it returns lies inside the frame it was given. Each frame also
// goes through the packet decoders directly, and an event re-encoded from a split decodes back
// to the same name and arguments.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <scalper/net/engineio.hpp>

namespace {

using namespace scalper::net;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_decoders(std::string_view frame) {
  EioPacket p;
  if (!decode_eio_packet(frame, p)) return;
  check(inside(p.payload, frame));
  if (p.type == EioPacketType::Open) {
    EioOpen o;
    if (parse_eio_open(p.payload, o)) {
      check(inside(o.sid, frame) && !o.sid.empty());
      check(o.ping_interval_ms > 0 && o.ping_timeout_ms > 0);
    }
  }
  if (p.type != EioPacketType::Message) return;
  SioPacket s;
  if (!decode_sio_packet(p.payload, s)) return;
  check(inside(s.data, frame));
  SioEvent e;
  if (s.type != SioPacketType::Event || !split_sio_event(s.data, e)) return;
  check(inside(e.name, frame) && inside(e.args, frame));
  std::array<char, 8192> buf;
  const std::size_t n = encode_sio_event(e.name, e.args, buf);
  if (n == 0) return;  // too big for the buffer
  SioPacket again;
  check(decode_sio_packet(std::string_view(buf.data() + 1, n - 1), again));
  SioEvent e2;
  check(split_sio_event(again.data, e2));
  check(e2.name == e.name && e2.args == e.args);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const EioVersion v = (data[0] & 1) != 0 ? EioVersion::V4 : EioVersion::V3;
  const std::int64_t step_ms = 1 + (data[0] >> 1) * 50;
  EioSession s(v, 0);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::int64_t now = 0;
  auto check_step = [&](const EioStep& st, std::string_view frame) {
    if (!st.reply.empty()) {
      check(st.reply == "2" || st.reply == "3" || st.reply == "40");
      check(!(v == EioVersion::V3 && st.reply == "3"));
      check(!(v == EioVersion::V4 && st.reply == "2"));
    }
    if (st.event) {
      check(s.state() == EioState::Connected);
      check(inside(st.message.name, frame) && inside(st.message.args, frame));
    }
    if (s.state() == EioState::Closed && !st.closed_now) check(st.reply.empty() && !st.event);
  };
  while (true) {
    const auto nl = rest.find('\n');
    const std::string_view frame = rest.substr(0, nl);
    check_decoders(frame);
    check_step(s.on_frame(frame, now), frame);
    now += step_ms;
    check_step(s.on_timer(now), {});
    check(s.next_deadline_ms() >= 0);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
