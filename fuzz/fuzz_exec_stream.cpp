// ExecStreamDecoder: the engine's multiplexed exec/attach stream as it arrives in network reads.
// The first input byte picks the read size (0: one read), the rest is the stream. Properties: the
// decoded output does not depend on how the stream was cut into reads, and stdout + stderr are
// exactly the combined output.
#include "engine/exec_stream.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = data[0];
  const char* stream = reinterpret_cast<const char*>(data + 1);
  size_t len = size - 1;

  rig::ExecStreamDecoder whole;
  whole.feed(stream, len);
  rig::ExecStreamDecoder pieces;
  if (step == 0) step = len ? len : 1;
  for (size_t off = 0; off < len; off += step) pieces.feed(stream + off, std::min(step, len - off));
  pieces.feed(stream, 0);  // an empty read (curl may deliver one) changes nothing

  if (whole.combined() != pieces.combined() || whole.stdout_data() != pieces.stdout_data() ||
      whole.stderr_data() != pieces.stderr_data() || whole.incomplete() != pieces.incomplete())
    rig::fuzz::finding("ExecStreamDecoder output depends on read size " + std::to_string(step));
  if (whole.stdout_data().size() + whole.stderr_data().size() != whole.combined().size())
    rig::fuzz::finding("stdout + stderr differ in size from the combined output");
  if (whole.combined().size() > len) rig::fuzz::finding("decoded more bytes than the stream holds");
  return 0;
}
