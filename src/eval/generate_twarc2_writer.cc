// twarc2 search pages (twitter-v2): 100 tweets a line, as `twarc2 search --archive` writes
// them, each page with its authors and referenced originals in `includes` (generate_writers.h).
#include <cstdint>
#include <optional>
#include <string>

#include "eval/generate_writers.h"

namespace groundswell::gen {
namespace {

// "created_at" of a tweet or user: the API gives whole seconds.
void created_at(PyJson& j, std::int64_t t_ms) {
  j.key("created_at");
  j.o += '"';
  append_iso_millis_z(j.o, t_ms / 1000 * 1000);
  j.o += '"';
}

// A tweet's "public_metrics"; a tweet of the page's data also reports its bookmarks and
// impressions, an included original does not.
struct TweetMetrics {
  std::int64_t retweets, replies, likes, quotes;
  std::optional<std::int64_t> bookmarks, impressions;
};

void public_metrics(PyJson& j, const TweetMetrics& t) {
  std::string& o = j.o;
  j.key("public_metrics");
  o += '{';
  PyJson m{o};
  m.num("retweet_count", t.retweets);
  m.num("reply_count", t.replies);
  m.num("like_count", t.likes);
  m.num("quote_count", t.quotes);
  if (t.bookmarks) m.num("bookmark_count", *t.bookmarks);
  if (t.impressions) m.num("impression_count", *t.impressions);
  o += '}';
}

}  // namespace

Status Twarc2Writer::open(const std::filesystem::path& out, Compression compression) {
  counter_.rel_path = "data/twitter/twarc2/search_2024-03.jsonl" + compressed_suffix(compression);
  counter_.format = "twitter-v2";
  return file_.open(out / counter_.rel_path, 1 << 20, compression);
}

void Twarc2Writer::add(const Tweet& t) {
  const Event& e = t.event;
  const std::uint64_t id = t.id;
  const Account& a = t.author;
  const Ref* target = t.target;
  std::string& o = page_data_;
  if (!o.empty()) o += ", ";
  o += '{';
  PyJson j{o};
  std::string id_str = std::to_string(id);
  j.str("id", id_str);
  j.str("text", t.text.text());
  j.key("edit_history_tweet_ids");
  o += "[\"";
  o += id_str;
  o += "\"]";
  j.str("author_id", a.id);
  j.str("conversation_id", e.type == EventType::kReply ? std::to_string(target->tw_id) : id_str);
  created_at(j, e.t_ms);
  j.str("lang", lang_code(e.type == EventType::kRetweet ? target->spec.lang : e.spec.lang));
  j.boolean("possibly_sensitive", false);
  j.str("reply_settings", "everyone");
  if (target != nullptr) {
    const Account& ta = world_.accounts[static_cast<std::size_t>(target->author)];
    if (e.type == EventType::kReply) j.str("in_reply_to_user_id", ta.id);
    j.key("referenced_tweets");
    o += "[{\"type\": \"";
    o += e.type == EventType::kRetweet ? "retweeted"
                                       : (e.type == EventType::kReply ? "replied_to" : "quoted");
    o += "\", \"id\": \"";
    append_uint(o, target->tw_id);
    o += "\"}]";
  }
  if (t.text.entity_count() > 0) {
    j.key("entities");
    add_entities(o, t);
  }
  public_metrics(
      j, {t.retweets, t.replies, t.likes, t.quotes, t.likes / 30, impressions(e, a, t.likes)});
  o += '}';
  add_user(a);
  if (target != nullptr) add_original(*target);
  if (page_count_ == 0) page_oldest_ = id;
  page_newest_ = id;
  ++page_count_;
  ++counter_.records;
  if (page_count_ == 100) flush_page();
}

// The tweet's entities by kind: hashtags, mentions (with the user id where it is known) and
// t.co URLs with their expansion.
void Twarc2Writer::add_entities(std::string& o, const Tweet& t) {
  const Ref* target = t.target;
  o += '{';
  PyJson en{o};
  for (PieceKind kind : {PieceKind::kHashtag, PieceKind::kMention, PieceKind::kUrl}) {
    bool any = false;
    for (std::size_t i = 0; i < t.text.entity_count(); ++i) {
      const TweetText::Entity& te = t.text.entity(i);
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
        for (std::size_t m = 0; m < world_.mention_handles.size(); ++m) {
          if (world_.mention_handles[m] == te.text)
            x.str("id", world_.accounts[world_.mention_accounts[m]].id);
        }
        if (target != nullptr && world_.accounts[target->author].handle == te.text) {
          x.str("id", world_.accounts[target->author].id);
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

void Twarc2Writer::add_user(const Account& a) {
  for (std::int32_t seen : page_user_ids_) {
    if (world_.accounts[static_cast<std::size_t>(seen)].numeric_id == a.numeric_id) return;
  }
  page_user_ids_.push_back(static_cast<std::int32_t>(&a - world_.accounts.data()));
  std::string& o = page_users_;
  if (!o.empty()) o += ", ";
  o += '{';
  PyJson j{o};
  j.str("id", a.id);
  j.str("username", a.handle);
  j.str("name", a.name);
  created_at(j, a.created_ms);
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
  ++counter_.accounts;
}

void Twarc2Writer::add_original(const Ref& r) {
  for (std::uint64_t seen : page_tweet_ids_) {
    if (seen == r.tw_id) return;
  }
  page_tweet_ids_.push_back(r.tw_id);
  ++counter_.included_tweets;
  const Account& a = world_.accounts[static_cast<std::size_t>(r.author)];
  original_.compose_original(r);
  std::string& o = page_tweets_;
  if (!o.empty()) o += ", ";
  o += '{';
  PyJson j{o};
  j.str("id", std::to_string(r.tw_id));
  j.str("text", original_.text());
  j.str("author_id", a.id);
  j.str("conversation_id", std::to_string(r.tw_id));
  created_at(j, r.t_ms);
  j.str("lang", lang_code(r.spec.lang));
  public_metrics(j, {r.planned_shares, r.planned_shares / 20,
                     r.planned_shares * 3 + a.followers / 100, r.planned_shares / 15});
  o += '}';
  add_user(a);
}

void Twarc2Writer::flush_page() {
  if (page_count_ == 0) return;
  std::string& o = file_.buf();
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
  ++counter_.lines;
  ++pages_;
  page_data_.clear();
  page_users_.clear();
  page_tweets_.clear();
  page_user_ids_.clear();
  page_tweet_ids_.clear();
  page_count_ = 0;
  file_.maybe_flush();
}

Status Twarc2Writer::close(std::vector<FileCounter>& files) {
  flush_page();
  GS_RETURN_IF_ERROR(file_.close());
  counter_.bytes = file_.bytes();
  files.push_back(counter_);
  return Status::Ok();
}

}  // namespace groundswell::gen
