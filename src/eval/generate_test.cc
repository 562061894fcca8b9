// Tests of groundswell-generate's library: the dataset is deterministic, every file is what
// its format promises, truth.json counts what was written, and the planted campaigns are in
// the data as described.
#include "eval/generate.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cctype>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/sha256.h"
#include "eval/generate_text.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) { return read_whole_file(p).value_or(""); }

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// RFC 4180 records (quoted fields may hold commas, quotes and newlines).
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  if (!field.empty() || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

struct Dataset {
  fs::path dir;
  GenerateSummary summary;
};

class GenerateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // One folder per process: CTest runs each test of this suite as its own process, in
    // parallel, and each generates the suite's data afresh.
    base_ = fs::path(GS_BINARY_DIR) / ("generate_test-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    const fs::path& base = base_;
    for (int k = 0; k < 2; ++k) {
      GenerateOptions o;
      o.seed = 7;
      o.messages = 3000;
      o.scale = "small";
      o.out_dir = (base / (k == 0 ? "a" : "b")).string();
      Result<GenerateSummary> r = generate_dataset(o);
      ASSERT_TRUE(r.ok()) << r.status().message();
      (k == 0 ? first_ : second_) = new Dataset{o.out_dir, r.value()};
    }
    GenerateOptions o;
    o.seed = 8;
    o.messages = 3000;
    o.out_dir = (base / "other-seed").string();
    Result<GenerateSummary> r = generate_dataset(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    other_seed_ = new Dataset{o.out_dir, r.value()};
  }
  static void TearDownTestSuite() {
    fs::remove_all(base_);
    delete first_;
    delete second_;
    delete other_seed_;
  }

  static simdjson::dom::element truth(simdjson::dom::parser& parser) {
    simdjson::dom::element doc;
    auto error = parser.load((first_->dir / "truth.json").string()).get(doc);
    EXPECT_EQ(error, simdjson::SUCCESS) << "truth.json does not parse";
    return doc;
  }

  static std::string file_with_format(std::string_view needle) {
    for (const GeneratedFile& f : first_->summary.files) {
      if (f.path.find(needle) != std::string::npos) return (first_->dir / f.path).string();
    }
    ADD_FAILURE() << "no file matching " << needle;
    return {};
  }

  static Dataset* first_;
  static Dataset* second_;
  static Dataset* other_seed_;
  static fs::path base_;
};

fs::path GenerateTest::base_;

Dataset* GenerateTest::first_ = nullptr;
Dataset* GenerateTest::second_ = nullptr;
Dataset* GenerateTest::other_seed_ = nullptr;

TEST_F(GenerateTest, SameSeedGivesIdenticalBytes) {
  std::vector<fs::path> files_a, files_b;
  for (const auto& e : fs::recursive_directory_iterator(first_->dir)) {
    if (e.is_regular_file()) files_a.push_back(fs::relative(e.path(), first_->dir));
  }
  for (const auto& e : fs::recursive_directory_iterator(second_->dir)) {
    if (e.is_regular_file()) files_b.push_back(fs::relative(e.path(), second_->dir));
  }
  std::sort(files_a.begin(), files_a.end());
  std::sort(files_b.begin(), files_b.end());
  ASSERT_EQ(files_a, files_b);
  ASSERT_GE(files_a.size(), 8u);
  for (const fs::path& rel : files_a) {
    EXPECT_EQ(read_all(first_->dir / rel), read_all(second_->dir / rel)) << rel;
  }
}

// Generating again into a used directory leaves exactly the new run's files.
TEST_F(GenerateTest, RerunIntoTheSameDirectoryReplacesTheOldOutput) {
  fs::path dir = fs::path(GS_BINARY_DIR) / "generate_test" / "rerun";
  GenerateOptions o;
  o.messages = 3000;
  o.scale = "small";
  o.out_dir = dir.string();
  o.seed = 8;
  ASSERT_TRUE(generate_dataset(o).ok());
  o.seed = 7;
  ASSERT_TRUE(generate_dataset(o).ok());
  std::vector<fs::path> files, expected;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), dir));
  }
  for (const auto& e : fs::recursive_directory_iterator(first_->dir)) {
    if (e.is_regular_file()) expected.push_back(fs::relative(e.path(), first_->dir));
  }
  std::sort(files.begin(), files.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(files, expected);
  EXPECT_EQ(read_all(dir / "truth.json"), read_all(first_->dir / "truth.json"));

  // A data/ folder that the generator did not write is left alone.
  fs::path foreign = fs::path(GS_BINARY_DIR) / "generate_test" / "foreign";
  fs::create_directories(foreign / "data");
  std::ofstream(foreign / "data" / "precious.json") << "{}";
  o.out_dir = foreign.string();
  EXPECT_FALSE(generate_dataset(o).ok());
  EXPECT_TRUE(fs::exists(foreign / "data" / "precious.json"));
}

// The exact bytes of the small preset with seed 7, pinned file by file: any change to the
// generator that moves a byte of its output fails here, so a refactoring can show that it
// changes nothing. When the output is meant to change (a new field, a new planted case, a
// fix), run
//   build/eval_test --gtest_filter=GenerateTest.SmallOutputMatchesItsPinnedDigests
// replace kPinned with the table it prints, run clang-format -i on this file, and say in the
// commit what changed in the data and why. (The digests also depend on the C library's
// floating-point functions: another platform than the Debian 12 of CI may differ here while
// every other test passes.) The digests are those of the gcc build (`make check`): the clang
// build of `make sanitize` writes other bytes for the same seed, so the test is skipped there.
// Where the two part is not found yet; the likely cause is an expression with two random draws
// whose order C++ leaves to the compiler.
TEST_F(GenerateTest, SmallOutputMatchesItsPinnedDigests) {
#if defined(__clang__)
  GTEST_SKIP() << "the pinned digests are those of the gcc build";
#endif
  const std::map<std::string, std::string> kPinned = {
      {"actors.toml", "63a3523d037d493152fd3d0ccead2634889e1293b42475a55f6b4fcbf494cd87"},
      {"data/telegram/ChatExport_free_newsblue/result.json",
       "7e6f46f8ee19f65bc0331e57fd6779f093d73ee64466af34abedeadbb808c395"},
      {"data/telegram/ChatExport_free_newsstone/result.json",
       "32d3713aa6dc842f2abc2f5802ed1789eb07f516d87a31010c5d7c9c3a818cfe"},
      {"data/telegram/ChatExport_media_rain/result.json",
       "ae15401c1269029dab731c4c401f4541bd0076cdad02954033d5757a5976cf80"},
      {"data/telegram/ChatExport_ofoghsabz/result.json",
       "4c137bf98dca1064dacaeca0c4ca79b8277fe51d83a5f7d2e2112d70c24f5168"},
      {"data/telegram/ChatExport_parchamahanin/result.json",
       "e04fd33a20a92738c3b6141e4a939e2c1b0239036b4a9099f9693fdb299e65f3"},
      {"data/telegram/ChatExport_rain_newswind/result.json",
       "db0c57ea7db9730d321ea7675bd4afcce42a53151b54a7288944b19026d5918b"},
      {"data/telegram/ChatExport_sedayeazad/result.json",
       "9468a0f5c0324357f6ea5d6d70fec6d608446d3472a6e8c0d24b816846ad3375"},
      {"data/telegram/ChatExport_view_newsgreen/result.json",
       "f165fdb5ee67e647fc90d2e1ba8576f723eb7cc53cca84330747b3f7c9271262"},
      {"data/telegram/ChatExport_west_newsmedia/result.json",
       "e5be9bc35cc787a3b09ecbbe0d2beef85b865e40b36b71761b6f48d8a7149bea"},
      {"data/telegram/DataExport_2024-04-01/result.json",
       "d4ca994d95108154054b89371c5c0f94abd68f0f8c6efa2ceb2d75a1131659ae"},
      {"data/telegram/telethon/channels_2024-03.jsonl",
       "43a8b46b34931fe7106a56ea4fa291ee504189ed2750de4e05f6aa24dfc5263d"},
      {"data/twitter/io_archive/synthetic_io_032024_tweets_csv_unhashed.csv",
       "fd8056ae3a35b34519b017dd132b6e82d4b8b97f25ff1849d0a07357bb6c79a2"},
      {"data/twitter/io_archive/synthetic_io_032024_users_csv_unhashed.csv",
       "99502ceaf7c4f21f8527988c32f4d9b14a68fa2ad34505e10cbc32035cafae4f"},
      {"data/twitter/twarc2/search_2024-03.jsonl",
       "b56999d65ddf9bf3ae1050b6f558fc1dc3c4d0d50a4ec66d54ac21c8cd5a327b"},
      {"truth.json", "6d080f6a82d3916a4ab7aab39dd55a1c09169346a5bdfd13c17e468e01fb673a"},
  };
  std::map<std::string, std::string> actual;
  for (const auto& e : fs::recursive_directory_iterator(first_->dir)) {
    if (!e.is_regular_file()) continue;
    std::string hex;
    for (std::uint8_t byte : sha256(read_all(e.path()))) {
      constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[byte >> 4];
      hex += kDigits[byte & 15];
    }
    actual[fs::relative(e.path(), first_->dir).generic_string()] = hex;
  }
  std::string table;
  for (const auto& [path, hex] : actual) table += "      {\"" + path + "\", \"" + hex + "\"},\n";
  EXPECT_EQ(actual, kPinned) << "the generated bytes changed; if that is meant, kPinned becomes\n"
                             << table;
}

TEST_F(GenerateTest, DifferentSeedGivesDifferentData) {
  EXPECT_NE(read_all(first_->dir / "data/twitter/twarc2/search_2024-03.jsonl"),
            read_all(other_seed_->dir / "data/twitter/twarc2/search_2024-03.jsonl"));
}

TEST_F(GenerateTest, SmallPresetHasTheAdvertisedSize) {
  EXPECT_GE(first_->summary.unique_messages, 2000);
  EXPECT_LE(first_->summary.unique_messages, 6000);
}

TEST_F(GenerateTest, TimesFallInMarch2024) {
  const std::int64_t start = 1709251200, end = start + 31 * 86400;
  simdjson::dom::parser parser;
  for (const std::string& line : lines_of(read_all(file_with_format("telethon")))) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    std::string_view type = doc["_"].get_string().value();
    if (type == "Channel") continue;
    std::string_view date = doc["date"].get_string().value();
    EXPECT_EQ(date.substr(0, 8), "2024-03-") << date;
    EXPECT_EQ(date.substr(19), "+00:00");
  }
  simdjson::dom::element desktop;
  ASSERT_EQ(parser.load(file_with_format("ChatExport_")).get(desktop), simdjson::SUCCESS);
  for (simdjson::dom::element m : desktop["messages"].get_array()) {
    std::string_view unixtime = m["date_unixtime"].get_string().value();
    std::int64_t t = std::stoll(std::string(unixtime));
    EXPECT_GE(t, start);
    EXPECT_LT(t, end);
  }
}

// Counts every record by reading the files the way a reader would, and compares with truth.
TEST_F(GenerateTest, EveryFileParsesAndTruthCountsMatch) {
  simdjson::dom::parser parser;
  simdjson::dom::element t = truth(parser);
  std::map<std::string, std::int64_t> truth_records, truth_lines, truth_included;
  for (simdjson::dom::element f : t["files"].get_array()) {
    std::string path(f["path"].get_string().value());
    truth_records[path] = f["records"].get_int64().value();
    truth_lines[path] = f["lines"].get_int64().value();
    std::int64_t included = 0;
    if (f["included_tweets"].get_int64().get(included) == simdjson::SUCCESS)
      truth_included[path] = included;
  }
  std::int64_t included_counted = 0;
  ASSERT_FALSE(truth_records.empty());
  std::int64_t total = 0;
  simdjson::dom::parser file_parser;
  for (const auto& [path, records] : truth_records) {
    std::string full = (first_->dir / path).string();
    std::int64_t counted = 0;
    if (path.ends_with("result.json")) {
      simdjson::dom::element doc;
      ASSERT_EQ(file_parser.load(full).get(doc), simdjson::SUCCESS) << path;
      simdjson::dom::array chats;
      if (doc["messages"].get_array().error() == simdjson::SUCCESS) {
        EXPECT_EQ(doc["type"].get_string().value(), "public_channel");
        counted = static_cast<std::int64_t>(doc["messages"].get_array().value().size());
      } else {
        for (const char* key : {"chats", "left_chats"}) {
          for (simdjson::dom::element chat : doc[key]["list"].get_array()) {
            counted += static_cast<std::int64_t>(chat["messages"].get_array().value().size());
          }
        }
      }
    } else if (path.ends_with(".jsonl")) {
      std::vector<std::string> lines = lines_of(read_all(full));
      EXPECT_EQ(static_cast<std::int64_t>(lines.size()), truth_lines[path]) << path;
      for (const std::string& line : lines) {
        simdjson::dom::element doc;
        ASSERT_EQ(file_parser.parse(line).get(doc), simdjson::SUCCESS) << path;
        if (path.find("twarc2") != std::string::npos) {
          simdjson::dom::array data;
          ASSERT_EQ(doc["data"].get_array().get(data), simdjson::SUCCESS);
          counted += static_cast<std::int64_t>(data.size());
          simdjson::dom::array included;
          if (doc["includes"]["tweets"].get_array().get(included) == simdjson::SUCCESS) {
            included_counted += static_cast<std::int64_t>(included.size());
          }
          EXPECT_EQ(doc["includes"]["users"].error(), simdjson::SUCCESS);
          EXPECT_EQ(doc["__twarc"].error(), simdjson::SUCCESS);
        } else {
          std::string_view type = doc["_"].get_string().value();
          if (type == "Message" || type == "MessageService") ++counted;
        }
      }
    } else if (path.ends_with(".csv")) {
      auto rows = parse_csv(read_all(full));
      ASSERT_FALSE(rows.empty());
      for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size()) << path;
      EXPECT_EQ(static_cast<std::int64_t>(rows.size()), truth_lines[path]) << path;
      if (path.find("tweets") != std::string::npos)
        counted = static_cast<std::int64_t>(rows.size()) - 1;
    }
    EXPECT_EQ(counted, records) << path;
    total += counted;
  }
  EXPECT_EQ(total, t["totals"]["records"].get_int64().value());
  ASSERT_EQ(truth_included.size(), 1u);
  EXPECT_GT(included_counted, 0);
  EXPECT_EQ(included_counted, truth_included.begin()->second);
}

TEST_F(GenerateTest, IoArchiveHasTheSpecColumns) {
  auto rows = parse_csv(read_all(file_with_format("tweets_csv")));
  ASSERT_GE(rows.size(), 2u);
  std::set<std::string> header(rows[0].begin(), rows[0].end());
  for (const char* column : {"tweetid",
                             "userid",
                             "user_screen_name",
                             "follower_count",
                             "following_count",
                             "account_creation_date",
                             "tweet_text",
                             "tweet_time",
                             "is_retweet",
                             "retweet_userid",
                             "retweet_tweetid",
                             "in_reply_to_tweetid",
                             "quoted_tweet_tweetid",
                             "like_count",
                             "retweet_count",
                             "reply_count",
                             "quote_count",
                             "hashtags",
                             "urls",
                             "user_mentions",
                             "tweet_language",
                             "tweet_client_name"}) {
    EXPECT_TRUE(header.count(column)) << column;
  }
  std::size_t time_col = 0, hashtags_col = 0;
  for (std::size_t i = 0; i < rows[0].size(); ++i) {
    if (rows[0][i] == "tweet_time") time_col = i;
    if (rows[0][i] == "hashtags") hashtags_col = i;
  }
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r][time_col].size(), 16u) << rows[r][time_col];  // 2024-03-01 10:00
    EXPECT_EQ(rows[r][hashtags_col].front(), '[');
    EXPECT_EQ(rows[r][hashtags_col].back(), ']');
  }
}

// The overlap between the IO archive and the twarc2 pages is exactly what truth.json says.
TEST_F(GenerateTest, IoAndTwarcOverlapIsCountedExactly) {
  std::set<std::string> io_ids;
  auto rows = parse_csv(read_all(file_with_format("tweets_csv")));
  for (std::size_t r = 1; r < rows.size(); ++r) io_ids.insert(rows[r][0]);
  EXPECT_EQ(io_ids.size(), rows.size() - 1) << "duplicate tweet ids inside the IO archive";
  std::int64_t both = 0;
  std::set<std::string> twarc_ids;
  simdjson::dom::parser parser;
  for (const std::string& line : lines_of(read_all(file_with_format("twarc2")))) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    for (simdjson::dom::element tweet : doc["data"].get_array()) {
      std::string id(tweet["id"].get_string().value());
      EXPECT_TRUE(twarc_ids.insert(id).second) << "tweet " << id << " twice in twarc2";
      both += io_ids.count(id);
    }
  }
  EXPECT_GT(both, 0);
  EXPECT_LT(both, static_cast<std::int64_t>(io_ids.size()));
  EXPECT_EQ(both, first_->summary.io_twarc2_overlap);
  simdjson::dom::parser tp;
  EXPECT_EQ(truth(tp)["totals"]["io_twarc2_duplicates"].get_int64().value(), both);
}

// Every campaign member acts in the data, on the platform truth.json names.
TEST_F(GenerateTest, CampaignMembersAndOrganicAccountsAppearInTheData) {
  std::set<std::string> twitter_authors, telegram_authors;
  simdjson::dom::parser parser;
  for (const std::string& line : lines_of(read_all(file_with_format("twarc2")))) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    for (simdjson::dom::element tweet : doc["data"].get_array()) {
      twitter_authors.insert(std::string(tweet["author_id"].get_string().value()));
    }
  }
  auto rows = parse_csv(read_all(file_with_format("tweets_csv")));
  for (std::size_t r = 1; r < rows.size(); ++r) twitter_authors.insert(rows[r][1]);
  for (const std::string& line : lines_of(read_all(file_with_format("telethon")))) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    if (doc["_"].get_string().value() != "Message") continue;
    if (doc["post"].get_bool().value()) {
      telegram_authors.insert("channel" +
                              std::to_string(doc["peer_id"]["channel_id"].get_uint64().value()));
    } else {
      telegram_authors.insert("user" +
                              std::to_string(doc["from_id"]["user_id"].get_uint64().value()));
    }
  }
  for (const GeneratedFile& f : first_->summary.files) {
    if (!f.path.ends_with("result.json")) continue;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.load((first_->dir / f.path).string()).get(doc), simdjson::SUCCESS);
    std::vector<simdjson::dom::element> chats;
    if (doc["messages"].error() == simdjson::SUCCESS) {
      chats.push_back(doc);
    } else {
      for (const char* key : {"chats", "left_chats"}) {
        for (simdjson::dom::element chat : doc[key]["list"].get_array()) chats.push_back(chat);
      }
    }
    for (simdjson::dom::element chat : chats) {
      for (simdjson::dom::element m : chat["messages"].get_array()) {
        std::string_view from;
        if (m["from_id"].get_string().get(from) == simdjson::SUCCESS)
          telegram_authors.insert(std::string(from));
      }
    }
  }

  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  int campaigns = 0, evasive = 0;
  std::set<std::string> kinds;
  for (simdjson::dom::element c : t["campaigns"].get_array()) {
    ++campaigns;
    evasive += c["evasive"].get_bool().value();
    kinds.insert(std::string(c["kind"].get_string().value()));
    EXPECT_GT(c["items"].get_array().value().size(), 0u) << c["name"];
    for (simdjson::dom::element m : c["members"].get_array()) {
      std::string id(m["account_id"].get_string().value());
      bool twitter = m["platform"].get_string().value() == "twitter";
      EXPECT_TRUE(twitter ? twitter_authors.count(id) : telegram_authors.count(id))
          << c["name"] << " member " << id << " never posts";
    }
  }
  EXPECT_GE(campaigns, 6);
  EXPECT_GE(evasive, 2);
  EXPECT_EQ(kinds, (std::set<std::string>{"co_link", "co_share", "copy_paste", "forward_ring",
                                          "scheduled"}));

  // Organic accounts and genuine supporters listed in truth.json all write something.
  std::int64_t organic = 0;
  for (const char* key : {"twitter", "telegram_channels", "telegram_users"}) {
    simdjson::dom::element list = t["organic"][key];
    std::int64_t listed = 0;
    for (simdjson::dom::element id : list["accounts"].get_array()) {
      std::string account(id.get_string().value());
      ++listed;
      EXPECT_TRUE(std::string_view(key) == "twitter" ? twitter_authors.count(account)
                                                     : telegram_authors.count(account))
          << key << " " << account;
    }
    EXPECT_EQ(listed, list["count"].get_int64().value());
    EXPECT_LE(listed, list["configured"].get_int64().value());
    organic += listed;
  }
  EXPECT_GT(organic, 200);
  for (simdjson::dom::element actor : t["actors"].get_array()) {
    std::int64_t supporters = 0;
    std::map<std::string, std::int64_t> routes;
    for (simdjson::dom::element m : actor["genuine_supporters"].get_array()) {
      ++supporters;
      ++routes[std::string(m["route"].get_string().value())];
      std::string id(m["account_id"].get_string().value());
      EXPECT_GE(m["support_messages"].get_int64().value(), 1);
      EXPECT_TRUE(m["platform"].get_string().value() == "twitter" ? twitter_authors.count(id)
                                                                  : telegram_authors.count(id));
    }
    EXPECT_GT(supporters, 0);
    EXPECT_EQ(supporters, actor["genuine_supporter_count"].get_int64().value());
    // Routes add up; genuine supporters are the visible ones minus campaign members, and
    // the two official accounts of each platform are the sources.
    EXPECT_EQ(supporters, actor["genuine"]["count"].get_int64().value());
    std::int64_t visible_sum = 0;
    for (const char* route : {"sources", "own_words", "reposts_only"}) {
      std::int64_t genuine = actor["genuine"]["by_route"][route].get_int64().value();
      std::int64_t visible = actor["visible_supporters"]["by_route"][route].get_int64().value();
      EXPECT_EQ(routes[route], genuine) << route;
      EXPECT_LE(genuine, visible) << route;
      visible_sum += visible;
    }
    EXPECT_EQ(visible_sum, actor["visible_supporters"]["count"].get_int64().value());
    EXPECT_EQ(routes["sources"], 4);
    // Campaign members post for their movement: visible, never genuine.
    EXPECT_GT(actor["visible_supporters"]["count"].get_int64().value(), supporters);
    // Totals of the support acts: the genuine part is what is left without the campaigns'
    // accounts, so never more than the visible total and less in messages; engagement is
    // forwards, reactions and replies; every genuine supporter's acts are genuine acts.
    std::int64_t support_messages = 0;
    for (simdjson::dom::element m : actor["genuine_supporters"].get_array())
      support_messages += m["support_messages"].get_int64().value();
    for (const char* kind : {"visible", "genuine"}) {
      simdjson::dom::element totals = actor["totals"][kind];
      EXPECT_EQ(totals["engagement"].get_int64().value(),
                totals["forwards"].get_int64().value() + totals["reactions"].get_int64().value() +
                    totals["replies"].get_int64().value())
          << kind;
      EXPECT_GE(totals["messages"].get_int64().value(), support_messages) << kind;
      EXPECT_GT(totals["views"].get_int64().value(), 0) << kind;
      EXPECT_GT(totals["reactions"].get_int64().value(), 0) << kind;
    }
    for (const char* total : {"messages", "views", "forwards", "reactions", "replies"})
      EXPECT_LE(actor["totals"]["genuine"][total].get_int64().value(),
                actor["totals"]["visible"][total].get_int64().value())
          << total;
    EXPECT_LT(actor["totals"]["genuine"]["messages"].get_int64().value(),
              actor["totals"]["visible"]["messages"].get_int64().value());
  }
}

// Fast amplifiers retweet each campaign item within a minute; the viral bursts are shared by
// many organic accounts.
TEST_F(GenerateTest, FastCoSharersRetweetWithinSeconds) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  std::set<std::string> items, members;
  for (simdjson::dom::element c : t["campaigns"].get_array()) {
    if (c["kind"].get_string().value() != "co_share" || c["evasive"].get_bool().value()) continue;
    for (simdjson::dom::element i : c["items"].get_array())
      items.insert(std::string(i["message_id"].get_string().value()));
    for (simdjson::dom::element m : c["members"].get_array())
      members.insert(std::string(m["account_id"].get_string().value()));
  }
  ASSERT_FALSE(items.empty());
  // IO archive: every tweet of the fast amplifiers, with minute resolution times.
  auto rows = parse_csv(read_all(file_with_format("tweets_csv")));
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = i;
  std::map<std::string, int> retweets_per_item;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (!members.count(row[col["userid"]]) || row[col["is_retweet"]] != "True") continue;
    const std::string& original = row[col["retweet_tweetid"]];
    if (!items.count(original)) continue;
    ++retweets_per_item[original];
    // Snowflake ids carry milliseconds: the delay is exact.
    std::int64_t delay_ms = static_cast<std::int64_t>((std::stoull(row[col["tweetid"]]) >> 22) -
                                                      (std::stoull(original) >> 22));
    EXPECT_GT(delay_ms, 0);
    EXPECT_LE(delay_ms, 60000);
  }
  EXPECT_EQ(retweets_per_item.size(), items.size());
  for (const auto& [item, n] : retweets_per_item)
    EXPECT_GE(n, static_cast<int>(members.size()) / 2);

  std::int64_t viral = 0;
  for (simdjson::dom::element v : t["viral"].get_array()) {
    viral += 1;
    EXPECT_GE(v["shares"].get_int64().value(), 4);
  }
  EXPECT_GE(viral, 3);
}

// Telethon lines: channel posts have views and no author; group messages name their author
// as a PeerUser and replies point at earlier messages of the same chat.
TEST_F(GenerateTest, TelethonGroupMessagesCarryPeerUserAndReplies) {
  simdjson::dom::parser parser;
  std::map<std::uint64_t, std::set<std::int64_t>> seen_ids;
  int group_messages = 0, replies = 0, channel_posts = 0;
  for (const std::string& line : lines_of(read_all(file_with_format("telethon")))) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    if (doc["_"].get_string().value() != "Message") continue;
    std::uint64_t chat = doc["peer_id"]["channel_id"].get_uint64().value();
    std::int64_t id = doc["id"].get_int64().value();
    EXPECT_TRUE(seen_ids[chat].insert(id).second) << "message id repeated in a chat";
    if (doc["post"].get_bool().value()) {
      ++channel_posts;
      EXPECT_TRUE(doc["from_id"].is_null());
      EXPECT_GT(doc["views"].get_int64().value(), 0);
      continue;
    }
    ++group_messages;
    EXPECT_EQ(doc["from_id"]["_"].get_string().value(), "PeerUser");
    EXPECT_GT(doc["from_id"]["user_id"].get_uint64().value(), 0u);
    simdjson::dom::element reply = doc["reply_to"];
    if (!reply.is_null()) {
      ++replies;
      EXPECT_TRUE(seen_ids[chat].count(reply["reply_to_msg_id"].get_int64().value()));
    }
  }
  EXPECT_GT(channel_posts, 0);
  EXPECT_GT(group_messages, 0);
  EXPECT_GT(replies, 0);
}

// Copy-paste campaigns disguise their copies with Persian spelling variants.
TEST_F(GenerateTest, CopyPasteUsesPersianSpellingVariants) {
  std::string io = read_all(file_with_format("tweets_csv"));
  EXPECT_NE(io.find("\xD9\x8A"), std::string::npos) << "no Arabic yeh variant";
  EXPECT_NE(io.find("\xD9\x83"), std::string::npos) << "no Arabic kaf variant";
  EXPECT_NE(io.find("\xD9\x80"), std::string::npos) << "no tatweel";
  EXPECT_NE(io.find("utm_"), std::string::npos) << "no tracking parameters";
}

// ---- the organic look-alikes and the campaigns added with them ----

struct Tweet {
  std::string id, author, text, retweeted;  // retweeted: id of the original, or empty
  std::int64_t ms = 0;                      // from the snowflake id: exact to the millisecond
};
std::int64_t snowflake_ms(std::string_view id) {
  return static_cast<std::int64_t>(std::stoull(std::string(id)) >> 22) + 1288834974657LL;
}

struct TwitterData {
  std::vector<Tweet> tweets;
  std::map<std::string, std::string> created_at, username;  // by user id, from includes.users
};

TwitterData twarc_data(const fs::path& file) {
  TwitterData d;
  simdjson::dom::parser parser;
  for (const std::string& line : lines_of(read_all(file))) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS);
    for (simdjson::dom::element t : doc["data"].get_array()) {
      Tweet tw;
      tw.id = std::string(t["id"].get_string().value());
      tw.author = std::string(t["author_id"].get_string().value());
      tw.text = std::string(t["text"].get_string().value());
      tw.ms = snowflake_ms(tw.id);
      simdjson::dom::array refs;
      if (t["referenced_tweets"].get_array().get(refs) == simdjson::SUCCESS) {
        for (simdjson::dom::element r : refs)
          if (r["type"].get_string().value() == "retweeted")
            tw.retweeted = std::string(r["id"].get_string().value());
      }
      d.tweets.push_back(std::move(tw));
    }
    for (simdjson::dom::element u : doc["includes"]["users"].get_array()) {
      std::string id(u["id"].get_string().value());
      d.created_at[id] = std::string(u["created_at"].get_string().value());
      d.username[id] = std::string(u["username"].get_string().value());
    }
  }
  return d;
}

std::set<std::string> member_ids(simdjson::dom::element group) {
  std::set<std::string> ids;
  for (simdjson::dom::element m : group["members"].get_array())
    ids.insert(std::string(m["account_id"].get_string().value()));
  return ids;
}

simdjson::dom::element named(simdjson::dom::element list, std::string_view name) {
  for (simdjson::dom::element e : list.get_array())
    if (e["name"].get_string().value() == name) return e;
  ADD_FAILURE() << "truth.json has no " << name;
  return list;
}

std::int64_t days_from_civil_date(std::string_view iso) {  // 2023-11-20T..., days since 1970
  int y = std::stoi(std::string(iso.substr(0, 4))), m = std::stoi(std::string(iso.substr(5, 2))),
      d = std::stoi(std::string(iso.substr(8, 2)));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097LL + doe - 719468;
}

// The truth lists the organic look-alikes apart: organic accounts (listed in "organic"), no
// campaign's members, each in one group; fans follow an account, the crowd has its match.
TEST_F(GenerateTest, LookalikesAreOrganicAccountsListedApart) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  EXPECT_EQ(t["schema_version"].get_int64().value(), 2);
  std::set<std::string> organic, campaign_members, seen;
  for (simdjson::dom::element id : t["organic"]["twitter"]["accounts"].get_array())
    organic.insert(std::string(id.get_string().value()));
  for (simdjson::dom::element c : t["campaigns"].get_array())
    for (const std::string& id : member_ids(c)) campaign_members.insert(id);
  std::map<std::string, int> kinds;
  for (simdjson::dom::element g : t["lookalikes"].get_array()) {
    std::string kind(g["kind"].get_string().value());
    ++kinds[kind];
    EXPECT_EQ(g["platform"].get_string().value(), "twitter");
    std::set<std::string> members = member_ids(g);
    EXPECT_GE(members.size(), kind == "crowd" ? 60u : 14u) << g["name"];
    for (const std::string& id : members) {
      EXPECT_TRUE(organic.count(id)) << id;
      EXPECT_FALSE(campaign_members.count(id)) << id;
      EXPECT_TRUE(seen.insert(id).second) << id << " in two look-alikes";
    }
    EXPECT_GT(g["messages"].get_int64().value(), static_cast<std::int64_t>(members.size()) - 1);
    if (kind == "notification_fans") {
      std::string followed(g["followed"]["account_id"].get_string().value());
      EXPECT_FALSE(members.count(followed));
      EXPECT_GE(g["followed_posts"].get_int64().value(), 6);
    } else {
      EXPECT_GE(g["goals"].get_array().value().size(), 3u);
      EXPECT_LE(g["goals"].get_array().value().size(), 4u);
    }
  }
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"crowd", 1}, {"notification_fans", 2}}));
  // The news outlet is organic; the movement's account is one of its official accounts.
  simdjson::dom::element outlet = named(t["lookalikes"], "news-outlet-fans");
  EXPECT_TRUE(outlet["actor"].is_null());
  EXPECT_TRUE(organic.count(std::string(outlet["followed"]["account_id"].get_string().value())));
  simdjson::dom::element official = named(t["lookalikes"], "official-fans-green-horizon");
  EXPECT_EQ(official["actor"].get_string().value(), "Green Horizon Front");
  std::set<std::string> officials;
  for (simdjson::dom::element o : named(t["actors"], "Green Horizon Front")["official"].get_array())
    officials.insert(std::string(o["account_id"].get_string().value()));
  EXPECT_TRUE(
      officials.count(std::string(official["followed"]["account_id"].get_string().value())));
}

// Fans retweet their group's share of the followed account's posts (70% of the outlet's;
// of every post of the movement's account, a share that keeps their retweets a few percent
// of the data), each 20-240 s after it; the truth's message counts are what the data holds. Fans of
// the movement's account are its genuine supporters.
TEST_F(GenerateTest, NotificationFansRetweetWithinMinutesOnTheirOwn) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  TwitterData d = twarc_data(file_with_format("twarc2"));
  std::map<std::string, const Tweet*> by_id;
  for (const Tweet& tw : d.tweets) by_id[tw.id] = &tw;
  for (const char* name : {"news-outlet-fans", "official-fans-green-horizon"}) {
    simdjson::dom::element g = named(t["lookalikes"], name);
    std::set<std::string> fans = member_ids(g);
    std::string followed(g["followed"]["account_id"].get_string().value());
    std::set<std::string> posts;
    for (const Tweet& tw : d.tweets)
      if (tw.author == followed && tw.retweeted.empty()) posts.insert(tw.id);
    std::int64_t retweets = 0;
    std::set<std::string> followed_posts;
    std::vector<std::int64_t> delays;
    for (const Tweet& tw : d.tweets) {
      if (!fans.count(tw.author) || tw.retweeted.empty()) continue;
      auto it = by_id.find(tw.retweeted);
      if (it == by_id.end() || it->second->author != followed) continue;
      std::int64_t delay = tw.ms - it->second->ms;
      if (delay > 240000) continue;  // a fan's ordinary retweet of the account, later
      ++retweets;
      followed_posts.insert(tw.retweeted);
      delays.push_back(delay);
      EXPECT_GE(delay, 20000) << name;
    }
    EXPECT_EQ(retweets, g["messages"].get_int64().value()) << name;
    const auto n_posts = g["followed_posts"].get_int64().value();
    EXPECT_EQ(static_cast<std::int64_t>(followed_posts.size()), n_posts) << name;
    const double share = static_cast<double>(retweets) /
                         static_cast<double>(n_posts * static_cast<std::int64_t>(fans.size()));
    const double want = g["retweet_share"].get_double().value();
    EXPECT_NEAR(share, want, 0.1 * want + 0.02) << name;
    // Fans of the movement follow every post of its account, the outlet's fans its posts.
    EXPECT_EQ(g["every_post"].get_bool().value(), std::string_view(name) != "news-outlet-fans");
    if (g["every_post"].get_bool().value()) {
      EXPECT_EQ(followed_posts.size(), posts.size()) << name;
    }
    // Spread over the window, not a fixed delay.
    std::sort(delays.begin(), delays.end());
    EXPECT_LT(delays[delays.size() / 10], 60000);
    EXPECT_GT(delays[delays.size() * 9 / 10], 90000);
  }
  // Fans of Green Horizon Front's account are genuine supporters of it.
  std::set<std::string> genuine;
  for (simdjson::dom::element m :
       named(t["actors"], "Green Horizon Front")["genuine_supporters"].get_array())
    genuine.insert(std::string(m["account_id"].get_string().value()));
  for (const std::string& fan : member_ids(named(t["lookalikes"], "official-fans-green-horizon")))
    EXPECT_TRUE(genuine.count(fan)) << fan;
}

// Scheduled automation: accounts made within five days with ordinary handles post the
// movement's hashtag in different words in the same 90-second slots, and nothing else.
TEST_F(GenerateTest, ScheduledAutomationPostsInFixedNinetySecondSlots) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  simdjson::dom::element c = named(t["campaigns"], "scheduled-posters-free-voices");
  EXPECT_EQ(c["kind"].get_string().value(), "scheduled");
  EXPECT_FALSE(c["evasive"].get_bool().value());
  EXPECT_FALSE(c["in_io_archive"].get_bool().value());
  EXPECT_EQ(c["filler_messages"].get_int64().value(), 0);
  std::set<std::string> members = member_ids(c);
  TwitterData d = twarc_data(file_with_format("twarc2"));
  std::set<std::string> texts;
  std::map<std::int64_t, std::set<std::string>> by_slot;
  std::int64_t posts = 0;
  for (const Tweet& tw : d.tweets) {
    if (!members.count(tw.author)) continue;
    ++posts;
    EXPECT_TRUE(tw.retweeted.empty());
    EXPECT_TRUE(tw.text.find("#FreeVoices") != std::string::npos ||
                tw.text.find("#صداهای_آزاد") != std::string::npos)
        << tw.text;
    texts.insert(tw.text);
    // 09:30, 14:30, 21:30 Tehran time = 06:00, 11:00, 18:00 UTC, plus at most 90 s.
    const std::int64_t in_day = tw.ms % 86400000;
    const std::int64_t slot = in_day / 3600000 * 3600000;
    EXPECT_TRUE(slot == 6 * 3600000 || slot == 11 * 3600000 || slot == 18 * 3600000) << tw.id;
    EXPECT_LT(in_day - slot, 90000) << tw.id;
    by_slot[tw.ms - in_day + slot].insert(tw.author);
  }
  EXPECT_EQ(posts, c["coordinated_messages"].get_int64().value());
  EXPECT_EQ(static_cast<std::int64_t>(texts.size()), posts) << "copy-pasted texts";
  EXPECT_EQ(by_slot.size(), c["items"].get_array().value().size());
  EXPECT_GE(by_slot.size(), 21u);  // at least a week, three a day
  for (const auto& [slot, who] : by_slot) EXPECT_GE(who.size() * 2, members.size());
  // Made within five days, with handles of no pattern (not a name and an 8-digit run).
  std::int64_t first = INT64_MAX, last = 0;
  for (const std::string& id : members) {
    std::int64_t day = days_from_civil_date(d.created_at[id]);
    first = std::min(first, day);
    last = std::max(last, day);
    const std::string& handle = d.username[id];
    std::size_t digits = 0;
    while (digits < handle.size() &&
           std::isdigit(static_cast<unsigned char>(handle[handle.size() - 1 - digits])))
      ++digits;
    EXPECT_LT(digits, 8u) << handle;
  }
  EXPECT_LE(last - first, 5);
}

// Sleepers: old accounts whose own activity is mostly ordinary; for each item they retweet
// 2-30 minutes after the post, within a couple of minutes of one another (one signal).
TEST_F(GenerateTest, SleepersRetweetWhenOneSignalFires) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  simdjson::dom::element c = named(t["campaigns"], "sleeper-retweeters-iron-banner");
  EXPECT_EQ(c["kind"].get_string().value(), "co_share");
  EXPECT_TRUE(c["evasive"].get_bool().value());
  EXPECT_GT(c["filler_messages"].get_int64().value(),
            c["coordinated_messages"].get_int64().value());
  std::set<std::string> members = member_ids(c), items;
  for (simdjson::dom::element i : c["items"].get_array())
    items.insert(std::string(i["message_id"].get_string().value()));
  TwitterData d = twarc_data(file_with_format("twarc2"));
  std::map<std::string, std::vector<std::int64_t>> delays;  // item -> members' delays
  std::int64_t coordinated = 0;
  for (const Tweet& tw : d.tweets) {
    if (!members.count(tw.author) || !items.count(tw.retweeted)) continue;
    ++coordinated;
    delays[tw.retweeted].push_back(tw.ms - snowflake_ms(tw.retweeted));
  }
  EXPECT_EQ(coordinated, c["coordinated_messages"].get_int64().value());
  std::int64_t earliest = INT64_MAX, latest = 0;
  std::size_t joined = 0;
  for (auto& [item, ds] : delays) {
    std::sort(ds.begin(), ds.end());
    EXPECT_GE(ds.front(), 2 * 60000);
    EXPECT_LE(ds.back(), 30 * 60000);
    EXPECT_LE(ds.back() - ds.front(), 150000) << "members of one item follow one signal";
    earliest = std::min(earliest, ds.front());
    latest = std::max(latest, ds.back());
    joined += ds.size();
  }
  EXPECT_GT(latest - earliest, 10 * 60000) << "the signal's delay changes from item to item";
  const double participation =
      static_cast<double>(joined) / static_cast<double>(items.size() * members.size());
  EXPECT_GT(participation, 0.2);
  EXPECT_LT(participation, 0.55);
  std::int64_t first = INT64_MAX, last = 0;
  for (const std::string& id : members) {
    std::int64_t day = days_from_civil_date(d.created_at[id]);
    first = std::min(first, day);
    last = std::max(last, day);
  }
  EXPECT_GT(last - first, 3 * 365);
}

// What tells fans from sleepers: a null that keeps each account's own delays to the posts it
// re-shared and re-draws which delay goes with which post. Independent fans fit it; sleepers,
// fired by one signal per post, re-share far closer together than it allows. Synchrony is
// the number of member pairs that re-share one post within 30 s of each other.
double synchrony_z(const TwitterData& d, const std::set<std::string>& members,
                   const std::set<std::string>& followed, const std::set<std::string>& skip) {
  std::map<std::string, std::int64_t> post_ms;
  for (const Tweet& tw : d.tweets)
    if (followed.count(tw.author) && tw.retweeted.empty() && !skip.count(tw.id))
      post_ms[tw.id] = tw.ms;
  std::map<std::string, std::map<std::string, std::int64_t>> delays;  // member -> post -> delay
  for (const Tweet& tw : d.tweets) {
    auto p = post_ms.find(tw.retweeted);
    if (!members.count(tw.author) || p == post_ms.end() || tw.ms - p->second > 3600000) continue;
    delays[tw.author].emplace(tw.retweeted, tw.ms - p->second);
  }
  auto synchrony = [](std::map<std::string, std::vector<std::int64_t>>& by_post) {
    std::int64_t pairs = 0;
    for (auto& [post, ds] : by_post) {
      std::sort(ds.begin(), ds.end());
      for (std::size_t i = 0, j = 0; i < ds.size(); ++i) {
        while (ds[i] - ds[j] > 30000) ++j;
        pairs += static_cast<std::int64_t>(i - j);
      }
    }
    return static_cast<double>(pairs);
  };
  std::mt19937_64 rng(1);
  auto draw = [&](bool shuffle) {
    std::map<std::string, std::vector<std::int64_t>> by_post;
    for (const auto& [member, per_post] : delays) {
      std::vector<std::int64_t> ds;
      for (const auto& [post, delay] : per_post) ds.push_back(delay);
      if (shuffle) std::shuffle(ds.begin(), ds.end(), rng);
      std::size_t k = 0;
      for (const auto& [post, delay] : per_post) by_post[post].push_back(ds[k++]);
    }
    return synchrony(by_post);
  };
  const double observed = draw(false);
  double sum = 0, sum2 = 0;
  const int replicates = 200;
  for (int r = 0; r < replicates; ++r) {
    double x = draw(true);
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / replicates;
  const double sd = std::sqrt(std::max(sum2 / replicates - mean * mean, 1e-9));
  return (observed - mean) / sd;
}

TEST_F(GenerateTest, FansFitIndependentResponsesSleepersDoNot) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  TwitterData d = twarc_data(file_with_format("twarc2"));
  std::set<std::string> viral;  // shared by the crowd of a viral burst, on another clock
  for (simdjson::dom::element v : t["viral"].get_array())
    viral.insert(std::string(v["message_id"].get_string().value()));
  for (const char* name : {"news-outlet-fans", "official-fans-green-horizon"}) {
    simdjson::dom::element g = named(t["lookalikes"], name);
    const double z = synchrony_z(
        d, member_ids(g), {std::string(g["followed"]["account_id"].get_string().value())}, viral);
    EXPECT_LT(std::abs(z), 3.5) << name;
  }
  std::set<std::string> officials;
  for (simdjson::dom::element o : named(t["actors"], "Iron Banner Party")["official"].get_array())
    if (o["platform"].get_string().value() == "twitter")
      officials.insert(std::string(o["account_id"].get_string().value()));
  const double z = synchrony_z(
      d, member_ids(named(t["campaigns"], "sleeper-retweeters-iron-banner")), officials, viral);
  EXPECT_GT(z, 5.0);
}

// The match crowd tweets the match hashtag, never a movement's, mostly in the minutes after
// a goal, one to three times each.
TEST_F(GenerateTest, MatchCrowdTweetsTheHashtagAroundTheGoals) {
  simdjson::dom::parser tp;
  simdjson::dom::element t = truth(tp);
  simdjson::dom::element g = named(t["lookalikes"], "tehran-derby-crowd");
  std::set<std::string> members = member_ids(g);
  std::vector<std::int64_t> goals;
  for (simdjson::dom::element goal : g["goals"].get_array()) {
    std::string_view iso = goal.get_string().value();
    goals.push_back(days_from_civil_date(iso) * 86400000 +
                    (std::stoi(std::string(iso.substr(11, 2))) * 3600 +
                     std::stoi(std::string(iso.substr(14, 2))) * 60 +
                     std::stoi(std::string(iso.substr(17, 2)))) *
                        1000LL);
  }
  TwitterData d = twarc_data(file_with_format("twarc2"));
  std::map<std::string, int> per_member;
  std::set<std::string> texts;
  std::int64_t match_tweets = 0, after_goal = 0;
  for (const Tweet& tw : d.tweets) {
    if (!members.count(tw.author)) continue;
    if (tw.text.find("#دربی_تهران") == std::string::npos &&
        tw.text.find("#TehranDerby") == std::string::npos)
      continue;
    ++match_tweets;
    ++per_member[tw.author];
    texts.insert(tw.text);
    for (std::string_view marker :
         {"#افق_سبز", "#GreenHorizon", "#پرچم_آهنین", "#IronBanner", "#صداهای_آزاد", "#FreeVoices"})
      EXPECT_EQ(tw.text.find(marker), std::string::npos) << tw.text;
    EXPECT_GE(tw.ms, goals.front() - 120 * 60000);
    EXPECT_LE(tw.ms, goals.back() + 120 * 60000);
    for (std::int64_t goal : goals) after_goal += tw.ms >= goal && tw.ms <= goal + 15 * 60000;
  }
  EXPECT_EQ(match_tweets, g["messages"].get_int64().value());
  EXPECT_EQ(per_member.size(), members.size());
  for (const auto& [id, n] : per_member) {
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 3);
  }
  EXPECT_GT(after_goal * 10, match_tweets * 7);
  EXPECT_GT(texts.size() * 10, static_cast<std::size_t>(match_tweets) * 9) << "own words";
}

std::string gunzip(const std::string& packed) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  char chunk[1 << 15];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::string unzstd(const std::string& packed) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{packed.data(), packed.size(), 0};
  std::string out;
  char chunk[1 << 15];
  while (in.pos < in.size) {
    ZSTD_outBuffer o{chunk, sizeof chunk, 0};
    std::size_t rc = ZSTD_decompressStream(d, &o, &in);
    EXPECT_FALSE(ZSTD_isError(rc));
    if (ZSTD_isError(rc)) break;
    out.append(chunk, o.pos);
  }
  ZSTD_freeDCtx(d);
  return out;
}

// Compressed output holds exactly the bytes of the plain output.
TEST_F(GenerateTest, CompressedFilesDecompressToThePlainOnes) {
  for (Compression z : {Compression::kGzip, Compression::kZstd}) {
    GenerateOptions o;
    o.seed = 7;
    o.messages = 3000;
    o.scale = "small";
    o.compression = z;
    o.out_dir =
        (fs::path(GS_BINARY_DIR) / "generate_test" / (z == Compression::kGzip ? "gz" : "zst"))
            .string();
    Result<GenerateSummary> r = generate_dataset(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    int compressed = 0;
    for (const GeneratedFile& f : r->files) {
      std::string packed = read_all(fs::path(o.out_dir) / f.path);
      std::string plain_path = f.path;
      if (plain_path.ends_with(".gz")) {
        plain_path.resize(plain_path.size() - 3);
        packed = gunzip(packed);
        ++compressed;
      } else if (plain_path.ends_with(".zst")) {
        plain_path.resize(plain_path.size() - 4);
        packed = unzstd(packed);
        ++compressed;
      }
      EXPECT_EQ(packed, read_all(first_->dir / plain_path)) << f.path;
    }
    EXPECT_EQ(compressed, 3);
    EXPECT_EQ(r->records, first_->summary.records);
  }
}

TEST(GenerateTextTest, VariantsOnlyChangeWhatNormalizationRemoves) {
  gen::ContentSpec spec;
  spec.seed = 42;
  spec.actor = 1;
  spec.stance = 1;
  spec.url_kind = 2;
  gen::TextContext context;
  gen::Content original, copy;
  gen::build_content(spec, context, &original);
  std::string a, b;
  original.flatten(&a);
  for (std::uint64_t v = 1; v < 40; ++v) {
    gen::build_content(spec, context, &copy);
    gen::apply_variants(v, false, &copy);
    copy.flatten(&b);
    // Undo the disguises by hand: yeh, kaf, tatweel, digits, ZWNJ/space, tracking parameters.
    auto fold = [](std::string s) {
      auto replace_all = [&](std::string_view from, std::string_view to) {
        for (std::size_t p = s.find(from); p != std::string::npos;
             p = s.find(from, p + to.size())) {
          s.replace(p, from.size(), to);
        }
      };
      replace_all("\xD9\x8A", "\xDB\x8C");
      replace_all("\xD9\x83", "\xDA\xA9");
      replace_all("\xD9\x80", "");
      replace_all("\xE2\x80\x8C", " ");
      for (char d = '0'; d <= '9'; ++d) {
        std::string persian = "\xDB";
        persian += static_cast<char>(0xB0 + (d - '0'));
        replace_all(persian, std::string(1, d));
      }
      std::size_t q = s.find('?');
      if (q != std::string::npos) s.resize(q);
      return s;
    };
    EXPECT_EQ(fold(a), fold(b));
  }
}

TEST(GenerateTextTest, EntityLengthsCountUtf16AndCodePoints) {
  EXPECT_EQ(gen::utf16_length("abc"), 3u);
  EXPECT_EQ(gen::utf16_length("\xD8\xB3"), 1u);          // Arabic letter
  EXPECT_EQ(gen::utf16_length("\xF0\x9F\x91\x8D"), 2u);  // emoji: a surrogate pair
  EXPECT_EQ(gen::codepoint_length("\xF0\x9F\x91\x8D"), 1u);
  std::string json;
  gen::append_json_string(json, "\xF0\x9F\x91\x8D\xD8\xB3\"", true);
  EXPECT_EQ(json, "\"\\ud83d\\udc4d\\u0633\\\"\"");
}

TEST(GenerateOptionsTest, PresetsAndBadSizes) {
  EXPECT_EQ(messages_for_scale("small").value(), 3000);
  EXPECT_EQ(messages_for_scale("10m").value(), 10000000);
  EXPECT_FALSE(messages_for_scale("huge").ok());
  GenerateOptions o;
  o.out_dir = (fs::path(GS_BINARY_DIR) / "generate_test" / "bad").string();
  o.messages = 5;
  EXPECT_FALSE(generate_dataset(o).ok());
}

}  // namespace
}  // namespace groundswell
