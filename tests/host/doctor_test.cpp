#include "host/doctor.hpp"

#include "support/catch.hpp"

#include "support/test_util.hpp"

namespace rigtest_host_doctor {

using rig::CheckStatus;
using rigtest::TempDir;
using rigtest::write_text;
namespace fs = std::filesystem;

namespace {

// A fake host where every check passes: kernel 6.1, cgroup v2, AppArmor with Ubuntu's profiles,
// standard device modes, an arm64 binfmt handler, subordinate ids for "builder" (uid 1000).
struct FakeHost {
  TempDir dir{"rigctl-doctor"};
  rig::DoctorHost host;
  std::set<std::string> tools = {"mmdebstrap", "qemu-aarch64-static", "qemu-x86_64-static", "newuidmap", "newgidmap", "incus", "lxc-start"};
  uint64_t free = 100ULL * 1000 * 1000 * 1000;
  rig::Result<rig::EngineVersion> engine =
      rig::EngineVersion{"20.10.24", "1.41", "linux", "amd64", "6.1.0", false, true, 2, "1.12", "1.41", "2"};

  FakeHost() {
    file("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
    file("/proc/sys/user/max_user_namespaces", "15000\n");
    file("/proc/filesystems", "nodev\tsysfs\nnodev\toverlay\nnodev\tfuse\n\text4\n");
    file("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    file("/sys/kernel/security/apparmor/profiles",
         "docker-default (enforce)\npodman (unconfined)\ncrun (unconfined)\n");
    file("/dev/net/tun", "", 0666);
    file("/dev/fuse", "", 0666);
    file("/proc/sys/fs/binfmt_misc/status", "enabled\n");
    file("/proc/sys/fs/binfmt_misc/qemu-aarch64",
         "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\nmagic 7f454c46\n");
    file("/proc/sys/fs/binfmt_misc/qemu-x86_64",
         "enabled\ninterpreter /usr/libexec/qemu-binfmt/x86_64-binfmt-P\nflags: POCF\noffset 0\nmagic 7f454c46\n");
    file("/etc/subuid", "other:200000:65536\nbuilder:100000:65536\nroot:1000000:1000000000\n");
    file("/etc/subgid", "builder:100000:65536\nroot:1000000:1000000000\n");
    host.root = dir.path();
    host.uid = 1000;
    host.user = "builder";
    host.host_arch = "amd64";
    host.cache_dir = dir.path() / "home/builder/.cache/rigctl";
    host.engine = [this] { return engine; };
    host.incus = [] {
      rig::EngineVersion v;
      v.runtime = "incus";
      v.version = "6.0.4";
      return rig::Result<rig::EngineVersion>(v);
    };
    host.which = [this](const std::string& t) -> std::optional<fs::path> {
      if (!tools.count(t)) return std::nullopt;
      return fs::path("/usr/bin") / t;
    };
    host.free_bytes = [this](const fs::path&) -> std::optional<uint64_t> { return free; };
  }

  void file(const std::string& abs, const std::string& content, unsigned mode = 0644) {
    fs::path p = dir.path() / fs::path(abs).relative_path();
    write_text(p, content);
    fs::permissions(p, fs::perms(mode));
  }
  void remove(const std::string& abs) { fs::remove_all(dir.path() / fs::path(abs).relative_path()); }

  std::vector<rig::DoctorItem> run() const { return rig::run_doctor(host); }
  rig::DoctorItem get(const std::string& name) const {
    for (auto& i : run())
      if (i.item == name) return i;
    FAIL("no item " << name);
    return {};
  }
};

size_t count(const std::vector<rig::DoctorItem>& items, CheckStatus s) {
  return static_cast<size_t>(std::count_if(items.begin(), items.end(), [&](auto& i) { return i.status == s; }));
}

}  // namespace

TEST_CASE("doctor: a healthy host is all ok", "[builder][doctor]") {
  FakeHost h;
  auto items = h.run();
  for (auto& i : items) INFO(i.item << ": " << rig::check_status_name(i.status) << " " << i.detail);
  for (auto& i : items) CHECK(i.status == CheckStatus::Ok);
  std::vector<std::string> names;
  for (auto& i : items) names.push_back(i.item);
  CHECK(names == std::vector<std::string>{"engine",
                                          "kernel",
                                          "kernel.unprivileged_userns_clone",
                                          "user.max_user_namespaces",
                                          "kernel.apparmor_restrict_unprivileged_userns",
                                          "apparmor",
                                          "selinux",
                                          "cgroup",
                                          "/dev/net/tun",
                                          "/dev/fuse",
                                          "filesystem overlay",
                                          "filesystem fuse",
                                          "binfmt arm64",
                                          "subuid",
                                          "subgid",
                                          "mmdebstrap",
                                          "qemu-aarch64-static",
                                          "newuidmap",
                                          "newgidmap",
                                          "incus",
                                          "lxc-start",
                                          "root subuid",
                                          "root subgid",
                                          "disk"});
  CHECK(h.get("engine").detail == "docker 20.10.24, API 1.41, linux/amd64");
  CHECK(h.get("cgroup").detail == "v2 (unified)");
  CHECK(h.get("subuid").detail == "builder: 100000+65536");
  CHECK(h.get("incus").detail == "incus 6.0.4 answers on its socket");
  CHECK(h.get("root subuid").detail == "1000000000 ids for root (Incus and LXC rigs)");
  CHECK(h.get("binfmt arm64").detail == "qemu-aarch64 enabled (flags POCF)");
  auto j = rig::doctor_json(items);
  CHECK(j["ok"] == true);
  CHECK(j["counts"]["ok"] == items.size());
}

TEST_CASE("doctor: /dev/net/tun mode", "[builder][doctor]") {
  FakeHost h;
  CHECK(h.get("/dev/net/tun").status == CheckStatus::Ok);
  CHECK(h.get("/dev/net/tun").detail == "present, mode 0666");
  h.file("/dev/net/tun", "", 0600);
  auto tun = h.get("/dev/net/tun");
  CHECK(tun.status == CheckStatus::Fail);
  CHECK_THAT(tun.detail, Catch::StartsWith("mode 0600, standard is 0666"));
  CHECK_THAT(tun.fix, Catch::StartsWith("chmod 0666 /dev/net/tun"));
  auto j = rig::doctor_json(h.run());
  CHECK(j["ok"] == false);
  CHECK(j["counts"]["fail"] == 1);

  h.file("/dev/fuse", "", 0600);
  CHECK(h.get("/dev/fuse").fix.rfind("chmod 0666 /dev/fuse", 0) == 0);
  h.remove("/dev/net/tun");
  CHECK(h.get("/dev/net/tun").status == CheckStatus::Fail);
  CHECK(h.get("/dev/net/tun").fix == "modprobe tun");
}

TEST_CASE("doctor: AppArmor absent is a warning that its flags do not apply", "[builder][doctor]") {
  FakeHost h;
  CHECK_THAT(h.get("apparmor").detail, Catch::StartsWith("enabled, 3 profiles loaded"));
  h.remove("/sys/kernel/security");
  auto a = h.get("apparmor");
  CHECK(a.status == CheckStatus::Warn);
  CHECK_THAT(a.detail, Catch::Contains("AppArmor flags not applicable here"));
  // The module parameter alone also counts as enabled.
  h.file("/sys/module/apparmor/parameters/enabled", "Y\n");
  CHECK(h.get("apparmor").status == CheckStatus::Ok);
}

TEST_CASE("doctor: SELinux", "[builder][doctor]") {
  FakeHost h;
  CHECK(h.get("selinux").detail == "absent");
  h.file("/sys/fs/selinux/enforce", "1");
  CHECK(h.get("selinux").detail == "present, enforcing");
  h.file("/sys/fs/selinux/enforce", "0");
  CHECK(h.get("selinux").detail == "present, permissive");
}

TEST_CASE("doctor: cgroup hybrid and legacy are warnings", "[builder][doctor]") {
  FakeHost h;
  h.remove("/sys/fs/cgroup/cgroup.controllers");
  fs::create_directories(h.dir / "sys/fs/cgroup/memory");
  CHECK(h.get("cgroup").status == CheckStatus::Warn);
  CHECK_THAT(h.get("cgroup").detail, Catch::StartsWith("v1 (legacy)"));
  fs::create_directories(h.dir / "sys/fs/cgroup/unified");
  auto c = h.get("cgroup");
  CHECK(c.status == CheckStatus::Warn);
  CHECK_THAT(c.detail, Catch::Contains("hybrid"));
  CHECK_THAT(c.fix, Catch::Contains("systemd.unified_cgroup_hierarchy=1"));
}

TEST_CASE("doctor: kernel versions", "[builder][doctor]") {
  FakeHost h;
  h.file("/proc/sys/kernel/osrelease", "5.13.0\n");
  CHECK(h.get("kernel").status == CheckStatus::Ok);
  h.file("/proc/sys/kernel/osrelease", "5.10.0-28-amd64\n");
  auto k = h.get("kernel");
  CHECK(k.status == CheckStatus::Warn);
  CHECK_THAT(k.detail, Catch::Contains("native rootless overlay needs >= 5.13"));
  h.file("/proc/sys/kernel/osrelease", "4.15.0\n");
  CHECK(h.get("kernel").status == CheckStatus::Fail);
  h.file("/proc/sys/kernel/osrelease", "garbage\n");
  CHECK(h.get("kernel").status == CheckStatus::Warn);
}

TEST_CASE("doctor: user namespace switches", "[builder][doctor]") {
  FakeHost h;
  CHECK_THAT(h.get("kernel.unprivileged_userns_clone").detail, Catch::StartsWith("absent"));
  h.file("/proc/sys/kernel/unprivileged_userns_clone", "0\n");
  CHECK(h.get("kernel.unprivileged_userns_clone").status == CheckStatus::Fail);
  CHECK(h.get("kernel.unprivileged_userns_clone").fix == "sysctl -w kernel.unprivileged_userns_clone=1");
  h.file("/proc/sys/kernel/unprivileged_userns_clone", "1\n");
  CHECK(h.get("kernel.unprivileged_userns_clone").status == CheckStatus::Ok);

  h.file("/proc/sys/user/max_user_namespaces", "0\n");
  CHECK(h.get("user.max_user_namespaces").status == CheckStatus::Fail);
  h.remove("/proc/sys/user/max_user_namespaces");
  CHECK(h.get("user.max_user_namespaces").status == CheckStatus::Fail);
}

TEST_CASE("doctor: apparmor_restrict_unprivileged_userns needs podman and crun profiles", "[builder][doctor]") {
  FakeHost h;
  const std::string name = "kernel.apparmor_restrict_unprivileged_userns";
  h.file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n");
  CHECK(h.get(name).status == CheckStatus::Ok);
  CHECK(h.get(name).detail == "1, with the podman and crun profiles loaded");
  h.file("/sys/kernel/security/apparmor/profiles", "docker-default (enforce)\ncrun (unconfined)\n");
  auto w = h.get(name);
  CHECK(w.status == CheckStatus::Warn);
  CHECK_THAT(w.detail, Catch::Contains("no AppArmor profile loaded for podman"));
  CHECK_THAT(w.fix, Catch::Contains("apparmor_parser -r /etc/apparmor.d/podman"));
  h.file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0\n");
  CHECK(h.get(name).status == CheckStatus::Ok);
}

TEST_CASE("doctor: binfmt handlers for the foreign architecture", "[builder][doctor]") {
  FakeHost h;
  h.remove("/proc/sys/fs/binfmt_misc/qemu-aarch64");
  auto b = h.get("binfmt arm64");
  CHECK(b.status == CheckStatus::Warn);
  CHECK_THAT(b.fix, Catch::Contains("apt-get install qemu-user-static binfmt-support"));
  CHECK_THAT(b.fix, Catch::Contains("update-binfmts --enable qemu-aarch64"));

  h.file("/proc/sys/fs/binfmt_misc/qemu-aarch64", "disabled\ninterpreter /x\nflags: F\n");
  CHECK(h.get("binfmt arm64").fix == "update-binfmts --enable qemu-aarch64");
  h.file("/proc/sys/fs/binfmt_misc/qemu-aarch64", "enabled\ninterpreter /x\nflags: OC\n");
  CHECK(h.get("binfmt arm64").status == CheckStatus::Warn);
  CHECK_THAT(h.get("binfmt arm64").detail, Catch::Contains("without the F"));

  h.remove("/proc/sys/fs/binfmt_misc/status");
  CHECK_THAT(h.get("binfmt arm64").fix, Catch::StartsWith("mount -t binfmt_misc"));

  FakeHost arm;
  arm.host.host_arch = "arm64";
  auto items = arm.run();
  CHECK(std::any_of(items.begin(), items.end(), [](auto& i) { return i.item == "binfmt amd64"; }));
  CHECK(arm.get("binfmt amd64").detail == "qemu-x86_64 enabled (flags POCF)");
  CHECK(arm.get("qemu-x86_64-static").status == CheckStatus::Ok);
}

TEST_CASE("doctor: subordinate ids for the invoking user", "[builder][doctor]") {
  FakeHost h;
  h.file("/etc/subuid", "other:100000:65536\n");
  auto s = h.get("subuid");
  CHECK(s.status == CheckStatus::Fail);
  CHECK(s.fix == "usermod --add-subuids 100000-165535 builder");
  CHECK(h.get("subgid").status == CheckStatus::Ok);
  h.remove("/etc/subgid");
  CHECK(h.get("subgid").fix == "usermod --add-subgids 100000-165535 builder");

  h.file("/etc/subuid", "1000:1001:64535\n");  // by uid, and the nested-userns shape FIELD-NOTES measured
  CHECK(h.get("subuid").status == CheckStatus::Warn);
  h.file("/etc/subuid", "1000:100000:65536\n");
  CHECK(h.get("subuid").status == CheckStatus::Ok);

  h.host.uid = 0;
  h.host.user = "root";
  CHECK(h.get("subgid").status == CheckStatus::Ok);
  CHECK_THAT(h.get("subgid").detail, Catch::Contains("mmdebstrap --mode=root"));
}

TEST_CASE("doctor: tools on PATH", "[builder][doctor]") {
  FakeHost h;
  h.tools = {"qemu-aarch64-static", "newuidmap"};
  CHECK(h.get("mmdebstrap").status == CheckStatus::Fail);
  CHECK(h.get("mmdebstrap").fix == "apt-get install mmdebstrap");
  CHECK(h.get("newgidmap").status == CheckStatus::Fail);
  CHECK(h.get("newgidmap").fix == "apt-get install uidmap");
  h.tools = {"mmdebstrap"};
  CHECK(h.get("qemu-aarch64-static").status == CheckStatus::Warn);
  CHECK(h.get("qemu-aarch64-static").fix == "apt-get install qemu-user-static");
  // Root builds need no id-mapping helpers.
  h.host.uid = 0;
  auto items = h.run();
  CHECK(std::none_of(items.begin(), items.end(), [](auto& i) { return i.item == "newuidmap"; }));
}

TEST_CASE("doctor: engine and disk", "[builder][doctor]") {
  FakeHost h;
  h.engine = rig::unavailable("cannot connect to /var/run/docker.sock: No such file or directory", "start dockerd");
  auto e = h.get("engine");
  CHECK(e.status == CheckStatus::Fail);
  CHECK_THAT(e.detail, Catch::Contains("unreachable: cannot connect"));
  CHECK(e.fix == "start dockerd");

  h.free = 2ULL * 1000 * 1000 * 1000;
  auto d = h.get("disk");
  CHECK(d.status == CheckStatus::Warn);
  CHECK_THAT(d.detail, Catch::StartsWith("2.0 GB free under "));
  h.host.free_bytes = nullptr;
  CHECK(h.get("disk").status == CheckStatus::Warn);
}

TEST_CASE("doctor: table output", "[builder][doctor]") {
  FakeHost h;
  h.file("/dev/net/tun", "", 0600);
  h.remove("/sys/kernel/security");
  auto items = h.run();
  CHECK(count(items, CheckStatus::Fail) == 1);
  auto t = rig::doctor_table(items);
  CHECK_THAT(t, Catch::StartsWith("STATUS ITEM"));
  CHECK_THAT(t, Catch::Contains("\nfail   /dev/net/tun "));
  CHECK_THAT(t, Catch::Contains("\nwarn   apparmor "));
  CHECK_THAT(t, Catch::EndsWith(std::to_string(items.size() - 2) + " ok, 1 warn, 1 fail\n"));
}

TEST_CASE("doctor: Incus, lxc and root's subordinate ids are optional: warnings with their fixes", "[builder][doctor]") {
  FakeHost h;
  h.tools.erase("incus");
  h.tools.erase("lxc-start");
  h.file("/etc/subuid", "builder:100000:65536\n");
  auto items = h.run();
  CHECK(count(items, CheckStatus::Fail) == 0);
  CHECK(h.get("incus").status == CheckStatus::Warn);
  CHECK_THAT(h.get("incus").fix, Catch::Contains("bookworm-backports"));
  CHECK(h.get("lxc-start").status == CheckStatus::Warn);
  CHECK(h.get("root subuid").status == CheckStatus::Warn);
  CHECK(h.get("root subuid").fix == "usermod --add-subuids 1000000-1999999999 root");
  h.tools.insert("incus");
  h.host.incus = [] { return rig::Result<rig::EngineVersion>(rig::unavailable("connection refused")); };
  CHECK_THAT(h.get("incus").detail, Catch::Contains("does not answer"));
}

}  // namespace rigtest_host_doctor
