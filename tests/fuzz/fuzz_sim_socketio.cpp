// fuzz_sim_socketio.cpp — libFuzzer target for the simulator's Engine.IO/Socket.IO session.
//
// Input: byte 0 picks EIO3 or EIO4; the rest is split on '\n' into client frames, each fed to
// one session with a clock that advances 400 ms per frame (so timers fire too). The session
// must never crash; once it asks for a close, the harness stops feeding it (as the server
// does); every frame it sends must be one Engine.IO packet type, and events only come out of
// a session whose namespace is connected.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/sim/socketio.hpp>

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_frames(const std::vector<std::string>& out) {
  for (const auto& f : out) check(!f.empty() && f[0] >= '0' && f[0] <= '6');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using namespace scalper::sim;
  const EioVersion v = (data[0] & 1) != 0 ? EioVersion::V4 : EioVersion::V3;
  EioConfig cfg;
  cfg.ping_interval_ms = 1000;
  cfg.ping_timeout_ms = 500;
  cfg.max_payload = 4096;
  SocketIoSession s(v, "fuzz", cfg, 0);
  std::vector<std::string> out;
  std::vector<ClientEmit> emits;
  s.start(out);
  check_frames(out);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::int64_t now = 0;
  while (true) {
    const auto nl = rest.find('\n');
    const std::string_view frame = rest.substr(0, nl);
    now += 400;
    out.clear();
    emits.clear();
    if (!s.on_timer(now, out).empty()) break;
    check_frames(out);
    out.clear();
    const std::string reason = s.on_frame(frame, now, out, emits);
    check_frames(out);
    check(emits.empty() || s.connected());  // events only reach a connected namespace
    if (!reason.empty()) break;
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
