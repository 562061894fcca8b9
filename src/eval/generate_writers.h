// The writers of groundswell-generate, one per output format (docs/contract.md §2, as
// docs/generator.md describes the files): twarc2 pages (twitter-v2), the information-operations
// archive CSV (twitter-io), Telethon JSON lines (telethon), Telegram Desktop exports
// (telegram-export: one folder per channel, and one "Export all data" file), and the ground
// truth (truth.json, actors.toml). The simulation (generate_sim.h) hands each message to the
// writer of its format as it happens; a writer appends it to its files, counts it, and reports
// what the message says about its reach (Metrics) for the truth's totals.
//
//   Outputs outputs(world);
//   GS_RETURN_IF_ERROR(outputs.open(out_dir, options.compression));
//   ... simulate(options, scale, world, random, outputs) ...
//   std::vector<FileCounter> files;
//   GS_RETURN_IF_ERROR(outputs.close(files));
//
// Writers keep no text of past messages: a retweet's original is rebuilt from its Ref. Every
// random detail a writer adds (t.co codes, clients, reactions) comes from a seeded stream of
// the message, so the bytes do not depend on the order the writers are called in.
//
// Thread-safety: a writer belongs to one generate_dataset() call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "eval/generate.h"
#include "eval/generate_output.h"
#include "eval/generate_text.h"
#include "eval/generate_world.h"

namespace groundswell::gen {

// What a written message reports, as a reader stores it (absent counts as 0; Twitter's likes
// are its reactions, its retweets its forwards, its impressions its views).
struct Metrics {
  std::int64_t views = 0, forwards = 0, reactions = 0, replies = 0;
};

// ---------------------------------------------------------------------------------------
// Twitter

// A tweet's text as Twitter shows it, with its entities at code point offsets: "RT @author: "
// before a retweet's text, "@author " before a reply's, the quoted tweet's link after a
// quote's, every link a t.co link (the entity carries the expanded URL).
class TweetText {
 public:
  struct Entity {
    PieceKind kind;
    std::size_t start, end;
    std::string text, expanded;
  };

  explicit TweetText(const World& world) : world_(world), context_(world.text_context()) {}

  // The text of the tweet `id` that event `e` writes; `target` is the tweet it refers to.
  void compose(const Event& e, std::uint64_t id, const Ref* target);
  // The text of a tweet written before, as the pages include it with a retweet, reply or quote.
  void compose_original(const Ref& r);

  const std::string& text() const { return text_; }
  std::size_t entity_count() const { return entity_count_; }
  const Entity& entity(std::size_t i) const { return entities_[i]; }

 private:
  void render(const Content& c, std::size_t cp_offset, std::uint64_t salt);
  // Puts a mention of `handle` at [start, end) first among the entities.
  void mention_first(std::size_t start, std::size_t end, const std::string& handle);

  const World& world_;
  const TextContext context_;
  Content content_;
  std::string text_;
  std::vector<Entity> entities_;  // the first entity_count_ are this text's
  std::size_t entity_count_ = 0;
};

// A tweet as both Twitter formats write it, with its metrics as the collector saw them.
struct Tweet {
  const Event& event;
  std::uint64_t id;
  const Account& author;  // in World::accounts
  const Ref* target;      // the tweet retweeted, replied to or quoted; null for a tweet
  std::int64_t likes, retweets, replies, quotes;
  const TweetText& text;
};

// A tweet's impression count as twarc2 reports it (a retweet has none of its own).
inline std::int64_t impressions(const Event& e, const Account& a, std::int64_t likes) {
  return e.type == EventType::kRetweet ? 0 : likes * 40 + a.followers / 3;
}

// twarc2 search pages, 100 tweets a line, each page with its authors and the originals its
// tweets refer to in `includes`.
class Twarc2Writer {
 public:
  explicit Twarc2Writer(const World& world) : world_(world), original_(world) {}
  Status open(const std::filesystem::path& out, Compression compression);
  void add(const Tweet& t);
  // Writes the last page, closes the file and adds its counts to `files`.
  Status close(std::vector<FileCounter>& files);

 private:
  void add_entities(std::string& o, const Tweet& t);
  void add_user(const Account& a);
  void add_original(const Ref& r);
  void flush_page();

  const World& world_;
  TweetText original_;  // an included original's text
  OutFile file_;
  FileCounter counter_;
  std::string page_data_, page_users_, page_tweets_;
  std::vector<std::int32_t> page_user_ids_;
  std::vector<std::uint64_t> page_tweet_ids_;
  std::int32_t page_count_ = 0;
  std::uint64_t page_newest_ = 0, page_oldest_ = 0;
  std::int64_t pages_ = 0;
};

// The information-operations archive: a users CSV of the archived campaigns' members (written
// whole at open) and a tweets CSV with every tweet of theirs.
class IoArchiveWriter {
 public:
  explicit IoArchiveWriter(const World& world) : world_(world) {}
  Status open(const std::filesystem::path& out, Compression compression);
  void add(const Tweet& t);
  Status close(std::vector<FileCounter>& files);

 private:
  // A list column ([a, b], items unquoted, as the archives write them) of the tweet's
  // entities of `kind`.
  void list_column(std::string& o, const Tweet& t, PieceKind kind);

  const World& world_;
  OutFile tweets_file_, users_file_;
  FileCounter tweets_counter_, users_counter_;
  std::string scratch_;
};

// ---------------------------------------------------------------------------------------
// Telegram

// A Telegram message as every Telegram format writes it.
struct TelegramMessage {
  const Event& event;
  const Account& chat;    // the channel or group it is in (World::accounts)
  const Account& author;  // who wrote it: the channel itself for a channel's post
  std::int32_t msg_id;
  const Content& content;
  const Ref* forwarded;  // the post it forwards, or null
  bool service;          // a pin
  std::int64_t views, forwards;
};

// Telethon JSON lines: the scraped channels' and group's metadata first, then their messages.
class TelethonWriter {
 public:
  explicit TelethonWriter(const World& world) : world_(world) {}
  Status open(const std::filesystem::path& out, Compression compression);
  Metrics add(const TelegramMessage& m);
  Status close(std::vector<FileCounter>& files);

 private:
  void add_channel(const Account& a);
  void pin_fields(PyJson& j, const TelegramMessage& m);
  Metrics message_fields(PyJson& j, const TelegramMessage& m);

  const World& world_;
  OutFile file_;
  FileCounter counter_;
  std::string text_;
};

// Telegram Desktop exports: a ChatExport folder per exported channel, and one "Export all
// data" file with the chats of the exporting user (the group and two channels, one of them
// left), whose bodies are kept in temporary files until the end.
class TelegramDesktopWriter {
 public:
  explicit TelegramDesktopWriter(const World& world) : world_(world) {}
  Status open(const std::filesystem::path& out);
  // A message of a chat whose sink is a Desktop export or the "all data" file.
  Metrics add(const TelegramMessage& m);
  Status close(std::vector<FileCounter>& files);

 private:
  Metrics write_message(std::string& o, int indent, const TelegramMessage& m);
  Status finish_alldata();

  const World& world_;
  std::filesystem::path out_;
  std::vector<std::unique_ptr<OutFile>> channel_files_;
  std::vector<FileCounter> channel_counters_;
  std::vector<bool> channel_first_;
  std::vector<std::unique_ptr<OutFile>> alldata_bodies_;
  std::vector<bool> alldata_first_;
  FileCounter alldata_counter_;
  std::vector<std::int32_t> alldata_chats_, left_chats_;
};

// Every format's writer.
struct Outputs {
  explicit Outputs(const World& world)
      : twarc2(world), io_archive(world), telethon(world), desktop(world) {}
  Status open(const std::filesystem::path& out, Compression compression);
  // Closes every file and lists what each holds in `files`.
  Status close(std::vector<FileCounter>& files);

  Twarc2Writer twarc2;
  IoArchiveWriter io_archive;
  TelethonWriter telethon;
  TelegramDesktopWriter desktop;
};

// ---------------------------------------------------------------------------------------
// Ground truth

// OUT/actors.toml: each actor's sources and markers, as `groundswell run --actors` reads them.
Status write_actors_toml(const std::filesystem::path& out, std::uint64_t seed, const World& world);

// OUT/truth.json: the parameters, the files and their counts, each actor's officials,
// supporters and totals, the campaigns, look-alikes and viral bursts, and the organic
// accounts that wrote (docs/generator.md, "truth.json").
Status write_truth(const std::filesystem::path& out, const GenerateOptions& options,
                   const Scale& scale, const World& world, const GenerateSummary& summary);

}  // namespace groundswell::gen
