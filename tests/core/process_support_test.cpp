// The data directory's creation and lock, and the config's URLs taken apart and resolved.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "scalper/core/process_support.hpp"

namespace scalper::core {
namespace {

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) /
            ("scalper-datadir-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(DataDirTest, IsCreatedPrivateWithItsParents) {
  const std::string dir = (root_ / "a" / "var").string();
  std::string why;
  const auto lock = DataDirLock::acquire(dir, why);
  ASSERT_TRUE(lock.has_value()) << why;
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(std::filesystem::exists(root_ / "a" / "var" / std::string(kLockFileName)));
}

TEST_F(DataDirTest, ASecondCoreIsRefusedWithThePidOfTheFirst) {
  const std::string dir = (root_ / "var").string();
  std::string why;
  const auto first = DataDirLock::acquire(dir, why);
  ASSERT_TRUE(first.has_value()) << why;
  const auto second = DataDirLock::acquire(dir, why);
  EXPECT_FALSE(second.has_value());
  EXPECT_NE(why.find("another scalper-core (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find(dir), std::string::npos) << why;
}

TEST_F(DataDirTest, TheLockGoesWithItsHolder) {
  const std::string dir = (root_ / "var").string();
  std::string why;
  {
    const auto first = DataDirLock::acquire(dir, why);
    ASSERT_TRUE(first.has_value()) << why;
  }
  EXPECT_TRUE(DataDirLock::acquire(dir, why).has_value()) << why;
}

TEST_F(DataDirTest, AFileInTheWayIsNamed) {
  std::filesystem::create_directories(root_);
  const std::string file = (root_ / "var").string();
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  std::string why;
  EXPECT_FALSE(DataDirLock::acquire(file, why).has_value());
  EXPECT_NE(why.find(file), std::string::npos) << why;
}

TEST(EndpointTest, SchemesPortsAndPaths) {
  std::string why;
  auto e = parse_endpoint("https://api.coindcx.com", why);
  ASSERT_TRUE(e.has_value()) << why;
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "api.coindcx.com");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->path, "");
  e = parse_endpoint("ws://127.0.0.1:8420/socket.io/", why);
  ASSERT_TRUE(e.has_value()) << why;
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->port, 8420);
  EXPECT_EQ(e->path, "/socket.io/");
  EXPECT_EQ(parse_endpoint("wss://stream.coindcx.com", why)->port, 443);
  EXPECT_EQ(parse_endpoint("http://localhost", why)->port, 80);
}

TEST(EndpointTest, BadUrlsSayWhatIsWrong) {
  std::string why;
  EXPECT_FALSE(parse_endpoint("api.coindcx.com", why).has_value());
  EXPECT_NE(why.find("not a URL"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("ftp://x", why).has_value());
  EXPECT_NE(why.find("unsupported scheme 'ftp'"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("https://:443", why).has_value());
  EXPECT_NE(why.find("no host"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("https://x:0", why).has_value());
  EXPECT_FALSE(parse_endpoint("https://x:70000", why).has_value());
  EXPECT_FALSE(parse_endpoint("https://x:12ab", why).has_value());
  EXPECT_NE(why.find("bad port '12ab'"), std::string::npos);
}

TEST(EndpointTest, ResolvesLoopbackWithThePort) {
  std::string why;
  const auto e = parse_endpoint("https://127.0.0.1:9443", why);
  ASSERT_TRUE(e.has_value());
  sockaddr_in a{};
  ASSERT_TRUE(resolve_ipv4(*e, a, why)) << why;
  EXPECT_EQ(ntohs(a.sin_port), 9443);
  EXPECT_EQ(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
  Endpoint nowhere;
  nowhere.host = "no-such-host.invalid";
  EXPECT_FALSE(resolve_ipv4(nowhere, a, why));
  EXPECT_NE(why.find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace scalper::core
