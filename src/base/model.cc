#include "groundswell/model.h"

namespace groundswell {

void MessageRecord::clear() {
  platform.clear();
  chat_id.clear();
  message_id.clear();
  account_id.clear();
  account_handle.clear();
  display_name.clear();
  time = kNoTime;
  time_resolution_ms = 1000;
  text.clear();
  lang.clear();
  reply_to.clear();
  shares.clear();
  quotes.clear();
  urls.clear();
  hashtags.clear();
  mentions.clear();
  media_key.clear();
  kind = RecordKind::kPost;
  views = forwards = replies = reactions = likes = retweets = quotes_count = kAbsent;
  reactions_detail.clear();
}

void AccountRecord::clear() {
  platform.clear();
  account_id.clear();
  handle.clear();
  display_name.clear();
  created_at = kNoTime;
  followers = following = posts = kAbsent;
  description.clear();
  verified = -1;
  kind = AccountKind::kUnknown;
}

std::string_view to_string(AccountKind kind) {
  switch (kind) {
    case AccountKind::kUser: return "user";
    case AccountKind::kChannel: return "channel";
    case AccountKind::kGroup: return "group";
    case AccountKind::kBot: return "bot";
    default: return "";
  }
}

}  // namespace groundswell
