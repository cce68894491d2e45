// Decoder for the engine's multiplexed attach/exec stream (non-TTY): frames of an 8-byte header
// (stream type 0/1/2, three zero bytes, big-endian uint32 length) followed by the payload. Frames may
// be split across network reads, so the decoder is incremental and streams payloads through without
// buffering whole frames.
//
// The stream comes from outside rigctl, so it is bounded: a header announcing more than
// kMaxExecFrame bytes (or an unknown stream type) is a protocol error, not an allocation; output
// beyond kMaxExecOutput keeps only its last kMaxExecOutput bytes and says so. Neither is ever cut
// silently: error(), incomplete() and dropped() tell the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rig {

// Docker's own writer sends at most 32 KiB per frame; 16 MiB leaves room for any engine while a
// garbage header (e.g. HTTP text read as a frame) cannot make rigctl wait for gigabytes.
inline constexpr uint32_t kMaxExecFrame = 16u << 20;
// Far above any check's output (podman info is ~10 KiB, a build log a few hundred KiB); bounds
// rigctl's memory when a command in the rig prints without end.
inline constexpr size_t kMaxExecOutput = 8u << 20;

class ExecStreamDecoder {
 public:
  explicit ExecStreamDecoder(size_t max_output = kMaxExecOutput) : max_output_(max_output) {}

  // Returns false once the input is not a valid stream (see error()); later input is ignored.
  bool feed(const char* data, size_t len);

  // stdout and stderr, interleaved as they arrived; at most max_output bytes (the last ones).
  std::string combined() const;
  std::string stdout_data() const;
  std::string stderr_data() const;
  // True when the input ended in the middle of a frame (header or payload).
  bool incomplete() const { return have_header_ < 8 ? have_header_ > 0 : remaining_ > 0; }
  // Bytes of combined output dropped from the front because the output passed max_output.
  size_t dropped() const { return total_ > max_output_ ? total_ - max_output_ : 0; }
  // Why the stream is not a valid multiplexed stream; "" while it is.
  const std::string& error() const { return error_; }

 private:
  void append(std::string& s, const char* p, size_t n) const;
  size_t max_output_;
  char header_[8] = {};
  size_t have_header_ = 0;
  uint32_t remaining_ = 0;
  unsigned char stream_ = 0;
  std::string out_, err_, combined_, system_err_;
  size_t total_ = 0;  // bytes of output seen
  std::string error_;
};

}  // namespace rig
