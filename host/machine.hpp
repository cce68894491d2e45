// The one model of the machine rigctl runs on: what the kernel, /proc and /sys say, probed once.
// `doctor` judges it (host/doctor.hpp); `launch` reads its AppArmor and CPU facts, the matrix records it
// in every result (host/host_facts.hpp), the builder asks it whether a foreign architecture can run,
// bench and the VM hosts ask it for tools on PATH. Every file is read under a root prefix so unit tests
// probe a fake tree.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rig {

// One qemu-user binfmt_misc handler, as the kernel shows it.
struct BinfmtHandler {
  bool mounted = false;           // /proc/sys/fs/binfmt_misc is mounted (its register file exists)
  bool subsystem_enabled = true;  // its status file says "enabled" (or is absent)
  bool present = false;           // qemu-<arch> is registered
  bool enabled = false;           // ... and enabled
  std::string flags;              // its flags, e.g. "OCF"
};

struct MachineFacts {
  std::string kernel;              // uname release
  std::string arch;                // Debian name
  int cpus = 1;
  bool apparmor = false;           // the kernel has AppArmor enabled
  bool fuse_device = false;        // /dev/fuse exists
  std::string userns_restricted;   // kernel.apparmor_restrict_unprivileged_userns: "0", "1" or "absent"
  std::map<std::string, BinfmtHandler> binfmt;  // each foreign arch rigctl builds (amd64, arm64) -> its handler
};

// The architectures rigctl's recipes build, less the machine's own.
std::vector<std::string> foreign_arches(const std::string& machine_arch);

// Reads the machine under `root` ("" = the real one). Kernel, arch and CPU count come from uname and
// the scheduler, not from the tree.
MachineFacts probe_machine(const std::string& root = "");

// The handler for `arch` under `binfmt_dir` (normally /proc/sys/fs/binfmt_misc).
BinfmtHandler read_binfmt(const std::string& arch, const std::filesystem::path& binfmt_dir);

// The one judgement of a handler, shared by doctor, the builder and the matrix: "" when `arch`
// binaries run, else why not. The F (fix-binary) flag is required: without it the kernel looks the
// interpreter up inside each chroot and container rootfs, where it is absent, so an image could be
// bootstrapped by a helper on the host and still not run in a rig.
std::string binfmt_problem(const std::string& arch, const BinfmtHandler& h);
// The command that fixes what binfmt_problem reported ("" when nothing is wrong).
std::string binfmt_fix(const std::string& arch, const BinfmtHandler& h);

// The executable `tool` on $PATH (or the default system path when PATH is unset), if any.
std::optional<std::filesystem::path> which_on_path(const std::string& tool);

}  // namespace rig
