// A disposable emulated Docker host: a host recipe (recipes/hosts/<name>.json) built into a cached
// disk and kernel, booted under qemu from a copy-on-write overlay in a per-run dir, reachable only
// through its Docker API on tcp://127.0.0.1:PORT. The lead use: `rigctl host run NAME -- smoke ...`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/subprocess.hpp"
#include "engine/engine.hpp"
#include "vmhost/port_mirror.hpp"
#include "vmhost/qemu_command.hpp"
#include "vmhost/vm_state.hpp"

namespace rig {

struct VmHostOptions {
  std::string name;                  // recipes/hosts/<name>.json
  std::filesystem::path recipe;      // resolved path
  uint16_t port = 0;                 // 0 = a free 127.0.0.1 port
  unsigned cpus = 2, memory_mb = 4096;
  double boot_timeout_s = 240;       // until a connection to the engine succeeds
  std::function<void(const std::string&)> progress;
  // Mirror the rigs' loopback ports from the VM to 127.0.0.1 here while this object lives
  // (port_mirror.hpp), so `smoke` reaches the inner app as on a local engine.
  bool mirror_ports = true;
};

// Seconds. build: the host image (0.x when cached); boot: qemu start to the init's first console
// marker; engine_ready: qemu start to the first successful engine connection (its version answered).
struct VmTimings {
  double build = 0, boot = 0, engine_ready = 0;
};

class VmHost {
 public:
  // The guest's engine is reached only through `engines` (the composition root's connector): the
  // readiness wait and the port mirror's listing both connect through it.
  static Result<std::unique_ptr<VmHost>> up(const VmHostOptions& o, CommandRunner& runner, EngineConnector& engines);
  ~VmHost();  // powers off and removes the run dir unless detach()
  VmHost(const VmHost&) = delete;
  VmHost& operator=(const VmHost&) = delete;

  const std::string& endpoint() const { return state_.endpoint; }
  const VmTimings& timings() const { return timings_; }
  const std::string& accel() const { return state_.accel; }
  const std::string& kernel_release() const { return kernel_release_; }
  const std::string& arch() const { return machine_.arch; }
  const VmState& state() const { return state_; }
  std::string console_tail(size_t lines = 40) const;
  std::filesystem::path console_log() const { return state_.run_dir / "console.log"; }
  bool alive() const;  // the qemu process is still running
  void detach();  // leave it running (for `rigctl host up`)
  Status down();

 private:
  VmHost() = default;
  Result<std::string> boot_with(const std::string& accel, double timeout_s, CommandRunner& runner);
  Status wait_engine(double timeout_s, EngineConnector& engines);
  void say(const std::string& m) const {
    if (opts_.progress) opts_.progress(m);
  }

  VmHostOptions opts_;
  VmState state_;
  VmTimings timings_;
  QemuMachine machine_;
  std::filesystem::path kernel_, initrd_, disk_;
  std::string init_, kernel_release_;
  std::vector<std::string> cmdline_;
  std::map<std::string, std::string> sysctls_;
  std::unique_ptr<PortMirror> mirror_;
  double started_ = 0;  // steady clock seconds when qemu started
  bool detached_ = false, stopped_ = false;
};

// A 127.0.0.1 port nothing listens on right now.
Result<uint16_t> free_loopback_port();

// The last `lines` lines of a console log, carriage returns dropped.
std::string tail_lines(const std::string& text, size_t lines);

}  // namespace rig
