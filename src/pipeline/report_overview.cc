// The report's data overview (docs/report.md, `overview`): what the data is, before anything
// was detected in it. Posts come from the analysis dataset (one pass in time order), service
// events and rejects from the store.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <queue>

#include "base/time.h"
#include "pipeline/analysis_to_report.h"

namespace groundswell {
namespace {

constexpr TimeMs kDayMs = 86'400'000;

std::string day_text(std::int64_t day) {
  std::int64_t y = 0;
  unsigned m = 0, dd = 0;
  civil_from_days(day, y, m, dd);
  return fmt::format("{:04}-{:02}-{:02}", y, m, dd);
}

// Reasons often carry a position or a size ("at byte 1834"): grouped with the numbers as N.
std::string reason_group(std::string_view reason) {
  std::string out;
  for (std::size_t i = 0; i < reason.size();) {
    if (std::isdigit(static_cast<unsigned char>(reason[i]))) {
      while (i < reason.size() && std::isdigit(static_cast<unsigned char>(reason[i]))) ++i;
      out.push_back('N');
    } else {
      out.push_back(reason[i++]);
    }
  }
  return out;
}

template <typename Map>
std::vector<ReportCount> top_counts(Map counts, std::size_t n, std::string_view rest) {
  std::vector<ReportCount> rows;
  for (auto& [name, count] : counts) rows.push_back({name, count});
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ReportCount& x, const ReportCount& y) { return x.count > y.count; });
  if (rows.size() > n) {
    std::int64_t other = 0;
    for (std::size_t i = n; i < rows.size(); ++i) other += rows[i].count;
    rows.resize(n);
    rows.push_back({std::string(rest), other});
  }
  return rows;
}

}  // namespace

Result<ReportOverview> build_overview(Store& store, const Dataset& d, const DetectionResult& r,
                                      const ReportLimits& limits) {
  ReportOverview ov;
  const std::size_t n = d.messages();
  ov.messages = static_cast<std::int64_t>(n);

  // Service events (not in the analysis dataset) from the store, per platform and day.
  struct Events {
    std::string platform;
    std::int64_t day;  // -1: no time
    std::int64_t count;
  };
  std::vector<Events> events;
  Stmt s;
  // A read of the whole table, skipped when the loaded columns say the store held only posts
  // (at 3.5M CooRTweet rows, 0.4 s of the report).
  if (d.stored_message_rows < 0 || d.stored_message_rows > static_cast<std::int64_t>(n)) {
    GS_RETURN_IF_ERROR(store.db().prepare(
        "SELECT platform, CASE WHEN time_ms IS NULL THEN -1 ELSE time_ms / 86400000 END, "
        "count(*) FROM messages WHERE kind = 1 GROUP BY 1, 2",
        s));
    while (s.step() == Stmt::kRow)
      events.push_back({std::string(s.column_text(0)), s.column_int64(1), s.column_int64(2)});
  }

  // Platforms, in name order.
  std::vector<std::string> platforms;
  for (const auto& e : events) platforms.push_back(e.platform);
  for (std::size_t a = 0; a < d.accounts(); ++a)
    if (a == 0 || d.account_platform[a] != d.account_platform[a - 1])
      platforms.emplace_back(d.account_platform[a]);
  for (std::size_t m = 0; m < n; ++m)
    if (m == 0 || d.msg_platform[m] != d.msg_platform[m - 1]) platforms.emplace_back(d.msg_platform[m]);
  std::sort(platforms.begin(), platforms.end());
  platforms.erase(std::unique(platforms.begin(), platforms.end()), platforms.end());
  auto platform_of = [&](std::string_view p) {
    return static_cast<std::size_t>(std::lower_bound(platforms.begin(), platforms.end(), p) -
                                    platforms.begin());
  };
  std::vector<ReportPlatformRow> per_platform(platforms.size());
  for (std::size_t i = 0; i < platforms.size(); ++i) per_platform[i].platform = platforms[i];

  // One pass over posts in time order: days, accounts, gaps.
  std::map<std::pair<std::int64_t, std::size_t>, ReportDailyRow> daily;  // (day, platform)
  std::vector<std::int64_t> account_messages(d.accounts(), 0), account_reposts(d.accounts(), 0),
      account_days(d.accounts(), 0), account_last_day(d.accounts(), -1);
  std::vector<TimeMs> account_first(d.accounts(), kNoTime), account_last(d.accounts(), kNoTime);
  std::vector<std::uint8_t> posted(d.accounts(), 0);
  std::vector<std::pair<std::size_t, std::uint32_t>> today;  // (platform, account) of this day
  using Gap = std::pair<TimeMs, TimeMs>;                      // (length, start)
  std::priority_queue<Gap, std::vector<Gap>, std::greater<>> gaps;  // the longest, smallest on top
  std::map<std::string, std::int64_t, std::less<>> languages;  // few: looked up by view
  std::int64_t current_day = -1;
  std::size_t platform = 0;
  auto close_day = [&] {
    std::sort(today.begin(), today.end());
    today.erase(std::unique(today.begin(), today.end()), today.end());
    for (const auto& [p, a] : today) ++daily[{current_day, p}].accounts;
    today.clear();
  };
  TimeMs first = kNoTime, last = kNoTime;
  for (std::size_t m = 0; m < n; ++m) {
    if (m == 0 || d.msg_platform[m] != d.msg_platform[m - 1]) platform = platform_of(d.msg_platform[m]);
    ++per_platform[platform].messages;
    const std::string_view lang = d.msg_lang[m];
    auto it = languages.find(lang);
    if (it == languages.end()) languages.emplace(std::string(lang), 1);
    else ++it->second;
    const std::uint32_t a = d.msg_account[m];
    const TimeMs t = d.msg_time[m];
    if (a != kNoAccount) {
      posted[a] = 1;
      ++account_messages[a];
      if (!d.msg_shares[m].empty()) ++account_reposts[a];
    }
    if (t == kNoTime) {
      ++ov.undated;
      continue;
    }
    if (last != kNoTime && t - last >= 3'600'000) {
      gaps.emplace(t - last, last);
      if (gaps.size() > limits.max_gaps) gaps.pop();
    }
    if (first == kNoTime) first = t;
    last = t;
    const std::int64_t day = t / kDayMs;
    if (day != current_day) {
      if (current_day >= 0) close_day();
      current_day = day;
      ++ov.active_days;
    }
    ++daily[{day, platform}].messages;
    if (a != kNoAccount) {
      today.emplace_back(platform, a);
      if (account_last_day[a] != day) ++account_days[a];
      account_last_day[a] = day;
      if (account_first[a] == kNoTime) account_first[a] = t;
      account_last[a] = t;
    }
  }
  if (current_day >= 0) close_day();
  if (first != kNoTime) {
    ov.first_time = format_time_iso(first);
    ov.last_time = format_time_iso(last);
    ov.days = last / kDayMs - first / kDayMs + 1;
  }
  for (std::size_t a = 0; a < d.accounts(); ++a)
    if (posted[a]) ++per_platform[platform_of(d.account_platform[a])].accounts;

  for (const auto& e : events) {
    const std::size_t p = platform_of(e.platform);
    per_platform[p].events += e.count;
    if (e.day >= 0) daily[{e.day, p}].events += e.count;
  }
  ov.platforms = std::move(per_platform);
  for (auto& [k, row] : daily) {
    row.platform = platforms[k.second];
    row.day = day_text(k.first);
    ov.daily.push_back(std::move(row));
  }

  // The most active accounts.
  std::vector<std::uint32_t> active;
  for (std::uint32_t a = 0; a < d.accounts(); ++a)
    if (account_messages[a] > 0) active.push_back(a);
  const std::size_t k = std::min(limits.max_top_accounts, active.size());
  std::partial_sort(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(k), active.end(),
                    [&](std::uint32_t x, std::uint32_t y) {
                      if (account_messages[x] != account_messages[y])
                        return account_messages[x] > account_messages[y];
                      return r.account_rank[x] < r.account_rank[y];
                    });
  for (std::size_t i = 0; i < k; ++i) {
    const std::uint32_t a = active[i];
    ReportTopAccount t;
    t.account = std::string(d.account_id[a]);
    t.handle = std::string(d.account_handle[a]);
    t.label = std::string(d.account_display_name[a]);
    t.platform = std::string(d.account_platform[a]);
    t.messages = account_messages[a];
    t.reposts = account_reposts[a];
    t.active_days = account_days[a];
    if (account_first[a] != kNoTime) t.first_time = format_time_iso(account_first[a]);
    if (account_last[a] != kNoTime) t.last_time = format_time_iso(account_last[a]);
    if (a < r.account_cluster.size() && r.account_cluster[a] != 0) t.cluster = r.account_cluster[a];
    ov.top_accounts.push_back(std::move(t));
  }

  // The most shared objects per behaviour, as detection sees them.
  for (Behaviour b : {Behaviour::kShare, Behaviour::kLink, Behaviour::kDomain, Behaviour::kHashtag,
                      Behaviour::kMention, Behaviour::kReply, Behaviour::kMedia}) {
    BehaviourObjects objects = count_objects(d, b, limits.max_top_objects);
    if (objects.actions == 0) continue;
    const std::string name(behaviour_name(b));
    ov.behaviours.push_back({name, static_cast<std::int64_t>(objects.actions),
                             static_cast<std::int64_t>(objects.objects),
                             static_cast<std::int64_t>(objects.accounts)});
    for (auto& o : objects.top)
      ov.top_objects.push_back({name, std::move(o.key), static_cast<std::int64_t>(o.messages),
                                static_cast<std::int64_t>(o.accounts)});
  }

  ov.languages = top_counts(std::move(languages), limits.max_languages, "other");

  std::vector<Gap> longest;
  while (!gaps.empty()) {
    longest.push_back(gaps.top());
    gaps.pop();
  }
  std::sort(longest.begin(), longest.end(), [](const Gap& x, const Gap& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  for (const auto& [length, start] : longest)
    ov.gaps.push_back({format_time_iso(start), format_time_iso(start + length),
                       static_cast<double>(length) / 3'600'000.0});

  // Rejected records by reason.
  GS_RETURN_IF_ERROR(store.db().prepare("SELECT reason, count(*) FROM rejects GROUP BY reason", s));
  std::map<std::string, std::int64_t> reasons;
  while (s.step() == Stmt::kRow) {
    reasons[reason_group(s.column_text(0))] += s.column_int64(1);
    ov.rejected += s.column_int64(1);
  }
  ov.reject_reasons = top_counts(std::move(reasons), limits.max_reject_reasons, "other reasons");
  return ov;
}

}  // namespace groundswell
