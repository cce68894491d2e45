#include "support/catch.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "builder/recipe.hpp"
#include "cli/option_checks.hpp"
#include "engine/lxc_runtime.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/lxc_rig.hpp"
#include "support/fake_runner.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_lxc_rig {

namespace {

rig::Recipe trixie() {
  auto r = rig::load_recipe(rigtest::test_data_dir() / ".." / "recipes" / "debian-trixie.json");
  REQUIRE(r.ok());
  return r.value();
}

rig::LaunchSpec lxc_spec() {
  rig::LaunchSettings s;
  s.image = "/var/lib/rigctl/lxc/.images/abc-1000000/rootfs";
  s.name = "rig-x";
  s.run_id = "run1";
  s.engine_kind = "lxc";
  s.host = {false, 2, "1", false};
  auto spec = rig::make_launch_spec(trixie(), s);
  REQUIRE(spec.ok());
  return spec.value();
}

rig::LxcPlacement placement(const rig::LaunchSpec& spec) {
  rig::LxcPlacement p;
  p.lxc_path = "/var/lib/rigctl/lxc";
  p.name = "rig-x";
  p.rootfs = "/var/lib/rigctl/lxc/rig-x/rootfs";
  p.idmap = {1000000, 165536};
  p.process.entrypoint = {"/usr/local/bin/rig-entrypoint"};
  p.process.cmd = {"sleep", "infinity"};
  p.process.env = {"PATH=/usr/bin:/bin", "HOME=/home/builder"};
  p.process.uid = 1000;
  p.process.gid = 1000;
  p.process.workdir = "/workspace";
  p.arch = "x86_64";
  p.cgroup_version = "1";
  for (auto& [vol, target] : spec.volumes) p.volume_dirs[vol] = "/var/lib/rigctl/lxc/rig-x/volumes/" + vol;
  p.device_rules = {{"/dev/net/tun", "c 10:200"}, {"/dev/fuse", "c 10:229"}};
  p.resolv_conf = "/var/lib/rigctl/lxc/rig-x/resolv.conf";
  p.log_file = "/var/lib/rigctl/lxc/rig-x/lxc.log";
  return p;
}

std::vector<std::string> values_of(const std::string& text, const std::string& key) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string l = text.substr(pos, end - pos);
    if (l.starts_with(key + " = ")) out.push_back(l.substr(key.size() + 3));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

TEST_CASE("lxc: the engine flag and the lxcpath", "[smoke][lxc]") {
  CHECK(rig::is_lxc_engine("lxc"));
  CHECK(rig::is_lxc_engine("lxc:/srv/lxc"));
  CHECK(!rig::is_lxc_engine("lxcfoo"));
  CHECK(!rig::is_lxc_engine("incus"));
  CHECK(rig::lxc_path_of("lxc") == "/var/lib/rigctl/lxc");
  CHECK(rig::lxc_path_of("lxc:/srv/lxc") == "/srv/lxc");
  CHECK(rig::check_lxc_path("/srv/lxc").ok());
  for (std::string bad : {"", "relative", "/a b", "/a/../b", "/a,b", "/a:b", "/"}) {
    INFO(bad);
    auto st = rig::check_lxc_path(bad);
    CHECK(!st.ok());
    if (!st.ok()) CHECK(st.error().category() == rig::Category::Usage);
  }
  CHECK(rig::cli::check_engine_option("lxc").ok());
  CHECK(rig::cli::check_engine_option("lxc:/srv/lxc").ok());
  CHECK(rig::cli::check_engine_option("lxc:srv").error().category() == rig::Category::Usage);
}

TEST_CASE("lxc: a named lxcpath must already be a directory; rigctl's own is made", "[smoke][lxc]") {
  rigtest::TempDir t;
  auto missing = rig::connect_lxc("lxc:" + (t / "typo").string());
  REQUIRE(!missing.ok());
  CHECK(missing.error().category() == rig::Category::Usage);
  CHECK(missing.error().what() == "--engine: lxcpath '" + (t / "typo").string() + "' does not exist");
  CHECK(!std::filesystem::exists(t / "typo"));
  rigtest::write_text(t / "file", "x");
  auto file = rig::connect_lxc("lxc:" + (t / "file").string());
  REQUIRE(!file.ok());
  CHECK(file.error().category() == rig::Category::Usage);
  CHECK(file.error().what() == "--engine: lxcpath '" + (t / "file").string() + "' is not a directory");
  // An existing directory gets past the path checks (what follows needs root and the LXC tools).
  auto dir = rig::connect_lxc("lxc:" + t.path().string());
  if (!dir.ok()) CHECK(dir.error().category() == rig::Category::Unavailable);
}

TEST_CASE("lxc: the launch profile's flags for lxc", "[smoke][lxc]") {
  auto spec = lxc_spec();
  std::map<std::string, std::string> state;
  for (auto& f : spec.flags) state[f.id] = f.state;
  CHECK(state["tun"] == "applied");
  CHECK(state["seccomp"] == "not-for-engine");
  CHECK(state["nesting"] == "not-for-engine");
  CHECK(state["cgroups"] == "not-for-engine");
  CHECK(spec.devices == std::vector<std::string>{"/dev/net/tun"});
}

TEST_CASE("lxc: the config is unprivileged, with the spike's required lines", "[smoke][lxc]") {
  auto spec = lxc_spec();
  auto text = rig::lxc_config_text(spec, placement(spec));
  REQUIRE(text.ok());
  const std::string& c = *text;
  CHECK(values_of(c, "lxc.idmap") == std::vector<std::string>{"u 0 1000000 165536", "g 0 1000000 165536"});
  CHECK(values_of(c, "lxc.cap.keep").empty());
  CHECK(values_of(c, "lxc.include") == std::vector<std::string>{"/usr/share/lxc/config/common.conf"});
  CHECK(values_of(c, "lxc.mount.auto") == std::vector<std::string>{"", "proc:rw sys:mixed cgroup:mixed"});
  CHECK(values_of(c, "lxc.net.0.type") == std::vector<std::string>{"empty"});
  CHECK(values_of(c, "lxc.net.0.flags") == std::vector<std::string>{"up"});
  CHECK(values_of(c, "lxc.apparmor.profile") == std::vector<std::string>{"unconfined"});
  CHECK(values_of(c, "lxc.signal.halt") == std::vector<std::string>{"SIGTERM"});
  CHECK(c.find("no_new_privs") == std::string::npos);
  auto mounts = values_of(c, "lxc.mount.entry");
  CHECK(has(mounts, "proc dev/.lxc/proc proc create=dir,optional 0 0"));
  CHECK(has(mounts, "sys dev/.lxc/sys sysfs create=dir,optional 0 0"));  // runc's sysfs mount (the Docker rig)
  CHECK(has(mounts, "tmpfs dev/shm tmpfs rw,nosuid,nodev,create=dir,mode=1777 0 0"));
  CHECK(has(mounts, "cgroup2 sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,create=dir 0 0"));
  CHECK(has(mounts, "/dev/net/tun dev/net/tun none bind,create=file 0 0"));
  CHECK(has(mounts, "/var/lib/rigctl/lxc/rig-x/volumes/rig-x-store home/builder/.local/share/containers none bind,create=dir 0 0"));
  CHECK(has(mounts, "/var/lib/rigctl/lxc/rig-x/volumes/rig-x-workspace workspace none bind,create=dir 0 0"));
  CHECK(has(mounts, "/var/lib/rigctl/lxc/rig-x/resolv.conf etc/resolv.conf none bind,ro,create=file 0 0"));
  CHECK(values_of(c, "lxc.cgroup.devices.allow") == std::vector<std::string>{"c 10:200 rwm"});
  CHECK(values_of(c, "lxc.init.cmd") == std::vector<std::string>{"/usr/bin/catatonit -- /usr/local/bin/rig-entrypoint sleep infinity"});
  CHECK(values_of(c, "lxc.init.uid") == std::vector<std::string>{"1000"});
  CHECK(values_of(c, "lxc.init.cwd") == std::vector<std::string>{"/workspace"});
  auto env = values_of(c, "lxc.environment");
  CHECK(has(env, "PATH=/usr/bin:/bin"));
  CHECK(has(env, "RIG_DOCKER_API=1"));
  // The bounding set: every capability but the kept three is dropped.
  auto drop = values_of(c, "lxc.cap.drop");
  REQUIRE(drop.size() == 1);
  CHECK(drop[0].find("sys_admin") != std::string::npos);
  CHECK(drop[0].find("net_admin") != std::string::npos);
  CHECK((" " + drop[0] + " ").find(" setuid ") == std::string::npos);
  CHECK((" " + drop[0] + " ").find(" setgid ") == std::string::npos);
  // Limits as v1 keys on a v1 host, v2 keys on a v2 host.
  CHECK(values_of(c, "lxc.cgroup.memory.limit_in_bytes") == std::vector<std::string>{std::to_string(4096LL << 20)});
  CHECK(values_of(c, "lxc.cgroup.pids.max") == std::vector<std::string>{"4096"});
  CHECK(values_of(c, "lxc.cgroup.cpu.cfs_quota_us") == std::vector<std::string>{"200000"});
  auto p2 = placement(spec);
  p2.cgroup_version = "2";
  p2.apparmor = true;
  auto v2 = rig::lxc_config_text(spec, p2);
  REQUIRE(v2.ok());
  CHECK(values_of(*v2, "lxc.cgroup2.cpu.max") == std::vector<std::string>{"200000 100000"});
  CHECK(values_of(*v2, "lxc.cgroup2.devices.allow") == std::vector<std::string>{"c 10:200 rwm"});
  CHECK(values_of(*v2, "lxc.apparmor.profile") == std::vector<std::string>{"generated"});
  CHECK(values_of(*v2, "lxc.cgroup.memory.limit_in_bytes").empty());
}

TEST_CASE("lxc: a value the config line format cannot carry is a usage error", "[smoke][lxc]") {
  auto spec = lxc_spec();
  spec.env["BAD"] = "a\nlxc.cap.keep = sys_admin";
  auto text = rig::lxc_config_text(spec, placement(spec));
  REQUIRE(!text.ok());
  CHECK(text.error().category() == rig::Category::Usage);
  auto spec2 = lxc_spec();
  auto p = placement(spec2);
  p.rootfs = "/a b";
  CHECK(!rig::lxc_config_text(spec2, p).ok());
}

TEST_CASE("lxc: seed 002's rule for the rig user's subordinate ranges", "[smoke][lxc]") {
  auto r = trixie();
  CHECK(rig::lxc_idmap_size_needed(r) == 165536);
  CHECK(rig::check_lxc_subordinate_ranges(r, 165536).ok());
  auto small = rig::check_lxc_subordinate_ranges(r, 65536);
  REQUIRE(!small.ok());
  CHECK(small.error().category() == rig::Category::Usage);
  CHECK(small.error().message().find("debian-trixie.json") != std::string::npos);
  CHECK(small.error().message().find("user.subuid") != std::string::npos);
  CHECK(small.error().hint().find("rule") != std::string::npos);
  r.user->subuid = {1, 65535};  // contains uid 1000
  auto own = rig::check_lxc_subordinate_ranges(r, 65536);
  REQUIRE(!own.ok());
  CHECK(own.error().message().find("user.subuid") != std::string::npos);
  CHECK(own.error().message().find("own uid 1000") != std::string::npos);
  r.user->subuid = {1001, 64535};
  r.user->subgid = {1001, 64535};
  CHECK(rig::check_lxc_subordinate_ranges(r, 65536).ok());
  r.user->subgid = {500, 1000};
  auto g = rig::check_lxc_subordinate_ranges(r, 65536);
  REQUIRE(!g.ok());
  CHECK(g.error().message().find("user.subgid") != std::string::npos);
}

TEST_CASE("lxc: the idmap comes from root's subordinate range", "[smoke][lxc]") {
  CHECK(!rig::root_subordinate_range("builder:100000:65536\n").has_value());
  auto r = rig::root_subordinate_range("builder:100000:65536\nroot:1000000:1000000000\n");
  REQUIRE(r);
  CHECK(r->start == 1000000);
  CHECK(r->count == 1000000000);
  auto recipe = trixie();
  auto m = rig::lxc_idmap_for(recipe, "root:1000000:1000000000\n", "root:1000000:1000000000\n");
  REQUIRE(m.ok());
  CHECK(m->base == 1000000);
  CHECK(m->size == 165536);
  // Seed 002's host (root maps only 65536 ids): trixie's ranges (100000:65536) do not fit, a usage error
  // naming the rule and the variant that fits; the variant (1001:64535) gets a 65536-id map.
  auto few = rig::lxc_idmap_for(recipe, "root:1000000:65536\n", "root:1000000:65536\n");
  REQUIRE(!few.ok());
  CHECK(few.error().category() == rig::Category::Usage);
  CHECK(few.error().message().find("user.subuid") != std::string::npos);
  CHECK(few.error().hint().find("the rule:") != std::string::npos);
  CHECK(few.error().hint().find("debian-trixie-65536") != std::string::npos);
  auto small = rig::load_recipe(rigtest::test_data_dir() / ".." / "recipes" / "debian-trixie-65536.json");
  REQUIRE(small.ok());
  auto fits = rig::lxc_idmap_for(small.value(), "root:1000000:65536\n", "root:1000000:65536\n");
  REQUIRE(fits.ok());
  CHECK(fits->size == 65536);
  CHECK(rig::check_lxc_subordinate_ranges(small.value(), fits->size).ok());
  CHECK(rig::lxc_idmap_for(recipe, "root:1000000:1000\n", "root:1000000:1000\n").error().category() == rig::Category::Unavailable);
  CHECK(rig::lxc_idmap_for(recipe, "", "").error().category() == rig::Category::Unavailable);
}

TEST_CASE("lxc: a user name is looked up in the rig's own passwd, never through a link out of its rootfs", "[smoke][lxc]") {
  // The rig's root owns the rootfs: /etc/passwd as a link to /dev/zero once meant an endless read on the
  // host side, and /etc/group as a FIFO a blocked rigctl.
  rigtest::TempDir t;
  const auto etc = t / "rig-x" / "rootfs" / "etc";
  std::filesystem::create_directories(etc);
  rigtest::FakeRunner runner;
  rig::LxcRigControl ctl(runner, t.path().string(), "rig-x", rig::ImageProcess{}, {});
  auto uid_gid_of = [&](const std::string& user) {
    runner.script_run(0, "", "");
    auto r = ctl.exec(rig::ExecRequest{{"id"}, user, {}, 1000});
    REQUIRE(r.ok());
    auto& a = runner.commands().back().argv;
    auto u = std::find(a.begin(), a.end(), "--uid"), g = std::find(a.begin(), a.end(), "--gid");
    REQUIRE(u + 1 < a.end());
    REQUIRE(g + 1 < a.end());
    return *(u + 1) + ":" + *(g + 1);
  };
  rigtest::write_text(etc / "passwd", "builder:x:1000:1001::/home/builder:/bin/sh\n");
  rigtest::write_text(etc / "group", "staff:x:50:\n");
  CHECK(uid_gid_of("builder") == "1000:1001");
  CHECK(uid_gid_of("builder:staff") == "1000:50");
  std::filesystem::remove(etc / "passwd");
  std::filesystem::remove(etc / "group");
  std::filesystem::create_symlink("/dev/zero", etc / "passwd");
  REQUIRE(::mkfifo((etc / "group").c_str(), 0600) == 0);
  CHECK(uid_gid_of("builder:staff") == "0:0");  // unknown names, as Docker's default: root
}

TEST_CASE("lxc: exec runs lxc-attach as the image user with a clear environment and a timeout", "[smoke][lxc]") {
  rigtest::FakeRunner runner;
  runner.script_run(0, "hello\n", "warn\n");
  rig::ImageProcess proc;
  proc.uid = 1000;
  proc.gid = 1000;
  proc.workdir = "/workspace";
  rig::LxcRigControl ctl(runner, "/var/lib/rigctl/lxc", "rig-x", proc, {{"HOME", "/home/builder"}});
  auto r = ctl.exec(rig::ExecRequest{{"podman", "info"}, "", {"A=b"}, 30000});
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  CHECK(r->out == "hello\nwarn\n");
  REQUIRE(runner.commands().size() == 1);
  auto& argv = runner.commands()[0].argv;
  std::vector<std::string> want = {"timeout", "-k", "5", "60", "lxc-attach", "-P", "/var/lib/rigctl/lxc", "-n", "rig-x", "--uid", "1000",
                                   "--gid", "1000", "--clear-env", "--set-var", "A=b", "--set-var", "HOME=/home/builder", "--",
                                   "env", "-C", "/workspace", "timeout", "-k", "5", "30", "podman", "info"};
  CHECK(argv == want);

  runner.script_run(124, "", "");
  auto root = ctl.exec(rig::ExecRequest{{"id"}, "0:1000", {}, 1500});
  REQUIRE(root.ok());
  CHECK(root->exit_code == 124);
  auto& a2 = runner.commands()[1].argv;
  CHECK(std::find(a2.begin(), a2.end(), "--uid") + 1 != a2.end());
  CHECK(*(std::find(a2.begin(), a2.end(), "--uid") + 1) == "0");
  CHECK(*(std::find(a2.begin(), a2.end(), "--gid") + 1) == "1000");
}

TEST_CASE("lxc: put_files pipes the tar into tar -x as the image user", "[smoke][lxc]") {
  rigtest::FakeRunner runner;
  rig::ImageProcess proc;
  proc.uid = 1000;
  proc.gid = 1000;
  rig::LxcRigControl ctl(runner, "/p", "rig-x", proc, {});
  REQUIRE(ctl.put_files("/tmp", "TARBYTES").ok());
  REQUIRE(runner.commands().size() == 1);
  CHECK(runner.commands()[0].input == "TARBYTES");
  auto& a = runner.commands()[0].argv;
  CHECK(std::vector<std::string>(a.end() - 6, a.end()) == std::vector<std::string>{"tar", "-xf", "-", "--no-same-owner", "-C", "/tmp"});
  runner.script_run(2, "", "tar: boom\n");
  auto st = ctl.put_files("/tmp", "x");
  REQUIRE(!st.ok());
  CHECK(st.error().message().find("boom") != std::string::npos);
}

TEST_CASE("lxc: labels round-trip through the sidecar", "[smoke][lxc]") {
  rigtest::TempDir t;
  std::filesystem::create_directories(t / "rig-x");
  rigtest::write_text(t / "rig-x" / "rigctl.json", rig::lxc_labels_json({{"io.rigctl.run", "r1"}, {"io.rigctl.managed", "true"}}));
  auto labels = rig::lxc_labels_of(t.path().string(), "rig-x");
  CHECK(labels.at("io.rigctl.run") == "r1");
  CHECK(labels.at("io.rigctl.managed") == "true");
  CHECK(rig::lxc_labels_of(t.path().string(), "nope").empty());
}

}  // namespace rigtest_smoke_lxc_rig
