// The Incus outer runtime behind the rig-runtime seam (smoke/rig_control.hpp): the LaunchSpec
// rendered to an Incus instance (incus_instance_body, pure), the rig that creates and removes it with
// its custom volumes (IncusRig), the chain's view of it (IncusRigControl), the outer image imported
// from rigctl's own layers (IncusImageStore) and gc by rigctl's user.* keys.
//
// How Docker's launch semantics map (each choice also in README "Incus and LXC"):
// - unprivileged always (security.privileged "false", written out), no added capability: the kept
//   capabilities become the instance's bounding set through raw.lxc lxc.cap.drop of all others;
// - the image's Entrypoint+Cmd run as its User through lxc.init.cmd/uid/gid (an OCI image has no
//   /sbin/init); the init flag puts the image's catatonit in front, as Docker's --init puts tini;
// - podman needs /dev/shm (Docker gives every container one): a tmpfs mount entry;
// - the instance has no NIC (no bridge, no address): loopback is brought up by rigctl from the host
//   after every start, and each published port is a proxy device from 127.0.0.1 on the host to
//   127.0.0.1 in the instance;
// - named volumes are custom volumes of the pool, created owned by the rig user (initial.uid/gid),
//   as Docker initialises a named volume from the image's mountpoint;
// - labels are user.<label> config keys (Incus keeps user.* for its users).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "builder/oci.hpp"
#include "engine/incus_client.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/provision.hpp"
#include "smoke/rig_control.hpp"

namespace rig {

// What the image says its process is (the OCI config's "config" object), read once at provisioning.
struct ImageProcess {
  std::vector<std::string> entrypoint, cmd, env;
  uint32_t uid = 0, gid = 0;
  std::string workdir;
};
ImageProcess image_process(const json& oci_config);

struct IncusPlacement {
  std::string pool;  // the storage pool for the root disk and the volumes
  ImageProcess process;
};

// The Incus key for a rigctl label: user.io.rigctl.run.
std::string incus_label_key(const std::string& label);
// The lxc.init.cmd value for argv (LXC splits it on blanks; arguments with blanks are quoted).
std::string lxc_init_cmd(const std::vector<std::string>& argv);

// --name as an Incus instance name (host-name rules, at most 63): Usage with --name as context.
Status check_incus_instance_name(const std::string& name);

// The image's process as raw.lxc can carry it: one line per value, LXC's quoting (usage error otherwise).
// IncusRig::launch checks it before anything is made.
Status check_incus_process(const ImageProcess& p);

// POST /1.0/instances body. Pure: unit-tested for the flag set (never privileged).
json incus_instance_body(const LaunchSpec& spec, const std::string& name, const IncusPlacement& p);

class IncusRigControl : public RigControl {
 public:
  IncusRigControl(IncusClient& incus, std::string name, ImageProcess process)
      : incus_(incus), name_(std::move(name)), process_(std::move(process)) {}
  Result<ExecResult> exec(const ExecRequest& req) override;
  Status put_files(const std::string& dir, const std::string& tar) override;
  Status restart(int timeout_s, long wait_ms) override;
  Result<std::optional<RigState>> state() override;
  // Every start: the instance's loopback brought up from the host (it has no NIC, and root in it has
  // no CAP_NET_ADMIN left).
  Status after_start();

 private:
  IncusClient& incus_;
  std::string name_;
  ImageProcess process_;
};

class IncusRig : public RunningRig {
 public:
  static Result<std::unique_ptr<IncusRig>> launch(IncusClient& incus, const LaunchSpec& spec, const std::string& name,
                                                  const IncusPlacement& p);
  ~IncusRig() override;
  RigControl& control() override { return *control_; }
  const std::string& name() const override { return name_; }
  const std::string& id() const override { return name_; }
  void keep() override { keep_ = true; }
  Status remove() override;
  Error unwind(Error e) override;
  std::string leftover_hint(const Error& removal) const override;

 private:
  IncusRig(IncusClient& incus, std::string name, std::string pool) : incus_(incus), name_(std::move(name)), pool_(std::move(pool)) {}
  IncusClient& incus_;
  std::string name_, pool_, run_id_;
  std::unique_ptr<IncusRigControl> control_;
  bool create_sent_ = false;
  std::vector<std::string> volumes_;
  bool keep_ = false, removed_ = false;
};

// The pool rigs use: "rigctl" (made by ci/host-setup.sh) when it exists, else "default".
Result<std::string> incus_pool(IncusClient& incus);

// Imports the outer image unless an image with its alias exists; the alias carries the config
// digest, so a changed image is a new alias. Returns the alias (the LaunchSpec's image).
class IncusImageStore final : public OuterImageStore {
 public:
  explicit IncusImageStore(IncusClient& incus) : incus_(incus) {}
  Result<StoredImage> ensure(const OciImage& img, const std::string& tag) override;

 private:
  IncusClient& incus_;
};

// Removes every instance, custom volume and image rigctl made (by its user.* keys and image
// properties), except what the live runs own.
struct IncusGcReport {
  std::vector<std::string> instances, volumes, images, live_runs;
};
Result<IncusGcReport> collect_incus_garbage(IncusClient& incus, const std::string& run_id,
                                            const std::function<std::set<std::string>()>& live_runs);

}  // namespace rig
