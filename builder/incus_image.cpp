#include "builder/incus_image.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "builder/layer_shadow.hpp"
#include "core/fs.hpp"
#include "core/json_reader.hpp"

namespace rig {

namespace {

std::string prefixed(const std::string& abs) { return abs == "/" ? "rootfs" : "rootfs" + abs; }

}  // namespace

std::string incus_arch_of(const std::string& debian_arch) {
  if (debian_arch == "amd64") return "x86_64";
  if (debian_arch == "arm64") return "aarch64";
  if (debian_arch == "armhf") return "armv7l";
  if (debian_arch == "i386") return "i686";
  if (debian_arch == "ppc64el") return "ppc64le";
  if (debian_arch == "s390x" || debian_arch == "riscv64") return debian_arch;
  return "";
}

std::string incus_metadata_yaml(const std::string& incus_arch, int64_t created, const std::map<std::string, std::string>& properties) {
  // JSON strings are YAML flow scalars: every value is quoted and escaped by the JSON writer.
  std::string y = "architecture: " + json(incus_arch).dump() + "\ncreation_date: " + std::to_string(created) + "\nproperties:\n";
  for (auto& [k, v] : properties) y += "  " + json(k).dump() + ": " + json(v).dump() + "\n";
  return y;
}

Result<LayerInfo> write_incus_image(const OciImage& img, int64_t created, const std::map<std::string, std::string>& properties,
                                    const std::filesystem::path& path) {
  std::string arch = incus_arch_of(img.arch);
  if (arch.empty()) return usage_error("Incus has no architecture name for '" + img.arch + "'");
  RIG_TRY(auto shadows, layer_shadows(img));
  RIG_TRY(auto out, TarWriter::create(path));
  {
    EntryPtr meta(archive_entry_new());
    std::string yaml = incus_metadata_yaml(arch, created, properties);
    archive_entry_set_pathname(meta.get(), "metadata.yaml");
    archive_entry_set_filetype(meta.get(), AE_IFREG);
    archive_entry_set_perm(meta.get(), 0644);
    archive_entry_set_size(meta.get(), static_cast<la_int64_t>(yaml.size()));
    RIG_CHECK(out->add(meta.get(), yaml));
  }
  for (size_t i = 0; i < img.layers.size(); ++i) {
    const auto& layer = img.layers[i];
    int fd = ::open(layer.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return internal_error("incus image: open '" + layer.path.string() + "': " + std::strerror(errno));
    FdCloser closer{fd};
    RIG_TRY(auto reader, TarReader::open_fd(fd, layer.path.string()));
    for (;;) {
      RIG_TRY(auto* e, reader->next());
      if (!e) break;
      std::string abs = entry_abs_path(e);
      // Whiteouts only hide lower layers (done through the shadow sets); they are not files.
      if (is_whiteout_entry(abs) || shadows[i].hides(abs)) {
        RIG_CHECK(reader->skip_data());
        continue;
      }
      EntryPtr copy(archive_entry_clone(e));
      archive_entry_set_pathname(copy.get(), prefixed(abs).c_str());
      if (const char* link = archive_entry_hardlink(e)) {
        std::string target = link;
        if (target.starts_with("./")) target.erase(0, 1);
        if (target.empty() || target[0] != '/') target.insert(target.begin(), '/');
        archive_entry_set_hardlink(copy.get(), prefixed(target).c_str());
      }
      RIG_CHECK(out->write_header(copy.get()));
      if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0 && !archive_entry_hardlink(e)) {
        RIG_CHECK(reader->copy_data([&](const void* p, size_t n) { return out->write_data(p, n); }));
      } else {
        RIG_CHECK(reader->skip_data());
      }
    }
  }
  return out->finish();
}

}  // namespace rig
