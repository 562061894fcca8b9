#include "pipeline/pseudonymize.h"
#include "base/file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace groundswell {
namespace {

std::string hex(const std::array<std::uint8_t, 32>& mac) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : mac) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

class PseudonymKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gs-key-" + std::string(
                            ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string key_file(const std::string& bytes, std::filesystem::perms perms) {
    auto path = dir_ / "key";
    std::ofstream(path, std::ios::binary) << bytes;
    std::filesystem::permissions(path, perms);
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(PseudonymKeyTest, KeyFileWithoutItsFinalLineBreak) {
  const auto owner = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  auto k = resolve_pseudonym_key({key_file("s3cret\n", owner), "from-env", ""});
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->key, "s3cret");  // and the file wins over the environment
  EXPECT_TRUE(k->explicitly_asked);
  EXPECT_EQ(k->warning, "");
  EXPECT_NE(k->from.find("--pseudonymize-key-file"), std::string::npos);
  EXPECT_EQ(resolve_pseudonym_key({key_file("s3cret\r\n", owner), "", ""})->key, "s3cret");
  // Only the one final line break goes: other bytes are part of the key.
  EXPECT_EQ(resolve_pseudonym_key({key_file(" two\nlines \n\n", owner), "", ""})->key,
            " two\nlines \n");
  Pseudonymizer from_file(resolve_pseudonym_key({key_file("s3cret\n", owner), "", ""})->key);
  EXPECT_EQ(from_file.fingerprint(), Pseudonymizer("s3cret").fingerprint());
}

TEST_F(PseudonymKeyTest, KeyFileOthersCanReadIsUsedWithAWarning) {
  auto k = resolve_pseudonym_key(
      {key_file("s3cret", std::filesystem::perms::owner_read | std::filesystem::perms::others_read),
       "", ""});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->key, "s3cret");
  EXPECT_NE(k->warning.find("chmod 600"), std::string::npos);
}

TEST_F(PseudonymKeyTest, BadKeyFilesAreUsageErrorsNamingTheFile) {
  const std::string missing = (dir_ / "missing").string();
  auto k = resolve_pseudonym_key({missing, "", ""});
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().exit_code(), 1);
  EXPECT_NE(k.status().message().find(missing), std::string::npos);
  auto empty = resolve_pseudonym_key({key_file("\n", std::filesystem::perms::owner_read), "", ""});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  EXPECT_FALSE(resolve_pseudonym_key({dir_.string(), "", ""}).ok());
  auto both = resolve_pseudonym_key(
      {key_file("a", std::filesystem::perms::owner_read), "", "b"});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().exit_code(), 1);
}

TEST_F(PseudonymKeyTest, EnvironmentAloneAndTheCommandLine) {
  auto env = resolve_pseudonym_key({"", "from-env", ""});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->key, "from-env");
  EXPECT_FALSE(env->explicitly_asked);
  EXPECT_EQ(env->from, kPseudonymKeyVariable);
  EXPECT_EQ(env->warning, "");
  auto cli = resolve_pseudonym_key({"", "from-env", "on-the-line"});
  EXPECT_EQ(cli->key, "on-the-line");
  EXPECT_NE(cli->warning.find("process list"), std::string::npos);
  auto none = resolve_pseudonym_key({"", "", ""});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->key, "");
}

TEST(Pseudonymizer, IdIsTruncatedHmacOfLabelledId) {
  Pseudonymizer p("secret");
  std::string id = p.account_id("channel123");
  EXPECT_EQ(id, "a_" + hex(hmac_sha256("secret", "id:channel123")).substr(0, 20));
  EXPECT_EQ(p.handle("Alice_1"), "h_" + hex(hmac_sha256("secret", "handle:alice_1")).substr(0, 20));
  EXPECT_EQ(p.account_id(""), "");
  EXPECT_EQ(p.handle(""), "");
}

TEST(Pseudonymizer, DigestsKeyed) {
  Pseudonymizer a("key one"), b("key two");
  EXPECT_EQ(a.digest(42), a.digest(42));
  EXPECT_NE(a.digest(42), a.digest(43));
  EXPECT_NE(a.digest(42), b.digest(42));
  EXPECT_NE(a.digest(42), 42);
}

TEST(Pseudonymizer, SameKeySameNamesOtherKeyOtherNames) {
  Pseudonymizer a("key one"), b("key one"), c("key two");
  EXPECT_EQ(a.account_id("user7"), b.account_id("user7"));
  EXPECT_EQ(a.handle("GreenHorizon"), b.handle("GreenHorizon"));
  EXPECT_NE(a.account_id("user7"), c.account_id("user7"));
  EXPECT_NE(a.handle("GreenHorizon"), c.handle("GreenHorizon"));
  EXPECT_NE(a.account_id("user7"), a.account_id("user8"));
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
  EXPECT_TRUE(std::regex_match(a.fingerprint(), std::regex("[0-9a-f]{16}")));
  EXPECT_EQ(a.fingerprint().find("key"), std::string::npos);
}

TEST(Pseudonymizer, HandlesIgnoreCaseAndAt) {
  Pseudonymizer p("k");
  EXPECT_EQ(p.handle("GreenHorizon"), p.handle("greenhorizon"));
  EXPECT_EQ(p.handle("@GreenHorizon"), "@" + p.handle("greenhorizon"));
  EXPECT_NE(p.handle("GreenHorizon"), p.handle("GreenHorizon_EN"));
  // Mentions by number (Twitter IO archives) are user ids.
  EXPECT_EQ(p.mention("1716119288"), p.account_id("1716119288"));
  EXPECT_EQ(p.mention("@Alice"), "@" + p.handle("alice"));
}

TEST(Pseudonymizer, MentionsInTextEqualTheAccountsHandlePseudonym) {
  Pseudonymizer p("k");
  std::string h = p.handle("GreenHorizon");
  EXPECT_EQ(p.text("Long live @GreenHorizon! cc @greenhorizon, #GreenHorizon"),
            "Long live @" + h + "! cc @" + h + ", #GreenHorizon");
  EXPECT_EQ(p.text("mail me: x@GreenHorizon.org"), "mail me: x@" + h + ".org");
  EXPECT_EQ(p.text("@ alone and plain text"), "@ alone and plain text");
}

TEST(Pseudonymizer, HandleLinks) {
  Pseudonymizer p("k");
  std::string h = p.handle("GreenHorizon");
  EXPECT_EQ(p.text("see https://t.me/GreenHorizon/12 now"), "see https://t.me/" + h + "/12 now");
  EXPECT_EQ(p.text("https://www.x.com/GreenHorizon/status/99"),
            "https://www.x.com/" + h + "/status/99");
  EXPECT_EQ(p.text("twitter.com/GreenHorizon"), "twitter.com/" + h);
  EXPECT_EQ(p.text("https://t.me/s/GreenHorizon"), "https://t.me/s/" + h);
  EXPECT_EQ(p.text("https://t.me/c/1113117688/5"),
            "https://t.me/c/" + p.account_id("channel1113117688") + "/5");
  // Site pages and other hosts are left alone.
  EXPECT_EQ(p.text("https://t.me/joinchat/AbCdEf"), "https://t.me/joinchat/AbCdEf");
  EXPECT_EQ(p.text("https://x.com/i/web/status/1"), "https://x.com/i/web/status/1");
  EXPECT_EQ(p.text("https://fax.com/GreenHorizon"), "https://fax.com/GreenHorizon");
  EXPECT_EQ(p.text("https://example.org/t.me/path"), "https://example.org/t.me/path");
}

TEST(Pseudonymizer, ItemKeysKeepThePostPart) {
  Pseudonymizer p("k");
  EXPECT_EQ(p.item_key("channel12/5"), p.account_id("channel12") + "/5");
  EXPECT_EQ(p.item_key("user7@1700000000"), p.account_id("user7") + "@1700000000");
  EXPECT_EQ(p.item_key("name:Foo Bar|0123456789abcdef"),
            p.account_id("name:Foo Bar") + "|0123456789abcdef");
  EXPECT_EQ(p.item_key("channel12"), p.account_id("channel12"));
  EXPECT_EQ(p.item_key("1763449069188939776"), "1763449069188939776");  // a tweet id
  EXPECT_EQ(p.item_key(""), "");
  // A reply key's chat part equals the chat id's pseudonym.
  EXPECT_EQ(p.item_key("channel12/5").substr(0, 22), p.chat_id("channel12"));
}

TEST(Pseudonymizer, ObjectKeysFollowTheirBehaviour) {
  Pseudonymizer p("k");
  EXPECT_EQ(p.object_key(Behaviour::kShare, "channel1/2"), p.item_key("channel1/2"));
  EXPECT_EQ(p.object_key(Behaviour::kMention, "alice"), p.handle("alice"));
  EXPECT_EQ(p.object_key(Behaviour::kText, "hello @alice"), "hello @" + p.handle("alice"));
  EXPECT_EQ(p.object_key(Behaviour::kHashtag, "#alice"), "#alice");
  EXPECT_EQ(p.object_key(Behaviour::kDomain, "alice.org"), "alice.org");
}

// Three accounts, two messages each; account ids chosen so that the pseudonym order
// differs from the raw order for at least one pair (checked below).
Dataset tiny_dataset() {
  Dataset d;
  const char* ids[] = {"user1", "user2", "user3"};
  const char* handles[] = {"Alice", "bob_b", ""};
  for (std::uint32_t a = 0; a < 3; ++a) {
    d.account_row.push_back(a + 1);
    d.account_platform.push_back("telegram");
    d.account_id.push_back(ids[a]);
    d.account_handle.push_back(handles[a]);
    d.account_display_name.push_back(std::string("Real Name ") + ids[a]);
    d.account_description.push_back("I live at a real address");
    d.account_kind.push_back("user");
    d.account_created_at.push_back(kNoTime);
    d.account_followers.push_back(kAbsent);
    d.account_following.push_back(kAbsent);
  }
  for (std::uint32_t m = 0; m < 6; ++m) {
    std::uint32_t a = m / 2;
    d.msg_row.push_back(m + 1);
    d.msg_account.push_back(a);
    d.msg_time.push_back(1000 * m);
    d.msg_time_resolution_ms.push_back(1000);
    d.msg_platform.push_back("telegram");
    d.msg_chat_id.push_back("channel9");
    d.msg_message_id.push_back(std::to_string(m + 1));
    d.msg_shares.push_back(m % 2 ? "channel9/1" : "");
    d.msg_reply_to.push_back("");
    d.msg_quotes.push_back("");
    d.msg_media_key.push_back("");
    d.msg_lang.push_back("");
    d.msg_text.push_back("hi @ALICE and @Bob_B, see t.me/alice (user1's friend)");
    d.msg_urls.begin_row();
    d.msg_urls.add("https://t.me/Alice/3");
    d.msg_urls.end_row();
    d.msg_hashtags.begin_row();
    d.msg_hashtags.end_row();
    d.msg_mentions.begin_row();
    d.msg_mentions.add("@alice");
    d.msg_mentions.end_row();
    for (auto* v : {&d.msg_views, &d.msg_forwards, &d.msg_replies, &d.msg_reactions, &d.msg_likes,
                    &d.msg_retweets})
      v->push_back(kAbsent);
  }
  return d;
}

TEST(PseudonymizeDataset, RewritesEveryColumnThatNamesAnAccount) {
  Pseudonymizer p("k");
  Dataset d = tiny_dataset();
  NameScrubber scrub(d, p);
  pseudonymize(d, p, scrub);
  EXPECT_EQ(d.account_id[0], p.account_id("user1"));
  EXPECT_EQ(d.account_handle[0], p.handle("alice"));
  EXPECT_EQ(d.account_display_name[0], d.account_handle[0]);
  EXPECT_EQ(d.account_display_name[2], "");  // no handle: no name
  EXPECT_EQ(d.account_description[0], "");
  EXPECT_EQ(d.msg_chat_id[0], p.account_id("channel9"));
  EXPECT_EQ(d.msg_shares[1], p.account_id("channel9") + "/1");
  EXPECT_EQ(d.msg_mentions.item(0, 0), "@" + std::string(d.account_handle[0]));
  EXPECT_EQ(d.msg_text[0], "hi @" + std::string(d.account_handle[0]) + " and @" +
                               std::string(d.account_handle[1]) + ", see t.me/" +
                               std::string(d.account_handle[0]) + " (" +
                               std::string(d.account_id[0]) + "'s friend)");
  EXPECT_EQ(d.msg_urls.item(0, 0), "https://t.me/" + std::string(d.account_handle[0]) + "/3");
  for (std::size_t m = 0; m < d.messages(); ++m) {
    EXPECT_EQ(d.msg_text[m].find("lice"), std::string_view::npos);
    EXPECT_EQ(d.msg_text[m].find("user1"), std::string_view::npos);
  }
}

TEST(PseudonymizeDetection, EdgesOrientedAndSortedByPseudonym) {
  Pseudonymizer p("k");
  Dataset d = tiny_dataset();
  DetectionResult r;
  r.behaviours = {Behaviour::kShare, Behaviour::kMention};
  r.objects = {{"channel9/1"}, {"alice"}};
  r.account_rank = {0, 1, 2};
  r.account_cluster = {1, 1, 1};
  r.coordination_degree = {2, 2, 2};
  // Raw orientation: user1 < user2 < user3; each pair's evidence pairs a source message
  // with a target message.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs = {{0, 1}, {0, 2}, {1, 2}};
  for (auto [s, t] : pairs) {
    Edge e;
    e.source = s;
    e.target = t;
    e.n_content_id = 10 + s;  // a per-side column: must follow its account
    e.n_content_id_y = 10 + t;
    e.evidence_begin = r.evidence.size();
    r.evidence.push_back({2 * s + 1, 2 * t + 1, 0});
    e.evidence_end = r.evidence.size();
    r.edges.push_back(e);
  }
  Cluster c;
  c.id = 1;
  c.accounts = {0, 1, 2};
  c.top_objects.push_back({Behaviour::kShare, "channel9/1", 3, 1});
  c.top_objects.push_back({Behaviour::kMention, "alice", 3, 1});
  r.clusters.push_back(c);

  NameScrubber scrub(d, p);
  pseudonymize(d, p, scrub);
  pseudonymize(r, d, p, scrub);
  ASSERT_EQ(r.edges.size(), 3u);
  bool reoriented = false;
  for (std::size_t i = 0; i < r.edges.size(); ++i) {
    const Edge& e = r.edges[i];
    EXPECT_LT(d.account_id[e.source], d.account_id[e.target]);
    EXPECT_EQ(e.n_content_id, 10 + e.source);
    EXPECT_EQ(e.n_content_id_y, 10 + e.target);
    const auto& ev = r.evidence[e.evidence_begin];
    EXPECT_EQ(d.msg_account[ev.source_msg], e.source);
    EXPECT_EQ(d.msg_account[ev.target_msg], e.target);
    reoriented |= e.source > e.target;
    if (i > 0) {
      EXPECT_LE(d.account_id[r.edges[i - 1].source], d.account_id[e.source]);
    }
  }
  EXPECT_TRUE(reoriented) << "pick ids whose pseudonyms sort differently from the raw ids";
  for (std::size_t k = 1; k < r.clusters[0].accounts.size(); ++k)
    EXPECT_LT(d.account_id[r.clusters[0].accounts[k - 1]], d.account_id[r.clusters[0].accounts[k]]);
  EXPECT_EQ(r.objects[0][0], p.item_key("channel9/1"));
  EXPECT_EQ(r.objects[1][0], p.handle("alice"));
  EXPECT_EQ(r.clusters[0].top_objects[0].key, d.msg_shares[1]);
  EXPECT_EQ(r.clusters[0].top_objects[1].key, d.account_handle[0]);
}

TEST(PseudonymizeReasons, QuotedHandleReplaced) {
  Pseudonymizer p("k");
  Dataset d = tiny_dataset();
  std::vector<std::string> reasons = {"handle 'Alice' looks machine-made (name + digit run)", "",
                                      "posts 80 times a day"};
  pseudonymize_reasons(reasons, d, p);
  EXPECT_EQ(reasons[0], "handle '" + p.handle("Alice") + "' looks machine-made (name + digit run)");
  EXPECT_EQ(reasons[2], "posts 80 times a day");
}

TEST(NameScrubber, ReplacesKnownNamesInPaths) {
  Pseudonymizer p("k");
  Dataset d = tiny_dataset();
  NameScrubber scrub(d, p);
  EXPECT_EQ(scrub("exports/bob_b/result.json"), "exports/" + p.handle("bob_b") + "/result.json");
  EXPECT_EQ(scrub("exports/ChatExport_Alice_2024/user1.jsonl"),
            "exports/ChatExport_" + p.handle("alice") + "_2024/" + p.account_id("user1") + ".jsonl");
  EXPECT_EQ(scrub("ChatExport_bob_b"), "ChatExport_" + p.handle("bob_b"));
  // In free text only ids are names; a handle without '@' may be a word.
  EXPECT_EQ(scrub.ids_in("Alice met user1"), "Alice met " + p.account_id("user1"));
  EXPECT_EQ(scrub.text("@Alice met user1"), "@" + p.handle("alice") + " met " + p.account_id("user1"));
  // Unknown and short tokens stay.
  EXPECT_EQ(scrub("data/twitter/x_y__z.csv"), "data/twitter/x_y__z.csv");
}

TEST(PseudonymizedRejects, ExcerptWithheldPlaceKept) {
  Pseudonymizer p("k");
  Dataset d = tiny_dataset();
  NameScrubber scrub(d, p);
  auto dir = std::filesystem::temp_directory_path() /
             ("gs-pseudo-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream raw(dir / "raw.jsonl");
    raw << R"({"file":"in/Alice.jsonl","line":7,"offset":120,"reason":"not JSON","excerpt":"{\"from\": \"@Alice\""})"
        << "\n";
  }
  ASSERT_TRUE(write_pseudonymized_rejects(dir / "raw.jsonl", dir / "out.jsonl", scrub).ok());
  std::string out = read_whole_file(dir / "out.jsonl").value_or("");
  EXPECT_EQ(out.find("Alice"), std::string::npos) << out;
  EXPECT_NE(out.find("\"line\":7"), std::string::npos) << out;
  EXPECT_NE(out.find("\"offset\":120"), std::string::npos) << out;
  EXPECT_NE(out.find("\"reason\":\"not JSON\""), std::string::npos) << out;
  EXPECT_NE(out.find("withheld"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace groundswell
