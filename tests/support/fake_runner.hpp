// A recording fake of rig::CommandRunner (core/subprocess.hpp) for unit tests: nothing is executed.
// Every Command is recorded (argv, env, input); run() and start() answer from scripts queued in
// order. start() hands back a FakeChild whose stdout_fd() is the read end of a pipe that a writer
// thread fills with the scripted bytes and then closes, so consumers see a real streaming fd with
// EOF at the end. wait() returns the scripted Completed (its `err` is also fed line by line to the
// Command's on_stderr_line hook, as the real runner would).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/subprocess.hpp"

namespace rigtest {

struct RecordedCommand {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::string input;
  bool started = false;  // through start() rather than run()

  // The value of an env entry set by the command, or nullopt.
  std::optional<std::string> env_value(const std::string& key) const {
    for (auto& [k, v] : env)
      if (k == key) return v;
    return std::nullopt;
  }
};

inline void feed_stderr_lines(const rig::Command& cmd, const std::string& err) {
  if (!cmd.on_stderr_line) return;
  std::string partial = err;
  size_t pos;
  while ((pos = partial.find('\n')) != std::string::npos) {
    cmd.on_stderr_line(std::string_view(partial).substr(0, pos));
    partial.erase(0, pos + 1);
  }
}

class FakeChild final : public rig::Child {
 public:
  FakeChild(std::string stdout_bytes, rig::Result<rig::Completed> done, std::function<void(std::string_view)> on_line)
      : done_(std::move(done)), on_line_(std::move(on_line)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    read_fd_ = fds[0];
    int w = fds[1];
    writer_ = std::thread([w, bytes = std::move(stdout_bytes)] {
      // A consumer that stops early closes the read end: get EPIPE here instead of a SIGPIPE
      // that would end the whole test binary.
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      size_t off = 0;
      while (off < bytes.size()) {
        ssize_t n = ::write(w, bytes.data() + off, bytes.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      ::close(w);
    });
  }
  FakeChild(const FakeChild&) = delete;
  FakeChild& operator=(const FakeChild&) = delete;
  ~FakeChild() override { finish(); }

  int stdout_fd() override { return read_fd_; }

  rig::Result<rig::Completed> wait() override {
    finish();
    if (done_.ok() && on_line_) {
      rig::Command c;
      c.on_stderr_line = on_line_;
      feed_stderr_lines(c, done_.value().err);
    }
    return done_;
  }

 private:
  void finish() {
    if (read_fd_ >= 0) ::close(read_fd_);
    read_fd_ = -1;
    if (writer_.joinable()) writer_.join();
  }
  int read_fd_ = -1;
  std::thread writer_;
  rig::Result<rig::Completed> done_;
  std::function<void(std::string_view)> on_line_;
};

class FakeRunner final : public rig::CommandRunner {
 public:
  // ---- scripts, consumed in order; an empty queue answers status 0 with no output ----
  void script_run(rig::Completed c) { runs_.emplace_back(std::move(c)); }
  void script_run(int status, std::string out = {}, std::string err = {}) {
    rig::Completed c;
    c.status = status;
    c.out = std::move(out);
    c.err = std::move(err);
    runs_.emplace_back(std::move(c));
  }
  void script_run_error(rig::Error e) { runs_.emplace_back(std::move(e)); }

  // start() succeeds; the child streams `stdout_bytes`, then wait() gives status/err.
  void script_start(std::string stdout_bytes, int status = 0, std::string err = {}) {
    rig::Completed c;
    c.status = status;
    c.err = std::move(err);
    starts_.push_back(Start{std::move(stdout_bytes), rig::Result<rig::Completed>(std::move(c)), std::nullopt});
  }
  // start() itself fails (e.g. the binary is missing).
  void script_start_error(rig::Error e) {
    starts_.push_back(Start{{}, rig::Result<rig::Completed>(rig::Completed{}), std::move(e)});
  }
  // start() succeeds but wait() fails.
  void script_start_wait_error(std::string stdout_bytes, rig::Error e) {
    starts_.push_back(Start{std::move(stdout_bytes), rig::Result<rig::Completed>(std::move(e)), std::nullopt});
  }

  // ---- what the code under test asked for ----
  const std::vector<RecordedCommand>& commands() const { return commands_; }
  size_t pending_scripts() const { return runs_.size() + starts_.size(); }

  // ---- rig::CommandRunner ----
  rig::Result<rig::Completed> run(const rig::Command& cmd) override {
    commands_.push_back(RecordedCommand{cmd.argv, cmd.env, cmd.input, false});
    if (runs_.empty()) return rig::Completed{};
    auto r = std::move(runs_.front());
    runs_.pop_front();
    if (r.ok()) feed_stderr_lines(cmd, r.value().err);
    return r;
  }

  rig::Result<std::unique_ptr<rig::Child>> start(const rig::Command& cmd) override {
    commands_.push_back(RecordedCommand{cmd.argv, cmd.env, cmd.input, true});
    Start s = starts_.empty() ? Start{{}, rig::Result<rig::Completed>(rig::Completed{}), std::nullopt} : std::move(starts_.front());
    if (!starts_.empty()) starts_.pop_front();
    if (s.start_error) return *s.start_error;
    return std::unique_ptr<rig::Child>(std::make_unique<FakeChild>(std::move(s.bytes), std::move(s.done), cmd.on_stderr_line));
  }

 private:
  struct Start {
    std::string bytes;
    rig::Result<rig::Completed> done;
    std::optional<rig::Error> start_error;
  };
  std::deque<rig::Result<rig::Completed>> runs_;
  std::deque<Start> starts_;
  std::vector<RecordedCommand> commands_;
};

}  // namespace rigtest
