// VM host state files: what `rigctl gc` stops and removes, and what it leaves alone.
#include "support/catch.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "support/test_util.hpp"
#include "vmhost/vm_state.hpp"

namespace rigtest_vmhost_vm_state {

namespace {

pid_t dead_pid() {
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  int st = 0;
  ::waitpid(p, &st, 0);
  return p;
}

rig::VmState state(const std::string& id, pid_t owner) {
  rig::VmState s;
  s.id = id;
  s.name = "unit";
  s.owner = owner;
  s.port = 40000;
  s.endpoint = "tcp://127.0.0.1:40000";
  s.run_dir = rig::vm_run_root() / id;
  std::filesystem::create_directories(s.run_dir);
  REQUIRE(rig::write_vm_state(s).ok());
  return s;
}

}  // namespace

TEST_CASE("vm state: gc removes VMs of dead or detached-and-stopped runs, keeps live ones", "[vmhost]") {
  rigtest::TempDir cache;
  rigtest::EnvGuard xdg("XDG_CACHE_HOME");
  xdg.set(cache.path().string());

  auto live = state("unit-live", ::getpid());        // its rigctl (this test) still runs
  auto orphan = state("unit-orphan", dead_pid());    // its rigctl died
  auto stopped = state("unit-stopped", 0);           // detached, but no qemu runs for it
  std::filesystem::create_directories(rig::vm_run_root() / "unit-nostate");  // removal cut short

  auto ids = rig::list_vm_states();
  CHECK(ids.size() == 3);

  auto removed = rig::collect_vm_garbage();
  std::sort(removed.begin(), removed.end());
  CHECK(removed == std::vector<std::string>{"unit-nostate", "unit-orphan", "unit-stopped"});
  CHECK(std::filesystem::exists(live.run_dir));
  CHECK_FALSE(std::filesystem::exists(orphan.run_dir));
  CHECK_FALSE(std::filesystem::exists(rig::vm_run_root() / "unit-orphan.json"));
  CHECK_FALSE(std::filesystem::exists(stopped.run_dir));
  REQUIRE(rig::list_vm_states().size() == 1);
  CHECK(rig::list_vm_states().front().id == "unit-live");
}

TEST_CASE("vm state: a state file naming a directory outside its own run dir is ignored", "[vmhost]") {
  rigtest::TempDir cache;
  rigtest::EnvGuard xdg("XDG_CACHE_HOME");
  xdg.set(cache.path().string());
  std::filesystem::create_directories(rig::vm_run_root());
  std::ofstream(rig::vm_run_root() / "evil.json") << R"({"id": "evil", "pid": 1, "owner": 0, "run_dir": "/etc"})";
  CHECK(rig::list_vm_states().empty());
  // pid 1 is no qemu naming that run dir: never signalled.
  CHECK_FALSE(rig::vm_process_alive(1, "/etc"));
}

}  // namespace rigtest_vmhost_vm_state
