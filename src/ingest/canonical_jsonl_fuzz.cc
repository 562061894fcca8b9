// Fuzz target: the canonical reader on JSON (lines or documents), with the invariants of
// ingest/reader_fuzz.h. Inputs that do not start like JSON belong to canonical_csv_fuzz.
#include "ingest/reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!groundswell::looks_like_json({reinterpret_cast<const char*>(data), size})) return -1;
  return groundswell::fuzz::fuzz_reader("canonical", data, size);
}
