#include "report/html.h"

#include <simdjson.h>

#include <filesystem>
#include <system_error>

#include "base/output_file.h"
#include "base/sha256.h"
#include "report/assets.h"

namespace groundswell {
namespace {

// default-src 'none' blocks every fetch (connect, fonts, frames, media, workers); form-action
// and base-uri close the two holes default-src leaves. The script is pinned by its SHA-256:
// browsers then run that one script and ignore 'unsafe-inline' (kept only for browsers older
// than CSP level 2), so markup that ever slipped into the page could not run, not even as an
// onerror= attribute. Charts draw no images, but data: keeps browser-made icons working.
std::string content_security_policy(std::string_view script_element_text) {
  return "default-src 'none'; script-src 'sha256-" + sha256_base64(script_element_text) +
         "' 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
         "base-uri 'none'";
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Status validate_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  auto error = parser.parse(padded).get(root);
  if (error) {
    return Status::InvalidArgument(std::string("report data is not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (!root.is_object()) return Status::InvalidArgument("report data must be a JSON object");
  return Status::Ok();
}

}  // namespace

std::string escape_json_for_script(std::string_view json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    switch (c) {
      case '<': out += "\\u003c"; continue;
      case '>': out += "\\u003e"; continue;
      case '&': out += "\\u0026"; continue;
      default: break;
    }
    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8; older JavaScript treats them as
    // line ends, and escaping them keeps the block readable as a JS literal too.
    if (static_cast<unsigned char>(c) == 0xE2 && i + 2 < json.size() &&
        static_cast<unsigned char>(json[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(json[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(json[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(json[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

std::string escape_inline_code(std::string_view code, std::string_view tag) {
  std::string out;
  out.reserve(code.size() + 64);
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '<' && i + 1 < code.size()) {
      if (code[i + 1] == '/' && i + 2 + tag.size() <= code.size() &&
          ascii_iequals(code.substr(i + 2, tag.size()), tag)) {
        out += "<\\/";
        ++i;  // the '/' is written escaped; the tag name follows unchanged
        continue;
      }
      if (code.substr(i, 4) == "<!--") {
        out += "<\\!--";
        i += 3;
        continue;
      }
    }
    out += code[i];
  }
  return out;
}

Result<std::string> render_report_html(std::string_view data_json, std::string_view script,
                                       std::string_view stylesheet) {
  GS_RETURN_IF_ERROR(validate_json(data_json));
  // The script element's exact text, which the policy's hash must match byte for byte.
  const std::string script_text = "\n" + escape_inline_code(script, "script") + "\n";
  std::string html;
  html.reserve(script.size() + stylesheet.size() + data_json.size() + data_json.size() / 8 + 1024);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  html += content_security_policy(script_text);
  html += "\">\n<meta name=\"referrer\" content=\"no-referrer\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<meta name=\"generator\" content=\"groundswell\">\n";
  html += "<title>groundswell report</title>\n<style>\n";
  html += escape_inline_code(stylesheet, "style");
  html += "\n</style>\n</head>\n<body>\n<main id=\"gs-report\">\n";
  html += "<noscript><p>This report draws its charts, network and tables with JavaScript; "
          "please allow scripts for this file. It loads nothing from the network.</p></noscript>\n";
  html += "</main>\n<script type=\"application/json\" id=\"gs-data\">";
  html += escape_json_for_script(data_json);
  html += "</script>\n<script>";
  html += script_text;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

Result<std::string> render_report_html(std::string_view data_json) {
  return render_report_html(data_json, report_js(), report_css());
}

Status write_report_html(const std::string& data_json, const std::filesystem::path& out_file) {
  Result<std::string> html = render_report_html(data_json);
  if (!html) return html.status();
  std::error_code ec;
  if (out_file.has_parent_path()) {
    std::filesystem::create_directories(out_file.parent_path(), ec);
    if (ec) {
      return Status::IoError("cannot create folder " + out_file.parent_path().string() + ": " +
                             ec.message());
    }
  }
  return write_output_file(out_file, *html);
}

}  // namespace groundswell
