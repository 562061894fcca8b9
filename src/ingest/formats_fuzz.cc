// Fuzz target: format detection (detect_format) as ingest uses it, then the chosen reader.
// Detection names an available format or none, gives the same answer twice, and whatever it
// chooses reads the input within the invariants of ingest/reader_fuzz.h. The first byte
// picks the file name the content is detected under (names matter for CSV sniffing).
#include <array>

#include "ingest/reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace gs = groundswell;
  static constexpr std::array<std::string_view, 8> kNames = {
      "result.json", "messages.jsonl", "channel_messages.csv", "tweets.csv",
      "users.csv",   "data.ndjson",    "export.json",          "shares.csv"};
  if (size == 0) return 0;
  std::string_view name = kNames[data[0] % kNames.size()];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const gs::FormatInfo* format = gs::detect_format(bytes, name);
  GS_FUZZ_CHECK(format == nullptr || format->available, "detected an unavailable format");
  GS_FUZZ_CHECK(gs::detect_format(bytes, name) == format, "detection is not deterministic");
  if (format == nullptr) return 0;
  return gs::fuzz::fuzz_reader(format->name, data + 1, size - 1);
}
