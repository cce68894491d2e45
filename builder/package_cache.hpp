// The package cache: the .debs apt downloaded for earlier builds, shared by every build and recipe of
// one archive (distro, suite, mirror), so a cold image build need not download them again.
//
// How a build uses it (build.cpp, bootstrap.cpp):
// - seed_packages() hard-links every cached .deb whose record still matches into a per-build seed
//   directory, hashing the linked file itself (the inode that will be used, so nothing can swap it
//   between check and use). mmdebstrap's `sync-in` hook copies the seed into apt's archive dir.
// - apt then takes a file already in its archive dir when its size matches the index and downloads
//   the rest, which it verifies against the signed Packages index. apt does NOT re-hash a cached
//   file of the right size (measured: a same-size file with flipped bytes was used as is, "Need to
//   get 0 B"), so the cache's own record is what protects a reused .deb: its sha256 and size,
//   taken when the file entered the cache straight from apt's verified download, and checked on
//   every reuse. A truncated or altered file is dropped from the cache and apt downloads it again.
// - mmdebstrap's `sync-out` hook copies apt's archive dir out after the install; ingest_packages()
//   moves each .deb the cache lacks into it (hashed, made read-only, renamed into place, then its
//   record written) and drops versions the build superseded.
//
// Concurrency without a lock: a .deb and its record are each written under a temporary name and
// renamed into place, record last; files are never written in place. A reader trusts a .deb only
// through its record, so a half-made entry is invisible and a record that does not match its file
// (two writers of one name racing) is dropped and refetched: never used.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace rig {

inline constexpr const char* kPackageRecordSuffix = ".sha256";

// One archive's directory under the package cache `root`: <root>/<distro>-<suite>-<16 hex of the
// mirror URI's sha256>. The suite keeps superseded versions of one suite from evicting another's.
std::filesystem::path package_cache_dir(const std::filesystem::path& root, const std::string& distro, const std::string& suite,
                                        const std::string& mirror_uri);

// A file name apt writes into its archive dir for a package: NAME_VERSION_ARCH.deb of the
// characters package names and (%-encoded) versions use. Anything else is never cached or seeded.
bool is_deb_name(std::string_view name);
// "NAME_ARCH" of such a name: versions of one package on one architecture share it.
std::string deb_slot(std::string_view name);

// The record next to a cached .deb: "<sha256 hex> <size>\n".
std::string package_record(const std::string& sha256_hex, uint64_t size);
// The record's fields; false when it is not one.
bool parse_package_record(std::string_view text, std::string& sha256_hex, uint64_t& size);

struct SeedResult {
  size_t reused = 0;                  // .debs linked into the seed
  uint64_t bytes = 0;                 // their size
  std::vector<std::string> dropped;   // cache entries removed: why, per file
};

// Links (copies, across filesystems) every intact cached .deb of `dir` into the empty directory
// `seed`; entries without a record or not matching it are removed from the cache.
Result<SeedResult> seed_packages(const std::filesystem::path& dir, const std::filesystem::path& seed);

struct IngestResult {
  size_t added = 0;
  uint64_t bytes = 0;
  size_t pruned = 0;  // older versions of the packages this build used
};

// Moves the .debs in `collected` (apt's archive dir after a build, same filesystem as `dir`, else
// copied) that `dir` lacks into it, and removes cached versions this build superseded.
Result<IngestResult> ingest_packages(const std::filesystem::path& collected, const std::filesystem::path& dir);

}  // namespace rig
