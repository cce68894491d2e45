#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>

#include "core/subprocess.hpp"

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
