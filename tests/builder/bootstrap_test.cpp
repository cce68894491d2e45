#include "support/catch.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "builder/bootstrap.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_bootstrap {

using rigtest::json;
using rigtest::TempDir;
using rigtest::write_text;
using Strings = std::vector<std::string>;

namespace {

rig::BootstrapSpec spec(bool as_root, const std::string& mirror) {
  rig::BootstrapSpec s;
  s.distro = "debian";
  s.suite = "trixie";
  s.components = {"main", "contrib"};
  s.variant = "apt";
  s.packages = {"podman", "uidmap"};
  s.strip = {"/usr/share/doc/*", "!/usr/share/doc/*/copyright", "/usr/share/man/*"};
  s.arch = "arm64";
  s.mirror_uri = mirror;
  s.keyring = "/tmp/ubuntu-keyring.gpg";
  s.epoch = 1704067200;
  s.as_root = as_root;
  return s;
}

const std::string kHook = "--customize-hook=rm -f \"$1/etc/resolv.conf\" \"$1/etc/hostname\"";

}  // namespace

TEST_CASE("bootstrap: mmdebstrap argv in unshare mode with a mirror", "[builder][bootstrap]") {
  auto c = rig::mmdebstrap_command(spec(false, "http://deb.debian.org/debian"));
  CHECK(c.argv == Strings{"mmdebstrap",
                          "--mode=unshare",
                          "--variant=apt",
                          "--architectures=arm64",
                          "--components=main,contrib",
                          "--format=tar",
                          "--aptopt=Acquire::Languages \"none\"",
                          "--aptopt=APT::Install-Recommends \"false\"",
                          "--dpkgopt=force-unsafe-io",
                          "--include=podman,uidmap",
                          "--extract-hook=" + rig::strip_extract_hook(spec(false, "").strip),
                          "--keyring=/tmp/ubuntu-keyring.gpg",
                          kHook,
                          "--",
                          "trixie",
                          "-",
                          "http://deb.debian.org/debian"});
  CHECK(c.env == std::vector<std::pair<std::string, std::string>>{{"SOURCE_DATE_EPOCH", "1704067200"}});
  CHECK(c.input.empty());
}

TEST_CASE("bootstrap: mmdebstrap argv in root mode without mirror, packages or keyring", "[builder][bootstrap]") {
  auto s = spec(true, "");
  s.packages.clear();
  s.strip.clear();
  s.keyring.clear();
  s.components = {"main"};
  s.variant = "extract";
  s.arch = "amd64";
  s.epoch = 0;
  auto c = rig::mmdebstrap_command(s);
  CHECK(c.argv == Strings{"mmdebstrap", "--mode=root", "--variant=extract", "--architectures=amd64", "--components=main",
                          "--format=tar", "--aptopt=Acquire::Languages \"none\"",
                          "--aptopt=APT::Install-Recommends \"false\"", "--dpkgopt=force-unsafe-io", kHook, "--",
                          "trixie", "-"});
  CHECK(c.argv.back() == "-");  // no mirror: mmdebstrap picks its default
  CHECK(c.env == std::vector<std::pair<std::string, std::string>>{{"SOURCE_DATE_EPOCH", "0"}});
}

TEST_CASE("bootstrap: recommends are installed only when the recipe asks", "[builder][bootstrap]") {
  auto s = spec(false, "");
  s.recommends = true;
  auto c = rig::mmdebstrap_command(s);
  CHECK(std::count(c.argv.begin(), c.argv.end(), "--aptopt=APT::Install-Recommends \"true\"") == 1);
  CHECK(std::count(c.argv.begin(), c.argv.end(), "--aptopt=APT::Install-Recommends \"false\"") == 0);
}

TEST_CASE("bootstrap: bootstrap_spec copies the recipe and the build choices", "[builder][bootstrap]") {
  auto r = rig::parse_recipe(rigtest::full_recipe().dump(), "/nonexistent/b.json");
  REQUIRE(r.ok());
  auto s = rig::bootstrap_spec(*r, "arm64", {"http://m.example/debian", "--mirror"}, "/k.gpg", 42, true);
  CHECK(s.distro == "debian");
  CHECK(s.suite == "trixie");
  CHECK(s.components == Strings{"main", "contrib"});
  CHECK(s.variant == "minbase");
  CHECK(s.packages == Strings{"uidmap", "podman", "ca-certificates"});
  CHECK(s.strip == Strings{"/usr/share/doc/*", "!/usr/share/doc/*/copyright"});
  CHECK(s.arch == "arm64");
  CHECK(s.mirror_uri == "http://m.example/debian");
  CHECK(s.keyring == "/k.gpg");
  CHECK(s.epoch == 42);
  CHECK(s.as_root);
  CHECK_FALSE(s.recommends);
  json j = rigtest::full_recipe();
  j["base"]["recommends"] = true;
  auto with = rig::parse_recipe(j.dump(), "/nonexistent/b.json");
  REQUIRE(with.ok());
  CHECK(rig::bootstrap_spec(*with, "amd64", {}, "", 0, false).recommends);
}

TEST_CASE("bootstrap: bootstrap_identity changes with every input but not the mode", "[builder][bootstrap]") {
  auto base = spec(false, "http://a/debian");
  auto id = rig::bootstrap_identity(base);
  CHECK(id == rig::bootstrap_identity(spec(false, "http://a/debian")));
  CHECK(json::parse(id) == json{{"distro", "debian"},
                                {"suite", "trixie"},
                                {"components", {"main", "contrib"}},
                                {"variant", "apt"},
                                {"packages", {"podman", "uidmap"}},
                                {"strip", {"/usr/share/doc/*", "!/usr/share/doc/*/copyright", "/usr/share/man/*"}},
                                {"arch", "arm64"},
                                {"mirror", "http://a/debian"},
                                {"keyring", "/tmp/ubuntu-keyring.gpg"},
                                {"epoch", 1704067200},
                                {"recommends", false}});
  CHECK(rig::bootstrap_identity(spec(true, "http://a/debian")) == id);
  CHECK(rig::bootstrap_identity(spec(false, "http://b/debian")) != id);
  auto s = base;
  s.packages.push_back("curl");
  CHECK(rig::bootstrap_identity(s) != id);
  s = base;
  s.epoch += 1;
  CHECK(rig::bootstrap_identity(s) != id);
  s = base;
  s.recommends = true;
  CHECK(rig::bootstrap_identity(s) != id);
}

TEST_CASE("bootstrap: check_binfmt without binfmt_misc mounted", "[builder][bootstrap]") {
  TempDir t;
  auto st = rig::check_binfmt("arm64", t / "binfmt_misc");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Unavailable);
  CHECK(rig::exit_code(st.error().category()) == 3);
  CHECK(st.error().what() == "building for arm64 (binfmt_misc at " + (t / "binfmt_misc").string() +
                                "): binfmt_misc is not mounted: arm64 binaries cannot run");
  CHECK_THAT(st.error().hint(), Catch::Contains("qemu-user-static"));
}

TEST_CASE("bootstrap: check_binfmt with a missing handler", "[builder][bootstrap]") {
  TempDir t;
  write_text(t / "register", "");
  write_text(t / "status", "enabled\n");
  auto st = rig::check_binfmt("arm64", t.path());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Unavailable);
  CHECK_THAT(st.error().what(), Catch::EndsWith("no qemu-aarch64 handler: arm64 binaries cannot run"));
  CHECK(st.error().hint() == "apt-get install qemu-user-static binfmt-support && update-binfmts --enable qemu-aarch64");
}

TEST_CASE("bootstrap: check_binfmt with a disabled handler", "[builder][bootstrap]") {
  TempDir t;
  write_text(t / "register", "");
  write_text(t / "qemu-aarch64", "disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\n");
  auto st = rig::check_binfmt("arm64", t.path());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Unavailable);
  CHECK_THAT(st.error().what(), Catch::EndsWith("qemu-aarch64 handler is disabled"));
  CHECK(st.error().hint() == "update-binfmts --enable qemu-aarch64");
}

TEST_CASE("bootstrap: check_binfmt with an enabled handler", "[builder][bootstrap]") {
  TempDir t;
  write_text(t / "register", "");
  write_text(t / "qemu-arm", "enabled\ninterpreter /usr/libexec/qemu-binfmt/arm-binfmt-P\nflags: POCF\n");
  CHECK(rig::check_binfmt("armhf", t.path()).ok());
  auto empty = rig::check_binfmt("riscv64", t.path());
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.error().hint(), Catch::Contains("update-binfmts --enable qemu-riscv64"));
}

TEST_CASE("bootstrap: a suite or mirror that looks like an option stays a positional argument", "[builder][bootstrap]") {
  // Values are validated elsewhere; the argv must still never let one be parsed as an option.
  auto s = spec(false, "--include=evil");
  s.suite = "--hook-dir=/tmp/x";
  auto c = rig::mmdebstrap_command(s);
  auto dashdash = std::find(c.argv.begin(), c.argv.end(), "--");
  REQUIRE(dashdash != c.argv.end());
  CHECK(std::vector<std::string>(dashdash + 1, c.argv.end()) == Strings{"--hook-dir=/tmp/x", "-", "--include=evil"});
  CHECK(std::count(c.argv.begin(), c.argv.end(), "--") == 1);
}

TEST_CASE("bootstrap: extract and custom variants keep the strip globs as dpkg options", "[builder][bootstrap]") {
  for (const char* variant : {"extract", "custom"}) {
    auto s = spec(true, "");
    s.variant = variant;
    auto argv = rig::mmdebstrap_command(s).argv;
    CHECK(std::count(argv.begin(), argv.end(), "--dpkgopt=path-exclude=/usr/share/doc/*") == 1);
    CHECK(std::count(argv.begin(), argv.end(), "--dpkgopt=path-include=/usr/share/doc/*/copyright") == 1);
    CHECK(std::none_of(argv.begin(), argv.end(), [](const std::string& a) { return a.starts_with("--extract-hook="); }));
  }
}

TEST_CASE("bootstrap: the package cache's seed and copy-out become sync hooks, the scratch dir TMPDIR", "[builder][bootstrap]") {
  auto s = spec(false, "");
  s.package_seed = "/c/debs/.seed.tmp-x y";
  s.package_collect = "/c/debs/.collect.tmp-z";
  s.scratch_dir = "/dev/shm";
  auto c = rig::mmdebstrap_command(s);
  auto& a = c.argv;
  auto at = [&](const std::string& v) { return std::find(a.begin(), a.end(), v) - a.begin(); };
  CHECK(at("--skip=essential/unlink") < at("--"));
  // Quoted for mmdebstrap's shellwords: a space cannot split the path.
  CHECK(at("--setup-hook=mkdir -p \"$1/var/cache/apt/archives/partial\"") < at("--setup-hook=sync-in '/c/debs/.seed.tmp-x y' /var/cache/apt/archives/"));
  CHECK(at("--setup-hook=sync-in '/c/debs/.seed.tmp-x y' /var/cache/apt/archives/") < at("--"));
  // The copy-out runs after the other customize hook, before mmdebstrap's apt-get clean.
  CHECK(at(kHook) < at("--customize-hook=sync-out /var/cache/apt/archives '/c/debs/.collect.tmp-z'"));
  CHECK(at("--customize-hook=sync-out /var/cache/apt/archives '/c/debs/.collect.tmp-z'") < at("--"));
  CHECK(c.env == std::vector<std::pair<std::string, std::string>>{{"SOURCE_DATE_EPOCH", "1704067200"}, {"TMPDIR", "/dev/shm"}});

  // Without a seed (an empty cache) only the copy-out is there.
  s.package_seed.clear();
  auto b = rig::mmdebstrap_command(s).argv;
  CHECK(std::none_of(b.begin(), b.end(), [](const std::string& x) { return x.starts_with("--setup-hook="); }));
  CHECK(std::count(b.begin(), b.end(), "--skip=essential/unlink") == 1);
  // Neither: no trace of the cache at all.
  s.package_collect.clear();
  auto n = rig::mmdebstrap_command(s).argv;
  CHECK(std::none_of(n.begin(), n.end(), [](const std::string& x) { return x.find("sync-") != std::string::npos || x.starts_with("--skip="); }));
}

namespace {

// Runs the hook as mmdebstrap would (sh -c HOOK exec ROOT) and lists what is left under ROOT.
std::set<std::string> after_hook(const std::vector<std::string>& strip, const std::vector<std::string>& files,
                                 const std::vector<std::pair<std::string, std::string>>& links = {}) {
  TempDir t;
  auto root = t.path() / "root";
  for (auto& f : files) write_text(root / f.substr(1), "x");
  for (auto& [from, to] : links) {
    std::filesystem::create_directories((root / from.substr(1)).parent_path());
    std::filesystem::create_directory_symlink(to, root / from.substr(1));
  }
  std::filesystem::create_directories(root / "etc/dpkg/dpkg.cfg.d");
  write_text(root / "etc/dpkg/dpkg.cfg.d/99mmdebstrap", "force-unsafe-io\n");
  // A stand-in for the host's /proc that mmdebstrap has mounted: never walked.
  write_text(root / "proc/usr/share/doc/keep", "x");
  auto hook = rig::strip_extract_hook(strip);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", hook.c_str(), "exec", root.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  std::set<std::string> left;
  for (auto it = std::filesystem::recursive_directory_iterator(root); it != std::filesystem::recursive_directory_iterator(); ++it)
    left.insert("/" + std::filesystem::relative(it->path(), root).generic_string());
  CHECK(rigtest::read_text(root / "etc/dpkg/dpkg.cfg.d/99mmdebstrap") ==
        "force-unsafe-io\n" + [&] {
          std::string s;
          for (auto& l : rig::dpkg_filter_lines(strip)) s += l + "\n";
          return s;
        }());
  return left;
}

}  // namespace

TEST_CASE("bootstrap: the strip extract hook removes what dpkg's filters skip, and nothing else", "[builder][bootstrap]") {
  std::vector<std::string> strip = {"/usr/share/doc/*", "!/usr/share/doc/*/copyright", "/usr/share/man/*", "/usr/share/locale/*"};
  auto left = after_hook(strip,
                         {"/usr/share/doc/bash/README", "/usr/share/doc/bash/copyright", "/usr/share/doc/bash/examples/x.sh",
                          "/usr/share/man/man1/ls.1.gz", "/usr/share/locale/de/LC_MESSAGES/c.mo", "/usr/bin/ls",
                          "/usr/share/docs-not-doc/a", "/etc/os-release"},
                         {{"/usr/share/doc/libfoo", "libbar"}, {"/usr/share/man/man7", "/elsewhere"}});
  CHECK(left == std::set<std::string>{"/etc", "/etc/dpkg", "/etc/dpkg/dpkg.cfg.d", "/etc/dpkg/dpkg.cfg.d/99mmdebstrap",
                                      "/etc/os-release", "/proc", "/proc/usr", "/proc/usr/share", "/proc/usr/share/doc",
                                      "/proc/usr/share/doc/keep", "/usr", "/usr/bin", "/usr/bin/ls", "/usr/share",
                                      "/usr/share/doc", "/usr/share/doc/bash", "/usr/share/doc/bash/copyright",
                                      // dpkg keeps excluded directories and symlinks under an include glob's prefix
                                      "/usr/share/doc/bash/examples", "/usr/share/doc/libfoo", "/usr/share/docs-not-doc",
                                      "/usr/share/docs-not-doc/a", "/usr/share/locale", "/usr/share/man"});
}

TEST_CASE("bootstrap: the strip hook honours rule order (last match wins) and hostile globs stay data", "[builder][bootstrap]") {
  // An exclude after the include wins again; quotes and $(...) in a glob are matched, never run.
  auto left = after_hook({"/opt/*", "!/opt/keep/*", "/opt/keep/drop*", "/x/'$(touch /tmp/pwned-rigctl)'*"},
                         {"/opt/a", "/opt/keep/b", "/opt/keep/dropme", "/x/'$(touch /tmp/pwned-rigctl)'z"});
  CHECK(left.count("/opt/keep/b") == 1);
  CHECK(left.count("/opt/a") == 0);
  CHECK(left.count("/opt/keep/dropme") == 0);
  CHECK(left.count("/x/'$(touch /tmp/pwned-rigctl)'z") == 0);
  CHECK_FALSE(std::filesystem::exists("/tmp/pwned-rigctl"));
}

}  // namespace rigtest_builder_bootstrap
