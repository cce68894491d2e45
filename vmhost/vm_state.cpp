#include "vmhost/vm_state.hpp"

#include "core/json_shape.hpp"

#include <signal.h>

#include <chrono>
#include <thread>

#include "core/fs.hpp"
#include "core/json_reader.hpp"

namespace rig {

std::filesystem::path vm_run_root() { return cache_root() / "hosts" / "run"; }

Status write_vm_state(const VmState& s) {
  json j = {{"id", s.id},     {"name", s.name},         {"pid", s.pid},
            {"owner", s.owner}, {"port", s.port},       {"endpoint", s.endpoint},
            {"run_dir", s.run_dir.string()},            {"accel", s.accel}};
  return write_file_atomic(vm_run_root() / (s.id + ".json"), json_text(j, 2) + "\n");
}

std::vector<VmState> list_vm_states() {
  std::vector<VmState> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(vm_run_root(), ec)) {
    if (e.path().extension() != ".json") continue;
    auto text = read_file(e.path());
    if (!text) continue;
    auto j = parse_json_document(*text);
    // A state file of another shape (hand-edited, another version) is not one rigctl can act on.
    static const json shape = json::parse(R"({"type": "object", "required": ["id", "run_dir"], "properties": {
      "id": {"type": "string"}, "name": {"type": "string"}, "pid": {"type": "integer"}, "owner": {"type": "integer"},
      "port": {"type": "integer"}, "endpoint": {"type": "string"}, "run_dir": {"type": "string"}, "accel": {"type": "string"}}})");
    if (!j || !check_shape(*j, shape).ok()) continue;
    VmState s;
    s.id = j->value("id", "");
    s.name = j->value("name", "");
    s.pid = j->value("pid", 0);
    s.owner = j->value("owner", 0);
    s.port = j->value("port", 0);
    s.endpoint = j->value("endpoint", "");
    s.run_dir = j->value("run_dir", "");
    s.accel = j->value("accel", "");
    // A state file names only its own run dir under the run root: never remove anything else.
    if (s.id.empty() || s.run_dir != vm_run_root() / s.id) continue;
    out.push_back(std::move(s));
  }
  return out;
}

void remove_vm_state(const VmState& s) {
  std::error_code ec;
  std::filesystem::remove(vm_run_root() / (s.id + ".json"), ec);
  std::filesystem::remove_all(s.run_dir, ec);
}

bool vm_process_alive(pid_t pid, const std::filesystem::path& run_dir) {
  if (pid <= 0 || run_dir.empty()) return false;
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (!cmdline) return false;
  return cmdline->find("qemu-system") != std::string::npos && cmdline->find(run_dir.string()) != std::string::npos;
}

void stop_vm_process(pid_t pid, const std::filesystem::path& run_dir, double grace_s) {
  if (!vm_process_alive(pid, run_dir)) return;
  ::kill(pid, SIGTERM);  // qemu exits at once; the guest's disk is a throwaway overlay
  auto t0 = std::chrono::steady_clock::now();
  while (vm_process_alive(pid, run_dir)) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > grace_s) {
      ::kill(pid, SIGKILL);
      grace_s += 5;  // give the kernel a moment to reap it
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::vector<std::string> collect_vm_garbage() {
  std::vector<std::string> removed;
  for (auto& s : list_vm_states()) {
    // Its rigctl still runs (maybe still booting it), or it was detached on purpose and is up.
    if (s.owner > 0 && ::kill(s.owner, 0) == 0) continue;
    if (s.owner == 0 && vm_process_alive(s.pid, s.run_dir)) continue;
    stop_vm_process(s.pid, s.run_dir);
    remove_vm_state(s);
    removed.push_back(s.id);
  }
  // Run dirs without a state file (it is written before the dir is made): what a removal cut short.
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(vm_run_root(), ec)) {
    if (!e.is_directory(ec) || std::filesystem::exists(e.path().string() + ".json")) continue;
    auto pid_text = read_file(e.path() / "qemu.pid");
    pid_t pid = pid_text ? static_cast<pid_t>(std::atoi(pid_text->c_str())) : 0;
    stop_vm_process(pid, e.path());
    std::filesystem::remove_all(e.path(), ec);
    removed.push_back(e.path().filename().string());
  }
  return removed;
}

}  // namespace rig
