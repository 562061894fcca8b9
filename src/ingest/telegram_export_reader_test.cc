// telegram-export: field-by-field mapping of the fixtures under tests/data/formats/, the
// streaming scanner's edge cases (escapes, chunk boundaries, truncation, broken envelopes,
// over-long messages) and the forward key.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "base/hash.h"
#include "ingest/reader_test_sink.h"
#include "ingest/record_fields.h"
#include "ingest/telegram_export_scanner.h"

namespace groundswell {
namespace {

using testing::CollectingSink;
using testing::read_file;
using testing::utc_ms;

const std::string kDir = "tests/data/formats/telegram-export/";

std::filesystem::path temp_file(std::string_view name) {
  return std::filesystem::temp_directory_path() /
         fmt::format("gs_tg_export_{}_{}", static_cast<long>(::getpid()), name);
}

TEST(TelegramExport, ChannelExportMapsEveryField) {
  CollectingSink sink;
  read_file("telegram-export", kDir + "channel_result.json", sink);
  ASSERT_EQ(sink.messages.size(), 5u);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_TRUE(sink.warnings.empty());
  const std::string chat = "channel1234567890";

  const MessageRecord* service = sink.find(chat, "1");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->kind, RecordKind::kEvent);
  EXPECT_EQ(service->platform, "telegram");
  EXPECT_EQ(service->account_id, chat);
  EXPECT_EQ(service->time, utc_ms(1709287200));

  const MessageRecord* post = sink.find(chat, "2");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->kind, RecordKind::kPost);
  EXPECT_EQ(post->account_id, chat);  // a channel post's author is the channel
  EXPECT_EQ(post->display_name, "خبر فوری | News Now");
  EXPECT_EQ(post->time, utc_ms(1709287500));
  EXPECT_EQ(post->time_resolution_ms, 1000);
  EXPECT_EQ(post->text,
            "تجمع امروز در تهران #آزادی see https://example.org/a?x=1 and this report via "
            "@free_press and Sara");
  EXPECT_EQ(post->hashtags, std::vector<std::string>{"آزادی"});
  EXPECT_EQ(post->urls, (std::vector<std::string>{"https://example.org/a?x=1",
                                                  "https://news.example.com/r/42"}));
  EXPECT_EQ(post->mentions, (std::vector<std::string>{"free_press", "user777"}));
  EXPECT_EQ(post->reactions, 17);
  EXPECT_EQ(post->reactions_detail, "{\"👍\":12,\"❤\":3,\"custom:5368324170671202286\":2}");
  EXPECT_EQ(post->views, kAbsent);  // Desktop exports carry no view counts
  EXPECT_TRUE(post->shares.empty());

  const MessageRecord* fwd = sink.find(chat, "3");
  ASSERT_NE(fwd, nullptr);
  EXPECT_EQ(fwd->shares, forwarded_name_key("Daily Voice", fwd->text));
  EXPECT_EQ(fwd->media_key, "photos/photo_3@01-03-2024_13-40-00.jpg");
  EXPECT_TRUE(fwd->hashtags.empty());

  const MessageRecord* reply = sink.find(chat, "4");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply_to, chat + "/2");
  EXPECT_EQ(reply->media_key, "");  // "(File not included...)" identifies nothing
  EXPECT_EQ(reply->hashtags, std::vector<std::string>{"Tehran_1402"});
  EXPECT_EQ(reply->mentions, std::vector<std::string>{"someone"});
  EXPECT_EQ(reply->urls, std::vector<std::string>{"https://t.co/abc"});

  const MessageRecord* escaped = sink.find(chat, "5");
  ASSERT_NE(escaped, nullptr);
  EXPECT_EQ(escaped->text, std::string("Control\x01"
                                       "char and tab \t here"));

  EXPECT_NE(sink.rejects[0].reason.find("date_unixtime"), std::string::npos)
      << sink.rejects[0].reason;
  EXPECT_GT(sink.rejects[0].offset, 0u);
  EXPECT_GT(sink.rejects[0].line, 1u);
}

TEST(TelegramExport, ForwardKeyIsDocumentedHashOfFoldedText) {
  std::string folded = "breaking: the minister resigned today";
  std::string expected = fmt::format(
      "name:Daily Voice|{:016x}",
      static_cast<std::uint64_t>(XXH3_64bits_withSeed(folded.data(), folded.size(), 0)));
  EXPECT_EQ(forwarded_name_key("Daily Voice", "Breaking:  The   Minister RESIGNED\n today"),
            expected);
  EXPECT_EQ(forwarded_name_key("Daily Voice", "  breaking: the minister resigned today "),
            expected);
  EXPECT_NE(forwarded_name_key("Other Source", folded), expected);
  EXPECT_NE(forwarded_name_key("Daily Voice", "breaking: the minister stayed today"), expected);
  EXPECT_EQ(forwarded_name_key("Daily Voice", " \n "), "");
  std::string out;
  fold_text_for_key("ΣΊΣΥΦΟΣ\u00a0 Straße", out);  // NBSP is whitespace; folding is per code point
  EXPECT_EQ(out, "σίσυφοσ straße");
}

TEST(TelegramExport, OldExportUsesLocalDateIntegerFromIdAndWarnsOnce) {
  CollectingSink sink;
  read_file("telegram-export", kDir + "old_result.json", sink, /*tz_offset_s=*/12600);
  ASSERT_EQ(sink.messages.size(), 3u);
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.warnings.size(), 1u);
  EXPECT_NE(sink.warnings[0].find("date_unixtime"), std::string::npos);
  const std::string chat = "channel987654";  // supergroups are channels in Telegram's ids
  const MessageRecord* m = sink.find(chat, "10");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->account_id, "user5551");
  EXPECT_EQ(m->display_name, "Ali");
  EXPECT_EQ(m->time, utc_ms(1556705710));  // 13:45:10 at +03:30 is 10:15:10 UTC
  EXPECT_EQ(m->hashtags, std::vector<std::string>{"ایران"});
  const MessageRecord* reply = sink.find(chat, "11");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->text, "hi all");
  EXPECT_EQ(reply->reply_to, chat + "/10");
  const MessageRecord* pin = sink.find(chat, "12");
  ASSERT_NE(pin, nullptr);
  EXPECT_EQ(pin->kind, RecordKind::kEvent);
  EXPECT_EQ(pin->account_id, "user5551");
}

TEST(TelegramExport, ExportAllDataReadsChatsAndLeftChats) {
  CollectingSink sink;
  read_file("telegram-export", kDir + "all_data/result.json", sink);
  EXPECT_TRUE(sink.rejects.empty());
  EXPECT_TRUE(sink.warnings.empty());
  ASSERT_EQ(sink.messages.size(), 4u);
  const MessageRecord* mine = sink.find("user777", "100");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->account_id, "user42");
  EXPECT_EQ(mine->text, "hello \"quoted\" [brackets] {braces} \\ backslash");
  const MessageRecord* saved = sink.find("user777", "101");
  ASSERT_NE(saved, nullptr);
  EXPECT_EQ(saved->account_id, "user777");
  // The same forwarded text from the same source keys the same as in the channel export.
  EXPECT_EQ(saved->shares,
            forwarded_name_key("Daily Voice", "Breaking:  The   Minister RESIGNED\n today"));
  ASSERT_NE(sink.find("channel1234567890", "7"), nullptr);
  const MessageRecord* left = sink.find("chat4444", "5");
  ASSERT_NE(left, nullptr);
  EXPECT_EQ(left->time, utc_ms(1600000000));
}

TEST(TelegramExport, TruncatedFileRejectsTheUnfinishedMessage) {
  CollectingSink sink;
  read_file("telegram-export", kDir + "truncated_result.json", sink);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].text, "complete one");
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("truncated"), std::string::npos);
  EXPECT_NE(sink.rejects[0].excerpt.find("\"id\": 2"), std::string::npos);
  EXPECT_TRUE(sink.warnings.empty());
}

TEST(TelegramExport, OverlongMessageIsRejectedAndTheRestRead) {
  CollectingSink sink;
  read_file("telegram-export", kDir + "channel_result.json", sink, 0, /*max_record_bytes=*/700);
  EXPECT_EQ(sink.find("channel1234567890", "2"), nullptr);  // the long entity-array message
  ASSERT_NE(sink.find("channel1234567890", "3"), nullptr);
  bool found = false;
  for (const auto& r : sink.rejects)
    found |= r.reason.find("longer than the limit of 700 bytes") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST(TelegramExport, BrokenEnvelopeIsARejectWithItsOffset) {
  auto path = temp_file("broken.json");
  {
    std::ofstream f(path, std::ios::binary);
    f << R"({"name":"x","type":"public_channel","id":1,"messages":[)"
      << R"({"id":1,"date_unixtime":"1709287200","from_id":"channel1","text":"a"}]]})";
  }
  CollectingSink sink;
  read_file("telegram-export", path.string(), sink);
  std::filesystem::remove(path);
  ASSERT_EQ(sink.messages.size(), 1u);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("unexpected ']'"), std::string::npos);
  EXPECT_EQ(sink.rejects[0].offset, 125u);
}

// Found by fuzzing: the scanner takes the chat's id as written, so a byte that is not UTF-8
// in it reached every message's chat_id. It is replaced by U+FFFD, as in any field, and said.
TEST(TelegramExport, AChatIdThatIsNotUtf8IsRepairedAndSaid) {
  for (std::string id : {std::string("223\xC5"
                                     "445566"),
                         std::string("\"a\xFF"
                                     "b\"")}) {
    auto path = temp_file("id.json");
    {
      std::ofstream f(path, std::ios::binary);
      f << R"({"name":"x","type":"private_supergroup","id":)" << id << R"(,"messages":[)"
        << R"({"id":1,"type":"message","date_unixtime":"1709287200","from_id":"user1","text":"a"}]})";
    }
    CollectingSink sink;
    read_file("telegram-export", path.string(), sink);
    std::filesystem::remove(path);
    ASSERT_EQ(sink.messages.size(), 1u) << id;
    EXPECT_TRUE(sink.rejects.empty());
    const std::string& chat = sink.messages[0].chat_id;
    EXPECT_EQ(chat, id[0] == '"' ? "channela\xEF\xBF\xBD"
                                   "b"
                                 : "channel223\xEF\xBF\xBD"
                                   "445566");
    ASSERT_EQ(sink.warnings.size(), 1u);
    EXPECT_NE(sink.warnings[0].find("not valid UTF-8"), std::string::npos);
  }
}

TEST(TelegramExport, NotAnObjectIsRejected) {
  auto path = temp_file("array.json");
  {
    std::ofstream f(path, std::ios::binary);
    f << "[1, 2, 3]\n";
  }
  CollectingSink sink;
  read_file("telegram-export", path.string(), sink);
  std::filesystem::remove(path);
  EXPECT_TRUE(sink.messages.empty());
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("expected a JSON object"), std::string::npos);
}

// Many messages so the 1 MiB read chunks cut strings, escapes and \xHH sequences at every
// kind of position; each text must come out whole.
TEST(TelegramExport, ScannerSurvivesChunkBoundaries) {
  auto path = temp_file("big.json");
  const int n = 30000;
  {
    std::ofstream f(path, std::ios::binary);
    f << "{\n \"name\": \"Big \\x41 channel\",\n \"type\": \"public_channel\",\n \"id\": 77,\n"
         " \"messages\": [\n";
    for (int i = 0; i < n; ++i) {
      f << (i ? ",\n" : "") << "  {\"id\": " << i + 1
        << ", \"type\": \"message\", \"date_unixtime\": \"" << 1709287200 + i
        << "\", \"from_id\": \"channel77\", \"text\": [\"m" << i
        << " \\x41\\\\x \\\"q\\\" \", {\"type\": \"hashtag\", \"text\": \"#t" << i % 7
        << "\"}], \"reactions\": [{\"type\": \"emoji\", \"count\": " << i % 5
        << ", \"emoji\": \"\xf0\x9f\x94\xa5\"}]}";
    }
    f << "\n ]\n}\n";
  }
  CollectingSink sink;
  read_file("telegram-export", path.string(), sink);
  std::filesystem::remove(path);
  ASSERT_EQ(sink.messages.size(), static_cast<std::size_t>(n));
  EXPECT_TRUE(sink.rejects.empty());
  EXPECT_TRUE(sink.warnings.empty());
  for (int i = 0; i < n; ++i) {
    const MessageRecord& m = sink.messages[static_cast<std::size_t>(i)];
    ASSERT_EQ(m.text, fmt::format("m{} A\\x \"q\" #t{}", i, i % 7)) << i;
    ASSERT_EQ(m.chat_id, "channel77");
    ASSERT_EQ(m.message_id, std::to_string(i + 1));
    ASSERT_EQ(m.hashtags, std::vector<std::string>{fmt::format("t{}", i % 7)});
    ASSERT_EQ(m.reactions, i % 5);
    ASSERT_EQ(sink.positions[static_cast<std::size_t>(i)].line, static_cast<std::uint64_t>(6 + i));
  }
  EXPECT_EQ(sink.messages.back().display_name, "Big A channel");
}

TEST(TelegramExport, ScannerReportsChatOfEachMessagesArray) {
  InputStream in;
  ASSERT_TRUE(in.open(kDir + "all_data/result.json").ok());
  TelegramExportScanner scan(in, 1 << 20);
  TelegramExportScanner::Element e;
  std::vector<std::string> chats;
  while (scan.next(e)) chats.push_back(e.chat->type + ":" + e.chat->id + ":" + e.chat->name_json);
  EXPECT_TRUE(scan.error().empty()) << scan.error();
  EXPECT_TRUE(scan.complete());
  EXPECT_EQ(scan.chats_seen(), 3u);
  EXPECT_EQ(chats,
            (std::vector<std::string>{"personal_chat:777:\"Sara\"", "personal_chat:777:\"Sara\"",
                                      "public_channel:1234567890:\"خبر فوری | News Now\"",
                                      "private_group:4444:\"Old Group\""}));
}

// Every cut of a real-shaped export: no crash, no hang, nothing invented, and every message
// that was complete before the cut is read (the unfinished one is rejected, not lost).
TEST(TelegramExport, EveryTruncationPointIsHandled) {
  std::string whole;
  {
    std::ifstream f(kDir + "channel_result.json", std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(f), {});
  }
  CollectingSink full;
  read_file("telegram-export", kDir + "channel_result.json", full);
  auto path = temp_file("cut.json");
  for (std::size_t cut = 0; cut < whole.size(); cut += 7) {
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f.write(whole.data(), static_cast<std::streamsize>(cut));
    }
    CollectingSink sink;
    read_file("telegram-export", path.string(), sink);
    ASSERT_LE(sink.messages.size(), full.messages.size()) << cut;
    for (const auto& m : sink.messages) {
      const MessageRecord* same = full.find(m.chat_id, m.message_id);
      ASSERT_NE(same, nullptr) << cut;
      ASSERT_EQ(same->text, m.text) << cut;
    }
    // Messages whose closing brace lies before the cut are all there.
    std::size_t complete = 0;
    for (std::size_t p = whole.find("\n  }"); p != std::string::npos && p + 4 <= cut;
         p = whole.find("\n  }", p + 1))
      ++complete;
    std::size_t outcomes = sink.messages.size() + sink.rejects.size();
    ASSERT_GE(outcomes, std::min<std::size_t>(complete, 6)) << cut;
  }
  std::filesystem::remove(path);
}

TEST(TelegramExport, BinaryGarbageIsOneReject) {
  auto path = temp_file("garbage.json");
  {
    std::ofstream f(path, std::ios::binary);
    f << "{\"messages\": [";
    for (int i = 0; i < 5000; ++i) f.put(static_cast<char>((i * 7919) % 256));
  }
  CollectingSink sink;
  read_file("telegram-export", path.string(), sink);
  std::filesystem::remove(path);
  EXPECT_TRUE(sink.messages.empty());
  EXPECT_GE(sink.rejects.size() + sink.warnings.size(), 1u);
}

// Seeded random bytes biased to JSON's structural characters after a messages array opens:
// the scanner must end every input (a hang fails by timeout) without crashing.
TEST(TelegramExport, RandomStructuralNoiseTerminates) {
  std::mt19937_64 rng(20240301);
  const std::string_view alphabet = "{}[]\",:\\x0a1 \n";
  auto path = temp_file("noise.json");
  for (int round = 0; round < 300; ++round) {
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << "{\"name\": \"n\", \"id\": 1, \"type\": \"public_channel\", \"messages\": [";
      std::size_t len = rng() % 3000;
      for (std::size_t i = 0; i < len; ++i) f.put(alphabet[rng() % alphabet.size()]);
    }
    CollectingSink sink;
    read_file("telegram-export", path.string(), sink, 0, /*max_record_bytes=*/512);
    ASSERT_LE(sink.messages.size(), 3000u);
  }
  std::filesystem::remove(path);
}

TEST(TextEntities, ExtractionRules) {
  MessageRecord m;
  extract_text_entities(
      "RT @user_1: #آزادی‌ و #ایران۱۴۰۲ email a@b.c x#no (see "
      "https://ex.com/a_(b)) "
      "https://ex.org/p?q=1, ＃全角 HTTPS://UP.example/x. http:// #",
      m);
  EXPECT_EQ(m.mentions, std::vector<std::string>{"user_1"});
  EXPECT_EQ(m.hashtags, (std::vector<std::string>{"آزادی", "ایران۱۴۰۲", "全角"}));
  EXPECT_EQ(m.urls, (std::vector<std::string>{"https://ex.com/a_(b)", "https://ex.org/p?q=1",
                                              "HTTPS://UP.example/x"}));
}

}  // namespace
}  // namespace groundswell
