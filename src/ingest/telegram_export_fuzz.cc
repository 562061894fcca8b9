// Fuzz target: the telegram-export reader, with the invariants of ingest/reader_fuzz.h, and
// its streaming scanner (TelegramExportScanner) on its own: elements come in file order,
// inside the input, starting with the byte at their offset; an element within the limit is
// handed out whole, a longer one only as a short excerpt; every element knows its chat.
#include "ingest/reader_fuzz.h"
#include "ingest/telegram_export_scanner.h"

namespace groundswell::fuzz {
namespace {

void check_scanner(std::string_view bytes, const std::string& path) {
  InputStream in;
  GS_FUZZ_CHECK(in.open(path).ok(), "open");
  const bool plain = in.compression() == Compression::kNone;
  TelegramExportScanner scan(in, kRecordLimit);
  TelegramExportScanner::Element e;
  std::uint64_t next_offset = 0, elements = 0;
  while (scan.next(e)) {
    ++elements;
    GS_FUZZ_CHECK(e.chat != nullptr && e.chat->serial >= 1, "element without its chat");
    GS_FUZZ_CHECK(elements == 1 || e.offset >= next_offset,
                  "element at byte %llu before the end of the previous one (%llu)",
                  static_cast<unsigned long long>(e.offset),
                  static_cast<unsigned long long>(next_offset));
    next_offset = e.offset + e.length;
    if (e.too_long) {
      GS_FUZZ_CHECK(e.text.size() <= 256, "a too-long element kept %zu bytes", e.text.size());
    } else {
      GS_FUZZ_CHECK(e.text.size() <= kRecordLimit, "element of %zu bytes within a limit of %llu",
                    e.text.size(), static_cast<unsigned long long>(kRecordLimit));
      GS_FUZZ_CHECK(!e.text.empty(), "empty element");
    }
    if (plain) {
      GS_FUZZ_CHECK(e.offset + e.length <= bytes.size(), "element past the end of the input");
      GS_FUZZ_CHECK(e.length > 0 && e.text[0] == bytes[e.offset],
                    "element text does not start at its offset %llu",
                    static_cast<unsigned long long>(e.offset));
    }
  }
  GS_FUZZ_CHECK(elements == 0 || scan.chats_seen() >= 1, "elements without a messages array");
  if (plain && !scan.error().empty())
    GS_FUZZ_CHECK(scan.error_offset() <= bytes.size(), "error past the end of the input");
}

}  // namespace
}  // namespace groundswell::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace f = groundswell::fuzz;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  f::check_scanner(bytes, f::memory_file().hold(bytes));
  return f::fuzz_reader("telegram-export", data, size);
}
