#include "cli/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace rig::cli {

Progress::Progress(bool verbose) : tty_(::isatty(2) == 1), verbose_(verbose), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { done(); }

void Progress::clear_line() {
  if (line_open_) {
    std::fputs("\r\033[K", stderr);
    line_open_ = false;
  }
}

void Progress::phase(const std::string& what) {
  std::lock_guard lock(mu_);
  clear_line();
  phase_ = what;
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  spdlog::info("[{:6.1f}s] {}", t, what);
}

void Progress::bytes(uint64_t n) {
  std::lock_guard lock(mu_);
  if (!tty_) return;
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r\033[K  %.1fs  %.1f MB streamed", t, static_cast<double>(n) / 1e6);
  line_open_ = true;
}

void Progress::tool_line(std::string_view line) {
  std::lock_guard lock(mu_);
  if (verbose_) {
    clear_line();
    spdlog::debug("  | {}", line);
  } else if (tty_ && line.starts_with("I: ")) {
    std::fprintf(stderr, "\r\033[K  %.*s", static_cast<int>(std::min<size_t>(line.size(), 100)), line.data());
    line_open_ = true;
  }
}

void Progress::done() {
  std::lock_guard lock(mu_);
  clear_line();
}

}  // namespace rig::cli
