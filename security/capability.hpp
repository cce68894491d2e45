// File capabilities in libcap's text form ("cap_setuid=ep") and their on-disk encoding: the
// security.capability xattr, VFS_CAP_REVISION_2 (magic, then permitted/inheritable per 32-bit word).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace rig {

struct FileCaps {
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  bool effective = false;
};

// Parses libcap's textual form: clauses "caps=flags", "caps+flags", "caps-flags" separated by
// spaces, caps a comma list of names (cap_*, case-insensitive) or "all", flags from "eip".
Result<FileCaps> parse_capability_text(const std::string& text);

// The 20-byte VFS cap v2 xattr value, little endian.
std::string vfs_cap_xattr(const FileCaps& caps);

// The bit of a capability named as the engine API spells it ("SETUID", "SYS_CHROOT"), or -1.
int capability_bit(std::string_view api_name);
// The ablation item id of a default capability: "SYS_CHROOT" -> "cap-sys-chroot". Flag, hardening
// and capability ids share one namespace (--only, reports).
std::string capability_item_id(std::string_view api_name);
// A mask's capabilities as the engine API spells them, in bit order: "SETGID,SETUID,SYS_CHROOT".
std::string capability_api_names(uint64_t mask);

// Every capability this build knows that `kept` lacks, lower case without "cap_" ("chown",
// "sys_admin"), in bit order: what LXC's lxc.cap.drop (and Incus's raw.lxc) takes to leave exactly
// `kept` in the bounding set.
std::vector<std::string> capabilities_outside(uint64_t kept);

// Inverse, for tests and diagnostics.
Result<FileCaps> decode_vfs_cap_xattr(const std::string& value);
std::string capability_text(const FileCaps& caps);

}  // namespace rig
