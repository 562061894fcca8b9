// Test support for the reader tests: a RecordSink that keeps copies of everything a reader
// emits, and a helper that runs one format's reader over a file.
//
// Thread-safety: single-threaded test use.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell::testing {

class CollectingSink : public RecordSink {
 public:
  struct Reject {
    std::uint64_t line, offset;
    std::string reason, excerpt;
  };
  void message(const MessageRecord& m, const Position& where) override {
    messages.push_back(m);
    positions.push_back(where);
  }
  void account(const AccountRecord& a) override { accounts.push_back(a); }
  void reject(const Position& where, std::string_view reason, std::string_view excerpt) override {
    rejects.push_back({where.line, where.offset, std::string(reason), std::string(excerpt)});
  }
  void warn(const Position&, std::string_view message) override {
    warnings.emplace_back(message);
  }

  const MessageRecord* find(std::string_view chat_id, std::string_view message_id) const {
    for (const auto& m : messages)
      if (m.chat_id == chat_id && m.message_id == message_id) return &m;
    return nullptr;
  }
  const AccountRecord* find_account(std::string_view account_id) const {
    for (const auto& a : accounts)
      if (a.account_id == account_id) return &a;
    return nullptr;
  }

  std::vector<MessageRecord> messages;
  std::vector<Position> positions;
  std::vector<AccountRecord> accounts;
  std::vector<Reject> rejects;
  std::vector<std::string> warnings;
};

// Reads `path` with the named format's reader into `sink`.
inline void read_file(std::string_view format, const std::string& path, CollectingSink& sink,
                      std::int64_t tz_offset_s = 0, std::uint64_t max_record_bytes = 64ull << 20) {
  const FormatInfo* f = find_format(format);
  ASSERT_NE(f, nullptr) << format;
  ASSERT_TRUE(f->available) << format;
  InputStream in;
  ASSERT_TRUE(in.open(path).ok()) << path;
  ReadContext ctx;
  ctx.file = path;
  ctx.sink = &sink;
  ctx.tz_offset_s = tz_offset_s;
  ctx.max_record_bytes = max_record_bytes;
  auto reader = f->make();
  ASSERT_TRUE(reader->read(in, ctx).ok());
}

inline TimeMs utc_ms(std::int64_t unix_seconds) { return unix_seconds * 1000; }

}  // namespace groundswell::testing
