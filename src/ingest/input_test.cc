#include "ingest/input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace groundswell {
namespace {

namespace fs = std::filesystem;

class InputStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("gs-input-" + std::to_string(::getpid()) + ".jsonl");
    std::ofstream(path_, std::ios::binary) << std::string(3 << 20, 'x');
  }
  void TearDown() override { fs::remove(path_); }
  fs::path path_;
};

TEST_F(InputStreamTest, AFileReadWholeIsUnchanged) {
  InputStream in;
  ASSERT_TRUE(in.open(path_.string()).ok());
  std::string buf(1 << 20, '\0');
  while (in.read(buf.data(), buf.size()) > 0) {
  }
  in.digest();
  EXPECT_EQ(in.change_while_read(), "");
}

// A file cut short while it is read (a download restarted, a log rotated): what was read is
// kept, and the change is reported.
TEST_F(InputStreamTest, AFileTruncatedWhileReadIsReported) {
  InputStream in;
  ASSERT_TRUE(in.open(path_.string()).ok());
  std::string buf(1 << 20, '\0');
  ASSERT_GT(in.read(buf.data(), buf.size()), 0u);
  fs::resize_file(path_, 1000);
  while (in.read(buf.data(), buf.size()) > 0) {
  }
  in.digest();
  const std::string change = in.change_while_read();
  EXPECT_NE(change.find("changed while it was read"), std::string::npos) << change;
  EXPECT_NE(change.find("3145728 bytes when opened, 1000 now"), std::string::npos) << change;
}

TEST_F(InputStreamTest, AFileGrowingWhileReadIsReported) {
  InputStream in;
  ASSERT_TRUE(in.open(path_.string()).ok());
  std::ofstream(path_, std::ios::binary | std::ios::app) << "more\n";
  std::string buf(1 << 20, '\0');
  while (in.read(buf.data(), buf.size()) > 0) {
  }
  in.digest();
  EXPECT_NE(in.change_while_read().find("changed while it was read"), std::string::npos);
}

}  // namespace
}  // namespace groundswell
