// smoke-vs-shell: `rigctl smoke` as a library call (run_smoke, exactly what the command does),
// timed end to end with warm caches, against the spike's chain as a plain shell script
// (ci/smoke-baseline.sh, the docker CLI) on the same images. The script hard-codes the docker CLI,
// a local engine and host ports 10000-10009, so without those it is not applicable.

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/clock.hpp"
#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "core/ports.hpp"
#include "host/machine.hpp"
#include "smoke/smoke_run.hpp"

namespace rig {

namespace {


// Nothing listens on 127.0.0.1:10000-10009, the script's fixed ports (probed as docker-proxy binds,
// so a port still in TIME_WAIT from the previous round counts as free).
bool baseline_ports_free() {
  for (uint32_t port = 10000; port < 10010; ++port)
    if (!loopback_port_free(port)) return false;
  return true;
}

// Another rig on the default ports (a test, someone's `rigctl smoke`) usually goes away within a
// minute: wait that long before calling the baseline not applicable.
Result<bool> wait_baseline_ports(const BenchContext& c) {
  for (int i = 0; i < 60; ++i) {
    if (baseline_ports_free()) return true;
    if (i == 0) c.say("smoke-vs-shell: host ports 10000-10009 are busy, waiting up to 60 s");
    RIG_CHECK(BenchContext::check_interrupt());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return false;
}

// Why the shell baseline cannot run here, or "" when it can.
std::string baseline_precondition(const BenchContext& c) {
  return docker_script_precondition(c, c.opts.baseline_script, "the baseline script (ci/smoke-baseline.sh)");
}

}  // namespace

Result<std::vector<BenchItem>> bench_smoke_vs_shell(BenchContext& c) {
  auto item = new_item("smoke-vs-shell");
  item.baseline_label = "ci/smoke-baseline.sh (the spike's steps with the docker CLI)";
  item.reference = "spike: plain-shell chain 19.6 s";
  if (auto why = baseline_precondition(c); !why.empty()) {
    mark_not_applicable(item, why);
    return std::vector<BenchItem>{item};
  }
  RIG_TRY(bool free, wait_baseline_ports(c));
  if (!free) {
    mark_not_applicable(item, "host ports 10000-10009 (fixed in the baseline script) are busy");
    return std::vector<BenchItem>{item};
  }
  // Warm: the outer image built and loaded, the inner archives written (the script needs them too).
  c.say("smoke-vs-shell: provisioning images");
  EngineImageStore store(*c.conn.engine);
  RIG_TRY(auto images, c.borders.images.provision(store, c.recipe,
                                                   ProvisionRequest{c.opts.web_recipe, c.opts.base_recipe, c.opts.arch, ""}, {}));
  if (images.seccomp_profile_path.empty()) {
    mark_not_applicable(item, "the image has no tailored seccomp profile for the baseline's --security-opt");
    return std::vector<BenchItem>{item};
  }
  Command script{{"bash", c.opts.baseline_script.string(), images.outer_ref, images.seccomp_profile_path,
                  images.web_archive.string(), images.base_archive.string(), images.web_ref, images.base_ref},
                 {{"DOCKER_HOST", "unix://" + c.conn.endpoint.unix_path}}, "", {}};
  std::vector<double> shell;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    c.say("smoke-vs-shell: run " + std::to_string(i + 1) + "/" + std::to_string(c.opts.runs));
    RIG_TRY(auto rig_secs, timed_smoke(c, item));
    if (!rig_secs) return std::vector<BenchItem>{item};
    RIG_CHECK(BenchContext::check_interrupt());
    RIG_TRY(free, wait_baseline_ports(c));
    if (!free) {
      mark_not_applicable(item, "host ports 10000-10009 (fixed in the baseline script) became busy");
      return std::vector<BenchItem>{item};
    }
    auto t0 = Clock::now();
    RIG_TRY(auto done, c.runner.run(script));
    double shell_secs = since(t0);
    RIG_CHECK(BenchContext::check_interrupt());
    if (done.status != 0) {
      mark_failed(item, "ci/smoke-baseline.sh exited " + std::to_string(done.status) + ": " + done.tail(6));
      return std::vector<BenchItem>{item};
    }
    item.samples.push_back(*rig_secs);
    shell.push_back(shell_secs);
  }
  finish_measured(item, shell);
  return std::vector<BenchItem>{item};
}

}  // namespace rig

namespace rig {

namespace {

// Why the hand-written chain cannot run here, or "" when it can.
std::string chain_precondition(const BenchContext& c) {
  if (c.opts.rigctl_binary.empty()) return "the rigctl binary the chain script launches with is not known";
  if (c.recipe.launch->inner_engine != "podman")
    return "the chain script is the podman rig's chain; this recipe's inner engine is " + c.recipe.launch->inner_engine;
  return docker_script_precondition(c, c.opts.chain_script, "the chain script (ci/smoke-chain-baseline.sh)");
}

}  // namespace

// smoke-vs-chain: `rigctl smoke` against the same checks written by hand as a shell script (launch
// with `rigctl launch`, every check's command through `docker exec`, one after another, removal),
// alternating runs on the same warm images. rigctl spawns no CLI per step and runs independent checks
// side by side, so it should not be slower than the script.
Result<std::vector<BenchItem>> bench_smoke_vs_chain(BenchContext& c) {
  auto item = new_item("smoke-vs-chain");
  item.baseline_label = "ci/smoke-chain-baseline.sh (the same checks by hand: rigctl launch, docker exec per step, removal)";
  item.reference = "target: <= 1.0x";
  if (auto why = chain_precondition(c); !why.empty()) {
    mark_not_applicable(item, why);
    return std::vector<BenchItem>{item};
  }
  c.say("smoke-vs-chain: provisioning images");
  EngineImageStore store(*c.conn.engine);
  RIG_TRY(auto images, c.borders.images.provision(store, c.recipe,
                                                   ProvisionRequest{c.opts.web_recipe, c.opts.base_recipe, c.opts.arch, ""}, {}));
  std::vector<double> script_secs;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    c.say("smoke-vs-chain: run " + std::to_string(i + 1) + "/" + std::to_string(c.opts.runs));
    RIG_TRY(auto rig_secs, timed_smoke(c, item));
    if (!rig_secs) return std::vector<BenchItem>{item};
    RIG_CHECK(BenchContext::check_interrupt());
    // The script's `rigctl launch --port-base` reserves its window itself: one is found free here and
    // let go just before (another rigctl could take it in between; then the launch says so).
    uint32_t port = 0;
    {
      RIG_TRY(auto window, reserve_port_window(c.next_port, 10));
      port = window->base();
    }
    Command script{{"bash", c.opts.chain_script.string(), c.opts.rigctl_binary.string(), c.opts.recipe.string(), std::to_string(port),
                    images.web_archive.string(), images.base_archive.string(), images.web_ref, images.base_ref},
                   {{"DOCKER_HOST", "unix://" + c.conn.endpoint.unix_path}},
                   "",
                   {}};
    auto t0 = Clock::now();
    RIG_TRY(auto done, c.runner.run(script));
    double shell_secs = since(t0);
    RIG_CHECK(BenchContext::check_interrupt());
    if (done.status != 0) {
      mark_failed(item, "ci/smoke-chain-baseline.sh exited " + std::to_string(done.status) + ": " + done.tail(6));
      return std::vector<BenchItem>{item};
    }
    item.samples.push_back(*rig_secs);
    script_secs.push_back(shell_secs);
  }
  finish_measured(item, script_secs);
  return std::vector<BenchItem>{item};
}

}  // namespace rig
