// Minimal helpers to write JSON text: string escaping and a streaming object/array writer.
// Output is valid UTF-8 JSON as long as the input strings are valid UTF-8 (readers repair
// invalid UTF-8 before records reach the store, so everything downstream is valid).
//
// Thread-safety: plain functions; a JsonWriter belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace groundswell {

// Appends `s` as a quoted JSON string. Control characters become \uXXXX escapes.
void append_json_string(std::string& out, std::string_view s);

// Appends a JSON array of strings.
void append_json_string_array(std::string& out, const std::vector<std::string>& items);

// Writes nested objects and arrays with commas handled; pretty-prints with two spaces when
// `indent` is true. Keys and values are appended in call order (deterministic).
class JsonWriter {
 public:
  explicit JsonWriter(bool indent = true) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(double v);  // NaN/inf become null; shortest round-trip form
  JsonWriter& value(bool v);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // pre-serialized JSON value

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  void newline();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element yet
  bool indent_;
  bool after_key_ = false;
};

}  // namespace groundswell
