#include "builder/layers.hpp"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "builder/accounts.hpp"
#include "security/seccomp.hpp"
#include "core/text.hpp"

namespace rig {

namespace {


void classify(archive_entry* e, const std::string& path, BaseScan& scan) {
  if (archive_entry_hardlink(e) != nullptr) {
    scan.others.insert(path);
    return;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR: scan.dirs.insert(path); break;
    case AE_IFLNK: scan.symlinks.insert(path); break;
    default: scan.others.insert(path); break;
  }
}

CapturedEntry capture_meta(archive_entry* e) {
  CapturedEntry c;
  c.mode = archive_entry_mode(e);
  c.uid = static_cast<uint32_t>(archive_entry_uid(e));
  c.gid = static_cast<uint32_t>(archive_entry_gid(e));
  if (archive_entry_hardlink(e) != nullptr) c.mode = 0;  // content lives elsewhere: not usable
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
    c.xattrs[name] = std::string(static_cast<const char*>(value), size);
  return c;
}

// Reproducibility: no time in the layer is later than the epoch, and only mtime is kept.
void normalize_times(archive_entry* e, int64_t epoch) {
  if (archive_entry_mtime(e) > epoch || !archive_entry_mtime_is_set(e)) archive_entry_set_mtime(e, epoch, 0);
  else archive_entry_set_mtime(e, archive_entry_mtime(e), 0);
  archive_entry_unset_atime(e);
  archive_entry_unset_ctime(e);
  archive_entry_unset_birthtime(e);
}

struct Planned {
  char type = 'f';  // d, f, l
  uint32_t mode = 0644;
  uint32_t uid = 0, gid = 0;
  std::string content;
  std::string link;
  std::map<std::string, std::string> xattrs;
  std::string origin;  // recipe JSON path, for errors
};

bool inside(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

Error recipe_mismatch(const std::string& origin, const std::string& msg) {
  return usage_error(msg).add_context(origin);
}

// A sparse member (GNU tar's, or pax's GNU.sparse) is written out as the regular file it reads as:
// its holes become zeros (TarReader::copy_data fills them) and the sparse map is dropped, so the
// writer does not describe blocks that are no longer there. Engines unpack layers without sparse
// support anyway. A hole so large the expanded file would dwarf any root filesystem is refused.
Status expand_sparse(archive_entry* e, const std::string& path, const std::string& label) {
  if (archive_entry_sparse_count(e) == 0) return ok();
  if (archive_entry_size(e) > static_cast<la_int64_t>(kMaxSparseExpansion))
    return internal_error("tar '" + label + "': sparse file '" + path + "' would expand to " + std::to_string(archive_entry_size(e)) +
                          " bytes (more than " + std::to_string(kMaxSparseExpansion) + ")");
  archive_entry_sparse_clear(e);
  return ok();
}

}  // namespace

std::set<std::string> paths_to_capture(const Recipe& r) {
  std::set<std::string> out;
  if (r.user)
    for (auto* p : kAccountFiles) out.insert(p);
  for (auto& fc : r.file_capabilities) out.insert(fc.path);
  out.insert(kStockSeccompPath);  // the launch's tailored profile is derived from it
  return out;
}

// The pax writer escapes an xattr name it cannot store verbatim (SCHILY.xattr.<name>=...: '=' ends the
// keyword, '%' and bytes outside printable ASCII are %-encoded) and the reader does not undo it, so
// such a name would come back from the cache as a different xattr. No Debian package has one; the
// layer is refused rather than written with a name that changes on the way.
static Status check_xattr_names(archive_entry* e, const std::string& path, const std::string& label) {
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view n(name);
    bool fine = !n.empty();
    for (unsigned char ch : n) fine = fine && ch > 0x20 && ch < 0x7f && ch != '%' && ch != '=';
    if (!fine)
      return internal_error("tar '" + label + "': '" + path + "' has an extended attribute whose name is not printable ASCII without '%' or '=' (" +
                            show_value(n) + "): it cannot be stored in the layer unchanged");
  }
  return ok();
}

Result<LayerInfo> normalize_base_layer(int in_fd, const std::string& label, const std::filesystem::path& out, int64_t epoch,
                                       const std::set<std::string>& capture, BaseScan& scan, const ProgressFn& progress) {
  RIG_TRY(auto reader, TarReader::open_fd(in_fd, label));
  RIG_TRY(auto writer, TarWriter::create(out));
  uint64_t next_report = 0;
  for (;;) {
    RIG_TRY(archive_entry * e, reader->next());
    if (e == nullptr) break;
    std::string path = entry_abs_path(e);
    // Device nodes are the engine's business (it mounts /dev); rootless engines cannot create them.
    if (archive_entry_filetype(e) == AE_IFCHR || archive_entry_filetype(e) == AE_IFBLK) {
      RIG_CHECK(reader->skip_data());
      continue;
    }
    classify(e, path, scan);
    normalize_times(e, epoch);
    RIG_CHECK(expand_sparse(e, path, label));
    RIG_CHECK(check_xattr_names(e, path, label));
    if (capture.count(path)) {
      auto c = capture_meta(e);
      RIG_TRY(c.content, reader->read_data());
      RIG_CHECK(writer->add(e, c.content));
      scan.captured[path] = std::move(c);
    } else {
      RIG_CHECK(writer->write_header(e));
      RIG_CHECK(reader->copy_data([&](const void* d, size_t n) { return writer->write_data(d, n); }));
    }
    if (progress && reader->bytes_read() >= next_report) {
      progress(reader->bytes_read());
      next_report = reader->bytes_read() + (16u << 20);
    }
  }
  return writer->finish();
}

Result<BaseScan> scan_layer(const std::filesystem::path& layer, const std::set<std::string>& capture) {
  int fd = ::open(layer.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("cannot open '" + layer.string() + "': " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // The scan reads the layer whole anyway: hashing the same bytes on the way re-checks the cached
  // layer against its digest at no extra I/O.
  RIG_TRY(auto reader, TarReader::open_fd(fd, layer.string(), true));
  BaseScan scan;
  for (;;) {
    RIG_TRY(archive_entry * e, reader->next());
    if (e == nullptr) break;
    std::string path = entry_abs_path(e);
    classify(e, path, scan);
    if (capture.count(path)) {
      auto c = capture_meta(e);
      RIG_TRY(c.content, reader->read_data());
      scan.captured[path] = std::move(c);
    }
  }
  RIG_CHECK(reader->read_to_end());
  scan.sha256 = reader->input_sha256();
  scan.size = reader->bytes_read();
  return scan;
}

Result<RecipeLayerReport> write_recipe_layer(const Recipe& r, const BaseScan& base, int64_t epoch,
                                             const std::filesystem::path& out) {
  std::map<std::string, Planned> plan;
  RecipeLayerReport report;

  if (r.user) {
    const User& u = *r.user;
    AccountFiles in;
    std::string* slots[] = {&in.passwd, &in.group, &in.shadow, &in.gshadow, &in.subuid, &in.subgid};
    for (size_t i = 0; i < 6; ++i)
      if (auto it = base.captured.find(kAccountFiles[i]); it != base.captured.end()) *slots[i] = it->second.content;
    RIG_TRY(auto edit, apply_user(in, u, epoch / 86400).context("user"));
    report.removed_users = edit.removed_users;
    const std::string* outs[] = {&edit.files.passwd, &edit.files.group, &edit.files.shadow,
                                 &edit.files.gshadow, &edit.files.subuid, &edit.files.subgid};
    for (size_t i = 0; i < 6; ++i) {
      Planned p;
      bool secret = i == 2 || i == 3;
      p.mode = secret ? 0640 : 0644;
      if (auto it = base.captured.find(kAccountFiles[i]); it != base.captured.end() && it->second.mode != 0) {
        p.mode = it->second.mode & 07777;
        p.uid = it->second.uid;
        p.gid = it->second.gid;
      }
      p.content = *outs[i];
      p.origin = "user";
      plan[kAccountFiles[i]] = std::move(p);
    }
    Planned home;
    home.type = 'd';
    home.mode = 0755;
    home.uid = u.uid;
    home.gid = u.gid;
    home.origin = "user.home";
    plan[u.home] = home;
  }

  for (size_t i = 0; i < r.file_capabilities.size(); ++i) {
    auto& fc = r.file_capabilities[i];
    std::string origin = "file_capabilities[" + std::to_string(i) + "].path";
    auto it = base.captured.find(fc.path);
    if (it == base.captured.end())
      return recipe_mismatch(origin, "'" + fc.path + "' is not in the base root filesystem (is its package in \"packages\"?)");
    if (!S_ISREG(it->second.mode))
      return recipe_mismatch(origin, "'" + fc.path + "' is not a regular file in the base (a symlink or hard link?)");
    Planned p;
    // The linchpin: setuid helpers run with euid 0 inside an unprivileged container and lose the
    // namespace-owner shortcut; file capabilities keep the invoking uid.
    p.mode = it->second.mode & 07777 & ~static_cast<uint32_t>(S_ISUID | S_ISGID);
    p.uid = it->second.uid;
    p.gid = it->second.gid;
    p.content = it->second.content;
    p.xattrs = it->second.xattrs;
    p.xattrs["security.capability"] = fc.xattr;
    p.origin = origin;
    plan[fc.path] = std::move(p);
  }
  for (size_t i = 0; i < r.directories.size(); ++i) {
    auto& d = r.directories[i];
    Planned p;
    p.type = 'd';
    p.mode = d.mode;
    p.uid = d.owner.uid;
    p.gid = d.owner.gid;
    p.origin = "directories[" + std::to_string(i) + "]";
    plan[d.path] = std::move(p);
  }
  for (size_t i = 0; i < r.files.size(); ++i) {
    auto& f = r.files[i];
    Planned p;
    p.mode = f.mode;
    p.uid = f.owner.uid;
    p.gid = f.owner.gid;
    p.content = f.content;
    p.origin = "files[" + std::to_string(i) + "]";
    plan[f.path] = std::move(p);
  }
  for (size_t i = 0; i < r.links.size(); ++i) {
    Planned p;
    p.type = 'l';
    p.mode = 0777;
    p.link = r.links[i].target;
    p.origin = "links[" + std::to_string(i) + "]";
    plan[r.links[i].path] = std::move(p);
  }

  // Every planned path needs its parents; a parent that is a symlink in the base would be replaced
  // by a directory (think merged /usr's /bin), so that is refused instead.
  std::map<std::string, Planned> parents;
  for (auto& [path, p] : plan) {
    if (p.type == 'd' && base.symlinks.count(path))
      return recipe_mismatch(p.origin, "'" + path + "' is a symlink in the base; a directory cannot replace it");
    if (p.type != 'd' && base.dirs.count(path))
      return recipe_mismatch(p.origin, "'" + path + "' is a directory in the base");
    for (auto slash = path.rfind('/'); slash != 0 && slash != std::string::npos; slash = path.rfind('/', slash - 1)) {
      std::string parent = path.substr(0, slash);
      if (base.symlinks.count(parent))
        return recipe_mismatch(p.origin, "parent '" + parent + "' of '" + path + "' is a symlink in the base; use the path it points to");
      if (auto pl = plan.find(parent); pl != plan.end() && pl->second.type != 'd')
        return recipe_mismatch(p.origin, "parent '" + parent + "' of '" + path + "' is a file or link the recipe creates");
      if (base.others.count(parent))
        return recipe_mismatch(p.origin, "parent '" + parent + "' of '" + path + "' is a file in the base");
      if (base.dirs.count(parent) || plan.count(parent) || parents.count(parent)) continue;
      Planned d;
      d.type = 'd';
      d.mode = 0755;
      if (r.user && inside(parent, r.user->home)) {
        d.uid = r.user->uid;
        d.gid = r.user->gid;
      }
      parents[parent] = d;
    }
  }
  plan.merge(parents);

  RIG_TRY(auto writer, TarWriter::create(out));
  for (auto& [path, p] : plan) {
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), (p.type == 'd' ? path.substr(1) + "/" : path.substr(1)).c_str());
    archive_entry_set_filetype(e.get(), p.type == 'd' ? AE_IFDIR : p.type == 'l' ? AE_IFLNK : AE_IFREG);
    archive_entry_set_perm(e.get(), p.mode);
    archive_entry_set_uid(e.get(), p.uid);
    archive_entry_set_gid(e.get(), p.gid);
    archive_entry_set_mtime(e.get(), epoch, 0);
    if (p.type == 'l') archive_entry_set_symlink(e.get(), p.link.c_str());
    if (p.type == 'f') archive_entry_set_size(e.get(), static_cast<la_int64_t>(p.content.size()));
    for (auto& [k, v] : p.xattrs) archive_entry_xattr_add_entry(e.get(), k.c_str(), v.data(), v.size());
    RIG_CHECK(writer->add(e.get(), p.type == 'f' ? p.content : std::string()));
    report.entries.push_back(path);
  }
  RIG_TRY(report.layer, writer->finish());
  return report;
}

}  // namespace rig
