// build (opt-in, minutes): a cold `rigctl build` into a fresh temporary cache against the docker
// build path of the same recipe — `rigctl render`'s Containerfile on a base image that rigctl itself
// builds and loads (no registry is reachable, so that base bootstrap is counted on the docker side,
// as in ci/bench-build.sh) — and the warm build (a cache hit) against that cold build. The cache
// directory goes in BuildRequest::cache_dir, so no environment variable is touched.
#include <chrono>
#include <filesystem>

#include "core/clock.hpp"
#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "builder/render.hpp"
#include "core/fs.hpp"
#include "host/machine.hpp"

namespace rig {

namespace {


// The two tags the docker path creates, removed on every return path (also after SIGINT).
struct DockerImages {
  CommandRunner& runner;
  std::string docker_host, base, rendered;
  ~DockerImages() {
    (void)runner.run(Command{{"docker", "rmi", "-f", base, rendered}, {{"DOCKER_HOST", docker_host}}, "", {}});
  }
};

// rigctl builds the bare base (base.json) into its own fresh cache and loads it; docker builds the
// rendered Containerfile FROM it. Both count: that is what the Containerfile path costs here.
Result<double> docker_path(BenchContext& c, const std::filesystem::path& work, const BuildEvents& ev) {
  DockerImages imgs{c.runner, "unix://" + c.conn.endpoint.unix_path, "rigctl-bench/base:" + new_run_id(),
                    "rigctl-bench/rendered:" + new_run_id()};
  RIG_CHECK(render_context(c.recipe, work / "ctx"));
  RIG_TRY(auto base, load_recipe(work / "ctx" / "base.json"));
  auto t0 = Clock::now();
  BuildRequest br;
  br.arch = c.opts.arch;
  br.no_cache = true;
  br.tag = imgs.base;
  br.cache_dir = work / "cache-base";
  RIG_TRY(auto built, build_image(base, br, c.runner, ev));
  RIG_CHECK(load_image(*c.conn.engine, built.image, imgs.base));
  RIG_CHECK(BenchContext::check_interrupt());
  RIG_TRY(auto done, c.runner.run(Command{{"docker", "build", "-q", "--no-cache", "--build-arg", "BASE=" + imgs.base, "-t", imgs.rendered,
                                           "-f", (work / "ctx" / "Containerfile").string(), (work / "ctx").string()},
                                          {{"DOCKER_HOST", imgs.docker_host}, {"DOCKER_BUILDKIT", "0"}}, "", {}}));
  if (done.status != 0) return internal_error("docker build exited " + std::to_string(done.status) + ": " + done.tail(6));
  return since(t0);
}

}  // namespace

Result<std::vector<BenchItem>> bench_build(BenchContext& c) {
  auto cold = new_item("build");
  cold.baseline_label = "docker build of the rendered Containerfile (its rigctl-built base included)";
  cold.reference = "target: cold <= 0.6x the docker build path";
  auto warm = new_item("build-warm", "warm rigctl build (cache hit, in-process: no process start) vs the cold build");
  warm.baseline_label = "the cold rigctl build above";
  warm.reference = "target: warm <= 0.2 s";
  BuildEvents ev{[&](const std::string& p) { c.say("build: " + p); }, {}, {}};

  RIG_TRY(auto work, ScratchDir::create("rigctl-bench-build"));
  BuildRequest req;
  req.arch = c.opts.arch;
  req.cache_dir = work.path() / "cache";
  req.no_cache = true;
  auto t0 = Clock::now();
  auto first = build_image(c.recipe, req, c.runner, ev);
  if (!first) {
    if (first.error().category() == Category::Interrupted) return std::move(first).error();
    auto why = first.error().what();
    // A missing tool (mmdebstrap, a binfmt handler) is a precondition, not a failed measurement.
    for (auto* item : {&cold, &warm}) {
      if (first.error().category() == Category::Unavailable) mark_not_applicable(*item, why);
      else mark_failed(*item, why);
    }
    return std::vector<BenchItem>{cold, warm};
  }
  double cold_secs = since(t0);
  cold.samples = {cold_secs};

  req.no_cache = false;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    auto w0 = Clock::now();
    RIG_TRY(auto out, build_image(c.recipe, req, c.runner, ev));
    if (!out.cached) {
      mark_failed(warm, "the warm build missed the cache");
      break;
    }
    warm.samples.push_back(since(w0));
  }
  if (warm.status.empty()) finish_measured(warm, {cold_secs});

  if (c.conn.version.podman || c.conn.endpoint.unix_path.empty() || !which_on_path("docker")) {
    mark_not_applicable(cold, "the docker build path needs the docker CLI and a local Docker engine");
  } else {
    RIG_CHECK(BenchContext::check_interrupt());
    auto dock = docker_path(c, work.path(), ev);
    if (!dock && dock.error().category() == Category::Interrupted) return std::move(dock).error();
    if (dock) finish_measured(cold, {*dock});
    else mark_failed(cold, "docker build path: " + dock.error().what());
  }
  return std::vector<BenchItem>{cold, warm};
}

}  // namespace rig
