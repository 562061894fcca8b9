#include "store/message_index.h"

#include <gtest/gtest.h>

#include "store/test_dataset.h"

namespace groundswell {
namespace {

testing::TestMessage msg(std::string platform, std::string chat, std::string id,
                         TimeMs time) {
  testing::TestMessage m;
  m.platform = std::move(platform);
  m.chat_id = std::move(chat);
  m.message_id = std::move(id);
  m.account_id = "a";
  m.time = time;
  return m;
}

TEST(MessageIndex, FindsMessagesByTheKeyRepostsUse) {
  Dataset d = testing::make_dataset({
      msg("twitter", "", "1763361078969892864", 3000),
      msg("telegram", "channel12", "456", 1000),
      msg("telegram", "channel12", "457", 2000),
      msg("telegram", "channel13", "456", 4000),
  });
  MessageIndex index(d);
  auto time_of = [&](std::string_view platform, std::string_view key) -> TimeMs {
    std::int64_t m = index.find(platform, key);
    return m < 0 ? -1 : d.msg_time[static_cast<std::size_t>(m)];
  };
  EXPECT_EQ(time_of("twitter", "1763361078969892864"), 3000);
  EXPECT_EQ(time_of("telegram", "channel12/456"), 1000);
  EXPECT_EQ(time_of("telegram", "channel12/457"), 2000);
  EXPECT_EQ(time_of("telegram", "channel13/456"), 4000);
  // Not there: another platform, another chat, a bare Telegram id, a prefix of a key.
  EXPECT_EQ(time_of("telegram", "1763361078969892864"), -1);
  EXPECT_EQ(time_of("telegram", "channel14/456"), -1);
  EXPECT_EQ(time_of("telegram", "456"), -1);
  EXPECT_EQ(time_of("telegram", "channel12/45"), -1);
  EXPECT_EQ(time_of("twitter", ""), -1);
}

// A chat and id longer together than the index hashes in one piece are still found by the
// key a re-post gives (the index then hashes them in parts, to the same value).
TEST(MessageIndex, FindsAMessageWhoseKeyIsLong) {
  const std::string chat(300, 'c');
  Dataset d = testing::make_dataset({
      msg("telegram", chat, "456", 1000),
      msg("telegram", chat.substr(0, 250), "457", 2000),
  });
  MessageIndex index(d);
  EXPECT_EQ(index.find("telegram", chat + "/456"), 0);
  EXPECT_EQ(index.find("telegram", chat.substr(0, 250) + "/457"), 1);
  EXPECT_EQ(index.find("telegram", chat + "/457"), -1);
}

testing::TestMessage repost(std::string platform, std::string chat, std::string id,
                            std::string shares, TimeMs time) {
  testing::TestMessage m = msg(std::move(platform), std::move(chat), std::move(id), time);
  m.shares = std::move(shares);
  return m;
}

// Each re-post's original is the message its key names, on its own platform; a re-post whose
// original is not in the data, and a message that is no re-post, have none.
TEST(MessageIndex, GivesEachRepostItsOriginal) {
  Dataset d = testing::make_dataset({
      msg("telegram", "channel12", "456", 1000),
      repost("telegram", "channel13", "9", "channel12/456", 2000),
      repost("telegram", "channel13", "10", "channel12/999", 3000),
      repost("twitter", "", "5", "456", 4000),
      repost("twitter", "", "6", "5", 5000),
  });
  MessageIndex index(d);
  EXPECT_EQ(index.original_of(0), -1);
  EXPECT_EQ(index.original_of(1), 0);
  EXPECT_EQ(index.original_of(2), -1);
  EXPECT_EQ(index.original_of(3), -1);
  EXPECT_EQ(index.original_of(4), 3);
}

// Thousands of messages, so that the lookups go through many values of the hash's top bits:
// every re-post finds its original, every other key finds its message and nothing else.
TEST(MessageIndex, FindsEveryMessageAmongThousands) {
  std::vector<testing::TestMessage> in;
  constexpr int kPosts = 3000;
  for (int i = 0; i < kPosts; ++i) in.push_back(msg("telegram", "c", std::to_string(i), i));
  for (int i = 0; i < kPosts; ++i)
    in.push_back(repost("telegram", "r", std::to_string(i), "c/" + std::to_string(i),
                        kPosts + i));
  Dataset d = testing::make_dataset(in);
  MessageIndex index(d);
  for (int i = 0; i < kPosts; ++i) {
    EXPECT_EQ(index.original_of(static_cast<std::size_t>(kPosts + i)), i);
    EXPECT_EQ(index.find("telegram", "r/" + std::to_string(i)), kPosts + i);
    EXPECT_EQ(index.find("telegram", "c/" + std::to_string(i + kPosts)), -1);
  }
}

}  // namespace
}  // namespace groundswell
