// process_support.hpp — what scalper-core needs from the operating system at start, apart from
// the hot path: its data directory and the lock on it, and the exchange's addresses.
//
// The data directory holds the journal, the checkpoints and generated files. It is created
// 0700 (an operator's trading history is nobody else's business), and locked with flock() on
// a file inside it holding the holder's pid: two cores journaling into one directory would
// corrupt each other's history, and a crashed core's lock goes with its process (no stale
// lock files to clean up by hand). The shared-memory segment has its own lock (shm/).
//
// URLs of the config (rest_url, stream_url) come apart here into scheme, host, port and path,
// and the host is resolved once, at start (the network stack connects to an IPv4 address; a
// reconnect reuses it).
//
// Threading: any thread, at start. Allocation: yes (not the hot path).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scalper::core {

// Creates `dir` (and missing parents) with mode 0700 and takes its lock. nullopt with `why`
// (naming the directory, and the pid of the core holding it when that is the reason).
class DataDirLock {
 public:
  [[nodiscard]] static std::optional<DataDirLock> acquire(const std::string& dir, std::string& why);
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

 private:
  DataDirLock(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  std::string dir_;
  int fd_ = -1;
};

// The file name of the lock inside the data directory.
inline constexpr std::string_view kLockFileName = "scalper-core.lock";

struct Endpoint {
  bool tls = false;
  std::string host;        // as written ("api.coindcx.com", "127.0.0.1")
  std::uint16_t port = 0;  // the scheme's default when the URL names none
  std::string path;        // "" or "/..." as written
};

// http, https, ws and wss URLs with a host. nullopt with `why` otherwise.
[[nodiscard]] std::optional<Endpoint> parse_endpoint(std::string_view url, std::string& why);

// The endpoint's first IPv4 address. False with `why` (the resolver's message).
[[nodiscard]] bool resolve_ipv4(const Endpoint& endpoint, sockaddr_in& out, std::string& why);

}  // namespace scalper::core
