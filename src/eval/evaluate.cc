#include "eval/evaluate.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/json_writer.h"
#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell {
namespace {

std::string key(std::string_view platform, std::string_view id) {
  std::string k(platform);
  k.push_back(':');
  k.append(id);
  return k;
}

double choose2(double n) { return n * (n - 1) / 2; }

// Hubert & Arabie's adjusted Rand index of two labelings of the same items.
double adjusted_rand(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::map<std::pair<std::string, std::string>, double> cells;
  std::map<std::string, double> rows, cols;
  for (std::size_t i = 0; i < a.size(); ++i) {
    cells[{a[i], b[i]}] += 1;
    rows[a[i]] += 1;
    cols[b[i]] += 1;
  }
  double index = 0, sum_rows = 0, sum_cols = 0;
  for (const auto& [k, n] : cells) index += choose2(n);
  for (const auto& [k, n] : rows) sum_rows += choose2(n);
  for (const auto& [k, n] : cols) sum_cols += choose2(n);
  double total = choose2(static_cast<double>(a.size()));
  if (total == 0) return 1;
  double expected = sum_rows * sum_cols / total;
  double max_index = (sum_rows + sum_cols) / 2;
  if (max_index == expected) return 1;
  return (index - expected) / (max_index - expected);
}

}  // namespace

Result<Evaluation> evaluate(const std::filesystem::path& truth_json,
                            const std::filesystem::path& run_dir) {
  simdjson::dom::parser parser;
  simdjson::dom::element truth;
  if (auto err = parser.load(truth_json.string()).get(truth))
    return Status::InvalidArgument(
        fmt::format("{}: {}", truth_json.string(), simdjson::error_message(err)));

  // ---- found clusters (and their verdicts) from accounts.csv
  Evaluation ev;
  std::unordered_map<std::string, std::string> cluster_of;  // account key -> cluster id
  std::unordered_map<std::string, Verdict> verdict_of;      // clustered account -> verdict
  std::vector<std::string> clustered;
  {
    InputStream in;
    GS_RETURN_IF_ERROR(in.open((run_dir / "accounts.csv").string()));
    CsvReader csv(in, 1 << 20);
    CsvReader::Record rec;
    CsvHeader header;
    bool first = true;
    int platform = -1, id = -1, cluster = -1, verdict = -1;
    std::uint64_t row = 0;
    std::map<std::string, Verdict> cluster_verdicts;
    while (csv.next(rec)) {
      ++row;
      if (first) {
        header.assign(rec);
        platform = header.index("platform");
        id = header.index("account_id");
        cluster = header.index("cluster_id");
        verdict = header.index("cluster_verdict");
        if (platform < 0 || id < 0 || cluster < 0)
          return Status::InvalidArgument("accounts.csv lacks platform, account_id or cluster_id");
        ev.has_verdicts = verdict >= 0;
        first = false;
        continue;
      }
      if (rec.size() != header.size()) continue;
      std::string_view c = rec.field(static_cast<std::size_t>(cluster));
      if (c.empty()) continue;
      std::string k = key(rec.field(static_cast<std::size_t>(platform)),
                          rec.field(static_cast<std::size_t>(id)));
      Verdict v = Verdict::kUndetermined;
      if (verdict >= 0) {
        std::string_view text = rec.field(static_cast<std::size_t>(verdict));
        if (text == kVerdictNames[1]) {
          v = Verdict::kInauthentic;
        } else if (text == kVerdictNames[2]) {
          v = Verdict::kOrganic;
        } else if (!text.empty() && text != kVerdictNames[0]) {
          return Status::InvalidArgument(fmt::format(
              "accounts.csv record {}: unknown cluster_verdict '{}' (expected inauthentic, "
              "organic or undetermined)",
              row, text.substr(0, 40)));
        }
      }
      cluster_verdicts.emplace(std::string(c), v);
      cluster_of[k] = std::string(c);
      verdict_of[k] = v;
      clustered.push_back(k);
      ++ev.accounts_by_verdict[static_cast<std::size_t>(v)];
    }
    for (const auto& [cid, v] : cluster_verdicts)
      ++ev.clusters_by_verdict[static_cast<std::size_t>(v)];
  }
  std::sort(clustered.begin(), clustered.end());
  auto verdict = [&](const std::string& k) {
    auto it = verdict_of.find(k);
    return it == verdict_of.end() ? Verdict::kUndetermined : it->second;
  };
  auto flagged = [&](const std::string& k) {
    return cluster_of.count(k) && verdict(k) != Verdict::kOrganic;
  };

  std::unordered_map<std::string, std::string> campaign_of;  // member -> campaign
  std::unordered_set<std::string> non_evasive, evasive;
  simdjson::dom::array campaigns;
  if (truth["campaigns"].get(campaigns)) return Status::InvalidArgument("truth.json has no campaigns");
  for (auto c : campaigns) {
    CampaignScore s;
    std::string_view v;
    if (!c["name"].get(v)) s.name = v;
    if (!c["kind"].get(v)) s.kind = v;
    bool evasive_flag = false;
    if (!c["evasive"].get(evasive_flag)) s.evasive = evasive_flag;
    simdjson::dom::array members;
    if (c["members"].get(members)) continue;
    for (auto m : members) {
      std::string_view p, id;
      if (m["platform"].get(p) || m["account_id"].get(id)) continue;
      std::string k = key(p, id);
      campaign_of[k] = s.name;
      (s.evasive ? evasive : non_evasive).insert(k);
      ++s.members;
      s.found += cluster_of.count(k);
      s.flagged += flagged(k);
    }
    auto share = [&](std::uint64_t n) {
      return s.members ? static_cast<double>(n) / static_cast<double>(s.members) : 0;
    };
    s.recall = share(s.found);
    s.recall_flagged = share(s.flagged);
    ev.campaigns.push_back(std::move(s));
  }
  // Campaign precision: among the clusters where this campaign holds the majority, the share
  // of accounts that are its members.
  std::map<std::string, std::vector<std::string>> accounts_of_cluster;
  for (const auto& k : clustered) accounts_of_cluster[cluster_of[k]].push_back(k);
  for (auto& s : ev.campaigns) {
    std::uint64_t in_dominated = 0, members_in_dominated = 0;
    for (const auto& [cid, accounts] : accounts_of_cluster) {
      std::uint64_t mine = 0;
      for (const auto& k : accounts) {
        auto it = campaign_of.find(k);
        mine += it != campaign_of.end() && it->second == s.name;
      }
      if (mine * 2 > accounts.size()) {
        in_dominated += accounts.size();
        members_in_dominated += mine;
      }
    }
    s.precision = in_dominated ? static_cast<double>(members_in_dominated) /
                                     static_cast<double>(in_dominated)
                               : 0;
  }

  auto ratio = [](std::uint64_t n, std::uint64_t d, double if_empty) {
    return d ? static_cast<double>(n) / static_cast<double>(d) : if_empty;
  };
  ev.predicted = clustered.size();
  std::uint64_t found_non_evasive = 0, found_evasive = 0;
  std::uint64_t flagged_non_evasive = 0, flagged_evasive = 0;
  for (const auto& k : clustered) {
    const bool member = campaign_of.count(k) > 0, is_flagged = flagged(k);
    ev.true_positive += member;
    ev.flagged += is_flagged;
    ev.flagged_true_positive += member && is_flagged;
    if (non_evasive.count(k)) {
      ++found_non_evasive;
      flagged_non_evasive += is_flagged;
    }
    if (evasive.count(k)) {
      ++found_evasive;
      flagged_evasive += is_flagged;
    }
  }
  ev.precision = ratio(ev.true_positive, ev.predicted, 1);
  ev.recall_non_evasive = ratio(found_non_evasive, non_evasive.size(), 0);
  ev.recall_evasive = ratio(found_evasive, evasive.size(), 0);
  ev.f1_non_evasive = ev.precision + ev.recall_non_evasive > 0
                          ? 2 * ev.precision * ev.recall_non_evasive / (ev.precision + ev.recall_non_evasive)
                          : 0;
  ev.precision_flagged = ratio(ev.flagged_true_positive, ev.flagged, 1);
  ev.recall_non_evasive_flagged = ratio(flagged_non_evasive, non_evasive.size(), 0);
  ev.recall_evasive_flagged = ratio(flagged_evasive, evasive.size(), 0);

  // Organic accounts (and genuine supporters) that ended up in a cluster.
  std::set<std::string> organic;
  simdjson::dom::object org;
  if (!truth["organic"].get(org)) {
    for (auto [platform_group, body] : org) {
      std::string_view platform = platform_group.starts_with("telegram") ? "telegram" : "twitter";
      simdjson::dom::array list;
      if (body["accounts"].get(list)) continue;
      for (auto a : list) {
        std::string_view id;
        if (!a.get(id)) organic.insert(key(platform, id));
      }
    }
  }
  ev.organic_accounts = organic.size();
  for (const auto& k : organic) ev.organic_in_clusters += cluster_of.count(k);

  // Organic look-alikes (schema 2): where their members ended up, per group and over all.
  simdjson::dom::array lookalikes;
  std::set<std::string> lookalike_accounts;
  auto tally = [&](LookalikeScore& s, const std::string& k) {
    ++s.members;
    if (!cluster_of.count(k)) return;
    ++s.in_clusters;
    ++s.by_verdict[static_cast<std::size_t>(verdict(k))];
  };
  if (!truth["lookalikes"].get(lookalikes)) {
    for (auto g : lookalikes) {
      LookalikeScore s;
      std::string_view v;
      if (!g["name"].get(v)) s.name = v;
      if (!g["kind"].get(v)) s.kind = v;
      simdjson::dom::array members;
      if (g["members"].get(members)) continue;
      for (auto m : members) {
        std::string_view p, id;
        if (m["platform"].get(p) || m["account_id"].get(id)) continue;
        std::string k = key(p, id);
        tally(s, k);
        if (lookalike_accounts.insert(k).second) tally(ev.lookalike_total, k);
      }
      ev.lookalikes.push_back(std::move(s));
    }
  }
  ev.lookalike_total.name = "all";
  ev.lookalike_inauthentic_share =
      ratio(ev.lookalike_total.by_verdict[static_cast<std::size_t>(Verdict::kInauthentic)],
            ev.lookalike_total.members, 0);

  // ARI over the accounts that are campaign members or clustered: truth label = campaign
  // (others alone), found label = cluster (others alone).
  std::set<std::string> items(clustered.begin(), clustered.end());
  for (const auto& [k, c] : campaign_of) items.insert(k);
  std::vector<std::string> truth_labels, found_labels;
  for (const auto& k : items) {
    auto t = campaign_of.find(k);
    truth_labels.push_back(t != campaign_of.end() ? "c:" + t->second : "a:" + k);
    auto f = cluster_of.find(k);
    found_labels.push_back(f != cluster_of.end() ? "k:" + f->second : "a:" + k);
  }
  ev.adjusted_rand_index = adjusted_rand(truth_labels, found_labels);

  // ---- support estimates against the visible and genuine supporters
  simdjson::dom::parser summary_parser;
  simdjson::dom::element summary;
  bool have_summary = !summary_parser.load((run_dir / "summary.json").string()).get(summary);
  simdjson::dom::array actors;
  if (!truth["actors"].get(actors)) {
    auto ratio_error = [](double estimate, double expected) {
      if (expected == 0) return estimate == 0 ? 0.0 : std::numeric_limits<double>::infinity();
      return (estimate - expected) / expected;
    };
    auto score = [&](SupportScore& s, simdjson::dom::element raw, simdjson::dom::element adj) {
      double x = 0;
      if (!raw.get(x)) s.raw = x;
      if (!adj["value"].get(x)) s.adjusted = x;
      s.ci_low = s.ci_high = std::numeric_limits<double>::quiet_NaN();
      if (!adj["ci_low"].get(x)) s.ci_low = x;
      if (!adj["ci_high"].get(x)) s.ci_high = x;
      s.raw_error = ratio_error(s.raw, s.visible);
      s.adjusted_error = ratio_error(s.adjusted, s.genuine);
      s.covered = s.ci_low <= s.genuine && s.genuine <= s.ci_high;
    };
    for (auto a : actors) {
      ActorScore s;
      std::string_view name;
      if (a["name"].get(name)) continue;
      s.name = name;
      auto truth_counts = [&](const char* key, double SupportScore::*field) {
        std::int64_t n = 0;
        if (!a[key]["count"].get(n)) s.accounts.*field = static_cast<double>(n);
        for (std::size_t r = 0; r < 3; ++r)
          if (!a[key]["by_route"][kRouteNames[r]].get(n))
            s.routes[r].*field = static_cast<double>(n);
      };
      truth_counts("visible_supporters", &SupportScore::visible);
      truth_counts("genuine", &SupportScore::genuine);
      bool truth_totals = true;
      for (std::size_t t = 0; t < s.totals.size(); ++t) {
        std::int64_t visible = 0, genuine = 0;
        truth_totals = truth_totals && !a["totals"]["visible"][kTotalNames[t]].get(visible) &&
                       !a["totals"]["genuine"][kTotalNames[t]].get(genuine);
        s.totals[t].visible = static_cast<double>(visible);
        s.totals[t].genuine = static_cast<double>(genuine);
      }
      simdjson::dom::array estimated;
      if (have_summary && !summary["actors"].get(estimated)) {
        for (auto e : estimated) {
          std::string_view en;
          if (e["name"].get(en) || en != name) continue;
          if (e["adjusted"]["accounts"]["value"].error()) continue;
          s.has_estimate = true;
          score(s.accounts, e["raw"]["accounts"], e["adjusted"]["accounts"]);
          for (std::size_t r = 0; r < 3; ++r)
            score(s.routes[r], e["raw"]["accounts_by_route"][kRouteNames[r]],
                  e["adjusted"]["accounts_by_route"][kRouteNames[r]]);
          s.has_totals = truth_totals && !e["adjusted"]["views"]["value"].error();
          if (s.has_totals)
            for (std::size_t t = 0; t < s.totals.size(); ++t)
              score(s.totals[t], e["raw"][kTotalNames[t]], e["adjusted"][kTotalNames[t]]);
        }
      }
      ev.actors.push_back(std::move(s));
    }
  }
  return ev;
}

std::string evaluation_to_json(const Evaluation& e) {
  JsonWriter w;
  auto by_verdict = [&](const std::array<std::uint64_t, 3>& n) {
    w.begin_object();
    for (std::size_t v = 0; v < 3; ++v) w.key(kVerdictNames[v]).value(n[v]);
    w.end_object();
  };
  auto lookalike = [&](const LookalikeScore& s) {
    w.key("members").value(s.members).key("in_clusters").value(s.in_clusters)
        .key("in_inauthentic_clusters").value(s.by_verdict[1])
        .key("in_organic_clusters").value(s.by_verdict[2])
        .key("in_undetermined_clusters").value(s.by_verdict[0]);
  };
  w.begin_object()
      .key("precision").value(e.precision)
      .key("recall_non_evasive").value(e.recall_non_evasive)
      .key("f1_non_evasive").value(e.f1_non_evasive)
      .key("recall_evasive").value(e.recall_evasive)
      .key("predicted_accounts").value(e.predicted)
      .key("true_positive_accounts").value(e.true_positive)
      .key("cluster_verdicts").value(e.has_verdicts)
      .key("clusters_by_verdict");
  by_verdict(e.clusters_by_verdict);
  w.key("accounts_by_verdict");
  by_verdict(e.accounts_by_verdict);
  w.key("not_organic").begin_object()
      .key("accounts").value(e.flagged)
      .key("true_positive_accounts").value(e.flagged_true_positive)
      .key("precision").value(e.precision_flagged)
      .key("recall_non_evasive").value(e.recall_non_evasive_flagged)
      .key("recall_evasive").value(e.recall_evasive_flagged)
      .end_object()
      .key("organic_accounts").value(e.organic_accounts)
      .key("organic_in_clusters").value(e.organic_in_clusters)
      .key("adjusted_rand_index").value(e.adjusted_rand_index)
      .key("lookalikes").begin_object();
  lookalike(e.lookalike_total);
  w.key("inauthentic_share").value(e.lookalike_inauthentic_share).key("groups").begin_array();
  for (const auto& g : e.lookalikes) {
    w.begin_object().key("name").value(g.name).key("kind").value(g.kind);
    lookalike(g);
    w.end_object();
  }
  w.end_array().end_object().key("campaigns").begin_array();
  for (const auto& c : e.campaigns) {
    w.begin_object().key("name").value(c.name).key("kind").value(c.kind)
        .key("evasive").value(c.evasive).key("members").value(c.members)
        .key("found").value(c.found).key("recall").value(c.recall)
        .key("found_not_organic").value(c.flagged).key("recall_not_organic").value(c.recall_flagged)
        .key("precision").value(c.precision).end_object();
  }
  w.end_array().key("actors").begin_array();
  auto support = [&](const SupportScore& s, bool estimate) {
    w.key("visible_supporters").value(s.visible).key("genuine_supporters").value(s.genuine);
    if (!estimate) return;
    w.key("raw_accounts").value(s.raw).key("raw_error").value(s.raw_error)
        .key("adjusted_accounts").value(s.adjusted).key("ci_low").value(s.ci_low)
        .key("ci_high").value(s.ci_high).key("adjusted_error").value(s.adjusted_error)
        .key("covered").value(s.covered);
  };
  for (const auto& a : e.actors) {
    w.begin_object().key("name").value(a.name);
    support(a.accounts, a.has_estimate);
    w.key("by_route").begin_object();
    for (std::size_t r = 0; r < 3; ++r) {
      w.key(kRouteNames[r]).begin_object();
      support(a.routes[r], a.has_estimate);
      w.end_object();
    }
    w.end_object();
    if (a.has_totals) {
      w.key("totals").begin_object();
      for (std::size_t t = 0; t < a.totals.size(); ++t) {
        const SupportScore& s = a.totals[t];
        w.key(kTotalNames[t]).begin_object()
            .key("visible").value(s.visible).key("raw").value(s.raw)
            .key("raw_error").value(s.raw_error).key("genuine").value(s.genuine)
            .key("adjusted").value(s.adjusted).key("ci_low").value(s.ci_low)
            .key("ci_high").value(s.ci_high).key("adjusted_error").value(s.adjusted_error)
            .key("covered").value(s.covered).end_object();
      }
      w.end_object();
    }
    w.end_object();
  }
  w.end_array().end_object();
  std::string s = w.take();
  s.push_back('\n');
  return s;
}

std::string evaluation_to_text(const Evaluation& e) {
  std::string out = fmt::format(
      "accounts in clusters: {} ({} campaign members)\n"
      "precision {:.3f}   recall (non-evasive) {:.3f}   F1 {:.3f}   recall (evasive) {:.3f}\n",
      e.predicted, e.true_positive, e.precision, e.recall_non_evasive, e.f1_non_evasive,
      e.recall_evasive);
  if (e.has_verdicts) {
    const auto& c = e.clusters_by_verdict;
    const auto& n = e.accounts_by_verdict;
    out += fmt::format(
        "cluster verdicts: {} inauthentic ({} accounts), {} organic ({}), {} undetermined ({})\n",
        c[1], n[1], c[2], n[2], c[0], n[0]);
  } else {
    out += "cluster verdicts: none (accounts.csv has no cluster_verdict column: every cluster "
           "counts as undetermined)\n";
  }
  out += fmt::format(
      "not judged organic: {} accounts ({} campaign members)   precision {:.3f}   "
      "recall (non-evasive) {:.3f}   recall (evasive) {:.3f}\n"
      "organic accounts in clusters: {} of {}\n",
      e.flagged, e.flagged_true_positive, e.precision_flagged, e.recall_non_evasive_flagged,
      e.recall_evasive_flagged, e.organic_in_clusters, e.organic_accounts);
  const LookalikeScore& t = e.lookalike_total;
  if (!e.lookalikes.empty()) {
    out += fmt::format(
        "organic look-alike accounts: {}; in clusters {}, judged inauthentic {} ({:.1f}%), "
        "judged organic {}\n",
        t.members, t.in_clusters, t.by_verdict[1], e.lookalike_inauthentic_share * 100,
        t.by_verdict[2]);
  }
  out += fmt::format("adjusted Rand index (campaigns vs clusters): {:.3f}\n\n",
                     e.adjusted_rand_index);
  out += fmt::format("{:<36} {:<13} {:>7} {:>6} {:>7} {:>11} {:>9}\n", "campaign", "kind",
                     "members", "found", "recall", "not organic", "precision");
  for (const auto& s : e.campaigns)
    out += fmt::format("{:<36} {:<13} {:>7} {:>6} {:>7.3f} {:>11} {:>9.3f}{}\n", s.name, s.kind,
                       s.members, s.found, s.recall, s.flagged, s.precision,
                       s.evasive ? "  (evasive)" : "");
  if (!e.lookalikes.empty()) {
    out += fmt::format("\n{:<36} {:<17} {:>7} {:>11} {:>11} {:>7} {:>12}\n", "organic look-alike",
                       "kind", "members", "in clusters", "inauthentic", "organic", "undetermined");
    for (const auto& g : e.lookalikes)
      out += fmt::format("{:<36} {:<17} {:>7} {:>11} {:>11} {:>7} {:>12}\n", g.name, g.kind,
                         g.members, g.in_clusters, g.by_verdict[1], g.by_verdict[2],
                         g.by_verdict[0]);
  }
  if (!e.actors.empty()) {
    out += fmt::format("\n{:<28} {:<13} {:>8} {:>8} {:>7} {:>8} {:>9} {:>20} {:>8}\n", "actor",
                       "supporters", "visible", "raw", "error", "genuine", "adjusted",
                       "interval", "error");
    for (const auto& a : e.actors) {
      if (!a.has_estimate) {
        out += fmt::format("{:<28} {:<13} {:>8.0f} {:>8}   (no estimate: run with --actors)\n",
                           a.name, "all", a.accounts.visible, "");
        continue;
      }
      auto line = [&](std::string_view name, std::string_view route, const SupportScore& s) {
        out += fmt::format("{:<28} {:<13} {:>8.0f} {:>8.0f} {:>+6.1f}% {:>8.0f} {:>9.1f} {:>9.1f} – "
                           "{:<8.1f} {:>+7.1f}%{}\n",
                           name, route, s.visible, s.raw, s.raw_error * 100, s.genuine,
                           s.adjusted, s.ci_low, s.ci_high, s.adjusted_error * 100,
                           s.covered ? "" : "  (not covered)");
      };
      line(a.name, "all", a.accounts);
      for (std::size_t r = 0; r < 3; ++r) line("", kRouteNames[r], a.routes[r]);
    }
    // Totals of the support acts: visible (raw) and genuine (adjusted), with coverage.
    bool any_totals = false;
    for (const auto& a : e.actors) any_totals = any_totals || a.has_totals;
    if (any_totals) {
      out += fmt::format("\n{:<28} {:<11} {:>14} {:>14} {:>7} {:>14} {:>14} {:>31} {:>8}\n",
                         "actor", "total", "visible", "raw", "error", "genuine", "adjusted",
                         "interval", "error");
      for (const auto& a : e.actors) {
        if (!a.has_totals) continue;
        for (std::size_t i = 0; i < a.totals.size(); ++i) {
          const SupportScore& s = a.totals[i];
          out += fmt::format(
              "{:<28} {:<11} {:>14.0f} {:>14.0f} {:>+6.1f}% {:>14.0f} {:>14.1f} {:>14.1f} – "
              "{:<14.1f} {:>+7.2f}%{}\n",
              i == 0 ? a.name : "", kTotalNames[i], s.visible, s.raw, s.raw_error * 100,
              s.genuine, s.adjusted, s.ci_low, s.ci_high, s.adjusted_error * 100,
              s.covered ? "" : "  (not covered)");
        }
      }
    }
  }
  return out;
}

}  // namespace groundswell
