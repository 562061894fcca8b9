#include "eval/generate.h"

#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <queue>
#include <unordered_set>

#include "base/output_file.h"
#include "eval/generate_text.h"

namespace groundswell {

namespace {

using namespace gen;
namespace fs = std::filesystem;

constexpr std::int64_t kSecondMs = 1000;
constexpr std::int64_t kMinuteMs = 60 * kSecondMs;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kTwitterEpochMs = 1288834974657;  // snowflake epoch
constexpr std::uint64_t kHashSeed = 0x67726f756e64ULL;   // "ground"

constexpr int kTehran = 210;  // UTC+03:30 (no daylight saving since 2022)

// Relative activity by local hour: quiet nights, a midday plateau and an evening peak.
constexpr double kDiurnal[24] = {0.62, 0.40, 0.24, 0.14, 0.10, 0.10, 0.20, 0.45,
                                 0.80, 1.00, 1.10, 1.15, 1.20, 1.15, 1.10, 1.05,
                                 1.05, 1.10, 1.25, 1.40, 1.55, 1.60, 1.45, 1.00};
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

std::uint64_t hash_string(std::string_view s, std::uint64_t salt) {
  return XXH64(s.data(), s.size(), kHashSeed ^ salt);
}

// ---------------------------------------------------------------------------------------
// World: accounts, campaigns and actors.

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
  double err = 0.3;  // channel views per subscriber
  std::int32_t sink_index = -1;
  std::int32_t next_msg_id = 1;
  std::int32_t home_group = -1;  // Telegram user: the group it writes in (-1: the exported one)
};

// Walker's alias method over weights: O(1) draws, deterministic.
class AliasTable {
 public:
  void build(const std::vector<double>& weights) {
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
constexpr int kScheduleLocalMinutes[] = {9 * 60 + 30, 14 * 60 + 30, 21 * 60 + 30};
constexpr std::int64_t kScheduleSlotMs = 90 * 1000;

// Organic look-alikes: organic accounts that act together for an organic reason, which a
// detector must not call inauthentic. Notification fans re-share every post of an account
// they follow within minutes, each on its own; a crowd reacts to a live event (a match).
enum class LookalikeKind : std::uint8_t { kNotificationFans, kCrowd };
constexpr double kFanRetweetShare = 0.7;
constexpr double kFanMinDelayS = 20, kFanMaxDelayS = 240;

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

struct EventLater {
  bool operator()(const Event& a, const Event& b) const {
    if (a.t_ms != b.t_ms) return a.t_ms > b.t_ms;
    return a.seq > b.seq;
  }
};

// Messages referred to by events still in the queue.
class ItemPool {
 public:
  std::int32_t allocate(std::int32_t references) {
    std::int32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<std::int32_t>(refs_.size());
      refs_.emplace_back();
      pending_.push_back(0);
    }
    refs_[slot] = Ref{};
    pending_[slot] = references + 1;  // +1 for the defining event
    return slot;
  }
  Ref& at(std::int32_t slot) { return refs_[slot]; }
  void release(std::int32_t slot) {
    if (--pending_[slot] == 0) free_.push_back(slot);
  }

 private:
  std::vector<Ref> refs_;
  std::vector<std::int32_t> pending_;
  std::vector<std::int32_t> free_;
};

template <typename T>
class Ring {
 public:
  explicit Ring(std::size_t capacity) : items_(capacity) {}
  void push(const T& v) {
    items_[next_ % items_.size()] = v;
    ++next_;
  }
  bool empty() const { return next_ == 0; }
  const T& random(GenRng& rng) const {
    std::size_t n = std::min(next_, items_.size());
    return items_[rng.below(n)];
  }
  const T& latest_random(GenRng& rng, std::size_t window) const {
    std::size_t n = std::min({next_, items_.size(), window});
    std::size_t back = rng.below(n);
    return items_[(next_ - 1 - back) % items_.size()];
  }

 private:
  std::vector<T> items_;
  std::size_t next_ = 0;
};

// ---------------------------------------------------------------------------------------
// Output files.

// A buffered output file, optionally compressed as it is written (gzip or zstd streams, both
// deterministic: the gzip header carries no time stamp).
class OutFile {
 public:
  OutFile() = default;
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  ~OutFile() {
    if (zlib_open_) deflateEnd(&zlib_);
    if (zstd_ != nullptr) ZSTD_freeCCtx(zstd_);
  }
  Status open(const fs::path& path, std::size_t buffer,
              Compression compression = Compression::kNone) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::IoError(path.parent_path().string() + ": " + ec.message());
    auto file = OutputFile::create(path);
    if (!file) return file.status();
    file_.emplace(std::move(*file));
    path_ = path;
    limit_ = buffer;
    buf_.reserve(buffer + 4096);
    compression_ = compression;
    if (compression != Compression::kNone) out_.resize(1 << 16);
    if (compression == Compression::kGzip) {
      // windowBits 15 + 16: a gzip wrapper with a zero time stamp.
      if (deflateInit2(&zlib_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Status::Internal("zlib deflateInit2 failed");
      }
      zlib_open_ = true;
    } else if (compression == Compression::kZstd) {
      zstd_ = ZSTD_createCCtx();
      if (zstd_ == nullptr) return Status::Internal("ZSTD_createCCtx failed");
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, 3);
    }
    return Status::Ok();
  }
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= limit_) flush();
  }
  void flush() { write_out(false); }
  Status close() {
    write_out(true);
    if (!file_) return status_;
    if (status_.ok() && failed_) status_ = Status::Internal(path_.string() + ": zstd failed");
    if (status_.ok()) status_ = file_->commit();
    file_.reset();
    return status_;
  }
  // Bytes on disk.
  std::int64_t bytes() const { return bytes_; }
  const fs::path& path() const { return path_; }

 private:
  void put(const char* data, std::size_t n) {
    if (n == 0 || !status_.ok()) return;
    status_ = file_->write(std::string_view(data, n));
    bytes_ += static_cast<std::int64_t>(n);
  }
  void write_out(bool finish) {
    if (!file_ || (buf_.empty() && !finish)) return;
    if (compression_ == Compression::kNone) {
      put(buf_.data(), buf_.size());
    } else if (compression_ == Compression::kGzip) {
      zlib_.next_in = reinterpret_cast<Bytef*>(buf_.data());
      zlib_.avail_in = static_cast<uInt>(buf_.size());
      int rc;
      do {
        zlib_.next_out = reinterpret_cast<Bytef*>(out_.data());
        zlib_.avail_out = static_cast<uInt>(out_.size());
        rc = deflate(&zlib_, finish ? Z_FINISH : Z_NO_FLUSH);
        put(out_.data(), out_.size() - zlib_.avail_out);
      } while (finish ? rc != Z_STREAM_END : zlib_.avail_in > 0 || zlib_.avail_out == 0);
    } else {
      ZSTD_inBuffer in{buf_.data(), buf_.size(), 0};
      std::size_t remaining;
      do {
        ZSTD_outBuffer out{out_.data(), out_.size(), 0};
        remaining = ZSTD_compressStream2(zstd_, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(remaining)) {
          failed_ = true;
          break;
        }
        put(out_.data(), out.pos);
      } while (finish ? remaining != 0 : in.pos < in.size);
    }
    buf_.clear();
  }

  std::optional<OutputFile> file_;
  Status status_;
  fs::path path_;
  std::string buf_;
  std::size_t limit_ = 1 << 16;
  std::int64_t bytes_ = 0;
  bool failed_ = false;
  Compression compression_ = Compression::kNone;
  z_stream zlib_{};
  bool zlib_open_ = false;
  ZSTD_CCtx* zstd_ = nullptr;
  std::string out_;  // compressed bytes on their way to the file
};

struct FileCounter {
  std::string rel_path;
  std::string format;
  std::int64_t records = 0, events = 0, lines = 0, accounts = 0, included_tweets = 0, bytes = 0;
};

// Python json.dumps style separators (", " and ": ") as Telethon and twarc2 write them.
struct PyJson {
  std::string& o;
  bool first = true;
  void key(std::string_view k) {
    if (!first) o += ", ";
    first = false;
    o += '"';
    o += k;
    o += "\": ";
  }
  void str(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(o, v, true);
  }
  void num(std::string_view k, std::int64_t v) {
    key(k);
    append_int(o, v);
  }
  void unum(std::string_view k, std::uint64_t v) {
    key(k);
    append_uint(o, v);
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    o += v ? "true" : "false";
  }
  void null(std::string_view k) {
    key(k);
    o += "null";
  }
  void raw(std::string_view k, std::string_view v) {
    key(k);
    o += v;
  }
};

// Telegram Desktop's pretty printer: one space per level, "key": value.
struct DesktopJson {
  std::string& o;
  int indent;
  bool first = true;
  void key(std::string_view k) {
    if (!first) o += ",\n";
    first = false;
    o.append(static_cast<std::size_t>(indent), ' ');
    o += '"';
    o += k;
    o += "\": ";
  }
  void str(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(o, v, false);
  }
  void num(std::string_view k, std::int64_t v) {
    key(k);
    append_int(o, v);
  }
};

// ---------------------------------------------------------------------------------------

struct Scale {
  std::int64_t messages;
  double tw_share = 0.62, tg_channel_share = 0.27, tg_group_share = 0.11;
  std::int64_t tw_organic_accounts, tg_channels, tg_users, campaign_members, ring_channels;
  std::int64_t viral_bursts, tg_viral_bursts;
  double viral_median;
  std::int64_t fans;  // per group of notification fans
};

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

class Generator {
 public:
  explicit Generator(const GenerateOptions& options)
      : opt_(options),
        scale_(make_scale(options.messages)),
        rng_(mix_seed(options.seed, 1)),
        case_rng_(mix_seed(options.seed, 2)),
        start_ms_(options.start_unix * 1000),
        end_ms_(start_ms_ + options.days * kDayMs),
        recent_tw_(4096),
        recent_tg_(1024),
        recent_group_(256),
        recent_telethon_group_(256) {
    for (int a = 0; a < kActorCount; ++a) {
      recent_tw_actor_.emplace_back(512);
      recent_tg_actor_.emplace_back(256);
    }
  }

  Result<GenerateSummary> run();

 private:
  // setup
  void create_accounts();
  void create_campaigns();
  void create_lookalikes();
  void create_scheduled_and_sleepers();
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
  Status open_outputs();

  // simulation
  // Events of the look-alikes and of the campaigns added with them are numbered apart (after
  // all others of the same millisecond), so every other event keeps its number and what is
  // drawn from it (a Telegram post's views, reactions, pin).
  void push(Event e) {
    e.seq = adding_cases_ ? kCaseSeq | next_case_seq_++ : next_seq_++;
    queue_.push(std::move(e));
  }
  ContentSpec random_spec(const Account& a, GenRng& rng, bool twitter);
  void organic_tweet_action(Event& e, const Account& a, GenRng& rng);
  void generate_slot(std::int64_t slot_start);
  void organic_twitter(std::int64_t slot_start);
  void organic_telegram(std::int64_t slot_start);
  void campaign_slot(Campaign& c, int index, std::int64_t slot_start);
  void trigger_campaign(Campaign& c, int index, std::int64_t t);
  template <typename Delay>
  void co_share_item(std::int16_t cidx, int actor, std::int64_t t, ContentSpec base,
                     const std::vector<std::int32_t>& joining, GenRng& rng, Delay&& delay);
  void scheduled_slot(Campaign& c, int index, std::int64_t slot_start);
  void sleeper_slot(Campaign& c, int index, std::int64_t slot_start);
  void lookalike_slot(Lookalike& g, int index, std::int64_t slot_start);
  // The fans' retweets of a post written at `t` (about `participation` of the fans, each
  // after its own delay, independent of the others'), into `out` without their target.
  void fan_retweets(const Lookalike& g, int index, std::int64_t t, GenRng& rng,
                    std::vector<Event>& out);
  std::vector<Event> retweets_;  // fan_retweets' output, reused
  void viral_slot(std::int64_t slot_start);
  std::int64_t member_delay(const Campaign& c, GenRng& rng);
  void emit(Event& e);
  void emit_twitter(Event& e);
  void emit_telegram(Event& e);

  // writers
  void render_twitter_text(const Content& c, std::size_t cp_offset, std::uint64_t salt);
  void twarc_add(const Event& e, std::uint64_t id, const Account& a, const Ref* target,
                 std::int64_t likes, std::int64_t retweets, std::int64_t replies,
                 std::int64_t quotes);
  void twarc_user(const Account& a);
  void twarc_original(const Ref& r);
  void twarc_flush();
  void io_row(const Event& e, std::uint64_t id, const Account& a, const Ref* target,
              std::int64_t likes, std::int64_t retweets, std::int64_t replies, std::int64_t quotes);
  void desktop_message(std::string& o, int indent, const Account& chat, const Account& author,
                       std::int32_t msg_id, const Event& e, const Content& content,
                       const Ref* forwarded, bool service);
  void telethon_message(std::string& o, const Account& chat, const Account& author,
                        std::int32_t msg_id, const Event& e, const Content& content,
                        const Ref* forwarded, bool service, std::int64_t views,
                        std::int64_t forwards);
  void telethon_channel(const Account& a);
  Status finish_alldata();
  Status write_truth(GenerateSummary& summary);
  Status write_actors_toml();

  const GenerateOptions opt_;
  Scale scale_;
  GenRng rng_;
  // The look-alikes and the campaigns added with them (scheduled automation, sleepers) draw
  // from their own stream, so the rest of the data keeps its draws.
  GenRng case_rng_;
  std::int64_t start_ms_, end_ms_;
  fs::path out_;

  std::vector<Account> accounts_;
  std::vector<Campaign> campaigns_;
  std::unordered_set<std::string> handles_;
  std::unordered_set<std::uint64_t> numeric_ids_;
  std::vector<ActivityPool> tw_pools_;
  ActivityPool tg_channel_pool_, tg_user_pool_;
  std::vector<std::int32_t> tw_organic_, tg_channels_organic_, tg_users_organic_;
  std::vector<std::int32_t> tw_organic_extra_;  // organic, outside the activity pools (the outlet)
  std::vector<Lookalike> lookalikes_;
  std::vector<std::vector<std::int32_t>> actor_tw_official_, actor_tg_official_;
  std::vector<std::int32_t> popular_tw_;
  std::vector<std::string> mention_handles_;
  std::vector<std::int32_t> mention_accounts_;
  std::int32_t group_ = -1;           // in the "Export all data" file
  std::int32_t telethon_group_ = -1;  // scraped with Telethon
  std::vector<std::int32_t> alldata_chats_, left_chats_;

  // viral bursts
  struct Viral {
    std::int64_t t_ms;
    Platform platform;
    std::int32_t size;
    std::int32_t author = -1;
    std::string message_id, chat_id;
    std::int32_t shares_written = 0;
  };
  std::vector<Viral> virals_;
  std::size_t next_viral_ = 0;
  std::vector<std::uint32_t> mark_;  // account index -> last burst that drew it
  // Per account: messages written, and per actor what they expressed (the truth's visible
  // supporters, from what the generator itself wrote: see record_acts()).
  std::vector<std::int32_t> written_;
  std::vector<std::int32_t> lookalike_written_;  // per account: messages for its look-alike
  struct Acts {
    std::int32_t support = 0, opposition = 0;          // all messages
    std::int32_t own_support = 0, own_opposition = 0;  // own words (not re-posts)
  };
  std::vector<std::array<Acts, kActorCount>> acts_;
  // What the message being written reports, as a reader stores it (absent counts as 0;
  // Twitter's likes are its reactions, its retweets its forwards, its impressions its views).
  // The writers fill it; record_acts() adds it to the totals of the actors it supports.
  struct Metrics {
    std::int64_t views = 0, forwards = 0, reactions = 0, replies = 0;
  };
  Metrics written_metrics_;
  // Per account and actor: its support acts and the sum of what they report (the truth's
  // visible and genuine totals).
  struct Totals {
    std::int64_t messages = 0, views = 0, forwards = 0, reactions = 0, replies = 0;
  };
  std::vector<std::array<Totals, kActorCount>> support_totals_;
  void record_acts(const Event& e);
  // Visible supporter of actor k under the support definition, and by which route.
  enum class Route : std::uint8_t { kNone, kSource, kOwnWords, kRepostsOnly };
  Route route_of(std::size_t account, int k) const;
  std::uint32_t mark_stamp_ = 0;

  // simulation state
  std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
  std::uint64_t next_seq_ = 0;
  static constexpr std::uint64_t kCaseSeq = 1ULL << 62;
  std::uint64_t next_case_seq_ = 0;
  bool adding_cases_ = false;
  ItemPool pool_;
  Ring<Ref> recent_tw_;
  std::vector<Ring<Ref>> recent_tw_actor_;
  Ring<Ref> recent_tg_;
  std::vector<Ring<Ref>> recent_tg_actor_;
  Ring<std::int32_t> recent_group_;
  Ring<std::int32_t> recent_telethon_group_;
  Ring<std::int32_t>& group_ring(const Account& user) {
    return user.home_group == telethon_group_ ? recent_telethon_group_ : recent_group_;
  }
  std::int64_t last_tweet_ms_ = -1;
  std::uint32_t tweet_seq_in_ms_ = 0;
  std::int64_t next_grouped_id_ = 13600000000000000LL;
  std::int64_t io_overlap_ = 0;
  TextContext text_context_;
  Content content_, quoted_;
  std::string text_, scratch_;

  // rendered twitter entities
  struct TwEntity {
    PieceKind kind;
    std::size_t start, end;
    std::string text, expanded;
  };
  std::vector<TwEntity> entities_;
  std::size_t entity_count_ = 0;

  // writers
  OutFile twarc_file_, io_tweets_file_, io_users_file_, telethon_file_;
  std::vector<std::unique_ptr<OutFile>> desktop_files_;
  std::vector<std::unique_ptr<OutFile>> alldata_bodies_;
  std::vector<bool> desktop_first_, alldata_first_;
  std::vector<FileCounter> counters_;  // per output file
  std::size_t twarc_counter_ = 0, io_counter_ = 0, io_users_counter_ = 0, telethon_counter_ = 0,
              alldata_counter_ = 0;
  std::vector<std::size_t> desktop_counter_;
  std::string page_data_, page_users_, page_tweets_;
  std::vector<std::int32_t> page_user_ids_;
  std::vector<std::uint64_t> page_tweet_ids_;
  std::int32_t page_count_ = 0;
  std::uint64_t page_newest_ = 0, page_oldest_ = 0;
  std::int64_t pages_ = 0;
};

// ---------------------------------------------------------------------------------------
// Setup

std::int32_t Generator::add_account(Account a) {
  accounts_.push_back(std::move(a));
  return static_cast<std::int32_t>(accounts_.size() - 1);
}

std::string Generator::unique_handle(std::string base) {
  if (base.size() > 15) base.resize(15);
  if (handles_.insert(base).second) return base;
  for (int k = 2;; ++k) {
    std::string h = base.substr(0, 12);
    append_int(h, k);
    if (handles_.insert(h).second) return h;
  }
}

std::uint64_t Generator::unique_numeric(std::uint64_t lo, std::uint64_t hi, GenRng& rng) {
  for (;;) {
    std::uint64_t v = lo + rng.below(hi - lo);
    if (numeric_ids_.insert(v).second) return v;
  }
}

std::uint64_t Generator::twitter_user_id(std::int64_t created_ms, GenRng& rng) {
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

void Generator::make_twitter_account(Account& a, GenRng& rng, bool patterned_handle) {
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

void Generator::create_accounts() {
  GenRng& rng = rng_;
  auto pick_actor = [&]() -> std::int8_t {
    if (!rng.chance(0.16)) return -1;
    double u = rng.unit();
    return static_cast<std::int8_t>(u < 0.45 ? 0 : (u < 0.80 ? 1 : 2));
  };
  const std::int64_t old_start = 1230768000000LL;   // 2009-01-01
  const std::int64_t recent_end = 1704067200000LL;  // 2024-01-01

  actor_tw_official_.resize(kActorCount);
  actor_tg_official_.resize(kActorCount);

  // Actors' official Twitter accounts and Telegram channels.
  for (int k = 0; k < kActorCount; ++k) {
    const ActorVocab& v = actor_vocab(k);
    for (int j = 0; j < 2; ++j) {
      Account a;
      a.role = Role::kOfficial;
      a.actor = static_cast<std::int8_t>(k);
      a.lang = j == 0 ? Lang::kFa : Lang::kEn;
      a.tz_min = kTehran;
      a.activity = 40;
      a.created_ms = old_start + static_cast<std::int64_t>(rng.below(
                                     static_cast<std::uint64_t>(recent_end - old_start) / 2));
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
      actor_tw_official_[k].push_back(idx);
      popular_tw_.push_back(idx);
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
      actor_tg_official_[k].push_back(add_account(std::move(c)));
    }
  }

  // Organic Twitter accounts: heavy-tailed activity.
  tw_pools_.resize(std::size(kZones));
  for (std::size_t z = 0; z < std::size(kZones); ++z) tw_pools_[z].tz_min = kZones[z].tz;
  for (std::int64_t i = 0; i < scale_.tw_organic_accounts; ++i) {
    Account a;
    a.lang = rng.chance(0.7) ? Lang::kFa : Lang::kEn;
    a.tz_min = pick_zone(rng, a.lang);
    a.actor = pick_actor();
    a.activity = rng.pareto(1.4, 400);
    a.created_ms = old_start + static_cast<std::int64_t>(
                                   rng.below(static_cast<std::uint64_t>(recent_end - old_start)));
    make_twitter_account(a, rng, false);
    a.followers = static_cast<std::int64_t>(rng.lognormal(120.0 * std::sqrt(a.activity), 1.3));
    a.following = static_cast<std::int64_t>(rng.lognormal(250, 0.9));
    a.posts = static_cast<std::int64_t>(a.activity * rng.lognormal(400, 0.8));
    a.verified = a.followers > 50000 && rng.chance(0.3);
    std::int32_t idx = add_account(std::move(a));
    tw_organic_.push_back(idx);
    if (accounts_[idx].followers > 20000 && popular_tw_.size() < 60) popular_tw_.push_back(idx);
  }
  for (std::int32_t idx : tw_organic_) {
    for (ActivityPool& p : tw_pools_) {
      if (p.tz_min == accounts_[idx].tz_min) p.members.push_back(idx);
    }
  }
  double total_activity = 0;
  for (std::int32_t idx : tw_organic_) total_activity += accounts_[idx].activity;
  for (ActivityPool& p : tw_pools_) {
    std::vector<double> w;
    for (std::int32_t idx : p.members) {
      w.push_back(accounts_[idx].activity);
      p.weight += accounts_[idx].activity;
    }
    p.weight /= total_activity;
    p.alias.build(w);
  }
  for (std::int32_t idx : popular_tw_) {
    mention_handles_.push_back(accounts_[idx].handle);
    mention_accounts_.push_back(idx);
  }
  text_context_.mention_handles = &mention_handles_;

  // Organic Telegram channels.
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
    tg_channels_organic_.push_back(add_account(std::move(c)));
  }
  {
    std::vector<double> w;
    tg_channel_pool_.tz_min = kTehran;
    for (std::int32_t idx : tg_channels_organic_) {
      tg_channel_pool_.members.push_back(idx);
      w.push_back(accounts_[idx].activity);
    }
    for (int k = 0; k < kActorCount; ++k) {
      for (std::int32_t idx : actor_tg_official_[k]) {
        tg_channel_pool_.members.push_back(idx);
        w.push_back(accounts_[idx].activity);
      }
    }
    tg_channel_pool_.alias.build(w);
  }

  // The public supergroup and its members.
  {
    Account g;
    g.platform = Platform::kTelegram;
    g.tg_kind = TgKind::kGroup;
    g.lang = Lang::kFa;
    g.tz_min = kTehran;
    g.numeric_id = unique_numeric(1100000000, 2100000000);
    g.id = "channel" + std::to_string(g.numeric_id);
    g.handle = unique_handle("gap_azad_chat");
    g.name = "گفتگوی آزاد";
    g.sink = TgSink::kAllData;
    g.next_msg_id = static_cast<std::int32_t>(rng.between(1000, 90000));
    group_ = add_account(std::move(g));
    Account t;
    t.platform = Platform::kTelegram;
    t.tg_kind = TgKind::kGroup;
    t.lang = Lang::kFa;
    t.tz_min = kTehran;
    t.numeric_id = unique_numeric(1100000000, 2100000000);
    t.id = "channel" + std::to_string(t.numeric_id);
    t.handle = unique_handle("tehran_talk");
    t.name = "Tehran Talk | گپ تهران";
    t.created_ms = 1609459200000LL;
    t.followers = 2 * scale_.tg_users;
    t.sink = TgSink::kTelethon;
    t.next_msg_id = static_cast<std::int32_t>(rng.between(1000, 90000));
    telethon_group_ = add_account(std::move(t));
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
    u.home_group = rng.chance(0.4) ? telethon_group_ : group_;
    tg_users_organic_.push_back(add_account(std::move(u)));
  }
  {
    std::vector<double> w;
    for (std::int32_t idx : tg_users_organic_) {
      tg_user_pool_.members.push_back(idx);
      w.push_back(accounts_[idx].activity);
    }
    tg_user_pool_.alias.build(w);
  }
  mark_.assign(accounts_.size() + 4096, 0);
}

std::int64_t Generator::random_trigger_time(const Campaign& c, GenRng& rng) {
  // Room at the end so every member's action still falls in the period.
  const std::int64_t last = end_ms_ - 4 * kHourMs;
  for (;;) {
    std::int64_t t = start_ms_ + static_cast<std::int64_t>(
                                     rng.below(static_cast<std::uint64_t>(last - start_ms_)));
    bool ok = c.evasive ? in_waking_hours(t, c.tz_min) : in_office_hours(t, c.tz_min);
    // Leave office hours room for the fast members to finish before the lunch pause.
    if (ok && !c.evasive && !in_office_hours(t + 2 * kMinuteMs, c.tz_min)) ok = false;
    if (ok) return t;
  }
}

void Generator::create_campaigns() {
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
    const auto index = static_cast<std::int16_t>(campaigns_.size());
    std::int64_t members =
        p.kind == CampaignKind::kForwardRing ? scale_.ring_channels : scale_.campaign_members;
    std::int64_t burst_start = 1698796800000LL + static_cast<std::int64_t>(rng.below(60)) * kDayMs;
    for (std::int64_t m = 0; m < members; ++m) {
      Account a;
      a.role = Role::kCampaign;
      a.campaign = index;
      a.lang = rng.chance(0.85) ? Lang::kFa : Lang::kEn;
      a.tz_min = c.tz_min;
      a.activity = 1;
      a.created_ms =
          p.evasive
              ? 1688169600000LL + static_cast<std::int64_t>(
                                      rng.below(240ULL * static_cast<std::uint64_t>(kDayMs)))
              : burst_start +
                    static_cast<std::int64_t>(rng.below(3ULL * static_cast<std::uint64_t>(kDayMs)));
      if (p.platform == Platform::kTwitter) {
        make_twitter_account(a, rng, !p.evasive);
        a.followers =
            p.evasive ? static_cast<std::int64_t>(rng.lognormal(180, 0.8)) : rng.between(0, 40);
        a.following =
            p.evasive ? static_cast<std::int64_t>(rng.lognormal(300, 0.6)) : rng.between(150, 900);
        a.posts = rng.between(20, 3000);
        if (!p.evasive && rng.chance(0.5)) a.description.clear();
        a.io = c.in_io_archive;
      } else if (p.kind == CampaignKind::kForwardRing) {
        a.platform = Platform::kTelegram;
        a.tg_kind = TgKind::kChannel;
        a.lang = Lang::kFa;
        a.numeric_id = unique_numeric(1100000000, 2100000000);
        a.id = "channel" + std::to_string(a.numeric_id);
        std::string uname = std::string(actor_vocab(p.actor).slug) + "_";
        uname += random_word_ascii(rng);
        a.handle = unique_handle(uname);
        a.name =
            std::string(actor_vocab(p.actor).name_fa) + " " + std::string(random_word_ascii(rng));
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
      c.members.push_back(add_account(std::move(a)));
    }
    double per_item = static_cast<double>(members) * c.participation;
    auto items = std::max<std::int64_t>(5, std::llround(n * 0.014 / per_item));
    for (std::int64_t k = 0; k < items; ++k) c.triggers.push_back(random_trigger_time(c, rng_));
    std::sort(c.triggers.begin(), c.triggers.end());
    campaigns_.push_back(std::move(c));
  }

  // Viral bursts: popular posts that many organic accounts share within minutes.
  for (std::int64_t b = 0; b < scale_.viral_bursts + scale_.tg_viral_bursts; ++b) {
    Viral v;
    bool telegram = b >= scale_.viral_bursts;
    v.platform = telegram ? Platform::kTelegram : Platform::kTwitter;
    std::int64_t t;
    do {
      t = start_ms_ + static_cast<std::int64_t>(
                          rng.below(static_cast<std::uint64_t>(end_ms_ - 8 * kHourMs - start_ms_)));
    } while (local_hour(t, kTehran) < 8);
    v.t_ms = t;
    if (telegram) {
      auto cap = static_cast<double>(tg_channels_organic_.size()) * 0.6;
      v.size =
          static_cast<std::int32_t>(std::clamp(rng.lognormal(12, 0.5), 4.0, std::max(4.0, cap)));
    } else {
      auto cap = static_cast<double>(tw_organic_.size()) * 0.5;
      v.size =
          static_cast<std::int32_t>(std::clamp(rng.lognormal(scale_.viral_median, 0.7), 10.0, cap));
    }
    virals_.push_back(std::move(v));
  }
  std::sort(virals_.begin(), virals_.end(),
            [](const Viral& a, const Viral& b) { return a.t_ms < b.t_ms; });
}

// A time in [start, last) drawn by the daily rhythm of time zone tz_min (busy evenings,
// quiet nights).
std::int64_t Generator::random_daytime(GenRng& rng, std::int64_t last, int tz_min) {
  const double peak = *std::max_element(std::begin(kDiurnal), std::end(kDiurnal));
  for (;;) {
    std::int64_t t = start_ms_ + static_cast<std::int64_t>(
                                     rng.below(static_cast<std::uint64_t>(last - start_ms_)));
    if (rng.unit() * peak < kDiurnal[local_hour(t, tz_min)]) return t;
  }
}

// Organic look-alikes, made of organic accounts that already exist (plus the news outlet):
// two groups of notification fans and the crowd of a live football match.
void Generator::create_lookalikes() {
  GenRng& rng = case_rng_;
  const double n = static_cast<double>(scale_.messages);
  // Accounts of one look-alike are in no other.
  std::vector<std::uint8_t> taken(accounts_.size() + 1, 0);
  auto draw = [&](std::size_t want, auto&& accept) {
    std::vector<std::int32_t> order = tw_organic_, out;
    for (std::size_t i = 0; i < order.size() && out.size() < want; ++i) {
      std::swap(order[i], order[i + rng.below(order.size() - i)]);
      const auto idx = static_cast<std::size_t>(order[i]);
      if (taken[idx] || !accept(accounts_[idx])) continue;
      taken[idx] = 1;
      out.push_back(order[i]);
    }
    return out;
  };
  auto any = [](const Account&) { return true; };

  // The news outlet: a popular organic account that posts news with no movement's markers.
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
  tw_organic_extra_.push_back(outlet_index);

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
      g.posts.push_back(random_daytime(rng, end_ms_ - 10 * kMinuteMs, kTehran));
    std::sort(g.posts.begin(), g.posts.end());
    lookalikes_.push_back(std::move(g));
  };
  fan_group("news-outlet-fans", outlet_index, -1, draw(fans, any));
  // Genuine supporters of Green Horizon Front who follow its (Persian) official account;
  // where the movement has too few supporters, accounts of no movement fill the group (their
  // retweets make them supporters).
  std::vector<std::int32_t> supporters = draw(fans, [](const Account& a) { return a.actor == 0; });
  if (supporters.size() < fans) {
    std::vector<std::int32_t> more =
        draw(fans - supporters.size(), [](const Account& a) { return a.actor < 0; });
    supporters.insert(supporters.end(), more.begin(), more.end());
  }
  fan_group("official-fans-green-horizon", actor_tw_official_[0][0], 0, std::move(supporters));
  // Fans get a notification for every post of the official account, as people who follow
  // an account do: they retweet a share of all its posts (it posts several times a day, dozens
  // at the larger scales), sized so their retweets stay about 1.5% of the data.
  {
    Lookalike& g = lookalikes_.back();
    g.posts.clear();
    g.every_post = true;
    const double official_posts = std::max(0.02 * 24.0 * days, n * 0.012 / 6.0);
    g.participation = std::clamp(
        n * 0.015 / (static_cast<double>(g.members.size()) * official_posts), 0.03,
        kFanRetweetShare);
  }

  // A live football match one evening (kick-off 19:30 Tehran time, two hours with the
  // break): Persian-speaking organic accounts, about 4% of them and at least 60, tweet the
  // match hashtag in their own words one to three times, mostly in the minutes after a goal.
  Lookalike match;
  match.name = "tehran-derby-crowd";
  match.kind = LookalikeKind::kCrowd;
  const std::int64_t day = opt_.days / 2 + static_cast<std::int64_t>(rng.below(5));
  match.kickoff_ms = start_ms_ + day * kDayMs + (19 * 60 + 30 - kTehran) * kMinuteMs;
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
  for (std::int32_t idx : tw_organic_) persian += accounts_[idx].lang == Lang::kFa;
  const auto crowd = std::max<std::size_t>(
      60, static_cast<std::size_t>(std::llround(0.04 * static_cast<double>(tw_organic_.size()))));
  match.members =
      draw(std::min(crowd, persian), [](const Account& a) { return a.lang == Lang::kFa; });
  lookalikes_.push_back(std::move(match));
}

// The campaigns added with the look-alikes, one of each kind a verdict must tell from them:
// scheduled automation (non-evasive) and sleepers fired by one signal per item (evasive).
void Generator::create_scheduled_and_sleepers() {
  GenRng& rng = case_rng_;
  const double n = static_cast<double>(scale_.messages);
  const double days = static_cast<double>(opt_.days);
  const std::int64_t members = scale_.campaign_members;

  // Scheduled automation for Free Voices Union: accounts made within five days, ordinary
  // handles, each posting the movement's hashtag in its own generated words in the same
  // 90-second slots three times a day, in most slots, and nothing else. The schedule runs
  // every day over a stretch of consecutive days, long enough to make the posts about 1.5%
  // of the data (at least a week, at most the whole period).
  {
    Campaign c;
    c.name = "scheduled-posters-free-voices";
    c.kind = CampaignKind::kScheduled;
    c.actor = 2;
    c.participation = 0.85;
    c.fillers_per_day = 0;
    const auto index = static_cast<std::int16_t>(campaigns_.size());
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
        std::int64_t t = start_ms_ + d * kDayMs + (local - c.tz_min) * kMinuteMs;
        if (t >= start_ms_ && t + kScheduleSlotMs < end_ms_) c.triggers.push_back(t);
      }
    }
    c.schedule = "daily at 09:30, 14:30 and 21:30 local, 90 s each, " + std::to_string(active) +
                 " consecutive days";
    campaigns_.push_back(std::move(c));
  }

  // Sleepers for Iron Banner Party: accounts of all ages with ordinary handles whose own
  // activity is mostly ordinary organic posting (tweets, replies, retweets of popular posts
  // on their time zone's daily rhythm: 1.5 times their campaign retweets), and who retweet
  // the movement's posts when the operator signals, 2-25 minutes after each post; each
  // member joins about 35% of the posts.
  {
    Campaign c;
    c.name = "sleeper-retweeters-iron-banner";
    c.kind = CampaignKind::kCoShare;
    c.actor = 1;
    c.evasive = true;
    c.signalled = true;
    c.participation = 0.35;
    c.schedule = "items daily 08-23 local; own posts on an ordinary daily rhythm";
    const auto index = static_cast<std::int16_t>(campaigns_.size());
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
    campaigns_.push_back(std::move(c));
  }
}

Status Generator::open_outputs() {
  fs::path data = out_ / "data";
  auto add_counter = [&](std::string rel, std::string format) {
    counters_.push_back(FileCounter{std::move(rel), std::move(format)});
    return counters_.size() - 1;
  };
  constexpr std::size_t kBig = 1 << 20;
  // Line-oriented files may be compressed, as collections often are; exports stay plain.
  const Compression z = opt_.compression;
  const std::string suffix =
      z == Compression::kGzip ? ".gz" : (z == Compression::kZstd ? ".zst" : "");
  twarc_counter_ = add_counter("data/twitter/twarc2/search_2024-03.jsonl" + suffix, "twitter-v2");
  GS_RETURN_IF_ERROR(twarc_file_.open(out_ / counters_[twarc_counter_].rel_path, kBig, z));
  io_counter_ = add_counter(
      "data/twitter/io_archive/synthetic_io_032024_tweets_csv_unhashed.csv" + suffix, "twitter-io");
  GS_RETURN_IF_ERROR(io_tweets_file_.open(out_ / counters_[io_counter_].rel_path, kBig, z));
  io_users_counter_ = add_counter(
      "data/twitter/io_archive/synthetic_io_032024_users_csv_unhashed.csv", "twitter-io");
  GS_RETURN_IF_ERROR(io_users_file_.open(out_ / counters_[io_users_counter_].rel_path, 1 << 16));
  telethon_counter_ =
      add_counter("data/telegram/telethon/channels_2024-03.jsonl" + suffix, "telethon");
  GS_RETURN_IF_ERROR(telethon_file_.open(out_ / counters_[telethon_counter_].rel_path, kBig, z));
  alldata_counter_ =
      add_counter("data/telegram/DataExport_2024-04-01/result.json", "telegram-export");

  // IO archive: tweets header now, users file complete now (its accounts are fixed).
  io_tweets_file_.buf() +=
      "tweetid,userid,user_display_name,user_screen_name,user_reported_location,"
      "user_profile_description,user_profile_url,follower_count,following_count,"
      "account_creation_date,account_language,tweet_language,tweet_text,tweet_time,"
      "tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,"
      "is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,"
      "like_count,retweet_count,hashtags,urls,user_mentions,poll_choices\n";
  counters_[io_counter_].lines = 1;
  std::string& u = io_users_file_.buf();
  u += "userid,user_display_name,user_screen_name,user_reported_location,"
       "user_profile_description,user_profile_url,follower_count,following_count,"
       "account_creation_date,account_language\n";
  counters_[io_users_counter_].lines = 1;
  for (const Campaign& c : campaigns_) {
    if (!c.in_io_archive) continue;
    for (std::int32_t idx : c.members) {
      const Account& a = accounts_[idx];
      u += a.id;
      u += ',';
      append_csv_field(u, a.name);
      u += ',';
      append_csv_field(u, a.handle);
      u += ',';
      append_csv_field(u, a.location);
      u += ',';
      append_csv_field(u, a.description);
      u += ',';
      u += ',';
      append_int(u, a.followers);
      u += ',';
      append_int(u, a.following);
      u += ',';
      append_date(u, a.created_ms);
      u += ',';
      u += lang_code(a.lang);
      u += '\n';
      ++counters_[io_users_counter_].lines;
      ++counters_[io_users_counter_].accounts;
    }
  }

  // Telethon: channel metadata lines first, then messages as they happen.
  for (const Account& a : accounts_) {
    if (a.tg_kind != TgKind::kUser && a.sink == TgSink::kTelethon) telethon_channel(a);
  }

  // Telegram Desktop: one export folder per channel.
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    if (a.tg_kind == TgKind::kChannel && a.sink == TgSink::kDesktop) {
      a.sink_index = static_cast<std::int32_t>(desktop_files_.size());
      std::string rel = "data/telegram/ChatExport_" + a.handle + "/result.json";
      desktop_counter_.push_back(add_counter(rel, "telegram-export"));
      auto f = std::make_unique<OutFile>();
      GS_RETURN_IF_ERROR(f->open(out_ / rel, 1 << 14));
      std::string& o = f->buf();
      o += "{\n";
      DesktopJson j{o, 1};
      j.str("name", a.name);
      j.str("type", "public_channel");
      j.num("id", static_cast<std::int64_t>(a.numeric_id));
      o += ",\n \"messages\": [";
      desktop_files_.push_back(std::move(f));
      desktop_first_.push_back(true);
    } else if (a.sink == TgSink::kAllData) {
      a.sink_index = static_cast<std::int32_t>(alldata_bodies_.size());
      auto f = std::make_unique<OutFile>();
      GS_RETURN_IF_ERROR(f->open(
          out_ / ".generate-tmp" / ("chat-" + std::to_string(a.sink_index) + ".part"), 1 << 14));
      alldata_bodies_.push_back(std::move(f));
      alldata_first_.push_back(true);
      // The third organic channel is one the exporting user has left.
      if (static_cast<std::int32_t>(i) == tg_channels_organic_[2]) {
        left_chats_.push_back(static_cast<std::int32_t>(i));
      } else {
        alldata_chats_.push_back(static_cast<std::int32_t>(i));
      }
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Simulation

ContentSpec Generator::random_spec(const Account& a, GenRng& rng, bool twitter) {
  ContentSpec s;
  s.seed = rng.next();
  s.lang = rng.chance(0.9) ? a.lang : (a.lang == Lang::kFa ? Lang::kEn : Lang::kFa);
  if (a.actor >= 0 && rng.chance(a.role == Role::kOrganic ? 0.5 : 0.9)) {
    s.actor = a.actor;
    s.stance = 1;
  } else if (rng.chance(0.04)) {
    // Opponents talk about a movement too; those mentions are not support.
    auto other = static_cast<std::int8_t>(rng.below(kActorCount));
    if (other != a.actor) {
      s.actor = other;
      s.stance = -1;
    }
  }
  double u = rng.unit();
  if (u < 0.18) {
    s.url_kind = 1;
  } else if (u < 0.22) {
    s.url_kind = 3;
  } else if (u < 0.30 && s.actor >= 0 && s.stance > 0) {
    s.url_kind = 2;
  }
  s.mention = twitter && rng.chance(0.12);
  return s;
}

// What an organic Twitter account does (e.account, at e.t_ms): a supporter retweets its
// movement now and then; otherwise a tweet of its own, or a retweet, reply or quote of a
// recent post, preferring well-followed authors.
void Generator::organic_tweet_action(Event& e, const Account& a, GenRng& rng) {
  double u = rng.unit();
  bool supporter = a.actor >= 0 && !recent_tw_actor_[a.actor].empty();
  if (supporter && u < 0.25) {
    e.type = EventType::kRetweet;
    e.target = recent_tw_actor_[a.actor].latest_random(rng, 64);
  } else if (u < 0.47 || recent_tw_.empty()) {
    e.type = EventType::kTweet;
    e.spec = random_spec(a, rng, true);
  } else {
    double v = rng.unit();
    // Popular authors get shared more: best of two recent posts by followers.
    const Ref& r1 = recent_tw_.latest_random(rng, 2048);
    const Ref& r2 = recent_tw_.latest_random(rng, 2048);
    e.target = accounts_[r1.author].followers >= accounts_[r2.author].followers ? r1 : r2;
    if (v < 0.72) {
      e.type = EventType::kRetweet;
    } else if (v < 0.92) {
      e.type = EventType::kReply;
      e.spec = random_spec(a, rng, false);
      e.spec.url_kind = 0;
    } else {
      e.type = EventType::kQuote;
      e.spec = random_spec(a, rng, false);
      e.spec.url_kind = 0;
    }
    if (e.target.author == e.account) {
      e.type = EventType::kTweet;
      e.spec = random_spec(a, rng, true);
    }
  }
}

void Generator::organic_twitter(std::int64_t slot_start) {
  double hours = static_cast<double>(end_ms_ - start_ms_) / static_cast<double>(kHourMs);
  double organic_share = 0.72;
  double rate = static_cast<double>(scale_.messages) * scale_.tw_share * organic_share / hours;
  for (const ActivityPool& pool : tw_pools_) {
    if (pool.members.empty()) continue;
    int wd = weekday_of(slot_start + pool.tz_min * kMinuteMs);
    double weekend = (wd == 4 || wd == 5) ? 0.85 : 1.0;  // Iranian weekend feel, mild
    double mean = rate * pool.weight * diurnal(slot_start + kHourMs / 2, pool.tz_min) * weekend;
    std::int64_t n = rng_.poisson(mean);
    for (std::int64_t k = 0; k < n; ++k) {
      Event e;
      e.account = pool.members[pool.alias.sample(rng_)];
      e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
      organic_tweet_action(e, accounts_[e.account], rng_);
      push(std::move(e));
    }
  }
  // Actors' official accounts post steadily in the day.
  for (int k = 0; k < kActorCount; ++k) {
    for (std::int32_t idx : actor_tw_official_[k]) {
      double per_hour =
          std::max(0.02, static_cast<double>(scale_.messages) * 0.012 / (6.0 * 744.0));
      double mean = per_hour * diurnal(slot_start, kTehran);
      std::int64_t n = rng_.poisson(mean);
      for (std::int64_t j = 0; j < n; ++j) {
        Event e;
        e.type = EventType::kTweet;
        e.account = idx;
        e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
        e.spec = random_spec(accounts_[idx], rng_, true);
        push(std::move(e));
      }
    }
  }
}

void Generator::organic_telegram(std::int64_t slot_start) {
  double hours = static_cast<double>(end_ms_ - start_ms_) / static_cast<double>(kHourMs);
  double n_msgs = static_cast<double>(scale_.messages);
  double channel_rate = n_msgs * scale_.tg_channel_share * 0.85 / hours;
  double group_rate = n_msgs * scale_.tg_group_share * 0.92 / hours;
  double f = diurnal(slot_start + kHourMs / 2, kTehran);
  std::int64_t n = rng_.poisson(channel_rate * f);
  for (std::int64_t k = 0; k < n; ++k) {
    Event e;
    e.account = tg_channel_pool_.members[tg_channel_pool_.alias.sample(rng_)];
    e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
    const Account& a = accounts_[e.account];
    double u = rng_.unit();
    if (u < 0.18 && !recent_tg_.empty()) {
      e.type = EventType::kChannelForward;
      if (a.actor >= 0 && !recent_tg_actor_[a.actor].empty() && rng_.chance(0.6)) {
        e.target = recent_tg_actor_[a.actor].latest_random(rng_, 64);
      } else {
        e.target = recent_tg_.latest_random(rng_, 512);
      }
      if (e.target.author == e.account) e.type = EventType::kChannelPost;
    } else {
      e.type = EventType::kChannelPost;
    }
    if (e.type == EventType::kChannelPost) {
      e.spec = random_spec(a, rng_, false);
      if (rng_.chance(0.2)) e.flags |= kPhoto;
      if (rng_.chance(0.03)) {
        // An album: two or three photos sent together share a grouped_id.
        e.flags |= kPhoto;
        e.grouped_id = next_grouped_id_;
        next_grouped_id_ += 1 + static_cast<std::int64_t>(rng_.below(1000000));
        Event second = e;
        second.spec.seed = rng_.next();
        push(std::move(second));
      }
    }
    push(std::move(e));
  }
  std::int64_t g = rng_.poisson(group_rate * f);
  for (std::int64_t k = 0; k < g; ++k) {
    Event e;
    e.type = EventType::kGroupMessage;
    e.account = tg_user_pool_.members[tg_user_pool_.alias.sample(rng_)];
    e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
    e.spec = random_spec(accounts_[e.account], rng_, false);
    Ring<std::int32_t>& ring = group_ring(accounts_[e.account]);
    if (!ring.empty() && rng_.chance(0.35)) {
      e.reply_msg = ring.latest_random(rng_, 40);
    } else if (!recent_tg_.empty() && rng_.chance(0.05)) {
      e.target = recent_tg_.latest_random(rng_, 256);
      e.type = EventType::kChannelForward;  // forwarded into the group
    }
    push(std::move(e));
  }
}

std::int64_t Generator::member_delay(const Campaign& c, GenRng& rng) {
  if (c.evasive) {
    // Minutes, jittered: a human-looking spread that still clusters around each item.
    double minutes = std::clamp(rng.lognormal(7.0, 0.7), 1.0, 170.0);
    return static_cast<std::int64_t>(minutes * static_cast<double>(kMinuteMs));
  }
  switch (c.kind) {
    case CampaignKind::kCoShare:
      return 2 * kSecondMs + static_cast<std::int64_t>(std::min(rng.exponential(7000), 50000.0));
    case CampaignKind::kForwardRing:
      return rng.between(5 * kSecondMs, 120 * kSecondMs);
    default:
      return rng.between(0, 75 * kSecondMs);
  }
}

// The members of a campaign that take part in one item (at least two).
std::vector<std::int32_t> joining_members(const Campaign& c, GenRng& rng) {
  std::vector<std::int32_t> joining;
  for (std::int32_t m : c.members) {
    if (rng.chance(c.participation)) joining.push_back(m);
  }
  if (joining.size() < 2) {
    joining.assign(c.members.begin(),
                   c.members.begin() + std::min<std::size_t>(2, c.members.size()));
  }
  return joining;
}

ContentSpec campaign_base_spec(const Campaign& c, GenRng& rng) {
  ContentSpec base;
  base.seed = rng.next();
  base.lang = Lang::kFa;
  base.actor = static_cast<std::int8_t>(c.actor);
  base.stance = 1;
  base.url_kind = rng.chance(0.5) ? 2 : 0;
  return base;
}

// A co-share item: one of the movement's official accounts posts at t, the joining members
// retweet it after delay() each, and a few organic accounts retweet it hours later.
template <typename Delay>
void Generator::co_share_item(std::int16_t cidx, int actor, std::int64_t t, ContentSpec base,
                              const std::vector<std::int32_t>& joining, GenRng& rng,
                              Delay&& delay) {
  const auto& officials = actor_tw_official_[static_cast<std::size_t>(actor)];
  std::int32_t author = officials[rng.below(officials.size())];
  base.lang = accounts_[author].lang;
  std::int64_t genuine = rng.poisson(2.0);
  std::int32_t slot = pool_.allocate(static_cast<std::int32_t>(joining.size() + genuine));
  Event o;
  o.type = EventType::kTweet;
  o.account = author;
  o.t_ms = t;
  o.spec = base;
  o.defines_item = slot;
  o.campaign = cidx;  // marks the item for truth; the author is not a member
  o.planned_shares = static_cast<std::int32_t>(joining.size() + genuine);
  push(o);
  for (std::int32_t m : joining) {
    Event e;
    e.type = EventType::kRetweet;
    e.account = m;
    e.campaign = cidx;
    e.t_ms = t + delay();
    e.target_item = slot;
    push(e);
  }
  for (std::int64_t g = 0; g < genuine; ++g) {
    Event e;
    e.type = EventType::kRetweet;
    e.account = tw_organic_[rng.below(tw_organic_.size())];
    e.t_ms = t + static_cast<std::int64_t>(rng.exponential(90.0 * kMinuteMs) + 60000);
    e.t_ms = std::min(e.t_ms, t + 3 * kHourMs);
    e.target_item = slot;
    push(e);
  }
}

void Generator::trigger_campaign(Campaign& c, int index, std::int64_t t) {
  const auto cidx = static_cast<std::int16_t>(index);
  std::vector<std::int32_t> joining = joining_members(c, rng_);
  ContentSpec base = campaign_base_spec(c, rng_);
  switch (c.kind) {
    case CampaignKind::kCoShare:
      // The movement's account posts; the amplifiers retweet it within seconds.
      co_share_item(cidx, c.actor, t, base, joining, rng_, [&] { return member_delay(c, rng_); });
      break;
    case CampaignKind::kCopyPaste: {
      build_content(base, text_context_, &content_);
      content_.flatten(&text_);
      std::string item = "{\"text\": ";
      append_json_string(item, text_, false);
      item += '}';
      c.items.push_back(std::move(item));
      for (std::int32_t m : joining) {
        Event e;
        e.type = c.in_group ? EventType::kGroupMessage : EventType::kTweet;
        e.account = m;
        e.campaign = cidx;
        e.t_ms = t + member_delay(c, rng_);
        e.spec = base;
        e.flags = kVariant | kTrackUrl | (c.evasive ? kNearDuplicate : 0);
        e.variant_seed = rng_.next();
        push(e);
      }
      break;
    }
    case CampaignKind::kCoLink: {
      ContentSpec link = base;
      link.url_kind = 2;
      link.url_seed = rng_.next() | 1;
      build_content(link, text_context_, &content_);
      for (std::size_t i = 0; i < content_.size(); ++i) {
        if (content_[i].kind == PieceKind::kUrl) {
          std::string item = "{\"url\": ";
          append_json_string(item, content_[i].text, false);
          item += '}';
          c.items.push_back(std::move(item));
        }
      }
      for (std::int32_t m : joining) {
        Event e;
        e.type = EventType::kTweet;
        e.account = m;
        e.campaign = cidx;
        e.t_ms = t + member_delay(c, rng_);
        e.spec = link;
        e.spec.seed = rng_.next();  // own words around the same link
        e.spec.lang = accounts_[m].lang;
        e.flags = kTrackUrl;
        e.variant_seed = rng_.next();
        push(e);
      }
      break;
    }
    case CampaignKind::kForwardRing: {
      std::int32_t source = c.members[rng_.below(c.members.size())];
      std::vector<std::int32_t> forwarders;
      for (std::int32_t m : joining) {
        if (m != source) forwarders.push_back(m);
      }
      std::int32_t slot = pool_.allocate(static_cast<std::int32_t>(forwarders.size()));
      Event o;
      o.type = EventType::kChannelPost;
      o.account = source;
      o.campaign = cidx;
      o.t_ms = t;
      o.spec = base;
      o.defines_item = slot;
      o.planned_shares = static_cast<std::int32_t>(forwarders.size());
      push(o);
      for (std::int32_t m : forwarders) {
        Event e;
        e.type = EventType::kChannelForward;
        e.account = m;
        e.campaign = cidx;
        e.t_ms = t + member_delay(c, rng_);
        e.target_item = slot;
        push(e);
      }
      break;
    }
    case CampaignKind::kScheduled:
      break;  // scheduled_slot()
  }
}

void Generator::campaign_slot(Campaign& c, int index, std::int64_t slot_start) {
  const std::int64_t slot_end = slot_start + kHourMs;
  while (c.next_trigger < c.triggers.size() && c.triggers[c.next_trigger] < slot_end) {
    trigger_campaign(c, index, c.triggers[c.next_trigger]);
    ++c.next_trigger;
  }
  // The members' own posts, on the campaign's schedule. Time zones with half-hour offsets
  // split a UTC hour, so each drawn time is checked, not the slot.
  auto active = [&](std::int64_t t) {
    return c.evasive ? in_waking_hours(t, c.tz_min) : in_office_hours(t, c.tz_min);
  };
  if (!active(slot_start) && !active(slot_start + kHourMs - 1)) return;
  double hours_per_day = c.evasive ? 15.0 : 7.0;
  double mean = static_cast<double>(c.members.size()) * c.fillers_per_day / hours_per_day;
  std::int64_t n = rng_.poisson(mean);
  for (std::int64_t k = 0; k < n; ++k) {
    Event e;
    e.account = c.members[rng_.below(c.members.size())];
    e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
    if (!active(e.t_ms)) continue;
    e.flags = kFiller;
    const Account& a = accounts_[e.account];
    e.spec = random_spec(a, rng_, c.platform == Platform::kTwitter);
    e.spec.actor = static_cast<std::int8_t>(c.actor);
    e.spec.stance = 1;
    if (c.platform == Platform::kTwitter) {
      if (!recent_tw_actor_[c.actor].empty() && rng_.chance(0.4)) {
        e.type = EventType::kRetweet;
        e.target = recent_tw_actor_[c.actor].latest_random(rng_, 32);
      } else {
        e.type = EventType::kTweet;
      }
    } else if (c.in_group) {
      e.type = EventType::kGroupMessage;
    } else {
      e.type = EventType::kChannelPost;
    }
    e.campaign = static_cast<std::int16_t>(index);
    push(std::move(e));
  }
}

// Scheduled automation: at each slot most members post the movement's hashtag in their own
// generated words, each at its own moment of the same 90 seconds.
void Generator::scheduled_slot(Campaign& c, int index, std::int64_t slot_start) {
  GenRng& rng = case_rng_;
  const std::int64_t slot_end = slot_start + kHourMs;
  for (; c.next_trigger < c.triggers.size() && c.triggers[c.next_trigger] < slot_end;
       ++c.next_trigger) {
    const std::int64_t t = c.triggers[c.next_trigger];
    std::int64_t posts = 0;
    for (std::int32_t m : c.members) {
      if (!rng.chance(c.participation)) continue;
      Event e;
      e.type = EventType::kTweet;
      e.account = m;
      e.campaign = static_cast<std::int16_t>(index);
      e.t_ms = t + static_cast<std::int64_t>(rng.below(kScheduleSlotMs));
      e.spec.seed = rng.next();
      e.spec.lang = accounts_[m].lang;
      e.spec.actor = static_cast<std::int8_t>(c.actor);
      e.spec.stance = 1;
      e.spec.url_kind = rng.chance(0.2) ? 2 : 0;
      push(e);
      ++posts;
    }
    std::string item = "{\"time\": \"";
    append_iso_seconds(item, t);
    item += "Z\", \"messages\": ";
    append_int(item, posts);
    item += '}';
    c.items.push_back(std::move(item));
  }
}

// Sleepers: for each of the movement's posts the operator signals once, 2-25 minutes after
// it, and each joining member retweets within about a minute or two of the signal, so their
// delays move together from post to post. Between items, each member's own ordinary posting.
void Generator::sleeper_slot(Campaign& c, int index, std::int64_t slot_start) {
  GenRng& rng = case_rng_;
  const auto cidx = static_cast<std::int16_t>(index);
  const std::int64_t slot_end = slot_start + kHourMs;
  for (; c.next_trigger < c.triggers.size() && c.triggers[c.next_trigger] < slot_end;
       ++c.next_trigger) {
    const std::vector<std::int32_t> joining = joining_members(c, rng);
    const ContentSpec base = campaign_base_spec(c, rng);
    const std::int64_t signal = rng.between(2 * kMinuteMs, 25 * kMinuteMs);
    co_share_item(cidx, c.actor, c.triggers[c.next_trigger], base, joining, rng, [&] {
      const double reaction = std::clamp(rng.lognormal(50.0, 0.6), 3.0, 150.0);
      return signal + static_cast<std::int64_t>(reaction * static_cast<double>(kSecondMs));
    });
  }
  for (std::int32_t m : c.members) {
    const Account& a = accounts_[m];
    const double mean =
        c.fillers_per_day * a.activity / 24.0 * diurnal(slot_start + kHourMs / 2, a.tz_min);
    for (std::int64_t k = rng.poisson(mean); k > 0; --k) {
      Event e;
      e.account = m;
      e.t_ms = slot_start + static_cast<std::int64_t>(rng.below(kHourMs));
      e.campaign = cidx;
      e.flags = kFiller;
      organic_tweet_action(e, a, rng);
      // Camouflage, not a change of heart: no own words against the movement.
      if (e.spec.actor == c.actor && e.spec.stance < 0) {
        e.spec.actor = -1;
        e.spec.stance = 0;
      }
      push(std::move(e));
    }
  }
}

void Generator::lookalike_slot(Lookalike& g, int index, std::int64_t slot_start) {
  GenRng& rng = case_rng_;
  const auto lidx = static_cast<std::int16_t>(index);
  const std::int64_t slot_end = slot_start + kHourMs;
  if (g.kind == LookalikeKind::kCrowd) {
    if (g.kickoff_ms < slot_start || g.kickoff_ms >= slot_end) return;
    // The whole match at kick-off: each member's one to three tweets, most in the minutes
    // after a goal (a different goal each when it can), some at any time of the match.
    for (std::int32_t m : g.members) {
      const double u = rng.unit();
      const int tweets = u < 0.5 ? 1 : (u < 0.8 ? 2 : 3);
      std::size_t goal = rng.below(g.goals.size());
      for (int k = 0; k < tweets; ++k, goal = (goal + 1) % g.goals.size()) {
        Event e;
        e.type = EventType::kTweet;
        e.account = m;
        e.lookalike = lidx;
        if (rng.chance(0.85)) {
          const double seconds = std::clamp(rng.lognormal(100.0, 0.8), 10.0, 900.0);
          e.t_ms = g.goals[goal] + static_cast<std::int64_t>(seconds * kSecondMs);
        } else {
          e.t_ms = rng.between(g.kickoff_ms, g.final_whistle_ms);
        }
        e.spec.seed = rng.next();
        e.spec.lang = accounts_[m].lang;
        e.spec.topic = Topic::kMatch;
        push(e);
      }
    }
    return;
  }
  // Notification fans: each post of the followed account, and each fan's retweet of it.
  for (; g.next_post < g.posts.size() && g.posts[g.next_post] < slot_end; ++g.next_post) {
    const std::int64_t t = g.posts[g.next_post];
    const Account& author = accounts_[static_cast<std::size_t>(g.followed)];
    Event o;
    o.type = EventType::kTweet;
    o.account = g.followed;
    o.lookalike = lidx;
    o.t_ms = t;
    o.spec.seed = rng.next();
    o.spec.lang = author.lang;
    if (g.actor >= 0) {
      o.spec.actor = static_cast<std::int8_t>(g.actor);
      o.spec.stance = 1;
      o.spec.url_kind = rng.chance(0.3) ? 2 : 0;
    } else {
      o.spec.url_kind = rng.chance(0.85) ? 1 : 0;  // news: a link to the story
    }
    // The fans' retweets are drawn first, so the number of references to the post is known.
    GenRng fans = GenRng::stream(rng.next());
    fan_retweets(g, index, t, fans, retweets_);
    o.planned_shares = static_cast<std::int32_t>(retweets_.size());
    o.defines_item = pool_.allocate(o.planned_shares);
    push(o);
    for (Event& e : retweets_) {
      e.target_item = o.defines_item;
      push(e);
    }
  }
}

void Generator::fan_retweets(const Lookalike& g, int index, std::int64_t t, GenRng& rng,
                             std::vector<Event>& out) {
  out.clear();
  for (std::size_t m = 0; m < g.members.size(); ++m) {
    if (!rng.chance(g.participation)) continue;
    double seconds = 0;
    for (int tries = 0; tries < 16; ++tries) {
      seconds = rng.lognormal(g.median_delay_s[m], 0.5);
      if (seconds >= kFanMinDelayS && seconds <= kFanMaxDelayS) break;
    }
    seconds = std::clamp(seconds, kFanMinDelayS, kFanMaxDelayS);
    Event e;
    e.type = EventType::kRetweet;
    e.account = g.members[m];
    e.lookalike = static_cast<std::int16_t>(index);
    e.t_ms = t + static_cast<std::int64_t>(seconds * static_cast<double>(kSecondMs));
    out.push_back(e);
  }
}

void Generator::viral_slot(std::int64_t slot_start) {
  const std::int64_t slot_end = slot_start + kHourMs;
  while (next_viral_ < virals_.size() && virals_[next_viral_].t_ms < slot_end) {
    Viral& v = virals_[next_viral_];
    auto vidx = static_cast<std::int32_t>(next_viral_);
    ++next_viral_;
    ++mark_stamp_;
    if (v.platform == Platform::kTwitter) {
      // The post: by a popular account, sometimes a movement's.
      std::int32_t author = popular_tw_[rng_.below(popular_tw_.size())];
      v.author = author;
      std::vector<std::int32_t> sharers;
      auto want = static_cast<std::size_t>(v.size);
      while (sharers.size() < want) {
        std::int32_t s = tw_organic_[rng_.below(tw_organic_.size())];
        if (s == author || mark_[s] == mark_stamp_) continue;
        mark_[s] = mark_stamp_;
        sharers.push_back(s);
      }
      std::int32_t slot = pool_.allocate(static_cast<std::int32_t>(sharers.size()));
      Event o;
      o.type = EventType::kTweet;
      o.account = author;
      o.t_ms = v.t_ms;
      o.spec = random_spec(accounts_[author], rng_, true);
      o.defines_item = slot;
      o.viral = vidx;
      o.planned_shares = static_cast<std::int32_t>(sharers.size());
      push(o);
      for (std::int32_t s : sharers) {
        Event e;
        double u = rng_.unit();
        e.type =
            u < 0.88 ? EventType::kRetweet : (u < 0.95 ? EventType::kQuote : EventType::kReply);
        e.account = s;
        double minutes = std::min(rng_.lognormal(3.0, 1.0), 300.0);
        e.t_ms =
            v.t_ms + 1000 + static_cast<std::int64_t>(minutes * static_cast<double>(kMinuteMs));
        e.target_item = slot;
        e.viral = vidx;
        e.flags = kViral;
        if (e.type != EventType::kRetweet) {
          e.spec = random_spec(accounts_[s], rng_, false);
          e.spec.url_kind = 0;
        }
        push(e);
      }
    } else {
      std::int32_t author = tg_channels_organic_[rng_.below(tg_channels_organic_.size())];
      for (int tries = 0; tries < 8; ++tries) {
        std::int32_t cand = tg_channels_organic_[rng_.below(tg_channels_organic_.size())];
        if (accounts_[cand].followers > accounts_[author].followers) author = cand;
      }
      v.author = author;
      std::vector<std::int32_t> sharers;
      auto want =
          std::min<std::size_t>(static_cast<std::size_t>(v.size), tg_channels_organic_.size() - 1);
      while (sharers.size() < want) {
        std::int32_t s = tg_channels_organic_[rng_.below(tg_channels_organic_.size())];
        if (s == author || mark_[s] == mark_stamp_) continue;
        mark_[s] = mark_stamp_;
        sharers.push_back(s);
      }
      std::int32_t slot = pool_.allocate(static_cast<std::int32_t>(sharers.size()));
      Event o;
      o.type = EventType::kChannelPost;
      o.account = author;
      o.t_ms = v.t_ms;
      o.spec = random_spec(accounts_[author], rng_, false);
      o.defines_item = slot;
      o.viral = vidx;
      o.planned_shares = static_cast<std::int32_t>(sharers.size());
      o.flags = kPhoto;
      push(o);
      for (std::int32_t s : sharers) {
        Event e;
        e.type = EventType::kChannelForward;
        e.account = s;
        double minutes = std::min(rng_.lognormal(9.0, 0.9), 300.0);
        e.t_ms =
            v.t_ms + 1000 + static_cast<std::int64_t>(minutes * static_cast<double>(kMinuteMs));
        e.target_item = slot;
        e.viral = vidx;
        e.flags = kViral;
        push(e);
      }
    }
  }
}

void Generator::generate_slot(std::int64_t slot_start) {
  organic_twitter(slot_start);
  organic_telegram(slot_start);
  auto added = [](const Campaign& c) { return c.kind == CampaignKind::kScheduled || c.signalled; };
  for (std::size_t i = 0; i < campaigns_.size(); ++i) {
    if (!added(campaigns_[i])) campaign_slot(campaigns_[i], static_cast<int>(i), slot_start);
  }
  viral_slot(slot_start);
  adding_cases_ = true;
  for (std::size_t i = 0; i < campaigns_.size(); ++i) {
    Campaign& c = campaigns_[i];
    if (c.kind == CampaignKind::kScheduled) {
      scheduled_slot(c, static_cast<int>(i), slot_start);
    } else if (c.signalled) {
      sleeper_slot(c, static_cast<int>(i), slot_start);
    }
  }
  for (std::size_t i = 0; i < lookalikes_.size(); ++i) {
    lookalike_slot(lookalikes_[i], static_cast<int>(i), slot_start);
  }
  adding_cases_ = false;
}

void Generator::emit(Event& e) {
  written_metrics_ = {};
  if (e.target_item >= 0) {
    e.target = pool_.at(e.target_item);
    pool_.release(e.target_item);
  }
  switch (e.type) {
    case EventType::kTweet:
    case EventType::kRetweet:
    case EventType::kReply:
    case EventType::kQuote:
      emit_twitter(e);
      break;
    default:
      emit_telegram(e);
      break;
  }
  if (e.campaign >= 0 && accounts_[e.account].campaign == e.campaign) {
    Campaign& c = campaigns_[static_cast<std::size_t>(e.campaign)];
    if ((e.flags & kFiller) != 0) {
      ++c.filler_messages;
    } else {
      ++c.coordinated_messages;
    }
  }
  if (e.viral >= 0 && (e.flags & kViral) != 0)
    ++virals_[static_cast<std::size_t>(e.viral)].shares_written;
  if (e.lookalike >= 0) {
    Lookalike& g = lookalikes_[static_cast<std::size_t>(e.lookalike)];
    if (e.account == g.followed) {
      ++g.followed_posts;
    } else {
      ++g.messages;
      ++lookalike_written_[static_cast<std::size_t>(e.account)];
    }
  }
  if (e.type != EventType::kPin) {
    ++written_[static_cast<std::size_t>(e.account)];
    record_acts(e);
  }
}

// What a message expresses about each movement, from what the generator chose to write (its
// content spec, and who wrote the post it re-posts), never from the text: an official
// account's every message supports its movement; own words (a tweet, reply, quote, channel
// post, group message) support or oppose the movement their spec names; a retweet or forward
// takes the stance of the post it re-posts, and supports the movement whose official account
// wrote that post.
void Generator::record_acts(const Event& e) {
  const auto acc = static_cast<std::size_t>(e.account);
  const bool repost = e.type == EventType::kRetweet || e.type == EventType::kChannelForward;
  std::uint32_t support = 0, opposition = 0;
  auto official_of = [&](std::int32_t idx) -> int {
    if (idx < 0) return -1;
    const Account& a = accounts_[static_cast<std::size_t>(idx)];
    return a.role == Role::kOfficial ? a.actor : -1;
  };
  auto by_official = [&](int k) {
    if (k < 0) return;
    support |= 1u << k;
    opposition &= ~(1u << k);
  };
  const ContentSpec& said = repost ? e.target.spec : e.spec;
  if (said.actor >= 0) (said.stance > 0 ? support : opposition) |= 1u << said.actor;
  if (repost) by_official(official_of(e.target.author));
  by_official(official_of(e.account));
  for (int k = 0; k < kActorCount; ++k) {
    Acts& a = acts_[acc][static_cast<std::size_t>(k)];
    if (support >> k & 1) {
      ++a.support;
      a.own_support += !repost;
      Totals& t = support_totals_[acc][static_cast<std::size_t>(k)];
      ++t.messages;
      t.views += written_metrics_.views;
      t.forwards += written_metrics_.forwards;
      t.reactions += written_metrics_.reactions;
      t.replies += written_metrics_.replies;
    } else if (opposition >> k & 1) {
      ++a.opposition;
      a.own_opposition += !repost;
    }
  }
}

Generator::Route Generator::route_of(std::size_t account, int k) const {
  const Acts& a = acts_[account][static_cast<std::size_t>(k)];
  if (a.support <= a.opposition) return Route::kNone;  // more support than opposition
  const Account& acc = accounts_[account];
  if (acc.role == Role::kOfficial && acc.actor == k) return Route::kSource;
  return a.own_support > 0 ? Route::kOwnWords : Route::kRepostsOnly;
}

// ---------------------------------------------------------------------------------------
// Twitter

void Generator::render_twitter_text(const Content& c, std::size_t cp_offset, std::uint64_t salt) {
  // Twitter shows every link as a t.co link; entities carry the expanded URL.
  entity_count_ = 0;
  std::size_t pos = cp_offset;
  auto add_entity = [&](PieceKind kind, std::size_t len) -> TwEntity& {
    if (entity_count_ == entities_.size()) entities_.emplace_back();
    TwEntity& te = entities_[entity_count_++];
    te.kind = kind;
    te.start = pos;
    te.end = pos + len;
    te.text.clear();
    te.expanded.clear();
    return te;
  };
  for (std::size_t i = 0; i < c.size(); ++i) {
    const Piece& p = c[i];
    if (p.kind == PieceKind::kUrl || p.kind == PieceKind::kTextLink) {
      std::string tco = "https://t.co/";
      GenRng r = GenRng::stream(hash_string(p.text, salt));
      static constexpr std::string_view kAlpha =
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
      for (int k = 0; k < 10; ++k) tco += kAlpha[r.below(kAlpha.size())];
      TwEntity& te = add_entity(PieceKind::kUrl, tco.size());
      te.text = tco;
      te.expanded = p.kind == PieceKind::kUrl ? p.text : p.href;
      text_ += tco;
      pos += tco.size();
      continue;
    }
    std::size_t len = codepoint_length(p.text);
    if (p.kind == PieceKind::kHashtag) {
      add_entity(PieceKind::kHashtag, len).text = p.text.substr(1);
    } else if (p.kind == PieceKind::kMention) {
      add_entity(PieceKind::kMention, len).text = p.text.substr(1);
    }
    text_ += p.text;
    pos += len;
  }
}

void Generator::twarc_user(const Account& a) {
  for (std::int32_t seen : page_user_ids_) {
    if (accounts_[static_cast<std::size_t>(seen)].numeric_id == a.numeric_id) return;
  }
  page_user_ids_.push_back(static_cast<std::int32_t>(&a - accounts_.data()));
  std::string& o = page_users_;
  if (!o.empty()) o += ", ";
  o += '{';
  PyJson j{o};
  j.str("id", a.id);
  j.str("username", a.handle);
  j.str("name", a.name);
  j.key("created_at");
  o += '"';
  append_iso_millis_z(o, a.created_ms / 1000 * 1000);
  o += '"';
  j.str("description", a.description);
  if (!a.location.empty()) j.str("location", a.location);
  j.boolean("protected", false);
  j.key("public_metrics");
  o += '{';
  PyJson m{o};
  m.num("followers_count", a.followers);
  m.num("following_count", a.following);
  m.num("tweet_count", a.posts);
  m.num("listed_count", a.followers / 200);
  o += '}';
  j.boolean("verified", a.verified);
  o += '}';
  ++counters_[twarc_counter_].accounts;
}

void Generator::twarc_original(const Ref& r) {
  for (std::uint64_t seen : page_tweet_ids_) {
    if (seen == r.tw_id) return;
  }
  page_tweet_ids_.push_back(r.tw_id);
  ++counters_[twarc_counter_].included_tweets;
  const Account& a = accounts_[static_cast<std::size_t>(r.author)];
  build_content(r.spec, text_context_, &quoted_);
  text_.clear();
  render_twitter_text(quoted_, 0, r.tw_id);
  std::string& o = page_tweets_;
  if (!o.empty()) o += ", ";
  o += '{';
  PyJson j{o};
  j.str("id", std::to_string(r.tw_id));
  j.str("text", text_);
  j.str("author_id", a.id);
  j.str("conversation_id", std::to_string(r.tw_id));
  j.key("created_at");
  o += '"';
  append_iso_millis_z(o, r.t_ms / 1000 * 1000);
  o += '"';
  j.str("lang", lang_code(r.spec.lang));
  j.key("public_metrics");
  o += '{';
  PyJson m{o};
  m.num("retweet_count", r.planned_shares);
  m.num("reply_count", r.planned_shares / 20);
  m.num("like_count", r.planned_shares * 3 + a.followers / 100);
  m.num("quote_count", r.planned_shares / 15);
  o += '}';
  o += '}';
  twarc_user(a);
}

// A tweet's impression count as twarc2 reports it (a retweet has none of its own).
std::int64_t impressions(const Event& e, const Account& a, std::int64_t likes) {
  return e.type == EventType::kRetweet ? 0 : likes * 40 + a.followers / 3;
}

void Generator::twarc_add(const Event& e, std::uint64_t id, const Account& a, const Ref* target,
                          std::int64_t likes, std::int64_t retweets, std::int64_t replies,
                          std::int64_t quotes) {
  std::string& o = page_data_;
  if (!o.empty()) o += ", ";
  o += '{';
  PyJson j{o};
  std::string id_str = std::to_string(id);
  j.str("id", id_str);
  j.str("text", text_);
  j.key("edit_history_tweet_ids");
  o += "[\"";
  o += id_str;
  o += "\"]";
  j.str("author_id", a.id);
  j.str("conversation_id", e.type == EventType::kReply ? std::to_string(target->tw_id) : id_str);
  j.key("created_at");
  o += '"';
  append_iso_millis_z(o, e.t_ms / 1000 * 1000);  // the API gives whole seconds
  o += '"';
  j.str("lang", lang_code(e.type == EventType::kRetweet ? target->spec.lang : e.spec.lang));
  j.boolean("possibly_sensitive", false);
  j.str("reply_settings", "everyone");
  if (target != nullptr) {
    const Account& ta = accounts_[static_cast<std::size_t>(target->author)];
    if (e.type == EventType::kReply) j.str("in_reply_to_user_id", ta.id);
    j.key("referenced_tweets");
    o += "[{\"type\": \"";
    o += e.type == EventType::kRetweet ? "retweeted"
                                       : (e.type == EventType::kReply ? "replied_to" : "quoted");
    o += "\", \"id\": \"";
    append_uint(o, target->tw_id);
    o += "\"}]";
  }
  if (entity_count_ > 0) {
    j.key("entities");
    o += '{';
    PyJson en{o};
    for (PieceKind kind : {PieceKind::kHashtag, PieceKind::kMention, PieceKind::kUrl}) {
      bool any = false;
      for (std::size_t i = 0; i < entity_count_; ++i) {
        const TwEntity& te = entities_[i];
        if (te.kind != kind) continue;
        if (!any) {
          en.key(kind == PieceKind::kHashtag ? "hashtags"
                                             : (kind == PieceKind::kMention ? "mentions" : "urls"));
          o += '[';
          any = true;
        } else {
          o += ", ";
        }
        o += '{';
        PyJson x{o};
        x.num("start", static_cast<std::int64_t>(te.start));
        x.num("end", static_cast<std::int64_t>(te.end));
        if (kind == PieceKind::kHashtag) {
          x.str("tag", te.text);
        } else if (kind == PieceKind::kMention) {
          x.str("username", te.text);
          for (std::size_t m = 0; m < mention_handles_.size(); ++m) {
            if (mention_handles_[m] == te.text) x.str("id", accounts_[mention_accounts_[m]].id);
          }
          if (target != nullptr && accounts_[target->author].handle == te.text) {
            x.str("id", accounts_[target->author].id);
          }
        } else {
          x.str("url", te.text);
          x.str("expanded_url", te.expanded);
          std::string_view display = te.expanded;
          if (display.substr(0, 8) == "https://") display.remove_prefix(8);
          if (display.substr(0, 7) == "http://") display.remove_prefix(7);
          x.str("display_url", display.substr(0, 26));
        }
        o += '}';
      }
      if (any) o += ']';
    }
    o += '}';
  }
  j.key("public_metrics");
  o += '{';
  PyJson m{o};
  m.num("retweet_count", retweets);
  m.num("reply_count", replies);
  m.num("like_count", likes);
  m.num("quote_count", quotes);
  m.num("bookmark_count", likes / 30);
  m.num("impression_count", impressions(e, a, likes));
  o += '}';
  o += '}';
  twarc_user(a);
  if (target != nullptr) twarc_original(*target);
  if (page_count_ == 0) page_oldest_ = id;
  page_newest_ = id;
  ++page_count_;
  ++counters_[twarc_counter_].records;
  if (page_count_ == 100) twarc_flush();
}

void Generator::twarc_flush() {
  if (page_count_ == 0) return;
  std::string& o = twarc_file_.buf();
  o += "{\"data\": [";
  o += page_data_;
  o += "], \"includes\": {\"users\": [";
  o += page_users_;
  o += "]";
  if (!page_tweets_.empty()) {
    o += ", \"tweets\": [";
    o += page_tweets_;
    o += "]";
  }
  o += "}, \"meta\": {\"newest_id\": \"";
  append_uint(o, page_newest_);
  o += "\", \"oldest_id\": \"";
  append_uint(o, page_oldest_);
  o += "\", \"result_count\": ";
  append_int(o, page_count_);
  o += ", \"next_token\": \"b26v89c19zqg8o3fr";
  append_int(o, pages_);
  o += "\"}, \"__twarc\": {\"url\": \"https://api.twitter.com/2/tweets/search/all?expansions="
       "author_id%2Creferenced_tweets.id&max_results=100&start_time=2024-03-01T00%3A00%3A00%2B00%"
       "3A00"
       "\", \"version\": \"2.14.0\", \"retrieved_at\": \"2024-04-02T08:15:";
  append_int(o, 10 + pages_ % 50);
  o += "+00:00\"}}\n";
  ++counters_[twarc_counter_].lines;
  ++pages_;
  page_data_.clear();
  page_users_.clear();
  page_tweets_.clear();
  page_user_ids_.clear();
  page_tweet_ids_.clear();
  page_count_ = 0;
  twarc_file_.maybe_flush();
}

void Generator::io_row(const Event& e, std::uint64_t id, const Account& a, const Ref* target,
                       std::int64_t likes, std::int64_t retweets, std::int64_t replies,
                       std::int64_t quotes) {
  std::string& o = io_tweets_file_.buf();
  append_uint(o, id);
  o += ',';
  o += a.id;
  o += ',';
  append_csv_field(o, a.name);
  o += ',';
  append_csv_field(o, a.handle);
  o += ',';
  append_csv_field(o, a.location);
  o += ',';
  append_csv_field(o, a.description);
  o += ",,";
  append_int(o, a.followers);
  o += ',';
  append_int(o, a.following);
  o += ',';
  append_date(o, a.created_ms);
  o += ',';
  o += lang_code(a.lang);
  o += ',';
  o += lang_code(e.type == EventType::kRetweet ? target->spec.lang : e.spec.lang);
  o += ',';
  append_csv_field(o, text_);
  o += ',';
  append_minute_space(o, e.t_ms);
  o += ',';
  GenRng r = GenRng::stream(mix_seed(id, 3));
  o += random_client(r);
  o += ',';
  const Account* ta =
      target != nullptr ? &accounts_[static_cast<std::size_t>(target->author)] : nullptr;
  if (e.type == EventType::kReply) o += ta->id;
  o += ',';
  if (e.type == EventType::kReply) append_uint(o, target->tw_id);
  o += ',';
  if (e.type == EventType::kQuote) append_uint(o, target->tw_id);
  o += ',';
  o += e.type == EventType::kRetweet ? "True" : "False";
  o += ',';
  if (e.type == EventType::kRetweet) o += ta->id;
  o += ',';
  if (e.type == EventType::kRetweet) append_uint(o, target->tw_id);
  o += ",,,";  // latitude, longitude
  append_int(o, quotes);
  o += ',';
  append_int(o, replies);
  o += ',';
  append_int(o, likes);
  o += ',';
  append_int(o, retweets);
  o += ',';
  // List columns: [a, b] without quotes around the items, as the archives write them.
  scratch_ = "[";
  bool first = true;
  for (std::size_t i = 0; i < entity_count_; ++i) {
    if (entities_[i].kind != PieceKind::kHashtag) continue;
    if (!first) scratch_ += ", ";
    first = false;
    scratch_ += entities_[i].text;
  }
  scratch_ += ']';
  append_csv_field(o, scratch_);
  o += ',';
  scratch_ = "[";
  first = true;
  for (std::size_t i = 0; i < entity_count_; ++i) {
    if (entities_[i].kind != PieceKind::kUrl) continue;
    if (!first) scratch_ += ", ";
    first = false;
    scratch_ += entities_[i].expanded;
  }
  scratch_ += ']';
  append_csv_field(o, scratch_);
  o += ',';
  scratch_ = "[";
  first = true;
  for (std::size_t i = 0; i < entity_count_; ++i) {
    if (entities_[i].kind != PieceKind::kMention) continue;
    std::string_view uid;
    for (std::size_t m = 0; m < mention_handles_.size(); ++m) {
      if (mention_handles_[m] == entities_[i].text) uid = accounts_[mention_accounts_[m]].id;
    }
    if (ta != nullptr && ta->handle == entities_[i].text) uid = ta->id;
    if (uid.empty()) continue;
    if (!first) scratch_ += ", ";
    first = false;
    scratch_ += uid;
  }
  scratch_ += ']';
  append_csv_field(o, scratch_);
  o += ",\n";  // poll_choices empty
  ++counters_[io_counter_].records;
  ++counters_[io_counter_].lines;
  io_tweets_file_.maybe_flush();
}

void Generator::emit_twitter(Event& e) {
  Account& a = accounts_[static_cast<std::size_t>(e.account)];
  // Snowflake ids: time in the high bits, a per-millisecond sequence in the low bits; the
  // queue hands out events in time order, so ids are unique and increase with time.
  if (e.t_ms != last_tweet_ms_) {
    last_tweet_ms_ = e.t_ms;
    tweet_seq_in_ms_ = 0;
  }
  std::uint64_t id =
      (static_cast<std::uint64_t>(e.t_ms - kTwitterEpochMs) << 22) | tweet_seq_in_ms_++;
  const Ref* target = e.type == EventType::kTweet ? nullptr : &e.target;

  text_.clear();
  if (e.type == EventType::kRetweet) {
    const Account& ta = accounts_[static_cast<std::size_t>(target->author)];
    build_content(target->spec, text_context_, &content_);
    text_ = "RT @";
    text_ += ta.handle;
    text_ += ": ";
    std::size_t offset = codepoint_length(text_);
    render_twitter_text(content_, offset, target->tw_id);
    // The retweeted author's mention comes first.
    if (entity_count_ == entities_.size()) entities_.emplace_back();
    std::rotate(entities_.begin(), entities_.begin() + static_cast<std::ptrdiff_t>(entity_count_),
                entities_.begin() + static_cast<std::ptrdiff_t>(entity_count_ + 1));
    ++entity_count_;
    TwEntity& m = entities_[0];
    m.kind = PieceKind::kMention;
    m.start = 3;
    m.end = 4 + codepoint_length(ta.handle);
    m.text = ta.handle;
    m.expanded.clear();
  } else {
    build_content(e.spec, text_context_, &content_);
    if ((e.flags & kVariant) != 0) {
      apply_variants(e.variant_seed, (e.flags & kNearDuplicate) != 0, &content_);
    } else if ((e.flags & kTrackUrl) != 0) {
      GenRng r = GenRng::stream(e.variant_seed);
      for (std::size_t i = 0; i < content_.size(); ++i) {
        if (content_[i].kind == PieceKind::kUrl) add_tracking_parameters(r, &content_[i].text);
      }
    }
    std::size_t offset = 0;
    if (e.type == EventType::kReply) {
      const Account& ta = accounts_[static_cast<std::size_t>(target->author)];
      text_ = "@";
      text_ += ta.handle;
      text_ += ' ';
      offset = codepoint_length(text_);
    }
    render_twitter_text(content_, offset, id);
    if (e.type == EventType::kReply) {
      const Account& ta = accounts_[static_cast<std::size_t>(target->author)];
      if (entity_count_ == entities_.size()) entities_.emplace_back();
      std::rotate(entities_.begin(), entities_.begin() + static_cast<std::ptrdiff_t>(entity_count_),
                  entities_.begin() + static_cast<std::ptrdiff_t>(entity_count_ + 1));
      ++entity_count_;
      TwEntity& m = entities_[0];
      m.kind = PieceKind::kMention;
      m.start = 0;
      m.end = 1 + codepoint_length(ta.handle);
      m.text = ta.handle;
      m.expanded.clear();
    }
    if (e.type == EventType::kQuote) {
      const Account& ta = accounts_[static_cast<std::size_t>(target->author)];
      std::string expanded =
          "https://twitter.com/" + ta.handle + "/status/" + std::to_string(target->tw_id);
      text_ += ' ';
      std::size_t start = codepoint_length(text_);
      std::string tco = "https://t.co/";
      GenRng r = GenRng::stream(mix_seed(id, 11));
      static constexpr std::string_view kAlpha =
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
      for (int k = 0; k < 10; ++k) tco += kAlpha[r.below(kAlpha.size())];
      if (entity_count_ == entities_.size()) entities_.emplace_back();
      TwEntity& u = entities_[entity_count_++];
      u.kind = PieceKind::kUrl;
      u.start = start;
      u.end = start + tco.size();
      u.text = tco;
      u.expanded = expanded;
      text_ += tco;
    }
  }

  // Metrics as the collector saw them, some days later.
  GenRng mr = GenRng::stream(mix_seed(id, 7));
  std::int64_t likes = 0, retweets = 0, replies = 0, quotes = 0;
  if (e.type == EventType::kRetweet) {
    retweets = target->planned_shares;
  } else {
    double reach = static_cast<double>(a.followers) * 0.01 + 3.0 * e.planned_shares;
    likes = mr.poisson(reach);
    retweets = e.planned_shares + mr.poisson(reach * 0.08);
    replies = mr.poisson(reach * 0.05);
    quotes = mr.poisson(reach * 0.02);
  }

  // The IO archive has every tweet of its accounts; the keyword collection caught only some.
  bool captured = true;
  if (a.io) captured = mix_seed(opt_.seed ^ id, 5) % 100 < 60;
  // The IO row first: the twarc2 page writer reuses the text buffers for included tweets.
  if (a.io) {
    io_row(e, id, a, target, likes, retweets, replies, quotes);
    if (captured) ++io_overlap_;
  }
  if (captured) twarc_add(e, id, a, target, likes, retweets, replies, quotes);
  // Both copies report the same counts; only twarc2 has impressions (0 for a retweet).
  written_metrics_.forwards = retweets;
  written_metrics_.reactions = likes;
  written_metrics_.replies = replies;
  if (captured) written_metrics_.views = impressions(e, a, likes);

  Ref self;
  self.tw_id = id;
  self.author = e.account;
  self.t_ms = e.t_ms;
  self.spec = e.spec;
  self.planned_shares = e.planned_shares;
  self.captured = captured;
  if (e.defines_item >= 0) {
    pool_.at(e.defines_item) = self;
    pool_.release(e.defines_item);
    if (e.campaign >= 0) {
      std::string item = "{\"platform\": \"twitter\", \"message_id\": \"";
      append_uint(item, id);
      item += "\", \"account_id\": \"";
      item += a.id;
      item += "\"}";
      campaigns_[static_cast<std::size_t>(e.campaign)].items.push_back(std::move(item));
    }
    if (e.viral >= 0) {
      Viral& v = virals_[static_cast<std::size_t>(e.viral)];
      v.message_id = std::to_string(id);
    }
  }
  // Posts others may re-share. Not the look-alikes' posts: the rest of the data keeps the
  // draws it had before they were added.
  if (e.type == EventType::kTweet && (e.flags & kVariant) == 0 && e.campaign < 0 &&
      e.lookalike < 0) {
    recent_tw_.push(self);
    if (e.spec.actor >= 0 && e.spec.stance > 0) recent_tw_actor_[e.spec.actor].push(self);
  }
  // Fans who follow every post of this account retweet it (their own stream and numbering,
  // so the rest of the data keeps its draws).
  if (e.type == EventType::kTweet)
    for (std::size_t i = 0; i < lookalikes_.size(); ++i) {
      Lookalike& g = lookalikes_[i];
      if (!g.every_post || g.followed != e.account) continue;
      ++g.followed_posts;
      GenRng rng = GenRng::stream(mix_seed(id, 101 + i));
      const bool adding = adding_cases_;
      adding_cases_ = true;
      fan_retweets(g, static_cast<int>(i), e.t_ms, rng, retweets_);
      for (Event& r : retweets_) {
        r.target = self;
        push(r);
      }
      adding_cases_ = adding;
    }
}

// ---------------------------------------------------------------------------------------
// Telegram

void Generator::telethon_channel(const Account& a) {
  std::string& o = telethon_file_.buf();
  o += '{';
  PyJson j{o};
  j.str("_", "Channel");
  j.unum("id", a.numeric_id);
  j.str("title", a.name);
  j.raw("photo", "{\"_\": \"ChatPhotoEmpty\"}");
  j.key("date");
  o += '"';
  append_iso_offset(o, a.created_ms);
  o += '"';
  j.boolean("creator", false);
  j.boolean("left", true);
  j.boolean("broadcast", a.tg_kind == TgKind::kChannel);
  j.boolean("verified", false);
  j.boolean("megagroup", a.tg_kind == TgKind::kGroup);
  j.boolean("restricted", false);
  j.boolean("signatures", a.signatures);
  j.boolean("min", false);
  j.boolean("scam", false);
  j.boolean("has_link", false);
  j.boolean("fake", false);
  j.boolean("noforwards", false);
  j.unum("access_hash", mix_seed(a.numeric_id, 17) >> 1);
  j.str("username", a.handle);
  j.raw("restriction_reason", "[]");
  j.null("admin_rights");
  j.null("banned_rights");
  j.null("default_banned_rights");
  j.num("participants_count", a.followers);
  j.raw("usernames", "[]");
  o += "}\n";
  ++counters_[telethon_counter_].lines;
  ++counters_[telethon_counter_].accounts;
}

namespace {
void desktop_text(std::string& o, int indent, const Content& c) {
  bool plain_only = true;
  for (std::size_t i = 0; i < c.size(); ++i) plain_only &= c[i].kind == PieceKind::kPlain;
  std::string pad(static_cast<std::size_t>(indent), ' ');
  o += ",\n";
  o += pad;
  o += "\"text\": ";
  if (plain_only) {
    std::string flat;
    c.flatten(&flat);
    append_json_string(o, flat, false);
  } else {
    o += "[";
    for (std::size_t i = 0; i < c.size(); ++i) {
      const Piece& p = c[i];
      o += i == 0 ? "\n" : ",\n";
      o += pad;
      o += ' ';
      if (p.kind == PieceKind::kPlain) {
        append_json_string(o, p.text, false);
        continue;
      }
      o += "{\n";
      DesktopJson j{o, indent + 2};
      j.str("type", piece_type_name(p.kind));
      j.str("text", p.text);
      if (p.kind == PieceKind::kTextLink) j.str("href", p.href);
      o += '\n';
      o += pad;
      o += " }";
    }
    o += '\n';
    o += pad;
    o += ']';
  }
  o += ",\n";
  o += pad;
  o += "\"text_entities\": [";
  for (std::size_t i = 0; i < c.size(); ++i) {
    const Piece& p = c[i];
    o += i == 0 ? "\n" : ",\n";
    o += pad;
    o += " {\n";
    DesktopJson j{o, indent + 2};
    j.str("type", piece_type_name(p.kind));
    j.str("text", p.text);
    if (p.kind == PieceKind::kTextLink) j.str("href", p.href);
    o += '\n';
    o += pad;
    o += " }";
  }
  if (c.size() > 0) {
    o += '\n';
    o += pad;
  }
  o += ']';
}

std::size_t reaction_count(std::int64_t views, std::uint64_t seed, std::int64_t* counts,
                           const char** emoji) {
  static const char* kReactions[] = {"👍", "❤", "🔥", "👏", "😢", "🙏", "😡"};
  GenRng r = GenRng::stream(seed);
  std::size_t kinds = 1 + r.below(3);
  double total = static_cast<double>(views) * (0.005 + 0.02 * r.unit());
  std::size_t n = 0;
  std::size_t start = r.below(7);
  for (std::size_t k = 0; k < kinds; ++k) {
    auto c = static_cast<std::int64_t>(total / static_cast<double>(k + 1));
    if (c <= 0) break;
    counts[n] = c;
    emoji[n] = kReactions[(start + k) % 7];
    ++n;
  }
  return n;
}
}  // namespace

void Generator::desktop_message(std::string& o, int indent, const Account& chat,
                                const Account& author, std::int32_t msg_id, const Event& e,
                                const Content& content, const Ref* forwarded, bool service) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  o += pad;
  o += "{\n";
  DesktopJson j{o, indent + 1};
  j.num("id", msg_id);
  j.str("type", service ? "service" : "message");
  j.key("date");
  o += '"';
  append_iso_seconds(o, e.t_ms);
  o += '"';
  j.key("date_unixtime");
  o += '"';
  append_int(o, e.t_ms / 1000);
  o += '"';
  if (service) {
    j.str("actor", author.name);
    j.str("actor_id", author.id);
    j.str("action", "pin_message");
    j.num("message_id", e.reply_msg);
    o += ",\n";
    o.append(static_cast<std::size_t>(indent + 1), ' ');
    o += "\"text\": \"\",\n";
    o.append(static_cast<std::size_t>(indent + 1), ' ');
    o += "\"text_entities\": []\n";
    o += pad;
    o += '}';
    return;
  }
  j.str("from", author.name);
  j.str("from_id", author.id);
  if (author.signatures && chat.tg_kind == TgKind::kChannel) {
    GenRng r = GenRng::stream(mix_seed(e.seq, 23));
    j.str("author", random_first_name(r, Lang::kFa));
  }
  if (forwarded != nullptr)
    j.str("forwarded_from", accounts_[static_cast<std::size_t>(forwarded->author)].name);
  if (e.reply_msg > 0) j.num("reply_to_message_id", e.reply_msg);
  if ((e.flags & kPhoto) != 0) {
    j.str("photo", "(File not included. Change data exporting settings to download.)");
    j.num("width", 1280);
    j.num("height", 720);
  }
  desktop_text(o, indent + 1, content);
  if (chat.tg_kind == TgKind::kChannel) {
    std::int64_t counts[3];
    const char* emoji[3];
    std::int64_t views = static_cast<std::int64_t>(static_cast<double>(chat.followers) * chat.err);
    std::size_t n = reaction_count(views, mix_seed(e.seq, 29), counts, emoji);
    for (std::size_t k = 0; k < n; ++k) written_metrics_.reactions += counts[k];
    if (n > 0) {
      o += ",\n";
      o += pad;
      o += " \"reactions\": [";
      for (std::size_t k = 0; k < n; ++k) {
        o += k == 0 ? "\n" : ",\n";
        o += pad;
        o += "  {\n";
        DesktopJson r{o, indent + 3};
        r.str("type", "emoji");
        r.num("count", counts[k]);
        r.str("emoji", emoji[k]);
        o += '\n';
        o += pad;
        o += "  }";
      }
      o += '\n';
      o += pad;
      o += " ]";
    }
  }
  o += '\n';
  o += pad;
  o += '}';
}

void Generator::telethon_message(std::string& o, const Account& chat, const Account& author,
                                 std::int32_t msg_id, const Event& e, const Content& content,
                                 const Ref* forwarded, bool service, std::int64_t views,
                                 std::int64_t forwards) {
  const bool channel = chat.tg_kind == TgKind::kChannel;
  o += '{';
  PyJson j{o};
  j.str("_", service ? "MessageService" : "Message");
  j.num("id", msg_id);
  j.key("peer_id");
  o += "{\"_\": \"PeerChannel\", \"channel_id\": ";
  append_uint(o, chat.numeric_id);
  o += '}';
  j.key("date");
  o += '"';
  append_iso_offset(o, e.t_ms);
  o += '"';
  if (service) {
    j.boolean("out", false);
    j.boolean("mentioned", false);
    j.boolean("media_unread", false);
    j.boolean("silent", false);
    j.boolean("post", true);
    j.boolean("legacy", false);
    j.null("from_id");
    j.key("reply_to");
    o += "{\"_\": \"MessageReplyHeader\", \"reply_to_scheduled\": false, \"forum_topic\": false, "
         "\"quote\": false, \"reply_to_msg_id\": ";
    append_int(o, e.reply_msg);
    o += ", \"reply_to_peer_id\": null, \"reply_from\": null, \"reply_media\": null, "
         "\"reply_to_top_id\": null, \"quote_text\": null, \"quote_entities\": [], "
         "\"quote_offset\": null}";
    j.raw("action", "{\"_\": \"MessageActionPinMessage\"}");
    j.null("ttl_period");
    o += "}\n";
    return;
  }
  content.flatten(&text_);
  j.str("message", text_);
  j.boolean("out", false);
  j.boolean("mentioned", false);
  j.boolean("media_unread", false);
  j.boolean("silent", false);
  j.boolean("post", channel);
  j.boolean("from_scheduled", false);
  j.boolean("legacy", false);
  j.boolean("edit_hide", false);
  j.boolean("pinned", false);
  j.boolean("noforwards", false);
  j.boolean("invert_media", false);
  j.boolean("offline", false);
  if (channel) {
    j.null("from_id");
  } else {
    j.key("from_id");
    o += "{\"_\": \"PeerUser\", \"user_id\": ";
    append_uint(o, author.numeric_id);
    o += '}';
  }
  j.null("from_boosts_applied");
  j.null("saved_peer_id");
  j.key("fwd_from");
  if (forwarded != nullptr) {
    const Account& src = accounts_[static_cast<std::size_t>(forwarded->author)];
    o += "{\"_\": \"MessageFwdHeader\", \"date\": \"";
    append_iso_offset(o, forwarded->t_ms);
    o += "\", \"imported\": false, \"saved_out\": false, \"from_id\": {\"_\": \"PeerChannel\", "
         "\"channel_id\": ";
    append_uint(o, src.numeric_id);
    o += "}, \"from_name\": null, \"channel_post\": ";
    append_int(o, forwarded->msg_id);
    o += ", \"post_author\": null, \"saved_from_peer\": null, \"saved_from_msg_id\": null, "
         "\"saved_from_id\": null, \"saved_from_name\": null, \"saved_date\": null, "
         "\"psa_type\": null}";
  } else {
    o += "null";
  }
  j.null("via_bot_id");
  j.null("via_business_bot_id");
  if (e.reply_msg > 0) {
    j.key("reply_to");
    o += "{\"_\": \"MessageReplyHeader\", \"reply_to_scheduled\": false, \"forum_topic\": false, "
         "\"quote\": false, \"reply_to_msg_id\": ";
    append_int(o, e.reply_msg);
    o += ", \"reply_to_peer_id\": null, \"reply_from\": null, \"reply_media\": null, "
         "\"reply_to_top_id\": null, \"quote_text\": null, \"quote_entities\": [], "
         "\"quote_offset\": null}";
  } else {
    j.null("reply_to");
  }
  j.key("media");
  if ((e.flags & kPhoto) != 0) {
    std::uint64_t photo_id = mix_seed(e.spec.seed, 31) >> 2;
    o +=
        "{\"_\": \"MessageMediaPhoto\", \"spoiler\": false, \"photo\": {\"_\": \"Photo\", \"id\": ";
    append_uint(o, photo_id);
    o += ", \"access_hash\": ";
    append_uint(o, mix_seed(photo_id, 1) >> 1);
    o += ", \"file_reference\": \"AQAAAAA\", \"date\": \"";
    append_iso_offset(o, e.t_ms);
    o += "\", \"sizes\": [], \"dc_id\": 4, \"has_stickers\": false, \"video_sizes\": []}, "
         "\"ttl_seconds\": null}";
  } else {
    o += "null";
  }
  j.null("reply_markup");
  j.key("entities");
  o += '[';
  std::size_t offset = 0;
  bool first = true;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const Piece& p = content[i];
    std::size_t len = utf16_length(p.text);
    if (p.kind != PieceKind::kPlain) {
      if (!first) o += ", ";
      first = false;
      o += "{\"_\": \"";
      switch (p.kind) {
        case PieceKind::kHashtag:
          o += "MessageEntityHashtag";
          break;
        case PieceKind::kMention:
          o += "MessageEntityMention";
          break;
        case PieceKind::kUrl:
          o += "MessageEntityUrl";
          break;
        case PieceKind::kTextLink:
          o += "MessageEntityTextUrl";
          break;
        default:
          o += "MessageEntityBold";
          break;
      }
      o += "\", \"offset\": ";
      append_int(o, static_cast<std::int64_t>(offset));
      o += ", \"length\": ";
      append_int(o, static_cast<std::int64_t>(len));
      if (p.kind == PieceKind::kTextLink) {
        o += ", \"url\": ";
        append_json_string(o, p.href, true);
      }
      o += '}';
    }
    offset += len;
  }
  o += ']';
  if (channel) {
    j.num("views", views);
    j.num("forwards", forwards);
  } else {
    j.null("views");
    j.null("forwards");
  }
  j.null("replies");
  j.null("edit_date");
  if (chat.signatures && channel) {
    GenRng r = GenRng::stream(mix_seed(e.seq, 23));
    j.str("post_author", random_first_name(r, Lang::kFa));
  } else {
    j.null("post_author");
  }
  if (e.grouped_id != 0) {
    j.num("grouped_id", e.grouped_id);
  } else {
    j.null("grouped_id");
  }
  j.key("reactions");
  std::int64_t counts[3];
  const char* emoji[3];
  std::size_t n = channel ? reaction_count(views, mix_seed(e.seq, 29), counts, emoji) : 0;
  if (channel) written_metrics_ = {views, forwards, 0, 0};
  for (std::size_t k = 0; k < n; ++k) written_metrics_.reactions += counts[k];
  if (n == 0) {
    o += "null";
  } else {
    o += "{\"_\": \"MessageReactions\", \"results\": [";
    for (std::size_t k = 0; k < n; ++k) {
      if (k > 0) o += ", ";
      o += "{\"_\": \"ReactionCount\", \"reaction\": {\"_\": \"ReactionEmoji\", \"emoticon\": ";
      append_json_string(o, emoji[k], true);
      o += "}, \"count\": ";
      append_int(o, counts[k]);
      o += ", \"chosen_order\": null}";
    }
    o += "], \"min\": false, \"can_see_list\": false, \"reactions_as_tags\": false, "
         "\"recent_reactions\": [], \"top_reactors\": []}";
  }
  j.raw("restriction_reason", "[]");
  j.null("ttl_period");
  j.null("quick_reply_shortcut_id");
  j.null("effect");
  j.null("factcheck");
  o += "}\n";
}

void Generator::emit_telegram(Event& e) {
  const bool in_group = e.type == EventType::kGroupMessage ||
                        (e.type == EventType::kChannelForward &&
                         accounts_[static_cast<std::size_t>(e.account)].tg_kind == TgKind::kUser);
  Account& author = accounts_[static_cast<std::size_t>(e.account)];
  Account& chat =
      in_group
          ? accounts_[static_cast<std::size_t>(author.home_group >= 0 ? author.home_group : group_)]
          : author;
  const bool service = e.type == EventType::kPin;
  const bool forward = e.type == EventType::kChannelForward;
  const Ref* forwarded = forward ? &e.target : nullptr;
  std::int32_t msg_id = chat.next_msg_id++;

  if (!service) {
    build_content(forward ? e.target.spec : e.spec, text_context_, &content_);
    if ((e.flags & kVariant) != 0) {
      apply_variants(e.variant_seed, (e.flags & kNearDuplicate) != 0, &content_);
    }
    // Channels often hide links behind words.
    GenRng r = GenRng::stream(mix_seed(forward ? e.target.spec.seed : e.spec.seed, 37));
    if (r.chance(0.3)) {
      for (std::size_t i = 0; i < content_.size(); ++i) {
        if (content_[i].kind == PieceKind::kUrl) {
          content_[i].href = content_[i].text;
          content_[i].text =
              (forward ? e.target.spec : e.spec).lang == Lang::kFa ? "لینک خبر" : "Read more";
          content_[i].kind = PieceKind::kTextLink;
        }
      }
    }
  } else {
    content_.clear();
  }

  std::int64_t views = 0, forwards = 0;
  if (chat.tg_kind == TgKind::kChannel) {
    GenRng vr = GenRng::stream(mix_seed(e.seq, 41));
    views =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(chat.followers) *
                                                            chat.err * vr.lognormal(1.0, 0.35)));
    forwards = e.planned_shares + vr.poisson(static_cast<double>(views) * 0.002);
  }

  FileCounter* counter = nullptr;
  if (chat.sink == TgSink::kDesktop) {
    OutFile& f = *desktop_files_[static_cast<std::size_t>(chat.sink_index)];
    std::string& o = f.buf();
    o += desktop_first_[static_cast<std::size_t>(chat.sink_index)] ? "\n" : ",\n";
    desktop_first_[static_cast<std::size_t>(chat.sink_index)] = false;
    desktop_message(o, 2, chat, chat, msg_id, e, content_, forwarded, service);
    f.maybe_flush();
    counter = &counters_[desktop_counter_[static_cast<std::size_t>(chat.sink_index)]];
  } else if (chat.sink == TgSink::kAllData) {
    OutFile& f = *alldata_bodies_[static_cast<std::size_t>(chat.sink_index)];
    std::string& o = f.buf();
    o += alldata_first_[static_cast<std::size_t>(chat.sink_index)] ? "\n" : ",\n";
    alldata_first_[static_cast<std::size_t>(chat.sink_index)] = false;
    desktop_message(o, 5, chat, in_group ? author : chat, msg_id, e, content_, forwarded, service);
    f.maybe_flush();
    counter = &counters_[alldata_counter_];
  } else {
    telethon_message(telethon_file_.buf(), chat, author, msg_id, e, content_, forwarded, service,
                     views, forwards);
    telethon_file_.maybe_flush();
    counter = &counters_[telethon_counter_];
    ++counter->lines;
  }
  ++counter->records;
  if (service) ++counter->events;

  if (service) return;
  Ref self;
  self.msg_id = msg_id;
  self.author = static_cast<std::int32_t>(&chat - accounts_.data());
  self.t_ms = e.t_ms;
  self.spec = e.spec;
  self.planned_shares = e.planned_shares;
  if (e.defines_item >= 0) {
    pool_.at(e.defines_item) = self;
    pool_.release(e.defines_item);
    if (e.campaign >= 0) {
      std::string item = "{\"platform\": \"telegram\", \"chat_id\": \"";
      item += chat.id;
      item += "\", \"message_id\": \"";
      append_int(item, msg_id);
      item += "\"}";
      campaigns_[static_cast<std::size_t>(e.campaign)].items.push_back(std::move(item));
    }
    if (e.viral >= 0) {
      Viral& v = virals_[static_cast<std::size_t>(e.viral)];
      v.message_id = std::to_string(msg_id);
      v.chat_id = chat.id;
    }
  }
  if (in_group) {
    group_ring(author).push(msg_id);
  } else if (e.type == EventType::kChannelPost && e.campaign < 0) {
    recent_tg_.push(self);
    if (e.spec.actor >= 0 && e.spec.stance > 0) recent_tg_actor_[e.spec.actor].push(self);
    // Now and then a channel pins what it just posted.
    GenRng pr = GenRng::stream(mix_seed(e.seq, 43));
    if (pr.chance(0.006)) {
      Event pin;
      pin.type = EventType::kPin;
      pin.account = e.account;
      pin.t_ms = e.t_ms + pr.between(30, 1800) * kSecondMs;
      pin.reply_msg = msg_id;
      push(pin);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Finishing

Status Generator::finish_alldata() {
  FileCounter& fc = counters_[alldata_counter_];
  OutFile out;
  GS_RETURN_IF_ERROR(out.open(out_ / fc.rel_path, 1 << 20));
  std::string& o = out.buf();
  o += "{\n \"about\": \"Here is the data you requested. Remember: Telegram is ad free, it doesn't "
       "collect your data and doesn't sell it to anyone.\",\n";
  o += " \"personal_information\": {\n  \"user_id\": 5123456789,\n  \"first_name\": "
       "\"Researcher\",\n"
       "  \"last_name\": \"\",\n  \"phone_number\": \"+0 000 000 0000\",\n  \"username\": \"\",\n"
       "  \"bio\": \"\"\n },\n";
  auto write_list = [&](const char* key, const char* about,
                        const std::vector<std::int32_t>& chats) -> Status {
    o += " \"";
    o += key;
    o += "\": {\n  \"about\": \"";
    o += about;
    o += "\",\n  \"list\": [";
    bool first_chat = true;
    for (std::int32_t idx : chats) {
      const Account& c = accounts_[static_cast<std::size_t>(idx)];
      o += first_chat ? "\n" : ",\n";
      first_chat = false;
      o += "   {\n";
      DesktopJson j{o, 4};
      j.str("name", c.name);
      j.str("type", c.tg_kind == TgKind::kGroup ? "public_supergroup" : "public_channel");
      j.num("id", static_cast<std::int64_t>(c.numeric_id));
      o += ",\n    \"messages\": [";
      OutFile& body = *alldata_bodies_[static_cast<std::size_t>(c.sink_index)];
      fs::path body_path = body.path();
      GS_RETURN_IF_ERROR(body.close());
      out.flush();
      std::FILE* in = std::fopen(body_path.c_str(), "rb");
      if (in == nullptr) return Status::IoError(body_path.string() + ": " + std::strerror(errno));
      std::string chunk(1 << 16, '\0');
      std::size_t got;
      while ((got = std::fread(chunk.data(), 1, chunk.size(), in)) > 0) {
        o.append(chunk.data(), got);
        out.maybe_flush();
      }
      std::fclose(in);
      std::error_code ec;
      fs::remove(body_path, ec);
      o += alldata_first_[static_cast<std::size_t>(c.sink_index)] ? "]\n   }" : "\n    ]\n   }";
    }
    o += "\n  ]\n }";
    return Status::Ok();
  };
  GS_RETURN_IF_ERROR(
      write_list("chats", "This page lists all chats from this export.", alldata_chats_));
  o += ",\n";
  GS_RETURN_IF_ERROR(write_list("left_chats",
                                "This page lists all supergroups and channels the user has left.",
                                left_chats_));
  o += "\n}\n";
  GS_RETURN_IF_ERROR(out.close());
  fc.bytes = out.bytes();
  std::error_code ec;
  fs::remove(out_ / ".generate-tmp", ec);
  return Status::Ok();
}

Status Generator::write_actors_toml() {
  OutFile f;
  GS_RETURN_IF_ERROR(f.open(out_ / "actors.toml", 1 << 16));
  std::string& o = f.buf();
  o += "# Actors of the synthetic dataset written by groundswell-generate (seed ";
  append_uint(o, opt_.seed);
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
    for (std::int32_t idx : actor_tg_official_[k]) sources.push_back(accounts_[idx].id);
    for (std::int32_t idx : actor_tw_official_[k]) sources.push_back("@" + accounts_[idx].handle);
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

Status Generator::write_truth(GenerateSummary& summary) {
  OutFile f;
  GS_RETURN_IF_ERROR(f.open(out_ / "truth.json", 1 << 20));
  std::string& o = f.buf();
  o += "{\n  \"generator\": \"groundswell-generate\",\n  \"schema_version\": 2,\n  \"seed\": ";
  append_uint(o, opt_.seed);
  o += ",\n  \"scale\": ";
  append_json_string(o, opt_.scale, false);
  o += ",\n  \"parameters\": {\"messages_requested\": ";
  append_int(o, opt_.messages);
  o += ", \"start\": \"";
  append_iso_seconds(o, start_ms_);
  o += "Z\", \"end\": \"";
  append_iso_seconds(o, end_ms_);
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

  o += "  \"actors\": [";
  for (int k = 0; k < kActorCount; ++k) {
    o += k == 0 ? "\n" : ",\n";
    o += "    {\"name\": ";
    append_json_string(o, actor_vocab(k).name, false);
    o += ", \"official\": [";
    bool first = true;
    for (const auto* list : {&actor_tw_official_[k], &actor_tg_official_[k]}) {
      for (std::int32_t idx : *list) {
        if (!first) o += ", ";
        first = false;
        append_member(o, accounts_[idx]);
      }
    }
    // Visible supporters by route; genuine ones are those that are no campaign's member.
    std::array<std::int64_t, 4> visible{}, genuine{};
    std::int64_t configured = 0;
    o += "],\n     \"genuine_supporters\": [";
    first = true;
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
      const Account& a = accounts_[i];
      configured += a.role == Role::kOrganic && a.actor == k;
      const Route route = route_of(i, k);
      if (route == Route::kNone) continue;
      ++visible[static_cast<std::size_t>(route)];
      if (a.role == Role::kCampaign) continue;
      ++genuine[static_cast<std::size_t>(route)];
      if (!first) o += ", ";
      first = false;
      append_member(o, a);
      o.pop_back();
      o += ", \"route\": \"";
      o += route == Route::kSource ? "sources" : route == Route::kOwnWords ? "own_words" : "reposts_only";
      o += "\", \"messages\": ";
      append_int(o, written_[i]);
      o += ", \"support_messages\": ";
      append_int(o, acts_[i][static_cast<std::size_t>(k)].support);
      o += '}';
      f.maybe_flush();
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
    // Support acts and what they report, by everyone and by those who are no campaign's
    // member (what the totals would be without the manufactured part).
    Totals all_acts, genuine_acts;
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
      const Totals& t = support_totals_[i][static_cast<std::size_t>(k)];
      for (Totals* sum : {&all_acts, &genuine_acts}) {
        if (sum == &genuine_acts && accounts_[i].role == Role::kCampaign) continue;
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
  o += "\n  ],\n  \"campaigns\": [";
  for (std::size_t i = 0; i < campaigns_.size(); ++i) {
    const Campaign& c = campaigns_[i];
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
      append_member(o, accounts_[c.members[m]]);
    }
    o += "],\n     \"items\": [";
    for (std::size_t m = 0; m < c.items.size(); ++m) {
      if (m > 0) o += ", ";
      o += c.items[m];
      f.maybe_flush();
    }
    o += "]}";
  }
  o += "\n  ],\n  \"lookalikes\": [";
  for (std::size_t i = 0; i < lookalikes_.size(); ++i) {
    const Lookalike& g = lookalikes_[i];
    const bool fans = g.kind == LookalikeKind::kNotificationFans;
    o += i == 0 ? "\n" : ",\n";
    o += "    {\"name\": ";
    append_json_string(o, g.name, false);
    o += fans ? ", \"kind\": \"notification_fans\"" : ", \"kind\": \"crowd\"";
    o += ", \"platform\": \"twitter\"";
    if (fans) {
      o += ", \"followed\": ";
      append_member(o, accounts_[static_cast<std::size_t>(g.followed)]);
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
      if (lookalike_written_[static_cast<std::size_t>(idx)] == 0) continue;
      if (!first_member) o += ", ";
      first_member = false;
      append_member(o, accounts_[static_cast<std::size_t>(idx)]);
      f.maybe_flush();
    }
    o += "]}";
  }
  o += "\n  ],\n  \"viral\": [";
  bool first_viral = true;
  for (const Viral& v : virals_) {
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
    append_json_string(o, accounts_[static_cast<std::size_t>(v.author)].id, false);
    o += ", \"time\": \"";
    append_iso_seconds(o, v.t_ms);
    o += "Z\", \"shares\": ";
    append_int(o, v.shares_written);
    o += '}';
  }
  o += "\n  ],\n  \"organic\": {";
  auto organic_list = [&](const char* key, const std::vector<std::int32_t>& list, bool last) {
    o += "\n    \"";
    o += key;
    std::int64_t active = 0;
    for (std::int32_t idx : list) active += written_[static_cast<std::size_t>(idx)] > 0;
    o += "\": {\"count\": ";
    append_int(o, active);
    o += ", \"configured\": ";
    append_int(o, static_cast<std::int64_t>(list.size()));
    o += ", \"accounts\": [";
    bool first_account = true;
    for (std::int32_t idx : list) {
      if (written_[static_cast<std::size_t>(idx)] == 0) continue;  // silent all month
      if (!first_account) o += ", ";
      first_account = false;
      append_json_string(o, accounts_[static_cast<std::size_t>(idx)].id, false);
      f.maybe_flush();
    }
    o += last ? "]}" : "]},";
  };
  std::vector<std::int32_t> twitter = tw_organic_;
  twitter.insert(twitter.end(), tw_organic_extra_.begin(), tw_organic_extra_.end());
  organic_list("twitter", twitter, false);
  organic_list("telegram_channels", tg_channels_organic_, false);
  organic_list("telegram_users", tg_users_organic_, true);
  o += "\n  }\n}\n";
  return f.close();
}

// A second run into the same directory must not leave the first run's files behind (channel
// folders are named after seeded usernames), but only the generator's own output is removed.
Status clear_previous_output(const fs::path& out) {
  std::error_code ec;
  const bool has_data = fs::exists(out / "data", ec);
  if (!has_data) return Status::Ok();
  if (!fs::exists(out / "truth.json", ec)) {
    return Status::InvalidArgument(
        (out / "data").string() +
        " exists and is not groundswell-generate output; choose another --out");
  }
  for (const char* name : {"data", "truth.json", "actors.toml", ".generate-tmp"}) {
    fs::remove_all(out / name, ec);
    if (ec) return Status::IoError((out / name).string() + ": " + ec.message());
  }
  return Status::Ok();
}

Result<GenerateSummary> Generator::run() {
  out_ = opt_.out_dir;
  GS_RETURN_IF_ERROR(clear_previous_output(out_));
  create_accounts();
  create_campaigns();
  create_lookalikes();
  create_scheduled_and_sleepers();
  mark_.assign(accounts_.size(), 0);
  written_.assign(accounts_.size(), 0);
  lookalike_written_.assign(accounts_.size(), 0);
  acts_.assign(accounts_.size(), {});
  support_totals_.assign(accounts_.size(), {});
  handles_.clear();
  numeric_ids_.clear();
  GS_RETURN_IF_ERROR(open_outputs());

  for (std::int64_t slot = start_ms_; slot < end_ms_; slot += kHourMs) {
    generate_slot(slot);
    const std::int64_t slot_end = slot + kHourMs;
    while (!queue_.empty() && queue_.top().t_ms < slot_end) {
      Event e = queue_.top();
      queue_.pop();
      emit(e);
    }
  }
  while (!queue_.empty()) {
    Event e = queue_.top();
    queue_.pop();
    emit(e);
  }
  twarc_flush();

  // Close everything and collect counts.
  GenerateSummary summary;
  GS_RETURN_IF_ERROR(twarc_file_.close());
  counters_[twarc_counter_].bytes = twarc_file_.bytes();
  GS_RETURN_IF_ERROR(io_tweets_file_.close());
  counters_[io_counter_].bytes = io_tweets_file_.bytes();
  GS_RETURN_IF_ERROR(io_users_file_.close());
  counters_[io_users_counter_].bytes = io_users_file_.bytes();
  GS_RETURN_IF_ERROR(telethon_file_.close());
  counters_[telethon_counter_].bytes = telethon_file_.bytes();
  for (std::size_t i = 0; i < desktop_files_.size(); ++i) {
    OutFile& f = *desktop_files_[i];
    f.buf() += desktop_first_[i] ? "]\n}\n" : "\n ]\n}\n";
    GS_RETURN_IF_ERROR(f.close());
    counters_[desktop_counter_[i]].bytes = f.bytes();
  }
  GS_RETURN_IF_ERROR(finish_alldata());

  std::vector<FileCounter> sorted = counters_;
  std::sort(sorted.begin(), sorted.end(),
            [](const FileCounter& a, const FileCounter& b) { return a.rel_path < b.rel_path; });
  for (const FileCounter& c : sorted) {
    summary.files.push_back(GeneratedFile{c.rel_path, c.format, c.records, c.events, c.lines,
                                          c.accounts, c.included_tweets, c.bytes});
    summary.records += c.records;
    summary.bytes += c.bytes;
  }
  summary.io_twarc2_overlap = io_overlap_;
  summary.unique_messages = summary.records - io_overlap_;
  GS_RETURN_IF_ERROR(write_actors_toml());
  GS_RETURN_IF_ERROR(write_truth(summary));
  return summary;
}

}  // namespace

Result<std::int64_t> messages_for_scale(std::string_view scale) {
  if (scale == "small") return std::int64_t{3000};
  if (scale == "demo") return std::int64_t{30000};
  if (scale == "1m") return std::int64_t{1000000};
  if (scale == "10m") return std::int64_t{10000000};
  return Status::InvalidArgument("unknown scale '" + std::string(scale) +
                                 "' (expected small, demo, 1m or 10m)");
}

Result<GenerateSummary> generate_dataset(const GenerateOptions& options) {
  if (options.out_dir.empty()) return Status::InvalidArgument("no output directory given");
  if (options.messages < 100 || options.messages > 200000000) {
    return Status::InvalidArgument("--messages must be between 100 and 200000000");
  }
  if (options.days < 7 || options.days > 366) {
    return Status::InvalidArgument("the simulated period must be 7 to 366 days");
  }
  try {
    auto generator = std::make_unique<Generator>(options);
    return generator->run();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("generator failed: ") + e.what());
  }
}

}  // namespace groundswell
