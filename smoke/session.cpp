#include "smoke/session.hpp"

#include <algorithm>

#include "builder/incus_image.hpp"
#include "core/arch.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/text.hpp"
#include "host/machine.hpp"
#include "smoke/incus_rig.hpp"
#include "smoke/lxc_rig.hpp"

namespace rig {

std::string new_run_id() {
  std::string id = random_token(8);
  // Best effort here (callers that label containers check it: open_session registers again).
  (void)register_run(id);
  return id;
}

namespace {

// The rig's host ports, reserved for its life: exactly where asked (--port-base, or the recipe's own
// ports), or the first free window at or above port_search_from.
Result<std::vector<std::shared_ptr<PortWindow>>> reserve_rig_ports(const Recipe& r, const SessionOptions& o) {
  std::vector<std::shared_ptr<PortWindow>> out;
  if (!r.launch || r.launch->ports.empty()) return out;
  uint32_t span = 0;
  for (auto& p : r.launch->ports) span = std::max(span, o.first_port_only ? 1u : p.count);
  if (o.port_search_from) {
    RIG_TRY(auto w, reserve_port_window(o.port_search_from, span));
    out.push_back(std::move(w));
  } else if (o.port_base) {
    RIG_TRY(auto w, reserve_ports_at(o.port_base, span));
    out.push_back(std::move(w));
  } else {
    for (auto& p : r.launch->ports) {
      RIG_TRY(auto w, reserve_ports_at(p.host_port, o.first_port_only ? 1u : p.count));
      out.push_back(std::move(w));
    }
  }
  return out;
}

// The LXC rig's idmap for the recipe (root's range in /etc/subuid and /etc/subgid), and seed 002's
// rule for the recipe's subordinate ranges against it.
Result<LxcIdmap> lxc_idmap_sized(const Recipe& r) {
  auto subuid = read_file("/etc/subuid"), subgid = read_file("/etc/subgid");
  RIG_TRY(auto idmap, lxc_idmap_for(r, subuid ? *subuid : "", subgid ? *subgid : ""));
  RIG_CHECK(check_lxc_subordinate_ranges(r, idmap.size));
  return idmap;
}

}  // namespace

HostFeatures host_features(const EngineVersion& v) {
  HostFeatures h;
  // Incus is reached on a local socket only, and LXC runs here: their host is this machine.
  h.apparmor = v.runtime == "incus" || v.runtime == "lxc" ? probe_machine().apparmor : v.apparmor;
  h.cpus = v.cpus > 0 ? v.cpus : probe_machine().cpus;
  h.cgroup_version = v.cgroup_version;
  // --security-opt writable-cgroups came with Docker 28 (API 1.48); podman's service has no such option.
  h.writable_cgroups = !v.podman && !v.api_version.empty() && !version_less(v.api_version, "1.48");
  return h;
}

Result<Provisioned> provision_session_images(const SessionOptions& o, const Recipe& recipe, const EngineConnection& conn,
                                             const Borders& b, const BuildEvents& ev) {
  // The images are for the engine's architecture unless asked otherwise: an emulated arm64 host
  // (`rigctl host`) needs arm64 images, built here under qemu-user and loaded through its API.
  ProvisionRequest pr{o.web_recipe, o.base_recipe, o.arch.empty() ? debian_arch_of(conn.version.arch) : o.arch, o.mirror};
  pr.pulled_ref = o.pulled_ref;
  pr.pulled_id = o.pulled_id;
  // Incus takes its own image format, imported from the same layers; an engine loads a docker-archive.
  std::unique_ptr<OuterImageStore> store;
  if (conn.incus) store = std::make_unique<IncusImageStore>(*conn.incus);
  else if (!conn.lxc_path.empty()) {
    RIG_TRY(auto idmap, lxc_idmap_sized(recipe));
    store = std::make_unique<LxcImageStore>(conn.lxc_path, idmap.base);
  }
  else store = std::make_unique<EngineImageStore>(*conn.engine);
  return b.images.provision(*store, recipe, pr, ev);
}

Result<std::unique_ptr<Session>> open_session(const SessionOptions& o, const Borders& b, const BuildEvents& ev) {
  auto s = std::make_unique<Session>();
  if (o.recipe_object) {
    s->recipe = *o.recipe_object;
  } else {
    RIG_TRY(s->recipe, load_recipe(o.recipe));
  }
  if (!s->recipe.launch) return usage_error("recipe '" + o.recipe.string() + "' has no \"launch\" profile");
  // Engine first: without one nothing else is worth doing.
  RIG_TRY(s->conn, b.engines.connect(o.engine));
  // LXC: the idmap comes from root's subordinate range and must hold the rig user's own ranges
  // (seed 002's rule), checked before anything is built or made.
  LxcIdmap lxc_idmap;
  if (!s->conn.lxc_path.empty()) {
    RIG_TRY(lxc_idmap, lxc_idmap_sized(s->recipe));
    RIG_TRY(auto v, b.runner.run(Command{{"lxc-start", "--version"}, {}, {}, {}}));
    if (v.status == 0) s->conn.version.version = trim(v.out);
  }
  s->run_id = new_run_id();
  RIG_CHECK(register_run(s->run_id).context("register run " + s->run_id));
  s->name = o.name.empty() ? "rigctl-" + s->recipe.name + "-" + s->run_id : o.name;

  if (o.images) {
    s->images = *o.images;
  } else {
    RIG_TRY(s->images, provision_session_images(o, s->recipe, s->conn, b, ev));
  }

  LaunchSettings ls;
  ls.image = s->images.outer_ref;
  ls.name = s->name;
  ls.run_id = s->run_id;
  ls.engine_kind = s->conn.version.kind();
  ls.without = o.without;
  ls.seccomp_profile = s->images.seccomp_profile;
  ls.seccomp_profile_path = s->images.seccomp_profile_path;
  RIG_TRY(s->ports, reserve_rig_ports(s->recipe, o).context("launch rig '" + s->name + "'"));
  ls.port_base = s->ports.size() == 1 && (o.port_search_from || o.port_base) ? s->ports.front()->base() : 0;
  ls.host = host_features(s->conn.version);
  ls.extra_env = o.extra_env;
  ls.drop_volumes = o.drop_volumes;
  ls.no_init = o.no_init;
  ls.no_cgroup_delegation = o.no_cgroup_delegation;
  ls.drop_capabilities = o.drop_capabilities;
  ls.first_port_only = o.first_port_only;
  ls.inner_storage = o.inner_storage;
  ls.apparmor = o.apparmor;
  RIG_TRY(s->spec, make_launch_spec(s->recipe, ls));
  if (ev.phase) ev.phase("launch rig " + s->name);
  if (s->conn.incus) {
    RIG_TRY(auto pool, incus_pool(*s->conn.incus));
    RIG_TRY(s->rig, IncusRig::launch(*s->conn.incus, s->spec, s->name, IncusPlacement{pool, image_process(s->images.outer_config)}));
  } else if (!s->conn.lxc_path.empty()) {
    LxcPlacement p;
    p.idmap = lxc_idmap;
    p.process = image_process(s->images.outer_config);
    p.arch = incus_arch_of(s->images.arch);
    p.cgroup_version = s->conn.version.cgroup_version;
    p.apparmor = ls.host.apparmor;
    RIG_TRY(s->rig, LxcRig::launch(b.runner, s->spec, s->name, s->conn.lxc_path, s->images.outer_ref, std::move(p)));
  } else {
    RIG_TRY(s->rig, Rig::launch(*s->conn.engine, s->spec, s->name));
  }
  return s;
}

}  // namespace rig
