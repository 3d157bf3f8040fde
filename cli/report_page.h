// The HTML page of `prism report` (report_page.html, compiled into the binary
// so the command needs no installed data). @TITLE@ and @DATA@ (the page's JSON)
// are filled in by report_command.cc.
#ifndef PRISM_CLI_REPORT_PAGE_H_
#define PRISM_CLI_REPORT_PAGE_H_

#include "absl/strings/string_view.h"

namespace prism::cli {

absl::string_view ReportPageTemplate();

}  // namespace prism::cli

#endif  // PRISM_CLI_REPORT_PAGE_H_
