#include "support/catch.hpp"

#include "security/capability.hpp"
#include "builder/recipe.hpp"
#include "core/signatures.hpp"
#include "builder/recipe_rules.hpp"
#include "core/arch.hpp"
#include "core/catalog.hpp"
#include "support/test_util.hpp"

#include <functional>

namespace rigtest_builder_recipe {

using rigtest::full_recipe;
using rigtest::json;
using rigtest::minimal_recipe;
namespace fs = std::filesystem;

namespace {

const fs::path kFile = "/nonexistent/recipes/unit.json";
const std::string kPrefix = "load recipe '/nonexistent/recipes/unit.json': ";

rig::Result<rig::Recipe> parse(const json& j) { return rig::parse_recipe(j.dump(2), kFile); }

// What an unknown expect.signature's error lists: "slow-restart" and every catalog id.
std::string known_signature_ids() {
  std::string s = "slow-restart";
  for (auto& sig : rig::known_signatures()) s += ", " + sig.id;
  return s;
}

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
  // The signature id resolved to its catalog pattern, the form the ablation matches.
  CHECK(f.expect_signature == "(?:" + rig::find_signature("tun-missing")->pattern + ")");
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
                 "expected a mirror name such as \"debian\" ([a-z0-9][a-z0-9_]*, resolved from --mirror, "
                 "RIGCTL_MIRROR_<NAME> or the host's apt sources), never a URL, got 'http://deb.debian.org/debian'");
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
  check_rejected(j, "launch.flags[0].effect.kind", "expected one of device, seccomp, apparmor, systempaths, cgroups, incus_config, got 'sysctl'");
}

TEST_CASE("recipe: invalid package name is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["packages"] = {"bash", "podman", "ca-certificates", "Bad_Name"};
  check_rejected(j, "packages[3]",
                 "expected a Debian package name ([a-z0-9][a-z0-9+.-]+, at most 128 characters, optionally :arch), got "
                 "'Bad_Name'");
}

TEST_CASE("recipe: paths must be absolute and normalized", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "srv"}, {"owner", "root"}}};
  check_rejected(j, "directories[0].path", "expected an absolute path, got 'srv'");
  j["directories"][0]["path"] = "/srv/../etc";
  check_rejected(j, "directories[0].path", "expected a normalized path (no '.', '..' or '//' parts), got '/srv/../etc'");
  j["directories"][0]["path"] = "/srv/";
  check_rejected(j, "directories[0].path", "expected a path without a trailing '/', got '/srv/'");
  // The root itself is never an entry: `chown` of "/" to the user, a file or a volume over everything.
  j["directories"][0]["path"] = "/";
  check_rejected(j, "directories[0].path", "expected a path below '/', not the root itself");
  j.erase("directories");
  j["files"] = {{{"path", "/"}, {"content", "x"}}};
  check_rejected(j, "files[0].path", "expected a path below '/', not the root itself");
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
                 "cannot read '/nonexistent/recipes/files/missing.txt': No such file or directory (sources are relative "
                 "to the recipe's directory)");
}

TEST_CASE("recipe: invalid env name is rejected", "[builder][recipe][validation]") {
  json j = minimal_recipe();
  j["env"] = {{"BAD-NAME", "x"}};
  check_rejected(j, "env", "'BAD-NAME' is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
}

TEST_CASE("recipe: load_recipe of a missing file is a usage error naming it", "[builder][recipe][validation]") {
  rigtest::TempDir t;
  auto r = rig::load_recipe(t / "none.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  auto f = (t / "none.json").string();
  CHECK(r.error().what() == "load recipe '" + f + "': '" + f + "' does not exist");
}

// ---- the shipped recipes ----

TEST_CASE("recipe: every shipped recipe parses", "[builder][recipe]") {
  size_t count = 0;
  for (auto sub : {"recipes", "recipes/hosts", "images"}) {
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
  check_rejected(j, "launch.flags[0].requires", "expected \"apparmor\", \"cgroup2\" or \"inner-storage:<id>\", got 'kvm'");
  j = full_recipe();
  j["launch"]["flags"][0]["requires"] = "inner-storage:btrfs";
  check_rejected(j, "launch.flags[0].requires", "'btrfs' is not one of launch.inner.storage");
}

// ---- hostile values (issue 12): every value checked before any work ----

namespace {

const std::string kSuiteRule = "expected a Debian suite name ([a-z0-9][a-z0-9.+~-]*, at most 64 characters), got ";
const std::string kPackageRule =
    "expected a Debian package name ([a-z0-9][a-z0-9+.-]+, at most 128 characters, optionally :arch), got ";
const std::string kNameRule =
    "expected an image name: lower-case letters and digits, separated by '.', '_', '__' or '-' (at most 128 "
    "characters), got ";
const std::string kControlPath = "expected a path without control characters (NUL, newline, ...), got ";

// A recipe with a host section whose init is one of its files.
json host_recipe() {
  json j = minimal_recipe();
  j["files"] = {{{"path", "/sbin/rig-init"}, {"content", "#!/bin/sh\n"}, {"mode", "0755"}}};
  j["host"] = {{"init", "/sbin/rig-init"}, {"cmdline", {"net.ifnames=0"}}};
  return j;
}

}  // namespace

// mmdebstrap reads a suite starting with '-' as an option: "--version" printed its version, and
// --setup-hook=... runs a command on the build host.
TEST_CASE("recipe: a suite that mmdebstrap would read as an option is rejected", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["base"]["suite"] = "--setup-hook=touch /tmp/x";
  check_rejected(j, "base.suite", kSuiteRule + "'--setup-hook=touch /tmp/x'");
  j["base"]["suite"] = "--version";
  check_rejected(j, "base.suite", kSuiteRule + "'--version'");
  j["base"]["suite"] = "Trixie";
  check_rejected(j, "base.suite", kSuiteRule + "'Trixie'");
  j["base"]["suite"] = "";
  check_rejected(j, "base.suite", kSuiteRule + "''");
  j["base"]["suite"] = "bookworm-backports";
  CHECK(parse_ok(j).base.suite == "bookworm-backports");
}

TEST_CASE("recipe: components, variant, mirror and keyring values cannot be options", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["base"]["components"] = {"main", "--setup-hook=id"};
  check_rejected(j, "base.components[1]",
                 "expected an archive component ([a-z0-9][a-z0-9/._-]*, at most 64 characters), got '--setup-hook=id'");
  j["base"]["components"] = {"main", "non-free-firmware"};
  CHECK(parse_ok(j).base.components == std::vector<std::string>{"main", "non-free-firmware"});
  j = minimal_recipe();
  j["base"]["variant"] = "--hook-dir=/tmp";
  check_rejected(j, "base.variant", "expected an mmdebstrap variant (extract, minbase, apt, ...), got '--hook-dir=/tmp'");
  j = minimal_recipe();
  j["base"]["mirror"] = "-debian";
  check_rejected(j, "base.mirror",
                 "expected a mirror name such as \"debian\" ([a-z0-9][a-z0-9_]*, resolved from --mirror, "
                 "RIGCTL_MIRROR_<NAME> or the host's apt sources), never a URL, got '-debian'");
  j = minimal_recipe();
  j["base"]["keyring"] = {{"package", "--setup-hook=id"}, {"distro", "debian"}, {"suite", "trixie"}, {"path", "/k.gpg"}};
  check_rejected(j, "base.keyring.package", kPackageRule + "'--setup-hook=id'");
  j["base"]["keyring"]["package"] = "ubuntu-keyring";
  j["base"]["keyring"]["suite"] = "--version";
  check_rejected(j, "base.keyring.suite", kSuiteRule + "'--version'");
  j["base"]["keyring"]["suite"] = "trixie";
  j["base"]["keyring"]["path"] = "/usr/share/keyrings/x.gpg\n--setup-hook=id";
  check_rejected(j, "base.keyring.path", kControlPath + "'/usr/share/keyrings/x.gpg\\n--setup-hook=id'");
}

TEST_CASE("recipe: package names follow Debian policy", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["packages"] = {"--setup-hook=touch /tmp/x"};
  check_rejected(j, "packages[0]", kPackageRule + "'--setup-hook=touch /tmp/x'");
  j["packages"] = {"bash,evil"};
  check_rejected(j, "packages[0]", kPackageRule + "'bash,evil'");
  j["packages"] = {"a"};  // policy: at least two characters
  check_rejected(j, "packages[0]", kPackageRule + "'a'");
  j["packages"] = {"libc6:-x"};
  check_rejected(j, "packages[0]", kPackageRule + "'libc6:-x'");
  j["packages"] = {"libstdc++6", "g++", "libc6:amd64", "0ad", "python3.12"};
  CHECK(parse_ok(j).packages.size() == 5);
}

// std::regex recursed once per character and overflowed the stack on this (a crash, not an error).
TEST_CASE("recipe: a 200,000-character value is an error, not a crash", "[builder][recipe][validation][hostile]") {
  std::string huge(200000, 'a');
  json j = minimal_recipe();
  j["packages"] = {huge};
  check_rejected(j, "packages[0]", kPackageRule + "'" + std::string(80, 'a') + "…' (200000 bytes)");
  j = minimal_recipe();
  j["base"]["suite"] = huge;
  check_rejected(j, "base.suite", kSuiteRule + "'" + std::string(80, 'a') + "…' (200000 bytes)");
  j = minimal_recipe();
  j["name"] = huge;
  check_rejected(j, "name", kNameRule + "'" + std::string(80, 'a') + "…' (200000 bytes)");
  j = minimal_recipe();
  j["directories"] = {{{"path", "/" + huge}, {"owner", "root"}}};
  check_rejected(j, "directories[0].path",
                 "expected a path of at most 4096 bytes, got '/" + std::string(79, 'a') + "…' (200001 bytes)");
  j = minimal_recipe();
  j["env"] = {{huge, "x"}};
  check_rejected(j, "env", "'" + std::string(80, 'a') + "…' (200000 bytes) is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  j = minimal_recipe();
  j["directories"] = {{{"path", "/srv"}, {"owner", huge + ":0"}}};
  check_rejected(j, "directories[0].owner",
                 "expected \"root\", \"user\" or \"UID:GID\", got '" + std::string(80, 'a') + "…' (200002 bytes)");
  j = full_recipe();
  j["launch"]["flags"][0]["expect"]["signature"] = std::string(200000, '(');
  check_rejected(j, "launch.flags[0].expect.signature",
                 "expected a failure signature id from core/signatures.json (" + known_signature_ids() + "), got '" +
                     std::string(80, '(') + "…' (200000 bytes)");
}

// A newline and ':' in home added a line to the image's passwd: a uid-0 account with no password.
TEST_CASE("recipe: user fields cannot break a passwd line", "[builder][recipe][validation][hostile]") {
  json j = with_user();
  j["user"]["home"] = "/home/x:/bin/sh\nevil::0:0::/root";
  check_rejected(j, "user.home", kControlPath + "'/home/x:/bin/sh\\nevil::0:0::/root'");
  j["user"]["home"] = "/home/a:b";
  check_rejected(j, "user.home", "expected a path without ':' (it is a field of /etc/passwd), got '/home/a:b'");
  j = with_user();
  j["user"]["shell"] = "/bin/sh:0:0";
  check_rejected(j, "user.shell", "expected a path without ':' (it is a field of /etc/passwd), got '/bin/sh:0:0'");
  j = with_user();
  j["user"]["shell"] = "/bin/bash\r";
  check_rejected(j, "user.shell", kControlPath + "'/bin/bash\\r'");
}

TEST_CASE("recipe: user names follow Debian's rules", "[builder][recipe][validation][hostile]") {
  const std::string rule =
      "expected a Debian user name ([a-z_][a-z0-9_-]*, optionally ending in '$', at most 32 characters), got ";
  json j = with_user();
  j["user"]["name"] = "Builder";
  check_rejected(j, "user.name", rule + "'Builder'");
  j["user"]["name"] = "evil:x:0:0";
  check_rejected(j, "user.name", rule + "'evil:x:0:0'");
  j["user"]["name"] = "-rf";
  check_rejected(j, "user.name", rule + "'-rf'");
  j["user"]["name"] = std::string(33, 'a');
  check_rejected(j, "user.name", rule + "'" + std::string(33, 'a') + "'");
  j["user"]["name"] = "build$";
  CHECK(parse_ok(j).user->name == "build$");
  j["user"]["name"] = "_svc-1";
  CHECK(parse_ok(j).user->name == "_svc-1");
}

// "/etc/passwd\u0000" slipped past the account-file check and replaced passwd in the layer.
TEST_CASE("recipe: a NUL in a path is rejected, so account files cannot be overridden", "[builder][recipe][validation][hostile]") {
  json j = with_user();
  j["files"] = {{{"path", std::string("/etc/passwd\0", 12)}, {"content", "root::0:0::/root:/bin/sh\n"}}};
  check_rejected(j, "files[0].path", kControlPath + "'/etc/passwd\\0'");
  j["files"][0]["path"] = "/etc/passwd";
  check_rejected(j, "files[0].path", "'/etc/passwd' is written from \"user\"; remove this entry or the user");
}

// Every field that holds a path obeys the same rule; the message shows the value escaped.
TEST_CASE("recipe: every path field rejects control characters", "[builder][recipe][validation][hostile]") {
  const std::string bad = "/srv/a\nRUN touch /pwned";
  const std::string shown = kControlPath + "'/srv/a\\nRUN touch /pwned'";
  struct Case {
    const char* field;
    std::function<void(json&)> set;
  };
  std::vector<Case> cases = {
      {"directories[0].path", [&](json& j) { j["directories"] = {{{"path", bad}, {"owner", "root"}}}; }},
      {"files[0].path", [&](json& j) { j["files"] = {{{"path", bad}, {"content", ""}}}; }},
      {"links[0].path", [&](json& j) { j["links"] = {{{"path", bad}, {"target", "x"}}}; }},
      {"file_capabilities[0].path", [&](json& j) { j["file_capabilities"] = {{{"path", bad}, {"caps", "cap_setuid=ep"}}}; }},
      {"volumes[0]", [&](json& j) { j["volumes"] = {bad}; }},
      {"workdir", [&](json& j) { j["workdir"] = bad; }},
      {"user.home", [&](json& j) { j["user"]["home"] = bad; }},
      {"user.shell", [&](json& j) { j["user"]["shell"] = bad; }},
      {"launch.volumes[0].target", [&](json& j) { j["launch"]["volumes"][0]["target"] = bad; }},
      {"base.keyring.path",
       [&](json& j) {
         j["base"]["keyring"] = {{"package", "ubuntu-keyring"}, {"distro", "debian"}, {"suite", "trixie"}, {"path", bad}};
       }},
      {"launch.hardening[0].ablate.path",
       [&](json& j) {
         j["launch"]["hardening"] = {{{"id", "d"}, {"what", "w"}, {"why", "y"}, {"ablate", {{"kind", "directory"}, {"path", bad}}},
                                      {"expect", {{"check", "podman-info"}, {"signature", "denied"}}}}};
       }},
  };
  for (auto& c : cases) {
    INFO(c.field);
    json j = full_recipe();
    c.set(j);
    check_rejected(j, c.field, shown);
  }
  json h = host_recipe();
  h["host"]["init"] = bad;
  check_rejected(h, "host.init", shown);
}

TEST_CASE("recipe: paths are length-bounded", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["directories"] = {{{"path", "/srv/" + std::string(256, 'c')}, {"owner", "root"}}};
  check_rejected(j, "directories[0].path",
                 "expected path components of at most 255 bytes, got '/srv/" + std::string(75, 'c') + "…' (261 bytes)");
  j["directories"][0]["path"] = "/srv/" + std::string(255, 'c');
  CHECK(parse_ok(j).directories.size() == 1);
  std::string long_path;
  while (long_path.size() < 4097) long_path += "/" + std::string(99, 'd');
  j["directories"][0]["path"] = long_path;
  auto r = parse(j);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().what(), Catch::Contains("directories[0].path: expected a path of at most 4096 bytes, got '/ddd"));
}

TEST_CASE("recipe: link targets reject control characters", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["links"] = {{{"path", "/usr/bin/x"}, {"target", std::string("busybox\0/etc/shadow", 19)}}};
  check_rejected(j, "links[0].target",
                 "expected a link target without control characters, at most 4096 bytes, got 'busybox\\0/etc/shadow'");
  j["links"][0]["target"] = "../lib/x y";  // relative targets and spaces are fine
  CHECK(parse_ok(j).links[0].target == "../lib/x y");
}

TEST_CASE("recipe: file sources stay inside the recipe's directory", "[builder][recipe][validation][hostile]") {
  rigtest::TempDir t;
  fs::create_directories(t / "r/files");
  rigtest::write_text(t / "r/files/ok.txt", "ok\n");
  rigtest::write_text(t / "secret.txt", "secret\n");
  auto dir = fs::canonical(t / "r").string();
  auto load = [&](const std::string& source) {
    json j = minimal_recipe();
    j["files"] = {{{"path", "/etc/x"}, {"source", source}}};
    rigtest::write_text(t / "r/recipe.json", j.dump());
    return rig::load_recipe(t / "r/recipe.json");
  };
  auto expect = [&](const std::string& source, const std::string& message) {
    auto r = load(source);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().category() == rig::Category::Usage);
    CHECK(r.error().what() == "load recipe '" + (t / "r/recipe.json").string() + "': files[0].source: " + message);
  };
  REQUIRE(load("files/ok.txt").ok());
  CHECK(load("files/../files/ok.txt").ok());
  expect("/etc/shadow", "expected a path relative to the recipe's directory, got '/etc/shadow'");
  expect("/dev/zero", "expected a path relative to the recipe's directory, got '/dev/zero'");
  expect("../../../../../../../../etc/passwd",
         "'../../../../../../../../etc/passwd' resolves to '/etc/passwd', outside the recipe's directory '" + dir + "'");
  expect("../secret.txt", "'../secret.txt' resolves to '" + fs::canonical(t / "secret.txt").string() +
                              "', outside the recipe's directory '" + dir + "'");
  // A symlink inside the directory is followed before the check.
  fs::create_symlink("/etc/passwd", t / "r/files/link");
  expect("files/link", "'files/link' resolves to '/etc/passwd', outside the recipe's directory '" + dir + "'");
  fs::create_symlink("/dev/zero", t / "r/files/zero");
  expect("files/zero", "'files/zero' resolves to '/dev/zero', outside the recipe's directory '" + dir + "'");
  // Not regular files: refused before anything is read (a FIFO would block, a device never end).
  REQUIRE(::mkfifo((t / "r/files/fifo").c_str(), 0600) == 0);
  expect("files/fifo", "'" + dir + "/files/fifo' is not a regular file (sources are relative to the recipe's directory)");
  expect("files", "'" + dir + "/files' is not a regular file (sources are relative to the recipe's directory)");
  // Size-bounded: 16 MiB.
  {
    std::ofstream big(t / "r/files/big", std::ios::binary);
  }
  fs::resize_file(t / "r/files/big", (16u << 20) + 1);
  expect("files/big", "'" + dir + "/files/big' is 16777217 bytes, more than the 16777216 allowed (sources are relative to the "
                      "recipe's directory)");
  fs::resize_file(t / "r/files/big", 16u << 20);
  CHECK(load("files/big").ok());
  expect("files/a\nb", "expected a relative path without control characters, at most 4096 bytes, got 'files/a\\nb'");
}

TEST_CASE("recipe: the recipe file itself must be a bounded regular file", "[builder][recipe][validation][hostile]") {
  auto r = rig::load_recipe("/dev/zero");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() == "load recipe '/dev/zero': '/dev/zero' is not a regular file");
  rigtest::TempDir t;
  REQUIRE(::mkfifo((t / "fifo.json").c_str(), 0600) == 0);
  auto f = rig::load_recipe(t / "fifo.json");
  REQUIRE_FALSE(f.ok());
  CHECK_THAT(f.error().what(), Catch::EndsWith("fifo.json' is not a regular file"));
}

TEST_CASE("recipe: a launch device must be on the allowed list", "[builder][recipe][validation][hostile]") {
  json j = full_recipe();
  j["launch"]["flags"][0]["effect"]["value"] = "/dev/sda";
  check_rejected(j, "launch.flags[0].effect.value",
                 "expected a device a rig may be given (/dev/net/tun, /dev/fuse), got '/dev/sda'");
  j["launch"]["flags"][0]["effect"]["value"] = "/dev/net/../sda";
  check_rejected(j, "launch.flags[0].effect.value",
                 "expected a device a rig may be given (/dev/net/tun, /dev/fuse), got '/dev/net/../sda'");
  j["launch"]["flags"][0]["effect"]["value"] = "/dev/fuse";
  CHECK(parse_ok(j).launch->flags[0].effect_value == "/dev/fuse");
}

// 2^44 MB overflowed int64 bytes and pids 2^64-1 wrapped to -1: both became Docker's "unlimited".
TEST_CASE("recipe: launch limits stay within what the engine takes as a limit", "[builder][recipe][validation][hostile]") {
  const std::string mem = "expected a memory limit from 6 MB (Docker's minimum) to 1048576 MB (1 TiB), got ";
  json j = full_recipe();
  j["launch"]["memory_mb"] = 17592186044416ULL;  // 2^44
  check_rejected(j, "launch.memory_mb", mem + "17592186044416");
  j["launch"]["memory_mb"] = 5;
  check_rejected(j, "launch.memory_mb", mem + "5");
  j["launch"]["memory_mb"] = 0;
  check_rejected(j, "launch.memory_mb", mem + "0");
  j["launch"]["memory_mb"] = 1048576;
  CHECK(parse_ok(j).launch->memory_mb == 1048576);
  const std::string pids = "expected a pids limit from 1 to 4194304 (the kernel's largest pid_max), got ";
  j = full_recipe();
  j["launch"]["pids_limit"] = 18446744073709551615ULL;
  check_rejected(j, "launch.pids_limit", pids + "18446744073709551615");
  j["launch"]["pids_limit"] = 0;  // Docker's "unlimited"
  check_rejected(j, "launch.pids_limit", pids + "0");
  j["launch"]["pids_limit"] = 4194305;
  check_rejected(j, "launch.pids_limit", pids + "4194305");
  j["launch"]["pids_limit"] = 4194304;
  CHECK(parse_ok(j).launch->pids_limit == 4194304);
  j = full_recipe();
  j["launch"]["cpus"] = 0;
  check_rejected(j, "launch.cpus", "expected a number of CPUs from 0.01 to 1024, got 0");
  j["launch"]["cpus"] = 1e300;
  check_rejected(j, "launch.cpus", "expected a number of CPUs from 0.01 to 1024, got 1e+300");
  j["launch"]["cpus"] = -1;
  check_rejected(j, "launch.cpus", "expected a number of CPUs from 0.01 to 1024, got -1");
  j["launch"]["cpus"] = 0.01;
  CHECK(parse_ok(j).launch->cpus == 0.01);
  j["launch"]["cpus"] = 1024;
  CHECK(parse_ok(j).launch->cpus == 1024);
}

TEST_CASE("recipe: ports are 1..65535", "[builder][recipe][validation][hostile]") {
  json j = full_recipe();
  j["launch"]["ports"][0]["host_port"] = 0;
  check_rejected(j, "launch.ports[0].host_port", "expected a port from 1 to 65535, got 0");
  j = full_recipe();
  j["launch"]["ports"][0]["container_port"] = 0;
  check_rejected(j, "launch.ports[0].container_port", "expected a port from 1 to 65535, got 0");
  j = full_recipe();
  j["launch"]["ports"][0]["container_port"] = 65536;
  check_rejected(j, "launch.ports[0].container_port", "expected an integer no greater than 65535, got 65536");
  j = full_recipe();
  j["launch"]["ports"][0]["container_port"] = 65535;
  j["launch"]["ports"][0]["count"] = 2;
  check_rejected(j, "launch.ports[0]", "port range ends past 65535");
  j["launch"]["ports"][0]["count"] = 1;
  CHECK(parse_ok(j).launch->ports[0].container_port == 65535);
}

// The name ends up in tags, container names and (inner images) an `sh -c` inside the rig.
TEST_CASE("recipe: the name is one image name component", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  for (const std::string& bad : std::vector<std::string>{"Evil/Name", "web;id>/tmp/x", "a/b", "a..b", "-web", "web-", "a:tag", "web name", ""}) {
    INFO(bad);
    j["name"] = bad;
    check_rejected(j, "name", kNameRule + rig::show_value(bad));
  }
  j["name"] = std::string(129, 'a');
  check_rejected(j, "name", kNameRule + "'" + std::string(80, 'a') + "…' (129 bytes)");
  for (const std::string& good : std::vector<std::string>{"inner-web", "debian-trixie", "a__b", "a---b", "a.b", "x", std::string(128, 'a')}) {
    INFO(good);
    j["name"] = good;
    CHECK(parse_ok(j).name == good);
  }
}

TEST_CASE("recipe: the shipped inner images load through the same rules", "[builder][recipe]") {
  for (auto f : {"images/inner-web.json", "images/inner-base.json"}) {
    auto r = rig::load_recipe(rigtest::source_root() / f);
    INFO(f << ": " << (r.ok() ? std::string("ok") : r.error().what()));
    REQUIRE(r.ok());
    CHECK(rig::is_image_name_component(r->name));
  }
}

TEST_CASE("recipe: host init and cmdline cannot add kernel arguments", "[builder][recipe][validation][hostile]") {
  REQUIRE(parse(host_recipe()).ok());
  auto rejected = [](const std::string& arg, const std::string& message) {
    INFO(arg);
    json j = host_recipe();
    j["host"]["cmdline"] = {"net.ifnames=0", arg};
    check_rejected(j, "host.cmdline[1]", message);
  };
  rejected("panic=0", "'panic=' is set by rigctl");
  rejected("init=/bin/sh", "'init=' is set by rigctl");
  rejected("rdinit=/bin/sh", "'rdinit=' is set by rigctl");
  rejected("ro", "'ro' is set by rigctl");
  const std::string allowed =
      " is not a kernel argument a host recipe may set (lsm, apparmor, security, selinux, audit, net.ifnames, biosdevname, "
      "cgroup_no_v1, cgroup_enable, swapaccount, ipv6.disable, mitigations, loglevel, quiet): the kernel hands arguments it "
      "does not know to the init";
  rejected("single", "'single'" + allowed);
  rejected("emergency", "'emergency'" + allowed);
  rejected("bash_env=/tmp/x", "'bash_env=/tmp/x'" + allowed);
  rejected("sysctl.kernel.panic=0", "'sysctl.kernel.panic=0': put sysctls in host.sysctls");
  rejected("apparmor", "'apparmor' needs a value (apparmor=...)");
  rejected("quiet=1", "'quiet=1' takes no value");
  const std::string one =
      "expected one kernel argument, key or key=value ([a-z0-9_.-] keys; letters, digits and _ . / + - , : in values), got ";
  rejected("panic=0 init=/bin/sh", one + "'panic=0 init=/bin/sh'");
  rejected("apparmor=1\ninit=/bin/sh", one + "'apparmor=1\\ninit=/bin/sh'");
  rejected("FOO=bar", one + "'FOO=bar'");
  rejected("", one + "''");
  json ok = host_recipe();
  ok["host"]["cmdline"] = {"lsm=landlock,lockdown,yama,integrity,apparmor", "apparmor=1", "net.ifnames=0", "quiet"};
  CHECK(parse_ok(ok).host->cmdline.size() == 4);

  json j = host_recipe();
  j["files"][0]["path"] = "/sbin/init panic=0";
  j["host"]["init"] = "/sbin/init panic=0";
  check_rejected(j, "host.init", "expected a plain path ([A-Za-z0-9_./+-]: it is the kernel's init= argument), got '/sbin/init panic=0'");
  j["files"][0]["path"] = "/sbin/init=x";
  j["host"]["init"] = "/sbin/init=x";
  check_rejected(j, "host.init", "expected a plain path ([A-Za-z0-9_./+-]: it is the kernel's init= argument), got '/sbin/init=x'");
}

TEST_CASE("recipe: host sysctls and modules are plain words", "[builder][recipe][validation][hostile]") {
  json j = host_recipe();
  j["host"]["sysctls"] = {{"kernel.panic", "0 init=/bin/sh"}};
  check_rejected(j, "host.sysctls.kernel.panic", "expected one word (letters, digits and _ . / + - , :), got '0 init=/bin/sh'");
  j["host"]["sysctls"] = {{"kernel.x init=/bin/sh", "1"}};
  check_rejected(j, "host.sysctls", "'kernel.x init=/bin/sh' is not a sysctl name such as kernel.foo_bar");
  j["host"]["sysctls"] = {{"kernel", "1"}};
  check_rejected(j, "host.sysctls", "'kernel' is not a sysctl name such as kernel.foo_bar");
  j["host"]["sysctls"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.apparmor_restrict_unprivileged_userns", "1"}};
  CHECK(parse_ok(j).host->sysctls.size() == 2);
  j = host_recipe();
  j["host"]["initramfs_modules"] = {"virtio_blk", "../../x"};
  check_rejected(j, "host.initramfs_modules[1]", "expected a module name such as virtio_blk (no path, no .ko, '_' not '-'), got '../../x'");
}

TEST_CASE("recipe: expect.check names a real smoke check", "[builder][recipe][validation][hostile]") {
  const std::string ids =
      "(outer-up, main-uid, not-privileged, rig-limits, podman-info, docker-info, inner-run, host-reach, inner-build, built-runs, "
      "inner-limits, docker-api, init-reaps, restart-workspace, restart-image, restart-app, uid-isolation, uid-rig-user, "
      "apparmor-confined, kcore-denied)";
  json j = full_recipe();
  j["launch"]["flags"][0]["expect"]["check"] = "inner-rn";
  check_rejected(j, "launch.flags[0].expect.check", "expected a smoke check id " + ids + ", got 'inner-rn'");
  j = full_recipe();
  j["launch"]["hardening"] = {{{"id", "h"}, {"what", "w"}, {"why", "y"}, {"ablate", {{"kind", "init"}}},
                               {"expect", {{"check", "restart"}, {"signature", "slow-restart"}}}}};
  check_rejected(j, "launch.hardening[0].expect.check", "expected a smoke check id " + ids + ", got 'restart'");
  // Every id is accepted where the rig's chain has it: the engine and isolation checks belong to one
  // inner engine's chain, and a recipe cannot expect a failure at a check its rig never runs.
  for (auto engine : rig::kInnerEngines) {
    j["launch"]["inner"] = {{"engine", std::string(engine)}};
    for (auto id : rig::kSmokeCheckIds) {
      INFO(std::string(engine) + " " + std::string(id));
      j["launch"]["hardening"][0]["expect"]["check"] = std::string(id);
      auto owner = rig::smoke_check_engine(id);
      if (owner.empty() || owner == engine)
        CHECK(parse(j).ok());
      else
        check_rejected(j, "launch.hardening[0].expect.check",
                       "'" + std::string(id) + "' is a check of the " + std::string(owner) + " rig's chain; this rig's inner engine is " +
                           std::string(engine));
    }
  }
}

TEST_CASE("recipe: launch.inner.engine and docker_api", "[builder][recipe][validation]") {
  json j = full_recipe();
  auto r = parse_ok(j);
  CHECK(r.launch->inner_engine == "podman");
  CHECK_FALSE(r.launch->docker_api);
  j["launch"]["inner"]["docker_api"] = true;
  CHECK(parse_ok(j).launch->docker_api);
  j["launch"]["inner"] = {{"engine", "docker"}};
  r = parse_ok(j);
  CHECK(r.launch->inner_engine == "docker");
  CHECK(r.launch->docker_api);  // dockerd's own socket
  j["launch"]["inner"]["docker_api"] = false;
  check_rejected(j, "launch.inner.docker_api", "a Docker rig always serves dockerd's own API socket: leave docker_api out or true");
  j["launch"]["inner"] = {{"engine", "crio"}};
  check_rejected(j, "launch.inner.engine", "expected an inner engine: podman or docker, got 'crio'");
  j["launch"]["inner"] = {{"engine", "docker"}, {"networks", {"pasta"}}};
  check_rejected(j, "launch.inner.networks",
                 "the docker inner engine's network is rootlesskit's slirp4netns, set by the image's entrypoint: expected [\"slirp4netns\"]");
  j["launch"]["inner"] = {{"engine", "docker"}};
  CHECK(parse_ok(j).launch->inner_networks == std::vector<std::string>{"slirp4netns"});
  j["launch"]["inner"] = {{"engine", "docker"}, {"storage", {{{"id", "fuse-overlayfs"}}}}};
  check_rejected(j, "launch.inner.storage",
                 "the docker inner engine keeps its images with overlay2 on the store volume: expected only [{\"id\": \"overlay\"}]");
}

TEST_CASE("recipe: launch.capabilities splits Docker's default set, never adds one", "[builder][recipe][validation][capabilities]") {
  json j = full_recipe();
  auto all_but = [](std::set<std::string> keep) {
    json drop = json::array();
    for (auto& c : rig::kDefaultCapabilities)
      if (!keep.count(std::string(c))) drop.push_back(std::string(c));
    return drop;
  };
  json keep = json::array({{{"name", "SETUID"}, {"why", "newuidmap"}, {"expect", {{"check", "podman-info"}, {"signature", "newidmap-exec"}}}}});
  j["launch"]["capabilities"] = {{"keep", keep}, {"drop", all_but({"SETUID"})}, {"measured", "12/12 without them"}};
  auto r = parse_ok(j);
  REQUIRE(r.launch->capabilities);
  CHECK(r.launch->capabilities->keep_mask() == (1ULL << 7));
  CHECK(r.launch->capabilities->drop.size() == 13);
  CHECK(r.launch->capabilities->measured == "12/12 without them");
  // Every default capability must be placed: a missing one would get no ablation verdict.
  j["launch"]["capabilities"]["drop"] = all_but({"SETUID", "KILL"});
  check_rejected(j, "launch.capabilities",
                 "keep and drop together must be Docker's whole default set (every one gets an ablation verdict); missing KILL");
  // Only Docker's defaults, spelled as the API spells them: there is no way to add SYS_ADMIN.
  j["launch"]["capabilities"]["drop"] = all_but({"SETUID"});
  j["launch"]["capabilities"]["drop"].push_back("SYS_ADMIN");
  check_rejected(j, "launch.capabilities.drop[13]",
                 "expected a capability of Docker's default set, spelled as the engine API does (CHOWN, DAC_OVERRIDE, FSETID, "
                 "FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE), "
                 "got 'SYS_ADMIN'");
  j["launch"]["capabilities"]["drop"] = all_but({"SETUID"});
  j["launch"]["capabilities"]["drop"].push_back("SETUID");
  check_rejected(j, "launch.capabilities.drop[13]", "'SETUID' is listed twice (in keep or drop)");
  // Capability items share the flags' and hardenings' id namespace (--only), dropped ones included.
  j["launch"]["capabilities"]["drop"] = all_but({"SETUID"});
  j["launch"]["flags"][0]["id"] = "cap-kill";
  check_rejected(j, "launch.capabilities.drop[11]", "the ablation id 'cap-kill' is already a flag or hardening id");
  j["launch"]["flags"][0]["id"] = "tun";
  j["launch"]["capabilities"]["drop"] = all_but({});
  j["launch"]["capabilities"]["keep"] = json::array();
  j["launch"]["capabilities"]["keep"].push_back(keep[0]);
  j["launch"]["capabilities"]["keep"][0]["name"] = "cap_setuid";
  j["launch"]["capabilities"]["drop"] = all_but({"SETUID"});
  CHECK_FALSE(parse(j).ok());
}

TEST_CASE("recipe: expect.signature names failure signatures from the catalog", "[builder][recipe][validation][hostile]") {
  json j = full_recipe();
  // A regex is no longer accepted: the pattern lives once, in core/signatures.json, with its cause and fix.
  j["launch"]["flags"][0]["expect"]["signature"] = "mount (proc";
  check_rejected(j, "launch.flags[0].expect.signature",
                 "expected a failure signature id from core/signatures.json (" + known_signature_ids() + "), got 'mount (proc'");
  j["launch"]["flags"][0]["expect"]["signature"] = json::array({"tun-missing", "no-such-signature"});
  check_rejected(j, "launch.flags[0].expect.signature",
                 "expected a failure signature id from core/signatures.json (" + known_signature_ids() +
                     "), got 'no-such-signature'");
  j["launch"]["flags"][0]["expect"]["signature"] = json::array();
  check_rejected(j, "launch.flags[0].expect.signature", "expected at least one signature id");
  // Several ids: the output may show any of them.
  j["launch"]["flags"][0]["expect"]["signature"] = json::array({"tun-missing", "tun-permission"});
  CHECK(parse_ok(j).launch->flags[0].expect_signature ==
        "(?:" + rig::find_signature("tun-missing")->pattern + ")|(?:" + rig::find_signature("tun-permission")->pattern + ")");
  // "slow-restart" is the init hardening's measured signature, not a pattern; it stands alone.
  j = full_recipe();
  j["launch"]["hardening"] = {{{"id", "init"}, {"what", "w"}, {"why", "y"}, {"ablate", {{"kind", "init"}}},
                               {"expect", {{"check", "restart-workspace"}, {"signature", "slow-restart"}}}}};
  CHECK(parse_ok(j).launch->hardening[0].expect_signature == "slow-restart");
  j["launch"]["hardening"][0]["expect"]["signature"] = json::array({"slow-restart", "tun-missing"});
  check_rejected(j, "launch.hardening[0].expect.signature",
                 "expected a failure signature id from core/signatures.json (" + known_signature_ids() + "), got 'slow-restart'");
}

TEST_CASE("recipe: env, labels, entrypoint and cmd reject NUL", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["env"] = {{"A", std::string("x\0y", 3)}};
  check_rejected(j, "env.A", "expected a value without NUL characters, got 'x\\0y'");
  j["env"] = {{"A\nB", "x"}};
  check_rejected(j, "env", "'A\\nB' is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  j["env"] = {{"PATH", "/usr/bin:/bin"}, {"MULTI", "line one\nline two"}};  // only NUL is refused in values
  CHECK(parse_ok(j).env.at("MULTI") == "line one\nline two");
  j = minimal_recipe();
  j["labels"] = {{std::string("k\0", 2), "v"}};
  check_rejected(j, "labels", "'k\\0' is not a label key (1 to 255 bytes, no control characters)");
  j["labels"] = {{"k", std::string("v\0", 2)}};
  check_rejected(j, "labels.k", "expected a value without NUL characters, got 'v\\0'");
  j = minimal_recipe();
  j["entrypoint"] = {"/bin/sh", std::string("-c\0", 3)};
  check_rejected(j, "entrypoint[1]", "expected a value without NUL characters, got '-c\\0'");
  j = minimal_recipe();
  j["cmd"] = {std::string("sleep\0", 6)};
  check_rejected(j, "cmd[0]", "expected a value without NUL characters, got 'sleep\\0'");
  j = full_recipe();
  j["launch"]["inner"] = {{"storage", {{{"id", "x"}, {"env", {{"CONF", std::string("/a\0", 3)}}}}}}};
  check_rejected(j, "launch.inner.storage[0].env.CONF", "expected a value without NUL characters, got '/a\\0'");
  j["launch"]["inner"] = {{"storage", {{{"id", "x"}, {"env", {{"1X", "/a"}}}}}}};
  check_rejected(j, "launch.inner.storage[0].env", "'1X' is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
}

TEST_CASE("recipe: one-line text fields reject control characters", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["description"] = "line\n\x1b[31mred";
  check_rejected(j, "description", "expected one line of text without control characters, got 'line\\n\\x1b[31mred'");
  j = full_recipe();
  j["launch"]["flags"][0]["why"] = "because\rreasons";
  check_rejected(j, "launch.flags[0].why", "expected one line of text without control characters, got 'because\\rreasons'");
  j = full_recipe();
  j["launch"]["flags"][0]["what"] = std::string(1025, 'w');
  check_rejected(j, "launch.flags[0].what", "expected text of at most 1024 bytes, got '" + std::string(80, 'w') + "…' (1025 bytes)");
}

TEST_CASE("recipe: strip globs, config_user, ids and volume names are plain", "[builder][recipe][validation][hostile]") {
  json j = minimal_recipe();
  j["base"]["strip"] = {"/usr/share/doc/*", "*.mo"};
  const std::string glob =
      "expected an absolute glob such as \"/usr/share/doc/*\" (\"!\" first to keep a path), without control characters, got ";
  check_rejected(j, "base.strip[1]", glob + "'*.mo'");
  j["base"]["strip"] = {"/usr/share/doc/*\npath-include=/"};
  check_rejected(j, "base.strip[0]", glob + "'/usr/share/doc/*\\npath-include=/'");
  j["base"]["strip"] = {"!"};
  check_rejected(j, "base.strip[0]", glob + "'!'");
  j = with_user();
  j["config_user"] = "0:0\nRUN id";
  check_rejected(j, "config_user", "expected a user for the image config: NAME or UID, optionally :GROUP or :GID, got '0:0\\nRUN id'");
  j["config_user"] = "builder:users";
  CHECK(parse_ok(j).config_user == "builder:users");
  j["config_user"] = "4294967295";
  CHECK_FALSE(parse(j).ok());
  j = full_recipe();
  j["launch"]["flags"][0]["id"] = "--privileged";
  check_rejected(j, "launch.flags[0].id", "expected a lower-case id ([a-z0-9][a-z0-9-]*, at most 64 characters), got '--privileged'");
  j = full_recipe();
  j["launch"]["volumes"][0]["name"] = "../x";
  check_rejected(j, "launch.volumes[0].name", "expected a volume name ([a-z0-9][a-z0-9-]*, at most 64 characters), got '../x'");
  j = full_recipe();
  j["launch"]["hardening"] = {{{"id", "l"}, {"what", "w"}, {"why", "y"},
                               {"ablate", {{"kind", "file_line"}, {"path", "/usr/local/bin/hello"}, {"line", "echo\nhello"}}},
                               {"expect", {{"check", "inner-run"}, {"signature", "x"}}}}};
  check_rejected(j, "launch.hardening[0].ablate.line",
                 "expected one line of the file (no newline or other control characters, at most 4096 bytes), got 'echo\\nhello'");
  j["launch"]["hardening"][0]["ablate"] = {{"kind", "env"}, {"name", "A=B"}, {"value", "1"}};
  check_rejected(j, "launch.hardening[0].ablate.name", "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got 'A=B'");
  j = minimal_recipe();
  j["file_capabilities"] = {{{"path", "/usr/bin/x"}, {"caps", "cap_setuid=ep\ncap_sys_admin=ep"}}};
  check_rejected(j, "file_capabilities[0].caps",
                 "expected capability text such as \"cap_setuid=ep\" (one line), got 'cap_setuid=ep\\ncap_sys_admin=ep'");
}

TEST_CASE("recipe: an Incus key outside the allowlist, or for another runtime, is rejected", "[builder][recipe][validation]") {
  json f = full_recipe();
  f["launch"]["flags"][0]["effect"] = {{"kind", "incus_config"}, {"value", "security.privileged=true"}};
  f["launch"]["flags"][0]["engines"] = {"incus"};
  check_rejected(f, "launch.flags[0].effect.value",
                 "expected KEY=true with KEY one of security.nesting, security.syscalls.intercept.{mknod,setxattr,mount,mount.fuse}, "
                 "got 'security.privileged=true'");
  f["launch"]["flags"][0]["effect"]["value"] = "security.nesting=true";
  f["launch"]["flags"][0]["engines"] = {"docker", "incus"};
  check_rejected(f, "launch.flags[0].engines", "an incus_config effect is for [\"incus\"] only");
}

}  // namespace rigtest_builder_recipe
