#include "pipeline/pseudonymize.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <numeric>

#include "base/file.h"
#include "base/json_writer.h"
#include "base/output_file.h"

namespace groundswell {

namespace fs = std::filesystem;

namespace {

constexpr char kHex[] = "0123456789abcdef";
// 20 hex digits = 80 bits: the birthday bound puts the chance of any collision among 1e8
// accounts near 4e-9 (docs/privacy.md).
constexpr std::size_t kPseudonymHexDigits = 20;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}
bool is_host_char(char c) { return is_name_char(c) || c == '.' || c == '-'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}
std::size_t name_run(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && is_name_char(s[j])) ++j;
  return j - i;
}

enum class LinkHost { kNone, kTelegram, kTwitter };

LinkHost link_host(std::string_view host) {
  std::string h = lowered(host);
  if (h.starts_with("www.")) h.erase(0, 4);
  if (h == "t.me" || h == "telegram.me" || h == "telegram.dog") return LinkHost::kTelegram;
  if (h == "twitter.com" || h == "mobile.twitter.com" || h == "x.com") return LinkHost::kTwitter;
  return LinkHost::kNone;
}

// First path segments that are site pages, not usernames.
bool reserved_segment(LinkHost host, std::string_view segment) {
  static const std::vector<std::string_view> telegram = {
      "joinchat", "addstickers", "addemoji", "addlist", "share", "proxy", "socks", "iv", "boost"};
  static const std::vector<std::string_view> twitter = {
      "i",        "home",     "search",  "hashtag", "intent",  "share",    "explore",
      "settings", "login",    "logout",  "signup",  "notifications", "messages", "compose",
      "tos",      "privacy",  "status",  "statuses"};
  std::string s = lowered(segment);
  const auto& list = host == LinkHost::kTelegram ? telegram : twitter;
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

Result<PseudonymKey> resolve_pseudonym_key(const PseudonymKeySources& sources) {
  PseudonymKey k;
  if (!sources.key_file.empty() && !sources.command_line.empty())
    return Status::InvalidArgument(
        "give the key either with --pseudonymize KEY or with --pseudonymize-key-file FILE, not "
        "both");
  if (!sources.key_file.empty()) {
    std::error_code ec;
    if (fs::is_directory(sources.key_file, ec))
      return Status::InvalidArgument(
          fmt::format("--pseudonymize-key-file {}: a folder, not a file", sources.key_file));
    auto bytes = read_whole_file(sources.key_file);
    if (!bytes)
      return Status::InvalidArgument(fmt::format("--pseudonymize-key-file {}: cannot read it: {}",
                                                 sources.key_file, std::strerror(errno)));
    std::string key = std::move(*bytes);
    if (key.ends_with('\n')) key.pop_back();
    if (key.ends_with('\r')) key.pop_back();
    if (key.empty())
      return Status::InvalidArgument(
          fmt::format("--pseudonymize-key-file {}: the file is empty", sources.key_file));
    k.key = std::move(key);
    k.from = "--pseudonymize-key-file " + sources.key_file;
    k.explicitly_asked = true;
    auto perms = fs::status(sources.key_file, ec).permissions();
    if (!ec && (perms & (fs::perms::group_read | fs::perms::others_read)) != fs::perms::none)
      k.warning = fmt::format("{} can be read by other users of this machine: chmod 600 it",
                              sources.key_file);
    return k;
  }
  if (!sources.command_line.empty()) {
    k.key = sources.command_line;
    k.from = "--pseudonymize";
    k.warning = fmt::format(
        "a key given as --pseudonymize KEY is visible to other users in the process list and "
        "stays in the shell's history: prefer --pseudonymize-key-file FILE or {}",
        kPseudonymKeyVariable);
    k.explicitly_asked = true;
    return k;
  }
  if (!sources.environment.empty()) {
    k.key = sources.environment;
    k.from = std::string(kPseudonymKeyVariable);
  }
  return k;
}

Pseudonymizer::Pseudonymizer(std::string_view key) : mac_(key) {
  fingerprint_ = hex_mac("", "groundswell key fingerprint").substr(0, 16);
}

// HMAC(key, prefix + message), the first kPseudonymHexDigits hex digits.
std::string Pseudonymizer::hex_mac(std::string_view prefix, std::string_view message) const {
  const Sha256Digest mac = mac_.digest(prefix, message);
  std::string hex;
  hex.reserve(kPseudonymHexDigits);
  for (std::size_t i = 0; i < kPseudonymHexDigits / 2; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  return hex;
}

std::string Pseudonymizer::account_id(std::string_view id) const {
  if (id.empty()) return {};
  // Chat ids and share keys repeat on every message of a chat: one HMAC per distinct id.
  std::string key(id);
  auto it = id_cache_.find(key);
  if (it == id_cache_.end()) {
    if (id_cache_.size() > (1u << 20)) id_cache_.clear();
    it = id_cache_.emplace(std::move(key), "a_" + hex_mac("id:", id)).first;
  }
  return it->second;
}

std::int64_t Pseudonymizer::digest(std::int64_t raw) const {
  std::string hex = hex_mac("digest:", std::to_string(raw)).substr(0, 16);
  return static_cast<std::int64_t>(std::stoull(hex, nullptr, 16));
}

std::string Pseudonymizer::handle(std::string_view h) const {
  bool at = !h.empty() && h.front() == '@';
  if (at) h.remove_prefix(1);
  if (h.empty()) return at ? "@" : "";
  std::string key = lowered(h);
  auto it = handle_cache_.find(key);
  if (it == handle_cache_.end()) {
    // Bounded: a text-heavy dataset mentions many names, but memory must not grow without end.
    if (handle_cache_.size() > (1u << 20)) handle_cache_.clear();
    it = handle_cache_.emplace(key, "h_" + hex_mac("handle:", key)).first;
  }
  return at ? "@" + it->second : it->second;
}

std::string Pseudonymizer::mention(std::string_view m) const {
  std::string_view bare = !m.empty() && m.front() == '@' ? m.substr(1) : m;
  if (all_digits(bare)) return account_id(bare);
  return handle(m);
}

std::string Pseudonymizer::item_key(std::string_view key) const {
  if (key.empty() || all_digits(key)) return std::string(key);
  // The suffix that names a post, not an account: "|<16 hex>" (a text hash of a forward
  // by name), "/<digits>" (post number) or "@<digits>" (the original's Unix time).
  std::size_t cut = std::string_view::npos;
  std::size_t bar = key.rfind('|');
  if (bar != std::string_view::npos && key.size() - bar == 17 &&
      std::all_of(key.begin() + static_cast<std::ptrdiff_t>(bar) + 1, key.end(),
                  [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }))
    cut = bar;
  if (cut == std::string_view::npos) {
    std::size_t slash = key.find_last_of("/@");
    if (slash != std::string_view::npos && slash > 0 && all_digits(key.substr(slash + 1)))
      cut = slash;
  }
  if (cut == std::string_view::npos) return account_id(key);
  return account_id(key.substr(0, cut)) + std::string(key.substr(cut));
}

void Pseudonymizer::rewrite_handle_links(std::string_view text, std::string& out) const {
  out.clear();
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '@') {
      std::size_t n = name_run(text, i + 1);
      if (n > 0) {
        out.push_back('@');
        out.append(handle(text.substr(i + 1, n)));
        i += 1 + n;
        continue;
      }
    } else if (c == '/') {
      std::size_t start = i;
      while (start > 0 && is_host_char(text[start - 1])) --start;
      // A host starts the text, follows a non-path character or "//" ("https://t.me/x"),
      // never a single '/' ("example.org/t.me/x" is a path on example.org).
      bool host_start = start == 0 || text[start - 1] != '/' ||
                        (start >= 2 && text[start - 2] == '/');
      LinkHost host = start < i && host_start ? link_host(text.substr(start, i - start))
                                              : LinkHost::kNone;
      std::size_t n = host == LinkHost::kNone ? 0 : name_run(text, i + 1);
      if (n > 0) {
        std::string_view segment = text.substr(i + 1, n);
        std::size_t next = i + 1 + n;
        out.push_back('/');
        if (host == LinkHost::kTelegram && (segment == "c" || segment == "s") &&
            next < text.size() && text[next] == '/' && name_run(text, next + 1) > 0) {
          // t.me/c/<id>/<post>: a private channel by number (account "channel<id>");
          // t.me/s/<name>: the web preview of channel <name>.
          std::size_t m = name_run(text, next + 1);
          std::string_view inner = text.substr(next + 1, m);
          out.append(segment);
          out.push_back('/');
          out.append(segment == "c" ? account_id("channel" + std::string(inner)) : handle(inner));
          i = next + 1 + m;
          continue;
        }
        if (reserved_segment(host, segment))
          out.append(segment);
        else
          out.append(handle(segment));
        i = next;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
}

std::string Pseudonymizer::text(std::string_view text) const {
  std::string out;
  rewrite_handle_links(text, out);
  return out;
}

std::string Pseudonymizer::object_key(Behaviour b, std::string_view key) const {
  switch (b) {
    case Behaviour::kShare:
    case Behaviour::kReply:
      return item_key(key);
    case Behaviour::kMention:
      return mention(key);
    case Behaviour::kLink:
    case Behaviour::kText:
    case Behaviour::kSimilarText:
      return text(key);
    case Behaviour::kDomain:
    case Behaviour::kHashtag:
    case Behaviour::kMedia:
    case Behaviour::kPost:
      break;
  }
  return std::string(key);
}

namespace {

template <typename F>
void rewrite(StringColumn& column, F&& f) {
  StringColumn out;
  out.reserve(column.size());
  for (std::size_t i = 0; i < column.size(); ++i) out.push_back(f(column[i]));
  column = std::move(out);
}

template <typename F>
void rewrite(ListColumn& column, F&& f) {
  ListColumn out;
  for (std::size_t i = 0; i < column.size(); ++i) {
    out.begin_row();
    for (std::size_t k = 0; k < column.count(i); ++k) out.add(f(column.item(i, k)));
    out.end_row();
  }
  column = std::move(out);
}

}  // namespace

void pseudonymize(Dataset& d, const Pseudonymizer& p, const NameScrubber& scrubber) {
  // Display names are free text chosen by the account holder: the handle pseudonym stands in.
  StringColumn names;
  names.reserve(d.accounts());
  for (std::size_t a = 0; a < d.accounts(); ++a) names.push_back(p.handle(d.account_handle[a]));
  d.account_display_name = std::move(names);
  rewrite(d.account_id, [&](std::string_view v) { return p.account_id(v); });
  rewrite(d.account_handle, [&](std::string_view v) { return p.handle(v); });
  rewrite(d.account_description, [](std::string_view) { return std::string(); });
  rewrite(d.msg_chat_id, [&](std::string_view v) { return p.chat_id(v); });
  rewrite(d.msg_shares, [&](std::string_view v) { return p.item_key(v); });
  rewrite(d.msg_reply_to, [&](std::string_view v) { return p.item_key(v); });
  rewrite(d.msg_quotes, [&](std::string_view v) { return p.item_key(v); });
  rewrite(d.msg_text, [&](std::string_view v) { return scrubber.text(v); });
  // Keys of the texts before scrubbing: what detection compared, nothing written after it.
  release(d.msg_text_key);
  release(d.msg_text_key_bytes);
  release(d.msg_text_key_tokens);
  rewrite(d.msg_mentions, [&](std::string_view v) { return p.mention(v); });
  rewrite(d.msg_urls, [&](std::string_view v) { return scrubber.text(v); });
}

void pseudonymize(DetectionResult& r, const Dataset& d, const Pseudonymizer& p,
                  const NameScrubber& scrubber) {
  auto object_key = [&](Behaviour b, std::string_view key) {
    std::string k = p.object_key(b, key);
    bool text = b == Behaviour::kLink || b == Behaviour::kText || b == Behaviour::kSimilarText;
    return text ? scrubber.ids_in(k) : k;
  };
  // The same order detect() uses, over the pseudonyms.
  r.account_rank = account_byte_order(d);
  const auto& rank = r.account_rank;
  if (!r.directed) {
    for (Edge& e : r.edges) {
      if (rank[e.source] <= rank[e.target]) continue;
      std::swap(e.source, e.target);
      std::swap(e.n_content_id, e.n_content_id_y);
      for (std::uint64_t k = e.evidence_begin; k < e.evidence_end && k < r.evidence.size(); ++k)
        std::swap(r.evidence[k].source_msg, r.evidence[k].target_msg);
    }
  }
  std::stable_sort(r.edges.begin(), r.edges.end(), [&](const Edge& x, const Edge& y) {
    if (x.source != y.source) return rank[x.source] < rank[y.source];
    if (x.target != y.target) return rank[x.target] < rank[y.target];
    return x.behaviour < y.behaviour;
  });
  for (std::size_t slot = 0; slot < r.objects.size() && slot < r.behaviours.size(); ++slot)
    for (auto& key : r.objects[slot]) key = object_key(r.behaviours[slot], key);
  for (Cluster& c : r.clusters) {
    std::sort(c.accounts.begin(), c.accounts.end(),
              [&](std::uint32_t x, std::uint32_t y) { return rank[x] < rank[y]; });
    for (auto& t : c.top_objects) t.key = object_key(t.behaviour, t.key);
    // The reasons name accounts ("re-share posts of @outlet"): ids and handles both.
    c.verdict_reasons = scrubber(c.verdict_reasons);
  }
}

void pseudonymize_reasons(std::vector<std::string>& reasons, const Dataset& raw,
                          const Pseudonymizer& p) {
  for (std::size_t a = 0; a < reasons.size() && a < raw.accounts(); ++a) {
    std::string_view h = raw.account_handle[a];
    if (h.empty() || reasons[a].empty()) continue;
    std::string quoted = "'" + std::string(h) + "'";
    std::string replacement = "'" + p.handle(h) + "'";
    for (std::size_t at = reasons[a].find(quoted); at != std::string::npos;
         at = reasons[a].find(quoted, at + replacement.size()))
      reasons[a].replace(at, quoted.size(), replacement);
  }
}

NameScrubber::NameScrubber(const Dataset& raw, const Pseudonymizer& p) : p_(p) {
  // Short tokens are too likely to be ordinary words or numbers in a path ("data", "2024").
  auto worth = [](std::string_view v) {
    return v.size() >= 4 && (!all_digits(v) || v.size() >= 6);
  };
  for (std::size_t a = 0; a < raw.accounts(); ++a) {
    std::string_view id = raw.account_id[a];
    if (worth(id) && name_run(id, 0) == id.size()) {
      ids_.emplace(std::string(id), p.account_id(id));
      min_length_ = std::min(min_length_, id.size());
      max_length_ = std::max(max_length_, id.size());
    }
    std::string_view h = raw.account_handle[a];
    if (!h.empty() && h.front() == '@') h.remove_prefix(1);
    if (worth(h) && name_run(h, 0) == h.size()) {
      handles_.emplace(lowered(h), p.handle(h));
      min_length_ = std::min(min_length_, h.size());
      max_length_ = std::max(max_length_, h.size());
    }
  }
}

std::string NameScrubber::scrub(std::string_view text, bool handles) const {
  // A name may sit inside a longer token joined by '_' ("ChatExport_GreenHorizon_2024"), and
  // '_' is itself a handle character: every '_'-delimited run of the token is a candidate,
  // longest first.
  // std::hash of a string_view, never reaching an output: only which names match matters.
  auto replacement = [&](std::string_view run) -> const std::string* {
    if (run.size() < min_length_ || run.size() > max_length_) return nullptr;
    if (auto it = ids_.find(run); it != ids_.end()) return &it->second;
    if (!handles) return nullptr;
    if (auto it = handles_.find(lowered(run)); it != handles_.end()) return &it->second;
    return nullptr;
  };
  std::string out;
  out.reserve(text.size());
  std::vector<std::size_t> cuts;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = name_run(text, i);
    if (n == 0) {
      out.push_back(text[i++]);
      continue;
    }
    std::string_view token = text.substr(i, n);
    if (n < min_length_) {
      out.append(token);
      i += n;
      continue;
    }
    cuts.assign(1, 0);  // starts of '_'-delimited parts, then the end
    for (std::size_t k = 0; k < token.size(); ++k)
      if (token[k] == '_') cuts.push_back(k + 1);
    cuts.push_back(token.size() + 1);
    std::size_t a = 0;
    while (a + 1 < cuts.size()) {
      bool replaced = false;
      for (std::size_t b = cuts.size() - 1; b > a; --b) {
        std::string_view run = token.substr(cuts[a], cuts[b] - 1 - cuts[a]);
        if (const std::string* r = replacement(run)) {
          out.append(*r);
          if (b + 1 < cuts.size()) out.push_back('_');
          a = b;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
      out.append(token.substr(cuts[a], cuts[a + 1] - cuts[a] - (a + 2 < cuts.size() ? 0 : 1)));
      ++a;
    }
    i += n;
  }
  return out;
}

void pseudonymize_provenance(ReportProvenance& provenance, const NameScrubber& scrubber) {
  for (auto& f : provenance.files) f.path = scrubber(f.path);
  for (auto& r : provenance.reject_samples) {
    r.file = scrubber(r.file);
    r.reason = scrubber(r.reason);
    r.excerpt = std::string(kWithheldExcerpt);
  }
}

Status write_pseudonymized_rejects(const std::filesystem::path& raw_rejects,
                                   const std::filesystem::path& out, const NameScrubber& scrubber) {
  std::ifstream in(raw_rejects, std::ios::binary);
  auto o = OutputFile::create(out);
  if (!o) return o.status();
  simdjson::dom::parser parser;
  std::string line;
  while (in && std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::element root;
    std::string_view file, reason;
    std::uint64_t number = 0, offset = 0;
    if (parser.parse(line).get(root)) continue;  // not ours: never copy raw bytes through
    if (root["file"].get(file)) file = {};
    if (root["reason"].get(reason)) reason = {};
    if (root["line"].get(number)) number = 0;
    if (root["offset"].get(offset)) offset = 0;
    JsonWriter w(false);
    w.begin_object()
        .key("file").value(scrubber(file))
        .key("line").value(number)
        .key("offset").value(offset)
        .key("reason").value(scrubber(reason))
        .key("excerpt").value(kWithheldExcerpt)
        .end_object();
    std::string text = w.take();
    text.push_back('\n');
    GS_RETURN_IF_ERROR(o->write(text));
  }
  return o->commit();
}

}  // namespace groundswell
