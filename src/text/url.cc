#include "text/url.h"

#include <algorithm>
#include <array>
#include <vector>

namespace groundswell {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool is_scheme_char(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  if (first) return false;
  return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 §6.2.2: upper-case escapes, decode escaped unreserved characters. A '%' that
// starts no escape is written as one, %25 (what it means to a browser), so that no decoded
// character forms a new escape with it ("%%66" is "%25f", not "%f", which would read as an
// escape the second time; found by fuzzing).
std::string normalize_escapes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      const auto byte = static_cast<unsigned char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      if (is_unreserved(byte)) {
        out.push_back(static_cast<char>(byte));
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        out.push_back('%');
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 15]);
      }
      i += 2;
    } else if (s[i] == '%') {
      out += "%25";
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Query keys that only say where a click came from. Compared case-insensitively.
constexpr std::array<std::string_view, 24> kTrackingKeys = {
    "fbclid",  "gclid",   "dclid",   "gbraid", "wbraid",      "msclkid", "mc_cid", "mc_eid",
    "igshid",  "igsh",    "si",      "ref_src", "ref_url",    "yclid",   "_ga",    "_gl",
    "twclid",  "ttclid",  "srsltid", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
    "__twitter_impression"};

bool is_tracking_key(std::string_view key, std::string_view host) {
  if (key.size() >= 4 && iequals(key.substr(0, 4), "utm_")) return true;
  for (std::string_view k : kTrackingKeys)
    if (iequals(key, k)) return true;
  // X share links append ?s=20&t=...; on X neither selects content.
  if (host == "x.com" && (iequals(key, "s") || iequals(key, "t"))) return true;
  if (host == "youtube.com" && (iequals(key, "feature") || iequals(key, "pp"))) return true;
  return false;
}

struct UrlParts {
  std::string scheme;
  std::string host;
  std::string port;
  std::string path;
  std::vector<std::string> query;
};

// What parse() trims from both ends of a URL: ASCII white space and control bytes.
bool is_space_or_control(char c) { return static_cast<unsigned char>(c) <= ' '; }

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

void canonicalize_host(UrlParts& u) {
  std::string& h = u.host;
  while (!h.empty() && h.back() == '.') h.pop_back();
  // Strip mobile/www labels while a registrable-looking name (one with a dot) remains.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::string_view prefix : {std::string_view("www."), std::string_view("m."),
                                    std::string_view("mobile.")}) {
      if (h.size() > prefix.size() && h.compare(0, prefix.size(), prefix) == 0 &&
          h.find('.', prefix.size()) != std::string::npos) {
        h.erase(0, prefix.size());
        changed = true;
      }
    }
  }
  if (h == "twitter.com") h = "x.com";
  if (h == "telegram.me" || h == "telegram.dog") h = "t.me";
}

// Splits the path into segments for the host-specific rules.
std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> segs;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') { ++i; continue; }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    segs.push_back(path.substr(i, j - i));
    i = j;
  }
  return segs;
}

void canonicalize_path(UrlParts& u) {
  std::string& p = u.path;
  // Trailing '/' dropped, and white space, which would end the canonical form when the query
  // goes (a string's end is trimmed when read again; found by fuzzing).
  while (!p.empty() && (p.back() == '/' || is_space_or_control(p.back()))) p.pop_back();
  if (u.host == "t.me") {
    auto segs = path_segments(p);
    // Every leading "s" or "S" (the web preview), so that the result, lowercased below, has
    // none to strip again: no username is one letter (found by fuzzing: t.me/s/s/Gre,
    // t.me/S/a).
    while (!segs.empty() && (segs[0] == "s" || segs[0] == "S")) segs.erase(segs.begin());
    std::string out;
    for (size_t i = 0; i < segs.size(); ++i) {
      out += '/';
      out += (i == 0) ? lower_ascii(segs[i]) : std::string(segs[i]);
    }
    p = out;
  } else if (u.host == "x.com") {
    auto segs = path_segments(p);
    // USER/status/ID, USER/statuses/ID, i/web/status/ID -> i/status/ID (X ignores USER).
    for (size_t i = 0; i + 1 < segs.size(); ++i) {
      if ((segs[i] == "status" || segs[i] == "statuses") && is_digits(segs[i + 1])) {
        p = "/i/status/" + std::string(segs[i + 1]);
        return;
      }
    }
    if (!segs.empty()) {
      std::string out = "/" + lower_ascii(segs[0]);
      for (size_t i = 1; i < segs.size(); ++i) out += "/" + std::string(segs[i]);
      p = out;
    }
  } else if (u.host == "youtu.be") {
    auto segs = path_segments(p);
    if (!segs.empty()) {
      // The id becomes a query value: an '&' in it is escaped, or it would split the value
      // when the canonical form is read again (found by fuzzing).
      std::string v = "v=";
      for (char c : segs[0]) {
        if (c == '&') {
          v += "%26";
        } else {
          v += c;
        }
      }
      u.query.push_back(std::move(v));
      u.host = "youtube.com";
      p = "/watch";
    }
  }
}

UrlParts parse(std::string_view url) {
  // Trim ASCII whitespace.
  while (!url.empty() && is_space_or_control(url.front())) url.remove_prefix(1);
  while (!url.empty() && is_space_or_control(url.back())) url.remove_suffix(1);

  UrlParts u;
  const size_t sep = url.find("://");
  bool has_scheme = sep != std::string_view::npos && sep > 0;
  for (size_t i = 0; has_scheme && i < sep; ++i) has_scheme = is_scheme_char(url[i], i == 0);
  if (has_scheme) {
    u.scheme = lower_ascii(url.substr(0, sep));
    url.remove_prefix(sep + 3);
  } else {
    if (url.size() >= 2 && url[0] == '/' && url[1] == '/') url.remove_prefix(2);
    u.scheme = "https";
  }
  if (u.scheme == "http") u.scheme = "https";

  // The fragment never reaches the server; nor does white space before it.
  if (size_t f = url.find('#'); f != std::string_view::npos) url = url.substr(0, f);
  while (!url.empty() && is_space_or_control(url.back())) url.remove_suffix(1);

  const size_t auth_end = std::min(url.find_first_of("/?"), url.size());
  std::string_view authority = url.substr(0, auth_end);
  url.remove_prefix(auth_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  // Port: the digits after the last ':' outside an IPv6 literal. Anything else after a ':'
  // is not a port, and stays in the host so that the string maps to itself. Trailing dots
  // (an absolute name), white space and empty or numeric ports are dropped until none is
  // left, so that the host written out reads back as the same host ("x:." and "x.:" are "x",
  // found by fuzzing).
  for (bool port_seen = false;;) {
    while (!authority.empty() && (authority.back() == '.' || is_space_or_control(authority.back())))
      authority.remove_suffix(1);
    const size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos)
      break;
    std::string_view port = authority.substr(colon + 1);
    if (!port.empty() && !is_digits(port)) break;
    authority = authority.substr(0, colon);
    if (!port_seen && !port.empty() && port != "80" && port != "443") u.port = std::string(port);
    port_seen = port_seen || !port.empty();
  }
  u.host = lower_ascii(authority);
  canonicalize_host(u);

  const size_t q = url.find('?');
  u.path = normalize_escapes(url.substr(0, std::min(q, url.size())));
  if (q != std::string_view::npos) {
    std::string_view query = url.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view part = query.substr(0, amp);
      query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
      if (!part.empty()) u.query.push_back(normalize_escapes(part));
    }
  }
  canonicalize_path(u);

  // Any part may end the canonical form once sorted: none ends with white space.
  for (std::string& part : u.query)
    while (!part.empty() && is_space_or_control(part.back())) part.pop_back();
  std::erase_if(u.query, [&](const std::string& part) {
    std::string_view key = std::string_view(part).substr(0, part.find('='));
    return part.empty() || is_tracking_key(key, u.host);
  });
  std::sort(u.query.begin(), u.query.end());
  return u;
}

}  // namespace

std::string canonical_url(std::string_view url) {
  UrlParts u = parse(url);
  std::string out;
  out.reserve(url.size() + 8);
  out += u.scheme;
  out += "://";
  out += u.host;
  if (!u.port.empty()) {
    out += ':';
    out += u.port;
  }
  out += u.path;
  for (size_t i = 0; i < u.query.size(); ++i) {
    out += (i == 0) ? '?' : '&';
    out += u.query[i];
  }
  return out;
}

std::string url_domain(std::string_view url) { return parse(url).host; }

}  // namespace groundswell
