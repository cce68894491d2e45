#include "cli/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "core/text.hpp"

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
    // mmdebstrap's line, not trusted to be plain text (it quotes package and file names).
    std::string shown = terminal_text(truncate_utf8(line, 100));
    std::fprintf(stderr, "\r\033[K  %s", shown.c_str());
    line_open_ = true;
  }
}

void Progress::done() {
  std::lock_guard lock(mu_);
  clear_line();
}

}  // namespace rig::cli
