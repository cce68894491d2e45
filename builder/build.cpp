#include "builder/build.hpp"

#include "core/json_reader.hpp"

#include <unistd.h>

#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <linux/magic.h>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "builder/bootstrap.hpp"
#include "builder/cache.hpp"
#include "builder/docker_archive.hpp"
#include "builder/layers.hpp"
#include "builder/package_cache.hpp"
#include "builder/sbom.hpp"
#include "security/seccomp.hpp"
#include "core/arch.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/lock.hpp"
#include "core/sha256.hpp"
#include "engine/engine.hpp"

namespace rig {

namespace {

std::string layer_label(const BootstrapSpec& s) { return "mmdebstrap " + s.distro + " " + s.suite + " " + s.arch; }

void phase(const BuildEvents& ev, const std::string& what) {
  if (ev.phase) ev.phase(what);
}

bool is_mmdebstrap_step(std::string_view line) {
  if (!line.starts_with("I: ")) return false;
  for (const char* step : {"running apt-get update", "downloading packages", "extracting archives", "installing essential packages",
                           "installing remaining packages", "cleaning package lists", "creating tarball", "removing tempdir"})
    if (line.substr(3).starts_with(step)) return true;
  return false;
}

std::string megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// The package cache's part of one bootstrap: the seed handed to mmdebstrap, the directory its
// copy-out lands in (both next to the cache, so moving a .deb in is a rename), removed afterwards.
class OwnedDir {
 public:
  explicit OwnedDir(std::filesystem::path p) : path_(std::move(p)) {}
  OwnedDir(OwnedDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  OwnedDir& operator=(OwnedDir&&) = delete;
  ~OwnedDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

constexpr uint64_t kPackageCacheMinFree = 1ull << 30;

struct PackageCacheUse {
  std::filesystem::path dir;
  std::optional<OwnedDir> seed, collect;
  size_t reused = 0;
};

Result<std::filesystem::path> make_dir_near(const std::filesystem::path& parent, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return internal_error("cannot create '" + parent.string() + "': " + ec.message());
  // The staging suffix carries this process's lease: `rigctl gc` removes what a killed build left.
  auto dir = parent / (prefix + staging_suffix());
  if (!std::filesystem::create_directory(dir, ec) || ec)
    return internal_error("cannot create '" + dir.string() + "': " + (ec ? ec.message() : "it exists"));
  return dir;
}

Result<PackageCacheUse> prepare_package_cache(const std::filesystem::path& root, BootstrapSpec& spec, const BuildEvents& ev) {
  PackageCacheUse use;
  use.dir = package_cache_dir(root, spec.distro, spec.suite, spec.mirror_uri);
  RIG_TRY(auto seed, make_dir_near(root, ".seed"));
  use.seed.emplace(seed);
  RIG_TRY(auto collect, make_dir_near(root, ".collect"));
  use.collect.emplace(collect);
  RIG_TRY(auto seeded, seed_packages(use.dir, seed));
  for (auto& d : seeded.dropped) phase(ev, "package cache: dropped " + d);
  use.reused = seeded.reused;
  if (seeded.reused > 0) {
    phase(ev, "package cache: " + std::to_string(seeded.reused) + " .debs (" + megabytes(seeded.bytes) + ") offered to apt from " +
                  use.dir.string());
    spec.package_seed = seed.string();
  }
  // The copy-out runs inside mmdebstrap, where a full disk would fail the whole bootstrap: the
  // cache is only a speed-up, so it is not filled where there is no room for a large recipe's .debs.
  struct statfs fsst {};
  uint64_t free_bytes = ::statfs(root.c_str(), &fsst) == 0 ? static_cast<uint64_t>(fsst.f_bavail) * static_cast<uint64_t>(fsst.f_bsize) : 0;
  if (free_bytes < kPackageCacheMinFree) {
    phase(ev, "package cache not updated: " + megabytes(free_bytes) + " free at " + root.string() + ", less than " +
                  megabytes(kPackageCacheMinFree));
    use.collect.reset();
  } else {
    spec.package_collect = collect.string();
  }
  return use;
}

// Runs mmdebstrap and streams its tar into the normalised base layer in `dir`.
Result<LayerInfo> bootstrap_into(const BootstrapSpec& spec, const std::filesystem::path& dir, const std::set<std::string>& capture,
                                 BaseScan& scan, CommandRunner& runner, const BuildEvents& ev) {
  // mmdebstrap's temporary rootfs and keyring home go into a directory of this build's own, named
  // with its lease: a rigctl killed mid-bootstrap leaves mmdebstrap's chroot mounts (/proc, /dev/pts
  // in root mode) in a place `rigctl gc` recognises, unmounts and removes -- and nothing stray
  // directly under /dev/shm, where such a mount breaks every later unshare-mode bootstrap. Its
  // user-namespace root (another uid) must traverse it: 0711.
  RIG_TRY(auto tmp, ScratchDir::create_in(spec.scratch_dir.empty() ? scratch_root_dir() : std::filesystem::path(spec.scratch_dir),
                                          "rigctl-mmdebstrap"));
  std::error_code perm_ec;
  std::filesystem::permissions(tmp.path(), std::filesystem::perms(0711), perm_ec);
  BootstrapSpec in_tmp = spec;
  in_tmp.scratch_dir = tmp.path().string();
  Command cmd = mmdebstrap_command(in_tmp);
  // mmdebstrap's step lines become phases, so a plain build's progress is timed per step
  // (download, extract, essential install, the rest, tarball) without --verbose.
  cmd.on_stderr_line = [&ev](std::string_view line) {
    if (ev.tool_line) ev.tool_line(line);
    if (ev.phase && is_mmdebstrap_step(line)) ev.phase("  mmdebstrap: " + std::string(line.substr(3)));
  };
  RIG_TRY(auto child, runner.start(cmd));
  auto layer = normalize_base_layer(child->stdout_fd(), layer_label(spec), dir / "layer.tar", spec.epoch, capture, scan, ev.bytes);
  // The reader stops at the end-of-archive marker, but mmdebstrap copies tar's output to stdout in
  // 1 KiB writes and may still be writing the record padding after it: closing the pipe now fails
  // that write ("cannot copy to standard output: Broken pipe") and the bootstrap with it. So the
  // rest is read to the end first; anything there but zeros means the archive was cut short.
  std::optional<Error> trailing;
  if (layer) {
    auto rest = child->drain_stdout();
    if (!rest) trailing = std::move(rest).error();
    else if (!rest->all_zero)
      trailing = internal_error("mmdebstrap's tar goes on for " + std::to_string(rest->bytes) +
                                " bytes after its end-of-archive marker: the layer would be cut short");
  }
  RIG_TRY(auto done, child->wait());
  if (interrupted()) return interrupted_error();
  // If the layer writer gave up first, mmdebstrap only saw a broken pipe: then the writer's error is
  // the cause. Otherwise mmdebstrap's own failure is.
  bool broken_pipe = done.err.find("Broken pipe") != std::string::npos || done.err.find("signal PIPE") != std::string::npos;
  if (!layer && (done.status == 0 || broken_pipe)) {
    auto e = std::move(layer).error();
    if (done.status != 0) e.add_context("mmdebstrap exited with status " + std::to_string(done.status) + " after");
    return e;
  }
  if (done.status != 0)
    return internal_error("mmdebstrap exited with status " + std::to_string(done.status) + ":\n" + done.tail(15),
                          "run the command by hand to see all of it: " + shell_quote(cmd.argv));
  if (trailing) return std::move(*trailing);
  return layer;
}

// A keyring the host lacks (Ubuntu's) is taken from a Debian package, which apt inside mmdebstrap
// verifies against the host's Debian archive key: no signature check is ever switched off.
Result<std::string> fetch_keyring(const KeyringSource& k, const std::string& arch, const BuildRequest& req, CommandRunner& runner,
                                  const std::filesystem::path& cache, const BuildEvents& ev) {
  auto mirror = resolve_mirror(k.distro, "", [](const char* n) { return std::getenv(n); });
  RIG_CHECK(check_mirror(mirror).context("keyring mirror"));
  std::string key = sha256_hex(k.package + "\n" + k.suite + "\n" + k.path + "\n" + mirror.uri);
  auto dest = cache / "keyrings" / (key + ".gpg");
  if (!req.no_cache && std::filesystem::exists(dest)) return dest.string();
  phase(ev, "fetch keyring " + k.package + " from " + k.distro + " " + k.suite);
  BootstrapSpec s;
  s.distro = k.distro;
  s.suite = k.suite;
  s.components = {"main"};
  s.variant = "extract";
  s.packages = {k.package};
  s.arch = arch;
  s.mirror_uri = mirror.uri;
  s.epoch = kDefaultEpoch;
  s.as_root = ::geteuid() == 0;
  RIG_TRY(auto scratch, ScratchDir::create("rigctl-keyring"));
  BaseScan scan;
  RIG_TRY(auto layer, bootstrap_into(s, scratch.path(), {k.path}, scan, runner, ev));
  (void)layer;
  auto it = scan.captured.find(k.path);
  if (it == scan.captured.end() || it->second.content.empty())
    return usage_error("package " + k.package + " has no '" + k.path + "'").add_context("base.keyring.path");
  RIG_CHECK(write_file_atomic(dest, it->second.content));
  return dest.string();
}

std::string holder_text(const std::string& what) {
  return "pid " + std::to_string(::getpid()) + ": " + what + "\n";
}

// The cached image at `dir` if it is there and matches its entry record, else nullopt (a damaged
// one is said so, and replaced by the build that follows).
Result<std::optional<OciImage>> intact_image(const std::filesystem::path& dir, const BuildEvents& ev) {
  if (!std::filesystem::exists(dir)) return std::optional<OciImage>();
  RIG_TRY(auto why, verify_entry(dir));
  std::optional<OciImage> img;
  if (why.empty()) {
    auto read = read_oci_layout(dir);
    if (read) img = std::move(*read);
    else why = read.error().what();
  }
  if (!why.empty()) phase(ev, "cached image " + dir.filename().string().substr(0, 12) + " is damaged (" + why + "): building it again");
  return img;
}

// Part of every image cache key: bumped when the layout rigctl writes gains something, so an entry
// written by an older rigctl is rebuilt rather than served without it. 2: the SPDX SBOM artifact.
constexpr const char* kImageLayoutVersion = "layout-2";

std::string recipe_fingerprint(const Recipe& r) {
  // The recipe text plus the bytes of every file it pulls in from next to it.
  Sha256 h;
  h.update(r.text);
  for (auto& f : r.files)
    if (!f.source.empty()) {
      h.update(f.source);
      h.update(sha256_hex(f.content));
    }
  return h.hex();
}

}  // namespace

std::string default_tag(const Recipe& r, const std::string& arch) { return "rigctl/" + r.name + ":" + arch; }

Result<std::optional<int64_t>> parse_source_date_epoch(const char* value) {
  if (!value || !*value) return std::optional<int64_t>();
  constexpr int64_t kLast = 253402300799;  // 9999-12-31T23:59:59Z
  const std::string_view v(value);
  int64_t n = 0;
  bool digits = v.size() <= 12 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits)
    for (char c : v) n = n * 10 + (c - '0');
  if (!digits || n > kLast)
    return usage_error("SOURCE_DATE_EPOCH: expected whole seconds since 1970 in decimal digits (as `date +%s` prints them), "
                       "from 0 to " + std::to_string(kLast) + ", got " + show_value(v),
                       "set it to `date +%s` of the time the image should carry, or unset it (images are then dated 2024-01-01)");
  return std::optional<int64_t>(n);
}

Result<int64_t> build_epoch(const BuildRequest& req) {
  if (req.epoch) return *req.epoch;
  RIG_TRY(auto sde, parse_source_date_epoch(std::getenv("SOURCE_DATE_EPOCH")));
  return sde.value_or(kDefaultEpoch);
}

Result<BuildOutcome> build_image(const Recipe& r, const BuildRequest& req, CommandRunner& runner, const BuildEvents& ev) {
  auto t0 = std::chrono::steady_clock::now();
  BuildOutcome out;
  const std::string arch = req.arch.empty() ? host_arch() : req.arch;
  if (!is_known_arch(arch)) return usage_error("unknown architecture '" + arch + "'").add_context("--arch");
  if (std::find(r.architectures.begin(), r.architectures.end(), arch) == r.architectures.end())
    return usage_error("recipe '" + r.file.string() + "' does not list architecture '" + arch + "' in \"architectures\"")
        .add_context("--arch");
  RIG_TRY(const int64_t epoch, build_epoch(req));
  const auto cache = req.cache_dir.empty() ? cache_root() : req.cache_dir;
  out.tag = req.tag.empty() ? default_tag(r, arch) : req.tag;
  out.mirror = resolve_mirror(r.base.mirror, req.mirror, [](const char* n) { return std::getenv(n); });
  RIG_CHECK(check_mirror(out.mirror).context(req.mirror.empty() ? "mirror" : "--mirror"));
  const bool as_root = ::geteuid() == 0;

  // 1. Keys. The base key covers what decides the bootstrap output; the image key adds the recipe
  //    and its files. Package updates on the mirror do not change either: --no-cache refreshes.
  BootstrapSpec spec = bootstrap_spec(r, arch, out.mirror, "", epoch, as_root);
  spec.scratch_dir = req.scratch_dir.string();
  std::string keyring_source;
  if (r.base.keyring) keyring_source = r.base.keyring->distro + ":" + r.base.keyring->suite + ":" + r.base.keyring->package;
  const std::string base_key =
      sha256_hex(std::string(RIGCTL_VERSION) + "\n" + bootstrap_identity(spec) + "\n" + keyring_source);
  out.image_key = sha256_hex(base_key + "\n" + recipe_fingerprint(r) + "\n" + out.tag + "\n" + kImageLayoutVersion);
  const auto image_dir = cache / "images" / out.image_key;
  const auto base_dir = cache / "base" / base_key;

  // 2. A complete, intact image in the cache is returned as is: no bootstrap, no scan. It is read
  //    under the entry's lock (shared), which the outcome keeps while the caller uses the image.
  const auto image_lock = cache_lock_path(cache, "image", out.image_key);
  const auto base_lock = cache_lock_path(cache, "base", base_key);
  auto waiting = [&ev](const std::string& what, const std::filesystem::path& lock) {
    return [&ev, what, lock] {
      auto who = lock_holder(lock);
      phase(ev, "wait for another rigctl building " + what + (who.empty() ? "" : " (" + who + ")"));
    };
  };
  const std::string image_what = "image " + out.image_key.substr(0, 12);
  auto finish_cached = [&](FileLock lock, OciImage img) -> Result<BuildOutcome> {
    out.image = std::move(img);
    out.cached = out.base_cached = true;
    out.hold = std::make_shared<FileLock>(std::move(lock));
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  };
  if (!req.no_cache) {
    RIG_TRY(auto shared, FileLock::acquire(image_lock, FileLock::Mode::Shared, waiting(image_what, image_lock)));
    RIG_TRY(auto hit, intact_image(image_dir, ev));
    if (hit) return finish_cached(std::move(shared), std::move(*hit));
  }
  // One builder per key: a second rigctl building the same image waits here, then finds it built.
  RIG_TRY(auto image_excl, FileLock::acquire(image_lock, FileLock::Mode::Exclusive, waiting(image_what, image_lock)));
  image_excl.describe(holder_text("build " + r.name));
  if (!req.no_cache) {
    RIG_TRY(auto hit, intact_image(image_dir, ev));
    if (hit) {
      RIG_CHECK(image_excl.downgrade());
      RIG_TRY(auto again, intact_image(image_dir, ev));
      if (again) return finish_cached(std::move(image_excl), std::move(*again));
      return internal_error("the cached image '" + image_dir.string() + "' changed while this build held its lock");
    }
  }
  if (arch != host_arch()) RIG_CHECK(check_binfmt(arch));

  // 3. The base layer: from the cache (re-hashed as it is scanned), or bootstrapped now and cached
  //    for the next recipe change. Its lock is held (shared or exclusive) until the image is
  //    committed: the image's blob is a hard link to the base entry's layer.tar.
  const auto capture = paths_to_capture(r);
  const std::string base_what = "base " + base_key.substr(0, 12);
  BaseScan scan;
  LayerInfo base_layer;
  std::optional<FileLock> base_hold;
  auto cached_base = [&]() -> Result<bool> {
    if (!std::filesystem::exists(base_dir / "layer.tar")) return false;
    phase(ev, "scan cached base " + base_key.substr(0, 12));
    auto recorded = read_file(base_dir / "digest");
    auto got = scan_layer(base_dir / "layer.tar", capture);
    if (!got && got.error().category() == Category::Interrupted) return std::move(got).error();
    std::string why;
    if (!recorded) why = "its digest file is missing";
    else if (!got) why = got.error().what();
    else if ("sha256:" + got->sha256 != *recorded) why = "layer.tar does not match its digest " + *recorded;
    if (!why.empty()) {
      phase(ev, "cached base " + base_key.substr(0, 12) + " is damaged (" + why + "): bootstrapping again");
      return false;
    }
    scan = std::move(*got);
    base_layer = {base_dir / "layer.tar", *recorded, scan.size};
    out.base_cached = true;
    return true;
  };
  bool have_base = false;
  if (!req.no_cache) {
    RIG_TRY(auto shared, FileLock::acquire(base_lock, FileLock::Mode::Shared, waiting(base_what, base_lock)));
    RIG_TRY(have_base, cached_base());
    if (have_base) base_hold.emplace(std::move(shared));
  }
  if (!have_base) {
    bool waited = false;
    auto on_wait = [&] {
      waited = true;
      waiting(base_what, base_lock)();
    };
    RIG_TRY(auto excl, FileLock::acquire(base_lock, FileLock::Mode::Exclusive, on_wait));
    excl.describe(holder_text("bootstrap " + r.base.distro + " " + r.base.suite + " " + arch));
    // Another rigctl may have bootstrapped it while this one waited.
    if (!req.no_cache && waited) {
      RIG_TRY(have_base, cached_base());
    }
    if (!have_base) {
      // apt reads the keyring as its sandbox user (_apt), which cannot enter a 0700 home: hand
      // mmdebstrap a world-readable copy.
      std::optional<ScratchDir> keyring_dir;
      if (r.base.keyring) {
        RIG_TRY(auto cached, fetch_keyring(*r.base.keyring, host_arch(), req, runner, cache, ev));
        RIG_TRY(auto dir, ScratchDir::create("rigctl-keyring"));
        keyring_dir.emplace(std::move(dir));
        std::filesystem::permissions(keyring_dir->path(), std::filesystem::perms(0755));
        RIG_TRY(auto bytes, read_file(cached));
        spec.keyring = (keyring_dir->path() / std::filesystem::path(cached).filename()).string();
        RIG_CHECK(write_file_atomic(spec.keyring, bytes, std::filesystem::perms(0644)));
      }
      phase(ev, "bootstrap " + r.base.distro + " " + r.base.suite + " " + arch + " (mmdebstrap " +
                    (as_root ? "root" : "unshare") + " mode, mirror: " + (out.mirror.uri.empty() ? "default" : out.mirror.uri) + ")");
      std::optional<PackageCacheUse> pkgs;
      if (req.use_package_cache) {
        RIG_TRY(auto use, prepare_package_cache(req.package_cache.empty() ? cache / "debs" : req.package_cache, spec, ev));
        pkgs.emplace(std::move(use));
      }
      RIG_TRY(auto staging, StagingDir::create(base_dir));
      RIG_TRY(base_layer, bootstrap_into(spec, staging.path(), capture, scan, runner, ev));
      if (pkgs) {
        out.package_cache_used = true;
        out.packages_reused = pkgs->reused;
        // The cache only speeds builds up: when it cannot take the new .debs (a full disk), the
        // build that already succeeded says so and goes on.
        auto added = pkgs->collect ? ingest_packages(pkgs->collect->path(), pkgs->dir) : Result<IngestResult>(IngestResult{});
        if (!added && added.error().category() == Category::Interrupted) return std::move(added).error();
        if (!pkgs->collect) {
          // said before the bootstrap
        } else if (!added) {
          phase(ev, "package cache not updated: " + added.error().what());
        } else {
          out.packages_added = added->added;
          phase(ev, "package cache: " + std::to_string(added->added) + " .debs (" + megabytes(added->bytes) + ") added, " +
                        std::to_string(added->pruned) + " superseded removed");
        }
      }
      RIG_CHECK(write_file_atomic(staging.path() / "digest", base_layer.digest));
      RIG_CHECK(seal_entry(staging.path(), {{"layer.tar", digest_hex(base_layer.digest)}}));
      RIG_CHECK(staging.commit());
      base_layer.path = base_dir / "layer.tar";
    }
    base_hold.emplace(std::move(excl));
  }

  // 4. The recipe layer and the OCI layout, staged and exchanged into the cache in one step.
  phase(ev, "apply recipe " + r.name);
  RIG_TRY(auto staging, StagingDir::create(image_dir));
  RIG_TRY(auto recipe_layer, write_recipe_layer(r, scan, epoch, staging.path() / "recipe-layer.tar"));
  std::vector<LayerInfo> layers = {base_layer, recipe_layer.layer};
  // The mode (root or unshare) does not change the output, so it stays out of the config: a
  // rootless build and a root build give the same digest.
  // Nor do the package cache's and the scratch directory's paths: apt installs the same packages.
  BootstrapSpec recorded = spec;
  recorded.package_seed.clear();
  recorded.package_collect.clear();
  recorded.scratch_dir.clear();
  auto argv = mmdebstrap_command(recorded).argv;
  argv.erase(std::remove_if(argv.begin(), argv.end(), [](const std::string& a) { return a.starts_with("--mode="); }), argv.end());
  // Likewise the keyring's temporary directory: only its (content-addressed) name is recorded.
  for (auto& a : argv)
    if (a.starts_with("--keyring=")) a = "--keyring=" + std::filesystem::path(a.substr(10)).filename().string();
  std::vector<std::string> history = {"rigctl bootstrap: " + shell_quote(argv),
                                      "rigctl recipe " + r.name + " (" + std::to_string(recipe_layer.entries.size()) + " entries)"};
  auto config = image_config(r, arch, layers, epoch, history);
  phase(ev, "write OCI layout");
  RIG_TRY(auto img, write_oci_layout(staging.path(), config, layers, out.tag, epoch));
  std::filesystem::remove(staging.path() / "recipe-layer.tar");
  // What the image is made of, next to it: dpkg's installed packages as an SPDX 2.3 document, attached
  // as an artifact whose subject is the image manifest.
  phase(ev, "write SBOM (SPDX 2.3)");
  RIG_TRY(auto packages, image_packages(img.layers));
  std::string sbom = json_text(spdx_document({out.tag, img.manifest_digest, r.base.distro, epoch}, packages), 2) + "\n";
  RIG_TRY(auto sbom_digest, attach_artifact(img, kMediaSpdxJson, kMediaSpdxJson, sbom,
                                            {{"org.opencontainers.image.created", rfc3339(epoch)},
                                             {"org.opencontainers.image.description", "SPDX 2.3 SBOM: dpkg's installed packages"}}));
  if (auto it = scan.captured.find(kStockSeccompPath); it != scan.captured.end()) {
    phase(ev, "derive tailored seccomp profile");
    // Bounded and strict like every other document (a recipe's own file can land there).
    auto parsed = parse_json_document(it->second.content);
    if (!parsed) return internal_error(std::string("the image's ") + kStockSeccompPath + " is not a usable JSON document: " + parsed.error().what());
    json stock = std::move(parsed).value();
    RIG_TRY(auto tailored, tailor_seccomp(stock));
    RIG_CHECK(write_file_atomic(staging.path() / kTailoredSeccompFile, json_text(tailored, 2) + "\n"));
  }
  json record = {{"manifest_digest", img.manifest_digest}, {"tag", out.tag},        {"arch", arch},
                 {"mirror", out.mirror.uri},               {"mirror_origin", out.mirror.origin},
                 {"base_key", base_key},                   {"recipe", r.file.string()},
                 {"removed_users", recipe_layer.removed_users}, {"sbom_digest", sbom_digest},
                 {"sbom_packages", packages.size()}};
  RIG_CHECK(write_file_atomic(staging.path() / "build.json", json_text(record, 2) + "\n"));
  std::map<std::string, std::string> known;
  for (auto& l : layers) known["blobs/sha256/" + digest_hex(l.digest)] = digest_hex(l.digest);
  RIG_CHECK(seal_entry(staging.path(), known));
  RIG_CHECK(staging.commit());
  base_hold.reset();
  // Shared from here on, like any reader: the lock goes with the outcome.
  RIG_CHECK(image_excl.downgrade());
  RIG_TRY(auto built, intact_image(image_dir, ev));
  if (!built) return internal_error("the image just committed to '" + image_dir.string() + "' does not read back intact");
  out.image = std::move(*built);
  out.hold = std::make_shared<FileLock>(std::move(image_excl));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

std::filesystem::path pick_scratch_dir(const ScratchProbe& p) {
  if (p.dir.empty() || !p.tmpfs || p.free_bytes < kScratchNeedBytes || p.mem_available < kScratchNeedBytes) return {};
  return p.dir;
}

ScratchProbe probe_scratch(const std::filesystem::path& dir, const std::filesystem::path& meminfo) {
  ScratchProbe p;
  p.dir = dir;
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) == 0) {
    p.tmpfs = st.f_type == TMPFS_MAGIC;
    p.free_bytes = static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_bsize);
  }
  // Only usable when this user may create entries there (a sticky world-writable /dev/shm).
  if (::access(dir.c_str(), W_OK | X_OK) != 0) p.free_bytes = 0;
  std::ifstream in(meminfo);
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemAvailable:") {
      p.mem_available = kb * 1024;
      break;
    }
  }
  return p;
}

std::filesystem::path default_scratch_dir() { return pick_scratch_dir(probe_scratch(kMemoryScratch)); }

Status export_layout(const OciImage& img, const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  RIG_TRY(auto staging, StagingDir::create(out));
  std::error_code ec;
  fs::create_directories(staging.path() / "blobs" / "sha256", ec);
  for (auto& entry : fs::recursive_directory_iterator(img.dir, ec)) {
    auto rel = fs::relative(entry.path(), img.dir);
    auto dest = staging.path() / rel;
    if (entry.is_directory()) {
      fs::create_directories(dest, ec);
      continue;
    }
    if (rel == kEntryRecord) continue;  // the cache's own record, about the cache's files
    RIG_CHECK(clone_or_copy_file(entry.path(), dest));
  }
  return staging.commit();
}

Result<std::string> load_image(Engine& engine, const OciImage& img, const std::string& tag) {
  return engine.load_image([&](int fd) { return write_docker_archive(img, tag, fd); });
}

}  // namespace rig
