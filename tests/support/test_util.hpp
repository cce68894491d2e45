// Shared helpers for rigctl_unit: temporary directories, file I/O, tar construction and inspection
// through libarchive directly (independent of builder/tar_io), the minimal valid recipe, and
// assertions on rig::Error.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "support/catch.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/sha256.hpp"

namespace rigtest {

namespace fs = std::filesystem;
using nlohmann::json;

// The tests' source directory (tests/), where fixtures/ and golden/ live.
fs::path test_data_dir();
// The rigctl binary under test.
const char* rigctl_binary();
// The repository root (recipes/, images/).
inline fs::path source_root() { return test_data_dir().parent_path(); }

// A private directory removed with everything in it when the object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "rigctl-unit") {
    const char* t = std::getenv("TMPDIR");
    std::string templ = std::string(t && *t ? t : "/tmp") + "/" + prefix + "-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    path_ = templ;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

inline void write_text(const fs::path& p, const std::string& content) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rigtest

#include "core/subprocess.hpp"

namespace rigtest {

// The real rigctl binary with these arguments (tests of exit codes and messages end to end).
inline rig::Completed run_rigctl(std::vector<std::string> args) {
  rig::Command c;
  c.argv = {rigctl_binary()};
  c.argv.insert(c.argv.end(), args.begin(), args.end());
  auto r = rig::make_process_runner()->run(c);
  if (!r.ok()) FAIL("cannot run rigctl: " << r.error().what());
  return std::move(r).value();
}

// Compares rendered output with tests/golden/<name>; RIGCTL_UPDATE_GOLDEN=1 rewrites the file instead.
inline void check_golden(const std::string& name, const std::string& actual) {
  auto path = test_data_dir() / "golden" / name;
  if (const char* u = std::getenv("RIGCTL_UPDATE_GOLDEN"); u && std::string(u) == "1") write_text(path, actual);
  CHECK(read_text(path) == actual);
}

inline std::string sha256_of_file(const fs::path& p) { return rig::sha256_hex(read_text(p)); }

inline std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Names of the files directly in `dir`, sorted.
inline std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Restores an environment variable on scope exit.
class EnvGuard {
 public:
  explicit EnvGuard(std::string name) : name_(std::move(name)) {
    if (const char* v = std::getenv(name_.c_str())) old_ = std::string(v);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  void set(const std::string& v) { ::setenv(name_.c_str(), v.c_str(), 1); }
  void unset() { ::unsetenv(name_.c_str()); }
  ~EnvGuard() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// ---- tar writing (test fixtures) ----

// Metadata of a fixture tar entry.
struct TarMeta {
  unsigned mode = 0644;
  int64_t uid = 0, gid = 0;
  int64_t mtime = 1600000000;
  std::map<std::string, std::string> xattrs = {};
};

class TarBuilder {
 public:
  // Full pax, so atime/ctime and xattrs survive into the fixture.
  explicit TarBuilder(const fs::path& path) : path_(path) {
    a_ = archive_write_new();
    archive_write_set_format_pax(a_);
    if (archive_write_open_filename(a_, path.c_str()) != ARCHIVE_OK)
      throw std::runtime_error("cannot open tar " + path.string() + ": " + archive_error_string(a_));
  }
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;
  ~TarBuilder() {
    if (a_) archive_write_free(a_);
  }

  using Meta = TarMeta;

  void file(const std::string& name, const std::string& content, Meta m = {}) {
    add(name, AE_IFREG, m, content, nullptr, 0);
  }
  void dir(const std::string& name, Meta m = {0755, 0, 0, 1600000000}) { add(name, AE_IFDIR, m, {}, nullptr, 0); }
  void symlink(const std::string& name, const std::string& target, Meta m = {0777, 0, 0, 1600000000}) {
    add(name, AE_IFLNK, m, {}, target.c_str(), 0);
  }
  void char_device(const std::string& name, unsigned major, unsigned minor, Meta m = {0666, 0, 0, 1600000000}) {
    add(name, AE_IFCHR, m, {}, nullptr, makedev(major, minor));
  }
  // A hard link to an earlier entry.
  void hardlink(const std::string& name, const std::string& target, Meta m = {}) {
    add(name, AE_IFREG, m, {}, nullptr, 0, target.c_str());
  }
  void close() {
    if (archive_write_close(a_) != ARCHIVE_OK) throw std::runtime_error("close tar: " + std::string(archive_error_string(a_)));
    archive_write_free(a_);
    a_ = nullptr;
  }

 private:
  void add(const std::string& name, unsigned type, const Meta& m, const std::string& content, const char* link,
           dev_t rdev, const char* hardlink = nullptr) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, m.mode);
    archive_entry_set_uid(e, m.uid);
    archive_entry_set_gid(e, m.gid);
    archive_entry_set_mtime(e, m.mtime, 0);
    archive_entry_set_atime(e, m.mtime + 5, 0);
    archive_entry_set_ctime(e, m.mtime + 7, 0);
    if (link) archive_entry_set_symlink(e, link);
    if (hardlink) archive_entry_set_hardlink(e, hardlink);
    for (auto& [k, v] : m.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (type == AE_IFCHR) archive_entry_set_rdev(e, rdev);
    archive_entry_set_size(e, type == AE_IFREG ? static_cast<la_int64_t>(content.size()) : 0);
    if (archive_write_header(a_, e) != ARCHIVE_OK) {
      archive_entry_free(e);
      throw std::runtime_error("tar header " + name + ": " + archive_error_string(a_));
    }
    if (!content.empty()) archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
  }
  fs::path path_;
  struct archive* a_ = nullptr;
};

// ---- tar reading (assertions) ----

struct TarEntry {
  std::string path;  // as stored
  unsigned type = 0;  // AE_IF*
  unsigned perm = 0;  // permission bits incl. setuid/setgid/sticky
  int64_t uid = -1, gid = -1;
  bool mtime_set = false, atime_set = false, ctime_set = false;
  int64_t mtime = 0;
  int64_t size = 0;
  std::string content;
  std::string symlink;
  std::map<std::string, std::string> xattrs;
};

inline std::vector<TarEntry> read_tar_fd(int fd) {
  std::vector<TarEntry> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  if (archive_read_open_fd(a, fd, 10240) != ARCHIVE_OK) {
    std::string err = archive_error_string(a) ? archive_error_string(a) : "?";
    archive_read_free(a);
    throw std::runtime_error("cannot open tar: " + err);
  }
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    TarEntry t;
    t.path = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    t.type = archive_entry_filetype(e);
    t.perm = archive_entry_perm(e);
    t.uid = archive_entry_uid(e);
    t.gid = archive_entry_gid(e);
    t.mtime_set = archive_entry_mtime_is_set(e);
    t.atime_set = archive_entry_atime_is_set(e);
    t.ctime_set = archive_entry_ctime_is_set(e);
    t.mtime = archive_entry_mtime(e);
    t.size = archive_entry_size(e);
    if (archive_entry_symlink(e)) t.symlink = archive_entry_symlink(e);
    archive_entry_xattr_reset(e);
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
      t.xattrs[name] = std::string(static_cast<const char*>(value), size);
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) t.content.append(buf, static_cast<size_t>(n));
    out.push_back(std::move(t));
  }
  std::string err = rc == ARCHIVE_EOF ? "" : (archive_error_string(a) ? archive_error_string(a) : "read error");
  archive_read_free(a);
  if (!err.empty()) throw std::runtime_error("reading tar: " + err);
  return out;
}

inline std::vector<TarEntry> read_tar(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string());
  try {
    auto v = read_tar_fd(fd);
    ::close(fd);
    return v;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

inline std::map<std::string, TarEntry> tar_by_path(const std::vector<TarEntry>& v) {
  std::map<std::string, TarEntry> m;
  for (auto& e : v) m[e.path] = e;
  return m;
}

inline std::vector<std::string> tar_paths(const std::vector<TarEntry>& v) {
  std::vector<std::string> out;
  for (auto& e : v) out.push_back(e.path);
  return out;
}

// ---- recipes ----

// The smallest recipe that passes validation, as JSON so tests can change one thing at a time.
inline json minimal_recipe() {
  return json{{"schema", "rigctl/recipe/v1"},
              {"name", "mini"},
              {"base", {{"distro", "debian"}, {"suite", "trixie"}}},
              {"architectures", {"amd64"}}};
}

// minimal_recipe() plus a user, file capabilities, directories, files, links, launch and the rest.
inline json full_recipe() {
  json j = minimal_recipe();
  j["description"] = "a recipe with every section";
  j["base"]["components"] = {"main", "contrib"};
  j["base"]["variant"] = "minbase";
  j["base"]["mirror"] = "debian";
  j["base"]["strip"] = {"/usr/share/doc/*", "!/usr/share/doc/*/copyright"};
  j["architectures"] = {"amd64", "arm64"};
  j["packages"] = {"uidmap", "podman", "ca-certificates"};
  j["user"] = {{"name", "builder"},
               {"uid", 1000},
               {"gid", 1000},
               {"home", "/home/builder"},
               {"shell", "/bin/bash"},
               {"subuid", {{"start", 100000}, {"count", 65536}}},
               {"subgid", {{"start", 100000}, {"count", 65536}}}};
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ep"}},
                            {{"path", "/usr/bin/newgidmap"}, {"caps", "cap_setgid=ep"}}};
  j["directories"] = {{{"path", "/workspace"}, {"owner", "user"}, {"mode", "0750"}},
                      {{"path", "/srv/data/cache"}, {"owner", "root"}}};
  j["files"] = {{{"path", "/usr/local/bin/hello"}, {"content", "#!/bin/sh\necho hello\n"}, {"mode", "0755"}},
                {{"path", "/home/builder/.config/app/app.conf"}, {"content", "x=1\n"}, {"owner", "user"}}};
  j["links"] = {{{"path", "/usr/local/bin/hi"}, {"target", "hello"}}};
  j["env"] = {{"HOME", "/home/builder"}, {"LANG", "C.UTF-8"}};
  j["workdir"] = "/workspace";
  j["entrypoint"] = {"/usr/local/bin/hello"};
  j["cmd"] = {"sleep", "infinity"};
  j["volumes"] = {"/workspace"};
  j["labels"] = {{"org.example.role", "test"}};
  j["launch"] = {
      {"init", true},
      {"restart", "unless-stopped"},
      {"memory_mb", 1024},
      {"cpus", 1.5},
      {"pids_limit", 512},
      {"ports", {{{"host_ip", "127.0.0.1"}, {"host_port", 8080}, {"container_port", 80}}}},
      {"volumes", {{{"name", "work"}, {"target", "/workspace"}}}},
      {"flags",
       {{{"id", "tun"},
         {"option", "--device /dev/net/tun"},
         {"what", "passes the tun device"},
         {"why", "rootless networking"},
         {"effect", {{"kind", "device"}, {"value", "/dev/net/tun"}}},
         {"expect", {{"check", "inner-run"}, {"signature", "tun-missing"}}}}}}};
  return j;
}

// ---- errors ----

template <class T>
const rig::Error& error_of(const rig::Result<T>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace rigtest
