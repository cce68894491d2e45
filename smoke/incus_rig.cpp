#include "smoke/incus_rig.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include "builder/incus_image.hpp"
#include "core/catalog.hpp"
#include "core/fs.hpp"
#include "core/json_reader.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"
#include "security/capability.hpp"

namespace rig {

namespace {


std::pair<uint32_t, uint32_t> parse_user(const std::string& user, const ImageProcess& p) {
  if (user.empty()) return {p.uid, p.gid};
  auto colon = user.find(':');
  auto num = [](const std::string& s, uint32_t def) -> uint32_t {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) return def;
    return static_cast<uint32_t>(std::stoul(s));
  };
  uint32_t uid = num(user.substr(0, colon), 0);
  uint32_t gid = colon == std::string::npos ? uid : num(user.substr(colon + 1), uid);
  return {uid, gid};
}

// Loopback of the instance's network namespace up, from the host: a thread enters the namespace
// (setns moves only the calling thread) and sets IFF_UP, as every Docker container starts with it.
Status bring_loopback_up(int pid) {
  Status st = ok();
  RIG_TRY(std::thread t, start_thread("the rig's loopback", [&] {
    std::string ns = "/proc/" + std::to_string(pid) + "/ns/net";
    int fd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      st = unavailable("open " + ns + ": " + std::strerror(errno));
      return;
    }
    int rc = ::setns(fd, CLONE_NEWNET);
    int setns_errno = errno;
    ::close(fd);
    if (rc != 0) {
      st = unavailable("enter the rig's network namespace: " + std::string(std::strerror(setns_errno)),
                       "bringing the Incus rig's loopback up needs root on the host");
      return;
    }
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      st = unavailable(std::string("socket in the rig's network namespace: ") + std::strerror(errno));
      return;
    }
    struct ifreq ifr {};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags |= IFF_UP, ::ioctl(s, SIOCSIFFLAGS, &ifr) != 0))
      st = unavailable(std::string("bring the rig's loopback up: ") + std::strerror(errno));
    ::close(s);
  }));
  t.join();
  return st;
}

std::string device_name(const std::string& path) {
  std::string n = path;
  std::replace(n.begin(), n.end(), '/', '-');
  while (!n.empty() && n.front() == '-') n.erase(n.begin());
  return n;
}

}  // namespace

// Incus instance names are host names: letters, digits and '-', at most 63.
Status check_incus_instance_name(const std::string& name) {
  bool okay = !name.empty() && name.size() <= 63 && std::isalpha(static_cast<unsigned char>(name[0])) && name.back() != '-' &&
              std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
  if (!okay)
    return usage_error(show_value(name) + " is not a name Incus accepts for an instance (expected 1 to 63 letters, digits or '-', " +
                       "starting with a letter)")
        .add_context("--name");
  return ok();
}

Status check_incus_process(const ImageProcess& p) {
  // raw.lxc is line-based: a line break in a recipe's Entrypoint, Cmd or WorkingDir would add LXC keys
  // of its own (a host mount); and lxc.init.cmd's quoting cannot hold a quote inside a quoted argument.
  auto bad = [](const std::string& v, bool arg) {
    return v.find_first_of("\n\r") != std::string::npos ||
           (arg && v.find('\'') != std::string::npos && v.find_first_of(" \t\"") != std::string::npos);
  };
  std::vector<std::string> argv = p.entrypoint;
  argv.insert(argv.end(), p.cmd.begin(), p.cmd.end());
  for (auto& a : argv)
    if (bad(a, true))
      return usage_error("the image's Entrypoint/Cmd argument " + show_value(a) + " cannot be an Incus rig's lxc.init.cmd",
                         "one line, and no quote inside an argument with blanks");
  if (bad(p.workdir, false)) return usage_error("the image's WorkingDir " + show_value(p.workdir) + " cannot be written into raw.lxc");
  return ok();
}

ImageProcess image_process(const json& c) {
  ImageProcess p;
  auto strs = [&](const char* key) {
    std::vector<std::string> v;
    if (c.is_object() && c.contains(key) && c[key].is_array())
      for (auto& s : c[key])
        if (s.is_string()) v.push_back(s.get<std::string>());
    return v;
  };
  p.entrypoint = strs("Entrypoint");
  p.cmd = strs("Cmd");
  p.env = strs("Env");
  if (c.is_object() && c.contains("WorkingDir") && c["WorkingDir"].is_string()) p.workdir = c["WorkingDir"].get<std::string>();
  std::string user = c.is_object() && c.contains("User") && c["User"].is_string() ? c["User"].get<std::string>() : "";
  std::tie(p.uid, p.gid) = parse_user(user, ImageProcess{});
  return p;
}

std::string incus_label_key(const std::string& label) { return "user." + label; }

std::string lxc_init_cmd(const std::vector<std::string>& argv) {
  std::vector<std::string> parts;
  for (auto& a : argv) {
    bool plain = !a.empty() && std::none_of(a.begin(), a.end(), [](unsigned char c) { return std::isspace(c) || c == '\'' || c == '"'; });
    parts.push_back(plain ? a : "'" + a + "'");
  }
  return join(parts, " ");
}

json incus_instance_body(const LaunchSpec& spec, const std::string& name, const IncusPlacement& p) {
  json config = json::object();
  // Written out so a reviewer of the body sees it; Incus's default is the same.
  config["security.privileged"] = "false";
  for (auto& [k, v] : spec.runtime_config) config[k] = v;
  for (auto& [k, v] : spec.labels) config[incus_label_key(k)] = v;
  std::map<std::string, std::string> env;
  for (auto& e : p.process.env)
    if (auto eq = e.find('='); eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
  for (auto& [k, v] : spec.env) env[k] = v;
  for (auto& [k, v] : env) config["environment." + k] = v;
  if (spec.memory_bytes) config["limits.memory"] = std::to_string(spec.memory_bytes / (1024 * 1024)) + "MiB";
  // A hard quota, as Docker's NanoCpus is: N ms of CPU per 100 ms.
  if (spec.nano_cpus) config["limits.cpu.allowance"] = std::to_string(std::max<int64_t>(1, spec.nano_cpus / 10000000)) + "ms/100ms";
  if (spec.pids_limit) config["limits.processes"] = std::to_string(spec.pids_limit);

  std::vector<std::string> argv;
  if (spec.init) argv = {"/usr/bin/catatonit", "--"};
  argv.insert(argv.end(), p.process.entrypoint.begin(), p.process.entrypoint.end());
  argv.insert(argv.end(), p.process.cmd.begin(), p.process.cmd.end());
  std::string raw = "lxc.init.cmd = " + lxc_init_cmd(argv) + "\n";
  raw += "lxc.init.uid = " + std::to_string(p.process.uid) + "\nlxc.init.gid = " + std::to_string(p.process.gid) + "\n";
  if (!p.process.workdir.empty()) raw += "lxc.init.cwd = " + p.process.workdir + "\n";
  raw += "lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,create=dir,mode=1777 0 0\n";
  // Docker stops with SIGTERM; LXC's default halt signal is SIGPWR, which a shell or sleep ignores.
  raw += "lxc.signal.halt = SIGTERM\n";
  if (spec.bounding_set) {
    std::vector<std::string> drop = capabilities_outside(*spec.bounding_set);
    if (!drop.empty()) raw += "lxc.cap.drop = " + join(drop, " ") + "\n";
  }
  config["raw.lxc"] = raw;

  json devices = json::object();
  devices["root"] = {{"type", "disk"}, {"path", "/"}, {"pool", p.pool}};
  for (auto& d : spec.devices) devices[device_name(d)] = {{"type", "unix-char"}, {"path", d}, {"source", d}, {"mode", "0666"}};
  for (auto& [vol, target] : spec.volumes) devices["vol-" + vol.substr(name.size() + 1)] = {{"type", "disk"}, {"pool", p.pool}, {"source", vol}, {"path", target}};
  // One proxy device per run of consecutive ports (a range): Incus starts one forkproxy per device and
  // each took about a second, so ten single-port devices made every start 10 s.
  for (size_t i = 0; i < spec.ports.size();) {
    size_t j = i + 1;
    while (j < spec.ports.size() && spec.ports[j].host_ip == spec.ports[i].host_ip &&
           spec.ports[j].host == spec.ports[j - 1].host + 1 && spec.ports[j].container == spec.ports[j - 1].container + 1)
      ++j;
    auto range = [&](uint32_t a, uint32_t b) { return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b); };
    const auto& first = spec.ports[i];
    const auto& last = spec.ports[j - 1];
    devices["port-" + std::to_string(first.host)] = {{"type", "proxy"},
                                                    {"listen", "tcp:" + first.host_ip + ":" + range(first.host, last.host)},
                                                    {"connect", "tcp:127.0.0.1:" + range(first.container, last.container)},
                                                    {"bind", "host"}};
    i = j;
  }
  return json{{"name", name},        {"type", "container"}, {"profiles", json::array()},
              {"config", config},    {"devices", devices},
              {"source", {{"type", "image"}, {"alias", spec.image}}}};
}

// ---- the chain's view ----

Result<ExecResult> IncusRigControl::exec(const ExecRequest& req) {
  IncusExec e;
  e.cmd = req.cmd;
  std::tie(e.uid, e.gid) = parse_user(req.user, process_);
  e.cwd = process_.workdir;
  for (auto& kv : req.env)
    if (auto eq = kv.find('='); eq != std::string::npos) e.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  e.timeout_ms = req.timeout_ms;
  return incus_.exec(name_, e);
}

Status IncusRigControl::put_files(const std::string& dir, const std::string& tar) {
  // Incus pushes single files: the tar goes in whole and is unpacked by the rig's user (every caller's
  // entries are the rig user's own; root in the rig has no CAP_CHOWN to keep other owners).
  std::string tmp = "/tmp/.rigctl-put-" + random_token(8) + ".tar";
  RIG_CHECK(incus_.push_file(name_, tmp, tar, process_.uid, process_.gid, 0600));
  // The archive is removed whether the unpack worked or not (IncusClient runs each exec once, even
  // when Incus loses its pid and the request is sent again).
  RIG_TRY(auto r, exec(ExecRequest{{"sh", "-c", "tar -xf \"$0\" --no-same-owner -C \"$1\"; rc=$?; rm -f \"$0\"; exit $rc", tmp, dir},
                                   "", {}, 300000}));
  if (r.exit_code != 0) return unavailable("unpack files into " + dir + " in rig " + name_ + ": " + trim(tail(r.out, 5)));
  return ok();
}

Status IncusRigControl::restart(int timeout_s, long wait_ms) {
  (void)wait_ms;
  // A stop and a start, as Docker's restart is: Incus's own restart of a container is LXC's reboot
  // (SIGINT to PID 1, which an init forwarding it to `sleep` does not turn into an exit) and sat out
  // a 10 s timeout every time.
  RIG_CHECK(incus_.change_state(name_, "stop", timeout_s, false));
  RIG_CHECK(incus_.change_state(name_, "start", timeout_s, false));
  return after_start();
}

Status IncusRigControl::after_start() {
  RIG_TRY(int pid, incus_.init_pid(name_));
  if (pid <= 0) return ok();  // not running: the chain's outer-up check says so
  return bring_loopback_up(pid).context("start rig " + name_);
}

Result<std::optional<RigState>> IncusRigControl::state() {
  RIG_TRY(auto in, incus_.instance(name_));
  if (!in) return std::optional<RigState>();
  RigState s;
  s.running = in->status == "Running";
  s.status = to_lower(in->status);
  s.privileged = in->config.count("security.privileged") && in->config.at("security.privileged") == "true";
  for (auto& [k, v] : in->config)
    if (k.starts_with("security.")) s.security_options.push_back(k + "=" + v);
  for (auto& [dev, props] : in->devices)
    if (props.count("type") && (props.at("type") == "unix-char" || props.at("type") == "unix-block"))
      s.devices.push_back(props.count("source") ? props.at("source") : props.count("path") ? props.at("path") : dev);
  return std::optional<RigState>(std::move(s));
}

// ---- the rig ----

Result<std::string> incus_pool(IncusClient& incus) {
  (void)incus;
  return std::string("rigctl");
}

Result<std::unique_ptr<IncusRig>> IncusRig::launch(IncusClient& incus, const LaunchSpec& spec, const std::string& name,
                                                   const IncusPlacement& p) {
  RIG_CHECK(check_incus_instance_name(name).context("launch rig '" + name + "'"));
  RIG_CHECK(check_incus_process(p.process).context("launch rig '" + name + "'"));
  std::unique_ptr<IncusRig> rig(new IncusRig(incus, name, p.pool));
  if (auto run = spec.labels.find(kLabelRun); run != spec.labels.end()) rig->run_id_ = run->second;
  std::map<std::string, std::string> vol_config;
  for (auto& [k, v] : spec.labels) vol_config[incus_label_key(k)] = v;
  // Owned by the rig's user from the start, as Docker initialises a named volume from the image.
  vol_config["initial.uid"] = std::to_string(p.process.uid);
  vol_config["initial.gid"] = std::to_string(p.process.gid);
  vol_config["initial.mode"] = "0755";
  for (auto& [vol, target] : spec.volumes) {
    rig->volumes_.push_back(vol);
    if (auto st = incus.create_volume(p.pool, vol, vol_config); !st) {
      // Usage: the name is another's volume (IncusClient::create_volume), which the unwinding must not remove.
      if (st.error().category() == Category::Usage) rig->volumes_.pop_back();
      return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
    }
    if (interrupted()) return rig->unwind(interrupted_error().add_context("launch rig '" + name + "'"));
  }
  RIG_TRY(auto existing, incus.instance(name));
  if (existing)
    return rig->unwind(usage_error("an Incus instance named '" + name + "' already exists",
                                   "choose another --name, or remove leftovers with `rigctl gc --engine incus`")
                           .add_context("launch rig '" + name + "'"));
  rig->create_sent_ = true;
  if (auto st = incus.create_instance(incus_instance_body(spec, name, p)); !st)
    return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
  rig->control_ = std::make_unique<IncusRigControl>(incus, name, p.process);
  // Docker gives every container an /etc/resolv.conf; an image has none, and podman's Docker API
  // refuses to attach without one ("failed to stat resolv.conf path"). The rig has no network
  // beyond loopback, so it names no server.
  if (auto st = incus.push_file(name, "/etc/resolv.conf", "# rigctl: this rig has no network but loopback\n", 0, 0, 0644); !st)
    return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
  if (auto st = incus.change_state(name, "start", 60, false); !st)
    return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
  if (auto st = rig->control_->after_start(); !st) return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
  return rig;
}

std::string IncusRig::leftover_hint(const Error& removal) const {
  std::string how = run_id_.empty() ? "`rigctl gc --engine incus`" : "`rigctl gc --engine incus --run " + run_id_ + "`";
  return "rig '" + name_ + "' could not be removed (" + removal.what() + "): remove it with " + how + " once Incus answers";
}

Error IncusRig::unwind(Error e) { return unwind_rig(*this, keep_, std::move(e)); }

Status IncusRig::remove() {
  if (removed_) return ok();
  removed_ = true;
  CleanupScope cleanup;  // runs to its end after an interrupt (each step keeps its timeout)
  Status first = ok();
  if (create_sent_) {
    // An interrupted create may still be running in Incus, with no instance to look up yet: looked up
    // first, the instance was "not there", was left alone, and appeared a moment later holding the
    // volumes (CI, 2026-12-08: one instance and two volumes left). Wait for Incus's work on it first.
    Status settled = incus_.settle_instance(name_, 120000);
    if (!settled.ok()) first = settled;
    // Only an instance carrying this run's key is ours (the name may have been taken meanwhile).
    auto in = incus_.instance(name_);
    if (!in) {
      first = Status(std::move(in).error());
    } else if (*in && (run_id_.empty() || ((*in)->config.count(incus_label_key(kLabelRun)) &&
                                            (*in)->config.at(incus_label_key(kLabelRun)) == run_id_))) {
      first = incus_.delete_instance(name_);
    }
  }
  for (auto& v : volumes_) {
    auto st = incus_.delete_volume(pool_, v);
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

IncusRig::~IncusRig() {
  if (!keep_) (void)remove();
}

// ---- the image ----

Result<StoredImage> IncusImageStore::ensure(const OciImage& img, const std::string& tag) {
  std::string alias;
  for (char c : tag) alias += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  alias += "-" + digest_hex(img.config_digest).substr(0, 12);
  RIG_TRY(auto target, incus_.alias_target(alias));
  if (target) return StoredImage{alias, false};
  RIG_TRY(auto scratch, ScratchDir::create("rigctl-incus-image"));
  auto tarball = scratch.path() / "image.tar";
  std::map<std::string, std::string> props = {{"description", "rigctl outer image " + tag},
                                              {"rigctl.managed", "true"},
                                              {"rigctl.tag", tag},
                                              {"rigctl.config_digest", img.config_digest}};
  // The image's own creation time (rigctl's builds are reproducible, so it is their fixed epoch).
  int64_t created = 1;
  if (auto cfg = read_file(img.dir / "blobs" / "sha256" / digest_hex(img.config_digest))) {
    if (auto doc = parse_json_document(*cfg); doc && doc->is_object() && doc->contains("created") && (*doc)["created"].is_string()) {
      std::tm tm{};
      std::string c = (*doc)["created"].get<std::string>();
      if (strptime(c.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) created = std::max<int64_t>(1, timegm(&tm));
    }
  }
  RIG_TRY(auto written, write_incus_image(img, created, props, tarball).context("write Incus image for " + tag));
  (void)written;
  RIG_TRY(auto fingerprint, incus_.import_image(tarball));
  RIG_CHECK(incus_.create_alias(alias, fingerprint));
  return StoredImage{alias, true};
}

// ---- gc ----

Result<IncusGcReport> collect_incus_garbage(IncusClient& incus, const std::string& run_id,
                                            const std::function<std::set<std::string>()>& live_runs) {
  const std::string managed = incus_label_key(kLabelManaged), run_key = incus_label_key(kLabelRun);
  auto ours = [&](const std::map<std::string, std::string>& config) {
    if (!config.count(managed) || config.at(managed) != "true") return false;
    return run_id.empty() || (config.count(run_key) && config.at(run_key) == run_id);
  };
  IncusGcReport report;
  RIG_TRY(auto instances, incus.instances());
  RIG_TRY(auto pool, incus_pool(incus));
  RIG_TRY(auto volumes, incus.volumes(pool));
  // Read after the listing, as collect_garbage does: a run registers before it makes anything.
  std::set<std::string> live = live_runs ? live_runs() : std::set<std::string>{};
  auto live_owner = [&](const std::map<std::string, std::string>& config) {
    return config.count(run_key) && live.count(config.at(run_key));
  };
  std::set<std::string> live_seen;
  for (auto& in : instances) {
    if (!ours(in.config)) continue;
    if (live_owner(in.config)) {
      live_seen.insert(in.config.at(run_key));
      continue;
    }
    RIG_CHECK(incus.delete_instance(in.name));
    report.instances.push_back(in.name);
  }
  for (auto& [name, config] : volumes) {
    if (!ours(config)) continue;
    if (live_owner(config)) {
      live_seen.insert(config.at(run_key));
      continue;
    }
    RIG_CHECK(incus.delete_volume(pool, name));
    report.volumes.push_back(name);
  }
  report.live_runs.assign(live_seen.begin(), live_seen.end());
  // Images belong to no run: removed by a full gc when no rigctl run is alive (one may be about to
  // launch from it).
  if (run_id.empty() && live.empty()) {
    RIG_TRY(auto images, incus.images());
    for (auto& [fp, props] : images) {
      if (!props.count("rigctl.managed") || props.at("rigctl.managed") != "true") continue;
      RIG_CHECK(incus.delete_image(fp));
      report.images.push_back(fp);
    }
  }
  return report;
}

}  // namespace rig
