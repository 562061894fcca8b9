// The detection files of docs/contract.md §8: edges.csv, clusters.csv, accounts.csv, network.gexf,
// network.graphml and evidence/cluster-N.json. CSV is RFC 4180 with a header; times are ISO
// 8601 UTC; text from the data is escaped for XML (invalid XML characters dropped).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <system_error>

#include "base/json_writer.h"
#include "base/output_file.h"
#include "base/time.h"
#include "base/uint128.h"
#include "detect/detect.h"
#include "detect/verdict.h"
#include "detect/internal.h"

namespace groundswell {
namespace {

// RFC 4180: a field with a comma, a quote or a line break in it goes in quotes.
bool csv_needs_quotes(std::string_view v) {
  for (char c : v)
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  return false;
}

void csv_field(std::string& out, std::string_view v) {
  if (!csv_needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string number(double v) {
  if (std::isnan(v)) return "";
  if (v == std::floor(v) && std::abs(v) < 1e15)
    return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

std::string time_or_empty(TimeMs t) { return t == kNoTime ? std::string() : format_time_iso(t); }

// How a cluster's p-value was found: monte_carlo, tail (beyond every replicate), "" untested;
// group_test for a cluster of the group test's own, which has no p-value of its own.
std::string cluster_p_method(const Cluster& c) {
  if (std::isnan(c.p_value)) return is_group_test_cluster(c) ? "group_test" : "";
  return c.p_from_tail ? "tail" : "monte_carlo";
}

// XML 1.0 text: escapes markup and drops characters XML cannot carry.
void xml_text(std::string& out, std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&apos;");
        break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        // U+FFFE / U+FFFF (EF BF BE / EF BF BF) are not XML characters.
        if (c == 0xEF && i + 2 < v.size() && static_cast<unsigned char>(v[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(v[i + 2]) == 0xBE ||
             static_cast<unsigned char>(v[i + 2]) == 0xBF)) {
          i += 2;
          break;
        }
        out.push_back(static_cast<char>(c));
    }
  }
}

std::string behaviours_list(const std::vector<Behaviour>& bs, CompatMode compat, char sep) {
  std::string s;
  for (auto b : bs) {
    if (!s.empty()) s.push_back(sep);
    s.append(behaviour_name(b, compat));
  }
  return s;
}

// Kept edges summed per unordered pair (directed pairs in cnt mode), for the network files.
struct NetworkEdge {
  std::uint32_t source, target;
  double weight = 0;
  std::uint64_t pairs = 0;
  std::vector<Behaviour> behaviours;
  double min_p = std::nan("");
};

std::vector<NetworkEdge> network_edges(const DetectionResult& r) {
  std::vector<NetworkEdge> out;
  for (const Edge& e : r.edges) {  // sorted by (source, target, behaviour)
    if (!e.significant) continue;
    if (out.empty() || out.back().source != e.source || out.back().target != e.target)
      out.push_back(NetworkEdge{e.source, e.target});
    auto& n = out.back();
    n.weight += e.weight;
    n.pairs += e.pairs;
    n.behaviours.push_back(e.behaviour);
    if (!std::isnan(e.p_value) && (std::isnan(n.min_p) || e.p_value < n.min_p)) n.min_p = e.p_value;
  }
  return out;
}

std::vector<std::uint32_t> network_nodes(const DetectionResult& r,
                                         const std::vector<NetworkEdge>& edges) {
  std::vector<std::uint32_t> nodes;
  for (const auto& e : edges) {
    nodes.push_back(e.source);
    nodes.push_back(e.target);
  }
  std::sort(nodes.begin(), nodes.end(), [&](std::uint32_t x, std::uint32_t y) {
    return r.account_rank[x] < r.account_rank[y];
  });
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

std::string edges_csv(const Dataset& d, const DetectionResult& r) {
  std::string s =
      "source,target,behaviour,weight,pairs,objects,median_delay_s,p_value,"
      "mean_delay_s,first_time,last_time";
  if (r.compat == CompatMode::kCoortweet)
    s += ",avg_time_delta,n_content_id,n_content_id_y,edge_symmetry_score,weight_threshold";
  if (r.compat == CompatMode::kNone)
    s += ",common_objects,expected_common,p_cooccurrence,window_s,p_stimulus,p_order";
  s += "\r\n";
  for (const Edge& e : r.edges) {
    if (!e.significant) continue;
    csv_field(s, d.account_id[e.source]);
    s.push_back(',');
    csv_field(s, d.account_id[e.target]);
    s += fmt::format(",{},{},{},{},{},{},{},{},{}", behaviour_name(e.behaviour, r.compat),
                     number(e.weight), e.pairs, e.objects, number(e.median_delay_s),
                     number(e.p_value), number(e.mean_delay_s), time_or_empty(e.first_time),
                     time_or_empty(e.last_time));
    if (r.compat == CompatMode::kCoortweet)
      s += fmt::format(",{:.15g},{},{},{:.15g},{}", e.mean_delay_s, e.n_content_id,
                       e.n_content_id_y, e.edge_symmetry_score, e.weight_threshold);
    if (r.compat == CompatMode::kNone)
      s += fmt::format(",{},{},{},{},{},{}", e.common_objects, number(e.expected_common),
                       number(e.p_cooccurrence), number(static_cast<double>(e.window_ms) / 1000),
                       number(e.p_stimulus), number(e.p_order));
    s += "\r\n";
  }
  return s;
}

std::string top_objects_text(const Cluster& c, CompatMode compat) {
  std::string s;
  for (const auto& t : c.top_objects) {
    if (!s.empty()) s += " | ";
    s += fmt::format("{}:{} ({})", behaviour_name(t.behaviour, compat), t.key, t.messages);
  }
  return s;
}

std::string clusters_csv(const DetectionResult& r, const AccountScores* scores) {
  std::string s =
      "cluster_id,accounts,messages,behaviours,first_time,last_time,median_delay_s,"
      "p_value,top_objects,share_of_activity,weight,created_spread_days,"
      "mean_inauthenticity_score,verdict,verdict_reasons,p_log10,p_method\r\n";
  for (const Cluster& c : r.clusters) {
    s += fmt::format("{},{},{},", c.id, c.accounts.size(), c.messages);
    csv_field(s, behaviours_list(c.behaviours, r.compat, ';'));
    s += fmt::format(",{},{},{},{},", time_or_empty(c.first_time), time_or_empty(c.last_time),
                     number(c.median_delay_s), number(c.p_value));
    csv_field(s, top_objects_text(c, r.compat));
    // Mean over members with a score (the signals stage fills them; blank without).
    double sum = 0;
    std::size_t scored = 0;
    if (scores)
      for (auto a : c.accounts)
        if (a < scores->inauthenticity_score.size() && !std::isnan(scores->inauthenticity_score[a]))
          sum += scores->inauthenticity_score[a], ++scored;
    s += fmt::format(",{},{},{},{},{},", number(c.share_of_activity), number(c.weight),
                     number(c.created_spread_days),
                     scored ? number(sum / static_cast<double>(scored)) : std::string(),
                     verdict_name(c.verdict));
    csv_field(s, c.verdict_reasons);
    s += fmt::format(",{},{}\r\n", number(c.p_log10), cluster_p_method(c));
  }
  return s;
}

// A finite score as number() writes it, appended in place (no string per account).
void append_number(std::string& out, double v) {
  if (std::isnan(v)) return;
  if (v == std::floor(v) && std::abs(v) < 1e15)
    fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(v));
  else
    fmt::format_to(std::back_inserter(out), "{}", v);
}

void append_count(std::string& out, std::uint64_t v) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

std::string accounts_csv(const Dataset& d, const DetectionResult& r, const AccountScores* scores) {
  const std::uint32_t n = d.accounts();
  std::vector<std::uint64_t> messages(n, 0);
  for (auto a : d.msg_account)
    if (a != kNoAccount) ++messages[a];
  // Rows by platform, then in byte order (account_rank, a permutation of the accounts): the
  // accounts in byte order, then placed stably by their platform's rank (platforms are few).
  std::set<std::string_view> distinct;
  for (std::uint32_t a = 0; a < n; ++a)
    if (a == 0 || d.account_platform[a] != d.account_platform[a - 1])
      distinct.insert(d.account_platform[a]);
  const std::vector<std::string_view> platforms(distinct.begin(), distinct.end());
  std::vector<std::uint32_t> by_rank(n);
  for (std::uint32_t a = 0; a < n; ++a) by_rank[r.account_rank[a]] = a;
  std::vector<std::uint32_t> platform_rank(n);
  std::vector<std::uint32_t> start(platforms.size() + 1, 0);
  for (std::uint32_t a = 0; a < n; ++a) {
    platform_rank[a] = static_cast<std::uint32_t>(
        std::lower_bound(platforms.begin(), platforms.end(), d.account_platform[a]) -
        platforms.begin());
    ++start[platform_rank[a] + 1];
  }
  for (std::size_t p = 1; p < start.size(); ++p) start[p] += start[p - 1];
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t a : by_rank) order[start[platform_rank[a]]++] = a;
  // About the file's size at once: grown by doubling, it would be copied on the way.
  std::size_t text_bytes = 0;
  for (std::uint32_t a = 0; a < n; ++a)
    text_bytes += d.account_platform[a].size() + d.account_id[a].size() +
                  d.account_handle[a].size() +
                  (scores && a < scores->reasons.size() ? scores->reasons[a].size() : 0);
  std::string s =
      "platform,account_id,handle,messages,cluster_id,coordination_degree,"
      "inauthenticity_score,reasons,cluster_verdict\r\n";
  s.reserve(s.size() + text_bytes + std::size_t{64} * n);
  for (auto a : order) {
    csv_field(s, d.account_platform[a]);
    s.push_back(',');
    csv_field(s, d.account_id[a]);
    s.push_back(',');
    csv_field(s, d.account_handle[a]);
    s.push_back(',');
    append_count(s, messages[a]);
    s.push_back(',');
    if (r.account_cluster[a] != 0) append_count(s, r.account_cluster[a]);
    s.push_back(',');
    append_count(s, r.coordination_degree[a]);
    s.push_back(',');
    if (scores && a < scores->inauthenticity_score.size())
      append_number(s, scores->inauthenticity_score[a]);
    s.push_back(',');
    if (scores && a < scores->reasons.size()) csv_field(s, scores->reasons[a]);
    s.push_back(',');
    if (r.account_cluster[a] != 0) s += verdict_name(r.clusters[r.account_cluster[a] - 1].verdict);
    s += "\r\n";
  }
  return s;
}

std::string gexf(const Dataset& d, const DetectionResult& r, const DetectOptions& opt) {
  auto edges = network_edges(r);
  auto nodes = network_nodes(r, edges);
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n"
      "  <meta>\n    <creator>groundswell</creator>\n    <description>";
  xml_text(s, "coordination network; parameters " + opt.to_json());
  s += "</description>\n  </meta>\n";
  s += fmt::format("  <graph defaultedgetype=\"{}\" mode=\"static\">\n",
                   r.directed ? "directed" : "undirected");
  s += "    <attributes class=\"node\">\n"
       "      <attribute id=\"platform\" title=\"platform\" type=\"string\"/>\n"
       "      <attribute id=\"account_id\" title=\"account_id\" type=\"string\"/>\n"
       "      <attribute id=\"cluster_id\" title=\"cluster_id\" type=\"integer\"/>\n"
       "      <attribute id=\"coordination_degree\" title=\"coordination_degree\" "
       "type=\"integer\"/>\n"
       "    </attributes>\n"
       "    <attributes class=\"edge\">\n"
       "      <attribute id=\"behaviours\" title=\"behaviours\" type=\"string\"/>\n"
       "      <attribute id=\"pairs\" title=\"pairs\" type=\"long\"/>\n"
       "      <attribute id=\"p_value\" title=\"p_value\" type=\"double\"/>\n"
       "    </attributes>\n    <nodes>\n";
  for (auto a : nodes) {
    s += fmt::format("      <node id=\"n{}\" label=\"", r.account_rank[a]);
    xml_text(s, d.account_handle[a].empty() ? d.account_id[a] : d.account_handle[a]);
    s += "\">\n        <attvalues>\n          <attvalue for=\"platform\" value=\"";
    xml_text(s, d.account_platform[a]);
    s += "\"/>\n          <attvalue for=\"account_id\" value=\"";
    xml_text(s, d.account_id[a]);
    s += fmt::format(
        "\"/>\n          <attvalue for=\"cluster_id\" value=\"{}\"/>\n"
        "          <attvalue for=\"coordination_degree\" value=\"{}\"/>\n"
        "        </attvalues>\n      </node>\n",
        r.account_cluster[a], r.coordination_degree[a]);
  }
  s += "    </nodes>\n    <edges>\n";
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const auto& e = edges[i];
    s += fmt::format(
        "      <edge id=\"e{}\" source=\"n{}\" target=\"n{}\" weight=\"{}\">\n"
        "        <attvalues>\n"
        "          <attvalue for=\"behaviours\" value=\"{}\"/>\n"
        "          <attvalue for=\"pairs\" value=\"{}\"/>\n",
        i, r.account_rank[e.source], r.account_rank[e.target], number(e.weight),
        behaviours_list(e.behaviours, r.compat, ';'), e.pairs);
    if (!std::isnan(e.min_p))
      s += fmt::format("          <attvalue for=\"p_value\" value=\"{}\"/>\n", number(e.min_p));
    s += "        </attvalues>\n      </edge>\n";
  }
  s += "    </edges>\n  </graph>\n</gexf>\n";
  return s;
}

std::string graphml(const Dataset& d, const DetectionResult& r) {
  auto edges = network_edges(r);
  auto nodes = network_nodes(r, edges);
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
      "  <key id=\"platform\" for=\"node\" attr.name=\"platform\" attr.type=\"string\"/>\n"
      "  <key id=\"account_id\" for=\"node\" attr.name=\"account_id\" attr.type=\"string\"/>\n"
      "  <key id=\"handle\" for=\"node\" attr.name=\"handle\" attr.type=\"string\"/>\n"
      "  <key id=\"cluster_id\" for=\"node\" attr.name=\"cluster_id\" attr.type=\"int\"/>\n"
      "  <key id=\"coordination_degree\" for=\"node\" attr.name=\"coordination_degree\" "
      "attr.type=\"int\"/>\n"
      "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n"
      "  <key id=\"pairs\" for=\"edge\" attr.name=\"pairs\" attr.type=\"long\"/>\n"
      "  <key id=\"behaviours\" for=\"edge\" attr.name=\"behaviours\" attr.type=\"string\"/>\n"
      "  <key id=\"p_value\" for=\"edge\" attr.name=\"p_value\" attr.type=\"double\"/>\n";
  s += fmt::format("  <graph id=\"coordination\" edgedefault=\"{}\">\n",
                   r.directed ? "directed" : "undirected");
  for (auto a : nodes) {
    s += fmt::format("    <node id=\"n{}\">\n      <data key=\"platform\">", r.account_rank[a]);
    xml_text(s, d.account_platform[a]);
    s += "</data>\n      <data key=\"account_id\">";
    xml_text(s, d.account_id[a]);
    s += "</data>\n      <data key=\"handle\">";
    xml_text(s, d.account_handle[a]);
    s += fmt::format(
        "</data>\n      <data key=\"cluster_id\">{}</data>\n"
        "      <data key=\"coordination_degree\">{}</data>\n    </node>\n",
        r.account_cluster[a], r.coordination_degree[a]);
  }
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const auto& e = edges[i];
    s += fmt::format(
        "    <edge id=\"e{}\" source=\"n{}\" target=\"n{}\">\n"
        "      <data key=\"weight\">{}</data>\n"
        "      <data key=\"pairs\">{}</data>\n"
        "      <data key=\"behaviours\">{}</data>\n",
        i, r.account_rank[e.source], r.account_rank[e.target], number(e.weight), e.pairs,
        behaviours_list(e.behaviours, r.compat, ';'));
    if (!std::isnan(e.min_p))
      s += fmt::format("      <data key=\"p_value\">{}</data>\n", number(e.min_p));
    s += "    </edge>\n";
  }
  s += "  </graph>\n</graphml>\n";
  return s;
}

// The kept edges whose source account is in each cluster, in edge order: entry i lists those
// of cluster i + 1. One pass over the edges for all the evidence files, where a pass per
// cluster made the evidence quadratic (900 clusters of 350k messages took a second).
std::vector<std::vector<std::uint32_t>> kept_edges_by_source_cluster(const DetectionResult& r) {
  std::vector<std::vector<std::uint32_t>> by(r.clusters.size());
  for (std::size_t i = 0; i < r.edges.size(); ++i) {
    const Edge& e = r.edges[i];
    if (!e.significant) continue;
    const auto id = r.account_cluster[e.source];
    if (id != 0 && id <= by.size()) by[id - 1].push_back(static_cast<std::uint32_t>(i));
  }
  return by;
}

// `member` is all false on entry and on return (one buffer for every cluster).
std::string evidence_json(const Dataset& d, const DetectionResult& r, const DetectOptions& opt,
                          const Cluster& c, std::span<const std::uint32_t> source_edges,
                          std::vector<bool>& member) {
  // The messages behind the cluster: every message of an internal kept edge, with the
  // object(s) it shared, in time order.
  for (auto a : c.accounts) member[a] = true;
  // Each row (message, behaviour, object) packed into one number in that order, so that
  // ordering the rows is sorting integers (a large cluster has millions).
  using Row = Uint128;
  const auto row = [](std::uint32_t m, Behaviour b, std::uint32_t o) {
    return (Row{m} << 40) | (Row{static_cast<std::uint8_t>(b)} << 32) | Row{o};
  };
  const auto msg_of = [](Row x) { return static_cast<std::uint32_t>(x >> 40); };
  std::vector<Row> rows;
  std::uint64_t edges = 0;
  for (auto i : source_edges) {
    const Edge& e = r.edges[i];
    if (!member[e.source] || !member[e.target] || r.account_cluster[e.source] != c.id) continue;
    ++edges;
    for (std::uint64_t x = e.evidence_begin; x < e.evidence_end; ++x) {
      const auto& p = r.evidence[x];
      rows.push_back(row(p.source_msg, e.behaviour, p.object));
      rows.push_back(row(p.target_msg, e.behaviour, p.object));
    }
  }
  // A cluster of the group test's own has no internal edges: its members' re-shares of the
  // source's posts (their object is the post re-shared, not an index of `r.objects`).
  const bool group = is_group_test_cluster(c);
  if (group)
    for (std::uint32_t m : c.reshares) rows.push_back(row(m, Behaviour::kShare, 0));
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  auto slot = [&](Behaviour b) {
    for (std::size_t i = 0; i < r.behaviours.size(); ++i)
      if (r.behaviours[i] == b) return i;
    return std::size_t{0};
  };
  JsonWriter w(true);
  w.begin_object();
  w.key("cluster_id").value(static_cast<std::uint64_t>(c.id));
  w.key("parameters").raw(opt.to_json());
  w.key("p_value");
  if (std::isnan(c.p_value))
    w.null();
  else
    w.value(c.p_value);
  w.key("p_log10");
  if (std::isnan(c.p_log10))
    w.null();
  else
    w.value(c.p_log10);
  w.key("p_method").value(cluster_p_method(c));
  w.key("internal_edges").value(edges);
  w.key("median_delay_s").value(c.median_delay_s);
  w.key("messages_count").value(c.messages);
  w.key("share_of_activity").value(c.share_of_activity);
  w.key("created_spread_days");
  if (std::isnan(c.created_spread_days))
    w.null();
  else
    w.value(c.created_spread_days);
  w.key("verdict").value(verdict_name(c.verdict));
  w.key("verdict_reasons").value(c.verdict_reasons);
  // The numbers behind the verdict (docs/detection.md, "Verdicts"); null where not computable.
  {
    const ClusterEvidence& x = c.evidence;
    auto num = [&](const char* k, double v) {
      w.key(k);
      if (std::isnan(v))
        w.null();
      else
        w.value(v);
    };
    w.key("verdict_evidence").begin_object();
    num("burst_share", x.burst_share);
    num("high_score_share", x.high_score_share);
    num("mean_score", x.mean_score);
    num("patterned_share", x.patterned_share);
    num("single_source_share", x.single_source_share);
    w.key("top_source");
    if (x.top_source == UINT32_MAX)
      w.null();
    else
      w.value(d.account_id[x.top_source]);
    w.key("stimulus_posts").value(static_cast<std::uint64_t>(x.stimulus_posts));
    num("stimulus_p", x.stimulus_p);
    num("chance_p", x.chance_p);
    num("fired_share", x.fired_share);
    w.key("fired_source");
    if (x.fired_source == UINT32_MAX)
      w.null();
    else
      w.value(d.account_id[x.fired_source]);
    w.key("fired_posts").value(static_cast<std::uint64_t>(x.fired_posts));
    num("fired_p", x.fired_p);
    w.end_object();
  }
  w.key("first_time").value(time_or_empty(c.first_time));
  w.key("last_time").value(time_or_empty(c.last_time));
  w.key("behaviours").begin_array();
  for (auto b : c.behaviours) w.value(behaviour_name(b, r.compat));
  w.end_array();
  w.key("accounts").begin_array();
  for (auto a : c.accounts) {
    w.begin_object();
    w.key("platform").value(d.account_platform[a]);
    w.key("account_id").value(d.account_id[a]);
    w.key("handle").value(d.account_handle[a]);
    w.end_object();
  }
  w.end_array();
  w.key("top_objects").begin_array();
  for (const auto& t : c.top_objects) {
    w.begin_object();
    w.key("behaviour").value(behaviour_name(t.behaviour, r.compat));
    w.key("object").value(t.key);
    w.key("messages").value(t.messages);
    w.key("example_message_id").value(d.msg_message_id[t.example_msg]);
    w.end_object();
  }
  w.end_array();
  w.key("messages").begin_array();
  // Time order, then message, then object: the Dataset's messages are in time order, so the
  // rows are already, but for a Dataset out of it.
  const auto earlier = [&](Row x, Row y) { return d.msg_time[msg_of(x)] < d.msg_time[msg_of(y)]; };
  if (!std::is_sorted(rows.begin(), rows.end(), earlier))
    std::stable_sort(rows.begin(), rows.end(), earlier);
  for (const Row x : rows) {
    const std::uint32_t m = msg_of(x), o = static_cast<std::uint32_t>(x);
    const auto b = static_cast<std::uint8_t>(x >> 32);
    w.begin_object();
    w.key("platform").value(d.msg_platform[m]);
    w.key("chat_id").value(d.msg_chat_id[m]);
    w.key("message_id").value(d.msg_message_id[m]);
    std::uint32_t a = d.msg_account[m];
    w.key("account_id").value(a == kNoAccount ? std::string_view{} : d.account_id[a]);
    w.key("time").value(time_or_empty(d.msg_time[m]));
    w.key("behaviour").value(behaviour_name(static_cast<Behaviour>(b), r.compat));
    w.key("object").value(group ? d.msg_shares[m] : r.objects[slot(static_cast<Behaviour>(b))][o]);
    w.key("text").value(m < d.msg_text.size() ? d.msg_text[m] : std::string_view{});
    w.end_object();
  }
  w.end_array();
  w.end_object();
  for (auto a : c.accounts) member[a] = false;
  std::string s = w.take();
  s.push_back('\n');
  return s;
}

}  // namespace

Status write_detection_outputs(const Dataset& data, const DetectionResult& result,
                               const DetectOptions& options, const std::filesystem::path& out_dir,
                               const AccountScores* scores) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir / "evidence", ec);
  if (ec)
    return Status::IoError("cannot create " + (out_dir / "evidence").string() + ": " +
                           ec.message());
  // One batch: the files are flushed to disk together, not one by one (base/output_file.h).
  OutputBatch batch;
  GS_RETURN_IF_ERROR(batch.write(out_dir / "edges.csv", edges_csv(data, result)));
  GS_RETURN_IF_ERROR(batch.write(out_dir / "clusters.csv", clusters_csv(result, scores)));
  GS_RETURN_IF_ERROR(batch.write(out_dir / "accounts.csv", accounts_csv(data, result, scores)));
  GS_RETURN_IF_ERROR(batch.write(out_dir / "network.gexf", gexf(data, result, options)));
  GS_RETURN_IF_ERROR(batch.write(out_dir / "network.graphml", graphml(data, result)));
  std::set<std::string> written;
  const auto source_edges = kept_edges_by_source_cluster(result);
  std::vector<bool> member(data.accounts(), false);
  for (const Cluster& c : result.clusters) {
    std::string name = fmt::format("cluster-{}.json", c.id);
    const bool numbered = c.id >= 1 && c.id <= source_edges.size();
    GS_RETURN_IF_ERROR(batch.write(
        out_dir / "evidence" / name,
        evidence_json(data, result, options, c,
                      numbered ? std::span<const std::uint32_t>(source_edges[c.id - 1])
                               : std::span<const std::uint32_t>(),
                      member)));
    written.insert(std::move(name));
  }
  GS_RETURN_IF_ERROR(batch.commit());
  // Evidence of an earlier run with more clusters must not linger, nor the temporary file of
  // an interrupted one.
  std::vector<std::filesystem::path> stale;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir / "evidence", ec)) {
    auto name = entry.path().filename().string();
    bool ours = name.starts_with("cluster-") || name.starts_with(".cluster-");
    if (ours && !written.contains(name) &&
        (name.ends_with(".json") || name.ends_with(".json.tmp")))
      stale.push_back(entry.path());
  }
  for (const auto& p : stale) std::filesystem::remove(p, ec);
  return Status::Ok();
}

}  // namespace groundswell
