// socketio.hpp — one client's Engine.IO (v3 or v4) + Socket.IO session on the WebSocket
// transport, as a pure state machine: frames in, frames out, clock passed in.
//
// The two versions differ where it hurts (docs/architecture.md §7.5):
//   EIO3 (socket.io 2.x): the server sends "40" by itself; the CLIENT pings ("2"), the server
//        pongs ("3"); a client "3" is the wrong direction and closes the connection.
//   EIO4 (socket.io 3+):  the client must send "40" and gets "40{"sid":…}"; the SERVER pings,
//        the client pongs within pingTimeout; a client "2" is the wrong direction.
// Both close with "invalid heartbeat direction" exactly as engine.io 6 does, so a client that
// gets its version's rules wrong fails here as it would against CoinDCX.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/sim/json.hpp>

namespace scalper::sim {

enum class EioVersion : std::uint8_t { V3 = 3, V4 = 4 };

struct EioConfig {
  std::int64_t ping_interval_ms = 25'000;
  std::int64_t ping_timeout_ms = 20'000;
  std::size_t max_payload = 1'000'000;
};

// A Socket.IO EVENT the client emitted on the default namespace: name and first argument.
struct ClientEmit {
  std::string name;
  JsonNode arg;  // Null when the event had no argument
};

class SocketIoSession {
 public:
  SocketIoSession(EioVersion version, std::string sid, EioConfig config, std::int64_t now_ms);

  // The frames that open the session (the open packet; for EIO3 also the namespace CONNECT).
  void start(std::vector<std::string>& out);

  // One text frame from the client. Replies go to `out`, emitted events to `emits`. Returns
  // a close reason when the connection must be closed (after sending `out`), else "".
  [[nodiscard]] std::string on_frame(std::string_view frame, std::int64_t now_ms,
                                     std::vector<std::string>& out, std::vector<ClientEmit>& emits);

  // Heartbeat duty at now_ms: EIO4 sends its ping; both detect a silent peer. Returns a
  // close reason when the peer timed out, else "".
  [[nodiscard]] std::string on_timer(std::int64_t now_ms, std::vector<std::string>& out);
  // When on_timer next has something to do.
  [[nodiscard]] std::int64_t next_timer_ms() const noexcept;

  [[nodiscard]] bool connected() const noexcept { return namespace_connected_; }
  [[nodiscard]] EioVersion version() const noexcept { return version_; }
  [[nodiscard]] const std::string& sid() const noexcept { return sid_; }

  // 42["<event>",{"event":"<event>","data":"<data as a JSON string>"}]: CoinDCX's envelope,
  // where the payload travels as JSON text inside a string (docs/architecture.md §7.6).
  [[nodiscard]] static std::string event_frame(std::string_view event, std::string_view data_json);
  // Socket.IO DISCONNECT of the default namespace: how CoinDCX drops a bad private join.
  static constexpr std::string_view kKickFrame = "41";

 private:
  std::string on_socketio_packet(std::string_view packet, std::vector<std::string>& out,
                                 std::vector<ClientEmit>& emits);

  EioVersion version_;
  std::string sid_;
  EioConfig config_;
  bool namespace_connected_ = false;
  std::int64_t last_client_ping_ms_;   // EIO3: client pings arrive here
  std::int64_t next_ping_ms_;          // EIO4: when the server pings next
  std::int64_t pong_deadline_ms_ = 0;  // EIO4: 0 while no ping is outstanding
};

}  // namespace scalper::sim
