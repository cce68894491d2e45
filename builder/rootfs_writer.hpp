// An OCI image's layers written into a plain directory, for an outer runtime that runs a rootfs
// directory (LXC: lxc.rootfs.path = dir:...). Written from rigctl's own layers with libarchive, the
// way the engines unpack them: later layers win (an earlier layer's entry is left out when a later
// layer has the same path, a whiteout for it, an opaque marker or a non-directory above it), and
// every owner is shifted by the container's idmap base, so the container's root owns what the
// image's root owns.
//
// What a naive chown-after-extract loses and this keeps: chown(2) clears setuid/setgid bits and
// drops security.capability, even for root (measured on kernel 6.18, /tmp/lxc-notes.md §1).
// libarchive's disk writer sets the owner first, then the mode, then the xattrs, so both survive.
// File capabilities are rewritten as VFS v3 with rootid = their old rootid + the shift (a v2 or v1 cap
// counts as rootid 0). Both v2 and v3 work in the container (the spike measured both), but v3 is the
// precise form: the kernel honours it only in a user namespace whose root is that host uid (the rig)
// and its children, never on the host, where a v2 `cap_setuid=ep` newuidmap left under the lxcpath
// would be a live file capability for every host user who can reach it. A v3 is also what
// an unprivileged writer inside the container produces (the kernel converts its v2 writes).
//
// Paths never leave the directory: entries are written below its canonical path (no symlink on the
// way there) with ARCHIVE_EXTRACT_SECURE_SYMLINKS (no symlink on disk is followed while writing an
// entry) and ARCHIVE_EXTRACT_SECURE_NODOTDOT (no ".." component).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/oci.hpp"
#include "core/error.hpp"

namespace rig {

struct RootfsWritten {
  uint64_t entries = 0;       // written (after shadowing)
  uint64_t capabilities = 0;  // security.capability values rewritten
  uint64_t setid = 0;         // files with setuid/setgid bits kept
  std::vector<std::string> warnings;  // libarchive's warnings (first few), e.g. a time it could not set
};

// The security.capability value for a file in a rootfs whose owners are shifted by `shift`: VFS v3
// with rootid + shift (v1 and v2 count as rootid 0), the effective bit kept. Usage error for a
// value that is no VFS capability (wrong size or revision), or a rootid that overflows.
Result<std::string> shift_capability_xattr(const std::string& value, uint32_t shift);

// Writes img's layers into `dir`, which must exist and be empty. Every uid/gid is shifted by
// `shift`; the directory itself ends up owned by shift:shift unless the layers say otherwise. Needs
// root (chown, mknod, security.* xattrs).
Result<RootfsWritten> write_rootfs(const OciImage& img, const std::filesystem::path& dir, uint32_t shift);

}  // namespace rig
