// The month of a synthetic dataset (generate_sim.h): hour by hour, the organic activity, the
// campaigns, the viral bursts and the look-alikes put their messages into one time-ordered
// queue; each message is handed to the writer of its format when its time comes.
#include "eval/generate_sim.h"

#include <algorithm>
#include <memory>
#include <queue>
#include <string>
#include <vector>

namespace groundswell::gen {
namespace {

// The queue's order: by time, then by number (seq).
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

// The last `capacity` values pushed, for random picks among recent posts.
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

// A message of campaign `campaign`: `type` by `account` (a member, or the movement's account
// whose post the members amplify) at `t_ms`; the caller adds what it says or refers to.
Event campaign_event(EventType type, std::int32_t account, std::int16_t campaign,
                     std::int64_t t_ms) {
  Event e;
  e.type = type;
  e.account = account;
  e.campaign = campaign;
  e.t_ms = t_ms;
  return e;
}

// A sharer's `type` event in viral burst `vidx`, `minutes` after the burst's post (one second
// at least), which fills pool `slot`.
Event burst_share(const Viral& v, std::int32_t vidx, std::int32_t slot, EventType type,
                  std::int32_t sharer, double minutes) {
  Event e;
  e.type = type;
  e.account = sharer;
  e.t_ms = v.t_ms + 1000 + static_cast<std::int64_t>(minutes * static_cast<double>(kMinuteMs));
  e.target_item = slot;
  e.viral = vidx;
  e.flags = kViral;
  return e;
}

// A written message as the later events that refer to it see it: its author (for Telegram
// the chat), time, content and the references planned to it; the caller adds its id.
Ref written_ref(const Event& e, std::int32_t author) {
  Ref r;
  r.author = author;
  r.t_ms = e.t_ms;
  r.spec = e.spec;
  r.planned_shares = e.planned_shares;
  return r;
}

// A campaign's item as truth.json lists it: {"key": "value"}.
std::string json_item(std::string_view key, std::string_view value) {
  std::string item = "{\"";
  item += key;
  item += "\": ";
  append_json_string(item, value, false);
  item += '}';
  return item;
}

// The simulation's state: the queue, the messages still referred to, the recent posts others
// share, the running ids; the world it plays and the writers it feeds belong to the caller.
class Simulation {
 public:
  Simulation(const GenerateOptions& options, const Scale& scale, World& world, Randomness& random,
             Outputs& out)
      : opt_(options),
        scale_(scale),
        world_(world),
        rng_(random.main),
        case_rng_(random.cases),
        out_(out),
        text_context_(world.text_context()),
        recent_tw_(4096),
        recent_tg_(1024),
        recent_group_(256),
        recent_telethon_group_(256),
        tweet_text_(world) {
    for (int a = 0; a < kActorCount; ++a) {
      recent_tw_actor_.emplace_back(512);
      recent_tg_actor_.emplace_back(256);
    }
    mark_.assign(world.accounts.size(), 0);
  }

  // Plays the period; returns the tweets written both in the IO archive and in twarc2.
  std::int64_t run();

 private:
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
  // A campaign's item: `post` fills a new pool slot, each of `sharers` re-shares it (a `share`
  // event) delay() after it, and `more` other references to it are planned; returns the slot.
  template <typename Delay>
  std::int32_t shared_item(Event post, EventType share, const std::vector<std::int32_t>& sharers,
                           std::int64_t more, Delay&& delay);
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
  void copy_paste_item(Campaign& c, std::int16_t cidx, std::int64_t t, const ContentSpec& base,
                       const std::vector<std::int32_t>& joining);
  void co_link_item(Campaign& c, std::int16_t cidx, std::int64_t t, const ContentSpec& base,
                    const std::vector<std::int32_t>& joining);
  void forward_ring_item(Campaign& c, std::int16_t cidx, std::int64_t t, const ContentSpec& base,
                         const std::vector<std::int32_t>& joining);
  void viral_slot(std::int64_t slot_start);
  std::vector<std::int32_t> draw_sharers(const std::vector<std::int32_t>& from, std::int32_t author,
                                         std::size_t want);
  std::int32_t burst_post(const Viral& v, std::int32_t vidx, EventType type, std::size_t shares);
  void twitter_burst(Viral& v, std::int32_t vidx);
  void telegram_burst(Viral& v, std::int32_t vidx);
  std::int64_t member_delay(const Campaign& c, GenRng& rng);
  void emit(Event& e);
  void emit_twitter(Event& e);
  std::uint64_t next_tweet_id(std::int64_t t_ms);
  void tweet_written(const Event& e, const Ref& self, const Account& a);
  void emit_telegram(Event& e);
  void telegram_content(const Event& e, bool service, bool forward);
  void telegram_written(const Event& e, const Account& chat, const Account& author,
                        std::int32_t msg_id, bool in_group);
  void record_acts(const Event& e);

  const GenerateOptions& opt_;
  const Scale& scale_;
  World& world_;
  GenRng& rng_;
  GenRng& case_rng_;
  Outputs& out_;
  const TextContext text_context_;

  std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
  std::uint64_t next_seq_ = 0;
  static constexpr std::uint64_t kCaseSeq = 1ULL << 62;
  std::uint64_t next_case_seq_ = 0;
  bool adding_cases_ = false;
  ItemPool pool_;
  // Recent posts others may re-share: all, and per movement those that support it.
  Ring<Ref> recent_tw_;
  std::vector<Ring<Ref>> recent_tw_actor_;
  Ring<Ref> recent_tg_;
  std::vector<Ring<Ref>> recent_tg_actor_;
  // Recent messages of each group, that others reply to.
  Ring<std::int32_t> recent_group_;
  Ring<std::int32_t> recent_telethon_group_;
  Ring<std::int32_t>& group_ring(const Account& user) {
    return user.home_group == world_.telethon_group ? recent_telethon_group_ : recent_group_;
  }
  std::size_t next_viral_ = 0;
  std::vector<std::uint32_t> mark_;  // account index -> last burst that drew it
  std::uint32_t mark_stamp_ = 0;
  std::vector<Event> retweets_;  // fan_retweets' output, reused
  std::int64_t last_tweet_ms_ = -1;
  std::uint32_t tweet_seq_in_ms_ = 0;
  std::int64_t next_grouped_id_ = 13600000000000000LL;
  std::int64_t io_overlap_ = 0;
  Content content_;
  std::string text_;
  TweetText tweet_text_;
  // What the message being written reports; record_acts() adds it to the totals of the actors
  // it supports.
  Metrics written_metrics_;
};

ContentSpec Simulation::random_spec(const Account& a, GenRng& rng, bool twitter) {
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
void Simulation::organic_tweet_action(Event& e, const Account& a, GenRng& rng) {
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
    e.target =
        world_.accounts[r1.author].followers >= world_.accounts[r2.author].followers ? r1 : r2;
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

void Simulation::organic_twitter(std::int64_t slot_start) {
  double hours =
      static_cast<double>(world_.end_ms - world_.start_ms) / static_cast<double>(kHourMs);
  double organic_share = 0.72;
  double rate = static_cast<double>(scale_.messages) * scale_.tw_share * organic_share / hours;
  for (const ActivityPool& pool : world_.tw_pools) {
    if (pool.members.empty()) continue;
    int wd = weekday_of(slot_start + pool.tz_min * kMinuteMs);
    double weekend = (wd == 4 || wd == 5) ? 0.85 : 1.0;  // Iranian weekend feel, mild
    double mean = rate * pool.weight * diurnal(slot_start + kHourMs / 2, pool.tz_min) * weekend;
    std::int64_t n = rng_.poisson(mean);
    for (std::int64_t k = 0; k < n; ++k) {
      Event e;
      e.account = pool.members[pool.alias.sample(rng_)];
      e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
      organic_tweet_action(e, world_.accounts[e.account], rng_);
      push(std::move(e));
    }
  }
  // Actors' official accounts post steadily in the day.
  for (int k = 0; k < kActorCount; ++k) {
    for (std::int32_t idx : world_.actor_tw_official[k]) {
      double per_hour =
          std::max(0.02, static_cast<double>(scale_.messages) * 0.012 / (6.0 * 744.0));
      double mean = per_hour * diurnal(slot_start, kTehran);
      std::int64_t n = rng_.poisson(mean);
      for (std::int64_t j = 0; j < n; ++j) {
        Event e;
        e.type = EventType::kTweet;
        e.account = idx;
        e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
        e.spec = random_spec(world_.accounts[idx], rng_, true);
        push(std::move(e));
      }
    }
  }
}

void Simulation::organic_telegram(std::int64_t slot_start) {
  double hours =
      static_cast<double>(world_.end_ms - world_.start_ms) / static_cast<double>(kHourMs);
  double n_msgs = static_cast<double>(scale_.messages);
  double channel_rate = n_msgs * scale_.tg_channel_share * 0.85 / hours;
  double group_rate = n_msgs * scale_.tg_group_share * 0.92 / hours;
  double f = diurnal(slot_start + kHourMs / 2, kTehran);
  std::int64_t n = rng_.poisson(channel_rate * f);
  for (std::int64_t k = 0; k < n; ++k) {
    Event e;
    e.account = world_.tg_channel_pool.members[world_.tg_channel_pool.alias.sample(rng_)];
    e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
    const Account& a = world_.accounts[e.account];
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
    e.account = world_.tg_user_pool.members[world_.tg_user_pool.alias.sample(rng_)];
    e.t_ms = slot_start + static_cast<std::int64_t>(rng_.below(kHourMs));
    e.spec = random_spec(world_.accounts[e.account], rng_, false);
    Ring<std::int32_t>& ring = group_ring(world_.accounts[e.account]);
    if (!ring.empty() && rng_.chance(0.35)) {
      e.reply_msg = ring.latest_random(rng_, 40);
    } else if (!recent_tg_.empty() && rng_.chance(0.05)) {
      e.target = recent_tg_.latest_random(rng_, 256);
      e.type = EventType::kChannelForward;  // forwarded into the group
    }
    push(std::move(e));
  }
}

std::int64_t Simulation::member_delay(const Campaign& c, GenRng& rng) {
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

template <typename Delay>
std::int32_t Simulation::shared_item(Event post, EventType share,
                                     const std::vector<std::int32_t>& sharers, std::int64_t more,
                                     Delay&& delay) {
  const auto shares = static_cast<std::int32_t>(static_cast<std::int64_t>(sharers.size()) + more);
  post.defines_item = pool_.allocate(shares);
  post.planned_shares = shares;
  push(post);
  for (std::int32_t m : sharers) {
    Event e = campaign_event(share, m, post.campaign, post.t_ms + delay());
    e.target_item = post.defines_item;
    push(e);
  }
  return post.defines_item;
}

// A co-share item: one of the movement's official accounts posts at t, the joining members
// retweet it after delay() each, and a few organic accounts retweet it hours later.
template <typename Delay>
void Simulation::co_share_item(std::int16_t cidx, int actor, std::int64_t t, ContentSpec base,
                               const std::vector<std::int32_t>& joining, GenRng& rng,
                               Delay&& delay) {
  const auto& officials = world_.actor_tw_official[static_cast<std::size_t>(actor)];
  std::int32_t author = officials[rng.below(officials.size())];
  base.lang = world_.accounts[author].lang;
  std::int64_t genuine = rng.poisson(2.0);
  // The campaign marks the item for truth; the author is not a member.
  Event o = campaign_event(EventType::kTweet, author, cidx, t);
  o.spec = base;
  const std::int32_t slot = shared_item(o, EventType::kRetweet, joining, genuine, delay);
  for (std::int64_t g = 0; g < genuine; ++g) {
    Event e;
    e.type = EventType::kRetweet;
    e.account = world_.tw_organic[rng.below(world_.tw_organic.size())];
    e.t_ms = t + static_cast<std::int64_t>(rng.exponential(90.0 * kMinuteMs) + 60000);
    e.t_ms = std::min(e.t_ms, t + 3 * kHourMs);
    e.target_item = slot;
    push(e);
  }
}

void Simulation::trigger_campaign(Campaign& c, int index, std::int64_t t) {
  const auto cidx = static_cast<std::int16_t>(index);
  std::vector<std::int32_t> joining = joining_members(c, rng_);
  ContentSpec base = campaign_base_spec(c, rng_);
  switch (c.kind) {
    case CampaignKind::kCoShare:
      // The movement's account posts; the amplifiers retweet it within seconds.
      co_share_item(cidx, c.actor, t, base, joining, rng_, [&] { return member_delay(c, rng_); });
      break;
    case CampaignKind::kCopyPaste:
      copy_paste_item(c, cidx, t, base, joining);
      break;
    case CampaignKind::kCoLink:
      co_link_item(c, cidx, t, base, joining);
      break;
    case CampaignKind::kForwardRing:
      forward_ring_item(c, cidx, t, base, joining);
      break;
    case CampaignKind::kScheduled:
      break;  // scheduled_slot()
  }
}

// Copy-paste: the members post the same text, each copy disguised (spelling variants,
// tracking parameters, and for the evasive ones a word changed).
void Simulation::copy_paste_item(Campaign& c, std::int16_t cidx, std::int64_t t,
                                 const ContentSpec& base,
                                 const std::vector<std::int32_t>& joining) {
  build_content(base, text_context_, &content_);
  content_.flatten(&text_);
  c.items.push_back(json_item("text", text_));
  for (std::int32_t m : joining) {
    Event e = campaign_event(c.in_group ? EventType::kGroupMessage : EventType::kTweet, m, cidx,
                             t + member_delay(c, rng_));
    e.spec = base;
    e.flags = kVariant | kTrackUrl | (c.evasive ? kNearDuplicate : 0);
    e.variant_seed = rng_.next();
    push(e);
  }
}

// Co-link: the members post their own words around one link.
void Simulation::co_link_item(Campaign& c, std::int16_t cidx, std::int64_t t,
                              const ContentSpec& base, const std::vector<std::int32_t>& joining) {
  ContentSpec link = base;
  link.url_kind = 2;
  link.url_seed = rng_.next() | 1;
  build_content(link, text_context_, &content_);
  for (std::size_t i = 0; i < content_.size(); ++i) {
    if (content_[i].kind == PieceKind::kUrl) c.items.push_back(json_item("url", content_[i].text));
  }
  for (std::int32_t m : joining) {
    Event e = campaign_event(EventType::kTweet, m, cidx, t + member_delay(c, rng_));
    e.spec = link;
    e.spec.seed = rng_.next();  // own words around the same link
    e.spec.lang = world_.accounts[m].lang;
    e.flags = kTrackUrl;
    e.variant_seed = rng_.next();
    push(e);
  }
}

// Forward ring: one member channel posts, the others forward it.
void Simulation::forward_ring_item(Campaign& c, std::int16_t cidx, std::int64_t t,
                                   const ContentSpec& base,
                                   const std::vector<std::int32_t>& joining) {
  std::int32_t source = c.members[rng_.below(c.members.size())];
  std::vector<std::int32_t> forwarders;
  for (std::int32_t m : joining) {
    if (m != source) forwarders.push_back(m);
  }
  Event o = campaign_event(EventType::kChannelPost, source, cidx, t);
  o.spec = base;
  shared_item(o, EventType::kChannelForward, forwarders, 0, [&] { return member_delay(c, rng_); });
}

void Simulation::campaign_slot(Campaign& c, int index, std::int64_t slot_start) {
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
    const Account& a = world_.accounts[e.account];
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
void Simulation::scheduled_slot(Campaign& c, int index, std::int64_t slot_start) {
  GenRng& rng = case_rng_;
  const std::int64_t slot_end = slot_start + kHourMs;
  for (; c.next_trigger < c.triggers.size() && c.triggers[c.next_trigger] < slot_end;
       ++c.next_trigger) {
    const std::int64_t t = c.triggers[c.next_trigger];
    std::int64_t posts = 0;
    for (std::int32_t m : c.members) {
      if (!rng.chance(c.participation)) continue;
      Event e = campaign_event(EventType::kTweet, m, static_cast<std::int16_t>(index),
                               t + static_cast<std::int64_t>(rng.below(kScheduleSlotMs)));
      e.spec.seed = rng.next();
      e.spec.lang = world_.accounts[m].lang;
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
void Simulation::sleeper_slot(Campaign& c, int index, std::int64_t slot_start) {
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
    const Account& a = world_.accounts[m];
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

void Simulation::lookalike_slot(Lookalike& g, int index, std::int64_t slot_start) {
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
        e.spec.lang = world_.accounts[m].lang;
        e.spec.topic = Topic::kMatch;
        push(e);
      }
    }
    return;
  }
  // Notification fans: each post of the followed account, and each fan's retweet of it.
  for (; g.next_post < g.posts.size() && g.posts[g.next_post] < slot_end; ++g.next_post) {
    const std::int64_t t = g.posts[g.next_post];
    const Account& author = world_.accounts[static_cast<std::size_t>(g.followed)];
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

void Simulation::fan_retweets(const Lookalike& g, int index, std::int64_t t, GenRng& rng,
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

void Simulation::viral_slot(std::int64_t slot_start) {
  const std::int64_t slot_end = slot_start + kHourMs;
  while (next_viral_ < world_.virals.size() && world_.virals[next_viral_].t_ms < slot_end) {
    Viral& v = world_.virals[next_viral_];
    auto vidx = static_cast<std::int32_t>(next_viral_);
    ++next_viral_;
    ++mark_stamp_;
    if (v.platform == Platform::kTwitter) {
      twitter_burst(v, vidx);
    } else {
      telegram_burst(v, vidx);
    }
  }
}

// `want` accounts of `from` other than `author`, each at most once, at random.
std::vector<std::int32_t> Simulation::draw_sharers(const std::vector<std::int32_t>& from,
                                                   std::int32_t author, std::size_t want) {
  std::vector<std::int32_t> sharers;
  while (sharers.size() < want) {
    std::int32_t s = from[rng_.below(from.size())];
    if (s == author || mark_[s] == mark_stamp_) continue;
    mark_[s] = mark_stamp_;
    sharers.push_back(s);
  }
  return sharers;
}

// A burst's post (a channel's with a photo), whose item its `shares` sharers refer to.
std::int32_t Simulation::burst_post(const Viral& v, std::int32_t vidx, EventType type,
                                    std::size_t shares) {
  const bool twitter = type == EventType::kTweet;
  std::int32_t slot = pool_.allocate(static_cast<std::int32_t>(shares));
  Event o;
  o.type = type;
  o.account = v.author;
  o.t_ms = v.t_ms;
  o.spec = random_spec(world_.accounts[v.author], rng_, twitter);
  o.defines_item = slot;
  o.viral = vidx;
  o.planned_shares = static_cast<std::int32_t>(shares);
  if (!twitter) o.flags = kPhoto;
  push(o);
  return slot;
}

// A popular account's tweet (sometimes a movement's), retweeted, quoted and replied to by
// many within minutes.
void Simulation::twitter_burst(Viral& v, std::int32_t vidx) {
  std::int32_t author = world_.popular_tw[rng_.below(world_.popular_tw.size())];
  v.author = author;
  const std::vector<std::int32_t> sharers =
      draw_sharers(world_.tw_organic, author, static_cast<std::size_t>(v.size));
  const std::int32_t slot = burst_post(v, vidx, EventType::kTweet, sharers.size());
  for (std::int32_t s : sharers) {
    const double u = rng_.unit();
    const EventType type =
        u < 0.88 ? EventType::kRetweet : (u < 0.95 ? EventType::kQuote : EventType::kReply);
    const double minutes = std::min(rng_.lognormal(3.0, 1.0), 300.0);
    Event e = burst_share(v, vidx, slot, type, s, minutes);
    if (e.type != EventType::kRetweet) {
      e.spec = random_spec(world_.accounts[s], rng_, false);
      e.spec.url_kind = 0;
    }
    push(e);
  }
}

// A well-followed channel's photo post, forwarded by many channels within minutes.
void Simulation::telegram_burst(Viral& v, std::int32_t vidx) {
  std::int32_t author = world_.tg_channels_organic[rng_.below(world_.tg_channels_organic.size())];
  for (int tries = 0; tries < 8; ++tries) {
    std::int32_t cand = world_.tg_channels_organic[rng_.below(world_.tg_channels_organic.size())];
    if (world_.accounts[cand].followers > world_.accounts[author].followers) author = cand;
  }
  v.author = author;
  const std::vector<std::int32_t> sharers =
      draw_sharers(world_.tg_channels_organic, author,
                   std::min<std::size_t>(static_cast<std::size_t>(v.size),
                                         world_.tg_channels_organic.size() - 1));
  const std::int32_t slot = burst_post(v, vidx, EventType::kChannelPost, sharers.size());
  for (std::int32_t s : sharers) {
    const double minutes = std::min(rng_.lognormal(9.0, 0.9), 300.0);
    push(burst_share(v, vidx, slot, EventType::kChannelForward, s, minutes));
  }
}

void Simulation::generate_slot(std::int64_t slot_start) {
  organic_twitter(slot_start);
  organic_telegram(slot_start);
  auto added = [](const Campaign& c) { return c.kind == CampaignKind::kScheduled || c.signalled; };
  for (std::size_t i = 0; i < world_.campaigns.size(); ++i) {
    if (!added(world_.campaigns[i]))
      campaign_slot(world_.campaigns[i], static_cast<int>(i), slot_start);
  }
  viral_slot(slot_start);
  adding_cases_ = true;
  for (std::size_t i = 0; i < world_.campaigns.size(); ++i) {
    Campaign& c = world_.campaigns[i];
    if (c.kind == CampaignKind::kScheduled) {
      scheduled_slot(c, static_cast<int>(i), slot_start);
    } else if (c.signalled) {
      sleeper_slot(c, static_cast<int>(i), slot_start);
    }
  }
  for (std::size_t i = 0; i < world_.lookalikes.size(); ++i) {
    lookalike_slot(world_.lookalikes[i], static_cast<int>(i), slot_start);
  }
  adding_cases_ = false;
}

void Simulation::emit(Event& e) {
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
  if (e.campaign >= 0 && world_.accounts[e.account].campaign == e.campaign) {
    Campaign& c = world_.campaigns[static_cast<std::size_t>(e.campaign)];
    if ((e.flags & kFiller) != 0) {
      ++c.filler_messages;
    } else {
      ++c.coordinated_messages;
    }
  }
  if (e.viral >= 0 && (e.flags & kViral) != 0)
    ++world_.virals[static_cast<std::size_t>(e.viral)].shares_written;
  if (e.lookalike >= 0) {
    Lookalike& g = world_.lookalikes[static_cast<std::size_t>(e.lookalike)];
    if (e.account == g.followed) {
      ++g.followed_posts;
    } else {
      ++g.messages;
      ++world_.lookalike_written[static_cast<std::size_t>(e.account)];
    }
  }
  if (e.type != EventType::kPin) {
    ++world_.written[static_cast<std::size_t>(e.account)];
    record_acts(e);
  }
}

// What a message expresses about each movement, from what the generator chose to write (its
// content spec, and who wrote the post it re-posts), never from the text: an official
// account's every message supports its movement; own words (a tweet, reply, quote, channel
// post, group message) support or oppose the movement their spec names; a retweet or forward
// takes the stance of the post it re-posts, and supports the movement whose official account
// wrote that post.
void Simulation::record_acts(const Event& e) {
  const auto acc = static_cast<std::size_t>(e.account);
  const bool repost = e.type == EventType::kRetweet || e.type == EventType::kChannelForward;
  std::uint32_t support = 0, opposition = 0;
  auto official_of = [&](std::int32_t idx) -> int {
    if (idx < 0) return -1;
    const Account& a = world_.accounts[static_cast<std::size_t>(idx)];
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
    Acts& a = world_.acts[acc][static_cast<std::size_t>(k)];
    if (support >> k & 1) {
      ++a.support;
      a.own_support += !repost;
      Totals& t = world_.support_totals[acc][static_cast<std::size_t>(k)];
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

// Snowflake ids: time in the high bits, a per-millisecond sequence in the low bits; the
// queue hands out events in time order, so ids are unique and increase with time.
std::uint64_t Simulation::next_tweet_id(std::int64_t t_ms) {
  if (t_ms != last_tweet_ms_) {
    last_tweet_ms_ = t_ms;
    tweet_seq_in_ms_ = 0;
  }
  return (static_cast<std::uint64_t>(t_ms - kTwitterEpochMs) << 22) | tweet_seq_in_ms_++;
}

void Simulation::emit_twitter(Event& e) {
  const Account& a = world_.accounts[static_cast<std::size_t>(e.account)];
  const std::uint64_t id = next_tweet_id(e.t_ms);
  const Ref* target = e.type == EventType::kTweet ? nullptr : &e.target;
  tweet_text_.compose(e, id, target);

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
  const Tweet tweet{e, id, a, target, likes, retweets, replies, quotes, tweet_text_};
  if (a.io) {
    out_.io_archive.add(tweet);
    if (captured) ++io_overlap_;
  }
  if (captured) out_.twarc2.add(tweet);
  // Both copies report the same counts; only twarc2 has impressions (0 for a retweet).
  written_metrics_.forwards = retweets;
  written_metrics_.reactions = likes;
  written_metrics_.replies = replies;
  if (captured) written_metrics_.views = impressions(e, a, likes);

  Ref self = written_ref(e, e.account);
  self.tw_id = id;
  self.captured = captured;
  tweet_written(e, self, a);
}

// A tweet written: the item it defines for the events that refer to it (a campaign's or a
// burst's post), a post others may re-share, a post the notification fans follow.
void Simulation::tweet_written(const Event& e, const Ref& self, const Account& a) {
  const std::uint64_t id = self.tw_id;
  if (e.defines_item >= 0) {
    pool_.at(e.defines_item) = self;
    pool_.release(e.defines_item);
    if (e.campaign >= 0) {
      std::string item = "{\"platform\": \"twitter\", \"message_id\": \"";
      append_uint(item, id);
      item += "\", \"account_id\": \"";
      item += a.id;
      item += "\"}";
      world_.campaigns[static_cast<std::size_t>(e.campaign)].items.push_back(std::move(item));
    }
    if (e.viral >= 0) {
      Viral& v = world_.virals[static_cast<std::size_t>(e.viral)];
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
    for (std::size_t i = 0; i < world_.lookalikes.size(); ++i) {
      Lookalike& g = world_.lookalikes[i];
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

void Simulation::emit_telegram(Event& e) {
  const bool in_group =
      e.type == EventType::kGroupMessage ||
      (e.type == EventType::kChannelForward &&
       world_.accounts[static_cast<std::size_t>(e.account)].tg_kind == TgKind::kUser);
  Account& author = world_.accounts[static_cast<std::size_t>(e.account)];
  Account& chat = in_group ? world_.accounts[static_cast<std::size_t>(
                                 author.home_group >= 0 ? author.home_group : world_.group)]
                           : author;
  const bool service = e.type == EventType::kPin;
  const bool forward = e.type == EventType::kChannelForward;
  const Ref* forwarded = forward ? &e.target : nullptr;
  std::int32_t msg_id = chat.next_msg_id++;

  telegram_content(e, service, forward);

  std::int64_t views = 0, forwards = 0;
  if (chat.tg_kind == TgKind::kChannel) {
    GenRng vr = GenRng::stream(mix_seed(e.seq, 41));
    views =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(chat.followers) *
                                                            chat.err * vr.lognormal(1.0, 0.35)));
    forwards = e.planned_shares + vr.poisson(static_cast<double>(views) * 0.002);
  }

  const TelegramMessage m{e, chat, author, msg_id, content_, forwarded, service, views, forwards};
  written_metrics_ = chat.sink == TgSink::kDesktop || chat.sink == TgSink::kAllData
                         ? out_.desktop.add(m)
                         : out_.telethon.add(m);

  if (!service) telegram_written(e, chat, author, msg_id, in_group);
}

// The text of a Telegram message (a forward's is its original's): copy-paste disguises, and
// now and then links hidden behind words, as channels do.
void Simulation::telegram_content(const Event& e, bool service, bool forward) {
  if (service) {
    content_.clear();
    return;
  }
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
}

// A Telegram message written: the item it defines for the events that refer to it, a message
// its group may reply to, or a channel post others may forward (and that its channel may pin).
void Simulation::telegram_written(const Event& e, const Account& chat, const Account& author,
                                  std::int32_t msg_id, bool in_group) {
  Ref self = written_ref(e, static_cast<std::int32_t>(&chat - world_.accounts.data()));
  self.msg_id = msg_id;
  if (e.defines_item >= 0) {
    pool_.at(e.defines_item) = self;
    pool_.release(e.defines_item);
    if (e.campaign >= 0) {
      std::string item = "{\"platform\": \"telegram\", \"chat_id\": \"";
      item += chat.id;
      item += "\", \"message_id\": \"";
      append_int(item, msg_id);
      item += "\"}";
      world_.campaigns[static_cast<std::size_t>(e.campaign)].items.push_back(std::move(item));
    }
    if (e.viral >= 0) {
      Viral& v = world_.virals[static_cast<std::size_t>(e.viral)];
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

std::int64_t Simulation::run() {
  for (std::int64_t slot = world_.start_ms; slot < world_.end_ms; slot += kHourMs) {
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
  return io_overlap_;
}

}  // namespace

std::int64_t simulate(const GenerateOptions& options, const Scale& scale, World& world,
                      Randomness& random, Outputs& outputs) {
  auto simulation = std::make_unique<Simulation>(options, scale, world, random, outputs);
  return simulation->run();
}

}  // namespace groundswell::gen
