// sim_process.hpp — scalper-sim as the network tests' exchange: a child process on a free
// port, with a blocking control client for its /sim/ API (plain HTTP only).
#pragma once

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/http.hpp>

#include "peer_process.hpp"

namespace scalper::net::testing {

// The simulator as a child process on a free port, read from its first stdout line.
class Sim {
 public:
  explicit Sim(std::vector<std::string> extra) : process_(args_with(std::move(extra))) {
    // "scalper-sim: listening on http://127.0.0.1:PORT (...)"
    port_ = process_.wait_for_port("127.0.0.1:");
  }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  // POST /sim/... with a JSON body over a blocking socket; the HTTP status.
  int control(std::string_view path, std::string_view body) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in a = address();
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    std::vector<char> buf(8192);
    RequestWriter w(buf);
    HttpRequestHead head;
    head.target = path;
    head.host = "127.0.0.1";
    head.keep_alive = false;
    const HttpWriteResult req = w.write(head, body);
    (void)::send(fd, req.message.data(), req.message.size(), MSG_NOSIGNAL);
    std::vector<char> in(65536);
    std::size_t len = 0;
    ResponseParser p;
    int status = -1;
    for (;;) {
      const ssize_t n = ::recv(fd, in.data() + len, in.size() - len, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      len += static_cast<std::size_t>(n);
      const HttpParseResult r = p.parse({in.data(), len});
      if (r.done()) {
        status = static_cast<int>(p.status());
        break;
      }
      if (r.failed()) break;
    }
    ::close(fd);
    return status;
  }

  [[nodiscard]] sockaddr_in address() const { return testing::loopback(port_); }

 private:
  static std::vector<std::string> args_with(std::vector<std::string> extra) {
    std::vector<std::string> args = {SCALPER_SIM_BINARY, "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  PeerProcess process_;
  std::uint16_t port_ = 0;
};

}  // namespace scalper::net::testing
