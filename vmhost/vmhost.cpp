#include "vmhost/vmhost.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/catalog.hpp"
#include "builder/recipe.hpp"
#include "core/text.hpp"
#include "host/machine.hpp"
#include "core/arch.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "core/json_shape.hpp"
#include "engine/engine.hpp"
#include "vmhost/host_image.hpp"
#include "vmhost/qemu_command.hpp"

namespace rig {

namespace {

constexpr const char* kInitMarker = "rigctl-host: init started";
constexpr const char* kDockerdDied = "rigctl-host: dockerd exited";
// TCG reaches the init in ~3-6 s here; a KVM guest that shows nothing in this long is hung.
constexpr double kKvmProbeSeconds = 30;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The pid of the qemu whose command line names `run_dir`, found in /proc: the pidfile of a qemu
// interrupted while daemonizing may never have been read (or written yet).
pid_t find_vm_process(const std::filesystem::path& run_dir) {
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    if (vm_process_alive(pid, run_dir)) return pid;
  }
  return 0;
}

// qemu -daemonize forks; the daemon writes the pidfile and detaches (its own session, out of the
// reach of the interrupt forwarded to the parent's group). Whatever happened to the parent, the
// daemon is found - pidfile first, then /proc - so the state file names it and down() stops it.
pid_t daemon_pid(const std::filesystem::path& pidfile, const std::filesystem::path& run_dir, bool wait_for_it) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_for_it ? 3 : 0);
  for (;;) {
    if (auto text = read_file(pidfile)) {
      pid_t pid = static_cast<pid_t>(std::atoi(text->c_str()));
      if (pid > 0) return pid;
    }
    if (pid_t pid = find_vm_process(run_dir); pid > 0) return pid;
    if (std::chrono::steady_clock::now() >= deadline) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// A hanging KVM costs a whole probe: remember the verdict for this boot of the machine.
std::filesystem::path kvm_verdict_file() { return cache_root() / "hosts" / "kvm.json"; }
std::string boot_id() {
  auto id = read_file("/proc/sys/kernel/random/boot_id");
  std::string s = id ? *id : "";
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}
std::optional<bool> kvm_known_good() {
  auto text = read_file(kvm_verdict_file());
  if (!text) return std::nullopt;
  auto j = parse_json_document(*text);
  static const json shape = json::parse(R"({"type": "object", "required": ["boot_id", "good"],
    "properties": {"boot_id": {"type": "string"}, "good": {"type": "boolean"}}})");
  if (!j || !check_shape(*j, shape).ok() || (*j)["boot_id"] != boot_id()) return std::nullopt;
  return (*j)["good"].get<bool>();
}
void remember_kvm(bool good) {
  (void)write_file_atomic(kvm_verdict_file(), json_text(json{{"boot_id", boot_id()}, {"good", good}}) + "\n");
}

}  // namespace

std::string tail_lines(const std::string& text, size_t lines) {
  // The serial console ends lines with \r\n; the tail is shown with \n only, each line ended.
  std::string plain;
  for (char c : text)
    if (c != '\r') plain += c;
  std::string out = tail(plain, lines, std::string::npos);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

Result<uint16_t> free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return internal_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) return internal_error("cannot find a free 127.0.0.1 port: " + std::string(std::strerror(errno)));
  return static_cast<uint16_t>(ntohs(a.sin_port));
}

Result<std::unique_ptr<VmHost>> VmHost::up(const VmHostOptions& o, CommandRunner& runner, EngineConnector& engines) {
  RIG_TRY(auto recipe, load_recipe(o.recipe));
  if (!recipe.host) return usage_error("recipe '" + o.recipe.string() + "' has no \"host\" section: it is not a host recipe");
  const std::string arch = recipe.architectures.front();  // exactly one in a host recipe
  auto machine = qemu_machine_for(arch);
  if (!machine)
    return usage_error("rigctl boots amd64 and arm64 hosts, not '" + arch + "'")
        .add_context("architectures")
        .add_context("load recipe '" + o.recipe.string() + "'");
  const std::string qemu_package = arch == "arm64" ? "qemu-system-arm" : "qemu-system-x86";
  for (const std::string& tool : {machine->binary, std::string("qemu-img"), std::string("mkfs.ext4"), std::string("tar")})
    if (!which_on_path(tool)) return unavailable(tool + " is not installed", "apt-get install -y " + qemu_package + " qemu-utils e2fsprogs");

  std::unique_ptr<VmHost> vm(new VmHost());
  vm->opts_ = o;
  auto t0 = now_s();
  RIG_TRY(auto image, build_host_image(recipe, runner, o.progress));
  vm->timings_.build = now_s() - t0;
  vm->machine_ = *machine;
  vm->kernel_ = image.kernel;
  vm->initrd_ = image.initrd;
  vm->disk_ = image.disk;
  vm->kernel_release_ = image.kernel_release;
  vm->init_ = recipe.host->init;
  vm->cmdline_ = recipe.host->cmdline;
  vm->sysctls_ = recipe.host->sysctls;

  auto& s = vm->state_;
  s.id = o.name + "-" + random_token(8);
  s.name = o.name;
  s.owner = ::getpid();
  if (o.port) {
    s.port = o.port;
  } else {
    RIG_TRY(s.port, free_loopback_port());
  }
  s.endpoint = "tcp://127.0.0.1:" + std::to_string(s.port);
  s.run_dir = vm_run_root() / s.id;
  // The state file comes first: from here on `rigctl gc` can find whatever this run leaves.
  RIG_CHECK(write_vm_state(s));
  std::error_code ec;
  std::filesystem::create_directories(s.run_dir, ec);
  if (ec) return internal_error("cannot create '" + s.run_dir.string() + "': " + ec.message());

  const char* override_env = std::getenv("RIGCTL_VM_ACCEL");
  bool kvm_usable = ::access("/dev/kvm", R_OK | W_OK) == 0;
  auto plan = accel_plan(arch == host_arch(), kvm_usable, kvm_known_good(), override_env ? override_env : "");
  for (size_t i = 0; i < plan.size(); ++i) {
    bool last = i + 1 == plan.size();
    double timeout = last ? o.boot_timeout_s : kKvmProbeSeconds;
    RIG_TRY(auto failure, vm->boot_with(plan[i], timeout, runner));
    if (plan[i] == "kvm" && !override_env) remember_kvm(failure.empty());
    if (failure.empty()) break;
    if (last) return unavailable("the VM did not come up (" + plan[i] + "): " + failure, "see " + (s.run_dir / "console.log").string());
    vm->say("host " + o.name + ": " + plan[i] + ": " + failure.substr(0, failure.find('\n')) + "; falling back to " + plan[i + 1]);
  }
  vm->timings_.boot = now_s() - vm->started_;
  vm->say("host " + o.name + ": init started after " + std::to_string(vm->timings_.boot).substr(0, 4) + " s (" + s.accel +
          "), waiting for the engine");
  RIG_CHECK(vm->wait_engine(o.boot_timeout_s - vm->timings_.boot, engines));
  vm->timings_.engine_ready = now_s() - vm->started_;
  if (o.mirror_ports) {
    // The mirror's own connection, used only by its thread.
    RIG_TRY(auto conn, engines.connect(s.endpoint).context("host " + o.name + ": port mirror"));
    std::shared_ptr<Engine> guest(std::move(conn.engine));
    auto list = [guest] { return guest->list_container_summaries(std::string(kLabelManaged) + "=true"); };
    vm->mirror_ = std::make_unique<PortMirror>(list, s.run_dir / "qmp.sock", [p = o.progress](const std::string& m) {
      if (p) p(m);
    });
    RIG_CHECK(vm->mirror_->start().context("host " + o.name + ": port mirror"));
  }
  return vm;
}

// Starts qemu on a fresh overlay and waits for the init's first marker. Returns "" when it showed,
// otherwise why not (qemu refused to start, died, or stayed silent) with the VM stopped again.
Result<std::string> VmHost::boot_with(const std::string& accel, double timeout_s, CommandRunner& runner) {
  auto& s = state_;
  stop_vm_process(s.pid, s.run_dir);
  std::error_code ec;
  const auto overlay = s.run_dir / "disk.qcow2", console = s.run_dir / "console.log", pidfile = s.run_dir / "qemu.pid";
  for (auto& f : {overlay, console, pidfile}) std::filesystem::remove(f, ec);
  Command img;
  img.argv = {"qemu-img", "create", "-q", "-f", "qcow2", "-b", disk_.string(), "-F", "raw", overlay.string()};
  RIG_TRY(auto made, runner.run(img));
  if (made.status != 0) return internal_error("qemu-img create failed:\n" + made.tail(), shell_quote(img.argv));

  QemuSpec q;
  q.machine = machine_;
  q.kernel = kernel_;
  q.initrd = initrd_;
  q.disk = overlay;
  q.console = console;
  q.pidfile = pidfile;
  q.monitor = s.run_dir / "qmp.sock";
  q.accel = accel;
  q.port = s.port;
  q.cpus = opts_.cpus;
  q.memory_mb = opts_.memory_mb;
  q.init = init_;
  q.cmdline_extra = cmdline_;
  q.sysctls = sysctls_;
  say("host " + opts_.name + ": booting (" + machine_.arch + ", " + accel + ", " + std::to_string(q.cpus) + " cpus, " + std::to_string(q.memory_mb) +
      " MB, Docker API on " + s.endpoint + ")");
  started_ = now_s();
  auto cmd = qemu_command(q);
  auto done = runner.run(cmd);
  s.accel = accel;
  if (!done) {
    // Interrupted while qemu daemonized: the daemon may be up already. Record it before unwinding,
    // so this VmHost's destructor (or a later gc) stops it.
    if (done.error().category() == Category::Interrupted) {
      s.pid = daemon_pid(pidfile, s.run_dir, true);
      (void)write_vm_state(s);
    }
    return std::move(done).error();
  }
  if (done->status != 0) return "qemu exited with status " + std::to_string(done->status) + " at start: " + done->tail(3);
  s.pid = daemon_pid(pidfile, s.run_dir, false);
  RIG_CHECK(write_vm_state(s));
  if (interrupted()) return interrupted_error();
  while (now_s() - started_ < timeout_s) {
    if (interrupted()) return interrupted_error();
    auto text = read_file(console);
    if (text && text->find(kInitMarker) != std::string::npos) return std::string();
    if (!vm_process_alive(s.pid, s.run_dir)) return "the VM stopped before its init ran; console:\n" + console_tail();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop_vm_process(s.pid, s.run_dir);
  return "nothing from its init on the console in " + std::to_string(static_cast<int>(timeout_s)) + " s; console:\n" + console_tail();
}

Status VmHost::wait_engine(double timeout_s, EngineConnector& engines) {
  auto t0 = now_s();
  std::string last;
  while (now_s() - t0 < timeout_s) {
    if (interrupted()) return interrupted_error();
    // Ready = a connection succeeds: the engine answers its version at an API level rigctl speaks.
    auto c = engines.connect(state_.endpoint);
    if (c) return ok();
    if (c.error().category() == Category::Interrupted) return std::move(c).error();
    last = c.error().what();
    auto text = read_file(console_log());
    bool died = text && text->find(kDockerdDied) != std::string::npos;
    if (died || !vm_process_alive(state_.pid, state_.run_dir))
      return unavailable(std::string(died ? "dockerd died in the VM" : "the VM stopped") + " before the engine answered; console:\n" +
                             console_tail(),
                         "see " + console_log().string());
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return unavailable("no connection to the VM's engine at " + state_.endpoint + " within " +
                         std::to_string(static_cast<int>(opts_.boot_timeout_s)) + " s (last: " + last + "); console:\n" +
                         console_tail(),
                     "see " + console_log().string());
}

bool VmHost::alive() const { return vm_process_alive(state_.pid, state_.run_dir); }

std::string VmHost::console_tail(size_t lines) const {
  auto text = read_file(console_log());
  return text ? tail_lines(*text, lines) : "(no console output)";
}

void VmHost::detach() {
  mirror_.reset();  // it lives in this process; a detached VM keeps only its Docker API forward
  detached_ = true;
  state_.owner = 0;
  (void)write_vm_state(state_);
}

Status VmHost::down() {
  if (stopped_) return ok();
  stopped_ = true;
  mirror_.reset();
  stop_vm_process(state_.pid, state_.run_dir);
  remove_vm_state(state_);
  return ok();
}

VmHost::~VmHost() {
  if (!detached_) (void)down();
}

}  // namespace rig
