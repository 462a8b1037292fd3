#include "scalper/control/api_token.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace scalper::control {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 256 bits
constexpr std::size_t kMinTokenChars = 32;
constexpr std::string_view kFileName = "api-token";
constexpr std::string_view kEnvName = "SCALPER_API_TOKEN";

bool usable(std::string_view t) {
  if (t.size() < kMinTokenChars || t.size() > 512) return false;
  for (char c : t) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::string errno_text(int err) { return std::strerror(err); }

// The file's token, refusing one others may read and one that is not ours.
LoadedToken read_token_file(const std::filesystem::path& path) {
  LoadedToken out;
  out.file = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    out.error = path.string() + ": cannot open: " + errno_text(errno);
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    out.error = path.string() + ": not a regular file";
    return out;
  }
  if ((st.st_mode & 077) != 0 || st.st_uid != ::geteuid()) {
    ::close(fd);
    out.error = path.string() + ": must be owned by this user and mode 0600 (chmod 600 " +
                path.string() + ")";
    return out;
  }
  std::array<char, 1024> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  std::string_view text(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!usable(text)) {
    out.error = path.string() + ": does not hold a token (at least 32 printable characters)";
    return out;
  }
  out.token.emplace(std::string(text));
  return out;
}

}  // namespace

bool ApiToken::matches(std::string_view presented) const noexcept {
  // Every stored byte is compared, against a byte of the guess or 0 past its end, and the
  // length difference is folded in: no early exit.
  unsigned diff = static_cast<unsigned>(presented.size() != value_.size());
  for (std::size_t i = 0; i < value_.size(); ++i) {
    const char guess = i < presented.size() ? presented[i] : '\0';
    diff |= static_cast<unsigned char>(value_[i] ^ guess);
  }
  return diff == 0;
}

std::string random_hex_token() {
  std::array<unsigned char, kTokenBytes> raw{};
  std::size_t got = 0;
  while (got < raw.size()) {
    const ssize_t n = ::getrandom(raw.data() + got, raw.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

LoadedToken load_or_create_api_token(const std::filesystem::path& data_dir,
                                     const char* env_value) {
  if (env_value != nullptr) {
    LoadedToken out;
    if (!usable(env_value)) {
      out.error = std::string(kEnvName) +
                  ": must be at least 32 printable characters without spaces (its value is "
                  "not shown)";
      return out;
    }
    out.token.emplace(env_value);
    return out;
  }
  const std::filesystem::path path = data_dir / kFileName;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return read_token_file(path);

  LoadedToken out;
  out.file = path;
  const std::string token = random_hex_token();
  if (token.empty()) {
    out.error = "cannot draw a token from the kernel's random source: " + errno_text(errno);
    return out;
  }
  // O_EXCL: two processes starting at once cannot both write one.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_token_file(path);
    out.error = path.string() + ": cannot create: " + errno_text(errno);
    return out;
  }
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    out.error = path.string() + ": cannot write: " + errno_text(errno);
    return out;
  }
  out.token.emplace(token);
  out.generated = true;
  return out;
}

}  // namespace scalper::control
