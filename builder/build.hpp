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
  bool no_cache = false;
  std::optional<int64_t> epoch;  // empty: SOURCE_DATE_EPOCH or kDefaultEpoch
  std::filesystem::path cache_dir;  // empty: cache_root()
};

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
  MirrorChoice mirror;
  std::string image_key;
  double seconds = 0;
  // A shared lock on the image's cache entry: while the outcome lives, no other rigctl can replace
  // the files `image` points at (a --no-cache rebuild waits for it).
  std::shared_ptr<void> hold;
};

std::string default_tag(const Recipe& r, const std::string& arch);
int64_t build_epoch(const BuildRequest& req);

Result<BuildOutcome> build_image(const Recipe& r, const BuildRequest& req, CommandRunner& runner, const BuildEvents& ev);

// Copies the layout to `out`, atomically: reflinks where the filesystem has them, else copies,
// never hard links (a writable name outside the cache must not share the cache's bytes).
Status export_layout(const OciImage& img, const std::filesystem::path& out);

// Streams the image into an engine as a docker-archive tagged `tag`.
Result<std::string> load_image(Engine& engine, const OciImage& img, const std::string& tag);

}  // namespace rig
