#include "support/catch.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/interrupt.hpp"
#include "core/subprocess.hpp"

namespace rigtest_core_subprocess {

using rig::Command;
using rig::Completed;

namespace {

Command sh(const std::string& script) {
  Command c;
  c.argv = {"sh", "-c", script};
  return c;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("subprocess: run captures status, stdout and stderr", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto r = runner->run(sh("echo out; echo err >&2; exit 3"));
  REQUIRE(r.ok());
  CHECK(r->status == 3);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
}

TEST_CASE("subprocess: run of a missing binary is Unavailable", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  Command c;
  c.argv = {"rigctl-unit-no-such-binary", "--help"};
  auto r = runner->run(c);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Unavailable);
  CHECK(r.error().what() == "'rigctl-unit-no-such-binary' is not installed (not found on PATH)");
  CHECK_FALSE(r.error().hint().empty());
}

TEST_CASE("subprocess: start of a missing binary is Unavailable", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  Command c;
  c.argv = {"rigctl-unit-no-such-binary"};
  auto r = runner->start(c);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Unavailable);
}

TEST_CASE("subprocess: an empty argv is an Internal error", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto r = runner->run(Command{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Internal);
  CHECK(r.error().what() == "empty command");
}

TEST_CASE("subprocess: run feeds input to stdin", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  Command c;
  c.argv = {"cat"};
  c.input.assign(200000, 'x');  // larger than a pipe buffer
  c.input.push_back('\n');
  auto r = runner->run(c);
  REQUIRE(r.ok());
  CHECK(r->status == 0);
  CHECK(r->out == c.input);
}

TEST_CASE("subprocess: env entries override the inherited environment", "[core][subprocess]") {
  ::setenv("RIGCTL_UNIT_INHERITED", "inherited", 1);
  ::setenv("RIGCTL_UNIT_OVERRIDDEN", "old", 1);
  auto runner = rig::make_process_runner();
  auto c = sh("echo \"$RIGCTL_UNIT_INHERITED $RIGCTL_UNIT_OVERRIDDEN $RIGCTL_UNIT_NEW\"; env | grep -c '^RIGCTL_UNIT_OVERRIDDEN='");
  c.env = {{"RIGCTL_UNIT_OVERRIDDEN", "new"}, {"RIGCTL_UNIT_NEW", "added"}};
  auto r = runner->run(c);
  ::unsetenv("RIGCTL_UNIT_INHERITED");
  ::unsetenv("RIGCTL_UNIT_OVERRIDDEN");
  REQUIRE(r.ok());
  CHECK(r->out == "inherited new added\n1\n");
}

TEST_CASE("subprocess: on_stderr_line sees each stderr line", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto c = sh("printf 'one\\ntwo\\n' >&2; echo stdout");
  std::vector<std::string> lines;
  c.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = runner->run(c);
  REQUIRE(r.ok());
  CHECK(lines == std::vector<std::string>{"one", "two"});
  CHECK(r->err == "one\ntwo\n");
  CHECK(r->out == "stdout\n");
}

TEST_CASE("subprocess: a signal death is reported as 128 + signal", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto r = runner->run(sh("kill -KILL $$"));
  REQUIRE(r.ok());
  CHECK(r->status == 128 + 9);
}

TEST_CASE("subprocess: start streams stdout through stdout_fd and wait collects stderr", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto c = sh("echo streamed; echo progress >&2; exit 4");
  std::vector<std::string> lines;
  c.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto child = runner->start(c);
  REQUIRE(child.ok());
  CHECK(read_all((*child)->stdout_fd()) == "streamed\n");
  auto done = (*child)->wait();
  REQUIRE(done.ok());
  CHECK(done->status == 4);
  CHECK(done->err == "progress\n");
  CHECK(done->out.empty());
  CHECK(lines == std::vector<std::string>{"progress"});
}

TEST_CASE("subprocess: destroying a started child terminates it", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto t0 = std::chrono::steady_clock::now();
  {
    auto child = runner->start(sh("exec sleep 30"));
    REQUIRE(child.ok());
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

// interrupt.cpp signals tracked children with kill(-pid, SIGTERM): "children lead their own
// process group". That needs every spawned child to be a process-group leader.
TEST_CASE("subprocess: children lead their own process group", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  // Fields 1 and 5 of /proc/<pid>/stat are the pid and the process group id.
  auto r = runner->run(sh("read -r pid comm state ppid pgrp rest < /proc/$$/stat; echo \"$pid $pgrp\""));
  REQUIRE(r.ok());
  std::istringstream in(r->out);
  long pid = 0, pgrp = 0;
  in >> pid >> pgrp;
  REQUIRE(pid > 0);
  CHECK(pgrp == pid);
  CHECK(pgrp != static_cast<long>(::getpgrp()));
}

TEST_CASE("subprocess: Completed::tail keeps the last lines of stderr, else stdout", "[core][subprocess]") {
  Completed c;
  c.err = "a\nb\nc\n";
  CHECK(c.tail(2) == "b\nc\n");
  CHECK(c.tail(1) == "c\n");
  CHECK(c.tail(12) == "a\nb\nc\n");
  c.err = "a\nb\nc";
  CHECK(c.tail(2) == "b\nc");
  c.err.clear();
  c.out = "x\ny\n";
  CHECK(c.tail(1) == "y\n");
  c.out.clear();
  CHECK(c.tail() == "");
}

TEST_CASE("subprocess: shell_quote quotes only what needs quoting", "[core][subprocess]") {
  CHECK(rig::shell_quote({"mmdebstrap", "--mode=unshare", "trixie", "-", "http://deb.debian.org/debian"}) ==
        "mmdebstrap --mode=unshare trixie - http://deb.debian.org/debian");
  CHECK(rig::shell_quote({"echo", "a b", "it's", ""}) == "echo 'a b' 'it'\\''s' ''");
  CHECK(rig::shell_quote({"--aptopt=Acquire::Languages \"none\""}) == "'--aptopt=Acquire::Languages \"none\"'");
  CHECK(rig::shell_quote({"$HOME", "a;b", "*"}) == "'$HOME' 'a;b' '*'");
  CHECK(rig::shell_quote({}) == "");
}

// ---- bounded waits: nothing rigctl runs can make it wait forever ----

namespace {

struct KillAfter {
  explicit KillAfter(std::chrono::milliseconds d) { rig::set_kill_after_for_tests(d); }
  ~KillAfter() {
    rig::set_kill_after_for_tests(std::chrono::seconds(10));
    rig::reset_interrupted_for_tests();
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Running (a zombie waiting for its reaper, init here, counts as gone).
bool pid_alive(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("subprocess: run does not wait for a grandchild that keeps stdout and stderr open", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto t0 = std::chrono::steady_clock::now();
  // The background sleep inherits both pipes and outlives its parent.
  auto r = runner->run(sh("sleep 60 & echo $!; echo done >&2"));
  REQUIRE(r.ok());
  CHECK(seconds_since(t0) < 15);
  CHECK(r->status == 0);
  CHECK(r->err == "done\n");
  long grandchild = std::atol(r->out.c_str());
  REQUIRE(grandchild > 0);
  // The leftover of the child's process group was stopped, not left running.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(pid_alive(grandchild));
}

TEST_CASE("subprocess: wait does not hang on a grandchild holding stderr", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  auto child = runner->start(sh("sleep 60 >/dev/null & echo started >&2; echo out"));
  REQUIRE(child.ok());
  CHECK(read_all((*child)->stdout_fd()) == "out\n");
  auto t0 = std::chrono::steady_clock::now();
  auto done = (*child)->wait();
  REQUIRE(done.ok());
  CHECK(seconds_since(t0) < 15);
  CHECK(done->err == "started\n");
}

TEST_CASE("subprocess: on interrupt a child that ignores SIGTERM is killed after the bound", "[core][subprocess]") {
  KillAfter bound(std::chrono::milliseconds(500));
  auto runner = rig::make_process_runner();
  std::atomic<bool> finished{false};
  rig::Result<rig::Completed> result = rig::Completed{};
  std::thread t([&] {
    result = runner->run(sh("trap '' TERM; echo ready; while :; do sleep 0.1; done"));
    finished = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto t0 = std::chrono::steady_clock::now();
  rig::simulate_interrupt_for_tests();  // SIGTERM to the child's group, which it ignores
  t.join();
  CHECK(seconds_since(t0) < 5);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().category() == rig::Category::Interrupted);
}

TEST_CASE("subprocess: destroying a started child that ignores SIGTERM still ends it", "[core][subprocess]") {
  KillAfter bound(std::chrono::milliseconds(300));
  auto runner = rig::make_process_runner();
  auto t0 = std::chrono::steady_clock::now();
  long pid = 0;
  {
    auto child = runner->start(sh("trap '' TERM; echo $$; while :; do sleep 0.1; done"));
    REQUIRE(child.ok());
    char buf[32] = {};
    REQUIRE(::read((*child)->stdout_fd(), buf, sizeof buf - 1) > 0);
    pid = std::atol(buf);
  }
  CHECK(seconds_since(t0) < 5);
  REQUIRE(pid > 0);
  CHECK_FALSE(pid_alive(pid));
}

TEST_CASE("subprocess: nothing is started once interrupted", "[core][subprocess]") {
  KillAfter bound(std::chrono::milliseconds(300));
  rig::simulate_interrupt_for_tests();
  auto runner = rig::make_process_runner();
  auto r = runner->run(sh("echo never"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Interrupted);
  auto s = runner->start(sh("echo never"));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().category() == rig::Category::Interrupted);
}

// Found by review: after Ctrl-C an LXC rig's `lxc-stop -k` was refused (nothing starts once
// interrupted), so the container stayed running. Removal runs inside a CleanupScope.
TEST_CASE("subprocess: inside a CleanupScope a command still runs to its end after an interrupt", "[core][subprocess][interrupt]") {
  KillAfter bound(std::chrono::milliseconds(300));
  rig::simulate_interrupt_for_tests();
  auto runner = rig::make_process_runner();
  {
    rig::CleanupScope cleanup;
    CHECK_FALSE(rig::interrupt_stops_work());
    auto r = runner->run(sh("sleep 0.5; echo removed"));  // longer than the kill bound: not terminated either
    REQUIRE(r.ok());
    CHECK(r->status == 0);
    CHECK(r->out == "removed\n");
  }
  CHECK(rig::interrupt_stops_work());
  CHECK(runner->run(sh("echo never")).error().category() == rig::Category::Interrupted);
}

TEST_CASE("subprocess: drain_stdout reads what a child writes after its consumer stopped", "[core][subprocess]") {
  auto runner = rig::make_process_runner();
  // "head" of the stream, a pause (the consumer is done by then), then padding and a last byte.
  auto child = runner->start(sh("printf 'abc'; sleep 0.5; head -c 9000 /dev/zero; exit 0"));
  REQUIRE(child.ok());
  char buf[3];
  REQUIRE(::read((*child)->stdout_fd(), buf, 3) == 3);
  auto rest = (*child)->drain_stdout();
  REQUIRE(rest.ok());
  CHECK(rest->bytes == 9000);
  CHECK(rest->all_zero);
  auto done = (*child)->wait();
  REQUIRE(done.ok());
  CHECK(done->status == 0);  // no EPIPE: it could write everything

  auto child2 = runner->start(sh("printf 'abc'; sleep 0.2; printf 'more'"));
  REQUIRE(child2.ok());
  REQUIRE(::read((*child2)->stdout_fd(), buf, 3) == 3);
  auto rest2 = (*child2)->drain_stdout();
  REQUIRE(rest2.ok());
  CHECK(rest2->bytes == 4);
  CHECK_FALSE(rest2->all_zero);
  REQUIRE((*child2)->wait().ok());
}

TEST_CASE("interrupt: the handler keeps errno and only records the signal", "[core][interrupt]") {
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, nullptr, &old_int);
  sigaction(SIGTERM, nullptr, &old_term);
  rig::install_interrupt_handlers();
  rig::reset_interrupted_for_tests();
  errno = EAGAIN;
  ::raise(SIGINT);
  int after = errno;
  CHECK(rig::interrupted());
  CHECK(after == EAGAIN);
  rig::reset_interrupted_for_tests();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
}

}  // namespace rigtest_core_subprocess
