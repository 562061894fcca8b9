// The registry of input formats (spec §2), in the order `groundswell formats` lists them.
#include <algorithm>
#include <array>

#include "ingest/readers.h"

namespace groundswell {
namespace {

constexpr std::array kFormats = {
    FormatInfo{"telegram-export",
               "Telegram Desktop export: result.json of one chat, or \"Export all data\"",
               "messages[]: id, type, date_unixtime/date, from, from_id, text (string or "
               "entities), forwarded_from, reply_to_message_id, reactions",
               true, &sniff_telegram_export, &make_telegram_export_reader},
    FormatInfo{"telethon", "Telethon Message.to_dict() JSON lines; Pushshift Telegram ndjson(.zst)",
               "id, peer_id/to_id, from_id, date, message, fwd_from, views, forwards, "
               "replies.replies, reactions.results[].count, grouped_id, post_author",
               true, &sniff_telethon, &make_telethon_reader},
    FormatInfo{"telegram-csv", "Telegram scraper CSV",
               "channel_id, channel_name, msg_id, message, date, views, number_replies, "
               "number_forwards, is_forward, forward_msg_from_peer_id, forward_msg_date",
               true, &sniff_telegram_csv, &make_telegram_csv_reader},
    FormatInfo{"twitter-io", "Twitter information-operations archive (tweets and users CSV)",
               "tweetid, userid, user_screen_name, tweet_text, tweet_time, is_retweet, "
               "retweet_tweetid, in_reply_to_tweetid, hashtags, urls, user_mentions, ...",
               true, &sniff_twitter_io, &make_twitter_io_reader},
    FormatInfo{"twitter-v2", "twarc2 JSON lines: API v2 pages or flattened tweets",
               "data[], includes.users[], includes.tweets[], referenced_tweets, entities, "
               "public_metrics",
               true, &sniff_twitter_v2, &make_twitter_v2_reader},
    FormatInfo{"twitter-v1", "Twitter API v1.1 tweet JSON lines",
               "id_str, created_at, full_text/extended_tweet, user{...}, retweeted_status, "
               "entities",
               true, &sniff_twitter_v1, &make_twitter_v1_reader},
    FormatInfo{"coortweet", "CooRTweet input CSV: one share a row",
               "object_id, account_id, content_id, timestamp_share", true, &sniff_coortweet,
               &make_coortweet_reader},
    FormatInfo{"cnt", "Coordination Network Toolkit CSV, columns by position",
               "message_id, user_id, username, repost_id, reply_id, message, timestamp, urls "
               "(space-separated)",
               true, &sniff_cnt, &make_cnt_reader},
    FormatInfo{"canonical", "groundswell's own JSON lines or CSV (docs/formats.md)",
               "platform, message_id, chat_id, account_id, account_handle, time, text, lang, "
               "reply_to, shares, quotes, urls, hashtags, mentions, media_key, views, forwards, "
               "replies, reactions, likes, retweets, quotes_count, kind",
               true, &sniff_canonical, &make_canonical_reader},
};

}  // namespace

std::span<const FormatInfo> formats() { return kFormats; }

const FormatInfo* find_format(std::string_view name) {
  for (const auto& f : kFormats)
    if (f.name == name) return &f;
  return nullptr;
}

const FormatInfo* detect_format(std::string_view head, std::string_view path) {
  const FormatInfo* best = nullptr;
  int best_score = 0;
  for (const auto& f : kFormats) {
    if (!f.available || !f.sniff) continue;
    int s = f.sniff(head, path);
    if (s > best_score) {
      best_score = s;
      best = &f;
    }
  }
  return best;
}

}  // namespace groundswell
