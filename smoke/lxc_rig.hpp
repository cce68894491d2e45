// The LXC outer runtime behind the rig-runtime seam (smoke/rig_control.hpp), driven through the LXC
// tools (engine/lxc_runtime.hpp says why not liblxc): the LaunchSpec rendered to an LXC config
// (lxc_config_text, pure), the rig that makes and removes the container, its volumes and its port
// forwarders (LxcRig), the chain's view of it (LxcRigControl), the rootfs written from rigctl's own
// layers (LxcImageStore) and the idmap rule for the recipe's subordinate ranges.
//
// Layout under the lxcpath (default /var/lib/rigctl/lxc, mode 0711):
//   .images/<config digest 12>-<idmap base>/rootfs   the image written once, owners shifted (0700)
//   <name>/config, rootfs/ (a cp -a --reflink=auto copy), volumes/<volume>/, resolv.conf, fwd-conn,
//   lxc.log, rigctl.json (the io.rigctl.* labels, for gc)
//
// How Docker's launch semantics map (measured in the spike, /tmp/lxc-notes.md):
// - unprivileged always: lxc.idmap u/g 0 <base> <size> from root's range in /etc/subuid, size covering
//   the image user's subordinate ranges (check_lxc_subordinate_ranges); no lxc.cap.keep, never an
//   added capability; the kept capabilities become the bounding set through lxc.cap.drop of all others;
// - common.conf's seccomp policy and device list; tun/fuse bind-mounted with their devices.allow;
// - the image's Entrypoint+Cmd as lxc.init.cmd/uid/gid/cwd (an OCI image has no /sbin/init), the
//   image's catatonit in front for the init flag; SIGTERM as the halt signal (as Docker stops);
// - /dev/shm a tmpfs (podman's shm lock manager), an unobstructed proc at dev/.lxc/proc (LXC's
//   nesting mount: without it crun's proc mount is refused, mount_too_revealing), the rig's own cgroup2
//   at sys/fs/cgroup (crun wants it; on a v1-hybrid host LXC mounts nothing there under a cgroupns);
// - no NIC: lxc.net.0.type empty with flags up (loopback up); each published port is a socat on the
//   host's 127.0.0.1 that enters the rig's network namespace per connection (nsenter), so it
//   survives restarts (the init PID is looked up per connection);
// - named volumes are host directories bind-mounted, owned and moded as the image's mountpoint
//   (Docker initialises a named volume from the image);
// - labels are the sidecar <name>/rigctl.json.
#pragma once

#include <map>
#include <functional>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "builder/oci.hpp"
#include "builder/recipe.hpp"
#include "core/subprocess.hpp"
#include "smoke/incus_rig.hpp"  // ImageProcess, image_process, lxc_init_cmd
#include "smoke/launch_spec.hpp"
#include "smoke/provision.hpp"
#include "smoke/rig_control.hpp"

namespace rig {

// The rig's user namespace: container ids [0, size) are host ids [base, base + size).
struct LxcIdmap {
  uint32_t base = 0;
  uint32_t size = 0;
};

// --name as an LXC container name (a directory under the lxcpath and the rig's host name): Usage with
// --name as context.
Status check_lxc_name(const std::string& name);

// The ids the container must map: at least 65536 (nobody, and what distributions expect), and every
// subordinate range the recipe's user has (start + count), and the user's own uid/gid.
uint64_t lxc_idmap_size_needed(const Recipe& r);
// Seed 002's rule: the rig user's subordinate ranges (user.subuid, user.subgid) must lie inside the
// container's idmap ([0, idmap_size)) and must not contain the user's own uid (gid). Usage error
// naming the recipe file, the field and the rule otherwise. Pure.
Status check_lxc_subordinate_ranges(const Recipe& r, uint64_t idmap_size);
// Root's first range in an /etc/subuid or /etc/subgid text ("root:" or "0:" lines). Pure.
std::optional<IdRange> root_subordinate_range(const std::string& text);
// The idmap for a recipe: root's ranges from /etc/subuid and /etc/subgid (same start in both),
// sized by lxc_idmap_size_needed. Unavailable when root has no such range or it is too small.
Result<LxcIdmap> lxc_idmap_for(const Recipe& r, const std::string& subuid_text, const std::string& subgid_text);

struct LxcPlacement {
  std::string lxc_path;
  std::string name;
  std::string rootfs;  // the container's rootfs directory
  LxcIdmap idmap;
  ImageProcess process;
  std::string arch;            // lxc.arch (x86_64, aarch64, ...)
  std::string cgroup_version;  // "2": cgroup2 keys for limits and devices; else the v1 keys
  bool apparmor = false;       // the host kernel has AppArmor: LXC's generated profile with nesting
  std::map<std::string, std::string> volume_dirs;   // spec volume name -> host directory
  std::map<std::string, std::string> device_rules;  // device path -> "c 10:200"
  std::string resolv_conf;     // host file bind-mounted at /etc/resolv.conf ("" = none)
  std::string log_file;
};

// The container's LXC config. Pure: unit-tested for the flag set (never privileged, no cap.keep).
// Usage error for a value LXC's line format cannot carry (a newline, or blanks in a mount path).
Result<std::string> lxc_config_text(const LaunchSpec& spec, const LxcPlacement& p);

// The sidecar with the rig's labels (rigctl.json) and reading it back.
std::string lxc_labels_json(const std::map<std::string, std::string>& labels);
std::map<std::string, std::string> lxc_labels_of(const std::string& lxc_path, const std::string& name);

// The argv of `lxc-attach` running cmd as uid:gid with exactly env, in workdir ("" = LXC's choice).
std::vector<std::string> lxc_attach_argv(const std::string& lxc_path, const std::string& name, uint32_t uid, uint32_t gid,
                                         const std::vector<std::pair<std::string, std::string>>& env, const std::string& workdir,
                                         const std::vector<std::string>& cmd);

class LxcRigControl : public RigControl {
 public:
  LxcRigControl(CommandRunner& runner, std::string lxc_path, std::string name, ImageProcess process,
                std::map<std::string, std::string> env)
      : runner_(runner), path_(std::move(lxc_path)), name_(std::move(name)), process_(std::move(process)), env_(std::move(env)) {}
  Result<ExecResult> exec(const ExecRequest& req) override;
  Status put_files(const std::string& dir, const std::string& tar) override;
  Status restart(int timeout_s, long wait_ms) override;
  Result<std::optional<RigState>> state() override;
  // lxc-start; on failure the error quotes the container's log.
  Status start();
  // lxc-stop (SIGTERM to PID 1, then SIGKILL after timeout_s; kill = at once). Stopped already is fine.
  Status stop(int timeout_s, bool kill);

 private:
  std::pair<uint32_t, uint32_t> user_ids(const std::string& user) const;
  std::string log_tail() const;
  CommandRunner& runner_;
  std::string path_, name_;
  ImageProcess process_;
  std::map<std::string, std::string> env_;  // the container's environment (image env, then the spec's)
};

class LxcRig : public RunningRig {
 public:
  // `image_rootfs` is the written image (LxcImageStore's ref); it is copied for this container.
  static Result<std::unique_ptr<LxcRig>> launch(CommandRunner& runner, const LaunchSpec& spec, const std::string& name,
                                                const std::string& lxc_path, const std::string& image_rootfs, LxcPlacement p);
  ~LxcRig() override;
  RigControl& control() override { return *control_; }
  const std::string& name() const override { return name_; }
  const std::string& id() const override { return name_; }
  void keep() override { keep_ = true; }
  Status remove() override;
  Error unwind(Error e) override;
  std::string leftover_hint(const Error& removal) const override;

 private:
  LxcRig(CommandRunner& runner, std::string name, std::string path) : runner_(runner), name_(std::move(name)), path_(std::move(path)) {}
  Status start_forwarders(const LaunchSpec& spec);
  CommandRunner& runner_;
  std::string name_, path_, run_id_;
  std::unique_ptr<LxcRigControl> control_;
  bool made_dir_ = false;
  bool keep_ = false, removed_ = false;
};

// Writes the outer image's rootfs once per config digest and idmap base under
// <lxcpath>/.images/ (written into a scratch directory, then renamed into place, so a half-written
// rootfs is never used). The ref is the rootfs directory.
class LxcImageStore final : public OuterImageStore {
 public:
  LxcImageStore(std::string lxc_path, uint32_t base) : path_(std::move(lxc_path)), base_(base) {}
  Result<StoredImage> ensure(const OciImage& img, const std::string& tag) override;

 private:
  std::string path_;
  uint32_t base_;
};

}  // namespace rig

namespace rig {

// Removes every LXC container under lxc_path whose sidecar says rigctl made it (optionally only one
// run's), except the live runs' (read after the listing, as collect_garbage does); a full gc with no
// live run also removes the written image rootfs cache (<lxc_path>/.images) and killed runs' scratch.
// Ends a rig's port forwarders (the process group recorded in its directory), if they still run.
void stop_lxc_forwarders(const std::filesystem::path& rig_dir);

struct LxcGcReport {
  std::vector<std::string> containers, images, live_runs;
};
Result<LxcGcReport> collect_lxc_garbage(CommandRunner& runner, const std::string& lxc_path, const std::string& run_id,
                                        const std::function<std::set<std::string>()>& live_runs);

}  // namespace rig
