// scalper-feed-harness as an operator runs it: --help, a bad flag, and a short run in both
// modes against a simulator, with its report read back.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "peer_process.hpp"
#include "sim_process.hpp"

namespace scalper::feed {
namespace {

using net::testing::PeerProcess;
using net::testing::Sim;

TEST(FeedHarness, HelpAndBadArguments) {
  PeerProcess help({SCALPER_HARNESS_BINARY, "--help"});
  EXPECT_NE(help.read_all().find("Usage: scalper-feed-harness --port N"), std::string::npos);
  EXPECT_EQ(help.wait_exit(10'000), 0);
  PeerProcess bad({SCALPER_HARNESS_BINARY, "--port", "0"}, {}, /*quiet=*/true);
  EXPECT_EQ(bad.wait_exit(10'000), 2);
  PeerProcess unknown({SCALPER_HARNESS_BINARY, "--port", "1", "--fast"}, {}, true);
  EXPECT_EQ(unknown.wait_exit(10'000), 2);
  PeerProcess threads({SCALPER_HARNESS_BINARY, "--port", "1", "--threads", "three"}, {}, true);
  EXPECT_EQ(threads.wait_exit(10'000), 2);
}

class FeedHarnessMode : public ::testing::TestWithParam<std::string> {};

TEST_P(FeedHarnessMode, DrivesCyclesAndReportsTickToOrder) {
  Sim sim({});
  ASSERT_NE(sim.port(), 0);
  PeerProcess run({SCALPER_HARNESS_BINARY, "--port", std::to_string(sim.port()), "--cycles", "3",
                   "--bots", "2", "--threads", GetParam()});
  const std::string out = run.read_all(60'000);
  EXPECT_EQ(run.wait_exit(10'000), 0) << out;
  EXPECT_NE(out.find("2 bot(s), 3 cycle(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("12 fills applied"), std::string::npos) << "each fill once: " << out;
  // Most fills arrive on the stream and are answered at once (sampled); one that arrives
  // while the engine reconciles (a second listing follows every connect) is answered from
  // the listing, and its order counted as held instead. Hence ranges, not exact counts.
  const auto number_after = [&](std::string_view marker) {
    const std::size_t at = out.find(marker);
    return at == std::string::npos ? -1 : std::atoi(out.c_str() + at + marker.size());
  };
  const int samples = number_after("tick-to-order: ");
  EXPECT_GE(samples, 1) << out;
  EXPECT_LE(samples, 12) << out;
  // The simulator pairs a fill frame with the next create it receives: at most one per fill.
  const int count = number_after("\"count\":");
  EXPECT_GE(count, 1) << out;
  EXPECT_LE(count, 12) << out;
  // The wire-to-wire split: samples matched to the simulator's raw pairs on one clock.
  const int matched = number_after("stages, matched ");
  EXPECT_GE(matched, 1) << out;
  EXPECT_LE(matched, samples) << out;
  EXPECT_NE(out.find("stage 5, our submit returned"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Threads, FeedHarnessMode, ::testing::Values("one", "two"));

TEST(FeedHarness, TheNullResponderAnswersEveryFill) {
  Sim sim({});
  ASSERT_NE(sim.port(), 0);
  PeerProcess run({SCALPER_HARNESS_BINARY, "--port", std::to_string(sim.port()), "--cycles", "3",
                   "--null-responder"});
  const std::string out = run.read_all(60'000);
  EXPECT_EQ(run.wait_exit(10'000), 0) << out;
  EXPECT_NE(out.find("null responder: 3 fill(s) answered"), std::string::npos) << out;
  EXPECT_NE(out.find("\"count\":3"), std::string::npos) << out;
}

}  // namespace
}  // namespace scalper::feed
