// Fuzz target: the whole ingest path on one file — format detection, the reader, the parse
// and write threads and the de-duplicating store — with the counting invariant users rely on
// (ingest.h): records_read = stored + duplicates + rejected and stored = messages + events,
// and the store agrees: as many message rows as stored, as many reject rows and
// rejects.jsonl lines (each a JSON object with a reason) as rejected, the file recorded as
// completed.
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/file.h"
#include "base/log.h"
#include "ingest/ingest.h"
#include "ingest/reader_fuzz.h"
#include "store/store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace gs = groundswell;
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    gs::set_log_settings({gs::LogFormat::kText, /*quiet=*/true});
    fs::path d = fs::temp_directory_path() / ("gs-ingest-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  const fs::path db = dir / "fuzz.db", rejects = dir / "rejects.jsonl";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string& input = gs::fuzz::memory_file().hold(bytes);

  auto store = gs::Store::open(db);
  GS_FUZZ_CHECK(store.ok(), "%s", store.status().message().c_str());
  gs::IngestOptions o;
  o.inputs = {input};
  o.rejects_path = rejects.string();
  o.max_record_bytes = gs::fuzz::kRecordLimit;
  o.progress = false;
  auto summary = gs::ingest(*store, o);
  GS_FUZZ_CHECK(summary.ok(), "ingest failed: %s", summary.status().message().c_str());
  const gs::FileCounts& c = summary->counts;
  GS_FUZZ_CHECK(
      c.records_read == c.stored + c.duplicates + c.rejected,
      "read %llu != stored %llu + duplicates %llu + rejected %llu",
      static_cast<unsigned long long>(c.records_read), static_cast<unsigned long long>(c.stored),
      static_cast<unsigned long long>(c.duplicates), static_cast<unsigned long long>(c.rejected));
  GS_FUZZ_CHECK(c.stored == c.messages + c.events, "stored != messages + events");
  GS_FUZZ_CHECK(c.conflicts <= c.duplicates, "more conflicts than duplicates");
  auto count = [&](const char* sql) {
    auto v = store->db().query_int64(sql);
    GS_FUZZ_CHECK(v.ok(), "%s", sql);
    return static_cast<std::uint64_t>(*v);
  };
  GS_FUZZ_CHECK(count("SELECT count(*) FROM messages") == c.stored, "message rows != stored");
  GS_FUZZ_CHECK(count("SELECT count(*) FROM rejects") == c.rejected, "reject rows != rejected");
  GS_FUZZ_CHECK(count("SELECT count(*) FROM files WHERE completed = 1") == 1, "file not completed");
  const std::string lines = gs::read_whole_file(rejects).value_or("");
  std::uint64_t n = 0;
  simdjson::dom::parser parser;
  for (std::size_t start = 0, end; (end = lines.find('\n', start)) != std::string::npos;
       start = end + 1, ++n) {
    std::string_view reason;
    simdjson::dom::element e;
    GS_FUZZ_CHECK(!parser.parse(lines.data() + start, end - start).get(e) &&
                      !e["reason"].get(reason) && !reason.empty(),
                  "rejects.jsonl line %llu is not a JSON object with a reason",
                  static_cast<unsigned long long>(n + 1));
  }
  GS_FUZZ_CHECK(n == c.rejected, "%llu lines in rejects.jsonl for %llu rejects",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(c.rejected));
  return 0;
}
