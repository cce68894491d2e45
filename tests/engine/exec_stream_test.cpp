#include "support/catch.hpp"

#include <string>

#include "engine/exec_stream.hpp"

namespace rigtest_engine_exec_stream {

namespace {

std::string frame(char stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = stream;
  uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

}  // namespace

TEST_CASE("exec stream: stdout and stderr frames are separated and interleaved in order", "[engine][exec_stream]") {
  rig::ExecStreamDecoder d;
  std::string data = frame(1, "out1\n") + frame(2, "err1\n") + frame(1, "out2\n");
  d.feed(data.data(), data.size());
  CHECK(d.stdout_data() == "out1\nout2\n");
  CHECK(d.stderr_data() == "err1\n");
  CHECK(d.combined() == "out1\nerr1\nout2\n");
  CHECK_FALSE(d.incomplete());
}

TEST_CASE("exec stream: frames split at every byte boundary decode the same", "[engine][exec_stream]") {
  std::string data = frame(1, "hello") + frame(2, std::string(300, 'x')) + frame(1, "");
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    rig::ExecStreamDecoder d;
    d.feed(data.data(), cut);
    d.feed(data.data() + cut, data.size() - cut);
    REQUIRE(d.stdout_data() == "hello");
    REQUIRE(d.stderr_data() == std::string(300, 'x'));
  }
}

TEST_CASE("exec stream: a frame of exactly 16 MiB is accepted and uses all four length bytes", "[engine][exec_stream]") {
  std::string big(rig::kMaxExecFrame, 'y');
  std::string data = frame(1, big);
  CHECK(data[4] == 1);  // 0x01000000
  rig::ExecStreamDecoder d(32u << 20);
  CHECK(d.feed(data.data(), data.size()));
  CHECK(d.error().empty());
  CHECK(d.stdout_data().size() == big.size());
}

// The header alone must be refused: waiting for (or allocating) 4 GiB is what it must not cause.
TEST_CASE("exec stream: a header announcing more than 16 MiB is a protocol error", "[engine][exec_stream]") {
  std::string header("\x01\0\0\0\x01\0\0\x01", 8);
  rig::ExecStreamDecoder d;
  CHECK_FALSE(d.feed(header.data(), header.size()));
  CHECK(d.error() == "the exec stream announces a frame of 16777217 bytes (at most 16777216 expected)");
  std::string more = frame(1, "late");
  CHECK_FALSE(d.feed(more.data(), more.size()));  // ignored after the error
  CHECK(d.combined().empty());
}

TEST_CASE("exec stream: input that is not a multiplexed stream is refused", "[engine][exec_stream]") {
  for (std::string data : {std::string("HTTP/1.1 200 OK\r\n"), std::string("\x05\0\0\0\0\0\0\x01x", 9),
                           std::string("\x01\x01\0\0\0\0\0\x01x", 9)}) {
    rig::ExecStreamDecoder d;
    CHECK_FALSE(d.feed(data.data(), data.size()));
    CHECK_THAT(d.error(), Catch::StartsWith("the exec stream is not a multiplexed stream (frame header"));
  }
}

TEST_CASE("exec stream: an engine error frame (stream 3) ends the stream with its message", "[engine][exec_stream]") {
  std::string data = frame(1, "ok\n") + frame(3, "exec failed: no such file");
  rig::ExecStreamDecoder d;
  CHECK_FALSE(d.feed(data.data(), data.size()));
  CHECK(d.error() == "the engine reported an error in the exec stream: exec failed: no such file");
  CHECK(d.combined() == "ok\n");
}

TEST_CASE("exec stream: output beyond the cap keeps its end and counts what was dropped", "[engine][exec_stream]") {
  rig::ExecStreamDecoder d(10);
  for (int i = 0; i < 10; ++i) {
    std::string data = frame(1, std::to_string(i) + "bcdefghij");
    REQUIRE(d.feed(data.data(), data.size()));
  }
  CHECK(d.combined() == "9bcdefghij");
  CHECK(d.dropped() == 90);
  rig::ExecStreamDecoder small(10);
  std::string data = frame(1, "12345");
  small.feed(data.data(), data.size());
  CHECK(small.dropped() == 0);
}

TEST_CASE("exec stream: truncated input is reported incomplete and keeps what came", "[engine][exec_stream]") {
  std::string data = frame(1, "abcdef");
  rig::ExecStreamDecoder d;
  d.feed(data.data(), data.size() - 2);
  CHECK(d.incomplete());
  CHECK(d.stdout_data() == "abcd");
  rig::ExecStreamDecoder header_only;
  header_only.feed(data.data(), 5);
  CHECK(header_only.incomplete());
  rig::ExecStreamDecoder whole;
  whole.feed(data.data(), data.size());
  CHECK_FALSE(whole.incomplete());
}

}  // namespace rigtest_engine_exec_stream
