// `rigctl matrix`: probe the host, expand the matrix, build what the applicable cells need once,
// then run the cells a bounded number at a time and write one result directory:
//   OUT/summary.json, OUT/summary.md, OUT/junit.xml, OUT/cells/<cell>/{cell,image,smoke,ablate,bench}.*
// The directory is assembled in a staging sibling and renamed into place at the end, so an
// interrupted run leaves no half-written result.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "core/json_reader.hpp"
#include "smoke/borders.hpp"

namespace rig {

struct MatrixOptions {
  std::filesystem::path matrix;
  std::string cells;  // --cells filter
  unsigned jobs = 1;
  uint32_t port_base = 11000;  // cells get 200-port windows from here (runs side by side need different bases)
  std::filesystem::path out;
  std::string host_label;
  std::map<std::string, std::string> engine_endpoints;  // --engine-endpoint NAME=URL, over the file's
  std::function<std::filesystem::path(const std::string&)> resolve_recipe;  // recipe axis value -> file
  std::function<std::filesystem::path(const std::string&)> resolve_host;    // "vm:<name>" -> host recipe file ("" = none)
  std::filesystem::path web_recipe, base_recipe, baseline_script;
  std::function<void(const std::string&)> progress;
};

// The written summary. Errors: usage (bad matrix, bad filter), interrupted.
Result<json> run_matrix(const MatrixOptions& o, const Borders& b);

}  // namespace rig
