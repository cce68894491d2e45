// A running rig: the outer container and its named volumes, all labelled io.rigctl.*. The Rig owns
// them: destroyed without keep(), it removes them (also on error and SIGINT unwinding).
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/rig_control.hpp"

namespace rig {

class Rig : public RunningRig {
 public:
  static Result<std::unique_ptr<Rig>> launch(Engine& engine, const LaunchSpec& spec, const std::string& name);
  ~Rig() override;
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  void keep() override { keep_ = true; }
  // Removes the container (found by this run's label when its id never came back) and the volumes.
  // Once only: a failed removal is not retried by the destructor.
  Status remove() override;
  // For an error that ends the rig's life: removes the rig now and, when that fails too (an engine
  // gone away), says in the error's hint what remains and how to remove it later.
  Error unwind(Error e) override;
  // "" or how to remove what a failed remove() left: `rigctl gc --run ID`.
  std::string leftover_hint(const Error& removal) const override;
  const std::string& id() const override { return id_; }
  const std::string& name() const override { return name_; }
  Engine& engine() { return engine_; }
  // The chain's view of this rig (valid once launch() returned it).
  RigControl& control() override { return *control_; }

 private:
  Rig(Engine& e, std::string name) : engine_(e), name_(std::move(name)) {}
  Engine& engine_;
  std::string name_;
  std::string id_;
  std::unique_ptr<EngineRigControl> control_;
  std::string run_id_;        // the io.rigctl.run label of what this rig creates
  bool create_sent_ = false;  // the container may exist even without an id_
  std::vector<std::string> volumes_;
  bool keep_ = false;
  bool removed_ = false;
};

// Removes every container and volume carrying io.rigctl.managed=true (optionally only one run's),
// except those of the runs `live_runs` names (read after the listing; see core/lock.hpp).
struct GcReport {
  std::vector<std::string> containers;
  std::vector<std::string> volumes;
  std::vector<std::string> live_runs;  // kept: their rigctl still runs
};
Result<GcReport> collect_garbage(Engine& engine, const std::string& run_id = "",
                                 const std::function<std::set<std::string>()>& live_runs = {});

}  // namespace rig
