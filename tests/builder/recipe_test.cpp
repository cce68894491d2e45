#include <catch2/catch.hpp>

#include "builder/capability.hpp"
#include "builder/recipe.hpp"
#include "core/arch.hpp"
#include "support/test_util.hpp"

using rigtest::full_recipe;
using rigtest::json;
using rigtest::minimal_recipe;
namespace fs = std::filesystem;

namespace {

const fs::path kFile = "/nonexistent/recipes/unit.json";
const std::string kPrefix = "load recipe '/nonexistent/recipes/unit.json': ";

rig::Result<rig::Recipe> parse(const json& j) { return rig::parse_recipe(j.dump(2), kFile); }

rig::Recipe parse_ok(const json& j) {
  auto r = parse(j);
  if (!r.ok()) FAIL("recipe rejected: " << r.error().what());
  return std::move(r).value();
}

// The recipe is rejected as a usage error (exit 2) whose message names the file, the JSON path
// and what was expected: exactly "load recipe '<file>': <path>: <message>".
void check_rejected(const rig::Result<rig::Recipe>& r, const std::string& path, const std::string& message) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(rig::exit_code(r.error().category()) == 2);
  CHECK(r.error().what() == kPrefix + path + ": " + message);
}

void check_rejected(const json& j, const std::string& path, const std::string& message) {
  check_rejected(parse(j), path, message);
}

json with_user() {
  json j = minimal_recipe();
  j["user"] = full_recipe()["user"];
  return j;
}

}  // namespace

// ---- valid recipes ----

TEST_CASE("recipe: the minimal recipe parses with defaults", "[builder][recipe]") {
  auto r = parse_ok(minimal_recipe());
  CHECK(r.file == kFile);
  CHECK(r.text == minimal_recipe().dump(2));
  CHECK(r.name == "mini");
  CHECK(r.description.empty());
  CHECK(r.base.distro == "debian");
  CHECK(r.base.suite == "trixie");
  CHECK(r.base.components == std::vector<std::string>{"main"});
  CHECK(r.base.variant == "apt");
  CHECK(r.base.mirror == "debian");  // defaults to the distro's name
  CHECK_FALSE(r.base.keyring.has_value());
  CHECK(r.base.strip.empty());
  CHECK_FALSE(r.base.recommends);
  CHECK(r.architectures == std::vector<std::string>{"amd64"});
  CHECK(r.packages.empty());
  CHECK_FALSE(r.user.has_value());
  CHECK(r.config_user.empty());
  CHECK_FALSE(r.launch.has_value());
}

TEST_CASE("recipe: every section of a full recipe is read", "[builder][recipe]") {
  auto r = parse_ok(full_recipe());
  CHECK(r.description == "a recipe with every section");
  CHECK(r.base.components == std::vector<std::string>{"main", "contrib"});
  CHECK(r.base.variant == "minbase");
  CHECK(r.base.strip == std::vector<std::string>{"/usr/share/doc/*", "!/usr/share/doc/*/copyright"});
  CHECK(r.architectures == std::vector<std::string>{"amd64", "arm64"});
  CHECK(r.packages == std::vector<std::string>{"uidmap", "podman", "ca-certificates"});
  REQUIRE(r.user.has_value());
  CHECK(r.user->name == "builder");
  CHECK(r.user->uid == 1000);
  CHECK(r.user->gid == 1000);
  CHECK(r.user->home == "/home/builder");
  CHECK(r.user->shell == "/bin/bash");
  CHECK(r.user->subuid.start == 100000);
  CHECK(r.user->subuid.count == 65536);
  CHECK(r.user->subgid.start == 100000);
  CHECK(r.user->subgid.count == 65536);
  REQUIRE(r.file_capabilities.size() == 2);
  CHECK(r.file_capabilities[0].path == "/usr/bin/newuidmap");
  CHECK(r.file_capabilities[0].text == "cap_setuid=ep");
  CHECK(rigtest::hex(r.file_capabilities[0].xattr) == "01 00 00 02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  CHECK(rigtest::hex(r.file_capabilities[1].xattr) == "01 00 00 02 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  REQUIRE(r.directories.size() == 2);
  CHECK(r.directories[0].path == "/workspace");
  CHECK(r.directories[0].owner.uid == 1000);
  CHECK(r.directories[0].owner.gid == 1000);
  CHECK(r.directories[0].mode == 0750);
  CHECK(r.directories[1].owner.uid == 0);
  CHECK(r.directories[1].mode == 0755);  // default
  REQUIRE(r.files.size() == 2);
  CHECK(r.files[0].path == "/usr/local/bin/hello");
  CHECK(r.files[0].content == "#!/bin/sh\necho hello\n");
  CHECK(r.files[0].source.empty());
  CHECK(r.files[0].mode == 0755);
  CHECK(r.files[0].owner.uid == 0);
  CHECK(r.files[1].mode == 0644);  // default
  CHECK(r.files[1].owner.uid == 1000);
  REQUIRE(r.links.size() == 1);
  CHECK(r.links[0].path == "/usr/local/bin/hi");
  CHECK(r.links[0].target == "hello");
  CHECK(r.env == std::map<std::string, std::string>{{"HOME", "/home/builder"}, {"LANG", "C.UTF-8"}});
  CHECK(r.workdir == "/workspace");
  CHECK(r.config_user == "1000:1000");  // from the user
  CHECK(r.entrypoint == std::vector<std::string>{"/usr/local/bin/hello"});
  CHECK(r.cmd == std::vector<std::string>{"sleep", "infinity"});
  CHECK(r.volumes == std::vector<std::string>{"/workspace"});
  CHECK(r.labels == std::map<std::string, std::string>{{"org.example.role", "test"}});
  REQUIRE(r.launch.has_value());
  CHECK(r.launch->init);
  CHECK(r.launch->restart == "unless-stopped");
  CHECK(r.launch->memory_mb == 1024);
  CHECK(r.launch->cpus == 1.5);
  CHECK(r.launch->pids_limit == 512);
  REQUIRE(r.launch->ports.size() == 1);
  CHECK(r.launch->ports[0].host_ip == "127.0.0.1");
  CHECK(r.launch->ports[0].host_port == 8080);
  CHECK(r.launch->ports[0].container_port == 80);
  CHECK(r.launch->ports[0].count == 1);
  REQUIRE(r.launch->volumes.size() == 1);
  CHECK(r.launch->volumes[0].name == "work");
  CHECK(r.launch->volumes[0].target == "/workspace");
  REQUIRE(r.launch->flags.size() == 1);
  auto& f = r.launch->flags[0];
  CHECK(f.id == "tun");
  CHECK(f.option == "--device /dev/net/tun");
  CHECK(f.effect_kind == "device");
  CHECK(f.effect_value == "/dev/net/tun");
  CHECK(f.engines == std::vector<std::string>{"docker", "podman"});  // default
  CHECK(f.requires_host.empty());
  CHECK(f.expect_check == "inner-run");
  CHECK(f.expect_signature == "tun");
}

TEST_CASE("recipe: config_user overrides the user's ids", "[builder][recipe]") {
  json j = with_user();
  j["config_user"] = "0:0";
  CHECK(parse_ok(j).config_user == "0:0");
}

TEST_CASE("recipe: base.recommends is a boolean", "[builder][recipe]") {
  json j = minimal_recipe();
  j["base"]["recommends"] = true;
  CHECK(parse_ok(j).base.recommends);
  j["base"]["recommends"] = "yes";
  check_rejected(j, "base.recommends", "expected true or false, got a string");
}

TEST_CASE("recipe: owner UID:GID is accepted", "[builder][recipe]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "/srv"}, {"owner", "33:44"}, {"mode", "2775"}}};
  auto r = parse_ok(j);
  CHECK(r.directories[0].owner.uid == 33);
  CHECK(r.directories[0].owner.gid == 44);
  CHECK(r.directories[0].mode == 02775);
}

TEST_CASE("recipe: comments are accepted in recipe text", "[builder][recipe]") {
  std::string text = "// a comment\n" + minimal_recipe().dump(2);
  text.insert(text.find("\"name\""), "/* block */ ");
  auto r = rig::parse_recipe(text, kFile);
  REQUIRE(r.ok());
  CHECK(r->text == text);
}

TEST_CASE("recipe: a subuid range ending exactly at 4294967294 is accepted", "[builder][recipe]") {
  json j = with_user();
  j["user"]["subuid"] = {{"start", 4294967194ULL}, {"count", 101}};
  auto r = parse_ok(j);
  CHECK(r.user->subuid.start == 4294967194ULL);
  CHECK(r.user->subuid.count == 101);
}

TEST_CASE("recipe: file sources are read relative to the recipe file", "[builder][recipe]") {
  rigtest::TempDir t;
  rigtest::write_text(t / "files/hello.txt", "from a file\n");
  json j = minimal_recipe();
  j["files"] = {{{"path", "/etc/hello"}, {"source", "files/hello.txt"}}};
  rigtest::write_text(t / "r.json", j.dump());
  auto r = rig::load_recipe(t / "r.json");
  REQUIRE(r.ok());
  CHECK(r->file == t / "r.json");
  CHECK(r->files[0].source == "files/hello.txt");
  CHECK(r->files[0].content == "from a file\n");
}

// ---- one test per validation rule ----

TEST_CASE("recipe: not JSON is rejected with line and column", "[builder][recipe][validation]") {
  auto r = rig::parse_recipe("{ \"schema\": \"rigctl/recipe/v1\",\n  \"name\": }\n", kFile);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(rig::exit_code(r.error().category()) == 2);
  CHECK_THAT(r.error().what(), Catch::StartsWith(kPrefix + "not valid JSON at line 2, column 11: syntax error"));
}

TEST_CASE("recipe: a top-level value that is not an object is rejected", "[builder][recipe][validation]") {
  check_rejected(rig::parse_recipe("[1, 2]", kFile), "(top level)", "expected an object, got an array");
}

TEST_CASE("recipe: wrong type is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["name"] = 5;
  check_rejected(j, "name", "expected a string, got an integer");
  json k = minimal_recipe();
  k["architectures"] = "amd64";
  check_rejected(k, "architectures", "expected an array, got a string");
  json u = with_user();
  u["user"]["uid"] = "1000";
  check_rejected(u, "user.uid", "expected a non-negative integer, got a string");
}

TEST_CASE("recipe: wrong schema is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["schema"] = "rigctl/recipe/v2";
  check_rejected(j, "schema", "expected \"rigctl/recipe/v1\", got 'rigctl/recipe/v2'");
}

TEST_CASE("recipe: unknown top-level key is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["colour"] = "red";
  check_rejected(j, "colour",
                 "unknown key (expected one of: architectures, base, cmd, config_user, description, directories, "
                 "entrypoint, env, file_capabilities, files, host, labels, launch, links, name, packages, schema, user, "
                 "volumes, workdir)");
}

TEST_CASE("recipe: unknown nested key is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["password"] = "secret";
  check_rejected(j, "user.password", "unknown key (expected one of: gid, home, name, shell, subgid, subuid, uid)");
  json b = minimal_recipe();
  b["base"]["release"] = "13";
  check_rejected(b, "base.release",
                 "unknown key (expected one of: components, distro, keyring, mirror, recommends, strip, suite, "
                 "variant)");
  json f = full_recipe();
  f["launch"]["flags"][0]["effect"]["extra"] = 1;
  check_rejected(f, "launch.flags[0].effect.extra", "unknown key (expected one of: kind, value)");
}

TEST_CASE("recipe: missing field is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"].erase("home");
  check_rejected(j, "user.home", "missing required field");
  json b = minimal_recipe();
  b.erase("base");
  check_rejected(b, "base", "missing required field");
  json f = full_recipe();
  f["launch"]["flags"][0]["expect"].erase("signature");
  check_rejected(f, "launch.flags[0].expect.signature", "missing required field");
}

TEST_CASE("recipe: subuid range overlapping the user's uid is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["uid"] = 100500;
  check_rejected(j, "user.subuid", "the subuid range 100000+65536 overlaps the user's own id 100500");
}

TEST_CASE("recipe: subgid range overlapping the user's gid is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["gid"] = 165535;
  check_rejected(j, "user.subgid", "the subgid range 100000+65536 overlaps the user's own id 165535");
}

TEST_CASE("recipe: subuid range leaving 0..4294967294 is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["subuid"] = {{"start", 4294967195ULL}, {"count", 101}};
  check_rejected(j, "user.subuid", "the subuid range 4294967195+101 leaves 0..4294967294 (ends at 4294967295)");
}

// start + count - 1 must not wrap around 2^64 and slip past the bound check.
TEST_CASE("recipe: subuid range overflowing 64 bits is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["subuid"] = {{"start", 9223372036854775808ULL}, {"count", 9223372036854775809ULL}};
  auto r = parse(j);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::StartsWith(kPrefix + "user.subuid: the subuid range "
                                                           "9223372036854775808+9223372036854775809 leaves 0..4294967294"));
  json k = with_user();
  k["user"]["subgid"] = {{"start", 1}, {"count", 18446744073709551615ULL}};
  auto r2 = parse(k);
  REQUIRE_FALSE(r2.ok());
  CHECK_THAT(r2.error().what(), Catch::StartsWith(kPrefix + "user.subgid: the subgid range 1+18446744073709551615 leaves"));
}

// The message's "(ends at N)" is start + count - 1 computed in 64 bits: for a wrapping range it
// names a wrong end (here 0, which even looks valid).
TEST_CASE("recipe: the overflowing range message does not name a wrapped end", "[builder][recipe][validation][bug][!mayfail]") {
  json j = with_user();
  j["user"]["subuid"] = {{"start", 9223372036854775808ULL}, {"count", 9223372036854775809ULL}};
  auto r = parse(j);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().what(), !Catch::Contains("(ends at 0)"));
}

TEST_CASE("recipe: subuid range including 0 is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["subuid"]["start"] = 0;
  check_rejected(j, "user.subuid.start", "a subordinate range must not include 0 (root)");
}

TEST_CASE("recipe: empty subuid range is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["subgid"]["count"] = 0;
  check_rejected(j, "user.subgid.count", "expected at least 1 subordinate id");
}

TEST_CASE("recipe: root as the rig user is rejected", "[builder][recipe][validation]") {
  json j = with_user();
  j["user"]["uid"] = 0;
  check_rejected(j, "user.uid", "the rig user must not be root (uid 0)");
}

TEST_CASE("recipe: duplicate paths across directories and files are rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "/srv/x"}, {"owner", "root"}}};
  j["files"] = {{{"path", "/etc/a"}, {"content", ""}}, {{"path", "/srv/x"}, {"content", "x"}}};
  check_rejected(j, "files[1].path", "duplicate path '/srv/x' (also at directories[0].path)");
  json l = minimal_recipe();
  l["files"] = {{{"path", "/usr/bin/sh"}, {"content", ""}}};
  l["links"] = {{{"path", "/usr/bin/sh"}, {"target", "dash"}}};
  check_rejected(l, "links[0].path", "duplicate path '/usr/bin/sh' (also at files[0].path)");
}

TEST_CASE("recipe: duplicate file capability path is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ep"}},
                            {{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setgid=ep"}}};
  check_rejected(j, "file_capabilities[1].path", "duplicate path '/usr/bin/newuidmap'");
}

TEST_CASE("recipe: a file capability on a path the recipe creates is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ep"}}};
  j["files"] = {{{"path", "/usr/bin/newuidmap"}, {"content", "replacement"}, {"mode", "0755"}}};
  check_rejected(j, "file_capabilities[0].path",
                 "'/usr/bin/newuidmap' is also created by files[0].path (capabilities apply to a file of the base)");
}

TEST_CASE("recipe: invalid capability text is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ex"}}};
  check_rejected(j, "file_capabilities[0].caps",
                 "not a valid capability text: 'cap_setuid=ex': flag 'x' is not one of e, i, p");
  j["file_capabilities"][0]["caps"] = "cap_frobnicate=ep";
  check_rejected(j, "file_capabilities[0].caps",
                 "not a valid capability text: 'cap_frobnicate' is not a Linux capability name (e.g. cap_setuid)");
}

TEST_CASE("recipe: unknown architecture is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["architectures"] = {"amd64", "sparc"};
  check_rejected(j, "architectures[1]", "unknown architecture 'sparc' (expected a Debian arch name such as amd64 or arm64)");
  j["architectures"] = json::array();
  check_rejected(j, "architectures", "expected at least one architecture");
}

TEST_CASE("recipe: non-loopback launch port host_ip is rejected", "[builder][recipe][validation]") {
  json j = full_recipe();
  j["launch"]["ports"][0]["host_ip"] = "0.0.0.0";
  check_rejected(j, "launch.ports[0].host_ip", "expected a loopback address (127.0.0.1 or ::1), got '0.0.0.0'");
  j["launch"]["ports"][0]["host_ip"] = "::1";
  CHECK(parse_ok(j).launch->ports[0].host_ip == "::1");
}

TEST_CASE("recipe: launch port range past 65535 is rejected", "[builder][recipe][validation]") {
  json j = full_recipe();
  j["launch"]["ports"][0]["host_port"] = 65530;
  j["launch"]["ports"][0]["count"] = 7;
  check_rejected(j, "launch.ports[0]", "port range ends past 65535");
}

TEST_CASE("recipe: mirror given as a URL is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["base"]["mirror"] = "http://deb.debian.org/debian";
  check_rejected(j, "base.mirror",
                 "expected a mirror name such as \"debian\" (resolved from --mirror, RIGCTL_MIRROR_<NAME> or the "
                 "host's apt sources), not a URL");
}

TEST_CASE("recipe: unknown distro and variant are rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["base"]["distro"] = "fedora";
  check_rejected(j, "base.distro", "expected \"debian\" or \"ubuntu\", got 'fedora'");
  json v = minimal_recipe();
  v["base"]["variant"] = "huge";
  check_rejected(v, "base.variant", "expected an mmdebstrap variant (extract, minbase, apt, ...), got 'huge'");
}

TEST_CASE("recipe: owner user without a user is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "/srv"}, {"owner", "user"}}};
  check_rejected(j, "directories[0].owner", "\"user\" names the recipe's user, but the recipe has no \"user\"");
  json f = minimal_recipe();
  f["files"] = {{{"path", "/srv/a"}, {"content", ""}, {"owner", "user"}}};
  check_rejected(f, "files[0].owner", "\"user\" names the recipe's user, but the recipe has no \"user\"");
}

TEST_CASE("recipe: malformed owner is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "/srv"}, {"owner", "www-data"}}};
  check_rejected(j, "directories[0].owner", "expected \"root\", \"user\" or \"UID:GID\", got 'www-data'");
  j["directories"][0]["owner"] = "1:4294967295";
  check_rejected(j, "directories[0].owner", "uid/gid out of range in '1:4294967295'");
}

// std::stoull would throw std::out_of_range for a number beyond 64 bits; it must become a usage
// error, not an exception escaping parse_recipe.
TEST_CASE("recipe: owner with a uid beyond 64 bits is a usage error", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "/srv"}, {"owner", "99999999999999999999:0"}}};
  rig::Result<rig::Recipe> r = rig::usage_error("not run");
  REQUIRE_NOTHROW(r = parse(j));
  check_rejected(r, "directories[0].owner", "uid/gid out of range in '99999999999999999999:0'");
}

TEST_CASE("recipe: launch volume target not among declared volumes is rejected", "[builder][recipe][validation]") {
  json j = full_recipe();
  j["launch"]["volumes"].push_back({{"name", "data"}, {"target", "/data"}});
  check_rejected(j, "launch.volumes[1].target", "'/data' is not one of the recipe's declared \"volumes\"");
}

TEST_CASE("recipe: duplicate flag id is rejected", "[builder][recipe][validation]") {
  json j = full_recipe();
  json second = j["launch"]["flags"][0];
  second["option"] = "--device /dev/fuse";
  j["launch"]["flags"].push_back(second);
  check_rejected(j, "launch.flags[1]", "duplicate flag id 'tun'");
}

TEST_CASE("recipe: unknown effect kind is rejected", "[builder][recipe][validation]") {
  json j = full_recipe();
  j["launch"]["flags"][0]["effect"]["kind"] = "sysctl";
  check_rejected(j, "launch.flags[0].effect.kind", "expected one of device, seccomp, apparmor, systempaths, got 'sysctl'");
}

TEST_CASE("recipe: invalid package name is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["packages"] = {"bash", "podman", "ca-certificates", "Bad_Name"};
  check_rejected(j, "packages[3]", "expected a Debian package name, got 'Bad_Name'");
}

TEST_CASE("recipe: paths must be absolute and normalized", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "srv"}, {"owner", "root"}}};
  check_rejected(j, "directories[0].path", "expected an absolute path, got 'srv'");
  j["directories"][0]["path"] = "/srv/../etc";
  check_rejected(j, "directories[0].path", "expected a normalized path (no '.', '..' or '//' parts), got '/srv/../etc'");
  j["directories"][0]["path"] = "/srv/";
  check_rejected(j, "directories[0].path", "expected a path without a trailing '/', got '/srv/'");
}

TEST_CASE("recipe: invalid mode is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["files"] = {{{"path", "/a"}, {"content", ""}, {"mode", "0999"}}};
  check_rejected(j, "files[0].mode", "expected an octal mode string such as \"0755\", got '0999'");
}

TEST_CASE("recipe: file needs exactly one of content and source", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["files"] = {{{"path", "/a"}, {"content", ""}, {"source", "x"}}};
  check_rejected(j, "files[0]", "expected exactly one of \"content\" or \"source\"");
  j["files"] = {{{"path", "/a"}}};
  check_rejected(j, "files[0]", "expected exactly one of \"content\" or \"source\"");
}

TEST_CASE("recipe: unreadable file source is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["files"] = {{{"path", "/a"}, {"source", "files/missing.txt"}}};
  check_rejected(j, "files[0].source",
                 "cannot read '/nonexistent/recipes/files/missing.txt' (sources are relative to the recipe)");
}

TEST_CASE("recipe: invalid env name is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["env"] = {{"BAD-NAME", "x"}};
  check_rejected(j, "env", "'BAD-NAME' is not a valid environment variable name");
}

TEST_CASE("recipe: load_recipe of a missing file is a usage error naming it", "[builder][recipe][validation]") {
  rigtest::TempDir t;
  auto r = rig::load_recipe(t / "none.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  auto f = (t / "none.json").string();
  CHECK(r.error().what() == "load recipe '" + f + "': cannot read '" + f + "': No such file or directory");
}

// ---- the shipped recipes ----

TEST_CASE("recipe: every shipped recipe parses", "[builder][recipe]") {
  size_t count = 0;
  for (auto sub : {"recipes", "images"}) {
    auto dir = rigtest::source_root() / sub;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      auto r = rig::load_recipe(f);
      INFO(f.string() << ": " << (r.ok() ? std::string("ok") : r.error().what()));
      CHECK(r.ok());
      if (r.ok()) {
        CHECK(r->file == f);
        CHECK_FALSE(r->name.empty());
      }
      ++count;
    }
  }
  CHECK(count >= 1);
  CHECK(fs::exists(rigtest::source_root() / "recipes/debian-trixie.json"));
}

TEST_CASE("recipe: the shipped debian-trixie recipe has the podman rig essentials", "[builder][recipe]") {
  auto r = rig::load_recipe(rigtest::source_root() / "recipes/debian-trixie.json");
  REQUIRE(r.ok());
  REQUIRE(r->user.has_value());
  CHECK(r->user->uid == 1000);
  REQUIRE(r->file_capabilities.size() == 2);
  CHECK(r->file_capabilities[0].xattr == rig::vfs_cap_xattr(rig::parse_capability_text("cap_setuid=ep").value()));
  REQUIRE(r->launch.has_value());
  for (auto& p : r->launch->ports) CHECK((p.host_ip == "127.0.0.1" || p.host_ip == "::1"));
  for (auto& f : r->files) CHECK_FALSE(f.content.empty());
}

TEST_CASE("recipe: launch.inner lists networks and storage setups; storage defaults to overlay", "[builder][recipe]") {
  auto plain = parse_ok(full_recipe());
  REQUIRE(plain.launch);
  CHECK(plain.launch->inner_networks.empty());
  REQUIRE(plain.launch->inner_storage.size() == 1);
  CHECK(plain.launch->find_storage("")->id == "overlay");
  json j = full_recipe();
  j["launch"]["inner"] = {{"networks", {"slirp4netns", "pasta"}},
                          {"storage", {{{"id", "overlay"}}, {{"id", "fuse-overlayfs"}, {"env", {{"CONTAINERS_STORAGE_CONF", "/x.conf"}}}}}}};
  j["launch"]["flags"][0]["requires"] = "inner-storage:fuse-overlayfs";
  auto r = parse_ok(j);
  CHECK(r.launch->inner_networks == std::vector<std::string>{"slirp4netns", "pasta"});
  REQUIRE(r.launch->find_storage("fuse-overlayfs"));
  CHECK(r.launch->find_storage("fuse-overlayfs")->env.at("CONTAINERS_STORAGE_CONF") == "/x.conf");
  CHECK(r.launch->find_storage("zfs") == nullptr);
}

TEST_CASE("recipe: bad launch.inner and flag requires are rejected", "[builder][recipe][validation]") {
  json j = full_recipe();
  j["launch"]["inner"] = {{"networks", {"vpnkit"}}};
  check_rejected(j, "launch.inner.networks", "expected network backends pasta or slirp4netns, got 'vpnkit'");
  j = full_recipe();
  j["launch"]["inner"] = {{"storage", {{{"id", "overlay"}}, {{"id", "overlay"}}}}};
  check_rejected(j, "launch.inner.storage[1]", "duplicate inner storage id 'overlay'");
  j = full_recipe();
  j["launch"]["flags"][0]["requires"] = "kvm";
  check_rejected(j, "launch.flags[0].requires", "expected \"apparmor\" or \"inner-storage:<id>\", got 'kvm'");
  j = full_recipe();
  j["launch"]["flags"][0]["requires"] = "inner-storage:btrfs";
  check_rejected(j, "launch.flags[0].requires", "'btrfs' is not one of launch.inner.storage");
}
