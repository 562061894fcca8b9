// telethon and telegram-csv: field-by-field mapping of the fixtures under tests/data/formats/.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "ingest/reader_test_sink.h"

namespace groundswell {
namespace {

using testing::CollectingSink;
using testing::read_file;
using testing::utc_ms;

TEST(Telethon, CurrentSchemaChannelPost) {
  CollectingSink sink;
  read_file("telethon", "tests/data/formats/telethon/messages.jsonl", sink);
  ASSERT_EQ(sink.messages.size(), 5u);
  const MessageRecord* m = sink.find("channel1111", "456");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->platform, "telegram");
  EXPECT_EQ(m->account_id, "channel1111");  // no from_id: the channel posted it
  EXPECT_EQ(m->time, utc_ms(1709294400));
  EXPECT_EQ(m->text, "🔥 خبر #آزادی https://t.me/x @ali_reza ok");
  // Entity offsets count UTF-16 units (the emoji is two), not bytes or code points.
  EXPECT_EQ(m->hashtags, std::vector<std::string>{"آزادی"});
  EXPECT_EQ(m->urls, (std::vector<std::string>{"https://t.me/x", "https://example.org/ok"}));
  EXPECT_EQ(m->mentions, std::vector<std::string>{"ali_reza"});
  EXPECT_EQ(m->shares, "channel2222/99");
  EXPECT_EQ(m->media_key, "photo5001");
  EXPECT_EQ(m->views, 1500);
  EXPECT_EQ(m->forwards, 25);
  EXPECT_EQ(m->replies, 7);
  EXPECT_EQ(m->reactions, 14);
  EXPECT_EQ(m->reactions_detail, "{\"👍\":10,\"custom:777\":4}");
  EXPECT_EQ(m->kind, RecordKind::kPost);
}

TEST(Telethon, GroupReplyLegacySchemaAndService) {
  CollectingSink sink;
  read_file("telethon", "tests/data/formats/telethon/messages.jsonl", sink);
  const MessageRecord* reply = sink.find("channel3333", "12");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->account_id, "user8888");
  EXPECT_EQ(reply->reply_to, "channel1111/456");  // reply_to_peer_id names the other chat
  EXPECT_EQ(reply->time, utc_ms(1709294700));
  EXPECT_EQ(reply->hashtags, std::vector<std::string>{"Tehran"});  // no entities: from text
  EXPECT_EQ(reply->views, kAbsent);

  const MessageRecord* legacy = sink.find("channel4444", "77");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->account_id, "user9999");
  EXPECT_EQ(legacy->reply_to, "channel4444/70");
  EXPECT_EQ(legacy->shares, "channel2222/98");
  EXPECT_EQ(legacy->views, 300);
  EXPECT_EQ(legacy->time, utc_ms(1559383200));

  const MessageRecord* user_fwd = sink.find("channel4444", "78");
  ASSERT_NE(user_fwd, nullptr);
  EXPECT_EQ(user_fwd->shares, "user5555@1559300000");
  EXPECT_EQ(user_fwd->time, utc_ms(1559383200));

  const MessageRecord* service = sink.find("chat6666", "79");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->kind, RecordKind::kEvent);
  EXPECT_EQ(service->account_id, "user8888");

  ASSERT_EQ(sink.rejects.size(), 2u);
  EXPECT_EQ(sink.rejects[0].line, 6u);
  EXPECT_NE(sink.rejects[0].reason.find("JSON"), std::string::npos);
  EXPECT_EQ(sink.rejects[1].line, 7u);
  EXPECT_NE(sink.rejects[1].reason.find("peer_id"), std::string::npos);
}

TEST(Telethon, ChannelAndUserMetadataLines) {
  CollectingSink sink;
  read_file("telethon", "tests/data/formats/telethon/channels.ndjson", sink);
  EXPECT_TRUE(sink.messages.empty());
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.accounts.size(), 4u);
  const AccountRecord* ch = sink.find_account("channel1111");
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->platform, "telegram");
  EXPECT_EQ(ch->kind, AccountKind::kChannel);
  EXPECT_EQ(ch->handle, "khabar_fori");
  EXPECT_EQ(ch->display_name, "خبر فوری | News Now");
  EXPECT_EQ(ch->followers, 52000);
  EXPECT_EQ(ch->created_at, utc_ms(1579082400));
  EXPECT_EQ(ch->verified, 0);
  const AccountRecord* group = sink.find_account("channel3333");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->kind, AccountKind::kGroup);
  EXPECT_EQ(group->followers, 1200);
  EXPECT_EQ(group->handle, "");
  const AccountRecord* user = sink.find_account("user8888");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->kind, AccountKind::kUser);
  EXPECT_EQ(user->display_name, "Reza Ahmadi");
  EXPECT_EQ(user->handle, "reza_a");
  EXPECT_EQ(user->verified, 1);
  const AccountRecord* full = sink.find_account("channel2222");
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(full->followers, 9100);
  EXPECT_EQ(full->description, "Daily Voice: independent news");
  EXPECT_EQ(full->handle, "dailyvoice");
}

// Pushshift ships messages.ndjson.zst: the stream layer decompresses, detection sees the
// decompressed head, and the records are the same.
TEST(Telethon, PushshiftZstdFile) {
  std::ifstream src("tests/data/formats/telethon/messages.jsonl", std::ios::binary);
  std::string plain((std::istreambuf_iterator<char>(src)), {});
  std::string packed(ZSTD_compressBound(plain.size()), '\0');
  std::size_t n = ZSTD_compress(packed.data(), packed.size(), plain.data(), plain.size(), 3);
  ASSERT_FALSE(ZSTD_isError(n));
  auto path = std::filesystem::temp_directory_path() /
              fmt::format("gs_telethon_{}_messages.ndjson.zst", static_cast<long>(::getpid()));
  {
    std::ofstream f(path, std::ios::binary);
    f.write(packed.data(), static_cast<std::streamsize>(n));
  }
  InputStream in;
  ASSERT_TRUE(in.open(path.string()).ok());
  const FormatInfo* f = detect_format(in.peek(64 << 10), path.string());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "telethon");
  CollectingSink sink;
  read_file("telethon", path.string(), sink);
  std::filesystem::remove(path);
  EXPECT_EQ(sink.messages.size(), 5u);
  EXPECT_EQ(sink.rejects.size(), 2u);
  ASSERT_NE(sink.find("channel1111", "456"), nullptr);
}

TEST(TelegramCsv, ColumnsByName) {
  CollectingSink sink;
  read_file("telegram-csv", "tests/data/formats/telegram-csv/channel_messages.csv", sink);
  ASSERT_EQ(sink.messages.size(), 4u);
  const MessageRecord* m = sink.find("channel1111", "501");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->platform, "telegram");
  EXPECT_EQ(m->account_id, "channel1111");
  EXPECT_EQ(m->account_handle, "khabar_fori");
  EXPECT_EQ(m->text, "سلام #ایران\nسطر دوم https://example.org/p");
  EXPECT_EQ(m->hashtags, std::vector<std::string>{"ایران"});
  EXPECT_EQ(m->urls, std::vector<std::string>{"https://example.org/p"});
  EXPECT_EQ(m->time, utc_ms(1709294400));
  EXPECT_EQ(m->views, 1200);
  EXPECT_EQ(m->replies, 3);
  EXPECT_EQ(m->forwards, 40);
  EXPECT_TRUE(m->shares.empty());
  // A t.me link gives the original post; without one the source and original date key it.
  EXPECT_EQ(sink.find("channel1111", "502")->shares, "channel2222/99");
  const MessageRecord* nolink = sink.find("channel1111", "503");
  EXPECT_EQ(nolink->shares, "channel2222@1709197200");
  EXPECT_EQ(nolink->views, kAbsent);
  EXPECT_EQ(sink.find("channel1111", "504")->reply_to, "channel1111/501");
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("views"), std::string::npos);
}

}  // namespace
}  // namespace groundswell
