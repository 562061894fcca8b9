// What people actually save: whole JSON documents (pretty-printed responses, arrays of
// records, saved Telethon results), user lookups, files whose first line is broken, and the
// shapes detection must see through (unknown keys, stream notices) — each read record by
// record from fixtures under tests/data/formats/ written from the formats' documentation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ingest/json_records.h"
#include "ingest/reader_test_sink.h"

namespace groundswell {
namespace {

using testing::CollectingSink;
using testing::read_file;
using testing::utc_ms;

const std::string kDir = "tests/data/formats/";

std::string detected(const std::string& path) {
  InputStream in;
  if (!in.open(path).ok()) return "unreadable";
  const FormatInfo* f = detect_format(in.peek(64 << 10), path);
  return f ? std::string(f->name) : "none";
}

// A scratch file removed at the end of the test.
class TempFile {
 public:
  TempFile(std::string_view name, std::string_view content)
      : path_(std::filesystem::temp_directory_path() /
              (std::to_string(::getpid()) + "-" + std::string(name))) {
    std::ofstream(path_, std::ios::binary)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(JsonLayout, LinesOrDocument) {
  EXPECT_EQ(json_layout("{\"a\":1}\n{\"a\":2}\n", true), JsonLayout::kLines);
  EXPECT_EQ(json_layout("[1,2]\n", true), JsonLayout::kLines);
  EXPECT_EQ(json_layout("{\n  \"data\": [\n    {\n      \"id\": \"1\"\n    }\n  ]\n}\n", true),
            JsonLayout::kDocument);
  // An array with one compact object a line is a document: most lines end in ','.
  EXPECT_EQ(json_layout("[\n{\"a\":1},\n{\"a\":2},\n{\"a\":3}\n]\n", true), JsonLayout::kDocument);
  // A broken first line, then whole lines: JSON lines.
  EXPECT_EQ(json_layout("{\"a\": \"cut\n{\"a\":2}\n{\"a\":3}\n", true), JsonLayout::kLines);
  // A first line longer than what was looked at: a document (read record by record).
  EXPECT_EQ(json_layout("[[[[[[[[", false), JsonLayout::kDocument);
}

TEST(JsonDocuments, EveryNewFixtureIsDetected) {
  const std::pair<const char*, const char*> cases[] = {
      {"twitter-v2/recent_search_indented.json", "twitter-v2"},
      {"twitter-v2/users_lookup.jsonl", "twitter-v2"},
      {"twitter-v2/counts.jsonl", "twitter-v2"},
      {"twitter-v1/status_indented.json", "twitter-v1"},
      {"twitter-v1/statuses_array.json", "twitter-v1"},
      {"twitter-v1/users_lookup.json", "twitter-v1"},
      {"telethon/messages_array.json", "telethon"},
      {"telethon/channel_messages.json", "telethon"},
      {"canonical/array.json", "canonical"},
      {"telegram-export/group_peer_id/result.json", "telegram-export"},
  };
  for (auto [file, format] : cases) EXPECT_EQ(detected(kDir + file), format) << file;
}

TEST(JsonDocuments, DetectionSkipsRecordsThatDoNotParseOrSayNothing) {
  // A pathological first line (deep nesting, longer than the 64 KiB first look) before a
  // good record: detection goes on to the records that parse.
  std::string deep(200000, '[');
  deep.append(200000, ']');
  std::string v1 =
      "{\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\",\"id_str\":\"1\",\"text\":\"x\","
      "\"user\":{\"id_str\":\"2\",\"screen_name\":\"s\"}}\n";
  EXPECT_EQ(detect_format(deep + "\n" + v1, "x.jsonl")->name, "twitter-v1");
  // Stream notices and unknown keys do not hide the tweets after them.
  std::string notices = "{\"delete\":{\"status\":{\"id_str\":\"9\"}}}\n{\"limit\":{\"track\":3}}\n";
  EXPECT_EQ(detect_format(notices + v1, "x.jsonl")->name, "twitter-v1");
  EXPECT_EQ(detect_format("{\"errors\":[{\"title\":\"Not Found\"}]}\n{\"data\":[{\"id\":\"1\","
                          "\"text\":\"t\",\"author_id\":\"2\",\"created_at\":"
                          "\"2024-01-01T00:00:00.000Z\",\"unknown_key\":1}]}\n",
                          "x.jsonl")
                ->name,
            "twitter-v2");
  EXPECT_EQ(detect_format("{\"some\": \"json\"}\n", "x.json"), nullptr);
}

TEST(JsonDocuments, PathologicalFirstLineLosesOnlyItself) {
  std::string deep(200000, '[');
  deep.append(200000, ']');
  TempFile f("deep_first.jsonl",
             deep + "\n{\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1700000000}\n");
  CollectingSink sink;
  read_file("canonical", f.path(), sink);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.positions[0].line, 2u);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_EQ(sink.rejects[0].line, 1u);
  EXPECT_NE(sink.rejects[0].reason.find("nesting"), std::string::npos) << sink.rejects[0].reason;
}

TEST(JsonDocuments, BrokenFirstLineOfJsonLines) {
  TempFile f("broken_first.jsonl",
             "{\"message_id\":\"0\",\"account_id\":\"a\",\"text\":\"cut off\n"
             "{\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1700000000}\n"
             "{\"message_id\":\"2\",\"account_id\":\"a\",\"time\":1700000001}\n");
  CollectingSink sink;
  read_file("canonical", f.path(), sink);
  EXPECT_EQ(sink.messages.size(), 2u);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_EQ(sink.rejects[0].line, 1u);
}

TEST(JsonDocuments, IndentedApiV2Response) {
  CollectingSink sink;
  read_file("twitter-v2", kDir + "twitter-v2/recent_search_indented.json", sink);
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.messages.size(), 2u);
  const MessageRecord* t = sink.find("", "4101");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->account_id, "5101");
  EXPECT_EQ(t->account_handle, "pretty");
  EXPECT_EQ(t->hashtags, std::vector<std::string>{"indent"});
  EXPECT_EQ(t->urls, std::vector<std::string>{"https://example.org/indent"});
  EXPECT_EQ(t->lang, "en");
  EXPECT_EQ(sink.positions[0].line, 1u);  // the document's record starts on its first line
  const MessageRecord* rt = sink.find("", "4102");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->shares, "4101");
  EXPECT_EQ(rt->lang, "");  // "und" is no language
  EXPECT_EQ(sink.accounts.size(), 2u);
  EXPECT_EQ(sink.find_account("5101")->followers, 10);
}

TEST(JsonDocuments, IndentedV1StatusAndArrayOfStatuses) {
  CollectingSink one;
  read_file("twitter-v1", kDir + "twitter-v1/status_indented.json", one);
  ASSERT_EQ(one.messages.size(), 1u);
  EXPECT_EQ(one.messages[0].message_id, "4201");
  EXPECT_EQ(one.messages[0].account_id, "601");
  EXPECT_EQ(one.messages[0].text, "one v1.1 status saved with indent");
  CollectingSink array;
  read_file("twitter-v1", kDir + "twitter-v1/statuses_array.json", array);
  EXPECT_TRUE(array.rejects.empty());
  ASSERT_EQ(array.messages.size(), 2u);
  EXPECT_EQ(array.messages[0].message_id, "4202");
  EXPECT_EQ(array.messages[1].message_id, "4203");
  EXPECT_EQ(array.messages[1].lang, "");
  EXPECT_EQ(array.positions[1].line, 29u);  // where the second element starts
}

TEST(JsonDocuments, SameTweetSameLangFromV1AndV2) {
  TempFile v2("lang_v2.jsonl",
              "{\"data\":[{\"id\":\"77\",\"text\":\"hm\",\"author_id\":\"8\",\"lang\":\"und\","
              "\"created_at\":\"2024-01-01T00:00:00.000Z\"}]}\n");
  TempFile v1("lang_v1.jsonl",
              "{\"created_at\":\"Mon Jan 01 00:00:00 +0000 2024\",\"id_str\":\"77\","
              "\"text\":\"hm\",\"lang\":\"und\",\"user\":{\"id_str\":\"8\"}}\n");
  CollectingSink a, b;
  read_file("twitter-v2", v2.path(), a);
  read_file("twitter-v1", v1.path(), b);
  ASSERT_EQ(a.messages.size(), 1u);
  ASSERT_EQ(b.messages.size(), 1u);
  EXPECT_EQ(a.messages[0].lang, b.messages[0].lang);
  EXPECT_EQ(a.messages[0].lang, "");
}

TEST(JsonDocuments, TelethonArrayAndSavedChannelMessages) {
  CollectingSink array;
  read_file("telethon", kDir + "telethon/messages_array.json", array);
  EXPECT_TRUE(array.rejects.empty());
  ASSERT_EQ(array.messages.size(), 2u);
  EXPECT_EQ(array.messages[0].chat_id, "channel7001");
  EXPECT_EQ(array.messages[0].account_id, "channel7001");
  EXPECT_EQ(array.messages[1].views, 20);
  CollectingSink result;
  read_file("telethon", kDir + "telethon/channel_messages.json", result);
  EXPECT_TRUE(result.rejects.empty());
  ASSERT_EQ(result.messages.size(), 2u);
  EXPECT_EQ(result.messages[0].text, "from a GetHistory result");
  EXPECT_EQ(result.messages[1].kind, RecordKind::kEvent);
  ASSERT_EQ(result.accounts.size(), 1u);
  EXPECT_EQ(result.accounts[0].account_id, "channel7001");
  EXPECT_EQ(result.accounts[0].followers, 999);
}

TEST(JsonDocuments, CanonicalArray) {
  CollectingSink sink;
  read_file("canonical", kDir + "canonical/array.json", sink);
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_EQ(sink.messages[1].reply_to, "1");
  ASSERT_EQ(sink.accounts.size(), 1u);
  EXPECT_EQ(sink.accounts[0].followers, 3);
}

TEST(JsonDocuments, UserLookupsAreAccountRecords) {
  CollectingSink v2;
  read_file("twitter-v2", kDir + "twitter-v2/users_lookup.jsonl", v2);
  EXPECT_TRUE(v2.messages.empty());
  EXPECT_TRUE(v2.rejects.empty());
  ASSERT_EQ(v2.accounts.size(), 2u);
  const AccountRecord* u = v2.find_account("5201");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->handle, "looked_up");
  EXPECT_EQ(u->followers, 321);
  EXPECT_EQ(u->following, 12);
  EXPECT_EQ(u->posts, 4567);
  EXPECT_EQ(u->created_at, utc_ms(1462424705));
  CollectingSink v1;
  read_file("twitter-v1", kDir + "twitter-v1/users_lookup.json", v1);
  EXPECT_TRUE(v1.messages.empty());  // a user's embedded latest status is not a collected tweet
  EXPECT_TRUE(v1.rejects.empty());
  ASSERT_EQ(v1.accounts.size(), 2u);
  EXPECT_EQ(v1.find_account("611")->followers, 120);
  EXPECT_EQ(v1.find_account("612")->verified, 1);
  EXPECT_EQ(v1.find_account("611")->created_at, utc_ms(1330768800));
}

TEST(JsonDocuments, CountPagesAreRejectedByName) {
  CollectingSink sink;
  read_file("twitter-v2", kDir + "twitter-v2/counts.jsonl", sink);
  EXPECT_TRUE(sink.messages.empty());
  ASSERT_EQ(sink.rejects.size(), 2u);  // one a page
  EXPECT_NE(sink.rejects[0].reason.find("tweet counts"), std::string::npos)
      << sink.rejects[0].reason;
}

TEST(JsonDocuments, DesktopExportWithPeerIdAndServiceMessagesWithoutActor) {
  CollectingSink sink;
  read_file("telegram-export", kDir + "telegram-export/group_peer_id/result.json", sink);
  ASSERT_EQ(sink.messages.size(), 4u);
  const MessageRecord* call = sink.find("channel2233445566", "10");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->kind, RecordKind::kEvent);
  EXPECT_EQ(call->account_id, "channel2233445566");  // attributed to the chat
  EXPECT_EQ(sink.find("channel2233445566", "12")->account_id, "user502");
  ASSERT_EQ(sink.rejects.size(), 1u);  // message 14: a member's post without its sender
  EXPECT_EQ(sink.rejects[0].reason, "missing required field 'from_id'");
}

TEST(JsonDocuments, ADocumentStreamsInMemoryBoundedByTheLargestRecord) {
  // 20,000 records in one array, read with a record limit far below the document's size.
  std::string doc = "[\n";
  for (int i = 0; i < 20000; ++i) {
    doc += "  {\n    \"message_id\": \"" + std::to_string(i) +
           "\",\n    \"account_id\": \"a\",\n    \"time\": 1700000000\n  }";
    doc += i + 1 < 20000 ? ",\n" : "\n";
  }
  doc += "]\n";
  TempFile f("big_array.json", doc);
  CollectingSink sink;
  read_file("canonical", f.path(), sink, 0, /*max_record_bytes=*/4096);
  EXPECT_EQ(sink.messages.size(), 20000u);
  EXPECT_TRUE(sink.rejects.empty());
}

TEST(JsonDocuments, TruncatedDocumentRejectsItsLastRecord) {
  TempFile f("cut.json",
             "[\n {\"message_id\": \"1\", \"account_id\": \"a\", \"time\": 1700000000},\n"
             " {\"message_id\": \"2\", \"account_id\": \"a\", \"ti");
  CollectingSink sink;
  read_file("canonical", f.path(), sink);
  EXPECT_EQ(sink.messages.size(), 1u);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_NE(sink.rejects[0].reason.find("truncated"), std::string::npos);
  EXPECT_EQ(sink.rejects[0].line, 3u);
}

TEST(JsonDocuments, LongStringsAndStringsOfManyEscapesAreCutWhole) {
  // Indented records whose texts run over many scanning windows: escaped quotes and
  // backslashes throughout, brackets inside strings, a long text with one escape at its end.
  std::string quotes, backslashes, plain(5000, 'x');
  for (int i = 0; i < 1000; ++i) quotes += "a\\\"b";     // a\"b in JSON: a"b
  for (int i = 0; i < 2000; ++i) backslashes += "\\\\";  // one backslash each
  const std::string texts[] = {quotes, backslashes + "{[}]", plain + "\\n" + std::string(300, 'y')};
  std::string doc = "[\n";
  for (int i = 0; i < 3; ++i) {
    doc += "  {\n    \"message_id\": \"" + std::to_string(i) +
           "\",\n    \"account_id\": \"a\",\n    \"time\": 1700000000,\n    \"text\": \"" +
           texts[i] + "\"\n  }";
    doc += i < 2 ? ",\n" : "\n";
  }
  doc += "]\n";
  TempFile f("escapes.json", doc);
  CollectingSink sink;
  read_file("canonical", f.path(), sink);
  EXPECT_TRUE(sink.rejects.empty());
  ASSERT_EQ(sink.messages.size(), 3u);
  std::string a_quote_b;
  for (int i = 0; i < 1000; ++i) a_quote_b += "a\"b";
  EXPECT_EQ(sink.messages[0].text, a_quote_b);
  EXPECT_EQ(sink.messages[1].text, std::string(2000, '\\') + "{[}]");
  EXPECT_EQ(sink.messages[2].text, plain + "\n" + std::string(300, 'y'));
  EXPECT_EQ(sink.positions[2].line, 14u);  // six lines a record, after the '['
}

TEST(ToolkitCsv, PythonListReprUrls) {
  TempFile f("cnt_repr.csv",
             "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
             "1,10,u1,,,hello,1700000000,\"['http://a.example/x', 'http://b.example/y']\"\n"
             "2,11,u2,,,hi,1700000001,\"[\"\"http://c.example/it's\"\"]\"\n"
             "3,12,u3,,,yo,1700000002,http://d.example http://e.example\n");
  CollectingSink sink;
  read_file("cnt", f.path(), sink);
  ASSERT_EQ(sink.messages.size(), 3u);
  EXPECT_EQ(sink.messages[0].urls,
            (std::vector<std::string>{"http://a.example/x", "http://b.example/y"}));
  EXPECT_EQ(sink.messages[1].urls, std::vector<std::string>{"http://c.example/it's"});
  EXPECT_EQ(sink.messages[2].urls,
            (std::vector<std::string>{"http://d.example", "http://e.example"}));
}

}  // namespace
}  // namespace groundswell
