#include "core/thread.hpp"

#include <cerrno>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

namespace rig {

namespace {
// Asked under its mutex: tests set it while no thread of theirs is being started.
std::mutex g_gate_mu;
std::function<bool()> g_gate;

bool granted() {
  std::lock_guard lock(g_gate_mu);
  return !g_gate || g_gate();
}
}  // namespace

void set_thread_gate_for_tests(std::function<bool()> grant) {
  std::lock_guard lock(g_gate_mu);
  g_gate = std::move(grant);
}

std::function<bool()> thread_budget(int n) {
  auto left = std::make_shared<int>(n);
  return [left] { return (*left)-- > 0; };
}

Result<std::thread> start_thread(const std::string& what, std::function<void()> fn) {
  const std::string message = "cannot start a thread for " + what;
  if (!granted()) return resource_error(message, EAGAIN);
  auto body = [what, fn = std::move(fn)] {
    // Nothing may escape a thread: the caller learns of a failure through what `fn` shares.
    (void)guarded(what.c_str(), [&] {
      fn();
      return ok();
    });
  };
  try {
    return std::thread(std::move(body));
  } catch (const std::system_error& e) {
    return resource_error(message, e.code().value());
  } catch (const std::bad_alloc&) {
    return resource_error(message, ENOMEM);
  }
}

Status run_workers(unsigned wanted, const std::string& what, const std::function<void()>& worker) {
  std::mutex mu;
  std::optional<Error> escaped;
  auto guarded_worker = [&] {
    Status st = guarded(what.c_str(), [&] {
      worker();
      return ok();
    });
    if (st.ok()) return;
    std::lock_guard lock(mu);
    if (!escaped) escaped = std::move(st).error();
  };
  std::vector<std::thread> pool;
  // Reserved first: a push_back that throws would leave a started thread joinable, which terminates.
  pool.reserve(wanted);
  for (unsigned i = 0; i < wanted; ++i) {
    auto t = start_thread(what, guarded_worker);
    if (!t) break;  // refused: the started ones (or this thread) do the rest
    pool.push_back(std::move(t).value());
  }
  if (pool.empty()) guarded_worker();
  for (auto& t : pool) t.join();
  if (escaped) return std::move(*escaped);
  return ok();
}

}  // namespace rig
