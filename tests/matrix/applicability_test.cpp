#include "support/catch.hpp"

#include "matrix/applicability.hpp"
#include "support/test_util.hpp"

namespace rigtest_matrix_applicability {

namespace {

rig::Recipe recipe(const std::string& name) {
  auto r = rig::load_recipe(rigtest::test_data_dir() / ".." / "recipes" / (name + ".json"));
  REQUIRE(r.ok());
  return r.value();
}

rig::Cell cell(const std::string& recipe, const std::string& arch, const std::string& engine = "docker",
               const std::string& network = "pasta", const std::string& storage = "overlay", const std::string& host = "local") {
  rig::Cell c;
  c.at = {{"host", host}, {"recipe", recipe}, {"arch", arch}, {"engine", engine}, {"network", network}, {"storage", storage}};
  return c;
}

rig::HostInfo amd64_host() {
  rig::HostInfo h;
  h.label = "t";
  h.arch = "amd64";
  h.fuse_device = true;
  h.binfmt = {{"arm64", ""}};
  h.engines["docker"] = {"unix:///var/run/docker.sock", true, "", "docker", "20.10", "1.41", "amd64", false};
  h.engines["podman"] = {"unix:///run/rigctl-podman.sock", false, "cannot connect: No such file or directory", "", "", "", "", false};
  return h;
}

}  // namespace

TEST_CASE("applicability: native cells run every stage", "[grid][applicability]") {
  auto r = recipe("debian-trixie");
  auto c = cell("debian-trixie", "amd64");
  auto h = amd64_host();
  CHECK(rig::cell_not_applicable(c, h, r).empty());
  for (auto* st : {"image", "smoke", "ablate", "bench"}) CHECK(rig::stage_not_applicable(c, st, h, r).empty());
}

TEST_CASE("applicability: a foreign arch gets image checks under qemu-user, never the nested chain", "[grid][applicability]") {
  auto r = recipe("debian-trixie");
  auto c = cell("debian-trixie", "arm64");
  auto h = amd64_host();
  CHECK(rig::stage_not_applicable(c, "image", h, r).empty());
  CHECK_THAT(rig::stage_not_applicable(c, "smoke", h, r),
             Catch::Contains("cannot run under user-mode emulation of arm64") && Catch::Contains("cannot clone: Invalid argument"));
  h.binfmt["arm64"] = "no qemu-user binfmt handler for arm64";
  CHECK(rig::stage_not_applicable(c, "image", h, r) == "no qemu-user binfmt handler for arm64");
}

TEST_CASE("applicability: an emulated arm64 VM host is native for arm64 cells: the whole chain runs there", "[grid][applicability]") {
  auto r = recipe("debian-trixie");
  // What probe_vm_host makes of the booted debian-trixie-arm64 host: its engine's own arch, no
  // binfmt table (nothing runs under qemu-user there).
  rig::HostInfo vm;
  vm.label = "vm:debian-trixie-arm64";
  vm.arch = "arm64";
  vm.fuse_device = true;
  vm.engines["docker"] = {"tcp://127.0.0.1:41234", true, "", "docker", "26.1.5", "1.41", "arm64", true};
  auto c = cell("debian-trixie", "arm64", "docker", "slirp4netns", "overlay", "vm:debian-trixie-arm64");
  CHECK(rig::cell_not_applicable(c, vm, r).empty());
  for (auto* st : {"image", "smoke", "ablate"}) CHECK(rig::stage_not_applicable(c, st, vm, r).empty());
  // The same cell on this amd64 machine's engine is image-only.
  auto local = cell("debian-trixie", "arm64", "docker", "slirp4netns", "overlay");
  CHECK_THAT(rig::stage_not_applicable(local, "smoke", amd64_host(), r), Catch::Contains("user-mode emulation of arm64"));
  // And an amd64 cell on the arm64 VM host would be the foreign one.
  auto amd = cell("debian-trixie", "amd64", "docker", "slirp4netns", "overlay", "vm:debian-trixie-arm64");
  CHECK_FALSE(rig::stage_not_applicable(amd, "smoke", vm, r).empty());
}

TEST_CASE("applicability: engine, host and recipe preconditions name the reason", "[grid][applicability]") {
  auto h = amd64_host();
  auto trixie = recipe("debian-trixie");
  CHECK(rig::cell_not_applicable(cell("debian-trixie", "amd64", "podman"), h, trixie) ==
        "engine podman unavailable: cannot connect: No such file or directory");
  CHECK(rig::cell_not_applicable(cell("debian-trixie", "amd64", "docker", "pasta", "overlay", "remote"), h, trixie) ==
        "host 'remote' is the engine at DOCKER_HOST, which is not set");
  // A VM host is judged on its own HostInfo; one that could not boot carries the reason for all its cells.
  auto vm = h;
  vm.vm_error = "VM host vm:noble: qemu-system-x86_64 is not installed";
  CHECK(rig::cell_not_applicable(cell("debian-trixie", "amd64", "docker", "pasta", "overlay", "vm:noble"), vm, trixie) ==
        "VM host vm:noble: qemu-system-x86_64 is not installed");
  CHECK(rig::cell_not_applicable(cell("debian-trixie", "amd64", "docker", "pasta", "overlay", "vm:noble"), h, trixie).empty());
  // The engine says what it is: a podman service where docker was expected does not count.
  h.engines["docker"].kind = "podman";
  CHECK(rig::cell_not_applicable(cell("debian-trixie", "amd64"), h, trixie) ==
        "the engine at unix:///var/run/docker.sock is podman, not docker");
  auto r = trixie;
  r.architectures = {"amd64"};
  h = amd64_host();
  CHECK(rig::cell_not_applicable(cell("debian-trixie", "arm64"), h, r) ==
        "recipe debian-trixie is not built for arm64 (architectures: amd64)");
}

TEST_CASE("applicability: inner network and storage come from the recipe and the host", "[grid][applicability]") {
  auto h = amd64_host();
  auto bookworm = recipe("debian-bookworm");
  CHECK(rig::stage_not_applicable(cell("debian-bookworm", "amd64"), "smoke", h, bookworm) ==
        "recipe debian-bookworm supports inner networks slirp4netns, not pasta");
  CHECK(rig::stage_not_applicable(cell("debian-bookworm", "amd64"), "image", h, bookworm).empty());
  CHECK(rig::stage_not_applicable(cell("debian-bookworm", "amd64", "docker", "slirp4netns"), "smoke", h, bookworm).empty());
  CHECK(rig::stage_not_applicable(cell("debian-bookworm", "amd64", "docker", "default"), "smoke", h, bookworm).empty());
  auto trixie = recipe("debian-trixie");
  h.fuse_device = false;
  CHECK(rig::stage_not_applicable(cell("debian-trixie", "amd64", "docker", "pasta", "fuse-overlayfs"), "smoke", h, trixie) ==
        "inner storage fuse-overlayfs needs /dev/fuse, which this host does not have");
  auto r = trixie;
  r.launch->inner_storage.pop_back();
  h.fuse_device = true;
  CHECK(rig::stage_not_applicable(cell("debian-trixie", "amd64", "docker", "pasta", "fuse-overlayfs"), "smoke", h, r) ==
        "recipe debian-trixie supports inner storage overlay, not fuse-overlayfs");
}

TEST_CASE("applicability: the confine stage needs an engine whose host has AppArmor", "[grid][applicability]") {
  auto r = recipe("debian-trixie");
  auto c = cell("debian-trixie", "amd64");
  auto h = amd64_host();
  CHECK(rig::stage_not_applicable(c, "confine", h, r) ==
        "the engine's host has no AppArmor enabled: there is no profile to confine the rig with");
  h.engines["docker"].apparmor = true;
  CHECK(rig::stage_not_applicable(c, "confine", h, r).empty());
}

}  // namespace rigtest_matrix_applicability
