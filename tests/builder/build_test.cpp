// build_image end to end with the recording fake runner: the fake "mmdebstrap" streams a small
// base tar, everything else (normalising, recipe layer, OCI layout, cache) is real.
#include "support/catch.hpp"

#include <unistd.h>

#include "builder/build.hpp"
#include "builder/oci.hpp"
#include "builder/recipe.hpp"
#include "core/arch.hpp"
#include "support/fake_runner.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_build {

using rigtest::FakeRunner;
using rigtest::json;
using rigtest::TarBuilder;
using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kEpoch = 1704067200;
const std::string kMirror = "http://mirror.test/debian";

std::string tar_bytes(const fs::path& scratch, const std::function<void(TarBuilder&)>& fill) {
  {
    TarBuilder t(scratch);
    fill(t);
    t.close();
  }
  auto bytes = rigtest::read_text(scratch);
  fs::remove(scratch);
  return bytes;
}

std::string base_tar(const fs::path& scratch) {
  return tar_bytes(scratch, [](TarBuilder& t) {
    t.dir("./");
    t.dir("./etc/");
    t.file("./etc/passwd", "root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n");
    t.file("./etc/group", "root:x:0:\nubuntu:x:1000:\n");
    t.dir("./usr/");
    t.dir("./usr/bin/");
    t.file("./usr/bin/newuidmap", "ELF", {04755, 0, 0, 1600000000});
    t.dir("./dev/");
    t.char_device("./dev/null", 1, 3);
    t.dir("./home/");
  });
}

json build_recipe_json() {
  json j = {{"schema", "rigctl/recipe/v1"},
            {"name", "unit-build"},
            {"base", {{"distro", "debian"}, {"suite", "trixie"}, {"mirror", "debian"}}},
            {"architectures", {rig::host_arch()}},
            {"packages", {"uidmap"}}};
  j["user"] = {{"name", "builder"},
               {"uid", 1000},
               {"gid", 1000},
               {"home", "/home/builder"},
               {"shell", "/bin/bash"},
               {"subuid", {{"start", 100000}, {"count", 65536}}},
               {"subgid", {{"start", 100000}, {"count", 65536}}}};
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ep"}}};
  j["files"] = {{{"path", "/etc/motd"}, {"content", "hi\n"}}};
  j["cmd"] = {"sleep", "infinity"};
  return j;
}

rig::Recipe recipe_from(const json& j, const fs::path& file = "/nonexistent/unit-build.json") {
  auto r = rig::parse_recipe(j.dump(2), file);
  if (!r.ok()) FAIL("recipe rejected: " << r.error().what());
  return std::move(r).value();
}

rig::BuildRequest request(const TempDir& t) {
  rig::BuildRequest req;
  req.arch = rig::host_arch();
  req.mirror = kMirror;
  req.epoch = kEpoch;
  req.cache_dir = t / "cache";
  return req;
}

struct Events {
  std::vector<std::string> phases;
  std::vector<std::string> tool_lines;
  uint64_t bytes = 0;
  rig::BuildEvents ev() {
    rig::BuildEvents e;
    e.phase = [this](const std::string& p) { phases.push_back(p); };
    e.tool_line = [this](std::string_view l) { tool_lines.emplace_back(l); };
    e.bytes = [this](uint64_t b) { bytes = b; };
    return e;
  }
};

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("build: build_image bootstraps through the runner and writes an OCI image", "[builder][build]") {
  TempDir t;
  auto base = base_tar(t / "scratch.tar");
  FakeRunner fake;
  fake.script_start(base, 0, "I: downloading\nI: done\n");
  Events events;
  auto recipe = recipe_from(build_recipe_json());
  auto out = rig::build_image(recipe, request(t), fake, events.ev());
  REQUIRE(out.ok());

  // The one command: mmdebstrap, streaming to stdout, in the mode matching our privileges.
  REQUIRE(fake.commands().size() == 1);
  auto& cmd = fake.commands()[0];
  CHECK(cmd.started);
  REQUIRE(cmd.argv.size() > 4);
  CHECK(cmd.argv[0] == "mmdebstrap");
  CHECK(cmd.argv[1] == (::geteuid() == 0 ? "--mode=root" : "--mode=unshare"));
  CHECK(contains(cmd.argv, "--architectures=" + rig::host_arch()));
  CHECK(contains(cmd.argv, "--include=uidmap"));
  CHECK(cmd.argv[cmd.argv.size() - 3] == "trixie");
  CHECK(cmd.argv[cmd.argv.size() - 2] == "-");
  CHECK(cmd.argv.back() == kMirror);
  CHECK(cmd.env_value("SOURCE_DATE_EPOCH") == std::optional<std::string>("1704067200"));
  CHECK(events.tool_lines == std::vector<std::string>{"I: downloading", "I: done"});
  CHECK(events.bytes > 0);
  CHECK_FALSE(events.phases.empty());

  CHECK_FALSE(out->cached);
  CHECK_FALSE(out->base_cached);
  CHECK(out->tag == "rigctl/unit-build:" + rig::host_arch());
  CHECK(out->mirror.uri == kMirror);
  CHECK(out->mirror.origin == "--mirror");
  CHECK(out->image.dir == t / "cache/images" / out->image_key);
  CHECK(out->image.ref == out->tag);
  REQUIRE(out->image.layers.size() == 2);
  for (auto& l : out->image.layers) CHECK(l.digest == "sha256:" + rigtest::sha256_of_file(l.path));

  // The base layer is the normalised stream (no /dev/null); the recipe layer holds the rest.
  auto base_entries = rigtest::tar_paths(rigtest::read_tar(out->image.layers[0].path));
  CHECK_FALSE(contains(base_entries, "./dev/null"));
  CHECK(contains(base_entries, "./usr/bin/newuidmap"));
  auto recipe_layer = rigtest::tar_by_path(rigtest::read_tar(out->image.layers[1].path));
  CHECK(recipe_layer.at("usr/bin/newuidmap").perm == 0755);
  CHECK(rigtest::hex(recipe_layer.at("usr/bin/newuidmap").xattrs.at("security.capability")) ==
        "01 00 00 02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  CHECK(recipe_layer.at("etc/motd").content == "hi\n");
  CHECK(recipe_layer.at("etc/passwd").content ==
        "root:x:0:0:root:/root:/bin/bash\nbuilder:x:1000:1000::/home/builder:/bin/bash\n");

  auto config = json::parse(rigtest::read_text(out->image.dir / "blobs/sha256" / rig::digest_hex(out->image.config_digest)));
  CHECK(config["config"]["User"] == "1000:1000");
  CHECK(config["config"]["Labels"]["io.rigctl.recipe.sha256"] == rig::sha256_hex(recipe.text));
  CHECK(config["rootfs"]["diff_ids"] == json{out->image.layers[0].digest, out->image.layers[1].digest});
  REQUIRE(config["history"].size() == 2);
  CHECK(config["history"][0]["created_by"].get<std::string>().rfind("rigctl bootstrap: mmdebstrap ", 0) == 0);

  // The build record and the cached base.
  auto record = json::parse(rigtest::read_text(out->image.dir / "build.json"));
  CHECK(record["manifest_digest"] == out->image.manifest_digest);
  CHECK(record["removed_users"] == json{"ubuntu"});
  CHECK(record["mirror"] == kMirror);
  CHECK_FALSE(fs::exists(out->image.dir / "recipe-layer.tar"));
  auto bases = rigtest::list_dir(t / "cache/base");
  REQUIRE(bases.size() == 1);
  CHECK(rigtest::read_text(t / "cache/base" / bases[0] / "digest") == out->image.layers[0].digest);
}

TEST_CASE("build: a second build comes from the cache without running mmdebstrap", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_tar(t / "scratch.tar"));
  auto recipe = recipe_from(build_recipe_json());
  auto first = rig::build_image(recipe, request(t), fake, {});
  REQUIRE(first.ok());
  auto second = rig::build_image(recipe, request(t), fake, {});
  REQUIRE(second.ok());
  CHECK(fake.commands().size() == 1);
  CHECK(second->cached);
  CHECK(second->base_cached);
  CHECK(second->image.manifest_digest == first->image.manifest_digest);
  CHECK(second->image_key == first->image_key);

  // A recipe-only change reuses the cached base layer.
  json changed = build_recipe_json();
  changed["files"][0]["content"] = "changed\n";
  auto third = rig::build_image(recipe_from(changed), request(t), fake, {});
  REQUIRE(third.ok());
  CHECK(fake.commands().size() == 1);
  CHECK_FALSE(third->cached);
  CHECK(third->base_cached);
  CHECK(third->image.layers[0].digest == first->image.layers[0].digest);
  CHECK(third->image.layers[1].digest != first->image.layers[1].digest);
  CHECK(third->image.manifest_digest != first->image.manifest_digest);

  // --no-cache bootstraps again, once nothing uses the entry any more (a rebuild waits for readers).
  first->hold.reset();
  second->hold.reset();
  fake.script_start(base_tar(t / "scratch.tar"));
  auto req = request(t);
  req.no_cache = true;
  auto fourth = rig::build_image(recipe, req, fake, {});
  REQUIRE(fourth.ok());
  CHECK(fake.commands().size() == 2);
  CHECK_FALSE(fourth->cached);
  CHECK(fourth->image.manifest_digest == first->image.manifest_digest);
}

TEST_CASE("build: independent builds of the same inputs are byte-identical", "[builder][build]") {
  TempDir t1, t2;
  FakeRunner f1, f2;
  f1.script_start(base_tar(t1 / "scratch.tar"));
  f2.script_start(base_tar(t2 / "scratch.tar"));
  auto recipe = recipe_from(build_recipe_json());
  auto a = rig::build_image(recipe, request(t1), f1, {});
  auto b = rig::build_image(recipe, request(t2), f2, {});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->image.manifest_digest == b->image.manifest_digest);
  CHECK(a->image_key == b->image_key);
}

TEST_CASE("build: a failing mmdebstrap is an Internal error with its stderr and the command", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start("", 2, "I: starting\nE: cannot download packages\n");
  auto out = rig::build_image(recipe_from(build_recipe_json()), request(t), fake, {});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == rig::Category::Internal);
  CHECK(out.error().what() == "mmdebstrap exited with status 2:\nI: starting\nE: cannot download packages\n");
  CHECK_THAT(out.error().hint(), Catch::StartsWith("run the command by hand to see all of it: mmdebstrap --mode="));
  CHECK_THAT(out.error().hint(), Catch::Contains("'--aptopt=Acquire::Languages \"none\"'"));
  // Nothing half-built is cached.
  CHECK((!fs::exists(t / "cache/base") || rigtest::list_dir(t / "cache/base").empty()));
  CHECK((!fs::exists(t / "cache/images") || rigtest::list_dir(t / "cache/images").empty()));
}

TEST_CASE("build: a missing mmdebstrap is reported as Unavailable", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start_error(rig::unavailable("'mmdebstrap' is not installed (not found on PATH)"));
  auto out = rig::build_image(recipe_from(build_recipe_json()), request(t), fake, {});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == rig::Category::Unavailable);
  CHECK(out.error().what() == "'mmdebstrap' is not installed (not found on PATH)");
}

TEST_CASE("build: a recipe that does not fit the base fails as Usage and caches only the base", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_tar(t / "scratch.tar"));
  json j = build_recipe_json();
  j["file_capabilities"][0]["path"] = "/usr/bin/newgidmap";
  auto out = rig::build_image(recipe_from(j), request(t), fake, {});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == rig::Category::Usage);
  CHECK(out.error().what() ==
        "file_capabilities[0].path: '/usr/bin/newgidmap' is not in the base root filesystem (is its package in "
        "\"packages\"?)");
  CHECK(rigtest::list_dir(t / "cache/base").size() == 1);
  CHECK((!fs::exists(t / "cache/images") || rigtest::list_dir(t / "cache/images").empty()));
}

TEST_CASE("build: architecture checks", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  auto recipe = recipe_from(build_recipe_json(), "/r/unit-build.json");
  auto req = request(t);
  req.arch = "sparc";
  auto unknown = rig::build_image(recipe, req, fake, {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().category() == rig::Category::Usage);
  CHECK(unknown.error().what() == "--arch: unknown architecture 'sparc'");
  req.arch = rig::host_arch() == "s390x" ? "riscv64" : "s390x";
  auto unlisted = rig::build_image(recipe, req, fake, {});
  REQUIRE_FALSE(unlisted.ok());
  CHECK(unlisted.error().category() == rig::Category::Usage);
  CHECK(unlisted.error().what() ==
        "--arch: recipe '/r/unit-build.json' does not list architecture '" + req.arch + "' in \"architectures\"");
  CHECK(fake.commands().empty());
}

TEST_CASE("build: a keyring is fetched from its package before the bootstrap", "[builder][build]") {
  TempDir t;
  const std::string key_path = "/usr/share/keyrings/ubuntu-archive-keyring.gpg";
  auto keyring_pkg = tar_bytes(t / "k.tar", [&](TarBuilder& tb) {
    tb.dir("./");
    tb.dir("./usr/");
    tb.dir("./usr/share/");
    tb.dir("./usr/share/keyrings/");
    tb.file("." + key_path, "KEYRING-BYTES");
  });
  FakeRunner fake;
  fake.script_start(keyring_pkg);
  fake.script_start(base_tar(t / "scratch.tar"));
  json j = build_recipe_json();
  j["base"] = {{"distro", "ubuntu"},
               {"suite", "noble"},
               {"keyring", {{"package", "ubuntu-keyring"}, {"distro", "debian"}, {"suite", "trixie"}, {"path", key_path}}}};
  auto out = rig::build_image(recipe_from(j), request(t), fake, {});
  REQUIRE(out.ok());
  REQUIRE(fake.commands().size() == 2);
  auto& fetch = fake.commands()[0].argv;
  CHECK(contains(fetch, "--variant=extract"));
  CHECK(contains(fetch, "--include=ubuntu-keyring"));
  CHECK(contains(fetch, "trixie"));
  auto& boot = fake.commands()[1].argv;
  CHECK(contains(boot, "noble"));
  // The fetched keyring is cached; mmdebstrap gets a world-readable copy of it (apt's sandbox
  // user cannot read a private cache), removed again after the build.
  auto cached = rigtest::list_dir(t / "cache/keyrings");
  REQUIRE(cached.size() == 1);
  CHECK(rigtest::read_text(t / "cache/keyrings" / cached[0]) == "KEYRING-BYTES");
  auto k = std::find_if(boot.begin(), boot.end(), [](const std::string& a) { return a.rfind("--keyring=", 0) == 0; });
  REQUIRE(k != boot.end());
  auto keyring_file = fs::path(k->substr(10));
  CHECK(keyring_file.filename() == cached[0]);
  CHECK_FALSE(fs::exists(keyring_file.parent_path()));

  // A second build of another recipe with the same keyring takes it from the cache.
  FakeRunner again;
  again.script_start(base_tar(t / "scratch.tar"));
  j["files"][0]["content"] = "other\n";
  auto req = request(t);
  req.no_cache = false;
  auto fresh = t / "cache2";
  fs::create_directories(fresh / "keyrings");
  fs::copy_file(t / "cache/keyrings" / cached[0], fresh / "keyrings" / cached[0]);
  req.cache_dir = fresh;
  auto second = rig::build_image(recipe_from(j), req, again, {});
  REQUIRE(second.ok());
  REQUIRE(again.commands().size() == 1);  // only the bootstrap
  CHECK(contains(again.commands()[0].argv, "noble"));
}

TEST_CASE("build: a keyring package without the keyring is a usage error", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(tar_bytes(t / "k.tar", [](TarBuilder& tb) { tb.dir("./"); }));
  json j = build_recipe_json();
  j["base"] = {{"distro", "ubuntu"},
               {"suite", "noble"},
               {"keyring", {{"package", "ubuntu-keyring"}, {"distro", "debian"}, {"suite", "trixie"}, {"path", "/k.gpg"}}}};
  auto out = rig::build_image(recipe_from(j), request(t), fake, {});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == rig::Category::Usage);
  CHECK(out.error().what() == "base.keyring.path: package ubuntu-keyring has no '/k.gpg'");
  CHECK(fake.commands().size() == 1);
}

TEST_CASE("build: build_epoch and default_tag", "[builder][build]") {
  rigtest::EnvGuard sde("SOURCE_DATE_EPOCH");
  rig::BuildRequest req;
  sde.unset();
  CHECK(rig::build_epoch(req).value() == rig::kDefaultEpoch);
  sde.set("1700000000");
  CHECK(rig::build_epoch(req).value() == 1700000000);
  for (const char* bad : {"12x", "-5", "1e9", " 17", "+17", "99999999999999999999", "253402300800"}) {
    // A malformed value fails the build (reproducible-builds.org): it was once ignored, dating the image 2024.
    sde.set(bad);
    auto e = rig::build_epoch(req);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().category() == rig::Category::Usage);
    CHECK_THAT(e.error().what(), Catch::StartsWith("SOURCE_DATE_EPOCH: expected"));
  }
  sde.set("253402300799");
  CHECK(rig::build_epoch(req).value() == 253402300799);
  sde.set("");
  CHECK(rig::build_epoch(req).value() == rig::kDefaultEpoch);
  req.epoch = 42;
  CHECK(rig::build_epoch(req).value() == 42);
  CHECK(rig::default_tag(recipe_from(build_recipe_json()), "arm64") == "rigctl/unit-build:arm64");
}

TEST_CASE("build: export_layout copies the image atomically", "[builder][build]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_tar(t / "scratch.tar"));
  auto out = rig::build_image(recipe_from(build_recipe_json()), request(t), fake, {});
  REQUIRE(out.ok());
  REQUIRE(rig::export_layout(out->image, t / "export").ok());
  auto back = rig::read_oci_layout(t / "export");
  REQUIRE(back.ok());
  CHECK(back->manifest_digest == out->image.manifest_digest);
  for (auto& l : back->layers) CHECK(l.digest == "sha256:" + rigtest::sha256_of_file(l.path));
  CHECK(rigtest::list_dir(t.path()) == std::vector<std::string>{"cache", "export"});
}

}  // namespace rigtest_builder_build
