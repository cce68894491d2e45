#include "builder/cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "core/sha256.hpp"

namespace rig {

namespace fs = std::filesystem;

namespace {

std::string stamp_of(const struct stat& st) {
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

Result<struct stat> stat_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return internal_error("cannot stat '" + p.string() + "': " + std::strerror(errno));
  return st;
}

}  // namespace

fs::path cache_lock_path(const fs::path& cache, const std::string& kind, const std::string& key) {
  return cache / "locks" / (kind + "-" + key + ".lock");
}

Result<std::string> sha256_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("cannot open '" + path.string() + "': " + std::strerror(errno));
  Sha256 h;
  static thread_local char buf[1 << 17];
  for (;;) {
    if (interrupted()) {
      ::close(fd);
      return interrupted_error();
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return internal_error("cannot read '" + path.string() + "': " + std::strerror(e));
    }
    if (n == 0) break;
    h.update(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return h.hex();
}

Status seal_entry(const fs::path& dir, const std::map<std::string, std::string>& known) {
  json files = json::object();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto rel = fs::relative(it->path(), dir).generic_string();
    if (rel == kEntryRecord) continue;
    std::string sha;
    if (auto k = known.find(rel); k != known.end()) {
      sha = k->second;
    } else {
      RIG_TRY(sha, sha256_file(it->path()));
    }
    // Read-only before it is stamped: the stamp then describes the file as it will stay.
    ::chmod(it->path().c_str(), 0444);
    RIG_TRY(auto st, stat_of(it->path()));
    files[rel] = {{"size", static_cast<uint64_t>(st.st_size)}, {"sha256", sha}, {"stamp", stamp_of(st)}};
  }
  if (ec) return internal_error("cannot walk '" + dir.string() + "': " + ec.message());
  json record = {{"schema", "rigctl/cache-entry/v1"}, {"files", files}};
  RIG_CHECK(write_file_atomic(dir / kEntryRecord, json_text(record, 1) + "\n", fs::perms(0444)));
  return ok();
}

Result<std::string> verify_entry(const fs::path& dir, uint64_t rehash_below) {
  auto text = read_file(dir / kEntryRecord);
  if (!text) return std::string("no ") + kEntryRecord + " (written by an older rigctl, or the entry is incomplete)";
  auto record = parse_json_document(*text);
  if (!record || !record->is_object() || !record->contains("files") || !(*record)["files"].is_object())
    return std::string(kEntryRecord) + " is not a cache entry record";
  for (auto& [rel, f] : (*record)["files"].items()) {
    if (rel.empty() || rel.find("..") != std::string::npos || rel[0] == '/') return "entry.json names '" + rel + "'";
    if (!f.is_object() || !f.contains("size") || !f["size"].is_number_unsigned() || !f.contains("sha256") || !f["sha256"].is_string())
      return "entry.json's record of '" + rel + "' is malformed";
    auto path = dir / rel;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "'" + rel + "' is missing";
    uint64_t size = f["size"].get<uint64_t>();
    if (static_cast<uint64_t>(st.st_size) != size)
      return "'" + rel + "' has " + std::to_string(st.st_size) + " bytes, recorded " + std::to_string(size);
    bool stamped = f.contains("stamp") && f["stamp"].is_string() && f["stamp"].get<std::string>() == stamp_of(st);
    if (size < rehash_below || !stamped) {
      RIG_TRY(auto sha, sha256_file(path));
      if (sha != f["sha256"].get<std::string>()) return "'" + rel + "' does not match its recorded sha256 (recorded " + f["sha256"].get<std::string>() + ", found " + sha + ")";
    }
  }
  return std::string();
}

}  // namespace rig
