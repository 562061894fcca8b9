// Streaming cut-out of the messages of a Telegram Desktop export (result.json), which can be
// gigabytes: the scanner reads the raw bytes once with a small state machine (strings,
// escapes, nesting depth) and hands out each element of every "messages" array as its own
// JSON text, together with the enclosing chat's name, id and type (which precede "messages"
// in real exports). It works for a one-chat export ({"name", "type", "id", "messages": [...]})
// and for "Export all data" (chats.list[] and left_chats.list[] hold such chat objects).
//
// Promises: memory is bounded by the largest message (elements longer than the limit are
// skipped, reported too long, and never buffered whole); `\xHH` escapes inside strings,
// invalid JSON that real exports contain, are rewritten to `\u00HH` so the element parses;
// an element cut short by the end of the file is handed out with `truncated` set; a broken
// envelope (a bracket that does not match, a document that is not an object) ends the scan
// with error() set and its byte offset.
//
//   TelegramExportScanner scan(in, 64 << 20);
//   TelegramExportScanner::Element e;
//   while (scan.next(e)) { ... e.text, e.chat->name_json ... }
//   if (!scan.error().empty()) ...
//
// Thread-safety: an instance belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/input.h"
#include "ingest/json_records.h"
#include "ingest/reader.h"

namespace groundswell {

class TelegramExportScanner : private JsonValueCutter {
 public:
  TelegramExportScanner(InputStream& in, std::uint64_t max_element_bytes);

  struct Chat {
    std::string name_json;  // the name as a JSON string literal with its quotes ("" if absent)
    std::string id;         // the id as written (number or string contents)
    std::string type;       // e.g. public_channel, private_supergroup, personal_chat
    std::uint64_t serial = 0;  // changes with every "messages" array
  };

  // The element's JSON, position and problems (JsonValueCutter::Cut), and its chat.
  struct Element : Cut {
    const Chat* chat = nullptr;
  };

  // False when no element remains (end of stream or a broken envelope: see error()).
  bool next(Element& e);

  // Set when the envelope is broken or the stream ends before the document closes.
  const std::string& error() const { return error_; }
  std::uint64_t error_offset() const { return error_offset_; }
  // True once the root value closed (trailing whitespace allowed).
  bool complete() const { return complete_; }
  // Number of "messages" arrays seen.
  std::uint64_t chats_seen() const { return chat_.serial; }

 private:
  struct Level {
    bool is_object = false;
    bool expect_key = false;   // objects: the next string is a key
    bool messages = false;     // arrays: the value of a "messages" key
    std::string key;           // objects: the key whose value is being read
    std::string name_json, id, type;  // objects: scalar name/id/type seen so far
  };

  void fail(std::string message);
  void finish_scalar();

  bool complete_ = false, root_seen_ = false;

  std::vector<Level> stack_;
  // Envelope string/scalar being read (names and ids are short; longer ones are cut).
  std::string str_, tok_;
  bool in_string_ = false, escape_ = false, str_cut_ = false;
  Chat chat_;

  std::string error_;
  std::uint64_t error_offset_ = 0;
};

}  // namespace groundswell
