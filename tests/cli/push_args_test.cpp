// `rigctl push` and `build --push` refuse bad input with exit 2 before anything is built or sent: a
// reference without a registry host, --insecure for a registry that is not loopback, a Docker config
// that hands the host to a credential helper. Each message names what was wrong.
#include "support/catch.hpp"

#include "cli/recipe_arg.hpp"
#include "core/subprocess.hpp"
#include "support/fake_borders.hpp"
#include "support/test_util.hpp"

namespace rigtest_cli_push_args {

namespace {

rig::Completed rigctl_env(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env) {
  rig::Command c;
  c.argv = {rigtest::rigctl_binary()};
  c.argv.insert(c.argv.end(), args.begin(), args.end());
  c.env = std::move(env);
  auto r = rig::make_process_runner()->run(c);
  if (!r.ok()) FAIL("cannot run rigctl: " << r.error().what());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("cli: push refuses bad references and options before any work", "[cli][registry]") {
  rigtest::TempDir d;
  // An empty cache: anything built would show up here.
  std::vector<std::pair<std::string, std::string>> env = {{"XDG_CACHE_HOME", (d / "cache").string()},
                                                          {"DOCKER_CONFIG", (d / "docker").string()}};
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"push", "debian-trixie", "rigctl/debian-trixie:latest"}, "names no registry host"},
      {{"push", "debian-trixie", "127.0.0.1:5000/UPPER:x"}, "repository component 'UPPER'"},
      {{"push", "debian-trixie", "registry.example.org/rigctl/x", "--insecure"}, "'registry.example.org' is not loopback"},
      {{"build", "debian-trixie", "--push", "registry.example.org/rigctl/x", "--insecure"}, "--push"},
      {{"build", "debian-trixie", "--insecure"}, "--insecure applies to --push only"},
      {{"push", (d / "nothing").string() + "/", "127.0.0.1:5000/rigctl/x", "--insecure"}, "nothing"},
  };
  for (auto& c : cases) {
    auto r = rigctl_env(c.args, env);
    INFO(rig::shell_quote(c.args) << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(c.says));
  }
  rigtest::write_text(d / "docker" / "config.json", R"({"auths":{},"credsStore":"desktop"})");
  auto r = rigctl_env({"push", "debian-trixie", "127.0.0.1:5000/rigctl/x", "--insecure"}, env);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("credential helper"));
  CHECK_THAT(r.err, Catch::Contains((d / "docker" / "config.json").string()));
  CHECK_FALSE(std::filesystem::exists(d / "cache" / "rigctl"));
}

TEST_CASE("cli: a registry reference as RECIPE is pulled by the engine and names its recipe", "[cli][registry]") {
  rigtest::FakeConnector c;
  c.engine.image = rig::ImageInfo{"sha256:" + std::string(64, 'c'), {{"io.rigctl.recipe.name", "debian-trixie"}}};
  auto r = rig::cli::resolve_rig_image_arg("127.0.0.1:5000/rigctl/debian-trixie:it", "", true, c);
  REQUIRE(r);
  CHECK(r->recipe.filename() == "debian-trixie.json");
  CHECK(r->pulled_ref == "127.0.0.1:5000/rigctl/debian-trixie:it");
  CHECK(r->pulled_id == "sha256:" + std::string(64, 'c'));
  auto calls = c.calls();
  REQUIRE(calls.size() >= 3);
  CHECK(calls[1] == "pull 127.0.0.1:5000/rigctl/debian-trixie:it insecure");  // after the connect's version
  CHECK(calls[2] == "inspect-image 127.0.0.1:5000/rigctl/debian-trixie:it");

  // An image not built by rigctl, --insecure elsewhere than loopback, a pull the engine refuses.
  c.engine.image = rig::ImageInfo{"sha256:" + std::string(64, 'd'), {}};
  auto unlabelled = rig::cli::resolve_rig_image_arg("127.0.0.1:5000/other/x:1", "", true, c);
  REQUIRE_FALSE(unlabelled);
  CHECK(unlabelled.error().category() == rig::Category::Usage);
  CHECK_THAT(unlabelled.error().what(), Catch::Contains("not built by rigctl"));
  const size_t before = c.calls().size();
  auto remote = rig::cli::resolve_rig_image_arg("registry.example.org/rigctl/x:1", "", true, c);
  REQUIRE_FALSE(remote);
  CHECK(remote.error().category() == rig::Category::Usage);
  CHECK(c.calls().size() == before);  // refused before the engine was asked
  auto local = rig::cli::resolve_rig_image_arg("debian-trixie", "", true, c);
  REQUIRE_FALSE(local);
  CHECK_THAT(local.error().what(), Catch::Contains("--insecure applies to a registry reference"));
  c.engine.errors.insert_or_assign("pull", rig::unavailable("pull image: the engine failed it: manifest unknown"));
  auto refused = rig::cli::resolve_rig_image_arg("127.0.0.1:5000/rigctl/x:1", "", false, c);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().category() == rig::Category::Unavailable);
}

}  // namespace rigtest_cli_push_args
