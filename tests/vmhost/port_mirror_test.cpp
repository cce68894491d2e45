// Which ports the VM host mirrors to this machine, and the monitor commands that do it.
#include "support/catch.hpp"

#include "vmhost/port_mirror.hpp"
#include "vmhost/vmhost.hpp"

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

TEST_CASE("port mirror: hostfwd on loopback here, same port in the guest", "[vmhost]") {
  CHECK(rig::hostfwd_add_command(10003) == "hostfwd_add n0 tcp:127.0.0.1:10003-:10003");
  CHECK(rig::hostfwd_remove_command(10003) == "hostfwd_remove n0 tcp:127.0.0.1:10003");
}

TEST_CASE("console tail: last lines, carriage returns dropped", "[vmhost]") {
  CHECK(rig::tail_lines("a\r\nb\r\nc\r\n", 2) == "b\nc\n");
  CHECK(rig::tail_lines("a\nb", 5) == "a\nb\n");
  CHECK(rig::tail_lines("", 3).empty());
}
