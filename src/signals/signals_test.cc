#include "signals/signals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "signals/test_population.h"

namespace groundswell {
namespace {

constexpr TimeMs kMonday = 1709510400000LL;  // 2024-03-04T00:00:00Z
constexpr TimeMs kHour = 3'600'000, kDay = 86'400'000;

double auc(const std::vector<double>& pos, const std::vector<double>& neg) {
  double wins = 0;
  for (double p : pos)
    for (double n : neg) wins += p > n ? 1 : (p == n ? 0.5 : 0);
  return wins / (static_cast<double>(pos.size()) * static_cast<double>(neg.size()));
}

TEST(Signals, BurstinessOfRegularAndBurstySeries) {
  std::vector<TimeMs> regular;
  for (int i = 0; i < 50; ++i) regular.push_back(i * 60'000);
  EXPECT_NEAR(burstiness(regular), -1.0, 1e-9);  // σ = 0
  std::vector<TimeMs> bursty;
  for (int b = 0; b < 5; ++b)
    for (int i = 0; i < 10; ++i) bursty.push_back(b * 10 * kDay + i * 1000);
  EXPECT_GT(burstiness(bursty), 0.5);
}

TEST(Signals, OfficeHoursFindsOffsetAndLunchPause) {
  // Mon–Fri 9–12 and 13–17 at UTC+03:30.
  std::vector<TimeMs> t;
  for (int day = 0; day < 5; ++day)
    for (int h : {9, 10, 11, 13, 14, 15, 16})
      for (int q = 0; q < 4; ++q)
        t.push_back(kMonday + day * kDay + h * kHour + q * 15 * 60'000 - 210 * 60'000);
  OfficeHoursFit f = fit_office_hours(t);
  EXPECT_DOUBLE_EQ(f.fraction, 1.0);
  EXPECT_EQ(f.offset_minutes, 210);
  EXPECT_GT(f.lunch_dip, 0.9);
  EXPECT_EQ(format_utc_offset(f.offset_minutes), "+03:30");
  EXPECT_EQ(format_utc_offset(-300), "-05:00");

  // Evening and weekend posting never fits office hours well.
  std::vector<TimeMs> evenings;
  for (int day = 0; day < 7; ++day)
    for (int h : {19, 20, 21, 22}) evenings.push_back(kMonday + day * kDay + h * kHour);
  EXPECT_LT(fit_office_hours(evenings).fraction, 0.75);
}

// The fit, worked out post by post: each post's local time at each offset, the first best
// fraction, ties to the larger lunch dip and then the smaller offset.
OfficeHoursFit office_hours_by_post(const std::vector<TimeMs>& times) {
  OfficeHoursFit best;
  bool have = false;
  for (int off = -720; off <= 840; off += 15) {
    double office = 0, lunch = 0;
    for (TimeMs t : times) {
      const TimeMs local = t + off * 60'000LL;
      const TimeMs day = local / kDay - (local % kDay < 0 ? 1 : 0);
      const TimeMs minute = (local - day * kDay) / 60'000;
      const bool weekday = ((day + 3) % 7 + 7) % 7 < 5;  // 1970-01-01 was a Thursday
      if (weekday && minute >= 9 * 60 && minute < 17 * 60) {
        office += 1;
        if (minute >= 12 * 60 && minute < 13 * 60) lunch += 1;
      }
    }
    const double fraction = office / static_cast<double>(times.size());
    const double rest = (office - lunch) / 28.0;
    const double dip = rest > 0 ? std::max(0.0, 1 - lunch / 4.0 / rest) : 0;
    const bool better =
        !have || fraction > best.fraction + 1e-12 ||
        (std::abs(fraction - best.fraction) <= 1e-12 &&
         (dip > best.lunch_dip + 1e-12 || (std::abs(dip - best.lunch_dip) <= 1e-12 &&
                                           std::abs(off) < std::abs(best.offset_minutes))));
    if (better) best = {fraction, off, dip};
    have = true;
  }
  return best;
}

TEST(Signals, OfficeHoursFitIsThePostByPostFit) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    // Posts over a few weeks, some crowded round the week's turn (Sunday night, Monday
    // morning UTC), where a shifted office day runs past the end of the week; some before 1970.
    const TimeMs start = trial % 5 == 0 ? -30 * kDay : kMonday;
    std::uniform_int_distribution<TimeMs> anywhere(start, start + 21 * kDay);
    std::uniform_int_distribution<TimeMs> turn(-14 * kHour, 14 * kHour);
    std::vector<TimeMs> t;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i)
      t.push_back(i % 2 == 0 ? anywhere(rng) : kMonday + 7 * kDay + turn(rng));
    const OfficeHoursFit got = fit_office_hours(t), want = office_hours_by_post(t);
    EXPECT_DOUBLE_EQ(got.fraction, want.fraction) << trial;
    EXPECT_EQ(got.offset_minutes, want.offset_minutes) << trial;
    EXPECT_DOUBLE_EQ(got.lunch_dip, want.lunch_dip) << trial;
  }
}

TEST(Signals, HandlePatterns) {
  EXPECT_DOUBLE_EQ(handle_pattern_score("Sara61330017"), 1.0);
  EXPECT_DOUBLE_EQ(handle_pattern_score("@maria"), 0.0);
  EXPECT_LT(handle_pattern_score("john1987"), 0.5);  // a birth year, weak
  EXPECT_GE(handle_pattern_score("xkq7zr9p2wt"), 0.8);
  EXPECT_TRUE(std::isnan(handle_pattern_score("")));
}

TEST(Signals, ScoreSeparatesPlantedCampaignsFromOrganicAccounts) {
  for (std::uint64_t seed : {1, 2, 3}) {
    testing::Population pop = testing::make_population(seed);
    Result<SignalTable> t = compute_signals(pop.data);
    ASSERT_TRUE(t.ok());
    std::vector<double> campaign, organic;
    for (std::size_t a = 0; a < pop.data.accounts(); ++a) {
      double s = t->score[a];
      ASSERT_FALSE(std::isnan(s));
      ASSERT_GE(s, 0.0);
      ASSERT_LE(s, 1.0);
      (pop.campaign_of[a] >= 0 ? campaign : organic).push_back(s);
    }
    double a = auc(campaign, organic);
    EXPECT_GE(a, 0.9) << "seed " << seed;
    // At the default threshold few organic accounts are flagged.
    double flagged = 0;
    for (double s : organic) flagged += s > 0.7;
    EXPECT_LT(flagged / static_cast<double>(organic.size()), 0.05) << "seed " << seed;
    double caught = 0;
    for (double s : campaign) caught += s > 0.7;
    std::cout << "seed " << seed << ": AUC " << a
              << ", campaign accounts above 0.7: " << caught / static_cast<double>(campaign.size())
              << ", organic above 0.7: " << flagged / static_cast<double>(organic.size()) << "\n";
  }
}

TEST(Signals, ReasonsNameTheEvidence) {
  testing::Population pop = testing::make_population(4);
  Result<SignalTable> t = compute_signals(pop.data);
  ASSERT_TRUE(t.ok());
  for (std::size_t a = 0; a < pop.data.accounts(); ++a) {
    if (pop.campaign_of[a] < 0) continue;
    const AccountSignals& s = t->accounts[a];
    EXPECT_GE(s.burst_accounts, 15);  // 40 created within 3 days; the window is centred on each
    EXPECT_EQ(s.office_offset_minutes, 210);
    EXPECT_NE(t->reasons[a].find("created in a burst of"), std::string::npos) << t->reasons[a];
    EXPECT_NE(t->reasons[a].find("office hours of UTC+03:30"), std::string::npos) << t->reasons[a];
    break;
  }
}

TEST(Signals, DuplicateShareCountsOtherAccountsOnly) {
  testing::Population pop = testing::make_population(5, {.organic = 50, .campaigns = 1});
  Result<SignalTable> t = compute_signals(pop.data);
  ASSERT_TRUE(t.ok());
  for (std::size_t a = 0; a < pop.data.accounts(); ++a) {
    if (pop.campaign_of[a] >= 0) {
      EXPECT_GT(t->accounts[a].duplicate_share, 0.9);
    } else if (pop.data.account_kind[a] == "user") {
      EXPECT_EQ(t->accounts[a].duplicate_share, 0.0);
    }
  }
}

TEST(Signals, ChannelWithViewsFarBelowSubscribersIsFlagged) {
  testing::Population pop = testing::make_population(6, {.organic = 20, .campaigns = 0});
  // Official channel 0 has ~5000 views per post on 20000 subscribers: ERR 25%, healthy.
  Result<SignalTable> t = compute_signals(pop.data);
  ASSERT_TRUE(t.ok());
  EXPECT_NEAR(t->accounts[0].channel_err, 25, 5);
  EXPECT_EQ(t->accounts[0].score[static_cast<int>(Signal::kChannelErr)], 0.0);
  pop.data.account_followers[0] = 2'000'000;  // bought subscribers: ERR 0.25%
  t = compute_signals(pop.data);
  ASSERT_TRUE(t.ok());
  EXPECT_GT(t->accounts[0].score[static_cast<int>(Signal::kChannelErr)], 0.9);
  EXPECT_NE(t->reasons[0].find("ERR"), std::string::npos);
}

TEST(Signals, ClusterSummariesShowTheCreationBurst) {
  testing::Population pop = testing::make_population(7, {.organic = 100, .campaigns = 1});
  Result<SignalTable> t = compute_signals(pop.data);
  ASSERT_TRUE(t.ok());
  // Cluster 1 = the campaign, cluster 2 = 40 organic accounts.
  std::vector<std::uint32_t> cluster(pop.data.accounts(), 0);
  int organic = 0;
  for (std::size_t a = 0; a < pop.data.accounts(); ++a) {
    if (pop.campaign_of[a] == 0)
      cluster[a] = 1;
    else if (pop.data.account_kind[a] == "user" && organic < 40) {
      cluster[a] = 2;
      ++organic;
    }
  }
  std::vector<ClusterSignalSummary> s = summarize_clusters(pop.data, *t, cluster, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].dated_accounts, 40);
  EXPECT_LE(s[0].creation_range_days, 3.0);
  EXPECT_GT(s[1].creation_iqr_days, 300.0);
  EXPECT_GT(s[0].mean_score, 0.7);
  EXPECT_LT(s[1].mean_score, 0.4);
}

}  // namespace
}  // namespace groundswell
