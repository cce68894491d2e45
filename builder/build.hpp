// `rigctl build`: recipe -> OCI image layout, through the cache. The pipeline and the reason for
// each step are in build.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "builder/mirror.hpp"
#include "builder/oci.hpp"
#include "builder/recipe.hpp"
#include "core/subprocess.hpp"

namespace rig {

class Engine;

// Next to the OCI layout in the cache: the tailored seccomp profile derived from the image's own
// stock podman profile (absent when the image has none).
inline constexpr const char* kTailoredSeccompFile = "rig-seccomp.json";

inline constexpr int64_t kDefaultEpoch = 1704067200;  // 2024-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is unset

struct BuildRequest {
  std::string arch;    // empty: the host's
  std::string mirror;  // --mirror, empty: resolve (mirror.hpp)
  std::string tag;     // empty: default_tag()
  bool no_cache = false;  // rebuild the base and the image (the package cache is still used)
  std::optional<int64_t> epoch;  // empty: SOURCE_DATE_EPOCH or kDefaultEpoch
  std::filesystem::path cache_dir;  // empty: cache_root()
  // The package cache (package_cache.hpp), shared by every build and recipe: empty means
  // <cache_dir>/debs. With use_package_cache false (--no-package-cache) every package is
  // downloaded and nothing is added to it.
  bool use_package_cache = true;
  std::filesystem::path package_cache;
  // Where mmdebstrap unpacks the rootfs it streams out (thrown away after): empty = its TMPDIR or
  // /tmp. default_scratch_dir() picks a memory filesystem when there is room.
  std::filesystem::path scratch_dir;
};

// What scratch_dir is chosen from: a candidate directory's filesystem and the memory left.
struct ScratchProbe {
  std::filesystem::path dir;
  bool tmpfs = false;
  uint64_t free_bytes = 0;     // available to this user on that filesystem
  uint64_t mem_available = 0;  // MemAvailable: a tmpfs's pages are memory
};
// The rootfs of a large recipe is ~1 GB unpacked (plus its .debs); a memory filesystem is chosen
// only with room for several of those, so concurrent builds cannot exhaust it.
inline constexpr uint64_t kScratchNeedBytes = 4ull << 30;
// `p.dir` when it is a tmpfs with kScratchNeedBytes free and as much memory available, else "".
std::filesystem::path pick_scratch_dir(const ScratchProbe& p);
// Probes `dir` (statfs) and `meminfo` (MemAvailable).
ScratchProbe probe_scratch(const std::filesystem::path& dir, const std::filesystem::path& meminfo = "/proc/meminfo");
// The memory filesystem builds use for scratch when there is room (and `rigctl gc` sweeps).
inline constexpr const char* kMemoryScratch = "/dev/shm";
// pick_scratch_dir(probe_scratch(kMemoryScratch)): what the CLI and the bench pass as scratch_dir.
std::filesystem::path default_scratch_dir();

struct BuildEvents {
  std::function<void(const std::string&)> phase;  // a new step starts
  std::function<void(uint64_t)> bytes;            // bootstrap bytes streamed so far
  std::function<void(std::string_view)> tool_line;  // a line of mmdebstrap's stderr
};

struct BuildOutcome {
  OciImage image;
  std::string tag;
  bool cached = false;       // the whole image came from the cache
  bool base_cached = false;  // the bootstrap was skipped
  bool package_cache_used = false;  // the bootstrap ran with the package cache
  size_t packages_reused = 0;       // .debs taken from it
  size_t packages_added = 0;        // .debs this build added to it
  MirrorChoice mirror;
  std::string image_key;
  double seconds = 0;
  // A shared lock on the image's cache entry: while the outcome lives, no other rigctl can replace
  // the files `image` points at (a --no-cache rebuild waits for it).
  std::shared_ptr<void> hold;
};

std::string default_tag(const Recipe& r, const std::string& arch);
// SOURCE_DATE_EPOCH as reproducible-builds.org defines it: decimal seconds since 1970, as `date +%s`
// prints them. Unset or empty: no value. Anything else -- "abc", "-1", "1e9", a number past
// 9999-12-31 (RFC 3339's last year) -- is a usage error naming the variable: the spec says a build
// must fail on a malformed value, and a silently ignored one gives an image dated otherwise than asked.
Result<std::optional<int64_t>> parse_source_date_epoch(const char* value);
// The request's epoch, else SOURCE_DATE_EPOCH, else kDefaultEpoch.
Result<int64_t> build_epoch(const BuildRequest& req);

Result<BuildOutcome> build_image(const Recipe& r, const BuildRequest& req, CommandRunner& runner, const BuildEvents& ev);

// Copies the layout to `out`, atomically: reflinks where the filesystem has them, else copies,
// never hard links (a writable name outside the cache must not share the cache's bytes).
Status export_layout(const OciImage& img, const std::filesystem::path& out);

// Streams the image into an engine as a docker-archive tagged `tag`.
Result<std::string> load_image(Engine& engine, const OciImage& img, const std::string& tag);

}  // namespace rig
