// Matrix files (schema rigctl/matrix/v1, under matrix/): the axes a rig is proved across — host,
// recipe, arch, outer engine, inner network, inner storage — which stages each cell runs, and rules
// that change the stages of some cells or exclude them with a reason. Expansion is pure, so which
// cells exist and what they run is unit-tested; excluded cells stay in the result, never dropped.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

inline const std::vector<std::string> kAxes = {"host", "recipe", "arch", "engine", "network", "storage"};
// confine: the smoke chain again with the tailored AppArmor profile instead of apparmor=unconfined
// (applicable only where the engine's host has AppArmor).
inline const std::vector<std::string> kStages = {"image", "smoke", "confine", "ablate", "bench"};

struct MatrixRule {
  std::map<std::string, std::vector<std::string>> match;  // axis -> accepted values (all must hold)
  std::vector<std::string> run;                           // replaces the stages when non-empty
  std::string exclude;                                    // reason; non-empty excludes the cell
};

struct MatrixFile {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::map<std::string, std::vector<std::string>> axes;  // every axis of kAxes, each non-empty
  std::vector<std::string> run;                           // default stages
  std::vector<MatrixRule> rules;
  std::map<std::string, std::string> engines;  // engine name -> endpoint ("" = the local default)
  std::vector<std::string> ablate_only;        // empty = every flag and hardening
  std::vector<std::string> bench_items;        // empty = bench's default set
  unsigned bench_runs = 3;
};

struct Cell {
  std::map<std::string, std::string> at;  // axis -> value
  std::vector<std::string> run;           // stages, in kStages order
  std::string excluded;                   // reason, when a rule excluded it
  std::string id() const;                 // host/recipe/arch/engine/network/storage
  const std::string& operator[](const std::string& axis) const { return at.at(axis); }
};

Result<MatrixFile> load_matrix(const std::filesystem::path& file);
Result<MatrixFile> parse_matrix(const std::string& text, const std::filesystem::path& file);

// Every combination of the axes, in axis order, with the rules applied in file order.
std::vector<Cell> expand(const MatrixFile& m);

// --cells: comma-separated shell globs over cell ids ("*" matches across "/").
bool cell_selected(const Cell& c, const std::string& filter);

}  // namespace rig
