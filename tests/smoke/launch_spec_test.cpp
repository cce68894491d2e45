#include "support/catch.hpp"

#include <algorithm>
#include <fstream>

#include "builder/recipe.hpp"
#include "smoke/launch_spec.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_launch_spec {

namespace {

// What the Docker renderer makes of a spec: the engine API body the tests read.
rig::json body_of(const rig::Result<rig::LaunchSpec>& spec) { return rig::docker_create_body(spec.value()); }

rig::Recipe trixie() {
  auto r = rig::load_recipe(rigtest::test_data_dir() / ".." / "recipes" / "debian-trixie.json");
  REQUIRE(r.ok());
  return r.value();
}

rig::LaunchSettings settings() {
  rig::LaunchSettings s;
  s.image = "rigctl/debian-trixie:amd64";
  s.name = "rig-x";
  s.run_id = "run1";
  s.seccomp_profile = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]})";
  s.host = {false, 2, "1", false};
  return s;
}

std::string state_of(const rig::LaunchSpec& spec, const std::string& id) {
  for (auto& f : spec.flags)
    if (f.id == id) return f.state;
  return "?";
}

}  // namespace

TEST_CASE("launch spec: the full profile becomes the deletion-tested flag set", "[smoke][launch_spec]") {
  auto spec = rig::make_launch_spec(trixie(), settings());
  REQUIRE(spec.ok());
  auto hc = body_of(spec)["HostConfig"];
  CHECK(body_of(spec)["Image"] == "rigctl/debian-trixie:amd64");
  CHECK(hc["Privileged"] == false);
  CHECK(hc["CapAdd"].is_null());
  CHECK(hc["Init"] == true);
  CHECK(hc["RestartPolicy"]["Name"] == "unless-stopped");
  CHECK(hc["Memory"] == 4096LL * 1024 * 1024);
  CHECK(hc["NanoCpus"] == 2000000000LL);
  CHECK(hc["PidsLimit"] == 4096);
  CHECK(hc["Devices"] == rig::json::parse(R"([{"PathOnHost":"/dev/net/tun","PathInContainer":"/dev/net/tun","CgroupPermissions":"rwm"}])"));
  REQUIRE(hc["SecurityOpt"].size() == 1);
  CHECK(hc["SecurityOpt"][0] == "seccomp=" + settings().seccomp_profile);
  CHECK(hc["MaskedPaths"] == rig::json::array());
  CHECK(hc["ReadonlyPaths"] == rig::json::array());
  for (auto& o : hc["SecurityOpt"]) CHECK(o.get<std::string>().find("no-new-privileges") == std::string::npos);
  CHECK(state_of(*spec, "apparmor") == "not-applicable");
  CHECK(state_of(*spec, "tun") == "applied");
  // Least privilege: the eleven capabilities the chain does not need are dropped, none added, and the
  // bounding set the chain asserts is the three kept.
  CHECK(hc["CapDrop"] == rig::json::array({"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETFCAP",
                                           "SETPCAP", "NET_BIND_SERVICE", "KILL", "AUDIT_WRITE"}));
  REQUIRE(spec->bounding_set);
  CHECK(*spec->bounding_set == ((1ULL << 6) | (1ULL << 7) | (1ULL << 18)));  // SETGID, SETUID, SYS_CHROOT
}

TEST_CASE("launch spec: a capability ablation drops one kept capability as well", "[smoke][launch_spec][capabilities]") {
  auto s = settings();
  s.drop_capabilities = {"SYS_CHROOT"};
  auto spec = rig::make_launch_spec(trixie(), s);
  REQUIRE(spec.ok());
  auto drop = body_of(spec)["HostConfig"]["CapDrop"];
  CHECK(drop.size() == 12);
  CHECK(drop.back() == "SYS_CHROOT");
  CHECK(*spec->bounding_set == ((1ULL << 6) | (1ULL << 7)));
  CHECK(body_of(spec)["HostConfig"]["CapAdd"].is_null());
}

TEST_CASE("launch spec: ports are loopback-only, ten of them, and can be moved", "[smoke][launch_spec]") {
  auto s = settings();
  auto spec = rig::make_launch_spec(trixie(), s);
  REQUIRE(spec.ok());
  auto pb = body_of(spec)["HostConfig"]["PortBindings"];
  CHECK(pb.size() == 10);
  CHECK(pb["10000/tcp"] == rig::json::parse(R"([{"HostIp":"127.0.0.1","HostPort":"10000"}])"));
  CHECK(pb["10009/tcp"][0]["HostPort"] == "10009");
  CHECK(body_of(spec)["ExposedPorts"].contains("10005/tcp"));
  s.port_base = 20000;
  auto moved = rig::make_launch_spec(trixie(), s);
  REQUIRE(moved.ok());
  CHECK(body_of(moved)["HostConfig"]["PortBindings"]["10000/tcp"][0]["HostPort"] == "20000");
  CHECK(moved->ports.front().host == 20000u);
  CHECK(moved->ports.front().container == 10000u);
  CHECK(moved->ports.front().host_ip == "127.0.0.1");
  // Ablation's rigs publish only the port the chain reaches, still loopback-only and still moved.
  s.first_port_only = true;
  auto one = rig::make_launch_spec(trixie(), s);
  REQUIRE(one.ok());
  auto pb1 = body_of(one)["HostConfig"]["PortBindings"];
  CHECK(pb1.size() == 1);
  CHECK(pb1["10000/tcp"] == rig::json::parse(R"([{"HostIp":"127.0.0.1","HostPort":"20000"}])"));
}

TEST_CASE("launch spec: named volumes and labels mark what rigctl made", "[smoke][launch_spec]") {
  auto spec = rig::make_launch_spec(trixie(), settings());
  REQUIRE(spec.ok());
  CHECK(spec->volumes == std::map<std::string, std::string>{{"rig-x-store", "/home/builder/.local/share/containers"},
                                                            {"rig-x-workspace", "/workspace"}});
  auto m = body_of(spec)["HostConfig"]["Mounts"];
  REQUIRE(m.size() == 2);
  // In volume-name order: the engines order mounts by target depth themselves.
  CHECK(m[0] == rig::json::parse(R"({"Type":"volume","Source":"rig-x-store","Target":"/home/builder/.local/share/containers"})"));
  CHECK(m[1] == rig::json::parse(R"({"Type":"volume","Source":"rig-x-workspace","Target":"/workspace"})"));
  CHECK(body_of(spec)["Labels"]["io.rigctl.managed"] == "true");
  CHECK(body_of(spec)["Labels"]["io.rigctl.rig"] == "rig-x");
  CHECK(body_of(spec)["Labels"]["io.rigctl.run"] == "run1");
}

TEST_CASE("launch spec: --without removes exactly one flag", "[smoke][launch_spec]") {
  auto s = settings();
  s.without = {"tun"};
  auto no_tun = rig::make_launch_spec(trixie(), s);
  REQUIRE(no_tun.ok());
  CHECK(body_of(no_tun)["HostConfig"]["Devices"].empty());
  CHECK(state_of(*no_tun, "tun") == "removed");
  CHECK(body_of(no_tun)["HostConfig"]["SecurityOpt"].size() == 1);

  s.without = {"seccomp"};
  auto no_seccomp = rig::make_launch_spec(trixie(), s);
  REQUIRE(no_seccomp.ok());
  CHECK(body_of(no_seccomp)["HostConfig"]["SecurityOpt"].empty());
  CHECK(body_of(no_seccomp)["HostConfig"]["Devices"].size() == 1);

  s.without = {"systempaths"};
  auto no_sp = rig::make_launch_spec(trixie(), s);
  REQUIRE(no_sp.ok());
  CHECK_FALSE(body_of(no_sp)["HostConfig"].contains("MaskedPaths"));
  CHECK_FALSE(body_of(no_sp)["HostConfig"].contains("ReadonlyPaths"));

  s.without = {"nonsense"};
  auto bad = rig::make_launch_spec(trixie(), s);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().category() == rig::Category::Usage);
  CHECK_THAT(bad.error().what(), Catch::Contains("--without") && Catch::Contains("nonsense"));
}

TEST_CASE("launch spec: AppArmor hosts get apparmor=unconfined; podman engines skip docker-only flags", "[smoke][launch_spec]") {
  auto s = settings();
  s.host.apparmor = true;
  auto aa = rig::make_launch_spec(trixie(), s);
  REQUIRE(aa.ok());
  CHECK(body_of(aa)["HostConfig"]["SecurityOpt"].size() == 2);
  CHECK(body_of(aa)["HostConfig"]["SecurityOpt"][1] == "apparmor=unconfined");
  CHECK(state_of(*aa, "apparmor") == "applied");

  // podman's service reads seccomp profiles from its host's filesystem and spells systempaths
  // unmask=ALL; a flag whose engines leave podman out is skipped.
  s.engine_kind = "podman";
  s.seccomp_profile_path = "/cache/rig-seccomp.json";
  auto recipe = trixie();
  recipe.launch->flags[0].engines = {"docker"};
  auto pod = rig::make_launch_spec(recipe, s);
  REQUIRE(pod.ok());
  CHECK(state_of(*pod, "tun") == "not-for-engine");
  CHECK(body_of(pod)["HostConfig"]["Devices"].empty());
  CHECK(body_of(pod)["HostConfig"]["SecurityOpt"] ==
        rig::json::array({"seccomp=/cache/rig-seccomp.json", "apparmor=unconfined", "unmask=ALL"}));
  s.seccomp_profile_path.clear();
  CHECK_FALSE(rig::make_launch_spec(recipe, s).ok());
}

TEST_CASE("launch spec: CPUs are capped at what the host has; tailored seccomp needs a profile", "[smoke][launch_spec]") {
  auto s = settings();
  s.host.cpus = 1;
  auto one = rig::make_launch_spec(trixie(), s);
  REQUIRE(one.ok());
  CHECK(body_of(one)["HostConfig"]["NanoCpus"] == 1000000000LL);
  s.seccomp_profile.clear();
  auto none = rig::make_launch_spec(trixie(), s);
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().what(), Catch::Contains("seccomp.json"));
}

TEST_CASE("launch spec: the Docker API env is for a podman rig whose profile asks for it", "[smoke][launch_spec]") {
  auto r = trixie();
  r.launch->docker_api = false;
  auto off = rig::make_launch_spec(r, settings());
  REQUIRE(off.ok());
  CHECK_FALSE(off->env.count("RIG_DOCKER_API"));
  // A Docker rig's dockerd is its own API: nothing for the entrypoint to start.
  r.launch->docker_api = true;
  r.launch->inner_engine = "docker";
  auto docker = rig::make_launch_spec(r, settings());
  REQUIRE(docker.ok());
  CHECK_FALSE(docker->env.count("RIG_DOCKER_API"));
}

TEST_CASE("launch spec: fuse-overlayfs storage adds /dev/fuse and its storage.conf; unknown storage is a usage error", "[smoke][launch_spec]") {
  auto plain = rig::make_launch_spec(trixie(), settings());
  REQUIRE(plain.ok());
  CHECK(state_of(*plain, "fuse") == "not-applicable");
  // The shared profile turns the Docker API on: the entrypoint is told to start podman's service.
  CHECK(body_of(plain)["Env"] == rig::json::parse(R"(["RIG_DOCKER_API=1"])"));
  auto s = settings();
  s.inner_storage = "fuse-overlayfs";
  auto fuse = rig::make_launch_spec(trixie(), s);
  REQUIRE(fuse.ok());
  CHECK(state_of(*fuse, "fuse") == "applied");
  CHECK(body_of(fuse)["HostConfig"]["Devices"].size() == 2);
  CHECK(body_of(fuse)["HostConfig"]["Devices"][1]["PathOnHost"] == "/dev/fuse");
  CHECK(body_of(fuse)["Env"] ==
        rig::json::parse(R"(["CONTAINERS_STORAGE_CONF=/home/builder/.config/containers/storage-fuse-overlayfs.conf","RIG_DOCKER_API=1"])"));
  s.inner_storage = "zfs";
  auto bad = rig::make_launch_spec(trixie(), s);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().category() == rig::Category::Usage);
  CHECK(bad.error().what() == "--inner-storage: 'zfs' is not an inner storage of recipe 'debian-trixie' (expected one of overlay, fuse-overlayfs)");
}

TEST_CASE("launch spec: --apparmor tailored confines the rig with rigctl-tailored, only where AppArmor is", "[smoke][launch_spec]") {
  auto s = settings();
  s.host.apparmor = true;
  s.apparmor = "tailored";
  auto t = rig::make_launch_spec(trixie(), s);
  REQUIRE(t.ok());
  CHECK(body_of(t)["HostConfig"]["SecurityOpt"][1] == "apparmor=rigctl-tailored");
  CHECK(t->apparmor_profile == "rigctl-tailored");
  CHECK(state_of(*t, "apparmor") == "applied");
  CHECK(body_of(t)["HostConfig"]["Privileged"] == false);

  s.apparmor = "unconfined";
  auto u = rig::make_launch_spec(trixie(), s);
  REQUIRE(u.ok());
  CHECK(body_of(u)["HostConfig"]["SecurityOpt"][1] == "apparmor=unconfined");
  CHECK(u->apparmor_profile.empty());

  // Asked-for confinement that cannot be given is an error, never a silent unconfined rig.
  s.apparmor = "tailored";
  s.host.apparmor = false;
  CHECK(rigtest::error_of(rig::make_launch_spec(trixie(), s)).category() == rig::Category::Unavailable);
  s.host.apparmor = true;
  s.without = {"apparmor"};
  CHECK(rigtest::error_of(rig::make_launch_spec(trixie(), s)).category() == rig::Category::Usage);
  s.without.clear();
  s.apparmor = "docker-default";
  auto bad = rig::make_launch_spec(trixie(), s);
  CHECK(rigtest::error_of(bad).category() == rig::Category::Usage);
  CHECK_THAT(rigtest::error_of(bad).what(), Catch::Contains("--apparmor"));
}

namespace {

std::string option_error(const rig::LaunchOptionValues& o) {
  auto st = rig::check_launch_options(trixie(), o);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Usage);
  return st.error().what();
}

}  // namespace

TEST_CASE("launch options: the recipe's own values and the defaults pass", "[smoke][launch_spec]") {
  CHECK(rig::check_launch_options(trixie(), {}).ok());
  rig::LaunchOptionValues all{"rig-1.a_b", {"tun", "apparmor"}, "fuse-overlayfs", "slirp4netns", "unconfined", 10100};
  CHECK(rig::check_launch_options(trixie(), all).ok());
  CHECK(rig::check_launch_options(trixie(), {"", {}, "", "", "", 65526}).ok());  // ten ports up to 65535
  CHECK(rig::check_launch_options(trixie(), {"", {}, "", "", "", 1}).ok());
}

// Each hostile value is named with its option and what would have been valid.
TEST_CASE("launch options: every bad value is a usage error naming the option, the value and the choices", "[smoke][launch_spec]") {
  using O = rig::LaunchOptionValues;
  CHECK(option_error(O{"", {"bogus"}, "", "", "", {}}) ==
        "--without: 'bogus' is not a flag of the launch profile of recipe 'debian-trixie' (expected one of tun, seccomp, apparmor, "
        "systempaths, fuse, cgroups, nesting, intercept-mknod, intercept-setxattr)");
  CHECK(option_error(O{"", {}, "bogus", "", "", {}}) ==
        "--inner-storage: 'bogus' is not an inner storage of recipe 'debian-trixie' (expected one of overlay, fuse-overlayfs)");
  CHECK(option_error(O{"", {}, "", "bogus", "", {}}) ==
        "--inner-network: 'bogus' is not an inner network of recipe 'debian-trixie' (expected one of pasta, slirp4netns)");
  CHECK(option_error(O{"", {}, "", "", "bogus", {}}) == "--apparmor: expected unconfined or tailored, got 'bogus'");
  CHECK(option_error(O{"", {"apparmor"}, "", "", "tailored", {}}) == "--apparmor tailored and --without apparmor contradict each other");
  CHECK(option_error(O{"", {}, "", "", "", 0}) ==
        "--port-base: 0 is not a usable first port: recipe 'debian-trixie' publishes 10 port(s) from it, so it must be 1 to 65526");
  CHECK_THAT(option_error(O{"", {}, "", "", "", 70000}), Catch::StartsWith("--port-base: 70000 is not a usable first port"));
  CHECK_THAT(option_error(O{"", {}, "", "", "", 65527}), Catch::StartsWith("--port-base: 65527 is not"));
  for (const std::string& name : std::vector<std::string>{"web;id>/tmp/x", "a", "-lead", "has space", "slash/name", std::string(129, 'n'), "t\xC3\xA9st", "new\nline"}) {
    INFO(name);
    CHECK_THAT(option_error(O{name, {}, "", "", "", {}}),
               Catch::StartsWith("--name: '") && Catch::Contains(" is not a name an engine accepts (expected 2 to 128 characters"));
  }
  CHECK_THAT(option_error(O{"new\nline", {}, "", "", "", {}}), Catch::StartsWith("--name: 'new\\nline' is not"));
  CHECK_THAT(option_error(O{"", {"x\xFF"}, "", "", "", {}}), Catch::StartsWith("--without: 'x\xEF\xBF\xBD' is not"));
}

TEST_CASE("launch options: make_launch_spec applies the same checks", "[smoke][launch_spec]") {
  auto s = settings();
  s.name = "bad name";
  auto spec = rig::make_launch_spec(trixie(), s);
  CHECK_THAT(rigtest::error_of(spec).what(), Catch::StartsWith("--name: 'bad name' is not a name an engine accepts"));
}

TEST_CASE("launch spec: on a cgroup v2 host the rig's cgroup is writable and delegated; elsewhere neither", "[smoke][launch_spec]") {
  auto secopts = [](const rig::LaunchSpec& spec) {
    std::vector<std::string> out;
    const auto body = rig::docker_create_body(spec);
    for (auto& o : body["HostConfig"]["SecurityOpt"]) out.push_back(o.get<std::string>());
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  auto v2 = settings();
  v2.host = {false, 2, "2", true};
  auto spec = rig::make_launch_spec(trixie(), v2);
  REQUIRE(spec.ok());
  CHECK(has(secopts(*spec), "writable-cgroups=true"));
  CHECK(spec->delegate_cgroup);
  CHECK(state_of(*spec, "cgroups") == "applied");

  // This host: cgroup v1, so nothing is asked of the engine.
  auto v1 = settings();
  v1.host = {false, 2, "1", false};
  auto here = rig::make_launch_spec(trixie(), v1);
  REQUIRE(here.ok());
  CHECK_FALSE(has(secopts(*here), "writable-cgroups=true"));
  CHECK_FALSE(here->delegate_cgroup);
  CHECK(state_of(*here, "cgroups") == "not-applicable");

  // An engine without the option (Docker before 28) on cgroup v2.
  auto old = v2;
  old.host.writable_cgroups = false;
  CHECK_FALSE(rig::make_launch_spec(trixie(), old)->writable_cgroups);

  // Ablations: the delegation alone, or the flag (and with it the delegation, which needs it).
  auto no_delegation = v2;
  no_delegation.no_cgroup_delegation = true;
  auto nd = rig::make_launch_spec(trixie(), no_delegation);
  CHECK(nd->writable_cgroups);
  CHECK_FALSE(nd->delegate_cgroup);
  auto no_flag = v2;
  no_flag.without = {"cgroups"};
  auto nf = rig::make_launch_spec(trixie(), no_flag);
  CHECK_FALSE(has(secopts(*nf), "writable-cgroups=true"));
  CHECK_FALSE(nf->delegate_cgroup);

  auto podman = v2;
  podman.engine_kind = "podman";
  podman.seccomp_profile_path = "/x/rig-seccomp.json";
  auto pd = rig::make_launch_spec(trixie(), podman);
  REQUIRE(pd.ok());
  CHECK(state_of(*pd, "cgroups") == "not-for-engine");
  CHECK_FALSE(pd->delegate_cgroup);
}

}  // namespace rigtest_smoke_launch_spec
