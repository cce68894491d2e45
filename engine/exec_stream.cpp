#include "engine/exec_stream.hpp"

namespace rig {

void ExecStreamDecoder::feed(const char* data, size_t len) {
  pending_.append(data, len);
  size_t pos = 0;
  while (pending_.size() - pos >= 8) {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(pending_[pos + i])); };
    uint32_t size = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
    if (pending_.size() - pos - 8 < size) break;
    std::string_view payload(pending_.data() + pos + 8, size);
    (b(0) == 2 ? err_ : out_).append(payload);
    combined_.append(payload);
    pos += 8 + size;
  }
  pending_.erase(0, pos);
}

}  // namespace rig
