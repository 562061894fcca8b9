// The registry of input formats (docs/contract.md §2), in the order `groundswell formats` lists
// them.
#include <algorithm>
#include <array>

#include "ingest/json_records.h"
#include "ingest/reader_factories.h"

namespace groundswell {
namespace {

constexpr std::array kFormats = {
    FormatInfo{"telegram-export",
               "Telegram Desktop export: result.json of one chat, or \"Export all data\"",
               "messages[]: id, type, date_unixtime/date, from, from_id, text (string or "
               "entities), forwarded_from, reply_to_message_id, reactions",
               true, &sniff_telegram_export, &sniff_telegram_export_record,
               &make_telegram_export_reader},
    FormatInfo{"telethon",
               "Telethon Message.to_dict() JSON (lines or documents); Pushshift Telegram ndjson(.zst)",
               "id, peer_id/to_id, from_id, date, message, fwd_from, views, forwards, "
               "replies.replies, reactions.results[].count, grouped_id, post_author",
               true, nullptr, &sniff_telethon_record, &make_telethon_reader,
               /*dataset_keys=*/false, /*json_records=*/true},
    FormatInfo{"telegram-csv", "Telegram scraper CSV",
               "channel_id, channel_name, msg_id, message, date, views, number_replies, "
               "number_forwards, is_forward, forward_msg_from_peer_id, forward_msg_date",
               true, &sniff_telegram_csv, nullptr, &make_telegram_csv_reader},
    FormatInfo{"twitter-io", "Twitter information-operations archive (tweets and users CSV)",
               "tweetid, userid, user_screen_name, tweet_text, tweet_time, is_retweet, "
               "retweet_tweetid, in_reply_to_tweetid, hashtags, urls, user_mentions, ...",
               true, &sniff_twitter_io, nullptr, &make_twitter_io_reader},
    FormatInfo{"twitter-v2",
               "twarc2 / API v2 JSON: pages (tweets or users) or flattened tweets, lines or documents",
               "data[], includes.users[], includes.tweets[], referenced_tweets, entities, "
               "public_metrics",
               true, nullptr, &sniff_twitter_v2_record, &make_twitter_v2_reader,
               /*dataset_keys=*/false, /*json_records=*/true, /*accounts_once=*/true},
    FormatInfo{"twitter-v1", "Twitter API v1.1 JSON: tweets or users, lines or documents",
               "id_str, created_at, full_text/extended_tweet, user{...}, retweeted_status, "
               "entities",
               true, nullptr, &sniff_twitter_v1_record, &make_twitter_v1_reader,
               /*dataset_keys=*/false, /*json_records=*/true, /*accounts_once=*/true},
    FormatInfo{"coortweet", "CooRTweet input CSV: one share a row",
               "object_id, account_id, content_id, timestamp_share", true, &sniff_coortweet,
               nullptr, &make_coortweet_reader, /*dataset_keys=*/true},
    FormatInfo{"cnt", "Coordination Network Toolkit CSV, columns by position",
               "message_id, user_id, username, repost_id, reply_id, message, timestamp, urls "
               "(space-separated)",
               true, &sniff_cnt, nullptr, &make_cnt_reader,
               /*dataset_keys=*/true},
    FormatInfo{"canonical", "groundswell's own JSON lines or CSV (docs/formats.md)",
               "platform, message_id, chat_id, account_id, account_handle, time, text, lang, "
               "reply_to, shares, quotes, urls, hashtags, mentions, media_key, views, forwards, "
               "replies, reactions, likes, retweets, quotes_count, kind",
               true, &sniff_canonical, &sniff_canonical_record,
               &make_canonical_reader, /*dataset_keys=*/true, /*json_records=*/true},
};

}  // namespace

std::span<const FormatInfo> formats() { return kFormats; }

const FormatInfo* find_format(std::string_view name) {
  for (const auto& f : kFormats)
    if (f.name == name) return &f;
  return nullptr;
}

bool looks_like_json(std::string_view head) {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  std::size_t i = head.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && (head[i] == '{' || head[i] == '[');
}

const FormatInfo* detect_format(std::string_view head, std::string_view path) {
  const FormatInfo* best = nullptr;
  int best_score = 0;
  auto consider = [&](const FormatInfo& f, int score) {
    if (score > best_score) {
      best_score = score;
      best = &f;
    }
  };
  for (const auto& f : kFormats)
    if (f.available && f.sniff) consider(f, f.sniff(head, path));
  if (best || !looks_like_json(head)) return best;
  JsonSample sample(head);
  for (std::size_t i = 0; i < sample.size() && !best; ++i) {
    for (const auto& f : kFormats)
      if (f.available && f.sniff_record) consider(f, f.sniff_record(sample[i]));
  }
  return best;
}

}  // namespace groundswell
