// SIGINT/SIGTERM handling. The handler only records the signal; long operations poll
// interrupted() and return an Interrupted error, so RAII owners (staging dirs, rigs) clean up
// on the normal return path. Running children are signalled so blocking reads end promptly.
#pragma once

#include <sys/types.h>

namespace rig {

void install_interrupt_handlers();
bool interrupted();
void reset_interrupted_for_tests();

// Children registered here receive SIGTERM when rigctl is interrupted.
void track_child(pid_t pid);
void untrack_child(pid_t pid);

}  // namespace rig
