// scalper-dash's command line: defaults, every flag, every refusal.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "scalper/dash/options.hpp"

namespace scalper::dash {
namespace {

ParseOutcome parse(std::vector<std::string_view> args, Options& out, std::string& error) {
  return parse_options(args, out, error);
}

TEST(DashOptions, DefaultsAndFlags) {
  Options o;
  std::string error;
  ASSERT_EQ(parse({}, o, error), ParseOutcome::Run);
  EXPECT_EQ(o.segment, "scalper");
  EXPECT_EQ(o.interval_ms, 100);
  EXPECT_FALSE(o.once);
  ASSERT_EQ(parse({"--segment", "paper", "--interval-ms", "250", "--once"}, o, error),
            ParseOutcome::Run);
  EXPECT_EQ(o.segment, "paper");
  EXPECT_EQ(o.interval_ms, 250);
  EXPECT_TRUE(o.once);
  EXPECT_EQ(parse({"--once", "-h"}, o, error), ParseOutcome::Help);
  EXPECT_EQ(parse({"--help"}, o, error), ParseOutcome::Help);
}

TEST(DashOptions, RefusalsNameTheArgument) {
  Options o;
  std::string error;
  EXPECT_EQ(parse({"--segmnet", "x"}, o, error), ParseOutcome::Error);
  EXPECT_NE(error.find("--segmnet"), std::string::npos) << error;
  EXPECT_EQ(parse({"--segment"}, o, error), ParseOutcome::Error);
  EXPECT_NE(error.find("needs a value"), std::string::npos) << error;
  EXPECT_EQ(parse({"--segment", ""}, o, error), ParseOutcome::Error);
  for (std::string_view bad : {"5", "10001", "1e2", "", "100ms", "-100"}) {
    EXPECT_EQ(parse({"--interval-ms", bad}, o, error), ParseOutcome::Error) << bad;
    EXPECT_NE(error.find("--interval-ms"), std::string::npos) << error;
  }
}

TEST(DashOptions, UsageListsKeysAndExitCodes) {
  const std::string_view u = usage();
  for (const char* needle : {"--segment NAME", "--interval-ms N", "--once", "READ-ONLY",
                             "exit status", "1  --once: no scalper-core", "  s  ", "/"}) {
    EXPECT_NE(u.find(needle), std::string_view::npos) << needle;
  }
}

}  // namespace
}  // namespace scalper::dash
