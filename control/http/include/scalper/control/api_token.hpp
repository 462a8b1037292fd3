// api_token.hpp — the operator's bearer token for scalper-control's /api/v1 routes.
//
// Where it comes from (docs/architecture.md §5, "Control API"): the SCALPER_API_TOKEN
// environment variable, or else <data_dir>/api-token, which the first start creates with 256
// bits from the kernel's CSPRNG (getrandom), written as 64 hex digits, mode 0600, and says so
// once. A token file that anyone but its owner may read is refused, as the core refuses a
// world-readable key file: a token others can read is no secret.
//
// Comparing: matches() looks at every byte whatever the first difference, so the time an
// answer takes says nothing about how much of a guess was right.
//
// The token never appears in a log line, an error or a dump: ApiToken has no printer, and
// reveal() is called only where the operator is shown it once at first start.
//
// Threading: load at start; matches() from any thread (const). Allocation: at load.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace scalper::control {

class ApiToken {
 public:
  explicit ApiToken(std::string value) : value_(std::move(value)) {}

  // Constant time in the length of the stored token.
  [[nodiscard]] bool matches(std::string_view presented) const noexcept;
  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }

 private:
  std::string value_;
};

struct LoadedToken {
  std::optional<ApiToken> token;
  bool generated = false;      // created now: show it to the operator once
  std::filesystem::path file;  // the file it came from or went to (empty: the environment)
  std::string error;           // when token is empty: why, naming the file or the variable
};

// `env_value`: SCALPER_API_TOKEN's value, or nullptr when it is unset. A set value must be at
// least 32 characters of printable ASCII without spaces. `data_dir` must exist.
[[nodiscard]] LoadedToken load_or_create_api_token(const std::filesystem::path& data_dir,
                                                   const char* env_value);

// 64 hex digits from getrandom(); empty if the kernel could not give 32 bytes.
[[nodiscard]] std::string random_hex_token();

}  // namespace scalper::control
