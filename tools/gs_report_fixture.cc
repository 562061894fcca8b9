// groundswell-report-fixture DATA.json OUT.html
//
// Writes report.html from a report data document (docs/report.md) without running an
// analysis: the browser tests (tests/browser) render fixture data through it, and front-end
// work can preview a report from hand-written data.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "report/html.h"
#include "base/file.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: groundswell-report-fixture DATA.json OUT.html\n";
    return 1;
  }
  const auto data = groundswell::read_whole_file(argv[1]);
  if (!data) {
    std::cerr << "groundswell-report-fixture: cannot open " << argv[1] << "\n";
    return 1;
  }
  const groundswell::Status status = groundswell::write_report_html(*data, argv[2]);
  if (!status.ok()) {
    std::cerr << "groundswell-report-fixture: " << argv[1] << ": " << status.message() << "\n";
    return status.exit_code();
  }
  return 0;
}
