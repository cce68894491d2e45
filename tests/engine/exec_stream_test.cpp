#include <catch2/catch.hpp>

#include <string>

#include "engine/exec_stream.hpp"

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

TEST_CASE("exec stream: a payload larger than 16 MiB uses all four length bytes", "[engine][exec_stream]") {
  std::string big((1u << 24) + 3, 'y');
  std::string data = frame(1, big);
  rig::ExecStreamDecoder d;
  d.feed(data.data(), data.size());
  CHECK(d.stdout_data().size() == big.size());
}

TEST_CASE("exec stream: truncated input is reported incomplete", "[engine][exec_stream]") {
  std::string data = frame(1, "abcdef");
  rig::ExecStreamDecoder d;
  d.feed(data.data(), data.size() - 2);
  CHECK(d.incomplete());
  CHECK(d.stdout_data().empty());
}
