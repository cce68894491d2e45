// Running one matrix cell: its stages in pipeline order (image, smoke, ablate, bench), each either
// run or marked not applicable with the reason. Each cell's rigs have their own names, port window
// and volumes, so cells run side by side. Stage artefacts (JSON, JUnit, Markdown) go to out_dir.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "builder/recipe.hpp"
#include "core/json_reader.hpp"
#include "smoke/borders.hpp"
#include "host/host_facts.hpp"
#include "matrix/matrix_file.hpp"

namespace rig {

struct StageResult {
  std::string stage;
  std::string status;  // pass | fail | not-applicable
  std::string reason;  // why not applicable, or the first failure
  double seconds = 0;
  json detail = json::object();
};

struct CellResult {
  Cell cell;
  std::string host_label;  // which host of the report it ran on ("" = the run's own host)
  std::string status;  // pass | fail | not-applicable | excluded | not-selected
  std::string reason;
  double seconds = 0;
  std::vector<StageResult> stages;
};

struct CellEnv {
  const HostInfo* host = nullptr;
  std::filesystem::path recipe_path;
  const Recipe* recipe = nullptr;
  std::filesystem::path web_recipe, base_recipe, baseline_script;
  std::filesystem::path out_dir;
  uint32_t port_base = 11000;  // the cell's window: ports [port_base, port_base + 200)
  unsigned ablate_jobs = 1;
  std::vector<std::string> ablate_only;
  std::vector<std::string> bench_items;
  unsigned bench_runs = 3;
  std::function<void(const std::string&)> progress;
};

// A cell's status from its stages: any failure fails it; otherwise any pass passes it; otherwise
// it is not applicable (with the first stage's reason).
void settle_status(CellResult& r);

// Runs the cell's stages. Only an interrupt is returned as an error; every other problem is a
// failed stage in the result.
Result<CellResult> run_cell(const Cell& c, const CellEnv& env, const Borders& b);

}  // namespace rig
