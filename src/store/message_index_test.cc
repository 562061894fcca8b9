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

}  // namespace
}  // namespace groundswell
