// Tests of `groundswell eval` (evaluate()): on generated truth and a hand-made accounts.csv,
// the figures over all clusters and over the clusters not judged organic, the look-alike
// groups by verdict, and older outputs without a cluster_verdict column.
#include "eval/evaluate.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "estimate/estimate.h"
#include "eval/generate.h"
#include "pipeline/commands.h"
#include "store/dataset.h"
#include "store/store.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ids_of(simdjson::dom::element group) {
  std::vector<std::string> ids;
  for (simdjson::dom::element m : group["members"].get_array())
    ids.emplace_back(m["account_id"].get_string().value());
  return ids;
}

class EvaluateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base_ = new fs::path(fs::path(GS_BINARY_DIR) / ("evaluate_test-" + std::to_string(::getpid())));
    fs::remove_all(*base_);
    GenerateOptions o;
    o.seed = 11;
    o.messages = 3000;
    o.scale = "small";
    o.out_dir = (*base_ / "gen").string();
    Result<GenerateSummary> r = generate_dataset(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*base_);
    delete base_;
  }

  void SetUp() override {
    ASSERT_EQ(parser_.load((*base_ / "gen" / "truth.json").string()).get(truth_),
              simdjson::SUCCESS);
    for (simdjson::dom::element c : truth_["campaigns"].get_array()) {
      std::string_view kind = c["kind"].get_string().value();
      for (const std::string& id : ids_of(c)) {
        if (c["evasive"].get_bool().value()) {
          evasive_.push_back(id);
        } else if (kind == "scheduled") {
          scheduled_.push_back(id);
        } else {
          // Telegram members are kept apart: their ids are not Twitter ids.
          (c["platform"].get_string().value() == "twitter" ? non_evasive_ : telegram_)
              .push_back(id);
        }
      }
    }
    for (simdjson::dom::element g : truth_["lookalikes"].get_array()) {
      std::string_view name = g["name"].get_string().value();
      (name == "news-outlet-fans"     ? outlet_fans_
       : name == "tehran-derby-crowd" ? crowd_
                                      : official_fans_) = ids_of(g);
    }
    std::set<std::string> lookalike(outlet_fans_.begin(), outlet_fans_.end());
    lookalike.insert(official_fans_.begin(), official_fans_.end());
    lookalike.insert(crowd_.begin(), crowd_.end());
    for (simdjson::dom::element id : truth_["organic"]["twitter"]["accounts"].get_array()) {
      std::string s(id.get_string().value());
      if (!lookalike.count(s) && plain_organic_.size() < 4) plain_organic_.push_back(s);
    }
  }

  // accounts.csv: non-evasive members (but the scheduled automation) in cluster 1, judged
  // inauthentic; the outlet's fans with the automation in cluster 2, judged organic; five of
  // the crowd with the evasive members in cluster 3, inauthentic; ten official fans with three
  // plain organic accounts in cluster 4, undetermined; a fourth organic account in none.
  fs::path write_run(const std::string& name, bool with_verdicts, const std::string& odd = {}) {
    fs::path dir = *base_ / name;
    fs::create_directories(dir);
    std::ofstream out(dir / "accounts.csv");
    out << "platform,account_id,handle,messages,cluster_id,coordination_degree,"
           "inauthenticity_score,reasons"
        << (with_verdicts ? ",cluster_verdict\n" : "\n");
    auto row = [&](const std::string& platform, const std::string& id, const std::string& cluster,
                   const std::string& verdict) {
      out << platform << ',' << id << ",,3," << cluster << ",2,0.5,"
          << (cluster.empty() ? "" : "\"a;b\"");
      if (with_verdicts) out << ',' << verdict;
      out << '\n';
    };
    for (const auto& id : non_evasive_) row("twitter", id, "1", "inauthentic");
    for (const auto& id : telegram_) row("telegram", id, "1", "inauthentic");
    for (const auto& id : outlet_fans_) row("twitter", id, "2", "organic");
    for (const auto& id : scheduled_) row("twitter", id, "2", "organic");
    for (std::size_t i = 0; i < 5; ++i) row("twitter", crowd_[i], "3", "inauthentic");
    for (const auto& id : evasive_) row("twitter", id, "3", odd.empty() ? "inauthentic" : odd);
    for (std::size_t i = 0; i < 10; ++i) row("twitter", official_fans_[i], "4", "undetermined");
    for (std::size_t i = 0; i < 3; ++i) row("twitter", plain_organic_[i], "4", "undetermined");
    row("twitter", plain_organic_[3], "", "");
    return dir;
  }

  static fs::path* base_;
  simdjson::dom::parser parser_;
  simdjson::dom::element truth_;
  std::vector<std::string> non_evasive_, telegram_, scheduled_, evasive_;
  std::vector<std::string> outlet_fans_, official_fans_, crowd_, plain_organic_;
};
fs::path* EvaluateTest::base_ = nullptr;

TEST_F(EvaluateTest, VerdictsSplitPrecisionRecallAndLookalikes) {
  ASSERT_FALSE(scheduled_.empty());
  ASSERT_FALSE(evasive_.empty());
  ASSERT_GE(crowd_.size(), 60u);
  ASSERT_GE(official_fans_.size(), 15u);
  Result<Evaluation> r = evaluate(*base_ / "gen" / "truth.json", write_run("verdicts", true));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Evaluation& e = *r;
  const double ne = static_cast<double>(non_evasive_.size() + telegram_.size());
  const double s = static_cast<double>(scheduled_.size()),
               ev = static_cast<double>(evasive_.size());
  const double fans = static_cast<double>(outlet_fans_.size());
  const double predicted = ne + fans + s + 5 + ev + 10 + 3;
  EXPECT_TRUE(e.has_verdicts);
  EXPECT_EQ(e.predicted, predicted);
  EXPECT_EQ(e.true_positive, ne + s + ev);
  EXPECT_DOUBLE_EQ(e.precision, (ne + s + ev) / predicted);
  EXPECT_DOUBLE_EQ(e.recall_non_evasive, 1.0);
  EXPECT_DOUBLE_EQ(e.recall_evasive, 1.0);
  // Not judged organic: the outlet's fans and the automation are out.
  EXPECT_EQ(e.flagged, predicted - fans - s);
  EXPECT_EQ(e.flagged_true_positive, ne + ev);
  EXPECT_DOUBLE_EQ(e.precision_flagged, (ne + ev) / (predicted - fans - s));
  EXPECT_DOUBLE_EQ(e.recall_non_evasive_flagged, ne / (ne + s));
  EXPECT_DOUBLE_EQ(e.recall_evasive_flagged, 1.0);
  EXPECT_EQ(e.clusters_by_verdict, (std::array<std::uint64_t, 3>{1, 2, 1}));
  EXPECT_EQ(e.accounts_by_verdict,
            (std::array<std::uint64_t, 3>{13, static_cast<std::uint64_t>(ne + 5 + ev),
                                          static_cast<std::uint64_t>(fans + s)}));
  EXPECT_EQ(e.organic_in_clusters, fans + 5 + 10 + 3);
  for (const CampaignScore& c : e.campaigns) {
    if (c.kind != "scheduled") continue;
    EXPECT_EQ(c.found, s);
    EXPECT_EQ(c.flagged, 0u);
    EXPECT_DOUBLE_EQ(c.recall, 1.0);
    EXPECT_DOUBLE_EQ(c.recall_flagged, 0.0);
  }

  ASSERT_EQ(e.lookalikes.size(), 3u);
  for (const LookalikeScore& g : e.lookalikes) {
    if (g.name == "news-outlet-fans") {
      EXPECT_EQ(g.kind, "notification_fans");
      EXPECT_EQ(g.members, fans);
      EXPECT_EQ(g.in_clusters, fans);
      EXPECT_EQ(g.by_verdict, (std::array<std::uint64_t, 3>{0, 0, outlet_fans_.size()}));
    } else if (g.name == "official-fans-green-horizon") {
      EXPECT_EQ(g.members, official_fans_.size());
      EXPECT_EQ(g.in_clusters, 10u);
      EXPECT_EQ(g.by_verdict, (std::array<std::uint64_t, 3>{10, 0, 0}));
    } else {
      EXPECT_EQ(g.kind, "crowd");
      EXPECT_EQ(g.members, crowd_.size());
      EXPECT_EQ(g.in_clusters, 5u);
      EXPECT_EQ(g.by_verdict, (std::array<std::uint64_t, 3>{0, 5, 0}));
    }
  }
  const double lookalikes = fans + static_cast<double>(official_fans_.size() + crowd_.size());
  EXPECT_EQ(e.lookalike_total.members, lookalikes);
  EXPECT_EQ(e.lookalike_total.in_clusters, fans + 15);
  EXPECT_DOUBLE_EQ(e.lookalike_inauthentic_share, 5 / lookalikes);

  // The same figures in eval.json and in the text.
  simdjson::dom::parser jp;
  simdjson::dom::element j;
  const std::string json = evaluation_to_json(e);
  ASSERT_EQ(jp.parse(json).get(j), simdjson::SUCCESS);
  EXPECT_DOUBLE_EQ(j["not_organic"]["precision"].get_double().value(), e.precision_flagged);
  EXPECT_DOUBLE_EQ(j["lookalikes"]["inauthentic_share"].get_double().value(), 5 / lookalikes);
  EXPECT_EQ(j["lookalikes"]["groups"].get_array().value().size(), 3u);
  EXPECT_EQ(j["clusters_by_verdict"]["organic"].get_uint64().value(), 1u);
  EXPECT_TRUE(j["cluster_verdicts"].get_bool().value());
  const std::string text = evaluation_to_text(e);
  EXPECT_NE(text.find("cluster verdicts: 2 inauthentic"), std::string::npos) << text;
  EXPECT_NE(text.find("tehran-derby-crowd"), std::string::npos) << text;
}

// Outputs from before verdicts: every cluster counts as undetermined, so nothing is excluded
// as organic and no look-alike is in a cluster judged inauthentic.
TEST_F(EvaluateTest, WithoutTheColumnEveryClusterIsUndetermined) {
  Result<Evaluation> with = evaluate(*base_ / "gen" / "truth.json", write_run("verdicts2", true));
  Result<Evaluation> r = evaluate(*base_ / "gen" / "truth.json", write_run("plain", false));
  ASSERT_TRUE(r.ok() && with.ok());
  EXPECT_FALSE(r->has_verdicts);
  EXPECT_EQ(r->predicted, with->predicted);
  EXPECT_DOUBLE_EQ(r->precision, with->precision);
  EXPECT_EQ(r->flagged, r->predicted);
  EXPECT_DOUBLE_EQ(r->precision_flagged, r->precision);
  EXPECT_DOUBLE_EQ(r->recall_non_evasive_flagged, r->recall_non_evasive);
  EXPECT_EQ(r->clusters_by_verdict, (std::array<std::uint64_t, 3>{4, 0, 0}));
  EXPECT_EQ(r->lookalike_total.in_clusters, with->lookalike_total.in_clusters);
  EXPECT_EQ(r->lookalike_total.by_verdict[static_cast<std::size_t>(Verdict::kInauthentic)], 0u);
  EXPECT_EQ(r->lookalike_inauthentic_share, 0.0);
  EXPECT_DOUBLE_EQ(r->adjusted_rand_index, with->adjusted_rand_index);
  EXPECT_NE(evaluation_to_text(*r).find("no cluster_verdict column"), std::string::npos);
}

TEST_F(EvaluateTest, AnUnknownVerdictIsAnError) {
  Result<Evaluation> r =
      evaluate(*base_ / "gen" / "truth.json", write_run("odd", true, "suspicious"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown cluster_verdict 'suspicious'"), std::string::npos)
      << r.status().message();
}

// The main job on the generated data, scored by eval: the raw figures are what the export
// shows, so they equal the truth's visible supporters and visible totals exactly (two
// independent implementations of one definition: the estimator reads the text, the
// generator decides from what it chose to write); the adjusted totals carry intervals that
// hold their estimate, and eval reports each against the genuine total.
TEST_F(EvaluateTest, RawTotalsAreTheVisibleOnesAndAPerfectClassificationLeavesTheGenuine) {
  RunOptions run;
  run.input.inputs = {(*base_ / "gen" / "data").string()};
  run.out_dir = (*base_ / "run").string();
  run.actors_path = (*base_ / "gen" / "actors.toml").string();
  run.sensitivity = false;
  run.progress = false;
  ASSERT_TRUE(run_command(run).ok());
  Result<Evaluation> e = evaluate(*base_ / "gen" / "truth.json", *base_ / "run");
  ASSERT_TRUE(e.ok()) << e.status().message();
  ASSERT_EQ(e->actors.size(), 3u);
  for (const ActorScore& a : e->actors) {
    ASSERT_TRUE(a.has_estimate && a.has_totals) << a.name;
    EXPECT_EQ(a.accounts.raw, a.accounts.visible) << a.name;
    for (std::size_t i = 0; i < a.totals.size(); ++i) {
      const SupportScore& s = a.totals[i];
      SCOPED_TRACE(a.name + " " + kTotalNames[i]);
      EXPECT_EQ(s.raw, s.visible);
      EXPECT_LE(s.genuine, s.visible);
      EXPECT_LE(s.ci_low, s.adjusted);
      EXPECT_GE(s.ci_high, s.adjusted);
      EXPECT_EQ(s.covered, s.ci_low <= s.genuine && s.genuine <= s.ci_high);
    }
    EXPECT_GT(a.totals[1].visible, 0);  // views
  }
  const std::string text = evaluation_to_text(*e);
  EXPECT_NE(text.find("reactions"), std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element json;
  ASSERT_EQ(parser.parse(evaluation_to_json(*e)).get(json), simdjson::SUCCESS);
  EXPECT_EQ(json["actors"].at(0)["totals"]["views"]["raw"].get_double().value(),
            e->actors[0].totals[1].visible);

  // With the classification that discounts exactly the campaigns' accounts, the adjusted
  // figures are the truth's genuine ones, to the unit: an interval misses the truth only
  // where the reasonable classifications all miss some of the manufactured accounts.
  Result<Store> store = Store::open(*base_ / "run" / "groundswell.db", /*read_only=*/true);
  ASSERT_TRUE(store.ok()) << store.status().message();
  Result<Dataset> data = load_dataset(*store);
  ASSERT_TRUE(data.ok());
  Result<ActorSet> set = load_actors_file((*base_ / "gen" / "actors.toml").string());
  ASSERT_TRUE(set.ok());
  std::set<std::string> members;
  for (simdjson::dom::element c : truth_["campaigns"].get_array())
    for (simdjson::dom::element m : c["members"].get_array())
      members.insert(std::string(m["platform"].get_string().value()) + ':' +
                     std::string(m["account_id"].get_string().value()));
  ClusterAssignment oracle;
  oracle.cluster_of_account.assign(data->accounts(), -1);
  oracle.significant = {1};
  oracle.treatment = {ClusterTreatment::kDiscount};
  std::size_t found = 0;
  for (std::size_t a = 0; a < data->accounts(); ++a)
    if (members.count(std::string(data->account_platform[a]) + ':' +
                      std::string(data->account_id[a]))) {
      oracle.cluster_of_account[a] = 0;
      ++found;
    }
  EXPECT_EQ(found, members.size());
  EstimateOptions opt;
  opt.periods = {"all"};
  Result<Estimate> perfect = estimate_support({&*data, &*set, {}, {oracle}}, opt);
  ASSERT_TRUE(perfect.ok()) << perfect.status().message();
  for (std::size_t k = 0; k < e->actors.size(); ++k) {
    const ActorHeadline& h = perfect->headline[k];
    const ActorScore& a = e->actors[k];
    ASSERT_EQ(h.name, a.name);
    EXPECT_EQ(h.accounts.value, a.accounts.genuine) << a.name;
    const double adjusted[6] = {h.messages.value,  h.views.value,   h.forwards.value,
                                h.reactions.value, h.replies.value, h.engagement.value};
    for (std::size_t i = 0; i < a.totals.size(); ++i)
      EXPECT_EQ(adjusted[i], a.totals[i].genuine) << a.name << " " << kTotalNames[i];
  }
}

}  // namespace
}  // namespace groundswell
