#include "builder/rootfs_writer.hpp"

#include "builder/layer_shadow.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include "builder/tar_io.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"

namespace rig {

namespace {

constexpr const char* kCapXattr = "security.capability";
constexpr uint32_t kRevisionMask = 0xFF000000, kRev1 = 0x01000000, kRev2 = 0x02000000, kRev3 = 0x03000000;
constexpr size_t kMaxWarnings = 8;

struct DiskDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};

uint32_t le32(const std::string& s, size_t off) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[off])) | static_cast<uint32_t>(static_cast<unsigned char>(s[off + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[off + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[off + 3])) << 24;
}
void put_le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The entry's owner shifted; its security.capability rewritten. Other xattrs stay as they are.
Status shift_entry(archive_entry* e, uint32_t shift, RootfsWritten& w, const std::string& abs) {
  auto shifted = [&](la_int64_t id) -> Result<la_int64_t> {
    if (id < 0 || static_cast<uint64_t>(id) + shift >= std::numeric_limits<uint32_t>::max())
      return usage_error("rootfs: owner id " + std::to_string(id) + " of '" + abs + "' cannot be shifted by " + std::to_string(shift));
    return id + static_cast<la_int64_t>(shift);
  };
  RIG_TRY(auto uid, shifted(archive_entry_uid(e)));
  RIG_TRY(auto gid, shifted(archive_entry_gid(e)));
  archive_entry_set_uid(e, uid);
  archive_entry_set_gid(e, gid);
  // Names would win over the numbers on a disk writer with a lookup; this one has none, but the
  // image's names mean nothing on the host anyway.
  archive_entry_set_uname(e, nullptr);
  archive_entry_set_gname(e, nullptr);
  if (archive_entry_xattr_count(e) == 0) return ok();
  std::vector<std::pair<std::string, std::string>> xattrs;
  bool has_cap = false;
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string n = name ? name : "", v(static_cast<const char*>(value), size);
    if (n == kCapXattr) {
      if (has_cap) continue;  // pax headers may carry it twice (SCHILY.xattr and LIBARCHIVE.xattr)
      has_cap = true;
      auto s = shift_capability_xattr(v, shift);
      if (!s) return std::move(s).error().add_context("rootfs: file capability of '" + abs + "'");
      v = *s;
      ++w.capabilities;
    }
    xattrs.emplace_back(std::move(n), std::move(v));
  }
  archive_entry_xattr_clear(e);
  for (auto& [n, v] : xattrs) archive_entry_xattr_add_entry(e, n.c_str(), v.data(), v.size());
  return ok();
}

}  // namespace

Result<std::string> shift_capability_xattr(const std::string& value, uint32_t shift) {
  if (value.size() < 4) return usage_error("not a VFS capability (" + std::to_string(value.size()) + " bytes)");
  uint32_t magic = le32(value, 0), rev = magic & kRevisionMask;
  uint32_t p0 = 0, i0 = 0, p1 = 0, i1 = 0, rootid = 0;
  if (rev == kRev1 && value.size() == 12) {
    p0 = le32(value, 4), i0 = le32(value, 8);
  } else if ((rev == kRev2 && value.size() == 20) || (rev == kRev3 && value.size() == 24)) {
    p0 = le32(value, 4), i0 = le32(value, 8), p1 = le32(value, 12), i1 = le32(value, 16);
    if (rev == kRev3) rootid = le32(value, 20);
  } else {
    return usage_error("not a VFS capability (revision 0x" + [&] {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%08x", magic);
      return std::string(buf);
    }() + ", " + std::to_string(value.size()) + " bytes)");
  }
  if (static_cast<uint64_t>(rootid) + shift >= std::numeric_limits<uint32_t>::max())
    return usage_error("capability rootid " + std::to_string(rootid) + " cannot be shifted by " + std::to_string(shift));
  std::string out;
  put_le32(out, kRev3 | (magic & 1));
  put_le32(out, p0);
  put_le32(out, i0);
  put_le32(out, p1);
  put_le32(out, i1);
  put_le32(out, rootid + shift);
  return out;
}

Result<RootfsWritten> write_rootfs(const OciImage& img, const std::filesystem::path& dir, uint32_t shift) {
  std::error_code ec;
  // No symlink on the way to the rootfs: the disk writer checks every component it walks.
  auto root = std::filesystem::canonical(dir, ec);
  if (ec) return internal_error("rootfs: '" + dir.string() + "': " + ec.message());
  if (!std::filesystem::is_directory(root, ec) || !std::filesystem::is_empty(root, ec))
    return internal_error("rootfs: '" + root.string() + "' is not an empty directory");
  RIG_TRY(auto shadows, layer_shadows(img));
  std::unique_ptr<struct archive, DiskDeleter> disk(archive_write_disk_new());
  if (!disk) return internal_error("rootfs: archive_write_disk_new failed");
  archive_write_disk_set_options(disk.get(), ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                                 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SPARSE);
  const std::string prefix = root.string();
  auto on_disk = [&](const std::string& abs) { return abs == "/" ? prefix : prefix + abs; };
  RootfsWritten w;
  auto warn = [&](const std::string& abs) {
    if (w.warnings.size() < kMaxWarnings) w.warnings.push_back(abs + ": " + archive_error_string(disk.get()));
  };
  for (size_t i = 0; i < img.layers.size(); ++i) {
    const auto& layer = img.layers[i];
    int fd = ::open(layer.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return internal_error("rootfs: open '" + layer.path.string() + "': " + std::strerror(errno));
    FdCloser closer{fd};
    RIG_TRY(auto reader, TarReader::open_fd(fd, layer.path.string()));
    for (;;) {
      if (interrupted()) return interrupted_error();
      RIG_TRY(auto* e, reader->next());
      if (!e) break;
      std::string abs = entry_abs_path(e);
      if (is_whiteout_entry(abs) || shadows[i].hides(abs)) {
        RIG_CHECK(reader->skip_data());
        continue;
      }
      EntryPtr copy(archive_entry_clone(e));
      archive_entry_set_pathname(copy.get(), on_disk(abs).c_str());
      const char* link = archive_entry_hardlink(e);
      if (link) {
        std::string target = link;
        if (target.starts_with("./")) target.erase(0, 1);
        if (target.empty() || target[0] != '/') target.insert(target.begin(), '/');
        archive_entry_set_hardlink(copy.get(), on_disk(target).c_str());
      }
      RIG_CHECK(shift_entry(copy.get(), shift, w, abs).context("layer " + std::to_string(i + 1)));
      if (archive_entry_filetype(e) == AE_IFREG && (archive_entry_perm(e) & (S_ISUID | S_ISGID))) ++w.setid;
      int rc = archive_write_header(disk.get(), copy.get());
      if (rc == ARCHIVE_WARN) warn(abs);
      else if (rc != ARCHIVE_OK)
        return internal_error("rootfs: write '" + abs + "' of layer " + std::to_string(i + 1) + ": " + archive_error_string(disk.get()));
      if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0 && !link) {
        RIG_CHECK(reader->copy_data([&](const void* p, size_t n) -> Status {
          if (archive_write_data(disk.get(), p, n) < 0)
            return internal_error("rootfs: write data of '" + abs + "': " + archive_error_string(disk.get()));
          return ok();
        }));
      } else {
        RIG_CHECK(reader->skip_data());
      }
      rc = archive_write_finish_entry(disk.get());
      if (rc == ARCHIVE_WARN) warn(abs);
      else if (rc != ARCHIVE_OK) return internal_error("rootfs: finish '" + abs + "': " + archive_error_string(disk.get()));
      ++w.entries;
    }
  }
  // Deferred directory modes and times are applied here.
  if (archive_write_close(disk.get()) != ARCHIVE_OK)
    return internal_error(std::string("rootfs: close: ") + archive_error_string(disk.get()));
  // The rootfs directory belongs to the container's root unless a layer said otherwise.
  struct stat st {};
  if (::lstat(prefix.c_str(), &st) == 0 && st.st_uid == 0 && shift != 0) {
    if (::lchown(prefix.c_str(), shift, shift) != 0) return internal_error("rootfs: chown '" + prefix + "': " + std::strerror(errno));
    ::chmod(prefix.c_str(), 0755);
  }
  return w;
}

}  // namespace rig
