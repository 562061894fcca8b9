// The world of a synthetic dataset (generate_world.h): its accounts, campaigns, look-alikes
// and viral bursts, drawn in a fixed order from the dataset's two random streams.
#include "eval/generate_world.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_set>

namespace groundswell::gen {

double diurnal(std::int64_t utc_ms, int tz_min) {
  std::int64_t local = utc_ms + tz_min * kMinuteMs;
  std::int64_t hour = ((local / kHourMs) % 24 + 24) % 24;
  double sum = 0;
  for (double d : kDiurnal) sum += d;
  return kDiurnal[hour] * 24.0 / sum;
}

int local_hour(std::int64_t utc_ms, int tz_min) {
  std::int64_t local = utc_ms + tz_min * kMinuteMs;
  return static_cast<int>(((local / kHourMs) % 24 + 24) % 24);
}

// Office hours: Monday to Friday 9-17 local, with a lunch pause 12-13.
bool in_office_hours(std::int64_t utc_ms, int tz_min) {
  int wd = weekday_of(utc_ms + tz_min * kMinuteMs);
  if (wd >= 5) return false;
  int h = local_hour(utc_ms, tz_min);
  return h >= 9 && h < 17 && h != 12;
}
bool in_waking_hours(std::int64_t utc_ms, int tz_min) {
  int h = local_hour(utc_ms, tz_min);
  return h >= 8 && h < 23;
}

void AliasTable::build(const std::vector<double>& weights) {
  std::size_t n = weights.size();
  prob_.assign(n, 0);
  alias_.assign(n, 0);
  if (n == 0) return;
  double sum = 0;
  for (double w : weights) sum += w;
  std::vector<double> scaled(n);
  std::vector<std::uint32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / sum;
    (scaled[i] < 1 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1 - scaled[s];
    if (scaled[l] < 1) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (std::uint32_t i : large) prob_[i] = 1;
  for (std::uint32_t i : small) prob_[i] = 1;
}

std::string_view kind_name(CampaignKind k) {
  switch (k) {
    case CampaignKind::kCoShare:
      return "co_share";
    case CampaignKind::kCopyPaste:
      return "copy_paste";
    case CampaignKind::kCoLink:
      return "co_link";
    case CampaignKind::kForwardRing:
      return "forward_ring";
    case CampaignKind::kScheduled:
      return "scheduled";
  }
  return "";
}

Scale make_scale(std::int64_t n) {
  Scale s;
  s.messages = n;
  auto clampi = [](double v, std::int64_t lo, std::int64_t hi) {
    return std::clamp(static_cast<std::int64_t>(std::llround(v)), lo, hi);
  };
  double nd = static_cast<double>(n);
  s.tw_organic_accounts = clampi(nd * s.tw_share * 0.72 / 14.0, 200, 300000);
  s.tg_channels = clampi(std::sqrt(nd) / 3.0, 14, 800);
  s.tg_users = clampi(nd * s.tg_group_share / 25.0, 40, 40000);
  s.campaign_members = clampi(10.0 * std::pow(nd / 3000.0, 0.35), 8, 400);
  s.ring_channels = clampi(6.0 * std::pow(nd / 3000.0, 0.2), 6, 30);
  s.viral_bursts = clampi(std::sqrt(nd) / 8.0, 3, 150);
  s.tg_viral_bursts = clampi(static_cast<double>(s.viral_bursts) / 3.0, 1, 50);
  // Viral retweets take about 8% of the Twitter volume.
  s.viral_median =
      std::max(20.0, nd * s.tw_share * 0.08 / static_cast<double>(s.viral_bursts) * 0.75);
  s.fans = clampi(120.0 * std::pow(nd / 1e6, 0.35), 15, 1000);
  return s;
}

Route World::route_of(std::size_t account, int k) const {
  const Acts& a = acts[account][static_cast<std::size_t>(k)];
  if (a.support <= a.opposition) return Route::kNone;  // more support than opposition
  const Account& acc = accounts[account];
  if (acc.role == Role::kOfficial && acc.actor == k) return Route::kSource;
  return a.own_support > 0 ? Route::kOwnWords : Route::kRepostsOnly;
}
namespace {

// Time zones of organic accounts and how Persian and English speakers spread over them:
// Persian speakers mostly in Iran, some in the diaspora; English speakers spread out.
struct Zone {
  int tz;
  double fa, en;
};
constexpr Zone kZones[] = {{kTehran, 0.78, 0.05}, {240, 0.05, 0.05},  {60, 0.09, 0.30},
                           {0, 0.02, 0.15},       {-300, 0.04, 0.27}, {-480, 0.02, 0.18}};
int pick_zone(GenRng& rng, Lang lang) {
  double u = rng.unit(), acc = 0;
  for (const Zone& z : kZones) {
    acc += lang == Lang::kFa ? z.fa : z.en;
    if (u < acc) return z.tz;
  }
  return kTehran;
}

constexpr std::int64_t kOldStart = 1230768000000LL;   // 2009-01-01
constexpr std::int64_t kRecentEnd = 1704067200000LL;  // 2024-01-01

// Draws the world in a fixed order: the accounts (officials, organic Twitter, organic
// Telegram channels, the groups and their members), the campaigns and viral bursts from the
// main stream, then the look-alikes and the campaigns added with them from the cases' stream.
class WorldBuilder {
 public:
  WorldBuilder(const GenerateOptions& options, const Scale& scale, Randomness& random)
      : opt_(options), scale_(scale), rng_(random.main), case_rng_(random.cases) {
    world_.start_ms = options.start_unix * 1000;
    world_.end_ms = world_.start_ms + options.days * kDayMs;
  }

  World build() &&;

 private:
  void create_officials();
  void create_organic_twitter();
  void create_organic_channels();
  void create_groups();
  Account telegram_group(const std::string& handle);
  void create_campaigns();
  Account campaign_member(const Campaign& c, std::int16_t index, std::int64_t burst_start);
  void create_viral_bursts();
  void create_lookalikes();
  std::int32_t create_outlet();
  void create_fan_groups(std::int32_t outlet);
  void create_match();
  void create_scheduled();
  void create_sleepers();
  // Organic accounts of no look-alike yet, up to `want` of those `accept` takes, at random.
  template <typename Accept>
  std::vector<std::int32_t> draw_organic(std::size_t want, Accept&& accept);
  std::int8_t pick_actor();
  std::int32_t add_account(Account a);
  std::string unique_handle(std::string base);
  std::uint64_t unique_numeric(std::uint64_t lo, std::uint64_t hi) {
    return unique_numeric(lo, hi, rng_);
  }
  std::uint64_t unique_numeric(std::uint64_t lo, std::uint64_t hi, GenRng& rng);
  std::uint64_t twitter_user_id(std::int64_t created_ms, GenRng& rng);
  void make_twitter_account(Account& a, GenRng& rng, bool patterned_handle);
  std::int64_t random_trigger_time(const Campaign& c, GenRng& rng);
  std::int64_t random_daytime(GenRng& rng, std::int64_t last, int tz_min);

  const GenerateOptions& opt_;
  const Scale& scale_;
  GenRng& rng_;
  GenRng& case_rng_;
  World world_;
  std::unordered_set<std::string> handles_;
  std::unordered_set<std::uint64_t> numeric_ids_;
  std::vector<std::uint8_t> taken_;  // accounts in a look-alike: in no other
};

World WorldBuilder::build() && {
  create_officials();
  create_organic_twitter();
  create_organic_channels();
  create_groups();
  create_campaigns();
  create_viral_bursts();
  create_lookalikes();
  create_scheduled();
  create_sleepers();
  // Each Telegram Desktop channel and each chat of the "all data" export: its file.
  std::int32_t desktop = 0, alldata = 0;
  for (Account& a : world_.accounts) {
    if (a.tg_kind == TgKind::kChannel && a.sink == TgSink::kDesktop) {
      a.sink_index = desktop++;
    } else if (a.sink == TgSink::kAllData) {
      a.sink_index = alldata++;
    }
  }
  const std::size_t n = world_.accounts.size();
  world_.written.assign(n, 0);
  world_.lookalike_written.assign(n, 0);
  world_.acts.assign(n, {});
  world_.support_totals.assign(n, {});
  return std::move(world_);
}

std::int32_t WorldBuilder::add_account(Account a) {
  world_.accounts.push_back(std::move(a));
  return static_cast<std::int32_t>(world_.accounts.size() - 1);
}

std::string WorldBuilder::unique_handle(std::string base) {
  if (base.size() > 15) base.resize(15);
  if (handles_.insert(base).second) return base;
  for (int k = 2;; ++k) {
    std::string h = base.substr(0, 12);
    append_int(h, k);
    if (handles_.insert(h).second) return h;
  }
}

std::uint64_t WorldBuilder::unique_numeric(std::uint64_t lo, std::uint64_t hi, GenRng& rng) {
  for (;;) {
    std::uint64_t v = lo + rng.below(hi - lo);
    if (numeric_ids_.insert(v).second) return v;
  }
}

std::uint64_t WorldBuilder::twitter_user_id(std::int64_t created_ms, GenRng& rng) {
  // Accounts from before late 2013 have short sequential ids; later ones are snowflakes.
  if (created_ms < 1383264000000LL) {
    auto span =
        static_cast<double>(created_ms - 1230768000000LL) / (1383264000000.0 - 1230768000000.0);
    auto base = static_cast<std::uint64_t>(20000000.0 + span * 2000000000.0);
    return unique_numeric(base, base + 5000000, rng);
  }
  for (;;) {
    std::uint64_t v =
        (static_cast<std::uint64_t>(created_ms - kTwitterEpochMs) << 22) | rng.below(1u << 22);
    if (numeric_ids_.insert(v).second) return v;
  }
}

void WorldBuilder::make_twitter_account(Account& a, GenRng& rng, bool patterned_handle) {
  a.platform = Platform::kTwitter;
  a.numeric_id = twitter_user_id(a.created_ms, rng);
  a.id = std::to_string(a.numeric_id);
  const bool fa = a.lang == Lang::kFa;
  std::size_t first_index = rng.below(fa ? kPersianFirstNames : 30);
  std::size_t last_index = rng.below(fa ? kPersianLastNames : 24);
  std::string first(first_name(first_index, Lang::kEn));
  std::string last(last_name(last_index, Lang::kEn));
  std::string handle;
  if (patterned_handle) {
    // The handle Twitter suggests at sign-up: a name and a long digit run.
    handle = first;
    append_int(handle, rng.between(10000000, 99999999));
  } else {
    switch (rng.below(5)) {
      case 0:
        handle = first + "_" + last;
        break;
      case 1:
        handle = first + last.substr(0, 1) + std::to_string(rng.between(70, 99));
        break;
      case 2:
        handle = std::string(random_word_ascii(rng)) + "_" + first;
        break;
      case 3:
        handle = "the" + first + std::string(random_word_ascii(rng));
        break;
      default:
        handle = first + last + std::to_string(rng.between(1, 9));
        break;
    }
  }
  a.handle = unique_handle(handle);
  if (fa && rng.chance(0.75)) {
    a.name = std::string(first_name(first_index, Lang::kFa)) + " " +
             std::string(last_name(last_index, Lang::kFa));
  } else {
    a.name = first + " " + last;
  }
  a.description = random_bio(rng, a.lang);
  a.location = random_city(rng);
}

std::int8_t WorldBuilder::pick_actor() {
  if (!rng_.chance(0.16)) return -1;
  double u = rng_.unit();
  return static_cast<std::int8_t>(u < 0.45 ? 0 : (u < 0.80 ? 1 : 2));
}

// Actors' official Twitter accounts and Telegram channels.
void WorldBuilder::create_officials() {
  GenRng& rng = rng_;

  world_.actor_tw_official.resize(kActorCount);
  world_.actor_tg_official.resize(kActorCount);
  for (int k = 0; k < kActorCount; ++k) {
    const ActorVocab& v = actor_vocab(k);
    for (int j = 0; j < 2; ++j) {
      Account a;
      a.role = Role::kOfficial;
      a.actor = static_cast<std::int8_t>(k);
      a.lang = j == 0 ? Lang::kFa : Lang::kEn;
      a.tz_min = kTehran;
      a.activity = 40;
      a.created_ms = kOldStart + static_cast<std::int64_t>(rng.below(
                                     static_cast<std::uint64_t>(kRecentEnd - kOldStart) / 2));
      make_twitter_account(a, rng, false);
      std::string h = std::string(v.hashtag_en) + (j == 0 ? "" : "_EN");
      handles_.erase(a.handle);
      a.handle = unique_handle(h);
      a.name = j == 0 ? std::string(v.name_fa) : std::string(v.name);
      a.description = std::string(v.name) + " | official";
      a.followers = static_cast<std::int64_t>(rng.lognormal(60000, 0.6));
      a.following = rng.between(50, 400);
      a.posts = rng.between(3000, 20000);
      a.verified = j == 0;
      std::int32_t idx = add_account(std::move(a));
      world_.actor_tw_official[k].push_back(idx);
      world_.popular_tw.push_back(idx);
    }
    for (int j = 0; j < 2; ++j) {
      Account c;
      c.platform = Platform::kTelegram;
      c.tg_kind = TgKind::kChannel;
      c.role = Role::kOfficial;
      c.actor = static_cast<std::int8_t>(k);
      c.lang = Lang::kFa;
      c.tz_min = kTehran;
      c.activity = 8;
      c.numeric_id = unique_numeric(1100000000, 2100000000);
      c.id = "channel" + std::to_string(c.numeric_id);
      c.handle = unique_handle(std::string(v.slug) + (j == 0 ? "" : "_news"));
      c.name = j == 0 ? std::string(v.name_fa) : std::string(v.name_fa) + " | اخبار";
      c.description = std::string(v.name);
      c.created_ms = 1577836800000LL + static_cast<std::int64_t>(rng.below(100000000000ULL));
      c.followers = static_cast<std::int64_t>(rng.lognormal(40000, 0.5));
      c.err = 0.25 + 0.2 * rng.unit();
      c.sink = j == 0 ? TgSink::kDesktop : TgSink::kTelethon;
      c.signatures = j == 1;
      c.next_msg_id = static_cast<std::int32_t>(rng.between(200, 20000));
      world_.actor_tg_official[k].push_back(add_account(std::move(c)));
    }
  }
}

// Organic Twitter accounts: heavy-tailed activity.
void WorldBuilder::create_organic_twitter() {
  GenRng& rng = rng_;

  world_.tw_pools.resize(std::size(kZones));
  for (std::size_t z = 0; z < std::size(kZones); ++z) world_.tw_pools[z].tz_min = kZones[z].tz;
  for (std::int64_t i = 0; i < scale_.tw_organic_accounts; ++i) {
    Account a;
    a.lang = rng.chance(0.7) ? Lang::kFa : Lang::kEn;
    a.tz_min = pick_zone(rng, a.lang);
    a.actor = pick_actor();
    a.activity = rng.pareto(1.4, 400);
    a.created_ms = kOldStart + static_cast<std::int64_t>(
                                   rng.below(static_cast<std::uint64_t>(kRecentEnd - kOldStart)));
    make_twitter_account(a, rng, false);
    a.followers = static_cast<std::int64_t>(rng.lognormal(120.0 * std::sqrt(a.activity), 1.3));
    a.following = static_cast<std::int64_t>(rng.lognormal(250, 0.9));
    a.posts = static_cast<std::int64_t>(a.activity * rng.lognormal(400, 0.8));
    a.verified = a.followers > 50000 && rng.chance(0.3);
    std::int32_t idx = add_account(std::move(a));
    world_.tw_organic.push_back(idx);
    if (world_.accounts[idx].followers > 20000 && world_.popular_tw.size() < 60)
      world_.popular_tw.push_back(idx);
  }
  for (std::int32_t idx : world_.tw_organic) {
    for (ActivityPool& p : world_.tw_pools) {
      if (p.tz_min == world_.accounts[idx].tz_min) p.members.push_back(idx);
    }
  }
  double total_activity = 0;
  for (std::int32_t idx : world_.tw_organic) total_activity += world_.accounts[idx].activity;
  for (ActivityPool& p : world_.tw_pools) {
    std::vector<double> w;
    for (std::int32_t idx : p.members) {
      w.push_back(world_.accounts[idx].activity);
      p.weight += world_.accounts[idx].activity;
    }
    p.weight /= total_activity;
    p.alias.build(w);
  }
  for (std::int32_t idx : world_.popular_tw) {
    world_.mention_handles.push_back(world_.accounts[idx].handle);
    world_.mention_accounts.push_back(idx);
  }
}

// Organic Telegram channels.
void WorldBuilder::create_organic_channels() {
  GenRng& rng = rng_;
  std::int64_t desktop_budget = 240;
  for (std::int64_t i = 0; i < scale_.tg_channels; ++i) {
    Account c;
    c.platform = Platform::kTelegram;
    c.tg_kind = TgKind::kChannel;
    c.lang = rng.chance(0.8) ? Lang::kFa : Lang::kEn;
    c.tz_min = c.lang == Lang::kFa ? kTehran : 60;
    c.actor = rng.chance(0.2) ? static_cast<std::int8_t>(rng.below(kActorCount)) : -1;
    c.activity = rng.pareto(1.3, 60);
    c.numeric_id = unique_numeric(1100000000, 2100000000);
    c.id = "channel" + std::to_string(c.numeric_id);
    std::string uname(random_word_ascii(rng));
    uname += rng.chance(0.5) ? "_news" : "_";
    uname += random_word_ascii(rng);
    c.handle = unique_handle(uname);
    c.name = c.lang == Lang::kFa ? "کانال " + std::string(random_first_name(rng, Lang::kFa)) + " " +
                                       std::string(random_last_name(rng, Lang::kFa))
                                 : std::string(random_first_name(rng, Lang::kEn)) + "'s " +
                                       std::string(random_word_ascii(rng)) + " news";
    c.description = random_bio(rng, c.lang);
    c.created_ms = 1546300800000LL + static_cast<std::int64_t>(rng.below(150000000000ULL));
    c.followers = static_cast<std::int64_t>(rng.lognormal(4000.0 * std::sqrt(c.activity), 1.2));
    c.err = 0.08 + 0.5 * rng.unit();
    c.signatures = rng.chance(0.15);
    c.next_msg_id = static_cast<std::int32_t>(rng.between(50, 30000));
    if (i < 3) {
      c.sink = TgSink::kAllData;  // two channels in the chat list, one the user has left
    } else if (desktop_budget > 0 && rng.chance(0.5)) {
      c.sink = TgSink::kDesktop;
      --desktop_budget;
    } else {
      c.sink = TgSink::kTelethon;
    }
    world_.tg_channels_organic.push_back(add_account(std::move(c)));
  }
  {
    std::vector<double> w;
    world_.tg_channel_pool.tz_min = kTehran;
    for (std::int32_t idx : world_.tg_channels_organic) {
      world_.tg_channel_pool.members.push_back(idx);
      w.push_back(world_.accounts[idx].activity);
    }
    for (int k = 0; k < kActorCount; ++k) {
      for (std::int32_t idx : world_.actor_tg_official[k]) {
        world_.tg_channel_pool.members.push_back(idx);
        w.push_back(world_.accounts[idx].activity);
      }
    }
    world_.tg_channel_pool.alias.build(w);
  }
}

// A Persian-speaking public supergroup with username `handle`.
Account WorldBuilder::telegram_group(const std::string& handle) {
  Account g;
  g.platform = Platform::kTelegram;
  g.tg_kind = TgKind::kGroup;
  g.lang = Lang::kFa;
  g.tz_min = kTehran;
  g.numeric_id = unique_numeric(1100000000, 2100000000);
  g.id = "channel" + std::to_string(g.numeric_id);
  g.handle = unique_handle(handle);
  return g;
}

// The public supergroup and the group scraped with Telethon, and their members.
void WorldBuilder::create_groups() {
  GenRng& rng = rng_;
  {
    Account g = telegram_group("gap_azad_chat");
    g.name = "گفتگوی آزاد";
    g.sink = TgSink::kAllData;
    g.next_msg_id = static_cast<std::int32_t>(rng.between(1000, 90000));
    world_.group = add_account(std::move(g));
    Account t = telegram_group("tehran_talk");
    t.name = "Tehran Talk | گپ تهران";
    t.created_ms = 1609459200000LL;
    t.followers = 2 * scale_.tg_users;
    t.sink = TgSink::kTelethon;
    t.next_msg_id = static_cast<std::int32_t>(rng.between(1000, 90000));
    world_.telethon_group = add_account(std::move(t));
  }
  for (std::int64_t i = 0; i < scale_.tg_users; ++i) {
    Account u;
    u.platform = Platform::kTelegram;
    u.tg_kind = TgKind::kUser;
    u.lang = rng.chance(0.85) ? Lang::kFa : Lang::kEn;
    u.tz_min = u.lang == Lang::kFa ? kTehran : pick_zone(rng, Lang::kEn);
    u.actor = pick_actor();
    u.activity = rng.pareto(1.3, 200);
    u.numeric_id = unique_numeric(100000000, 7000000000);
    u.id = "user" + std::to_string(u.numeric_id);
    u.name = std::string(random_first_name(rng, u.lang)) + " " +
             std::string(random_last_name(rng, u.lang));
    u.home_group = rng.chance(0.4) ? world_.telethon_group : world_.group;
    world_.tg_users_organic.push_back(add_account(std::move(u)));
  }
  {
    std::vector<double> w;
    for (std::int32_t idx : world_.tg_users_organic) {
      world_.tg_user_pool.members.push_back(idx);
      w.push_back(world_.accounts[idx].activity);
    }
    world_.tg_user_pool.alias.build(w);
  }
}

std::int64_t WorldBuilder::random_trigger_time(const Campaign& c, GenRng& rng) {
  // Room at the end so every member's action still falls in the period.
  const std::int64_t last = world_.end_ms - 4 * kHourMs;
  for (;;) {
    std::int64_t t =
        world_.start_ms +
        static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(last - world_.start_ms)));
    bool ok = c.evasive ? in_waking_hours(t, c.tz_min) : in_office_hours(t, c.tz_min);
    // Leave office hours room for the fast members to finish before the lunch pause.
    if (ok && !c.evasive && !in_office_hours(t + 2 * kMinuteMs, c.tz_min)) ok = false;
    if (ok) return t;
  }
}

void WorldBuilder::create_campaigns() {
  GenRng& rng = rng_;
  const double n = static_cast<double>(scale_.messages);
  struct Plan {
    const char* name;
    CampaignKind kind;
    Platform platform;
    int actor;
    bool evasive;
    bool group;
  };
  const Plan plans[] = {
      {"fast-retweeters-green-horizon", CampaignKind::kCoShare, Platform::kTwitter, 0, false,
       false},
      {"copypasta-iron-banner", CampaignKind::kCopyPaste, Platform::kTwitter, 1, false, false},
      {"link-pushers-green-horizon", CampaignKind::kCoLink, Platform::kTwitter, 0, false, false},
      {"forward-ring-free-voices", CampaignKind::kForwardRing, Platform::kTelegram, 2, false,
       false},
      {"group-copypasta-iron-banner", CampaignKind::kCopyPaste, Platform::kTelegram, 1, false,
       true},
      {"slow-retweeters-free-voices", CampaignKind::kCoShare, Platform::kTwitter, 2, true, false},
      {"slow-copypasta-green-horizon", CampaignKind::kCopyPaste, Platform::kTwitter, 0, true,
       false},
  };
  // Non-evasive campaigns live in one office's time zone; accounts made in one short burst.
  for (const Plan& p : plans) {
    Campaign c;
    c.name = p.name;
    c.kind = p.kind;
    c.platform = p.platform;
    c.actor = p.actor;
    c.evasive = p.evasive;
    c.in_group = p.group;
    c.in_io_archive = p.platform == Platform::kTwitter && !p.evasive;
    c.tz_min = p.evasive ? 60 : kTehran;
    c.participation = p.evasive ? 0.4 : (p.kind == CampaignKind::kForwardRing ? 0.9 : 0.95);
    c.schedule = p.evasive ? "daily 08-23 local" : "Mon-Fri 09-17 local, lunch 12-13";
    // Members' own posts: enough for their schedule to show, about 0.6% of the data each.
    double members_for_rate = static_cast<double>(
        p.kind == CampaignKind::kForwardRing ? scale_.ring_channels : scale_.campaign_members);
    c.fillers_per_day = std::clamp(n * 0.006 / (members_for_rate * 22.0), 0.3, 3.0);
    const auto index = static_cast<std::int16_t>(world_.campaigns.size());
    std::int64_t members =
        p.kind == CampaignKind::kForwardRing ? scale_.ring_channels : scale_.campaign_members;
    std::int64_t burst_start = 1698796800000LL + static_cast<std::int64_t>(rng.below(60)) * kDayMs;
    for (std::int64_t m = 0; m < members; ++m) {
      c.members.push_back(add_account(campaign_member(c, index, burst_start)));
    }
    double per_item = static_cast<double>(members) * c.participation;
    auto items = std::max<std::int64_t>(5, std::llround(n * 0.014 / per_item));
    for (std::int64_t k = 0; k < items; ++k) c.triggers.push_back(random_trigger_time(c, rng_));
    std::sort(c.triggers.begin(), c.triggers.end());
    world_.campaigns.push_back(std::move(c));
  }
}

// A member of campaign `c` (number `index`): made within a few days from `burst_start`, or
// over a year for an evasive campaign; a Twitter account, a forward ring's channel with bought
// subscribers, or a user of the Telegram group.
Account WorldBuilder::campaign_member(const Campaign& c, std::int16_t index,
                                      std::int64_t burst_start) {
  GenRng& rng = rng_;
  Account a;
  a.role = Role::kCampaign;
  a.campaign = index;
  a.lang = rng.chance(0.85) ? Lang::kFa : Lang::kEn;
  a.tz_min = c.tz_min;
  a.activity = 1;
  a.created_ms =
      c.evasive
          ? 1688169600000LL +
                static_cast<std::int64_t>(rng.below(240ULL * static_cast<std::uint64_t>(kDayMs)))
          : burst_start +
                static_cast<std::int64_t>(rng.below(3ULL * static_cast<std::uint64_t>(kDayMs)));
  if (c.platform == Platform::kTwitter) {
    make_twitter_account(a, rng, !c.evasive);
    a.followers =
        c.evasive ? static_cast<std::int64_t>(rng.lognormal(180, 0.8)) : rng.between(0, 40);
    a.following =
        c.evasive ? static_cast<std::int64_t>(rng.lognormal(300, 0.6)) : rng.between(150, 900);
    a.posts = rng.between(20, 3000);
    if (!c.evasive && rng.chance(0.5)) a.description.clear();
    a.io = c.in_io_archive;
  } else if (c.kind == CampaignKind::kForwardRing) {
    a.platform = Platform::kTelegram;
    a.tg_kind = TgKind::kChannel;
    a.lang = Lang::kFa;
    a.numeric_id = unique_numeric(1100000000, 2100000000);
    a.id = "channel" + std::to_string(a.numeric_id);
    std::string uname = std::string(actor_vocab(c.actor).slug) + "_";
    uname += random_word_ascii(rng);
    a.handle = unique_handle(uname);
    a.name = std::string(actor_vocab(c.actor).name_fa) + " " + std::string(random_word_ascii(rng));
    // Bought subscribers: big audiences that do not read.
    a.followers = static_cast<std::int64_t>(rng.lognormal(120000, 0.4));
    a.err = 0.004 + 0.012 * rng.unit();
    a.sink = TgSink::kTelethon;
    a.next_msg_id = static_cast<std::int32_t>(rng.between(20, 2000));
  } else {
    a.platform = Platform::kTelegram;
    a.tg_kind = TgKind::kUser;
    a.lang = Lang::kFa;
    a.numeric_id = unique_numeric(6000000000, 7200000000);
    a.id = "user" + std::to_string(a.numeric_id);
    a.name = std::string(random_first_name(rng, Lang::kFa)) + " " +
             std::string(random_last_name(rng, Lang::kFa));
  }
  return a;
}

// Viral bursts: popular posts that many organic accounts share within minutes.
void WorldBuilder::create_viral_bursts() {
  GenRng& rng = rng_;
  for (std::int64_t b = 0; b < scale_.viral_bursts + scale_.tg_viral_bursts; ++b) {
    Viral v;
    bool telegram = b >= scale_.viral_bursts;
    v.platform = telegram ? Platform::kTelegram : Platform::kTwitter;
    std::int64_t t;
    do {
      t = world_.start_ms + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(
                                world_.end_ms - 8 * kHourMs - world_.start_ms)));
    } while (local_hour(t, kTehran) < 8);
    v.t_ms = t;
    if (telegram) {
      auto cap = static_cast<double>(world_.tg_channels_organic.size()) * 0.6;
      v.size =
          static_cast<std::int32_t>(std::clamp(rng.lognormal(12, 0.5), 4.0, std::max(4.0, cap)));
    } else {
      auto cap = static_cast<double>(world_.tw_organic.size()) * 0.5;
      v.size =
          static_cast<std::int32_t>(std::clamp(rng.lognormal(scale_.viral_median, 0.7), 10.0, cap));
    }
    world_.virals.push_back(std::move(v));
  }
  std::sort(world_.virals.begin(), world_.virals.end(),
            [](const Viral& a, const Viral& b) { return a.t_ms < b.t_ms; });
}

// A time in [start, last) drawn by the daily rhythm of time zone tz_min (busy evenings,
// quiet nights).
std::int64_t WorldBuilder::random_daytime(GenRng& rng, std::int64_t last, int tz_min) {
  const double peak = *std::max_element(std::begin(kDiurnal), std::end(kDiurnal));
  for (;;) {
    std::int64_t t =
        world_.start_ms +
        static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(last - world_.start_ms)));
    if (rng.unit() * peak < kDiurnal[local_hour(t, tz_min)]) return t;
  }
}

template <typename Accept>
std::vector<std::int32_t> WorldBuilder::draw_organic(std::size_t want, Accept&& accept) {
  GenRng& rng = case_rng_;
  std::vector<std::int32_t> order = world_.tw_organic, out;
  for (std::size_t i = 0; i < order.size() && out.size() < want; ++i) {
    std::swap(order[i], order[i + rng.below(order.size() - i)]);
    const auto idx = static_cast<std::size_t>(order[i]);
    if (taken_[idx] || !accept(world_.accounts[idx])) continue;
    taken_[idx] = 1;
    out.push_back(order[i]);
  }
  return out;
}

// Organic look-alikes, made of organic accounts that already exist (plus the news outlet):
// two groups of notification fans and the crowd of a live football match.
void WorldBuilder::create_lookalikes() {
  taken_.assign(world_.accounts.size() + 1, 0);
  const std::int32_t outlet = create_outlet();
  create_fan_groups(outlet);
  create_match();
}

// The news outlet: a popular organic account that posts news with no movement's markers.
std::int32_t WorldBuilder::create_outlet() {
  GenRng& rng = case_rng_;
  Account outlet;
  outlet.lang = Lang::kFa;
  outlet.tz_min = kTehran;
  outlet.created_ms = 1325376000000LL + static_cast<std::int64_t>(rng.below(700ULL * kDayMs));
  make_twitter_account(outlet, rng, false);
  handles_.erase(outlet.handle);
  outlet.handle = unique_handle("KhabarFouri");
  outlet.name = "خبر فوری | Khabar Fouri";
  outlet.description = "اخبار لحظه به لحظه | breaking news, around the clock";
  outlet.followers = static_cast<std::int64_t>(rng.lognormal(350000, 0.3));
  outlet.following = rng.between(20, 200);
  outlet.posts = rng.between(40000, 150000);
  outlet.verified = true;
  const std::int32_t outlet_index = add_account(std::move(outlet));
  world_.tw_organic_extra.push_back(outlet_index);
  return outlet_index;
}

void WorldBuilder::create_fan_groups(std::int32_t outlet_index) {
  GenRng& rng = case_rng_;
  const double n = static_cast<double>(scale_.messages);
  auto any = [](const Account&) { return true; };
  // Notification fans: ordinary organic accounts (of any age, with their own activity) that
  // retweet about 70% of the followed account's posts, each 20-240 s after it, each fan on
  // its own. The followed account posts a few times a day, so many that the fans' retweets
  // are about 1.5% of the data per group.
  const auto fans = static_cast<std::size_t>(scale_.fans);
  const double days = static_cast<double>(opt_.days);
  const auto posts = static_cast<std::int64_t>(std::clamp(
      std::round(n * 0.015 / (kFanRetweetShare * static_cast<double>(fans))), 6.0, 24.0 * days));
  auto fan_group = [&](std::string name, std::int32_t followed, int actor,
                       std::vector<std::int32_t> members) {
    Lookalike g;
    g.name = std::move(name);
    g.kind = LookalikeKind::kNotificationFans;
    g.actor = actor;
    g.followed = followed;
    g.members = std::move(members);
    for (std::size_t m = 0; m < g.members.size(); ++m)
      g.median_delay_s.push_back(40.0 + 110.0 * rng.unit());
    for (std::int64_t k = 0; k < posts; ++k)
      g.posts.push_back(random_daytime(rng, world_.end_ms - 10 * kMinuteMs, kTehran));
    std::sort(g.posts.begin(), g.posts.end());
    world_.lookalikes.push_back(std::move(g));
  };
  fan_group("news-outlet-fans", outlet_index, -1, draw_organic(fans, any));
  // Genuine supporters of Green Horizon Front who follow its (Persian) official account;
  // where the movement has too few supporters, accounts of no movement fill the group (their
  // retweets make them supporters).
  std::vector<std::int32_t> supporters =
      draw_organic(fans, [](const Account& a) { return a.actor == 0; });
  if (supporters.size() < fans) {
    std::vector<std::int32_t> more =
        draw_organic(fans - supporters.size(), [](const Account& a) { return a.actor < 0; });
    supporters.insert(supporters.end(), more.begin(), more.end());
  }
  fan_group("official-fans-green-horizon", world_.actor_tw_official[0][0], 0,
            std::move(supporters));
  // Fans get a notification for every post of the official account, as people who follow
  // an account do: they retweet a share of all its posts (it posts several times a day, dozens
  // at the larger scales), sized so their retweets stay about 1.5% of the data.
  {
    Lookalike& g = world_.lookalikes.back();
    g.posts.clear();
    g.every_post = true;
    const double official_posts = std::max(0.02 * 24.0 * days, n * 0.012 / 6.0);
    g.participation =
        std::clamp(n * 0.015 / (static_cast<double>(g.members.size()) * official_posts), 0.03,
                   kFanRetweetShare);
  }
}

void WorldBuilder::create_match() {
  GenRng& rng = case_rng_;
  // A live football match one evening (kick-off 19:30 Tehran time, two hours with the
  // break): Persian-speaking organic accounts, about 4% of them and at least 60, tweet the
  // match hashtag in their own words one to three times, mostly in the minutes after a goal.
  Lookalike match;
  match.name = "tehran-derby-crowd";
  match.kind = LookalikeKind::kCrowd;
  const std::int64_t day = opt_.days / 2 + static_cast<std::int64_t>(rng.below(5));
  match.kickoff_ms = world_.start_ms + day * kDayMs + (19 * 60 + 30 - kTehran) * kMinuteMs;
  match.final_whistle_ms = match.kickoff_ms + 112 * kMinuteMs;  // 47 + 15 break + 50
  const std::int64_t goals = 3 + static_cast<std::int64_t>(rng.below(2));
  while (static_cast<std::int64_t>(match.goals.size()) < goals) {
    // A minute of play (1-94) and when it is on the clock, after the 15-minute break.
    const std::int64_t minute = rng.between(1, 94);
    const std::int64_t t = match.kickoff_ms + (minute <= 47 ? minute : minute + 15) * kMinuteMs +
                           rng.between(0, 59) * kSecondMs;
    bool apart = true;
    for (std::int64_t g : match.goals) apart &= std::llabs(g - t) >= 4 * kMinuteMs;
    if (apart) match.goals.push_back(t);
  }
  std::sort(match.goals.begin(), match.goals.end());
  std::size_t persian = 0;
  for (std::int32_t idx : world_.tw_organic) persian += world_.accounts[idx].lang == Lang::kFa;
  const auto crowd = std::max<std::size_t>(
      60,
      static_cast<std::size_t>(std::llround(0.04 * static_cast<double>(world_.tw_organic.size()))));
  match.members =
      draw_organic(std::min(crowd, persian), [](const Account& a) { return a.lang == Lang::kFa; });
  world_.lookalikes.push_back(std::move(match));
}

// The campaigns added with the look-alikes, one of each kind a verdict must tell from them:
// scheduled automation (non-evasive) and sleepers fired by one signal per item (evasive).

// Scheduled automation for Free Voices Union: accounts made within five days, ordinary
// handles, each posting the movement's hashtag in its own generated words in the same
// 90-second slots three times a day, in most slots, and nothing else. The schedule runs
// every day over a stretch of consecutive days, long enough to make the posts about 1.5%
// of the data (at least a week, at most the whole period).
void WorldBuilder::create_scheduled() {
  GenRng& rng = case_rng_;
  const double n = static_cast<double>(scale_.messages);
  const std::int64_t members = scale_.campaign_members;
  Campaign c;
  c.name = "scheduled-posters-free-voices";
  c.kind = CampaignKind::kScheduled;
  c.actor = 2;
  c.participation = 0.85;
  c.fillers_per_day = 0;
  const auto index = static_cast<std::int16_t>(world_.campaigns.size());
  const std::int64_t burst = 1698796800000LL + static_cast<std::int64_t>(rng.below(90)) * kDayMs;
  for (std::int64_t m = 0; m < members; ++m) {
    Account a;
    a.role = Role::kCampaign;
    a.campaign = index;
    a.lang = rng.chance(0.85) ? Lang::kFa : Lang::kEn;
    a.tz_min = c.tz_min;
    a.created_ms = burst + static_cast<std::int64_t>(rng.below(5ULL * kDayMs));
    make_twitter_account(a, rng, false);
    a.followers = rng.between(0, 60);
    a.following = rng.between(80, 500);
    a.posts = rng.between(20, 600);
    c.members.push_back(add_account(std::move(a)));
  }
  const std::int64_t active = std::clamp<std::int64_t>(
      std::llround(n * 0.015 / (static_cast<double>(members) * c.participation * 3.0)), 7,
      opt_.days);
  const std::int64_t first =
      static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(opt_.days - active + 1)));
  for (std::int64_t d = first; d < first + active; ++d) {
    for (int local : kScheduleLocalMinutes) {
      std::int64_t t = world_.start_ms + d * kDayMs + (local - c.tz_min) * kMinuteMs;
      if (t >= world_.start_ms && t + kScheduleSlotMs < world_.end_ms) c.triggers.push_back(t);
    }
  }
  c.schedule = "daily at 09:30, 14:30 and 21:30 local, 90 s each, " + std::to_string(active) +
               " consecutive days";
  world_.campaigns.push_back(std::move(c));
}

// Sleepers for Iron Banner Party: accounts of all ages with ordinary handles whose own
// activity is mostly ordinary organic posting (tweets, replies, retweets of popular posts
// on their time zone's daily rhythm: 1.5 times their campaign retweets), and who retweet
// the movement's posts when the operator signals, 2-25 minutes after each post; each
// member joins about 35% of the posts.
void WorldBuilder::create_sleepers() {
  GenRng& rng = case_rng_;
  const double n = static_cast<double>(scale_.messages);
  const double days = static_cast<double>(opt_.days);
  const std::int64_t members = scale_.campaign_members;
  Campaign c;
  c.name = "sleeper-retweeters-iron-banner";
  c.kind = CampaignKind::kCoShare;
  c.actor = 1;
  c.evasive = true;
  c.signalled = true;
  c.participation = 0.35;
  c.schedule = "items daily 08-23 local; own posts on an ordinary daily rhythm";
  const auto index = static_cast<std::int16_t>(world_.campaigns.size());
  for (std::int64_t m = 0; m < members; ++m) {
    Account a;
    a.role = Role::kCampaign;
    a.campaign = index;
    a.lang = rng.chance(0.7) ? Lang::kFa : Lang::kEn;
    a.tz_min = pick_zone(rng, a.lang);
    a.activity = rng.lognormal(1.0, 0.5);  // this member's share of the camouflage
    a.created_ms = 1293840000000LL +       // 2011-01-01 to mid-2023
                   static_cast<std::int64_t>(rng.below(4560ULL * kDayMs));
    make_twitter_account(a, rng, false);
    a.followers = static_cast<std::int64_t>(rng.lognormal(150, 1.1));
    a.following = static_cast<std::int64_t>(rng.lognormal(250, 0.9));
    a.posts = static_cast<std::int64_t>(rng.lognormal(1500, 0.8));
    c.members.push_back(add_account(std::move(a)));
  }
  const auto items = std::max<std::int64_t>(
      5, std::llround(n * 0.010 / (static_cast<double>(members) * c.participation)));
  for (std::int64_t k = 0; k < items; ++k) c.triggers.push_back(random_trigger_time(c, rng));
  std::sort(c.triggers.begin(), c.triggers.end());
  c.fillers_per_day = 1.5 * static_cast<double>(items) * c.participation / days;
  world_.campaigns.push_back(std::move(c));
}

}  // namespace

World build_world(const GenerateOptions& options, const Scale& scale, Randomness& random) {
  return WorldBuilder(options, scale, random).build();
}

}  // namespace groundswell::gen
