// Flattening an image's layers (for runtimes that take a root filesystem, not layers: Incus's image
// tarball, LXC's rootfs): what the layers above hide of each layer. A later layer hides an earlier
// entry with the same path, a whiteout (.wh.NAME) deletes a path with everything below it, an opaque
// marker (.wh..wh..opq) hides everything below its directory, and a later non-directory replaces a
// directory with everything below it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "builder/oci.hpp"
#include "builder/tar_io.hpp"

namespace rig {

struct LayerShadow {
  std::set<std::string> paths, whiteouts, opaque_dirs, non_dirs;
  bool hides(const std::string& abs) const;
  void add(const LayerShadow& o);
};

// A whiteout or opaque marker: not a file of the flattened tree.
bool is_whiteout_entry(const std::string& abs);

// shadows[i] is what layers i+1.. hide of layer i (the last one hides nothing).
Result<std::vector<LayerShadow>> layer_shadows(const OciImage& img);

}  // namespace rig
