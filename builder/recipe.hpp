// The recipe: everything rigctl builds and launches, in one reviewable file (docs/recipe.md).
// load_recipe() parses and validates it completely before anything is written anywhere.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace rig {

inline constexpr const char* kRecipeSchema = "rigctl/recipe/v1";

// A keyring that is not on the host, fetched through another archive whose signature the host can
// verify (Ubuntu's key arrives as Debian's ubuntu-keyring package).
struct KeyringSource {
  std::string package;
  std::string distro;
  std::string suite;
  std::string path;  // the keyring file inside that package
};

struct Base {
  std::string distro;  // debian | ubuntu
  std::string suite;
  std::vector<std::string> components;
  std::string variant;   // an mmdebstrap variant
  std::string mirror;    // a mirror *name* resolved at build time (see mirror.hpp), never a URL
  std::optional<KeyringSource> keyring;
  std::vector<std::string> strip;  // dpkg path-exclude globs (docs, man pages, locales)
  bool recommends = false;          // install Recommends of the packages
};

struct IdRange {
  uint64_t start = 0;
  uint64_t count = 0;
};

struct User {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
  std::string shell;
  IdRange subuid;
  IdRange subgid;
};

struct Owner {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

struct FileCapability {
  std::string path;
  std::string text;   // as written, e.g. "cap_setuid=ep"
  std::string xattr;  // encoded security.capability value
};

struct Directory {
  std::string path;
  Owner owner;
  uint32_t mode = 0755;
};

struct FileEntry {
  std::string path;
  std::string content;  // inline content, or the bytes read from `source`
  std::string source;   // path relative to the recipe, empty for inline content
  Owner owner;
  uint32_t mode = 0644;
};

struct Link {
  std::string path;
  std::string target;
};

// One deletion-tested launch flag: what it does, why, and how the rig fails without it.
struct LaunchFlag {
  std::string id;
  std::string option;  // the docker CLI spelling, for humans
  std::string what;
  std::string why;
  std::string effect_kind;   // device | seccomp | apparmor | systempaths | cgroups
  std::string effect_value;  // "/dev/net/tun", "tailored", "unconfined"
  std::vector<std::string> engines;  // docker, podman
  // "" | "apparmor" (the host kernel has AppArmor) | "cgroup2" (cgroup v2 and an engine that can mount it
  // writable) | "inner-storage:<id>" (only with that inner storage)
  std::string requires_host;
  std::string expect_check;   // the smoke check that fails without it
  std::string expect_signature;
};

// One image- or launch-level hardening beyond the flags, for ablation: how to take it away and how
// the rig is expected to fail without it.
struct Hardening {
  std::string id;
  std::string what;
  std::string why;
  std::string kind;   // file_capabilities | file_line | directory | volume | env | init | cgroup_delegation
  std::string path;   // file_line, directory
  std::string line;   // file_line
  std::string name;   // volume, env
  std::string value;  // env
  std::string expect_check;
  std::string expect_signature;  // a regex, or "slow-restart" for init
};

struct PortRange {
  std::string host_ip;
  uint32_t host_port = 0;
  uint32_t container_port = 0;
  uint32_t count = 1;
};

struct NamedVolume {
  std::string name;  // suffix; the full name is <rig>-<name>
  std::string target;
};

// One way podman inside the rig can keep its images: the image's own storage.conf (native overlay)
// or an alternative selected through environment variables at launch.
struct InnerStorage {
  std::string id;
  std::map<std::string, std::string> env;
};

// launch.capabilities: Docker's default capability set split in two by ablation. The rig keeps
// `keep` (each with why and how the chain fails without it) and launches with CapDrop = `drop`; the
// not-privileged check asserts the bounding set is exactly `keep`.
struct KeptCapability {
  std::string name;  // as the engine API spells it: "SETUID"
  std::string why;
  std::string expect_check;
  std::string expect_signature;
};
struct Capabilities {
  std::vector<KeptCapability> keep;
  std::vector<std::string> drop;
  std::string measured;  // the run that showed the dropped ones are not needed
  uint64_t keep_mask() const;
};

struct Launch {
  bool init = true;
  std::string restart;
  uint64_t memory_mb = 0;
  double cpus = 0;
  uint64_t pids_limit = 0;
  std::vector<PortRange> ports;
  std::vector<NamedVolume> volumes;
  std::vector<LaunchFlag> flags;
  std::vector<Hardening> hardening;
  std::optional<Capabilities> capabilities;
  // launch.inner.engine: the engine the rig runs inside, "podman" (default) or "docker" (rootless
  // dockerd started by the image's entrypoint). It picks the chain's engine and isolation checks.
  std::string inner_engine = "podman";
  // launch.inner.docker_api: the rig serves a Docker API on the rig user's socket (podman's
  // Docker-compatible service, started by the entrypoint; a Docker rig always has dockerd's own) and
  // the chain's docker-api check drives it with the docker CLI.
  bool docker_api = false;
  // launch.inner: what the inner podman can be set up with (matrix axes). The first network is the
  // image's default; an empty list means podman's own default only.
  std::vector<std::string> inner_networks;
  std::vector<InnerStorage> inner_storage;  // never empty: defaults to [{"id": "overlay"}]
  const InnerStorage* find_storage(const std::string& id) const;  // "" = the first
  // The launch object as resolved (shared profile merged with the recipe's own keys and overrides),
  // serialised with sorted keys and no whitespace: what the ablation record's profile digest hashes.
  std::string resolved_json;
};

// Only in host recipes (recipes/hosts/): what `rigctl host` needs to boot the image as a VM.
struct HostSection {
  std::string init;                           // absolute path of one of the recipe's files: PID 1
  std::vector<std::string> cmdline;           // extra kernel arguments
  std::map<std::string, std::string> sysctls; // passed as sysctl.KEY=VALUE on the kernel command line
  uint64_t disk_mb = 8192;                    // ext4 image size; free space holds the engine's images
  // Kernel modules the root disk needs before it can be mounted (a distro kernel that has virtio and
  // ext4 as modules): rigctl builds an initramfs that loads them and their dependencies. Empty: the
  // kernel has them built in and boots without one.
  std::vector<std::string> initramfs_modules;
};

struct Recipe {
  std::filesystem::path file;  // where it was loaded from
  std::string text;            // the file's bytes, hashed into the image label and cache key
  std::string name;
  std::string description;
  Base base;
  std::vector<std::string> architectures;
  std::vector<std::string> packages;
  std::optional<User> user;
  std::vector<FileCapability> file_capabilities;
  std::vector<Directory> directories;
  std::vector<FileEntry> files;
  std::vector<Link> links;
  std::map<std::string, std::string> env;
  std::string workdir;
  std::string config_user;  // the image config's User; defaults to the recipe user
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> volumes;
  std::map<std::string, std::string> labels;
  std::optional<Launch> launch;
  std::optional<HostSection> host;
};

// Loads and validates every value (builder/recipe_rules.hpp, docs/recipe.md "Value rules") before
// anything else happens; errors are Usage with context "load recipe '<file>'" and the JSON path. The
// file must be a regular file of at most kMaxSourceBytes.
Result<Recipe> load_recipe(const std::filesystem::path& file);
// The same from text (tests); file sources are read relative to `file`'s directory and must stay in it.
Result<Recipe> parse_recipe(const std::string& text, const std::filesystem::path& file);

}  // namespace rig
