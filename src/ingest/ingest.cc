#include "ingest/ingest.h"

#include <fmt/format.h>
#include <tbb/concurrent_queue.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "base/json_writer.h"
#include "base/log.h"
#include "base/output_file.h"
#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell {
namespace {

constexpr std::size_t kBatchItems = 4096;
constexpr std::size_t kBatchesInFlight = 4;
// Records per transaction: large enough for speed, small enough that a kill loses little.
constexpr std::uint64_t kRecordsPerTransaction = 50000;
// How far into a JSON file detection looks for records that parse.
constexpr std::size_t kDetectBytes = 16 << 20;

// What the parsing thread hands to the writing thread. Records are kept in slots that are
// reused batch after batch, so steady-state parsing allocates nothing per record.
struct Batch {
  enum class ItemKind : std::uint8_t { kMessage, kAccount, kReject, kWarning };
  struct Item {
    ItemKind kind;
    std::uint32_t index;
  };
  struct Note {
    std::uint64_t line = 0, offset = 0;
    std::string reason, excerpt;
  };
  struct FileStart {
    std::string path, format, dataset;
    std::uint64_t bytes = 0;
  };
  struct FileEnd {
    std::string digest;
    std::uint64_t utf8_repaired = 0;
  };

  std::vector<MessageRecord> messages;
  std::vector<PreparedMessage> prepared;  // of messages[i], worked out by the parsing thread
  std::vector<std::pair<std::uint64_t, std::uint64_t>> positions;  // line, offset
  std::vector<AccountRecord> accounts;
  std::vector<Note> notes;  // rejects and warnings
  std::size_t n_messages = 0, n_accounts = 0, n_notes = 0;
  std::vector<Item> items;
  std::optional<FileStart> start;
  std::optional<FileEnd> end;
  bool last = false;  // no more batches follow

  void reset() {
    n_messages = n_accounts = n_notes = 0;
    items.clear();
    start.reset();
    end.reset();
    last = false;
  }
  template <typename T>
  static T& slot(std::vector<T>& v, std::size_t& n) {
    if (n == v.size()) v.emplace_back();
    return v[n++];
  }
};

using BatchQueue = tbb::concurrent_bounded_queue<Batch*>;

// RecordSink on the parsing thread: copies records into batch slots and ships full batches.
class BatchingSink : public RecordSink {
 public:
  BatchingSink(BatchQueue& full, BatchQueue& free, bool strict, std::atomic<bool>& stop)
      : full_(full), free_(free), strict_(strict), stop_(stop) {
    free_.pop(batch_);
  }

  // The dataset of the file being read (FileInfo::dataset), for the message keys.
  void set_dataset(std::string_view dataset) { dataset_.assign(dataset); }

  void message(const MessageRecord& m, const Position& where) override {
    std::size_t i = batch_->n_messages;
    Batch::slot(batch_->messages, batch_->n_messages) = m;
    if (batch_->positions.size() <= i) {
      batch_->positions.resize(i + 1);
      batch_->prepared.resize(i + 1);
    }
    batch_->positions[i] = {where.line, where.offset};
    prepare_message(m, dataset_, batch_->prepared[i]);
    push_item(Batch::ItemKind::kMessage, i);
  }
  void account(const AccountRecord& a) override {
    Batch::slot(batch_->accounts, batch_->n_accounts) = a;
    push_item(Batch::ItemKind::kAccount, batch_->n_accounts - 1);
  }
  void reject(const Position& where, std::string_view reason, std::string_view excerpt) override {
    add_note(Batch::ItemKind::kReject, where, reason, excerpt);
    if (strict_) stop_.store(true);
  }
  void warn(const Position& where, std::string_view message) override {
    add_note(Batch::ItemKind::kWarning, where, message, {});
  }

  Batch& current() { return *batch_; }
  void ship(bool last = false) {
    batch_->last = last;
    full_.push(batch_);
    batch_ = nullptr;
    if (!last) {
      free_.pop(batch_);
      batch_->reset();
    }
  }

 private:
  void add_note(Batch::ItemKind kind, const Position& where, std::string_view text,
                std::string_view excerpt) {
    Batch::Note& n = Batch::slot(batch_->notes, batch_->n_notes);
    n.line = where.line;
    n.offset = where.offset;
    n.reason.assign(text);
    n.excerpt = reject_excerpt(excerpt);
    push_item(kind, batch_->n_notes - 1);
  }
  void push_item(Batch::ItemKind kind, std::size_t index) {
    batch_->items.push_back({kind, static_cast<std::uint32_t>(index)});
    if (batch_->items.size() >= kBatchItems) ship();
  }

  BatchQueue& full_;
  BatchQueue& free_;
  bool strict_;
  std::atomic<bool>& stop_;
  Batch* batch_ = nullptr;
  std::string dataset_;
};

void parse_files(const std::vector<std::string>& files, const IngestOptions& options,
                 BatchQueue& full, BatchQueue& free, std::atomic<bool>& stop,
                 std::atomic<std::uint64_t>& raw_done) {
  BatchingSink sink(full, free, options.strict, stop);
  const FormatInfo* forced = options.format.empty() ? nullptr : find_format(options.format);
  for (const auto& path : files) {
    if (stop.load()) break;
    InputStream in;
    Status st = in.open(path);
    Batch::FileStart start{path, forced ? std::string(forced->name) : std::string(), {}, in.raw_size()};
    if (!st.ok()) {
      start.format = "unreadable";
      sink.current().start = start;
      sink.reject(Position{path, 0, 0}, st.message(), "");
      std::string_view why = st.message();
      if (why.starts_with(path + ": ")) why.remove_prefix(path.size() + 2);
      sink.warn(Position{path, 0, 0}, fmt::format("skipped: {}", why));
      sink.current().end = Batch::FileEnd{"", 0};
      sink.ship();
      continue;
    }
    std::string_view head = in.peek(64 << 10);
    const FormatInfo* format = forced ? forced : detect_format(head, path);
    // JSON whose first records are longer than 64 KiB (or do not parse): look further.
    if (!format && !forced && looks_like_json(head)) {
      head = in.peek(kDetectBytes);
      format = detect_format(head, path);
      head = head.substr(0, 64 << 10);
    }
    std::uint64_t before = raw_done.load();
    if (format == nullptr) {
      start.format = "unrecognised";
      sink.current().start = start;
      if (head.empty() && in.error().empty()) {
        sink.warn(Position{path, 0, 0}, "empty file");
      } else {
        constexpr std::string_view kReason =
            "not a recognised format (see `groundswell formats`; --format forces one)";
        sink.reject(Position{path, 0, 0}, kReason, head.substr(0, 200));
        sink.warn(Position{path, 0, 0}, fmt::format("skipped: {}", kReason));
      }
    } else {
      if (format->dataset_keys)
        start.dataset = options.dataset.empty() ? dataset_of_path(path) : options.dataset;
      sink.current().start = start;
      sink.current().start->format = std::string(format->name);
      sink.set_dataset(start.dataset);
      ReadContext ctx;
      ctx.file = path;
      ctx.sink = &sink;
      ctx.tz_offset_s = options.tz_offset_s;
      ctx.max_record_bytes = options.max_record_bytes;
      ctx.stop = &stop;
      auto reader = format->make();
      // Progress comes from the raw bytes the stream has consumed, read by the writer thread.
      Status rs = reader->read(in, ctx);
      if (!rs.ok()) sink.reject(Position{path, 0, 0}, rs.message(), "");
      sink.current().end = Batch::FileEnd{in.digest(), ctx.utf8_repaired};
      if (std::string change = in.change_while_read(); !change.empty())
        sink.warn(Position{path, 0, 0}, change);
      raw_done.store(before + in.raw_size());
      sink.ship();
      continue;
    }
    sink.current().end = Batch::FileEnd{in.digest(), 0};
    raw_done.store(before + in.raw_size());
    sink.ship();
  }
  sink.ship(/*last=*/true);
}

}  // namespace

std::string dataset_of_path(std::string_view path) {
  std::string_view name = path.substr(path.find_last_of('/') + 1);
  for (;;) {
    std::size_t dot = name.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) break;
    std::string_view ext = name.substr(dot + 1);
    bool known = false;
    for (std::string_view e : {"gz", "zst", "csv", "tsv", "json", "jsonl", "ndjson", "txt"})
      known = known || ext == e;
    if (!known) break;
    name = name.substr(0, dot);
  }
  return std::string(name);
}

namespace {

std::uint64_t total_bytes(const std::vector<std::string>& files) {
  std::uint64_t total = 0;
  for (const auto& f : files) {
    std::error_code ec;
    auto s = std::filesystem::file_size(f, ec);
    if (!ec) total += s;
  }
  return total;
}

}  // namespace

Result<IngestSummary> ingest(Store& store, const IngestOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  IngestSummary summary;
  if (!options.format.empty()) {
    const FormatInfo* f = find_format(options.format);
    if (!f) return Status::InvalidArgument(fmt::format("unknown format '{}' (see `groundswell formats`)", options.format));
    if (!f->available)
      return Status::InvalidArgument(fmt::format("the '{}' reader is not available yet", options.format));
  }
  auto files = expand_inputs(options.inputs);
  if (!files) return files.status();
  summary.files = files->size();
  summary.bytes = total_bytes(*files);

  // rejects.jsonl appears when the ingest ends (also a failed one: under --strict it names
  // the reject that stopped it), never half-written.
  std::optional<OutputFile> rejects_file;
  if (!options.rejects_path.empty()) {
    auto f = OutputFile::create(options.rejects_path);
    if (!f) return f.status();
    rejects_file.emplace(std::move(*f));
  }
  std::string reject_line;
  auto write_reject_line = [&](std::int64_t run_id, std::string_view file, std::uint64_t line,
                               std::uint64_t offset, std::string_view reason,
                               std::string_view excerpt) -> Status {
    JsonWriter w(false);
    w.begin_object().key("run").value(run_id).key("file").value(file).key("line").value(line)
        .key("offset").value(offset).key("reason").value(reason)
        .key("excerpt").value(excerpt).end_object();
    reject_line = w.take();
    reject_line.push_back('\n');
    return rejects_file->write(reject_line);
  };
  if (rejects_file && options.rejects_of_earlier_runs) {
    // The file belongs to the database: earlier runs' rejects stay in it, but for the files
    // read again now, whose rejects this run reports (MessageWriter::begin_file).
    const std::set<std::string_view> reread(files->begin(), files->end());
    Stmt q;
    GS_RETURN_IF_ERROR(store.db().prepare(
        "SELECT run_id, file, line, byte_offset, reason, excerpt FROM rejects ORDER BY id", q));
    while (q.step() == Stmt::kRow) {
      if (reread.contains(q.column_text(1))) continue;
      GS_RETURN_IF_ERROR(write_reject_line(
          q.column_int64(0), q.column_text(1), static_cast<std::uint64_t>(q.column_int64(2)),
          static_cast<std::uint64_t>(q.column_int64(3)), q.column_text(4), q.column_text(5)));
    }
  }

  auto run = store.begin_run(options.command, options.parameters_json);
  if (!run) return run.status();
  summary.run_id = *run;
  MessageWriter writer(store, *run);
  GS_RETURN_IF_ERROR(writer.prepare());
  // Into a store without messages, keys are de-duplicated in memory and the indexes built
  // after the load.
  auto bulk = writer.begin_bulk_load();
  if (!bulk) return bulk.status();

  std::vector<std::unique_ptr<Batch>> pool;
  BatchQueue full, free;
  for (std::size_t i = 0; i < kBatchesInFlight; ++i) {
    pool.push_back(std::make_unique<Batch>());
    free.push(pool.back().get());
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> raw_done{0};
  std::thread parser([&] { parse_files(*files, options, full, free, stop, raw_done); });

  Progress progress("ingest", summary.bytes, options.progress);
  Status failure;
  bool in_tx = false;
  std::uint64_t since_commit = 0;
  std::int64_t file_id = 0;
  FileCounts file_counts;
  std::string current_file, current_format, first_reject;
  auto fail = [&](Status s) {
    if (failure.ok()) failure = std::move(s);
    stop.store(true);
  };
  // Counts a rejected record and writes it to the rejects table and file; --strict stops.
  auto note_reject = [&](std::uint64_t line, std::uint64_t offset, std::string_view reason,
                         std::string_view excerpt) {
    ++file_counts.records_read;
    if (file_counts.rejected++ == 0) first_reject = reason;
    Status s = writer.put_reject(current_file, line, offset, reason, excerpt);
    if (!s.ok()) fail(s);
    if (rejects_file) {
      Status ws = write_reject_line(summary.run_id, current_file, line, offset, reason, excerpt);
      if (!ws.ok()) fail(ws);
    }
    if (options.strict && failure.ok()) {
      failure = Status::BadInput(
          fmt::format("{}:{} (byte {}): {}", current_file, line, offset, reason));
      stop.store(true);
    }
  };
  for (;;) {
    Batch* b = nullptr;
    full.pop(b);
    if (failure.ok() && !in_tx) {
      Status s = writer.begin_batch();
      if (s.ok()) in_tx = true; else fail(s);
    }
    if (failure.ok() && b->start) {
      current_file = b->start->path;
      current_format = b->start->format;
      first_reject.clear();
      file_counts = FileCounts{};
      auto id = writer.begin_file(
          FileInfo{b->start->path, "", b->start->bytes, b->start->format, b->start->dataset});
      if (id) file_id = *id; else fail(id.status());
    }
    for (const auto& item : b->items) {
      if (!failure.ok()) break;
      switch (item.kind) {
        case Batch::ItemKind::kMessage: {
          const MessageRecord& m = b->messages[item.index];
          auto [line, offset] = b->positions[item.index];
          auto outcome = writer.put_message(m, b->prepared[item.index], file_id, line, offset);
          if (!outcome) {
            fail(outcome.status());
            break;
          }
          if (*outcome == WriteOutcome::kAuthorConflict) {
            note_reject(line, offset, writer.conflict_reason(),
                        reject_excerpt(fmt::format("{} {} by {}", m.chat_id, m.message_id,
                                                   m.account_id)));
            break;
          }
          ++file_counts.records_read;
          if (*outcome == WriteOutcome::kStored) {
            ++file_counts.stored;
            ++(m.kind == RecordKind::kEvent ? file_counts.events : file_counts.messages);
          } else {
            ++file_counts.duplicates;
            if (*outcome == WriteOutcome::kConflict) ++file_counts.conflicts;
          }
          ++since_commit;
          break;
        }
        case Batch::ItemKind::kAccount: {
          Status s = writer.put_account(b->accounts[item.index]);
          if (!s.ok()) fail(s);
          ++file_counts.account_records;
          break;
        }
        case Batch::ItemKind::kReject: {
          const Batch::Note& n = b->notes[item.index];
          note_reject(n.line, n.offset, n.reason, n.excerpt);
          break;
        }
        case Batch::ItemKind::kWarning: {
          const Batch::Note& n = b->notes[item.index];
          std::string w = fmt::format("{}: {}", current_file, n.reason);
          log_warn(w);
          summary.warnings.push_back(std::move(w));
          break;
        }
      }
    }
    if (b->end && failure.ok()) {
      file_counts.utf8_repaired = b->end->utf8_repaired;
      // A file that gave nothing (no message, no account) is named, with why, unless it was
      // already named as unrecognised.
      if (file_counts.stored + file_counts.duplicates + file_counts.account_records == 0 &&
          file_counts.rejected > 0 && current_format != "unrecognised") {
        std::string w = fmt::format(
            "{}: read as {} but holds no messages or accounts; {} record{} rejected, the "
            "first: {}",
            current_file, current_format, file_counts.rejected,
            file_counts.rejected == 1 ? "" : "s", first_reject);
        log_warn(w);
        summary.warnings.push_back(std::move(w));
      }
      Status s = writer.finish_file(file_id, file_counts);
      if (s.ok()) {
        Stmt d;
        s = store.db().prepare("UPDATE files SET digest=? WHERE id=?", d);
        if (s.ok()) {
          d.bind_text(1, b->end->digest);
          d.bind_int64(2, file_id);
          if (d.step() != Stmt::kDone) s = Status::IoError("database: " + d.error());
        }
      }
      if (!s.ok()) fail(s);
      auto& c = summary.counts;
      c.records_read += file_counts.records_read;
      c.stored += file_counts.stored;
      c.messages += file_counts.messages;
      c.events += file_counts.events;
      c.duplicates += file_counts.duplicates;
      c.conflicts += file_counts.conflicts;
      c.rejected += file_counts.rejected;
      c.account_records += file_counts.account_records;
      c.utf8_repaired += file_counts.utf8_repaired;
      if (file_counts.utf8_repaired)
        log_warn(fmt::format("{}: invalid UTF-8 replaced in {} records", current_file,
                             file_counts.utf8_repaired));
    }
    if (in_tx && failure.ok() && (since_commit >= kRecordsPerTransaction || b->end || b->last)) {
      Status s = writer.commit_batch();
      in_tx = false;
      since_commit = 0;
      if (!s.ok()) fail(s);
    }
    progress.update(raw_done.load(), summary.counts.records_read + file_counts.records_read);
    bool last = b->last;
    b->reset();
    free.push(b);
    if (last) break;
  }
  parser.join();
  progress.finish();
  if (in_tx) {
    // A failure mid-transaction: keep what was written before it (it is consistent and the
    // unique key makes a re-run complete it), but under --strict nothing after the reject.
    (void)writer.commit_batch();
  }
  if (Status s = writer.finish_bulk_load(); !s.ok() && failure.ok()) failure = s;
  {
    // The store's totals, messages and events in one pass over the table.
    Stmt totals;
    if (store.db()
            .prepare("SELECT (SELECT count(*) FROM accounts), coalesce(sum(kind = 0), 0), "
                     "coalesce(sum(kind = 1), 0) FROM messages",
                     totals)
            .ok() &&
        totals.step() == Stmt::kRow) {
      summary.accounts = static_cast<std::uint64_t>(totals.column_int64(0));
      summary.messages_total = static_cast<std::uint64_t>(totals.column_int64(1));
      summary.events_total = static_cast<std::uint64_t>(totals.column_int64(2));
    }
  }
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  JsonWriter stats(false);
  const auto& c = summary.counts;
  stats.begin_object()
      .key("files").value(summary.files).key("bytes").value(summary.bytes)
      .key("records_read").value(c.records_read).key("stored").value(c.stored)
      .key("duplicates").value(c.duplicates).key("conflicts").value(c.conflicts)
      .key("rejected").value(c.rejected).key("messages").value(c.messages)
      .key("events").value(c.events).key("account_records").value(c.account_records)
      .key("utf8_repaired").value(c.utf8_repaired)
      .end_object();
  if (rejects_file) {
    Status s = rejects_file->commit();
    if (!s.ok() && failure.ok()) failure = s;
  }
  Status fin = store.finish_run(summary.run_id, failure.ok() ? "ok" : "failed", stats.str(),
                                summary.seconds);
  if (!failure.ok()) return failure;
  GS_RETURN_IF_ERROR(fin);
  return summary;
}

}  // namespace groundswell
