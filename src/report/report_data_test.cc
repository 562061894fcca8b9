#include "report/report_data.h"
#include "base/file.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>

#include "report/html.h"

namespace groundswell {
namespace {

// Every field filled, as the analysis would for a run with actors and clusters.
ReportData full_data() {
  ReportData d;
  d.meta = {.title = "Run", .version = "0.1.0", .generated_at = "2024-04-16T09:30:00Z", .seed = 1,
            .period = "day", .parameters = {{"window_s", std::int64_t{60}}, {"fdr", 0.05}},
            .interval = "range over 63 reasonable classifications"};
  d.provenance.files.push_back({"a.json", "telegram-export", 10, 7, 2, 1});
  d.provenance.totals = {{"messages", 7}};
  d.provenance.reject_samples.push_back({"a.json", "line 3", "missing date", "{\"id\":1"});
  d.headline.push_back({.actor = "Front", .metric = "accounts", .raw = 100, .adjusted = 80, .ci_low = 75, .ci_high = 85});
  d.series.push_back({.actor = "Front", .metric = "accounts", .period = "2024-03-01", .raw = 10, .adjusted = 8,
                      .ci_low = 7, .ci_high = 9});
  d.share_of_voice.push_back({"Front", "accounts", 60.0, 55.0});
  d.drivers.push_back({.actor = "Front", .metric = "views", .raw = 1000, .adjusted = 900,
                       .ci_low = 880, .ci_high = 950, .top_share_pct = 70, .uncertain_accounts = 2,
                       .uncertain_share_pct = 7,
                       .top = {{"user1", "ali1", "Ali", "telegram", 700, 70, 700, 700, 700}}});
  d.network.nodes.push_back({"user1", "Ali", "ali1", "telegram", 1, 0.9, 12});
  d.network.nodes.push_back({"user2", "Sara", "sara2", "telegram", 1, 0.8, 30});
  d.network.edges.push_back({"user1", "user2", "share", 5, 0.001});
  ReportCluster c;
  c.id = 1;
  c.accounts = 2;
  c.messages = 42;
  c.behaviours = {"share"};
  c.first_time = "2024-03-01T00:00:00Z";
  c.last_time = "2024-03-02T00:00:00Z";
  c.median_delay_s = 12.5;
  c.p_value = 0.001;
  c.p_log10 = -3;
  c.p_method = "tail";
  c.mean_score = 0.85;
  c.verdict = "inauthentic";
  c.verdict_reasons = "92% of the members created within 14 days";
  c.top_objects.push_back({"share", "https://t.me/x/1", 40});
  c.evidence.push_back({"9000", "user1", "ali1", "News", "2024-03-01T00:00:05Z", "text", "https://t.me/x/1", "share"});
  d.clusters.push_back(c);
  d.signals.push_back({.name = "inauthenticity_score", .label = "Score", .unit = "score", .threshold = 0.7,
                       .bins = {{0, 0.5, 3}, {0.5, 1, 2}}});
  d.sensitivity.push_back({"window_s", std::int64_t{60}, "Front", "accounts", 80, 75, 85, true});
  d.assumptions = {"Clusters count as one voice."};
  ReportOverview& o = d.overview.emplace();
  o.first_time = "2024-03-01T00:00:00Z";
  o.last_time = "2024-03-02T00:00:00Z";
  o.messages = 7;
  o.days = 2;
  o.active_days = 2;
  o.platforms.push_back({"telegram", 7, 1, 2});
  o.daily.push_back({"telegram", "2024-03-01", 7, 1, 2});
  o.top_accounts.push_back({"user1", "ali1", "Ali", "telegram", 5, 4, 2, "2024-03-01T00:00:00Z",
                            "2024-03-02T00:00:00Z", 1});
  o.behaviours.push_back({"share", 6, 2, 2});
  o.top_objects.push_back({"share", "https://t.me/x/1", 5, 2});
  o.languages.push_back({"fa", 7});
  o.gaps.push_back({"2024-03-01T02:00:00Z", "2024-03-01T05:00:00Z", 3});
  o.rejected = 1;
  o.reject_reasons.push_back({"missing date", 1});
  ReportFunnel& f = d.funnel.emplace();
  f.compat = "none";
  f.window_s = 60;
  f.min_repetition = 3;
  f.fdr = 0.05;
  f.null_replicates = 99;
  f.clusters = 1;
  f.coordinated_accounts = 2;
  f.behaviours.push_back({"share", 6, 2, 0, 3, {2, 0, 1}, 1, 2, true, true, 1, 1, 1, 1, 1, 2});
  ReportCandidate c2;
  c2.behaviour = "share";
  c2.a = {"user1", "ali1", "Ali", "telegram"};
  c2.b = {"user3", "", "", "telegram"};
  c2.objects = 2;
  c2.pairs = 2;
  c2.stopped = "repetition";
  f.candidates.push_back(c2);
  f.peer_rule = "CooRTweet";
  f.peer_min_participation = 2;
  f.peer.push_back({"share", true, 10, 3, 4, 9, 2, 1, 1});
  d.detection_sensitivity.push_back({"window_s", 60, true, 3, 1, 1, 2});
  return d;
}

std::set<std::string> keys_of(simdjson::dom::object o) {
  std::set<std::string> out;
  for (auto field : o) out.emplace(field.key);
  return out;
}

std::string read_file(const std::string& path) { return read_whole_file(path).value_or(""); }

// The browser test's fixture is what the front end is tested against; the C++ writer must
// produce the same field names, section by section.
TEST(ReportDataToJson, FieldNamesMatchTheFrontEndFixture) {
  const std::string fixture_text = read_file(std::string(GS_SOURCE_DIR) + "/tests/browser/fixture.json");
  ASSERT_FALSE(fixture_text.empty());
  const std::string ours_text = report_data_to_json(full_data());
  simdjson::dom::parser p1;
  simdjson::dom::parser p2;
  simdjson::dom::element fixture;
  simdjson::dom::element ours;
  ASSERT_FALSE(p1.parse(simdjson::padded_string(fixture_text)).get(fixture));
  ASSERT_FALSE(p2.parse(simdjson::padded_string(ours_text)).get(ours)) << ours_text;

  EXPECT_EQ(keys_of(ours.get_object().value()), keys_of(fixture.get_object().value()));
  // Objects: meta, provenance, network.
  for (const char* section : {"meta", "overview", "funnel", "provenance", "network"}) {
    EXPECT_EQ(keys_of(ours[section].get_object().value()), keys_of(fixture[section].get_object().value())) << section;
  }
  // Arrays of rows: the first row's fields.
  const std::vector<std::vector<std::string>> paths = {
      {"headline"}, {"series"}, {"share_of_voice"}, {"drivers"}, {"clusters"}, {"sensitivity"},
      {"provenance", "files"}, {"provenance", "reject_samples"}, {"network", "nodes"}, {"network", "edges"},
      {"overview", "platforms"}, {"overview", "daily"}, {"overview", "top_accounts"},
      {"overview", "behaviours"}, {"overview", "top_objects"}, {"overview", "languages"},
      {"overview", "gaps"}, {"overview", "reject_reasons"}, {"funnel", "behaviours"},
      {"funnel", "candidates"}, {"funnel", "peer"}, {"detection_sensitivity"}};
  for (const auto& path : paths) {
    simdjson::dom::element a = ours;
    simdjson::dom::element b = fixture;
    for (const std::string& k : path) {
      a = a[k].value();
      b = b[k].value();
    }
    EXPECT_EQ(keys_of(a.at(0).get_object().value()), keys_of(b.at(0).get_object().value())) << path.back();
  }
  EXPECT_EQ(keys_of(ours["clusters"].at(0)["evidence"].at(0).get_object().value()),
            keys_of(fixture["clusters"].at(0)["evidence"].at(0).get_object().value()));
  EXPECT_EQ(keys_of(ours["drivers"].at(0)["top"].at(0).get_object().value()),
            keys_of(fixture["drivers"].at(0)["top"].at(0).get_object().value()));
  EXPECT_EQ(keys_of(ours["clusters"].at(0)["top_objects"].at(0).get_object().value()),
            keys_of(fixture["clusters"].at(0)["top_objects"].at(0).get_object().value()));
  EXPECT_EQ(keys_of(ours["funnel"]["candidates"].at(0)["accounts"].at(1).get_object().value()),
            std::set<std::string>({"account", "platform"}));  // empty handle and label left out
  EXPECT_EQ(keys_of(ours["signals"].at(0).get_object().value()),
            keys_of(fixture["signals"].at(0).get_object().value()));
}

TEST(ReportDataToJson, HostileTextAndNonFiniteNumbersStayValid) {
  ReportData d = full_data();
  d.clusters[0].evidence[0].text = "</script><script>window.__pwned=1</script> \"q\" \\ \x01 سلام";
  d.network.nodes[0].handle = "<img src=x onerror=\"window.__pwned=1\">";
  d.headline[0].adjusted = std::numeric_limits<double>::quiet_NaN();
  d.headline[0].ci_low = std::numeric_limits<double>::infinity();
  d.headline[0].ci_high.reset();
  const std::string json = report_data_to_json(d);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(simdjson::padded_string(json)).get(root)) << json;
  EXPECT_EQ(std::string(root["clusters"].at(0)["evidence"].at(0)["text"].get_string().value()),
            d.clusters[0].evidence[0].text);
  EXPECT_TRUE(root["headline"].at(0)["adjusted"].is_null());
  EXPECT_TRUE(root["headline"].at(0)["ci_low"].is_null());
  EXPECT_TRUE(root["headline"].at(0)["ci_high"].is_null());
  EXPECT_EQ(root["headline"].at(0)["raw"].get_double().value(), 100.0);
  EXPECT_TRUE(render_report_html(json, "", "").ok());
}

TEST(ReportDataToJson, EmptyRunIsAValidReport) {
  const std::string json = report_data_to_json(ReportData{});
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(simdjson::padded_string(json)).get(root)) << json;
  EXPECT_EQ(root["clusters"].get_array().value().size(), 0u);
  EXPECT_EQ(root["network"]["nodes"].get_array().value().size(), 0u);
  EXPECT_TRUE(root["meta"]["seed"].is_null());
  EXPECT_TRUE(render_report_html(json, "", "").ok());
}

TEST(ReportDataToJson, SameDataSameBytes) {
  EXPECT_EQ(report_data_to_json(full_data()), report_data_to_json(full_data()));
}

}  // namespace
}  // namespace groundswell
