// The rig-runtime seam: what the check chain needs of a running rig, whatever outer runtime runs it.
// The Docker API rig (a container in an Engine, below) is the first implementation; an Incus or LXC rig
// implements the same four operations, and the chain, the ablation and the matrix do not change.
// Launch decisions are runtime-neutral too (smoke/launch_spec.hpp: LaunchSpec, rendered for the Docker
// API by docker_create_body).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/engine.hpp"

namespace rig {

// What the runtime says about the rig right now.
struct RigState {
  bool running = false;
  std::string status;  // the runtime's word: created | running | exited | dead | ...
  int64_t exit_code = 0;
  std::string error;
  // What the runtime granted, as it reports it (not-privileged reads these as well as /proc/1/status).
  bool privileged = false;
  std::vector<std::string> added_capabilities;
  std::vector<std::string> security_options;
  std::vector<std::string> devices;  // host paths passed through
  // What the last start's cgroup delegation (security/cgroup_delegation.hpp) said; "" when the launch
  // asked for none. A failed delegation does not stop the rig: inner-limits shows it.
  std::string cgroup_delegation;
};

class RigControl {
 public:
  virtual ~RigControl() = default;
  // Runs a command inside the rig (as the rig's user unless req.user says otherwise).
  virtual Result<ExecResult> exec(const ExecRequest& req) = 0;
  // Unpacks a tar stream into `dir` inside the rig.
  virtual Status put_files(const std::string& dir, const std::string& tar) = 0;
  // Stops (waiting up to timeout_s for PID 1) and starts it again; the runtime's call may take wait_ms.
  virtual Status restart(int timeout_s, long wait_ms) = 0;
  // nullopt: the rig no longer exists. An error: the runtime did not answer.
  virtual Result<std::optional<RigState>> state() = 0;
};

// A launched rig and everything made for it, owned: destroyed without keep(), it removes them (also on
// error and interrupt unwinding). smoke/rig.hpp's Rig is the Docker-API one; an Incus or LXC rig is
// another implementation of this and of RigControl.
class RunningRig {
 public:
  virtual ~RunningRig() = default;
  virtual RigControl& control() = 0;
  virtual const std::string& name() const = 0;
  virtual const std::string& id() const = 0;  // the runtime's id for it
  virtual void keep() = 0;
  // Removes it now, once; a failed removal is not retried on destruction.
  virtual Status remove() = 0;
  // For an error that ends the rig's life: removes it now and, when that fails too, says in the
  // error's hint what remains and how to remove it later.
  virtual Error unwind(Error e) = 0;
  // "" or how to remove what a failed remove() left.
  virtual std::string leftover_hint(const Error& removal) const = 0;
};

// The one way every RunningRig::unwind works: unless kept, the rig is removed now; when that fails
// too, the error's hint says what remains (leftover_hint). Defined in smoke/rig.cpp.
Error unwind_rig(RunningRig& rig, bool kept, Error e);

// A rig that is a container of a Docker-API engine (Docker, or podman's compatible service). It does
// not own the container: smoke/rig.hpp's Rig creates and removes it.
class EngineRigControl : public RigControl {
 public:
  EngineRigControl(Engine& engine, std::string container_id, bool delegate_cgroup = false)
      : engine_(engine), id_(std::move(container_id)), delegate_cgroup_(delegate_cgroup) {}
  Result<ExecResult> exec(const ExecRequest& req) override { return engine_.exec(id_, req); }
  Status put_files(const std::string& dir, const std::string& tar) override { return engine_.put_archive(id_, dir, tar); }
  // A restart gives the rig a fresh cgroup: the delegation is made again.
  Status restart(int timeout_s, long wait_ms) override;
  Result<std::optional<RigState>> state() override;
  // What every start needs inside the rig (the cgroup delegation when the spec asks for it). Only an
  // engine that stopped answering, or an interrupt, is an error.
  Status after_start();

 private:
  Engine& engine_;
  std::string id_;
  bool delegate_cgroup_ = false;
  std::string delegation_;
};

}  // namespace rig
