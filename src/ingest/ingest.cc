#include "ingest/ingest.h"

#include <fmt/format.h>
#include <tbb/concurrent_queue.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "base/json_writer.h"
#include "base/log.h"
#include "base/output_file.h"
#include "dist/communicator.h"
#include "ingest/batch.h"
#include "ingest/input.h"
#include "ingest/json_records.h"
#include "ingest/reader.h"
#include "ingest/record_fields.h"
#include "store/dataset.h"

namespace groundswell {
namespace {

constexpr std::size_t kBatchItems = 4096;
constexpr std::size_t kBatchesInFlight = 4;
// With several parsing threads, each holds this many batches: a thread reading the next unit
// (a file or a piece of one) gets up to 32,768 records ahead of the writer.
constexpr std::size_t kBatchesInFlightAhead = 8;
constexpr std::size_t kMaxParsers = 8;
// Units (files, or pieces of a cut file) waiting for each parsing thread.
constexpr std::size_t kUnitsInFlight = 2;
// How far into a JSON file detection looks for records that parse.
constexpr std::size_t kDetectBytes = 16 << 20;

using ingest_internal::Batch;

using BatchQueue = tbb::concurrent_bounded_queue<Batch*>;

// RecordSink on the parsing thread: copies records into batch slots and ships full batches.
class BatchingSink : public RecordSink {
 public:
  BatchingSink(BatchQueue& full, BatchQueue& free, bool strict, std::atomic<bool>& stop,
               std::atomic<std::uint64_t>& raw_done)
      : full_(full), free_(free), strict_(strict), stop_(stop), raw_done_(raw_done) {
    free_.pop(batch_);
  }

  // While `in` is read (nullptr: no file), each batch shipped adds the raw bytes read from it
  // since the last one to the progress, so the progress of one large file moves as it is read.
  // Tracking ends with the rest of the file's bytes added.
  void track(const InputStream* in) {
    if (in == nullptr && reading_ != nullptr) raw_done_.fetch_add(reading_->raw_size() - reported_);
    reading_ = in;
    reported_ = 0;
  }

  // The dataset of the file being read (FileInfo::dataset), for the message keys.
  void set_dataset(std::string_view dataset) { dataset_.assign(dataset); }
  // Each post's text key is worked out here, beside the parsing (IngestOptions::columns).
  void set_text_keys(bool on) { text_keys_ = on; }
  // Where the stream being read starts in its file (a piece of a cut file): the lines before
  // it and its byte offset, added to the positions of its records.
  void set_base(std::uint64_t lines, std::uint64_t offset) {
    base_lines_ = lines;
    base_offset_ = offset;
  }

  void message(const MessageRecord& m, const Position& where) override {
    std::size_t i = batch_->n_messages;
    Batch::slot(batch_->messages, batch_->n_messages) = m;
    if (batch_->positions.size() <= i) {
      batch_->positions.resize(i + 1);
      batch_->prepared.resize(i + 1);
    }
    batch_->positions[i] = place(where);
    PreparedMessage& p = batch_->prepared[i];
    prepare_message(m, dataset_, p);
    if (text_keys_ && m.kind == RecordKind::kPost) {
      p.text_key = text_key(m.text, key_scratch_);
      p.text_keyed = true;
    }
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
    if (reading_ != nullptr) {
      const std::uint64_t now = std::min(reading_->raw_consumed().load(), reading_->raw_size());
      if (now > reported_) raw_done_.fetch_add(now - reported_);
      reported_ = std::max(reported_, now);
    }
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
    std::tie(n.line, n.offset) = place(where);
    n.reason.assign(text);
    n.excerpt = reject_excerpt(excerpt);
    push_item(kind, batch_->n_notes - 1);
  }
  // A record's line and offset in its file; a note about the whole file (line 0) as it is.
  std::pair<std::uint64_t, std::uint64_t> place(const Position& where) const {
    if (where.line == 0) return {where.line, where.offset};
    return {where.line + base_lines_, where.offset + base_offset_};
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
  bool text_keys_ = false;
  std::string key_scratch_;
  std::atomic<std::uint64_t>& raw_done_;
  const InputStream* reading_ = nullptr;
  std::uint64_t reported_ = 0;  // raw bytes of reading_ added to raw_done_
  std::uint64_t base_lines_ = 0, base_offset_ = 0;
};

// What a parsing thread reads next: a whole file, or a piece of a cut file (a JSON-lines file
// that the dispatching thread reads once, hashing it as any file is hashed, and cuts after
// line ends: cut_file()).
struct Unit {
  std::string path;
  bool piece = false;
  // A piece: the file's format and dataset, its bytes [offset, range_end) and the lines
  // before it; the first piece starts the file, the last ends it with the file's digest.
  const FormatInfo* format = nullptr;
  std::string dataset;
  std::uint64_t lines = 0, offset = 0, range_end = 0;
  std::optional<Batch::FileStart> start;
  std::optional<Batch::FileEnd> end;
  std::string change;  // the last piece: how the file changed while it was read
};
using UnitQueue = tbb::concurrent_bounded_queue<Unit*>;

ReadContext read_context(std::string_view path, const IngestOptions& options,
                         BatchingSink& sink, std::atomic<bool>& stop) {
  ReadContext ctx;
  ctx.file = path;
  ctx.sink = &sink;
  ctx.tz_offset_s = options.tz_offset_s;
  ctx.max_record_bytes = options.max_record_bytes;
  ctx.stop = &stop;
  return ctx;
}

const FormatInfo* forced_format(const IngestOptions& options) {
  return options.format.empty() ? nullptr : find_format(options.format);
}

// The format of an opened file: --format's, or the one its first bytes show (for JSON whose
// first records are longer than 64 KiB, or do not parse, looking further). nullptr if none.
const FormatInfo* file_format(InputStream& in, const std::string& path,
                              const IngestOptions& options) {
  if (const FormatInfo* forced = forced_format(options)) return forced;
  const std::string_view head = in.peek(64 << 10);
  const FormatInfo* format = detect_format(head, path);
  if (!format && looks_like_json(head)) format = detect_format(in.peek(kDetectBytes), path);
  return format;
}

// The dataset that qualifies a file's message keys (FileInfo::dataset), "" for formats whose
// ids are platform-wide.
std::string file_dataset(const FormatInfo& format, const std::string& path,
                         const IngestOptions& options) {
  if (!format.dataset_keys) return {};
  return options.dataset.empty() ? dataset_of_path(path) : options.dataset;
}

void read_file(const std::string& path, const IngestOptions& options, BatchingSink& sink,
               std::atomic<bool>& stop, std::atomic<std::uint64_t>& raw_done) {
  const FormatInfo* forced = forced_format(options);
  InputStream in;
  Status st = in.open(path);
  Batch::FileStart start{path, forced ? std::string(forced->name) : std::string(), {},
                         in.raw_size()};
  if (!st.ok()) {
    start.format = "unreadable";
    sink.current().start = start;
    sink.reject(Position{path, 0, 0}, st.message(), "");
    std::string_view why = st.message();
    if (why.starts_with(path + ": ")) why.remove_prefix(path.size() + 2);
    sink.warn(Position{path, 0, 0}, fmt::format("skipped: {}", why));
    sink.current().end = Batch::FileEnd{"", 0};
    sink.ship();
    return;
  }
  const FormatInfo* format = file_format(in, path, options);
  if (format == nullptr) {
    const std::string_view head = in.peek(64 << 10);
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
    sink.current().end = Batch::FileEnd{in.digest(), 0};
    raw_done.fetch_add(in.raw_size());
    sink.ship();
    return;
  }
  start.dataset = file_dataset(*format, path, options);
  sink.current().start = start;
  sink.current().start->format = std::string(format->name);
  sink.set_dataset(start.dataset);
  ReadContext ctx = read_context(path, options, sink, stop);
  auto reader = format->make();
  // Progress comes from the raw bytes the stream has consumed, read by the writer thread.
  sink.track(&in);
  Status rs = reader->read(in, ctx);
  if (!rs.ok()) sink.reject(Position{path, 0, 0}, rs.message(), "");
  sink.current().end = Batch::FileEnd{in.digest(), ctx.utf8_repaired};
  if (std::string change = in.change_while_read(); !change.empty())
    sink.warn(Position{path, 0, 0}, change);
  sink.ship();
  sink.track(nullptr);
}

void read_piece(Unit& u, const IngestOptions& options, BatchingSink& sink,
                std::atomic<bool>& stop) {
  if (u.start) sink.current().start = *u.start;
  sink.set_dataset(u.dataset);
  sink.set_base(u.lines, u.offset);
  InputStream in;
  Status rs = in.open_range(u.path, u.offset, u.range_end);
  ReadContext ctx = read_context(u.path, options, sink, stop);
  ctx.json_lines = true;
  auto reader = u.format->make();
  sink.track(&in);
  if (rs.ok()) rs = reader->read(in, ctx);
  if (!rs.ok()) sink.reject(Position{u.path, 0, 0}, rs.message(), "");
  sink.set_base(0, 0);
  sink.current().piece_end = ctx.utf8_repaired;
  if (u.end) {
    sink.current().end = *u.end;
    if (!u.change.empty()) sink.warn(Position{u.path, 0, 0}, u.change);
  }
  sink.ship();
  sink.track(nullptr);
}

// A parsing thread: reads its units in order until the dispatcher's end (nullptr). Once
// stopped it takes its units without reading them, so the dispatcher never waits on it.
// `text_keys`: each post's text key is worked out (while the posts are collected).
void parse_units(UnitQueue& units, const IngestOptions& options, bool text_keys,
                 BatchQueue& full, BatchQueue& free, std::atomic<bool>& stop,
                 std::atomic<std::uint64_t>& raw_done) {
  BatchingSink sink(full, free, options.strict, stop, raw_done);
  sink.set_text_keys(text_keys);
  for (;;) {
    Unit* u = nullptr;
    units.pop(u);
    if (u == nullptr) break;
    const std::unique_ptr<Unit> owned(u);
    if (stop.load()) continue;
    if (u->piece)
      read_piece(*u, options, sink, stop);
    else
      read_file(u->path, options, sink, stop, raw_done);
  }
  sink.ship(/*last=*/true);
}

// The format of a file the dispatcher may cut, opened as `in`: an uncompressed file whose
// reader reads JSON records one by one, laid out as JSON lines (the layout its reader would
// judge from the same first bytes). nullptr for any other file.
const FormatInfo* cuttable(InputStream& in, const std::string& path,
                           const IngestOptions& options) {
  if (in.compression() != Compression::kNone) return nullptr;
  const FormatInfo* format = file_format(in, path, options);
  if (format == nullptr || !format->json_records || !looks_like_json(in.peek(4096)) ||
      json_stream_layout(in) != JsonLayout::kLines)
    return nullptr;
  return format;
}

// Reads a cuttable file once — hashing it, as any file is hashed — and deals it as pieces of
// at least options.piece_bytes that end after a line end (the last at the file's end), each
// with the lines and bytes before it; the parsing threads read each piece from the file (from
// the page cache, as it was just read). The last piece carries the file's digest.
void cut_file(InputStream& in, const std::string& path, const FormatInfo* format,
              const IngestOptions& options,
              const std::function<void(std::unique_ptr<Unit>)>& deal,
              const std::atomic<bool>& stop) {
  const std::string dataset = file_dataset(*format, path, options);
  std::vector<char> chunk(std::min<std::uint64_t>(1 << 20, options.piece_bytes));
  std::uint64_t read = 0, lines = 0;          // bytes and line ends read so far
  std::uint64_t begin = 0, begin_lines = 0;   // where the next piece starts
  std::uint64_t cut = 0, cut_lines = 0;       // after the last line end read
  const auto piece = [&](std::uint64_t end, std::uint64_t end_lines) {
    auto u = std::make_unique<Unit>();
    u->path = path;
    u->piece = true;
    u->format = format;
    u->dataset = dataset;
    u->lines = begin_lines;
    u->offset = begin;
    u->range_end = end;
    if (begin == 0)
      u->start = Batch::FileStart{path, std::string(format->name), dataset, in.raw_size(), true};
    begin = end;
    begin_lines = end_lines;
    return u;
  };
  for (;;) {
    if (stop.load()) return;
    const std::size_t got = in.read(chunk.data(), chunk.size());
    if (got == 0) break;
    for (const char *p = chunk.data(), *end = p + got;
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))));
         ++p) {
      ++lines;
      cut = read + static_cast<std::uint64_t>(p - chunk.data()) + 1;
      cut_lines = lines;
    }
    read += got;
    if (cut - begin >= options.piece_bytes) deal(piece(cut, cut_lines));
  }
  auto last = piece(read, lines);
  last->end = Batch::FileEnd{in.digest(), 0};
  last->change = in.change_while_read();
  deal(std::move(last));
}

// Deals the inputs to the parsing threads in turn, in the order of `files`: a whole file, or
// with several threads, the pieces of a cuttable file, one unit each. Ends with nullptr for
// every thread. In a distributed ingest every rank deals the same units to the threads of all
// ranks; a thread of another rank has no queue here (nullptr) and its units are dropped.
void dispatch(const std::vector<std::string>& files, const IngestOptions& options,
              std::vector<UnitQueue*>& queues, const std::atomic<bool>& stop) {
  std::size_t next = 0;
  const auto deal = [&](std::unique_ptr<Unit> u) {
    if (queues[next] != nullptr) queues[next]->push(u.release());
    next = (next + 1) % queues.size();
  };
  for (const std::string& path : files) {
    if (stop.load()) break;
    std::error_code ec;
    if (queues.size() > 1 && std::filesystem::file_size(path, ec) >= 2 * options.piece_bytes &&
        !ec) {
      // A file of at least two pieces, opened once: to judge it, then to cut it.
      InputStream in;
      if (in.open(path).ok()) {
        if (const FormatInfo* format = cuttable(in, path, options)) {
          cut_file(in, path, format, options, deal, stop);
          continue;
        }
      }
    }
    auto whole = std::make_unique<Unit>();
    whole->path = path;
    deal(std::move(whole));
  }
  for (UnitQueue* q : queues)
    if (q != nullptr) q->push(nullptr);
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

// --format names a reader that exists and is available.
Status check_forced_format(const IngestOptions& options) {
  if (options.format.empty()) return Status::Ok();
  const FormatInfo* f = find_format(options.format);
  if (!f)
    return Status::InvalidArgument(
        fmt::format("unknown format '{}' (see `groundswell formats`)", options.format));
  if (!f->available)
    return Status::InvalidArgument(
        fmt::format("the '{}' reader is not available yet", options.format));
  return Status::Ok();
}

// rejects.jsonl, one JSON object a line. It appears when the ingest ends (also a failed one:
// under --strict it names the reject that stopped it), never half-written. Without a path
// every call does nothing.
class RejectsFile {
 public:
  Status create(const std::string& path) {
    if (path.empty()) return Status::Ok();
    auto f = OutputFile::create(path);
    if (!f) return f.status();
    file_.emplace(std::move(*f));
    return Status::Ok();
  }

  Status write(std::int64_t run_id, std::string_view file, std::uint64_t line, std::uint64_t offset,
               std::string_view reason, std::string_view excerpt) {
    if (!file_) return Status::Ok();
    JsonWriter w(false);
    w.begin_object().key("run").value(run_id).key("file").value(file).key("line").value(line)
        .key("offset").value(offset).key("reason").value(reason)
        .key("excerpt").value(excerpt).end_object();
    line_ = w.take();
    line_.push_back('\n');
    return file_->write(line_);
  }

  // The file belongs to the database: earlier runs' rejects stay in it, but for the files
  // read again now, whose rejects this run reports (MessageWriter::begin_file).
  Status copy_earlier_runs(Store& store, const std::vector<std::string>& files) {
    if (!file_) return Status::Ok();
    const std::set<std::string_view> reread(files.begin(), files.end());
    Stmt q;
    GS_RETURN_IF_ERROR(store.db().prepare(
        "SELECT run_id, file, line, byte_offset, reason, excerpt FROM rejects ORDER BY id", q));
    while (q.step() == Stmt::kRow) {
      if (reread.contains(q.column_text(1))) continue;
      GS_RETURN_IF_ERROR(
          write(q.column_int64(0), q.column_text(1), static_cast<std::uint64_t>(q.column_int64(2)),
                static_cast<std::uint64_t>(q.column_int64(3)), q.column_text(4), q.column_text(5)));
    }
    return Status::Ok();
  }

  Status commit() { return file_ ? file_->commit() : Status::Ok(); }

 private:
  std::optional<OutputFile> file_;
  std::string line_;  // reused line after line
};

// The writer's collector in a bulk load (MessageWriter::collect): notes in the batch being
// written what the writer tells of its posts, for the collecting thread to add to the ingest's
// columns (parse_and_write) while the writer goes on with the next batch.
class BatchRecorder final : public PostCollector {
 public:
  void set_batch(Batch* b) { batch_ = b; }

  // `m` and `p` are the batch's messages[i] and prepared[i] (BatchWriter::put_message), read
  // again by replay(): only their index is noted.
  void add(std::int64_t row, std::int64_t account_row, const MessageRecord& m,
           const PreparedMessage& p) override {
    const auto index = static_cast<std::uint32_t>(&m - batch_->messages.data());
    assert(index < batch_->n_messages && &p == &batch_->prepared[index]);
    (void)p;
    batch_->told.push_back({Batch::Told::Kind::kAdd, index, row, account_row});
  }
  void merged(std::int64_t row) override {
    batch_->told.push_back({Batch::Told::Kind::kMerged, 0, row, -1});
  }
  void abandon() override { batch_->told.push_back({Batch::Told::Kind::kAbandon, 0, 0, -1}); }

  // On the collecting thread: what `b` told, in its order.
  static void replay(const Batch& b, IngestedMessages& into) {
    for (const Batch::Told& t : b.told) {
      switch (t.kind) {
        case Batch::Told::Kind::kAdd:
          into.add(t.row, t.account, b.messages[t.index], b.prepared[t.index]);
          break;
        case Batch::Told::Kind::kMerged:
          into.merged(t.row);
          break;
        case Batch::Told::Kind::kAbandon:
          into.abandon();
          break;
      }
    }
  }

 private:
  Batch* batch_ = nullptr;
};

// The writing thread's side: stores what each batch holds, counts every record into its
// file's counts and the summary, and commits a transaction every
// IngestOptions::transaction_records records and at the end of each file. The first failure
// is kept and stops the parsing thread (stop()); later batches are drained without being
// written.
class BatchWriter {
 public:
  // `recorder`: the writer's collector, when the posts are collected.
  BatchWriter(Store& store, MessageWriter& writer, const IngestOptions& options,
              RejectsFile& rejects, IngestSummary& summary, BatchRecorder* recorder)
      : store_(store),
        writer_(writer),
        options_(options),
        rejects_(rejects),
        summary_(summary),
        recorder_(recorder) {}

  bool recording() const { return recorder_ != nullptr; }

  std::atomic<bool>& stop() { return stop_; }
  // Records read so far, for the progress line.
  std::uint64_t records_read() const {
    return summary_.counts.records_read + file_counts_.records_read;
  }

  void write(Batch& b) {
    if (recorder_ != nullptr) recorder_->set_batch(&b);
    if (failure_.ok() && !in_tx_) {
      Status s = writer_.begin_batch();
      if (s.ok())
        in_tx_ = true;
      else
        fail(s);
    }
    if (failure_.ok() && b.start) begin_file(*b.start);
    // The writer's tables are larger than the caches: each message's lookups are asked for
    // a few messages ahead (MessageWriter::prefetch), so that they do not wait on memory.
    constexpr std::size_t kFar = 8, kNear = 4;
    const auto prefetch = [&](std::size_t i, bool near) {
      if (i >= b.items.size() || b.items[i].kind != Batch::ItemKind::kMessage) return;
      const std::uint32_t k = b.items[i].index;
      writer_.prefetch(b.messages[k], b.prepared[k], near);
    };
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      if (!failure_.ok()) break;
      prefetch(i + kFar, false);
      prefetch(i + kNear, true);
      put_item(b, b.items[i]);
    }
    if (b.piece_end) pieces_repaired_ += *b.piece_end;
    if (b.end && failure_.ok()) end_file(*b.end);
    if (in_tx_ && failure_.ok() &&
        (since_commit_ >= options_.transaction_records || b.end || b.last)) {
      Status s = writer_.commit_batch();
      in_tx_ = false;
      since_commit_ = 0;
      if (!s.ok()) fail(s);
    }
  }

  // After the last batch: the first failure, if any.
  Status finish() {
    if (in_tx_) {
      // A failure mid-transaction: keep what was written before it (it is consistent and the
      // unique key makes a re-run complete it), but under --strict nothing after the reject.
      (void)writer_.commit_batch();
      in_tx_ = false;
    }
    return failure_;
  }

 private:
  void fail(Status s) {
    if (failure_.ok()) failure_ = std::move(s);
    stop_.store(true);
  }

  void warn(std::string w) {
    log_warn(w);
    summary_.warnings.push_back(std::move(w));
  }

  void begin_file(const Batch::FileStart& start) {
    current_file_ = start.path;
    current_format_ = start.format;
    first_reject_.clear();
    file_counts_ = FileCounts{};
    const FormatInfo* format = find_format(start.format);
    accounts_once_ = start.cut && format != nullptr && format->accounts_once;
    seen_accounts_ = SeenAccounts();
    pieces_repaired_ = 0;
    auto id =
        writer_.begin_file(FileInfo{start.path, "", start.bytes, start.format, start.dataset});
    if (id)
      file_id_ = *id;
    else
      fail(id.status());
  }

  void put_item(const Batch& b, Batch::Item item) {
    switch (item.kind) {
      case Batch::ItemKind::kMessage:
        put_message(b, item.index);
        break;
      case Batch::ItemKind::kAccount: {
        // Of a file read in pieces, each piece's reader gives the accounts it has not given
        // before: only the file's first of each goes on, as one reader of the file gives them.
        if (accounts_once_ && !seen_accounts_.first(b.accounts[item.index].account_id)) break;
        Status s = writer_.put_account(b.accounts[item.index]);
        if (!s.ok()) fail(s);
        ++file_counts_.account_records;
        break;
      }
      case Batch::ItemKind::kReject: {
        const Batch::Note& n = b.notes[item.index];
        note_reject(n.line, n.offset, n.reason, n.excerpt);
        break;
      }
      case Batch::ItemKind::kWarning:
        warn(fmt::format("{}: {}", current_file_, b.notes[item.index].reason));
        break;
    }
  }

  void put_message(const Batch& b, std::uint32_t index) {
    const MessageRecord& m = b.messages[index];
    auto [line, offset] = b.positions[index];
    auto outcome = writer_.put_message(m, b.prepared[index], file_id_, line, offset);
    if (!outcome) {
      fail(outcome.status());
      return;
    }
    if (*outcome == WriteOutcome::kAuthorConflict) {
      note_reject(
          line, offset, writer_.conflict_reason(),
          reject_excerpt(fmt::format("{} {} by {}", m.chat_id, m.message_id, m.account_id)));
      return;
    }
    ++file_counts_.records_read;
    if (*outcome == WriteOutcome::kStored) {
      ++file_counts_.stored;
      ++(m.kind == RecordKind::kEvent ? file_counts_.events : file_counts_.messages);
    } else {
      ++file_counts_.duplicates;
      if (*outcome == WriteOutcome::kConflict) ++file_counts_.conflicts;
    }
    ++since_commit_;
  }

  // Counts a rejected record and writes it to the rejects table and file; --strict stops.
  void note_reject(std::uint64_t line, std::uint64_t offset, std::string_view reason,
                   std::string_view excerpt) {
    ++file_counts_.records_read;
    if (file_counts_.rejected++ == 0) first_reject_ = reason;
    Status s = writer_.put_reject(current_file_, line, offset, reason, excerpt);
    if (!s.ok()) fail(s);
    Status ws = rejects_.write(summary_.run_id, current_file_, line, offset, reason, excerpt);
    if (!ws.ok()) fail(ws);
    if (options_.strict && failure_.ok()) {
      failure_ =
          Status::BadInput(fmt::format("{}:{} (byte {}): {}", current_file_, line, offset, reason));
      stop_.store(true);
    }
  }

  void end_file(const Batch::FileEnd& end) {
    file_counts_.utf8_repaired = end.utf8_repaired + pieces_repaired_;
    // A file that gave nothing (no message, no account) is named, with why, unless it was
    // already named as unrecognised.
    if (file_counts_.stored + file_counts_.duplicates + file_counts_.account_records == 0 &&
        file_counts_.rejected > 0 && current_format_ != "unrecognised") {
      warn(
          fmt::format("{}: read as {} but holds no messages or accounts; {} record{} rejected, the "
                      "first: {}",
                      current_file_, current_format_, file_counts_.rejected,
                      file_counts_.rejected == 1 ? "" : "s", first_reject_));
    }
    Status s = writer_.finish_file(file_id_, file_counts_);
    if (s.ok()) s = set_digest(end.digest);
    if (!s.ok()) fail(s);
    if (file_counts_.utf8_repaired)
      log_warn(fmt::format("{}: invalid UTF-8 replaced in {} records", current_file_,
                           file_counts_.utf8_repaired));
    // Counted once: in the run's totals from here on, not also as the open file's.
    add_counts(file_counts_);
    file_counts_ = FileCounts{};
  }

  Status set_digest(const std::string& digest) {
    Stmt d;
    GS_RETURN_IF_ERROR(store_.db().prepare("UPDATE files SET digest=? WHERE id=?", d));
    d.bind_text(1, digest);
    d.bind_int64(2, file_id_);
    if (d.step() != Stmt::kDone) return Status::IoError("database: " + d.error());
    return Status::Ok();
  }

  void add_counts(const FileCounts& f) {
    auto& c = summary_.counts;
    c.records_read += f.records_read;
    c.stored += f.stored;
    c.messages += f.messages;
    c.events += f.events;
    c.duplicates += f.duplicates;
    c.conflicts += f.conflicts;
    c.rejected += f.rejected;
    c.account_records += f.account_records;
    c.utf8_repaired += f.utf8_repaired;
  }

  Store& store_;
  MessageWriter& writer_;
  const IngestOptions& options_;
  RejectsFile& rejects_;
  IngestSummary& summary_;
  BatchRecorder* recorder_;
  std::atomic<bool> stop_{false};
  Status failure_;
  bool in_tx_ = false;
  std::uint64_t since_commit_ = 0;
  std::int64_t file_id_ = 0;
  FileCounts file_counts_;
  std::string current_file_, current_format_, first_reject_;
  // A file read in pieces: the accounts given so far (for readers that give each once) and the
  // records whose UTF-8 its pieces repaired.
  bool accounts_once_ = false;
  SeenAccounts seen_accounts_;
  std::uint64_t pieces_repaired_ = 0;
};

// The tags of a distributed ingest's messages: each batch a rank parsed, to rank 0, once rank
// 0 asked for it; rank 0 asking for a rank's next batch; and from rank 0 to each other rank,
// once, whether it may stop early (1) or has sent all (0).
constexpr int kBatchTag = dist::Communicator::kFirstMessageTag;
constexpr int kWantTag = dist::Communicator::kFirstMessageTag + 1;
constexpr int kControlTag = dist::Communicator::kFirstMessageTag + 2;

// Waits until ready() without spinning: MPI's own waits poll a core, which on a shared machine
// the parsing threads need. The first checks come quickly (a batch asked for is usually on its
// way), later ones up to half a millisecond apart.
template <typename Ready>
void wait_politely(Ready&& ready) {
  for (auto pause = std::chrono::microseconds(10); !ready();) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(500));
  }
}

// A file's size as this process sees it, to check that every rank of a distributed ingest reads
// the same inputs; UINT64_MAX for what is not a regular file (missing, or a pipe such as a
// shell's `<(zcat ...)`, which only this process can read).
std::uint64_t size_seen(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || ec) return UINT64_MAX;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  return ec ? UINT64_MAX : size;
}

// A parsing thread's units and the batches that go round between it and the writer. In a
// distributed ingest, a thread of another rank (`rank` > 0) has only the batches its messages
// are received into here.
struct Lane {
  UnitQueue units;
  std::vector<std::unique_ptr<Batch>> pool;
  BatchQueue full, free;
  std::atomic<bool> stop{false};
  int rank = 0;
  std::uint32_t index = 0;  // among its rank's threads
  bool done = false;        // its last batch was written

  // Room for kUnitsInFlight units and `batches` batches.
  void prepare(std::size_t batches) {
    units.set_capacity(kUnitsInFlight);
    for (std::size_t i = 0; i < batches; ++i) {
      pool.push_back(std::make_unique<Batch>());
      free.push(pool.back().get());
    }
  }
};

// Starts the dispatcher, dealing to `queues` (a lane of every rank; nullptr for another rank's)
// until `stop_dealing`, and a parsing thread for each of this process's `lanes`. The caller
// joins the threads before anything they were given goes.
std::vector<std::thread> start_reading(const std::vector<std::string>& files,
                                       const IngestOptions& options,
                                       std::vector<UnitQueue*>& queues, std::span<Lane> lanes,
                                       bool text_keys, const std::atomic<bool>& stop_dealing,
                                       std::atomic<std::uint64_t>& raw_done) {
  std::vector<std::thread> threads;
  threads.emplace_back([&] { dispatch(files, options, queues, stop_dealing); });
  for (Lane& lane : lanes)
    threads.emplace_back([&options, &raw_done, l = &lane, text_keys] {
      parse_units(l->units, options, text_keys, l->full, l->free, l->stop, raw_done);
    });
  return threads;
}

// What the other ranks of a distributed ingest need to parse their share as rank 0 would
// (kIngest's payload): the inputs with their sizes, the reading options and whether text keys
// are worked out.
dist::Bytes ingest_payload(const std::vector<std::string>& files, const IngestOptions& o,
                           bool text_keys) {
  dist::Bytes out;
  dist::append_value<std::uint64_t>(out, files.size());
  for (const std::string& f : files) {
    dist::append_string(out, f);
    dist::append_value(out, size_seen(f));
  }
  dist::append_string(out, o.format);
  dist::append_value<std::uint8_t>(out, o.strict);
  dist::append_string(out, o.dataset);
  dist::append_value(out, o.tz_offset_s);
  dist::append_value(out, o.max_record_bytes);
  dist::append_value(out, o.piece_bytes);
  dist::append_value<std::uint8_t>(out, text_keys);
  return out;
}

// How the ranks of a distributed ingest share it: agreed by every rank at its start (a
// collective), from each rank's parsing threads and whether it sees every input as rank 0 does
// (the same path, the same size). When one does not, rank 0 reads the inputs alone.
struct Sharing {
  bool shared = false;
  std::vector<std::size_t> threads;  // per rank; lanes are rank 0's threads, rank 1's, ...

  std::size_t first_lane(int rank) const {
    std::size_t n = 0;
    for (int r = 0; r < rank; ++r) n += threads[static_cast<std::size_t>(r)];
    return n;
  }
};

Sharing agree_on_sharing(dist::Communicator& comm, std::size_t threads, bool sees_inputs) {
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm.size()) + 1, 0);
  counts[0] = sees_inputs ? 0 : 1;
  counts[static_cast<std::size_t>(comm.rank()) + 1] = threads;
  comm.all_reduce_sum(counts);
  Sharing s;
  s.shared = counts[0] == 0;
  s.threads.assign(counts.begin() + 1, counts.end());
  return s;
}

// In a distributed ingest, on rank 0's main thread (the one that may call MPI) while another
// writes: fills the lanes of the other ranks' parsing threads with their batches, unit by unit
// in the order the writer takes them, each batch asked for when its lane has room for it (the
// rank has it packed and sends it at once: a rank that sent unasked would wait inside MPI,
// polling a core). Receiving and unpacking stay off the writing thread. Each other rank gets
// one control message: stop early (`stop` is set), or done (its lanes' last batches are in).
// Returns the records (messages, accounts, rejects and warnings) and bytes received.
std::pair<std::uint64_t, std::uint64_t> feed_other_ranks(dist::Communicator& comm,
                                                         std::vector<Lane>& lanes,
                                                         const std::atomic<bool>& stop,
                                                         std::atomic<std::uint64_t>& raw_done) {
  std::uint64_t records = 0, bytes = 0;
  dist::Bytes wire;  // reused: a new buffer a batch would be zeroed and faulted in each time
  std::vector<bool> told(static_cast<std::size_t>(comm.size()), false);
  std::vector<bool> received_last(lanes.size(), false);
  const auto tell = [&](int rank, bool early) {
    if (told[static_cast<std::size_t>(rank)]) return;
    dist::Bytes message;
    dist::append_value<std::uint8_t>(message, early);
    comm.send(rank, kControlTag, message);
    told[static_cast<std::size_t>(rank)] = true;
  };
  const auto rank_done = [&](int rank) {
    for (std::size_t i = 0; i < lanes.size(); ++i)
      if (lanes[i].rank == rank && !received_last[i]) return false;
    return true;
  };
  std::size_t remaining = 0;
  for (const Lane& lane : lanes) remaining += lane.rank != 0;
  for (std::size_t at = 0; remaining > 0; at = (at + 1) % lanes.size()) {
    Lane& lane = lanes[at];
    if (lane.rank == 0 || received_last[at]) continue;
    for (bool unit_end = false; !unit_end;) {
      Batch* b = nullptr;
      lane.free.pop(b);
      dist::Bytes want;
      dist::append_value(want, lane.index);
      comm.send(lane.rank, kWantTag, want);
      wait_politely([&] { return comm.waiting(lane.rank, kBatchTag); });
      comm.receive(lane.rank, kBatchTag, wire);
      raw_done.fetch_add(ingest_internal::unpack_batch(wire, *b));
      records += b->items.size();
      bytes += wire.size();
      const bool last = b->last;
      unit_end = last || b->end.has_value() || b->piece_end.has_value();
      lane.full.push(b);
      if (last) {
        received_last[at] = true;
        --remaining;
        if (rank_done(lane.rank)) tell(lane.rank, false);
      }
      if (stop.load())
        for (int r = 1; r < comm.size(); ++r)
          if (!rank_done(r)) tell(r, true);
    }
  }
  return {records, bytes};
}

// Parses on threads of their own while this one writes. A dispatching thread deals the inputs
// to the parsing threads in turn (dispatch(): a file, or a piece of a large JSON-lines file,
// to each), and this thread takes their batches unit by unit in that same order, each unit
// whole before the next: the store receives exactly what one parsing thread reading every
// file gives, at any number of threads, while the others read ahead. Batches go round between
// each parsing thread and this one through a pool of its own, so memory stays flat whatever
// the size of the input. A parsing thread stops early on its own --strict reject (it reads no
// further) or when writing fails (every thread and the dispatcher). While the posts are
// collected (out.recording()), each batch written goes on to a collecting thread, which adds
// what the writer told of it to `columns` and only then gives it back to its pool: the writer,
// the busiest thread, does not also copy every post into the columns.
// Shared with the other ranks (IngestOptions::share_with_ranks, under mpirun), the threads of
// every rank parse: each rank deals the same units (follow_ingest()), parses its own and sends
// their batches here, where this thread receives them (feed_other_ranks()) while another writes;
// the store is the same, byte for byte.
Status parse_and_write(const std::vector<std::string>& files, const IngestOptions& options,
                       std::uint64_t bytes, BatchWriter& out) {
  IngestedMessages* columns = out.recording() ? options.columns : nullptr;
  const auto threads = static_cast<std::size_t>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const std::size_t k = std::clamp<std::size_t>(threads, 1, kMaxParsers);
  dist::Communicator& comm = dist::world();
  Sharing sharing{false, {k}};
  if (options.share_with_ranks && comm.distributed() && comm.rank() == 0) {
    dist::send_instruction(dist::Instruction::kIngest,
                           ingest_payload(files, options, columns != nullptr));
    sharing = agree_on_sharing(comm, k, true);
    if (!sharing.shared) {
      log_warn("another process does not see the inputs as this one does (the same files at "
               "the same paths, of the same sizes): they are read here alone");
      sharing.threads = {k};
    }
  }
  std::vector<Lane> lanes(sharing.first_lane(static_cast<int>(sharing.threads.size())));
  std::vector<UnitQueue*> queues;
  // One thread reads no further ahead than its batches; several read a unit ahead of the
  // writer, which takes more of them.
  // The collecting thread holds a batch or two of each lane's.
  const std::size_t in_flight = (lanes.size() == 1 ? kBatchesInFlight : kBatchesInFlightAhead) +
                                (columns != nullptr ? 2 : 0);
  for (std::size_t i = 0, rank = 0; i < lanes.size(); ++i) {
    while (i >= sharing.first_lane(static_cast<int>(rank) + 1)) ++rank;
    Lane& lane = lanes[i];
    lane.rank = static_cast<int>(rank);
    lane.index = static_cast<std::uint32_t>(i - sharing.first_lane(lane.rank));
    queues.push_back(lane.rank == 0 ? &lane.units : nullptr);
    lane.prepare(in_flight);
  }
  std::atomic<std::uint64_t> raw_done{0};
  std::vector<std::thread> threads_of =
      start_reading(files, options, queues, std::span<Lane>(lanes).first(k), columns != nullptr,
                    out.stop(), raw_done);
  struct Written {
    Batch* batch;
    Lane* lane;
  };
  tbb::concurrent_bounded_queue<Written> written;  // {nullptr, nullptr} ends
  std::thread collecting;
  if (columns != nullptr)
    collecting = std::thread([&written, columns] {
      for (;;) {
        Written w{};
        written.pop(w);
        if (w.batch == nullptr) break;
        BatchRecorder::replay(*w.batch, *columns);
        w.batch->reset();
        w.lane->free.push(w.batch);
      }
    });
  Progress progress("ingest", bytes, options.progress);
  const auto write_all = [&] {
    for (std::size_t at = 0, finished = 0; finished < lanes.size();) {
      Lane& lane = lanes[at];
      if (lane.done) {
        at = (at + 1) % lanes.size();
        continue;
      }
      Batch* b = nullptr;
      lane.full.pop(b);
      out.write(*b);
      if (out.stop().load())
        for (Lane& l : lanes) l.stop.store(true);
      progress.update(raw_done.load(), out.records_read());
      const bool last = b->last, unit_end = b->end.has_value() || b->piece_end.has_value();
      if (columns != nullptr) {
        written.push({b, &lane});
      } else {
        b->reset();
        lane.free.push(b);
      }
      if (last) {
        lane.done = true;
        ++finished;
      }
      if (last || unit_end) at = (at + 1) % lanes.size();
    }
  };
  if (lanes.size() == k) {
    write_all();
  } else {
    std::thread writing(write_all);
    const auto [records, received] = feed_other_ranks(comm, lanes, out.stop(), raw_done);
    writing.join();
    log_info(fmt::format("ingest shared by {} processes: the others parsed {} records and sent "
                         "{:.1f} MB",
                         comm.size(), records, static_cast<double>(received) / 1e6));
  }
  if (columns != nullptr) {
    written.push({nullptr, nullptr});
    collecting.join();
  }
  for (std::thread& t : threads_of) t.join();
  progress.finish();
  return out.finish();
}

// The accounts of the whole store (summary.json's input block). Not the messages: counting
// them reads the whole table when a bulk load has left the key's index to the next ingest.
void store_totals(Store& store, IngestSummary& summary) {
  if (auto accounts = store.db().query_int64("SELECT count(*) FROM accounts"))
    summary.accounts = static_cast<std::uint64_t>(*accounts);
}

// The run's counts as the runs table's stats JSON.
std::string stats_json(const IngestSummary& summary) {
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
  return stats.str();
}

}  // namespace

Result<IngestSummary> ingest(Store& store, const IngestOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  IngestSummary summary;
  GS_RETURN_IF_ERROR(check_forced_format(options));
  auto files = expand_inputs(options.inputs);
  if (!files) return files.status();
  summary.files = files->size();
  summary.bytes = total_bytes(*files);
  RejectsFile rejects;
  GS_RETURN_IF_ERROR(rejects.create(options.rejects_path));
  if (options.rejects_of_earlier_runs) GS_RETURN_IF_ERROR(rejects.copy_earlier_runs(store, *files));

  auto run = store.begin_run(options.command, options.parameters_json);
  if (!run) return run.status();
  summary.run_id = *run;
  MessageWriter writer(store, *run);
  GS_RETURN_IF_ERROR(writer.prepare());
  // Into a store without messages, keys are de-duplicated in memory and the indexes built
  // after the load.
  auto bulk = writer.begin_bulk_load();
  if (!bulk) return bulk.status();
  BatchRecorder recorder;
  if (options.columns != nullptr) {
    if (*bulk) {
      writer.collect(&recorder);
    } else {
      options.columns->abandon();
    }
  }

  BatchWriter out(store, writer, options, rejects, summary,
                  writer.bulk_load() && options.columns != nullptr ? &recorder : nullptr);
  Status failure = parse_and_write(*files, options, summary.bytes, out);
  if (Status s = writer.finish_bulk_load(); !s.ok() && failure.ok()) failure = s;
  store_totals(store, summary);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (Status s = rejects.commit(); !s.ok() && failure.ok()) failure = s;
  Status fin = store.finish_run(summary.run_id, failure.ok() ? "ok" : "failed", stats_json(summary),
                                summary.seconds);
  if (options.columns != nullptr && (!failure.ok() || !fin.ok()))
    options.columns->abandon();
  if (!failure.ok()) return failure;
  GS_RETURN_IF_ERROR(fin);
  if (options.columns != nullptr && !options.columns->abandoned()) {
    // Sealed with the data version the ingest's last commit gave the store (not the store's
    // version now, which another program may have changed since); with none (nothing stored)
    // the store's; unsealed, the load reads the store.
    if (!writer.committed_data_version().empty()) {
      options.columns->seal(writer.committed_data_version());
    } else if (auto now = read_data_version(store.db())) {
      options.columns->seal(*now);
    } else {
      options.columns->abandon();
    }
  }
  return summary;
}

void follow_ingest(const dist::Bytes& payload) {
  dist::Communicator& comm = dist::world();
  dist::Reader in(payload);
  std::vector<std::string> files(in.value<std::uint64_t>());
  bool sees_inputs = true;
  for (std::string& f : files) {
    in.string(f);
    const auto size = in.value<std::uint64_t>();
    sees_inputs = size != UINT64_MAX && size == size_seen(f) && sees_inputs;
  }
  IngestOptions options;
  in.string(options.format);
  options.strict = in.value<std::uint8_t>() != 0;
  in.string(options.dataset);
  options.tz_offset_s = in.value<std::int64_t>();
  options.max_record_bytes = in.value<std::uint64_t>();
  options.piece_bytes = in.value<std::uint64_t>();
  const bool text_keys = in.value<std::uint8_t>() != 0;
  options.progress = false;
  const auto threads = static_cast<std::size_t>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const Sharing sharing =
      agree_on_sharing(comm, std::clamp<std::size_t>(threads, 1, kMaxParsers), sees_inputs);
  if (!sharing.shared) return;

  // Every rank deals the same units to the threads of all ranks; this rank's are those after
  // the threads of the ranks before it.
  const std::size_t first = sharing.first_lane(comm.rank());
  std::vector<Lane> lanes(sharing.threads[static_cast<std::size_t>(comm.rank())]);
  std::vector<UnitQueue*> queues(sharing.first_lane(comm.size()), nullptr);
  for (std::size_t j = 0; j < lanes.size(); ++j) {
    lanes[j].prepare(kBatchesInFlightAhead);
    queues[first + j] = &lanes[j].units;
  }
  std::atomic<bool> stop_dealing{false};
  std::atomic<std::uint64_t> raw_done{0};
  std::vector<std::thread> threads_of =
      start_reading(files, options, queues, lanes, text_keys, stop_dealing, raw_done);
  bool told = false;
  const auto obey = [&](const dist::Bytes& message) {
    told = true;
    if (dist::Reader(message).value<std::uint8_t>() != 0) {
      for (Lane& lane : lanes) lane.stop.store(true);
      stop_dealing.store(true);
    }
  };
  // Each lane's next batch, packed while rank 0 has not asked for it yet.
  std::vector<dist::Bytes> packed(lanes.size());
  std::vector<bool> ready(lanes.size(), false);
  std::uint64_t reported = 0;
  const auto pack = [&](std::size_t j, Batch* b) {
    const std::uint64_t now = raw_done.load();
    packed[j].clear();
    ingest_internal::pack_batch(*b, now - reported, packed[j]);
    reported = now;
    lanes[j].done = b->last;
    b->reset();
    lanes[j].free.push(b);
    ready[j] = true;
  };
  // Sent when rank 0 asks (its turn to write it has come), so neither side waits inside MPI;
  // until then the batches of every lane are packed as they come.
  for (std::size_t sent_last = 0; sent_last < lanes.size();) {
    wait_politely([&] {
      for (std::size_t j = 0; j < lanes.size(); ++j) {
        Batch* b = nullptr;
        if (!ready[j] && !lanes[j].done && lanes[j].full.try_pop(b)) pack(j, b);
      }
      if (!told && comm.waiting(0, kControlTag)) obey(comm.receive(0, kControlTag));
      return comm.waiting(0, kWantTag);
    });
    const auto j = dist::Reader(comm.receive(0, kWantTag)).value<std::uint32_t>();
    if (!ready[j]) {
      Batch* b = nullptr;
      lanes[j].full.pop(b);
      pack(j, b);
    }
    comm.send(0, kBatchTag, packed[j]);
    ready[j] = false;
    sent_last += lanes[j].done;
  }
  if (!told) {
    wait_politely([&] { return comm.waiting(0, kControlTag); });
    obey(comm.receive(0, kControlTag));
  }
  for (std::thread& t : threads_of) t.join();
}

}  // namespace groundswell
