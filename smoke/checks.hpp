// The smoke chain: the spike's 11 checks plus reaping (init-reaps) and uid isolation, in list order, each
// with a stable id. A check runs only when the checks it needs passed; otherwise it is "not run" (never
// "passed"). A rig launched under a confining AppArmor profile gets two more: that the profile is the
// one in force and denies the sysrq-trigger write, and that it refuses root's read of /proc/kcore.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "core/signatures.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/rig_control.hpp"

namespace rig {

// NotApplicable: the host lacks the check's precondition (a cgroup v1 host cannot enforce a rootless
// inner container's limits); the note says why. It is never a pass, and never counted as one.
enum class CheckState { Pass, Fail, NotRun, NotApplicable };
const char* check_state_name(CheckState s);

struct CheckResult {
  int number = 0;
  std::string id;
  std::string title;
  CheckState status = CheckState::NotRun;
  double seconds = 0;
  std::string output;  // tail of what the check saw
  std::string note;    // why it was not run, or a measured detail
  double metric = -1;  // a measured value where the check has one (restart seconds)
  std::vector<Signature> diagnosis;
};

struct HostFacts {
  std::string kernel;
  std::string engine;  // docker | podman
  std::string engine_version;
  std::string api_version;
  std::string endpoint;
  std::string podman_version;  // inside the rig (a podman rig)
  std::string arch;
  std::string inner_engine;    // podman | docker
  std::string inner_version;   // the inner engine's version (podman's, or the rig's dockerd)
};

struct SmokeReport {
  std::string recipe;
  std::string rig;
  std::string run_id;
  std::vector<CheckResult> checks;
  std::vector<FlagDecision> flags;
  HostFacts host;
  std::string inner_network;  // "" = podman's default
  std::string inner_storage;  // "" = the recipe's default
  std::string outer_manifest_digest;  // the outer image the rig ran (its OCI manifest digest)
  double seconds = 0;
  std::string leftover;  // the rig could not be removed afterwards: what remains and how to remove it
  int count(CheckState s) const;
  // Every check passed or was not applicable (nothing failed, nothing was left unrun).
  bool passed() const { return count(CheckState::Pass) + count(CheckState::NotApplicable) == static_cast<int>(checks.size()); }
  const CheckResult* first_failure() const;
};

// The rig's own limits as launched (0: the profile sets none): rig-limits reads them back from the
// rig's cgroup files.
struct RigLimits {
  int64_t memory_bytes = 0;
  int64_t pids = 0;
  int64_t nano_cpus = 0;
};

struct ChainInputs {
  explicit ChainInputs(RigControl& r) : rig(r) {}
  RigControl& rig;  // the rig under test, through the rig-runtime seam
  std::string run_id;
  std::string web_ref, base_ref;
  std::string web_archive, base_archive;  // host paths of docker-archives
  std::string web_body = "rigctl-inner-web-ok\n";
  uint32_t host_port = 10000;       // the host port mapped to the rig's first published port
  uint32_t inner_port = 10000;      // the rig port the inner app publishes to
  bool stop_at_first_failure = false;
  std::set<std::string> only;  // when set, other checks are "not run" (ablation items that need less)
  double timeout_scale = 1.0;  // unit tests shrink every check's timeout
  // How many checks may run side by side (their needs and order allow it: run_chain). 1 runs them one
  // at a time in list order; a smoke run uses kChainJobs.
  unsigned jobs = 1;
  // restart-workspace's stop timeout: the engine sends SIGTERM, waits this long, then kills PID 1.
  int restart_timeout_s = 10;
  std::string inner_engine = "podman";  // podman | docker: which CLI, engine check and isolation check
  bool docker_api = false;     // add the docker-api check (a docker CLI inside drives the rig's Docker API socket)
  std::string inner_network;   // "" = podman's default; else `podman run --network=<it>`
  std::string inner_storage;   // "fuse-overlayfs": podman-info must see fuse-overlayfs as mount_program
  std::string apparmor_profile;  // non-empty: add the apparmor-confined check for this profile
  // The exact capability bounding set the launch profile gives the rig (not-privileged asserts it);
  // nullopt: only CAP_SYS_ADMIN's absence is checked.
  std::optional<uint64_t> bounding_set;
  RigLimits limits;
  // Why inner limits cannot be enforced on this host ("" = try them): the profile's cgroups flag was
  // not applicable or not for this engine. A flag *removed* by an ablation leaves this empty, so the
  // check runs and shows the failure.
  std::string inner_limits_not_applicable;
  std::function<void(const CheckResult&)> on_result;
};

// Checks side by side in a smoke or ablation run: the chain has at most four independent branches
// (the rig's facts, the inner app, the inner build and what follows it), most of their time is waiting
// on the rig, and more would only queue in the inner engine.
constexpr unsigned kChainJobs = 4;

struct CheckInfo {
  std::string id;
  std::string title;
};

// Runs the chain against a launched rig. Returns Interrupted on SIGINT (the caller's Rig cleans up).
Result<std::vector<CheckResult>> run_chain(ChainInputs& in, HostFacts& facts);

// The script (run in a Docker rig, `sh -c`) that prints why its rootless dockerd does not answer:
// the error lines of $XDG_RUNTIME_DIR/dockerd.log, then its last lines.
std::string dockerd_log_script();

}  // namespace rig
