// The API token (control/http api_token.hpp): from the environment, generated once into the
// data directory with mode 0600 and read back after, refused when others can read it, never
// shown in an error, compared byte for byte.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scalper/control/api_token.hpp"

namespace scalper::control {
namespace {

namespace fs = std::filesystem;

class TokenDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("scalper-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TokenDir, TheFirstStartGeneratesA256BitTokenInAPrivateFile) {
  const LoadedToken first = load_or_create_api_token(dir_, nullptr);
  ASSERT_TRUE(first.token.has_value()) << first.error;
  EXPECT_TRUE(first.generated);
  EXPECT_EQ(first.file, dir_ / "api-token");
  const std::string& t = first.token->reveal();
  EXPECT_EQ(t.size(), 64u);
  EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos) << t;
  struct stat st {};
  ASSERT_EQ(::stat(first.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const LoadedToken again = load_or_create_api_token(dir_, nullptr);
  ASSERT_TRUE(again.token.has_value()) << again.error;
  EXPECT_FALSE(again.generated);
  EXPECT_EQ(again.token->reveal(), t);
}

TEST_F(TokenDir, TwoGeneratedTokensDiffer) {
  EXPECT_NE(random_hex_token(), random_hex_token());
}

TEST_F(TokenDir, AFileOthersCanReadIsRefusedWithTheFix) {
  const fs::path file = dir_ / "api-token";
  std::ofstream(file) << "0123456789abcdef0123456789abcdef-readable\n";
  ::chmod(file.c_str(), 0644);
  const LoadedToken t = load_or_create_api_token(dir_, nullptr);
  EXPECT_FALSE(t.token.has_value());
  EXPECT_NE(t.error.find("chmod 600 " + file.string()), std::string::npos) << t.error;
  EXPECT_EQ(t.error.find("readable"), std::string::npos) << "the token leaked: " << t.error;
}

TEST_F(TokenDir, TheEnvironmentWinsAndAShortOneIsRefusedWithoutShowingIt) {
  const std::string env = "an-operator-chosen-token-of-enough-length";
  const LoadedToken t = load_or_create_api_token(dir_, env.c_str());
  ASSERT_TRUE(t.token.has_value()) << t.error;
  EXPECT_EQ(t.token->reveal(), env);
  EXPECT_FALSE(t.generated);
  EXPECT_FALSE(fs::exists(dir_ / "api-token")) << "nothing is written when the env gives it";

  const LoadedToken bad = load_or_create_api_token(dir_, "hunter2");
  EXPECT_FALSE(bad.token.has_value());
  EXPECT_NE(bad.error.find("SCALPER_API_TOKEN"), std::string::npos) << bad.error;
  EXPECT_EQ(bad.error.find("hunter2"), std::string::npos) << bad.error;
}

TEST(ApiToken, MatchesOnlyTheWholeToken) {
  const ApiToken t("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(t.matches("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(t.matches("0123456789abcdef0123456789abcdeF"));
  EXPECT_FALSE(t.matches("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(t.matches("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(t.matches(""));
}

}  // namespace
}  // namespace scalper::control
