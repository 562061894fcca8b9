// Test helper: an in-memory Dataset with known genuine supporters and planted campaigns, so
// signals and estimation are tested against ground truth without ingest or the generator.
//
// March 2024 on one platform: organic accounts (old, varied handles and bios, daily rhythms in
// several time zones, heavy-tailed activity), some of them genuine supporters or opponents of
// "Green Horizon Front" / "Iron Banner Party", one official Telegram channel per actor, and
// campaigns of accounts created in a burst, with name+digits handles, a shared bio, few
// followers, office-hours posting at UTC+03:30 with a lunch pause and copy-pasted texts.
// Deterministic for a seed (own splitmix64 stream, no std distributions).
// Thread-safety: plain functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "store/dataset.h"

namespace groundswell::testing {

struct PopulationOptions {
  int organic = 500;
  double green_supporters = 0.2;  // share of organic accounts
  double iron_supporters = 0.1;
  double green_opponents = 0.06;  // use Green's keyword with the opposition hashtag
  int campaigns = 3;
  int campaign_size = 40;
};

struct Population {
  Dataset data;
  std::vector<std::int32_t> campaign_of;                  // per account, -1 = organic / official
  std::vector<std::uint8_t> green_genuine, iron_genuine;  // per account (officials included)
  int green_genuine_count = 0, iron_genuine_count = 0;
};

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(uniform() * n); }
  bool chance(double p) { return uniform() < p; }

 private:
  std::uint64_t s_;
};

inline Population make_population(std::uint64_t seed, const PopulationOptions& opt = {}) {
  SplitMix rng(seed * 7919 + 17);
  Population pop;
  Dataset& d = pop.data;
  constexpr TimeMs kMarch = 1709251200000LL;  // 2024-03-01T00:00:00Z, a Friday
  constexpr TimeMs kDay = 86'400'000, kHour = 3'600'000, kMinute = 60'000;
  static const char* kSyl[] = {"ka", "ro",  "mi", "sa", "to", "len", "dar", "vi",  "no", "pe",
                               "li", "zan", "ma", "ri", "go", "bel", "ta",  "shi", "ne", "fa"};
  static const char* kWords[] = {"today",  "market", "river", "school",  "weather",  "friends",
                                 "music",  "garden", "train", "coffee",  "football", "book",
                                 "city",   "family", "movie", "dinner",  "holiday",  "price",
                                 "street", "news",   "work",  "morning", "night",    "photo"};
  auto word = [&] { return std::string(kWords[rng.below(24)]); };
  auto name = [&] {
    std::string s;
    int n = 2 + static_cast<int>(rng.below(2));
    for (int i = 0; i < n; ++i) s += kSyl[rng.below(20)];
    return s;
  };
  struct Msg {
    TimeMs time;
    std::uint32_t account;
    std::string text, shares;
    std::int64_t views = kAbsent, likes = kAbsent, retweets = kAbsent, replies = kAbsent;
  };
  std::vector<Msg> msgs;
  auto add_account = [&](std::string platform, std::string id, std::string handle,
                         std::string display, std::string bio, std::string kind, TimeMs created,
                         std::int64_t followers, std::int64_t following) {
    auto idx = static_cast<std::uint32_t>(d.account_row.size());
    d.account_row.push_back(idx + 1);
    d.account_platform.push_back(platform);
    d.account_id.push_back(id);
    d.account_handle.push_back(handle);
    d.account_display_name.push_back(display);
    d.account_description.push_back(bio);
    d.account_kind.push_back(kind);
    d.account_created_at.push_back(created);
    d.account_followers.push_back(followers);
    d.account_following.push_back(following);
    pop.campaign_of.push_back(-1);
    pop.green_genuine.push_back(0);
    pop.iron_genuine.push_back(0);
    return idx;
  };
  auto engagement = [&](Msg& m) {
    m.likes = rng.below(20);
    m.retweets = rng.below(5);
    m.replies = rng.below(3);
  };

  // Official channels, one per actor.
  for (int k = 0; k < 2; ++k) {
    std::uint32_t ch = add_account("telegram", k == 0 ? "channel1001" : "channel1002",
                                   k == 0 ? "greenhorizon" : "ironbanner",
                                   k == 0 ? "Green Horizon" : "Iron Banner", "official channel",
                                   "channel", kMarch - 900 * kDay, 20000 + 5000 * k, kAbsent);
    (k == 0 ? pop.green_genuine : pop.iron_genuine)[ch] = 1;
    for (int p = 0; p < 40; ++p) {
      Msg m{kMarch + rng.below(31 * kDay), ch,
            "official update " + word() + " " + word() + " " + std::to_string(p), ""};
      m.views = 3000 + rng.below(4000);
      m.likes = rng.below(300);
      m.retweets = rng.below(80);
      m.replies = rng.below(40);
      msgs.push_back(m);
    }
  }

  // Organic accounts.
  static const int kOffsets[] = {0, 60, 120, 210, 330, -300, -480, 540};
  for (int i = 0; i < opt.organic; ++i) {
    std::string handle = name();
    if (rng.chance(0.25))
      handle += std::to_string(10 + rng.below(90));
    else if (rng.chance(0.1))
      handle += std::to_string(1960 + rng.below(50));
    std::string bio = rng.chance(0.85) ? "I like " + word() + " and " + word() + " " + name() : "";
    TimeMs created = kMarch - (60 + rng.below(12 * 365)) * kDay - rng.below(kDay);
    auto followers = static_cast<std::int64_t>(std::exp(2 + 5 * rng.uniform()));
    auto following = static_cast<std::int64_t>(std::exp(3 + 3 * rng.uniform()));
    std::uint32_t a = add_account("twitter", "u" + std::to_string(i), handle, name(), bio, "user",
                                  created, followers, following);
    double u = rng.uniform();
    int stance = 0;  // 1 green supporter, 2 iron supporter, 3 green opponent
    if (u < opt.green_supporters)
      stance = 1;
    else if (u < opt.green_supporters + opt.iron_supporters)
      stance = 2;
    else if (u < opt.green_supporters + opt.iron_supporters + opt.green_opponents)
      stance = 3;
    if (stance == 1) pop.green_genuine[a] = 1;
    if (stance == 2) pop.iron_genuine[a] = 1;
    int offset = kOffsets[rng.below(8)];
    int posts = 1 + static_cast<int>(std::exp(4 * rng.uniform()));
    for (int p = 0; p < posts; ++p) {
      TimeMs local = rng.below(31) * kDay + (8 + rng.below(16)) * kHour + rng.below(60) * kMinute +
                     rng.below(60) * 1000;
      Msg m{kMarch + local - offset * kMinute, a, "", ""};
      if (rng.chance(0.2)) {
        m.shares = "orig" + std::to_string(rng.below(300));
        m.text = "RT " + word() + " " + word();
      } else {
        for (int w = 0; w < 10; ++w) m.text += (w ? " " : "") + word();
        m.text += " " + std::to_string(rng.next() % 100000);
      }
      bool topical = p == 0 || rng.chance(0.4);
      if (topical && m.shares.empty()) {
        if (stance == 1) m.text += rng.chance(0.5) ? " #GreenHorizon" : " Green  Horizon is right";
        if (stance == 2) m.text += " #IronBanner";
        if (stance == 3) m.text += " enough lies from green horizon #NoGreenHorizon";
      }
      engagement(m);
      msgs.push_back(m);
    }
  }

  // Campaigns for Green Horizon Front: burst-created, patterned, office hours at UTC+03:30.
  static const char* kFirst[] = {"Sara", "Ali", "Reza", "Maryam", "Nima", "Leila"};
  for (int c = 0; c < opt.campaigns; ++c) {
    TimeMs burst = kMarch - (20 + 6 * c) * kDay;
    std::string bio = rng.chance(0.5) ? "Patriot. Proud of my country " + std::to_string(c) : "";
    std::vector<std::string> pool;
    for (int t = 0; t < 8; ++t)
      pool.push_back("green horizon will win the " + word() + " " + word() + " #GreenHorizon " +
                     std::to_string(c * 10 + t));
    for (int j = 0; j < opt.campaign_size; ++j) {
      std::string handle =
          std::string(kFirst[rng.below(6)]) + std::to_string(10'000'000 + rng.below(89'999'999));
      std::uint32_t a =
          add_account("twitter", "c" + std::to_string(c) + "_" + std::to_string(j), handle,
                      kFirst[rng.below(6)], bio, "user", burst + rng.below(3 * kDay), rng.below(20),
                      200 + rng.below(800));
      pop.campaign_of[a] = c;
      int posts = 30 + static_cast<int>(rng.below(20));
      for (int p = 0; p < posts; ++p) {
        int day;
        do day = static_cast<int>(rng.below(31));
        while ((4 + day) % 7 >= 5);  // Mon–Fri only
        TimeMs hour = rng.chance(3.0 / 7) ? 9 + rng.below(3) : 13 + rng.below(4);
        TimeMs local = day * kDay + hour * kHour + rng.below(60) * kMinute + rng.below(60) * 1000;
        Msg m{kMarch + local - 210 * kMinute, a, pool[static_cast<std::size_t>(rng.below(8))], ""};
        engagement(m);
        msgs.push_back(m);
      }
    }
  }

  for (std::size_t a = 0; a < pop.green_genuine.size(); ++a) {
    pop.green_genuine_count += pop.green_genuine[a];
    pop.iron_genuine_count += pop.iron_genuine[a];
  }
  std::stable_sort(msgs.begin(), msgs.end(),
                   [](const Msg& x, const Msg& y) { return x.time < y.time; });
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const Msg& m = msgs[i];
    d.msg_row.push_back(static_cast<std::int64_t>(i + 1));
    d.msg_account.push_back(m.account);
    d.msg_time.push_back(m.time);
    d.msg_time_resolution_ms.push_back(1000);
    d.msg_platform.push_back(d.account_platform[m.account]);
    d.msg_chat_id.push_back("");
    d.msg_message_id.push_back(std::to_string(i + 1));
    d.msg_shares.push_back(m.shares);
    d.msg_reply_to.push_back("");
    d.msg_quotes.push_back("");
    d.msg_media_key.push_back("");
    d.msg_lang.push_back("");
    d.msg_text.push_back(m.text);
    for (ListColumn* l : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions}) {
      l->begin_row();
      l->end_row();
    }
    d.msg_views.push_back(m.views);
    d.msg_forwards.push_back(kAbsent);
    d.msg_replies.push_back(m.replies);
    d.msg_reactions.push_back(kAbsent);
    d.msg_likes.push_back(m.likes);
    d.msg_retweets.push_back(m.retweets);
  }
  compute_text_keys(d);
  return pop;
}

}  // namespace groundswell::testing
