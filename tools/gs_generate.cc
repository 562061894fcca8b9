// groundswell-generate: writes a synthetic dataset with ground truth (docs/generator.md).
//
//   groundswell-generate --scale demo --seed 1 --out /tmp/gs-demo
//   groundswell run /tmp/gs-demo/data --actors /tmp/gs-demo/actors.toml --out result/
#include <CLI/CLI.hpp>
#include <cstdio>

#include "eval/generate.h"

int main(int argc, char** argv) {
  groundswell::GenerateOptions options;
  std::string scale = "demo";
  std::int64_t messages = 0;
  bool quiet = false;
  std::string compress = "none";

  CLI::App app{
      "groundswell-generate: synthetic Telegram and Twitter/X data with planted "
      "campaigns and a truth file, for measuring groundswell's accuracy"};
  app.add_option("--out", options.out_dir, "output directory (data/, truth.json, actors.toml)")
      ->required();
  app.add_option("--seed", options.seed, "random seed; same seed and size give identical bytes")
      ->capture_default_str();
  app.add_option("--scale", scale, "size preset: small (~3k messages), demo (~30k), 1m, 10m")
      ->capture_default_str();
  app.add_option("--messages", messages, "approximate number of messages (overrides --scale)");
  app.add_option("--days", options.days, "length of the simulated period from 2024-03-01")
      ->capture_default_str();
  app.add_option("--compress", compress,
                 "compress the Telethon, twarc2 and IO CSV files: none, gz or zst")
      ->check(CLI::IsMember({"none", "gz", "zst"}))
      ->capture_default_str();
  app.add_flag("--quiet", quiet, "print nothing on success");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }

  options.compression = compress == "gz"    ? groundswell::Compression::kGzip
                        : compress == "zst" ? groundswell::Compression::kZstd
                                            : groundswell::Compression::kNone;
  if (messages > 0) {
    options.messages = messages;
    options.scale = "custom";
  } else {
    groundswell::Result<std::int64_t> preset = groundswell::messages_for_scale(scale);
    if (!preset) {
      std::fprintf(stderr, "groundswell-generate: %s\n", preset.status().message().c_str());
      return 1;
    }
    options.messages = preset.value();
    options.scale = scale;
  }

  groundswell::Result<groundswell::GenerateSummary> summary =
      groundswell::generate_dataset(options);
  if (!summary) {
    std::fprintf(stderr, "groundswell-generate: %s\n", summary.status().message().c_str());
    return summary.status().exit_code();
  }
  if (!quiet) {
    std::printf(
        "wrote %lld records (%lld unique messages, %lld IO/twarc2 duplicates) in %zu files, "
        "%.1f MB, to %s\n",
        static_cast<long long>(summary->records), static_cast<long long>(summary->unique_messages),
        static_cast<long long>(summary->io_twarc2_overlap), summary->files.size(),
        static_cast<double>(summary->bytes) / 1e6, options.out_dir.c_str());
  }
  return 0;
}
