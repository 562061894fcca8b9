#include "estimate/estimate.h"
#include "base/file.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "signals/signals.h"
#include "signals/test_population.h"
#include "store/test_dataset.h"

namespace groundswell {
namespace {

constexpr const char* kActorsToml = R"(
[[actor]]
name = "Green Horizon Front"
sources = ["channel1001"]
markers = ["#GreenHorizon", "green horizon"]
opposition = ["#NoGreenHorizon"]

[[actor]]
name = "Iron Banner Party"
sources = ["@IronBanner"]
markers = ["#IronBanner"]
)";

ActorSet actors() {
  Result<ActorSet> a = parse_actors(kActorsToml);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return std::move(a).value();
}

const SupportRow* find_row(const Estimate& e, std::string_view actor, std::string_view period,
                           std::string_view metric) {
  for (const SupportRow& r : e.rows)
    if (r.actor == actor && r.period == period && r.metric == metric) return &r;
  return nullptr;
}

// What detection would report: one significant cluster per campaign, missing some members.
ClusterAssignment simulated_detection(const testing::Population& pop, double recall,
                                      std::uint64_t seed) {
  testing::SplitMix rng(seed);
  ClusterAssignment a;
  a.cluster_of_account.assign(pop.data.accounts(), -1);
  std::int32_t max_c = -1;
  for (std::size_t i = 0; i < pop.data.accounts(); ++i)
    if (pop.campaign_of[i] >= 0 && rng.chance(recall)) {
      a.cluster_of_account[i] = pop.campaign_of[i];
      max_c = std::max(max_c, pop.campaign_of[i]);
    }
  a.significant.assign(static_cast<std::size_t>(max_c + 1), 1);
  return a;
}

TEST(Actors, ParsesTheSchemaAndRejectsBadFiles) {
  ActorSet set = actors();
  ASSERT_EQ(set.actors.size(), 2u);
  EXPECT_EQ(set.actors[0].name, "Green Horizon Front");
  EXPECT_EQ(set.actors[0].opposition.size(), 1u);
  EXPECT_FALSE(parse_actors("[[actor]]\nmarkers = [\"x\"]\n").ok());  // no name
  EXPECT_FALSE(
      parse_actors(
          "[[actor]]\nname = \"A\"\nmarkers=[\"x\"]\n[[actor]]\nname = \"A\"\nmarkers=[\"y\"]\n")
          .ok());
  EXPECT_FALSE(parse_actors("[[actor]]\nname = \"A\"\nmarkers = \"x\"\n").ok());  // not a list
  EXPECT_FALSE(parse_actors("[[actor\n").ok());
  EXPECT_FALSE(parse_actors("").ok());
  Dataset empty;
  Result<ActorSet> bad = parse_actors("[[actor]]\nname = \"A\"\nregexes = [\"(unclosed\"]\n");
  ASSERT_TRUE(bad.ok());
  Result<ActorMatcher> m = ActorMatcher::create(*bad, empty);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("(unclosed"), std::string::npos);
}

// Found by fuzzing (tests/fuzz/corpus/actors/mention_marker.toml): a marker that is an
// @mention never matched, since markers are looked for in the text without @mentions, and
// was ignored without a word.
TEST(Actors, AMarkerThatCannotMatchIsRefused) {
  for (const char* marker : {"@GreenHorizon", "@a @b", " "}) {
    Result<ActorSet> set = parse_actors(std::string("[[actor]]\nname = \"A\"\nsources = "
                                                    "[\"@GreenHorizon\"]\nmarkers = [\"green\", \"") +
                                        marker + "\"]\n");
    ASSERT_FALSE(set.ok()) << marker;
    EXPECT_NE(set.status().message().find(std::string("marker '") + marker + "'"),
              std::string::npos)
        << set.status().message();
  }
  Result<ActorSet> opposition =
      parse_actors("[[actor]]\nname = \"A\"\nmarkers = [\"green\"]\nopposition = [\"@x\"]\n");
  EXPECT_FALSE(opposition.ok());
  EXPECT_TRUE(parse_actors("[[actor]]\nname = \"A\"\nmarkers = [\"#green\", \"green @x\"]\n").ok());
}

TEST(Actors, MarkersMatchSpellingVariantsOnWordBoundaries) {
  Result<ActorSet> set = parse_actors(R"(
[[actor]]
name = "Green"
markers = ["#افق_سبز", "green horizon", "greenhorizon.example.org"]
regexes = ["sabz[ _]?ofogh"]
opposition = ["#NoGreenHorizon"]
)");
  ASSERT_TRUE(set.ok());
  Dataset empty;
  Result<ActorMatcher> m = ActorMatcher::create(*set, empty);
  ASSERT_TRUE(m.ok());
  auto supports = [&](std::string_view text) {
    auto r = m->match_text(text);
    return (r.support & ~r.opposition) != 0;
  };
  EXPECT_TRUE(supports("زنده باد #افـق_سبز"));  // kashida
  EXPECT_TRUE(supports("زنده باد #افق_سبز!"));
  EXPECT_TRUE(supports("GREEN   Horizon rising"));
  EXPECT_TRUE(supports("see https://greenhorizon.example.org/join"));
  EXPECT_TRUE(supports("Sabz Ofogh"));                    // regex on the case-folded key
  EXPECT_FALSE(supports("RT @SabzOfogh: bread prices"));  // naming the account is not a marker
  EXPECT_FALSE(supports("evergreen horizons"));           // no partial words
  EXPECT_FALSE(supports("lies from green horizon #NoGreenHorizon"));  // opposition wins
  EXPECT_FALSE(supports("weather today"));
}

// Found by fuzzing (tests/fuzz/corpus/actors/hashtag_marker_with_space.toml): a marker that
// starts with a hashtag and goes on with words was looked for as one hashtag with the spaces
// removed, which no text holds, since a hashtag ends at a space.
TEST(Actors, AHashtagFollowedByWordsIsLookedForAsWritten) {
  Result<ActorSet> set =
      parse_actors("[[actor]]\nname = \"Green\"\nmarkers = [\"#Green horizon\", \"#Ofogh\"]\n");
  ASSERT_TRUE(set.ok());
  Dataset empty;
  Result<ActorMatcher> m = ActorMatcher::create(*set, empty);
  ASSERT_TRUE(m.ok());
  auto matches = [&](std::string_view text) { return m->match_text(text).support != 0; };
  EXPECT_TRUE(matches("#Green horizon"));
  EXPECT_TRUE(matches("join #green HORIZON today"));
  EXPECT_FALSE(matches("#greenhorizon"));
  EXPECT_FALSE(matches("#green"));
  EXPECT_TRUE(matches("#OFOGH"));
}

TEST(Estimate, RawFiguresAreWhatIsVisible) {
  testing::Population pop = testing::make_population(11);
  ActorSet set = actors();
  EstimateOptions opt;
  opt.bootstrap_replicates = 50;
  Result<Estimate> e = estimate_support({&pop.data, &set, {}, {}}, opt);
  ASSERT_TRUE(e.ok()) << e.status().message();

  // Independent count: texts with the markers and no opposition hashtag, or the channel.
  std::set<std::uint32_t> accounts;
  double messages = 0, likes = 0;
  for (std::size_t m = 0; m < pop.data.messages(); ++m) {
    std::string t(pop.data.msg_text[m]);
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool marker = t.find("#greenhorizon") != std::string::npos ||
                  t.find("green  horizon") != std::string::npos ||
                  t.find("green horizon") != std::string::npos;
    bool opposed = t.find("#nogreenhorizon") != std::string::npos;
    bool source = pop.data.account_id[pop.data.msg_account[m]] == "channel1001";
    if (source || (marker && !opposed)) {
      ++messages;
      accounts.insert(pop.data.msg_account[m]);
      likes += static_cast<double>(std::max<std::int64_t>(0, pop.data.msg_likes[m]));
    }
  }
  const SupportRow* msgs = find_row(*e, "Green Horizon Front", "all", "messages");
  const SupportRow* accs = find_row(*e, "Green Horizon Front", "all", "accounts");
  const SupportRow* reac = find_row(*e, "Green Horizon Front", "all", "reactions");
  ASSERT_TRUE(msgs && accs && reac);
  EXPECT_EQ(msgs->raw, messages);
  EXPECT_EQ(accs->raw, static_cast<double>(accounts.size()));
  EXPECT_EQ(reac->raw, likes);
  // Without clusters or scores nothing is discounted.
  EXPECT_EQ(accs->adjusted, accs->raw);
  EXPECT_EQ(e->headline[0].raw_accounts, accs->raw);

  // Daily messages add up to the total; share of voice adds up to 100.
  double daily = 0;
  for (const SupportRow& r : e->rows)
    if (r.actor == "Green Horizon Front" && r.metric == "messages" && r.period.size() == 10)
      daily += r.raw;
  EXPECT_EQ(daily, messages);
  double sov = find_row(*e, "Green Horizon Front", "all", "sov_messages")->raw +
               find_row(*e, "Iron Banner Party", "all", "sov_messages")->raw;
  EXPECT_NEAR(sov, 100, 1e-9);
  EXPECT_NE(find_row(*e, "Green Horizon Front", "2024-W10", "messages"), nullptr);
  EXPECT_NE(find_row(*e, "Green Horizon Front", "2024-03", "messages_growth_pct"), nullptr);
  // Subscribers and ERR of the official channel (~5000 views per post on 20000 subscribers).
  EXPECT_EQ(find_row(*e, "Green Horizon Front", "all", "subscribers")->raw, 20000);
  EXPECT_NEAR(find_row(*e, "Green Horizon Front", "all", "err")->raw, 25, 4);
}

TEST(Estimate, AdjustedAccountsRecoverGenuineSupportersWithCoveringIntervals) {
  int covered = 0, seeds = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed, ++seeds) {
    testing::Population pop = testing::make_population(seed);
    Result<SignalTable> sig = compute_signals(pop.data);
    ASSERT_TRUE(sig.ok());
    ActorSet set = actors();
    EstimateOptions opt;
    opt.sample = true;  // the population is one draw of many: sampling intervals
    opt.bootstrap_replicates = 300;
    opt.seed = seed;
    EstimateInputs in{&pop.data, &set, sig->score, {simulated_detection(pop, 0.85, seed)}};
    Result<Estimate> e = estimate_support(in, opt);
    ASSERT_TRUE(e.ok()) << e.status().message();
    const ActorHeadline& g = e->headline[0];
    double genuine = pop.green_genuine_count;
    EXPECT_GT(g.raw_accounts, genuine * 1.5) << "seed " << seed;  // campaigns inflate raw
    EXPECT_NEAR(g.accounts.value, genuine, 0.1 * genuine) << "seed " << seed;
    EXPECT_LE(g.accounts.ci_low, g.accounts.value);
    EXPECT_GE(g.accounts.ci_high, g.accounts.value);
    if (g.accounts.ci_low <= genuine && genuine <= g.accounts.ci_high) ++covered;
    std::cout << "seed " << seed << ": genuine " << genuine << ", raw " << g.raw_accounts
              << ", adjusted " << g.accounts.value << " [" << g.accounts.ci_low << ", "
              << g.accounts.ci_high << "]\n";
    // Iron Banner has no campaign: adjusted stays close to raw.
    const ActorHeadline& iron = e->headline[1];
    EXPECT_NEAR(iron.accounts.value, iron.raw_accounts, 0.1 * iron.raw_accounts);
  }
  EXPECT_GE(covered, 9) << "of " << seeds;
}

TEST(Estimate, ClusterCountsAsOneVoiceAndAverageMember) {
  testing::Population pop = testing::make_population(3, {.organic = 60, .campaigns = 1});
  ActorSet set = actors();
  ClusterAssignment all_members = simulated_detection(pop, 1.0, 1);
  EstimateOptions opt;
  opt.bootstrap_replicates = 20;
  Result<Estimate> without = estimate_support({&pop.data, &set, {}, {}}, opt);
  Result<Estimate> with = estimate_support({&pop.data, &set, {}, {all_members}}, opt);
  ASSERT_TRUE(without.ok() && with.ok());
  double members = 0, member_msgs = 0;
  for (std::size_t a = 0; a < pop.data.accounts(); ++a) members += pop.campaign_of[a] == 0;
  for (std::size_t m = 0; m < pop.data.messages(); ++m)
    member_msgs += pop.campaign_of[pop.data.msg_account[m]] == 0;
  const ActorHeadline& w = with->headline[0];
  const ActorHeadline& wo = without->headline[0];
  EXPECT_EQ(w.accounts.value, wo.accounts.value - members + 1);
  EXPECT_NEAR(w.messages.value, wo.messages.value - member_msgs + member_msgs / members, 1e-6);
}

TEST(Estimate, VerdictsDecideHowAClusterCounts) {
  testing::Population pop = testing::make_population(3, {.organic = 60, .campaigns = 1});
  ActorSet set = actors();
  ClusterAssignment detected = simulated_detection(pop, 1.0, 1);
  double members = 0;
  for (std::size_t a = 0; a < pop.data.accounts(); ++a) members += pop.campaign_of[a] == 0;
  EstimateOptions opt;
  opt.periods = {"all"};
  auto with = [&](ClusterTreatment t) {
    ClusterAssignment c = detected;
    c.treatment.assign(c.significant.size(), t);
    Result<Estimate> e = estimate_support({&pop.data, &set, {}, {c}}, opt);
    EXPECT_TRUE(e.ok());
    return std::move(e).value();
  };
  Result<Estimate> none = estimate_support({&pop.data, &set, {}, {}}, opt);
  ASSERT_TRUE(none.ok());
  const double all = none->headline[0].accounts.value;
  const Estimate undetermined = with(ClusterTreatment::kOneVoice);
  const Estimate inauthentic = with(ClusterTreatment::kDiscount);
  const Estimate organic = with(ClusterTreatment::kKeep);
  EXPECT_EQ(undetermined.headline[0].accounts.value, all - members + 1);  // one voice
  EXPECT_EQ(inauthentic.headline[0].accounts.value, all - members);       // nothing
  EXPECT_EQ(organic.headline[0].accounts.value, all);                     // every member
  // Undetermined supporters are reported as members and as the voice they count for.
  EXPECT_EQ(undetermined.headline[0].undetermined_members, members);
  EXPECT_EQ(undetermined.headline[0].undetermined_voices, 1);
  EXPECT_EQ(inauthentic.headline[0].undetermined_members, 0);
  // Whether an undetermined cluster was manufactured is uncertain: the interval spans its
  // treatments; judged clusters leave no such doubt.
  EXPECT_LE(undetermined.headline[0].accounts.ci_low, all - members + 0.5);
  EXPECT_GE(undetermined.headline[0].accounts.ci_high, all - 0.5);
  EXPECT_EQ(inauthentic.headline[0].accounts.ci_low, inauthentic.headline[0].accounts.ci_high);
  bool removed = false, kept = false;
  for (const SensitivityRow& r : undetermined.sensitivity) {
    if (r.actor != "Green Horizon Front" || r.score_threshold != 1.0) continue;
    if (r.scenario == "undetermined=removed") removed = r.accounts == all - members;
    if (r.scenario == "undetermined=kept") kept = r.accounts == all;
  }
  EXPECT_TRUE(removed && kept);
}

// The export is the population: an adjusted figure's interval is the lowest and highest
// value it takes over the reasonable classifications (every cluster scenario × the score
// thresholds around the chosen one × an undetermined cluster as one voice, as nothing or as
// all its members), each computed here as the point estimate of a run that fixes that one
// classification. So it holds the estimate and never spans more than the difference between
// the most and the least inclusive reasonable classification — for every metric and period,
// even for totals of hundreds of billions of views.
TEST(Estimate, IntervalsSpanTheReasonableClassificationsAndNoMore) {
  testing::Population pop = testing::make_population(4, {.organic = 200});
  for (std::int64_t& v : pop.data.msg_views)
    if (v > 0) v = v * 1'000'003 + 7;  // totals far beyond a float's 24 bits
  // Scores spread evenly over [0, 1), so every threshold moves some accounts.
  std::vector<double> score(pop.data.accounts());
  for (std::size_t a = 0; a < score.size(); ++a) score[a] = std::fmod(0.618034 * a, 1.0);
  ActorSet set = actors();
  ClusterAssignment main = simulated_detection(pop, 0.9, 2);
  ClusterAssignment loose = simulated_detection(pop, 0.6, 3);
  loose.label = "window=10s";
  ClusterAssignment looser = simulated_detection(pop, 0.3, 4);
  looser.label = "window=5s";
  EstimateOptions opt;
  opt.periods = {"all", "week"};
  Result<Estimate> e =
      estimate_support({&pop.data, &set, score, {main, loose, looser}}, opt);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->replicates, 3 * 3 * 3);

  std::vector<Estimate> each;
  for (const ClusterAssignment& scenario : {main, loose, looser})
    for (double threshold : {0.6, 0.7, 0.8})
      for (ClusterTreatment t :
           {ClusterTreatment::kOneVoice, ClusterTreatment::kDiscount, ClusterTreatment::kKeep}) {
        ClusterAssignment fixed = scenario;
        fixed.treatment.assign(fixed.significant.size(), t);
        EstimateOptions one = opt;
        one.score_threshold = threshold;
        Result<Estimate> r = estimate_support({&pop.data, &set, score, {fixed}}, one);
        ASSERT_TRUE(r.ok());
        each.push_back(std::move(r).value());
      }
  std::size_t checked = 0, wide = 0;
  for (std::size_t i = 0; i < e->rows.size(); ++i) {
    const SupportRow& row = e->rows[i];
    if (std::isnan(row.adjusted)) continue;
    double lo = INFINITY, hi = -INFINITY;
    for (const Estimate& c : each) {
      ASSERT_EQ(c.rows[i].metric, row.metric);
      if (std::isnan(c.rows[i].adjusted)) continue;
      lo = std::min(lo, c.rows[i].adjusted);
      hi = std::max(hi, c.rows[i].adjusted);
    }
    if (std::isinf(lo)) continue;
    SCOPED_TRACE(row.actor + " " + row.period + " " + row.metric);
    EXPECT_DOUBLE_EQ(row.ci_low, lo);
    EXPECT_DOUBLE_EQ(row.ci_high, hi);
    EXPECT_LE(row.ci_low, row.adjusted);
    EXPECT_GE(row.ci_high, row.adjusted);
    ++checked;
    wide += hi > lo;
  }
  EXPECT_GT(checked, 100u);
  EXPECT_GT(wide, 20u);  // the classifications do disagree
  // The Assumptions say what population the ranges refer to.
  auto says = [](const Estimate& est, std::string_view words) {
    for (const std::string& a : est.assumptions)
      if (a.find(words) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(says(*e, "The export is taken as the whole population"));
  EXPECT_TRUE(says(*e, "over the 27 reasonable classifications"));
  EstimateOptions sampled = opt;
  sampled.sample = true;
  sampled.bootstrap_replicates = 40;
  Result<Estimate> s = estimate_support({&pop.data, &set, score, {main, loose, looser}}, sampled);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(says(*s, "a simple random sample of the platform's accounts"));
  EXPECT_FALSE(says(*s, "The export is taken as the whole population"));
  const ActorHeadline& g = e->headline[0];
  EXPECT_GT(g.views.value, 1e11);
  EXPECT_LE(g.views.ci_low, g.views.value);
  EXPECT_GE(g.views.ci_high, g.views.value);
}

TEST(Estimate, SensitivityAndDeterminism) {
  testing::Population pop = testing::make_population(5, {.organic = 200});
  Result<SignalTable> sig = compute_signals(pop.data);
  ASSERT_TRUE(sig.ok());
  ActorSet set = actors();
  ClusterAssignment main = simulated_detection(pop, 0.9, 2);
  ClusterAssignment loose = simulated_detection(pop, 0.5, 3);
  loose.label = "window=10s";
  EstimateOptions opt;
  opt.sample = true;
  opt.bootstrap_replicates = 100;
  EstimateInputs in{&pop.data, &set, sig->score, {main, loose}};
  Result<Estimate> a = estimate_support(in, opt);
  Result<Estimate> b = estimate_support(in, opt);
  ASSERT_TRUE(a.ok() && b.ok());
  auto dir = std::filesystem::path(GS_BINARY_DIR) / "estimate_test_out";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(write_support_csv(*a, dir / "a.csv").ok());
  ASSERT_TRUE(write_support_csv(*b, dir / "b.csv").ok());
  auto slurp = [](const std::filesystem::path& p) { return read_whole_file(p).value_or(""); };
  std::string csv = slurp(dir / "a.csv");
  EXPECT_EQ(csv, slurp(dir / "b.csv"));
  // Processing the bins in small chunks (bounded memory) gives the same bytes.
  EstimateOptions chunked = opt;
  chunked.replicate_memory_bytes = 1;
  Result<Estimate> c = estimate_support(in, chunked);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(write_support_csv(*c, dir / "c.csv").ok());
  EXPECT_EQ(csv, slurp(dir / "c.csv"));
  {
    // The bootstrap replicates on one worker thread instead of every core: the same bytes.
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    Result<Estimate> d = estimate_support(in, opt);
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE(write_support_csv(*d, dir / "d.csv").ok());
    EXPECT_EQ(csv, slurp(dir / "d.csv"));
  }
  EXPECT_EQ(csv.rfind("actor,period,metric,raw,adjusted,ci_low,ci_high\r\n", 0), 0u);
  for (std::size_t i = 1; i < a->rows.size(); ++i) {
    const SupportRow &p = a->rows[i - 1], &q = a->rows[i];
    EXPECT_TRUE(std::tie(p.actor, p.period, p.metric) < std::tie(q.actor, q.period, q.metric));
  }

  // 6 thresholds × (2 scenarios + the other supporter definition + undetermined clusters
  // removed or kept) × 2 actors; more lenient thresholds keep more accounts.
  ASSERT_EQ(a->sensitivity.size(), 60u);
  double prev = -1;
  for (const SensitivityRow& r : a->sensitivity) {
    if (r.actor != "Green Horizon Front" || r.scenario != "default") continue;
    EXPECT_GE(r.accounts, prev);
    prev = r.accounts;
  }
  ASSERT_TRUE(write_sensitivity_csv(*a, dir / "s.csv").ok());
  ASSERT_TRUE(write_estimate_outputs(*a, dir / "out").ok());
  EXPECT_EQ(slurp(dir / "out" / "support.csv"), csv);
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "sensitivity.csv"));
  EXPECT_NE(slurp(dir / "s.csv").find("window=10s"), std::string::npos);

  JsonWriter w;
  w.begin_object().key("actors");
  write_actors_json(*a, w);
  w.end_object();
  std::string json = w.str();
  for (const char* k : {"\"name\"", "\"raw\"", "\"accounts\"", "\"messages\"", "\"views\"",
                        "\"engagement\"", "\"adjusted\"", "\"value\"", "\"ci_low\"", "\"ci_high\""})
    EXPECT_NE(json.find(k), std::string::npos) << k;
  EXPECT_FALSE(a->assumptions.empty());
}

// What drives a heavy-tailed total: a big channel dominates Green's views and is counted
// under every classification; an account scoring 0.75 counts only at the threshold 0.8; the
// three members of an undetermined cluster count as one voice (a third each), as nothing or
// as themselves. The report lists the top contributors, what each adds to the adjusted total
// (the least and the most over the classifications) and the share the classifications
// disagree about — and the interval's width is exactly what they disagree about.
TEST(Estimate, DriversListTheAccountsThatDominateATotal) {
  std::vector<testing::TestMessage> in;
  std::vector<std::int64_t> views;
  auto post = [&](const std::string& account, const std::string& handle, std::int64_t v) {
    testing::TestMessage m;
    m.platform = "telegram";
    m.account_id = account;
    m.handle = handle;
    m.message_id = std::to_string(in.size() + 1);
    m.text = "#GreenHorizon today";
    m.time = 1709287200000 + static_cast<TimeMs>(in.size()) * 60'000;
    in.push_back(m);
    views.push_back(v);
  };
  post("channel1001", "GreenOfficial", 900'000);  // the actor's own channel
  post("channel1001", "GreenOfficial", 1'100'000);
  for (int i = 0; i < 10; ++i) post("user" + std::to_string(i), "fan" + std::to_string(i), 100);
  post("userD", "<img src=x onerror=alert(1)>", 5'000);  // scores 0.75
  for (int i = 0; i < 3; ++i) post("userC" + std::to_string(i), "c" + std::to_string(i), 500);
  Dataset d = testing::make_dataset(in);
  for (std::size_t m = 0; m < d.messages(); ++m)
    d.msg_views[m] = views[static_cast<std::size_t>(d.msg_row[m] - 1)];
  std::vector<double> score(d.accounts(), 0.1);
  ClusterAssignment cluster;
  cluster.cluster_of_account.assign(d.accounts(), -1);
  cluster.significant = {1};
  for (std::size_t a = 0; a < d.accounts(); ++a) {
    if (d.account_id[a] == "userD") score[a] = 0.75;
    if (d.account_id[a].starts_with("userC")) cluster.cluster_of_account[a] = 0;
  }
  ActorSet set = actors();
  EstimateOptions opt;
  opt.periods = {"all"};
  opt.top_contributors = 3;
  Result<Estimate> e = estimate_support({&d, &set, score, {cluster}}, opt);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ASSERT_EQ(e->drivers.size(), 2u * 3u);  // two actors × views, reactions, engagement
  const TotalDrivers& v = e->drivers[0];
  EXPECT_EQ(v.actor, "Green Horizon Front");
  EXPECT_EQ(v.metric, "views");
  const double total = 2'000'000 + 10 * 100 + 5'000 + 3 * 500;
  EXPECT_EQ(v.raw, total);
  ASSERT_EQ(v.top.size(), 3u);
  EXPECT_EQ(d.account_id[v.top[0].account], "channel1001");
  EXPECT_EQ(v.top[0].raw, 2'000'000);
  EXPECT_DOUBLE_EQ(v.top[0].share_pct, 2e6 / total * 100);
  EXPECT_EQ(v.top[0].adjusted_low, 2'000'000);  // counted under every classification
  EXPECT_EQ(v.top[0].adjusted_high, 2'000'000);
  EXPECT_EQ(d.account_id[v.top[1].account], "userD");
  EXPECT_EQ(v.top[1].adjusted, 0);  // above 0.7
  EXPECT_EQ(v.top[1].adjusted_low, 0);
  EXPECT_EQ(v.top[1].adjusted_high, 5'000);  // kept at 0.8
  EXPECT_EQ(d.account_id[v.top[2].account], "userC0");  // ties by account order
  EXPECT_DOUBLE_EQ(v.top[2].adjusted, 500.0 / 3);
  EXPECT_EQ(v.top[2].adjusted_low, 0);
  EXPECT_EQ(v.top[2].adjusted_high, 500);
  EXPECT_DOUBLE_EQ(v.top_share_pct, (2e6 + 5'000 + 500) / total * 100);
  EXPECT_EQ(v.uncertain_accounts, 4u);
  EXPECT_DOUBLE_EQ(v.uncertain_share_pct, (5'000 + 1'500) / total * 100);
  const ActorHeadline& g = e->headline[0];
  EXPECT_EQ(g.views.ci_high - g.views.ci_low, 5'000 + 1'500);

  // contributors.csv names them from the dataset, escaped as CSV.
  auto dir = std::filesystem::path(GS_BINARY_DIR) / "estimate_test_drivers";
  ASSERT_TRUE(write_estimate_outputs(*e, dir, &d).ok());
  std::vector<std::vector<std::string>> rows = testing::read_csv((dir / "contributors.csv").string());
  ASSERT_GE(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"actor", "metric", "rank", "platform", "account_id",
                                               "handle", "raw", "share_pct", "adjusted",
                                               "adjusted_low", "adjusted_high"}));
  EXPECT_EQ(rows[1][0], "Green Horizon Front");
  EXPECT_EQ(rows[1][4], "channel1001");
  EXPECT_EQ(rows[2][5], "<img src=x onerror=alert(1)>");
  EXPECT_EQ(rows[2][9], "0");
  EXPECT_EQ(rows[2][10], "5000");
}

// The support definition on hand-made cases: Green's channel posts; accounts re-post it,
// quote it, write for or against it.
class SupportDefinition : public ::testing::Test {
 protected:
  static constexpr TimeMs kT = 1709287200000;  // 2024-03-01T10:00:00Z
  testing::TestMessage post(std::string account, std::string id, std::string text,
                            TimeMs dt = 0) {
    testing::TestMessage m;
    m.platform = "twitter";
    m.account_id = std::move(account);
    m.handle = m.account_id;
    m.message_id = std::move(id);
    m.text = std::move(text);
    m.time = kT + dt;
    return m;
  }
  testing::TestMessage repost(std::string account, std::string id, std::string original,
                              std::string text = "", TimeMs dt = 60'000) {
    testing::TestMessage m = post(std::move(account), std::move(id), std::move(text), dt);
    m.shares = std::move(original);
    return m;
  }
  testing::TestMessage quote(std::string account, std::string id, std::string original,
                             std::string text, TimeMs dt = 60'000) {
    testing::TestMessage m = post(std::move(account), std::move(id), std::move(text), dt);
    m.quotes = std::move(original);
    return m;
  }
  std::vector<testing::TestMessage> base() {
    return {post("GreenChannel", "1", "our rally is on friday"),  // a source's own words
            post("critic", "2", "enough lies from green horizon #NoGreenHorizon")};
  }
  Result<Estimate> estimate(const std::vector<testing::TestMessage>& msgs,
                            SupporterDefinition def = SupporterDefinition::kVisible) {
    data_ = testing::make_dataset(msgs);
    set_ = parse_actors(R"(
[[actor]]
name = "Green"
sources = ["@GreenChannel"]
markers = ["#GreenHorizon", "green horizon"]
opposition = ["#NoGreenHorizon"]
)").value();
    EstimateOptions opt;
    opt.periods = {"all"};
    opt.supporters = def;
    return estimate_support({&data_, &set_, {}, {}}, opt);
  }
  // Which accounts support Green: the raw count and its routes.
  static std::array<double, 4> counts(const Estimate& e) {
    const ActorHeadline& h = e.headline[0];
    return {h.raw_accounts, h.raw_sources, h.raw_own_words, h.raw_reposts_only};
  }
  Dataset data_;
  ActorSet set_;
};

TEST_F(SupportDefinition, RepostingASourceMakesASupporter) {
  auto msgs = base();
  msgs.push_back(repost("fan", "3", "1"));  // a plain retweet of the channel's post
  Result<Estimate> e = estimate(msgs);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(counts(*e), (std::array<double, 4>{2, 1, 0, 1}));  // the channel and the fan
  EXPECT_EQ(e->headline[0].raw_messages, 2);
  // The same fan under the own-words definition is not a supporter, and the sensitivity
  // table shows the difference.
  Result<Estimate> own = estimate(msgs, SupporterDefinition::kOwnWords);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(counts(*own), (std::array<double, 4>{1, 1, 0, 0}));
  bool row = false;
  for (const SensitivityRow& r : e->sensitivity)
    if (r.scenario == "supporters=own-words" && r.score_threshold == 0.7) {
      EXPECT_EQ(r.accounts, 1);
      row = true;
    }
  EXPECT_TRUE(row);
}

TEST_F(SupportDefinition, RepostsOfSupportingTextCountEvenWhenTheOriginalIsMissing) {
  auto msgs = base();
  msgs.push_back(post("writer", "4", "green horizon for a fair bread price"));
  msgs.push_back(repost("a", "5", "4"));  // the original is in the data
  // The original is not in the data: its author from "RT @handle:", its text from the copy.
  msgs.push_back(repost("b", "6", "999", "RT @GreenChannel: see you on friday"));
  msgs.push_back(repost("c", "7", "998", "RT @someone: #GreenHorizon rising"));
  msgs.push_back(repost("d", "8", "997", "RT @someone: weather today"));  // says nothing
  msgs.push_back(repost("e", "9", "2"));  // re-posting the critic is opposition
  Result<Estimate> e = estimate(msgs);
  ASSERT_TRUE(e.ok()) << e.status().message();
  // The channel; the writer (own words); a, b and c (re-posts only).
  EXPECT_EQ(counts(*e), (std::array<double, 4>{5, 1, 1, 3}));
}

TEST_F(SupportDefinition, QuotingWithAnOppositionMarkerIsNotSupport) {
  auto msgs = base();
  msgs.push_back(quote("skeptic", "3", "1", "green horizon again? #NoGreenHorizon"));
  Result<Estimate> e = estimate(msgs);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(counts(*e), (std::array<double, 4>{1, 1, 0, 0}));  // the channel alone
  // A quote's own words that support count as own words, whatever it quotes.
  msgs.push_back(quote("quoter", "4", "2", "this is why green horizon matters"));
  e = estimate(msgs);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(counts(*e), (std::array<double, 4>{2, 1, 1, 0}));
}

TEST_F(SupportDefinition, MoreSupportThanOppositionDecides) {
  auto msgs = base();
  // One re-post of the channel and one opposing quote: a tie, not a supporter.
  msgs.push_back(repost("both", "3", "1"));
  msgs.push_back(quote("both", "4", "1", "no more #NoGreenHorizon", 120'000));
  // Two re-posts and one opposing post: a supporter (by re-posts only).
  msgs.push_back(post("GreenChannel", "5", "second post", 10'000));
  msgs.push_back(repost("mostly", "6", "1"));
  msgs.push_back(repost("mostly", "7", "5", "", 130'000));
  msgs.push_back(post("mostly", "8", "green horizon is wrong #NoGreenHorizon", 200'000));
  Result<Estimate> e = estimate(msgs);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(counts(*e), (std::array<double, 4>{2, 1, 0, 1}));  // the channel and "mostly"
  // Every supporting message counts, whoever wrote it: 2 channel posts + 3 re-posts of them.
  EXPECT_EQ(e->headline[0].raw_messages, 5);
}

TEST_F(SupportDefinition, TelegramForwardsFindTheirChannelByIdOrName) {
  auto chan = [&](std::string account, std::string name, std::string chat, std::string id,
                  std::string text, std::string shares) {
    testing::TestMessage m = post(std::move(account), std::move(id), std::move(text));
    m.platform = "telegram";
    m.display_name = std::move(name);
    m.handle.clear();
    m.chat_id = std::move(chat);
    m.shares = std::move(shares);
    return m;
  };
  std::vector<testing::TestMessage> msgs = {
      chan("channel1", "Green Horizon Official", "channel1", "10", "rally on friday", ""),
      // Forwards of posts that are not in the data: by channel id, by Desktop name key.
      chan("channel2", "News A", "channel2", "11", "rally on friday", "channel1/9"),
      chan("channel3", "News B", "channel3", "12", "rally on friday",
           "name:Green Horizon Official|0123456789abcdef"),
      // A forward of a post that is in the data (chat/message key).
      chan("channel4", "News C", "channel4", "13", "rally on friday", "channel1/10"),
      chan("channel5", "News D", "channel5", "14", "weather", "name:Weather Now|0123456789abcdef")};
  data_ = testing::make_dataset(msgs);
  set_ = parse_actors("[[actor]]\nname = \"Green\"\nsources = [\"channel1\"]\n").value();
  EstimateOptions opt;
  opt.periods = {"all"};
  Result<Estimate> e = estimate_support({&data_, &set_, {}, {}}, opt);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(counts(*e), (std::array<double, 4>{4, 1, 0, 3}));
}

TEST(Estimate, ClusterAssignmentFromDetection) {
  std::vector<std::uint32_t> account_cluster = {0, 1, 1, 2, 0};
  std::vector<double> p = {0.001, 0.4};
  ClusterAssignment a = make_cluster_assignment("default", account_cluster, p, 0.05);
  EXPECT_EQ(a.cluster_of_account, (std::vector<std::int32_t>{-1, 0, 0, 1, -1}));
  EXPECT_EQ(a.significant, (std::vector<std::uint8_t>{1, 0}));
}

// The estimate over the whole period, without replicates, of `d` with each message's shares
// and platform replaced by forward(m): (the key it re-posts, its platform), or empty.
template <typename Forward>
Result<Estimate> forwarding_estimate(Dataset& d, Forward forward) {
  StringColumn shares, platform;
  for (std::size_t m = 0; m < d.messages(); ++m) {
    const auto [key, on] = forward(m);
    shares.push_back(key);
    platform.push_back(on.empty() ? d.msg_platform[m] : on);
  }
  d.msg_shares = shares;
  d.msg_platform = platform;
  const ActorSet set = actors();
  EstimateOptions opt;
  opt.bootstrap_replicates = 0;
  opt.periods = {"all"};
  return estimate_support({&d, &set, {}, {}}, opt);
}

TEST(Estimate, CitationIndexRanksTheForwardedChannel) {
  testing::Population pop = testing::make_population(8, {.organic = 30, .campaigns = 0});
  // Iron's channel and a few organic Telegram posts forward Green's channel (account 0).
  Dataset& d = pop.data;
  Result<Estimate> e = forwarding_estimate(d, [&](std::size_t m) {
    const bool cite = d.msg_account[m] == 1 || (d.msg_account[m] > 1 && m % 3 == 0);
    return cite ? std::pair<std::string, std::string_view>("channel1001/7", "telegram")
                : std::pair<std::string, std::string_view>();
  });
  ASSERT_TRUE(e.ok());
  double green = find_row(*e, "Green Horizon Front", "all", "citation_index")->raw;
  double iron = find_row(*e, "Iron Banner Party", "all", "citation_index")->raw;
  EXPECT_GT(green, 40);
  EXPECT_LT(iron * 5, green);
  EXPECT_EQ(std::max_element(e->citation_index.begin(), e->citation_index.end()) -
                e->citation_index.begin(),
            0);
  double total = 0;
  for (double r : e->citation_index) total += r;
  EXPECT_NEAR(total, 100, 1e-6);
}

// The citation index is the same, bit for bit, every time it is computed: igraph's PageRank
// solver would move its last bits from run to run on OpenMP's threads.
TEST(Estimate, CitationIndexIsTheSameEveryTime) {
  testing::Population pop = testing::make_population(5, {.organic = 2000, .campaigns = 0});
  Dataset& d = pop.data;
  // Every message forwards a post of an account drawn from its position, so that the citation
  // graph spans the accounts.
  const auto forward = [&](std::size_t m) {
    const std::size_t to = (m * 2654435761u) % d.accounts();
    return std::pair<std::string, std::string_view>(std::string(d.account_id[to]) + "/1",
                                                    d.account_platform[to]);
  };
  Result<Estimate> first = forwarding_estimate(d, forward);
  ASSERT_TRUE(first.ok());
  ASSERT_GT(std::count_if(first->citation_index.begin(), first->citation_index.end(),
                          [](double r) { return r > 0; }),
            1000);
  for (int run = 0; run < 5; ++run) {
    Result<Estimate> again = forwarding_estimate(d, forward);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->citation_index, first->citation_index) << "run " << run;
  }
}

}  // namespace
}  // namespace groundswell
