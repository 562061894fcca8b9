// Fuzz target: the telethon reader, with the invariants of ingest/reader_fuzz.h.
#include "ingest/reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return groundswell::fuzz::fuzz_reader("telethon", data, size);
}
