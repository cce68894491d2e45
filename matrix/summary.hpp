// The matrix result as one JSON document (schema rigctl/matrix-report/v1): the hosts, every cell
// with its stages, totals. Markdown and JUnit are rendered from that JSON, so a report merged from
// several hosts' results renders exactly like a single run.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/json_reader.hpp"
#include "matrix/cell_run.hpp"
#include "host/host_facts.hpp"

namespace rig {

inline constexpr const char* kReportSchema = "rigctl/matrix-report/v1";

// `hosts` are every host the run used (the local one first, then VM hosts); a cell's host_label names
// its host ("" = the first).
json summary_json(const std::string& matrix_name, const std::vector<HostInfo>& hosts, const std::vector<CellResult>& cells,
                  double seconds);
std::string summary_markdown(const json& summary);
std::string summary_junit(const json& summary);

// Reads DIR/summary.json (checking its schema).
Result<json> read_summary(const std::filesystem::path& dir);
// One report from several hosts' reports. Two reports with the same host label are refused: their
// cells would be indistinguishable.
Result<json> merge_summaries(const std::vector<std::pair<std::string, json>>& inputs);
// summary.json, summary.md and junit.xml into an existing directory.
Status write_report_files(const json& summary, const std::filesystem::path& dir);
// The same as a new directory (built in a staging sibling, renamed into place when complete).
Status write_report_dir(const json& summary, const std::filesystem::path& dir);

// Exit status of a report: 0 when no applicable cell failed, 1 otherwise.
bool summary_passed(const json& summary);
// How many of its cells failed (counted from the cells, not taken from "totals").
int64_t failed_cells(const json& summary);

}  // namespace rig
