#include "builder/recipe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>
#include <set>

#include "security/capability.hpp"
#include "builder/accounts.hpp"
#include "builder/recipe_rules.hpp"
#include "core/arch.hpp"
#include "core/catalog.hpp"
#include "core/signatures.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

namespace fs = std::filesystem;

const std::set<std::string> kDistros = {"debian", "ubuntu"};
const std::set<std::string> kVariants = {"extract", "custom", "essential", "apt", "required", "minbase", "buildd", "important", "standard"};
const std::set<std::string> kEffects = {"device", "seccomp", "apparmor", "systempaths", "cgroups", "incus_config"};
const std::set<std::string> kEngines = {"docker", "podman", "incus", "lxc"};
// The Incus instance keys a flag may set (effect incus_config): seed 000's nesting and syscall
// interception. An allowlist, so no recipe can ask for security.privileged or raw.* keys.
const std::set<std::string> kIncusConfigKeys = {"security.nesting", "security.syscalls.intercept.mknod",
                                                "security.syscalls.intercept.setxattr", "security.syscalls.intercept.mount",
                                                "security.syscalls.intercept.mount.fuse"};
const std::set<std::string> kInnerNetworks = {"pasta", "slirp4netns"};
const std::set<std::string> kRestart = {"no", "always", "unless-stopped", "on-failure"};
constexpr uint64_t kMaxId = 4294967294ULL;  // (uid_t)-1 is not a valid id

// Launch limits the engine takes as given. Out of these bounds Docker either refuses the value or,
// worse, wraps it into "unlimited": 2^44 MB overflows int64 bytes, and a PidsLimit of 0 (or what
// wraps to -1) means no limit at all.
constexpr uint64_t kMinMemoryMb = 6;          // Docker refuses less than 6 MB
constexpr uint64_t kMaxMemoryMb = 1ull << 20;  // 1 TiB: more than any rig needs, far inside int64 bytes
constexpr uint64_t kMaxPids = 1ull << 22;      // PID_MAX_LIMIT: the kernel's largest pid_max
constexpr double kMinCpus = 0.01;              // docker run --cpus' smallest value
constexpr double kMaxCpus = 1024;              // 1024e9 NanoCPUs fits int64 with room to spare

// Kernel arguments a host recipe may add. An allowlist: rigctl owns how the VM boots (root=, init=,
// console=, panic=), and any argument the kernel does not know itself (`single`, `emergency`, FOO=bar)
// is handed to the init as an argument or environment variable, which could change what rigctl's
// init does. These are the kernel's own switches for the security features and names a host
// recipe models (which LSMs, AppArmor, audit, cgroups, NIC names, logging).
struct KernelArg {
  const char* key;
  bool takes_value;
};
constexpr KernelArg kKernelArgs[] = {
    {"lsm", true},         {"apparmor", true},      {"security", true},      {"selinux", true},
    {"audit", true},       {"net.ifnames", true},   {"biosdevname", true},   {"cgroup_no_v1", true},
    {"cgroup_enable", true}, {"swapaccount", true}, {"ipv6.disable", true},  {"mitigations", true},
    {"loglevel", true},    {"quiet", false}};
// What rigctl's own command line sets (vmhost/qemu_command.cpp) or would be overridden by a second
// copy: named in the message so the recipe author knows why.
constexpr const char* kRigctlKernelArgs[] = {"root", "rootfstype", "rootflags", "rootwait", "rootdelay", "rw", "ro",
                                             "init", "rdinit", "console", "panic"};


[[noreturn]] void reject(const JsonNode& n, const std::string& expected, std::string_view got) {
  n.fail("expected " + expected + ", got " + show_value(got));
}

// A string `rule` accepts, else "expected <what>, got '<value>'".
std::string ruled_str(const JsonNode& n, bool (*rule)(std::string_view), const std::string& what) {
  auto s = n.str();
  if (!rule(s)) reject(n, what, s);
  return s;
}

// One line of free text for people (description, what, why, option): reports and tables print it.
std::string text_str(const JsonNode& n, bool nonempty = true) {
  auto s = nonempty ? n.nonempty_str() : n.str();
  if (s.size() > kMaxTextBytes) reject(n, "text of at most " + std::to_string(kMaxTextBytes) + " bytes", s);
  if (has_control_char(s)) reject(n, "one line of text without control characters", s);
  return s;
}

// A value handed on verbatim (environment and label values, entrypoint and cmd arguments): anything
// but NUL, which would silently cut it short at exec.
std::string value_str(const JsonNode& n) {
  auto s = n.str();
  if (s.size() > kMaxValueBytes) reject(n, "a value of at most " + std::to_string(kMaxValueBytes) + " bytes", s);
  if (s.find('\0') != std::string::npos) reject(n, "a value without NUL characters", s);
  return s;
}

std::vector<std::string> value_list(const JsonNode& n) {
  std::vector<std::string> out;
  for (auto& item : n.array()) out.push_back(value_str(item));
  return out;
}

// An object of strings; `check_key` fails at the object's path (so a hostile key is only ever shown
// escaped), `read_value` reads each value.
template <class CheckKey, class ReadValue>
std::map<std::string, std::string> read_map(const JsonNode& n, CheckKey check_key, ReadValue read_value) {
  if (!n.raw().is_object()) n.fail(std::string("expected an object of strings, got ") + json_type_name(n.raw()));
  std::map<std::string, std::string> out;
  for (auto& [k, v] : n.raw().items()) {
    check_key(k);
    out[k] = read_value(JsonNode(v, n.path() + "." + k));
  }
  return out;
}

// A path in the image that names an entry of its own (a file, a directory to own, a volume, ...):
// never "/" itself, which would make the whole tree that entry (chown -R, a volume over everything).
// Only the working directory may be the root (allow_root).
std::string normalized_path(const JsonNode& n, bool allow_root = false) {
  auto p = n.str();
  if (auto why = path_problem(p); !why.empty()) n.fail(why + ", got " + show_value(p));
  if (p == "/" && !allow_root) n.fail("expected a path below '/', not the root itself");
  return p;
}

// A path that becomes a field of /etc/passwd (home, shell): ':' would split it into more fields.
std::string account_path(const JsonNode& n) {
  auto p = normalized_path(n);
  if (p.find(':') != std::string::npos) reject(n, "a path without ':' (it is a field of /etc/passwd)", p);
  return p;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

uint32_t parse_mode(const JsonNode& n) {
  auto s = n.str();
  bool octal = (s.size() == 3 || s.size() == 4 || (s.size() == 5 && s[0] == '0')) &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!octal) n.fail("expected an octal mode string such as \"0755\", got " + show_value(s));
  return static_cast<uint32_t>(std::stoul(s, nullptr, 8));
}

Owner parse_owner(const JsonNode& n, const std::optional<User>& user) {
  auto s = n.str();
  if (s == "root") return {0, 0};
  if (s == "user") {
    if (!user) n.fail("\"user\" names the recipe's user, but the recipe has no \"user\"");
    return {user->uid, user->gid};
  }
  auto colon = s.find(':');
  if (s.size() > 64 || colon == std::string::npos || !all_digits(std::string_view(s).substr(0, colon)) ||
      !all_digits(std::string_view(s).substr(colon + 1)))
    n.fail("expected \"root\", \"user\" or \"UID:GID\", got " + show_value(s));
  auto uid_s = s.substr(0, colon), gid_s = s.substr(colon + 1);
  // More than 10 digits cannot be a valid id (and would overflow stoull).
  if (uid_s.size() > 10 || gid_s.size() > 10) n.fail("uid/gid out of range in " + show_value(s));
  auto uid = std::stoull(uid_s), gid = std::stoull(gid_s);
  if (uid > kMaxId || gid > kMaxId) n.fail("uid/gid out of range in " + show_value(s));
  return {static_cast<uint32_t>(uid), static_cast<uint32_t>(gid)};
}

// Docker's User: a name or id, optionally ":" and a group name or id.
bool is_config_user(std::string_view s) {
  auto part = [](std::string_view p) {
    if (all_digits(p)) return p.size() <= 10 && std::stoull(std::string(p)) <= kMaxId;
    return is_account_name(p);
  };
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return part(s);
  return part(s.substr(0, colon)) && part(s.substr(colon + 1));
}

// Reads a regular file of at most `max` bytes. Devices, FIFOs and directories are refused before
// anything is read: /dev/zero would never end, a FIFO would block.
Result<std::string> read_regular_file(const fs::path& p, uint64_t max) {
  const std::string shown = show_value(p.string(), kMaxPathBytes);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return usage_error("cannot read " + shown + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return usage_error("cannot read " + shown + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return usage_error(shown + " is not a regular file");
  auto too_big = [&](uint64_t size) {
    return usage_error(shown + " is " + std::to_string(size) + " bytes, more than the " + std::to_string(max) + " allowed");
  };
  if (static_cast<uint64_t>(st.st_size) > max) return too_big(static_cast<uint64_t>(st.st_size));
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return usage_error("cannot read " + shown + ": " + std::strerror(errno));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max) return too_big(out.size());  // it grew while being read
  }
  return out;
}

// files[].source: relative, inside the recipe's directory once symlinks are resolved (like a
// `docker build` context: a recipe cannot pull /etc/shadow or ../../secrets into an image), and a
// regular file of at most kMaxSourceBytes.
std::string read_source(const JsonNode& n, const fs::path& recipe_file) {
  auto src = n.nonempty_str();
  if (src.size() > kMaxPathBytes || has_control_char(src))
    reject(n, "a relative path without control characters, at most " + std::to_string(kMaxPathBytes) + " bytes", src);
  if (src[0] == '/') reject(n, "a path relative to the recipe's directory", src);
  std::error_code ec;
  fs::path dir = recipe_file.parent_path();
  if (dir.empty()) dir = ".";
  fs::path root = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  fs::path full;
  if (!ec) full = fs::weakly_canonical(root / src, ec);
  if (ec) n.fail("cannot resolve " + show_value(src) + " in " + show_value(dir.string(), kMaxPathBytes) + ": " + ec.message());
  auto rel = full.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..")
    n.fail(show_value(src) + " resolves to " + show_value(full.string(), kMaxPathBytes) + ", outside the recipe's directory " +
           show_value(root.string(), kMaxPathBytes));
  auto data = read_regular_file(full, kMaxSourceBytes);
  if (!data) n.fail(data.error().message() + " (sources are relative to the recipe's directory)");
  return std::move(*data);
}

// launch.profile: the launch profile the recipes share (recipes/profiles/launch.json: the flags,
// hardenings and inner options with their why, the security argument in one file), read like a
// files[].source (relative, inside the recipe's directory). The recipe's other launch keys are merged
// over it as an RFC 7386 merge patch (an object merges key by key, anything else replaces, null
// removes), and launch.overrides patches single flags or hardenings by id the same way. A profile
// cannot name another profile. An inline launch without "profile" is used as written.
json resolve_profile(const JsonNode& l, const fs::path& recipe_file);

json resolve_launch(const JsonNode& l, const fs::path& recipe_file) {
  const json& own = l.raw();
  if (!own.is_object() || !own.contains("profile")) return own;
  json merged = resolve_profile(l, recipe_file);
  // extra_hardening: hardenings only this recipe has, after the profile's (a merge patch would replace
  // the whole list; overrides only patch items the profile has).
  if (own.contains("extra_hardening")) {
    JsonNode ex(own.at("extra_hardening"), l.path() + ".extra_hardening");
    if (!ex.raw().is_array()) ex.fail("expected an array of hardenings");
    if (!merged.contains("hardening") || merged["hardening"].is_null()) merged["hardening"] = json::array();
    if (!merged["hardening"].is_array()) ex.fail("the launch profile's hardening is not an array");
    for (auto& h : ex.raw()) merged["hardening"].push_back(h);
  }
  return merged;
}

json resolve_profile(const JsonNode& l, const fs::path& recipe_file) {
  const json& own = l.raw();
  JsonNode src(own.at("profile"), l.path() + ".profile");
  std::string text = read_source(src, recipe_file);
  auto doc = parse_json_document(text);
  if (!doc) src.fail("the launch profile " + show_value(src.str()) + ": " + doc.error().what());
  json merged = std::move(*doc);
  if (!merged.is_object()) src.fail("the launch profile " + show_value(src.str()) + " is not a JSON object");
  if (merged.contains("profile") || merged.contains("overrides"))
    src.fail("the launch profile " + show_value(src.str()) + " itself has \"profile\" or \"overrides\" (profiles do not chain)");
  json patch = own;
  patch.erase("profile");
  patch.erase("overrides");
  patch.erase("extra_hardening");
  merged.merge_patch(patch);
  if (!own.contains("overrides")) return merged;
  JsonNode ov(own.at("overrides"), l.path() + ".overrides");
  if (!ov.raw().is_object()) ov.fail("expected an object: flag or hardening id -> the fields that differ");
  for (auto& [id, fields] : ov.raw().items()) {
    JsonNode fn(fields, ov.path() + "." + id);
    // null removes the item (as in a merge patch): a rig with another inner engine drops a hardening
    // that has no counterpart there, and keeps every other item's why written once, in the profile.
    if (!fields.is_object() && !fields.is_null()) fn.fail("expected an object of the fields that differ for this recipe, or null to drop it");
    bool found = false;
    for (const char* list : {"flags", "hardening"}) {
      if (!merged.contains(list) || !merged[list].is_array()) continue;
      auto& items = merged[list];
      for (size_t i = 0; i < items.size(); ++i) {
        auto& item = items[i];
        if (!item.is_object() || !item.contains("id") || item["id"] != id) continue;
        found = true;
        if (fields.is_null()) {
          items.erase(i--);
        } else {
          item.merge_patch(fields);
        }
      }
    }
    if (!found) fn.fail("the launch profile has no flag or hardening " + show_value(id));
  }
  return merged;
}

IdRange parse_range(JsonNode n, uint32_t own_id, const char* what) {
  auto o = n.object();
  IdRange r;
  auto start = o.required("start");
  auto count = o.required("count");
  r.start = start.u64();
  r.count = count.u64();
  o.finish();
  if (r.count == 0) count.fail("expected at least 1 subordinate id");
  if (r.start == 0) start.fail("a subordinate range must not include 0 (root)");
  if (r.count > kMaxId || r.start > kMaxId - r.count + 1) {
    // The end is only worth printing when computing it does not wrap.
    bool wraps = r.start > UINT64_MAX - r.count + 1;
    n.fail(std::string("the ") + what + " range " + std::to_string(r.start) + "+" + std::to_string(r.count) +
           " leaves 0.." + std::to_string(kMaxId) + (wraps ? "" : " (ends at " + std::to_string(r.start + r.count - 1) + ")"));
  }
  if (own_id >= r.start && own_id < r.start + r.count)
    n.fail(std::string("the ") + what + " range " + std::to_string(r.start) + "+" + std::to_string(r.count) +
           " overlaps the user's own id " + std::to_string(own_id));
  return r;
}

const std::string kAccountNameRule = "a Debian user name ([a-z_][a-z0-9_-]*, optionally ending in '$', at most 32 characters)";

User parse_user(JsonNode n) {
  auto o = n.object();
  User u;
  u.name = ruled_str(o.required("name"), is_account_name, kAccountNameRule);
  auto uid = o.required("uid");
  u.uid = static_cast<uint32_t>(uid.u64(kMaxId));
  if (u.uid == 0) uid.fail("the rig user must not be root (uid 0)");
  u.gid = static_cast<uint32_t>(o.required("gid").u64(kMaxId));
  u.home = account_path(o.required("home"));
  u.shell = account_path(o.required("shell"));
  u.subuid = parse_range(o.required("subuid"), u.uid, "subuid");
  u.subgid = parse_range(o.required("subgid"), u.gid, "subgid");
  o.finish();
  return u;
}

const std::string kSuiteRule = "a Debian suite name ([a-z0-9][a-z0-9.+~-]*, at most 64 characters)";
const std::string kComponentRule = "an archive component ([a-z0-9][a-z0-9/._-]*, at most 64 characters)";
const std::string kPackageRule = "a Debian package name ([a-z0-9][a-z0-9+.-]+, at most 128 characters, optionally :arch)";

Base parse_base(JsonNode n) {
  auto o = n.object();
  Base b;
  auto distro = o.required("distro");
  b.distro = distro.str();
  if (!kDistros.count(b.distro)) reject(distro, "\"debian\" or \"ubuntu\"", b.distro);
  b.suite = ruled_str(o.required("suite"), is_debian_suite, kSuiteRule);
  if (auto comps = o.optional("components")) {
    for (auto& c : comps->array()) b.components.push_back(ruled_str(c, is_debian_component, kComponentRule));
    if (b.components.empty()) comps->fail("expected at least one component");
  } else {
    b.components = {"main"};
  }
  auto variant = o.optional("variant");
  b.variant = variant ? variant->str() : "apt";
  if (!kVariants.count(b.variant)) reject(*variant, "an mmdebstrap variant (extract, minbase, apt, ...)", b.variant);
  auto mirror = o.optional("mirror");
  b.mirror = mirror ? ruled_str(*mirror, is_mirror_name,
                                "a mirror name such as \"debian\" ([a-z0-9][a-z0-9_]*, resolved from --mirror, "
                                "RIGCTL_MIRROR_<NAME> or the host's apt sources), never a URL")
                    : b.distro;
  if (auto k = o.optional("keyring")) {
    auto ko = k->object();
    KeyringSource ks;
    ks.package = ruled_str(ko.required("package"), is_debian_package, kPackageRule);
    auto kd = ko.required("distro");
    ks.distro = kd.str();
    if (ks.distro != "debian") kd.fail("keyrings can only be fetched through Debian's archive (its key is on the host)");
    ks.suite = ruled_str(ko.required("suite"), is_debian_suite, kSuiteRule);
    ks.path = normalized_path(ko.required("path"));
    ko.finish();
    b.keyring = ks;
  }
  if (auto s = o.optional("strip")) {
    // dpkg path filters: absolute globs, "!" for a path-include. Each becomes one line of dpkg's
    // configuration, so a newline would smuggle in another option.
    for (auto& g : s->array()) {
      auto glob = g.str();
      std::string_view body = glob;
      if (!body.empty() && body[0] == '!') body.remove_prefix(1);
      if (body.empty() || body[0] != '/' || body.size() > kMaxPathBytes || has_control_char(body))
        reject(g, "an absolute glob such as \"/usr/share/doc/*\" (\"!\" first to keep a path), without control characters", glob);
      b.strip.push_back(glob);
    }
  }
  if (auto rec = o.optional("recommends")) b.recommends = rec->boolean();
  o.finish();
  return b;
}

// Flag and hardening ids name items on the command line (--without, --only): keep them plain.
std::string parse_item_id(JsonObject& o) {
  return ruled_str(o.required("id"), is_plain_id, "a lower-case id ([a-z0-9][a-z0-9-]*, at most 64 characters)");
}

// expect: the smoke check that fails without the item and the failure signature(s) its output shows,
// by id from the catalog (core/signatures.json), so the regex lives once, next to its cause and fix;
// or "slow-restart" (the restart takes the stop timeout). The ablation matches the output against the
// ids' patterns together (any of them).
void parse_expect(JsonObject& o, std::string& check, std::string& signature) {
  auto ex = o.required("expect").object();
  auto c = ex.required("check");
  check = c.str();
  if (!is_smoke_check_id(check)) {
    std::vector<std::string> ids(kSmokeCheckIds.begin(), kSmokeCheckIds.end());
    reject(c, "a smoke check id (" + join(ids, ", ") + ")", check);
  }
  auto s = ex.required("signature");
  std::vector<std::string> ids = s.raw().is_array() ? s.str_list() : std::vector<std::string>{s.nonempty_str()};
  if (ids.empty()) s.fail("expected at least one signature id");
  auto known = [] {
    std::vector<std::string> all{"slow-restart"};
    for (auto& k : known_signatures()) all.push_back(k.id);
    return join(all, ", ");
  };
  if (ids.size() == 1 && ids.front() == "slow-restart") {
    signature = ids.front();
  } else {
    std::vector<std::string> patterns;
    for (auto& id : ids) {
      const Signature* sig = find_signature(id);
      if (!sig) reject(s, "a failure signature id from core/signatures.json (" + known() + ")", id);
      patterns.push_back("(?:" + sig->pattern + ")");
    }
    signature = join(patterns, "|");
  }
  ex.finish();
}

std::string device_list() {
  std::vector<std::string> d(kLaunchDevices.begin(), kLaunchDevices.end());
  return join(d, ", ");
}

LaunchFlag parse_flag(JsonNode n) {
  auto o = n.object();
  LaunchFlag f;
  f.id = parse_item_id(o);
  f.option = text_str(o.required("option"));
  f.what = text_str(o.required("what"));
  f.why = text_str(o.required("why"));
  auto eff = o.required("effect").object();
  auto kind = eff.required("kind");
  f.effect_kind = kind.str();
  if (!kEffects.count(f.effect_kind)) reject(kind, "one of device, seccomp, apparmor, systempaths, cgroups, incus_config", f.effect_kind);
  auto value = eff.required("value");
  f.effect_value = value.str();
  if (f.effect_kind == "device" && !is_launch_device(f.effect_value))
    reject(value, "a device a rig may be given (" + device_list() + ")", f.effect_value);
  if (f.effect_kind == "seccomp" && f.effect_value != "tailored" && f.effect_value != "unconfined")
    value.fail("expected \"tailored\" (the generated profile); \"unconfined\" is allowed but weaker");
  if ((f.effect_kind == "apparmor" || f.effect_kind == "systempaths") && f.effect_value != "unconfined" && f.effect_value != "tailored")
    value.fail("expected \"unconfined\" or \"tailored\"");
  if (f.effect_kind == "cgroups" && f.effect_value != "writable") value.fail("expected \"writable\" (the rig's own cgroup namespace mounted read-write)");
  if (f.effect_kind == "incus_config") {
    auto eq = f.effect_value.find('=');
    std::string key = f.effect_value.substr(0, eq);
    if (eq == std::string::npos || !kIncusConfigKeys.count(key) || f.effect_value.substr(eq + 1) != "true")
      reject(value, "KEY=true with KEY one of security.nesting, security.syscalls.intercept.{mknod,setxattr,mount,mount.fuse}",
             f.effect_value);
  }
  eff.finish();
  if (auto e = o.optional("engines")) {
    for (auto& en : e->array()) {
      auto name = en.str();
      if (!kEngines.count(name)) reject(en, "an outer runtime name, docker, podman, incus or lxc", name);
      f.engines.push_back(name);
    }
  } else {
    f.engines = f.effect_kind == "incus_config" ? std::vector<std::string>{"incus"} : std::vector<std::string>{"docker", "podman"};
  }
  // What each runtime can render: Incus takes devices and its own keys; Docker-API engines no Incus key.
  bool for_incus = std::find(f.engines.begin(), f.engines.end(), "incus") != f.engines.end();
  if (for_incus && f.effect_kind != "device" && f.effect_kind != "incus_config")
    o.required("engines").fail("incus renders only device and incus_config effects, not " + f.effect_kind);
  // LXC renders devices only (smoke/lxc_rig.cpp); its nesting mounts are always in the rig's config.
  bool for_lxc = std::find(f.engines.begin(), f.engines.end(), "lxc") != f.engines.end();
  if (for_lxc && f.effect_kind != "device") o.required("engines").fail("lxc renders only device effects, not " + f.effect_kind);
  if (f.effect_kind == "incus_config" && (!for_incus || f.engines.size() != 1))
    o.required("engines").fail("an incus_config effect is for [\"incus\"] only");
  if (auto r = o.optional("requires")) {
    f.requires_host = r->nonempty_str();
    // The storage id is checked against launch.inner.storage once that is read.
    if (f.requires_host != "apparmor" && f.requires_host != "cgroup2" &&
        !(f.requires_host.starts_with("inner-storage:") && is_plain_id(std::string_view(f.requires_host).substr(14))))
      reject(*r, "\"apparmor\", \"cgroup2\" or \"inner-storage:<id>\"", f.requires_host);
  }
  parse_expect(o, f.expect_check, f.expect_signature);
  o.finish();
  return f;
}

const std::string kVolumeNameRule = "a volume name ([a-z0-9][a-z0-9-]*, at most 64 characters)";

// launch.capabilities: {keep: [{name, why, expect}], drop: [names], measured}. Together keep and
// drop are exactly Docker's default set, so the ablation gives every default capability a verdict;
// there is no way to add a capability. Each kept one is an ablation item "cap-<name>" whose id shares
// the flags' and hardenings' namespace.
Capabilities parse_capabilities(JsonNode n, std::set<std::string>& ids) {
  auto o = n.object();
  Capabilities c;
  std::set<std::string> seen;
  std::vector<std::string> defaults(kDefaultCapabilities.begin(), kDefaultCapabilities.end());
  auto cap_name = [&](const JsonNode& v) {
    auto name = v.str();
    if (!is_default_capability(name))
      reject(v, "a capability of Docker's default set, spelled as the engine API does (" + join(defaults, ", ") + ")", name);
    if (!seen.insert(name).second) v.fail(show_value(name) + " is listed twice (in keep or drop)");
    return name;
  };
  for (auto& kn : o.required("keep").array()) {
    auto ko = kn.object();
    KeptCapability k;
    k.name = cap_name(ko.required("name"));
    k.why = text_str(ko.required("why"));
    parse_expect(ko, k.expect_check, k.expect_signature);
    ko.finish();
    if (!ids.insert(capability_item_id(k.name)).second)
      kn.fail("the ablation id " + show_value(capability_item_id(k.name)) + " is already a flag or hardening id");
    c.keep.push_back(std::move(k));
  }
  auto drop = o.required("drop");
  for (auto& dn : drop.array()) {
    c.drop.push_back(cap_name(dn));
    if (!ids.insert(capability_item_id(c.drop.back())).second)
      dn.fail("the ablation id " + show_value(capability_item_id(c.drop.back())) + " is already a flag or hardening id");
  }
  if (auto m = o.optional("measured")) c.measured = text_str(*m);
  o.finish();
  std::vector<std::string> missing;
  for (auto& d : defaults)
    if (!seen.count(d)) missing.push_back(d);
  if (!missing.empty())
    n.fail("keep and drop together must be Docker's whole default set (every one gets an ablation verdict); missing " +
           join(missing, ", "));
  return c;
}

Hardening parse_hardening(JsonNode n) {
  auto o = n.object();
  Hardening h;
  h.id = parse_item_id(o);
  h.what = text_str(o.required("what"));
  h.why = text_str(o.required("why"));
  auto ab = o.required("ablate").object();
  auto kind = ab.required("kind");
  h.kind = kind.str();
  if (h.kind == "file_line") {
    h.path = normalized_path(ab.required("path"));
    auto line = ab.required("line");
    h.line = line.nonempty_str();
    if (h.line.size() > kMaxPathBytes || has_control_char(h.line))
      reject(line, "one line of the file (no newline or other control characters, at most 4096 bytes)", h.line);
  } else if (h.kind == "directory") {
    h.path = normalized_path(ab.required("path"));
  } else if (h.kind == "volume") {
    h.name = ruled_str(ab.required("name"), is_plain_id, kVolumeNameRule);
  } else if (h.kind == "env") {
    h.name = ruled_str(ab.required("name"), is_env_name, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    h.value = value_str(ab.required("value"));
  } else if (h.kind != "file_capabilities" && h.kind != "init" && h.kind != "cgroup_delegation") {
    reject(kind, "one of file_capabilities, file_line, directory, volume, env, init, cgroup_delegation", h.kind);
  }
  ab.finish();
  parse_expect(o, h.expect_check, h.expect_signature);
  o.finish();
  return h;
}

// A number of ports, 1..65535 (0 asks the engine for a random one; a rig's ports are fixed).
uint32_t parse_port(const JsonNode& n) {
  auto p = n.u64(65535);
  if (p == 0) n.fail("expected a port from 1 to 65535, got 0");
  return static_cast<uint32_t>(p);
}

Launch parse_launch(JsonNode n) {
  auto o = n.object();
  Launch l;
  if (auto i = o.optional("init")) l.init = i->boolean();
  auto restart = o.optional("restart");
  l.restart = restart ? restart->str() : "unless-stopped";
  if (!kRestart.count(l.restart)) reject(*restart, "no, always, unless-stopped or on-failure", l.restart);
  if (auto m = o.optional("memory_mb")) {
    l.memory_mb = m->u64();
    if (l.memory_mb < kMinMemoryMb || l.memory_mb > kMaxMemoryMb)
      m->fail("expected a memory limit from " + std::to_string(kMinMemoryMb) + " MB (Docker's minimum) to " +
              std::to_string(kMaxMemoryMb) + " MB (1 TiB), got " + std::to_string(l.memory_mb));
  }
  if (auto c = o.optional("cpus")) {
    l.cpus = c->number();
    if (!(l.cpus >= kMinCpus && l.cpus <= kMaxCpus))
      c->fail("expected a number of CPUs from 0.01 to 1024, got " + c->raw().dump());
  }
  if (auto p = o.optional("pids_limit")) {
    l.pids_limit = p->u64();
    // 0 is Docker's "unlimited": a rig always has a limit.
    if (l.pids_limit < 1 || l.pids_limit > kMaxPids)
      p->fail("expected a pids limit from 1 to " + std::to_string(kMaxPids) + " (the kernel's largest pid_max), got " +
              std::to_string(l.pids_limit));
  }
  if (auto ports = o.optional("ports")) {
    for (auto& pn : ports->array()) {
      auto po = pn.object();
      PortRange r;
      auto ip = po.required("host_ip");
      r.host_ip = ip.str();
      // Loopback only: a rig runs untrusted builds and must not be reachable from the network.
      if (r.host_ip != "127.0.0.1" && r.host_ip != "::1") reject(ip, "a loopback address (127.0.0.1 or ::1)", r.host_ip);
      r.host_port = parse_port(po.required("host_port"));
      r.container_port = parse_port(po.required("container_port"));
      auto cnt = po.optional("count");
      r.count = cnt ? static_cast<uint32_t>(cnt->u64(1000)) : 1;
      if (r.count == 0) cnt->fail("expected at least 1 port");
      if (r.host_port + r.count - 1 > 65535 || r.container_port + r.count - 1 > 65535) pn.fail("port range ends past 65535");
      po.finish();
      l.ports.push_back(r);
    }
  }
  std::set<std::string> vol_names;
  if (auto vols = o.optional("volumes")) {
    for (auto& vn : vols->array()) {
      auto vo = vn.object();
      NamedVolume v;
      auto name = vo.required("name");
      v.name = ruled_str(name, is_plain_id, kVolumeNameRule);
      if (!vol_names.insert(v.name).second) name.fail("duplicate volume name " + show_value(v.name));
      v.target = normalized_path(vo.required("target"));
      vo.finish();
      l.volumes.push_back(v);
    }
  }
  std::set<std::string> ids;
  for (auto& fn : o.required("flags").array()) {
    auto f = parse_flag(fn);
    if (!ids.insert(f.id).second) fn.fail("duplicate flag id " + show_value(f.id));
    l.flags.push_back(std::move(f));
  }
  if (auto hs = o.optional("hardening")) {
    for (auto& hn : hs->array()) {
      auto h = parse_hardening(hn);
      if (!ids.insert(h.id).second) hn.fail("duplicate id " + show_value(h.id) + " (flag and hardening ids share one namespace)");
      if (h.kind == "volume" && !vol_names.count(h.name)) hn.fail(show_value(h.name) + " is not one of launch.volumes");
      l.hardening.push_back(std::move(h));
    }
  }
  if (auto cn = o.optional("capabilities")) l.capabilities = parse_capabilities(*cn, ids);
  if (auto in = o.optional("inner")) {
    auto io = in->object();
    if (auto en = io.optional("engine")) {
      l.inner_engine = en->str();
      if (std::find(kInnerEngines.begin(), kInnerEngines.end(), l.inner_engine) == kInnerEngines.end())
        reject(*en, "an inner engine: podman or docker", l.inner_engine);
    }
    if (auto api = io.optional("docker_api")) {
      l.docker_api = api->boolean();
      // dockerd's own socket is the Docker API; it cannot be switched off.
      if (l.inner_engine == "docker" && !l.docker_api) api->fail("a Docker rig always serves dockerd's own API socket: leave docker_api out or true");
    }
    if (l.inner_engine == "docker") l.docker_api = true;
    if (auto nets = io.optional("networks")) {
      // rootlesskit gives dockerd its network (slirp4netns, fixed in the entrypoint): nothing to choose per run.
      if (l.inner_engine == "docker" && nets->raw() != json::array({"slirp4netns"}))
        nets->fail("the docker inner engine's network is rootlesskit's slirp4netns, set by the image's entrypoint: expected [\"slirp4netns\"]");
      for (auto& nn : nets->array()) {
        auto net = nn.str();
        if (!kInnerNetworks.count(net)) reject(*nets, "network backends pasta or slirp4netns", net);
        l.inner_networks.push_back(net);
      }
    }
    if (auto st = io.optional("storage")) {
      std::set<std::string> seen;
      for (auto& sn : st->array()) {
        auto so = sn.object();
        InnerStorage is;
        is.id = parse_item_id(so);
        if (!seen.insert(is.id).second) sn.fail("duplicate inner storage id " + show_value(is.id));
        if (auto env = so.optional("env")) {
          is.env = read_map(
              *env,
              [&](const std::string& k) {
                if (!is_env_name(k)) env->fail(show_value(k) + " is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
              },
              value_str);
        }
        so.finish();
        l.inner_storage.push_back(std::move(is));
      }
    }
    io.finish();
  }
  if (l.inner_storage.empty()) l.inner_storage.push_back({"overlay", {}});
  if (l.inner_engine == "docker") l.inner_networks = {"slirp4netns"};
  if (l.inner_engine == "docker" && (l.inner_storage.size() != 1 || l.inner_storage.front().id != "overlay" || !l.inner_storage.front().env.empty()))
    throw JsonFieldError{"launch.inner.storage", "the docker inner engine keeps its images with overlay2 on the store volume: expected only [{\"id\": \"overlay\"}]"};
  // Every expected failure names a check the rig's chain has: podman-info is not in a Docker rig's.
  auto check_engine = [&](const std::string& path, const std::string& check) {
    auto owner = smoke_check_engine(check);
    if (!owner.empty() && owner != l.inner_engine)
      throw JsonFieldError{path, show_value(check) + " is a check of the " + std::string(owner) + " rig's chain; this rig's inner engine is " +
                                     l.inner_engine};
  };
  for (size_t i = 0; i < l.flags.size(); ++i) check_engine("launch.flags[" + std::to_string(i) + "].expect.check", l.flags[i].expect_check);
  for (size_t i = 0; i < l.hardening.size(); ++i)
    check_engine("launch.hardening[" + std::to_string(i) + "].expect.check", l.hardening[i].expect_check);
  if (l.capabilities)
    for (size_t i = 0; i < l.capabilities->keep.size(); ++i)
      check_engine("launch.capabilities.keep[" + std::to_string(i) + "].expect.check", l.capabilities->keep[i].expect_check);
  // A delegation needs the writable mount the cgroups flag asks for: alone it could only fail.
  const bool cgroups_flag = std::any_of(l.flags.begin(), l.flags.end(), [](const LaunchFlag& f) { return f.effect_kind == "cgroups"; });
  for (size_t i = 0; i < l.hardening.size(); ++i)
    if (l.hardening[i].kind == "cgroup_delegation" && !cgroups_flag)
      throw JsonFieldError{"launch.hardening[" + std::to_string(i) + "].ablate.kind",
                           "cgroup_delegation needs a flag with effect {\"kind\": \"cgroups\", \"value\": \"writable\"}"};
  for (size_t i = 0; i < l.flags.size(); ++i) {
    auto& req = l.flags[i].requires_host;
    // A Docker rig shares the profile's flags but has only overlay2: its fuse flag never applies
    // ("only with inner storage fuse-overlayfs") rather than being an error.
    if (req.starts_with("inner-storage:") && !l.find_storage(req.substr(14)) && l.inner_engine == "podman")
      throw JsonFieldError{"launch.flags[" + std::to_string(i) + "].requires",
                           show_value(req.substr(14)) + " is not one of launch.inner.storage"};
  }
  o.finish();
  return l;
}

// host.init goes onto the kernel command line as init=PATH: a space would end it and start another
// argument, so it is a plain path.
bool is_plain_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
         c == '+' || c == '-';
}

// One kernel argument: key or key=value, from kKernelArgs; values one word of a safe charset.
void check_kernel_arg(const JsonNode& n, const std::string& a) {
  auto key_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'; };
  auto value_char = [](char c) { return is_plain_path_char(c) || c == ',' || c == ':'; };
  auto eq = a.find('=');
  std::string key = a.substr(0, eq);
  if (a.empty() || a.size() > 256 || key.empty() || !std::all_of(key.begin(), key.end(), key_char) ||
      (eq != std::string::npos && !std::all_of(a.begin() + eq + 1, a.end(), value_char)))
    reject(n, "one kernel argument, key or key=value ([a-z0-9_.-] keys; letters, digits and _ . / + - , : in values)", a);
  for (auto* owned : kRigctlKernelArgs)
    if (key == owned) n.fail(show_value(key + (eq == std::string::npos ? "" : "=")) + " is set by rigctl");
  if (key.starts_with("sysctl.")) n.fail(show_value(a) + ": put sysctls in host.sysctls");
  auto known = std::find_if(std::begin(kKernelArgs), std::end(kKernelArgs), [&](const KernelArg& k) { return key == k.key; });
  if (known == std::end(kKernelArgs)) {
    std::string keys;
    for (auto& k : kKernelArgs) keys += std::string(keys.empty() ? "" : ", ") + k.key;
    n.fail(show_value(a) + " is not a kernel argument a host recipe may set (" + keys +
           "): the kernel hands arguments it does not know to the init");
  }
  if (known->takes_value != (eq != std::string::npos))
    n.fail(show_value(a) + (known->takes_value ? " needs a value (" + key + "=...)" : " takes no value"));
}

HostSection parse_host(JsonNode n, const std::vector<FileEntry>& files) {
  HostSection h;
  auto o = n.object();
  auto init = o.required("init");
  h.init = normalized_path(init);
  if (!std::all_of(h.init.begin(), h.init.end(), is_plain_path_char))
    reject(init, "a plain path ([A-Za-z0-9_./+-]: it is the kernel's init= argument)", h.init);
  // The kernel execs it before anything else runs: it has to be in the image and executable.
  auto f = std::find_if(files.begin(), files.end(), [&](const FileEntry& e) { return e.path == h.init; });
  if (f == files.end()) init.fail(show_value(h.init) + " is not one of the recipe's \"files\"");
  if ((f->mode & 0111) == 0) init.fail(show_value(h.init) + " is not executable (give it a mode such as \"0755\")");
  if (auto c = o.optional("cmdline")) {
    for (auto& item : c->array()) {
      auto a = item.str();
      check_kernel_arg(item, a);
      h.cmdline.push_back(a);
    }
  }
  if (auto s = o.optional("sysctls")) {
    auto key_ok = [](const std::string& k) {
      // [a-z0-9_]+(\.[a-z0-9_-]+)+
      if (k.empty() || k.size() > 128 || k.front() == '.' || k.back() == '.' || k.find("..") != std::string::npos ||
          k.find('.') == std::string::npos)
        return false;
      auto dot = k.find('.');
      return std::all_of(k.begin(), k.begin() + dot, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }) &&
             std::all_of(k.begin() + dot, k.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'; });
    };
    h.sysctls = read_map(
        *s, [&](const std::string& k) { if (!key_ok(k)) s->fail(show_value(k) + " is not a sysctl name such as kernel.foo_bar"); },
        [](const JsonNode& v) {
          auto val = v.str();
          bool ok = !val.empty() && val.size() <= 256 && std::all_of(val.begin(), val.end(), [](char c) {
            return is_plain_path_char(c) || c == ',' || c == ':';
          });
          if (!ok) reject(v, "one word (letters, digits and _ . / + - , :)", val);
          return val;
        });
  }
  if (auto d = o.optional("disk_mb")) {
    h.disk_mb = d->u64(1 << 20);
    if (h.disk_mb < 1024) d->fail("expected at least 1024 (MB)");
  }
  if (auto m = o.optional("initramfs_modules")) {
    // Names as modules.dep spells them after normalisation (virtio_blk, not virtio-blk.ko.xz): the
    // initramfs writer matches them there, and a path or suffix would never match.
    std::set<std::string> seen;
    for (auto& item : m->array()) {
      auto mod = item.str();
      bool ok = !mod.empty() && mod.size() <= kMaxNameBytes &&
                std::all_of(mod.begin(), mod.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
      if (!ok) reject(item, "a module name such as virtio_blk (no path, no .ko, '_' not '-')", mod);
      if (!seen.insert(mod).second) item.fail(show_value(mod) + " is listed twice");
      h.initramfs_modules.push_back(mod);
    }
  }
  o.finish();
  return h;
}

Recipe parse_document(const json& doc, const fs::path& file) {
  Recipe r;
  JsonNode root(doc, "");
  auto o = root.object();
  auto schema = o.required("schema");
  if (schema.str() != kRecipeSchema) reject(schema, std::string("\"") + kRecipeSchema + "\"", schema.str());
  // The name becomes the tag rigctl/<name>:<arch>, part of container and volume names and of the
  // inner images' references inside the rig: one image name component, nothing a shell or the engine
  // would read as syntax.
  r.name = ruled_str(o.required("name"), is_image_name_component,
                     "an image name: lower-case letters and digits, separated by '.', '_', '__' or '-' (at most " +
                         std::to_string(kMaxRecipeNameBytes) + " characters)");
  if (auto d = o.optional("description")) r.description = text_str(*d, false);
  r.base = parse_base(o.required("base"));

  auto arches = o.required("architectures");
  for (auto& a : arches.array()) {
    auto arch = a.str();
    if (!is_known_arch(arch))
      a.fail("unknown architecture " + show_value(arch) + " (expected a Debian arch name such as amd64 or arm64)");
    r.architectures.push_back(arch);
  }
  if (r.architectures.empty()) arches.fail("expected at least one architecture");

  if (auto p = o.optional("packages"))
    for (auto& pn : p->array()) r.packages.push_back(ruled_str(pn, is_debian_package, kPackageRule));
  if (auto u = o.optional("user")) r.user = parse_user(*u);

  // One path may be created by exactly one directory, file or link entry.
  std::map<std::string, std::string> claimed;
  auto claim = [&](const JsonNode& n, const std::string& path) {
    auto [it, fresh] = claimed.emplace(path, n.path());
    if (!fresh) n.fail("duplicate path " + show_value(path) + " (also at " + it->second + ")");
  };

  if (auto caps = o.optional("file_capabilities")) {
    std::set<std::string> seen;
    for (auto& cn : caps->array()) {
      auto co = cn.object();
      FileCapability fc;
      auto pathn = co.required("path");
      fc.path = normalized_path(pathn);
      if (!seen.insert(fc.path).second) pathn.fail("duplicate path " + show_value(fc.path));
      auto text = co.required("caps");
      fc.text = text.nonempty_str();
      if (fc.text.size() > kMaxTextBytes || has_control_char(fc.text))
        reject(text, "capability text such as \"cap_setuid=ep\" (one line)", fc.text);
      auto parsed = parse_capability_text(fc.text);
      if (!parsed) text.fail("not a valid capability text: " + parsed.error().message());
      fc.xattr = vfs_cap_xattr(*parsed);
      co.finish();
      r.file_capabilities.push_back(fc);
    }
  }
  if (auto dirs = o.optional("directories")) {
    for (auto& dn : dirs->array()) {
      auto dobj = dn.object();
      Directory d;
      auto pathn = dobj.required("path");
      d.path = normalized_path(pathn);
      claim(pathn, d.path);
      d.owner = parse_owner(dobj.required("owner"), r.user);
      if (auto m = dobj.optional("mode")) d.mode = parse_mode(*m);
      dobj.finish();
      r.directories.push_back(d);
    }
  }
  if (auto files = o.optional("files")) {
    for (auto& fnode : files->array()) {
      auto fo = fnode.object();
      FileEntry f;
      auto pathn = fo.required("path");
      f.path = normalized_path(pathn);
      claim(pathn, f.path);
      auto content = fo.optional("content");
      auto source = fo.optional("source");
      if (content.has_value() == source.has_value()) fnode.fail("expected exactly one of \"content\" or \"source\"");
      if (content) {
        f.content = content->str();
      } else {
        f.source = source->str();
        f.content = read_source(*source, file);
      }
      f.owner = fo.optional("owner") ? parse_owner(fo.required("owner"), r.user) : Owner{0, 0};
      if (auto m = fo.optional("mode")) f.mode = parse_mode(*m);
      fo.finish();
      r.files.push_back(std::move(f));
    }
  }
  if (auto links = o.optional("links")) {
    for (auto& ln : links->array()) {
      auto lo = ln.object();
      Link l;
      auto pathn = lo.required("path");
      l.path = normalized_path(pathn);
      claim(pathn, l.path);
      auto target = lo.required("target");
      l.target = target.nonempty_str();
      if (l.target.size() > kMaxPathBytes || has_control_char(l.target))
        reject(target, "a link target without control characters, at most " + std::to_string(kMaxPathBytes) + " bytes", l.target);
      lo.finish();
      r.links.push_back(l);
    }
  }
  for (size_t i = 0; i < r.file_capabilities.size(); ++i)
    if (auto it = claimed.find(r.file_capabilities[i].path); it != claimed.end())
      throw JsonFieldError{"file_capabilities[" + std::to_string(i) + "].path",
                           show_value(r.file_capabilities[i].path) + " is also created by " + it->second +
                               " (capabilities apply to a file of the base)"};
  // The recipe layer writes the account databases from the base plus the user: a file entry for one
  // of them would silently drop the user (or the base's accounts).
  if (r.user)
    for (auto* acct : kAccountFiles)
      if (auto it = claimed.find(acct); it != claimed.end())
        throw JsonFieldError{it->second, std::string("'") + acct + "' is written from \"user\"; remove this entry or the user"};
  if (auto env = o.optional("env")) {
    r.env = read_map(
        *env,
        [&](const std::string& k) {
          if (!is_env_name(k)) env->fail(show_value(k) + " is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        },
        value_str);
  }
  if (auto w = o.optional("workdir")) r.workdir = normalized_path(*w, /*allow_root=*/true);
  if (auto u = o.optional("config_user"))
    r.config_user = ruled_str(*u, is_config_user, "a user for the image config: NAME or UID, optionally :GROUP or :GID");
  else if (r.user)
    r.config_user = std::to_string(r.user->uid) + ":" + std::to_string(r.user->gid);
  if (auto e = o.optional("entrypoint")) r.entrypoint = value_list(*e);
  if (auto c = o.optional("cmd")) r.cmd = value_list(*c);
  if (auto v = o.optional("volumes")) {
    std::set<std::string> seen;
    for (auto& vn : v->array()) {
      auto p = normalized_path(vn);
      if (!seen.insert(p).second) vn.fail("duplicate volume " + show_value(p));
      r.volumes.push_back(p);
    }
  }
  if (auto l = o.optional("labels")) {
    r.labels = read_map(
        *l,
        [&](const std::string& k) {
          if (k.empty() || k.size() > 255 || has_control_char(k))
            l->fail(show_value(k) + " is not a label key (1 to 255 bytes, no control characters)");
        },
        value_str);
  }
  if (auto l = o.optional("launch")) {
    const json launch = resolve_launch(*l, file);
    const bool shared = l->raw().is_object() && l->raw().contains("profile");
    r.launch = parse_launch(JsonNode(launch, shared ? l->path() + " (with its profile)" : l->path()));
    r.launch->resolved_json = launch.dump();
    for (size_t i = 0; i < r.launch->hardening.size(); ++i) {
      auto& h = r.launch->hardening[i];
      std::string at = "launch.hardening[" + std::to_string(i) + "].ablate.path";
      if (h.kind == "file_line") {
        auto f = std::find_if(r.files.begin(), r.files.end(), [&](const FileEntry& e) { return e.path == h.path; });
        if (f == r.files.end()) throw JsonFieldError{at, show_value(h.path) + " is not one of the recipe's \"files\""};
        if (f->content.find(h.line) == std::string::npos)
          throw JsonFieldError{at, show_value(h.path) + " has no line " + show_value(h.line)};
      }
      if (h.kind == "directory" &&
          std::none_of(r.directories.begin(), r.directories.end(), [&](const Directory& d) { return d.path == h.path; }))
        throw JsonFieldError{at, show_value(h.path) + " is not one of the recipe's \"directories\""};
    }
    for (size_t i = 0; i < r.launch->volumes.size(); ++i) {
      auto& t = r.launch->volumes[i].target;
      if (std::find(r.volumes.begin(), r.volumes.end(), t) == r.volumes.end())
        throw JsonFieldError{"launch.volumes[" + std::to_string(i) + "].target",
                             show_value(t) + " is not one of the recipe's declared \"volumes\""};
    }
  }
  if (auto h = o.optional("host")) {
    r.host = parse_host(*h, r.files);
    // A VM boots one architecture: its kernel, its initramfs and its qemu binary all follow it.
    if (r.architectures.size() != 1)
      throw JsonFieldError{"architectures", "a host recipe lists exactly one architecture (the VM's), got " +
                                                std::to_string(r.architectures.size())};
  }
  o.finish();
  return r;
}

}  // namespace

Result<Recipe> parse_recipe(const std::string& text, const std::filesystem::path& file) {
  const std::string ctx = "load recipe " + show_value(file.string(), kMaxPathBytes);
  auto doc = parse_json_document(text);
  if (!doc) return std::move(doc).error().add_context(ctx);
  try {
    Recipe r = parse_document(*doc, file);
    r.file = file;
    r.text = text;
    return r;
  } catch (const JsonFieldError& e) {
    return usage_error(e.message).add_context(e.path.empty() ? "(top level)" : e.path).add_context(ctx);
  }
}

Result<Recipe> load_recipe(const std::filesystem::path& file) {
  // A regular file of bounded size: /dev/zero or a FIFO named as a recipe must not stall or exhaust rigctl.
  auto text = read_json_text(file.string());
  if (!text) return std::move(text).error().add_context("load recipe " + show_value(file.string(), kMaxPathBytes));
  return parse_recipe(*text, file);
}

uint64_t Capabilities::keep_mask() const {
  uint64_t m = 0;
  for (auto& k : keep)
    if (int bit = capability_bit(k.name); bit >= 0) m |= uint64_t{1} << bit;
  return m;
}

const InnerStorage* Launch::find_storage(const std::string& id) const {
  if (id.empty()) return inner_storage.empty() ? nullptr : &inner_storage.front();
  for (auto& s : inner_storage)
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace rig
