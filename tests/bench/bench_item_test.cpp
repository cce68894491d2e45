#include "support/catch.hpp"

#include "bench/bench.hpp"
#include "bench/bench_item.hpp"
#include "support/test_util.hpp"

namespace rigtest_bench_bench_item {

TEST_CASE("bench: median of odd, even, unsorted and empty sample sets", "[bench]") {
  CHECK(rig::median({3, 1, 2}) == Approx(2));
  CHECK(rig::median({4, 1, 3, 2}) == Approx(2.5));
  CHECK(rig::median({0.5}) == Approx(0.5));
  CHECK(rig::median({}) == -1);
}

TEST_CASE("bench: ratio is value / baseline, and nothing when either is missing", "[bench]") {
  CHECK(rig::ratio_of(0.582, 1.281) == Approx(0.582 / 1.281));
  CHECK(rig::ratio_of(-1, 1) == -1);
  CHECK(rig::ratio_of(1, -1) == -1);
  CHECK(rig::ratio_of(1, 0) == -1);
}

TEST_CASE("bench: a measured item carries both medians and their ratio", "[bench]") {
  auto item = rig::new_item("storage");
  CHECK(item.title == "300-file inner build: native overlay vs fuse-overlayfs");
  CHECK(item.unit == "s");
  item.samples = {0.6, 0.5, 0.7};
  rig::finish_measured(item, {1.3, 1.2, 1.4});
  CHECK(item.status == "measured");
  CHECK(item.value == Approx(0.6));
  CHECK(item.baseline == Approx(1.3));
  CHECK(item.ratio == Approx(0.6 / 1.3));
}

TEST_CASE("bench: no baseline sample means failed, never a made-up ratio", "[bench]") {
  auto item = rig::new_item("podman-info");
  item.samples = {1.0};
  rig::finish_measured(item, {});
  CHECK(item.status == "failed");
  CHECK(item.reason == "no sample of the baseline");
  CHECK(item.value == -1);
  CHECK(item.ratio == -1);
}

TEST_CASE("bench: not-applicable and failed clear any number", "[bench]") {
  auto item = rig::new_item("smoke-vs-shell");
  item.value = 3;
  item.baseline = 4;
  item.ratio = 0.75;
  rig::mark_not_applicable(item, "ports busy");
  CHECK(item.status == "not-applicable");
  CHECK(item.reason == "ports busy");
  CHECK((item.value == -1 && item.baseline == -1 && item.ratio == -1));
}

TEST_CASE("bench: item ids, the default set and --items validation", "[bench]") {
  std::vector<std::string> ids;
  for (auto& [id, title] : rig::bench_item_ids()) {
    ids.push_back(id);
    CHECK_FALSE(title.empty());
  }
  CHECK(ids == std::vector<std::string>{"inner-run-latency", "podman-info", "storage", "restart-init", "smoke-vs-shell", "smoke-vs-chain",
                                        "ablate-vs-smoke", "build", "compile"});
  auto def = rig::default_bench_items();
  CHECK(def.size() == 7);
  CHECK_FALSE(def.count("build"));    // opt-in: minutes of mmdebstrap
  CHECK_FALSE(def.count("compile"));  // opt-in: minutes of the compiler
  CHECK(rig::check_bench_items({}).ok());
  CHECK(rig::check_bench_items({"storage", "build"}).ok());
  auto bad = rig::check_bench_items({"storage", "nope"});
  const auto& e = rigtest::error_of(bad);
  CHECK(e.category() == rig::Category::Usage);
  CHECK(e.what() == "--items: unknown item 'nope'; valid ids: inner-run-latency, podman-info, storage, restart-init, smoke-vs-shell, smoke-vs-chain, ablate-vs-smoke, build, compile");
}

}  // namespace rigtest_bench_bench_item
