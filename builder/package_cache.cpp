#include "builder/package_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "builder/cache.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/sha256.hpp"

namespace rig {

namespace fs = std::filesystem;

namespace {

bool deb_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '~' ||
         c == '-' || c == '%' || c == '_';
}

fs::path record_path(const fs::path& deb) { return fs::path(deb.string() + kPackageRecordSuffix); }

// The record goes first: without it the .deb is never trusted, so no reader can use a file that
// is about to disappear on a record that is already gone.
void drop_entry(const fs::path& deb) {
  std::error_code ec;
  fs::remove(record_path(deb), ec);
  fs::remove(deb, ec);
}

std::string errno_text(const char* what, const fs::path& p) {
  return std::string(what) + " '" + p.string() + "': " + std::strerror(errno);
}

// The .deb names directly in `dir` (no recursion: the seed and staging names never qualify).
std::vector<std::string> deb_names(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto name = it->path().filename().string();
    std::error_code ec2;
    if (is_deb_name(name) && it->is_regular_file(ec2)) out.push_back(name);
  }
  return out;
}

}  // namespace

fs::path package_cache_dir(const fs::path& root, const std::string& distro, const std::string& suite, const std::string& mirror_uri) {
  // distro and suite passed the recipe's name rules; the mirror URI is free text, so only its hash
  // becomes part of a path.
  return root / (distro + "-" + suite + "-" + sha256_hex(mirror_uri).substr(0, 16));
}

bool is_deb_name(std::string_view n) {
  if (n.size() < 9 || n.size() > 200 || !n.ends_with(".deb") || n.front() == '.' || n.front() == '-') return false;
  // Names the cache's own staging and gc use are never package names here.
  if (n.find(".tmp-") != std::string_view::npos || n.find(".old-") != std::string_view::npos) return false;
  size_t underscores = 0;
  for (char c : n) {
    if (!deb_char(c)) return false;
    underscores += c == '_';
  }
  if (underscores != 2) return false;
  auto first = n.find('_'), second = n.find('_', first + 1);
  return first > 0 && second > first + 1 && second + 1 < n.size() - 4;
}

std::string deb_slot(std::string_view n) {
  auto first = n.find('_'), second = n.find('_', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return std::string(n);
  return std::string(n.substr(0, first)) + "_" + std::string(n.substr(second + 1, n.size() - second - 1 - 4));
}

std::string package_record(const std::string& sha256_hex, uint64_t size) {
  return sha256_hex + " " + std::to_string(size) + "\n";
}

bool parse_package_record(std::string_view t, std::string& sha, uint64_t& size) {
  if (t.size() < 67 || t.size() > 90 || t.back() != '\n' || t[64] != ' ') return false;
  for (size_t i = 0; i < 64; ++i)
    if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f'))) return false;
  uint64_t v = 0;
  auto digits = t.substr(65, t.size() - 66);
  if (digits.empty() || digits.size() > 19 || (digits.size() > 1 && digits[0] == '0')) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  sha = std::string(t.substr(0, 64));
  size = v;
  return true;
}

Result<SeedResult> seed_packages(const fs::path& dir, const fs::path& seed) {
  SeedResult res;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return res;
  for (auto& name : deb_names(dir)) {
    if (interrupted()) return interrupted_error();
    auto deb = dir / name;
    // A .deb without a record is either being added right now (its record comes next) or was left
    // by a killed ingest: not trusted, not touched; the next ingest of that name replaces it.
    auto text = read_file(record_path(deb));
    if (!text) continue;
    std::string want;
    uint64_t size = 0;
    if (!parse_package_record(*text, want, size)) {
      res.dropped.push_back(name + ": its record is not \"<sha256> <size>\"");
      drop_entry(deb);
      continue;
    }
    auto dest = seed / name;
    if (::link(deb.c_str(), dest.c_str()) != 0) {
      if (errno == ENOENT) continue;  // dropped or pruned by another build meanwhile
      if (errno != EXDEV && errno != EPERM) return internal_error(errno_text("cannot link into the package seed", dest));
      RIG_CHECK(clone_or_copy_file(deb, dest, fs::perms(0444)));
    }
    // Checked on the seed's own file: what was verified is what apt gets.
    struct stat st {};
    if (::stat(dest.c_str(), &st) != 0) return internal_error(errno_text("cannot stat", dest));
    std::string why;
    if (static_cast<uint64_t>(st.st_size) != size) {
      why = "has " + std::to_string(st.st_size) + " bytes, recorded " + std::to_string(size);
    } else {
      RIG_TRY(auto got, sha256_file(dest));
      if (got != want) why = "does not match its recorded sha256 " + want.substr(0, 16) + "…";
    }
    if (!why.empty()) {
      fs::remove(dest, ec);
      res.dropped.push_back(name + ": " + why);
      drop_entry(deb);
      continue;
    }
    ++res.reused;
    res.bytes += size;
  }
  return res;
}

Result<IngestResult> ingest_packages(const fs::path& collected, const fs::path& dir) {
  IngestResult res;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return internal_error("cannot create the package cache '" + dir.string() + "': " + ec.message());
  auto names = deb_names(collected);
  std::set<std::string> used(names.begin(), names.end()), slots;
  for (auto& name : names) {
    if (interrupted()) return interrupted_error();
    slots.insert(deb_slot(name));
    auto from = collected / name, to = dir / name;
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0) return internal_error(errno_text("cannot stat", from));
    // Already cached under that name with a record of the same size: this build reused it (or
    // downloaded the same file again); the next seed re-hashes it anyway.
    if (auto text = read_file(record_path(to))) {
      std::string sha;
      uint64_t size = 0;
      struct stat cur {};
      if (parse_package_record(*text, sha, size) && size == static_cast<uint64_t>(st.st_size) && ::stat(to.c_str(), &cur) == 0 &&
          static_cast<uint64_t>(cur.st_size) == size)
        continue;
    }
    RIG_TRY(auto sha, sha256_file(from));
    ::chmod(from.c_str(), 0444);
    if (::rename(from.c_str(), to.c_str()) != 0) {
      if (errno != EXDEV) return internal_error(errno_text("cannot move into the package cache", to));
      auto tmp = dir / (name + staging_suffix());
      RIG_CHECK(clone_or_copy_file(from, tmp, fs::perms(0444)));
      if (::rename(tmp.c_str(), to.c_str()) != 0) {
        auto e = errno_text("cannot move into the package cache", to);
        fs::remove(tmp, ec);
        return internal_error(e);
      }
    }
    // The record last, and atomically: until it is there the .deb is not used.
    RIG_CHECK(write_file_atomic(record_path(to), package_record(sha, static_cast<uint64_t>(st.st_size)), fs::perms(0444)));
    ++res.added;
    res.bytes += static_cast<uint64_t>(st.st_size);
  }
  // Versions of the same packages that this build did not use are superseded: dropping them keeps
  // the cache at about one version per package instead of growing with every archive update.
  for (auto& name : deb_names(dir)) {
    if (used.count(name) || !slots.count(deb_slot(name))) continue;
    drop_entry(dir / name);
    ++res.pruned;
  }
  return res;
}

}  // namespace rig
