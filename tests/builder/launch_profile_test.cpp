// launch.profile: the launch profile recipes share (recipes/profiles/launch.json), merged with what a
// recipe states differently (builder/recipe.cpp, resolve_launch).
#include "support/catch.hpp"

#include <fstream>
#include <regex>
#include <set>

#include "builder/recipe.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_launch_profile {

namespace {

using rigtest::json;

// A recipe directory: the full test recipe whose launch lives in profiles/launch.json, and whose own
// "launch" is `own`.
struct ProfileDir {
  rigtest::TempDir dir;
  json profile = rigtest::full_recipe()["launch"];
  rig::Result<rig::Recipe> load(const json& own, const std::string& profile_text = "") {
    rigtest::write_text(dir.path() / "profiles" / "launch.json", profile_text.empty() ? profile.dump(2) : profile_text);
    json r = rigtest::full_recipe();
    r["launch"] = own;
    rigtest::write_text(dir.path() / "unit.json", r.dump(2));
    return rig::load_recipe(dir.path() / "unit.json");
  }
};

}  // namespace

TEST_CASE("launch profile: a recipe naming it gets the profile's launch", "[builder][recipe][profile]") {
  ProfileDir p;
  auto r = p.load({{"profile", "profiles/launch.json"}});
  REQUIRE(r.ok());
  REQUIRE(r->launch);
  CHECK(r->launch->memory_mb == 1024);
  REQUIRE(r->launch->flags.size() == 1);
  CHECK(r->launch->flags[0].why == "rootless networking");
}

TEST_CASE("launch profile: the recipe's own keys merge over it, overrides patch one flag by id", "[builder][recipe][profile]") {
  ProfileDir p;
  auto r = p.load({{"profile", "profiles/launch.json"},
                   {"memory_mb", 2048},
                   {"ports", nullptr},  // null removes: this recipe publishes nothing
                   {"overrides", {{"tun", {{"expect", {{"check", "podman-info"}}}}}}}});
  REQUIRE(r.ok());
  CHECK(r->launch->memory_mb == 2048);
  CHECK(r->launch->pids_limit == 512);  // kept from the profile
  CHECK(r->launch->ports.empty());
  auto& f = r->launch->flags[0];
  CHECK(f.expect_check == "podman-info");
  CHECK_FALSE(f.expect_signature.empty());  // the profile's signature is kept: the patch merges
  CHECK(f.why == "rootless networking");
}

TEST_CASE("launch profile: an override of null drops that flag or hardening", "[builder][recipe][profile]") {
  ProfileDir p;
  p.profile["hardening"] = json::array({{{"id", "init"}, {"what", "w"}, {"why", "y"}, {"ablate", {{"kind", "init"}}},
                                         {"expect", {{"check", "init-reaps"}, {"signature", "pid1-not-init"}}}}});
  auto r = p.load({{"profile", "profiles/launch.json"}, {"overrides", {{"init", nullptr}}}});
  REQUIRE(r.ok());
  CHECK(r->launch->hardening.empty());
  CHECK(r->launch->flags.size() == 1);
  r = p.load({{"profile", "profiles/launch.json"}, {"overrides", {{"tun", nullptr}}}});
  REQUIRE(r.ok());
  CHECK(r->launch->flags.empty());
  CHECK(r->launch->hardening.size() == 1);
  // Dropping what the profile does not have is the same error as patching it.
  auto e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}, {"overrides", {{"nope", nullptr}}}}));
  CHECK_THAT(e.what(), Catch::Contains("launch.overrides.nope: the launch profile has no flag or hardening 'nope'"));
}

TEST_CASE("launch profile: extra_hardening appends the recipe's own hardenings after the profile's", "[builder][recipe][profile]") {
  ProfileDir p;
  p.profile["hardening"] = json::array({{{"id", "init"}, {"what", "w"}, {"why", "y"}, {"ablate", {{"kind", "init"}}},
                                         {"expect", {{"check", "init-reaps"}, {"signature", "pid1-not-init"}}}}});
  json extra = json::array({{{"id", "mine"}, {"what", "w"}, {"why", "only this recipe"}, {"ablate", {{"kind", "env"}, {"name", "X"}, {"value", "1"}}},
                             {"expect", {{"check", "inner-run"}, {"signature", "reopen-fd"}}}}});
  auto r = p.load({{"profile", "profiles/launch.json"}, {"extra_hardening", extra}});
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->launch->hardening.empty());
  CHECK(r->launch->hardening.back().id == "mine");
  CHECK(r->launch->hardening.size() == 2);
  // An id the profile already has is the usual duplicate error; not an array is an input error.
  extra[0]["id"] = "init";
  auto e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}, {"extra_hardening", extra}}));
  CHECK_THAT(e.what(), Catch::Contains("duplicate id"));
  e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}, {"extra_hardening", "x"}}));
  CHECK_THAT(e.what(), Catch::Contains("launch.extra_hardening: expected an array of hardenings"));
}

TEST_CASE("launch profile: bad profiles and overrides are input errors naming the field", "[builder][recipe][profile][hostile]") {
  ProfileDir p;
  auto e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}, {"overrides", {{"nope", {{"why", "x"}}}}}}));
  CHECK(e.category() == rig::Category::Usage);
  CHECK_THAT(e.what(), Catch::Contains("launch.overrides.nope: the launch profile has no flag or hardening 'nope'"));

  e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}, {"overrides", {{"tun", "x"}}}}));
  CHECK_THAT(e.what(), Catch::Contains("launch.overrides.tun: expected an object"));

  e = rigtest::error_of(p.load({{"profile", "../outside.json"}}));
  CHECK_THAT(e.what(), Catch::Contains("launch.profile: '../outside.json' resolves to"));
  CHECK_THAT(e.what(), Catch::Contains("outside the recipe's directory"));

  e = rigtest::error_of(p.load({{"profile", "profiles/missing.json"}}));
  CHECK_THAT(e.what(), Catch::Contains("launch.profile:"));

  e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}}, "{ not json"));
  CHECK_THAT(e.what(), Catch::Contains("launch.profile: the launch profile 'profiles/launch.json': "));

  e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}}, "[1, 2]"));
  CHECK_THAT(e.what(), Catch::Contains("is not a JSON object"));

  p.profile["profile"] = "launch.json";
  e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}}));
  CHECK_THAT(e.what(), Catch::Contains("profiles do not chain"));

  // An error inside the merged launch names the field and says the profile took part.
  p.profile.erase("profile");
  p.profile["flags"][0]["expect"]["check"] = "no-such-check";
  e = rigtest::error_of(p.load({{"profile", "profiles/launch.json"}}));
  CHECK_THAT(e.what(), Catch::Contains("launch (with its profile).flags[0].expect.check: expected a smoke check id"));
}

TEST_CASE("launch profile: the shipped recipes share one, so each flag's and hardening's why is written once", "[builder][recipe][profile]") {
  const auto recipes = rigtest::source_root() / "recipes";
  std::set<std::string> whys;
  for (const char* name : {"debian-trixie.json", "debian-bookworm.json", "ubuntu-noble.json", "debian-trixie-docker.json"}) {
    auto r = rig::load_recipe(recipes / name);
    REQUIRE(r.ok());
    REQUIRE(r->launch);
    // The Docker rig drops the cgroups flag (rootless dockerd uses no cgroups without systemd).
    CHECK(r->launch->flags.size() == (std::string(name) == "debian-trixie-docker.json" ? 8u : 9u));
    // The Docker rig drops the two podman-only hardenings (containers.conf's sysctls, libpod_parent) and
    // adds the seeds' runc wrapper.
    CHECK(r->launch->hardening.size() == (std::string(name) == "debian-trixie-docker.json" ? 6u : 7u));
    for (auto& f : r->launch->flags) whys.insert(f.why);
    for (auto& h : r->launch->hardening) whys.insert(h.why);
  }
  // Every why the recipes end up with occurs exactly once in the text under recipes/.
  std::string all;
  for (auto& e : std::filesystem::recursive_directory_iterator(recipes))
    if (e.path().extension() == ".json") {
      std::ifstream in(e.path());
      all += std::string(std::istreambuf_iterator<char>(in), {}) + "\n";
    }
  for (auto& why : whys) {
    size_t n = 0;
    for (size_t at = all.find(why); at != std::string::npos; at = all.find(why, at + 1)) ++n;
    INFO(why);
    CHECK(n == 1);
  }
}

}  // namespace rigtest_builder_launch_profile
