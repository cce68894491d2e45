#include "engine/exec_stream.hpp"

#include <algorithm>

namespace rig {

namespace {

// The last `max` bytes of s (s may hold up to twice that between trims).
std::string last(const std::string& s, size_t max) { return s.size() > max ? s.substr(s.size() - max) : s; }

}  // namespace

void ExecStreamDecoder::append(std::string& s, const char* p, size_t n) const {
  s.append(p, n);
  // Trim only when twice over the limit, so a long stream costs amortised O(1) per byte.
  if (s.size() > 2 * max_output_) s.erase(0, s.size() - max_output_);
}

bool ExecStreamDecoder::feed(const char* data, size_t len) {
  if (!error_.empty()) return false;
  size_t pos = 0;
  while (pos < len) {
    if (have_header_ < 8) {
      size_t n = std::min(len - pos, 8 - have_header_);
      std::copy(data + pos, data + pos + n, header_ + have_header_);
      have_header_ += n;
      pos += n;
      if (have_header_ < 8) break;
      auto b = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(header_[i])); };
      stream_ = static_cast<unsigned char>(header_[0]);
      remaining_ = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
      // 0 stdin, 1 stdout, 2 stderr, 3 an error message from the engine itself (Docker's stdcopy).
      if (stream_ > 3 || b(1) || b(2) || b(3)) {
        error_ = "the exec stream is not a multiplexed stream (frame header " + std::to_string(b(0)) + " " +
                 std::to_string(b(1)) + " " + std::to_string(b(2)) + " " + std::to_string(b(3)) + ")";
        return false;
      }
      if (remaining_ > kMaxExecFrame) {
        error_ = "the exec stream announces a frame of " + std::to_string(remaining_) + " bytes (at most " +
                 std::to_string(kMaxExecFrame) + " expected)";
        return false;
      }
      if (remaining_ == 0) have_header_ = 0;
      continue;
    }
    size_t n = std::min<size_t>(len - pos, remaining_);
    if (stream_ == 3) {
      // Bounded by the frame limit; reported as the stream's error when the frame is complete.
      system_err_.append(data + pos, n);
    } else {
      append(stream_ == 2 ? err_ : out_, data + pos, n);
      append(combined_, data + pos, n);
      total_ += n;
    }
    pos += n;
    remaining_ -= static_cast<uint32_t>(n);
    if (remaining_ == 0) {
      have_header_ = 0;
      if (stream_ == 3) {
        error_ = "the engine reported an error in the exec stream: " + system_err_;
        return false;
      }
    }
  }
  return true;
}

std::string ExecStreamDecoder::combined() const { return last(combined_, max_output_); }
std::string ExecStreamDecoder::stdout_data() const { return last(out_, max_output_); }
std::string ExecStreamDecoder::stderr_data() const { return last(err_, max_output_); }

}  // namespace rig
