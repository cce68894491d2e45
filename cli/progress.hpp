// Progress on stderr: a live line on a TTY, plain phase lines otherwise (CI logs stay readable).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace rig::cli {

class Progress {
 public:
  explicit Progress(bool verbose);
  ~Progress();
  void phase(const std::string& what);
  void bytes(uint64_t n);
  void tool_line(std::string_view line);
  void done();

 private:
  void clear_line();
  std::mutex mu_;  // bytes() and tool_line() come from different threads
  bool tty_;
  bool verbose_;
  bool line_open_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace rig::cli
