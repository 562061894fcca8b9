#include "ingest/json_line.h"

#include <fmt/format.h>

#include <charconv>

#include "base/utf8.h"
#include "ingest/reader.h"

namespace groundswell {

bool JsonRecordParser::parse(std::string_view text, simdjson::dom::element& root,
                             std::string& error, bool& repaired) {
  repaired = false;
  if (!is_valid_utf8(text)) {
    repair_utf8(text, repair_);
    text = repair_;
    repaired = true;
  }
  if (buf_.size() < text.size() + simdjson::SIMDJSON_PADDING)
    buf_.resize(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buf_.data(), text.data(), text.size());
  auto err = parser_.parse(reinterpret_cast<const std::uint8_t*>(buf_.data()), text.size(), false)
                 .get(root);
  if (err) {
    if (err == simdjson::DEPTH_ERROR)
      error = "JSON: nesting deeper than 1024 levels";
    else if (err == simdjson::EMPTY)
      error = "JSON: empty record";
    else
      error = fmt::format("JSON: {}", simdjson::error_message(err));
    return false;
  }
  return true;
}

bool json_string_or_number(simdjson::dom::element obj, std::string_view key, std::string& out,
                           bool& wrong_type) {
  wrong_type = false;
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return false;
  switch (v.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      out.assign(s);
      return true;
    }
    case simdjson::dom::element_type::INT64:
      out = fmt::format("{}", std::int64_t(v));
      return true;
    case simdjson::dom::element_type::UINT64:
      out = fmt::format("{}", std::uint64_t(v));
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      return false;
    default:
      wrong_type = true;
      return false;
  }
}

bool json_counter(simdjson::dom::element obj, std::string_view key, std::int64_t& out) {
  out = kAbsent;
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return true;
  switch (v.type()) {
    case simdjson::dom::element_type::INT64: {
      std::int64_t x = v;
      if (x < 0) return false;
      out = x;
      return true;
    }
    case simdjson::dom::element_type::UINT64: {
      std::uint64_t x = v;
      if (x > static_cast<std::uint64_t>(INT64_MAX)) return false;
      out = static_cast<std::int64_t>(x);
      return true;
    }
    case simdjson::dom::element_type::DOUBLE: {
      double x = v;
      if (x < 0 || x > 9e18 || x != static_cast<double>(static_cast<std::int64_t>(x))) return false;
      out = static_cast<std::int64_t>(x);
      return true;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      if (s.empty()) return true;
      std::int64_t x = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
      if (ec != std::errc() || p != s.data() + s.size() || x < 0) return false;
      out = x;
      return true;
    }
    case simdjson::dom::element_type::NULL_VALUE:
      return true;
    default:
      return false;
  }
}

bool json_string_list(simdjson::dom::element obj, std::string_view key,
                      std::vector<std::string>& out) {
  out.clear();
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return true;
  if (v.is_null()) return true;
  if (v.is_string()) {
    split_list_cell(std::string_view(v), out);
    return true;
  }
  simdjson::dom::array arr;
  if (v.get_array().get(arr)) return false;
  for (auto item : arr) {
    std::string_view s;
    if (item.get_string().get(s)) return false;
    if (!s.empty()) out.emplace_back(s);
  }
  return true;
}

}  // namespace groundswell
