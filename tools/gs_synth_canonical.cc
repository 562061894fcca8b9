// groundswell-synth-canonical: writes N messages of canonical JSON lines, deterministic by
// seed, for ingest benchmarks and the kill-and-resume test. Not a realistic simulation (that
// is groundswell-generate); just records of realistic size and shape, fast to produce.
//
//   groundswell-synth-canonical --messages 1000000 --seed 1 > msgs.jsonl
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <random>
#include <string>

#include "base/json_writer.h"

int main(int argc, char** argv) {
  CLI::App app{"Write synthetic canonical JSON lines to stdout"};
  std::uint64_t messages = 1000;
  std::uint64_t seed = 1;
  std::uint64_t accounts = 0;
  app.add_option("--messages", messages, "Number of messages")->capture_default_str();
  app.add_option("--accounts", accounts, "Number of accounts (default messages/20)");
  app.add_option("--seed", seed, "Random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (accounts == 0) accounts = std::max<std::uint64_t>(1, messages / 20);

  static const char* kWords[] = {"آزادی", "ایران", "مردم", "خبر", "امروز", "تهران", "support",
                                 "the",   "people", "news", "today", "march", "vote",  "رای",
                                 "حقیقت", "جنبش",  "freedom", "city", "street", "now"};
  std::mt19937_64 rng(seed);
  std::string line, text;
  line.reserve(1024);
  std::int64_t t = 1709251200;  // 2024-03-01T00:00:00Z
  for (std::uint64_t i = 0; i < messages; ++i) {
    t += static_cast<std::int64_t>(rng() % 3);
    std::uint64_t acct = rng() % accounts;
    text.clear();
    int words = 8 + static_cast<int>(rng() % 30);
    for (int w = 0; w < words; ++w) {
      if (w) text.push_back(' ');
      text += kWords[rng() % (sizeof kWords / sizeof *kWords)];
    }
    line.clear();
    fmt::format_to(std::back_inserter(line),
                   "{{\"platform\":\"telegram\",\"chat_id\":\"channel{}\",\"message_id\":\"{}\","
                   "\"account_id\":\"user{}\",\"account_handle\":\"handle_{}\",\"time\":{},"
                   "\"text\":",
                   acct % 50, i, acct, acct, t);
    groundswell::append_json_string(line, text);
    fmt::format_to(std::back_inserter(line),
                   ",\"urls\":[\"https://example.org/item/{}?utm_source=tg\"],\"hashtags\":["
                   "\"آزادی\"],\"shares\":\"channel{}/{}\",\"views\":{},\"forwards\":{}}}\n",
                   rng() % 10000, rng() % 100, rng() % 5000, rng() % 100000, rng() % 500);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return 0;
}
