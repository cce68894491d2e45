// One smoke run as a library call: open a session (build, load, launch), run the chain, return the
// report. `rigctl smoke`, `rigctl matrix` and `rigctl bench` all go through here, so a matrix cell
// is exactly what `rigctl smoke` would have done with the same options.
#pragma once

#include <functional>
#include <string>

#include "smoke/checks.hpp"
#include "smoke/session.hpp"

namespace rig {

struct SmokeRequest {
  SessionOptions session;
  std::string inner_network;  // "" = podman's default; otherwise every inner `podman run` uses it
  bool keep = false;          // leave the rig running afterwards
  std::function<void(const CheckResult&)> on_result;
};

// The chain's inputs and the host facts for a launched session (ports, images, inner options).
ChainInputs chain_inputs(const Session& s, const std::string& inner_network, const std::string& inner_storage);
HostFacts session_facts(const Session& s);

Result<SmokeReport> run_smoke(const SmokeRequest& req, const Borders& b, const BuildEvents& ev);

}  // namespace rig
