// Rigs publish their ports on the engine host's loopback (127.0.0.1:10000-...), and `smoke` checks
// them from where rigctl runs. With the engine in a VM those are two machines: while a VmHost
// lives, this mirrors each loopback port published by a rigctl-labelled container to the same
// port on 127.0.0.1 here (qemu's hostfwd_add through the VM's QMP socket), and drops it when the
// container goes. Nothing else gets in; the guest sends such connections on to its own loopback
// (the init's DNAT rule). A port is only taken here once the rig holds it in the VM, so `ablate`'s
// free-port search here still sees the ports it is about to use as free.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace rig {

// tcp ports a /containers/json answer publishes on 127.0.0.1.
std::set<uint16_t> loopback_tcp_ports(const json& containers);

std::string hostfwd_add_command(uint16_t port);     // HMP: hostfwd_add n0 tcp:127.0.0.1:P-:P
std::string hostfwd_remove_command(uint16_t port);  // HMP: hostfwd_remove n0 tcp:127.0.0.1:P

// Runs one HMP command through qemu's QMP socket; returns its output (empty on success).
Result<std::string> monitor_command(const std::filesystem::path& socket, const std::string& command);

class PortMirror {
 public:
  // `list` answers the guest engine's container listing (an Engine's list_container_summaries over a
  // connection the caller opened: the mirror opens none itself).
  PortMirror(std::function<Result<json>()> list, std::filesystem::path monitor, std::function<void(const std::string&)> log);
  ~PortMirror();  // stops polling; the forwards die with qemu
  // Starts polling on its own thread; an error when the host refuses the thread (core/thread.hpp).
  Status start();
  PortMirror(const PortMirror&) = delete;
  PortMirror& operator=(const PortMirror&) = delete;

 private:
  void loop();
  std::function<Result<json>()> list_;
  std::filesystem::path monitor_;
  std::function<void(const std::string&)> log_;
  std::set<uint16_t> forwarded_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rig
