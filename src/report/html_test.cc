#include "report/html.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report/assets.h"
#include "base/file.h"
#include "base/sha256.h"

namespace groundswell {
namespace {

// Messages, handles and channel titles are written by whoever wants to attack the reader.
const std::string kHostileData = R"({"clusters":[{"id":1,"evidence":[
  {"text":"</script><script>window.__pwned=1</script>","account":"<img src=x onerror=\"window.__pwned=1\">"},
  {"text":"<!--<script>","account":"a&b > c"},
  {"text":"line\u2028sep \u2029 raw: )"
    "\xE2\x80\xA8|\xE2\x80\xA9"
    R"(","account":"</SCRIPT >"}]}]})";

std::string data_block(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"gs-data\">";
  const std::size_t start = html.find(open);
  if (start == std::string::npos) return {};
  const std::size_t body = start + open.size();
  const std::size_t end = html.find("</script>", body);
  if (end == std::string::npos) return {};
  return html.substr(body, end - body);
}

std::size_t count_ci(const std::string& haystack, std::string needle) {
  std::string lower = haystack;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t n = 0;
  for (std::size_t pos = lower.find(needle); pos != std::string::npos; pos = lower.find(needle, pos + 1)) ++n;
  return n;
}

// The texts of clusters[0].evidence[*].text and .account, as the browser's JSON.parse would see them.
std::vector<std::string> evidence_strings(const std::string& json) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return out;
  simdjson::dom::array evidence;
  if (root["clusters"].at(0)["evidence"].get_array().get(evidence)) return out;
  for (simdjson::dom::element e : evidence) {
    std::string_view text;
    std::string_view account;
    if (!e["text"].get_string().get(text)) out.emplace_back(text);
    if (!e["account"].get_string().get(account)) out.emplace_back(account);
  }
  return out;
}

TEST(EscapeJsonForScript, HostileStringsCannotLeaveTheDataBlock) {
  Result<std::string> html = render_report_html(kHostileData, "/*js*/", "/*css*/");
  ASSERT_TRUE(html.ok()) << html.status().message();
  const std::string block = data_block(*html);
  ASSERT_FALSE(block.empty());
  EXPECT_EQ(block.find('<'), std::string::npos);
  EXPECT_EQ(block.find('>'), std::string::npos);
  EXPECT_EQ(block.find('&'), std::string::npos);
  EXPECT_EQ(block.find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_EQ(block.find("\xE2\x80\xA9"), std::string::npos);
  EXPECT_NE(block.find(R"(\u003c/script\u003e\u003cscript\u003ewindow.__pwned=1)"), std::string::npos);
  // Exactly two script elements end in the page: the data block and the bundle.
  EXPECT_EQ(count_ci(*html, "</script"), 2u);
}

TEST(EscapeJsonForScript, ParsesBackToTheSameStrings) {
  const std::string escaped = escape_json_for_script(kHostileData);
  const std::vector<std::string> before = evidence_strings(kHostileData);
  const std::vector<std::string> after = evidence_strings(escaped);
  ASSERT_EQ(before.size(), 6u);
  EXPECT_EQ(before, after);
  EXPECT_EQ(after[0], "</script><script>window.__pwned=1</script>");
  EXPECT_EQ(after[4], "line\xE2\x80\xA8sep \xE2\x80\xA9 raw: \xE2\x80\xA8|\xE2\x80\xA9");
}

TEST(EscapeJsonForScript, LeavesOtherTextAlone) {
  EXPECT_EQ(escape_json_for_script(R"({"t":"سلام دنیا \"q\" é"})"), R"({"t":"سلام دنیا \"q\" é"})");
  // Other characters starting with E2 80 stay as they are (U+2026 ellipsis).
  EXPECT_EQ(escape_json_for_script("\"\xE2\x80\xA6\""), "\"\xE2\x80\xA6\"");
}

TEST(EscapeInlineCode, EndTagsAndCommentOpenersAreNeutralised) {
  EXPECT_EQ(escape_inline_code(R"(s="</script>";t="</ScRiPt ")", "script"), R"(s="<\/script>";t="<\/ScRiPt ")");
  EXPECT_EQ(escape_inline_code("x=\"<!--\"", "script"), "x=\"<\\!--\"");
  EXPECT_EQ(escape_inline_code("a</style>b", "style"), "a<\\/style>b");
  // Other markup and comparisons are not touched.
  EXPECT_EQ(escape_inline_code("if(a<b)c=\"</div>\"", "script"), "if(a<b)c=\"</div>\"");
  EXPECT_EQ(escape_inline_code("x<", "script"), "x<");
}

TEST(RenderReportHtml, HostileBundleCannotCloseItsElement) {
  Result<std::string> html =
      render_report_html("{}", "var s='</script><script>window.__pwned=1</script>';", "a{content:'</style>'}");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(count_ci(*html, "</script"), 2u);
  EXPECT_EQ(count_ci(*html, "</style"), 1u);
}

TEST(RenderReportHtml, EmbedsTheBuiltFrontEndAndForbidsNetwork) {
  ASSERT_GT(report_js().size(), 10000u) << "web/dist/report.js was not embedded";
  ASSERT_GT(report_css().size(), 100u);
  Result<std::string> html = render_report_html(R"({"meta":{"version":"0.1.0"}})");
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html->find("default-src 'none'; script-src 'sha256-"), std::string::npos);
  EXPECT_NE(html->find("style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"),
            std::string::npos);
  EXPECT_EQ(count_ci(*html, "</script"), 2u);
  EXPECT_EQ(count_ci(*html, "</style"), 1u);
  EXPECT_EQ(html->find("<!--"), std::string::npos);
  // Nothing in the page names a remote resource.
  EXPECT_EQ(html->find("src=\"http"), std::string::npos);
  EXPECT_EQ(html->find("href=\"http"), std::string::npos);
}

// The policy pins the script by hash: it must be the hash of the script element's exact text,
// or browsers would refuse to run the report at all.
TEST(RenderReportHtml, PolicyHashMatchesTheInlineScript) {
  Result<std::string> html = render_report_html("{}", "console.log('</script>')", "");
  ASSERT_TRUE(html.ok());
  const std::string open = "</script>\n<script>";
  const std::size_t start = html->find(open) + open.size();
  const std::size_t end = html->find("</script>", start);
  const std::string script_text = html->substr(start, end - start);
  EXPECT_EQ(script_text, "\nconsole.log('<\\/script>')\n");
  EXPECT_NE(html->find("script-src 'sha256-" + sha256_base64(script_text) + "'"), std::string::npos);
}

TEST(RenderReportHtml, RejectsDataThatIsNotAJsonObject) {
  EXPECT_EQ(render_report_html("{\"a\":", "", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(render_report_html("[1,2]", "", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(render_report_html("{\"t\":\"\xC3\x28\"}", "", "").status().code(), StatusCode::kInvalidArgument);
}

class WriteReportHtmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(GS_BINARY_DIR) / "report_test_tmp" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string slurp(const std::filesystem::path& p) {
    return read_whole_file(p).value_or("");
  }
  std::filesystem::path dir_;
};

TEST_F(WriteReportHtmlTest, WritesOneDeterministicFileAndCreatesFolders) {
  const auto out = dir_ / "nested" / "report.html";
  ASSERT_TRUE(write_report_html(kHostileData, out).ok());
  const std::string first = slurp(out);
  ASSERT_TRUE(write_report_html(kHostileData, out).ok());
  EXPECT_EQ(slurp(out), first);
  EXPECT_EQ(first, render_report_html(kHostileData).value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "nested" / ".report.html.tmp"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_ / "nested"), {}), 1);
}

TEST_F(WriteReportHtmlTest, InvalidDataWritesNothing) {
  const auto out = dir_ / "report.html";
  const Status s = write_report_html("not json", out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(WriteReportHtmlTest, UnwritablePathIsAnIoError) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(dir_ / "file") << "x"; }
  const Status s = write_report_html("{}", dir_ / "file" / "report.html");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace groundswell
