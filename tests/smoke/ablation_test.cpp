#include "support/catch.hpp"

#include <set>

#include "builder/recipe.hpp"
#include "core/catalog.hpp"
#include "smoke/ablation.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_ablation {

namespace {

rig::Recipe trixie() {
  auto r = rig::load_recipe(rigtest::test_data_dir() / ".." / "recipes" / "debian-trixie.json");
  REQUIRE(r.ok());
  return r.value();
}

rig::CheckResult check(const std::string& id, rig::CheckState s, const std::string& out = "", double metric = -1) {
  rig::CheckResult c;
  c.id = id;
  c.status = s;
  c.output = out;
  c.metric = metric;
  return c;
}

rig::AblationItem item(const std::string& check, const std::string& sig) {
  rig::AblationItem i;
  i.id = "x";
  i.level = "flag";
  i.expect_check = check;
  i.expect_signature = sig;
  return i;
}

using S = rig::CheckState;

}  // namespace

TEST_CASE("ablation verdict: required when the expected check fails with the expected signature", "[smoke][ablation]") {
  auto r = rig::judge(item("inner-run", "/dev/net/tun.*No such file"),
                      {check("podman-info", S::Pass), check("inner-run", S::Fail, "Failed to open() /dev/net/tun: No such file or directory")},
                      1.4);
  CHECK(r.verdict == rig::Verdict::Required);
  CHECK(r.observed_check == "inner-run");
  CHECK_THAT(r.observed_error, Catch::Contains("/dev/net/tun"));
}

TEST_CASE("ablation verdict: required, different failure shows both", "[smoke][ablation]") {
  auto wrong_check = rig::judge(item("inner-run", "/dev/net/tun"), {check("podman-info", S::Fail, "cannot re-exec process")}, 1.4);
  CHECK(wrong_check.verdict == rig::Verdict::RequiredDifferent);
  CHECK_THAT(wrong_check.reason, Catch::Contains("expected inner-run") && Catch::Contains("saw podman-info"));
  auto wrong_error = rig::judge(item("inner-run", "/dev/net/tun"), {check("inner-run", S::Fail, "something else")}, 1.4);
  CHECK(wrong_error.verdict == rig::Verdict::RequiredDifferent);
}

TEST_CASE("ablation verdict: not needed when the whole chain passes", "[smoke][ablation]") {
  auto r = rig::judge(item("inner-run", "overlay"), {check("outer-up", S::Pass), check("inner-run", S::Pass)}, 1.4);
  CHECK(r.verdict == rig::Verdict::NotNeeded);
  CHECK(r.observed_check.empty());
}

TEST_CASE("ablation verdict: not applicable when the precondition is absent", "[smoke][ablation]") {
  auto i = item("inner-run", "overlay");
  i.not_applicable = "the host kernel has no AppArmor enabled";
  auto r = rig::judge(i, {}, 1.4);
  CHECK(r.verdict == rig::Verdict::NotApplicable);
  CHECK(r.reason == "the host kernel has no AppArmor enabled");
}

TEST_CASE("ablation verdict: --init is judged by the measured restart time", "[smoke][ablation]") {
  // The item ran with the short stop timeout (4 s): waited out, the restart is ~4 s longer.
  auto slow = rig::judge(item("restart-workspace", "slow-restart"), {check("restart-workspace", S::Pass, "", 5.3)}, 1.4);
  CHECK(slow.verdict == rig::Verdict::Required);
  CHECK_THAT(slow.observed_error, Catch::Contains("5.3 s") && Catch::Contains("1.4 s") && Catch::Contains("of the 4 s stop timeout"));
  // The line: 60% of the timeout beyond the baseline's restart.
  CHECK(rig::judge(item("restart-workspace", "slow-restart"), {check("restart-workspace", S::Pass, "", 1.4 + 2.45)}, 1.4).verdict ==
        rig::Verdict::Required);
  CHECK(rig::judge(item("restart-workspace", "slow-restart"), {check("restart-workspace", S::Pass, "", 1.4 + 2.3)}, 1.4).verdict ==
        rig::Verdict::NotNeeded);
  auto fast = rig::judge(item("restart-workspace", "slow-restart"), {check("restart-workspace", S::Pass, "", 1.6)}, 1.4);
  CHECK(fast.verdict == rig::Verdict::NotNeeded);
  auto broke = rig::judge(item("restart-workspace", "slow-restart"), {check("outer-up", S::Fail, "exited")}, 1.4);
  CHECK(broke.verdict == rig::Verdict::RequiredDifferent);
}

TEST_CASE("ablation items: flags then hardenings, AppArmor not applicable without AppArmor", "[smoke][ablation]") {
  auto r = trixie();
  auto items = rig::ablation_items(r, "docker", rig::HostFeatures{});
  std::vector<std::string> ids;
  for (auto& i : items) ids.push_back(i.id);
  CHECK(ids == std::vector<std::string>{"tun", "seccomp", "apparmor", "systempaths", "fuse", "cgroups", "nesting", "intercept-mknod", "intercept-setxattr", "fcaps", "default-sysctls",
                                        "owned-mountpoints", "store-on-volume", "runtime-wipe", "init", "cgroup-delegation",
                                        // every capability of Docker's default set: kept ones first
                                        "cap-setuid", "cap-setgid", "cap-sys-chroot", "cap-chown", "cap-dac-override",
                                        "cap-fsetid", "cap-fowner", "cap-mknod", "cap-net-raw", "cap-setfcap", "cap-setpcap",
                                        "cap-net-bind-service", "cap-kill", "cap-audit-write"});
  CHECK(items[2].not_applicable == "the host kernel has no AppArmor enabled");
  CHECK(items[0].not_applicable.empty());
  // The fuse device belongs to the fuse-overlayfs storage only.
  CHECK(items[4].not_applicable == "only with inner storage fuse-overlayfs (this rig uses overlay)");
  CHECK(rig::ablation_items(r, "docker", rig::HostFeatures{}, "fuse-overlayfs")[4].not_applicable.empty());
  CHECK(items[6].not_applicable == "docker does not use this flag");  // nesting: an Incus key
  CHECK(items[9].level == "image");
  CHECK(items[12].level == "launch");
  rig::HostFeatures aa;
  aa.apparmor = true;
  auto with_aa = rig::ablation_items(r, "docker", aa);
  CHECK(with_aa[2].not_applicable.empty());
  r.launch->flags[1].engines = {"docker"};
  auto podman = rig::ablation_items(r, "podman", rig::HostFeatures{});
  CHECK(podman[1].not_applicable == "podman does not use this flag");
  CHECK(podman[0].not_applicable.empty());
}

TEST_CASE("ablation items: the cgroups flag and the delegation apply only on cgroup v2 with a writable-cgroups engine", "[smoke][ablation]") {
  auto r = trixie();
  auto find = [](const std::vector<rig::AblationItem>& items, const std::string& id) {
    for (auto& i : items)
      if (i.id == id) return i;
    FAIL("no item " << id);
    return rig::AblationItem{};
  };
  auto v1 = rig::ablation_items(r, "docker", rig::HostFeatures{true, 2, "1", false});
  CHECK(find(v1, "cgroups").not_applicable == "the engine's host runs cgroup v1 (inner limits need cgroup v2 delegation)");
  CHECK(find(v1, "cgroup-delegation").not_applicable == find(v1, "cgroups").not_applicable);
  auto old_docker = rig::ablation_items(r, "docker", rig::HostFeatures{true, 2, "2", false});
  CHECK_THAT(find(old_docker, "cgroups").not_applicable, Catch::Contains("Docker 28, API 1.48"));
  auto v2 = rig::ablation_items(r, "docker", rig::HostFeatures{true, 2, "2", true});
  CHECK(find(v2, "cgroups").not_applicable.empty());
  CHECK(find(v2, "cgroup-delegation").not_applicable.empty());
  CHECK(find(v2, "cgroup-delegation").level == "launch");
  auto podman = rig::ablation_items(r, "podman", rig::HostFeatures{true, 2, "2", true});
  CHECK(find(podman, "cgroups").not_applicable == "podman does not use this flag");
  CHECK(find(podman, "cgroup-delegation").not_applicable == "podman does not use the cgroups flag it needs");
}

TEST_CASE("ablation items: each default capability once, kept ones run dropped, dropped ones judged by the baseline", "[smoke][ablation][capabilities]") {
  auto items = rig::ablation_items(trixie(), "docker", rig::HostFeatures{});
  std::set<std::string> caps;
  for (auto& i : items) {
    if (i.level != "capability") continue;
    CHECK(caps.insert(i.capability).second);
    if (i.capability == "SETUID" || i.capability == "SETGID" || i.capability == "SYS_CHROOT") {
      CHECK_FALSE(i.by_baseline);
      CHECK_FALSE(i.expect_signature.empty());
    } else {
      CHECK(i.by_baseline);
    }
  }
  CHECK(caps.size() == rig::kDefaultCapabilities.size());
  auto chown = std::find_if(items.begin(), items.end(), [](auto& i) { return i.id == "cap-chown"; });
  REQUIRE(chown != items.end());
  auto res = rig::judge(*chown, {}, 1.0);
  CHECK(res.verdict == rig::Verdict::NotNeeded);
  CHECK(res.reason == "dropped by the profile: the baseline passed the chain without it");
  // A kept capability is judged on its own run like a flag.
  auto setuid = *std::find_if(items.begin(), items.end(), [](auto& i) { return i.id == "cap-setuid"; });
  rig::CheckResult failed;
  failed.id = "podman-info";
  failed.status = rig::CheckState::Fail;
  failed.output = "Error: cannot set up namespace using \"/usr/bin/newuidmap\": fork/exec /usr/bin/newuidmap: operation not permitted";
  CHECK(rig::judge(setuid, {failed}, 1.0).verdict == rig::Verdict::Required);
  failed.output = "something else";
  CHECK(rig::judge(setuid, {failed}, 1.0).verdict == rig::Verdict::RequiredDifferent);
}

TEST_CASE("ablation variants: each image-level variant removes exactly its hardening", "[smoke][ablation]") {
  auto r = trixie();
  auto find = [&](const std::string& id) -> const rig::Hardening& {
    for (auto& h : r.launch->hardening)
      if (h.id == id) return h;
    FAIL("no hardening " << id);
    throw;
  };
  auto fc = rig::variant_recipe(r, find("fcaps"));
  REQUIRE(fc.ok());
  CHECK(fc->file_capabilities.empty());
  CHECK(fc->name == "debian-trixie-without-fcaps");
  CHECK(fc->text != r.text);
  CHECK(fc->directories.size() == r.directories.size());

  auto sysctl = rig::variant_recipe(r, find("default-sysctls"));
  REQUIRE(sysctl.ok());
  for (auto& f : sysctl->files)
    if (f.path == "/home/builder/.config/containers/containers.conf") {
      CHECK(f.content.find("default_sysctls") == std::string::npos);
      CHECK(f.content.find("cgroup_manager = \"cgroupfs\"") != std::string::npos);
    }

  auto dirs = rig::variant_recipe(r, find("owned-mountpoints"));
  REQUIRE(dirs.ok());
  CHECK(dirs->directories.size() == r.directories.size() - 1);
  for (auto& d : dirs->directories) CHECK(d.path != "/home/builder/.local/share/containers");

  auto launch_level = rig::variant_recipe(r, find("init"));
  CHECK_FALSE(launch_level.ok());
}

TEST_CASE("ablation reports: markdown table and JUnit", "[smoke][ablation]") {
  rig::AblationReport rep;
  rep.recipe = "debian-trixie";
  rep.baseline_passed = true;
  rep.host = {"6.18.0", "docker", "20.10.24", "1.41", "unix:///var/run/docker.sock", "5.4.2", "amd64", "podman", "5.4.2"};
  auto i = item("inner-run", "x|y");
  i.id = "tun";
  i.what = "passes | the tun device";
  rig::ItemResult a;
  a.item = i;
  a.verdict = rig::Verdict::Required;
  a.observed_check = "inner-run";
  a.observed_error = "Failed to open() /dev/net/tun";
  rig::ItemResult b = a;
  b.item.id = "apparmor";
  b.verdict = rig::Verdict::NotApplicable;
  b.reason = "no AppArmor";
  rig::ItemResult c = a;
  c.item.id = "odd";
  c.verdict = rig::Verdict::RequiredDifferent;
  c.reason = "expected a, saw b";
  rep.items = {a, b, c};
  auto md = rig::ablation_markdown(rep);
  CHECK_THAT(md, Catch::Contains("| `tun` | flag | passes \\| the tun device |"));
  CHECK_THAT(md, Catch::Contains("**required** | inner-run: Failed to open() /dev/net/tun |"));
  CHECK_THAT(md, Catch::Contains("**not applicable** | no AppArmor |"));
  auto x = rig::ablation_junit(rep);
  CHECK_THAT(x, Catch::Contains("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""));
  CHECK_THAT(x, Catch::Contains("<failure message=\"expected a, saw b\">"));
  auto j = rig::ablation_json(rep);
  CHECK(j["items"][0]["verdict"] == "required");
  CHECK(j["items"][2]["verdict"] == "required, different failure");
}

}  // namespace rigtest_smoke_ablation
