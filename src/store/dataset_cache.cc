#include "store/dataset_cache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iterator>
#include <memory>
#include <type_traits>

#include "base/hash.h"
#include "base/output_file.h"

namespace groundswell {

namespace {

constexpr char kMagic[8] = {'G', 'S', 'C', 'O', 'L', 'S', '\r', '\n'};
// 2: the row counts in the header; 3: offsets in 4 bytes (Offsets); 4: the text keys; 5: the
// text keys also in a file written without the text (format 4 left them 0 there); 6: vectors
// narrowed (DatasetCacheIo::Writer::vec)
constexpr std::uint64_t kFormat = 6;
constexpr std::uint64_t kWithText = 1, kWithoutText = 0;

// Every column of a Dataset, in file order, for both directions: a column added to Dataset
// must be added here (the size check below fails the build until it is).
template <typename D, typename Io>
void columns(D& d, Io& io) {
  io.vec(d.account_row);
  for (auto* c : {&d.account_platform, &d.account_id, &d.account_handle, &d.account_display_name,
                  &d.account_description, &d.account_kind})
    io.col(*c);
  io.vec(d.account_created_at);
  io.vec(d.account_followers);
  io.vec(d.account_following);
  io.vec(d.msg_row);
  io.vec(d.msg_account);
  io.vec(d.msg_time);
  io.vec(d.msg_time_resolution_ms);
  for (auto* c : {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id, &d.msg_shares,
                  &d.msg_reply_to, &d.msg_quotes, &d.msg_media_key, &d.msg_lang})
    io.col(*c);
  for (auto* c : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions}) io.list(*c);
  for (auto* v : {&d.msg_views, &d.msg_forwards, &d.msg_replies, &d.msg_reactions, &d.msg_likes,
                  &d.msg_retweets})
    io.vec(*v);
  io.vec(d.msg_text_key);
  io.vec(d.msg_text_key_bytes);
  io.vec(d.msg_text_key_tokens);
  // d.msg_text follows, after a checksum of everything before it.
}
// 6 account and 9 message string columns, 3 list columns, 17 vectors; and the store's rows,
// which come from the file's key (read_dataset_cache's caller sets them).
static_assert(sizeof(Dataset) == 15 * sizeof(StringColumn) + 3 * sizeof(ListColumn) +
                                     17 * sizeof(std::vector<std::int64_t>) + sizeof(std::int64_t),
              "a column was added to Dataset: add it to columns() in dataset_cache.cc and "
              "raise kFormat");

// The header, in the order read_dataset_cache() reads it.
template <typename Io>
void header(Io& io, const DatasetCacheKey& key, std::uint64_t file_bytes, bool has_text) {
  io.bytes(kMagic, sizeof kMagic);
  io.u64(kFormat);
  io.u64(file_bytes);
  io.u64(static_cast<std::uint64_t>(key.schema_version));
  io.u64(static_cast<std::uint64_t>(key.max_message_id));
  io.u64(static_cast<std::uint64_t>(key.max_account_id));
  io.u64(static_cast<std::uint64_t>(key.message_rows));
  io.u64(static_cast<std::uint64_t>(key.account_rows));
  io.str(key.data_version);
  io.u64(has_text ? kWithText : kWithoutText);
}

// The most values a vector of a file built from `key` may hold as one value when they are all
// equal (DatasetCacheIo::Writer::vec): a row per message or account and one more (offsets).
// A longer vector (the offsets of a list's items) is written out even then, so that a damaged
// count can never make a load allocate more than the rows the key names.
std::uint64_t constant_limit(const DatasetCacheKey& key) {
  return static_cast<std::uint64_t>(
             std::max<std::int64_t>({key.message_rows, key.account_rows, std::int64_t{0}})) +
         1;
}

// Values narrowed or widened a chunk at a time.
constexpr std::size_t kChunk = 1 << 14;

}  // namespace

// Friend of StringColumn and ListColumn: their bytes, as they are in memory.
struct DatasetCacheIo {
  // The file's layout, from bytes(): what Out writes and Size counts. `constant_limit`: the
  // most values a vector written as one value may hold (constant_limit() of the file's key).
  template <class Self>
  struct Writer {
    static constexpr bool kCountsOnly = false;  // Size: the bytes are counted, never read
    std::uint64_t constant_limit;
    void u64(std::uint64_t v) { self().bytes(&v, sizeof v); }
    // A vector: its count, the width of its values (0, 1, 2, 4 or all of T's bytes: the
    // fewest that hold each value's distance from the smallest, 0 when all are equal), the
    // smallest value (0 when stored whole), then each value's distance from it in that width.
    // A narrow CSV leaves most columns constant (absent counts, no language, empty strings'
    // offsets) or small (row numbers, times, text keys' sizes): at 3.5 million rows of four
    // columns the file takes 80 bytes a row, where whole vectors took 200.
    template <typename T>
    void vec(const std::vector<T>& v) {
      using U = std::make_unsigned_t<T>;
      u64(v.size());
      U base = 0;
      std::uint8_t width = sizeof(T);
      if (!v.empty()) {
        const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        const std::uint64_t range = static_cast<U>(static_cast<U>(*hi) - static_cast<U>(*lo));
        const std::uint8_t narrow = range == 0 && v.size() <= constant_limit ? 0
                                    : range <= UINT8_MAX                     ? 1
                                    : range <= UINT16_MAX                    ? 2
                                    : range <= UINT32_MAX                    ? 4
                                                                             : 8;
        if (narrow < sizeof(T)) {
          width = narrow;
          base = static_cast<U>(*lo);
        }
      }
      self().bytes(&width, 1);
      u64(base);
      if (width == sizeof(T)) {
        self().bytes(v.data(), v.size() * sizeof(T));
      } else if (width == 1) {
        narrowed<std::uint8_t>(v, base);
      } else if (width == 2) {
        narrowed<std::uint16_t>(v, base);
      } else if (width == 4) {
        narrowed<std::uint32_t>(v, base);
      }
    }
    template <typename W, typename T>
    void narrowed(const std::vector<T>& v, std::make_unsigned_t<T> base) {
      if constexpr (sizeof(W) < sizeof(T)) {
        using U = std::make_unsigned_t<T>;
        if constexpr (Self::kCountsOnly) {
          self().bytes(nullptr, v.size() * sizeof(W));
        } else {
          W chunk[kChunk];
          for (std::size_t i = 0; i < v.size(); i += kChunk) {
            const std::size_t n = std::min(kChunk, v.size() - i);
            for (std::size_t j = 0; j < n; ++j)
              chunk[j] = static_cast<W>(static_cast<U>(v[i + j]) - base);
            self().bytes(chunk, n * sizeof(W));
          }
        }
      }
    }
    void str(std::string_view s) {
      u64(s.size());
      self().bytes(s.data(), s.size());
    }
    void str(const ByteBuffer& s) { str(s.view()); }
    void offsets(const Offsets& o) {
      vec(o.low_);
      vec(o.steps_);
    }
    void col(const StringColumn& c) {
      str(c.chars_);
      offsets(c.offsets_);
    }
    void list(const ListColumn& c) {
      offsets(c.starts_);
      col(c.values_);
    }
    Self& self() { return static_cast<Self&>(*this); }
  };

  struct Out : Writer<Out> {
    Out(OutputFile& f, XXH3_state_t* h, std::uint64_t limit) : Writer{limit}, file(f), hash(h) {}
    OutputFile& file;
    XXH3_state_t* hash;
    Status status = Status::Ok();
    void bytes(const void* p, std::size_t n) {
      if (!status.ok() || n == 0) return;
      XXH3_64bits_update(hash, p, n);
      status = file.write(std::string_view(static_cast<const char*>(p), n));
    }
  };

  // Counts the bytes Out would write.
  struct Size : Writer<Size> {
    static constexpr bool kCountsOnly = true;
    explicit Size(std::uint64_t limit) : Writer{limit} {}
    std::uint64_t total = 0;
    void bytes(const void*, std::size_t n) { total += n; }
  };

  // Hashes the bytes Out would write, as Out does.
  struct Hash : Writer<Hash> {
    Hash(XXH3_state_t* h, std::uint64_t limit) : Writer{limit}, hash(h) {}
    XXH3_state_t* hash;
    void bytes(const void* p, std::size_t n) {
      if (n != 0) XXH3_64bits_update(hash, p, n);
    }
  };

  struct In {
    std::FILE* file;
    XXH3_state_t* hash;
    std::uint64_t remaining;       // bytes of the file not read yet
    std::uint64_t constant_limit;  // as Writer's
    bool ok = true;
    bool bytes(void* p, std::size_t n) {
      if (!ok || n == 0) return ok;
      if (n > remaining || std::fread(p, 1, n, file) != n) return ok = false;
      remaining -= n;
      XXH3_64bits_update(hash, p, n);
      return true;
    }
    std::uint64_t u64() {
      std::uint64_t v = 0;
      bytes(&v, sizeof v);
      return v;
    }
    // The stored checksum of every byte read so far (itself not hashed) holds.
    bool digest_holds() {
      const std::uint64_t expected = XXH3_64bits_digest(hash);
      std::uint64_t stored = 0;
      if (!ok || remaining < sizeof stored ||
          std::fread(&stored, 1, sizeof stored, file) != sizeof stored)
        return false;
      remaining -= sizeof stored;
      return stored == expected;
    }
    // A vector as Writer::vec() writes it. Its count is checked before anything is allocated:
    // no more values than the file has bytes for, or than constant_limit when they are all
    // one value.
    template <typename T>
    void vec(std::vector<T>& v) {
      using U = std::make_unsigned_t<T>;
      const std::uint64_t n = u64();
      std::uint8_t width = 0;
      bytes(&width, 1);
      const std::uint64_t base = u64();
      const bool known = width == 0 || width == 1 || width == 2 || width == 4 || width == sizeof(T);
      if (!ok || !known || width > sizeof(T) ||
          (width == 0 ? n > constant_limit : n > remaining / width)) {
        ok = false;
        return;
      }
      v.resize(n);
      if (width == sizeof(T)) {
        bytes(v.data(), n * sizeof(T));
      } else if (width == 0) {
        std::fill(v.begin(), v.end(), static_cast<T>(static_cast<U>(base)));
      } else if (width == 1) {
        widened<std::uint8_t>(v, static_cast<U>(base));
      } else if (width == 2) {
        widened<std::uint16_t>(v, static_cast<U>(base));
      } else {
        widened<std::uint32_t>(v, static_cast<U>(base));
      }
    }
    template <typename W, typename T>
    void widened(std::vector<T>& v, std::make_unsigned_t<T> base) {
      using U = std::make_unsigned_t<T>;
      W chunk[kChunk];
      for (std::size_t i = 0; i < v.size() && ok; i += kChunk) {
        const std::size_t n = std::min(kChunk, v.size() - i);
        if (!bytes(chunk, n * sizeof(W))) return;
        for (std::size_t j = 0; j < n; ++j)
          v[i + j] = static_cast<T>(static_cast<U>(base + static_cast<U>(chunk[j])));
      }
    }
    template <typename S>  // std::string or ByteBuffer
    void str(S& s) {
      const std::uint64_t n = u64();
      if (!ok || n > remaining) {
        ok = false;
        return;
      }
      s.resize(n);
      bytes(s.data(), n);
    }
    // Offsets that stay inside their buffer, so a damaged file can never index out of it:
    // steps at increasing positions inside the sequence, and the whole sequence non-decreasing
    // from 0 to `end`.
    static bool valid(const Offsets& o, std::uint64_t end) {
      if (o.empty()) return o.steps_.empty();
      if (!std::is_sorted(o.steps_.begin(), o.steps_.end()) ||
          (!o.steps_.empty() && (o.steps_.front() == 0 || o.steps_.back() >= o.size())))
        return false;
      std::uint64_t previous = 0;
      for (std::size_t i = 0, k = 0; i < o.size(); ++i) {
        while (k < o.steps_.size() && o.steps_[k] <= i) ++k;
        const std::uint64_t v = (std::uint64_t{k} << 32) + o.low_[i];
        if (v < previous || (i == 0 && v != 0)) return false;
        previous = v;
      }
      return previous == end;
    }
    void offsets(Offsets& o) {
      vec(o.low_);
      vec(o.steps_);
    }
    void col(StringColumn& c) {
      str(c.chars_);
      offsets(c.offsets_);
      ok = ok && valid(c.offsets_, c.chars_.size());
    }
    void list(ListColumn& c) {
      offsets(c.starts_);
      col(c.values_);
      ok = ok && valid(c.starts_, c.values_.size());
    }
  };
};

std::filesystem::path dataset_cache_path(const std::filesystem::path& store_path) {
  std::filesystem::path p = store_path;
  p += ".columns";
  return p;
}

Status write_dataset_cache(const std::filesystem::path& path, const DatasetCacheKey& key,
                           const Dataset& d, bool has_text) {
  // Checked whole when read and built again when refused: not worth waiting for the disk.
  auto file = OutputFile::create(path, Flush::kNone);
  if (!file) return file.status();
  XXH3_state_t state;
  XXH3_INITSTATE(&state);
  XXH3_64bits_reset(&state);
  const std::uint64_t limit = constant_limit(key);
  DatasetCacheIo::Out out(*file, &state, limit);
  // A checksum of every byte written so far, itself not hashed.
  auto digest = [&] {
    const std::uint64_t v = XXH3_64bits_digest(&state);
    if (out.status.ok())
      out.status = file->write(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
  };
  // The file's whole length comes first, so a file cut short or run on is refused before any
  // column is read (a load without text reads only the columns before the text).
  DatasetCacheIo::Size size(limit);
  header(size, key, 0, has_text);
  columns(d, size);
  size.col(d.msg_text);
  size.total += 2 * sizeof(std::uint64_t);  // the two checksums
  header(out, key, size.total, has_text);
  columns(d, out);
  digest();
  out.col(d.msg_text);
  digest();
  GS_RETURN_IF_ERROR(out.status);
  return file->commit();
}

namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

Status damaged_file(const std::filesystem::path& path) {
  return Status::InvalidArgument(fmt::format("{} is damaged", path.string()));
}

// A columns file opened for reading, its header read as header() writes it: the key the file
// was built from and whether it holds the text. `in` reads on from there, hashing what it reads.
struct OpenedFile {
  File file{nullptr, &std::fclose};
  XXH3_state_t state;
  DatasetCacheIo::In in{nullptr, nullptr, 0, 0};
  DatasetCacheKey key;
  std::uint64_t has_text = 0;
};

Result<std::unique_ptr<OpenedFile>> open_with_header(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound(fmt::format("no analysis columns at {}", path.string()));
  auto o = std::make_unique<OpenedFile>();
  o->file.reset(std::fopen(path.c_str(), "rb"));
  if (!o->file) return Status::NotFound(fmt::format("cannot read {}", path.string()));
  std::setvbuf(o->file.get(), nullptr, _IOFBF, 1 << 20);
  XXH3_INITSTATE(&o->state);
  XXH3_64bits_reset(&o->state);
  o->in = DatasetCacheIo::In{o->file.get(), &o->state, size, 0};
  DatasetCacheIo::In& in = o->in;
  char magic[sizeof kMagic];
  in.bytes(magic, sizeof magic);
  if (!in.ok || !std::equal(magic, magic + sizeof magic, kMagic)) return damaged_file(path);
  const std::uint64_t format = in.u64();
  // A file of another format version: its header may be laid out otherwise.
  if (!in.ok || format != kFormat)
    return Status::NotFound(fmt::format("{} is of another format", path.string()));
  if (in.u64() != size) return damaged_file(path);
  DatasetCacheKey& found = o->key;
  found.schema_version = static_cast<int>(in.u64());
  found.max_message_id = static_cast<std::int64_t>(in.u64());
  found.max_account_id = static_cast<std::int64_t>(in.u64());
  found.message_rows = static_cast<std::int64_t>(in.u64());
  found.account_rows = static_cast<std::int64_t>(in.u64());
  in.str(found.data_version);
  o->has_text = in.u64();
  if (!in.ok) return damaged_file(path);
  in.constant_limit = constant_limit(found);
  return o;
}

}  // namespace

Result<DatasetCacheKey> read_dataset_cache_key(const std::filesystem::path& path) {
  auto opened = open_with_header(path);
  if (!opened) return opened.status();
  return (*opened)->key;
}

Result<Dataset> read_dataset_cache(const std::filesystem::path& path, const DatasetCacheKey& key,
                                   bool text) {
  auto opened = open_with_header(path);
  if (!opened) return opened.status();
  const auto damaged = [&] { return damaged_file(path); };
  DatasetCacheIo::In& in = (*opened)->in;
  const DatasetCacheKey& found = (*opened)->key;
  const std::uint64_t has_text = (*opened)->has_text;
  if (!(found == key))
    return Status::NotFound(fmt::format("{} was built from other data", path.string()));
  if (text && has_text != kWithText)
    return Status::NotFound(fmt::format("{} holds no message text", path.string()));
  Dataset d;
  columns(d, in);
  if (!in.digest_holds()) return damaged();
  if (text) {
    in.col(d.msg_text);
    if (!in.digest_holds() || in.remaining != 0) return damaged();
  } else {
    std::vector<std::uint32_t> empty(d.msg_row.size(), 0);
    d.msg_text.layout(empty);
  }
  // Every column of a table has one row per account or message.
  const std::size_t na = d.account_row.size(), nm = d.msg_row.size();
  bool rows = d.account_created_at.size() == na && d.account_followers.size() == na &&
              d.account_following.size() == na && d.msg_account.size() == nm &&
              d.msg_time.size() == nm && d.msg_time_resolution_ms.size() == nm;
  for (const auto* c : {&d.account_platform, &d.account_id, &d.account_handle,
                        &d.account_display_name, &d.account_description, &d.account_kind})
    rows = rows && c->size() == na;
  for (const auto* c : {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id, &d.msg_shares,
                        &d.msg_reply_to, &d.msg_quotes, &d.msg_media_key, &d.msg_lang, &d.msg_text})
    rows = rows && c->size() == nm;
  for (const auto* c : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions})
    rows = rows && c->size() == nm;
  for (const auto* v : {&d.msg_views, &d.msg_forwards, &d.msg_replies, &d.msg_reactions,
                        &d.msg_likes, &d.msg_retweets})
    rows = rows && v->size() == nm;
  rows = rows && d.msg_text_key.size() == nm && d.msg_text_key_bytes.size() == nm &&
         d.msg_text_key_tokens.size() == nm;
  rows = rows && std::all_of(d.msg_account.begin(), d.msg_account.end(),
                             [&](std::uint32_t a) { return a == kNoAccount || a < na; });
  if (!rows) return damaged();
  return d;
}

namespace {

// The columns of a group, by address in the Dataset.
std::vector<const void*> group_columns(const Dataset& d, ColumnGroup group) {
  if (group == ColumnGroup::kText) return {&d.msg_text};
  if (group == ColumnGroup::kMessageKeys)
    return {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id};
  if (group == ColumnGroup::kObjects)
    return {&d.msg_reply_to, &d.msg_media_key, &d.msg_urls,           &d.msg_hashtags,
            &d.msg_mentions, &d.msg_text_key,  &d.msg_text_key_bytes, &d.msg_text_key_tokens};
  return {&d.account_display_name,
          &d.account_description,
          &d.account_kind,
          &d.account_followers,
          &d.account_following,
          &d.msg_time_resolution_ms,
          &d.msg_quotes,
          &d.msg_lang,
          &d.msg_views,
          &d.msg_forwards,
          &d.msg_replies,
          &d.msg_reactions,
          &d.msg_likes,
          &d.msg_retweets};
}

constexpr ColumnGroup kGroups[] = {ColumnGroup::kText, ColumnGroup::kOutsideDetection,
                                   ColumnGroup::kMessageKeys, ColumnGroup::kObjects};

}  // namespace

struct ColumnsAside::State {
  // A column that may be set aside: where the file holds it and the checksum of its bytes.
  struct Column {
    const void* address;  // in the Dataset given to open()
    ColumnGroup group;
    std::uint64_t offset;
    std::uint64_t hash;
  };
  std::filesystem::path path;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, &std::fclose};
  std::uint64_t size = 0;            // the file's bytes
  std::uint64_t constant_limit = 0;  // of the key the file was opened for
  std::vector<Column> columns;
  bool aside[std::size(kGroups)] = {};

  const Column* find(const void* address, ColumnGroup group) const {
    for (const Column& c : columns)
      if (c.address == address && c.group == group) return &c;
    return nullptr;
  }
  struct Locate;
  struct Free;
  struct Read;
};

// Walks a Dataset's columns in file order (columns(), then the text after the checksum),
// noting where each column of a group starts and its bytes' checksum.
struct ColumnsAside::State::Locate {
  State& s;
  const Dataset& d;
  std::uint64_t pos;  // where the next column starts in the file
  template <typename C, typename Write>
  void add(const C& c, Write write) {
    DatasetCacheIo::Size size(s.constant_limit);
    write(size);
    for (ColumnGroup g : kGroups) {
      const auto members = group_columns(d, g);
      if (std::find(members.begin(), members.end(), &c) == members.end()) continue;
      XXH3_state_t state;
      XXH3_INITSTATE(&state);
      XXH3_64bits_reset(&state);
      DatasetCacheIo::Hash hash(&state, s.constant_limit);
      write(hash);
      s.columns.push_back({&c, g, pos, XXH3_64bits_digest(&state)});
    }
    pos += size.total;
  }
  template <typename T>
  void vec(const std::vector<T>& v) {
    add(v, [&](auto& io) { io.vec(v); });
  }
  void col(const StringColumn& c) {
    add(c, [&](auto& io) { io.col(c); });
  }
  void list(const ListColumn& c) {
    add(c, [&](auto& io) { io.list(c); });
  }
};

// Frees the columns of a group.
struct ColumnsAside::State::Free {
  const std::vector<const void*> members;
  bool in(const void* c) const {
    return std::find(members.begin(), members.end(), c) != members.end();
  }
  template <typename C>
  void free(C& c) {
    if (in(&c)) release(c);
  }
  template <typename T>
  void vec(std::vector<T>& v) {
    free(v);
  }
  void col(StringColumn& c) { free(c); }
  void list(ListColumn& c) { free(c); }
};

// Reads the columns of a group from the file, each checked against its checksum; they replace
// the Dataset's only once all are read and checked (`commits`, run by restore()).
struct ColumnsAside::State::Read {
  State& s;
  ColumnGroup group;
  bool ok = true;
  std::vector<std::function<void()>> commits;
  template <typename C>
  void read(C& c) {
    const Column* where = s.find(&c, group);
    if (where == nullptr || !ok) return;
    // Nothing an earlier read buffered: the bytes are checked as the file holds them now.
    if (std::fflush(s.file.get()) != 0 ||
        fseeko(s.file.get(), static_cast<off_t>(where->offset), SEEK_SET) != 0) {
      ok = false;
      return;
    }
    XXH3_state_t state;
    XXH3_INITSTATE(&state);
    XXH3_64bits_reset(&state);
    DatasetCacheIo::In in{s.file.get(), &state, s.size - where->offset, s.constant_limit};
    auto back = std::make_shared<C>();
    if constexpr (std::is_same_v<C, StringColumn>) {
      in.col(*back);
    } else if constexpr (std::is_same_v<C, ListColumn>) {
      in.list(*back);
    } else {
      in.vec(*back);
    }
    if (!in.ok || XXH3_64bits_digest(&state) != where->hash) {
      ok = false;
      return;
    }
    commits.emplace_back([&c, back] { c = std::move(*back); });
  }
  template <typename T>
  void vec(std::vector<T>& v) {
    read(v);
  }
  void col(StringColumn& c) { read(c); }
  void list(ListColumn& c) { read(c); }
};

ColumnsAside::ColumnsAside(std::unique_ptr<State> s) : state_(std::move(s)) {}
ColumnsAside::ColumnsAside(ColumnsAside&&) noexcept = default;
ColumnsAside& ColumnsAside::operator=(ColumnsAside&&) noexcept = default;
ColumnsAside::~ColumnsAside() = default;

Result<ColumnsAside> ColumnsAside::open(const std::filesystem::path& path,
                                        const DatasetCacheKey& key, const Dataset& d) {
  auto s = std::make_unique<State>();
  s->path = path;
  std::error_code ec;
  s->size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound(fmt::format("no analysis columns at {}", path.string()));
  s->file.reset(std::fopen(path.c_str(), "rb"));
  if (!s->file) return Status::NotFound(fmt::format("cannot read {}", path.string()));
  std::setvbuf(s->file.get(), nullptr, _IOFBF, 1 << 20);
  const auto other = [&] {
    return Status::NotFound(
        fmt::format("{} does not hold these analysis columns with their text", path.string()));
  };
  // Every byte before the text as write_dataset_cache() writes d, and their checksum: when the
  // file holds that checksum where d's bytes end, those bytes are d's.
  s->constant_limit = constant_limit(key);
  DatasetCacheIo::Size head(s->constant_limit);
  header(head, key, s->size, true);
  State::Locate locate{*s, d, head.total};
  columns(d, locate);
  const std::uint64_t prefix = locate.pos;
  locate.pos += sizeof(std::uint64_t);  // the checksum of the columns before the text
  locate.col(d.msg_text);
  if (locate.pos + sizeof(std::uint64_t) != s->size) return other();
  XXH3_state_t state;
  XXH3_INITSTATE(&state);
  XXH3_64bits_reset(&state);
  DatasetCacheIo::Hash hash(&state, s->constant_limit);
  header(hash, key, s->size, true);
  columns(d, hash);
  std::uint64_t stored = 0;
  // Read past the stream's buffer: restore() reads the file as it is then.
  if (::pread(fileno(s->file.get()), &stored, sizeof stored, static_cast<off_t>(prefix)) !=
          static_cast<ssize_t>(sizeof stored) ||
      stored != XXH3_64bits_digest(&state))
    return other();
  return ColumnsAside(std::move(s));
}

void ColumnsAside::take(Dataset& d, ColumnGroup group) {
  State::Free free{group_columns(d, group)};
  columns(d, free);
  free.col(d.msg_text);
  state_->aside[static_cast<std::size_t>(group)] = true;
}

Status ColumnsAside::restore(Dataset& d, ColumnGroup group) {
  State::Read read{*state_, group};
  columns(d, read);
  read.col(d.msg_text);
  if (!read.ok) return Status::InvalidArgument(fmt::format("{} is damaged", state_->path.string()));
  for (auto& commit : read.commits) commit();
  state_->aside[static_cast<std::size_t>(group)] = false;
  return Status::Ok();
}

bool ColumnsAside::aside(ColumnGroup group) const {
  return state_->aside[static_cast<std::size_t>(group)];
}

}  // namespace groundswell
