// The information-operations archive (twitter-io): the users and tweets CSV files of Twitter's
// transparency releases, unhashed, for the campaigns in the archive (generate_writers.h).
#include <string>

#include "eval/generate_writers.h"

namespace groundswell::gen {
namespace {

// The user columns both files start with: userid through account_language.
void append_user_columns(std::string& o, const Account& a) {
  o += a.id;
  o += ',';
  append_csv_field(o, a.name);
  o += ',';
  append_csv_field(o, a.handle);
  o += ',';
  append_csv_field(o, a.location);
  o += ',';
  append_csv_field(o, a.description);
  o += ',';
  o += ',';  // user_profile_url
  append_int(o, a.followers);
  o += ',';
  append_int(o, a.following);
  o += ',';
  append_date(o, a.created_ms);
  o += ',';
  o += lang_code(a.lang);
}

}  // namespace

Status IoArchiveWriter::open(const std::filesystem::path& out, Compression compression) {
  tweets_counter_.rel_path = "data/twitter/io_archive/synthetic_io_032024_tweets_csv_unhashed.csv" +
                             compressed_suffix(compression);
  tweets_counter_.format = "twitter-io";
  GS_RETURN_IF_ERROR(tweets_file_.open(out / tweets_counter_.rel_path, 1 << 20, compression));
  users_counter_.rel_path = "data/twitter/io_archive/synthetic_io_032024_users_csv_unhashed.csv";
  users_counter_.format = "twitter-io";
  GS_RETURN_IF_ERROR(users_file_.open(out / users_counter_.rel_path, 1 << 16));

  // The tweets header now, the users file complete now (its accounts are fixed).
  tweets_file_.buf() +=
      "tweetid,userid,user_display_name,user_screen_name,user_reported_location,"
      "user_profile_description,user_profile_url,follower_count,following_count,"
      "account_creation_date,account_language,tweet_language,tweet_text,tweet_time,"
      "tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,"
      "is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,"
      "like_count,retweet_count,hashtags,urls,user_mentions,poll_choices\n";
  tweets_counter_.lines = 1;
  std::string& u = users_file_.buf();
  u += "userid,user_display_name,user_screen_name,user_reported_location,"
       "user_profile_description,user_profile_url,follower_count,following_count,"
       "account_creation_date,account_language\n";
  users_counter_.lines = 1;
  for (const Campaign& c : world_.campaigns) {
    if (!c.in_io_archive) continue;
    for (std::int32_t idx : c.members) {
      append_user_columns(u, world_.accounts[idx]);
      u += '\n';
      ++users_counter_.lines;
      ++users_counter_.accounts;
    }
  }
  return Status::Ok();
}

void IoArchiveWriter::add(const Tweet& t) {
  const Event& e = t.event;
  const Ref* target = t.target;
  std::string& o = tweets_file_.buf();
  append_uint(o, t.id);
  o += ',';
  append_user_columns(o, t.author);
  o += ',';
  o += lang_code(e.type == EventType::kRetweet ? target->spec.lang : e.spec.lang);
  o += ',';
  append_csv_field(o, t.text.text());
  o += ',';
  append_minute_space(o, e.t_ms);
  o += ',';
  GenRng r = GenRng::stream(mix_seed(t.id, 3));
  o += random_client(r);
  o += ',';
  const Account* ta =
      target != nullptr ? &world_.accounts[static_cast<std::size_t>(target->author)] : nullptr;
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
  append_int(o, t.quotes);
  o += ',';
  append_int(o, t.replies);
  o += ',';
  append_int(o, t.likes);
  o += ',';
  append_int(o, t.retweets);
  o += ',';
  list_column(o, t, PieceKind::kHashtag);
  o += ',';
  list_column(o, t, PieceKind::kUrl);
  o += ',';
  list_column(o, t, PieceKind::kMention);
  o += ",\n";  // poll_choices empty
  ++tweets_counter_.records;
  ++tweets_counter_.lines;
  tweets_file_.maybe_flush();
}

void IoArchiveWriter::list_column(std::string& o, const Tweet& t, PieceKind kind) {
  // [a, b] without quotes around the items, as the archives write them: hashtags without '#',
  // expanded URLs, the user ids of the mentioned accounts that are known.
  const Account* ta =
      t.target != nullptr ? &world_.accounts[static_cast<std::size_t>(t.target->author)] : nullptr;
  scratch_ = "[";
  bool first = true;
  for (std::size_t i = 0; i < t.text.entity_count(); ++i) {
    const TweetText::Entity& te = t.text.entity(i);
    if (te.kind != kind) continue;
    std::string_view item = kind == PieceKind::kUrl ? te.expanded : te.text;
    if (kind == PieceKind::kMention) {
      std::string_view uid;
      for (std::size_t m = 0; m < world_.mention_handles.size(); ++m) {
        if (world_.mention_handles[m] == te.text)
          uid = world_.accounts[world_.mention_accounts[m]].id;
      }
      if (ta != nullptr && ta->handle == te.text) uid = ta->id;
      if (uid.empty()) continue;
      item = uid;
    }
    if (!first) scratch_ += ", ";
    first = false;
    scratch_ += item;
  }
  scratch_ += ']';
  append_csv_field(o, scratch_);
}

Status IoArchiveWriter::close(std::vector<FileCounter>& files) {
  GS_RETURN_IF_ERROR(tweets_file_.close());
  tweets_counter_.bytes = tweets_file_.bytes();
  GS_RETURN_IF_ERROR(users_file_.close());
  users_counter_.bytes = users_file_.bytes();
  files.push_back(tweets_counter_);
  files.push_back(users_counter_);
  return Status::Ok();
}

}  // namespace groundswell::gen
