// Parsing one JSON record (a line of a JSON-lines file, or an element cut out of a larger
// document) with simdjson's DOM parser: invalid UTF-8 is repaired first (and counted), the
// text is copied into a reused padded buffer, and errors come back as a reason a user can
// read ("JSON: unclosed string", "JSON: nesting deeper than 1024 levels").
//
// Field helpers read a value of the expected type or say what was wrong, for rejects.
//
// Thread-safety: a JsonRecordParser belongs to one thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "groundswell/model.h"

namespace groundswell {

class JsonRecordParser {
 public:
  // Parses `text`. On failure returns false and sets `error`. `repaired` is set when invalid
  // UTF-8 had to be replaced.
  bool parse(std::string_view text, simdjson::dom::element& root, std::string& error,
             bool& repaired);

 private:
  simdjson::dom::parser parser_;
  std::string buf_, repair_;
};

// A string field, or a number written as text (ids are often numbers). False if absent or
// of another type; `wrong_type` tells which.
bool json_string_or_number(simdjson::dom::element obj, std::string_view key, std::string& out,
                           bool& wrong_type);
// A non-negative integer counter (also from a numeric string). kAbsent if absent or null.
bool json_counter(simdjson::dom::element obj, std::string_view key, std::int64_t& out);
// A list of strings (array) or one string split on spaces.
bool json_string_list(simdjson::dom::element obj, std::string_view key,
                      std::vector<std::string>& out);

}  // namespace groundswell
