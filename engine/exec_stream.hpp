// Decoder for the engine's multiplexed attach/exec stream (non-TTY): frames of an 8-byte header
// (stream type 0/1/2, three zero bytes, big-endian uint32 length) followed by the payload. Frames may
// be split across network reads, so the decoder is incremental.
#pragma once

#include <cstdint>
#include <string>

namespace rig {

class ExecStreamDecoder {
 public:
  void feed(const char* data, size_t len);
  const std::string& stdout_data() const { return out_; }
  const std::string& stderr_data() const { return err_; }
  const std::string& combined() const { return combined_; }
  // True when the input ended in the middle of a frame.
  bool incomplete() const { return !pending_.empty(); }

 private:
  std::string pending_;
  std::string out_, err_, combined_;
};

}  // namespace rig
