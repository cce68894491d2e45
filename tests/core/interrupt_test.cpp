#include "support/catch.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/interrupt.hpp"
#include "core/subprocess.hpp"

namespace rigtest_core_interrupt {

// In a child process (dispositions and masks are process-wide): rigctl started by a parent that ignored
// SIGCHLD and blocked SIGINT/SIGTERM. Measured (2026-12-07): a cold build ran to its end and failed with
// "waitpid: No child processes" (the kernel had reaped mmdebstrap itself), and Ctrl-C did nothing.
// Exit codes: 0 all held, 10 the child's status was lost, 11 SIGINT did not reach the handler.
TEST_CASE("interrupt: an inherited ignored SIGCHLD or blocked SIGINT does not survive install_interrupt_handlers", "[core][interrupt]") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGCHLD, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &block, nullptr);
    rig::install_interrupt_handlers();
    auto runner = rig::make_process_runner();
    rig::Command cmd;
    cmd.argv = {"sh", "-c", "exit 7"};
    auto done = runner->run(cmd);
    if (!done.ok() || done->status != 7) ::_exit(10);
    ::raise(SIGINT);
    ::_exit(rig::interrupted() ? 0 : 11);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace rigtest_core_interrupt
