// config.cpp — scalper.toml's core tables, checked key by key (see config.hpp).
//
// The checks throw a Refusal inside this file and parse_config() turns the first one into
// the Result's error: loading is not on any hot path, and one refusal is all an operator needs
// to fix before starting again. Messages quote the offending value, except where the value
// may be a secret (the key_file's contents are never quoted, nor are its parse errors).
#include "scalper/core/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <ostream>
#include <string>

namespace scalper::core {

// ---- Secret --------------------------------------------------------------------------------

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}
Secret::Secret(Secret&& other) noexcept : value_(other.value_) { other.wipe(); }
Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = other.value_;
    other.wipe();
  }
  return *this;
}
Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept {
  // explicit_bzero: a plain memset before a free may be optimised away.
  if (!value_.empty()) ::explicit_bzero(value_.data(), value_.size());
  value_.clear();
}

void PrintTo(const Secret& secret, std::ostream* os) {
  *os << (secret.empty() ? "(not set)" : "****");
}

namespace {

// ---- refusals ------------------------------------------------------------------------------

struct Refusal {
  std::string key;
  std::string rule;
};

[[noreturn]] void refuse(std::string key, std::string rule) {
  throw Refusal{std::move(key), std::move(rule)};
}

std::string join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

// A value quoted for a message: TOML-style escapes, cut at 64 chars so a pasted blob does not
// flood the terminal.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "something else";
}

[[noreturn]] void refuse_type(const std::string& key, std::string_view expected,
                              const toml::node& got) {
  refuse(key,
         "must be " + std::string(expected) + " (got " + std::string(type_name(got.type())) + ")");
}

constexpr std::string_view kKeyEnv = "COINDCX_API_KEY";
constexpr std::string_view kSecretEnv = "COINDCX_API_SECRET";

// A key that looks like a credential, in any table we read, gets the two ways that work.
std::string secrets_hint(std::string_view key) {
  for (std::string_view secret : {"api_key", "api_secret", "key", "secret", "apikey", "token"}) {
    if (key == secret) {
      return "secrets are not read from the config file; set " + std::string(kKeyEnv) + " and " +
             std::string(kSecretEnv) +
             " in the environment, or name a key_file (mode 0600) holding api_key and api_secret";
    }
  }
  return {};
}

// ---- one table's keys ----------------------------------------------------------------------

// A table being read, with its dotted path for messages. Every key read is ticked off;
// finish() refuses whatever is left (a typo), unless the table is another process's.
class Section {
 public:
  Section(const toml::table& table, std::string path) : table_(table), path_(std::move(path)) {}

  [[nodiscard]] std::string key(std::string_view k) const { return join(path_, k); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  const toml::node* find(std::string_view k) {
    known_.emplace_back(k);
    return table_.get(k);
  }

  // Keys nobody asked for: "unknown key", or the secrets rule for a credential's name.
  void finish() const {
    for (auto&& [k, node] : table_) {
      const std::string_view name = k.str();
      bool read = false;
      for (const std::string& known : known_) read = read || known == name;
      if (read) continue;
      std::string rule = secrets_hint(name);
      if (rule.empty()) rule = node.is_table() ? "unknown table" : "unknown key";
      refuse(key(name), rule);
    }
  }

  std::string string(std::string_view k, std::string fallback) {
    const toml::node* n = find(k);
    if (n == nullptr) return fallback;
    const auto* s = n->as_string();
    if (s == nullptr) refuse_type(key(k), "a string", *n);
    return s->get();
  }

  std::int64_t integer(std::string_view k, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) {
    const toml::node* n = find(k);
    if (n == nullptr) return fallback;
    const auto* i = n->as_integer();
    if (i == nullptr) refuse_type(key(k), "an integer", *n);
    const std::int64_t v = i->get();
    if (v < min || v > max) {
      refuse(key(k), "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                         " (got " + std::to_string(v) + ")");
    }
    return v;
  }

  bool boolean(std::string_view k, bool fallback) {
    const toml::node* n = find(k);
    if (n == nullptr) return fallback;
    const auto* b = n->as_boolean();
    if (b == nullptr) refuse_type(key(k), "a boolean (true or false)", *n);
    return b->get();
  }

  // One of `options`, spelled exactly; returns its index.
  std::size_t choice(std::string_view k, std::size_t fallback,
                     std::initializer_list<std::string_view> options) {
    const toml::node* n = find(k);
    if (n == nullptr) return fallback;
    const auto* s = n->as_string();
    if (s == nullptr) refuse_type(key(k), "a string", *n);
    std::size_t index = 0;
    for (std::string_view option : options) {
      if (s->get() == option) return index;
      ++index;
    }
    std::string rule = "must be ";
    index = 0;
    for (std::string_view option : options) {
      if (index > 0) rule += index + 1 == options.size() ? " or " : ", ";
      rule += quoted(option);
      ++index;
    }
    refuse(key(k), rule + " (got " + quoted(s->get()) + ")");
  }

  // Money: a decimal string or an integer. Floats are refused: 0.1 is not 0.1 in binary.
  bool decimal(std::string_view k, Decimal& out) {
    const toml::node* n = find(k);
    if (n == nullptr) return false;
    if (n->is_floating_point()) {
      refuse(key(k), "is a float; quote it (\"0.01\") so it stays an exact decimal");
    }
    if (const auto* i = n->as_integer()) {
      constexpr std::int64_t kMaxUnits = INT64_MAX / Decimal::kOne;
      const std::int64_t v = i->get();
      if (v > kMaxUnits || v < -kMaxUnits) {
        refuse(key(k), "is out of range (got " + std::to_string(v) + ")");
      }
      out = Decimal::from_units(v);
      return true;
    }
    const auto* s = n->as_string();
    if (s == nullptr) refuse_type(key(k), "a decimal string like \"0.01\"", *n);
    const DecimalStatus status = parse_decimal(s->get(), out);
    if (status == DecimalStatus::Empty || status == DecimalStatus::BadSyntax) {
      refuse(key(k), "must be a decimal number like \"0.01\" (got " + quoted(s->get()) + ")");
    }
    if (status != DecimalStatus::Ok) {
      refuse(key(k), "is " + std::string(to_string(status)) + " (got " + quoted(s->get()) + ")");
    }
    return true;
  }

 private:
  const toml::table& table_;
  std::string path_;
  std::vector<std::string> known_;
};

const toml::table& as_table(const toml::node& node, const std::string& key) {
  const auto* t = node.as_table();
  if (t == nullptr) refuse_type(key, "a table", node);
  return *t;
}

// ---- [core] ----------------------------------------------------------------------------------

bool valid_shm_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxShmNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

int cpu(Section& s, std::string_view k) {
  const toml::node* n = s.find(k);
  if (n == nullptr) return -1;
  const auto* i = n->as_integer();
  if (i == nullptr) refuse_type(s.key(k), "an integer", *n);
  const std::int64_t v = i->get();
  if (v != -1 && (v < 0 || v > kMaxCpuId)) {
    refuse(s.key(k), "must be -1 (unpinned) or a CPU id between 0 and " +
                         std::to_string(kMaxCpuId) + " (got " + std::to_string(v) + ")");
  }
  return static_cast<int>(v);
}

template <class T>
T narrow(std::int64_t v) {
  return static_cast<T>(v);  // the caller bounded v to T's range
}

void read_core(Section s, CoreSection& c) {
  c.data_dir = s.string("data_dir", c.data_dir);
  if (c.data_dir.empty()) refuse(s.key("data_dir"), "must not be empty");
  c.shm_name = s.string("shm_name", c.shm_name);
  if (!valid_shm_name(c.shm_name)) {
    refuse(s.key("shm_name"),
           "must be 1 to 64 characters of A-Z a-z 0-9 _ - (got " + quoted(c.shm_name) + ")");
  }
  c.max_bots = narrow<std::uint32_t>(s.integer("max_bots", c.max_bots, 1, kMaxBotsLimit));
  c.feed_cpu = cpu(s, "feed_cpu");
  c.engine_cpu = cpu(s, "engine_cpu");
  c.idle = s.choice("idle", 0, {"park", "spin"}) == 0 ? IdleSetting::Park : IdleSetting::Spin;
  constexpr std::array kThreads = {ThreadsSetting::Auto, ThreadsSetting::One, ThreadsSetting::Two};
  c.threads = kThreads[s.choice("threads", 0, {"auto", "one", "two"})];
  c.journal_segment_mb =
      narrow<std::uint32_t>(s.integer("journal_segment_mb", c.journal_segment_mb, 1, 4096));
  c.journal_sync_ms =
      narrow<std::uint32_t>(s.integer("journal_sync_ms", c.journal_sync_ms, 1, 10'000));
  c.checkpoint_inputs = narrow<std::uint64_t>(s.integer(
      "checkpoint_inputs", static_cast<std::int64_t>(c.checkpoint_inputs), 1000, 100'000'000));
  c.checkpoint_seconds =
      narrow<std::uint32_t>(s.integer("checkpoint_seconds", c.checkpoint_seconds, 1, 86'400));
  s.finish();
}

// ---- [exchange.coindcx] ------------------------------------------------------------------------

// scheme://host[:port][/path...]: a host is required, a port is 1..65535.
bool valid_url(std::string_view url, std::initializer_list<std::string_view> schemes) {
  std::string_view rest;
  for (std::string_view scheme : schemes) {
    if (url.substr(0, scheme.size()) == scheme) rest = url.substr(scheme.size());
  }
  if (rest.empty()) return false;
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find_first_of(" \t@") != std::string_view::npos) return false;
  std::string_view host = authority;
  const std::size_t colon = authority.rfind(':');
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    host = authority.substr(0, colon);
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return false;
  }
  return !host.empty() && host != "[]";
}

void check_readable_file(const std::string& key, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0) {
    refuse(key, path + " cannot be read (" + std::strerror(errno) + ")");
  }
  if (!S_ISREG(st.st_mode)) refuse(key, path + " is not a regular file");
}

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// The file's bytes, once it is known to be ours alone: a regular file owned by the user we
// run as, mode 0600 or 0400. Checked on the open descriptor (no window between check and read).
std::string read_private_file(const std::string& key, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) refuse(key, path + " cannot be opened (" + std::strerror(errno) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) refuse(key, path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) refuse(key, path + " is not a regular file");
  if (st.st_uid != ::geteuid()) {
    refuse(key, path + " is owned by uid " + std::to_string(st.st_uid) +
                    ", not by the user running the core (uid " + std::to_string(::geteuid()) + ")");
  }
  const mode_t perms = st.st_mode & 07777;
  if ((perms & 044) != 0) {
    refuse(key,
           path + " is readable by group or others (mode " + octal_mode(perms) + "); chmod 600 it");
  }
  if (perms != 0600 && perms != 0400) {
    refuse(key,
           path + " must have mode 0600 or 0400 (mode " + octal_mode(perms) + "); chmod 600 it");
  }
  std::string bytes;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse(key, path + " cannot be read (" + std::strerror(errno) + ")");
    if (n == 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
    if (bytes.size() > kMaxKeyFileBytes) refuse(key, path + " is too large for a key file");
  }
  return bytes;
}

// api_key and api_secret from the key file. Nothing of its text reaches a message: not a
// value, not toml++'s description of a syntax error (it can quote the text around it).
ApiCredentials read_key_file(const std::string& key, const std::string& path) {
  std::string bytes = read_private_file(key, path);
  toml::table table;
  try {
    table = toml::parse(bytes, std::string_view(path));
  } catch (const toml::parse_error& e) {
    ::explicit_bzero(bytes.data(), bytes.size());
    refuse(key, path + ": line " + std::to_string(e.source().begin.line) + ", column " +
                    std::to_string(e.source().begin.column) +
                    ": not valid TOML (details withheld: the file holds secrets)");
  }
  ::explicit_bzero(bytes.data(), bytes.size());
  ApiCredentials creds;
  creds.source = CredentialSource::KeyFile;
  for (auto&& [k, node] : table) {
    const std::string_view name = k.str();
    Secret* target = name == "api_key"      ? &creds.key
                     : name == "api_secret" ? &creds.secret
                                            : nullptr;
    if (target == nullptr) {
      refuse(key, path + ": " + std::string(name) +
                      ": unknown key (a key file holds api_key and api_secret only)");
    }
    const auto* s = node.as_string();
    if (s == nullptr) {
      refuse(key, path + ": " + std::string(name) + ": must be a string (got " +
                      std::string(type_name(node.type())) + ")");
    }
    *target = Secret(s->get());
  }
  for (const auto& [name, secret] :
       {std::pair<std::string_view, const Secret*>{"api_key", &creds.key},
        {"api_secret", &creds.secret}}) {
    if (secret->empty()) refuse(key, path + ": " + std::string(name) + ": is missing or empty");
  }
  return creds;
}

const char* lookup(const EnvLookup& env, std::string_view name) {
  if (!env) return nullptr;
  const char* value = env(std::string(name).c_str());
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// Both variables or neither; never together with a key_file (which would win is a guess).
ApiCredentials read_credentials(const EnvLookup& env, const std::string& key_file_key,
                                const std::string& key_file) {
  const char* api_key = lookup(env, kKeyEnv);
  const char* api_secret = lookup(env, kSecretEnv);
  if ((api_key == nullptr) != (api_secret == nullptr)) {
    const std::string_view set = api_key != nullptr ? kKeyEnv : kSecretEnv;
    const std::string_view unset = api_key != nullptr ? kSecretEnv : kKeyEnv;
    throw Refusal{std::string(unset),
                  "is not set but " + std::string(set) + " is; set both or neither"};
  }
  const bool from_env = api_key != nullptr;
  if (from_env && !key_file.empty()) {
    refuse(key_file_key, "is set and so are " + std::string(kKeyEnv) + " and " +
                             std::string(kSecretEnv) +
                             " in the environment; which to use is ambiguous: keep one");
  }
  if (!key_file.empty()) return read_key_file(key_file_key, key_file);
  ApiCredentials creds;
  if (from_env) {
    creds.source = CredentialSource::Environment;
    creds.key = Secret(api_key);
    creds.secret = Secret(api_secret);
  }
  return creds;
}

void read_coindcx(Section s, CoinDcxSection& x, const EnvLookup& env) {
  x.rest_url = s.string("rest_url", x.rest_url);
  if (!valid_url(x.rest_url, {"http://", "https://"})) {
    refuse(s.key("rest_url"),
           "must be an http:// or https:// URL with a host (got " + quoted(x.rest_url) + ")");
  }
  x.stream_url = s.string("stream_url", x.stream_url);
  if (!valid_url(x.stream_url, {"ws://", "wss://"})) {
    refuse(s.key("stream_url"),
           "must be a ws:// or wss:// URL with a host (got " + quoted(x.stream_url) + ")");
  }
  x.ca_file = s.string("ca_file", x.ca_file);
  x.key_file = s.string("key_file", x.key_file);
  s.finish();
  if (!x.ca_file.empty()) check_readable_file(s.key("ca_file"), x.ca_file);
  x.credentials = read_credentials(env, s.key("key_file"), x.key_file);
}

// [exchange]: coindcx is ours; the venues other processes (or a later core) read pass unread.
void read_exchange(const toml::table& exchange, CoinDcxSection& x, const EnvLookup& env) {
  bool coindcx_seen = false;
  for (auto&& [k, node] : exchange) {
    const std::string_view venue = k.str();
    const std::string key = join("exchange", venue);
    if (venue == "coindcx") {
      read_coindcx(Section(as_table(node, key), key), x, env);
      coindcx_seen = true;
    } else if (venue == "bybit" || venue == "binance") {
      (void)as_table(node, key);
    } else {
      refuse(key, "unknown venue (known: coindcx, bybit, binance)");
    }
  }
  if (!coindcx_seen) x.credentials = read_credentials(env, "exchange.coindcx.key_file", {});
}

// ---- [log] -----------------------------------------------------------------------------------

void read_log(Section s, LogSection& l) {
  constexpr std::array kLevels = {Severity::Debug, Severity::Info, Severity::Warn, Severity::Error};
  l.level = kLevels[s.choice("level", 1, {"debug", "info", "warn", "error"})];
  l.format = s.choice("format", 0, {"json", "text"}) == 0 ? LogFormat::Json : LogFormat::Text;
  l.file = s.string("file", l.file);
  s.finish();
}

// ---- [[bot]] ---------------------------------------------------------------------------------

// The engine's create rules (engine/src/engine.cpp validate(), engine/README.md "Validation"),
// checked here so a refused seed stops the process at start, naming its key.
constexpr std::uint8_t kMaxLeverage = 50;
const Decimal kMinTrailing = Decimal::from_raw(10'000'000);  // 0.1
const Decimal kMaxTrailing = Decimal::from_units(3);
const Decimal kMaxOrderValue = Decimal::from_units(10'000'000'000);

bool valid_ticker(std::string_view t) {
  if (t.empty() || t.size() > kMaxTickerLength) return false;
  const std::size_t slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || i == slash)) return false;
  }
  return true;
}

std::string shown(Decimal d) {
  char buf[kDecimalTextMax];
  return std::string(buf, format_decimal(d, buf));
}

Decimal positive_decimal(Section& s, std::string_view k) {
  Decimal d;
  if (!s.decimal(k, d)) refuse(s.key(k), "is required");
  if (!d.is_positive()) refuse(s.key(k), "must be greater than 0 (got " + shown(d) + ")");
  return d;
}

BotSeed read_bot(Section s) {
  BotSeed b;
  const toml::node* ticker = s.find("ticker");
  if (ticker == nullptr) refuse(s.key("ticker"), "is required");
  if (!ticker->is_string()) refuse_type(s.key("ticker"), "a string", *ticker);
  const std::string& text = ticker->as_string()->get();
  if (!valid_ticker(text) || !b.ticker.try_assign(text)) {
    refuse(s.key("ticker"),
           "must be BASE/QUOTE in upper-case letters and digits, at most 20 chars, like "
           "\"ETH/USDT\" (got " +
               quoted(text) + ")");
  }
  (void)s.choice("exchange", 0, {"coindcx"});
  b.venue = Venue::CoinDcxFutures;
  b.first_side = s.choice("first_side", 0, {"BUY", "SELL"}) == 0 ? Side::Buy : Side::Sell;
  b.quantity = positive_decimal(s, "quantity");
  b.buy_price = positive_decimal(s, "buy_price");
  b.sell_price = positive_decimal(s, "sell_price");
  if (b.sell_price <= b.buy_price) {
    refuse(s.key("sell_price"), "must be greater than buy_price (" + shown(b.sell_price) +
                                    " <= " + shown(b.buy_price) + ")");
  }
  b.leverage = narrow<std::uint8_t>(s.integer("leverage", b.leverage, 1, kMaxLeverage));
  b.infinite_loop = s.boolean("infinite_loop", b.infinite_loop);
  if (s.decimal("trailing_percent", b.trailing_percent) && !b.trailing_percent.is_zero() &&
      (b.trailing_percent < kMinTrailing || b.trailing_percent > kMaxTrailing)) {
    refuse(s.key("trailing_percent"),
           "must be 0 (none) or between 0.1 and 3.0 (got " + shown(b.trailing_percent) + ")");
  }
  Decimal value;
  if (!mul_checked(b.quantity, b.sell_price, value) || value > kMaxOrderValue) {
    refuse(s.key("quantity"), "quantity x sell_price must be at most " + shown(kMaxOrderValue));
  }
  s.finish();
  return b;
}

std::vector<BotSeed> read_bots(const toml::node& node, std::uint32_t max_bots) {
  const auto* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    refuse("bot", "must be an array of tables, each [[bot]] (got " +
                      std::string(type_name(node.type())) + ")");
  }
  std::vector<BotSeed> bots;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string key = "bot[" + std::to_string(i) + "]";
    bots.push_back(read_bot(Section(*array->get(i)->as_table(), key)));
  }
  if (bots.size() > max_bots) {
    refuse("bot", std::to_string(bots.size()) + " bots, more than core.max_bots (" +
                      std::to_string(max_bots) + ")");
  }
  return bots;
}

// ---- the document ------------------------------------------------------------------------------

constexpr std::array<std::string_view, 3> kOtherProcessTables = {"control", "telegram", "risk"};

CoreConfig read_document(const toml::table& root, const std::string& file, const EnvLookup& env) {
  CoreConfig c;
  c.file = file;
  for (auto&& [k, node] : root) {
    const std::string_view name = k.str();
    bool known = name == "core" || name == "exchange" || name == "log" || name == "bot";
    for (std::string_view other : kOtherProcessTables) known = known || name == other;
    if (!known && !secrets_hint(name).empty()) refuse(std::string(name), secrets_hint(name));
    if (!known) {
      refuse(std::string(name), node.is_table()
                                    ? "unknown table (the core reads core, exchange, log and "
                                      "bot; control, telegram and risk belong to others)"
                                    : "unknown key");
    }
  }
  if (const toml::node* n = root.get("core"))
    read_core(Section(as_table(*n, "core"), "core"), c.core);
  if (const toml::node* n = root.get("log")) read_log(Section(as_table(*n, "log"), "log"), c.log);
  if (const toml::node* n = root.get("exchange")) {
    read_exchange(as_table(*n, "exchange"), c.coindcx, env);
  } else {
    c.coindcx.credentials = read_credentials(env, "exchange.coindcx.key_file", {});
  }
  if (const toml::node* n = root.get("bot")) c.bots = read_bots(*n, c.core.max_bots);
  return c;
}

// ---- describe ----------------------------------------------------------------------------------

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

struct Writer {
  std::string out;
  void line(std::string_view text) {
    out += text;
    out += '\n';
  }
  void text(std::string_view key, std::string_view value) {
    out.append(key).append(" = ").append(toml_string(value)) += '\n';
  }
  void number(std::string_view key, std::int64_t value) {
    out.append(key).append(" = ").append(std::to_string(value)) += '\n';
  }
  void decimal(std::string_view key, Decimal value) { text(key, shown(value)); }
};

std::string_view credentials_origin(CredentialSource s) {
  switch (s) {
    case CredentialSource::None:
      return "none: set COINDCX_API_KEY and COINDCX_API_SECRET, or key_file";
    case CredentialSource::Environment:
      return "the environment (COINDCX_API_KEY, COINDCX_API_SECRET)";
    case CredentialSource::KeyFile: return "key_file";
  }
  return "?";
}

std::string_view masked(const Secret& s) { return s.empty() ? "(not set)" : "\"****\""; }

}  // namespace

// ---- public ------------------------------------------------------------------------------------

EnvLookup process_environment() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

Result<CoreConfig> parse_config(std::string_view text, const std::string& file,
                                const EnvLookup& env) {
  try {
    toml::table root;
    try {
      root = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
      return ConfigError{file,
                         "line " + std::to_string(e.source().begin.line) + ", column " +
                             std::to_string(e.source().begin.column),
                         std::string(e.description())};
    }
    return read_document(root, file, env);
  } catch (const Refusal& r) {
    // Environment variables are named as they are, not as keys of the file.
    const bool env_key = r.key == kKeyEnv || r.key == kSecretEnv;
    return ConfigError{env_key ? std::string("environment") : file, r.key, r.rule};
  }
}

Result<CoreConfig> load_config(const std::string& path, const EnvLookup& env) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ConfigError{path, "file", std::string("cannot open: ") + std::strerror(errno)};
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ConfigError{path, "file", std::string("cannot read: ") + std::strerror(err)};
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      ::close(fd);
      return ConfigError{path, "file", "larger than 1 MiB: not a config file"};
    }
  }
  ::close(fd);
  return parse_config(text, path, env);
}

std::string describe(const CoreConfig& c) {
  Writer w;
  w.line("# scalper-core's effective configuration (" + c.file + "), defaults filled in.");
  w.line("");
  w.line("[core]");
  w.text("data_dir", c.core.data_dir);
  w.text("shm_name", c.core.shm_name);
  w.number("max_bots", c.core.max_bots);
  w.number("feed_cpu", c.core.feed_cpu);
  w.number("engine_cpu", c.core.engine_cpu);
  w.text("idle", c.core.idle == IdleSetting::Park ? "park" : "spin");
  constexpr std::array<std::string_view, 3> kThreads = {"auto", "one", "two"};
  w.text("threads", kThreads[static_cast<std::size_t>(c.core.threads)]);
  w.number("journal_segment_mb", c.core.journal_segment_mb);
  w.number("journal_sync_ms", c.core.journal_sync_ms);
  w.number("checkpoint_inputs", static_cast<std::int64_t>(c.core.checkpoint_inputs));
  w.number("checkpoint_seconds", c.core.checkpoint_seconds);
  w.line("");
  w.line("[exchange.coindcx]");
  w.text("rest_url", c.coindcx.rest_url);
  w.text("stream_url", c.coindcx.stream_url);
  w.text("ca_file", c.coindcx.ca_file);
  w.text("key_file", c.coindcx.key_file);
  const ApiCredentials& creds = c.coindcx.credentials;
  w.line("# credentials from " + std::string(credentials_origin(creds.source)));
  w.line("# api_key = " + std::string(masked(creds.key)));
  w.line("# api_secret = " + std::string(masked(creds.secret)));
  w.line("");
  w.line("[log]");
  w.text("level", severity_name(c.log.level));
  w.text("format", c.log.format == LogFormat::Json ? "json" : "text");
  w.text("file", c.log.file);
  for (const BotSeed& b : c.bots) {
    w.line("");
    w.line("[[bot]]");
    w.text("ticker", b.ticker.view());
    w.text("exchange", "coindcx");
    w.text("first_side", upper(b.first_side));
    w.decimal("quantity", b.quantity);
    w.decimal("buy_price", b.buy_price);
    w.decimal("sell_price", b.sell_price);
    w.number("leverage", b.leverage);
    w.line(std::string("infinite_loop = ") + (b.infinite_loop ? "true" : "false"));
    w.decimal("trailing_percent", b.trailing_percent);
  }
  return std::move(w.out);
}

CreateBot to_create_command(const BotSeed& seed, std::uint64_t cmd_id) noexcept {
  CreateBot c;
  c.cmd_id = cmd_id;
  c.params.ticker = seed.ticker;
  c.params.quantity = seed.quantity;
  c.params.buy_price = seed.buy_price;
  c.params.sell_price = seed.sell_price;
  c.params.trailing_percent = seed.trailing_percent;
  c.params.venue = seed.venue;
  c.params.first_side = seed.first_side;
  c.params.leverage = seed.leverage;
  c.params.infinite_loop = seed.infinite_loop;
  return c;
}

}  // namespace scalper::core
