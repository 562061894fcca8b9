// Inputs the ingest's tests write (src/ingest/ingest_test.cc, src/dist/ingest_dist_test.cc).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace groundswell::test_inputs {

// Record i of a canonical JSON-lines file: a Telegram post by `account` (default user<i % 7>)
// with Persian text, a link with a tracking parameter, a hashtag and views.
inline std::string canonical_line(int i, std::string_view account = "") {
  return "{\"platform\":\"telegram\",\"chat_id\":\"channel1\",\"message_id\":\"" +
         std::to_string(i) + "\",\"account_id\":\"" +
         (account.empty() ? "user" + std::to_string(i % 7) : std::string(account)) +
         "\",\"time\":" + std::to_string(1709287200 + i) + ",\"text\":\"پیام شماره " +
         std::to_string(i) +
         "\",\"urls\":[\"https://example.org/a?utm_source=x\"],\"hashtags\":[\"آزادی\"],"
         "\"views\":" +
         std::to_string(i * 10) + "}\n";
}

// A canonical JSON-lines file of 3,000 records (about 600 KB) with blank lines and records
// whose invalid UTF-8 is replaced, and with `rejects` lines that do not parse and two lines
// longer than a record limit of 3,000 bytes, one of them longer than a piece of 4 KiB.
inline std::string large_json_lines(bool rejects) {
  std::string out;
  for (int i = 0; i < 3000; ++i) {
    out += canonical_line(i);
    if (i % 97 == 5 && rejects) out += "not json\n";
    if (i % 211 == 7) out += "\n";
    if (i % 389 == 11) out += canonical_line(100000 + i).insert(60, "\xff");
    if (i == 1000 && rejects) out += std::string(5000, 'x') + "\n";   // too long
    if (i == 2000 && rejects) out += std::string(10000, 'y') + "\n";  // and longer than a piece
  }
  return out;
}

// twarc2 pages (one API response a line) of two posts each, by 17 users whom each page
// includes again: a reader gives each account once per file.
inline std::string twarc2_pages(int pages) {
  std::string out;
  auto user = [](int u) {
    return fmt::format(R"({{"id": "{0}", "username": "user{0}", "name": "User {0}"}})", u);
  };
  for (int p = 0; p < pages; ++p) {
    const int a = p % 17, b = (p * 5 + 3) % 17;
    out += fmt::format(
        R"({{"data": [{{"id": "{0}", "text": "page {0}", "author_id": "{1}", "created_at": )"
        R"("2024-03-01T10:00:00.000Z"}}, {{"id": "{2}", "text": "and {2}", "author_id": "{3}", )"
        R"("created_at": "2024-03-01T11:00:00.000Z"}}], "includes": {{"users": [{4}, {5}]}}}})"
        "\n",
        1000 + 2 * p, a, 1001 + 2 * p, b, user(a), user(b));
  }
  return out;
}

}  // namespace groundswell::test_inputs
