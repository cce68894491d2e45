#include "builder/layer_shadow.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rig {

namespace {

constexpr const char* kWhiteout = ".wh.";
constexpr const char* kOpaque = ".wh..wh..opq";

std::string parent_of(const std::string& abs) {
  auto slash = abs.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : abs.substr(0, slash);
}

std::string base_of(const std::string& abs) { return abs.substr(abs.rfind('/') + 1); }

Result<LayerShadow> scan_layer(const LayerInfo& layer) {
  int fd = ::open(layer.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("layer '" + layer.path.string() + "': " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  RIG_TRY(auto reader, TarReader::open_fd(fd, layer.path.string()));
  LayerShadow s;
  for (;;) {
    RIG_TRY(auto* e, reader->next());
    if (!e) break;
    std::string abs = entry_abs_path(e);
    std::string base = base_of(abs);
    if (base == kOpaque) {
      s.opaque_dirs.insert(parent_of(abs));
    } else if (base.starts_with(kWhiteout)) {
      s.whiteouts.insert((parent_of(abs) == "/" ? "" : parent_of(abs)) + "/" + base.substr(4));
    } else {
      s.paths.insert(abs);
      if (archive_entry_filetype(e) != AE_IFDIR) s.non_dirs.insert(abs);
    }
    RIG_CHECK(reader->skip_data());
  }
  return s;
}

}  // namespace

bool LayerShadow::hides(const std::string& abs) const {
  if (paths.count(abs) || whiteouts.count(abs)) return true;
  for (std::string p = abs; p != "/";) {
    p = parent_of(p);
    if (opaque_dirs.count(p) || whiteouts.count(p) || non_dirs.count(p)) return true;
  }
  return false;
}

void LayerShadow::add(const LayerShadow& o) {
  paths.insert(o.paths.begin(), o.paths.end());
  whiteouts.insert(o.whiteouts.begin(), o.whiteouts.end());
  opaque_dirs.insert(o.opaque_dirs.begin(), o.opaque_dirs.end());
  non_dirs.insert(o.non_dirs.begin(), o.non_dirs.end());
}

bool is_whiteout_entry(const std::string& abs) { return base_of(abs).starts_with(kWhiteout); }

Result<std::vector<LayerShadow>> layer_shadows(const OciImage& img) {
  std::vector<LayerShadow> shadows(img.layers.size());
  for (size_t i = img.layers.size(); i-- > 1;) {
    RIG_TRY(auto s, scan_layer(img.layers[i]));
    shadows[i - 1] = shadows[i];
    shadows[i - 1].add(s);
  }
  return shadows;
}

}  // namespace rig
