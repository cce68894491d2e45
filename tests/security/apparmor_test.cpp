#include "security/apparmor.hpp"

#include "support/catch.hpp"
#include <cstdlib>
#include <sstream>

#include "core/fs.hpp"
#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace rigtest_security_apparmor {

namespace fs = std::filesystem;

namespace {

// The rendered profile is also what the Ubuntu VM host loads at boot (recipes/hosts/ubuntu-noble.json
// ships this file into /etc/apparmor.d), so the shipped file doubles as the golden.
fs::path golden() { return rigtest::source_root() / "recipes/hosts/files/apparmor/rigctl-tailored"; }

bool update_golden() {
  const char* v = std::getenv("RIGCTL_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

// The profile's lines with indentation and trailing comments removed.
std::vector<std::string> rules(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    l.erase(0, l.find_first_not_of(' '));
    if (l.empty() || (l[0] == '#' && l.rfind("#include", 0) != 0)) continue;
    if (auto c = l.find("  #"); c != std::string::npos) l.erase(c);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out.push_back(l);
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("apparmor: tailored profile matches the shipped file (the golden)", "[builder][apparmor][golden]") {
  auto text = rig::render_tailored_apparmor();
  if (update_golden()) {
    REQUIRE(rig::write_file_atomic(golden(), text).ok());
    WARN("rewrote " << golden().string());
  }
  REQUIRE(fs::exists(golden()));
  CHECK(text == rigtest::read_text(golden()));
}

TEST_CASE("apparmor: docker-default with mount allowed and everything else kept", "[builder][apparmor]") {
  auto r = rules(rig::render_tailored_apparmor());
  CHECK(has(r, "mount,"));
  CHECK(has(r, "pivot_root,"));
  CHECK_FALSE(has(r, "deny mount,"));
  CHECK(has(r, "deny @{PROC}/sysrq-trigger rwklx,"));
  CHECK(has(r, "deny @{PROC}/kcore rwklx,"));
  CHECK(has(r, "deny /sys/kernel/security/** rwklx,"));
  CHECK(has(r, "deny /sys/firmware/** rwklx,"));
  CHECK(has(r, "umount,"));
  CHECK(has(r, "#include <tunables/global>"));
  CHECK(has(r, "#include <abstractions/base>"));
  CHECK(has(r, "profile rigctl-tailored flags=(attach_disconnected,mediate_deleted) {"));
  CHECK(has(r, "signal (send,receive) peer=rigctl-tailored,"));
  // Hosts that confine the runtime itself (Ubuntu 23.10+) stop containers through runc's profile.
  CHECK(has(r, "signal (receive) peer=runc,"));
  CHECK(has(r, "signal (receive) peer=crun,"));
  CHECK(has(r, "ptrace (trace,read,tracedby,readby) peer=rigctl-tailored,"));
  CHECK(r.back() == "}");
  // Exactly one peer=unconfined signal rule when dockerd is unconfined.
  CHECK(std::count(r.begin(), r.end(), "signal (receive) peer=unconfined,") == 1);
}

TEST_CASE("apparmor: name and daemon profile", "[builder][apparmor]") {
  rig::AppArmorOptions o;
  o.name = "my-rig";
  o.daemon_profile = "dockerd-profile";
  auto r = rules(rig::render_tailored_apparmor(o));
  CHECK(has(r, "profile my-rig flags=(attach_disconnected,mediate_deleted) {"));
  CHECK(has(r, "signal (receive) peer=dockerd-profile,"));
  CHECK(has(r, "ptrace (trace,read,tracedby,readby) peer=my-rig,"));
  CHECK(rig::check_apparmor_name("rigctl-tailored_2.0").ok());
  CHECK(rigtest::error_of(rig::check_apparmor_name("bad name")).category() == rig::Category::Usage);
  CHECK(rigtest::error_of(rig::check_apparmor_name("")).category() == rig::Category::Usage);
  CHECK(rigtest::error_of(rig::check_apparmor_name("a{b}")).category() == rig::Category::Usage);
}

TEST_CASE("apparmor: apparmor_parser compiles the profile (when installed)", "[builder][apparmor]") {
  // Compiling needs no AppArmor in the kernel (-Q skips the load, -K the cache), so this checks the
  // syntax even on hosts that cannot load the profile.
  fs::path parser;
  for (const char* p : {"/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"})
    if (fs::exists(p)) parser = p;
  if (parser.empty()) {
    WARN("apparmor_parser not installed: syntax not checked");
    return;
  }
  if (!fs::exists("/etc/apparmor.d/tunables/global") || !fs::exists("/etc/apparmor.d/abstractions/base")) {
    WARN("AppArmor's base includes are missing: syntax not checked");
    return;
  }
  auto runner = rig::make_process_runner();
  // The profile's `userns,` rule needs parser 4.0 (Debian 13, Ubuntu 24.04); Debian 12 ships 3.0.
  auto ver = runner->run({{parser.string(), "--version"}, {}, {}, {}});
  REQUIRE(ver.ok());
  if (auto at = ver->out.find("version "); at != std::string::npos && std::atoi(ver->out.c_str() + at + 8) < 4) {
    WARN("apparmor_parser older than 4.0 (" + ver->out.substr(0, ver->out.find('\n')) + "): syntax not checked");
    return;
  }
  rigtest::TempDir dir;
  rigtest::write_text(dir / "profile", rig::render_tailored_apparmor());
  auto r = runner->run({{parser.string(), "-Q", "-K", "-S", (dir / "profile").string()}, {}, {}, {}});
  REQUIRE(r.ok());
  INFO(r->err);
  CHECK(r->status == 0);
  CHECK_FALSE(r->out.empty());  // the compiled policy
}

}  // namespace rigtest_security_apparmor
