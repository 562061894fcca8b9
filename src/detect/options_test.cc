// DetectOptions: the checks every caller shares, the record that `report` reads back to
// reproduce a run, and the neighbouring settings of the sensitivity table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detect/detect.h"
#include "store/test_dataset.h"

namespace groundswell {
namespace {

std::string error_of(const DetectOptions& o) { return o.validate().message(); }

TEST(DetectOptions, DefaultsAreValidAndCompatModesLinkFromTwoCoActions) {
  EXPECT_TRUE(DetectOptions{}.validate().ok());
  EXPECT_EQ(DetectOptions::defaults(CompatMode::kNone).min_repetition, 3);
  EXPECT_EQ(DetectOptions::defaults(CompatMode::kCnt).min_repetition, 2);
  EXPECT_EQ(DetectOptions::defaults(CompatMode::kCoortweet).min_repetition, 2);
  EXPECT_EQ(DetectOptions::defaults(CompatMode::kCnt).compat, CompatMode::kCnt);
}

TEST(DetectOptions, ErrorsNameTheOptionNotACommandLineFlag) {
  struct Case {
    void (*set)(DetectOptions&);
    std::string option;
  };
  const std::vector<Case> cases = {
      {[](DetectOptions& o) { o.window_ms = -1; }, "window"},
      {[](DetectOptions& o) { o.window_ms = 31LL * 86'400'000; }, "window"},
      {[](DetectOptions& o) { o.min_repetition = 0; }, "min_repetition"},
      {[](DetectOptions& o) { o.similarity = 0; }, "similarity"},
      {[](DetectOptions& o) { o.similarity = 1.5; }, "similarity"},
      {[](DetectOptions& o) { o.fdr = 0; }, "fdr"},
      {[](DetectOptions& o) { o.fdr = 1; }, "fdr"},
      {[](DetectOptions& o) { o.null_replicates = -1; }, "null_replicates"},
      {[](DetectOptions& o) { o.max_crowd = -1; }, "max_crowd"},
      {[](DetectOptions& o) { o.crowd_neighbours = -1; }, "crowd_neighbours"},
      {[](DetectOptions& o) { o.coortweet_edge_weight = 2; }, "coortweet_edge_weight"},
      {[](DetectOptions& o) { o.behaviours = {Behaviour::kPost}; }, "behaviours"},
      {[](DetectOptions& o) {
         o.compat = CompatMode::kCoortweet;
         o.behaviours = {Behaviour::kSimilarText};
       },
       "behaviours"},
  };
  for (const auto& c : cases) {
    DetectOptions o;
    c.set(o);
    std::string message = error_of(o);
    EXPECT_EQ(message.rfind(c.option, 0), 0u) << message;
    EXPECT_EQ(message.find("--"), std::string::npos) << message;
  }
  EXPECT_EQ(error_of([] {
              DetectOptions o;
              o.fdr = 1;
              return o;
            }()),
            "fdr must be in (0, 1) (got 1)");
}

TEST(DetectOptions, DetectRefusesExactlyWhatValidateRefuses) {
  Dataset d = testing::make_dataset({testing::TestMessage{}});
  DetectOptions o;
  o.null_replicates = 0;
  o.fdr = 1;
  auto r = detect(d, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), error_of(o));
  o.fdr = 0.999;
  EXPECT_TRUE(detect(d, o).ok());
}

TEST(DetectOptions, RecordReadsBackToTheSameOptions) {
  DetectOptions o = DetectOptions::defaults(CompatMode::kCnt);
  o.behaviours = {Behaviour::kShare, Behaviour::kSimilarText, Behaviour::kPost};
  o.window_ms = 90'500;
  o.similarity = 0.75;
  o.null_replicates = 0;
  o.fdr = 0.01;
  o.seed = 18'446'744'073'709'551'557ull;
  o.max_crowd = 0;
  o.crowd_neighbours = 7;
  o.min_text_tokens = 2;
  o.coortweet_edge_weight = 0.9;
  o.top_objects = 12;
  std::string record = o.to_json();
  // The peer tools' names in compat mode, as every output names them.
  EXPECT_NE(record.find(R"("behaviours":["co_retweet","co_similar_tweet","co_post"])"),
            std::string::npos)
      << record;
  auto back = DetectOptions::from_json(record);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->to_json(), record);
  EXPECT_EQ(back->behaviours, o.behaviours);
  EXPECT_EQ(back->window_ms, o.window_ms);
  EXPECT_EQ(back->seed, o.seed);
  EXPECT_EQ(back->top_objects, 12);
}

TEST(DetectOptions, RecordOfTheDefaults) {
  EXPECT_EQ(DetectOptions{}.to_json(),
            R"({"behaviours":[],"window_s":60,"window":"inclusive: two actions at most )"
            R"(window_s apart co-act","slow_windows_s":[600,1800],"min_repetition":3,)"
            R"("similarity":0.8,"compat":"none","null_replicates":99,"fdr":0.05,"seed":1,)"
            R"("max_crowd":100,"crowd_neighbours":3,"min_text_tokens":5})");
  // A compatibility mode detects at one window: its record is the one it always was.
  EXPECT_EQ(DetectOptions::defaults(CompatMode::kCnt).to_json().find("slow_windows"),
            std::string::npos);
}

TEST(DetectOptions, OlderRecordsAndBadRecords) {
  // Written before crowd neighbours existed: those detections paired nobody in a crowd.
  auto old = DetectOptions::from_json(R"({"window_s":30,"compat":"none","fdr":0.1})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->crowd_neighbours, 0);
  EXPECT_EQ(old->window_ms, 30'000);
  EXPECT_EQ(old->fdr, 0.1);
  EXPECT_EQ(old->min_repetition, DetectOptions{}.min_repetition);
  EXPECT_TRUE(old->slow_windows.empty());  // ... and at one window
  auto slow = DetectOptions::from_json(R"({"window_s":60,"slow_windows_s":[300,900]})");
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(slow->slow_windows, (std::vector<TimeMs>{300'000, 900'000}));
  EXPECT_FALSE(DetectOptions::from_json(R"({"slow_windows_s":[900,300]})").ok());
  EXPECT_FALSE(DetectOptions::from_json("not json").ok());
  EXPECT_FALSE(DetectOptions::from_json("[1]").ok());
  auto wrong = DetectOptions::from_json(R"({"fdr":"low"})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("'fdr'"), std::string::npos);
  EXPECT_FALSE(DetectOptions::from_json(R"({"compat":"gephi"})").ok());
  EXPECT_FALSE(DetectOptions::from_json(R"({"behaviours":["bogus"]})").ok());
  EXPECT_FALSE(DetectOptions::from_json(R"({"fdr":1})").ok());
}

TEST(DetectOptions, NamesOfBehavioursAndModes) {
  EXPECT_FALSE(parse_behaviours("share,bogus").ok());
  auto b = parse_behaviours("co_retweet, link,share");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<Behaviour>{Behaviour::kShare, Behaviour::kLink}));
  for (CompatMode m : {CompatMode::kNone, CompatMode::kCoortweet, CompatMode::kCnt}) {
    auto parsed = parse_compat(compat_name(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(parse_compat("").value(), CompatMode::kNone);
  EXPECT_FALSE(parse_compat("gephi").ok());
  EXPECT_EQ(behaviour_name(Behaviour::kText, CompatMode::kCnt), "co_tweet");
  EXPECT_EQ(behaviour_name(Behaviour::kMedia, CompatMode::kCnt), "media");
}

std::vector<std::string> labels(const std::vector<DetectVariant>& variants) {
  std::vector<std::string> out;
  for (const auto& v : variants) out.push_back(v.label);
  return out;
}

TEST(SensitivityVariants, OneSettingMovedEachAroundTheDefaults) {
  DetectOptions main;
  auto v = sensitivity_variants(main);
  EXPECT_EQ(labels(v), (std::vector<std::string>{"window=30s", "window=120s", "min_repetition=2",
                                                 "min_repetition=4", "similarity=0.70",
                                                 "similarity=0.90", "fdr=0.01", "fdr=0.1"}));
  EXPECT_EQ(v[0].options.window_ms, 30'000);
  EXPECT_EQ(v[0].parameter, "window_s");
  EXPECT_EQ(v[0].value, 30);
  EXPECT_EQ(v[2].options.min_repetition, 2);
  EXPECT_EQ(v[2].parameter, "min_repetition");
  EXPECT_FALSE(v[2].estimate_scenario);
  EXPECT_TRUE(v[0].estimate_scenario);
  EXPECT_EQ(v[5].options.similarity, main.similarity + 0.1);
  EXPECT_EQ(v[5].options.window_ms, main.window_ms);
  EXPECT_EQ(v[7].parameter, "fdr");
  EXPECT_EQ(v[7].value, 0.1);
  // The window variants move W alone, as --window would: the slow windows stay.
  EXPECT_EQ(v[0].options.slow_windows, main.slow_windows);
  EXPECT_EQ(v[1].options.slow_windows, main.slow_windows);
  EXPECT_EQ(widest_window(main, v), 1'800'000);
}

TEST(SensitivityVariants, EveryVariantValidAndDifferent) {
  DetectOptions low;
  low.similarity = 0.1;  // 0.1 - 0.1 = 0 is no similarity threshold at all
  low.min_repetition = 1;  // 1 - 1 = 0 would link every pair that never co-acted
  EXPECT_EQ(labels(sensitivity_variants(low)),
            (std::vector<std::string>{"window=30s", "window=120s", "min_repetition=2",
                                      "similarity=0.20", "fdr=0.01", "fdr=0.1"}));
  DetectOptions edge;
  edge.slow_windows.clear();
  edge.similarity = 1;  // +0.1 is capped at 1: the main setting again
  edge.fdr = 0.5;       // x2 is capped at 0.5: the main setting again
  edge.window_ms = 20LL * 86'400'000;  // x2 is past the 30-day limit
  auto v = sensitivity_variants(edge);
  EXPECT_EQ(labels(v), (std::vector<std::string>{"window=864000s", "min_repetition=2",
                                                 "min_repetition=4", "similarity=0.90", "fdr=0.1"}));
  for (const auto& x : v) EXPECT_TRUE(x.options.validate().ok()) << x.label;
  EXPECT_EQ(widest_window(edge, v), edge.window_ms);
  DetectOptions none;
  none.window_ms = 0;  // x0.5 and x2 of nothing are nothing
  none.slow_windows.clear();
  EXPECT_EQ(labels(sensitivity_variants(none)).front(), "min_repetition=2");
}

}  // namespace
}  // namespace groundswell
