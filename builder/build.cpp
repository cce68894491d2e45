#include "builder/build.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "builder/bootstrap.hpp"
#include "builder/docker_archive.hpp"
#include "builder/layers.hpp"
#include "builder/seccomp.hpp"
#include "core/arch.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/sha256.hpp"
#include "engine/engine.hpp"

namespace rig {

namespace {

std::string layer_label(const BootstrapSpec& s) { return "mmdebstrap " + s.distro + " " + s.suite + " " + s.arch; }

void phase(const BuildEvents& ev, const std::string& what) {
  if (ev.phase) ev.phase(what);
}

// Runs mmdebstrap and streams its tar into the normalised base layer in `dir`.
Result<LayerInfo> bootstrap_into(const BootstrapSpec& spec, const std::filesystem::path& dir, const std::set<std::string>& capture,
                                 BaseScan& scan, CommandRunner& runner, const BuildEvents& ev) {
  Command cmd = mmdebstrap_command(spec);
  cmd.on_stderr_line = ev.tool_line;
  RIG_TRY(auto child, runner.start(cmd));
  auto layer = normalize_base_layer(child->stdout_fd(), layer_label(spec), dir / "layer.tar", spec.epoch, capture, scan, ev.bytes);
  // libarchive stops reading at the end-of-archive marker, but mmdebstrap still writes the rest of
  // its last tar record after it. Closing our end first made that final write fail ("cannot copy to
  // standard output: Broken pipe", exit 25: the reproducible-build flake). Read the stream to its end.
  if (layer) {
    char sink[65536];
    for (;;) {
      ssize_t n = ::read(child->stdout_fd(), sink, sizeof sink);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR && !interrupted()) continue;
      break;
    }
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
  return layer;
}

// A keyring the host lacks (Ubuntu's) is taken from a Debian package, which apt inside mmdebstrap
// verifies against the host's Debian archive key: no signature check is ever switched off.
Result<std::string> fetch_keyring(const KeyringSource& k, const std::string& arch, const BuildRequest& req, CommandRunner& runner,
                                  const std::filesystem::path& cache, const BuildEvents& ev) {
  auto mirror = resolve_mirror(k.distro, "", [](const char* n) { return std::getenv(n); });
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

int64_t build_epoch(const BuildRequest& req) {
  if (req.epoch) return *req.epoch;
  if (const char* s = std::getenv("SOURCE_DATE_EPOCH"); s && *s) {
    char* end = nullptr;
    long long v = std::strtoll(s, &end, 10);
    if (end && *end == '\0' && v >= 0) return v;
  }
  return kDefaultEpoch;
}

Result<BuildOutcome> build_image(const Recipe& r, const BuildRequest& req, CommandRunner& runner, const BuildEvents& ev) {
  auto t0 = std::chrono::steady_clock::now();
  BuildOutcome out;
  const std::string arch = req.arch.empty() ? host_arch() : req.arch;
  if (!is_known_arch(arch)) return usage_error("unknown architecture '" + arch + "'").add_context("--arch");
  if (std::find(r.architectures.begin(), r.architectures.end(), arch) == r.architectures.end())
    return usage_error("recipe '" + r.file.string() + "' does not list architecture '" + arch + "' in \"architectures\"")
        .add_context("--arch");
  const int64_t epoch = build_epoch(req);
  const auto cache = req.cache_dir.empty() ? cache_root() : req.cache_dir;
  out.tag = req.tag.empty() ? default_tag(r, arch) : req.tag;
  out.mirror = resolve_mirror(r.base.mirror, req.mirror, [](const char* n) { return std::getenv(n); });
  const bool as_root = ::geteuid() == 0;

  // 1. Keys. The base key covers what decides the bootstrap output; the image key adds the recipe
  //    and its files. Package updates on the mirror do not change either: --no-cache refreshes.
  BootstrapSpec spec = bootstrap_spec(r, arch, out.mirror, "", epoch, as_root);
  std::string keyring_source;
  if (r.base.keyring) keyring_source = r.base.keyring->distro + ":" + r.base.keyring->suite + ":" + r.base.keyring->package;
  const std::string base_key =
      sha256_hex(std::string(RIGCTL_VERSION) + "\n" + bootstrap_identity(spec) + "\n" + keyring_source);
  out.image_key = sha256_hex(base_key + "\n" + recipe_fingerprint(r) + "\n" + out.tag);
  const auto image_dir = cache / "images" / out.image_key;
  const auto base_dir = cache / "base" / base_key;

  // 2. A complete image in the cache is returned as is: no bootstrap, no scan.
  if (!req.no_cache && std::filesystem::exists(image_dir / "index.json")) {
    if (auto img = read_oci_layout(image_dir)) {
      out.image = std::move(*img);
      out.cached = out.base_cached = true;
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return out;
    }
  }
  if (arch != host_arch()) RIG_CHECK(check_binfmt(arch));

  // 3. The base layer: from the cache, or bootstrapped now and cached for the next recipe change.
  const auto capture = paths_to_capture(r);
  BaseScan scan;
  LayerInfo base_layer;
  if (!req.no_cache && std::filesystem::exists(base_dir / "layer.tar")) {
    phase(ev, "scan cached base " + base_key.substr(0, 12));
    RIG_TRY(scan, scan_layer(base_dir / "layer.tar", capture));
    RIG_TRY(auto digest, read_file(base_dir / "digest"));
    base_layer = {base_dir / "layer.tar", digest, std::filesystem::file_size(base_dir / "layer.tar")};
    out.base_cached = true;
  } else {
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
    RIG_TRY(auto staging, StagingDir::create(base_dir));
    RIG_TRY(base_layer, bootstrap_into(spec, staging.path(), capture, scan, runner, ev));
    RIG_CHECK(write_file_atomic(staging.path() / "digest", base_layer.digest));
    RIG_CHECK(staging.commit());
    base_layer.path = base_dir / "layer.tar";
  }

  // 4. The recipe layer and the OCI layout, staged and renamed into the cache in one step.
  phase(ev, "apply recipe " + r.name);
  RIG_TRY(auto staging, StagingDir::create(image_dir));
  RIG_TRY(auto recipe_layer, write_recipe_layer(r, scan, epoch, staging.path() / "recipe-layer.tar"));
  std::vector<LayerInfo> layers = {base_layer, recipe_layer.layer};
  // The mode (root or unshare) does not change the output, so it stays out of the config: a
  // rootless build and a root build give the same digest.
  auto argv = mmdebstrap_command(spec).argv;
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
  if (auto it = scan.captured.find(kStockSeccompPath); it != scan.captured.end()) {
    phase(ev, "derive tailored seccomp profile");
    json stock;
    try {
      stock = json::parse(it->second.content);
    } catch (const json::exception& e) {
      return internal_error(std::string("the image's ") + kStockSeccompPath + " is not JSON: " + e.what());
    }
    RIG_TRY(auto tailored, tailor_seccomp(stock));
    RIG_CHECK(write_file_atomic(staging.path() / kTailoredSeccompFile, tailored.dump(2) + "\n"));
  }
  json record = {{"manifest_digest", img.manifest_digest}, {"tag", out.tag},        {"arch", arch},
                 {"mirror", out.mirror.uri},               {"mirror_origin", out.mirror.origin},
                 {"base_key", base_key},                   {"recipe", r.file.string()},
                 {"removed_users", recipe_layer.removed_users}};
  RIG_CHECK(write_file_atomic(staging.path() / "build.json", record.dump(2) + "\n"));
  RIG_CHECK(staging.commit());
  RIG_TRY(out.image, read_oci_layout(image_dir));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

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
    fs::create_hard_link(entry.path(), dest, ec);
    if (ec) {
      ec.clear();
      fs::copy_file(entry.path(), dest, ec);
    }
    if (ec) return internal_error("cannot copy '" + entry.path().string() + "' to '" + dest.string() + "': " + ec.message());
  }
  return staging.commit();
}

Result<std::string> load_image(Engine& engine, const OciImage& img, const std::string& tag) {
  return engine.load_image([&](int fd) { return write_docker_archive(img, tag, fd); });
}

}  // namespace rig
