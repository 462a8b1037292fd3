// fuzz_core_config.cpp — libFuzzer target for scalper-core's config (feed/core config.hpp).
//
// Input: the text of a scalper.toml, through the same parse and checks as load_config (no
// environment). Whatever it is, nothing may crash; a refusal must name a key and a rule; a
// config that loads must describe itself as TOML that loads again to the same description,
// and its bots must map onto create commands.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scalper/core/config.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const char* no_environment(const char*) { return nullptr; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace scalper::core;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.toml";
  const EnvLookup env = &no_environment;
  const Result<CoreConfig> r = parse_config(text, file, env);
  if (!r.ok()) {
    check(r.error().file == file || r.error().file == "environment");
    check(!r.error().key.empty() && !r.error().rule.empty());
    return 0;
  }
  const std::string described = describe(r.value());
  const Result<CoreConfig> again = parse_config(described, file, env);
  check(again.ok());
  check(describe(again.value()) == described);
  for (const BotSeed& seed : r.value().bots) {
    check(to_create_command(seed).params.ticker == seed.ticker);
  }
  return 0;
}
