#include "detect/detect.h"
#include "base/file.h"
#include "base/hash.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "detect/internal.h"
#include "store/test_dataset.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "text/normalize.h"

namespace groundswell {
namespace {

using testing::TestMessage;
namespace fs = std::filesystem;

const std::string kCoortweet = "tests/data/reference/coortweet/";
const std::string kCnt = "tests/data/reference/cnt/";

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::path(GS_BINARY_DIR) / "detect_test_tmp" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string slurp(const fs::path& p) { return read_whole_file(p).value_or(""); }

// One input file ingested into a fresh store under the test folder, then the analysis data.
Result<Dataset> ingest_and_load(const std::string& name, const std::string& path,
                                const std::string& format, DatasetOptions load = {}) {
  auto store = Store::open(temp_dir(name) / "groundswell.db");
  if (!store.ok()) return store.status();
  IngestOptions in;
  in.inputs = {path};
  in.format = format;
  in.progress = false;
  auto summary = ingest(*store, in);
  if (!summary.ok()) return summary.status();
  return load_dataset(*store, load);
}

TEST(CoortweetCompat, GermanUrlsMatchCoortweetEdgeForEdge) {
  Dataset d = testing::read_coortweet(kCoortweet + "german_urls_input.csv");
  ASSERT_EQ(d.messages(), 41100u);
  DetectOptions opt;
  opt.compat = CompatMode::kCoortweet;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 30'000;
  opt.min_repetition = 2;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto expected = testing::read_csv(kCoortweet + "german_urls_w30_n2_expected_edges.csv");
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> want;
  for (std::size_t i = 1; i < expected.size(); ++i) {
    auto a = expected[i][0], b = expected[i][1];
    if (b < a) std::swap(a, b);
    want[{a, b}] = expected[i];
  }
  ASSERT_EQ(r->edges.size(), want.size());
  std::uint64_t pairs = 0;
  for (const Edge& e : r->edges) {
    std::string s(d.account_id[e.source]), t(d.account_id[e.target]);
    EXPECT_LT(s, t);
    auto it = want.find({s, t});
    ASSERT_NE(it, want.end()) << s << " " << t;
    const auto& w = it->second;
    EXPECT_EQ(fmt::format("{}", e.weight), w[2]) << s << " " << t;
    EXPECT_EQ(fmt::format("{:.15g}", e.mean_delay_s), w[3]) << s << " " << t;
    EXPECT_EQ(std::to_string(e.n_content_id), w[4]) << s << " " << t;
    EXPECT_EQ(std::to_string(e.n_content_id_y), w[5]) << s << " " << t;
    EXPECT_EQ(fmt::format("{:.15g}", e.edge_symmetry_score), w[6]) << s << " " << t;
    EXPECT_EQ(std::to_string(e.weight_threshold), w[7]) << s << " " << t;
    EXPECT_TRUE(std::isnan(e.p_value));
    pairs += e.pairs;
  }
  EXPECT_EQ(pairs, 5658u);
}

// The same golden through the real path: ingest the CSV into a store, load the dataset.
TEST(CoortweetCompat, GermanUrlsThroughIngestAndStore) {
  auto d = ingest_and_load("coortweet_store", kCoortweet + "german_urls_input.csv", "coortweet",
                           DatasetOptions{false});
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->messages(), 41100u);
  DetectOptions opt;
  opt.compat = CompatMode::kCoortweet;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 30'000;
  opt.min_repetition = 2;  // CooRTweet's min_participation, as in the reference file's name
  auto r = detect(*d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto expected = testing::read_csv(kCoortweet + "german_urls_w30_n2_expected_edges.csv");
  std::map<std::pair<std::string, std::string>, std::string> want;
  for (std::size_t i = 1; i < expected.size(); ++i) {
    auto a = expected[i][0], b = expected[i][1];
    if (b < a) std::swap(a, b);
    want[{a, b}] = fmt::format("{},{},{},{},{},{}", expected[i][2], expected[i][3], expected[i][4],
                               expected[i][5], expected[i][6], expected[i][7]);
  }
  std::map<std::pair<std::string, std::string>, std::string> got;
  for (const Edge& e : r->edges)
    got[{std::string(d->account_id[e.source]), std::string(d->account_id[e.target])}] =
        fmt::format("{},{:.15g},{},{},{:.15g},{}", e.weight, e.mean_delay_s, e.n_content_id,
                    e.n_content_id_y, e.edge_symmetry_score, e.weight_threshold);
  EXPECT_EQ(got, want);
}

TEST(CoortweetCompat, SimulatedDataGivesExactlyTheTruePairs) {
  Dataset d = testing::read_coortweet(kCoortweet + "sim_input.csv");
  DetectOptions opt;
  opt.compat = CompatMode::kCoortweet;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 10'000;
  opt.min_repetition = 2;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::set<std::tuple<std::string, std::string, std::string, long>> got, want;
  for (const Edge& e : r->edges)
    for (auto k = e.evidence_begin; k < e.evidence_end; ++k) {
      const auto& p = r->evidence[k];
      std::string a(d.msg_message_id[p.source_msg]), b(d.msg_message_id[p.target_msg]);
      if (b < a) std::swap(a, b);
      long delta =
          std::labs(static_cast<long>(d.msg_time[p.source_msg] - d.msg_time[p.target_msg]) / 1000);
      got.emplace(r->objects[0][p.object], a, b, delta);
    }
  auto truth = testing::read_csv(kCoortweet + "sim_truth.csv");
  for (std::size_t i = 1; i < truth.size(); ++i) {
    std::string a = truth[i][1], b = truth[i][2];
    if (b < a) std::swap(a, b);
    want.emplace(truth[i][0], a, b, std::stol(truth[i][3]));
  }
  EXPECT_EQ(want.size(), 9954u);
  EXPECT_EQ(got, want);
}

TEST(CntCompat, CoRetweetMatchesToolkitForEveryBlock) {
  Dataset d = testing::read_cnt(kCnt + "coretweet_test_input.csv");
  ASSERT_EQ(d.messages(), 15u);
  std::ifstream f(kCnt + "coretweet_expected.txt");
  ASSERT_TRUE(f.good());
  std::map<std::pair<int, int>, std::set<std::tuple<std::string, std::string, int>>> blocks;
  std::pair<int, int> current{-1, -1};
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    int w = 0, m = 0;
    if (std::sscanf(line.c_str(), "[window=%d min_edge_weight=%d]", &w, &m) == 2) {
      current = {w, m};
      blocks[current];
      continue;
    }
    std::istringstream ls(line);
    std::string a, b;
    int weight = 0;
    ls >> a >> b >> weight;
    blocks[current].emplace(a, b, weight);
  }
  ASSERT_EQ(blocks.size(), 4u);
  for (const auto& [params, want] : blocks) {
    DetectOptions opt;
    opt.compat = CompatMode::kCnt;
    opt.behaviours = {Behaviour::kShare};
    opt.window_ms = params.first * 1000;
    opt.min_repetition = params.second;
    auto r = detect(d, opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->directed);
    std::set<std::tuple<std::string, std::string, int>> got;
    for (const Edge& e : r->edges)
      got.emplace(std::string(d.account_id[e.source]), std::string(d.account_id[e.target]),
                  static_cast<int>(e.weight));
    EXPECT_EQ(got, want) << "window " << params.first << " min_edge_weight " << params.second;
  }
}

TEST(CntCompat, CoRetweetThroughIngestAndStore) {
  auto d = ingest_and_load("cnt_store", kCnt + "coretweet_test_input.csv", "cnt");
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->messages(), 15u);
  DetectOptions opt;
  opt.compat = CompatMode::kCnt;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 60'000;
  opt.min_repetition = 1;
  auto r = detect(*d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::set<std::tuple<std::string, std::string, int>> got;
  for (const Edge& e : r->edges)
    got.emplace(std::string(d->account_id[e.source]), std::string(d->account_id[e.target]),
                static_cast<int>(e.weight));
  std::set<std::tuple<std::string, std::string, int>> want = {
      {"uid0", "uid0", 2}, {"uid0", "uid1", 2}, {"uid1", "uid0", 1}, {"uid10", "uid10", 2},
      {"uid2", "uid3", 1}, {"uid3", "uid2", 1}, {"uid4", "uid5", 2}, {"uid5", "uid4", 2}};
  EXPECT_EQ(got, want);
}

// --- native semantics on small hand-made data

TestMessage share(std::string account, std::string object, TimeMs t, std::string id) {
  TestMessage m;
  m.account_id = std::move(account);
  m.shares = std::move(object);
  m.time = t;
  m.message_id = std::move(id);
  return m;
}

// One window: these tests are about what happens within W.
DetectOptions native_no_null() {
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.null_replicates = 0;
  opt.min_repetition = 2;
  opt.slow_windows.clear();
  return opt;
}

TEST(NativeDetect, WindowIsInclusiveAndWeightCountsDistinctObjects) {
  const TimeMs t0 = 1'700'000'000'000;
  std::vector<TestMessage> in = {
      share("b", "x", t0, "1"), share("a", "x", t0 + 60'000, "2"),  // exactly W apart
      share("b", "y", t0 + 500'000, "3"), share("a", "y", t0 + 500'010, "4"),
      share("c", "x", t0 + 200'000, "5"), share("d", "x", t0 + 260'001, "6"),  // W + 1 ms
      share("c", "z", t0 + 900'000, "7"), share("d", "z", t0 + 900'000, "8"),
      // e and f co-share one object three times: still one object.
      share("e", "w", t0, "9"), share("f", "w", t0 + 1, "10"), share("e", "w", t0 + 2, "11"),
      share("f", "w", t0 + 3, "12")};
  Dataset d = testing::make_dataset(in);
  auto r = detect(d, native_no_null());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->edges.size(), 1u);
  const Edge& e = r->edges[0];
  EXPECT_EQ(d.account_id[e.source], "a");  // source < target in byte order
  EXPECT_EQ(d.account_id[e.target], "b");
  EXPECT_EQ(e.weight, 2);
  EXPECT_EQ(e.objects, 2u);
  EXPECT_EQ(e.pairs, 2u);
  EXPECT_DOUBLE_EQ(e.median_delay_s, 30.005);
  EXPECT_TRUE(std::isnan(e.p_value));
  EXPECT_TRUE(e.significant);
  EXPECT_EQ(e.first_time, t0);
  EXPECT_EQ(e.last_time, t0 + 500'010);
  ASSERT_EQ(e.evidence_end - e.evidence_begin, 2u);
  EXPECT_EQ(d.msg_message_id[r->evidence[e.evidence_begin].source_msg], "2");  // a's message

  DetectOptions opt = native_no_null();
  opt.min_repetition = 1;
  auto r1 = detect(d, opt);
  ASSERT_TRUE(r1.ok());
  std::set<std::pair<std::string, std::string>> pairs;
  for (const Edge& x : r1->edges)
    pairs.emplace(std::string(d.account_id[x.source]), std::string(d.account_id[x.target]));
  EXPECT_EQ(pairs,
            (std::set<std::pair<std::string, std::string>>{{"a", "b"}, {"c", "d"}, {"e", "f"}}));
}

TEST(NativeDetect, RejectsBadOptionsAndUnknownBehaviours) {
  EXPECT_FALSE(parse_behaviours("share,bogus").ok());
  auto b = parse_behaviours("co_retweet, link,share");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<Behaviour>{Behaviour::kShare, Behaviour::kLink}));
  EXPECT_FALSE(parse_compat("gephi").ok());
  Dataset d = testing::make_dataset({share("a", "x", 1000, "1")});
  DetectOptions opt = native_no_null();
  opt.fdr = 0;
  EXPECT_EQ(detect(d, opt).status().code(), StatusCode::kInvalidArgument);
}

TestMessage post(std::string account, std::string text, TimeMs t, std::string id) {
  TestMessage m;
  m.account_id = std::move(account);
  m.text = std::move(text);
  m.time = t;
  m.message_id = std::move(id);
  return m;
}

TEST(NativeDetect, SimilarTextLinksNearDuplicatesWithinTheWindow) {
  const TimeMs t0 = 1'700'000'000'000;
  const std::vector<std::string> scripts = {
      "the minister lied about the budget again and everyone knows it now",
      "our candidate will bring jobs and safety back to every town in the region",
      "do not trust the polls they are paid for by foreign money and lies"};
  std::vector<TestMessage> in;
  int id = 0;
  for (std::size_t k = 0; k < scripts.size(); ++k)
    for (int a = 0; a < 4; ++a)
      in.push_back(post(fmt::format("u{}", a), scripts[k] + (a % 2 ? " today" : ""),
                        t0 + static_cast<TimeMs>(k) * 3'600'000 + a * 2'000, std::to_string(++id)));
  // Same wording, but hours later: outside W.
  in.push_back(post("late", scripts[0], t0 + 5 * 3'600'000, std::to_string(++id)));
  in.push_back(post("late", scripts[1], t0 + 6 * 3'600'000, std::to_string(++id)));
  Dataset d = testing::make_dataset(in);
  DetectOptions opt = native_no_null();
  opt.behaviours = {Behaviour::kSimilarText};
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->edges.size(), 6u);  // the four accounts pairwise
  for (const Edge& e : r->edges) {
    EXPECT_EQ(e.behaviour, Behaviour::kSimilarText);
    EXPECT_EQ(e.weight, 3);
    EXPECT_NE(d.account_id[e.source], "late");
    EXPECT_NE(d.account_id[e.target], "late");
  }
  ASSERT_EQ(r->clusters.size(), 1u);
  EXPECT_EQ(r->clusters[0].accounts.size(), 4u);

  DetectOptions cnt = opt;
  cnt.compat = CompatMode::kCnt;
  cnt.min_repetition = 1;
  auto rc = detect(d, cnt);
  ASSERT_TRUE(rc.ok()) << rc.status().message();
  std::size_t directed = 0;
  for (const Edge& e : rc->edges) {
    EXPECT_EQ(e.weight, 3);
    EXPECT_NE(e.source, e.target);
    ++directed;
  }
  EXPECT_EQ(directed, 12u);
}

TEST(NativeDetect, EveryBehaviourFormsOneMultiplexNetwork) {
  const TimeMs t0 = 1'700'000'000'000;
  std::vector<TestMessage> in;
  int id = 0;
  for (int k = 0; k < 2; ++k) {
    TimeMs t = t0 + k * 3'600'000;
    // The same link written two ways, one hashtag in two spellings, one mention, one image.
    TestMessage a = post("alice", "", t, std::to_string(++id));
    a.urls = {fmt::format("https://www.example.com/story{}?utm_source=tw", k)};
    a.hashtags = {fmt::format("#Tag{}", k)};
    a.mentions = {fmt::format("@Target{}", k)};
    a.media_key = fmt::format("img{}", k);
    TestMessage b = post("bob", "", t + 5'000, std::to_string(++id));
    b.urls = {fmt::format("http://example.com/story{}", k)};
    b.hashtags = {fmt::format("#tag{}", k)};
    b.mentions = {fmt::format("@target{}", k)};
    b.media_key = fmt::format("img{}", k);
    in.push_back(a);
    in.push_back(b);
  }
  Dataset d = testing::make_dataset(in);
  DetectOptions opt;
  opt.null_replicates = 0;
  opt.min_repetition = 2;
  // By default the native network leaves out the topical behaviours (mention, domain) and
  // keeps the hashtag, whose objects are its days.
  auto by_default = detect(d, opt);
  ASSERT_TRUE(by_default.ok()) << by_default.status().message();
  std::set<std::string> default_names;
  for (Behaviour b : by_default->behaviours) default_names.insert(std::string(behaviour_name(b)));
  EXPECT_EQ(default_names.count("mention") + default_names.count("domain"), 0u);
  EXPECT_EQ(default_names.count("link") + default_names.count("media") +
                default_names.count("hashtag"),
            3u);
  opt.behaviours = {Behaviour::kLink, Behaviour::kDomain, Behaviour::kHashtag, Behaviour::kMention,
                    Behaviour::kMedia};
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::set<std::string> names;
  for (const Edge& e : r->edges) {
    names.insert(std::string(behaviour_name(e.behaviour)));
    EXPECT_EQ(d.account_id[e.source], "alice");
    EXPECT_EQ(d.account_id[e.target], "bob");
  }
  // Two links but one domain: the domain edge has weight 1 < min_repetition.
  EXPECT_EQ(names, (std::set<std::string>{"link", "hashtag", "mention", "media"}));
  ASSERT_EQ(r->clusters.size(), 1u);
  EXPECT_EQ(r->clusters[0].weight, 8);
  EXPECT_EQ(r->clusters[0].behaviours.size(), 4u);
}

// The text behaviour's actions come from the text keys worked out once with the analysis
// columns (Dataset::msg_text_key): natively and under CooRTweet's rule they must be the actions
// the text itself gives, disguised copies, short texts and an id equal to a text key included.
TEST(NativeDetect, TextKeysLoadedWithTheColumnsActAsTheTextItself) {
  const TimeMs t0 = 1'700'000'000'000;
  std::vector<TestMessage> in;
  const std::vector<std::pair<std::string, std::string>> copies = {
      {"\u0622\u0632\u0627\u062f\u06cc \u0628\u06cc\u0627\u0646 \u06f1\u06f2 for all of us",
       "\u0622\u0632\u0627\u062f\u064a \u0628\u064a\u0627\u0646 12 for all of us"},  // yeh
      {"Free   the PRESS now and always", "free the press now and always"},
      {"ok", "OK"},  // one token: under the native minimum, still CooRTweet's text
      {"copy three four five six", "Copy Three Four Five Six"}};
  int id = 0;
  for (int k = 0; k < 3; ++k)
    for (std::size_t c = 0; c < copies.size(); ++c) {
      const TimeMs t = t0 + k * 3'600'000 + static_cast<TimeMs>(c) * 600'000;
      // A message whose id is its own text key: CooRTweet's rule leaves its pairs out.
      const std::string alice_id =
          c == 3 && k == 0 ? "copy three four five six" : std::to_string(++id);
      in.push_back(post("alice", copies[c].first, t, alice_id));
      in.push_back(post("bob", copies[c].second, t + 5'000, std::to_string(++id)));
      in.push_back(post("carol", copies[c].second, t + 9'000, std::to_string(++id)));
    }
  const Dataset keyed = testing::make_dataset(in);
  for (std::size_t m = 0; m < keyed.messages(); ++m) {
    std::string key;
    normalize_key(keyed.msg_text[m], NormalizeOptions{}, key);
    EXPECT_EQ(keyed.msg_text_key[m], XXH3_64bits_withSeed(key.data(), key.size(), kTextKeySeed));
    EXPECT_EQ(keyed.msg_text_key_bytes[m], key.size());
    EXPECT_EQ(keyed.msg_text_key_tokens[m], std::count(key.begin(), key.end(), ' ') + 1);
  }
  Dataset from_text = keyed;  // the actions made from the text, as without the keys
  release(from_text.msg_text_key);
  release(from_text.msg_text_key_bytes);
  release(from_text.msg_text_key_tokens);
  ASSERT_FALSE(text_keys_in_memory(from_text));
  for (CompatMode compat : {CompatMode::kNone, CompatMode::kCoortweet}) {
    DetectOptions opt = DetectOptions::defaults(compat);
    opt.behaviours = {Behaviour::kText};
    opt.null_replicates = 0;
    opt.min_repetition = 2;
    auto a = detect(keyed, opt);
    auto b = detect(from_text, opt);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->edges.size(), b->edges.size()) << compat_name(compat);
    EXPECT_FALSE(a->edges.empty());
    for (std::size_t i = 0; i < a->edges.size(); ++i) {
      EXPECT_EQ(a->edges[i].source, b->edges[i].source);
      EXPECT_EQ(a->edges[i].target, b->edges[i].target);
      EXPECT_EQ(a->edges[i].weight, b->edges[i].weight) << compat_name(compat) << " " << i;
      EXPECT_EQ(a->edges[i].objects, b->edges[i].objects);
    }
    ASSERT_EQ(a->evidence.size(), b->evidence.size());
    for (std::size_t i = 0; i < a->evidence.size(); ++i) {
      EXPECT_EQ(a->evidence[i].source_msg, b->evidence[i].source_msg);
      EXPECT_EQ(a->evidence[i].object, b->evidence[i].object);
    }
  }
  // The peer comparison's text rule too.
  DetectOptions native;
  native.behaviours = {Behaviour::kText};
  native.null_replicates = 0;
  const Behaviour text[] = {Behaviour::kText};
  const PeerRule x = peer_rule(keyed, native, text), y = peer_rule(from_text, native, text);
  auto px = peer_comparison(x, DetectionResult{}), py = peer_comparison(y, DetectionResult{});
  ASSERT_EQ(px.size(), 1u);
  ASSERT_EQ(py.size(), 1u);
  EXPECT_GT(px[0].edges, 0u);
  EXPECT_EQ(px[0].edges, py[0].edges);
  EXPECT_EQ(px[0].pairs, py[0].pairs);
  EXPECT_EQ(px[0].accounts, py[0].accounts);
}

TEST(NativeDetect, EmptyDatasetGivesEmptyOutputs) {
  Dataset d = testing::make_dataset({});
  DetectOptions opt;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->edges.empty());
  EXPECT_TRUE(r->clusters.empty());
  fs::path out = temp_dir("empty");
  ASSERT_TRUE(write_detection_outputs(d, *r, opt, out).ok());
  EXPECT_EQ(slurp(out / "edges.csv").find("\r\n") + 2, slurp(out / "edges.csv").size());
}

// --- significance

// Two accounts re-share the same eight posts of one channel five minutes apart, each time
// 2-25 minutes after the post: a slow co-sharing found at 10 minutes. Where the posts are in
// the data, the stimulus null sees the two responses move together from post to post and the
// edge is kept; where they are not (a channel outside the export), nothing shows the
// re-shares beyond a response to the same posts, and the edge is not kept.
TEST(Significance, SlowCoSharingIsKeptOnlyWhereTheStimulusNullCanSeeThePosts) {
  for (bool posts_in_data : {true, false}) {
    std::mt19937_64 rng(11);
    const TimeMs t0 = 1'700'000'000'000, day = 86'400'000;
    std::uniform_int_distribution<TimeMs> anytime(0, 6 * day - 1);
    std::uniform_int_distribution<int> tail(0, 199);
    std::vector<TestMessage> in;
    int id = 0;
    for (int a = 0; a < 40; ++a)
      for (int k = 0; k < 20; ++k)
        in.push_back(share(fmt::format("org{:02}", a), fmt::format("tail{:03}", tail(rng)),
                           t0 + anytime(rng), std::to_string(++id)));
    for (int k = 0; k < 8; ++k) {
      const TimeMs posted = t0 + k * day / 2 + 7 * 3'600'000;
      const std::string post = fmt::format("src-post-{}", k);
      if (posts_in_data) {
        TestMessage p;
        p.account_id = "src";
        p.message_id = post;
        p.time = posted;
        p.text = "news";
        in.push_back(p);
      }
      const TimeMs delay = 120'000 + k * 170'000;
      in.push_back(share("a", post, posted + delay, std::to_string(++id)));
      in.push_back(share("b", post, posted + delay + 300'000, std::to_string(++id)));
    }
    Dataset d = testing::make_dataset(in);
    DetectOptions opt;
    opt.behaviours = {Behaviour::kShare};
    auto r = detect(d, opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Edge* ab = nullptr;
    for (const Edge& e : r->edges)
      if (d.account_id[e.source] == "a" && d.account_id[e.target] == "b") ab = &e;
    ASSERT_NE(ab, nullptr) << posts_in_data;
    EXPECT_EQ(ab->window_ms, 600'000) << posts_in_data;
    EXPECT_LE(ab->p_value, 0.05) << posts_in_data;  // the time-shift null rejects either way
    if (posts_in_data) {
      EXPECT_LE(ab->p_stimulus, 0.05);
      EXPECT_TRUE(ab->significant);
    } else {
      EXPECT_EQ(ab->p_stimulus, 1.0);
      EXPECT_FALSE(ab->significant);
    }
  }
}


// Accounts acting independently at uniform random times: no coordination at all.
TEST(Significance, CalibratedOnDataWithoutCoordination) {
  const char* seed_env = std::getenv("GS_CALIBRATION_SEED");
  std::mt19937_64 rng(seed_env ? std::strtoull(seed_env, nullptr, 10) : 7);
  const TimeMs t0 = 1'700'000'000'000, span = 4 * 3'600'000;
  std::vector<TestMessage> in;
  std::bernoulli_distribution shares_it(0.5);
  std::uniform_int_distribution<TimeMs> when(0, span - 1);
  int id = 0;
  for (int a = 0; a < 60; ++a)
    for (int o = 0; o < 300; ++o)
      if (shares_it(rng))
        in.push_back(share(fmt::format("acct{:02}", a), fmt::format("obj{:03}", o), t0 + when(rng),
                           std::to_string(++id)));
  Dataset d = testing::make_dataset(in);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.window_ms = 30 * 60'000;
  opt.max_crowd = 0;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_GT(r->edges.size(), 1000u);
  std::size_t below = 0;
  for (const Edge& e : r->edges) {
    ASSERT_FALSE(std::isnan(e.p_value));
    below += e.p_value < 0.05;
  }
  double share_below = static_cast<double>(below) / static_cast<double>(r->edges.size());
  RecordProperty("edges", static_cast<int>(r->edges.size()));
  RecordProperty("share_below_005", fmt::format("{:.4f}", share_below));
  EXPECT_GT(share_below, 0.01);
  EXPECT_LT(share_below, 0.08);
  EXPECT_LE(r->significant_edges, r->edges.size() / 100);
}

// A planted campaign inside organic virality: three viral posts each shared by 2,000
// organic accounts within 10 minutes, organic long-tail sharing, and 20 accounts co-sharing
// 30 items within seconds.
struct Scenario {
  std::vector<TestMessage> messages;
  std::set<std::string> planted;
};

Scenario viral_and_planted(std::uint64_t seed, int organic = 2000) {
  Scenario s;
  std::mt19937_64 rng(seed);
  const TimeMs t0 = 1'700'000'000'000, span = 3 * 86'400'000;
  std::uniform_int_distribution<TimeMs> anytime(0, span - 1), burst(0, 600'000), seconds(0, 5'000);
  std::uniform_int_distribution<int> tail(0, 1999);
  int id = 0;
  auto add = [&](std::string acct, std::string obj, TimeMs t) {
    s.messages.push_back(share(std::move(acct), std::move(obj), t0 + t, std::to_string(++id)));
  };
  for (int v = 0; v < 3; ++v) {
    TimeMs start = static_cast<TimeMs>(v) * 86'400'000 + 3'600'000;
    for (int a = 0; a < organic; ++a)
      add(fmt::format("org{:04}", a), fmt::format("viral{}", v), start + burst(rng));
    for (int b = 0; b < 20; ++b)
      add(fmt::format("bot{:02}", b), fmt::format("viral{}", v), start + burst(rng));
  }
  for (int a = 0; a < organic; ++a)
    for (int k = 0; k < 5; ++k)
      add(fmt::format("org{:04}", a), fmt::format("tail{:04}", tail(rng)), anytime(rng));
  for (int item = 0; item < 30; ++item) {
    TimeMs start = anytime(rng);
    for (int b = 0; b < 20; ++b)
      add(fmt::format("bot{:02}", b), fmt::format("campaign{:02}", item), start + seconds(rng));
  }
  for (int b = 0; b < 20; ++b) s.planted.insert(fmt::format("bot{:02}", b));
  return s;
}

// The ids of the accounts in some cluster.
std::set<std::string> clustered_ids(const Dataset& d, const DetectionResult& r) {
  std::set<std::string> ids;
  for (std::size_t a = 0; a < d.accounts(); ++a)
    if (r.account_cluster[a] != 0) ids.insert(std::string(d.account_id[a]));
  return ids;
}

TEST(NativeDefaults, PlantedGroupFoundAndNoOrganicAccountClustered) {
  Scenario s = viral_and_planted(11);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;  // native defaults
  opt.behaviours = {Behaviour::kShare};
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::set<std::string> clustered = clustered_ids(d, *r);
  EXPECT_EQ(clustered, s.planted);
  ASSERT_GE(r->clusters.size(), 1u);
  const Cluster& c = r->clusters[0];
  EXPECT_EQ(c.id, 1u);
  EXPECT_EQ(c.accounts.size(), 20u);
  EXPECT_LE(c.p_value, 0.05);
  EXPECT_LE(c.median_delay_s, 5.0);
  // The 600 campaign shares, plus the few viral shares where two bots were each other's
  // nearest neighbours in the crowd.
  EXPECT_GE(c.messages, 600u);
  EXPECT_LE(c.messages, 660u);
  ASSERT_FALSE(c.top_objects.empty());
  EXPECT_EQ(c.top_objects[0].key.rfind("campaign", 0), 0u);
  EXPECT_GT(r->crowded_actions, 5000u);  // the viral bursts
}

// With R = 99 replicates no Monte Carlo p-value is below 0.01, and Benjamini–Hochberg's cutoff
// at a strict level (or in a family of millions of edges with few campaign links) falls below
// that: beyond every replicate the time-shift test uses the fitted tail, so the campaign that
// no replicate comes near is still found, and nothing else.
TEST(NativeDefaults, AStrictFdrStillFindsWhatNoReplicateComesNear) {
  Scenario s = viral_and_planted(11);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.fdr = 0.001;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::set<std::string> clustered = clustered_ids(d, *r);
  EXPECT_EQ(clustered, s.planted);
  ASSERT_GT(r->significant_edges, 0u);
  for (const Edge& e : r->edges) {
    if (e.significant) {
      EXPECT_LT(e.p_value, 0.001);
    }
  }
}

TEST(NativeDefaults, CampaignLargerThanTheCrowdCapIsStillFound) {
  // 150 accounts co-share 30 items within seconds: every item is a crowd above max_crowd
  // (100). Their nearest neighbours in each crowd are other members, so they stay linked;
  // the organic viral bursts around them stay out.
  Scenario s = viral_and_planted(12, 1500);
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<TimeMs> anytime(0, 3 * 86'400'000 - 1), seconds(0, 20'000);
  int id = 1'000'000;
  for (int item = 0; item < 30; ++item) {
    TimeMs start = 1'700'000'000'000 + anytime(rng);
    for (int b = 0; b < 150; ++b)
      s.messages.push_back(share(fmt::format("big{:03}", b), fmt::format("big-item{:02}", item),
                                 start + seconds(rng), std::to_string(++id)));
  }
  for (int b = 0; b < 150; ++b) s.planted.insert(fmt::format("big{:03}", b));
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::set<std::string> clustered = clustered_ids(d, *r);
  std::vector<std::string> missing, extra;
  std::set_difference(s.planted.begin(), s.planted.end(), clustered.begin(), clustered.end(),
                      std::back_inserter(missing));
  std::set_difference(clustered.begin(), clustered.end(), s.planted.begin(), s.planted.end(),
                      std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << missing.size() << " planted accounts missing, first " << missing[0];
  EXPECT_TRUE(extra.empty()) << extra.size() << " extra accounts, first " << extra[0];
  // Without neighbour pairing the large campaign vanishes into its own crowds.
  opt.crowd_neighbours = 0;
  auto old = detect(d, opt);
  ASSERT_TRUE(old.ok());
  std::size_t big_found = 0;
  for (std::size_t a = 0; a < d.accounts(); ++a)
    big_found += old->account_cluster[a] != 0 && d.account_id[a].starts_with("big");
  EXPECT_EQ(big_found, 0u);
}

// The report's overview counts each behaviour's objects as detection's tables hold them: on
// random posts with repeated links and hashtags (a message listing one twice acts once),
// reposts carrying links (no link action natively), hashtags on several days (one object a
// day) and posts without a time or an author, every count and the top objects equal those
// worked out from extract_actions' table.
TEST(ObjectCounts, AreThoseOfDetectionsTables) {
  std::mt19937_64 rng(5);
  std::vector<TestMessage> in;
  for (int i = 0; i < 4000; ++i) {
    TestMessage m;
    m.chat_id = "c";
    m.message_id = std::to_string(i);
    m.account_id = rng() % 50 == 0 ? "" : fmt::format("a{}", rng() % 300);
    m.time = 1'700'000'000'000 + static_cast<TimeMs>(rng() % 400'000'000);
    if (rng() % 40 == 0) m.time = kNoTime;
    if (rng() % 4 == 0) m.shares = fmt::format("orig{}", rng() % 60);
    for (int k = 0; k < static_cast<int>(rng() % 4); ++k)
      m.urls.push_back(fmt::format("https://example.org/{}", rng() % 40));
    for (int k = 0; k < static_cast<int>(rng() % 3); ++k)
      m.hashtags.push_back(fmt::format("#Tag{}", rng() % 25));
    if (rng() % 5 == 0) m.reply_to = fmt::format("r{}", rng() % 30);
    in.push_back(std::move(m));
  }
  const Dataset d = testing::make_dataset(in);
  const DetectOptions native;
  for (Behaviour b : {Behaviour::kShare, Behaviour::kLink, Behaviour::kDomain, Behaviour::kHashtag,
                      Behaviour::kReply}) {
    SCOPED_TRACE(std::string(behaviour_name(b)));
    const detect_internal::ActionTable t = detect_internal::extract_actions(d, b, native);
    const BehaviourObjects got = count_objects(d, b, 10);
    EXPECT_EQ(got.actions, t.actions.size());
    EXPECT_EQ(got.objects, t.objects());
    std::set<std::uint32_t> acting;
    // (UINT64_MAX - messages, UINT64_MAX - accounts, object): in the overview's order.
    std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>> ranked;
    for (std::uint32_t o = 0; o < t.objects(); ++o) {
      std::set<std::uint32_t> accounts;
      for (std::uint64_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i)
        accounts.insert(t.actions[i].account);
      acting.insert(accounts.begin(), accounts.end());
      const std::uint64_t messages = t.object_start[o + 1] - t.object_start[o];
      ranked.emplace_back(UINT64_MAX - messages, UINT64_MAX - accounts.size(), o);
    }
    EXPECT_EQ(got.accounts, acting.size());
    std::sort(ranked.begin(), ranked.end());
    ASSERT_EQ(got.top.size(), std::min<std::size_t>(10, ranked.size()));
    for (std::size_t i = 0; i < got.top.size(); ++i) {
      const auto [m, a, o] = ranked[i];
      EXPECT_EQ(got.top[i].key, detect_internal::object_key(d, t, native, o)) << i;
      EXPECT_EQ(got.top[i].messages, UINT64_MAX - m) << i;
      EXPECT_EQ(got.top[i].accounts, UINT64_MAX - a) << i;
    }
  }
}

// Every output is ordered by account_byte_order: the byte order of (account_id, platform),
// then the index. Ids shorter and longer than eight bytes, sharing long prefixes, with bytes
// above 0x7f (which order after ASCII) and NUL bytes, on two platforms, against a plain sort.
TEST(AccountByteOrder, IsTheByteOrderOfIdsThenPlatforms) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> pieces = {"",  "1",        "12345678", "1234567", "\xc3\xa9",
                                           "z", std::string(1, '\0'), "123456789", "\x80",
                                           "123456781234567"};
  Dataset d;
  for (int i = 0; i < 3000; ++i) {
    std::string id;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 5); ++k) id += pieces[rng() % pieces.size()];
    d.account_row.push_back(i + 1);
    d.account_id.push_back(id);
    d.account_platform.push_back(rng() % 2 == 0 ? "telegram" : "twitter");
  }
  const std::vector<std::uint32_t> rank = account_byte_order(d);
  std::vector<std::uint32_t> expected(d.accounts());
  std::iota(expected.begin(), expected.end(), 0u);
  const auto bytes = [](std::string_view v) {
    return std::vector<unsigned char>(v.begin(), v.end());
  };
  std::sort(expected.begin(), expected.end(), [&](std::uint32_t x, std::uint32_t y) {
    return std::tuple(bytes(d.account_id[x]), bytes(d.account_platform[x]), x) <
           std::tuple(bytes(d.account_id[y]), bytes(d.account_platform[y]), y);
  });
  ASSERT_EQ(rank.size(), expected.size());
  for (std::uint32_t i = 0; i < expected.size(); ++i) EXPECT_EQ(rank[expected[i]], i) << i;
}

// A behaviour's pair records generated in many passes (a budget of a few hundred records,
// so up to 64 passes, each keeping a range of the hash partitions) give the edges, evidence,
// near misses and counts of one pass: viral crowds above the cap, a planted group, organic
// pairs below min_repetition.
TEST(NativeDetect, PairsGeneratedInPassesGiveTheEdgesOfOnePass) {
  Scenario s = viral_and_planted(12, 1500);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  const std::vector<std::uint32_t> rank = account_byte_order(d);
  const detect_internal::ActionTable t =
      detect_internal::extract_actions(d, Behaviour::kShare, opt);
  const detect_internal::BehaviourEdges one = detect_internal::native_edges(d, t, opt, rank);
  const detect_internal::BehaviourEdges many =
      detect_internal::native_edges(d, t, opt, rank, /*record_budget=*/10'000);
  ASSERT_GT(one.edges.size(), 100u);
  EXPECT_GT(one.crowded_actions, 0u);
  EXPECT_EQ(one.candidate_pairs, many.candidate_pairs);
  EXPECT_EQ(one.crowded_actions, many.crowded_actions);
  EXPECT_EQ(one.pairs_by_objects, many.pairs_by_objects);
  ASSERT_EQ(one.edges.size(), many.edges.size());
  for (std::size_t i = 0; i < one.edges.size(); ++i) {
    const Edge &x = one.edges[i], &y = many.edges[i];
    EXPECT_EQ(x.source, y.source) << i;
    EXPECT_EQ(x.target, y.target) << i;
    EXPECT_EQ(x.weight, y.weight) << i;
    EXPECT_EQ(x.pairs, y.pairs) << i;
    EXPECT_EQ(x.median_delay_s, y.median_delay_s) << i;
    EXPECT_EQ(x.first_time, y.first_time) << i;
    EXPECT_EQ(x.evidence_begin, y.evidence_begin) << i;
    EXPECT_EQ(x.evidence_end, y.evidence_end) << i;
  }
  ASSERT_EQ(one.evidence.size(), many.evidence.size());
  for (std::size_t i = 0; i < one.evidence.size(); ++i) {
    EXPECT_EQ(one.evidence[i].source_msg, many.evidence[i].source_msg) << i;
    EXPECT_EQ(one.evidence[i].target_msg, many.evidence[i].target_msg) << i;
    EXPECT_EQ(one.evidence[i].object, many.evidence[i].object) << i;
  }
  ASSERT_EQ(one.near_misses.size(), many.near_misses.size());
  for (std::size_t i = 0; i < one.near_misses.size(); ++i) {
    EXPECT_EQ(one.near_misses[i].source, many.near_misses[i].source) << i;
    EXPECT_EQ(one.near_misses[i].target, many.near_misses[i].target) << i;
  }
}

// Posts with one hashtag each, in an account's own words (eight of 400 random words).
struct HashtagPosts {
  explicit HashtagPosts(std::uint64_t seed) : rng(seed) {
    for (int w = 0; w < 400; ++w) words.push_back(fmt::format("w{:03}", w));
  }
  void tweet(std::string account, std::string tag, TimeMs t) {
    std::uniform_int_distribution<std::size_t> word(0, words.size() - 1);
    std::string text;
    for (int k = 0; k < 8; ++k) text += (k ? " " : "") + words[word(rng)];
    TestMessage m = post(std::move(account), std::move(text), t, std::to_string(in.size() + 1));
    m.hashtags = {std::move(tag)};
    in.push_back(std::move(m));
  }
  std::mt19937_64 rng;
  std::vector<std::string> words;
  std::vector<TestMessage> in;
};

// A membership-only result reads an edge's time-shift p-value only up to its FDR level: the
// replicates of an edge above it stop early, and every edge lands on the same side of the
// level as with all R replicates, with the same p-value and row where it is at or below.
// Organic hashtag users in a shared evening rhythm meet by chance; schedulers do not.
TEST(NativeDetect, TimeShiftReplicatesStopOnlyAboveTheLevel) {
  HashtagPosts posts(5);
  std::mt19937_64& rng = posts.rng;
  const TimeMs day = 86'400'000, minute = 60'000, t0 = 19'675 * day;  // a UTC midnight
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<TimeMs> evening(18 * 60 * minute, 22 * 60 * minute - 1),
      slot(0, 90'000);
  for (int d = 0; d < 20; ++d) {
    for (int a = 0; a < 80; ++a)
      for (int k = 0; k < 2; ++k)
        posts.tweet(fmt::format("org{:03}", a), "#cause", t0 + d * day + evening(rng));
    for (int b = 0; b < 8; ++b)
      if (u(rng) < 0.85)
        posts.tweet(fmt::format("sched{:02}", b), "#cause", t0 + d * day + 9 * 60 * minute + slot(rng));
  }
  Dataset d = testing::make_dataset(posts.in);
  DetectOptions opt;
  const std::vector<std::uint32_t> rank = account_byte_order(d);
  const detect_internal::ActionTable t =
      detect_internal::extract_actions(d, Behaviour::kHashtag, opt);
  const detect_internal::NullModel model = detect_internal::make_null_model(d);
  detect_internal::BehaviourEdges exact = detect_internal::native_edges(d, t, opt, rank);
  detect_internal::BehaviourEdges bounded = exact;
  const double level = opt.fdr;
  detect_internal::edge_and_near_miss_p_values(t, model, opt, exact, level);
  detect_internal::edge_and_near_miss_p_values(t, model, opt, bounded, level,
                                               detect_internal::PValues::kUpToRows);
  ASSERT_EQ(exact.edges.size(), bounded.edges.size());
  std::size_t above = 0, stopped = 0, below = 0;
  for (std::size_t i = 0; i < exact.edges.size(); ++i) {
    const Edge &x = exact.edges[i], &y = bounded.edges[i];
    EXPECT_EQ(x.p_value > level, y.p_value > level) << i;
    EXPECT_EQ(x.p_cooccurrence, y.p_cooccurrence) << i;
    if (x.p_value > level) {
      ++above;
      stopped += y.p_value < x.p_value;  // the bound of the replicates drawn
      EXPECT_LE(y.p_value, x.p_value) << i;
      continue;
    }
    ++below;
    EXPECT_EQ(x.p_value, y.p_value) << i;
    EXPECT_EQ(x.null_row, y.null_row) << i;  // rows in edge order: the same rows
  }
  EXPECT_EQ(exact.null_weights, bounded.null_weights);
  EXPECT_GE(below, 28u);          // the scheduler pairs
  EXPECT_GT(above, 50u);          // organic pairs far above the level...
  EXPECT_GT(stopped, above / 2);  // ... mostly stop early
  ASSERT_EQ(exact.near_misses.size(), bounded.near_misses.size());
  for (std::size_t i = 0; i < exact.near_misses.size(); ++i)
    EXPECT_EQ(exact.near_misses[i].p_value, bounded.near_misses[i].p_value) << i;
}

// The hashtag's local null (docs/detection.md): in a replicate each account's actions of one
// UTC day move together by its offset of that day, and an edge's weight is the number of its
// common objects (a hashtag on one day) where some action of each account comes within W.
// Counted here directly, action by action, for accounts posting several hashtags on the same
// evenings minutes apart (many objects share a day and meet at some offsets only), two of them
// (the first and the last in byte order, so one is the source of its edges and the other the
// target) posting each hashtag a dozen times an evening, as a channel does.
TEST(NativeDetect, LocalNullWeightsAreTheDirectCount) {
  HashtagPosts posts(7);
  std::mt19937_64& rng = posts.rng;
  const TimeMs day = 86'400'000, minute = 60'000, t0 = 19'675 * day;  // a UTC midnight
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<TimeMs> evening(20 * 60 * minute, 20 * 60 * minute + 12 * minute);
  for (int d = 0; d < 6; ++d)
    for (int a = 0; a < 8; ++a)
      for (int k = 0; k < 6; ++k) {
        const bool heavy = a == 0 || a == 7;
        for (int n = heavy ? 12 : u(rng) < 0.3 ? 2 : 1; n > 0 && (heavy || u(rng) < 0.8); --n)
          posts.tweet(fmt::format("acc{}", a), fmt::format("#tag{}", k),
                      t0 + d * day + evening(rng));
      }
  Dataset d = testing::make_dataset(posts.in);
  DetectOptions opt;
  const detect_internal::ActionTable t =
      detect_internal::extract_actions(d, Behaviour::kHashtag, opt);
  const detect_internal::NullModel model = detect_internal::make_null_model(d);
  detect_internal::BehaviourEdges be =
      detect_internal::native_edges(d, t, opt, account_byte_order(d));
  detect_internal::edge_and_near_miss_p_values(t, model, opt, be, 1.0);
  const TimeMs jitter = null_jitter_ms(Behaviour::kHashtag, opt);
  ASSERT_GT(jitter, 0);
  const auto replicates = static_cast<std::size_t>(opt.null_replicates);
  std::size_t checked = 0, partial = 0, heavy_source = 0, heavy_target = 0;
  for (const Edge& e : be.edges) {
    ASSERT_NE(e.null_row, UINT32_MAX);
    const std::uint32_t* row = be.null_weights.data() + std::size_t{e.null_row} * replicates;
    std::set<std::uint32_t> counts;
    std::vector<TimeMs> moved(t.actions.size());
    for (std::size_t r = 0; r < replicates; ++r) {
      for (std::size_t i = 0; i < t.actions.size(); ++i) {
        const detect_internal::Acted& x = t.actions[i];
        moved[i] = x.time + detect_internal::jitter_offset(opt.seed, model.account_hash[x.account],
                                                           static_cast<int>(r), utc_day(x.time),
                                                           jitter);
      }
      std::uint32_t meetings = 0;
      for (std::size_t o = 0; o < t.objects(); ++o) {
        bool met = false;
        for (std::uint64_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i)
          for (std::uint64_t j = t.object_start[o]; j < t.object_start[o + 1]; ++j)
            if (t.actions[i].account == e.source && t.actions[j].account == e.target &&
                std::abs(moved[i] - moved[j]) <= opt.window_ms)
              met = true;
        meetings += met;
      }
      EXPECT_EQ(row[r], meetings) << e.source << " " << e.target << " replicate " << r;
      counts.insert(meetings);
    }
    ++checked;
    partial += counts.size() > 1;
    heavy_source += d.account_id[e.source] == "acc0";
    heavy_target += d.account_id[e.target] == "acc7";
  }
  EXPECT_GE(checked, 10u);
  EXPECT_GE(partial, checked / 2);  // weights that move with the offsets
  EXPECT_GE(heavy_source, 3u);
  EXPECT_GE(heavy_target, 3u);
}

// Scheduled automation among organic hashtag users and a match crowd (docs/detection.md,
// "Scheduled automation"), over 30 days: 15 accounts post #cause in their own words in the same
// 90-second slots at 09:30, 14:30 and 21:30 UTC on 28 days; 200 organic accounts post #cause
// and other hashtags twice a day, mostly in the same evening hours (a shared daily rhythm); 300
// fans tweet #derby within three minutes of the goals of one match; an outlet's readers answer
// its posts with the hashtag within a minute, day after day. The default behaviours find the
// schedulers and nobody else. (Tested in a family of the 9,000 pairs that met at all, a
// scheduler pair meeting on 10 days has p 0.0001-0.01 against the null's shifts of a few
// minutes, too little for all of them to be kept; a month is enough.)
TEST(NativeDefaults, ScheduledHashtagPostersFoundNotAMatchCrowdNorADailyRhythm) {
  HashtagPosts posts(21);
  std::mt19937_64& rng = posts.rng;
  auto tweet = [&](std::string account, std::string tag, TimeMs t) {
    posts.tweet(std::move(account), std::move(tag), t);
  };
  const TimeMs day = 86'400'000, minute = 60'000, t0 = 19'675 * day;  // a UTC midnight
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<TimeMs> evening(18 * 60 * minute, 22 * 60 * minute - 1),
      anytime(0, day - 1), slot(0, 90'000), after_goal(0, 3 * minute);
  std::uniform_int_distribution<int> topic(0, 29);
  for (int d = 0; d < 30; ++d)
    for (int a = 0; a < 200; ++a)
      for (int k = 0; k < 2; ++k)
        tweet(fmt::format("org{:03}", a),
              u(rng) < 0.5 ? "#cause" : fmt::format("#topic{}", topic(rng)),
              t0 + d * day + (u(rng) < 0.7 ? evening(rng) : anytime(rng)));
  std::set<std::string> schedulers;
  for (int d = 2; d < 30; ++d)
    for (int at : {9 * 60 + 30, 14 * 60 + 30, 21 * 60 + 30})
      for (int b = 0; b < 15; ++b)
        if (u(rng) < 0.85) {
          schedulers.insert(fmt::format("sched{:02}", b));
          tweet(fmt::format("sched{:02}", b), "#cause", t0 + d * day + at * minute + slot(rng));
        }
  // An outlet posts #cause four times a day; 12 readers answer most of its posts with the
  // hashtag 16-48 s later, every day: each reader comes after the outlet in every meeting.
  std::uniform_int_distribution<TimeMs> answer(16'000, 48'000);
  for (int d = 0; d < 30; ++d)
    for (int k = 0; k < 4; ++k) {
      const TimeMs t = t0 + d * day + anytime(rng);
      tweet("outlet", "#cause", t);
      for (int f = 0; f < 12; ++f)
        if (u(rng) < 0.7) tweet(fmt::format("reader{:02}", f), "#cause", t + answer(rng));
    }
  const TimeMs kickoff = t0 + 7 * day + 19 * 60 * minute;
  for (int f = 0; f < 300; ++f)
    for (TimeMs goal : {12, 38, 71, 88})
      if (u(rng) < 0.6) tweet(fmt::format("fan{:03}", f), "#derby", kickoff + goal * minute + after_goal(rng));
  Dataset d = testing::make_dataset(posts.in);
  auto r = detect(d, DetectOptions{});  // native defaults
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(clustered_ids(d, *r), schedulers);
  // Replicate rows are held for the edges that may be kept (every kept edge has one, for
  // its cluster's p-value) and for no edge above the FDR level in its time-shift or
  // co-occurrence test — some edges within it in one test and above it in the other.
  std::size_t with_row = 0, within_time_only = 0;
  const double q = DetectOptions{}.fdr;
  for (const Edge& e : r->edges) {
    if (e.significant) {
      EXPECT_NE(e.null_row, UINT32_MAX);
    }
    if (e.null_row == UINT32_MAX) {
      EXPECT_TRUE(e.p_value > q || e.p_cooccurrence > q) << e.p_value << " " << e.p_cooccurrence;
      within_time_only += e.p_value <= q;
    } else {
      EXPECT_LE(e.p_value, q);
      EXPECT_LE(e.p_cooccurrence, q);
      ++with_row;
    }
  }
  EXPECT_GT(within_time_only, 0u);
  EXPECT_LT(with_row, r->edges.size());
  EXPECT_EQ(r->null_weights.size(), with_row * 99);
  ASSERT_GE(r->clusters.size(), 1u);
  EXPECT_EQ(r->clusters[0].accounts.size(), 15u);
  ASSERT_FALSE(r->clusters[0].top_objects.empty());
  // A hashtag's objects are its days; the cluster's top object is the hashtag itself.
  EXPECT_EQ(r->clusters[0].top_objects[0].key, "cause");
  EXPECT_EQ(r->clusters[0].top_objects.size(), 1u);
  // The outlet and its readers passed both nulls; the order test stopped them, and says so.
  std::set<std::string> followers;
  for (const BehaviourFunnel& f : r->funnel)
    for (const FunnelCandidate& c : f.candidates)
      if (c.stopped == FunnelStep::kFollower) {
        followers.insert(std::string(d.account_id[c.edge.source]));
        followers.insert(std::string(d.account_id[c.edge.target]));
      }
  EXPECT_TRUE(followers.count("outlet"));
  EXPECT_GE(followers.size(), 6u);
  // The hashtags are read with the actions, once: the edges at any window, the match crowd's
  // posts on the clock included, come from the table alone, as when a run holds the hashtags
  // out of memory (ColumnGroup::kObjects).
  const std::vector<std::uint32_t> rank = account_byte_order(d);
  for (const TimeMs window : {30'000, 120'000}) {
    DetectOptions at;
    at.window_ms = window;
    at.max_crowd = 20;  // the fans after a goal are a crowd
    const auto t = detect_internal::extract_actions(d, Behaviour::kHashtag, at);
    const auto with = detect_internal::native_edges(d, t, at, rank);
    EXPECT_GT(with.crowded_actions, 0u);
    Dataset without = d;
    without.msg_hashtags = ListColumn{};
    const auto alone = detect_internal::native_edges(without, t, at, rank);
    EXPECT_EQ(alone.crowded_actions, with.crowded_actions);
    ASSERT_EQ(alone.edges.size(), with.edges.size());
    for (std::size_t i = 0; i < with.edges.size(); ++i) {
      const Edge &x = with.edges[i], &y = alone.edges[i];
      EXPECT_EQ(std::tie(x.source, x.target, x.pairs, x.objects),
                std::tie(y.source, y.target, y.pairs, y.objects));
    }
  }
}

// A scheduler firing more accounts in one slot than the crowd cap (docs/detection.md,
// "Scheduled automation"): 150 accounts post #cause in the same 90-second slots at 09:30,
// 14:30 and 21:30 UTC on 28 days, each at its own moment of the slot. Around them: 600
// viewers of an evening show post #show once a day between 20:00 and 20:10 (a crowd on the
// clock every day), 300 fans tweet #derby around the goals of one match (a crowd on one day),
// and 200 organic accounts post twice a day, #cause or a topic of their own. Every slot is a
// crowd above the cap, and a scheduler's 3 nearest posts on each side are other schedulers
// by chance, so two of them are rarely neighbours on three days; posts on the clock meet each
// other whatever the crowd. The schedulers are found and nobody else: the viewers meet on
// the clock too, and no more often than their own daily habit gives in the null.
TEST(NativeDefaults, ScheduledPostersMoreThanTheCrowdCapAreFound) {
  HashtagPosts posts(31);
  std::mt19937_64& rng = posts.rng;
  const TimeMs day = 86'400'000, minute = 60'000, t0 = 19'675 * day;  // a UTC midnight
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<TimeMs> anytime(0, day - 1), slot(0, 90'000),
      show(20 * 60 * minute, 20 * 60 * minute + 10 * minute), after_goal(0, 3 * minute);
  std::uniform_int_distribution<int> topic(0, 29);
  for (int d = 0; d < 30; ++d) {
    for (int a = 0; a < 200; ++a)
      for (int k = 0; k < 2; ++k)
        posts.tweet(fmt::format("org{:03}", a),
                    u(rng) < 0.2 ? "#cause" : fmt::format("#topic{}", topic(rng)),
                    t0 + d * day + anytime(rng));
    for (int v = 0; v < 600; ++v)
      if (u(rng) < 0.8)
        posts.tweet(fmt::format("viewer{:03}", v), "#show", t0 + d * day + show(rng));
  }
  std::set<std::string> schedulers;
  for (int d = 2; d < 30; ++d)
    for (int at : {9 * 60 + 30, 14 * 60 + 30, 21 * 60 + 30})
      for (int b = 0; b < 150; ++b)
        if (u(rng) < 0.85) {
          schedulers.insert(fmt::format("sched{:03}", b));
          posts.tweet(fmt::format("sched{:03}", b), "#cause",
                      t0 + d * day + at * minute + slot(rng));
        }
  const TimeMs kickoff = t0 + 7 * day + 19 * 60 * minute;
  for (int f = 0; f < 300; ++f)
    for (TimeMs goal : {12, 38, 71, 88})
      if (u(rng) < 0.6)
        posts.tweet(fmt::format("fan{:03}", f), "#derby",
                    kickoff + goal * minute + after_goal(rng));
  Dataset d = testing::make_dataset(posts.in);
  auto r = detect(d, DetectOptions{});  // native defaults
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(r->crowded_actions, 10'000u);
  const std::set<std::string> clustered = clustered_ids(d, *r);
  std::vector<std::string> missing, extra;
  std::set_difference(schedulers.begin(), schedulers.end(), clustered.begin(), clustered.end(),
                      std::back_inserter(missing));
  std::set_difference(clustered.begin(), clustered.end(), schedulers.begin(), schedulers.end(),
                      std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << missing.size() << " schedulers missing, first " << missing[0];
  EXPECT_TRUE(extra.empty()) << extra.size() << " extra accounts, first " << extra[0];
}

// An actor's channel posts its hashtag every few minutes all day; 40 accounts post it in their
// own words a few times a day, at their own times. Each meets the channel within W on most
// days, and meets it as often in every null replicate: nobody is kept. (When at most 32 of an
// account's actions per object entered the null, the channel's later posts of each day were
// missing from the replicates and every reader's pair was beyond the time null; here the
// co-occurrence null still stopped them, at 10M messages it did not and they were kept.)
TEST(NativeDefaults, AChannelPostingAHashtagAllDayMeetsItsReadersByChanceOnly) {
  HashtagPosts posts(11);
  const TimeMs day = 86'400'000, t0 = 19'675 * day;  // a UTC midnight
  std::uniform_int_distribution<TimeMs> anytime(0, day - 1);
  for (int d = 0; d < 20; ++d) {
    for (int k = 0; k < 300; ++k) posts.tweet("channel", "#cause", t0 + d * day + anytime(posts.rng));
    for (int a = 0; a < 40; ++a)
      for (int k = 0; k < 4; ++k)
        posts.tweet(fmt::format("reader{:02}", a), "#cause", t0 + d * day + anytime(posts.rng));
  }
  Dataset d = testing::make_dataset(posts.in);
  auto r = detect(d, DetectOptions{});  // native defaults
  ASSERT_TRUE(r.ok()) << r.status().message();
  // The time null alone (the co-occurrence null also stops these pairs here: every account
  // posts the one hashtag every day): the channel's pairs are not beyond it, but by chance.
  std::size_t tested = 0, beyond = 0;
  for (const Edge& e : r->edges) {
    if (std::isnan(e.p_value)) continue;
    ++tested;
    beyond += e.p_value <= 0.05;
    EXPECT_FALSE(e.significant) << d.account_id[e.source] << " " << d.account_id[e.target];
  }
  EXPECT_GE(tested, 40u);  // the channel and each reader met on enough days to be tested
  EXPECT_LE(beyond, tested / 10);
  EXPECT_TRUE(clustered_ids(d, *r).empty());
}

// Heavy posters of a hashtag among schedulers (docs/detection.md, "Scheduled automation"): 30
// accounts post #cause in the same 90-second slots three times a day for a month; 60 organic
// accounts post it six times a day in their own evening hours, 200 more post it or another
// hashtag twice a day. Two heavy posters meet within W on many days by chance, and among their
// 1,770 pairs some meet on more days than any null replicate. Tested among every pair that met
// at all, with the schedulers' p-values from the fitted tail beyond every replicate, the
// schedulers are found and no heavy poster is kept. (In one family of the tested edges with
// p-values no smaller than 1 / (R + 1), the schedulers tie with those chance meetings and
// nothing is kept here; at 1M, where true pairs were most of the tests, the chance meetings
// were kept with them.)
TEST(NativeDefaults, HeavyHashtagPostersDoNotRideOnManyTrueEdges) {
  HashtagPosts posts(5);
  const TimeMs day = 86'400'000, minute = 60'000, t0 = 19'675 * day;  // a UTC midnight
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<TimeMs> evening(18 * 60 * minute, 22 * 60 * minute - 1),
      anytime(0, day - 1), slot(0, 90'000);
  std::uniform_int_distribution<int> topic(0, 29);
  std::set<std::string> schedulers;
  for (int d = 0; d < 30; ++d) {
    for (int at : {9 * 60 + 30, 14 * 60 + 30, 21 * 60 + 30})
      for (int b = 0; b < 30; ++b)
        if (u(posts.rng) < 0.85) {
          schedulers.insert(fmt::format("sched{:02}", b));
          posts.tweet(fmt::format("sched{:02}", b), "#cause", t0 + d * day + at * minute + slot(posts.rng));
        }
    for (int a = 0; a < 60; ++a)
      for (int k = 0; k < 6; ++k)
        posts.tweet(fmt::format("heavy{:02}", a), "#cause", t0 + d * day + evening(posts.rng));
    for (int a = 0; a < 200; ++a)
      for (int k = 0; k < 2; ++k)
        posts.tweet(fmt::format("org{:03}", a),
                    u(posts.rng) < 0.5 ? "#cause" : fmt::format("#topic{}", topic(posts.rng)),
                    t0 + d * day + anytime(posts.rng));
  }
  Dataset d = testing::make_dataset(posts.in);
  auto r = detect(d, DetectOptions{});  // native defaults
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(clustered_ids(d, *r), schedulers);
  std::size_t heavy_tested = 0, heavy_kept = 0;
  for (const Edge& e : r->edges)
    if (d.account_id[e.source].starts_with("heavy") || d.account_id[e.target].starts_with("heavy")) {
      heavy_tested += !std::isnan(e.p_value);
      heavy_kept += e.significant;
    }
  EXPECT_GT(heavy_tested, 0u);  // they met on min_repetition days and were tested
  EXPECT_EQ(heavy_kept, 0u);
}

TEST(NativeDefaults, WithoutTheCrowdCapTheCooccurrenceNullKeepsViralityOut) {
  // Without max_crowd, organic co-sharing of several viral posts passes the time-shift null
  // (the shift breaks the burst itself); the co-occurrence null sees that accounts who share
  // the three most popular posts meet as often as popularity predicts, and drops those edges.
  Scenario s = viral_and_planted(11, 1000);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.max_crowd = 0;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::size_t organic = 0, planted = 0, organic_edges_passing_time_null = 0;
  for (std::size_t a = 0; a < d.accounts(); ++a) {
    if (r->account_cluster[a] == 0) continue;
    (s.planted.count(std::string(d.account_id[a])) ? planted : organic) += 1;
  }
  for (const Edge& e : r->edges)
    if (!s.planted.count(std::string(d.account_id[e.source])) && e.p_value <= 0.01 &&
        e.p_cooccurrence > 0.01)
      ++organic_edges_passing_time_null;
  EXPECT_EQ(organic, 0u);
  EXPECT_EQ(planted, s.planted.size());
  EXPECT_GT(organic_edges_passing_time_null, 100u);  // what the time-shift null alone would keep
}

TEST(NativeDefaults, NullReplicatesZeroKeepsEveryEdgeWithEmptyPValues) {
  Scenario s = viral_and_planted(3);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.null_replicates = 0;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok());
  for (const Edge& e : r->edges) {
    EXPECT_TRUE(e.significant);
    EXPECT_TRUE(std::isnan(e.p_value));
  }
  fs::path out = temp_dir("no_null");
  ASSERT_TRUE(write_detection_outputs(d, *r, opt, out).ok());
  std::string edges = slurp(out / "edges.csv");
  ASSERT_NE(edges.find("\r\n"), std::string::npos);
  std::string first_row = edges.substr(edges.find("\r\n") + 2);
  first_row = first_row.substr(0, first_row.find("\r\n"));
  // source,target,behaviour,weight,pairs,objects,median_delay_s,p_value -> p_value empty.
  int commas = 0;
  std::size_t i = 0;
  for (; i < first_row.size() && commas < 7; ++i) commas += first_row[i] == ',';
  EXPECT_EQ(first_row[i], ',');
}

// --- outputs

// accounts.csv lists every account, by platform and then by account id's bytes, whatever the
// order the accounts were met in, with its message count.
TEST(Outputs, AccountsAreListedByPlatformThenAccountId) {
  const TimeMs t0 = 1'700'000'000'000;
  std::vector<TestMessage> in = {share("b", "x", t0, "1"), share("a", "x", t0 + 1, "2"),
                                 share("c", "y", t0 + 2, "3"), share("B", "y", t0 + 3, "4"),
                                 share("a", "z", t0 + 4, "5"), share("b", "z", t0 + 5, "6")};
  in[1].platform = in[3].platform = "telegram";  // telegram/a and telegram/B
  in[4].platform = "alpha";                      // alpha/a
  Dataset d = testing::make_dataset(in);
  auto r = detect(d, native_no_null());
  ASSERT_TRUE(r.ok());
  fs::path out = temp_dir("accounts-order");
  ASSERT_TRUE(write_detection_outputs(d, *r, native_no_null(), out).ok());
  std::istringstream rows(slurp(out / "accounts.csv"));
  std::vector<std::string> firsts;  // platform, account_id, handle, messages
  for (std::string row; std::getline(rows, row);) {
    std::size_t end = 0;
    for (int field = 0; field < 4; ++field) end = row.find(',', end) + 1;
    firsts.push_back(row.substr(0, end - 1));
  }
  EXPECT_EQ(firsts, (std::vector<std::string>{"platform,account_id,handle,messages", "alpha,a,,1",
                                              "telegram,B,,1", "telegram,a,,1", "test,b,,2",
                                              "test,c,,1"}));
}

TEST(Outputs, FilesHaveTheSpecHeadersAndXmlParses) {
  Scenario s = viral_and_planted(5);
  s.messages[0].text = "hostile <b>&\x01 text \"quoted\", with comma";
  for (auto& m : s.messages)  // a hostile handle for a planted account (nodes of the network)
    if (m.account_id == "bot00") m.handle = "<b>&\x01\"'\xEF\xBF\xBF";
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok());
  fs::path out = temp_dir("outputs");
  AccountScores scores;
  scores.inauthenticity_score.assign(d.accounts(), std::nan(""));
  scores.reasons.assign(d.accounts(), "");
  scores.inauthenticity_score[0] = 0.25;
  scores.reasons[0] = "handle, digits";
  ASSERT_TRUE(write_detection_outputs(d, *r, opt, out, &scores).ok());
  auto header = [&](const char* f) {
    std::string t = slurp(out / f);
    return t.substr(0, t.find("\r\n"));
  };
  EXPECT_EQ(header("edges.csv")
                .rfind("source,target,behaviour,weight,pairs,objects,median_delay_s,p_value", 0),
            0u);
  EXPECT_EQ(header("clusters.csv")
                .rfind("cluster_id,accounts,messages,behaviours,first_time,last_time,median_delay_"
                       "s,p_value,top_objects",
                       0),
            0u);
  EXPECT_EQ(header("accounts.csv"),
            "platform,account_id,handle,messages,cluster_id,coordination_degree,inauthenticity_"
            "score,reasons,cluster_verdict");
  EXPECT_NE(slurp(out / "accounts.csv").find(",0.25,\"handle, digits\""), std::string::npos);
  // Cluster 1 holds the planted accounts: none of them has a score, so its mean is blank;
  // not judged, its verdict is undetermined.
  std::string clusters = slurp(out / "clusters.csv");
  EXPECT_NE(clusters.find(",mean_inauthenticity_score,verdict,verdict_reasons,p_log10,p_method\r\n"),
            std::string::npos);
  std::string row1 = clusters.substr(clusters.find("\r\n") + 2);
  row1 = row1.substr(0, row1.find("\r\n"));
  // Not judged: undetermined with no reasons; then the p-value's logarithm and its method.
  EXPECT_NE(row1.find(",,undetermined,,"), std::string::npos) << row1;
  const std::string method = row1.substr(row1.rfind(',') + 1);
  EXPECT_TRUE(method == "tail" || method == "monte_carlo") << row1;
  ASSERT_TRUE(fs::exists(out / "evidence" / "cluster-1.json"));
  EXPECT_FALSE(
      fs::exists(out / "evidence" / fmt::format("cluster-{}.json", r->clusters.size() + 1)));
  std::string cmd = fmt::format(
      "python3 -c \"import json,sys,xml.etree.ElementTree as E; "
      "g=E.parse(sys.argv[1]).getroot(); m=E.parse(sys.argv[2]).getroot(); "
      "ns={{'g':'http://gexf.net/1.3'}}; n=len(g.findall('.//g:node',ns)); "
      "j=json.load(open(sys.argv[3])); "
      "assert n>=20 and len(j['accounts'])==20 and j['messages'][0]['time'].endswith('Z'); "
      "assert any('<b>&' in (d.text or '') for d in m.iter() if d.get('key')=='handle')\" "
      "{} {} {}",
      (out / "network.gexf").string(), (out / "network.graphml").string(),
      (out / "evidence" / "cluster-1.json").string());
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Outputs, ByteIdenticalWithOneAndTwoThreads) {
  Scenario s = viral_and_planted(9);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  std::vector<fs::path> dirs;
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(threads));
    auto r = detect(d, opt);
    ASSERT_TRUE(r.ok());
    dirs.push_back(temp_dir(fmt::format("threads{}", threads)));
    ASSERT_TRUE(write_detection_outputs(d, *r, opt, dirs.back()).ok());
  }
  for (const char* f : {"edges.csv", "clusters.csv", "accounts.csv", "network.gexf",
                        "network.graphml", "evidence/cluster-1.json"}) {
    std::string a = slurp(dirs[0] / f);
    EXPECT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, slurp(dirs[1] / f)) << f;
  }
}

// The viral and planted scenario with near-duplicate texts too (eight accounts posting four
// points, each in two wordings), so that a change of similarity has something to change.
Dataset with_near_duplicate_texts() {
  Scenario s = viral_and_planted(5, 600);
  std::vector<TestMessage> msgs = s.messages;
  for (int b = 0; b < 8; ++b)
    for (int item = 0; item < 4; ++item) {
      TestMessage m = share(fmt::format("bot{:02}", b), "", 1'700'000'000'000 + item * 3'600'000 + b * 15'000,
                            fmt::format("t{}-{}", b, item));
      m.shares.clear();
      static const char* kPoints[] = {
          "prices at the bazaar doubled while the ministry kept silent about wages",
          "students in the northern provinces marched again for cheaper bread and fuel",
          "the new dam flooded three villages and nobody was paid any compensation",
          "election observers were turned away from polling stations across the capital"};
      m.text = fmt::format("{} {}", kPoints[item], b % 2 == 0 ? "today" : "tonight");
      m.hashtags = {fmt::format("#point{}", item)};
      msgs.push_back(m);
    }
  return testing::make_dataset(msgs);
}

// The sensitivity table re-detects at neighbouring settings with one Detector; whatever it
// reuses, each result must be the one a fresh detect() gives at those settings.
TEST(Outputs, DetectorReuseGivesTheSameFilesAsFreshDetection) {
  Dataset d = with_near_duplicate_texts();
  DetectOptions base;
  base.behaviours = {Behaviour::kShare, Behaviour::kSimilarText};
  std::vector<DetectOptions> settings(9, base);
  settings[1].window_ms = 30'000;
  settings[2].window_ms = 120'000;
  settings[3].min_repetition = 2;  // pairs are tested once from 2: the others are views
  settings[4].min_repetition = 4;
  settings[5].similarity = 0.7;
  settings[6].similarity = 0.9;
  settings[7].fdr = 0.01;
  settings[8].fdr = 0.1;
  // From 2, the main settings' min_repetition of 3 is a view of the test at 2; from 3, as
  // run does it, the test at 2 reuses the p-values of the pairs that reach 3. Told the
  // highest FDR level, as run does it, the cached edges keep replicate rows only up to it.
  // Told the lowest similarity, as run does it, one near-duplicate search at 0.7 serves 0.8
  // and 0.9 too.
  struct Hints {
    int lowest;
    double highest_fdr, lowest_similarity;
  };
  for (auto [lowest, highest_fdr, lowest_similarity] :
       {Hints{2, 1.0, 1.0}, Hints{3, 1.0, 1.0}, Hints{3, 0.1, 1.0}, Hints{3, 0.1, 0.7}}) {
    SCOPED_TRACE(fmt::format("lowest min_repetition {}, highest FDR {}, lowest similarity {}",
                             lowest, highest_fdr, lowest_similarity));
    Detector detector(d, 120'000, lowest, highest_fdr, lowest_similarity);
    for (std::size_t i = 0; i < settings.size(); ++i) {
      if (i == 5) detector.release_actions();  // as run does before the similarity variants
      auto reused = detector.detect(settings[i]);
      auto fresh = detect(d, settings[i]);
      ASSERT_TRUE(reused.ok() && fresh.ok());
      fs::path a = temp_dir(fmt::format("reuse{}", i)), b = temp_dir(fmt::format("fresh{}", i));
      ASSERT_TRUE(write_detection_outputs(d, *reused, settings[i], a).ok());
      ASSERT_TRUE(write_detection_outputs(d, *fresh, settings[i], b).ok());
      for (const char* f : {"edges.csv", "clusters.csv", "accounts.csv", "network.graphml",
                            "evidence/cluster-1.json"})
        EXPECT_EQ(slurp(a / f), slurp(b / f)) << "setting " << i << ": " << f;
      // The funnel's near misses and counts too: a view must give what testing there gives.
      ASSERT_EQ(reused->funnel.size(), fresh->funnel.size());
      for (std::size_t f = 0; f < fresh->funnel.size(); ++f) {
        const BehaviourFunnel &x = reused->funnel[f], &y = fresh->funnel[f];
        EXPECT_EQ(x.edges, y.edges) << "setting " << i;
        EXPECT_EQ(x.co_acting_pairs, y.co_acting_pairs) << "setting " << i;
        ASSERT_EQ(x.candidates.size(), y.candidates.size()) << "setting " << i;
        for (std::size_t c = 0; c < y.candidates.size(); ++c) {
          EXPECT_EQ(x.candidates[c].edge.source, y.candidates[c].edge.source) << "setting " << i;
          EXPECT_EQ(x.candidates[c].edge.target, y.candidates[c].edge.target) << "setting " << i;
          EXPECT_EQ(x.candidates[c].stopped, y.candidates[c].stopped) << "setting " << i;
        }
      }
      EXPECT_TRUE(std::any_of(fresh->edges.begin(), fresh->edges.end(),
                              [](const Edge& e) { return e.behaviour == Behaviour::kSimilarText; }))
          << "setting " << i;
    }
    DetectOptions above = base;
    above.fdr = 0.2;
    EXPECT_EQ(detector.detect(above).ok(), highest_fdr >= 0.2);
  }
}

// run's main detection and sensitivity variants, in the order run computes them (windows,
// similarities, then repetitions once the searches are freed, then FDR levels once the
// actions are freed too), with the message text out of memory from the moment the main
// detection has read it and the other items of the messages from the moment it has built its
// actions, as run holds them: the main result and each variant's clusters are a fresh
// detect()'s, the peer comparison computed before detection is the one computed after it, and
// a call that would need the text (a search below every one made) or the hashtags (their
// actions once freed) fails instead of reading them.
TEST(Outputs, VariantsInRunsOrderNeedNoText) {
  Dataset d = with_near_duplicate_texts();
  const Dataset whole = d;
  DetectOptions base;
  base.behaviours = {Behaviour::kShare, Behaviour::kText, Behaviour::kSimilarText,
                     Behaviour::kHashtag};
  std::vector<DetectOptions> settings(8, base);
  settings[0].window_ms = 30'000;
  settings[1].window_ms = 120'000;
  settings[2].similarity = 0.7;
  settings[3].similarity = 0.9;
  settings[4].min_repetition = 2;
  settings[5].min_repetition = 4;
  settings[6].fdr = 0.01;
  settings[7].fdr = 0.1;
  Detector detector(d, 120'000, 3, 0.1, 0.7);
  std::string events;
  // The columns the near-duplicate search does not read are out of memory meanwhile, as
  // ColumnsAside holds ColumnGroup::kMessageKeys and kObjects; and kObjects, the items of the
  // actions, from the moment the first call has built them.
  const std::vector<StringColumn Dataset::*> keys = {&Dataset::msg_platform, &Dataset::msg_chat_id,
                                                     &Dataset::msg_message_id};
  const std::vector<StringColumn Dataset::*> strings = {&Dataset::msg_reply_to,
                                                        &Dataset::msg_media_key};
  const std::vector<ListColumn Dataset::*> lists = {&Dataset::msg_urls, &Dataset::msg_hashtags,
                                                    &Dataset::msg_mentions};
  const auto take_objects = [&] {
    for (auto c : strings) d.*c = StringColumn{};
    for (auto c : lists) d.*c = ListColumn{};
  };
  detector.around_search(
      [&] {
        events += "search ";
        for (auto c : keys) d.*c = StringColumn{};
        take_objects();
      },
      [&] {
        events += "searched ";
        for (auto c : keys) d.*c = whole.*c;
        for (auto c : strings) d.*c = whole.*c;
        for (auto c : lists) d.*c = whole.*c;
        return Status::Ok();
      });
  detector.after_building_actions([&] {
    events += "actions ";
    take_objects();
  });
  int calls = 0;
  // CooRTweet's rule, as a run computes it: before detection, on every column.
  const PeerRule rule = peer_rule(d, base, detected_behaviours(d, base));
  detector.after_reading_text([&](std::span<const Behaviour> behaviours) {
    events += "text ";
    ++calls;
    EXPECT_EQ(std::vector<Behaviour>(behaviours.begin(), behaviours.end()), base.behaviours);
    d.msg_text = StringColumn{};  // as ColumnsAside holds it
  });
  auto main = detector.detect(base);
  ASSERT_TRUE(main.ok()) << main.status().message();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(events, "search searched text actions ");
  EXPECT_EQ(d.msg_text.size(), 0u);
  auto main_fresh = detect(whole, base);
  ASSERT_TRUE(main_fresh.ok());
  EXPECT_EQ(main->account_cluster, main_fresh->account_cluster);
  ASSERT_EQ(main->edges.size(), main_fresh->edges.size());
  for (std::size_t e = 0; e < main->edges.size(); ++e) {
    const Edge &x = main->edges[e], &y = main_fresh->edges[e];
    EXPECT_EQ(std::tie(x.source, x.target, x.behaviour, x.pairs, x.significant),
              std::tie(y.source, y.target, y.behaviour, y.pairs, y.significant));
    EXPECT_EQ(x.p_value, y.p_value);
  }
  EXPECT_EQ(main->objects.size(), main_fresh->objects.size());
  const auto peer = peer_comparison(rule, *main);
  const auto peer_fresh = peer_comparison(whole, *main_fresh, base);
  ASSERT_EQ(peer.size(), peer_fresh.size());
  bool text_counted = false;
  for (std::size_t b = 0; b < peer.size(); ++b) {
    const PeerCount &x = peer[b], &y = peer_fresh[b];
    EXPECT_EQ(std::tie(x.behaviour, x.computed, x.message_pairs, x.edges, x.accounts, x.pairs),
              std::tie(y.behaviour, y.computed, y.message_pairs, y.edges, y.accounts, y.pairs));
    EXPECT_EQ(std::tie(x.single_object, x.native_edges, x.native_kept),
              std::tie(y.single_object, y.native_edges, y.native_kept));
    text_counted = text_counted || (x.behaviour == Behaviour::kText && x.edges > 0);
  }
  EXPECT_TRUE(text_counted);
  detector.membership_up_to(0.1);
  for (std::size_t i = 0; i < settings.size(); ++i) {
    if (i == 4) detector.release_near_duplicates();
    if (i == 6) detector.release_actions();
    auto reused = detector.detect(settings[i], ClusterDetail::kMembership);
    auto fresh = detect(whole, settings[i]);
    ASSERT_TRUE(reused.ok()) << "setting " << i << ": " << reused.status().message();
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(reused->account_cluster, fresh->account_cluster) << "setting " << i;
    EXPECT_EQ(reused->tested_edges, fresh->tested_edges) << "setting " << i;
    EXPECT_EQ(reused->significant_edges, fresh->significant_edges) << "setting " << i;
    ASSERT_EQ(reused->clusters.size(), fresh->clusters.size()) << "setting " << i;
    for (std::size_t c = 0; c < fresh->clusters.size(); ++c)
      EXPECT_EQ(reused->clusters[c].accounts, fresh->clusters[c].accounts) << "setting " << i;
    EXPECT_TRUE(std::any_of(fresh->edges.begin(), fresh->edges.end(), [](const Edge& e) {
      return e.behaviour == Behaviour::kSimilarText && e.significant;
    })) << "setting " << i;
  }
  EXPECT_EQ(calls, 1);  // in the first call only
  EXPECT_EQ(events, "search searched text actions ");
  DetectOptions lower = base;
  lower.similarity = 0.6;
  auto refused = detector.detect(lower, ClusterDetail::kMembership);
  EXPECT_EQ(refused.status().code(), StatusCode::kInternal) << refused.status().message();
  // With the actions freed, the hashtags' would be built again from the hashtags, out of
  // memory: refused too, not built from nothing.
  DetectOptions other = base;
  other.behaviours = {Behaviour::kHashtag};
  other.window_ms = 45'000;
  auto refused_items = detector.detect(other, ClusterDetail::kMembership);
  EXPECT_EQ(refused_items.status().code(), StatusCode::kInternal)
      << refused_items.status().message();
  EXPECT_NE(refused_items.status().message().find("items for hashtag"), std::string::npos)
      << refused_items.status().message();
}

// The sensitivity variants ask only for their clusters' membership: the same clusters, ids,
// weights, p-values and creation spread as the full description, without the statistics of
// the messages behind them.
TEST(NativeDetect, MembershipDetailKeepsTheClustersAndSkipsTheirMessages) {
  Scenario s = viral_and_planted(5);
  Dataset d = testing::make_dataset(s.messages);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.min_repetition = 2;  // chance pairs in the viral bursts
  // An FDR level at the median tested p-value, so that some edges cannot be kept whatever
  // the scenario's draws (they differ between compilers).
  {
    auto probe = detect(d, opt);
    ASSERT_TRUE(probe.ok());
    std::vector<double> p;
    for (const Edge& e : probe->edges)
      if (!std::isnan(e.p_value)) p.push_back(e.p_value);
    ASSERT_FALSE(p.empty());
    std::sort(p.begin(), p.end());
    opt.fdr = std::clamp(p[p.size() / 2], 1e-9, 0.5);
  }
  Detector detector(d);
  auto full = detector.detect(opt);
  auto members = detector.detect(opt, ClusterDetail::kMembership);
  ASSERT_TRUE(full.ok() && members.ok());
  ASSERT_FALSE(full->clusters.empty());
  EXPECT_EQ(members->account_cluster, full->account_cluster);
  // The same tests; only the edges that may be kept are held, with their evidence, and the
  // others still count: every kept edge is there as in the full result.
  EXPECT_EQ(members->tested_edges, full->tested_edges);
  EXPECT_EQ(members->significant_edges, full->significant_edges);
  EXPECT_EQ(full->pair_edges, full->edges.size());
  EXPECT_EQ(members->pair_edges, full->edges.size());
  EXPECT_LT(members->edges.size(), full->edges.size());
  for (const Edge& m : members->edges) EXPECT_TRUE(detect_internal::may_be_kept(m, opt.fdr));
  std::size_t kept = 0;
  for (const Edge& f : full->edges) {
    if (!f.significant) continue;
    ++kept;
    auto m = std::find_if(members->edges.begin(), members->edges.end(), [&](const Edge& x) {
      return x.source == f.source && x.target == f.target && x.behaviour == f.behaviour;
    });
    ASSERT_NE(m, members->edges.end());
    EXPECT_TRUE(m->significant);
    EXPECT_EQ(m->window_ms, f.window_ms);
    EXPECT_EQ(m->evidence_end - m->evidence_begin, f.evidence_end - f.evidence_begin);
  }
  EXPECT_GT(kept, 0u);
  ASSERT_EQ(members->clusters.size(), full->clusters.size());
  for (std::size_t i = 0; i < full->clusters.size(); ++i) {
    const Cluster &f = full->clusters[i], &m = members->clusters[i];
    EXPECT_EQ(m.id, f.id);
    EXPECT_EQ(m.accounts, f.accounts);
    EXPECT_EQ(m.weight, f.weight);
    EXPECT_EQ(m.internal_edges, f.internal_edges);
    EXPECT_EQ(m.behaviours, f.behaviours);
    auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    EXPECT_TRUE(same(m.p_log10, f.p_log10));
    EXPECT_TRUE(same(m.created_spread_days, f.created_spread_days));
    EXPECT_GT(f.messages, 0u);
    EXPECT_FALSE(f.top_objects.empty());
    EXPECT_EQ(m.messages, 0u);
    EXPECT_TRUE(m.top_objects.empty());
    EXPECT_EQ(m.first_time, kNoTime);
  }
}

// After the main run, run frees what the variants never read: the evidence and replicate rows
// of cached edges above the variants' highest FDR level. Every variant must still find the
// same clusters, tests and evidence of the edges it may keep: the window and FDR variants,
// the views above the main min_repetition and the test below it that reuses the main test's
// rows.
TEST(NativeDetect, VariantsFindTheSameClustersAfterTheCacheIsTrimmed) {
  Scenario s = viral_and_planted(5);
  Dataset d = testing::make_dataset(s.messages);
  for (int main_repetition : {2, 3}) {
    SCOPED_TRACE(fmt::format("main min_repetition {}", main_repetition));
    DetectOptions opt;
    opt.behaviours = {Behaviour::kShare};
    opt.min_repetition = main_repetition;
    // The highest level at half the largest tested p-value, so that the edges nearest the
    // line on both sides are tested whatever the scenario's draws (they differ between
    // compilers).
    double largest = 0;
    {
      auto probe = detect(d, opt);
      ASSERT_TRUE(probe.ok());
      for (const Edge& e : probe->edges)
        if (!std::isnan(e.p_value)) largest = std::max(largest, e.p_value);
    }
    ASSERT_GT(largest, 0);
    const double highest = largest / 2;
    opt.fdr = highest / 2;
    std::vector<DetectOptions> variants(7, opt);
    variants[0].window_ms = 30'000;
    variants[1].window_ms = 120'000;
    variants[2].min_repetition = main_repetition - 1;
    variants[3].min_repetition = main_repetition + 1;
    variants[4].min_repetition = main_repetition + 2;
    variants[5].fdr = opt.fdr / 5;
    variants[6].fdr = highest;
    Detector whole(d, 120'000, opt.min_repetition), trimmed(d, 120'000, opt.min_repetition);
    ASSERT_TRUE(whole.detect(opt).ok() && trimmed.detect(opt).ok());
    trimmed.membership_up_to(highest);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      SCOPED_TRACE(fmt::format("variant {}", v));
      auto a = whole.detect(variants[v], ClusterDetail::kMembership);
      auto b = trimmed.detect(variants[v], ClusterDetail::kMembership);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(b->account_cluster, a->account_cluster);
      ASSERT_EQ(b->clusters.size(), a->clusters.size());
      for (std::size_t i = 0; i < a->clusters.size(); ++i) {
        EXPECT_EQ(b->clusters[i].accounts, a->clusters[i].accounts);
        EXPECT_EQ(b->clusters[i].weight, a->clusters[i].weight);
        EXPECT_EQ(b->clusters[i].p_log10, a->clusters[i].p_log10);
      }
      ASSERT_EQ(b->edges.size(), a->edges.size());
      for (std::size_t i = 0; i < a->edges.size(); ++i) {
        const Edge &x = a->edges[i], &y = b->edges[i];
        EXPECT_EQ(y.source, x.source);
        EXPECT_EQ(y.target, x.target);
        EXPECT_EQ(y.significant, x.significant);
        EXPECT_TRUE(y.p_value == x.p_value || (std::isnan(x.p_value) && std::isnan(y.p_value)));
        EXPECT_TRUE(detect_internal::may_be_kept(x, variants[v].fdr));
        ASSERT_EQ(y.evidence_end - y.evidence_begin, x.evidence_end - x.evidence_begin);
        for (std::uint64_t k = 0; k < x.evidence_end - x.evidence_begin; ++k) {
          EXPECT_EQ(b->evidence[y.evidence_begin + k].source_msg,
                    a->evidence[x.evidence_begin + k].source_msg);
          EXPECT_EQ(b->evidence[y.evidence_begin + k].target_msg,
                    a->evidence[x.evidence_begin + k].target_msg);
        }
        // The rows behind a cluster's p-value: present exactly where the edge may be kept.
        EXPECT_EQ(y.null_row != UINT32_MAX, x.null_row != UINT32_MAX);
      }
      EXPECT_EQ(b->null_weights, a->null_weights);
    }
    // What it no longer holds is refused, not returned incomplete.
    EXPECT_FALSE(trimmed.detect(opt).ok());
    DetectOptions above = opt;
    above.fdr = highest * 1.5;
    EXPECT_FALSE(trimmed.detect(above, ClusterDetail::kMembership).ok());
  }
}

// One near-duplicate search at the widest window, narrowed, must give the table a search at
// the narrow window gives: the same families, actions and verified pairs.
TEST(NativeDetect, SimilarTextSearchedOnceAndNarrowedEqualsSearchAtTheWindow) {
  std::vector<TestMessage> msgs;
  const char* kTexts[] = {"the harvest failed in three provinces and bread prices rose again",
                          "officials promised relief for farmers after the long summer drought"};
  for (int copy = 0; copy < 12; ++copy)
    for (int item = 0; item < 2; ++item) {
      TestMessage m;
      m.account_id = fmt::format("acct{:02}", copy);
      m.message_id = fmt::format("{}-{}", item, copy);
      // Gaps of 0-110 s: some pairs are near duplicates only within 120 s, not 30 s.
      m.time = 1'700'000'000'000 + item * 7'200'000 + (copy * 37'000) % 110'000;
      m.text = fmt::format("{} {}", kTexts[item], copy % 3 == 0 ? "now" : "today");
      msgs.push_back(m);
    }
  Dataset d = testing::make_dataset(msgs);
  DetectOptions wide;
  wide.window_ms = 120'000;
  auto found = detect_internal::find_similar_texts(d, wide, wide.window_ms);
  ASSERT_TRUE(found.ok());
  std::size_t differ = 0;
  for (TimeMs w : {10'000, 30'000, 60'000, 120'000}) {
    DetectOptions o;
    o.window_ms = w;
    std::vector<detect_internal::SimilarPair> narrowed_pairs, fresh_pairs;
    auto narrowed = detect_internal::similar_text_table(d, *found, o, &narrowed_pairs);
    auto fresh = detect_internal::extract_similar_text(d, o, fresh_pairs);
    ASSERT_TRUE(fresh.ok());
    ASSERT_EQ(narrowed.actions.size(), fresh->actions.size()) << w;
    for (std::size_t i = 0; i < narrowed.actions.size(); ++i)
      EXPECT_EQ(narrowed.actions[i].msg, fresh->actions[i].msg) << w;
    EXPECT_EQ(narrowed.object_start, fresh->object_start) << w;
    ASSERT_EQ(narrowed.objects(), fresh->objects()) << w;
    for (std::uint32_t k = 0; k < fresh->objects(); ++k)
      EXPECT_EQ(detect_internal::object_key(d, narrowed, o, k),
                detect_internal::object_key(d, *fresh, o, k));
    ASSERT_EQ(narrowed_pairs.size(), fresh_pairs.size()) << w;
    for (std::size_t i = 0; i < fresh_pairs.size(); ++i) {
      EXPECT_EQ(narrowed_pairs[i].x, fresh_pairs[i].x);
      EXPECT_EQ(narrowed_pairs[i].y, fresh_pairs[i].y);
    }
    differ += fresh_pairs.size() != found->pairs.size();
  }
  EXPECT_GE(differ, 2u);  // the windows do change what is found
}

// The time-shift null's count of meetings, four objects at a time where the processor has
// AVX2, equals the plain loop's on every length (tails of 0-3) and at the edges: differences
// of exactly W and W + 1 either way, times that wrap exactly at the span's end.
TEST(Significance, VectorCountOfMeetingsEqualsThePlainLoop) {
  std::mt19937_64 rng(17);
  const TimeMs span = 30 * 86'400'000LL, window = 60'000;
  std::uniform_int_distribution<TimeMs> anytime(0, span - 1), near(-window - 1, window + 1);
  std::uniform_int_distribution<int> pick(0, 5);
  std::uint64_t meetings = 0;
  for (std::size_t n = 0; n < 40; ++n)
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<TimeMs> a(n), b(n);
      const TimeMs da = trial % 7 == 0 ? span - 1 : anytime(rng), db = anytime(rng);
      for (std::size_t k = 0; k < n; ++k) {
        a[k] = anytime(rng);
        // Mostly pairs whose shifted times differ by d: W, W + 1, -W, -W - 1, or at most W + 1.
        const TimeMs x = (a[k] + da) % span;
        const int kind = pick(rng);
        const TimeMs edges[4] = {window, window + 1, -window, -window - 1};
        const TimeMs d = kind < 4 ? edges[kind] : near(rng);
        b[k] = kind == 5 ? anytime(rng) : (((x - d - db) % span) + span) % span;
        if (trial % 5 == 0 && da > 0) a[k] = span - da;  // wraps to 0 exactly
      }
      const std::uint32_t plain = detect_internal::count_single_meetings_scalar(
          a.data(), b.data(), n, da, db, span, window);
      EXPECT_EQ(detect_internal::count_single_meetings(a.data(), b.data(), n, da, db, span, window),
                plain)
          << n << " " << trial;
      meetings += plain;
    }
  EXPECT_GT(meetings, 10'000u);  // the cases are mostly meetings, not all apart
}

TEST(Significance, PoissonUpperTailMatchesClosedForms) {
  using detect_internal::poisson_upper_tail;
  EXPECT_DOUBLE_EQ(poisson_upper_tail(0, 2.0), 1.0);
  EXPECT_NEAR(poisson_upper_tail(1, 0.5), 1 - std::exp(-0.5), 1e-15);
  EXPECT_NEAR(poisson_upper_tail(2, 3.0), 1 - std::exp(-3.0) * (1 + 3.0), 1e-15);
  // Far in the upper tail the leading term dominates: P(X >= 60 | 1) ~ e^-1 / 60!.
  EXPECT_NEAR(std::log(poisson_upper_tail(60, 1.0)), -1 - std::lgamma(61.0), 0.05);
  EXPECT_GT(poisson_upper_tail(60, 1.0), 0.0);
  EXPECT_EQ(poisson_upper_tail(5, 0.0), 0.0);
}

TEST(Significance, CooccurrenceExpectationIsTheChungLuSum) {
  // a and b share o1, o2, o3 together; c shares o1. Degrees k = 3, 3, 1; popularity s = 3, 2,
  // 2; S = 7. For a-b: x = y = 3/7, E = min(1, 9/7)^2 + 2 (6/7)^2.
  std::vector<TestMessage> in;
  int id = 0;
  for (int o = 1; o <= 3; ++o)
    for (const char* acct : {"a", "b"}) {
      ++id;
      in.push_back(share(acct, fmt::format("o{}", o), 1'000'000 + o * 10'000 + id, std::to_string(id)));
    }
  in.push_back(share("c", "o1", 5'000'000, std::to_string(++id)));
  Dataset d = testing::make_dataset(in);
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  opt.min_repetition = 2;
  auto r = detect(d, opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->edges.size(), 1u);
  const Edge& e = r->edges[0];
  const double expected = 1.0 + 2 * (6.0 / 7) * (6.0 / 7);
  EXPECT_EQ(e.common_objects, 3u);
  EXPECT_NEAR(e.expected_common, expected, 1e-12);
  EXPECT_NEAR(e.p_cooccurrence, detect_internal::poisson_upper_tail(3, expected), 1e-15);
}

TEST(Store, DetectionIsStoredInTheDatabase) {
  fs::path dir = temp_dir("store");
  auto store = Store::open(dir / "groundswell.db");
  ASSERT_TRUE(store.ok()) << store.status().message();
  Scenario s = viral_and_planted(4, 300);
  {
    auto run = store->begin_run("test", "{}");
    ASSERT_TRUE(run.ok());
    MessageWriter writer(*store, *run);
    ASSERT_TRUE(writer.prepare().ok());
    auto file = writer.begin_file(FileInfo{"generated", "0", 0, "test"});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(writer.begin_batch().ok());
    MessageRecord m;
    for (const auto& t : s.messages) {
      m.clear();
      m.platform = t.platform;
      m.message_id = t.message_id;
      m.account_id = t.account_id;
      m.time = t.time;
      m.shares = t.shares;
      ASSERT_TRUE(writer.put_message(m, *file, 0, 0).ok());
    }
    ASSERT_TRUE(writer.commit_batch().ok());
  }
  auto d = load_dataset(*store);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->messages(), s.messages.size());
  DetectOptions opt;
  opt.behaviours = {Behaviour::kShare};
  auto r = detect(*d, opt);
  ASSERT_TRUE(r.ok());
  auto id = store_detection(*store, *d, *r, opt);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto edges = store->db().query_int64(
      fmt::format("SELECT count(*) FROM detection_edges WHERE detection_id={}", *id));
  ASSERT_TRUE(edges.ok());
  EXPECT_EQ(static_cast<std::size_t>(*edges), r->edges.size());
  // Each edge's evidence: its pairs of messages as [source, target] of messages.id, whether
  // their text is made in one block or in many (stored again as a second detection).
  auto in_blocks =
      detect_internal::store_detection_in_blocks(*store, *d, *r, opt, std::nullopt, 3);
  ASSERT_TRUE(in_blocks.ok()) << in_blocks.status().message();
  ASSERT_LT(3u, r->edges.size());
  for (const std::int64_t stored : {*id, *in_blocks}) {
    Stmt ev;
    ASSERT_TRUE(store->db()
                    .prepare("SELECT evidence FROM detection_edges WHERE detection_id = ? "
                             "ORDER BY rowid",
                             ev)
                    .ok());
    ev.bind_int64(1, stored);
    std::size_t read = 0, pairs = 0;
    while (ev.step() == Stmt::kRow) {
      ASSERT_LT(read, r->edges.size());
      const Edge& x = r->edges[read++];
      std::string want = "[";
      for (std::uint64_t k = x.evidence_begin; k < x.evidence_end; ++k, ++pairs)
        want += fmt::format("{}[{},{}]", k == x.evidence_begin ? "" : ",",
                            d->msg_row[r->evidence[k].source_msg],
                            d->msg_row[r->evidence[k].target_msg]);
      EXPECT_EQ(ev.column_text(0), want + "]") << stored << " " << read;
    }
    EXPECT_EQ(read, r->edges.size());
    EXPECT_GT(pairs, r->edges.size());
  }
  auto members = store->db().query_int64(fmt::format(
      "SELECT count(*) FROM detection_cluster_accounts m JOIN accounts a ON a.id = m.account "
      "WHERE m.detection_id = {} AND m.cluster_id = 1 AND a.account_id LIKE 'bot%'",
      *id));
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, 20);
}

}  // namespace
}  // namespace groundswell
