// The report front end embedded in groundswell: the JavaScript bundle and stylesheet that
// web/ builds (npm run build -> web/dist) and cmake/assets.cmake compiles into the library.
// They let report.html be written with no Node and no network at run time.
//
// Promises: the views stay valid for the life of the process (static storage).
// Thread-safety: read-only static data; safe from any thread.
#pragma once

#include <string_view>

namespace groundswell {

// web/dist/report.js: one self-running script that reads the JSON in #gs-data.
std::string_view report_js();
// web/dist/report.css: the report's stylesheet.
std::string_view report_css();

}  // namespace groundswell
