// build (opt-in, minutes): cold `rigctl build`s against the docker build path of the same recipe, all
// measured in this one run:
//
// - rigctl cold: empty image cache and empty package cache (every .deb downloaded; the cache is
//   filled as a first build would fill it, and that is counted);
// - rigctl cold image, warm packages: a fresh image cache, the package cache the cold build filled
//   (apt downloads nothing it holds; the bootstrap, unpack and configure all run again);
// - docker cold: `rigctl render`'s Containerfile on a base image that rigctl builds and loads (no
//   registry is reachable, so that base bootstrap is counted on the docker side, as in
//   ci/bench-build.sh; it gets no package cache), then `docker build --no-cache`;
// - docker warm-layer: that `docker build --no-cache` alone, the base image already in the engine
//   (its layers warm, every Containerfile step run): what the path costs where the base is pulled
//   or cached already.
//
// Each rigctl variant is reported against both docker numbers, and the warm build (a cache hit)
// against the cold build. Both sides get the same dpkg filters, no-recommends and scratch directory.
// Cache and package-cache directories go in BuildRequest, so no environment variable is touched.
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

struct DockerTimes {
  double cold = 0;         // base bootstrap + load + docker build
  double warm_layer = 0;   // docker build alone, the base loaded
};

// rigctl builds the bare base (base.json) into its own fresh cache and loads it; docker builds the
// rendered Containerfile FROM it.
Result<DockerTimes> docker_path(BenchContext& c, const std::filesystem::path& work, const std::filesystem::path& scratch,
                                const BuildEvents& ev) {
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
  br.use_package_cache = false;  // docker's cold path has no package cache either
  br.scratch_dir = scratch;
  RIG_TRY(auto built, build_image(base, br, c.runner, ev));
  RIG_CHECK(load_image(*c.conn.engine, built.image, imgs.base));
  RIG_CHECK(BenchContext::check_interrupt());
  c.say("build: docker build --no-cache of the rendered Containerfile");
  auto t1 = Clock::now();
  RIG_TRY(auto done, c.runner.run(Command{{"docker", "build", "-q", "--no-cache", "--build-arg", "BASE=" + imgs.base, "-t", imgs.rendered,
                                           "-f", (work / "ctx" / "Containerfile").string(), (work / "ctx").string()},
                                          {{"DOCKER_HOST", imgs.docker_host}, {"DOCKER_BUILDKIT", "0"}}, "", {}}));
  if (done.status != 0) return internal_error("docker build exited " + std::to_string(done.status) + ": " + done.tail(6));
  return DockerTimes{since(t0), since(t1)};
}

// One cold rigctl build into `cache`, with the package cache at `debs`; -1 and the item marked
// when it fails.
Result<BuildOutcome> timed_build(BenchContext& c, const std::filesystem::path& cache, const std::filesystem::path& debs,
                                 const std::filesystem::path& scratch, const BuildEvents& ev, double& secs) {
  BuildRequest req;
  req.arch = c.opts.arch;
  req.cache_dir = cache;
  req.package_cache = debs;
  req.scratch_dir = scratch;
  req.no_cache = true;
  auto t0 = Clock::now();
  auto out = build_image(c.recipe, req, c.runner, ev);
  secs = since(t0);
  return out;
}

}  // namespace

Result<std::vector<BenchItem>> bench_build(BenchContext& c) {
  const std::string docker_cold_label =
      "docker cold: rigctl-built base (no package cache) + load + docker build --no-cache of the rendered Containerfile";
  const std::string docker_warm_label =
      "docker warm-layer: docker build --no-cache of the rendered Containerfile, its base image already loaded";
  auto cold = new_item("build", "cold rigctl build (no image cache, no package cache) vs docker cold");
  cold.baseline_label = docker_cold_label;
  cold.reference = "target: cold <= 0.6x the docker build path";
  auto warm_pkgs = new_item("build-warm-packages", "cold image, warm packages rigctl build vs docker cold");
  warm_pkgs.baseline_label = docker_cold_label;
  warm_pkgs.reference = "target: cold <= 0.6x the docker build path";
  auto cold_vs_layer = new_item("build-vs-docker-warm-layer", "cold rigctl build (no package cache) vs docker warm-layer");
  cold_vs_layer.baseline_label = docker_warm_label;
  cold_vs_layer.reference = "no target: context for the 0.6x target";
  auto pkgs_vs_layer = new_item("build-warm-packages-vs-docker-warm-layer", "cold image, warm packages rigctl build vs docker warm-layer");
  pkgs_vs_layer.baseline_label = docker_warm_label;
  pkgs_vs_layer.reference = "no target: context for the 0.6x target";
  auto warm = new_item("build-warm", "warm rigctl build (cache hit, in-process: no process start) vs the cold build");
  warm.baseline_label = "the cold rigctl build above";
  warm.reference = "target: warm <= 0.2 s";
  auto all = [&] { return std::vector<BenchItem>{cold, warm_pkgs, cold_vs_layer, pkgs_vs_layer, warm}; };
  BuildEvents ev{[&](const std::string& p) { c.say("build: " + p); }, {}, {}};

  RIG_TRY(auto work, ScratchDir::create("rigctl-bench-build"));
  const auto scratch = default_scratch_dir();
  const auto debs = work.path() / "debs";
  double cold_secs = -1, pkgs_secs = -1;

  c.say("build: rigctl cold (empty image and package caches)");
  auto first = timed_build(c, work.path() / "cache", debs, scratch, ev, cold_secs);
  if (!first) {
    if (first.error().category() == Category::Interrupted) return std::move(first).error();
    auto why = first.error().what();
    // A missing tool (mmdebstrap, a binfmt handler) is a precondition, not a failed measurement.
    for (auto* item : {&cold, &warm_pkgs, &cold_vs_layer, &pkgs_vs_layer, &warm}) {
      if (first.error().category() == Category::Unavailable) mark_not_applicable(*item, why);
      else mark_failed(*item, why);
    }
    return all();
  }
  cold.samples = cold_vs_layer.samples = {cold_secs};

  RIG_CHECK(BenchContext::check_interrupt());
  c.say("build: rigctl cold image, warm packages");
  auto second = timed_build(c, work.path() / "cache-warm-packages", debs, scratch, ev, pkgs_secs);
  if (!second && second.error().category() == Category::Interrupted) return std::move(second).error();
  std::string pkgs_problem;
  if (!second) pkgs_problem = second.error().what();
  // A "warm packages" number that reused nothing would be a second cold build under another name.
  else if (second->packages_reused == 0) pkgs_problem = "the package cache offered no .deb to the second build";
  else if (second->image.manifest_digest != first->image.manifest_digest)
    pkgs_problem = "the warm-packages build gave " + second->image.manifest_digest + ", the cold one " + first->image.manifest_digest;
  if (pkgs_problem.empty()) {
    warm_pkgs.samples = pkgs_vs_layer.samples = {pkgs_secs};
  } else {
    mark_failed(warm_pkgs, pkgs_problem);
    mark_failed(pkgs_vs_layer, pkgs_problem);
  }

  BuildRequest req;
  req.arch = c.opts.arch;
  req.cache_dir = work.path() / "cache";
  req.package_cache = debs;
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

  std::vector<BenchItem*> vs_docker = {&cold, &warm_pkgs, &cold_vs_layer, &pkgs_vs_layer};
  if (c.conn.version.podman || c.conn.endpoint.unix_path.empty() || !which_on_path("docker")) {
    for (auto* item : vs_docker)
      if (item->status.empty()) mark_not_applicable(*item, "the docker build path needs the docker CLI and a local Docker engine");
    return all();
  }
  RIG_CHECK(BenchContext::check_interrupt());
  c.say("build: docker cold path (rigctl-built base, load, docker build --no-cache)");
  auto dock = docker_path(c, work.path(), scratch, ev);
  if (!dock && dock.error().category() == Category::Interrupted) return std::move(dock).error();
  for (auto* item : vs_docker) {
    if (!item->status.empty()) continue;  // already failed above
    if (!dock) mark_failed(*item, "docker build path: " + dock.error().what());
    else finish_measured(*item, {item == &cold || item == &warm_pkgs ? dock->cold : dock->warm_layer});
  }
  return all();
}

}  // namespace rig
