// A tweet's text and entities as both Twitter formats write them (generate_writers.h).

#include <algorithm>
#include <string>

#include "base/hash.h"
#include "eval/generate_writers.h"

namespace groundswell::gen {
namespace {

constexpr std::uint64_t kHashSeed = 0x67726f756e64ULL;  // "ground"

std::uint64_t hash_string(std::string_view s, std::uint64_t salt) {
  return XXH64(s.data(), s.size(), kHashSeed ^ salt);
}

// A t.co link with ten characters drawn from `r`.
std::string tco_link(GenRng r) {
  std::string tco = "https://t.co/";
  static constexpr std::string_view kAlpha =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int k = 0; k < 10; ++k) tco += kAlpha[r.below(kAlpha.size())];
  return tco;
}

}  // namespace

void TweetText::render(const Content& c, std::size_t cp_offset, std::uint64_t salt) {
  // Twitter shows every link as a t.co link; entities carry the expanded URL.
  entity_count_ = 0;
  std::size_t pos = cp_offset;
  auto add_entity = [&](PieceKind kind, std::size_t len) -> Entity& {
    if (entity_count_ == entities_.size()) entities_.emplace_back();
    Entity& te = entities_[entity_count_++];
    te.kind = kind;
    te.start = pos;
    te.end = pos + len;
    te.text.clear();
    te.expanded.clear();
    return te;
  };
  for (std::size_t i = 0; i < c.size(); ++i) {
    const Piece& p = c[i];
    if (p.kind == PieceKind::kUrl || p.kind == PieceKind::kTextLink) {
      std::string tco = tco_link(GenRng::stream(hash_string(p.text, salt)));
      Entity& te = add_entity(PieceKind::kUrl, tco.size());
      te.text = tco;
      te.expanded = p.kind == PieceKind::kUrl ? p.text : p.href;
      text_ += tco;
      pos += tco.size();
      continue;
    }
    std::size_t len = codepoint_length(p.text);
    if (p.kind == PieceKind::kHashtag) {
      add_entity(PieceKind::kHashtag, len).text = p.text.substr(1);
    } else if (p.kind == PieceKind::kMention) {
      add_entity(PieceKind::kMention, len).text = p.text.substr(1);
    }
    text_ += p.text;
    pos += len;
  }
}

void TweetText::mention_first(std::size_t start, std::size_t end, const std::string& handle) {
  if (entity_count_ == entities_.size()) entities_.emplace_back();
  std::rotate(entities_.begin(), entities_.begin() + static_cast<std::ptrdiff_t>(entity_count_),
              entities_.begin() + static_cast<std::ptrdiff_t>(entity_count_ + 1));
  ++entity_count_;
  Entity& m = entities_[0];
  m.kind = PieceKind::kMention;
  m.start = start;
  m.end = end;
  m.text = handle;
  m.expanded.clear();
}

void TweetText::compose(const Event& e, std::uint64_t id, const Ref* target) {
  text_.clear();
  if (e.type == EventType::kRetweet) {
    const Account& ta = world_.accounts[static_cast<std::size_t>(target->author)];
    build_content(target->spec, context_, &content_);
    text_ = "RT @";
    text_ += ta.handle;
    text_ += ": ";
    std::size_t offset = codepoint_length(text_);
    render(content_, offset, target->tw_id);
    // The retweeted author's mention comes first.
    mention_first(3, 4 + codepoint_length(ta.handle), ta.handle);
    return;
  }
  build_content(e.spec, context_, &content_);
  if ((e.flags & kVariant) != 0) {
    apply_variants(e.variant_seed, (e.flags & kNearDuplicate) != 0, &content_);
  } else if ((e.flags & kTrackUrl) != 0) {
    GenRng r = GenRng::stream(e.variant_seed);
    for (std::size_t i = 0; i < content_.size(); ++i) {
      if (content_[i].kind == PieceKind::kUrl) add_tracking_parameters(r, &content_[i].text);
    }
  }
  std::size_t offset = 0;
  if (e.type == EventType::kReply) {
    const Account& ta = world_.accounts[static_cast<std::size_t>(target->author)];
    text_ = "@";
    text_ += ta.handle;
    text_ += ' ';
    offset = codepoint_length(text_);
  }
  render(content_, offset, id);
  if (e.type == EventType::kReply) {
    const Account& ta = world_.accounts[static_cast<std::size_t>(target->author)];
    mention_first(0, 1 + codepoint_length(ta.handle), ta.handle);
  }
  if (e.type == EventType::kQuote) {
    const Account& ta = world_.accounts[static_cast<std::size_t>(target->author)];
    std::string expanded =
        "https://twitter.com/" + ta.handle + "/status/" + std::to_string(target->tw_id);
    text_ += ' ';
    std::size_t start = codepoint_length(text_);
    std::string tco = tco_link(GenRng::stream(mix_seed(id, 11)));
    if (entity_count_ == entities_.size()) entities_.emplace_back();
    Entity& u = entities_[entity_count_++];
    u.kind = PieceKind::kUrl;
    u.start = start;
    u.end = start + tco.size();
    u.text = tco;
    u.expanded = expanded;
    text_ += tco;
  }
}

void TweetText::compose_original(const Ref& r) {
  build_content(r.spec, context_, &content_);
  text_.clear();
  render(content_, 0, r.tw_id);
}

}  // namespace groundswell::gen
