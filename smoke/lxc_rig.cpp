#include "smoke/lxc_rig.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "builder/incus_image.hpp"  // incus_arch_of: LXC's architecture names are the kernel's, as Incus's are
#include "builder/rootfs_writer.hpp"
#include "core/catalog.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "core/ports.hpp"
#include "core/text.hpp"
#include "security/capability.hpp"

namespace rig {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMinIdmap = 65536;
constexpr const char* kSidecar = "rigctl.json";
// The process group of the rig's port forwarders (stop_lxc_forwarders).
constexpr const char* kForwarderGroup = "forwarders.pgid";

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A value on an LXC config line: one line, and for mount paths no blanks (fstab fields).
Status line_value(const std::string& what, const std::string& v, bool no_blanks = false) {
  bool bad = v.find_first_of("\n\r") != std::string::npos || (no_blanks && (v.empty() || v.find_first_of(" \t") != std::string::npos));
  if (bad) return usage_error(what + " " + show_value(v) + " cannot be written into an LXC config line");
  return ok();
}

std::string relative(const std::string& target) {
  std::string t = target;
  while (!t.empty() && t.front() == '/') t.erase(t.begin());
  return t;
}


Status make_dir(const fs::path& p, fs::perms mode) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) return unavailable("create '" + p.string() + "': " + ec.message());
  fs::permissions(p, mode, fs::perm_options::replace, ec);
  if (ec) return unavailable("chmod '" + p.string() + "': " + ec.message());
  return ok();
}

Status chown_path(const fs::path& p, uint32_t uid, uint32_t gid) {
  if (::lchown(p.c_str(), uid, gid) != 0) return unavailable("chown '" + p.string() + "': " + std::strerror(errno));
  return ok();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

std::vector<std::string> split_lines(const std::string& s) {
  auto lines = split(s, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string tail_file(const fs::path& p, size_t lines) {
  auto text = read_file(p);
  if (!text) return "";
  return trim(tail(*text, lines));
}

}  // namespace

// LXC names are directory names under the lxcpath and the rig's host name.
Status check_lxc_name(const std::string& name) {
  bool okay = !name.empty() && name.size() <= 63 && std::isalnum(static_cast<unsigned char>(name[0])) &&
              std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; });
  if (!okay)
    return usage_error(show_value(name) + " is not a name rigctl gives an LXC container (expected 1 to 63 letters, digits, '-', '_' " +
                       "or '.', starting with a letter or digit)")
        .add_context("--name");
  return ok();
}

// ---- idmap ----

uint64_t lxc_idmap_size_needed(const Recipe& r) {
  uint64_t need = kMinIdmap;
  if (r.user) {
    need = std::max({need, r.user->subuid.start + r.user->subuid.count, r.user->subgid.start + r.user->subgid.count,
                     uint64_t{r.user->uid} + 1, uint64_t{r.user->gid} + 1});
  }
  return need;
}

Status check_lxc_subordinate_ranges(const Recipe& r, uint64_t idmap_size) {
  if (!r.user) return ok();
  const User& u = *r.user;
  auto check = [&](const char* field, const IdRange& range, uint32_t own, const char* own_name) -> Status {
    if (range.count == 0) return ok();
    std::string where = "recipe '" + r.file.string() + "', " + field;
    std::string shown = std::to_string(range.start) + ":" + std::to_string(range.count);
    if (range.start + range.count > idmap_size)
      return usage_error(where + " " + shown + " ends at " + std::to_string(range.start + range.count) +
                             ", beyond the LXC rig's idmap of " + std::to_string(idmap_size) + " ids",
                         "the rule: every subordinate range of the rig user must lie inside the container's idmap " +
                             std::string("(start + count <= idmap size); newuidmap fails with EPERM otherwise"));
    if (own >= range.start && own < range.start + range.count)
      return usage_error(where + " " + shown + " contains the user's own " + own_name + " " + std::to_string(own),
                         "the rule: a subordinate range must not include the rig user's own id (podman refuses the "
                         "mapping, newuidmap fails with EINVAL); start it above the user's id, e.g. " +
                             std::to_string(own + 1) + ":" + std::to_string(range.count > own + 1 ? range.count - own - 1 : range.count));
    return ok();
  };
  RIG_CHECK(check("user.subuid", u.subuid, u.uid, "uid"));
  RIG_CHECK(check("user.subgid", u.subgid, u.gid, "gid"));
  return ok();
}

std::optional<IdRange> root_subordinate_range(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    auto c1 = line.find(':');
    if (c1 == std::string::npos) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    std::string who = line.substr(0, c1), start = line.substr(c1 + 1, c2 - c1 - 1), count = line.substr(c2 + 1);
    if (who != "root" && who != "0") continue;
    auto num = [](const std::string& s) -> std::optional<uint64_t> {
      if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) return std::nullopt;
      return std::stoull(s);
    };
    auto s = num(start), n = num(count);
    if (s && n && *n > 0) return IdRange{*s, *n};
  }
  return std::nullopt;
}

Result<LxcIdmap> lxc_idmap_for(const Recipe& r, const std::string& subuid_text, const std::string& subgid_text) {
  auto u = root_subordinate_range(subuid_text), g = root_subordinate_range(subgid_text);
  const std::string hint = "give root a range, e.g. `usermod --add-subuids 1000000-1999999 --add-subgids 1000000-1999999 root`";
  if (!u || !g) return unavailable("root has no subordinate id range in /etc/subuid and /etc/subgid (LXC maps the rig's ids there)", hint);
  if (u->start != g->start)
    return unavailable("root's ranges in /etc/subuid (" + std::to_string(u->start) + ") and /etc/subgid (" + std::to_string(g->start) +
                       ") start apart; rigctl maps uids and gids alike");
  uint64_t need = lxc_idmap_size_needed(r);
  if (u->count < need || g->count < need) {
    uint64_t have = std::min(u->count, g->count);
    // Seed 002's rule: the recipe does not fit the map this host can give. With at least 65536 ids a
    // recipe whose ranges lie inside them does (recipes/debian-trixie-65536.json).
    if (have >= kMinIdmap)
      return usage_error("recipe '" + r.file.string() + "' does not fit this LXC host: its rig user's subordinate ranges (user.subuid, " +
                             "user.subgid) need an idmap of " + std::to_string(need) + " ids, and root's range in /etc/subuid " +
                             "and /etc/subgid has " + std::to_string(have),
                         "the rule: every subordinate range must lie inside the container's map and skip the user's own id; "
                         "use a recipe whose ranges fit (debian-trixie-65536: 1001:64535), or " + hint.substr(hint.find("give")));
    return unavailable("root's subordinate range in /etc/subuid or /etc/subgid has " + std::to_string(have) +
                           " ids; an LXC rig needs at least " + std::to_string(need),
                       hint);
  }
  if (u->start + need > 0xFFFFFFFFull) return unavailable("root's subordinate range in /etc/subuid is beyond 32-bit ids");
  return LxcIdmap{static_cast<uint32_t>(u->start), static_cast<uint32_t>(need)};
}

// ---- config ----

Result<std::string> lxc_config_text(const LaunchSpec& spec, const LxcPlacement& p) {
  RIG_CHECK(line_value("rootfs", p.rootfs, true));
  RIG_CHECK(line_value("log file", p.log_file, true));
  std::string c;
  auto line = [&](const std::string& key, const std::string& value) { c += key + " = " + value + "\n"; };
  auto note = [&](const std::string& text) { c += "# " + text + "\n"; };
  note("rigctl rig " + p.name + " (generated by rigctl; its labels are in " + kSidecar + ")");
  line("lxc.uts.name", p.name);
  line("lxc.rootfs.path", "dir:" + p.rootfs);
  line("lxc.include", "/usr/share/lxc/config/common.conf");
  note("/proc read-write, as Incus mounts it for an unprivileged container and Docker with systempaths=unconfined:");
  note("common.conf's proc:mixed makes /proc/sys read-only, and netavark (the Docker API's bridge network) fails");
  note("\"Sysctl error: Read-only file system\"; the kernel lets the rig write only sysctls of namespaces it owns");
  line("lxc.mount.auto", "");
  line("lxc.mount.auto", "proc:rw sys:mixed cgroup:mixed");
  if (!p.arch.empty()) line("lxc.arch", p.arch);
  note("unprivileged: container ids 0.." + std::to_string(p.idmap.size - 1) + " are host ids " + std::to_string(p.idmap.base) +
       ".. (covers the rig user's subordinate ranges); no lxc.cap.keep, no capability added");
  line("lxc.idmap", "u 0 " + std::to_string(p.idmap.base) + " " + std::to_string(p.idmap.size));
  line("lxc.idmap", "g 0 " + std::to_string(p.idmap.base) + " " + std::to_string(p.idmap.size));
  note("a network namespace with loopback only, brought up (type empty alone leaves lo down)");
  line("lxc.net.0.type", "empty");
  line("lxc.net.0.flags", "up");
  if (p.apparmor) {
    line("lxc.apparmor.profile", "generated");
    line("lxc.apparmor.allow_nesting", "1");
  } else {
    note("the host kernel has no AppArmor");
    line("lxc.apparmor.profile", "unconfined");
  }
  note("nesting: an unobstructed proc and sysfs for the inner runtime's proc and sysfs mounts (mount_too_revealing:");
  note("runc in the Docker rig mounts a fresh sysfs, refused while the only sysfs is sys:mixed's); /dev/shm for podman's");
  note("locks; the rig's own cgroup2 at /sys/fs/cgroup (LXC mounts nothing there under a cgroup namespace on a v1-hybrid host)");
  line("lxc.mount.entry", "proc dev/.lxc/proc proc create=dir,optional 0 0");
  line("lxc.mount.entry", "sys dev/.lxc/sys sysfs create=dir,optional 0 0");
  line("lxc.mount.entry", "tmpfs dev/shm tmpfs rw,nosuid,nodev,create=dir,mode=1777 0 0");
  line("lxc.mount.entry", "cgroup2 sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,create=dir 0 0");
  const std::string cg = p.cgroup_version == "2" ? "lxc.cgroup2." : "lxc.cgroup.";
  for (auto& d : spec.devices) {
    RIG_CHECK(line_value("device", d, true));
    auto rule = p.device_rules.find(d);
    if (rule == p.device_rules.end()) return internal_error("lxc config: no device number for " + d);
    line(cg + "devices.allow", rule->second + " rwm");
    line("lxc.mount.entry", d + " " + relative(d) + " none bind,create=file 0 0");
  }
  for (auto& [vol, target] : spec.volumes) {
    auto dir = p.volume_dirs.find(vol);
    if (dir == p.volume_dirs.end()) return internal_error("lxc config: no directory for volume " + vol);
    RIG_CHECK(line_value("volume directory", dir->second, true));
    RIG_CHECK(line_value("volume target", target, true));
    line("lxc.mount.entry", dir->second + " " + relative(target) + " none bind,create=dir 0 0");
  }
  if (!p.resolv_conf.empty()) {
    RIG_CHECK(line_value("resolv.conf", p.resolv_conf, true));
    line("lxc.mount.entry", p.resolv_conf + " etc/resolv.conf none bind,ro,create=file 0 0");
  }
  if (spec.bounding_set) {
    std::vector<std::string> drop = capabilities_outside(*spec.bounding_set);
    note("the bounding set: the launch profile's kept capabilities, every other one dropped");
    if (!drop.empty()) line("lxc.cap.drop", join(drop, " "));
  }
  if (spec.memory_bytes) line(cg + (p.cgroup_version == "2" ? "memory.max" : "memory.limit_in_bytes"), std::to_string(spec.memory_bytes));
  if (spec.nano_cpus) {
    // A hard quota, as Docker's NanoCpus is: N µs of CPU per 100 ms.
    std::string quota = std::to_string(std::max<int64_t>(1000, spec.nano_cpus / 10000));
    if (p.cgroup_version == "2") {
      line(cg + "cpu.max", quota + " 100000");
    } else {
      line(cg + "cpu.cfs_period_us", "100000");
      line(cg + "cpu.cfs_quota_us", quota);
    }
  }
  if (spec.pids_limit) line(cg + "pids.max", std::to_string(spec.pids_limit));

  std::vector<std::string> argv;
  if (spec.init) argv = {"/usr/bin/catatonit", "--"};
  argv.insert(argv.end(), p.process.entrypoint.begin(), p.process.entrypoint.end());
  argv.insert(argv.end(), p.process.cmd.begin(), p.process.cmd.end());
  if (argv.empty()) return usage_error("the image has no Entrypoint or Cmd for the LXC rig's init");
  for (auto& a : argv) RIG_CHECK(line_value("init argument", a));
  note("PID 1: the image's Entrypoint+Cmd as its User in its WorkingDir" + std::string(spec.init ? ", under catatonit (reaps, forwards signals)" : ""));
  line("lxc.init.cmd", lxc_init_cmd(argv));
  line("lxc.init.uid", std::to_string(p.process.uid));
  line("lxc.init.gid", std::to_string(p.process.gid));
  if (!p.process.workdir.empty()) {
    RIG_CHECK(line_value("working directory", p.process.workdir));
    line("lxc.init.cwd", p.process.workdir);
  }
  std::map<std::string, std::string> env;
  for (auto& e : p.process.env)
    if (auto eq = e.find('='); eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
  for (auto& [k, v] : spec.env) env[k] = v;
  for (auto& [k, v] : env) {
    RIG_CHECK(line_value("environment value of " + k, v));
    line("lxc.environment", k + "=" + v);
  }
  note("Docker stops with SIGTERM; LXC's default halt signal is SIGPWR");
  line("lxc.signal.halt", "SIGTERM");
  if (!p.log_file.empty()) {
    line("lxc.log.file", p.log_file);
    line("lxc.log.level", "WARN");
  }
  return c;
}

std::string lxc_labels_json(const std::map<std::string, std::string>& labels) {
  json j = json::object();
  for (auto& [k, v] : labels) j[k] = v;
  return json_text(json{{"labels", j}}, 2) + "\n";
}

std::map<std::string, std::string> lxc_labels_of(const std::string& lxc_path, const std::string& name) {
  std::map<std::string, std::string> out;
  auto doc = read_json_file(fs::path(lxc_path) / name / kSidecar);
  if (!doc || !doc->is_object() || !doc->contains("labels") || !(*doc)["labels"].is_object()) return out;
  for (auto& [k, v] : (*doc)["labels"].items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::vector<std::string> lxc_attach_argv(const std::string& lxc_path, const std::string& name, uint32_t uid, uint32_t gid,
                                         const std::vector<std::pair<std::string, std::string>>& env, const std::string& workdir,
                                         const std::vector<std::string>& cmd) {
  std::vector<std::string> a = {"lxc-attach", "-P", lxc_path, "-n", name, "--uid", std::to_string(uid), "--gid", std::to_string(gid),
                                "--clear-env"};
  for (auto& [k, v] : env) {
    a.push_back("--set-var");
    a.push_back(k + "=" + v);
  }
  a.push_back("--");
  // lxc-attach has no working-directory option: coreutils' env changes into it.
  if (!workdir.empty()) a.insert(a.end(), {"env", "-C", workdir});
  a.insert(a.end(), cmd.begin(), cmd.end());
  return a;
}

// ---- the chain's view ----

std::pair<uint32_t, uint32_t> LxcRigControl::user_ids(const std::string& user) const {
  if (user.empty()) return {process_.uid, process_.gid};
  auto colon = user.find(':');
  std::string u = user.substr(0, colon), g = colon == std::string::npos ? "" : user.substr(colon + 1);
  // A name is looked up in the rig's own /etc/passwd (group: /etc/group), as Docker resolves it.
  auto lookup = [&](const std::string& file, const std::string& n) -> std::optional<std::pair<uint32_t, uint32_t>> {
    if (n == "root") return std::pair<uint32_t, uint32_t>{0, 0};
    // The rootfs belongs to the rig's root, who may have replaced /etc/passwd by a link to the host's
    // /dev/zero or by a FIFO: read inside the rootfs only, a bounded regular file.
    auto text = read_file_in_root(fs::path(path_) / name_ / "rootfs", fs::path("etc") / file, 4u << 20);
    if (!text) return std::nullopt;
    for (auto& l : split_lines(*text)) {
      auto f = split(l, ':');
      if (f.size() >= 4 && f[0] == n && all_digits(f[2]) && all_digits(f[3]))
        return std::pair<uint32_t, uint32_t>{static_cast<uint32_t>(std::stoul(f[2])), static_cast<uint32_t>(std::stoul(f[3]))};
      if (f.size() >= 3 && file == "group" && f[0] == n && all_digits(f[2]))
        return std::pair<uint32_t, uint32_t>{static_cast<uint32_t>(std::stoul(f[2])), 0};
    }
    return std::nullopt;
  };
  uint32_t uid = 0, gid = 0;
  bool gid_set = false;
  if (all_digits(u)) {
    uid = static_cast<uint32_t>(std::stoul(u));
    gid = uid;
  } else if (auto pw = lookup("passwd", u)) {
    std::tie(uid, gid) = *pw;
    gid_set = true;
  }
  if (!g.empty()) {
    if (all_digits(g)) gid = static_cast<uint32_t>(std::stoul(g));
    else if (auto gr = lookup("group", g)) gid = gr->first;
  } else if (!gid_set && all_digits(u)) {
    gid = uid;
  }
  return {uid, gid};
}

Result<ExecResult> LxcRigControl::exec(const ExecRequest& req) {
  if (req.cmd.empty()) return internal_error("exec in rig " + name_ + ": empty command");
  auto [uid, gid] = user_ids(req.user);
  std::map<std::string, std::string> env = env_;
  for (auto& kv : req.env)
    if (auto eq = kv.find('='); eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  // coreutils' timeout bounds the command inside (exit 124 when it fires, as the Docker-API client
  // reports its own); the host's bounds lxc-attach itself, should the attach hang.
  long secs = std::max(1L, (req.timeout_ms + 999) / 1000);
  std::vector<std::string> cmd = {"timeout", "-k", "5", std::to_string(secs)};
  cmd.insert(cmd.end(), req.cmd.begin(), req.cmd.end());
  auto attach = lxc_attach_argv(path_, name_, uid, gid, {env.begin(), env.end()}, process_.workdir, cmd);
  attach.insert(attach.begin(), {"timeout", "-k", "5", std::to_string(secs + 30)});
  auto t0 = std::chrono::steady_clock::now();
  RIG_TRY(auto c, runner_.run(Command{attach, {}, {}, {}}));
  ExecResult out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.exit_code = c.status;
  // stdout then stderr: the tools keep them apart, as Incus does.
  out.out = c.out + c.err;
  if (c.status == 124) out.out += "\n[rigctl: timed out after " + std::to_string(secs) + " s]";
  return out;
}

Status LxcRigControl::put_files(const std::string& dir, const std::string& tar) {
  // Unpacked by the rig's user (every caller's entries are the rig user's own; root in the rig
  // could keep other owners only within the idmap anyway).
  std::map<std::string, std::string> env = env_;
  auto argv = lxc_attach_argv(path_, name_, process_.uid, process_.gid, {env.begin(), env.end()}, "",
                              {"tar", "-xf", "-", "--no-same-owner", "-C", dir});
  RIG_TRY(auto c, runner_.run(Command{argv, {}, tar, {}}));
  if (c.status != 0) return unavailable("unpack files into " + dir + " in rig " + name_ + ": " + c.tail(5));
  return ok();
}

std::string LxcRigControl::log_tail() const {
  std::string t = tail_file(fs::path(path_) / name_ / "lxc.log", 8);
  return t.empty() ? "" : "\n--- lxc.log (tail):\n" + t;
}

Status LxcRigControl::start() {
  RIG_TRY(auto c, runner_.run(Command{{"lxc-start", "-P", path_, "-n", name_}, {}, {}, {}}));
  if (c.status != 0) return unavailable("lxc-start " + name_ + " failed (exit " + std::to_string(c.status) + "): " + c.tail(5) + log_tail());
  return ok();
}

Status LxcRigControl::stop(int timeout_s, bool kill) {
  std::vector<std::string> argv = {"lxc-stop", "-P", path_, "-n", name_};
  if (kill) argv.push_back("-k");
  else argv.insert(argv.end(), {"-t", std::to_string(std::max(1, timeout_s))});
  RIG_TRY(auto c, runner_.run(Command{argv, {}, {}, {}}));
  // lxc-stop exits 2 when the container is not running: stopped is what was asked.
  if (c.status != 0 && c.status != 2) return unavailable("lxc-stop " + name_ + " failed (exit " + std::to_string(c.status) + "): " + c.tail(5));
  return ok();
}

Status LxcRigControl::restart(int timeout_s, long wait_ms) {
  (void)wait_ms;
  // A stop and a start, as Docker's restart is. The port forwarders look the init PID up per
  // connection, so they outlive the restart unchanged.
  RIG_CHECK(stop(timeout_s, false));
  return start();
}

Result<std::optional<RigState>> LxcRigControl::state() {
  fs::path dir = fs::path(path_) / name_;
  std::error_code ec;
  if (!fs::exists(dir / "config", ec)) return std::optional<RigState>();
  RIG_TRY(auto c, runner_.run(Command{{"lxc-info", "-P", path_, "-n", name_, "-s", "-p"}, {}, {}, {}}));
  if (c.status != 0) return unavailable("lxc-info " + name_ + " failed (exit " + std::to_string(c.status) + "): " + c.tail(5));
  RigState s;
  std::string st;
  for (auto& l : split_lines(c.out)) {
    if (l.starts_with("State:")) st = trim(l.substr(6));
  }
  s.running = st == "RUNNING";
  // Docker's words where the chain reads them: a stopped rig has exited.
  s.status = st == "STOPPED" ? "exited" : to_lower(st);
  if (st == "STOPPED") s.error = trim(tail_file(dir / "lxc.log", 3));
  // Unprivileged by construction (the idmap); what the config grants, as written.
  if (auto cfg = read_file(dir / "config")) {
    for (auto& l : split_lines(*cfg)) {
      auto eq = l.find(" = ");
      if (eq == std::string::npos || l.starts_with("#")) continue;
      std::string key = l.substr(0, eq), value = l.substr(eq + 3);
      if (key == "lxc.idmap" || key == "lxc.apparmor.profile" || key == "lxc.no_new_privs" || key == "lxc.cap.keep" ||
          key == "lxc.seccomp.profile")
        s.security_options.push_back(key + "=" + value);
      if (key == "lxc.mount.entry" && value.starts_with("/dev/")) s.devices.push_back(value.substr(0, value.find(' ')));
    }
  }
  return std::optional<RigState>(std::move(s));
}

// ---- the rig ----

Result<std::unique_ptr<LxcRig>> LxcRig::launch(CommandRunner& runner, const LaunchSpec& spec, const std::string& name,
                                               const std::string& lxc_path, const std::string& image_rootfs, LxcPlacement p) {
  const std::string ctx = "launch rig '" + name + "'";
  RIG_CHECK(check_lxc_name(name).context(ctx));
  for (auto& port : spec.ports)
    if (port.host_ip != "127.0.0.1")
      return usage_error("an LXC rig publishes ports on 127.0.0.1 only, not " + show_value(port.host_ip)).add_context(ctx);
  fs::path top(lxc_path), dir = top / name;
  RIG_CHECK(make_dir(top, fs::perms(0711)).context(ctx));
  std::error_code ec;
  std::unique_ptr<LxcRig> rig(new LxcRig(runner, name, lxc_path));
  if (auto run = spec.labels.find(kLabelRun); run != spec.labels.end()) rig->run_id_ = run->second;
  if (!fs::create_directory(dir, ec)) {
    if (ec) return unavailable("create '" + dir.string() + "': " + ec.message()).add_context(ctx);
    return usage_error("an LXC container named '" + name + "' already exists in " + lxc_path,
                       "choose another --name, or remove leftovers with `lxc-stop -P " + lxc_path + " -n " + name + " -k` and `rm -rf " +
                           dir.string() + "`")
        .add_context(ctx);
  }
  rig->made_dir_ = true;
  auto fail = [&](Error e) { return rig->unwind(std::move(e).add_context(ctx)); };
  // Traversable by the container's root (its mounts are made as the mapped root), listable by none.
  fs::permissions(dir, fs::perms(0711), fs::perm_options::replace, ec);
  // The labels first, so gc finds whatever a failed launch leaves.
  if (auto st = write_file_atomic(dir / kSidecar, lxc_labels_json(spec.labels), fs::perms(0600)); !st) return fail(std::move(st).error());

  const uint32_t base = p.idmap.base;
  p.lxc_path = lxc_path;
  p.name = name;
  p.rootfs = (dir / "rootfs").string();
  p.log_file = (dir / "lxc.log").string();
  RIG_TRY(auto cp, runner.run(Command{{"cp", "-a", "--reflink=auto", image_rootfs, p.rootfs}, {}, {}, {}}));
  if (cp.status != 0) return fail(unavailable("copy the rootfs " + image_rootfs + ": " + cp.tail(5)));
  if (interrupted()) return fail(interrupted_error());

  // Volumes: host directories owned and moded as the image's mountpoint, with its content.
  if (auto st = make_dir(dir / "volumes", fs::perms(0711)); !st) return fail(std::move(st).error());
  for (auto& [vol, target] : spec.volumes) {
    fs::path vdir = dir / "volumes" / vol, in_image = fs::path(p.rootfs) / relative(target);
    uint32_t uid = base + p.process.uid, gid = base + p.process.gid;
    auto mode = fs::perms(0755);
    struct stat st {};
    bool from_image = ::lstat(in_image.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (from_image) uid = st.st_uid, gid = st.st_gid, mode = fs::perms(st.st_mode & 07777);
    if (auto s = make_dir(vdir, mode); !s) return fail(std::move(s).error());
    if (auto s = chown_path(vdir, uid, gid); !s) return fail(std::move(s).error());
    if (from_image && !fs::is_empty(in_image, ec)) {
      RIG_TRY(auto c, runner.run(Command{{"cp", "-a", (in_image / ".").string(), vdir.string() + "/"}, {}, {}, {}}));
      if (c.status != 0) return fail(unavailable("initialise volume " + vol + " from " + target + ": " + c.tail(5)));
    }
    p.volume_dirs[vol] = vdir.string();
  }
  // Docker gives every container an /etc/resolv.conf; podman's Docker API refuses to attach without
  // one. The rig has no network beyond loopback, so it names no server.
  p.resolv_conf = (dir / "resolv.conf").string();
  if (auto st = write_file_atomic(p.resolv_conf, "# rigctl: this rig has no network but loopback\n", fs::perms(0644)); !st)
    return fail(std::move(st).error());
  if (auto st = chown_path(p.resolv_conf, base, base); !st) return fail(std::move(st).error());
  for (auto& d : spec.devices) {
    struct stat st {};
    if (::stat(d.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
      return fail(unavailable("the host has no device " + d + " to pass into the rig"));
    p.device_rules[d] = std::string(S_ISCHR(st.st_mode) ? "c " : "b ") + std::to_string(major(st.st_rdev)) + ":" +
                        std::to_string(minor(st.st_rdev));
  }
  auto text = lxc_config_text(spec, p);
  if (!text) return fail(std::move(text).error());
  if (auto st = write_file_atomic(dir / "config", *text, fs::perms(0600)); !st) return fail(std::move(st).error());

  std::map<std::string, std::string> env;
  for (auto& e : p.process.env)
    if (auto eq = e.find('='); eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
  for (auto& [k, v] : spec.env) env[k] = v;
  rig->control_ = std::make_unique<LxcRigControl>(runner, lxc_path, name, p.process, std::move(env));
  if (auto st = rig->control_->start(); !st) return fail(std::move(st).error());
  if (auto st = rig->start_forwarders(spec); !st) return fail(std::move(st).error());
  return rig;
}

void stop_lxc_forwarders(const fs::path& rig_dir) {
  auto text = read_file(rig_dir / kForwarderGroup);
  if (!text) return;
  std::string t = trim(*text);
  if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); })) return;
  pid_t pgid = static_cast<pid_t>(std::stol(t));
  // Only a group whose members still run this rig's forwarders (a pid may have been reused).
  std::error_code ec;
  bool ours = false;
  for (auto& e : fs::directory_iterator("/proc", ec)) {
    std::string n = e.path().filename().string();
    if (n.empty() || !std::isdigit(static_cast<unsigned char>(n[0]))) continue;
    pid_t pid = static_cast<pid_t>(std::stol(n));
    if (::getpgid(pid) != pgid) continue;
    auto cmd = read_file(e.path() / "cmdline");
    if (cmd && cmd->find(rig_dir.string()) != std::string::npos) ours = true;
  }
  if (ours) ::kill(-pgid, SIGTERM);
}

Status LxcRig::start_forwarders(const LaunchSpec& spec) {
  if (spec.ports.empty()) return ok();
  fs::path script = fs::path(path_) / name_ / "fwd-conn";
  // One connection: the rig's init PID looked up now (it changes with every start), then the
  // connection relayed to 127.0.0.1:<port> inside the rig's network namespace.
  std::string text = "#!/bin/sh\n# rigctl: relays one connection into LXC rig " + name_ +
                     "'s network namespace, to 127.0.0.1:$1\n"
                     "pid=$(lxc-info -P '" + path_ + "' -n '" + name_ + "' -pH) && [ -n \"$pid\" ] || exit 1\n"
                     "exec nsenter --net=/proc/$pid/ns/net socat STDIO TCP:127.0.0.1:\"$1\"\n";
  RIG_CHECK(write_file_atomic(script, text, fs::perms(0700)));
  // The forwarders outlive this rigctl (a rig left by `rigctl launch` keeps its ports): started in a
  // session of their own (setsid -f), their process group recorded next to the config, and ended by
  // remove() or gc (stop_lxc_forwarders). LXC has no daemon that could own them.
  fs::path start = fs::path(path_) / name_ / "forward";
  std::string st = "#!/bin/sh\n# rigctl: LXC rig " + name_ + "'s loopback port forwarders, one socat per HOST:CONTAINER argument\n"
                   "echo $$ > '" + (fs::path(path_) / name_ / kForwarderGroup).string() + "'\n"
                   "for p in \"$@\"; do\n"
                   "  socat TCP-LISTEN:\"${p%%:*}\",bind=127.0.0.1,fork,reuseaddr EXEC:\"'" + script.string() + "' ${p#*:}\" </dev/null >/dev/null 2>&1 &\n"
                   "done\n";
  RIG_CHECK(write_file_atomic(start, st, fs::perms(0700)));
  std::vector<std::string> argv = {"setsid", "-f", start.string()};
  for (auto& port : spec.ports) argv.push_back(std::to_string(port.host) + ":" + std::to_string(port.container));
  RIG_TRY(auto r, runner_.run(Command{argv, {}, {}, {}}));
  if (r.status != 0) return unavailable("start the port forwarders of rig " + name_ + ": " + trim(r.err));
  // Listening before the launch returns: a port the chain dials is there, or the launch says why not.
  auto t0 = std::chrono::steady_clock::now();
  for (auto& port : spec.ports) {
    while (loopback_port_free(port.host)) {
      if (interrupted()) return interrupted_error();
      if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(5))
        return unavailable("the port forwarder for 127.0.0.1:" + std::to_string(port.host) + " does not listen (socat)");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return ok();
}

std::string LxcRig::leftover_hint(const Error& removal) const {
  std::string dir = (fs::path(path_) / name_).string();
  return "rig '" + name_ + "' could not be removed (" + removal.what() + "): remove it with `lxc-stop -P " + path_ + " -n " + name_ +
         " -k; rm -rf " + dir + "`";
}

Error LxcRig::unwind(Error e) { return unwind_rig(*this, keep_, std::move(e)); }

Status LxcRig::remove() {
  if (removed_) return ok();
  removed_ = true;
  CleanupScope cleanup;  // runs to its end after an interrupt (each step keeps its timeout)
  if (!made_dir_) return ok();
  fs::path dir = fs::path(path_) / name_;
  // Only a container carrying this run's label is ours.
  if (!run_id_.empty()) {
    auto labels = lxc_labels_of(path_, name_);
    std::error_code ec;
    if (fs::exists(dir / kSidecar, ec) && (!labels.count(kLabelRun) || labels.at(kLabelRun) != run_id_)) return ok();
  }
  stop_lxc_forwarders(dir);
  LxcRigControl ctl(runner_, path_, name_, {}, {});
  std::error_code ec;
  if (fs::exists(dir / "config", ec)) {
    RIG_CHECK(ctl.stop(0, true));
    RIG_TRY(auto s, ctl.state());
    if (s && s->running) return unavailable("LXC container " + name_ + " is still running after lxc-stop -k");
  }
  fs::remove_all(dir, ec);
  if (ec) return unavailable("remove '" + dir.string() + "': " + ec.message());
  return ok();
}

LxcRig::~LxcRig() {
  if (!keep_) (void)remove();
}

// ---- the image ----

Result<StoredImage> LxcImageStore::ensure(const OciImage& img, const std::string& tag) {
  (void)tag;
  fs::path images = fs::path(path_) / ".images";
  fs::path dir = images / (digest_hex(img.config_digest).substr(0, 12) + "-" + std::to_string(base_));
  std::error_code ec;
  if (fs::is_directory(dir / "rootfs", ec)) return StoredImage{(dir / "rootfs").string(), false};
  RIG_CHECK(make_dir(path_, fs::perms(0711)));
  RIG_CHECK(make_dir(images, fs::perms(0700)));
  fs::path tmp = images / (".tmp-" + random_token(8));
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      if (!p.empty()) fs::remove_all(p, e);
    }
  } cleanup{tmp};
  RIG_CHECK(make_dir(tmp / "rootfs", fs::perms(0755)));
  RIG_TRY(auto written, write_rootfs(img, tmp / "rootfs", base_).context("write the LXC rootfs of " + tag));
  (void)written;
  // Into place at once; another rigctl that got there first wins and this copy goes.
  if (::rename(tmp.c_str(), dir.c_str()) != 0 && errno != EEXIST && errno != ENOTEMPTY)
    return unavailable("rename '" + tmp.string() + "' to '" + dir.string() + "': " + std::strerror(errno));
  return StoredImage{(dir / "rootfs").string(), true};
}

}  // namespace rig

namespace rig {

Result<LxcGcReport> collect_lxc_garbage(CommandRunner& runner, const std::string& lxc_path, const std::string& run_id,
                                        const std::function<std::set<std::string>()>& live_runs) {
  LxcGcReport report;
  std::error_code ec;
  if (!fs::is_directory(lxc_path, ec)) return report;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> ours;
  for (auto& e : fs::directory_iterator(lxc_path, ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with(".") || !e.is_directory()) continue;
    auto labels = lxc_labels_of(lxc_path, name);
    if (!labels.count(kLabelManaged) || labels.at(kLabelManaged) != "true") continue;
    if (!run_id.empty() && (!labels.count(kLabelRun) || labels.at(kLabelRun) != run_id)) continue;
    ours.emplace_back(name, labels);
  }
  if (ec) return unavailable("list '" + lxc_path + "': " + ec.message());
  std::set<std::string> live = live_runs ? live_runs() : std::set<std::string>{};
  std::set<std::string> kept;
  for (auto& [name, labels] : ours) {
    if (labels.count(kLabelRun) && live.count(labels.at(kLabelRun))) {
      kept.insert(labels.at(kLabelRun));
      continue;
    }
    stop_lxc_forwarders(fs::path(lxc_path) / name);
    LxcRigControl ctl(runner, lxc_path, name, {}, {});
    if (fs::exists(fs::path(lxc_path) / name / "config", ec)) RIG_CHECK(ctl.stop(0, true));
    fs::remove_all(fs::path(lxc_path) / name, ec);
    if (ec) return unavailable("remove '" + (fs::path(lxc_path) / name).string() + "': " + ec.message());
    report.containers.push_back(name);
  }
  report.live_runs.assign(kept.begin(), kept.end());
  if (run_id.empty() && live.empty()) {
    fs::path images = fs::path(lxc_path) / ".images";
    if (fs::is_directory(images, ec))
      for (auto& e : fs::directory_iterator(images, ec)) {
        fs::remove_all(e.path(), ec);
        if (ec) return unavailable("remove '" + e.path().string() + "': " + ec.message());
        report.images.push_back(e.path().filename().string());
      }
  }
  return report;
}

}  // namespace rig
