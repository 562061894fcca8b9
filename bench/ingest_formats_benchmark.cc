// Reader throughput of the Telegram and Twitter formats, without the store: each benchmark
// writes a synthetic file once (Persian and English text, entities, reactions, forwards),
// then reads it with the format's reader into a sink that only counts (the file is written
// to the temporary directory and removed at exit). bytes_per_second is
// the parsing speed the ingest pipeline's parsing thread can sustain; the end-to-end figure
// into the store is measured with `groundswell ingest` (docs/formats.md).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell {
namespace {

class CountingSink : public RecordSink {
 public:
  void message(const MessageRecord& m, const Position&) override {
    ++messages;
    bytes += m.text.size();
  }
  void account(const AccountRecord&) override { ++accounts; }
  void reject(const Position&, std::string_view, std::string_view) override { ++rejects; }
  void warn(const Position&, std::string_view) override {}
  std::uint64_t messages = 0, accounts = 0, rejects = 0, bytes = 0;
};

// GS_BENCH_MESSAGES overrides the size (e.g. 700000 for a result.json over 500 MB, to see
// that the reader's memory does not grow with the file).
const int kMessages = [] {
  const char* env = std::getenv("GS_BENCH_MESSAGES");
  int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : 100000;
}();

std::string temp_path(std::string_view name) {
  return (std::filesystem::temp_directory_path() /
          fmt::format("gs_bench_{}_{}", static_cast<long>(::getpid()), name))
      .string();
}

const std::string& telegram_export_file() {
  static const std::string path = [] {
    std::string p = temp_path("result.json");
    std::ofstream f(p, std::ios::binary);
    f << "{\n \"name\": \"خبر فوری | News Now\",\n \"type\": \"public_channel\",\n \"id\": 1234567890,\n"
         " \"messages\": [\n";
    for (int i = 0; i < kMessages; ++i) {
      f << (i ? ",\n" : "") << "  {\n   \"id\": " << i + 1
        << ",\n   \"type\": \"message\",\n   \"date\": \"2024-03-01T10:00:00\",\n"
           "   \"date_unixtime\": \""
        << 1709280000 + i
        << "\",\n   \"from\": \"خبر فوری | News Now\",\n   \"from_id\": \"channel1234567890\",\n"
        << (i % 3 == 0 ? "   \"forwarded_from\": \"Daily Voice\",\n" : "")
        << "   \"text\": [\n    \"تجمع امروز در تهران با حضور هزاران نفر برگزار شد. Thousands "
           "gathered \\x01 "
        << i % 997
        << " \",\n    {\"type\": \"hashtag\", \"text\": \"#آزادی\"},\n    \" \",\n"
           "    {\"type\": \"text_link\", \"text\": \"report\", \"href\": \"https://news.example.com/r/"
        << i % 9973 << "\"}\n   ],\n   \"reactions\": [{\"type\": \"emoji\", \"count\": " << i % 50
        << ", \"emoji\": \"👍\"}]\n  }";
    }
    f << "\n ]\n}\n";
    return p;
  }();
  return path;
}

const std::string& twarc2_file() {
  static const std::string path = [] {
    std::string p = temp_path("twarc2.jsonl");
    std::ofstream f(p, std::ios::binary);
    constexpr int kPerPage = 100;
    for (int page = 0; page < kMessages / kPerPage; ++page) {
      f << "{\"data\": [";
      for (int k = 0; k < kPerPage; ++k) {
        int i = page * kPerPage + k;
        f << (k ? ", " : "") << "{\"id\": \"" << 1760000000000000000LL + i
          << "\", \"text\": \"زنده باد آزادی #آزادی https://t.co/abc" << i % 97
          << " families wrote about stable electricity\", \"edit_history_tweet_ids\": [\""
          << 1760000000000000000LL + i << "\"], \"author_id\": \"" << 1000 + i % 5000
          << "\", \"conversation_id\": \"" << 1760000000000000000LL + i
          << "\", \"created_at\": \"2024-03-01T02:45:05.000Z\", \"lang\": \"fa\", "
             "\"entities\": {\"hashtags\": [{\"start\": 17, \"end\": 23, \"tag\": \"آزادی\"}], "
             "\"urls\": [{\"start\": 24, \"end\": 47, \"url\": \"https://t.co/abc\", "
             "\"expanded_url\": \"https://example.org/article/"
          << i % 9973
          << "\", \"display_url\": \"example.org\"}]}, \"public_metrics\": {\"retweet_count\": 3, "
             "\"reply_count\": 0, \"like_count\": 4, \"quote_count\": 0, \"impression_count\": 427}"
          << (i % 4 == 0 ? ", \"referenced_tweets\": [{\"type\": \"retweeted\", \"id\": \"17\"}]" : "")
          << "}";
      }
      f << "], \"includes\": {\"users\": [";
      for (int k = 0; k < kPerPage; ++k) {
        int u = 1000 + (page * kPerPage + k) % 5000;
        f << (k ? ", " : "") << "{\"id\": \"" << u << "\", \"username\": \"user" << u
          << "\", \"name\": \"نام " << u
          << "\", \"created_at\": \"2020-01-01T00:00:00.000Z\", \"public_metrics\": "
             "{\"followers_count\": 10, \"following_count\": 20, \"tweet_count\": 30}}";
      }
      f << "]}, \"meta\": {\"result_count\": " << kPerPage << "}}\n";
    }
    return p;
  }();
  return path;
}

void run_reader(benchmark::State& state, std::string_view format, const std::string& path) {
  const FormatInfo* f = find_format(format);
  std::uint64_t bytes = std::filesystem::file_size(path);
  CountingSink sink;
  for (auto _ : state) {
    InputStream in;
    if (!in.open(path).ok()) {
      state.SkipWithError("cannot open the generated file");
      return;
    }
    ReadContext ctx;
    ctx.file = path;
    ctx.sink = &sink;
    auto reader = f->make();
    if (!reader->read(in, ctx).ok()) state.SkipWithError("read failed");
  }
  if (sink.rejects) state.SkipWithError("rejects in generated data");
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes * state.iterations()));
  state.counters["messages/s"] = benchmark::Counter(
      static_cast<double>(sink.messages), benchmark::Counter::kIsRate);
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_TelegramExportReader(benchmark::State& state) {
  run_reader(state, "telegram-export", telegram_export_file());
}
BENCHMARK(BM_TelegramExportReader)->Unit(benchmark::kMillisecond);

void BM_TwitterV2Reader(benchmark::State& state) {
  run_reader(state, "twitter-v2", twarc2_file());
}
BENCHMARK(BM_TwitterV2Reader)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace groundswell

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove(groundswell::temp_path("result.json"));
  std::filesystem::remove(groundswell::temp_path("twarc2.jsonl"));
  return 0;
}
