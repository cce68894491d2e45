// normalize_base_layer(): mmdebstrap's tar stream -> the cached base layer (mtimes clamped, device
// nodes dropped, some entries captured for the recipe layer). Fed arbitrary tar bytes, including
// GNU sparse members and pax headers. The input is read a second time, independently, with
// libarchive's archive_read_data (which expands sparse holes), and the written layer is read back
// the same way. Properties when the transform succeeds:
//   * the layer holds the input's entries in order, minus character and block devices, each with the
//     same path and type, and every regular file with the same size and bytes;
//   * no mtime is later than the epoch, no atime/ctime is kept;
//   * scan_layer() of the written layer (what a cached build uses) equals the scan gathered while
//     writing it (what a fresh build uses).
// Inputs whose regular files expand to more than kMaxExpanded bytes are skipped (a sparse member
// may claim terabytes in a few hundred bytes of header).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "builder/layers.hpp"
#include "security/seccomp.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

constexpr int64_t kEpoch = 1704067200;  // 2024-01-01, rigctl's default SOURCE_DATE_EPOCH
constexpr int64_t kMaxExpanded = 64 << 20;

struct Entry {
  std::string path;
  unsigned type = 0;
  bool hardlink = false;
  std::string data;  // regular files only
  int64_t mtime = 0;
  bool atime = false, ctime = false;
};

struct Listing {
  bool ok = false;
  bool too_big = false;
  std::string error;
  std::vector<Entry> entries;
};

// The tar as libarchive reads it with the formats TarReader enables (tar, gnutar).
Listing list(const void* buf, size_t len) {
  Listing out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
    out.error = archive_error_string(a) ? archive_error_string(a) : "open";
    archive_read_free(a);
    return out;
  }
  int64_t expanded = 0;
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) {
      out.ok = true;
      break;
    }
    if (rc < ARCHIVE_WARN) {
      out.error = archive_error_string(a) ? archive_error_string(a) : "header";
      break;
    }
    Entry en;
    const char* p = archive_entry_pathname(e);
    en.path = p ? p : "";
    // libarchive's writer spells a directory "d/": the same entry.
    while (en.path.size() > 1 && en.path.back() == '/') en.path.pop_back();
    en.type = archive_entry_filetype(e);
    en.hardlink = archive_entry_hardlink(e) != nullptr;
    en.mtime = archive_entry_mtime(e);
    en.atime = archive_entry_atime_is_set(e);
    en.ctime = archive_entry_ctime_is_set(e);
    if (en.type == AE_IFREG && !en.hardlink) {
      expanded += std::max<int64_t>(archive_entry_size(e), 0);
      if (expanded > kMaxExpanded) {
        out.too_big = true;
        break;
      }
      char chunk[65536];
      la_ssize_t n;
      while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) en.data.append(chunk, static_cast<size_t>(n));
      if (n < 0) {
        out.error = archive_error_string(a) ? archive_error_string(a) : "data";
        break;
      }
    }
    out.entries.push_back(std::move(en));
  }
  archive_read_free(a);
  return out;
}

std::string describe(const Entry& e) {
  return "'" + e.path + "' type " + std::to_string(e.type) + (e.hardlink ? " (hard link)" : "") + " " +
         std::to_string(e.data.size()) + " bytes";
}

void compare_scans(const rig::BaseScan& fresh, const rig::BaseScan& cached) {
  if (fresh.dirs != cached.dirs || fresh.symlinks != cached.symlinks || fresh.others != cached.others)
    rig::fuzz::finding("scan_layer of the written layer classifies paths differently from the scan made while writing it");
  if (fresh.captured.size() != cached.captured.size()) rig::fuzz::finding("scan_layer captured a different set of entries");
  for (auto& [path, c] : fresh.captured) {
    auto it = cached.captured.find(path);
    if (it == cached.captured.end()) rig::fuzz::finding("scan_layer did not capture " + path);
    const auto& d = it->second;
    std::string diff;
    if (c.content != d.content) diff += " content (" + std::to_string(c.content.size()) + " vs " + std::to_string(d.content.size()) + " bytes)";
    // Type and permission bits: what the recipe layer uses (S_ISREG, & 07777). A header's mode field may
    // carry bits above those, which the writer drops; they mean nothing.
    constexpr uint32_t kUsed = S_IFMT | 07777;
    if ((c.mode & kUsed) != (d.mode & kUsed))
      diff += " mode (" + std::to_string(c.mode) + " vs " + std::to_string(d.mode) + ")";
    if (c.uid != d.uid || c.gid != d.gid)
      diff += " owner (" + std::to_string(c.uid) + ":" + std::to_string(c.gid) + " vs " + std::to_string(d.uid) + ":" + std::to_string(d.gid) + ")";
    if (c.xattrs != d.xattrs) {
      diff += " xattrs (fresh:";
      for (auto& [k, v] : c.xattrs) diff += " " + k + "[" + std::to_string(v.size()) + "]";
      diff += "; cached:";
      for (auto& [k, v] : d.xattrs) diff += " " + k + "[" + std::to_string(v.size()) + "]";
      diff += ")";
    }
    if (!diff.empty()) rig::fuzz::finding("captured " + path + " differs between the fresh and the cached scan:" + diff);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto input = list(data, size);
  if (input.too_big) return 0;

  int fd = ::memfd_create("fuzz-tar", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size) || ::lseek(fd, 0, SEEK_SET) != 0)
    rig::fuzz::finding("memfd");
  static const std::set<std::string> capture = {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/subuid",
                                                "/usr/bin/newuidmap", rig::kStockSeccompPath};
  static const auto out = rig::fuzz::scratch_dir() / "layer.tar";
  rig::BaseScan scan;
  auto layer = rig::normalize_base_layer(fd, "fuzz", out, kEpoch, capture, scan);
  ::close(fd);
  if (!layer) {
    rig::fuzz::expect_category(layer.error(), "normalize_base_layer", {rig::Category::Internal});
    return 0;
  }
  // The transform accepted the stream: what it wrote must be what libarchive reads from it.
  if (!input.ok) return 0;  // the reference could not read it (a data error the copy skipped): no reference
  auto bytes = rig::read_file(out);
  if (!bytes) rig::fuzz::finding("cannot read the layer back: " + bytes.error().what());
  if (bytes->size() != layer->size) rig::fuzz::finding("LayerInfo.size differs from the file's size");
  auto written = list(bytes->data(), bytes->size());
  if (!written.ok) rig::fuzz::finding("the written layer does not read back: " + written.error);

  std::vector<const Entry*> expected;
  for (auto& e : input.entries)
    if (e.type != AE_IFCHR && e.type != AE_IFBLK) expected.push_back(&e);
  if (expected.size() != written.entries.size())
    rig::fuzz::finding("the layer has " + std::to_string(written.entries.size()) + " entries, the input " +
                       std::to_string(expected.size()) + " (without devices)");
  for (size_t i = 0; i < expected.size(); ++i) {
    const Entry& in = *expected[i];
    const Entry& w = written.entries[i];
    // A hard link has no type of its own (tar's typeflag '1'): only its path and being a link count.
    if (in.path != w.path || in.hardlink != w.hardlink || (!in.hardlink && in.type != w.type))
      rig::fuzz::finding("entry " + std::to_string(i) + ": input " + describe(in) + ", layer " + describe(w));
    if (in.type == AE_IFREG && !in.hardlink && in.data != w.data)
      rig::fuzz::finding("entry " + std::to_string(i) + " " + describe(in) + ": the layer holds " +
                         std::to_string(w.data.size()) + " bytes that differ (corrupt copy)");
    if (w.mtime > kEpoch || w.atime || w.ctime)
      rig::fuzz::finding("entry " + std::to_string(i) + " '" + w.path + "': times not normalised");
  }
  auto cached = rig::scan_layer(out, capture);
  if (!cached) rig::fuzz::finding("scan_layer of the written layer failed: " + cached.error().what());
  compare_scans(scan, *cached);
  return 0;
}
