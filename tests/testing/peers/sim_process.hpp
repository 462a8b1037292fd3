// sim_process.hpp — scalper-sim as the network tests' exchange: a child process on a free
// port, with a blocking control client for its /sim/ API (plain HTTP, or curl with TLS).
#pragma once

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/http.hpp>

#include "peer_process.hpp"

namespace scalper::net::testing {

// The simulator as a child process on a free port, read from its first stdout line.
class Sim {
 public:
  explicit Sim(std::vector<std::string> extra)
      : cert_dir_(cert_dir_of(extra)), process_(args_with(std::move(extra))) {
    // "scalper-sim: listening on http://127.0.0.1:PORT (...)"
    port_ = process_.wait_for_port("127.0.0.1:");
  }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  // POST /sim/... with a JSON body over a blocking socket; the HTTP status.
  int control(std::string_view path, std::string_view body) const {
    if (!cert_dir_.empty()) return control_over_tls(path, body);
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

  // GET path's body (curl; over TLS when the simulator serves it), "" on failure.
  [[nodiscard]] std::string fetch(std::string_view path) const {
    std::vector<std::string> args = {"/usr/bin/curl", "-s", "--fail", "--max-time", "5"};
    if (!cert_dir_.empty()) {
      args.insert(args.end(), {"--cacert", cert_dir_ + "/cert.pem"});
    }
    args.push_back((cert_dir_.empty() ? "http://localhost:" : "https://localhost:") +
                   std::to_string(port_) + std::string(path));
    PeerProcess curl(args);
    std::string body = curl.read_all(10'000);
    return curl.wait_exit(10'000) == 0 ? body : std::string();
  }

 private:
  // With --tls the control API is HTTPS too: curl, trusting the simulator's certificate.
  int control_over_tls(std::string_view path, std::string_view body) const {
    PeerProcess curl({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "status %{http_code}\n",
                      "--max-time", "5", "--cacert", cert_dir_ + "/cert.pem", "-H",
                      "Content-Type: application/json", "--data-binary", std::string(body),
                      "https://localhost:" + std::to_string(port_) + std::string(path)});
    const std::string line = curl.wait_for_line("status ", 10'000);
    (void)curl.wait_exit(10'000);
    return line.size() > 7 ? std::atoi(line.c_str() + 7) : -1;
  }

  static std::string cert_dir_of(const std::vector<std::string>& args) {
    bool tls = false;
    std::string dir = "./scalper-sim-tls";
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--tls") tls = true;
      if (args[i] == "--cert-dir" && i + 1 < args.size()) dir = args[i + 1];
    }
    return tls ? dir : std::string();
  }

  static std::vector<std::string> args_with(std::vector<std::string> extra) {
    std::vector<std::string> args = {SCALPER_SIM_BINARY, "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::string cert_dir_;  // set when the simulator serves TLS
  PeerProcess process_;
  std::uint16_t port_ = 0;
};

}  // namespace scalper::net::testing
