// Which ports the VM host mirrors to this machine, and the monitor commands that do it.
#include "support/catch.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "support/test_util.hpp"
#include "vmhost/port_mirror.hpp"
#include "vmhost/vmhost.hpp"

namespace rigtest_vmhost_port_mirror {

using nlohmann::json;

TEST_CASE("port mirror: only tcp ports published on 127.0.0.1", "[vmhost]") {
  json containers = json::parse(R"([
    {"Id": "a", "Ports": [{"IP": "127.0.0.1", "PrivatePort": 10000, "PublicPort": 10000, "Type": "tcp"},
                          {"IP": "127.0.0.1", "PrivatePort": 10001, "PublicPort": 10001, "Type": "udp"},
                          {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                          {"PrivatePort": 9000, "Type": "tcp"}]},
    {"Id": "b", "Ports": [{"IP": "127.0.0.1", "PrivatePort": 10000, "PublicPort": 10010, "Type": "tcp"}]},
    {"Id": "c"}
  ])");
  CHECK(rig::loopback_tcp_ports(containers) == std::set<uint16_t>{10000, 10010});
  CHECK(rig::loopback_tcp_ports(json::object()).empty());
}

TEST_CASE("port mirror: a listing of another shape is skipped, not thrown", "[vmhost]") {
  // json::value() throws when a member has another type; the VM's engine is not trusted.
  json containers = json::parse(R"([
    "not an object", {"Ports": "x"}, {"Ports": [7, {"IP": 1, "Type": "tcp", "PublicPort": 10000}]},
    {"Ports": [{"IP": "127.0.0.1", "Type": "tcp", "PublicPort": "10000"},
               {"IP": "127.0.0.1", "Type": "tcp", "PublicPort": 70000},
               {"IP": "127.0.0.1", "Type": "tcp", "PublicPort": -1},
               {"IP": "127.0.0.1", "Type": "tcp", "PublicPort": 10020}]}
  ])");
  CHECK(rig::loopback_tcp_ports(containers) == std::set<uint16_t>{10020});
}

TEST_CASE("port mirror: hostfwd on loopback here, same port in the guest", "[vmhost]") {
  CHECK(rig::hostfwd_add_command(10003) == "hostfwd_add n0 tcp:127.0.0.1:10003-:10003");
  CHECK(rig::hostfwd_remove_command(10003) == "hostfwd_remove n0 tcp:127.0.0.1:10003");
}

TEST_CASE("console tail: last lines, carriage returns dropped", "[vmhost]") {
  CHECK(rig::tail_lines("a\r\nb\r\nc\r\n", 2) == "b\nc\n");
  CHECK(rig::tail_lines("a\nb", 5) == "a\nb\n");
  CHECK(rig::tail_lines("", 3).empty());
}

TEST_CASE("port mirror: it asks the listing function it is given (no connection of its own); a port it cannot forward is said once", "[vmhost][mirror]") {
  rigtest::TempDir dir;
  std::atomic<int> listed{0};
  std::mutex m;
  std::vector<std::string> said;
  {
    rig::PortMirror mirror(
        [&]() -> rig::Result<json> {
          ++listed;
          return json::parse(R"([{"Ports":[{"IP":"127.0.0.1","PrivatePort":10000,"PublicPort":12345,"Type":"tcp"}]}])");
        },
        dir / "no-qmp.sock",
        [&](const std::string& line) {
          std::lock_guard<std::mutex> lock(m);
          said.push_back(line);
        });
    REQUIRE(mirror.start().ok());
    // It polls every half second: wait for three listings.
    for (int i = 0; i < 100 && listed < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(listed >= 3);
  std::lock_guard<std::mutex> lock(m);
  REQUIRE(said.size() == 1);
  CHECK_THAT(said[0], Catch::StartsWith("cannot mirror 127.0.0.1:12345: "));
}

}  // namespace rigtest_vmhost_port_mirror
