#include "builder/recipe.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "builder/capability.hpp"
#include "core/arch.hpp"
#include "core/fs.hpp"

namespace rig {

namespace {

const std::set<std::string> kDistros = {"debian", "ubuntu"};
const std::set<std::string> kVariants = {"extract", "custom", "essential", "apt", "required", "minbase", "buildd", "important", "standard"};
const std::set<std::string> kEffects = {"device", "seccomp", "apparmor", "systempaths"};
const std::set<std::string> kEngines = {"docker", "podman"};
const std::set<std::string> kInnerNetworks = {"pasta", "slirp4netns"};
const std::set<std::string> kRestart = {"no", "always", "unless-stopped", "on-failure"};
constexpr uint64_t kMaxId = 4294967294ULL;  // (uid_t)-1 is not a valid id

std::string normalized_path(const JsonNode& n) {
  auto p = n.nonempty_str();
  if (p[0] != '/') n.fail("expected an absolute path, got '" + p + "'");
  if (p.size() > 1 && p.back() == '/') n.fail("expected a path without a trailing '/', got '" + p + "'");
  if (p.find("//") != std::string::npos || p.find("/./") != std::string::npos || p.find("/../") != std::string::npos ||
      p.ends_with("/..") || p.ends_with("/."))
    n.fail("expected a normalized path (no '.', '..' or '//' parts), got '" + p + "'");
  return p;
}

uint32_t parse_mode(const JsonNode& n) {
  auto s = n.str();
  static const std::regex octal("^0?[0-7]{3,4}$");
  if (!std::regex_match(s, octal)) n.fail("expected an octal mode string such as \"0755\", got '" + s + "'");
  return static_cast<uint32_t>(std::stoul(s, nullptr, 8));
}

Owner parse_owner(const JsonNode& n, const std::optional<User>& user) {
  auto s = n.str();
  if (s == "root") return {0, 0};
  if (s == "user") {
    if (!user) n.fail("\"user\" names the recipe's user, but the recipe has no \"user\"");
    return {user->uid, user->gid};
  }
  static const std::regex pair("^([0-9]+):([0-9]+)$");
  std::smatch m;
  if (!std::regex_match(s, m, pair)) n.fail("expected \"root\", \"user\" or \"UID:GID\", got '" + s + "'");
  // More than 10 digits cannot be a valid id (and would overflow stoull).
  if (m[1].length() > 10 || m[2].length() > 10) n.fail("uid/gid out of range in '" + s + "'");
  auto uid = std::stoull(m[1]), gid = std::stoull(m[2]);
  if (uid > kMaxId || gid > kMaxId) n.fail("uid/gid out of range in '" + s + "'");
  return {static_cast<uint32_t>(uid), static_cast<uint32_t>(gid)};
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

User parse_user(JsonNode n) {
  auto o = n.object();
  User u;
  auto name = o.required("name");
  u.name = name.nonempty_str();
  static const std::regex user_re("^[a-z_][a-z0-9_-]{0,31}$");
  if (!std::regex_match(u.name, user_re)) name.fail("expected a POSIX user name ([a-z_][a-z0-9_-]*), got '" + u.name + "'");
  auto uid = o.required("uid");
  u.uid = static_cast<uint32_t>(uid.u64(kMaxId));
  if (u.uid == 0) uid.fail("the rig user must not be root (uid 0)");
  u.gid = static_cast<uint32_t>(o.required("gid").u64(kMaxId));
  u.home = normalized_path(o.required("home"));
  u.shell = normalized_path(o.required("shell"));
  u.subuid = parse_range(o.required("subuid"), u.uid, "subuid");
  u.subgid = parse_range(o.required("subgid"), u.gid, "subgid");
  o.finish();
  return u;
}

Base parse_base(JsonNode n) {
  auto o = n.object();
  Base b;
  auto distro = o.required("distro");
  b.distro = distro.str();
  if (!kDistros.count(b.distro)) distro.fail("expected \"debian\" or \"ubuntu\", got '" + b.distro + "'");
  b.suite = o.required("suite").nonempty_str();
  b.components = o.optional("components") ? o.required("components").str_list() : std::vector<std::string>{"main"};
  if (b.components.empty()) o.required("components").fail("expected at least one component");
  auto variant = o.optional("variant");
  b.variant = variant ? variant->str() : "apt";
  if (!kVariants.count(b.variant)) variant->fail("expected an mmdebstrap variant (extract, minbase, apt, ...), got '" + b.variant + "'");
  auto mirror = o.optional("mirror");
  b.mirror = mirror ? mirror->nonempty_str() : b.distro;
  if (b.mirror.find("://") != std::string::npos || b.mirror.find('/') != std::string::npos)
    mirror->fail("expected a mirror name such as \"debian\" (resolved from --mirror, RIGCTL_MIRROR_<NAME> or the host's apt sources), not a URL");
  if (auto k = o.optional("keyring")) {
    auto ko = k->object();
    KeyringSource ks;
    ks.package = ko.required("package").nonempty_str();
    auto kd = ko.required("distro");
    ks.distro = kd.str();
    if (ks.distro != "debian") kd.fail("keyrings can only be fetched through Debian's archive (its key is on the host)");
    ks.suite = ko.required("suite").nonempty_str();
    ks.path = normalized_path(ko.required("path"));
    ko.finish();
    b.keyring = ks;
  }
  if (auto s = o.optional("strip")) b.strip = s->str_list();
  if (auto rec = o.optional("recommends")) b.recommends = rec->boolean();
  o.finish();
  return b;
}

// Flag and hardening ids name items on the command line (--without, --only): keep them plain.
std::string parse_item_id(JsonObject& o) {
  auto id = o.required("id");
  auto s = id.nonempty_str();
  static const std::regex id_re("^[a-z0-9][a-z0-9-]*$");
  if (!std::regex_match(s, id_re)) id.fail("expected a lower-case id ([a-z0-9-]), got '" + s + "'");
  return s;
}

LaunchFlag parse_flag(JsonNode n) {
  auto o = n.object();
  LaunchFlag f;
  f.id = parse_item_id(o);
  f.option = o.required("option").nonempty_str();
  f.what = o.required("what").nonempty_str();
  f.why = o.required("why").nonempty_str();
  auto eff = o.required("effect").object();
  auto kind = eff.required("kind");
  f.effect_kind = kind.str();
  if (!kEffects.count(f.effect_kind)) kind.fail("expected one of device, seccomp, apparmor, systempaths, got '" + f.effect_kind + "'");
  auto value = eff.required("value");
  f.effect_value = value.nonempty_str();
  if (f.effect_kind == "device" && f.effect_value[0] != '/') value.fail("expected a device path");
  if (f.effect_kind == "seccomp" && f.effect_value != "tailored" && f.effect_value != "unconfined")
    value.fail("expected \"tailored\" (the generated profile); \"unconfined\" is allowed but weaker");
  if ((f.effect_kind == "apparmor" || f.effect_kind == "systempaths") && f.effect_value != "unconfined" && f.effect_value != "tailored")
    value.fail("expected \"unconfined\" or \"tailored\"");
  eff.finish();
  if (auto e = o.optional("engines")) {
    f.engines = e->str_list();
    for (auto& en : f.engines)
      if (!kEngines.count(en)) e->fail("expected engine names docker or podman, got '" + en + "'");
  } else {
    f.engines = {"docker", "podman"};
  }
  if (auto r = o.optional("requires")) {
    f.requires_host = r->nonempty_str();
    if (f.requires_host != "apparmor" && f.requires_host.rfind("inner-storage:", 0) != 0)
      r->fail("expected \"apparmor\" or \"inner-storage:<id>\", got '" + f.requires_host + "'");
  }
  auto ex = o.required("expect").object();
  f.expect_check = ex.required("check").nonempty_str();
  f.expect_signature = ex.required("signature").nonempty_str();
  ex.finish();
  o.finish();
  return f;
}

Hardening parse_hardening(JsonNode n) {
  auto o = n.object();
  Hardening h;
  h.id = parse_item_id(o);
  h.what = o.required("what").nonempty_str();
  h.why = o.required("why").nonempty_str();
  auto ab = o.required("ablate").object();
  auto kind = ab.required("kind");
  h.kind = kind.str();
  if (h.kind == "file_line") {
    h.path = normalized_path(ab.required("path"));
    h.line = ab.required("line").nonempty_str();
  } else if (h.kind == "directory") {
    h.path = normalized_path(ab.required("path"));
  } else if (h.kind == "volume") {
    h.name = ab.required("name").nonempty_str();
  } else if (h.kind == "env") {
    h.name = ab.required("name").nonempty_str();
    h.value = ab.required("value").str();
  } else if (h.kind != "file_capabilities" && h.kind != "init") {
    kind.fail("expected one of file_capabilities, file_line, directory, volume, env, init, got '" + h.kind + "'");
  }
  ab.finish();
  auto ex = o.required("expect").object();
  h.expect_check = ex.required("check").nonempty_str();
  h.expect_signature = ex.required("signature").nonempty_str();
  ex.finish();
  o.finish();
  return h;
}

Launch parse_launch(JsonNode n) {
  auto o = n.object();
  Launch l;
  if (auto i = o.optional("init")) l.init = i->boolean();
  auto restart = o.optional("restart");
  l.restart = restart ? restart->str() : "unless-stopped";
  if (!kRestart.count(l.restart)) restart->fail("expected no, always, unless-stopped or on-failure");
  if (auto m = o.optional("memory_mb")) l.memory_mb = m->u64();
  if (auto c = o.optional("cpus")) {
    l.cpus = c->number();
    if (l.cpus < 0) c->fail("expected a non-negative number of CPUs");
  }
  if (auto p = o.optional("pids_limit")) l.pids_limit = p->u64();
  if (auto ports = o.optional("ports")) {
    for (auto& pn : ports->array()) {
      auto po = pn.object();
      PortRange r;
      auto ip = po.required("host_ip");
      r.host_ip = ip.str();
      // Loopback only: a rig runs untrusted builds and must not be reachable from the network.
      if (r.host_ip != "127.0.0.1" && r.host_ip != "::1") ip.fail("expected a loopback address (127.0.0.1 or ::1), got '" + r.host_ip + "'");
      r.host_port = static_cast<uint32_t>(po.required("host_port").u64(65535));
      r.container_port = static_cast<uint32_t>(po.required("container_port").u64(65535));
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
      v.name = name.nonempty_str();
      if (!vol_names.insert(v.name).second) name.fail("duplicate volume name '" + v.name + "'");
      v.target = normalized_path(vo.required("target"));
      vo.finish();
      l.volumes.push_back(v);
    }
  }
  std::set<std::string> ids;
  for (auto& fn : o.required("flags").array()) {
    auto f = parse_flag(fn);
    if (!ids.insert(f.id).second) fn.fail("duplicate flag id '" + f.id + "'");
    l.flags.push_back(std::move(f));
  }
  if (auto hs = o.optional("hardening")) {
    for (auto& hn : hs->array()) {
      auto h = parse_hardening(hn);
      if (!ids.insert(h.id).second) hn.fail("duplicate id '" + h.id + "' (flag and hardening ids share one namespace)");
      if (h.kind == "volume" && !vol_names.count(h.name)) hn.fail("'" + h.name + "' is not one of launch.volumes");
      l.hardening.push_back(std::move(h));
    }
  }
  if (auto in = o.optional("inner")) {
    auto io = in->object();
    if (auto nets = io.optional("networks")) {
      l.inner_networks = nets->str_list();
      for (auto& net : l.inner_networks)
        if (!kInnerNetworks.count(net)) nets->fail("expected network backends pasta or slirp4netns, got '" + net + "'");
    }
    if (auto st = io.optional("storage")) {
      std::set<std::string> seen;
      for (auto& sn : st->array()) {
        auto so = sn.object();
        InnerStorage is;
        is.id = parse_item_id(so);
        if (!seen.insert(is.id).second) sn.fail("duplicate inner storage id '" + is.id + "'");
        if (auto env = so.optional("env")) is.env = env->str_map();
        so.finish();
        l.inner_storage.push_back(std::move(is));
      }
    }
    io.finish();
  }
  if (l.inner_storage.empty()) l.inner_storage.push_back({"overlay", {}});
  for (size_t i = 0; i < l.flags.size(); ++i) {
    auto& req = l.flags[i].requires_host;
    if (req.rfind("inner-storage:", 0) == 0 && !l.find_storage(req.substr(14)))
      throw JsonFieldError{"launch.flags[" + std::to_string(i) + "].requires",
                           "'" + req.substr(14) + "' is not one of launch.inner.storage"};
  }
  o.finish();
  return l;
}

HostSection parse_host(JsonNode n, const std::vector<FileEntry>& files) {
  HostSection h;
  auto o = n.object();
  auto init = o.required("init");
  h.init = normalized_path(init);
  // The kernel execs it before anything else runs: it has to be in the image and executable.
  auto f = std::find_if(files.begin(), files.end(), [&](const FileEntry& e) { return e.path == h.init; });
  if (f == files.end()) init.fail("'" + h.init + "' is not one of the recipe's \"files\"");
  if ((f->mode & 0111) == 0) init.fail("'" + h.init + "' is not executable (give it a mode such as \"0755\")");
  if (auto c = o.optional("cmdline")) {
    h.cmdline = c->str_list();
    auto items = c->array();
    for (size_t i = 0; i < h.cmdline.size(); ++i) {
      const auto& a = h.cmdline[i];
      // rigctl owns these: the root device, init, console and panic behaviour decide whether it can
      // see the VM boot and stop at all.
      for (auto* owned : {"root=", "init=", "console=", "panic="})
        if (a.starts_with(owned)) items[i].fail(std::string("'") + owned + "' is set by rigctl");
      if (a.empty() || a.find_first_of(" \t\n\"") != std::string::npos) items[i].fail("expected one kernel argument without spaces or quotes");
    }
  }
  if (auto s = o.optional("sysctls")) {
    h.sysctls = s->str_map();
    static const std::regex key_re("^[a-z0-9_]+(\\.[a-z0-9_-]+)+$");
    static const std::regex val_re("^[A-Za-z0-9_.:,/-]+$");
    for (auto& [k, v] : h.sysctls) {
      if (!std::regex_match(k, key_re)) s->fail("'" + k + "' is not a sysctl name such as kernel.foo_bar");
      if (!std::regex_match(v, val_re)) s->fail("value '" + v + "' of '" + k + "' must be one word (no spaces)");
    }
  }
  if (auto d = o.optional("disk_mb")) {
    h.disk_mb = d->u64(1 << 20);
    if (h.disk_mb < 1024) d->fail("expected at least 1024 (MB)");
  }
  if (auto m = o.optional("initramfs_modules")) {
    h.initramfs_modules = m->str_list();
    auto items = m->array();
    // Names as modules.dep spells them after normalisation (virtio_blk, not virtio-blk.ko.xz): the
    // initramfs writer matches them there, and a path or suffix would never match.
    static const std::regex name_re("^[a-z0-9_]+$");
    std::set<std::string> seen;
    for (size_t i = 0; i < h.initramfs_modules.size(); ++i) {
      const auto& mod = h.initramfs_modules[i];
      if (!std::regex_match(mod, name_re)) items[i].fail("expected a module name such as virtio_blk (no path, no .ko, '_' not '-'), got '" + mod + "'");
      if (!seen.insert(mod).second) items[i].fail("'" + mod + "' is listed twice");
    }
  }
  o.finish();
  return h;
}

Recipe parse_document(const json& doc, const std::filesystem::path& file) {
  Recipe r;
  JsonNode root(doc, "");
  auto o = root.object();
  auto schema = o.required("schema");
  if (schema.str() != kRecipeSchema) schema.fail(std::string("expected \"") + kRecipeSchema + "\", got '" + schema.str() + "'");
  r.name = o.required("name").nonempty_str();
  if (auto d = o.optional("description")) r.description = d->str();
  r.base = parse_base(o.required("base"));

  auto arches = o.required("architectures");
  r.architectures = arches.str_list();
  if (r.architectures.empty()) arches.fail("expected at least one architecture");
  for (size_t i = 0; i < r.architectures.size(); ++i)
    if (!is_known_arch(r.architectures[i]))
      arches.array()[i].fail("unknown architecture '" + r.architectures[i] + "' (expected a Debian arch name such as amd64 or arm64)");

  if (auto p = o.optional("packages")) {
    static const std::regex pkg_re("^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?$");
    for (auto& pn : p->array()) {
      auto name = pn.str();
      if (!std::regex_match(name, pkg_re)) pn.fail("expected a Debian package name, got '" + name + "'");
      r.packages.push_back(name);
    }
  }
  if (auto u = o.optional("user")) r.user = parse_user(*u);

  // One path may be created by exactly one directory, file or link entry.
  std::map<std::string, std::string> claimed;
  auto claim = [&](const JsonNode& n, const std::string& path) {
    auto [it, fresh] = claimed.emplace(path, n.path());
    if (!fresh) n.fail("duplicate path '" + path + "' (also at " + it->second + ")");
  };

  if (auto caps = o.optional("file_capabilities")) {
    std::set<std::string> seen;
    for (auto& cn : caps->array()) {
      auto co = cn.object();
      FileCapability fc;
      auto pathn = co.required("path");
      fc.path = normalized_path(pathn);
      if (!seen.insert(fc.path).second) pathn.fail("duplicate path '" + fc.path + "'");
      auto text = co.required("caps");
      fc.text = text.nonempty_str();
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
        f.source = source->nonempty_str();
        auto src = file.parent_path() / f.source;
        auto data = read_file(src);
        if (!data) source->fail("cannot read '" + src.string() + "' (sources are relative to the recipe)");
        f.content = std::move(*data);
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
      l.target = lo.required("target").nonempty_str();
      lo.finish();
      r.links.push_back(l);
    }
  }
  for (size_t i = 0; i < r.file_capabilities.size(); ++i)
    if (auto it = claimed.find(r.file_capabilities[i].path); it != claimed.end())
      throw JsonFieldError{"file_capabilities[" + std::to_string(i) + "].path",
                           "'" + r.file_capabilities[i].path + "' is also created by " + it->second +
                               " (capabilities apply to a file of the base)"};
  // The recipe layer writes the account databases from the base plus the user: a file entry for one
  // of them would silently drop the user (or the base's accounts).
  if (r.user)
    for (auto* acct : {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid"})
      if (auto it = claimed.find(acct); it != claimed.end())
        throw JsonFieldError{it->second, std::string("'") + acct + "' is written from \"user\"; remove this entry or the user"};
  if (auto env = o.optional("env")) {
    r.env = env->str_map();
    static const std::regex env_re("^[A-Za-z_][A-Za-z0-9_]*$");
    for (auto& [k, v] : r.env)
      if (!std::regex_match(k, env_re)) env->fail("'" + k + "' is not a valid environment variable name");
  }
  if (auto w = o.optional("workdir")) r.workdir = normalized_path(*w);
  if (auto u = o.optional("config_user")) r.config_user = u->nonempty_str();
  else if (r.user) r.config_user = std::to_string(r.user->uid) + ":" + std::to_string(r.user->gid);
  if (auto e = o.optional("entrypoint")) r.entrypoint = e->str_list();
  if (auto c = o.optional("cmd")) r.cmd = c->str_list();
  if (auto v = o.optional("volumes")) {
    std::set<std::string> seen;
    for (auto& vn : v->array()) {
      auto p = normalized_path(vn);
      if (!seen.insert(p).second) vn.fail("duplicate volume '" + p + "'");
      r.volumes.push_back(p);
    }
  }
  if (auto l = o.optional("labels")) r.labels = l->str_map();
  if (auto l = o.optional("launch")) {
    r.launch = parse_launch(*l);
    for (size_t i = 0; i < r.launch->hardening.size(); ++i) {
      auto& h = r.launch->hardening[i];
      std::string at = "launch.hardening[" + std::to_string(i) + "].ablate.path";
      if (h.kind == "file_line") {
        auto f = std::find_if(r.files.begin(), r.files.end(), [&](const FileEntry& e) { return e.path == h.path; });
        if (f == r.files.end()) throw JsonFieldError{at, "'" + h.path + "' is not one of the recipe's \"files\""};
        if (f->content.find(h.line) == std::string::npos)
          throw JsonFieldError{at, "'" + h.path + "' has no line '" + h.line + "'"};
      }
      if (h.kind == "directory" &&
          std::none_of(r.directories.begin(), r.directories.end(), [&](const Directory& d) { return d.path == h.path; }))
        throw JsonFieldError{at, "'" + h.path + "' is not one of the recipe's \"directories\""};
    }
    for (size_t i = 0; i < r.launch->volumes.size(); ++i) {
      auto& t = r.launch->volumes[i].target;
      if (std::find(r.volumes.begin(), r.volumes.end(), t) == r.volumes.end())
        throw JsonFieldError{"launch.volumes[" + std::to_string(i) + "].target",
                             "'" + t + "' is not one of the recipe's declared \"volumes\""};
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
  const std::string ctx = "load recipe '" + file.string() + "'";
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
  if (!text) return std::move(text).error().add_context("load recipe '" + file.string() + "'");
  return parse_recipe(*text, file);
}

const InnerStorage* Launch::find_storage(const std::string& id) const {
  if (id.empty()) return inner_storage.empty() ? nullptr : &inner_storage.front();
  for (auto& s : inner_storage)
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace rig
