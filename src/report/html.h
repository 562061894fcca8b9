// Writes report.html (docs/contract.md §9): one self-contained HTML file that opens offline in any
// browser. The page holds the embedded front end (report/assets.h), its stylesheet and the report
// data, a JSON document whose fields docs/report.md describes, built by the caller.
//
//   std::string data = ...;  // {"meta": {...}, "headline": [...], ...}
//   Status s = write_report_html(data, out_dir / "report.html");
//
// Promises:
//  - a strict Content-Security-Policy forbids every network fetch from the page and lets only
//    the embedded script run (pinned by its SHA-256; no inline handlers, no injected scripts);
//  - the data is valid JSON or nothing is written (InvalidArgument);
//  - nothing in the data can end the data block or run as script: `<`, `>`, `&`, U+2028 and
//    U+2029 are written as JSON \u escapes, which parse back to the same strings;
//  - the output is a pure function of the data and the embedded bundle (byte-identical on
//    re-runs), and is written to a temporary file then renamed, so a reader never sees half.
// Thread-safety: free functions without shared state; concurrent calls must use different
// output files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "groundswell/status.h"

namespace groundswell {

// Validates `data_json` and writes the report to `out_file`, creating its parent folders.
Status write_report_html(const std::string& data_json, const std::filesystem::path& out_file);

// The HTML text itself, for callers that stream it elsewhere (the local web UI) and for tests.
Result<std::string> render_report_html(std::string_view data_json);

// Same, with an explicit script and stylesheet instead of the embedded ones.
Result<std::string> render_report_html(std::string_view data_json, std::string_view script,
                                       std::string_view stylesheet);

// JSON text made safe inside <script type="application/json">: `<` `>` `&` U+2028 U+2029 become
// \u003c \u003e \u0026 \u2028 \u2029. Valid JSON in, equivalent valid JSON out (these
// characters only occur inside strings in valid JSON).
std::string escape_json_for_script(std::string_view json);

// Script or stylesheet text made safe inside <script>/<style>: every `</tag` (any case, tag =
// "script" or "style") becomes `<\/tag` and every `<!--` becomes `<\!--`, so neither an end tag
// nor the HTML parser's escaped-comment states can cut the element short. Inside JS and CSS
// strings, `\/` and `\!` denote the same characters, so the code means what it meant.
std::string escape_inline_code(std::string_view code, std::string_view tag);

}  // namespace groundswell
