#include "support/catch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/layers.hpp"
#include "builder/recipe.hpp"
#include "security/seccomp.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_layers {

using rigtest::json;
using rigtest::TarBuilder;
using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kEpoch = 1704067200;  // 2024-01-01T00:00:00Z; day 19723
constexpr int64_t kOld = 1600000000;
constexpr int64_t kFuture = 4102444800;  // 2100

const std::string kCapSetuid = std::string("\x01\x00\x00\x02\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20);
const std::string kCapSetgid = std::string("\x01\x00\x00\x02\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20);

// A small Ubuntu-like base: uid 1000 is "ubuntu", newuidmap/newgidmap are setuid, /bin is the
// merged-/usr symlink, /dev/null is a device node and one entry has an mtime in the future.
void write_base_tar(const fs::path& p) {
  TarBuilder t(p);
  t.dir("./");
  t.dir("./etc/");
  t.file("./etc/passwd", "root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n");
  t.file("./etc/group", "root:x:0:\nadm:x:4:syslog,ubuntu\nshadow:x:42:\nubuntu:x:1000:\n");
  t.file("./etc/shadow", "root:*:19000:0:99999:7:::\nubuntu:!:19000:0:99999:7:::\n", {0640, 0, 42, kOld});
  t.dir("./usr/");
  t.dir("./usr/bin/");
  t.file("./usr/bin/newuidmap", "ELF", {04755, 0, 0, kOld});
  t.file("./usr/bin/newgidmap", "ELF-gid", {04755, 0, 0, kOld, {{"user.origin", "base"}}});
  t.hardlink("./usr/bin/newuidmap.link", "./usr/bin/newuidmap");
  t.dir("./dev/");
  t.char_device("./dev/null", 1, 3);
  t.symlink("./bin", "usr/bin");
  t.dir("./home/");
  t.dir("./var/");
  t.file("./var/future", "from the future\n", {0644, 0, 0, kFuture});
  t.close();
}

const std::vector<std::string> kBasePathsOut = {
    "./",          "./etc/",  "./etc/passwd", "./etc/group", "./etc/shadow", "./usr/",  "./usr/bin/",
    "./usr/bin/newuidmap", "./usr/bin/newgidmap", "./usr/bin/newuidmap.link", "./dev/", "./bin", "./home/",
    "./var/",      "./var/future"};

json layer_recipe() {
  json j = {{"schema", "rigctl/recipe/v1"},
            {"name", "layers"},
            {"base", {{"distro", "debian"}, {"suite", "trixie"}}},
            {"architectures", {"amd64"}}};
  j["user"] = {{"name", "builder"},
               {"uid", 1000},
               {"gid", 1000},
               {"home", "/home/builder"},
               {"shell", "/bin/bash"},
               {"subuid", {{"start", 100000}, {"count", 65536}}},
               {"subgid", {{"start", 100000}, {"count", 65536}}}};
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ep"}},
                            {{"path", "/usr/bin/newgidmap"}, {"caps", "cap_setgid=ep"}}};
  j["directories"] = {{{"path", "/home/builder/.local/share/containers"}, {"owner", "user"}, {"mode", "0700"}},
                      {{"path", "/srv/data/cache"}, {"owner", "root"}, {"mode", "0750"}},
                      {{"path", "/workspace"}, {"owner", "user"}}};
  j["files"] = {{{"path", "/home/builder/.config/app/app.conf"}, {"content", "x=1\n"}, {"owner", "user"}, {"mode", "0600"}},
                {{"path", "/opt/tool/etc/tool.conf"}, {"content", "y\n"}}};
  j["links"] = {{{"path", "/usr/local/bin/hi"}, {"target", "hello"}}};
  return j;
}

rig::Recipe recipe_from(const json& j) {
  auto r = rig::parse_recipe(j.dump(), "/nonexistent/layers.json");
  if (!r.ok()) FAIL("recipe rejected: " << r.error().what());
  return std::move(r).value();
}

struct Normalized {
  rig::LayerInfo layer;
  rig::BaseScan scan;
};

Normalized normalize(const fs::path& base_tar, const fs::path& out, const std::set<std::string>& capture,
                     rig::ProgressFn progress = {}) {
  int fd = ::open(base_tar.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  Normalized n;
  auto r = rig::normalize_base_layer(fd, "base fixture", out, kEpoch, capture, n.scan, progress);
  ::close(fd);
  if (!r.ok()) FAIL("normalize_base_layer failed: " << r.error().what());
  n.layer = r.value();
  return n;
}

// The base scanned for `recipe`, as build_image does it.
rig::BaseScan scan_for(const TempDir& t, const rig::Recipe& recipe) {
  write_base_tar(t / "in.tar");
  return normalize(t / "in.tar", t / "base.tar", rig::paths_to_capture(recipe)).scan;
}

void check_recipe_error(const rig::Result<rig::RecipeLayerReport>& r, const std::string& what) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() == what);
}

}  // namespace

TEST_CASE("layers: paths_to_capture lists account files only with a user", "[builder][layers]") {
  auto with_user = recipe_from(layer_recipe());
  CHECK(rig::paths_to_capture(with_user) ==
        std::set<std::string>{"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid",
                              "/usr/bin/newuidmap", "/usr/bin/newgidmap", rig::kStockSeccompPath});
  json j = layer_recipe();
  j.erase("user");
  j["directories"] = json::array();
  j["files"] = json::array();
  CHECK(rig::paths_to_capture(recipe_from(j)) ==
        std::set<std::string>{"/usr/bin/newuidmap", "/usr/bin/newgidmap", rig::kStockSeccompPath});
}

TEST_CASE("layers: normalize_base_layer drops devices and clamps times", "[builder][layers]") {
  TempDir t;
  write_base_tar(t / "in.tar");
  // The fixture itself carries the device, atime/ctime and the future mtime.
  auto in = rigtest::tar_by_path(rigtest::read_tar(t / "in.tar"));
  REQUIRE(in.count("./dev/null"));
  REQUIRE(in["./etc/passwd"].atime_set);
  REQUIRE(in["./var/future"].mtime == kFuture);

  auto n = normalize(t / "in.tar", t / "base.tar", {});
  auto out = rigtest::read_tar(t / "base.tar");
  CHECK(rigtest::tar_paths(out) == kBasePathsOut);
  for (auto& e : out) {
    INFO(e.path);
    CHECK(e.type != AE_IFCHR);
    CHECK(e.mtime_set);
    CHECK(e.mtime <= kEpoch);
    CHECK_FALSE(e.atime_set);
    CHECK_FALSE(e.ctime_set);
  }
  auto by = rigtest::tar_by_path(out);
  CHECK(by["./var/future"].mtime == kEpoch);
  CHECK(by["./etc/passwd"].mtime == kOld);  // older times are kept
  // Everything else passes through unchanged.
  CHECK(by["./usr/bin/newuidmap"].perm == 04755);
  CHECK(by["./usr/bin/newuidmap"].content == "ELF");
  CHECK(by["./etc/shadow"].perm == 0640);
  CHECK(by["./etc/shadow"].gid == 42);
  CHECK(by["./bin"].type == AE_IFLNK);
  CHECK(by["./bin"].symlink == "usr/bin");
  CHECK(by["./var/future"].content == "from the future\n");
  CHECK(by["./usr/bin/newgidmap"].xattrs == std::map<std::string, std::string>{{"user.origin", "base"}});
}

TEST_CASE("layers: normalize_base_layer digest and size describe the output file", "[builder][layers]") {
  TempDir t;
  write_base_tar(t / "in.tar");
  auto n = normalize(t / "in.tar", t / "base.tar", {});
  CHECK(n.layer.path == t / "base.tar");
  CHECK(n.layer.digest == "sha256:" + rigtest::sha256_of_file(t / "base.tar"));
  CHECK(n.layer.size == fs::file_size(t / "base.tar"));
  // Reproducible: the same input gives the same layer.
  auto again = normalize(t / "in.tar", t / "base2.tar", {});
  CHECK(again.layer.digest == n.layer.digest);
}

TEST_CASE("layers: normalize_base_layer scan sets and captured entries", "[builder][layers]") {
  TempDir t;
  write_base_tar(t / "in.tar");
  std::vector<uint64_t> progress;
  auto n = normalize(t / "in.tar", t / "base.tar", {"/etc/shadow", "/usr/bin/newgidmap", "/usr/bin/newuidmap.link", "/etc/missing"},
                     [&](uint64_t b) { progress.push_back(b); });
  CHECK(n.scan.dirs == std::set<std::string>{"/", "/etc", "/usr", "/usr/bin", "/dev", "/home", "/var"});
  CHECK(n.scan.symlinks == std::set<std::string>{"/bin"});
  CHECK(n.scan.others == std::set<std::string>{"/etc/passwd", "/etc/group", "/etc/shadow", "/usr/bin/newuidmap",
                                               "/usr/bin/newgidmap", "/usr/bin/newuidmap.link", "/var/future"});
  CHECK_FALSE(n.scan.exists("/dev/null"));
  CHECK(n.scan.exists("/bin"));
  CHECK(n.scan.exists("/"));
  REQUIRE(n.scan.captured.size() == 3);
  auto& shadow = n.scan.captured.at("/etc/shadow");
  CHECK(shadow.mode == (S_IFREG | 0640));
  CHECK(shadow.uid == 0);
  CHECK(shadow.gid == 42);
  CHECK(shadow.content == "root:*:19000:0:99999:7:::\nubuntu:!:19000:0:99999:7:::\n");
  auto& gid = n.scan.captured.at("/usr/bin/newgidmap");
  CHECK(gid.mode == (S_IFREG | 04755));
  CHECK(gid.content == "ELF-gid");
  CHECK(gid.xattrs == std::map<std::string, std::string>{{"user.origin", "base"}});
  CHECK(n.scan.captured.at("/usr/bin/newuidmap.link").mode == 0);  // a hard link's content is elsewhere
  CHECK_FALSE(progress.empty());
  // A captured entry is still written to the layer with its content.
  auto by = rigtest::tar_by_path(rigtest::read_tar(t / "base.tar"));
  CHECK(by["./etc/shadow"].content == shadow.content);
}

TEST_CASE("layers: scan_layer of a normalised layer matches the scan taken while writing it", "[builder][layers]") {
  TempDir t;
  write_base_tar(t / "in.tar");
  std::set<std::string> capture = {"/etc/passwd", "/usr/bin/newuidmap"};
  auto n = normalize(t / "in.tar", t / "base.tar", capture);
  auto s = rig::scan_layer(t / "base.tar", capture);
  REQUIRE(s.ok());
  CHECK(s->dirs == n.scan.dirs);
  CHECK(s->symlinks == n.scan.symlinks);
  CHECK(s->others == n.scan.others);
  REQUIRE(s->captured.size() == 2);
  CHECK(s->captured.at("/etc/passwd").content == n.scan.captured.at("/etc/passwd").content);
  CHECK(s->captured.at("/usr/bin/newuidmap").mode == (S_IFREG | 04755));
  auto missing = rig::scan_layer(t / "none.tar", capture);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().category() == rig::Category::Internal);
}

TEST_CASE("layers: normalize_base_layer rejects a stream that is not a tar", "[builder][layers]") {
  TempDir t;
  rigtest::write_text(t / "junk", std::string(2048, 'j'));
  int fd = ::open((t / "junk").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  rig::BaseScan scan;
  auto r = rig::normalize_base_layer(fd, "junk stream", t / "out.tar", kEpoch, {}, scan);
  ::close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Internal);
  CHECK_THAT(r.error().what(), Catch::StartsWith("read tar 'junk stream': "));
}

TEST_CASE("layers: write_recipe_layer writes the recipe's entries", "[builder][layers]") {
  TempDir t;
  auto recipe = recipe_from(layer_recipe());
  auto scan = scan_for(t, recipe);
  auto rep = rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar");
  REQUIRE(rep.ok());
  CHECK(rep->removed_users == std::vector<std::string>{"ubuntu"});
  CHECK(rep->entries == std::vector<std::string>{
                            "/etc/group", "/etc/gshadow", "/etc/passwd", "/etc/shadow", "/etc/subgid", "/etc/subuid",
                            "/home/builder", "/home/builder/.config", "/home/builder/.config/app",
                            "/home/builder/.config/app/app.conf", "/home/builder/.local", "/home/builder/.local/share",
                            "/home/builder/.local/share/containers", "/opt", "/opt/tool", "/opt/tool/etc",
                            "/opt/tool/etc/tool.conf", "/srv", "/srv/data", "/srv/data/cache", "/usr/bin/newgidmap",
                            "/usr/bin/newuidmap", "/usr/local", "/usr/local/bin", "/usr/local/bin/hi", "/workspace"});
  CHECK(rep->layer.path == t / "recipe.tar");
  CHECK(rep->layer.digest == "sha256:" + rigtest::sha256_of_file(t / "recipe.tar"));
  CHECK(rep->layer.size == fs::file_size(t / "recipe.tar"));

  auto entries = rigtest::read_tar(t / "recipe.tar");
  REQUIRE(entries.size() == rep->entries.size());
  for (auto& e : entries) {
    INFO(e.path);
    CHECK(e.mtime == kEpoch);
    CHECK(e.path.front() != '/');
  }
  auto by = rigtest::tar_by_path(entries);

  SECTION("uid-mapping helpers: setuid cleared, file capability added, content kept") {
    auto& uidmap = by.at("usr/bin/newuidmap");
    CHECK(uidmap.type == AE_IFREG);
    CHECK(uidmap.perm == 0755);
    CHECK(uidmap.uid == 0);
    CHECK(uidmap.gid == 0);
    CHECK(uidmap.content == "ELF");
    CHECK(uidmap.xattrs == std::map<std::string, std::string>{{"security.capability", kCapSetuid}});
    CHECK(rigtest::hex(uidmap.xattrs.at("security.capability")) ==
          "01 00 00 02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    auto& gidmap = by.at("usr/bin/newgidmap");
    CHECK(gidmap.perm == 0755);
    CHECK(gidmap.content == "ELF-gid");
    // Existing xattrs stay; the capability is added.
    CHECK(gidmap.xattrs ==
          std::map<std::string, std::string>{{"security.capability", kCapSetgid}, {"user.origin", "base"}});
  }
  SECTION("account databases") {
    CHECK(by.at("etc/passwd").content ==
          "root:x:0:0:root:/root:/bin/bash\nbuilder:x:1000:1000::/home/builder:/bin/bash\n");
    CHECK(by.at("etc/passwd").perm == 0644);
    CHECK(by.at("etc/group").content == "root:x:0:\nadm:x:4:syslog\nshadow:x:42:\nbuilder:x:1000:\n");
    auto& shadow = by.at("etc/shadow");
    CHECK(shadow.content == "root:*:19000:0:99999:7:::\nbuilder:!:19723:0:99999:7:::\n");
    CHECK(shadow.perm == 0640);  // the base's metadata is kept
    CHECK(shadow.uid == 0);
    CHECK(shadow.gid == 42);
    auto& gshadow = by.at("etc/gshadow");  // not in the base: created
    CHECK(gshadow.content == "builder:!::\n");
    CHECK(gshadow.perm == 0640);
    CHECK(gshadow.gid == 0);
    CHECK(by.at("etc/subuid").content == "builder:100000:65536\n");
    CHECK(by.at("etc/subgid").content == "builder:100000:65536\n");
    CHECK(by.at("etc/subuid").perm == 0644);
  }
  SECTION("home, owned directories and implicit parents") {
    auto check_dir = [&](const std::string& name, unsigned perm, int64_t uid, int64_t gid) {
      INFO(name);
      REQUIRE(by.count(name));
      CHECK(by.at(name).type == AE_IFDIR);
      CHECK(by.at(name).perm == perm);
      CHECK(by.at(name).uid == uid);
      CHECK(by.at(name).gid == gid);
    };
    check_dir("home/builder/", 0755, 1000, 1000);
    // Owned directories with the recipe's mode.
    check_dir("home/builder/.local/share/containers/", 0700, 1000, 1000);
    check_dir("srv/data/cache/", 0750, 0, 0);
    check_dir("workspace/", 0755, 1000, 1000);
    // Implicit parents: the user's inside the home directory, root's elsewhere.
    check_dir("home/builder/.local/", 0755, 1000, 1000);
    check_dir("home/builder/.local/share/", 0755, 1000, 1000);
    check_dir("home/builder/.config/", 0755, 1000, 1000);
    check_dir("home/builder/.config/app/", 0755, 1000, 1000);
    check_dir("srv/", 0755, 0, 0);
    check_dir("srv/data/", 0755, 0, 0);
    check_dir("opt/", 0755, 0, 0);
    check_dir("opt/tool/etc/", 0755, 0, 0);
    check_dir("usr/local/bin/", 0755, 0, 0);
    // Directories the base already has are not repeated.
    CHECK_FALSE(by.count("home/"));
    CHECK_FALSE(by.count("usr/bin/"));
    CHECK_FALSE(by.count("etc/"));
  }
  SECTION("files and links") {
    auto& conf = by.at("home/builder/.config/app/app.conf");
    CHECK(conf.type == AE_IFREG);
    CHECK(conf.content == "x=1\n");
    CHECK(conf.perm == 0600);
    CHECK(conf.uid == 1000);
    CHECK(conf.gid == 1000);
    auto& tool = by.at("opt/tool/etc/tool.conf");
    CHECK(tool.content == "y\n");
    CHECK(tool.perm == 0644);
    CHECK(tool.uid == 0);
    auto& hi = by.at("usr/local/bin/hi");
    CHECK(hi.type == AE_IFLNK);
    CHECK(hi.symlink == "hello");
  }
}

TEST_CASE("layers: write_recipe_layer is deterministic", "[builder][layers]") {
  TempDir t;
  auto recipe = recipe_from(layer_recipe());
  auto scan = scan_for(t, recipe);
  auto a = rig::write_recipe_layer(recipe, scan, kEpoch, t / "a.tar");
  auto b = rig::write_recipe_layer(recipe, scan, kEpoch, t / "b.tar");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->layer.digest == b->layer.digest);
  CHECK(a->layer.size == b->layer.size);
  CHECK(rigtest::read_text(t / "a.tar") == rigtest::read_text(t / "b.tar"));
  auto c = rig::write_recipe_layer(recipe, scan, kEpoch + 86400, t / "c.tar");
  REQUIRE(c.ok());
  CHECK(c->layer.digest != a->layer.digest);  // the epoch is part of the layer
}

TEST_CASE("layers: a file capability path missing from the base is a usage error", "[builder][layers]") {
  TempDir t;
  json j = layer_recipe();
  j["file_capabilities"][1]["path"] = "/usr/bin/missing";
  auto recipe = recipe_from(j);
  auto scan = scan_for(t, recipe);
  check_recipe_error(rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar"),
                     "file_capabilities[1].path: '/usr/bin/missing' is not in the base root filesystem (is its "
                     "package in \"packages\"?)");
}

TEST_CASE("layers: a file capability on a symlink or hard link is a usage error", "[builder][layers]") {
  TempDir t;
  json j = layer_recipe();
  j["file_capabilities"][0]["path"] = "/usr/bin/newuidmap.link";
  auto recipe = recipe_from(j);
  auto scan = scan_for(t, recipe);
  check_recipe_error(rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar"),
                     "file_capabilities[0].path: '/usr/bin/newuidmap.link' is not a regular file in the base (a "
                     "symlink or hard link?)");
  j["file_capabilities"][0]["path"] = "/bin";
  auto recipe2 = recipe_from(j);
  auto scan2 = scan_for(t, recipe2);
  check_recipe_error(rig::write_recipe_layer(recipe2, scan2, kEpoch, t / "recipe.tar"),
                     "file_capabilities[0].path: '/bin' is not a regular file in the base (a symlink or hard link?)");
}

TEST_CASE("layers: a recipe path whose parent is a symlink in the base is a usage error", "[builder][layers]") {
  TempDir t;
  json j = layer_recipe();
  j["files"].push_back({{"path", "/bin/foo"}, {"content", "x"}});
  auto recipe = recipe_from(j);
  auto scan = scan_for(t, recipe);
  check_recipe_error(rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar"),
                     "files[2]: parent '/bin' of '/bin/foo' is a symlink in the base; use the path it points to");
}

TEST_CASE("layers: a directory cannot replace a base symlink, nor a file a base directory", "[builder][layers]") {
  TempDir t;
  json j = layer_recipe();
  j["directories"].push_back({{"path", "/bin"}, {"owner", "root"}});
  auto recipe = recipe_from(j);
  auto scan = scan_for(t, recipe);
  check_recipe_error(rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar"),
                     "directories[3]: '/bin' is a symlink in the base; a directory cannot replace it");
  json k = layer_recipe();
  k["files"].push_back({{"path", "/var"}, {"content", ""}});
  auto recipe2 = recipe_from(k);
  check_recipe_error(rig::write_recipe_layer(recipe2, scan, kEpoch, t / "recipe.tar"), "files[2]: '/var' is a directory in the base");
}

TEST_CASE("layers: a recipe without a user leaves the account files alone", "[builder][layers]") {
  TempDir t;
  json j = layer_recipe();
  j.erase("user");
  j["directories"] = {{{"path", "/srv/x"}, {"owner", "0:0"}}};
  j["files"] = json::array();
  auto recipe = recipe_from(j);
  auto scan = scan_for(t, recipe);
  auto rep = rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar");
  REQUIRE(rep.ok());
  CHECK(rep->removed_users.empty());
  CHECK(rep->entries == std::vector<std::string>{"/srv", "/srv/x", "/usr/bin/newgidmap", "/usr/bin/newuidmap",
                                                  "/usr/local", "/usr/local/bin", "/usr/local/bin/hi"});
}

// One recipe path used as the parent of another: the layer would hold a regular file (or a
// symlink) and then entries beneath it, which no engine can extract.
TEST_CASE("layers: a recipe file or link used as a parent directory is refused", "[builder][layers]") {
  TempDir t;
  json f = layer_recipe();
  f["files"].push_back({{"path", "/opt/a"}, {"content", "plain file"}});
  f["files"].push_back({{"path", "/opt/a/b"}, {"content", "child"}});
  auto with_file = recipe_from(f);
  auto scan = scan_for(t, with_file);
  check_recipe_error(rig::write_recipe_layer(with_file, scan, kEpoch, t / "recipe.tar"),
                     "files[3]: parent '/opt/a' of '/opt/a/b' is a file or link the recipe creates");
  json l = layer_recipe();
  l["links"].push_back({{"path", "/opt/a"}, {"target", "/srv"}});
  l["files"].push_back({{"path", "/opt/a/b"}, {"content", "child"}});
  auto with_link = recipe_from(l);
  check_recipe_error(rig::write_recipe_layer(with_link, scan, kEpoch, t / "recipe.tar"),
                     "files[2]: parent '/opt/a' of '/opt/a/b' is a file or link the recipe creates");
}

TEST_CASE("layers: a recipe path beneath a regular file of the base is refused", "[builder][layers]") {
  TempDir t;
  json j = layer_recipe();
  j["files"].push_back({{"path", "/var/future/x"}, {"content", ""}});
  auto recipe = recipe_from(j);
  auto scan = scan_for(t, recipe);
  check_recipe_error(rig::write_recipe_layer(recipe, scan, kEpoch, t / "recipe.tar"),
                     "files[2]: parent '/var/future' of '/var/future/x' is a file in the base");
}

// parse_recipe refuses a file capability on a path that "directories" or "files" create, but
// links are claimed only after that check: a link on the capability's path replaces the
// capability copy in the layer, silently.
TEST_CASE("layers: a file capability is not silently replaced by a link on the same path", "[builder][layers][bug][!mayfail]") {
  TempDir t;
  json j = layer_recipe();
  j["links"].push_back({{"path", "/usr/bin/newuidmap"}, {"target", "newuidmap.real"}});
  auto parsed = rig::parse_recipe(j.dump(), "/nonexistent/layers.json");
  if (!parsed.ok()) {
    CHECK(parsed.error().category() == rig::Category::Usage);
    return;
  }
  auto scan = scan_for(t, *parsed);
  auto rep = rig::write_recipe_layer(*parsed, scan, kEpoch, t / "recipe.tar");
  if (!rep.ok()) {
    CHECK(rep.error().category() == rig::Category::Usage);
    return;
  }
  auto by = rigtest::tar_by_path(rigtest::read_tar(t / "recipe.tar"));
  INFO("usr/bin/newuidmap is " << (by.at("usr/bin/newuidmap").type == AE_IFLNK ? "a symlink" : "a file"));
  CHECK(by.at("usr/bin/newuidmap").xattrs.count("security.capability") == 1);
}

// With a "user", the recipe layer rewrites /etc/passwd, group, shadow, gshadow, subuid and subgid;
// a "files" entry for one of them replaces that rewrite: the image's passwd lacks the rig user.
TEST_CASE("layers: a files entry does not silently discard the user's account entries", "[builder][layers][bug][!mayfail]") {
  TempDir t;
  json j = layer_recipe();
  j["files"].push_back({{"path", "/etc/passwd"}, {"content", "root:x:0:0:root:/root:/bin/bash\n"}});
  auto parsed = rig::parse_recipe(j.dump(), "/nonexistent/layers.json");
  if (!parsed.ok()) {
    CHECK(parsed.error().category() == rig::Category::Usage);
    return;
  }
  auto scan = scan_for(t, *parsed);
  auto rep = rig::write_recipe_layer(*parsed, scan, kEpoch, t / "recipe.tar");
  if (!rep.ok()) {
    CHECK(rep.error().category() == rig::Category::Usage);
    return;
  }
  auto by = rigtest::tar_by_path(rigtest::read_tar(t / "recipe.tar"));
  CHECK_THAT(by.at("etc/passwd").content, Catch::Contains("builder:x:1000:1000::/home/builder:/bin/bash\n"));
}

}  // namespace rigtest_builder_layers
