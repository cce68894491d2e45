// The subprocess seam. Real runs go through ProcessRunner; unit tests use a recording fake
// (tests/support/fake_runner.hpp) to check the argv the logic builds without running anything.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace rig {

struct Command {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the inherited environment
  std::string input;                                     // fed to stdin by run(); start() gives /dev/null
  std::function<void(std::string_view)> on_stderr_line;  // progress hook, called per stderr line
};

struct Completed {
  int status = 0;  // exit code, or 128 + signal number
  std::string out;
  std::string err;
  // The last `lines` lines of stderr (or stdout when stderr is empty), for error messages.
  std::string tail(size_t lines = 12) const;
};

// What was left on a child's stdout after its consumer had read all it wanted.
struct Drained {
  uint64_t bytes = 0;
  bool all_zero = true;  // tar padding after the end-of-archive marker is zeros
};

// A started process whose stdout the caller consumes from a pipe (for streaming builds).
class Child {
 public:
  virtual ~Child() = default;
  virtual int stdout_fd() = 0;
  // Reads stdout to its end, discarding it. A consumer that got everything it needs (a tar reader at
  // the end-of-archive marker) calls this before wait(): closing the pipe early would make a child
  // still writing its trailing padding fail with EPIPE. A consumer that gives up calls wait()
  // directly, and the child's next write fails, which is what stops it.
  virtual Result<Drained> drain_stdout();
  // Closes stdout and waits for the child. Completed::err holds the captured stderr.
  virtual Result<Completed> wait() = 0;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual Result<Completed> run(const Command& cmd) = 0;
  virtual Result<std::unique_ptr<Child>> start(const Command& cmd) = 0;
};

std::unique_ptr<CommandRunner> make_process_runner();

std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace rig
