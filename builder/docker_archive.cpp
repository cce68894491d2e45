#include "builder/docker_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/fs.hpp"
#include "core/sha256.hpp"

namespace rig {

namespace {

struct FdSink {
  int fd;
  std::string error;
  static la_ssize_t write(struct archive* a, void* self, const void* buf, size_t len) {
    auto* s = static_cast<FdSink*>(self);
    size_t off = 0;
    while (off < len) {
      ssize_t n = ::write(s->fd, static_cast<const char*>(buf) + off, len - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        s->error = std::strerror(errno);
        archive_set_error(a, errno, "%s", s->error.c_str());
        return -1;
      }
      off += static_cast<size_t>(n);
    }
    return static_cast<la_ssize_t>(len);
  }
};

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};

}  // namespace

Status write_docker_archive(const OciImage& img, const std::string& repo_tag, int out_fd) {
  FdSink sink{out_fd, {}};
  std::unique_ptr<struct archive, ArchiveFree> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &sink, nullptr, &FdSink::write, nullptr) != ARCHIVE_OK)
    return internal_error(std::string("docker-archive: ") + archive_error_string(a.get()));

  auto add_bytes = [&](const std::string& name, const std::string& data) -> Status {
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK || archive_write_data(a.get(), data.data(), data.size()) < 0)
      return internal_error("docker-archive: write '" + name + "': " + archive_error_string(a.get()));
    return ok();
  };
  // Each layer is hashed as it streams: bytes that no longer match their digest (a cache file
  // changed after it was verified) fail the load instead of reaching the engine as that digest.
  auto add_file = [&](const std::string& name, const std::filesystem::path& src, uint64_t size, const std::string& digest) -> Status {
    int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return internal_error("docker-archive: open '" + src.string() + "': " + std::strerror(errno));
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    Status st = ok();
    Sha256 sha;
    uint64_t sent = 0;
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) {
      st = internal_error("docker-archive: write '" + name + "': " + archive_error_string(a.get()));
    } else {
      static thread_local char buf[1 << 17];
      for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          st = internal_error("docker-archive: read '" + src.string() + "': " + std::strerror(errno));
          break;
        }
        if (n == 0) break;
        size_t len = static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(n), size - std::min(size, sent)));
        sha.update(buf, static_cast<size_t>(n));
        sent += static_cast<uint64_t>(n);
        if (len > 0 && archive_write_data(a.get(), buf, len) < 0) {
          st = internal_error("docker-archive: write '" + name + "': " + archive_error_string(a.get()));
          break;
        }
      }
    }
    ::close(fd);
    if (st.ok() && (sent != size || "sha256:" + sha.hex() != digest))
      st = internal_error("docker-archive: '" + src.string() + "' no longer matches " + digest + " (" + std::to_string(sent) +
                              " bytes, expected " + std::to_string(size) + ")",
                          "the cache entry was changed after it was built: run the build again with --no-cache");
    return st;
  };

  auto config_path = img.dir / "blobs" / "sha256" / digest_hex(img.config_digest);
  RIG_TRY(auto config, read_file(config_path));
  std::string config_name = digest_hex(img.config_digest) + ".json";
  RIG_CHECK(add_bytes(config_name, config));
  json layers = json::array();
  for (auto& l : img.layers) {
    std::string name = digest_hex(l.digest) + "/layer.tar";
    RIG_CHECK(add_file(name, l.path, l.size, l.digest));
    layers.push_back(name);
  }
  json manifest = json::array({{{"Config", config_name}, {"RepoTags", json::array({repo_tag})}, {"Layers", layers}}});
  RIG_CHECK(add_bytes("manifest.json", json_text(manifest)));
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    return internal_error(std::string("docker-archive: ") + archive_error_string(a.get()));
  return ok();
}

}  // namespace rig
