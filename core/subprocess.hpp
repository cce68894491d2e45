// The subprocess seam. Real runs go through ProcessRunner; unit tests use a recording fake
// (tests/support/fake_runner.hpp) to check the argv the logic builds without running anything.
#pragma once

#include <sys/types.h>

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

// A started process whose stdout the caller consumes from a pipe (for streaming builds).
class Child {
 public:
  virtual ~Child() = default;
  virtual int stdout_fd() = 0;
  virtual Result<Completed> wait() = 0;  // Completed::err holds the captured stderr
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
