// The orchestrators above the borders (open_session, run_smoke, run_ablation, run_cell,
// probe_host_info, run_bench) on recording fakes (support/fake_borders.hpp): what they connect to,
// what they ask to be built, what they make in the engine and that they remove it on every path.
#include "support/catch.hpp"

#include <algorithm>

#include "bench/bench.hpp"
#include "matrix/cell_run.hpp"
#include "host/host_facts.hpp"
#include "smoke/ablate_run.hpp"
#include "smoke/smoke_run.hpp"
#include "support/fake_borders.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_orchestrators {

namespace {

rig::SessionOptions trixie_session() {
  rig::SessionOptions o;
  o.recipe = rigtest::source_root() / "recipes" / "debian-trixie.json";
  o.engine = "unix:///fake/docker.sock";
  o.port_search_from = 41000;  // a free window, whatever else runs on this machine
  return o;
}

size_t count_prefix(const std::vector<std::string>& calls, const std::string& prefix) {
  return static_cast<size_t>(std::count_if(calls.begin(), calls.end(), [&](auto& c) { return c.rfind(prefix, 0) == 0; }));
}

bool has(const std::vector<std::string>& calls, const std::string& call) {
  return std::find(calls.begin(), calls.end(), call) != calls.end();
}

// One local docker cell of debian-trixie/amd64 running only the image stage, in a private out dir.
struct CellFixture {
  rigtest::TempDir dir;
  rig::Recipe recipe = rig::load_recipe(rigtest::source_root() / "recipes" / "debian-trixie.json").value();
  rig::HostInfo host;
  rig::Cell cell;
  rig::CellEnv env;
  CellFixture() {
    host.label = "local";
    host.arch = "amd64";
    host.cpus = 2;
    rig::EngineFacts docker;
    docker.endpoint = "unix:///fake/docker.sock";
    docker.available = true;
    docker.kind = "docker";
    docker.arch = "amd64";
    host.engines["docker"] = docker;
    cell.at = {{"host", "local"},   {"recipe", "debian-trixie"}, {"arch", "amd64"},
               {"engine", "docker"}, {"network", "pasta"},        {"storage", "overlay"}};
    cell.run = {"image"};
    env.host = &host;
    env.recipe = &recipe;
    env.out_dir = dir.path() / "cell";
  }
  rig::Result<rig::CellResult> run(const rig::Borders& b) { return rig::run_cell(cell, env, b); }
};

}  // namespace

TEST_CASE("session: an absent engine stops it before anything is built or made", "[orchestrators][session]") {
  rigtest::FakeBorders f;
  f.engines.error = rig::unavailable("cannot connect to the engine");
  auto s = rig::open_session(trixie_session(), f.borders(), {});
  CHECK(rigtest::error_of(s).category() == rig::Category::Unavailable);
  CHECK(f.engines.endpoints == std::vector<std::string>{"unix:///fake/docker.sock"});
  CHECK(f.images.asked.empty());
  CHECK(f.runner.commands().empty());
}

TEST_CASE("session: images for the engine's arch, a rig named for the recipe and run, removed with the session", "[orchestrators][session]") {
  rigtest::FakeBorders f;
  auto s = rig::open_session(trixie_session(), f.borders(), {});
  REQUIRE(s.ok());
  auto& sess = *s.value();
  CHECK(f.images.asked == std::vector<std::string>{"debian-trixie amd64"});
  CHECK(sess.name == "rigctl-debian-trixie-" + sess.run_id);
  CHECK(sess.spec.image == "rigctl/debian-trixie:amd64");
  auto calls = f.engines.calls();
  CHECK(has(calls, "create-container " + sess.name));
  CHECK(has(calls, "start id-" + sess.name));
  const auto volumes = count_prefix(calls, "create-volume ");
  CHECK(volumes >= 1);
  // Every port the rig publishes lies in the window reserved for it.
  REQUIRE_FALSE(sess.ports.empty());
  CHECK(sess.ports.front()->base() >= 41000);
  const std::string name = sess.name;  // the session (and sess with it) ends here
  s.value().reset();
  calls = f.engines.calls();
  CHECK(has(calls, "remove-container id-" + name));
  CHECK(count_prefix(calls, "remove-container ") == 1);
  CHECK(count_prefix(calls, "remove-volume ") == volumes);
}

TEST_CASE("session: a build that fails makes nothing in the engine", "[orchestrators][session]") {
  rigtest::FakeBorders f;
  f.images.error = rig::Error(rig::Category::Internal, "mmdebstrap failed");
  auto s = rig::open_session(trixie_session(), f.borders(), {});
  CHECK_THAT(rigtest::error_of(s).what(), Catch::Contains("mmdebstrap failed"));
  auto calls = f.engines.calls();
  CHECK(count_prefix(calls, "create-") == 0);
}

TEST_CASE("session: a container the engine refuses unwinds the volumes made for it", "[orchestrators][session]") {
  rigtest::FakeBorders f;
  f.engines.engine.errors.insert_or_assign("create-container", rig::Error(rig::Category::Internal, "no space left on device"));
  auto s = rig::open_session(trixie_session(), f.borders(), {});
  CHECK_THAT(rigtest::error_of(s).what(), Catch::Contains("no space left on device"));
  auto calls = f.engines.calls();
  CHECK(count_prefix(calls, "remove-volume ") == count_prefix(calls, "create-volume "));
  CHECK(count_prefix(calls, "start ") == 0);
}

TEST_CASE("smoke: the chain runs on the launched rig and the rig is removed after it", "[orchestrators][smoke]") {
  rigtest::FakeBorders f;
  f.engines.engine.running = false;  // the outer container exited: outer-up fails, the rest is not run
  rig::SmokeRequest req;
  req.session = trixie_session();
  std::vector<std::string> seen;
  req.on_result = [&](const rig::CheckResult& r) { seen.push_back(r.id); };
  auto rep = rig::run_smoke(req, f.borders(), {});
  REQUIRE(rep.ok());
  CHECK(rep->recipe == "debian-trixie");
  CHECK(rep->rig == "rigctl-debian-trixie-" + rep->run_id);
  CHECK(rep->host.engine == "docker");
  REQUIRE_FALSE(rep->checks.empty());
  CHECK(rep->checks.front().id == "outer-up");
  CHECK(rep->checks.front().status == rig::CheckState::Fail);
  CHECK(rep->count(rig::CheckState::Pass) == 0);
  CHECK_FALSE(rep->passed());
  CHECK(seen.size() == rep->checks.size());
  CHECK(rep->leftover.empty());
  CHECK(has(f.engines.calls(), "remove-container id-" + rep->rig));
}

TEST_CASE("smoke: --keep leaves the rig in the engine", "[orchestrators][smoke]") {
  rigtest::FakeBorders f;
  f.engines.engine.running = false;
  rig::SmokeRequest req;
  req.session = trixie_session();
  req.keep = true;
  auto rep = rig::run_smoke(req, f.borders(), {});
  REQUIRE(rep.ok());
  CHECK(count_prefix(f.engines.calls(), "remove-") == 0);
}

TEST_CASE("smoke: a removal that fails after the checks is reported with what remains", "[orchestrators][smoke]") {
  rigtest::FakeBorders f;
  f.engines.engine.running = false;
  f.engines.engine.errors.insert_or_assign("remove-container", rig::unavailable("the engine went away"));
  rig::SmokeRequest req;
  req.session = trixie_session();
  auto rep = rig::run_smoke(req, f.borders(), {});
  REQUIRE(rep.ok());
  CHECK_THAT(rep->leftover, Catch::Contains("rigctl gc --run " + rep->run_id));
}

TEST_CASE("ablate: a failing baseline ends it with no item verdicts, every rig removed", "[orchestrators][ablate]") {
  rigtest::FakeBorders f;
  f.engines.engine.running = false;
  rig::AblationOptions o;
  o.recipe = rigtest::source_root() / "recipes" / "debian-trixie.json";
  o.engine = "unix:///fake/docker.sock";
  o.first_port = 41000;
  o.jobs = 1;
  auto rep = rig::run_ablation(o, f.borders());
  REQUIRE(rep.ok());
  CHECK(rep->recipe == "debian-trixie");
  CHECK_FALSE(rep->baseline_passed);
  CHECK(rep->items.empty());
  auto calls = f.engines.calls();
  CHECK(count_prefix(calls, "create-container rigctl-ablate-baseline-") == 1);
  CHECK(count_prefix(calls, "remove-container id-rigctl-ablate-baseline-") == 1);
  CHECK(count_prefix(calls, "remove-volume ") == count_prefix(calls, "create-volume "));
}

TEST_CASE("ablate: a passing smoke run of the same image stands for the baseline; any other does not", "[orchestrators][ablate]") {
  rig::SmokeReport prior;
  prior.run_id = "smoke1";
  prior.outer_manifest_digest = "sha256:fake-debian-trixie-amd64";
  prior.seconds = 5;
  for (std::string id : {"outer-up", "inner-run", "restart-workspace"}) {
    rig::CheckResult c;
    c.id = id;
    c.status = rig::CheckState::Pass;
    if (id == "restart-workspace") c.metric = 1.5;
    prior.checks.push_back(c);
  }
  rig::AblationOptions o;
  o.recipe = rigtest::source_root() / "recipes" / "debian-trixie.json";
  o.engine = "unix:///fake/docker.sock";
  o.first_port = 41000;
  o.jobs = 1;
  o.only = {"tun"};
  // Every rig the fake engine runs fails at once: a launched baseline would fail the ablation.
  auto run = [&](const rig::SmokeReport& p) {
    rigtest::FakeBorders f;
    f.engines.engine.running = false;
    o.prior_baseline = p;
    auto rep = rig::run_ablation(o, f.borders());
    REQUIRE(rep.ok());
    return std::make_pair(rep.value(), f.engines.calls());
  };
  {
    auto [rep, calls] = run(prior);
    CHECK(rep.baseline_passed);
    CHECK(rep.baseline_smoke_run == "smoke1");
    CHECK(rep.baseline_restart == 1.5);
    CHECK(rep.image.manifest_digest == prior.outer_manifest_digest);
    CHECK(count_prefix(calls, "create-container rigctl-ablate-baseline-") == 0);
    CHECK(count_prefix(calls, "create-container rigctl-ablate-tun-") == 1);
    REQUIRE(rep.items.size() == 1);
    CHECK(rep.items[0].item.id == "tun");
  }
  auto other_image = prior, failed = prior;
  other_image.outer_manifest_digest = "sha256:another";
  failed.checks[1].status = rig::CheckState::Fail;
  for (auto& p : {other_image, failed}) {
    auto [rep, calls] = run(p);
    CHECK_FALSE(rep.baseline_passed);
    CHECK(rep.baseline_smoke_run.empty());
    CHECK(count_prefix(calls, "create-container rigctl-ablate-baseline-") == 1);
  }
  // The inner setup must match as well.
  CHECK(rig::prior_baseline_usable(prior, prior.outer_manifest_digest, "", ""));
  CHECK_FALSE(rig::prior_baseline_usable(prior, prior.outer_manifest_digest, "pasta", ""));
  prior.inner_storage = "overlay";
  CHECK(rig::prior_baseline_usable(prior, prior.outer_manifest_digest, "", "overlay"));
  CHECK_FALSE(rig::prior_baseline_usable(prior, prior.outer_manifest_digest, "", "fuse-overlayfs"));
  CHECK_FALSE(rig::prior_baseline_usable(prior, "", "", ""));
}

TEST_CASE("ablate: an absent engine is exit 3, an unknown --only item a usage error", "[orchestrators][ablate]") {
  rig::AblationOptions o;
  o.recipe = rigtest::source_root() / "recipes" / "debian-trixie.json";
  o.first_port = 41000;
  {
    rigtest::FakeBorders f;
    f.engines.error = rig::unavailable("cannot connect");
    CHECK(rigtest::error_of(rig::run_ablation(o, f.borders())).category() == rig::Category::Unavailable);
    CHECK(f.images.asked.empty());
  }
  {
    rigtest::FakeBorders f;
    o.only = {"no-such-flag"};
    auto rep = rig::run_ablation(o, f.borders());
    CHECK(rigtest::error_of(rep).category() == rig::Category::Usage);
    CHECK_THAT(rigtest::error_of(rep).what(), Catch::Contains("--only"));
    CHECK(f.images.asked.empty());  // refused before any rig
  }
  {
    // A matrix's list spans recipes: ids the recipe lacks are skipped, but not all of them.
    rigtest::FakeBorders f;
    o.only = {"no-such-flag", "also-not"};
    o.only_if_present = true;
    auto rep = rig::run_ablation(o, f.borders());
    CHECK(rigtest::error_of(rep).category() == rig::Category::Usage);
    CHECK_THAT(rigtest::error_of(rep).what(), Catch::Contains("none of no-such-flag, also-not is a flag, a hardening or a capability of recipe 'debian-trixie'"));
    CHECK(f.images.asked.empty());
  }
}

TEST_CASE("host facts: each engine's answer recorded, an absent one with why", "[orchestrators][matrix]") {
  rigtest::FakeConnector ok;
  auto facts = rig::probe_engine_facts(ok, "unix:///fake/docker.sock");
  CHECK(facts.available);
  CHECK(facts.kind == "docker");
  CHECK(facts.version == "20.10.24");
  CHECK(facts.arch == "amd64");
  rigtest::FakeConnector gone;
  gone.error = rig::unavailable("cannot connect to unix:///fake/podman.sock");
  auto none = rig::probe_engine_facts(gone, "unix:///fake/podman.sock");
  CHECK_FALSE(none.available);
  CHECK(none.reason == "cannot connect to unix:///fake/podman.sock");
}

TEST_CASE("matrix cell: an image stage whose engine is gone fails with the reason; the run goes on", "[orchestrators][matrix]") {
  rigtest::FakeBorders f;
  f.engines.error = rig::unavailable("cannot connect to the engine");
  CellFixture cell;
  auto r = cell.run(f.borders());
  REQUIRE(r.ok());
  REQUIRE(r->stages.size() == 1);
  CHECK(r->stages[0].stage == "image");
  CHECK(r->stages[0].status == "fail");
  CHECK_THAT(r->stages[0].reason, Catch::Contains("cannot connect to the engine"));
  CHECK(r->status == "fail");
  CHECK(f.engines.endpoints == std::vector<std::string>{"unix:///fake/docker.sock"});
}

TEST_CASE("matrix cell: the image stage builds for the cell's arch and runs the image checks in the engine", "[orchestrators][matrix]") {
  rigtest::FakeBorders f;
  CellFixture cell;
  auto r = cell.run(f.borders());
  REQUIRE(r.ok());
  REQUIRE(r->stages.size() == 1);
  CHECK(f.images.asked == std::vector<std::string>{"debian-trixie amd64"});
  // The checks ran in a throwaway container of the built image, which is gone afterwards.
  auto calls = f.engines.calls();
  CHECK(count_prefix(calls, "create-container ") >= 1);
  CHECK(count_prefix(calls, "remove-container ") == count_prefix(calls, "create-container "));
  CHECK(std::filesystem::exists(cell.env.out_dir / "image.json"));
  // No web recipe was given, so the inner images are missing: the stage says so rather than passing.
  CHECK(r->stages[0].status == "fail");
}

TEST_CASE("bench: unknown items and zero runs are refused before any engine is contacted", "[orchestrators][bench]") {
  rigtest::FakeBorders f;
  rig::BenchOptions o;
  o.recipe = rigtest::source_root() / "recipes" / "debian-trixie.json";
  o.items = {"nope"};
  CHECK(rigtest::error_of(rig::run_bench(o, f.borders())).category() == rig::Category::Usage);
  o.items = {"storage"};
  o.runs = 0;
  CHECK(rigtest::error_of(rig::run_bench(o, f.borders())).category() == rig::Category::Usage);
  CHECK(f.engines.endpoints.empty());
  o.runs = 1;  // valid: now the missing engine is what stops it (exit 3)
  f.engines.error = rig::unavailable("cannot connect");
  CHECK(rigtest::error_of(rig::run_bench(o, f.borders())).category() == rig::Category::Unavailable);
  CHECK(f.engines.endpoints.size() == 1);
}

}  // namespace rigtest_smoke_orchestrators
