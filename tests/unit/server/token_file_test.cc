#include "server/token_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace bsm::server {
namespace {

class TokenFileTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "token_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    chmod(path.c_str(), mode);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(TokenFileTest, TrimsSurroundingWhitespaceAndNewline) {
  const std::string path = write("admin.token", "  \t0123456789abcdef0123456789abcdef\r\n\n");
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->token(), "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(file->warnings().empty());
}

TEST_F(TokenFileTest, RefusesMissingFileNamingIt) {
  const std::string path = (dir_ / "absent.token").string();
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find(path), std::string::npos);
  EXPECT_NE(file.error().message.find("No such file"), std::string::npos);
}

TEST_F(TokenFileTest, RefusesEmptyOrBlankFile) {
  for (const std::string content : {"", " \n\t\n"}) {
    const std::string path = write("empty.token", content);
    const Result<TokenFile> file = TokenFile::read(path);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().message, "token file '" + path + "' is empty");
  }
}

TEST_F(TokenFileTest, RefusesUnreadableFile) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "root reads files whatever their mode";
  }
  const std::string path = write("locked.token", "0123456789abcdef0123456789abcdef", 0000);
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find(path), std::string::npos);
}

TEST_F(TokenFileTest, RefusesPathThroughAFile) {
  // Fails for root too, unlike a file without read permission.
  const std::string file = write("plain", "x");
  const Result<TokenFile> token = TokenFile::read(file + "/admin.token");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().message,
            "cannot read token file '" + file + "/admin.token': Not a directory");
}

TEST_F(TokenFileTest, RefusesDirectory) {
  const Result<TokenFile> file = TokenFile::read(dir_.string());
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("not a regular file"), std::string::npos);
}

TEST_F(TokenFileTest, RefusesMoreThanOneWord) {
  const std::string path = write("two.token", "0123456789abcdef 0123456789abcdef\n");
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find(path), std::string::npos);
}

TEST_F(TokenFileTest, RefusesOversizedFile) {
  const std::string path = write("big.token", std::string(TokenFile::kMaxBytes + 1, 'a'));
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("larger than 4096 bytes"), std::string::npos);

  const std::string at_limit = write("limit.token", std::string(TokenFile::kMaxBytes, 'a'));
  EXPECT_TRUE(TokenFile::read(at_limit).ok());
}

TEST_F(TokenFileTest, WarnsWhenGroupOrOthersMayRead) {
  const std::string path = write("open.token", "0123456789abcdef0123456789abcdef\n", 0644);
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->warnings().size(), 1u);
  EXPECT_NE(file->warnings()[0].find("readable by group or others (mode 0644)"), std::string::npos);
  EXPECT_NE(file->warnings()[0].find(path), std::string::npos);
}

TEST_F(TokenFileTest, WarnsAboutShortToken) {
  const std::string path = write("short.token", "abc\n");
  const Result<TokenFile> file = TokenFile::read(path);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->warnings().size(), 1u);
  EXPECT_NE(file->warnings()[0].find("only 3 characters"), std::string::npos);
}

TEST_F(TokenFileTest, ReadOnlyTokenFileIsOptional) {
  const std::string admin = write("admin.token", "admin-0123456789abcdef0123456789\n");
  const Result<ApiTokens> tokens = readApiTokens(admin, "");
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens->admin, "admin-0123456789abcdef0123456789");
  EXPECT_TRUE(tokens->read_only.empty());
}

TEST_F(TokenFileTest, ReadsBothTokensAndCollectsWarnings) {
  const std::string admin = write("admin.token", "admin-0123456789abcdef0123456789\n");
  const std::string read = write("read.token", "read-0123456789abcdef0123456789\n", 0640);
  const Result<ApiTokens> tokens = readApiTokens(admin, read);
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens->read_only, "read-0123456789abcdef0123456789");
  ASSERT_EQ(tokens->warnings.size(), 1u);
  EXPECT_NE(tokens->warnings[0].find(read), std::string::npos);
}

TEST_F(TokenFileTest, RefusesMissingAdminFileAndEqualTokens) {
  EXPECT_FALSE(readApiTokens("", "").ok());

  const std::string admin = write("admin.token", "same-0123456789abcdef0123456789\n");
  const std::string read = write("read.token", "same-0123456789abcdef0123456789");
  const Result<ApiTokens> tokens = readApiTokens(admin, read);
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.error().message.find("is the admin token"), std::string::npos);

  const Result<ApiTokens> missing_read = readApiTokens(admin, (dir_ / "nope").string());
  ASSERT_FALSE(missing_read.ok());
  EXPECT_NE(missing_read.error().message.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace bsm::server
