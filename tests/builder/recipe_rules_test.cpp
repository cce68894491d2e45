#include "support/catch.hpp"

#include <string>

#include "builder/recipe_rules.hpp"
#include "core/catalog.hpp"
#include "support/test_util.hpp"

#include <regex>
#include <set>

namespace rigtest_builder_recipe_rules {

using rig::show_value;

TEST_CASE("recipe rules: show_value escapes what could break a message", "[builder][recipe][rules]") {
  CHECK(show_value("plain") == "'plain'");
  CHECK(show_value("a\nb") == "'a\\nb'");
  CHECK(show_value(std::string("a\0b", 3)) == "'a\\0b'");
  CHECK(show_value("\t\r\x1b[2J\x7f") == "'\\t\\r\\x1b[2J\\x7f'");
  CHECK(show_value("it's") == "'it\\'s'");
  CHECK(show_value("back\\slash") == "'back\\\\slash'");
  CHECK(show_value("\xC2\x85next-line") == "'\\u0085next-line'");             // C1 NEL
  CHECK(show_value("rtl\xE2\x80\xAE" "txt") == "'rtl\\u202etxt'");           // bidi override
  CHECK(show_value("ls\xE2\x80\xA8" "x") == "'ls\\u2028x'");                 // line separator
  CHECK(show_value("caf\xC3\xA9") == "'caf\xC3\xA9'");                       // ordinary UTF-8 stays
  CHECK(show_value(std::string(100, 'x')) == "'" + std::string(80, 'x') + "…' (100 bytes)");
  CHECK(show_value(std::string(80, 'x')) == "'" + std::string(80, 'x') + "'");
  // The cut never splits a UTF-8 character.
  std::string e_acute;
  for (int i = 0; i < 50; ++i) e_acute += "\xC3\xA9";
  CHECK(show_value(e_acute, 5) == "'\xC3\xA9\xC3\xA9…' (100 bytes)");
}

TEST_CASE("recipe rules: control characters", "[builder][recipe][rules]") {
  CHECK_FALSE(rig::has_control_char("/usr/bin/x y"));
  CHECK_FALSE(rig::has_control_char("caf\xC3\xA9"));
  CHECK(rig::has_control_char(std::string("a\0", 2)));
  CHECK(rig::has_control_char("a\n"));
  CHECK(rig::has_control_char("a\x7f"));
  CHECK(rig::has_control_char("a\xC2\x9b"));  // C1 CSI
}

TEST_CASE("recipe rules: path_problem", "[builder][recipe][rules]") {
  CHECK(rig::path_problem("/") == "");
  CHECK(rig::path_problem("/usr/local/bin/x y") == "");
  CHECK(rig::path_problem("") == "expected a non-empty absolute path");
  CHECK(rig::path_problem("usr") == "expected an absolute path");
  CHECK(rig::path_problem("/usr/") == "expected a path without a trailing '/'");
  CHECK(rig::path_problem("/usr/./bin") == "expected a normalized path (no '.', '..' or '//' parts)");
  CHECK(rig::path_problem("/usr/..") == "expected a normalized path (no '.', '..' or '//' parts)");
  CHECK(rig::path_problem(std::string("/etc/passwd\0", 12)) == "expected a path without control characters (NUL, newline, ...)");
  CHECK(rig::path_problem("/a/" + std::string(256, 'b')) == "expected path components of at most 255 bytes");
  CHECK(rig::path_problem(std::string(4097, '/')) == "expected a path of at most 4096 bytes");
}

TEST_CASE("recipe rules: Debian names", "[builder][recipe][rules]") {
  for (auto s : {"trixie", "bookworm-backports", "stable-updates", "1.0+x~y"}) CHECK(rig::is_debian_suite(s));
  for (auto s : {"", "-x", "--version", "Trixie", "a b", "a/b", ".x"}) CHECK_FALSE(rig::is_debian_suite(s));
  CHECK_FALSE(rig::is_debian_suite(std::string(65, 'a')));
  for (auto s : {"main", "non-free-firmware", "updates/main"}) CHECK(rig::is_debian_component(s));
  for (auto s : {"", "-main", "main,contrib", "Main"}) CHECK_FALSE(rig::is_debian_component(s));
  for (auto s : {"bash", "libstdc++6", "g++", "0ad", "libc6:amd64", "python3.12", "x-y"}) CHECK(rig::is_debian_package(s));
  for (auto s : {"", "a", "-bash", "Bash", "bash:", "bash:Amd64", "a b", "bash,zsh", "bash=5.2", ":amd64"})
    CHECK_FALSE(rig::is_debian_package(s));
  CHECK(rig::is_debian_package(std::string(128, 'a')));
  CHECK_FALSE(rig::is_debian_package(std::string(129, 'a')));
  for (auto s : {"debian", "ubuntu", "my_mirror2"}) CHECK(rig::is_mirror_name(s));
  for (auto s : {"", "-d", "deb-ian", "Debian", "http://x"}) CHECK_FALSE(rig::is_mirror_name(s));
}

TEST_CASE("recipe rules: account names", "[builder][recipe][rules]") {
  for (auto s : {"builder", "_apt", "build-er", "host$", "a1"}) CHECK(rig::is_account_name(s));
  for (auto s : {"", "$", "1abc", "-rf", "Builder", "a:b", "a\nb", "a$b", "a b"}) CHECK_FALSE(rig::is_account_name(s));
  CHECK(rig::is_account_name(std::string(32, 'a')));
  CHECK_FALSE(rig::is_account_name(std::string(33, 'a')));
}

TEST_CASE("recipe rules: image names and references", "[builder][recipe][rules]") {
  for (auto s : {"inner-web", "a", "a.b", "a_b", "a__b", "a---b", "0"}) CHECK(rig::is_image_name_component(s));
  for (auto s : {"", "Evil", "a/b", "a..b", "a___b", "a._b", "-a", "a-", "a;b", "a b", "_a"}) CHECK_FALSE(rig::is_image_name_component(s));
  for (auto s : {"rigctl/debian-trixie:amd64", "localhost/rigctl/inner-web:arm64", "x", "a/b/c", "x:Tag_1.2-3", "x:_"})
    CHECK(rig::is_image_reference(s));
  for (auto s : {"", "Evil/Name", "a//b", "/a", "a/", "a:", ":t", "a:b:c", "a:-t", "a:.t", "web;id>/tmp/x:1", "a@sha256:00"})
    CHECK_FALSE(rig::is_image_reference(s));
  CHECK(rig::is_image_reference("x:" + std::string(128, 't')));
  CHECK_FALSE(rig::is_image_reference("x:" + std::string(129, 't')));
  CHECK_FALSE(rig::is_image_reference(std::string(127, 'a') + "/" + std::string(127, 'b') + ":t"));  // 257 bytes
}

TEST_CASE("recipe rules: env names and ids", "[builder][recipe][rules]") {
  for (auto s : {"HOME", "_x", "a1"}) CHECK(rig::is_env_name(s));
  for (auto s : {"", "1A", "A-B", "A=B", "A B"}) CHECK_FALSE(rig::is_env_name(s));
  for (auto s : {"tun", "store-on-volume", "0"}) CHECK(rig::is_plain_id(s));
  for (auto s : {"", "-x", "Tun", "a_b", "a.b"}) CHECK_FALSE(rig::is_plain_id(s));
}

// The catalog is the list smoke/checks.cpp runs; a missing id would make a valid recipe unloadable.
TEST_CASE("catalog: check ids and devices", "[core][catalog]") {
  CHECK(rig::kSmokeCheckIds.size() == 20);
  CHECK(rig::is_smoke_check_id("init-reaps"));
  CHECK(rig::is_smoke_check_id("kcore-denied"));
  CHECK(rig::is_smoke_check_id("outer-up"));
  CHECK(rig::is_smoke_check_id("apparmor-confined"));
  CHECK_FALSE(rig::is_smoke_check_id("inner-rn"));
  CHECK_FALSE(rig::is_smoke_check_id(""));
  CHECK(rig::is_launch_device("/dev/net/tun"));
  CHECK(rig::is_launch_device("/dev/fuse"));
  CHECK_FALSE(rig::is_launch_device("/dev/sda"));
  CHECK_FALSE(rig::is_launch_device("/dev/net/tun/"));
}

// The ids are data here and code in smoke/checks.cpp (each check starts {{"id", "description...):
// the two lists must be the same set. If checks.cpp comes to use the catalog itself, this goes.
TEST_CASE("catalog: the check ids are exactly those smoke/checks.cpp defines", "[core][catalog]") {
  auto text = rigtest::read_text(rigtest::source_root() / "smoke/checks.cpp");
  std::set<std::string> defined;
  static const std::regex def(R"re(\{\{"([a-z-]+)", "[a-z])re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), def); it != std::sregex_iterator(); ++it)
    defined.insert((*it)[1].str());
  std::set<std::string> catalog(rig::kSmokeCheckIds.begin(), rig::kSmokeCheckIds.end());
  CHECK(defined == catalog);
}

}  // namespace rigtest_builder_recipe_rules
