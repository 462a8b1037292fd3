#include "scalper/core/process_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <utility>

namespace scalper::core {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// mkdir -p with mode 0700 for what it creates; an existing directory is kept as it is.
bool make_private_dirs(const std::string& dir, std::string& why) {
  std::error_code ec;
  const std::filesystem::path path(dir);
  std::filesystem::path sofar;
  for (const auto& part : path) {
    sofar /= part;
    if (sofar.empty() || std::filesystem::is_directory(sofar, ec)) continue;
    if (::mkdir(sofar.c_str(), 0700) != 0 && errno != EEXIST) {
      why = "cannot create data directory " + sofar.string() + ": " + errno_text(errno);
      return false;
    }
  }
  if (!std::filesystem::is_directory(path, ec)) {
    why = "data directory " + dir + " is not a directory";
    return false;
  }
  return true;
}

std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "unknown pid";
  std::string pid(buf, static_cast<std::size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return "pid " + pid;
}

}  // namespace

std::optional<DataDirLock> DataDirLock::acquire(const std::string& dir, std::string& why) {
  if (!make_private_dirs(dir, why)) return std::nullopt;
  const std::string path = dir + "/" + std::string(kLockFileName);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    why = "cannot open lock file " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    why = err == EWOULDBLOCK
              ? "another scalper-core (" + holder_pid(fd) + ") is running on data directory " +
                    dir + ": stop it first, or give this one another data_dir"
              : "cannot lock " + path + ": " + errno_text(err);
    ::close(fd);
    return std::nullopt;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    why = "cannot write lock file " + path + ": " + errno_text(errno);
    ::close(fd);
    return std::nullopt;
  }
  return DataDirLock(dir, fd);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : dir_(std::move(other.dir_)), fd_(std::exchange(other.fd_, -1)) {}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock; the file stays (it is the lock's name)
}

std::optional<Endpoint> parse_endpoint(std::string_view url, std::string& why) {
  Endpoint e;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    why = "not a URL (scheme://host[:port]): " + std::string(url);
    return std::nullopt;
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme == "https" || scheme == "wss") {
    e.tls = true;
    e.port = 443;
  } else if (scheme == "http" || scheme == "ws") {
    e.port = 80;
  } else {
    why = "unsupported scheme '" + std::string(scheme) + "' (http, https, ws or wss)";
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t path_at = rest.find('/');
  if (path_at != std::string_view::npos) {
    e.path = std::string(rest.substr(path_at));
    rest = rest.substr(0, path_at);
  }
  const std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      why = "bad port '" + std::string(port) + "' in " + std::string(url);
      return std::nullopt;
    }
    e.port = static_cast<std::uint16_t>(value);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    why = "no host in " + std::string(url);
    return std::nullopt;
  }
  e.host = std::string(rest);
  return e;
}

bool resolve_ipv4(const Endpoint& endpoint, sockaddr_in& out, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(endpoint.host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    why = "cannot resolve " + endpoint.host + ": " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(&out, found->ai_addr, sizeof out);
  out.sin_port = htons(endpoint.port);
  ::freeaddrinfo(found);
  return true;
}

}  // namespace scalper::core
