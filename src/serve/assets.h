// The explorer's front end embedded in groundswell: the JavaScript bundle and stylesheet that
// web/ builds (npm run build -> web/dist/serve.js, serve.css; sources in web/src/serve) and
// cmake/assets.cmake compiles into the library. `groundswell serve` answers them from memory,
// so its pages need no Node, no files beside the binary and no network.
//
// Promises: the views stay valid for the life of the process (static storage).
// Thread-safety: read-only static data; safe from any thread.
#pragma once

#include <string_view>

namespace groundswell {

// web/dist/serve.js: one self-running script that draws the page named by the address's hash
// from the JSON API.
std::string_view serve_js();
// web/dist/serve.css: the explorer's stylesheet.
std::string_view serve_css();

}  // namespace groundswell
