// twitter-io, twitter-v2 and twitter-v1: field-by-field mapping of the fixtures under
// tests/data/formats/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ingest/reader_test_sink.h"

namespace groundswell {
namespace {

using testing::CollectingSink;
using testing::read_file;
using testing::utc_ms;

TEST(TwitterIo, TweetsCsv) {
  CollectingSink sink;
  read_file("twitter-io", "tests/data/formats/twitter-io/ira_tweets_csv_hashed.csv", sink);
  ASSERT_EQ(sink.messages.size(), 3u);
  const MessageRecord* m = sink.find("", "1001");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->platform, "twitter");
  EXPECT_EQ(m->account_id, "a1b2c3hashed");
  EXPECT_EQ(m->account_handle, "a1b2c3hashed");
  EXPECT_EQ(m->display_name, "حامی");
  EXPECT_EQ(m->time, utc_ms(1525182300));
  EXPECT_EQ(m->time_resolution_ms, 60000);  // the archive has minutes only
  EXPECT_EQ(m->lang, "fa");
  EXPECT_EQ(m->text, "زنده باد #ایران https://t.co/xyz");
  EXPECT_EQ(m->hashtags, std::vector<std::string>{"ایران"});
  EXPECT_EQ(m->urls, std::vector<std::string>{"https://example.ir/x"});
  EXPECT_TRUE(m->mentions.empty());
  EXPECT_EQ(m->likes, 5);
  EXPECT_EQ(m->retweets, 2);
  EXPECT_EQ(m->replies, 1);
  EXPECT_EQ(m->quotes_count, 0);
  const MessageRecord* rt = sink.find("", "1002");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->shares, "900");
  EXPECT_EQ(rt->mentions, std::vector<std::string>{"777"});
  EXPECT_EQ(rt->likes, kAbsent);
  const MessageRecord* reply = sink.find("", "1003");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply_to, "1001");
  EXPECT_EQ(reply->quotes, "555");
  EXPECT_TRUE(reply->shares.empty());
  EXPECT_EQ(reply->hashtags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(reply->mentions, (std::vector<std::string>{"123", "456"}));
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("tweet_time"), std::string::npos);
  // Each author's profile once per file, from its first row.
  ASSERT_EQ(sink.accounts.size(), 2u);
  EXPECT_EQ(sink.find_account("a1b2c3hashed")->followers, 150);
  EXPECT_EQ(sink.find_account("998877")->following, 20);
}

TEST(TwitterIo, UsersCsv) {
  CollectingSink sink;
  read_file("twitter-io", "tests/data/formats/twitter-io/ira_users_csv_hashed.csv", sink);
  EXPECT_TRUE(sink.messages.empty());
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.accounts.size(), 2u);
  const AccountRecord* a = sink.find_account("a1b2c3hashed");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->platform, "twitter");
  EXPECT_EQ(a->display_name, "حامی");
  EXPECT_EQ(a->description, "وطن");
  EXPECT_EQ(a->followers, 150);
  EXPECT_EQ(a->following, 300);
  EXPECT_EQ(a->created_at, utc_ms(1483574400));
  EXPECT_EQ(a->kind, AccountKind::kUser);
  EXPECT_EQ(sink.find_account("998877")->handle, "bob_io");
}

TEST(TwitterV2, Twarc2Pages) {
  CollectingSink sink;
  read_file("twitter-v2", "tests/data/formats/twitter-v2/search_pages.jsonl", sink);
  ASSERT_EQ(sink.messages.size(), 4u);
  const MessageRecord* m = sink.find("", "3001");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->platform, "twitter");
  EXPECT_EQ(m->account_id, "2001");
  EXPECT_EQ(m->account_handle, "sara_fa");  // from includes.users
  EXPECT_EQ(m->display_name, "سارا");
  EXPECT_EQ(m->time, utc_ms(1709287200));
  EXPECT_EQ(m->lang, "fa");
  EXPECT_EQ(m->hashtags, std::vector<std::string>{"آزادی"});
  EXPECT_EQ(m->mentions, std::vector<std::string>{"news"});
  EXPECT_EQ(m->urls, std::vector<std::string>{"https://example.org/free"});
  EXPECT_EQ(m->likes, 120);
  EXPECT_EQ(m->retweets, 40);
  EXPECT_EQ(m->replies, 3);
  EXPECT_EQ(m->quotes_count, 2);
  EXPECT_EQ(m->views, 10000);
  EXPECT_EQ(m->media_key, "3_1234");
  const MessageRecord* rt = sink.find("", "3002");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->shares, "3001");
  EXPECT_EQ(rt->time, utc_ms(1709287205) + 250);
  EXPECT_EQ(rt->time_resolution_ms, 1);
  const MessageRecord* reply = sink.find("", "3003");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply_to, "3001");
  EXPECT_EQ(reply->quotes, "2500");
  EXPECT_EQ(reply->mentions, std::vector<std::string>{"sara_fa"});  // no entities: from text
  EXPECT_EQ(reply->urls, std::vector<std::string>{"https://t.co/bb"});
  // Referenced originals in includes.tweets are not messages of the collection.
  EXPECT_EQ(sink.find("", "2500"), nullptr);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("created_at"), std::string::npos);
  EXPECT_NE(sink.rejects[0].excerpt.find("3005"), std::string::npos);
  EXPECT_EQ(sink.rejects[0].line, 2u);
  ASSERT_EQ(sink.accounts.size(), 2u);  // users once per file
  const AccountRecord* u = sink.find_account("2001");
  EXPECT_EQ(u->handle, "sara_fa");
  EXPECT_EQ(u->followers, 5000);
  EXPECT_EQ(u->following, 200);
  EXPECT_EQ(u->posts, 9000);
  EXPECT_EQ(u->verified, 0);
  EXPECT_EQ(u->created_at, utc_ms(1433116800));
  EXPECT_EQ(u->description, "روزنامه‌نگار");
}

TEST(TwitterV2, FlattenedTweets) {
  CollectingSink sink;
  read_file("twitter-v2", "tests/data/formats/twitter-v2/flat_tweets.jsonl", sink);
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_TRUE(sink.rejects.empty());
  const MessageRecord* rt = sink.find("", "3002");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->account_handle, "amp_bot_17");
  EXPECT_EQ(rt->shares, "3001");
  const MessageRecord* own = sink.find("", "3004");
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->account_id, "2001");  // from the author object
  EXPECT_EQ(own->likes, 1);
  ASSERT_EQ(sink.accounts.size(), 2u);
  EXPECT_EQ(sink.find_account("2002")->following, 900);
}

TEST(TwitterV1, StatusLines) {
  CollectingSink sink;
  read_file("twitter-v1", "tests/data/formats/twitter-v1/statuses.jsonl", sink);
  ASSERT_EQ(sink.messages.size(), 3u);
  const MessageRecord* m = sink.find("", "1050118621198921728");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->platform, "twitter");
  EXPECT_EQ(m->account_id, "42");
  EXPECT_EQ(m->account_handle, "jane");
  EXPECT_EQ(m->display_name, "Jane Doe");
  EXPECT_EQ(m->time, utc_ms(1539202764));
  EXPECT_EQ(m->text, "The full long text with #Hashtag and @orig https://t.co/2");
  EXPECT_EQ(m->hashtags, std::vector<std::string>{"Hashtag"});
  EXPECT_EQ(m->mentions, std::vector<std::string>{"orig"});
  EXPECT_EQ(m->urls, std::vector<std::string>{"https://example.com/long"});
  EXPECT_EQ(m->media_key, "77001");
  EXPECT_EQ(m->likes, 10);
  EXPECT_EQ(m->retweets, 2);
  EXPECT_EQ(m->lang, "en");
  EXPECT_EQ(sink.find("", "1050118621198921729")->shares, "1050000000000000001");
  const MessageRecord* reply = sink.find("", "1050118621198921730");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->account_id, "43");
  EXPECT_EQ(reply->reply_to, "1050000000000000001");
  EXPECT_EQ(reply->quotes, "1049999999999999999");
  EXPECT_EQ(reply->hashtags, std::vector<std::string>{"تست"});
  EXPECT_EQ(reply->mentions, std::vector<std::string>{"orig"});
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("delete"), std::string::npos);
  ASSERT_EQ(sink.accounts.size(), 2u);
  const AccountRecord* jane = sink.find_account("42");
  EXPECT_EQ(jane->followers, 1000);
  EXPECT_EQ(jane->following, 100);
  EXPECT_EQ(jane->posts, 5000);
  EXPECT_EQ(jane->verified, 1);
  EXPECT_EQ(jane->created_at, utc_ms(1349900364));
}

// A file of `text` in the temporary folder, read with the format's reader.
void read_text(std::string_view format, const std::string& name, const std::string& text,
               CollectingSink& sink) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  read_file(format, path.string(), sink);
  std::filesystem::remove(path);
}

// An included user with an empty id names no account (found by fuzzing: it was given to the
// store as an account without an id); the tweets are read as ever.
TEST(TwitterV2, IncludedUserWithAnEmptyIdIsNoAccount) {
  CollectingSink sink;
  read_text("twitter-v2", "gs_v2_empty_user.jsonl",
            R"({"data": [{"id": "7001", "text": "one", "author_id": "81", )"
            R"("created_at": "2024-03-01T09:00:00.000Z"}, {"id": "7002", "text": "two", )"
            R"("author_id": "82", "created_at": "2024-03-01T09:01:00.000Z"}], )"
            R"("includes": {"users": [{"id": "81", "username": "u81"}, )"
            R"({"id": "", "name": "U 82"}]}})"
            "\n",
            sink);
  EXPECT_EQ(sink.messages.size(), 2u);
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.accounts.size(), 1u);
  EXPECT_EQ(sink.accounts[0].account_id, "81");
}

// A v1.1 user object without a usable id is rejected with its reason, not dropped unseen.
TEST(TwitterV1, UserObjectWithoutAnIdIsRejected) {
  CollectingSink sink;
  read_text("twitter-v1", "gs_v1_empty_user.jsonl",
            R"({"id_str": "", "screen_name": "nobody", "name": "No One"})"
            "\n"
            R"({"users": [{"id_str": "5", "screen_name": "five"}, )"
            R"({"id": "", "screen_name": "blank"}]})"
            "\n",
            sink);
  ASSERT_EQ(sink.accounts.size(), 1u);
  EXPECT_EQ(sink.accounts[0].account_id, "5");
  ASSERT_EQ(sink.rejects.size(), 2u);
  for (const auto& r : sink.rejects) EXPECT_EQ(r.reason, "a user object without an id");
}

}  // namespace
}  // namespace groundswell
