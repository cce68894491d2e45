#include "cli/report_outputs.hpp"


#include <cstdio>

#include "cli/option_checks.hpp"
#include "core/fs.hpp"
#include "core/text.hpp"

namespace rig::cli {

void add_report_outputs(CLI::App* sub, ReportOutputs& o, unsigned files, const std::string& json_what) {
  sub->add_flag("--json", o.json, "Print " + json_what + " as JSON on stdout instead of the table");
  sub->add_option("--json-file", o.json_file, "Also write " + json_what + " as JSON to this file");
  if (files & kMarkdownFile)
    sub->add_option("--markdown-file,--markdown", o.markdown_file, "Write a Markdown table (for SPIKE-FINDINGS.md) to this file");
  if (files & kJunitFile) sub->add_option("--junit-file,--junit", o.junit_file, "Write a JUnit XML report to this file");
}

Status check_report_outputs(const ReportOutputs& o) {
  RIG_CHECK(check_output_file("--json-file", o.json_file));
  RIG_CHECK(check_output_file("--markdown-file", o.markdown_file));
  RIG_CHECK(check_output_file("--junit-file", o.junit_file));
  return ok();
}

Status emit_report(const ReportOutputs& o, const ReportRenderers& r) {
  std::string doc;
  if (o.json || !o.json_file.empty()) doc = json_text(r.json_doc(), 2) + "\n";
  // The table quotes what engines and inner builds printed: terminal_text keeps it from driving the
  // terminal (JSON escapes control characters by itself).
  std::fputs(o.json ? doc.c_str() : terminal_text(r.table()).c_str(), stdout);
  std::fflush(stdout);
  if (!o.json_file.empty()) RIG_CHECK(write_output_file(o.json_file, doc).context("--json-file"));
  if (!o.markdown_file.empty() && r.markdown)
    RIG_CHECK(write_output_file(o.markdown_file, r.markdown()).context("--markdown-file"));
  if (!o.junit_file.empty() && r.junit) RIG_CHECK(write_output_file(o.junit_file, r.junit()).context("--junit-file"));
  return ok();
}

}  // namespace rig::cli
