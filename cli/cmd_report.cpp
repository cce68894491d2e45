#include <cstdio>

#include "cli/app.hpp"
#include "core/output_dir.hpp"
#include "matrix/summary.hpp"

namespace rig::cli {

namespace {

struct ReportMergeOptions {
  std::vector<std::string> dirs;
  std::string out;
  bool json = false;
};

// Results from several hosts (the nightly runners' artefacts) into one report.
Status merge_command(const ReportMergeOptions& o) {
  RIG_CHECK(check_output_dir(o.out, {"summary.json"}, "matrix report").context("--out"));
  std::vector<std::pair<std::string, json>> inputs;
  for (auto& d : o.dirs) {
    RIG_TRY(auto sm, read_summary(d));
    inputs.emplace_back(d, std::move(sm));
  }
  RIG_TRY(auto merged, merge_summaries(inputs).context("report merge"));
  RIG_CHECK(write_report_dir(merged, o.out).context("--out"));
  std::fputs(o.json ? (json_text(merged, 2) + "\n").c_str() : summary_markdown(merged).c_str(), stdout);
  if (!summary_passed(merged))
    return Error(Category::Checks, "report: " + std::to_string(failed_cells(merged)) + " cell(s) failed");
  return ok();
}

}  // namespace

void register_report(CLI::App& app, Action& action, const Globals&) {
  auto* report = app.add_subcommand("report", "Work with matrix results");
  report->require_subcommand(1);
  auto o = std::make_shared<ReportMergeOptions>();
  auto* merge = report->add_subcommand("merge", "Merge matrix result directories from several hosts into one report");
  merge->add_option("dirs", o->dirs, "Result directories (each with summary.json)")->required();
  merge->add_option("--out", o->out, "Merged report directory (summary.json, summary.md, junit.xml)")->required();
  merge->add_flag("--json", o->json, "Print the merged summary as JSON instead of Markdown");
  merge->callback([o, &action] { action = [o] { return merge_command(*o); }; });
}

}  // namespace rig::cli
