#include "support/catch.hpp"

#include <map>

#include "builder/mirror.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_mirror {

using rigtest::TempDir;
using rigtest::write_text;
using Strings = std::vector<std::string>;

namespace {

// A host apt configuration: a deb822 Debian source (with the security archive that must be
// skipped), a one-line .list with options and a classic sources.list.
void write_fake_apt(const std::filesystem::path& apt) {
  write_text(apt / "sources.list",
             "# classic format\n"
             "deb http://ftp.de.debian.org/debian/ bookworm main\n"
             "deb-src http://ftp.de.debian.org/debian bookworm main\n"
             "# deb http://commented.example/debian bookworm main\n"
             "deb http://archive.ubuntu.com/ubuntu jammy main\n");
  write_text(apt / "sources.list.d/debian.sources",
             "Types: deb\n"
             "URIs: http://deb.debian.org/debian\n"
             "Suites: bookworm bookworm-updates\n"
             "Components: main\n"
             "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
             "\n"
             "# the security archive carries no base suites\n"
             "Types: deb\n"
             "URIs: http://deb.debian.org/debian-security\n"
             "Suites: bookworm-security\n"
             "Components: main\n"
             "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
  write_text(apt / "sources.list.d/local.list",
             "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg arch=amd64] http://mirror.local/apt bookworm main\n"
             "deb [arch=amd64] http://other.example/repo stable main\n");
  write_text(apt / "sources.list.d/ignored.txt", "deb http://ignored.example/debian bookworm main\n");
}

rig::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("mirror: host_apt_uris reads one-line and deb822 sources", "[builder][mirror]") {
  TempDir t;
  write_fake_apt(t / "apt");
  CHECK(rig::host_apt_uris("debian", t / "apt") ==
        Strings{"http://ftp.de.debian.org/debian/", "http://deb.debian.org/debian", "http://mirror.local/apt"});
  CHECK(rig::host_apt_uris("ubuntu", t / "apt") == Strings{"http://archive.ubuntu.com/ubuntu"});
  CHECK(rig::host_apt_uris("devuan", t / "apt").empty());
}

TEST_CASE("mirror: host_apt_uris of a missing apt directory is empty", "[builder][mirror]") {
  TempDir t;
  CHECK(rig::host_apt_uris("debian", t / "nothing").empty());
}

TEST_CASE("mirror: ubuntu-ports and options with spaces", "[builder][mirror]") {
  TempDir t;
  write_text(t / "apt/sources.list.d/ports.list",
             "deb [ arch=arm64 signed-by=/x.gpg ] http://ports.ubuntu.com/ubuntu-ports/ noble main # comment\n"
             "deb http://security.ubuntu.com/ubuntu-security noble-security main\n");
  write_text(t / "apt/sources.list.d/ubuntu.sources",
             "Types: deb\n"
             "URIs: http://archive.ubuntu.com/ubuntu/ http://mirror.example/ubuntu\n"
             "Suites: noble noble-updates\n"
             "Components: main universe\n"
             "Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n");
  CHECK(rig::host_apt_uris("ubuntu", t / "apt") ==
        Strings{"http://ports.ubuntu.com/ubuntu-ports/", "http://archive.ubuntu.com/ubuntu/", "http://mirror.example/ubuntu"});
}

// "Types: deb deb-src" is the usual way to enable sources in deb822: the stanza carries binary
// "deb" and must be used.
TEST_CASE("mirror: a deb822 stanza with Types deb and deb-src is used", "[builder][mirror]") {
  TempDir t;
  write_text(t / "apt/sources.list.d/debian.sources",
             "Types: deb deb-src\n"
             "URIs: http://deb.debian.org/debian\n"
             "Suites: bookworm\n"
             "Components: main\n");
  CHECK(rig::host_apt_uris("debian", t / "apt") == Strings{"http://deb.debian.org/debian"});
}

// deb822 "Enabled: no" switches a stanza off: it must not be picked as the mirror.
TEST_CASE("mirror: a deb822 stanza with Enabled no is skipped", "[builder][mirror]") {
  TempDir t;
  write_text(t / "apt/sources.list.d/debian.sources",
             "Types: deb\n"
             "URIs: http://disabled.example/debian\n"
             "Suites: bookworm\n"
             "Components: main\n"
             "Enabled: no\n"
             "\n"
             "Types: deb\n"
             "URIs: http://deb.debian.org/debian\n"
             "Suites: bookworm\n"
             "Components: main\n");
  CHECK(rig::host_apt_uris("debian", t / "apt") == Strings{"http://deb.debian.org/debian"});
}

TEST_CASE("mirror: resolve_mirror precedence", "[builder][mirror]") {
  TempDir t;
  write_fake_apt(t / "apt");
  auto env = env_of({{"RIGCTL_MIRROR_DEBIAN", "http://env.example/debian"}});

  SECTION("--mirror wins over everything") {
    auto m = rig::resolve_mirror("debian", "http://flag.example/debian", env, t / "apt");
    CHECK(m.uri == "http://flag.example/debian");
    CHECK(m.origin == "--mirror");
  }
  SECTION("then RIGCTL_MIRROR_<NAME>") {
    auto m = rig::resolve_mirror("debian", "", env, t / "apt");
    CHECK(m.uri == "http://env.example/debian");
    CHECK(m.origin == "environment RIGCTL_MIRROR_DEBIAN");
  }
  SECTION("an empty variable does not count") {
    auto m = rig::resolve_mirror("debian", "", env_of({{"RIGCTL_MIRROR_DEBIAN", ""}}), t / "apt");
    CHECK(m.uri == "http://ftp.de.debian.org/debian/");
  }
  SECTION("then the host's apt sources") {
    auto m = rig::resolve_mirror("debian", "", env_of({}), t / "apt");
    CHECK(m.uri == "http://ftp.de.debian.org/debian/");
    CHECK(m.origin == "host apt sources (" + (t / "apt").string() + ")");
  }
  SECTION("last mmdebstrap's default") {
    auto m = rig::resolve_mirror("debian", "", env_of({}), t / "empty");
    CHECK(m.uri.empty());
    CHECK(m.origin == "mmdebstrap's default for the suite");
    CHECK_THAT(m.origin, Catch::Contains("mmdebstrap"));
  }
  SECTION("the variable name is the upper-cased mirror name with - as _") {
    auto m = rig::resolve_mirror("debian-ports", "", env_of({{"RIGCTL_MIRROR_DEBIAN_PORTS", "http://p.example/"}}), t / "empty");
    CHECK(m.uri == "http://p.example/");
    CHECK(m.origin == "environment RIGCTL_MIRROR_DEBIAN_PORTS");
  }
}

}  // namespace rigtest_builder_mirror
