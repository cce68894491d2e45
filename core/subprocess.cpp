#include "core/clock.hpp"
#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"

extern char** environ;

namespace rig {

namespace {

constexpr size_t kMaxCapture = 1 << 20;
// After the child itself has exited, how long its pipes may stay open: only a leftover grandchild
// can hold them then, and nothing waits for it forever. It gets SIGTERM, then SIGKILL a second later.
constexpr auto kPipeGraceAfterExit = std::chrono::seconds(2);
constexpr auto kPoll = std::chrono::milliseconds(100);

void append_capped(std::string& buf, const char* data, size_t n) {
  buf.append(data, n);
  if (buf.size() > 2 * kMaxCapture) buf.erase(0, buf.size() - kMaxCapture);
}

struct Pipe {
  int r = -1, w = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

int decode_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

// True once `pid` has exited. It is not reaped: while it is a zombie its process group id stays
// reserved, so signalling the group afterwards can reach only its own leftovers.
bool has_exited(pid_t pid) {
  siginfo_t si{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
  return si.si_pid == pid;
}

// The escalation every wait follows: once a SIGTERM reached the child's group (rigctl's interrupt
// handler, or a destructor), a child still there kill_after() later is SIGKILLed.
class Escalation {
 public:
  explicit Escalation(pid_t pid) : pid_(pid) {}
  void termed_now() {
    if (!termed_) {
      termed_ = true;
      termed_at_ = Clock::now();
    }
  }
  void tick() {
    if (interrupt_stops_work()) termed_now();
    if (termed_ && !killed_ && Clock::now() - termed_at_ > kill_after()) {
      ::kill(-pid_, SIGKILL);
      killed_ = true;
    }
  }

 private:
  pid_t pid_;
  bool termed_ = false;
  Clock::time_point termed_at_{};
  bool killed_ = false;
};

void await_exit(pid_t pid, Escalation& esc) {
  while (!has_exited(pid)) {
    esc.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<int> reap(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) {
      untrack_child(pid);
      return internal_error(std::string("waitpid: ") + std::strerror(errno));
    }
  }
  untrack_child(pid);
  return decode_status(st);
}

// Leftovers of an exited child still holding its pipes: SIGTERM, then SIGKILL. Returns true when
// the caller should stop waiting for the pipes.
class PipeGrace {
 public:
  explicit PipeGrace(pid_t pid) : pid_(pid) {}
  bool expired(bool exited) {
    if (!exited) return false;
    auto now = Clock::now();
    if (!exit_seen_) {
      exit_seen_ = true;
      exit_at_ = now;
    }
    auto after = now - exit_at_;
    if (after > kPipeGraceAfterExit && !termed_) {
      ::kill(-pid_, SIGTERM);
      termed_ = true;
    }
    if (after > kPipeGraceAfterExit + std::chrono::seconds(1) && !killed_) {
      ::kill(-pid_, SIGKILL);
      killed_ = true;
    }
    return after > kPipeGraceAfterExit + std::chrono::seconds(2);
  }

 private:
  pid_t pid_;
  bool exit_seen_ = false;
  Clock::time_point exit_at_{};
  bool termed_ = false, killed_ = false;
};

// Forks and execs; stdin/stdout/stderr of the child come from the given fds (-1: /dev/null).
Result<pid_t> spawn(const Command& cmd, int in_fd, int out_fd, int err_fd) {
  if (cmd.argv.empty()) return internal_error("empty command");
  if (interrupt_stops_work()) return interrupted_error();
  Pipe exec_err;
  if (!exec_err.open()) return os_error("pipe", errno);

  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    bool overridden = false;
    for (auto& [k, v] : cmd.env)
      if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=') overridden = true;
    if (!overridden) env_store.emplace_back(kv);
  }
  for (auto& [k, v] : cmd.env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = cmd.argv;
  for (auto& s : argv_store) argv.push_back(s.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  pid_t pid;
  {
    // No handler may run between fork and track_child (it would miss this child), nor in the
    // child before it has reset the dispositions it inherited.
    SignalBlock block;
    pid = ::fork();
    if (pid < 0) return os_error("fork for '" + cmd.argv[0] + "'", errno);
    if (pid == 0) {
      // Own process group: tools like mmdebstrap signal their whole group when they clean up, which
      // must not reach rigctl; rigctl forwards SIGINT/SIGTERM to the group instead.
      ::setpgid(0, 0);
      // A rigctl killed outright (SIGKILL) cannot forward anything: the kernel sends the child
      // SIGTERM instead, so a bootstrap does not run on for minutes with no reader. (A qemu that
      // daemonizes forks again, which clears this: a detached VM host outlives its rigctl.)
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(in_fd >= 0 ? in_fd : devnull, 0);
      ::dup2(out_fd >= 0 ? out_fd : devnull, 1);
      ::dup2(err_fd >= 0 ? err_fd : devnull, 2);
      block.reset_in_child();
      ::execvpe(argv[0], argv.data(), envp.data());
      int e = errno;
      (void)!::write(exec_err.w, &e, sizeof e);
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    track_child(pid);
  }
  Pipe::close_fd(exec_err.w);
  int child_errno = 0;
  ssize_t n;
  do n = ::read(exec_err.r, &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  Pipe::close_fd(exec_err.r);
  if (n == sizeof child_errno) {
    (void)reap(pid);
    if (child_errno == ENOENT)
      return unavailable("'" + cmd.argv[0] + "' is not installed (not found on PATH)",
                         "install it with apt-get, or run ci/host-setup.sh");
    return internal_error("cannot run '" + cmd.argv[0] + "': " + std::strerror(child_errno));
  }
  return pid;
}

// Splits a byte stream into lines for the progress hook.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<void(std::string_view)>& fn) : fn_(fn) {}
  void feed(const char* data, size_t n) {
    if (!fn_) return;
    partial_.append(data, n);
    size_t pos;
    while ((pos = partial_.find('\n')) != std::string::npos) {
      fn_(std::string_view(partial_).substr(0, pos));
      partial_.erase(0, pos + 1);
    }
  }

 private:
  const std::function<void(std::string_view)>& fn_;
  std::string partial_;
};

// Reads what is available on `fd`; false once it is at its end (or broken).
bool read_some(int fd, const std::function<void(const char*, size_t)>& sink) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    sink(buf, static_cast<size_t>(n));
    return true;
  }
}

class ProcessChild final : public Child {
 public:
  ProcessChild(pid_t pid, int out_r, int err_r, std::function<void(std::string_view)> on_line)
      : pid_(pid), out_r_(out_r), err_r_(err_r), on_line_(std::move(on_line)) {}

  // The thread that drains the child's stderr. Refused (a pids limit), the child is ended by the
  // destructor and the error names the limit.
  Status start_err_reader() {
    const int err_r = err_r_;
    auto started = start_thread("a child's standard error", [this, err_r] {
      LineSplitter lines(on_line_);
      for (;;) {
        pollfd p{err_r, POLLIN, 0};
        int rc = ::poll(&p, 1, static_cast<int>(kPoll.count()));
        if (rc < 0 && errno != EINTR) break;
        if (rc > 0 && !read_some(err_r, [&](const char* d, size_t n) {
              append_capped(err_, d, n);
              lines.feed(d, n);
            }))
          break;
        if (stop_err_.load()) break;
      }
      ::close(err_r);
      err_done_ = true;
    });
    if (!started) {
      ::close(err_r_);
      err_done_ = true;
      return std::move(started).error();
    }
    err_thread_ = std::move(started).value();
    return ok();
  }
  ~ProcessChild() override {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      terminated_by_us_ = true;
      (void)wait();
    }
    Pipe::close_fd(out_r_);
  }
  int stdout_fd() override { return out_r_; }

  Result<Drained> drain_stdout() override {
    Drained d;
    if (out_r_ < 0) return d;
    PipeGrace grace(pid_);
    for (;;) {
      if (interrupt_stops_work()) return interrupted_error();
      pollfd p{out_r_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(kPoll.count()));
      if (rc < 0 && errno != EINTR) return internal_error(std::string("poll: ") + std::strerror(errno));
      if (rc > 0 && !read_some(out_r_, [&](const char* data, size_t n) {
            d.bytes += n;
            d.all_zero = d.all_zero && std::all_of(data, data + n, [](char c) { return c == 0; });
          }))
        return d;
      if (grace.expired(has_exited(pid_))) return d;
    }
  }

  Result<Completed> wait() override {
    Pipe::close_fd(out_r_);
    Completed c;
    if (pid_ > 0) {
      Escalation esc(pid_);
      if (terminated_by_us_) esc.termed_now();
      await_exit(pid_, esc);
      // The child is gone; its stderr ends with it, unless a leftover of its group still holds it.
      PipeGrace grace(pid_);
      while (!err_done_.load() && !grace.expired(true)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      stop_err_ = true;
      if (err_thread_.joinable()) err_thread_.join();
      auto st = reap(pid_);
      pid_ = -1;
      if (!st) return std::move(st).error();
      status_ = *st;
    }
    if (err_thread_.joinable()) err_thread_.join();
    c.status = status_;
    c.err = err_;
    return c;
  }

 private:
  pid_t pid_;
  int out_r_;
  int err_r_;  // read by the stderr thread, which closes it
  int status_ = 0;
  bool terminated_by_us_ = false;
  std::function<void(std::string_view)> on_line_;
  std::string err_;
  std::atomic<bool> stop_err_{false};
  std::atomic<bool> err_done_{false};
  std::thread err_thread_;
};

class ProcessRunner final : public CommandRunner {
 public:
  Result<Completed> run(const Command& cmd) override {
    Pipe in, out, err;
    if (!in.open() || !out.open() || !err.open()) return os_error("pipe", errno);
    auto pid = spawn(cmd, in.r, out.w, err.w);
    Pipe::close_fd(in.r);
    Pipe::close_fd(out.w);
    Pipe::close_fd(err.w);
    if (!pid) {
      Pipe::close_fd(in.w);
      Pipe::close_fd(out.r);
      Pipe::close_fd(err.r);
      return std::move(pid).error();
    }
    // One loop feeds stdin and drains stdout and stderr, so none of the three can block the others,
    // and it notices when the child is gone while a leftover still holds a pipe.
    ::fcntl(in.w, F_SETFL, ::fcntl(in.w, F_GETFL) | O_NONBLOCK);
    if (cmd.input.empty()) Pipe::close_fd(in.w);
    Completed c;
    LineSplitter lines(cmd.on_stderr_line);
    size_t fed = 0;
    Escalation esc(*pid);
    PipeGrace grace(*pid);
    while (out.r >= 0 || err.r >= 0) {
      pollfd p[3];
      nfds_t n = 0;
      int idx_in = -1, idx_out = -1, idx_err = -1;
      if (in.w >= 0) idx_in = static_cast<int>(n), p[n++] = {in.w, POLLOUT, 0};
      if (out.r >= 0) idx_out = static_cast<int>(n), p[n++] = {out.r, POLLIN, 0};
      if (err.r >= 0) idx_err = static_cast<int>(n), p[n++] = {err.r, POLLIN, 0};
      int rc = ::poll(p, n, static_cast<int>(kPoll.count()));
      if (rc < 0 && errno != EINTR) break;
      if (rc > 0) {
        if (idx_in >= 0 && p[idx_in].revents) {
          ssize_t w = ::write(in.w, cmd.input.data() + fed, cmd.input.size() - fed);
          if (w > 0) fed += static_cast<size_t>(w);
          // EPIPE (SIGPIPE is ignored): the child stopped reading, which is its business.
          if ((w < 0 && errno != EINTR && errno != EAGAIN) || fed == cmd.input.size()) Pipe::close_fd(in.w);
        }
        if (idx_out >= 0 && p[idx_out].revents &&
            !read_some(out.r, [&](const char* d, size_t k) { append_capped(c.out, d, k); }))
          Pipe::close_fd(out.r);
        if (idx_err >= 0 && p[idx_err].revents && !read_some(err.r, [&](const char* d, size_t k) {
              append_capped(c.err, d, k);
              lines.feed(d, k);
            }))
          Pipe::close_fd(err.r);
      }
      esc.tick();
      if (grace.expired(has_exited(*pid))) break;
    }
    Pipe::close_fd(in.w);
    Pipe::close_fd(out.r);
    Pipe::close_fd(err.r);
    await_exit(*pid, esc);
    auto st = reap(*pid);
    if (!st) return std::move(st).error();
    c.status = *st;
    if (interrupt_stops_work()) return rig::interrupted_error();
    return c;
  }

  Result<std::unique_ptr<Child>> start(const Command& cmd) override {
    Pipe out, err;
    if (!out.open() || !err.open()) return os_error("pipe", errno);
    auto pid = spawn(cmd, -1, out.w, err.w);
    Pipe::close_fd(out.w);
    Pipe::close_fd(err.w);
    if (!pid) {
      Pipe::close_fd(out.r);
      Pipe::close_fd(err.r);
      return std::move(pid).error();
    }
    auto child = std::make_unique<ProcessChild>(*pid, out.r, err.r, cmd.on_stderr_line);
    RIG_CHECK(child->start_err_reader());
    return std::unique_ptr<Child>(std::move(child));
  }
};

}  // namespace

Result<Drained> Child::drain_stdout() {
  Drained d;
  int fd = stdout_fd();
  if (fd < 0) return d;
  for (;;) {
    if (interrupt_stops_work()) return interrupted_error();
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(kPoll.count()));
    if (rc < 0 && errno != EINTR) return internal_error(std::string("poll: ") + std::strerror(errno));
    if (rc > 0 && !read_some(fd, [&](const char* data, size_t n) {
          d.bytes += n;
          d.all_zero = d.all_zero && std::all_of(data, data + n, [](char c) { return c == 0; });
        }))
      return d;
  }
}

std::string Completed::tail(size_t lines) const { return rig::tail(err.empty() ? out : err, lines, std::string::npos); }

std::unique_ptr<CommandRunner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
    out += plain ? a : shell_quote(std::string_view(a));
  }
  return out;
}

}  // namespace rig
