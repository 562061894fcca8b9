// Test and benchmark helpers: build a Dataset in memory (as load_dataset would from a store)
// and read the peer tools' reference CSVs, so detection and estimation are tested without
// ingest.
//
// Accounts get dense indices in order of first appearance (as the store interns them);
// messages are sorted by (time, input order) and msg_row is the 1-based input position.
// Thread-safety: plain functions.
#pragma once

#include <algorithm>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/dataset.h"
#include "base/file.h"

namespace groundswell::testing {

struct TestMessage {
  std::string platform = "test";
  std::string chat_id;
  std::string message_id;
  std::string account_id;
  std::string handle;
  std::string display_name;
  TimeMs time = kNoTime;
  std::string text;
  std::string shares;
  std::string reply_to;
  std::string quotes;
  std::vector<std::string> urls, hashtags, mentions;
  std::string media_key;
};

inline Dataset make_dataset(const std::vector<TestMessage>& in) {
  Dataset d;
  std::unordered_map<std::string, std::uint32_t> index;
  std::vector<std::uint32_t> account_of(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::string key = in[i].platform + '\0' + in[i].account_id;
    auto [it, fresh] = index.emplace(key, static_cast<std::uint32_t>(d.account_row.size()));
    if (fresh) {
      d.account_row.push_back(static_cast<std::int64_t>(d.account_row.size() + 1));
      d.account_platform.push_back(in[i].platform);
      d.account_id.push_back(in[i].account_id);
      d.account_handle.push_back(in[i].handle);
      d.account_display_name.push_back(in[i].display_name);
      d.account_description.push_back("");
      d.account_kind.push_back("user");
      d.account_created_at.push_back(kNoTime);
      d.account_followers.push_back(kAbsent);
      d.account_following.push_back(kAbsent);
    }
    account_of[i] = it->second;
  }
  std::vector<std::size_t> order(in.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    bool nx = in[x].time == kNoTime, ny = in[y].time == kNoTime;
    if (nx != ny) return ny;
    return in[x].time < in[y].time;
  });
  for (std::size_t i : order) {
    const TestMessage& m = in[i];
    d.msg_row.push_back(static_cast<std::int64_t>(i + 1));
    d.msg_account.push_back(account_of[i]);
    d.msg_time.push_back(m.time);
    d.msg_time_resolution_ms.push_back(1000);
    d.msg_platform.push_back(m.platform);
    d.msg_chat_id.push_back(m.chat_id);
    d.msg_message_id.push_back(m.message_id);
    d.msg_shares.push_back(m.shares);
    d.msg_reply_to.push_back(m.reply_to);
    d.msg_quotes.push_back(m.quotes);
    d.msg_media_key.push_back(m.media_key);
    d.msg_lang.push_back("");
    d.msg_text.push_back(m.text);
    d.msg_urls.begin_row();
    for (const auto& u : m.urls) d.msg_urls.add(u);
    d.msg_urls.end_row();
    d.msg_hashtags.begin_row();
    for (const auto& u : m.hashtags) d.msg_hashtags.add(u);
    d.msg_hashtags.end_row();
    d.msg_mentions.begin_row();
    for (const auto& u : m.mentions) d.msg_mentions.add(u);
    d.msg_mentions.end_row();
    for (auto* v : {&d.msg_views, &d.msg_forwards, &d.msg_replies, &d.msg_reactions, &d.msg_likes,
                    &d.msg_retweets})
      v->push_back(kAbsent);
  }
  compute_text_keys(d);
  return d;
}

// RFC 4180 rows of a small CSV file (a UTF-8 byte-order mark is skipped).
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::string s = read_whole_file(path).value_or("");
  if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"')
        field.push_back('"'), ++i;
      else if (c == '"')
        quoted = false;
      else
        field.push_back(c);
    } else if (c == '"') {
      quoted = true, any = true;
    } else if (c == ',') {
      row.push_back(std::move(field)), field.clear(), any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      if (any || !field.empty()) row.push_back(std::move(field));
      if (!row.empty()) rows.push_back(std::move(row));
      row.clear(), field.clear(), any = false;
    } else {
      field.push_back(c), any = true;
    }
  }
  if (any || !field.empty()) row.push_back(std::move(field));
  if (!row.empty()) rows.push_back(std::move(row));
  return rows;
}

// CooRTweet input (object_id, account_id, content_id, timestamp_share) as the coortweet
// reader maps it: platform "coortweet", chat_id = object_id, message_id = content_id,
// shares = object_id.
inline Dataset read_coortweet(const std::string& path) {
  auto rows = read_csv(path);
  std::vector<TestMessage> in;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    TestMessage m;
    m.platform = "coortweet";
    m.chat_id = rows[i][0];
    m.shares = rows[i][0];
    m.account_id = rows[i][1];
    m.message_id = rows[i][2];
    m.time = std::stoll(rows[i][3]) * 1000;
    in.push_back(std::move(m));
  }
  return make_dataset(in);
}

// Coordination Network Toolkit CSV (message_id, user_id, username, repost_id, reply_id,
// message, timestamp, urls) by position.
inline Dataset read_cnt(const std::string& path) {
  auto rows = read_csv(path);
  std::vector<TestMessage> in;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    TestMessage m;
    m.platform = "cnt";
    m.message_id = r[0];
    m.account_id = r[1];
    m.handle = r[2];
    m.shares = r[3];
    m.reply_to = r[4];
    m.text = r[5];
    m.time = static_cast<TimeMs>(std::stod(r[6]) * 1000);
    if (r.size() > 7) {
      std::istringstream us(r[7]);
      std::string u;
      while (us >> u) m.urls.push_back(u);
    }
    in.push_back(std::move(m));
  }
  return make_dataset(in);
}

}  // namespace groundswell::testing
