// The borders a rig's life crosses, injected rather than opened inside library code (ninja's
// CommandRunner/DiskInterface): the engine connector, the image source and the subprocess runner.
// The composition root (cli/app.cpp) wires the real ones once; unit tests of the orchestrators
// (session, smoke, ablation, matrix cell, bench) pass recording fakes (tests/support/fake_borders.hpp).
#pragma once

#include <memory>

#include "core/subprocess.hpp"
#include "engine/engine.hpp"
#include "smoke/provision.hpp"

namespace rig {

struct Borders {
  EngineConnector& engines;
  ImageSource& images;
  CommandRunner& runner;
};

// The real borders and what they own; only the composition root makes one.
struct RealBorders {
  std::unique_ptr<CommandRunner> runner;
  std::unique_ptr<EngineConnector> engines;
  std::unique_ptr<ImageSource> images;
  Borders borders() const { return Borders{*engines, *images, *runner}; }
};
RealBorders make_real_borders();

}  // namespace rig
