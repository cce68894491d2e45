#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/interrupt.hpp"

extern char** environ;

namespace rig {

namespace {

constexpr size_t kMaxCapture = 1 << 20;

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

Result<int> reap(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return internal_error(std::string("waitpid: ") + std::strerror(errno));
  }
  untrack_child(pid);
  return decode_status(st);
}

// Forks and execs; stdin/stdout/stderr of the child come from the given fds (-1: /dev/null).
Result<pid_t> spawn(const Command& cmd, int in_fd, int out_fd, int err_fd) {
  if (cmd.argv.empty()) return internal_error("empty command");
  Pipe exec_err;
  if (!exec_err.open()) return internal_error(std::string("pipe: ") + std::strerror(errno));

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

  pid_t pid = ::fork();
  if (pid < 0) return internal_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Own process group: tools like mmdebstrap signal their whole group when they clean up, which
    // must not reach rigctl; rigctl forwards SIGINT/SIGTERM to the group instead.
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(in_fd >= 0 ? in_fd : devnull, 0);
    ::dup2(out_fd >= 0 ? out_fd : devnull, 1);
    ::dup2(err_fd >= 0 ? err_fd : devnull, 2);
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGPIPE, &sa, nullptr);
    ::execvpe(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!::write(exec_err.w, &e, sizeof e);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  track_child(pid);
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

void drain_lines(int fd, std::string& sink, const std::function<void(std::string_view)>& on_line) {
  char buf[16384];
  std::string partial;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    append_capped(sink, buf, static_cast<size_t>(n));
    if (on_line) {
      partial.append(buf, static_cast<size_t>(n));
      size_t pos;
      while ((pos = partial.find('\n')) != std::string::npos) {
        on_line(std::string_view(partial).substr(0, pos));
        partial.erase(0, pos + 1);
      }
    }
  }
}

class ProcessChild final : public Child {
 public:
  ProcessChild(pid_t pid, int out_r, int err_r, std::function<void(std::string_view)> on_line)
      : pid_(pid), out_r_(out_r) {
    err_thread_ = std::thread([this, err_r, on_line] {
      drain_lines(err_r, err_, on_line);
      ::close(err_r);
    });
  }
  ~ProcessChild() override {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      (void)wait();
    }
    Pipe::close_fd(out_r_);
  }
  int stdout_fd() override { return out_r_; }
  Result<Completed> wait() override {
    Pipe::close_fd(out_r_);
    if (err_thread_.joinable()) err_thread_.join();
    Completed c;
    if (pid_ > 0) {
      auto st = reap(pid_);
      pid_ = -1;
      if (!st) return std::move(st).error();
      status_ = *st;
    }
    c.status = status_;
    c.err = err_;
    return c;
  }

 private:
  pid_t pid_;
  int out_r_;
  int status_ = 0;
  std::string err_;
  std::thread err_thread_;
};

class ProcessRunner final : public CommandRunner {
 public:
  Result<Completed> run(const Command& cmd) override {
    Pipe in, out, err;
    if (!in.open() || !out.open() || !err.open()) return internal_error(std::string("pipe: ") + std::strerror(errno));
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
    std::thread feeder([&] {
      size_t off = 0;
      while (off < cmd.input.size()) {
        ssize_t n = ::write(in.w, cmd.input.data() + off, cmd.input.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      Pipe::close_fd(in.w);
    });
    Completed c;
    std::thread err_reader([&] { drain_lines(err.r, c.err, cmd.on_stderr_line); });
    drain_lines(out.r, c.out, nullptr);
    err_reader.join();
    feeder.join();
    Pipe::close_fd(out.r);
    Pipe::close_fd(err.r);
    auto st = reap(*pid);
    if (!st) return std::move(st).error();
    c.status = *st;
    if (interrupted()) return rig::interrupted_error();
    return c;
  }

  Result<std::unique_ptr<Child>> start(const Command& cmd) override {
    Pipe out, err;
    if (!out.open() || !err.open()) return internal_error(std::string("pipe: ") + std::strerror(errno));
    auto pid = spawn(cmd, -1, out.w, err.w);
    Pipe::close_fd(out.w);
    Pipe::close_fd(err.w);
    if (!pid) {
      Pipe::close_fd(out.r);
      Pipe::close_fd(err.r);
      return std::move(pid).error();
    }
    return std::unique_ptr<Child>(std::make_unique<ProcessChild>(*pid, out.r, err.r, cmd.on_stderr_line));
  }
};

}  // namespace

std::string Completed::tail(size_t lines) const {
  const std::string& src = err.empty() ? out : err;
  size_t pos = src.size();
  if (pos > 0 && src[pos - 1] == '\n') --pos;
  size_t count = 0;
  while (pos > 0) {
    if (src[pos - 1] == '\n' && ++count == lines) break;
    --pos;
  }
  return src.substr(pos);
}

std::unique_ptr<CommandRunner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

}  // namespace rig
