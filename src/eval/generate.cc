// generate_dataset(): the world of a synthetic dataset (generate_world.h), its month played
// into the writers of every format (generate_sim.h, generate_writers.h), then the ground truth.
#include "eval/generate.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "eval/generate_sim.h"
#include "eval/generate_world.h"
#include "eval/generate_writers.h"

namespace groundswell {

namespace gen {

Status Outputs::open(const std::filesystem::path& out, Compression compression) {
  GS_RETURN_IF_ERROR(twarc2.open(out, compression));
  GS_RETURN_IF_ERROR(io_archive.open(out, compression));
  GS_RETURN_IF_ERROR(telethon.open(out, compression));
  return desktop.open(out);
}

Status Outputs::close(std::vector<FileCounter>& files) {
  GS_RETURN_IF_ERROR(twarc2.close(files));
  GS_RETURN_IF_ERROR(io_archive.close(files));
  GS_RETURN_IF_ERROR(telethon.close(files));
  return desktop.close(files);
}

}  // namespace gen

namespace {

using namespace gen;
namespace fs = std::filesystem;

// A second run into the same directory must not leave the first run's files behind (channel
// folders are named after seeded usernames), but only the generator's own output is removed.
Status clear_previous_output(const fs::path& out) {
  std::error_code ec;
  const bool has_data = fs::exists(out / "data", ec);
  if (!has_data) return Status::Ok();
  if (!fs::exists(out / "truth.json", ec)) {
    return Status::InvalidArgument(
        (out / "data").string() +
        " exists and is not groundswell-generate output; choose another --out");
  }
  for (const char* name : {"data", "truth.json", "actors.toml", ".generate-tmp"}) {
    fs::remove_all(out / name, ec);
    if (ec) return Status::IoError((out / name).string() + ": " + ec.message());
  }
  return Status::Ok();
}

// The files in path order, with the totals over them.
GenerateSummary summarize(std::vector<FileCounter> files, std::int64_t io_overlap) {
  GenerateSummary summary;
  std::sort(files.begin(), files.end(),
            [](const FileCounter& a, const FileCounter& b) { return a.rel_path < b.rel_path; });
  for (const FileCounter& c : files) {
    summary.files.push_back(GeneratedFile{c.rel_path, c.format, c.records, c.events, c.lines,
                                          c.accounts, c.included_tweets, c.bytes});
    summary.records += c.records;
    summary.bytes += c.bytes;
  }
  summary.io_twarc2_overlap = io_overlap;
  summary.unique_messages = summary.records - io_overlap;
  return summary;
}

// The world, the month played into the writers of every format, then the ground truth.
Result<GenerateSummary> generate(const GenerateOptions& options) {
  const fs::path out = options.out_dir;
  GS_RETURN_IF_ERROR(clear_previous_output(out));
  const Scale scale = make_scale(options.messages);
  Randomness random(options.seed);
  World world = build_world(options, scale, random);
  Outputs outputs(world);
  GS_RETURN_IF_ERROR(outputs.open(out, options.compression));
  const std::int64_t io_overlap = simulate(options, scale, world, random, outputs);
  std::vector<FileCounter> files;
  GS_RETURN_IF_ERROR(outputs.close(files));
  const GenerateSummary summary = summarize(std::move(files), io_overlap);
  GS_RETURN_IF_ERROR(write_actors_toml(out, options.seed, world));
  GS_RETURN_IF_ERROR(write_truth(out, options, scale, world, summary));
  return summary;
}

}  // namespace

Result<std::int64_t> messages_for_scale(std::string_view scale) {
  if (scale == "small") return std::int64_t{3000};
  if (scale == "demo") return std::int64_t{30000};
  if (scale == "1m") return std::int64_t{1000000};
  if (scale == "10m") return std::int64_t{10000000};
  return Status::InvalidArgument("unknown scale '" + std::string(scale) +
                                 "' (expected small, demo, 1m or 10m)");
}

Result<GenerateSummary> generate_dataset(const GenerateOptions& options) {
  if (options.out_dir.empty()) return Status::InvalidArgument("no output directory given");
  if (options.messages < 100 || options.messages > 200000000) {
    return Status::InvalidArgument("--messages must be between 100 and 200000000");
  }
  if (options.days < 7 || options.days > 366) {
    return Status::InvalidArgument("the simulated period must be 7 to 366 days");
  }
  try {
    return generate(options);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("generator failed: ") + e.what());
  }
}

}  // namespace groundswell
