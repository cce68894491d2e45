// The optional "host" section of a recipe (recipes/hosts/): strict like the rest of the format.
#include "support/catch.hpp"

#include "builder/recipe.hpp"
#include "support/test_util.hpp"

namespace rigtest_vmhost_host_recipe {

using rigtest::json;
using rigtest::minimal_recipe;

namespace {

const std::string kPrefix = "load recipe '/nonexistent/recipes/hosts/unit.json': ";

rig::Result<rig::Recipe> parse(const json& j) { return rig::parse_recipe(j.dump(2), "/nonexistent/recipes/hosts/unit.json"); }

json host_recipe() {
  json j = minimal_recipe();
  j["files"] = {{{"path", "/usr/local/sbin/init"}, {"content", "#!/bin/sh\n"}, {"mode", "0755"}}};
  j["host"] = {{"init", "/usr/local/sbin/init"},
               {"cmdline", {"apparmor=1", "net.ifnames=0"}},
               {"sysctls", {{"kernel.apparmor_restrict_unprivileged_userns", "1"}}},
               {"disk_mb", 4096},
               {"initramfs_modules", {"virtio_pci", "virtio_blk", "ext4"}}};
  return j;
}

void check_rejected(const json& j, const std::string& path, const std::string& message) {
  auto r = parse(j);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() == kPrefix + path + ": " + message);
}

}  // namespace

TEST_CASE("host section: parsed into the recipe", "[vmhost][recipe]") {
  auto r = parse(host_recipe());
  REQUIRE(r.ok());
  REQUIRE(r->host.has_value());
  CHECK(r->host->init == "/usr/local/sbin/init");
  CHECK(r->host->cmdline == std::vector<std::string>{"apparmor=1", "net.ifnames=0"});
  CHECK(r->host->sysctls.at("kernel.apparmor_restrict_unprivileged_userns") == "1");
  CHECK(r->host->disk_mb == 4096);
  CHECK(r->host->initramfs_modules == std::vector<std::string>{"virtio_pci", "virtio_blk", "ext4"});
}

TEST_CASE("host section: absent in outer-image recipes, defaults when sparse", "[vmhost][recipe]") {
  auto plain = parse(minimal_recipe());
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->host.has_value());
  json j = host_recipe();
  j["host"] = {{"init", "/usr/local/sbin/init"}};
  auto r = parse(j);
  REQUIRE(r.ok());
  CHECK(r->host->cmdline.empty());
  CHECK(r->host->sysctls.empty());
  CHECK(r->host->disk_mb == 8192);
  CHECK(r->host->initramfs_modules.empty());
}

TEST_CASE("host section: mistakes are usage errors with their JSON path", "[vmhost][recipe]") {
  json j = host_recipe();
  j["host"]["kernel"] = "/boot/vmlinuz";
  check_rejected(j, "host.kernel", "unknown key (expected one of: cmdline, disk_mb, init, initramfs_modules, sysctls)");

  j = host_recipe();
  j["host"].erase("init");
  check_rejected(j, "host.init", "missing required field");

  j = host_recipe();
  j["host"]["init"] = "/sbin/other";
  check_rejected(j, "host.init", "'/sbin/other' is not one of the recipe's \"files\"");

  j = host_recipe();
  j["files"][0]["mode"] = "0644";
  check_rejected(j, "host.init", "'/usr/local/sbin/init' is not executable (give it a mode such as \"0755\")");

  j = host_recipe();
  j["host"]["cmdline"] = {"quiet", "init=/bin/sh"};
  check_rejected(j, "host.cmdline[1]", "'init=' is set by rigctl");

  j = host_recipe();
  j["host"]["cmdline"] = {"a b"};
  check_rejected(j, "host.cmdline[0]",
                 "expected one kernel argument, key or key=value ([a-z0-9_.-] keys; letters, digits and _ . / + - , : in "
                 "values), got 'a b'");

  j = host_recipe();
  j["host"]["sysctls"] = {{"Kernel Foo", "1"}};
  check_rejected(j, "host.sysctls", "'Kernel Foo' is not a sysctl name such as kernel.foo_bar");

  j = host_recipe();
  j["host"]["sysctls"] = {{"kernel.foo", "1 2"}};
  check_rejected(j, "host.sysctls.kernel.foo", "expected one word (letters, digits and _ . / + - , :), got '1 2'");

  j = host_recipe();
  j["host"]["disk_mb"] = 100;
  check_rejected(j, "host.disk_mb", "expected at least 1024 (MB)");

  j = host_recipe();
  j["host"]["initramfs_modules"] = {"virtio_blk", "ext4.ko.xz"};
  check_rejected(j, "host.initramfs_modules[1]",
                 "expected a module name such as virtio_blk (no path, no .ko, '_' not '-'), got 'ext4.ko.xz'");

  j = host_recipe();
  j["host"]["initramfs_modules"] = {"ext4", "ext4"};
  check_rejected(j, "host.initramfs_modules[1]", "'ext4' is listed twice");

  j = host_recipe();
  j["architectures"] = {"amd64", "arm64"};
  check_rejected(j, "architectures", "a host recipe lists exactly one architecture (the VM's), got 2");
}

TEST_CASE("host section: the shipped arm64 host recipe loads with its initramfs modules", "[vmhost][recipe]") {
  auto r = rig::load_recipe(rigtest::test_data_dir().parent_path() / "recipes" / "hosts" / "debian-trixie-arm64.json");
  REQUIRE(r.ok());
  REQUIRE(r->host.has_value());
  CHECK(r->architectures == std::vector<std::string>{"arm64"});
  CHECK(r->host->initramfs_modules == std::vector<std::string>{"virtio_pci", "virtio_blk", "crc32c_generic", "ext4"});
  for (auto* p : {"linux-image-arm64", "busybox-static", "docker.io", "kmod"})
    CHECK(std::find(r->packages.begin(), r->packages.end(), p) != r->packages.end());
}

TEST_CASE("host section: the shipped host recipe loads", "[vmhost][recipe]") {
  auto r = rig::load_recipe(rigtest::test_data_dir().parent_path() / "recipes" / "hosts" / "ubuntu-noble.json");
  REQUIRE(r.ok());
  REQUIRE(r->host.has_value());
  CHECK(r->host->sysctls.at("kernel.apparmor_restrict_unprivileged_userns") == "1");
  CHECK(std::find(r->packages.begin(), r->packages.end(), "docker.io") != r->packages.end());
}

}  // namespace rigtest_vmhost_host_recipe
