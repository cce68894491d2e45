// `rigctl host up|down|run`: disposable emulated Docker hosts (vmhost/vmhost.hpp). `run` boots one,
// runs this same binary against it (DOCKER_HOST) and takes it down again, whatever happens.
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "cli/app.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "vmhost/vmhost.hpp"

namespace rig::cli {

namespace {

struct HostOptions {
  std::string name;
  uint16_t port = 0;
  unsigned cpus = 2, memory_mb = 4096;
  double boot_timeout = 240;
  bool json = false;
  std::vector<std::string> args;
};

std::filesystem::path host_recipe(const std::string& arg) {
  if (arg.find('/') != std::string::npos || arg.ends_with(".json")) return arg;
  auto p = shipped_file("recipes/hosts/" + arg + ".json");
  return p.empty() ? std::filesystem::path("recipes/hosts") / (arg + ".json") : p;
}

std::string host_name(const std::string& arg) {
  auto stem = std::filesystem::path(arg).stem().string();
  return stem.empty() ? arg : stem;
}

// Boot progress on the progress line; what the VM reports later (port mirrors, from another
// thread, while a child command owns the terminal) only as debug log lines.
Result<std::unique_ptr<VmHost>> boot(const HostOptions& o, const Globals& g) {
  auto progress = std::make_shared<Progress>(g.verbose);
  auto booting = std::make_shared<std::atomic<bool>>(true);
  VmHostOptions vo;
  vo.name = host_name(o.name);
  vo.recipe = host_recipe(o.name);
  vo.port = o.port;
  vo.cpus = o.cpus;
  vo.memory_mb = o.memory_mb;
  vo.boot_timeout_s = o.boot_timeout;
  vo.progress = [progress, booting](const std::string& m) {
    if (*booting)
      progress->phase(m);
    else
      spdlog::debug("{}", m);
  };
  auto vm = VmHost::up(vo, g.borders().runner, g.borders().engines);
  *booting = false;
  progress->done();
  if (!vm) return std::move(vm).error().add_context("host up '" + o.name + "'");
  return vm;
}

std::string timings_line(const VmHost& vm) {
  char buf[160];
  auto& t = vm.timings();
  std::snprintf(buf, sizeof buf, "build %.1f s, boot %.1f s, engine ready %.1f s (%s)", t.build, t.boot, t.engine_ready, vm.accel().c_str());
  return buf;
}

Status run_up(const HostOptions& o, const Globals& g) {
  RIG_TRY(auto vm, boot(o, g));
  auto& s = vm->state();
  if (o.json) {
    json j = {{"name", s.name},
              {"endpoint", s.endpoint},
              {"pid", s.pid},
              {"run_dir", s.run_dir.string()},
              {"accel", s.accel},
              {"kernel", vm->kernel_release()},
              {"timings", {{"build", vm->timings().build}, {"boot", vm->timings().boot}, {"engine_ready", vm->timings().engine_ready}}}};
    std::printf("%s\n", json_text(j, 2).c_str());
  } else {
    std::printf("%s %s\n%s\nexport DOCKER_HOST=%s   # rigctl host down %s\n", s.name.c_str(), s.endpoint.c_str(), timings_line(*vm).c_str(),
                s.endpoint.c_str(), s.name.c_str());
  }
  vm->detach();
  return ok();
}

Status run_down(const HostOptions& o) {
  const auto name = host_name(o.name);
  size_t n = 0;
  for (auto& s : list_vm_states()) {
    if (s.name != name) continue;
    stop_vm_process(s.pid, s.run_dir);
    remove_vm_state(s);
    std::printf("stopped %s (%s, pid %d)\n", s.id.c_str(), s.endpoint.c_str(), static_cast<int>(s.pid));
    ++n;
  }
  if (n == 0) std::printf("no VM host '%s' is up\n", name.c_str());
  return ok();
}

// This binary with `args`, DOCKER_HOST pointing at the VM; its output goes straight through.
Result<int> run_self(const std::vector<std::string>& args, const std::string& endpoint) {
  std::vector<char*> argv;
  std::string self = "rigctl";
  argv.push_back(self.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return internal_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setenv("DOCKER_HOST", endpoint.c_str(), 1);
    ::execv("/proc/self/exe", argv.data());
    std::fprintf(stderr, "rigctl: exec /proc/self/exe: %s\n", std::strerror(errno));
    ::_exit(127);
  }
  track_child(pid);  // an interrupt reaches it; it cleans up its own rigs and exits 130
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  untrack_child(pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

Status run_run(const HostOptions& o, const Globals& g) {
  if (o.args.empty()) return usage_error("nothing to run: rigctl host run NAME -- COMMAND [ARGS...]");
  RIG_TRY(auto vm, boot(o, g));
  std::fprintf(stderr, "rigctl: host %s up at %s: %s\n", vm->state().name.c_str(), vm->endpoint().c_str(), timings_line(*vm).c_str());
  auto t0 = std::chrono::steady_clock::now();
  RIG_TRY(int code, run_self(o.args, vm->endpoint()));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "rigctl: host %s: %s, rigctl %s %.1f s (exit %d)\n", vm->state().name.c_str(), timings_line(*vm).c_str(),
               o.args.front().c_str(), secs, code);
  RIG_CHECK(vm->down());
  if (interrupted()) return interrupted_error();
  if (code == 0) return ok();
  // The child printed its own error; carry its exit code through the category that maps back to it.
  Category c = code == 2 ? Category::Usage : code == 3 ? Category::Unavailable : code == 130 ? Category::Interrupted : Category::Checks;
  return Error(c, "'rigctl " + o.args.front() + "' against the VM host exited with status " + std::to_string(code));
}

}  // namespace

void register_host(CLI::App& app, Action& action, const Globals& g) {
  auto* host = app.add_subcommand("host", "Disposable emulated Docker hosts (qemu VMs, recipes/hosts/)");
  host->require_subcommand(1);
  auto o = std::make_shared<HostOptions>();
  auto common = [o](CLI::App* sub) {
    sub->add_option("NAME", o->name, "Host recipe name (recipes/hosts/NAME.json) or path")->required();
    sub->add_option("--port", o->port, "127.0.0.1 port for the VM's Docker API (default: a free one)");
    sub->add_option("--cpus", o->cpus, "Virtual CPUs")->check(CLI::Range(1, 64));
    sub->add_option("--memory", o->memory_mb, "Memory in MB")->check(CLI::Range(512, 1 << 20));
    sub->add_option("--boot-timeout", o->boot_timeout, "Seconds until the engine must answer")->check(CLI::Range(0.001, 86400.0));  // not NaN or inf: a boot wait must end
  };
  auto* up = host->add_subcommand("up", "Boot a VM host and leave it running; prints its endpoint and timings");
  common(up);
  up->add_flag("--json", o->json, "Print the endpoint, pid, run dir and timings as JSON");
  up->callback([o, &action, &g] { action = [o, &g] { return run_up(*o, g); }; });

  auto* down = host->add_subcommand("down", "Stop a VM host started by `host up` and remove its run dir");
  down->add_option("NAME", o->name, "Host recipe name")->required();
  down->callback([o, &action] { action = [o] { return run_down(*o); }; });

  auto* run = host->add_subcommand("run", "Boot a VM host, run `rigctl ARGS...` against it (DOCKER_HOST), stop it; exits with its code");
  common(run);
  run->add_option(kPassThroughArgs, o->args, "rigctl arguments, after --")->required();
  run->callback([o, &action, &g] { action = [o, &g] { return run_run(*o, g); }; });
}

}  // namespace rig::cli
