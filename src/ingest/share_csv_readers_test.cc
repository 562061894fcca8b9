// The peer tools' CSV formats (coortweet, cnt) on headers they cannot use: every row is
// rejected with the reason, nothing is read from a column the header does not have.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ingest/reader_test_sink.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p =
      fs::temp_directory_path() / ("gs-share-csv-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

// Found by fuzzing (tests/fuzz/corpus/coortweet/header_without_account_id.csv): a header with
// object_id but no account_id left the reader with half its columns, and the next row read
// column -1.
TEST(CoortweetReader, AHeaderWithoutAColumnRejectsEveryRow) {
  const std::string path = write_temp("missing.csv",
                                      "object_id,user,content_id,timestamp_share\n"
                                      "o1,a1,c1,1588896000\n"
                                      "o2,a2,c2,1588896021\n");
  testing::CollectingSink sink;
  testing::read_file("coortweet", path, sink);
  fs::remove(path);
  EXPECT_TRUE(sink.messages.empty());
  ASSERT_EQ(sink.rejects.size(), 2u);
  for (const auto& r : sink.rejects) EXPECT_EQ(r.reason, "CSV: header has no column 'account_id'");
}

TEST(CoortweetReader, ReadsEveryRowOfAGoodHeader) {
  const std::string path = write_temp("good.csv",
                                      "object_id,account_id,content_id,timestamp_share\n"
                                      "o1,a1,c1,1588896000\n"
                                      "o2,a2,c2,1588896021\n");
  testing::CollectingSink sink;
  testing::read_file("coortweet", path, sink);
  fs::remove(path);
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_TRUE(sink.rejects.empty());
  EXPECT_EQ(sink.messages[1].account_id, "a2");
  EXPECT_EQ(sink.messages[1].time, testing::utc_ms(1588896021));
}

}  // namespace
}  // namespace groundswell
