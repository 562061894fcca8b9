// The harness of the reader fuzz targets (src/ingest/*_fuzz.cc, docs/testing.md): runs one
// format's reader over the fuzz input as a file and checks what every reader promises
// (reader.h, model.h), not only that it does not crash:
//   - every record read is a message or a reject: read = stored + duplicates + rejected, with
//     stored and duplicates counted by the store's key (platform, chat_id, message_id);
//   - a message has a platform and an id, valid UTF-8 in every field, a positive time
//     resolution, counters that are a count or kAbsent, and fields no longer than the record
//     limit allows (3 bytes per input byte at most: a repaired byte becomes U+FFFD), plus
//     what an envelope lends every record (a Telegram export's chat name, at most 4 KiB);
//   - positions lie inside the input; reject reasons and warnings are valid UTF-8 (they reach
//     rejects.jsonl and the report);
//   - memory is bounded by the record limit, not by the input: under AddressSanitizer the
//     heap grows by at most a constant (I/O buffers, the layout look-ahead) plus a multiple of
//     the limit while reading. The constant is a few MiB, so the check bites on inputs larger
//     than that: the corpus holds gzip-compressed seeds of 8 MiB records (zstd inputs are not
//     checked, since a zstd frame may ask for a window of up to 128 MiB);
//   - reading is deterministic: a second read gives the same records in the same order.
// The limit is set to 1 KiB so that inputs of a few KiB reach the too-long paths.
//
// Thread-safety: one call at a time (the fuzz targets are single-threaded).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "base/fuzz.h"
#include "base/hash.h"
#include "base/utf8.h"
#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell::fuzz {

inline constexpr std::uint64_t kRecordLimit = 1024;
// What a record may carry from outside itself: a Telegram Desktop export's chat name (the
// envelope around its messages), cut at 4 KiB by the scanner.
inline constexpr std::uint64_t kEnvelopeBytes = 4096;
// Most the heap may grow while reading: the I/O buffers (ChunkedReader's chunk, doubled once
// when a partial record is kept; the layout look-ahead; zlib's window) and, per record, the
// field vectors of a CSV record of one-byte fields and simdjson's tape.
inline constexpr long long kHeapGrowthBound = (6ll << 20) + 64 * kRecordLimit;

// The fuzz input as a file that InputStream can open: a memfd, reached by its /proc path.
class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("groundswell-fuzz", MFD_CLOEXEC)) {
    GS_FUZZ_CHECK(fd_ >= 0, "memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  const std::string& hold(std::string_view bytes) {
    GS_FUZZ_CHECK(::ftruncate(fd_, 0) == 0, "ftruncate failed");
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      GS_FUZZ_CHECK(n > 0, "pwrite failed");
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

inline MemoryFile& memory_file() {
  static MemoryFile file;
  return file;
}

class CheckingSink : public RecordSink {
 public:
  explicit CheckingSink(std::uint64_t input_bytes) : input_bytes_(input_bytes) {}

  void message(const MessageRecord& m, const Position& where) override {
    ++messages;
    position(where);
    GS_FUZZ_CHECK(!m.platform.empty(), "message without a platform at byte %llu",
                  static_cast<unsigned long long>(where.offset));
    GS_FUZZ_CHECK(!m.message_id.empty(), "message without an id at byte %llu",
                  static_cast<unsigned long long>(where.offset));
    GS_FUZZ_CHECK(m.time_resolution_ms > 0, "time resolution %d", m.time_resolution_ms);
    GS_FUZZ_CHECK(m.kind == RecordKind::kPost || m.kind == RecordKind::kEvent, "bad kind");
    for (std::int64_t c :
         {m.views, m.forwards, m.replies, m.reactions, m.likes, m.retweets, m.quotes_count})
      GS_FUZZ_CHECK(c >= kAbsent, "negative counter %lld", static_cast<long long>(c));
    std::uint64_t bytes = 0;
    for (const std::string* f :
         {&m.platform, &m.chat_id, &m.message_id, &m.account_id, &m.account_handle, &m.display_name,
          &m.text, &m.lang, &m.reply_to, &m.shares, &m.quotes, &m.media_key, &m.reactions_detail}) {
      text(*f, "message field");
      bytes += f->size();
    }
    for (const auto* list : {&m.urls, &m.hashtags, &m.mentions})
      for (const auto& item : *list) {
        text(item, "message list item");
        bytes += item.size();
      }
    GS_FUZZ_CHECK(bytes <= 3 * (kRecordLimit + kEnvelopeBytes) + 512,
                  "a message of %llu bytes from a record limit of %llu",
                  static_cast<unsigned long long>(bytes),
                  static_cast<unsigned long long>(kRecordLimit));
    stored_or_duplicate(m);
    hash(m.platform, m.chat_id, m.message_id, m.account_id, m.text);
    hash_int(m.time);
    hash_int(static_cast<std::int64_t>(where.offset));
  }
  void account(const AccountRecord& a) override {
    ++accounts;
    GS_FUZZ_CHECK(!a.platform.empty() && !a.account_id.empty(), "account without platform or id");
    for (const std::string* f :
         {&a.platform, &a.account_id, &a.handle, &a.display_name, &a.description})
      text(*f, "account field");
    hash(a.platform, a.account_id, a.handle, a.display_name, a.description);
  }
  void reject(const Position& where, std::string_view reason, std::string_view excerpt) override {
    ++rejects;
    position(where);
    GS_FUZZ_CHECK(!reason.empty(), "reject without a reason");
    text(reason, "reject reason");
    hash(reason, reject_excerpt(excerpt), "", "", "");
    hash_int(static_cast<std::int64_t>(where.offset));
  }
  void warn(const Position& where, std::string_view message) override {
    position(where);
    GS_FUZZ_CHECK(!message.empty(), "empty warning");
    text(message, "warning");
    hash(message, "", "", "", "");
  }

  std::uint64_t digest() const { return digest_; }

  std::uint64_t messages = 0, accounts = 0, rejects = 0, stored = 0, duplicates = 0;

 private:
  void position(const Position& where) const {
    GS_FUZZ_CHECK(where.offset <= input_bytes_, "position %llu past the input's %llu bytes",
                  static_cast<unsigned long long>(where.offset),
                  static_cast<unsigned long long>(input_bytes_));
  }
  static void text(std::string_view s, const char* what) {
    GS_FUZZ_CHECK(is_valid_utf8(s), "%s is not valid UTF-8", what);
  }
  void stored_or_duplicate(const MessageRecord& m) {
    std::string key = m.platform + '\0' + m.chat_id + '\0' + m.message_id;
    if (keys_.insert(std::move(key)).second)
      ++stored;
    else
      ++duplicates;
  }
  void hash(std::string_view a, std::string_view b, std::string_view c, std::string_view d,
            std::string_view e) {
    for (std::string_view s : {a, b, c, d, e}) {
      hash_int(static_cast<std::int64_t>(s.size()));
      digest_ = XXH3_64bits_withSeed(s.data(), s.size(), digest_);
    }
  }
  void hash_int(std::int64_t v) { digest_ = XXH3_64bits_withSeed(&v, sizeof v, digest_); }

  std::uint64_t input_bytes_;
  std::set<std::string> keys_;  // node-based: no allocation grows with the record count
  std::uint64_t digest_ = 0;    // of everything the reader emitted, in order
};

struct ReadOutcome {
  std::uint64_t digest = 0, messages = 0, accounts = 0, rejects = 0;
  bool ok = true;
};

// One read of `bytes` (held at `path`) by `format`'s reader, checked.
inline ReadOutcome checked_read(const FormatInfo& format, std::string_view bytes,
                                const std::string& path) {
  InputStream in;
  Status opened = in.open(path);
  GS_FUZZ_CHECK(opened.ok(), "%s", opened.message().c_str());
  in.peek(64 << 10);  // as ingest does before choosing the reader
  // A compressed input decompresses to an unknown size: positions are only checked against
  // the bytes of an uncompressed one.
  const bool plain = in.compression() == Compression::kNone;
  CheckingSink sink(plain ? bytes.size() : UINT64_MAX);
  ReadContext ctx;
  ctx.file = path;
  ctx.sink = &sink;
  ctx.max_record_bytes = kRecordLimit;
  auto reader = format.make();
  ReadOutcome out;
  {
    AllocationWatch watch;
    out.ok = reader->read(in, ctx).ok();
  }
  if (in.compression() != Compression::kZstd)
    GS_FUZZ_CHECK(AllocationWatch::peak_growth() <= kHeapGrowthBound,
                  "%s grew the heap by %lld bytes reading %zu input bytes with a record limit "
                  "of %llu: a record was buffered beyond the limit",
                  std::string(format.name).c_str(), AllocationWatch::peak_growth(), bytes.size(),
                  static_cast<unsigned long long>(kRecordLimit));
  if (std::getenv("GS_FUZZ_VERBOSE"))
    std::fprintf(stderr, "%s: %llu messages, %llu rejects, heap growth %lld bytes\n",
                 std::string(format.name).c_str(), static_cast<unsigned long long>(sink.messages),
                 static_cast<unsigned long long>(sink.rejects), AllocationWatch::peak_growth());
  // read = stored + duplicates + rejected, records being messages and rejects.
  GS_FUZZ_CHECK(sink.stored + sink.duplicates == sink.messages, "dedup count");
  out.digest = sink.digest();
  out.messages = sink.messages;
  out.accounts = sink.accounts;
  out.rejects = sink.rejects;
  return out;
}

// The whole check for one format: two reads must agree.
inline int fuzz_reader(std::string_view format_name, const std::uint8_t* data, std::size_t size) {
  const FormatInfo* format = find_format(format_name);
  GS_FUZZ_CHECK(format != nullptr && format->available, "no reader %s",
                std::string(format_name).c_str());
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string& path = memory_file().hold(bytes);
  ReadOutcome first = checked_read(*format, bytes, path);
  ReadOutcome second = checked_read(*format, bytes, path);
  GS_FUZZ_CHECK(first.digest == second.digest && first.messages == second.messages &&
                    first.rejects == second.rejects && first.accounts == second.accounts &&
                    first.ok == second.ok,
                "two reads of the same input differ");
  return 0;
}

}  // namespace groundswell::fuzz
