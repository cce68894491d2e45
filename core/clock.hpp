// Elapsed time for measurements and timeouts: one monotonic clock and one way to read it, for every
// file that times something (and so no two files of one unity-build batch define their own).
#pragma once

#include <chrono>

namespace rig {

using Clock = std::chrono::steady_clock;

// Seconds from t until now.
inline double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace rig
