// Whole-file reads for the small files groundswell reads at once (actors files, fixtures,
// test outputs); inputs are streamed by ingest/input.h instead.
//
// Thread-safety: reentrant.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace groundswell {

// The file's bytes, or nullopt when it cannot be opened.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace groundswell
