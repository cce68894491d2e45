// The build cache's entries (base/<key>, images/<key>) and the rules that keep it from lying:
//
// - One writer per key: a flock on cache/locks/<kind>-<key>.lock, held exclusively while an entry
//   is checked, built and committed; a second rigctl (or thread) building the same key waits for
//   it and then reuses its work. Readers hold the same lock shared while they use an entry, so a
//   --no-cache rebuild cannot replace it under them.
// - Committed whole: staged, every file and directory fsynced, exchanged into place in one step
//   (core/fs.hpp StagingDir).
// - Never written in place: cache files are made read-only before the commit and only ever replaced
//   by a rename. A blob hard-linked between a base entry and image entries is therefore the same
//   immutable bytes in all of them; copies that leave the cache (--out) are reflinks or copies.
// - Verified when read: an image entry carries entry.json, every file's size and sha256 and the
//   stat stamp (device, inode, size, mtime in ns) it had when hashed. On every read all sizes are
//   checked, files below kRehashBelow are hashed again, and larger ones are hashed again unless
//   their stamp is unchanged. Measured here (OpenSSL with SHA extensions): ~1.1 GB/s, 0.27 s of CPU
//   for a 300 MB base layer - more than the whole 0.2 s budget of a warm build, and warm builds
//   happen on every smoke/launch/matrix cell. Any write through the filesystem moves mtime, so a
//   changed byte is caught either way; what a stamp cannot see (bit rot beneath the filesystem,
//   a write that restores mtime) is left to the base entry's check: the base layer is read whole
//   whenever a recipe is applied to it and hashed on that pass, against its recorded digest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "core/error.hpp"
#include "core/lock.hpp"

namespace rig {

inline constexpr uint64_t kRehashBelow = 64ull << 20;
inline constexpr const char* kEntryRecord = "entry.json";

std::filesystem::path cache_lock_path(const std::filesystem::path& cache, const std::string& kind, const std::string& key);

// Records every regular file under `dir` in dir/entry.json and makes the files read-only. Files
// whose sha256 the caller already knows (a layer hashed as it was written) are given in `known`
// (relative path -> hex) and not read again.
Status seal_entry(const std::filesystem::path& dir, const std::map<std::string, std::string>& known = {});

// "" when `dir` matches its entry.json, else what does not (a missing record, a missing file, a
// size or a digest that differs).
Result<std::string> verify_entry(const std::filesystem::path& dir, uint64_t rehash_below = kRehashBelow);

// The sha256 (hex) of a file's bytes.
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace rig
