// The Twitter API JSON formats, as JSON lines or whole documents (JsonRecordLoop): `twitter-v2`
// (twarc2 output and saved API v2 responses: pages with data[] — or a single `data` object —
// and includes.users[] / includes.tweets[], or flattened tweets with an `author` object; pages
// of user objects from user lookups, followers and following are account records) and
// `twitter-v1` (API v1.1 tweet objects; user objects, arrays of them and `{"users": [...]}`
// pages are account records).
//
// Both use platform "twitter", chat_id "" and the tweet id as message_id, so the same tweet
// read from any Twitter format is the same key and is stored once. Referenced originals in
// includes.tweets[] are not stored as messages (they are not part of the collection); their
// authors in includes.users[] are emitted as accounts. Users are emitted once per file.
// Pages of other API objects (tweet counts, lists, compliance jobs) are rejected, one reject
// a page naming what they hold.
#include <fmt/format.h>

#include "base/time.h"
#include "ingest/json_line.h"
#include "ingest/json_records.h"
#include "ingest/reader_factories.h"
#include "ingest/record_fields.h"

namespace groundswell {
namespace {

std::string element_excerpt(simdjson::dom::element e) {
  return reject_excerpt(simdjson::minify(e));
}

// Appends item[key] of every object in obj[array] to `out`; false if the array is absent.
bool collect(simdjson::dom::element obj, std::string_view array, std::string_view key,
             std::string_view fallback_key, std::vector<std::string>& out) {
  simdjson::dom::array items;
  if (obj.at_key(array).get(items)) return false;
  for (auto item : items) {
    std::string_view s;
    if ((json_str(item, key, s) && !s.empty()) ||
        (!fallback_key.empty() && json_str(item, fallback_key, s) && !s.empty()))
      out.emplace_back(s);
  }
  return true;
}

// What an element of a v2 page's data[] is.
enum class V2Object { kTweet, kUser, kCount, kOther };

bool has_key(simdjson::dom::element obj, std::string_view key) {
  simdjson::dom::element v;
  return !obj.at_key(key).get(v);
}

V2Object classify_v2(simdjson::dom::element o) {
  if (has_key(o, "author_id") || has_key(o, "text") || has_key(o, "note_tweet") ||
      has_key(o, "edit_history_tweet_ids"))
    return V2Object::kTweet;
  if (has_key(o, "username")) return V2Object::kUser;
  if (has_key(o, "tweet_count") && has_key(o, "start")) return V2Object::kCount;
  return V2Object::kOther;
}

class TwitterV2Reader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    return JsonRecordLoop::run(in, ctx, this, &record);
  }

 private:
  static std::string record(void* self, simdjson::dom::element obj, const Position& where,
                            ReadContext& ctx) {
    auto* r = static_cast<TwitterV2Reader*>(self);
    simdjson::dom::element data;
    if (!obj.at_key("data").get(data)) {
      r->page_users_.clear();
      simdjson::dom::element includes;
      simdjson::dom::array users;
      if (!obj.at_key("includes").get(includes) && !includes.at_key("users").get(users)) {
        for (auto u : users) {
          std::string_view id, username;
          if (!json_str(u, "id", id) || id.empty()) continue;  // no account to name
          json_str(u, "username", username);
          r->page_users_.emplace_back(id, u);
          r->user_account(u, ctx);
        }
      }
      if (data.is_object()) return r->page_item(data, where, ctx);
      simdjson::dom::array items;
      if (data.get_array().get(items)) return "field 'data' must be an array or an object";
      // One page holds many objects: a bad one is rejected alone. A page of other API
      // objects (counts, lists, compliance jobs) is one reject naming them.
      std::size_t read = 0, other = 0;
      V2Object other_kind = V2Object::kOther;
      for (auto t : items) {
        ++read;
        V2Object kind = t.is_object() ? classify_v2(t) : V2Object::kOther;
        if (kind == V2Object::kCount || kind == V2Object::kOther) {
          ++other;
          other_kind = kind;
          continue;
        }
        std::string reason = r->page_item(t, where, ctx);
        if (!reason.empty()) ctx.sink->reject(where, reason, element_excerpt(t));
      }
      if (other == 0) return {};
      std::string what = other_kind == V2Object::kCount
                             ? "tweet counts (twarc2 counts)"
                             : "API objects that are neither tweets nor users (lists, "
                               "compliance jobs, ...)";
      if (other == read) return fmt::format("a page of {} {}, not tweets", other, what);
      for (auto t : items) {
        V2Object kind = t.is_object() ? classify_v2(t) : V2Object::kOther;
        if (kind == V2Object::kCount || kind == V2Object::kOther)
          ctx.sink->reject(where, fmt::format("not a tweet or a user: {}", what),
                           element_excerpt(t));
      }
      return {};
    }
    std::string_view id;
    if (json_str(obj, "id", id)) return r->tweet(obj, where, ctx);
    if (!obj.at_key("errors").get(data)) return "API error page without data";
    return "neither an API page (data[]) nor a tweet (id, text)";
  }

  std::string page_item(simdjson::dom::element t, const Position& where, ReadContext& ctx) {
    if (t.is_object() && classify_v2(t) == V2Object::kUser) {
      bool wrong = false;
      std::string id;
      if (!json_string_or_number(t, "id", id, wrong) || id.empty())
        return "a user object without 'id'";
      user_account(t, ctx);
      return {};
    }
    return tweet(t, where, ctx);
  }

  std::string tweet(simdjson::dom::element t, const Position& where, ReadContext& ctx) {
    MessageRecord& m = m_;
    m.clear();
    m.platform = "twitter";
    if (!t.is_object()) return "a tweet must be an object";
    bool wrong = false;
    if (!json_string_or_number(t, "id", m.message_id, wrong) || m.message_id.empty())
      return "missing required field 'id'";
    simdjson::dom::element author;
    bool has_author = !t.at_key("author").get(author) && author.is_object();
    if (!json_string_or_number(t, "author_id", m.account_id, wrong) &&
        !(has_author && json_string_or_number(author, "id", m.account_id, wrong)))
      return "missing required field 'author_id'";
    std::string reason = json_time_field(t, "created_at", m, 0);
    if (!reason.empty()) return reason;
    std::string_view s;
    simdjson::dom::element note;
    if (!t.at_key("note_tweet").get(note) && json_str(note, "text", s)) m.text.assign(s);
    else if (json_str(t, "text", s)) m.text.assign(s);
    if (json_str(t, "lang", s)) assign_lang(m.lang, s);
    simdjson::dom::array refs;
    if (!t.at_key("referenced_tweets").get(refs)) {
      for (auto ref : refs) {
        std::string_view type, id;
        if (!json_str(ref, "type", type) || !json_str(ref, "id", id)) continue;
        if (type == "retweeted") m.shares.assign(id);
        else if (type == "quoted") m.quotes.assign(id);
        else if (type == "replied_to") m.reply_to.assign(id);
      }
    }
    simdjson::dom::element ent;
    if (!t.at_key("entities").get(ent) && ent.is_object()) {
      collect(ent, "hashtags", "tag", {}, m.hashtags);
      collect(ent, "mentions", "username", {}, m.mentions);
      collect(ent, "urls", "expanded_url", "url", m.urls);
    } else {
      extract_text_entities(m.text, m);
    }
    simdjson::dom::element pm;
    if (!t.at_key("public_metrics").get(pm) && pm.is_object()) {
      for (auto [key, out] :
           {std::pair{"retweet_count", &m.retweets}, {"reply_count", &m.replies},
            {"like_count", &m.likes}, {"quote_count", &m.quotes_count},
            {"impression_count", &m.views}}) {
        if (!json_counter(pm, key, *out))
          return fmt::format("field 'public_metrics.{}' must be a non-negative integer", key);
      }
    }
    simdjson::dom::element att;
    simdjson::dom::array keys;
    if (!t.at_key("attachments").get(att) && !att.at_key("media_keys").get(keys)) {
      for (auto k : keys) {
        if (k.is_string()) {
          m.media_key.assign(k.get_string().value_unsafe());
          break;
        }
      }
    }
    if (has_author) {
      user_account(author, ctx);
      if (json_str(author, "username", s)) m.account_handle.assign(s);
      if (json_str(author, "name", s)) m.display_name.assign(s);
    } else {
      for (const auto& [id, u] : page_users_) {
        if (id != m.account_id) continue;
        if (json_str(u, "username", s)) m.account_handle.assign(s);
        if (json_str(u, "name", s)) m.display_name.assign(s);
        break;
      }
    }
    ctx.sink->message(m, where);
    return {};
  }

  void user_account(simdjson::dom::element u, ReadContext& ctx) {
    AccountRecord& a = a_;
    a.clear();
    a.platform = "twitter";
    a.kind = AccountKind::kUser;
    bool wrong = false;
    if (!json_string_or_number(u, "id", a.account_id, wrong) || a.account_id.empty() ||
        !seen_.first(a.account_id))
      return;
    std::string_view s;
    if (json_str(u, "username", s)) a.handle.assign(s);
    if (json_str(u, "name", s)) a.display_name.assign(s);
    if (json_str(u, "description", s)) a.description.assign(s);
    MessageRecord scratch;
    if (json_time_field(u, "created_at", scratch, 0).empty()) a.created_at = scratch.time;
    simdjson::dom::element pm;
    if (!u.at_key("public_metrics").get(pm) && pm.is_object()) {
      json_counter(pm, "followers_count", a.followers);
      json_counter(pm, "following_count", a.following);
      json_counter(pm, "tweet_count", a.posts);
    }
    bool verified = false;
    if (json_bool(u, "verified", verified)) a.verified = verified ? 1 : 0;
    ctx.sink->account(a);
  }

  MessageRecord m_;
  AccountRecord a_;
  SeenAccounts seen_;
  std::vector<std::pair<std::string_view, simdjson::dom::element>> page_users_;
};

// A v1.1 user object (users/lookup, users/show, followers/list): a screen name and no
// author of its own.
bool is_v1_user(simdjson::dom::element o) {
  return has_key(o, "screen_name") && !has_key(o, "user") &&
         (has_key(o, "id_str") || has_key(o, "id"));
}

class TwitterV1Reader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    return JsonRecordLoop::run(in, ctx, this, &record);
  }

 private:
  static std::string record(void* self, simdjson::dom::element t, const Position& where,
                            ReadContext& ctx) {
    auto* r = static_cast<TwitterV1Reader*>(self);
    simdjson::dom::element v;
    if (!t.at_key("delete").get(v)) return "a delete notice, not a tweet";
    if (!t.at_key("limit").get(v)) return "a rate-limit notice, not a tweet";
    // Users: one user object, or a page {"users": [...]} (its embedded latest `status`
    // is not stored: it is not part of a collection of tweets).
    simdjson::dom::array users;
    if (!t.at_key("users").get(users)) {
      for (auto u : users) {
        if (!u.is_object() || !is_v1_user(u))
          ctx.sink->reject(where, "users[] entry is not a user object", element_excerpt(u));
        else if (!r->user_account(u, ctx))
          ctx.sink->reject(where, "a user object without an id", element_excerpt(u));
      }
      return {};
    }
    if (is_v1_user(t)) return r->user_account(t, ctx) ? "" : "a user object without an id";
    MessageRecord& m = r->m_;
    m.clear();
    m.platform = "twitter";
    bool wrong = false;
    if (!json_string_or_number(t, "id_str", m.message_id, wrong) &&
        !json_string_or_number(t, "id", m.message_id, wrong))
      return "missing required field 'id_str'";
    simdjson::dom::element user;
    if (t.at_key("user").get(user) || !user.is_object()) return "missing required field 'user'";
    if (!json_string_or_number(user, "id_str", m.account_id, wrong) &&
        !json_string_or_number(user, "id", m.account_id, wrong))
      return "missing required field 'user.id_str'";
    std::string_view s;
    if (json_str(user, "screen_name", s)) m.account_handle.assign(s);
    if (json_str(user, "name", s)) m.display_name.assign(s);
    std::string reason = json_time_field(t, "created_at", m, 0);
    if (!reason.empty()) return reason;
    simdjson::dom::element ext, ent;
    bool extended = !t.at_key("extended_tweet").get(ext) && ext.is_object();
    if (extended && json_str(ext, "full_text", s)) m.text.assign(s);
    else if (json_str(t, "full_text", s) || json_str(t, "text", s)) m.text.assign(s);
    if (json_str(t, "lang", s)) assign_lang(m.lang, s);
    simdjson::dom::element rt;
    if (!t.at_key("retweeted_status").get(rt) && rt.is_object()) {
      json_string_or_number(rt, "id_str", m.shares, wrong);
      simdjson::dom::element rt_user;
      if (!rt.at_key("user").get(rt_user) && rt_user.is_object()) r->user_account(rt_user, ctx);
    }
    json_string_or_number(t, "quoted_status_id_str", m.quotes, wrong);
    json_string_or_number(t, "in_reply_to_status_id_str", m.reply_to, wrong);
    if ((extended && !ext.at_key("entities").get(ent)) || !t.at_key("entities").get(ent)) {
      collect(ent, "hashtags", "text", {}, m.hashtags);
      collect(ent, "user_mentions", "screen_name", {}, m.mentions);
      collect(ent, "urls", "expanded_url", "url", m.urls);
    } else {
      extract_text_entities(m.text, m);
    }
    simdjson::dom::element media_ent;
    simdjson::dom::array media;
    if (((extended && !ext.at_key("extended_entities").get(media_ent)) ||
         !t.at_key("extended_entities").get(media_ent) || !t.at_key("entities").get(media_ent)) &&
        !media_ent.at_key("media").get(media)) {
      for (auto item : media) {
        if (json_string_or_number(item, "id_str", m.media_key, wrong)) break;
      }
    }
    for (auto [key, out] : {std::pair{"favorite_count", &m.likes}, {"retweet_count", &m.retweets},
                            {"reply_count", &m.replies}, {"quote_count", &m.quotes_count}}) {
      if (!json_counter(t, key, *out))
        return fmt::format("field '{}' must be a non-negative integer", key);
    }
    r->user_account(user, ctx);
    ctx.sink->message(m, where);
    return {};
  }

  // False for a user without a usable id (a string or a number, not empty): nothing to store.
  bool user_account(simdjson::dom::element u, ReadContext& ctx) {
    AccountRecord& a = a_;
    a.clear();
    a.platform = "twitter";
    a.kind = AccountKind::kUser;
    bool wrong = false;
    if ((!json_string_or_number(u, "id_str", a.account_id, wrong) &&
         !json_string_or_number(u, "id", a.account_id, wrong)) ||
        a.account_id.empty())
      return false;
    if (!seen_.first(a.account_id)) return true;  // given once a file
    std::string_view s;
    if (json_str(u, "screen_name", s)) a.handle.assign(s);
    if (json_str(u, "name", s)) a.display_name.assign(s);
    if (json_str(u, "description", s)) a.description.assign(s);
    MessageRecord scratch;
    if (json_time_field(u, "created_at", scratch, 0).empty()) a.created_at = scratch.time;
    json_counter(u, "followers_count", a.followers);
    json_counter(u, "friends_count", a.following);
    json_counter(u, "statuses_count", a.posts);
    bool verified = false;
    if (json_bool(u, "verified", verified)) a.verified = verified ? 1 : 0;
    ctx.sink->account(a);
    return true;
  }

  MessageRecord m_;
  AccountRecord a_;
  SeenAccounts seen_;
};

}  // namespace

std::unique_ptr<Reader> make_twitter_v2_reader() { return std::make_unique<TwitterV2Reader>(); }
std::unique_ptr<Reader> make_twitter_v1_reader() { return std::make_unique<TwitterV1Reader>(); }

// A page of tweets or users (data[] or data{}), a page of other API objects (counts,
// lists: read to be rejected by name and warned about), or a flattened tweet.
int sniff_twitter_v2_record(simdjson::dom::element r) {
  if (has_key(r, "id_str")) return 0;
  simdjson::dom::element data;
  if (!r.at_key("data").get(data)) {
    simdjson::dom::element first = data;
    simdjson::dom::array items;
    if (!data.get_array().get(items)) {
      if (items.size() == 0) return has_key(r, "meta") ? 80 : 0;
      first = items.at(0).value_unsafe();
    }
    if (!first.is_object()) return 0;
    V2Object kind = classify_v2(first);
    if (kind == V2Object::kTweet || kind == V2Object::kUser) return 95;
    if (kind == V2Object::kCount || (has_key(first, "id") && has_key(r, "meta"))) return 80;
    return 0;
  }
  return has_key(r, "author_id") && has_key(r, "created_at") && has_key(r, "id") ? 90 : 0;
}

// A tweet (id_str, created_at, user{}), a user object, or a {"users": [...]} page.
int sniff_twitter_v1_record(simdjson::dom::element r) {
  simdjson::dom::element user;
  if (has_key(r, "id_str") && has_key(r, "created_at") && !r.at_key("user").get(user) &&
      user.is_object())
    return 92;
  if (is_v1_user(r) && (has_key(r, "followers_count") || has_key(r, "friends_count"))) return 90;
  simdjson::dom::array users;
  if (!r.at_key("users").get(users) && users.size() > 0) {
    simdjson::dom::element u = users.at(0).value_unsafe();
    if (u.is_object() && is_v1_user(u)) return 90;
  }
  return 0;
}

}  // namespace groundswell
