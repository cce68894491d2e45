#include "core/fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace rig {

namespace {

std::string random_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(chars[rng() % 36]);
  return s;
}

}  // namespace

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return usage_error("cannot read '" + path.string() + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_file_atomic(const fs::path& path, std::string_view content, fs::perms mode) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".tmp-" + random_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return internal_error("cannot create '" + tmp.string() + "': " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return internal_error("cannot write '" + tmp.string() + "': " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  fs::permissions(tmp, mode, ec);
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp);
    return internal_error("cannot rename into '" + path.string() + "': " + ec.message());
  }
  return ok();
}

Result<StagingDir> StagingDir::create(const fs::path& dest) {
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  fs::path tmp = dest;
  tmp += ".tmp-" + random_suffix();
  if (!fs::create_directory(tmp, ec) || ec)
    return internal_error("cannot create '" + tmp.string() + "': " + ec.message());
  return StagingDir(dest, tmp);
}

StagingDir::StagingDir(StagingDir&& o) noexcept : dest_(std::move(o.dest_)), tmp_(std::move(o.tmp_)), done_(o.done_) {
  o.done_ = true;
}

StagingDir::~StagingDir() {
  if (done_) return;
  std::error_code ec;
  fs::remove_all(tmp_, ec);
}

Status StagingDir::commit() {
  std::error_code ec;
  fs::path old = dest_;
  old += ".old-" + random_suffix();
  bool had_old = fs::exists(dest_, ec);
  if (had_old) fs::rename(dest_, old, ec);
  fs::rename(tmp_, dest_, ec);
  if (ec) return internal_error("cannot move '" + tmp_.string() + "' to '" + dest_.string() + "': " + ec.message());
  if (had_old) fs::remove_all(old, ec);
  done_ = true;
  return ok();
}

Result<ScratchDir> ScratchDir::create(const std::string& prefix) {
  const char* t = std::getenv("TMPDIR");
  std::string templ = std::string(t && *t ? t : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr)
    return internal_error("cannot create a scratch directory '" + templ + "': " + std::strerror(errno));
  return ScratchDir(templ);
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<fs::path> remove_stale_staging(const fs::path& root, std::chrono::seconds min_age) {
  std::vector<fs::path> removed;
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name.find(".tmp-") == std::string::npos && name.find(".old-") == std::string::npos) continue;
    auto mtime = fs::last_write_time(it->path(), ec);
    if (ec || now - mtime < min_age) continue;
    it.disable_recursion_pending();
    fs::remove_all(it->path(), ec);
    if (!ec) removed.push_back(it->path());
  }
  return removed;
}

fs::path cache_root() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "rigctl";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "rigctl";
  return fs::path("/tmp") / ("rigctl-cache-" + std::to_string(::getuid()));
}

}  // namespace rig
