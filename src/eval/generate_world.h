// The world groundswell-generate simulates (generate.h is the contract, docs/generator.md the
// manual): the accounts of both platforms, the movements' official accounts, the planted
// campaigns, the organic look-alikes and the viral bursts, the events that pass through the
// simulation's queue, and what the simulation tallies per account for truth.json.
//
//   Randomness random(options.seed);
//   World world = build_world(options, make_scale(options.messages), random);
//
// build_world() draws the world from `random`, whose streams simulate() (generate_sim.h) then
// continues, so a dataset is one pure function of the options.
//
// Thread-safety: plain values; a World and its Randomness belong to one generate_dataset() call.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eval/generate.h"
#include "eval/generate_text.h"

namespace groundswell::gen {

inline constexpr std::int64_t kSecondMs = 1000;
inline constexpr std::int64_t kMinuteMs = 60 * kSecondMs;
inline constexpr std::int64_t kHourMs = 60 * kMinuteMs;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;
inline constexpr std::int64_t kTwitterEpochMs = 1288834974657;  // snowflake epoch

inline constexpr int kTehran = 210;  // UTC+03:30 (no daylight saving since 2022)

// Relative activity by local hour: quiet nights, a midday plateau and an evening peak.
inline constexpr double kDiurnal[24] = {0.62, 0.40, 0.24, 0.14, 0.10, 0.10, 0.20, 0.45,
                                        0.80, 1.00, 1.10, 1.15, 1.20, 1.15, 1.10, 1.05,
                                        1.05, 1.10, 1.25, 1.40, 1.55, 1.60, 1.45, 1.00};
// kDiurnal at the local hour of `utc_ms`, scaled to a daily mean of 1.
double diurnal(std::int64_t utc_ms, int tz_min);
int local_hour(std::int64_t utc_ms, int tz_min);
// Office hours: Monday to Friday 9-17 local, with a lunch pause 12-13.
bool in_office_hours(std::int64_t utc_ms, int tz_min);
bool in_waking_hours(std::int64_t utc_ms, int tz_min);

// ---------------------------------------------------------------------------------------
// Accounts, campaigns and actors.

enum class Platform : std::uint8_t { kTwitter, kTelegram };
enum class Role : std::uint8_t { kOrganic, kOfficial, kCampaign };
enum class TgSink : std::uint8_t { kNone, kDesktop, kTelethon, kAllData };
enum class TgKind : std::uint8_t { kNone, kChannel, kGroup, kUser };

struct Account {
  Platform platform = Platform::kTwitter;
  TgKind tg_kind = TgKind::kNone;
  Role role = Role::kOrganic;
  Lang lang = Lang::kFa;
  std::int8_t actor = -1;  // supported actor (genuine supporter or official)
  std::int16_t campaign = -1;
  bool io = false;  // in the information-operations archive
  bool verified = false;
  bool signatures = false;  // channel signs posts (post_author)
  TgSink sink = TgSink::kNone;
  int tz_min = 0;
  double activity = 1;
  std::uint64_t numeric_id = 0;
  std::string id;      // native id: twitter id string, channel123, user123
  std::string handle;  // screen name / username
  std::string name;
  std::string description;
  std::string location;
  std::int64_t created_ms = 0;
  std::int64_t followers = 0, following = 0, posts = 0;
  double err = 0.3;              // channel views per subscriber
  std::int32_t sink_index = -1;  // Telegram Desktop and "all data" chats: its file of its sink
  std::int32_t next_msg_id = 1;
  std::int32_t home_group = -1;  // Telegram user: the group it writes in (-1: the exported one)
};

// Walker's alias method over weights: O(1) draws, deterministic.
class AliasTable {
 public:
  void build(const std::vector<double>& weights);
  bool empty() const { return prob_.empty(); }
  std::uint32_t sample(GenRng& rng) const {
    auto i = static_cast<std::uint32_t>(rng.below(prob_.size()));
    return rng.unit() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
};

// A group of accounts sharing a time zone, drawn by activity.
struct ActivityPool {
  int tz_min = 0;
  std::vector<std::int32_t> members;
  AliasTable alias;
  double weight = 0;  // share of the platform's organic activity
};

enum class CampaignKind : std::uint8_t { kCoShare, kCopyPaste, kCoLink, kForwardRing, kScheduled };
std::string_view kind_name(CampaignKind k);

struct Campaign {
  std::string name;
  CampaignKind kind = CampaignKind::kCoShare;
  Platform platform = Platform::kTwitter;
  int actor = 0;
  bool evasive = false;
  bool in_io_archive = false;
  bool in_group = false;  // Telegram copy-paste inside the group chat
  // Co-share fired by one operator signal per item (the sleepers): members retweet within a
  // minute or two of a signal that comes minutes after the post, and their own posts are
  // ordinary organic activity on their daily rhythm (fillers_per_day is then that activity).
  bool signalled = false;
  int tz_min = kTehran;
  double participation = 1.0;
  std::string schedule;  // for truth.json
  double fillers_per_day = 1.5;
  std::vector<std::int32_t> members;
  std::vector<std::int64_t> triggers;  // sorted times
  std::size_t next_trigger = 0;
  std::vector<std::string> items;  // JSON objects for truth.json
  std::int64_t coordinated_messages = 0;
  std::int64_t filler_messages = 0;
};

// Scheduled automation: three fixed local clock times a day, a 90-second slot each.
inline constexpr int kScheduleLocalMinutes[] = {9 * 60 + 30, 14 * 60 + 30, 21 * 60 + 30};
inline constexpr std::int64_t kScheduleSlotMs = 90 * 1000;

// Organic look-alikes: organic accounts that act together for an organic reason, which a
// detector must not call inauthentic. Notification fans re-share every post of an account
// they follow within minutes, each on its own; a crowd reacts to a live event (a match).
enum class LookalikeKind : std::uint8_t { kNotificationFans, kCrowd };
inline constexpr double kFanRetweetShare = 0.7;
inline constexpr double kFanMinDelayS = 20, kFanMaxDelayS = 240;

struct Lookalike {
  std::string name;
  LookalikeKind kind = LookalikeKind::kNotificationFans;
  int actor = -1;              // fans of a movement's official account: the movement
  std::int32_t followed = -1;  // fans: the account followed
  std::vector<std::int32_t> members;
  std::vector<double> median_delay_s;  // fans: each fan's own typical delay
  std::vector<std::int64_t> posts;     // fans: when the followed account posts (sorted)
  std::size_t next_post = 0;
  // Fans: the share of the followed account's posts each fan retweets; with every_post, the
  // fans follow every post the account writes anyway instead of posts of their own above.
  double participation = kFanRetweetShare;
  bool every_post = false;
  std::int64_t kickoff_ms = 0, final_whistle_ms = 0;  // crowd: the match
  std::vector<std::int64_t> goals;                    // crowd: goal times (sorted)
  std::int64_t followed_posts = 0;                    // fans: posts of the followed account written
  std::int64_t messages = 0;                          // the members' messages for it
};

// A viral burst: a popular post that many organic accounts share within minutes.
struct Viral {
  std::int64_t t_ms;
  Platform platform;
  std::int32_t size;
  std::int32_t author = -1;
  std::string message_id, chat_id;
  std::int32_t shares_written = 0;
};

// ---------------------------------------------------------------------------------------
// Events: everything that gets written passes through one time-ordered queue.

enum class EventType : std::uint8_t {
  kTweet,
  kRetweet,
  kReply,
  kQuote,
  kChannelPost,
  kChannelForward,
  kGroupMessage,
  kPin,
};

// A message already written (or about to be), as later messages refer to it.
struct Ref {
  std::uint64_t tw_id = 0;
  std::int32_t msg_id = 0;
  std::int32_t author = -1;  // account index (for Telegram: the channel)
  std::int64_t t_ms = 0;
  ContentSpec spec;
  std::int32_t planned_shares = 0;
  bool captured = true;  // twitter: present in the twarc2 pages
};

enum EventFlag : std::uint8_t {
  kVariant = 1,        // copy-paste disguise applied
  kNearDuplicate = 2,  // ... and a word changed
  kTrackUrl = 4,       // tracking parameters on the URL
  kPhoto = 8,
  kFiller = 16,  // a campaign member's own posting
  kViral = 32,
};

struct Event {
  std::int64_t t_ms = 0;
  std::uint64_t seq = 0;
  EventType type = EventType::kTweet;
  std::uint8_t flags = 0;
  std::int16_t campaign = -1;
  std::int16_t lookalike = -1;  // organic look-alike the message belongs to
  std::int32_t account = -1;
  std::int32_t defines_item = -1;  // pool slot this message fills when written
  std::int32_t target_item = -1;   // pool slot of the message referred to
  std::int32_t reply_msg = 0;      // Telegram: message replied to / pinned
  std::int32_t planned_shares = 0;
  std::int32_t viral = -1;  // viral burst index for truth
  std::uint64_t variant_seed = 0;
  std::int64_t grouped_id = 0;
  Ref target;
  ContentSpec spec;
};

// ---------------------------------------------------------------------------------------
// The world.

// Sizes that follow from the number of messages requested.
struct Scale {
  std::int64_t messages;
  double tw_share = 0.62, tg_channel_share = 0.27, tg_group_share = 0.11;
  std::int64_t tw_organic_accounts, tg_channels, tg_users, campaign_members, ring_channels;
  std::int64_t viral_bursts, tg_viral_bursts;
  double viral_median;
  std::int64_t fans;  // per group of notification fans
};
Scale make_scale(std::int64_t messages);

// The two random streams of a dataset. The look-alikes and the campaigns added with them
// (scheduled automation, sleepers) draw from `cases`, so the rest of the data keeps the draws
// it had before they were added.
struct Randomness {
  explicit Randomness(std::uint64_t seed) : main(mix_seed(seed, 1)), cases(mix_seed(seed, 2)) {}
  GenRng main;
  GenRng cases;
};

// What an account expressed about one actor (see Simulation::record_acts).
struct Acts {
  std::int32_t support = 0, opposition = 0;          // all messages
  std::int32_t own_support = 0, own_opposition = 0;  // own words (not re-posts)
};
// An account's support acts for one actor and the sum of what they report, as a reader
// stores it (absent counts as 0; Twitter's likes are its reactions, its retweets its
// forwards, its impressions its views).
struct Totals {
  std::int64_t messages = 0, views = 0, forwards = 0, reactions = 0, replies = 0;
};
// How an account is a visible supporter of an actor under the support definition, if it is.
enum class Route : std::uint8_t { kNone, kSource, kOwnWords, kRepostsOnly };

struct World {
  std::int64_t start_ms = 0, end_ms = 0;  // the simulated period [start, end)
  std::vector<Account> accounts;
  std::vector<std::vector<std::int32_t>> actor_tw_official, actor_tg_official;
  // Organic accounts: Twitter's by time zone in activity pools, Telegram's channels and
  // group members (drawn by activity), the popular Twitter accounts others share and mention.
  std::vector<ActivityPool> tw_pools;
  ActivityPool tg_channel_pool, tg_user_pool;
  std::vector<std::int32_t> tw_organic, tg_channels_organic, tg_users_organic;
  std::vector<std::int32_t> tw_organic_extra;  // organic, outside the activity pools (the outlet)
  std::vector<std::int32_t> popular_tw;
  std::vector<std::string> mention_handles;
  std::vector<std::int32_t> mention_accounts;
  std::int32_t group = -1;           // in the "Export all data" file
  std::int32_t telethon_group = -1;  // scraped with Telethon
  std::vector<Campaign> campaigns;
  std::vector<Lookalike> lookalikes;
  std::vector<Viral> virals;  // sorted by time

  // Per account, filled by the simulation: messages written, messages for its look-alike,
  // and per actor what they expressed and what its support acts reported (the truth's visible
  // supporters and totals, from what the generator itself wrote).
  std::vector<std::int32_t> written;
  std::vector<std::int32_t> lookalike_written;
  std::vector<std::array<Acts, kActorCount>> acts;
  std::vector<std::array<Totals, kActorCount>> support_totals;

  // Texts mention the popular accounts' handles.
  TextContext text_context() const { return TextContext{&mention_handles}; }
  // Visible supporter of actor k under the support definition, and by which route.
  Route route_of(std::size_t account, int k) const;
};

// The accounts, campaigns, look-alikes and viral bursts of a dataset, drawn from `random`.
World build_world(const GenerateOptions& options, const Scale& scale, Randomness& random);

}  // namespace groundswell::gen
