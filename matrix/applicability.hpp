// Whether a cell (and each of its stages) can run on this host, and if not, why. Pure, so every
// "not applicable" reason is unit-tested; a cell is never dropped for lack of a precondition.
#pragma once

#include <string>

#include "builder/recipe.hpp"
#include "host/host_facts.hpp"
#include "matrix/matrix_file.hpp"

namespace rig {

// The engine a cell talks to on its host, or nullptr when the host has none by that name.
const EngineFacts* cell_engine(const Cell& c, const HostInfo& h);

// Reasons a whole cell cannot run here: its host, its engine, the recipe's architectures.
std::string cell_not_applicable(const Cell& c, const HostInfo& h, const Recipe& r);

// Reasons one stage cannot run (given that the cell can): emulation limits, inner options.
std::string stage_not_applicable(const Cell& c, const std::string& stage, const HostInfo& h, const Recipe& r);

}  // namespace rig
