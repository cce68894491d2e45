// The one convention for machine output, shared by every command (README "Machine output"):
//   --json            the result as JSON on stdout instead of the human text (every command with a result);
//   --json-file F     the same JSON written to F as well (commands whose run is costly: smoke, ablate, bench),
//   --markdown-file F, --junit-file F   the other report formats, written to files.
// Progress and errors always go to stderr, so stdout is exactly one document. `--markdown` and `--junit`
// remain as the older spellings of the *-file options; `--json` never takes a file.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace rig::cli {

struct ReportOutputs {
  bool json = false;  // stdout gets JSON instead of the table
  std::string json_file, markdown_file, junit_file;
};

enum ReportFile : unsigned { kMarkdownFile = 1, kJunitFile = 2 };

// Adds --json, --json-file and the file options named in `files` (kMarkdownFile | kJunitFile).
void add_report_outputs(CLI::App* sub, ReportOutputs& o, unsigned files, const std::string& json_what);

// Every file's directory exists and no path is a directory: checked before any work.
Status check_report_outputs(const ReportOutputs& o);

struct ReportRenderers {
  std::function<std::string()> table;
  std::function<json()> json_doc;
  std::function<std::string()> markdown;  // may be empty when the command has none
  std::function<std::string()> junit;
};

// Prints the table (or the JSON) on stdout, then writes each requested file atomically.
Status emit_report(const ReportOutputs& o, const ReportRenderers& r);

}  // namespace rig::cli
