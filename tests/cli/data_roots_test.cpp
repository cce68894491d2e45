// Where rigctl looks for its shipped data (cli/recipe_arg.hpp: data_roots), per kind of binary: a
// build-tree binary reads its checkout and never an installed copy; an installed one reads the data
// directory next to it, then the configured one; RIGCTL_HOME and the working directory come first.
#include "support/catch.hpp"

#include "cli/recipe_arg.hpp"
#include "support/test_util.hpp"

namespace rigtest_cli_data_roots {

namespace {

namespace fs = std::filesystem;
using rig::cli::DataLookup;
using rig::cli::data_roots;
using Roots = std::vector<fs::path>;

DataLookup dev_build() {
  DataLookup in;
  in.build_dir = "/src/rigctl/build";
  in.source_dir = "/src/rigctl";
  in.data_dir = "/usr/local/share/rigctl";
  in.exe_to_data = "../share/rigctl";
  return in;
}

}  // namespace

TEST_CASE("data roots: a build-tree binary reads its checkout, never an installed copy", "[cli][data-roots]") {
  auto in = dev_build();
  in.exe = "/src/rigctl/build/rigctl";
  CHECK(data_roots(in) == Roots{".", "/src/rigctl"});
  // The unit test binary lives one level down, and is a build-tree binary too.
  in.exe = "/src/rigctl/build/tests/rigctl_unit";
  CHECK(data_roots(in) == Roots{".", "/src/rigctl"});
}

TEST_CASE("data roots: RIGCTL_HOME first, then the working directory", "[cli][data-roots]") {
  auto in = dev_build();
  in.exe = "/src/rigctl/build/rigctl";
  in.home = "/opt/my-recipes";
  CHECK(data_roots(in) == Roots{"/opt/my-recipes", ".", "/src/rigctl"});
}

TEST_CASE("data roots: an installed binary reads the data directory next to it, then the configured one",
          "[cli][data-roots]") {
  // A package build compiles no checkout in (RIGCTL_FIND_SOURCE_TREE=OFF).
  DataLookup in;
  in.data_dir = "/usr/share/rigctl";
  in.exe_to_data = "../share/rigctl";
  in.exe = "/usr/bin/rigctl";
  CHECK(data_roots(in) == Roots{".", "/usr/share/rigctl"});
  // Installed elsewhere than configured (cmake --install --prefix, a DESTDIR tree): next to it first.
  in.exe = "/tmp/stage/usr/bin/rigctl";
  CHECK(data_roots(in) == Roots{".", "/tmp/stage/usr/share/rigctl", "/usr/share/rigctl"});
}

TEST_CASE("data roots: a dev build installed or copied elsewhere prefers installed data, then its checkout",
          "[cli][data-roots]") {
  auto in = dev_build();
  in.exe = "/usr/local/bin/rigctl";
  CHECK(data_roots(in) == Roots{".", "/usr/local/share/rigctl", "/src/rigctl"});
  // A directory that merely starts like the build directory is not inside it.
  in.exe = "/src/rigctl/build-other/rigctl";
  CHECK(data_roots(in) == Roots{".", "/src/rigctl/share/rigctl", "/usr/local/share/rigctl", "/src/rigctl"});
}

TEST_CASE("data roots: an unknown executable path still gives the configured roots", "[cli][data-roots]") {
  auto in = dev_build();
  in.exe.clear();
  CHECK(data_roots(in) == Roots{".", "/usr/local/share/rigctl", "/src/rigctl"});
}

TEST_CASE("data roots: this test binary resolves a recipe name to its checkout", "[cli][data-roots]") {
  auto roots = data_roots(rig::cli::this_binary_lookup());
  REQUIRE_FALSE(roots.empty());
  CHECK(fs::equivalent(roots.back(), rigtest::source_root()));
  auto p = rig::cli::resolve_recipe_arg("debian-bookworm");
  CHECK(fs::equivalent(p, rigtest::source_root() / "recipes/debian-bookworm.json"));
  CHECK(fs::equivalent(rig::cli::inner_image_recipe("inner-web"), rigtest::source_root() / "images/inner-web.json"));
  CHECK(fs::equivalent(rig::cli::shipped_file("ci/smoke-baseline.sh"), rigtest::source_root() / "ci/smoke-baseline.sh"));
  // A path is a path, never looked up.
  CHECK(rig::cli::resolve_recipe_arg("./x/debian-bookworm.json") == "./x/debian-bookworm.json");
}

}  // namespace rigtest_cli_data_roots
