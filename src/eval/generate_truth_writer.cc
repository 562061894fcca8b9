// The ground truth of a synthetic dataset: truth.json (what was planted and written, record
// counts per file) and actors.toml (the actors' sources and markers), generate_writers.h.
#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "eval/generate_writers.h"

namespace groundswell::gen {

namespace fs = std::filesystem;

Status write_actors_toml(const fs::path& out, std::uint64_t seed, const World& world) {
  OutFile f;
  GS_RETURN_IF_ERROR(f.open(out / "actors.toml", 1 << 16));
  std::string& o = f.buf();
  o += "# Actors of the synthetic dataset written by groundswell-generate (seed ";
  append_uint(o, seed);
  o +=
      ").\n# Format: docs/generator.md. Markers match the normalization key of spec section 5.1.\n";
  auto toml_list = [&](const std::vector<std::string>& items) {
    o += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) o += ", ";
      append_json_string(o, items[i], false);  // a JSON string is a TOML basic string here
    }
    o += "]\n";
  };
  for (int k = 0; k < kActorCount; ++k) {
    const ActorVocab& v = actor_vocab(k);
    o += "\n[[actor]]\nname = ";
    append_json_string(o, v.name, false);
    o += "\nsources = ";
    std::vector<std::string> sources;
    for (std::int32_t idx : world.actor_tg_official[k]) sources.push_back(world.accounts[idx].id);
    for (std::int32_t idx : world.actor_tw_official[k])
      sources.push_back("@" + world.accounts[idx].handle);
    toml_list(sources);
    o += "markers = ";
    toml_list({"#" + std::string(v.hashtag_fa), "#" + std::string(v.hashtag_en),
               std::string(v.keyword_fa), std::string(v.keyword_en), std::string(v.site)});
    o += "regexes = ";
    std::string en(v.keyword_en);
    std::replace(en.begin(), en.end(), ' ', '\x01');
    std::string rx;
    for (char ch : en) {
      if (ch == '\x01') {
        rx += "[ _]?";
      } else {
        rx += ch;
      }
    }
    toml_list({rx});
    o += "opposition = ";
    toml_list({"#" + std::string(v.opposition_fa), "#" + std::string(v.opposition_en)});
  }
  return f.close();
}

namespace {

// The shortest decimal that reads back as v (0.95, not 0.94999999999999996).
void append_shortest(std::string& o, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  o.append(buf, ec == std::errc() ? end : buf);
}

void append_member(std::string& o, const Account& a) {
  o += "{\"platform\": \"";
  o += a.platform == Platform::kTwitter ? "twitter" : "telegram";
  o += "\", \"account_id\": ";
  append_json_string(o, a.id, false);
  if (!a.handle.empty()) {
    o += ", \"handle\": ";
    append_json_string(o, a.handle, false);
  }
  o += '}';
}

// truth.json, section by section.
class TruthWriter {
 public:
  TruthWriter(const GenerateOptions& options, const Scale& scale, const World& world, OutFile& f)
      : opt_(options), scale_(scale), world_(world), f_(f) {}
  void parameters();
  void files(const GenerateSummary& summary);
  void actors();
  void campaigns();
  void lookalikes();
  void virals();
  void organic();

 private:
  void actor(int k);
  void supporters(int k);
  void support_totals(int k);
  void organic_list(const char* key, const std::vector<std::int32_t>& list, bool last);

  const GenerateOptions& opt_;
  const Scale& scale_;
  const World& world_;
  OutFile& f_;
};

void TruthWriter::parameters() {
  std::string& o = f_.buf();
  o += "{\n  \"generator\": \"groundswell-generate\",\n  \"schema_version\": 2,\n  \"seed\": ";
  append_uint(o, opt_.seed);
  o += ",\n  \"scale\": ";
  append_json_string(o, opt_.scale, false);
  o += ",\n  \"parameters\": {\"messages_requested\": ";
  append_int(o, opt_.messages);
  o += ", \"start\": \"";
  append_iso_seconds(o, world_.start_ms);
  o += "Z\", \"end\": \"";
  append_iso_seconds(o, world_.end_ms);
  o += "Z\", \"twitter_organic_accounts\": ";
  append_int(o, scale_.tw_organic_accounts);
  o += ", \"telegram_channels\": ";
  append_int(o, scale_.tg_channels);
  o += ", \"telegram_group_users\": ";
  append_int(o, scale_.tg_users);
  o += ", \"campaign_members\": ";
  append_int(o, scale_.campaign_members);
  o += ", \"ring_channels\": ";
  append_int(o, scale_.ring_channels);
  o += ", \"viral_bursts\": ";
  append_int(o, scale_.viral_bursts + scale_.tg_viral_bursts);
  o += ", \"io_capture_share\": 0.6, \"compression\": \"";
  o += opt_.compression == Compression::kGzip
           ? "gz"
           : (opt_.compression == Compression::kZstd ? "zst" : "none");
  o += "\"},\n";
}

// The files and the totals over them.
void TruthWriter::files(const GenerateSummary& summary) {
  std::string& o = f_.buf();
  o += "  \"files\": [";
  for (std::size_t i = 0; i < summary.files.size(); ++i) {
    const GeneratedFile& g = summary.files[i];
    o += i == 0 ? "\n" : ",\n";
    o += "    {\"path\": ";
    append_json_string(o, g.path, false);
    o += ", \"format\": \"";
    o += g.format;
    o += "\", \"records\": ";
    append_int(o, g.records);
    o += ", \"events\": ";
    append_int(o, g.events);
    o += ", \"lines\": ";
    append_int(o, g.lines);
    o += ", \"accounts\": ";
    append_int(o, g.accounts);
    if (g.included_tweets > 0) {
      o += ", \"included_tweets\": ";
      append_int(o, g.included_tweets);
    }
    o += ", \"bytes\": ";
    append_int(o, g.bytes);
    o += '}';
  }
  o += "\n  ],\n  \"totals\": {\"records\": ";
  append_int(o, summary.records);
  o += ", \"unique_messages\": ";
  append_int(o, summary.unique_messages);
  o += ", \"io_twarc2_duplicates\": ";
  append_int(o, summary.io_twarc2_overlap);
  o += ", \"bytes\": ";
  append_int(o, summary.bytes);
  o += ",\n             \"records_by_format\": {";
  std::vector<std::pair<std::string, std::int64_t>> by_format;
  for (const GeneratedFile& g : summary.files) {
    auto it = std::find_if(by_format.begin(), by_format.end(),
                           [&](const auto& p) { return p.first == g.format; });
    if (it == by_format.end()) {
      by_format.emplace_back(g.format, g.records);
    } else {
      it->second += g.records;
    }
  }
  std::sort(by_format.begin(), by_format.end());
  for (std::size_t i = 0; i < by_format.size(); ++i) {
    if (i > 0) o += ", ";
    append_json_string(o, by_format[i].first, false);
    o += ": ";
    append_int(o, by_format[i].second);
  }
  o += "}},\n";
}

void TruthWriter::actors() {
  std::string& o = f_.buf();
  o += "  \"actors\": [";
  for (int k = 0; k < kActorCount; ++k) actor(k);
}

void TruthWriter::actor(int k) {
  std::string& o = f_.buf();
  o += k == 0 ? "\n" : ",\n";
  o += "    {\"name\": ";
  append_json_string(o, actor_vocab(k).name, false);
  o += ", \"official\": [";
  bool first = true;
  for (const auto* list : {&world_.actor_tw_official[k], &world_.actor_tg_official[k]}) {
    for (std::int32_t idx : *list) {
      if (!first) o += ", ";
      first = false;
      append_member(o, world_.accounts[idx]);
    }
  }
  supporters(k);
  support_totals(k);
}

// Visible supporters by route; genuine ones are those that are no campaign's member.
void TruthWriter::supporters(int k) {
  std::string& o = f_.buf();
  std::array<std::int64_t, 4> visible{}, genuine{};
  std::int64_t configured = 0;
  o += "],\n     \"genuine_supporters\": [";
  bool first = true;
  for (std::size_t i = 0; i < world_.accounts.size(); ++i) {
    const Account& a = world_.accounts[i];
    configured += a.role == Role::kOrganic && a.actor == k;
    const Route route = world_.route_of(i, k);
    if (route == Route::kNone) continue;
    ++visible[static_cast<std::size_t>(route)];
    if (a.role == Role::kCampaign) continue;
    ++genuine[static_cast<std::size_t>(route)];
    if (!first) o += ", ";
    first = false;
    append_member(o, a);
    o.pop_back();
    o += ", \"route\": \"";
    o += route == Route::kSource     ? "sources"
         : route == Route::kOwnWords ? "own_words"
                                     : "reposts_only";
    o += "\", \"messages\": ";
    append_int(o, world_.written[i]);
    o += ", \"support_messages\": ";
    append_int(o, world_.acts[i][static_cast<std::size_t>(k)].support);
    o += '}';
    f_.maybe_flush();
  }
  auto by_route = [&](const std::array<std::int64_t, 4>& n) {
    o += "{\"count\": ";
    append_int(o, n[1] + n[2] + n[3]);
    o += ", \"by_route\": {\"sources\": ";
    append_int(o, n[1]);
    o += ", \"own_words\": ";
    append_int(o, n[2]);
    o += ", \"reposts_only\": ";
    append_int(o, n[3]);
    o += "}}";
  };
  o += "],\n     \"genuine_supporter_count\": ";
  append_int(o, genuine[1] + genuine[2] + genuine[3]);
  o += ", \"genuine\": ";
  by_route(genuine);
  o += ",\n     \"visible_supporters\": ";
  by_route(visible);
  o += ", \"supporters_configured\": ";
  append_int(o, configured);
}

// Support acts and what they report, by everyone and by those who are no campaign's member
// (what the totals would be without the manufactured part).
void TruthWriter::support_totals(int k) {
  std::string& o = f_.buf();
  Totals all_acts, genuine_acts;
  for (std::size_t i = 0; i < world_.accounts.size(); ++i) {
    const Totals& t = world_.support_totals[i][static_cast<std::size_t>(k)];
    for (Totals* sum : {&all_acts, &genuine_acts}) {
      if (sum == &genuine_acts && world_.accounts[i].role == Role::kCampaign) continue;
      sum->messages += t.messages;
      sum->views += t.views;
      sum->forwards += t.forwards;
      sum->reactions += t.reactions;
      sum->replies += t.replies;
    }
  }
  auto totals = [&](const Totals& t) {
    o += "{\"messages\": ";
    append_int(o, t.messages);
    o += ", \"views\": ";
    append_int(o, t.views);
    o += ", \"forwards\": ";
    append_int(o, t.forwards);
    o += ", \"reactions\": ";
    append_int(o, t.reactions);
    o += ", \"replies\": ";
    append_int(o, t.replies);
    o += ", \"engagement\": ";
    append_int(o, t.forwards + t.reactions + t.replies);
    o += '}';
  };
  o += ",\n     \"totals\": {\"visible\": ";
  totals(all_acts);
  o += ", \"genuine\": ";
  totals(genuine_acts);
  o += "}}";
}

void TruthWriter::campaigns() {
  std::string& o = f_.buf();
  o += "\n  ],\n  \"campaigns\": [";
  for (std::size_t i = 0; i < world_.campaigns.size(); ++i) {
    const Campaign& c = world_.campaigns[i];
    o += i == 0 ? "\n" : ",\n";
    o += "    {\"name\": ";
    append_json_string(o, c.name, false);
    o += ", \"kind\": \"";
    o += kind_name(c.kind);
    o += "\", \"platform\": \"";
    o += c.platform == Platform::kTwitter ? "twitter" : "telegram";
    o += "\", \"actor\": ";
    append_json_string(o, actor_vocab(c.actor).name, false);
    o += ", \"evasive\": ";
    o += c.evasive ? "true" : "false";
    o += ", \"in_io_archive\": ";
    o += c.in_io_archive ? "true" : "false";
    o += ", \"schedule\": ";
    append_json_string(o, c.schedule, false);
    o += ", \"utc_offset_minutes\": ";
    append_int(o, c.tz_min);
    o += ", \"participation\": ";
    append_shortest(o, c.participation);
    o += ", \"coordinated_messages\": ";
    append_int(o, c.coordinated_messages);
    o += ", \"filler_messages\": ";
    append_int(o, c.filler_messages);
    o += ",\n     \"members\": [";
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      if (m > 0) o += ", ";
      append_member(o, world_.accounts[c.members[m]]);
    }
    o += "],\n     \"items\": [";
    for (std::size_t m = 0; m < c.items.size(); ++m) {
      if (m > 0) o += ", ";
      o += c.items[m];
      f_.maybe_flush();
    }
    o += "]}";
  }
}

void TruthWriter::lookalikes() {
  std::string& o = f_.buf();
  o += "\n  ],\n  \"lookalikes\": [";
  for (std::size_t i = 0; i < world_.lookalikes.size(); ++i) {
    const Lookalike& g = world_.lookalikes[i];
    const bool fans = g.kind == LookalikeKind::kNotificationFans;
    o += i == 0 ? "\n" : ",\n";
    o += "    {\"name\": ";
    append_json_string(o, g.name, false);
    o += fans ? ", \"kind\": \"notification_fans\"" : ", \"kind\": \"crowd\"";
    o += ", \"platform\": \"twitter\"";
    if (fans) {
      o += ", \"followed\": ";
      append_member(o, world_.accounts[static_cast<std::size_t>(g.followed)]);
      o += ", \"actor\": ";
      if (g.actor >= 0) {
        append_json_string(o, actor_vocab(g.actor).name, false);
      } else {
        o += "null";
      }
      o += ", \"retweet_share\": ";
      append_shortest(o, g.participation);
      o += ", \"every_post\": ";
      o += g.every_post ? "true" : "false";
      o += ", \"delay_seconds\": [";
      append_shortest(o, kFanMinDelayS);
      o += ", ";
      append_shortest(o, kFanMaxDelayS);
      o += "], \"followed_posts\": ";
      append_int(o, g.followed_posts);
    } else {
      o += ", \"hashtags\": [";
      append_json_string(o, "#" + std::string(kMatchHashtagFa), false);
      o += ", ";
      append_json_string(o, "#" + std::string(kMatchHashtagEn), false);
      o += "], \"kickoff\": \"";
      append_iso_seconds(o, g.kickoff_ms);
      o += "Z\", \"final_whistle\": \"";
      append_iso_seconds(o, g.final_whistle_ms);
      o += "Z\", \"goals\": [";
      for (std::size_t k = 0; k < g.goals.size(); ++k) {
        o += k == 0 ? "\"" : ", \"";
        append_iso_seconds(o, g.goals[k]);
        o += "Z\"";
      }
      o += ']';
    }
    o += ", \"messages\": ";
    append_int(o, g.messages);
    // Members that wrote for it (a fan may, rarely, have retweeted none of the posts).
    o += ",\n     \"members\": [";
    bool first_member = true;
    for (std::int32_t idx : g.members) {
      if (world_.lookalike_written[static_cast<std::size_t>(idx)] == 0) continue;
      if (!first_member) o += ", ";
      first_member = false;
      append_member(o, world_.accounts[static_cast<std::size_t>(idx)]);
      f_.maybe_flush();
    }
    o += "]}";
  }
}

void TruthWriter::virals() {
  std::string& o = f_.buf();
  o += "\n  ],\n  \"viral\": [";
  bool first_viral = true;
  for (const Viral& v : world_.virals) {
    if (v.message_id.empty()) continue;
    o += first_viral ? "\n" : ",\n";
    first_viral = false;
    o += "    {\"platform\": \"";
    o += v.platform == Platform::kTwitter ? "twitter" : "telegram";
    o += "\", ";
    if (!v.chat_id.empty()) {
      o += "\"chat_id\": \"";
      o += v.chat_id;
      o += "\", ";
    }
    o += "\"message_id\": \"";
    o += v.message_id;
    o += "\", \"account_id\": ";
    append_json_string(o, world_.accounts[static_cast<std::size_t>(v.author)].id, false);
    o += ", \"time\": \"";
    append_iso_seconds(o, v.t_ms);
    o += "Z\", \"shares\": ";
    append_int(o, v.shares_written);
    o += '}';
  }
}

void TruthWriter::organic_list(const char* key, const std::vector<std::int32_t>& list, bool last) {
  std::string& o = f_.buf();
  o += "\n    \"";
  o += key;
  std::int64_t active = 0;
  for (std::int32_t idx : list) active += world_.written[static_cast<std::size_t>(idx)] > 0;
  o += "\": {\"count\": ";
  append_int(o, active);
  o += ", \"configured\": ";
  append_int(o, static_cast<std::int64_t>(list.size()));
  o += ", \"accounts\": [";
  bool first_account = true;
  for (std::int32_t idx : list) {
    if (world_.written[static_cast<std::size_t>(idx)] == 0) continue;  // silent all month
    if (!first_account) o += ", ";
    first_account = false;
    append_json_string(o, world_.accounts[static_cast<std::size_t>(idx)].id, false);
    f_.maybe_flush();
  }
  o += last ? "]}" : "]},";
}

void TruthWriter::organic() {
  std::string& o = f_.buf();
  o += "\n  ],\n  \"organic\": {";
  std::vector<std::int32_t> twitter = world_.tw_organic;
  twitter.insert(twitter.end(), world_.tw_organic_extra.begin(), world_.tw_organic_extra.end());
  organic_list("twitter", twitter, false);
  organic_list("telegram_channels", world_.tg_channels_organic, false);
  organic_list("telegram_users", world_.tg_users_organic, true);
  o += "\n  }\n}\n";
}

}  // namespace

Status write_truth(const fs::path& out, const GenerateOptions& options, const Scale& scale,
                   const World& world, const GenerateSummary& summary) {
  OutFile f;
  GS_RETURN_IF_ERROR(f.open(out / "truth.json", 1 << 20));
  TruthWriter truth(options, scale, world, f);
  truth.parameters();
  truth.files(summary);
  truth.actors();
  truth.campaigns();
  truth.lookalikes();
  truth.virals();
  truth.organic();
  return f.close();
}

}  // namespace groundswell::gen
