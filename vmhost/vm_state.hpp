// What a running VM host leaves on disk so another rigctl (`host down`, `gc`) can find it:
// cache_root()/hosts/run/<id>.json next to its run dir cache_root()/hosts/run/<id>/. Nothing is
// labelled or looked up by process name: a pid counts as the VM only while its command line
// still names the run dir.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

struct VmState {
  std::string id;    // <name>-<random>: the run dir's and the state file's name
  std::string name;  // the host recipe's name (recipes/hosts/<name>.json)
  pid_t pid = 0;     // qemu
  pid_t owner = 0;   // the rigctl that booted it; 0 once detached (`host up`)
  uint16_t port = 0;
  std::string endpoint;
  std::filesystem::path run_dir;
  std::string accel;
};

std::filesystem::path vm_run_root();  // cache_root()/hosts/run

Status write_vm_state(const VmState& s);
std::vector<VmState> list_vm_states();
void remove_vm_state(const VmState& s);  // the state file and the run dir

// True while `pid` is a qemu whose command line mentions `run_dir`.
bool vm_process_alive(pid_t pid, const std::filesystem::path& run_dir);
// SIGTERM, up to `grace_s` for it to go, then SIGKILL.
void stop_vm_process(pid_t pid, const std::filesystem::path& run_dir, double grace_s = 10);

// Leftovers: VMs whose owning rigctl is gone (not detached), and state whose qemu is gone. Stops
// and removes them; returns their ids.
std::vector<std::string> collect_vm_garbage();

}  // namespace rig
