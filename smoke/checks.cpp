#include "core/clock.hpp"
#include "smoke/checks.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <map>
#include <mutex>
#include <condition_variable>
#include <set>
#include <sstream>
#include <thread>

#include "security/capability.hpp"
#include "builder/tar_pack.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"
#include "engine/reply.hpp"

namespace rig {

std::string dockerd_log_script() {
  // dockerd's own fatal line ("failed to start daemon, ensure docker is not running or delete
  // …/docker.pid: process with PID 65 is still running") has no "error:" in it, and rootlesskit's exit
  // lines may follow it: it is matched by name, not left to the last lines (found in CI: the
  // runtime-wipe ablation read only rootlesskit's "exited: exit status 1" and judged a different failure).
  return "l=\"$XDG_RUNTIME_DIR/dockerd.log\"; grep -iE 'level=(error|fatal)|error:|denied|not permitted|failed to start' \"$l\" | tail -n 8; "
         "tail -n 3 \"$l\"";
}

namespace {


struct Outcome {
  Outcome(bool ok_, std::string output_, std::string note_ = {}) : ok(ok_), output(std::move(output_)), note(std::move(note_)) {}
  // The host lacks the check's precondition: reported as not applicable with `why`, never as a pass.
  static Outcome not_applicable(std::string why, std::string output) {
    Outcome o{false, std::move(output), std::move(why)};
    o.applicable = false;
    return o;
  }
  bool ok;
  std::string output;
  std::string note;
  double metric = -1;
  bool applicable = true;
};

// "key value..." lines of a probe's output -> key -> the rest of the line.
std::map<std::string, std::string> keyed_lines(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto sp = line.find(' ');
    if (sp != std::string::npos) out.emplace(line.substr(0, sp), trim(line.substr(sp + 1)));
  }
  return out;
}

bool parse_i64(const std::string& s, int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// When a check may run beside others (run_chain with jobs > 1). Free: as soon as the checks it needs
// passed. AfterEarlier: also after every check listed before it ended (init-reaps counts zombies the
// earlier inner containers could leave). Alone: after every earlier check ended, with nothing beside
// it, and before any later check starts (the restart changes the rig under every other check).
enum class Order { Free, AfterEarlier, Alone };

struct Check {
  CheckInfo info;
  std::vector<std::string> needs;
  long timeout_ms;
  std::function<Result<Outcome>(long timeout_ms)> run;
  Order order = Order::Free;
};

// Devices a rig may be given: the tap device for rootless networking and /dev/fuse for the
// fuse-overlayfs storage. Anything else (a disk, /dev/mem, /dev/kmsg) would hand the rig host power.
const std::set<std::string> kAllowedDevices = {"/dev/net/tun", "/dev/fuse"};

// The capability bounding set from /proc/<pid>/status text ("CapBnd:\t000001ffffffffff").
Result<uint64_t> cap_bounding_set(const std::string& status) {
  auto pos = status.find("CapBnd:");
  if (pos == std::string::npos) return Error(Category::Checks, "no CapBnd line in the output");
  auto end = status.find('\n', pos);
  std::string v = trim(status.substr(pos + 7, end == std::string::npos ? std::string::npos : end - pos - 7));
  uint64_t mask = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), mask, 16);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size())
    return Error(Category::Checks, "CapBnd '" + v + "' is not a hexadecimal capability mask");
  return mask;
}

// A security option as shown in a check's output, on one line: seccomp=<profile> carries a whole
// JSON profile inline.
std::string short_opt(const std::string& opt) {
  auto eq = opt.find('=');
  if (eq != std::string::npos && opt.compare(eq + 1, 1, "{") == 0)
    return opt.substr(0, eq) + "=<inline profile, " + std::to_string(opt.size() - eq - 1) + " bytes>";
  std::string s = opt.size() > 64 ? truncate_utf8(opt, 64) + "..." : opt;
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// Everything the checks do inside the rig, with the rig-runtime seam (RigControl) as the only channel.
class Chain {
 public:
  Chain(ChainInputs& in, HostFacts& facts) : in_(in), facts_(facts) {}

  Result<ExecResult> sh(const std::string& script, long timeout_ms) {
    return in_.rig.exec(ExecRequest{{"sh", "-c", script}, "", {}, timeout_ms});
  }

  // A command against the inner engine. When a Docker rig's dockerd does not answer, the reason is in
  // its own log, not in the CLI's "Cannot connect": the log's tail is added to the output, so the
  // failure signature (tun, seccomp, newuidmap, a stale pid file) can be read from the check.
  Result<ExecResult> engine_sh(const std::string& script, long timeout_ms) {
    RIG_TRY(auto r, sh(script, timeout_ms));
    if (in_.inner_engine == "docker" && r.exit_code != 0 && r.out.find("Cannot connect to the Docker daemon") != std::string::npos) {
      // Its errors, then how it ended: dockerd-rootless.sh traces every step (set -x) before them.
      RIG_TRY(auto log, sh(dockerd_log_script(), 5000));
      r.out += "\n--- dockerd.log (tail):\n" + log.out;
    }
    return r;
  }

  // Ready = the entrypoint finished its warm-up for *this* start of the container (its marker holds
  // the start time of the current PID 1). Once the runtime says the rig runs, one exec waits for the
  // marker inside the rig: polling with an exec every 50 ms cost a runtime exec (~50 ms of CPU in
  // runc) per poll, and with a dozen rigs waiting side by side (ablation) that polling was a good
  // part of what the machine did. The loop in the rig forks only `sleep`; it gives up after the
  // remaining budget's worth of 50 ms sleeps (at least that long) and the exec's own timeout, a
  // little later, bounds it in any case.
  Result<Outcome> wait_ready(long timeout_ms) {
    auto t0 = Clock::now();
    std::string last;
    auto left_ms = [&] { return timeout_ms - static_cast<long>(since(t0) * 1000); };
    while (left_ms() > 0) {
      if (interrupted()) return interrupted_error();
      RIG_TRY(auto info, in_.rig.state());
      if (!info) return Outcome{false, "the outer container is gone"};
      if (!info->running) {
        last = "outer container is " + (info->status.empty() ? std::string("?") : info->status) + " (exit code " +
               std::to_string(info->exit_code) + ") " + info->error;
        if (info->status == "exited" || info->status == "dead") return Outcome{false, last};
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      long budget = std::max(1000L, left_ms());
      RIG_TRY(auto r, sh(ready_wait_script(budget / 50), budget + 5000));
      if (r.exit_code == 0) return Outcome{true, trim(r.out), ""};
      // Not ready in the budget, or the exec ended with the container (a restart, an exit): the
      // runtime's state says which on the next round. An exec that fails at once (no shell, a rig
      // going away) must not turn this into a loop of execs without a pause.
      last = exec_output(r);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Outcome{false, "not ready within " + std::to_string(timeout_ms / 1000) + " s: " + last};
  }

  // Waits in the rig for this start's ready marker, at most `rounds` sleeps of 50 ms; then the tail of
  // the entrypoint's warm-up log. `read` is a builtin: only the sleep forks.
  static std::string ready_wait_script(long rounds) {
    return "f=\"$XDG_RUNTIME_DIR/rig-ready\"; s=$(cut -d' ' -f22 /proc/1/stat); n=" + std::to_string(std::max(1L, rounds)) +
           "\n"
           "until m=; { read -r m < \"$f\"; } 2>/dev/null; [ \"$m\" = \"$s\" ]; do\n"
           "  n=$((n - 1)); [ $n -gt 0 ] || { echo \"no ready marker for this start (PID 1 started at $s)\"; exit 1; }\n"
           "  sleep 0.05\n"
           "done\n"
           "tail -n 5 \"$XDG_RUNTIME_DIR/rig-warmup.log\" 2>/dev/null; exit 0";
  }

  // The inner images' archives go into the rig once, for inner-run and inner-build, whichever starts
  // first (they run side by side); the other waits for that one copy.
  Status put_images() {
    std::lock_guard lock(images_mu_);
    if (!images_put_) {
      RIG_TRY(auto tar, pack_tar({{"rig-images/", "", "", 1000, 1000, 0755},
                                  {"rig-images/web.tar", in_.web_archive, "", 1000, 1000, 0644},
                                  {"rig-images/base.tar", in_.base_archive, "", 1000, 1000, 0644}}));
      RIG_CHECK(in_.rig.put_files("/tmp", tar));
      images_put_ = true;
    }
    return ok();
  }

  Result<Outcome> host_get(long timeout_ms) {
    Endpoint ep{"", "http://127.0.0.1:" + std::to_string(in_.host_port), "127.0.0.1:" + std::to_string(in_.host_port)};
    auto t0 = Clock::now();
    std::string last;
    while (since(t0) * 1000 < timeout_ms) {
      if (interrupted()) return interrupted_error();
      HttpRequest req;
      req.path = "/";
      req.timeout_ms = 2000;
      auto r = http_request(ep, req);
      if (r && r->status == 200 && r->body == in_.web_body)
        return Outcome{true, "GET http://" + ep.display + "/ -> 200 " + trim(r->body)};
      last = r ? ("HTTP " + std::to_string(r->status) + ": " + r->body) : r.error().what();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Outcome{false, "GET http://" + ep.display + "/ did not return the app's body: " + last};
  }

  static Outcome from_exec(const ExecResult& r, const std::string& expect = "") {
    bool ok = r.exit_code == 0 && (expect.empty() || trim(r.out).find(expect) != std::string::npos);
    return Outcome{ok, exec_output(r)};
  }

  // The output with what the reader must know: an incomplete stream, a failing exit code.
  static std::string exec_output(const ExecResult& r) {
    std::string out = r.out;
    if (r.truncated) out += "\n[output truncated: " + r.truncated_why + "]";
    if (r.exit_code != 0) out += "\n[exit code " + std::to_string(r.exit_code) + "]";
    return out;
  }

  // Not privileged: no Privileged, no added capability, no no-new-privileges (it would also break
  // the file capabilities newuidmap needs), no device beyond the allowed ones, and PID 1's bounding
  // set exactly the launch profile's kept capabilities (without a capabilities profile: CAP_SYS_ADMIN,
  // bit 21, absent).
  static Outcome not_privileged(const RigState& c, const ExecResult& r, std::optional<uint64_t> expected) {
    std::vector<std::string> problems;
    if (c.privileged) problems.push_back("HostConfig.Privileged is true");
    if (!c.added_capabilities.empty()) problems.push_back("HostConfig.CapAdd adds " + join(c.added_capabilities, ", "));
    std::vector<std::string> opts;
    for (auto& o : c.security_options) {
      opts.push_back(short_opt(o));
      if (o.find("no-new-privileges") != std::string::npos) problems.push_back("HostConfig.SecurityOpt has " + short_opt(o));
    }
    for (auto& d : c.devices)
      if (!kAllowedDevices.count(d))
        problems.push_back("HostConfig.Devices has '" + d + "' (a rig may only have /dev/net/tun and /dev/fuse)");
    std::string out = "Privileged=" + std::string(c.privileged ? "true" : "false") + " CapAdd=[" + join(c.added_capabilities, ",") +
                      "] SecurityOpt=[" + join(opts, ",") + "] Devices=[" + join(c.devices, ",") + "]\n" + trim(exec_output(r));
    if (r.exit_code != 0 || r.truncated) {
      problems.push_back("cannot read PID 1's capability bounding set");
    } else if (auto bnd = cap_bounding_set(r.out); !bnd) {
      problems.push_back(bnd.error().message());
    } else if (*bnd & (1ULL << 21)) {
      problems.push_back("CAP_SYS_ADMIN is in PID 1's bounding set");
    } else if (expected && *bnd != *expected) {
      problems.push_back("the bounding set is [" + capability_api_names(*bnd) + "], the launch profile's is [" +
                         capability_api_names(*expected) + "]");
    } else if (expected) {
      out += "\nthe bounding set is exactly the launch profile's: [" + capability_api_names(*bnd) + "]";
    } else {
      out += "\nCAP_SYS_ADMIN not in the bounding set";
    }
    for (auto& p : problems) out += "\n(" + p + ")";
    return Outcome{problems.empty(), out};
  }

  // podman info --format json: rootless, the overlay driver, and the storage the rig was launched
  // with (fuse-overlayfs shows as overlay's mount_program; native overlay has none).
  static Outcome podman_info(const std::string& text, const std::string& inner_storage, std::string& podman_version) {
    auto doc = parse_json_document(text);
    if (!doc) return Outcome{false, "podman info output is not JSON: " + doc.error().message() + "\n" + text};
    try {
      auto o = JsonNode(*doc, "").object();
      auto host = o.required("host").object();
      auto security = host.required("security").object();
      bool rootless = opt_bool(security, "rootless");
      std::string network = opt_str(host, "networkBackend");
      auto store = o.required("store").object();
      std::string driver = opt_str(store, "graphDriverName");
      auto graph_options = store.optional("graphOptions");
      std::string opts = graph_options ? graph_options->raw().dump() : "{}";
      if (auto version = o.optional("version")) {
        auto vo = version->object();
        podman_version = opt_str(vo, "Version");
      }
      std::string summary = "podman " + podman_version + ", rootless=" + (rootless ? "true" : "false") + ", driver=" + driver +
                            ", network=" + network + ", graphOptions=" + opts;
      bool fuse = opts.find("fuse-overlayfs") != std::string::npos;
      bool storage_ok = fuse == (inner_storage == "fuse-overlayfs");
      if (!storage_ok)
        summary += fuse ? " (expected native overlay, podman uses fuse-overlayfs)" : " (expected fuse-overlayfs as mount_program)";
      return Outcome{rootless && driver == "overlay" && storage_ok, summary};
    } catch (const JsonFieldError& e) {
      return Outcome{false, "podman info output: " + (e.path.empty() ? "" : e.path + ": ") + e.message + "\n" + text};
    }
  }

  // docker info --format '{{json .}}' of the rig's dockerd: rootless (SecurityOptions has name=rootless)
  // and the overlay2 driver on the store volume (vfs or fuse-overlayfs would mean overlay was refused).
  static Outcome docker_info(const std::string& text, std::string& version) {
    auto doc = parse_json_document(text);
    if (!doc) return Outcome{false, "docker info output is not JSON: " + doc.error().message() + "\n" + text};
    try {
      auto o = JsonNode(*doc, "").object();
      version = opt_str(o, "ServerVersion");
      std::string driver = opt_str(o, "Driver");
      bool rootless = false;
      if (auto so = o.optional("SecurityOptions"))
        for (auto& opt : so->str_list()) rootless = rootless || opt == "name=rootless";
      std::string cgroup = opt_str(o, "CgroupVersion") + "/" + opt_str(o, "CgroupDriver");
      std::string summary = "dockerd " + version + ", rootless=" + (rootless ? "true" : "false") + ", driver=" + driver +
                            ", cgroup=" + cgroup + ", runtime=" + opt_str(o, "DefaultRuntime") + ", data root=" + opt_str(o, "DockerRootDir");
      if (driver != "overlay2") summary += " (expected the overlay2 driver)";
      if (!rootless) summary += " (expected name=rootless in SecurityOptions)";
      return Outcome{rootless && driver == "overlay2", summary};
    } catch (const JsonFieldError& e) {
      return Outcome{false, "docker info output: " + (e.path.empty() ? "" : e.path + ": ") + e.message + "\n" + text};
    }
  }

  // A Docker API client inside the rig, as a CI runner would use it: the docker CLI with DOCKER_HOST
  // on the rig's Docker API socket (podman's compatible service, or the rig's dockerd) runs a
  // container and builds an image with a RUN step (the classic builder: no buildx in the rig).
  Result<Outcome> docker_api(const std::string& base, long timeout_ms) {
    const std::string sock = in_.inner_engine == "docker" ? "$XDG_RUNTIME_DIR/docker.sock" : "$XDG_RUNTIME_DIR/podman/podman.sock";
    const std::string built = shell_quote("localhost/rig-api-built:" + in_.run_id);
    RIG_TRY(auto r, sh("export DOCKER_HOST=unix://" + sock + " DOCKER_BUILDKIT=0\n"
                       "command -v docker >/dev/null || { echo 'no docker CLI in the rig'; exit 3; }\n"
                       "echo \"DOCKER_HOST=$DOCKER_HOST\"\n"
                       "test -S \"${DOCKER_HOST#unix://}\" || { echo 'no Docker API socket there'; exit 3; }\n"
                       "set -e\n"
                       "echo \"server: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')\"\n"
                       "docker run --rm --pull=never " + base + " echo docker-api-run-ok\n"
                       "mkdir -p /workspace/.rig-docker-api && cd /workspace/.rig-docker-api\n"
                       "printf 'FROM %s\\nRUN echo docker-api-built > /api\\n' " + base + " > Dockerfile\n"
                       "docker build -q -t " + built + " . 2>&1 | grep -v -i deprecat || true\n"
                       "docker run --rm --pull=never " + built + " cat /api\n"
                       "docker rmi " + built + " >/dev/null",
                       timeout_ms));
    std::string out = exec_output(r);
    bool ran = out.find("docker-api-run-ok") != std::string::npos, built_ok = out.find("docker-api-built") != std::string::npos;
    if (!ran) out += "\n(expected the docker CLI to run a container through the socket)";
    else if (!built_ok) out += "\n(expected the image built through the socket to run its RUN step's file)";
    return Outcome{r.exit_code == 0 && !r.truncated && ran && built_ok, out};
  }

  // The rig's PID 1 runs under the profile in enforce mode, and container root still cannot write
  // /proc/sysrq-trigger (a write docker-default denies; with apparmor=unconfined and
  // systempaths=unconfined it would succeed, since root in the container owns the file's DAC check).
  // 'h' only prints the sysrq help to the kernel log, so even a failing check triggers nothing.
  Result<Outcome> apparmor_confined(long timeout_ms) {
    const std::string& p = in_.apparmor_profile;
    RIG_TRY(auto r, in_.rig.exec(ExecRequest{{"sh", "-c",
                                              "echo \"label: $(cat /proc/1/attr/current)\"; "
                                              "if echo h > /proc/sysrq-trigger; then echo 'sysrq-trigger: write allowed'; "
                                              "else echo 'sysrq-trigger: write refused'; fi"},
                                             "0", {}, timeout_ms}));
    std::string out = trim(r.out);
    bool label = out.find("label: " + p + " (enforce)") != std::string::npos;
    bool denied = out.find("write refused") != std::string::npos && out.find("Permission denied") != std::string::npos;
    if (!label) out += "\n(expected PID 1 under " + p + " (enforce))";
    if (!denied) out += "\n(expected the write to be refused with Permission denied)";
    if (r.truncated) out += "\n[output truncated: " + r.truncated_why + "]";
    return Outcome{r.exit_code == 0 && !r.truncated && label && denied, out};
  }

  // Container root's read of /proc/kcore (the host's physical memory as an ELF core) is refused by the
  // profile. The systempaths flag unmasks /proc, so no /dev/null bind mount hides the file: the refusal
  // must come from AppArmor (EACCES, "Permission denied", checked at open before the file's own
  // CAP_SYS_RAWIO test). "Operation not permitted" (EPERM) would be that capability test alone, a weaker
  // property, and fails the check.
  Result<Outcome> kcore_denied(long timeout_ms) {
    RIG_TRY(auto r, in_.rig.exec(ExecRequest{{"sh", "-c",
                                              "if err=$(head -c 1 /proc/kcore 2>&1 >/dev/null); then echo 'kcore: read allowed'; "
                                              "else echo \"kcore: read refused: $err\"; fi"},
                                             "0", {}, timeout_ms}));
    return kcore_outcome(r);
  }

  static Outcome kcore_outcome(const ExecResult& r) {
    std::string out = trim(r.out);
    bool refused = out.find("read refused") != std::string::npos;
    bool by_profile = refused && out.find("Permission denied") != std::string::npos;
    if (!refused) out += "\n(expected root's read of /proc/kcore to be refused)";
    else if (!by_profile) out += "\n(refused, but not with Permission denied: not the profile's denial)";
    if (r.truncated) out += "\n[output truncated: " + r.truncated_why + "]";
    return Outcome{r.exit_code == 0 && !r.truncated && by_profile, out};
  }

  // PID 1 is an init, and after the inner containers have run and stopped no process in the rig is a
  // zombie. Without an init PID 1 is the entrypoint's sleep, which reaps nothing: conmon and the rootless
  // network helpers podman leaves behind are re-parented to it and stay zombies (FIELD-NOTES §1). A zombie
  // may exist for an instant before an init reaps it, so the count is taken until it is zero, for ~2 s.
  Result<Outcome> init_reaps(long timeout_ms) {
    // Each zombie as "name (pid N, parent P)"; the last sample's list, empty when none was left.
    static const std::string script = R"SH(for i in 1 2 3 4 5 6 7 8 9 10; do
  z=$(for d in /proc/[0-9]*; do
        awk -v pid="${d#/proc/}" '/^Name:/{n=$2} /^State:/{s=$2} /^PPid:/{p=$2}
          END{if (s == "Z") print n " (pid " pid ", parent " p ")"}' "$d/status" 2>/dev/null
      done)
  [ -z "$z" ] && break
  sleep 0.2
done
echo "pid1: $(cat /proc/1/comm)"
printf '%s\n' "$z" | sed '/^$/d; s/^/zombie: /')SH";
    RIG_TRY(auto r, sh(script, timeout_ms));
    return init_outcome(r);
  }

  static Outcome init_outcome(const ExecResult& r) {
    // podman names its catatonit "podman-init" inside the container (measured, podman 4.3 service).
    static const std::set<std::string> kInits = {"docker-init", "podman-init", "catatonit", "tini", "dumb-init"};
    if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
    std::string pid1;
    std::vector<std::string> zombies;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("pid1: ", 0) == 0) pid1 = trim(line.substr(6));
      if (line.rfind("zombie: ", 0) == 0) zombies.push_back(line.substr(8));
    }
    bool init = kInits.count(pid1) > 0;
    std::string out = "PID 1 is " + (pid1.empty() ? std::string("?") : pid1) + (init ? " (an init)" : ", not an init") + "; " +
                      (zombies.empty() ? std::string("no zombie processes") : std::to_string(zombies.size()) + " zombie process(es): " + join(zombies, ", "));
    return Outcome{init && zombies.empty(), out};
  }

  // The rig's own limits, read back from its cgroup files (what the kernel enforces, not what the
  // engine's inspect says it asked for). cgroup v2 shows the rig's cgroup at the namespace root;
  // cgroup v1 (Docker mounts the container's own directory per controller) at /sys/fs/cgroup/<ctrl>.
  Result<Outcome> rig_limits(long timeout_ms) {
    static const std::string script = R"SH(if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  echo "cgroup v2"
  echo "memory $(cat /sys/fs/cgroup/memory.max)"
  echo "pids $(cat /sys/fs/cgroup/pids.max)"
  echo "cpu $(cat /sys/fs/cgroup/cpu.max)"
else
  echo "cgroup v1"
  echo "memory $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
  echo "pids $(cat /sys/fs/cgroup/pids/pids.max)"
  c=/sys/fs/cgroup/cpu; [ -r $c/cpu.cfs_quota_us ] || c=/sys/fs/cgroup/cpu,cpuacct
  echo "cpu $(cat $c/cpu.cfs_quota_us) $(cat $c/cpu.cfs_period_us)"
fi)SH";
    RIG_TRY(auto r, sh(script, timeout_ms));
    return rig_limits_outcome(r, in_.limits);
  }

  static Outcome rig_limits_outcome(const ExecResult& r, const RigLimits& want) {
    if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
    auto kv = keyed_lines(r.out);
    std::vector<std::string> seen, problems;
    // memory: bytes, or "max" (v2) / a page-rounded 2^63 (v1) when unlimited.
    int64_t mem = 0;
    bool mem_set = parse_i64(kv["memory"], mem) && mem < (int64_t{1} << 62);
    seen.push_back("memory " + (mem_set ? std::to_string(mem / (1024 * 1024)) + " MiB" : std::string("unlimited")));
    if (want.memory_bytes && (!mem_set || mem != want.memory_bytes))
      problems.push_back("memory limit is '" + kv["memory"] + "', the profile's is " + std::to_string(want.memory_bytes) + " bytes");
    int64_t pids = 0;
    bool pids_set = parse_i64(kv["pids"], pids);
    seen.push_back("pids " + (pids_set ? std::to_string(pids) : std::string("unlimited")));
    if (want.pids && (!pids_set || pids != want.pids))
      problems.push_back("pids limit is '" + kv["pids"] + "', the profile's is " + std::to_string(want.pids));
    // cpu: "quota period" in microseconds (v2 "max period" and v1 quota -1 mean unlimited).
    std::istringstream cpu(kv["cpu"]);
    std::string quota_s, period_s;
    cpu >> quota_s >> period_s;
    int64_t quota = 0, period = 0;
    bool cpu_set = parse_i64(quota_s, quota) && quota > 0 && parse_i64(period_s, period) && period > 0;
    double nano = cpu_set ? static_cast<double>(quota) * 1e9 / static_cast<double>(period) : 0;
    char cpus[64];
    std::snprintf(cpus, sizeof cpus, "cpu %.2f", nano / 1e9);
    seen.push_back(cpu_set ? std::string(cpus) : std::string("cpu unlimited"));
    // The engine rounds the quota to whole microseconds of its period.
    if (want.nano_cpus && (!cpu_set || std::abs(nano - static_cast<double>(want.nano_cpus)) > 1e6))
      problems.push_back("cpu quota is '" + kv["cpu"] + "', the profile's is " + std::to_string(want.nano_cpus) + " nano-CPUs");
    std::string out = trim(r.out) + "\nin force: " + join(seen, ", ");
    for (auto& p : problems) out += "\n(" + p + ")";
    return Outcome{problems.empty(), out};
  }

  // An inner container's --memory and --pids-limit hold: a 64 MiB allocation under --memory 32m (no
  // swap) is OOM-killed (exit 137 with podman's OOMKilled or the rig's oom_kill count going up) and a 40-process fork loop under --pids-limit 16 fails to fork, while the same
  // two without a limit succeed (so the limit, nothing else, stopped them). Rootless podman applies
  // them only through a delegated cgroup v2 subtree (security/cgroup_delegation.hpp); on cgroup v1 it
  // cannot at all, so there the check is not applicable.
  Result<Outcome> inner_limits(const std::string& base, long timeout_ms) {
    if (!in_.inner_limits_not_applicable.empty())
      return Outcome::not_applicable("inner --memory and --pids-limit are not enforced on this host: " + in_.inner_limits_not_applicable +
                                         "; inner containers are bounded only by the rig's own limits",
                                     "");
    const std::string cli = in_.inner_engine == "docker" ? "docker" : "podman";
    const std::string name = shell_quote("rig-limits-" + in_.run_id);
    // podman's cgroupfs manager puts inner containers under libpod_parent (the delegated subtree);
    // rootless dockerd without systemd has no delegation of its own to report.
    const std::string delegation = cli == "podman" ? R"SH(d=$cg/libpod_parent
if [ -w "$d" ] && [ -w "$d/cgroup.procs" ]; then echo "delegated: $d (children get: $(cat $d/cgroup.subtree_control))"
else echo "not delegated: $d is missing or not writable by uid $(id -u)"; fi
)SH" : "";
    // Rootless dockerd uses cgroups only through systemd's delegation (its driver is "none" without):
    // then every inner limit is discarded with a warning.
    const std::string docker_cgroups =
        cli == "docker" ? "if [ \"$(docker info --format '{{.CgroupDriver}}' 2>/dev/null)\" = none ]; then echo \"dockerd without cgroups\"; exit 0; fi\n"
                        : "";
    const std::string script = R"SH(cg=/sys/fs/cgroup
if [ "$(stat -fc %T $cg)" != cgroup2fs ]; then echo "cgroup v1"; exit 0; fi
)SH" + docker_cgroups + R"SH(echo "cgroup v2, /sys/fs/cgroup mounted $(awk '$5 == "/sys/fs/cgroup" {split($6, o, ","); print o[1]}' /proc/self/mountinfo)"
)SH" + delegation + R"SH(ooms() { awk '$1 == "oom_kill" {print $2}' $cg/memory.events 2>/dev/null || echo 0; }
)SH" + cli + " rm -f " + name + R"SH( >/dev/null 2>&1
before=$(ooms)
out=$()SH" + cli + " run --name " + name + " --pull=never --memory 32m --memory-swap 32m " + base +
                               R"SH( busybox dd if=/dev/zero of=/dev/null bs=64M count=1 2>&1); rc=$?
echo "memory-limited exit $rc, oom-killed $()SH" + cli + " inspect -f '{{.State.OOMKilled}}' " + name + R"SH( 2>/dev/null), oom-kill events +$(( $(ooms) - before ))"
[ $rc -eq 137 ] || printf '%s\n' "$out" | tail -n 2
)SH" + cli + " rm -f " + name + R"SH( >/dev/null 2>&1
)SH" + cli + " run --rm --pull=never " + base + R"SH( busybox dd if=/dev/zero of=/dev/null bs=64M count=1 >/dev/null 2>&1
echo "memory-unlimited exit $?"
fork='i=0; while [ $i -lt 40 ]; do busybox sleep 1 & i=$((i + 1)); done; wait'
out=$()SH" + cli + " run --rm --pull=never --pids-limit 16 " + base + R"SH( sh -c "$fork" 2>&1); rc=$?
echo "pids-limited exit $rc: $(printf '%s\n' "$out" | tail -n 1)"
)SH" + cli + " run --rm --pull=never " + base + R"SH( sh -c "$fork" >/dev/null 2>&1
echo "pids-unlimited exit $?")SH";
    RIG_TRY(auto r, sh(script, timeout_ms));
    return inner_limits_outcome(r, cli);
  }

  static Outcome inner_limits_outcome(const ExecResult& r, const std::string& cli = "podman") {
    if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
    std::string out = trim(r.out);
    if (out == "cgroup v1")
      return Outcome::not_applicable(
          "inner --memory and --pids-limit are not enforced on this host: cgroup v1 (" +
              std::string(cli == "docker" ? "rootless dockerd runs without cgroups there" : "rootless podman needs a delegated cgroup v2 subtree") +
              "); inner containers are bounded only by the rig's own limits",
          out);
    if (out == "dockerd without cgroups")
      return Outcome::not_applicable(
          "inner --memory and --pids-limit are not enforced in this rig: rootless dockerd runs without cgroups (its cgroup driver is "
          "none: it needs systemd's delegation, and the rig runs no systemd); inner containers are bounded only by the rig's own limits",
          out);
    auto kv = keyed_lines(out);
    // Killed by the OOM killer: SIGKILL (137) and either podman saw it (podman 5) or the kernel's
    // oom_kill counter of the rig's cgroup (hierarchical, so it counts the inner container's) went up:
    // podman 4.9 reports OOMKilled false for a rootless cgroupfs container the kernel did OOM-kill.
    const std::string& ml = kv["memory-limited"];
    bool oom = ml.rfind("exit 137, ", 0) == 0 &&
               (ml.find("oom-killed true") != std::string::npos ||
                (ml.find("oom-kill events +") != std::string::npos && ml.find("oom-kill events +0") == std::string::npos &&
                 ml.find("oom-kill events +-") == std::string::npos));
    bool mem_control = kv["memory-unlimited"] == "exit 0";
    const std::string& pl = kv["pids-limited"];
    bool fork_failed = pl.rfind("exit 0", 0) != 0 && !pl.empty() &&
                       (pl.find("can't fork") != std::string::npos || pl.find("Resource temporarily unavailable") != std::string::npos);
    bool pids_control = kv["pids-unlimited"] == "exit 0";
    if (!oom) out += "\n(memory limit not enforced: expected the 64 MiB allocation under --memory 32m to be OOM-killed, exit 137)";
    if (!mem_control) out += "\n(the same allocation without a limit failed too: the check cannot judge the limit)";
    if (!fork_failed) out += "\n(pids limit not enforced: expected the fork loop under --pids-limit 16 to fail to fork)";
    if (!pids_control) out += "\n(the same fork loop without a limit failed too: the check cannot judge the limit)";
    return Outcome{oom && mem_control && fork_failed && pids_control, out};
  }

  std::vector<Check> checks() {
    // Every value pasted into a script is quoted: refs, names and the network come from recipes and
    // the command line.
    const std::string web = shell_quote(in_.web_ref), base = shell_quote(in_.base_ref), run = in_.run_id;
    // A Docker rig's one network is rootlesskit's slirp4netns: its containers take dockerd's default.
    const std::string net =
        in_.inner_network.empty() || in_.inner_engine == "docker" ? "" : " --network=" + shell_quote(in_.inner_network);
    const std::string built = shell_quote("localhost/rig-smoke-built:" + run);
    const std::string port = std::to_string(in_.inner_port);
    // The inner engine's CLI: podman and docker spell every step below the same, except where noted.
    const bool docker = in_.inner_engine == "docker";
    const std::string cli = docker ? "docker" : "podman";
    const std::string engine_check = docker ? "docker-info" : "podman-info";
    // The budget of a check that reads a file or asks the engine one question. 30 s, not 15: in an
    // emulated (TCG) host with four checks side by side they took 9-14 s each, and restart-app's
    // inspect timed out at 15 s (vm_noble, 2026-12-07). A budget costs nothing when the check passes.
    constexpr long kQuickBudget = 30000;
    std::vector<Check> list{
        // Generous first-start and restart budgets: an emulated (TCG) host under load took ~60 s to bring
        // the rig up and ~90 s to restart it; a fast engine never waits them out.
        {{"outer-up", "outer container comes up"}, {}, 120000, [this](long t) { return wait_ready(t); }},
        {{"main-uid", "main process runs as uid 1000"}, {"outer-up"}, kQuickBudget,
         [this](long t) -> Result<Outcome> {
           RIG_TRY(auto r, sh("awk '/^Uid:/{print $2}' /proc/1/status; id -un", t));
           return from_exec(r, "1000");
         }},
        {{"not-privileged", "outer container is not privileged"}, {"outer-up"}, kQuickBudget,
         [this](long t) -> Result<Outcome> {
           RIG_TRY(auto info, in_.rig.state());
           if (!info) return Outcome{false, "the outer container is gone"};
           RIG_TRY(auto r, sh("grep CapBnd /proc/1/status", t));
           return not_privileged(*info, r, in_.bounding_set);
         }},
        {{"rig-limits", "the rig's memory, pids and CPU limits are in force (its cgroup files)"}, {"outer-up"}, kQuickBudget,
         [this](long t) { return rig_limits(t); }},
        docker ? Check{{"docker-info", "rootless dockerd answers (rootless, overlay2 driver)"}, {"outer-up"}, 60000,
                        [this](long t) -> Result<Outcome> {
                          // docker info prints client facts and exits 0 with no daemon: ask the server first.
                          RIG_TRY(auto r, engine_sh("docker version --format '{{.Server.Version}}' >/dev/null && docker info --format '{{json .}}'", t));
                          if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
                          return docker_info(r.out, facts_.inner_version);
                        }}
               : Check{{"podman-info", "podman info works (rootless, overlay driver)"}, {"outer-up"}, 60000,
                       [this](long t) -> Result<Outcome> {
                         RIG_TRY(auto r, sh("podman info --format json", t));
                         if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
                         auto o = podman_info(r.out, in_.inner_storage, facts_.podman_version);
                         facts_.inner_version = facts_.podman_version;
                         return o;
                       }},
        {{"inner-run", "inner web app runs (" + cli + " run -d -p " + port + ":80)"}, {engine_check}, 120000,
         [this, web, port, net, cli, docker](long t) -> Result<Outcome> {
           RIG_CHECK(put_images());
           // podman: --userns=auto, inner root maps into the subordinate range, not onto the rig user
           // (uid-isolation). Rootless dockerd has no per-container user namespace (uid-rig-user).
           RIG_TRY(auto r, engine_sh(cli + " load -q -i /tmp/rig-images/web.tar && " + cli + " run -d --name rig-web" +
                                  (docker ? "" : " --userns=auto") + net + " -p " + port + ":80 --pull=never " + web + " && " + cli +
                                  " inspect -f '{{.State.Running}}' rig-web",
                              t));
           return from_exec(r, "true");
         }},
        {{"host-reach", "host reaches the inner app on 127.0.0.1"}, {"inner-run"}, 20000,
         [this](long t) { return host_get(t); }},
        {{"inner-build", "inner " + cli + " build with a RUN step"}, {engine_check}, 180000,
         [this, base, built, cli, docker](long t) -> Result<Outcome> {
           // docker: the classic builder (the rig has no buildx), which never pulls a base it has.
           RIG_CHECK(put_images());
           RIG_TRY(auto r, engine_sh("set -e; test -f /tmp/rig-images/base.tar || exit 3; " + cli + " load -q -i /tmp/rig-images/base.tar; "
                              "mkdir -p /workspace/.rig-smoke && cd /workspace/.rig-smoke && "
                              "printf 'FROM %s\\nRUN echo built-ok > /built\\n' " + base + " > Containerfile && " +
                                  (docker ? "DOCKER_BUILDKIT=0 docker build -q -f Containerfile -t " : "podman build -q --pull=never -t ") +
                                  built + " .",
                              t));
           return from_exec(r);
         }},
        {{"built-runs", "built image runs and shows its layer"}, {"inner-build"}, 60000,
         [this, built, cli](long t) -> Result<Outcome> {
           RIG_TRY(auto r, engine_sh(cli + " run --rm --pull=never " + built + " cat /built && " + cli +
                                  " image inspect -f '{{len .RootFS.Layers}} layers' " + built,
                              t));
           return from_exec(r, "built-ok");
         }},
        // After inner-build, which loaded the base image.
        {{"inner-limits", "inner --memory and --pids-limit are enforced"}, {"inner-build"}, 180000,
         [this, base](long t) { return inner_limits(base, t); }},
        {{"docker-api", "a docker CLI inside drives the rig's Docker API socket (run, build)"}, {"inner-build"}, 180000,
         [this, base](long t) { return docker_api(base, t); }},
        // After built-runs so the inner containers (the build's RUN step, built-runs' --rm run) have run
        // and exited; before the restart, which would start a fresh PID 1.
        {{"init-reaps", "an init is PID 1 and no zombie is left"}, {"outer-up"}, kQuickBudget,
         [this](long t) { return init_reaps(t); }, Order::AfterEarlier},
        {{"restart-workspace", "workspace marker survives restart"}, {"outer-up"}, 180000,
         [this, run](long t) -> Result<Outcome> {
           RIG_TRY(auto w, sh("echo " + shell_quote(run) + " > /workspace/.rig-marker", 10000));
           if (w.exit_code != 0) return from_exec(w);
           auto t0 = Clock::now();
           // The restart may use the check's whole budget: on an emulated arm64 host stop + start
           // outlasted a fixed 40 s HTTP wait (measured: docs/vmhost.md).
           RIG_CHECK(in_.rig.restart(in_.restart_timeout_s, t));
           RIG_TRY(auto ready, wait_ready(t));
           double secs = since(t0);
           if (!ready.ok) return ready;
           RIG_TRY(auto r, sh("cat /workspace/.rig-marker", 10000));
           auto o = from_exec(r, run);
           char buf[64];
           std::snprintf(buf, sizeof buf, "restart + ready in %.2f s", secs);
           o.note = buf;
           o.metric = secs;
           return o;
         },
         Order::Alone},
        {{"restart-image", "built image survives restart"}, {"restart-workspace", "inner-build"}, 30000,
         [this, built, cli](long t) -> Result<Outcome> {
           RIG_TRY(auto r, engine_sh(cli + " image inspect " + built + " >/dev/null && echo present", t));
           return from_exec(r, "present");
         }},
        {{"restart-app", "inner app is back after restart and the host reaches it"}, {"restart-workspace", "inner-run"}, 60000,
         [this, cli](long t) -> Result<Outcome> {
           // Half the budget each: the inspect, then the host's GET (which polls until the app answers).
           RIG_TRY(auto r, engine_sh(cli + " inspect -f '{{.State.Running}}' rig-web", t / 2));
           if (r.exit_code != 0 || r.truncated || trim(r.out) != "true") return from_exec(r, "true");
           return host_get(t / 2);
         }},
        // Each engine's isolation under its own name: the Docker rig's property is weaker.
        docker ? Check{{"uid-rig-user", "inner root maps onto the rig user, never host root (weaker than podman's --userns=auto)"},
                       {"inner-run"},
                       kQuickBudget,
                       [this](long t) -> Result<Outcome> {
                         RIG_TRY(auto r, sh(uid_maps_script("docker"), t));
                         if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
                         return uid_rig_user(r.out);
                       }}
               : Check{{"uid-isolation", "inner root maps to a non-root, non-1000 host uid"},
                       {"inner-run"},
                       kQuickBudget,
                       [this](long t) -> Result<Outcome> {
                         RIG_TRY(auto r, sh(uid_maps_script("podman"), t));
                         if (r.exit_code != 0 || r.truncated) return Outcome{false, exec_output(r)};
                         return uid_isolation(r.out);
                       }},
    };
    if (!in_.docker_api)
      list.erase(std::remove_if(list.begin(), list.end(), [](const Check& c) { return c.info.id == "docker-api"; }), list.end());
    if (!in_.apparmor_profile.empty())
      list.push_back({{"apparmor-confined", "rig confined by " + in_.apparmor_profile + "; sysrq-trigger write denied"},
                      {"outer-up"},
                      kQuickBudget,
                      [this](long t) { return apparmor_confined(t); }});
    if (!in_.apparmor_profile.empty())
      list.push_back({{"kcore-denied", "root's read of /proc/kcore refused by " + in_.apparmor_profile},
                      {"outer-up"},
                      kQuickBudget,
                      [this](long t) { return kcore_denied(t); }});
    return list;
  }

  // The inner app's uid_map ("inner") and the rig's own ("outer").
  static std::string uid_maps_script(const std::string& cli) {
    return "set -e; pid=$(" + cli + " inspect -f '{{.State.Pid}}' rig-web); test \"$pid\" -gt 0; "
           "echo inner; cat /proc/$pid/uid_map; echo outer; cat /proc/self/uid_map";
  }

  // "inner" and "outer" uid_map texts -> where inner root lands: in the rig (X, the inner map) and on
  // the host (Y, X through the outer map); -1 where a map does not cover it.
  struct RootPath {
    long long rig_uid = -1, host_uid = -1;
    std::string error;  // the text was not two uid_maps
  };
  static RootPath inner_root_path(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    std::vector<std::array<long long, 3>> inner, outer;
    auto* cur = &inner;
    while (in >> word) {
      if (word == "inner") { cur = &inner; continue; }
      if (word == "outer") { cur = &outer; continue; }
      // Anything but "inner"/"outer" and number triples means the commands printed something else
      // (an error); report it rather than guess.
      long long a = 0, b = 0, c = 0;
      auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), a);
      if (ec != std::errc() || end != word.data() + word.size() || !(in >> b >> c)) return {-1, -1, "(not a uid_map: '" + word + "')"};
      cur->push_back({a, b, c});
    }
    auto map = [](const std::vector<std::array<long long, 3>>& m, long long id) -> long long {
      for (auto& e : m)
        if (id >= e[0] && id < e[0] + e[2]) return id - e[0] + e[1];
      return -1;
    };
    RootPath p;
    p.rig_uid = map(inner, 0);
    p.host_uid = p.rig_uid < 0 ? -1 : map(outer, p.rig_uid);
    return p;
  }

  // podman --userns=auto: inner root lands in the subordinate range, so on the host it is neither
  // root nor the rig user (1000).
  static Outcome uid_isolation(const std::string& text) {
    auto p = inner_root_path(text);
    if (!p.error.empty()) return Outcome{false, text + p.error};
    std::string out = text + "inner root -> rig uid " + std::to_string(p.rig_uid) + " -> host uid " + std::to_string(p.host_uid);
    return Outcome{p.host_uid > 0 && p.host_uid != 1000, out};
  }

  // Rootless dockerd: every inner container shares rootlesskit's user namespace, whose root is the rig
  // user (uid_map "0 1000 1"). The property that holds is weaker than uid-isolation: inner root is the
  // rig user (1000, what main-uid checks the rig runs as) and never host root; an escape from an inner
  // container is the rig user, with the rig user's files. Passed only for exactly that.
  static Outcome uid_rig_user(const std::string& text) {
    auto p = inner_root_path(text);
    if (!p.error.empty()) return Outcome{false, text + p.error};
    std::string out = text + "inner root -> rig uid " + std::to_string(p.rig_uid) + " -> host uid " + std::to_string(p.host_uid);
    bool ok = p.rig_uid == 1000 && p.host_uid > 0;
    out += ok ? "\ninner root is the rig user, not host root (podman's --userns=auto would map it into the subordinate range)"
              : "\n(expected inner root to be the rig user, uid 1000, and a non-root host uid)";
    return Outcome{ok, out};
  }

 private:
  ChainInputs& in_;
  HostFacts& facts_;
  std::mutex images_mu_;
  bool images_put_ = false;
};

}  // namespace

const char* check_state_name(CheckState s) {
  switch (s) {
    case CheckState::Pass: return "pass";
    case CheckState::Fail: return "fail";
    case CheckState::NotRun: return "not-run";
    case CheckState::NotApplicable: return "not-applicable";
  }
  return "?";
}

int SmokeReport::count(CheckState s) const {
  int n = 0;
  for (auto& c : checks) n += c.status == s;
  return n;
}

const CheckResult* SmokeReport::first_failure() const {
  for (auto& c : checks)
    if (c.status == CheckState::Fail) return &c;
  return nullptr;
}

namespace {

// Runs one check and turns what it returned into its result (status, output, diagnosis). A runtime
// error fails the check, unless the runtime itself is gone: that ends the run (fatal).
struct CheckRun {
  CheckResult res;
  std::optional<Error> fatal;
};

CheckRun run_one_check(const Check& c, CheckResult res, ChainInputs& in) {
  CheckRun out;
  auto t0 = Clock::now();
  auto got = c.run(static_cast<long>(static_cast<double>(c.timeout_ms) * in.timeout_scale));
  res.seconds = since(t0);
  if (!got) {
    if (got.error().category() == Category::Interrupted) {
      out.fatal = std::move(got).error();
    } else if (got.error().category() == Category::Unavailable && !in.rig.state()) {
      // No later check can say anything: the run ends as the engine being unavailable (exit 3).
      out.fatal = std::move(got).error().add_context("check " + res.id + " (the engine no longer answers)");
    } else {
      res.status = CheckState::Fail;
      res.output = valid_utf8(tail(got.error().what()));
    }
  } else {
    res.status = !got->applicable ? CheckState::NotApplicable : got->ok ? CheckState::Pass : CheckState::Fail;
    // Stored and reported (JSON, JUnit): cut at a character boundary, invalid bytes replaced.
    res.output = valid_utf8(tail(got->output));
    res.note = valid_utf8(got->note);
    res.metric = got->metric;
  }
  if (res.status == CheckState::Fail) res.diagnosis = diagnose(res.output);
  out.res = std::move(res);
  return out;
}

}  // namespace

// The checks run side by side (up to in.jobs at once) as their needs and order allow; results are
// kept, numbered and reported (on_result) in the list's order whatever order they end in. With jobs
// 1 the first runnable check in list order always runs next: exactly the sequential chain.
Result<std::vector<CheckResult>> run_chain(ChainInputs& in, HostFacts& facts) {
  Chain chain(in, facts);
  const auto list = chain.checks();
  const size_t n = list.size();
  enum class Phase { Pending, Running, Done };
  std::vector<Phase> phase(n, Phase::Pending);
  std::vector<CheckResult> results(n);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) {
    index[list[i].info.id] = i;
    results[i].number = static_cast<int>(i + 1);
    results[i].id = list[i].info.id;
    results[i].title = list[i].info.title;
  }
  const unsigned jobs = std::max(1u, in.jobs);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread> threads;
  // Each check runs at most once: a push_back never reallocates, so it cannot throw with a started
  // thread in hand (which would terminate).
  threads.reserve(n);
  unsigned running = 0;
  bool stopped = false;
  std::optional<Error> fatal;
  size_t reported = 0;
  // A check the system refused a thread for (core/thread.hpp): it runs on this thread once no other
  // check is running, so a pids limit makes the chain sequential instead of ending it.
  // (An index, not an optional: GCC 12 warns the optional may be read uninitialised.)
  constexpr size_t kNoneRefused = static_cast<size_t>(-1);
  size_t refused = kNoneRefused;

  // Runs check i and records its end; on its own thread or, when refused one, on this one.
  auto run_it = [&](size_t i) {
    CheckRun r;
    Status escaped = guarded(("check " + results[i].id).c_str(), [&] {
      r = run_one_check(list[i], results[i], in);
      return ok();
    });
    std::lock_guard g(mu);
    if (!escaped.ok()) {
      if (!fatal) fatal = std::move(escaped).error();
    } else if (r.fatal) {
      if (!fatal) fatal = std::move(r.fatal);
    } else {
      results[i] = std::move(r.res);
      if (results[i].status == CheckState::Fail && in.stop_at_first_failure) stopped = true;
    }
    phase[i] = Phase::Done;
    --running;
    cv.notify_all();
  };

  auto done = [&](size_t i) { return phase[i] == Phase::Done; };
  // Under the lock: settles every pending check that can be settled without running it, and starts
  // those that may start now. Returns when nothing more can happen until a running check ends.
  auto schedule = [&](std::unique_lock<std::mutex>& lock) {
    (void)lock;
    // Asked afresh on every pass: a check refused before may get its thread now, and must then not
    // also run below on this thread.
    refused = kNoneRefused;
    bool alone_running = false, earlier_pending = false;
    for (size_t i = 0; i < n; ++i)
      if (phase[i] == Phase::Running && list[i].order == Order::Alone) alone_running = true;
    for (size_t i = 0; i < n; ++i) {
      if (phase[i] != Phase::Pending) {
        earlier_pending = earlier_pending || phase[i] == Phase::Running;
        if (phase[i] == Phase::Running && list[i].order == Order::Alone) break;  // nothing after it starts
        continue;
      }
      auto& res = results[i];
      const auto& c = list[i];
      if (stopped || fatal) {
        if (!fatal) {
          res.note = "chain stopped at the first failure";
          phase[i] = Phase::Done;
        }
        continue;
      }
      if (!in.only.empty() && !in.only.count(res.id)) {
        res.note = "not needed for this run";
        phase[i] = Phase::Done;
        continue;
      }
      // Its needs: all ended? any not passed?
      bool needs_done = true;
      std::string blocked;
      for (auto& need : c.needs) {
        auto it = index.find(need);
        if (it == index.end()) {
          blocked += (blocked.empty() ? "" : ", ") + need;  // a check this chain does not have
          continue;
        }
        if (!done(it->second)) needs_done = false;
        else if (results[it->second].status != CheckState::Pass) blocked += (blocked.empty() ? "" : ", ") + need;
      }
      if (needs_done && !blocked.empty()) {
        res.note = "needs " + blocked;
        phase[i] = Phase::Done;
        continue;
      }
      bool may_start = needs_done && running < jobs && !alone_running;
      if (c.order != Order::Free && earlier_pending) may_start = false;
      if (c.order == Order::Alone && running > 0) may_start = false;
      if (may_start) {
        if (interrupted()) {
          fatal = interrupted_error();
          continue;
        }
        auto started = start_thread("check " + res.id, [&run_it, i] { run_it(i); });
        if (!started) {
          refused = i;  // still Pending: it runs below once nothing else runs
          return;
        }
        phase[i] = Phase::Running;
        ++running;
        if (c.order == Order::Alone) alone_running = true;
        threads.push_back(std::move(started).value());
      }
      earlier_pending = true;
      // An Alone check not yet started holds back every later one.
      if (c.order == Order::Alone) break;
    }
  };

  {
    std::unique_lock lock(mu);
    for (;;) {
      schedule(lock);
      // Report, in list order, what has ended.
      while (!fatal && reported < n && done(reported)) {
        if (in.on_result) in.on_result(results[reported]);
        ++reported;
      }
      if (running == 0 && (fatal || reported == n)) break;
      if (running == 0 && refused != kNoneRefused) {
        const size_t i = refused;
        refused = kNoneRefused;
        phase[i] = Phase::Running;
        ++running;
        lock.unlock();
        run_it(i);
        lock.lock();
        continue;
      }
      if (running == 0) {
        // Nothing runs and nothing could start: a check needs one that never ends (a list mistake).
        for (size_t i = 0; i < n; ++i)
          if (phase[i] == Phase::Pending) {
            results[i].note = "never became runnable";
            phase[i] = Phase::Done;
          }
        continue;
      }
      cv.wait(lock);
    }
  }
  for (auto& t : threads) t.join();
  if (fatal) return std::move(*fatal);
  return results;
}

}  // namespace rig
