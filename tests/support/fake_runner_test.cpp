// The fake itself: later tests rely on it recording and streaming faithfully.
#include "support/catch.hpp"

#include <unistd.h>

#include <cerrno>

#include "support/fake_runner.hpp"

namespace rigtest_support_fake_runner {

using rigtest::FakeRunner;

namespace {

std::string drain(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("fake_runner: records commands and answers run() from the script in order", "[support][fake_runner]") {
  FakeRunner fake;
  fake.script_run(3, "out", "e1\ne2\n");
  fake.script_run_error(rig::unavailable("no tool"));
  rig::Command c;
  c.argv = {"tool", "--flag"};
  c.env = {{"K", "V"}};
  c.input = "stdin";
  std::vector<std::string> lines;
  c.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };

  auto first = fake.run(c);
  REQUIRE(first.ok());
  CHECK(first->status == 3);
  CHECK(first->out == "out");
  CHECK(first->err == "e1\ne2\n");
  CHECK(lines == std::vector<std::string>{"e1", "e2"});
  auto second = fake.run(c);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().category() == rig::Category::Unavailable);
  auto third = fake.run(c);  // script exhausted: a quiet success
  REQUIRE(third.ok());
  CHECK(third->status == 0);
  CHECK(third->out.empty());

  REQUIRE(fake.commands().size() == 3);
  CHECK(fake.commands()[0].argv == std::vector<std::string>{"tool", "--flag"});
  CHECK(fake.commands()[0].env_value("K") == std::optional<std::string>("V"));
  CHECK_FALSE(fake.commands()[0].env_value("X").has_value());
  CHECK(fake.commands()[0].input == "stdin");
  CHECK_FALSE(fake.commands()[0].started);
  CHECK(fake.pending_scripts() == 0);
}

TEST_CASE("fake_runner: start() streams the scripted bytes through a pipe", "[support][fake_runner]") {
  FakeRunner fake;
  std::string big(3 << 20, 'z');  // far more than a pipe buffer: needs the writer thread
  big[12345] = 'a';
  fake.script_start(big, 7, "warn\n");
  rig::Command c;
  c.argv = {"mmdebstrap"};
  std::vector<std::string> lines;
  c.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto child = fake.start(c);
  REQUIRE(child.ok());
  CHECK(drain((*child)->stdout_fd()) == big);
  auto done = (*child)->wait();
  REQUIRE(done.ok());
  CHECK(done->status == 7);
  CHECK(done->err == "warn\n");
  CHECK(lines == std::vector<std::string>{"warn"});
  REQUIRE(fake.commands().size() == 1);
  CHECK(fake.commands()[0].started);
}

TEST_CASE("fake_runner: a child dropped unread does not hang", "[support][fake_runner]") {
  FakeRunner fake;
  fake.script_start(std::string(4 << 20, 'x'));
  auto child = fake.start(rig::Command{{"x"}, {}, {}, {}});
  REQUIRE(child.ok());
  char buf[10];
  CHECK(::read((*child)->stdout_fd(), buf, sizeof buf) == 10);
  auto done = (*child)->wait();  // closes the read end; the writer gives up
  REQUIRE(done.ok());
  CHECK(done->status == 0);
}

TEST_CASE("fake_runner: scripted start and wait failures", "[support][fake_runner]") {
  FakeRunner fake;
  fake.script_start_error(rig::unavailable("'mmdebstrap' is not installed"));
  fake.script_start_wait_error("", rig::internal_error("waitpid: boom"));
  auto first = fake.start(rig::Command{{"mmdebstrap"}, {}, {}, {}});
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().what() == "'mmdebstrap' is not installed");
  auto second = fake.start(rig::Command{{"mmdebstrap"}, {}, {}, {}});
  REQUIRE(second.ok());
  CHECK(drain((*second)->stdout_fd()).empty());
  auto done = (*second)->wait();
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().what() == "waitpid: boom");
  CHECK(fake.commands().size() == 2);
}

}  // namespace rigtest_support_fake_runner
