// The `twitter-io` format: Twitter's transparency information-operations archives. A tweets
// CSV (tweetid, userid, user_screen_name, tweet_text, tweet_time, is_retweet, retweet_tweetid,
// ... with list cells like "[a, b]" and minute-resolution UTC times) and a users CSV
// (userid, user_display_name, user_screen_name, ..., follower_count, account_creation_date),
// told apart by their header. Tweet rows also carry their author's profile; it is emitted as
// an AccountRecord the first time each userid appears in a file.
#include <fmt/format.h>

#include <charconv>

#include "base/time.h"
#include "ingest/reader_factories.h"
#include "ingest/record_fields.h"

namespace groundswell {
namespace {

enum Col {
  kTweetId, kUserId, kScreenName, kDisplayName, kDescription, kFollowers, kFollowing, kCreated,
  kText, kTime, kLang, kIsRetweet, kRetweetId, kReplyTo, kQuoted, kLikes, kRetweets, kReplies,
  kQuotes, kHashtags, kUrls, kMentions, kCols
};
constexpr std::string_view kNames[kCols] = {
    "tweetid", "userid", "user_screen_name", "user_display_name", "user_profile_description",
    "follower_count", "following_count", "account_creation_date", "tweet_text", "tweet_time",
    "tweet_language", "is_retweet", "retweet_tweetid", "in_reply_to_tweetid",
    "quoted_tweet_tweetid", "like_count", "retweet_count", "reply_count", "quote_count",
    "hashtags", "urls", "user_mentions"};

class TwitterIoReader : public CsvRowReader<TwitterIoReader> {
 public:
  std::string row(const CsvReader::Record& rec, const CsvHeader& h, ReadContext& ctx) {
    if (!have_cols_) {
      for (int c = 0; c < kCols; ++c) cols_[c] = h.index(kNames[c]);
      have_cols_ = true;
      users_file_ = cols_[kTweetId] < 0;
    }
    if (cols_[kUserId] < 0) return "CSV: header has no column 'userid'";
    auto cell = [&](int c) {
      return cols_[c] < 0 ? std::string_view() : rec.field(static_cast<std::size_t>(cols_[c]));
    };
    std::string_view user = cell(kUserId);
    if (user.empty()) return "missing required field 'userid'";
    if (users_file_ || seen_.first(user)) {
      std::string reason = account(cell, ctx);
      if (!reason.empty()) return reason;
    }
    if (users_file_) return {};

    MessageRecord& m = m_;
    m.clear();
    m.platform = "twitter";
    m.message_id.assign(cell(kTweetId));
    if (m.message_id.empty()) return "missing required field 'tweetid'";
    m.account_id.assign(user);
    m.account_handle.assign(cell(kScreenName));
    m.display_name.assign(cell(kDisplayName));
    if (cols_[kTime] < 0) return "CSV: header has no column 'tweet_time'";
    std::string reason = parse_time_field(cell(kTime), "tweet_time", m, 0);
    if (!reason.empty()) return reason;
    m.text.assign(cell(kText));
    assign_lang(m.lang, cell(kLang));
    std::string_view rt = cell(kRetweetId);
    if (!rt.empty() && (cols_[kIsRetweet] < 0 || text_is_true(cell(kIsRetweet)))) m.shares.assign(rt);
    m.reply_to.assign(cell(kReplyTo));
    m.quotes.assign(cell(kQuoted));
    for (auto [c, out] : {std::pair{kLikes, &m.likes}, {kRetweets, &m.retweets},
                          {kReplies, &m.replies}, {kQuotes, &m.quotes_count}}) {
      if (!parse_count_cell(cell(c), *out))
        return fmt::format("field '{}' must be a non-negative number", kNames[c]);
    }
    // The archive's list columns are authoritative; without them the text rules apply.
    if (cols_[kHashtags] >= 0 || cols_[kUrls] >= 0 || cols_[kMentions] >= 0) {
      split_list_cell(cell(kHashtags), m.hashtags);
      split_list_cell(cell(kUrls), m.urls);
      split_list_cell(cell(kMentions), m.mentions);
    } else {
      extract_text_entities(m.text, m);
    }
    ctx.sink->message(m, Position{ctx.file, rec.line, rec.offset});
    return {};
  }

 private:

  template <typename Cell>
  std::string account(const Cell& cell, ReadContext& ctx) {
    AccountRecord& a = a_;
    a.clear();
    a.platform = "twitter";
    a.kind = AccountKind::kUser;
    a.account_id.assign(cell(kUserId));
    a.handle.assign(cell(kScreenName));
    a.display_name.assign(cell(kDisplayName));
    a.description.assign(cell(kDescription));
    if (!parse_count_cell(cell(kFollowers), a.followers))
      return "field 'follower_count' must be a non-negative number";
    if (!parse_count_cell(cell(kFollowing), a.following))
      return "field 'following_count' must be a non-negative number";
    ParsedTime t;
    if (!cell(kCreated).empty()) {
      if (!parse_time(cell(kCreated), t, 0))
        return fmt::format("field 'account_creation_date': '{}' is not a date", cell(kCreated));
      a.created_at = t.ms;
    }
    ctx.sink->account(a);
    return {};
  }

  bool have_cols_ = false, users_file_ = false;
  int cols_[kCols] = {};
  MessageRecord m_;
  AccountRecord a_;
  SeenAccounts seen_;
};

}  // namespace

std::unique_ptr<Reader> make_twitter_io_reader() { return std::make_unique<TwitterIoReader>(); }

int sniff_twitter_io(std::string_view head, std::string_view) {
  if (csv_header_has(head, "tweetid") && csv_header_has(head, "userid") &&
      (csv_header_has(head, "tweet_time") || csv_header_has(head, "tweet_text")))
    return 95;
  if (csv_header_has(head, "userid") && csv_header_has(head, "user_screen_name") &&
      (csv_header_has(head, "follower_count") || csv_header_has(head, "account_creation_date")))
    return 90;
  return 0;
}

}  // namespace groundswell
