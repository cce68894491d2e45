#include "support/catch.hpp"

#include <algorithm>
#include <set>

#include "matrix/matrix_file.hpp"
#include "smoke/ablation.hpp"
#include "support/test_util.hpp"

namespace rigtest_matrix_matrix_file {

using rigtest::json;

namespace {

json base() {
  return json::parse(R"({
    "schema": "rigctl/matrix/v1", "name": "t",
    "axes": {"host": ["local"], "recipe": ["a", "b"], "arch": ["amd64", "arm64"], "engine": ["docker"],
             "network": ["pasta", "slirp4netns"], "storage": ["overlay"]},
    "run": ["smoke", "image"]
  })");
}

rig::MatrixFile parse_ok(const json& j) {
  auto m = rig::parse_matrix(j.dump(), "m.json");
  if (!m.ok()) FAIL(m.error().what());
  return m.value();
}

void check_rejected(const json& j, const std::string& message) {
  auto m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().category() == rig::Category::Usage);
  CHECK(m.error().what() == "load matrix 'm.json': " + message);
}

}  // namespace

TEST_CASE("matrix: expansion is the product of the axes, in axis order, stages in pipeline order", "[grid][matrix]") {
  auto m = parse_ok(base());
  auto cells = rig::expand(m);
  REQUIRE(cells.size() == 8);
  CHECK(cells[0].id() == "local/a/amd64/docker/pasta/overlay");
  CHECK(cells[1].id() == "local/a/amd64/docker/slirp4netns/overlay");
  CHECK(cells[7].id() == "local/b/arm64/docker/slirp4netns/overlay");
  CHECK(cells[0].run == std::vector<std::string>{"image", "smoke"});
}

TEST_CASE("matrix: rules replace stages and exclude with a reason; later rules win for stages", "[grid][matrix]") {
  auto j = base();
  j["rules"] = json::parse(R"([
    {"match": {"arch": "arm64"}, "run": ["image"]},
    {"match": {"arch": "arm64", "recipe": ["b"]}, "exclude": "not on CI"},
    {"match": {"recipe": "a", "network": "pasta"}, "run": ["smoke", "ablate"]}
  ])");
  auto cells = rig::expand(parse_ok(j));
  auto find = [&](const std::string& id) -> const rig::Cell& {
    for (auto& c : cells)
      if (c.id() == id) return c;
    FAIL("no cell " << id);
    throw;
  };
  CHECK(find("local/a/arm64/docker/slirp4netns/overlay").run == std::vector<std::string>{"image"});
  CHECK(find("local/a/arm64/docker/pasta/overlay").run == std::vector<std::string>{"smoke", "ablate"});
  CHECK(find("local/b/arm64/docker/pasta/overlay").excluded == "not on CI");
  CHECK(find("local/b/amd64/docker/pasta/overlay").excluded.empty());
  CHECK(cells.size() == 8);  // excluded cells stay in the list
}

TEST_CASE("matrix: ablate.only and bench settings are read", "[grid][matrix]") {
  auto j = base();
  j["ablate"] = {{"only", {"apparmor", "tun"}}};
  j["bench"] = {{"items", {"storage"}}, {"runs", 2}};
  auto m = parse_ok(j);
  CHECK(m.ablate_only == std::vector<std::string>{"apparmor", "tun"});
  CHECK(m.bench_items == std::vector<std::string>{"storage"});
  CHECK(m.bench_runs == 2);
}

TEST_CASE("matrix: --cells globs select by id", "[grid][matrix]") {
  auto cells = rig::expand(parse_ok(base()));
  CHECK(rig::cell_selected(cells[0], ""));
  CHECK(rig::cell_selected(cells[0], "local/a/*"));
  CHECK_FALSE(rig::cell_selected(cells[0], "local/b/*"));
  CHECK(rig::cell_selected(cells[0], "local/b/*,*/pasta/*"));
  CHECK(rig::cell_selected(cells[0], "*"));
}

TEST_CASE("matrix: the shipped matrix files parse, and ci covers 3 recipes x 2 engines x 2 networks on amd64", "[grid][matrix]") {
  for (const char* name : {"ci", "nightly", "full", "vm"}) {
    auto m = rig::load_matrix(rigtest::test_data_dir() / ".." / "matrix" / (std::string(name) + ".json"));
    if (!m.ok()) FAIL(m.error().what());
  }
  auto ci = rig::load_matrix(rigtest::test_data_dir() / ".." / "matrix" / "ci.json");
  REQUIRE(ci.ok());
  int smoke_amd64 = 0;
  for (auto& c : rig::expand(*ci))
    if (c["arch"] == "amd64" && c.excluded.empty() && std::find(c.run.begin(), c.run.end(), "smoke") != c.run.end()) ++smoke_amd64;
  CHECK(smoke_amd64 == 12);
}

TEST_CASE("matrix: every shipped matrix's ablate.only ids are items of its recipes", "[grid][matrix]") {
  const auto root = rigtest::test_data_dir() / "..";
  for (const char* name : {"ci", "nightly", "full", "vm", "vm-ci", "findings", "runtimes"}) {
    INFO(name);
    auto m = rig::load_matrix(root / "matrix" / (std::string(name) + ".json"));
    REQUIRE(m.ok());
    std::set<std::string> known;
    for (auto& recipe : m->axes.at("recipe")) {
      auto r = rig::load_recipe(root / "recipes" / (recipe + ".json"));
      REQUIRE(r.ok());
      for (auto& item : rig::ablation_items(*r, "docker", rig::HostFeatures{})) known.insert(item.id);
    }
    for (auto& id : m->ablate_only) CHECK(known.count(id) == 1);
  }
}

TEST_CASE("matrix: vm.json runs each VM host's own recipe on its own arch, smoke, confine and ablation", "[grid][matrix]") {
  auto vm = rig::load_matrix(rigtest::test_data_dir() / ".." / "matrix" / "vm.json");
  REQUIRE(vm.ok());
  std::vector<std::string> runnable;
  size_t excluded = 0;
  for (auto& c : rig::expand(*vm)) {
    if (!c.excluded.empty()) {
      ++excluded;
      continue;
    }
    runnable.push_back(c["host"] + "/" + c["recipe"] + "/" + c["arch"]);
    CHECK(c.run == std::vector<std::string>{"smoke", "confine", "ablate"});
  }
  std::sort(runnable.begin(), runnable.end());
  // The Docker rig on the noble host too.
  CHECK(runnable == std::vector<std::string>{"vm:debian-trixie-arm64/debian-trixie/arm64", "vm:ubuntu-noble/debian-trixie-docker/amd64",
                                             "vm:ubuntu-noble/ubuntu-noble/amd64"});
  CHECK(excluded == 9);  // listed with their reasons, never dropped
}

TEST_CASE("matrix: bad files are usage errors naming the field", "[grid][matrix][validation]") {
  auto j = base();
  j["schema"] = "rigctl/matrix/v0";
  check_rejected(j, "schema: expected \"rigctl/matrix/v1\"");
  j = base();
  j["axes"]["arch"] = {"amd64", "sparc"};
  check_rejected(j, "axes.arch: expected one of amd64, arm64, got 'sparc'");
  j = base();
  j["axes"]["host"] = {"mainframe"};
  check_rejected(j, "axes.host: expected local, remote or vm:<name> (a name under recipes/hosts/), got 'mainframe'");
  j = base();
  j["axes"].erase("storage");
  check_rejected(j, "axes.storage: missing required field");
  j = base();
  j["run"] = {"smoke", "fuzz"};
  check_rejected(j, "run: expected stages image, smoke, confine, ablate or bench, got 'fuzz'");
  j = base();
  j["rules"] = json::parse(R"([{"match": {"recipe": "c"}, "exclude": "x"}])");
  check_rejected(j, "rules[0].match.recipe: 'c' is not a value of axes.recipe");
  j = base();
  j["rules"] = json::parse(R"([{"match": {"recipe": "a"}}])");
  check_rejected(j, "rules[0]: expected \"run\" or \"exclude\"");
  j = base();
  j["extra"] = 1;
  auto m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().what(), Catch::Contains("extra"));
}

TEST_CASE("matrix: names that become result paths are plain names; endpoints and bench items are checked at load",
          "[grid][matrix]") {
  auto j = base();
  j["axes"]["recipe"] = {"../../etc"};
  check_rejected(j, "axes.recipe: expected a recipe name under recipes/ ([a-z0-9][a-z0-9._-]*, at most 64 characters), got '../../etc'");
  j = base();
  j["axes"]["host"] = {"vm:../x"};
  check_rejected(j, "axes.host: expected local, remote or vm:<name> (a name under recipes/hosts/), got 'vm:../x'");
  j = base();
  j["engines"] = {{"podman", "ftp://x"}};
  auto m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().what(), Catch::StartsWith("load matrix 'm.json': engines: engines.podman: "));
  j = base();
  j["bench"] = {{"items", {"no-such-item"}}};
  m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().what(), Catch::Contains("bench.items: ") && Catch::Contains("no-such-item"));
}

TEST_CASE("matrix: duplicate keys and out-of-range numbers are refused, never thrown", "[grid][matrix]") {
  auto m = rig::parse_matrix(R"({"schema": "rigctl/matrix/v1", "name": "a", "name": "b"})", "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().what() == "load matrix 'm.json': name: duplicate key (a key may appear once in an object)");
  auto n = rig::parse_matrix(R"({"schema": "rigctl/matrix/v1", "bench": {"runs": 1e400}})", "m.json");
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().category() == rig::Category::Usage);
  auto big = rig::parse_matrix(R"({"schema": "rigctl/matrix/v1", "name": "a", "axes": {}, "run": [], "bench": {"runs": 18446744073709551616}})", "m.json");
  CHECK_FALSE(big.ok());
}

}  // namespace rigtest_matrix_matrix_file

namespace rigtest_matrix_matrix_file_bounds {

using rigtest::json;

// Found by review: 2000 hosts x 2000 recipes expanded to millions of cells (out of memory, exit 70).
TEST_CASE("matrix: axes and cells are bounded before expansion; names print escaped", "[grid][matrix]") {
  auto j = rigtest_matrix_matrix_file::base();
  j["axes"]["recipe"] = json::array();
  for (int i = 0; i < 65; ++i) j["axes"]["recipe"].push_back("r" + std::to_string(i));
  auto m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().what(), Catch::Contains("axes.recipe: expected at most 64 values, got 65"));
  j = rigtest_matrix_matrix_file::base();
  j["axes"]["host"] = json::array();
  j["axes"]["recipe"] = json::array();
  for (int i = 0; i < 64; ++i) {
    j["axes"]["host"].push_back("vm:h" + std::to_string(i));
    j["axes"]["recipe"].push_back("r" + std::to_string(i));
  }
  m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().what(), Catch::Contains("axes: the axes make more than 4096 cells"));
  j = rigtest_matrix_matrix_file::base();
  j["name"] = "evil\n\x1b[2J";
  m = rig::parse_matrix(j.dump(), "m.json");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().what(), Catch::Contains("name: expected a name of at most 128 characters without control characters"));
  CHECK(std::string(m.error().what()).find('\x1b') == std::string::npos);
}

}  // namespace rigtest_matrix_matrix_file_bounds
