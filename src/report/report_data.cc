#include "report/report_data.h"

#include "base/json_writer.h"

namespace groundswell {
namespace {

void put(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.key(key);
  if (v) w.value(*v);
  else w.null();
}

void put(JsonWriter& w, std::string_view key, const std::optional<std::int64_t>& v) {
  w.key(key);
  if (v) w.value(*v);
  else w.null();
}

// Optional text: an empty string means "not known" and is left out.
void put_text(JsonWriter& w, std::string_view key, const std::string& v) {
  if (!v.empty()) w.key(key).value(v);
}

void put_value(JsonWriter& w, const ReportValue& v) {
  std::visit([&w](const auto& x) { w.value(x); }, v);
}

void write_support(JsonWriter& w, const std::vector<ReportSupportRow>& rows, bool with_period) {
  w.begin_array();
  for (const ReportSupportRow& r : rows) {
    w.begin_object().key("actor").value(r.actor).key("metric").value(r.metric);
    if (with_period) w.key("period").value(r.period);
    put(w, "raw", r.raw);
    put(w, "adjusted", r.adjusted);
    put(w, "ci_low", r.ci_low);
    put(w, "ci_high", r.ci_high);
    w.end_object();
  }
  w.end_array();
}

void write_meta(JsonWriter& w, const ReportMeta& m) {
  w.begin_object();
  put_text(w, "title", m.title);
  w.key("version").value(m.version);
  w.key("generated_at").value(m.generated_at);
  w.key("seed");
  if (m.seed) w.value(*m.seed);
  else w.null();
  put_text(w, "period", m.period);
  w.key("parameters").begin_object();
  for (const auto& [name, value] : m.parameters) {
    w.key(name);
    put_value(w, value);
  }
  w.end_object();
  put_text(w, "interval", m.interval);
  w.end_object();
}

void write_provenance(JsonWriter& w, const ReportProvenance& p) {
  w.begin_object().key("files").begin_array();
  for (const ReportInputFile& f : p.files) {
    w.begin_object()
        .key("path").value(f.path)
        .key("format").value(f.format)
        .key("records_read").value(f.records_read)
        .key("stored").value(f.stored)
        .key("duplicates").value(f.duplicates)
        .key("rejected").value(f.rejected)
        .end_object();
  }
  w.end_array().key("totals").begin_object();
  for (const auto& [name, count] : p.totals) w.key(name).value(count);
  w.end_object().key("reject_samples").begin_array();
  for (const ReportRejectSample& r : p.reject_samples) {
    w.begin_object()
        .key("file").value(r.file)
        .key("position").value(r.position)
        .key("reason").value(r.reason)
        .key("excerpt").value(r.excerpt)
        .end_object();
  }
  w.end_array().end_object();
}

void write_network(JsonWriter& w, const ReportNetwork& n) {
  w.begin_object().key("nodes").begin_array();
  for (const ReportNode& node : n.nodes) {
    w.begin_object().key("id").value(node.id);
    put_text(w, "label", node.label);
    put_text(w, "handle", node.handle);
    put_text(w, "platform", node.platform);
    put(w, "cluster", node.cluster);
    put(w, "score", node.score);
    if (node.messages) w.key("messages").value(*node.messages);
    w.end_object();
  }
  w.end_array().key("edges").begin_array();
  for (const ReportEdge& e : n.edges) {
    w.begin_object()
        .key("source").value(e.source)
        .key("target").value(e.target)
        .key("behaviour").value(e.behaviour)
        .key("weight").value(e.weight);
    put(w, "p_value", e.p_value);
    w.end_object();
  }
  w.end_array();
  if (n.nodes_total || n.edges_total) {
    w.key("truncated").begin_object();
    put(w, "nodes_total", n.nodes_total);
    put(w, "edges_total", n.edges_total);
    w.end_object();
  }
  w.end_object();
}

void write_cluster(JsonWriter& w, const ReportCluster& c) {
  w.begin_object()
      .key("id").value(c.id)
      .key("accounts").value(c.accounts)
      .key("messages").value(c.messages)
      .key("behaviours").begin_array();
  for (const std::string& b : c.behaviours) w.value(b);
  w.end_array().key("first_time").value(c.first_time).key("last_time").value(c.last_time);
  put(w, "median_delay_s", c.median_delay_s);
  put(w, "p_value", c.p_value);
  put(w, "p_log10", c.p_log10);
  put_text(w, "p_method", c.p_method);
  put(w, "mean_score", c.mean_score);
  w.key("verdict").value(c.verdict).key("verdict_reasons").value(c.verdict_reasons);
  w.key("top_objects").begin_array();
  for (const ReportSharedObject& o : c.top_objects) {
    w.begin_object()
        .key("behaviour").value(o.behaviour)
        .key("object").value(o.object)
        .key("count").value(o.count)
        .end_object();
  }
  w.end_array();
  if (!c.members.empty()) {
    w.key("members").begin_array();
    for (const ReportClusterMember& m : c.members) {
      w.begin_object().key("account").value(m.account);
      put_text(w, "handle", m.handle);
      put_text(w, "label", m.label);
      put_text(w, "platform", m.platform);
      put(w, "score", m.score);
      if (m.messages) w.key("messages").value(*m.messages);
      w.end_object();
    }
    w.end_array();
  }
  w.key("evidence").begin_array();
  for (const ReportEvidenceMessage& m : c.evidence) {
    w.begin_object();
    put_text(w, "message_id", m.message_id);
    w.key("account").value(m.account);
    put_text(w, "handle", m.handle);
    put_text(w, "chat", m.chat);
    w.key("time").value(m.time);
    w.key("behaviour").value(m.behaviour);
    w.key("text").value(m.text);
    put_text(w, "url", m.url);
    w.end_object();
  }
  w.end_array().end_object();
}

void write_signal(JsonWriter& w, const ReportSignal& s) {
  w.begin_object().key("name").value(s.name).key("label").value(s.label);
  put_text(w, "unit", s.unit);
  put_text(w, "description", s.description);
  if (s.threshold) w.key("threshold").value(*s.threshold);
  if (s.log_x) w.key("log_x").value(true);
  w.key("bins").begin_array();
  for (const ReportHistogramBin& b : s.bins) {
    w.begin_object().key("lo").value(b.lo).key("hi").value(b.hi).key("count").value(b.count).end_object();
  }
  w.end_array().end_object();
}

void write_counts(JsonWriter& w, std::string_view key, const std::vector<ReportCount>& rows) {
  w.key(key).begin_array();
  for (const ReportCount& c : rows)
    w.begin_object().key("name").value(c.name).key("count").value(c.count).end_object();
  w.end_array();
}

void write_overview(JsonWriter& w, const ReportOverview& o) {
  w.begin_object();
  w.key("first_time").value(o.first_time).key("last_time").value(o.last_time);
  w.key("messages").value(o.messages).key("undated").value(o.undated);
  w.key("days").value(o.days).key("active_days").value(o.active_days);
  w.key("platforms").begin_array();
  for (const ReportPlatformRow& p : o.platforms)
    w.begin_object()
        .key("platform").value(p.platform)
        .key("messages").value(p.messages)
        .key("events").value(p.events)
        .key("accounts").value(p.accounts)
        .end_object();
  w.end_array().key("daily").begin_array();
  for (const ReportDailyRow& d : o.daily)
    w.begin_object()
        .key("platform").value(d.platform)
        .key("day").value(d.day)
        .key("messages").value(d.messages)
        .key("events").value(d.events)
        .key("accounts").value(d.accounts)
        .end_object();
  w.end_array().key("top_accounts").begin_array();
  for (const ReportTopAccount& a : o.top_accounts) {
    w.begin_object().key("account").value(a.account);
    put_text(w, "handle", a.handle);
    put_text(w, "label", a.label);
    put_text(w, "platform", a.platform);
    w.key("messages").value(a.messages).key("reposts").value(a.reposts);
    w.key("active_days").value(a.active_days);
    w.key("first_time").value(a.first_time).key("last_time").value(a.last_time);
    put(w, "cluster", a.cluster);
    w.end_object();
  }
  w.end_array().key("behaviours").begin_array();
  for (const ReportBehaviourUse& b : o.behaviours)
    w.begin_object()
        .key("behaviour").value(b.behaviour)
        .key("actions").value(b.actions)
        .key("objects").value(b.objects)
        .key("accounts").value(b.accounts)
        .end_object();
  w.end_array().key("top_objects").begin_array();
  for (const ReportObjectCount& c : o.top_objects)
    w.begin_object()
        .key("behaviour").value(c.behaviour)
        .key("object").value(c.object)
        .key("messages").value(c.messages)
        .key("accounts").value(c.accounts)
        .end_object();
  w.end_array();
  write_counts(w, "languages", o.languages);
  w.key("gaps").begin_array();
  for (const ReportGap& g : o.gaps)
    w.begin_object().key("from").value(g.from).key("to").value(g.to).key("hours").value(g.hours)
        .end_object();
  w.end_array();
  w.key("rejected").value(o.rejected);
  write_counts(w, "reject_reasons", o.reject_reasons);
  w.end_object();
}

void write_funnel_account(JsonWriter& w, const ReportFunnelAccount& a) {
  w.begin_object().key("account").value(a.account);
  put_text(w, "handle", a.handle);
  put_text(w, "label", a.label);
  put_text(w, "platform", a.platform);
  w.end_object();
}

void write_funnel(JsonWriter& w, const ReportFunnel& f) {
  w.begin_object();
  w.key("compat").value(f.compat).key("window_s").value(f.window_s);
  w.key("min_repetition").value(f.min_repetition).key("fdr").value(f.fdr);
  w.key("null_replicates").value(f.null_replicates);
  w.key("clusters").value(f.clusters).key("coordinated_accounts").value(f.coordinated_accounts);
  w.key("behaviours").begin_array();
  for (const ReportBehaviourFunnel& b : f.behaviours) {
    w.begin_object()
        .key("behaviour").value(b.behaviour)
        .key("actions").value(b.actions)
        .key("objects").value(b.objects)
        .key("crowded_actions").value(b.crowded_actions)
        .key("co_acting_pairs").value(b.co_acting_pairs)
        .key("pairs_by_objects").begin_array();
    for (std::int64_t n : b.pairs_by_objects) w.value(n);
    w.end_array()
        .key("edges").value(b.edges)
        .key("accounts_in_edges").value(b.accounts_in_edges)
        .key("tested").value(b.tested)
        .key("cooccurrence_tested").value(b.cooccurrence_tested)
        .key("time_nominal").value(b.time_nominal)
        .key("time_fdr").value(b.time_fdr)
        .key("cooccurrence_nominal").value(b.cooccurrence_nominal)
        .key("cooccurrence_fdr").value(b.cooccurrence_fdr)
        .key("kept").value(b.kept)
        .key("accounts_kept").value(b.accounts_kept)
        .end_object();
  }
  w.end_array().key("candidates").begin_array();
  for (const ReportCandidate& c : f.candidates) {
    w.begin_object().key("behaviour").value(c.behaviour).key("accounts").begin_array();
    write_funnel_account(w, c.a);
    write_funnel_account(w, c.b);
    w.end_array().key("objects").value(c.objects).key("pairs").value(c.pairs);
    put(w, "median_delay_s", c.median_delay_s);
    w.key("first_time").value(c.first_time).key("last_time").value(c.last_time);
    put(w, "p_value", c.p_value);
    put(w, "q_value", c.q_value);
    put(w, "p_cooccurrence", c.p_cooccurrence);
    put(w, "q_cooccurrence", c.q_cooccurrence);
    put(w, "common_objects", c.common_objects);
    put(w, "expected_common", c.expected_common);
    w.key("stopped").value(c.stopped).end_object();
  }
  w.end_array();
  put_text(w, "peer_rule", f.peer_rule);
  w.key("peer_min_participation").value(f.peer_min_participation);
  w.key("peer").begin_array();
  for (const ReportPeerCount& c : f.peer)
    w.begin_object()
        .key("behaviour").value(c.behaviour)
        .key("computed").value(c.computed)
        .key("message_pairs").value(c.message_pairs)
        .key("edges").value(c.edges)
        .key("accounts").value(c.accounts)
        .key("pairs").value(c.pairs)
        .key("single_object").value(c.single_object)
        .key("native_edges").value(c.native_edges)
        .key("native_kept").value(c.native_kept)
        .end_object();
  w.end_array().end_object();
}

}  // namespace

std::string report_data_to_json(const ReportData& data) {
  JsonWriter w(/*indent=*/false);
  w.begin_object();
  w.key("meta");
  write_meta(w, data.meta);
  if (data.overview) {
    w.key("overview");
    write_overview(w, *data.overview);
  }
  if (data.funnel) {
    w.key("funnel");
    write_funnel(w, *data.funnel);
  }
  w.key("provenance");
  write_provenance(w, data.provenance);
  w.key("headline");
  write_support(w, data.headline, /*with_period=*/false);
  w.key("series");
  write_support(w, data.series, /*with_period=*/true);
  w.key("share_of_voice").begin_array();
  for (const ReportShareOfVoiceRow& r : data.share_of_voice) {
    w.begin_object().key("actor").value(r.actor).key("metric").value(r.metric);
    put(w, "raw", r.raw);
    put(w, "adjusted", r.adjusted);
    w.end_object();
  }
  w.end_array();
  w.key("drivers").begin_array();
  for (const ReportTotalDrivers& d : data.drivers) {
    w.begin_object().key("actor").value(d.actor).key("metric").value(d.metric);
    w.key("raw").value(d.raw);
    put(w, "adjusted", d.adjusted);
    put(w, "ci_low", d.ci_low);
    put(w, "ci_high", d.ci_high);
    w.key("top_share_pct").value(d.top_share_pct);
    w.key("uncertain_accounts").value(d.uncertain_accounts);
    w.key("uncertain_share_pct").value(d.uncertain_share_pct);
    w.key("top").begin_array();
    for (const ReportContributor& c : d.top) {
      w.begin_object().key("account").value(c.account);
      put_text(w, "handle", c.handle);
      put_text(w, "label", c.label);
      w.key("platform").value(c.platform)
          .key("raw").value(c.raw)
          .key("share_pct").value(c.share_pct)
          .key("adjusted").value(c.adjusted)
          .key("adjusted_low").value(c.adjusted_low)
          .key("adjusted_high").value(c.adjusted_high)
          .end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
  w.key("network");
  write_network(w, data.network);
  w.key("clusters").begin_array();
  for (const ReportCluster& c : data.clusters) write_cluster(w, c);
  w.end_array();
  w.key("signals").begin_array();
  for (const ReportSignal& s : data.signals) write_signal(w, s);
  w.end_array();
  w.key("sensitivity").begin_array();
  for (const ReportSensitivityRow& r : data.sensitivity) {
    w.begin_object().key("parameter").value(r.parameter).key("value");
    put_value(w, r.value);
    w.key("actor").value(r.actor).key("metric").value(r.metric);
    put(w, "adjusted", r.adjusted);
    put(w, "ci_low", r.ci_low);
    put(w, "ci_high", r.ci_high);
    w.key("baseline").value(r.baseline);
    w.end_object();
  }
  w.end_array();
  w.key("detection_sensitivity").begin_array();
  for (const ReportDetectionSensitivityRow& r : data.detection_sensitivity)
    w.begin_object()
        .key("parameter").value(r.parameter)
        .key("value").value(r.value)
        .key("baseline").value(r.baseline)
        .key("edges_tested").value(r.edges_tested)
        .key("edges_kept").value(r.edges_kept)
        .key("clusters").value(r.clusters)
        .key("coordinated_accounts").value(r.coordinated_accounts)
        .end_object();
  w.end_array();
  w.key("assumptions").begin_array();
  for (const std::string& a : data.assumptions) w.value(a);
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace groundswell
