// LXC as an outer runtime (--engine lxc): what the flag names and what rigctl needs of the host.
// LXC has no daemon and no API socket: rigctl drives the tools (lxc-start, lxc-attach, lxc-info,
// lxc-stop) through the CommandRunner seam (core/subprocess.hpp). It does not link liblxc: the tools
// are LXC's stable interface, while liblxc's C API (struct lxc_container's function table) is not
// ABI-stable across 5.x and 6.x, and the tools keep rigctl's subprocess border testable with the
// recording fake runner. The rig itself is smoke/lxc_rig.hpp.
#pragma once

#include <string>

#include "core/error.hpp"
#include "engine/engine.hpp"

namespace rig {

// Where rigctl keeps its LXC containers (an lxcpath of its own, never LXC's default /var/lib/lxc).
inline constexpr const char* kLxcDefaultPath = "/var/lib/rigctl/lxc";

// --engine values that select LXC: "lxc" (kLxcDefaultPath) or "lxc:/absolute/lxcpath".
bool is_lxc_engine(const std::string& flag_value);
std::string lxc_path_of(const std::string& flag_value);
// The lxcpath must be absolute and plain (letters, digits, '/', '.', '_', '-', no "..": it is written
// into LXC config lines and socat addresses). Usage error with context --engine otherwise.
Status check_lxc_path(const std::string& path);

// The connection for --engine lxc: no Docker-API engine, no Incus client; version.runtime "lxc",
// the kernel, arch and cgroup version of this machine (LXC runs here). Unavailable when rigctl is
// not root (the rig's idmap is root's subordinate range; rigctl starts unprivileged containers as
// root, as the spike did) or lxc-start is not installed. version.version is filled by the session,
// which has a runner (`lxc-start --version`).
Result<EngineConnection> connect_lxc(const std::string& flag_value);

}  // namespace rig
