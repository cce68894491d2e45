// Image-level checks: what can be proved about an outer image without the nested chain, so also
// for a foreign architecture under qemu-user (binfmt_misc): its binaries run, the file capabilities
// and the rig user are as the recipe says, podman starts. The expectations come from the recipe.
#pragma once

#include <string>
#include <vector>

#include "builder/recipe.hpp"
#include "engine/engine.hpp"

namespace rig {

struct ImageCheck {
  std::string id;
  std::string title;
  std::string script;  // run with sh -c inside the image
  std::string expect;  // exact output (trimmed)
};

struct ImageCheckResult {
  std::string id;
  std::string title;
  bool passed = false;
  std::string output;
};

// The checks a recipe's image must pass on `arch`. Pure.
std::vector<ImageCheck> image_checks_for(const Recipe& r, const std::string& arch);

// Runs them in a throwaway container of `image_ref` (no network, labelled for `rigctl gc`).
Result<std::vector<ImageCheckResult>> run_image_checks(Engine& engine, const std::string& image_ref,
                                                       const std::vector<ImageCheck>& checks, const std::string& run_id);

}  // namespace rig
