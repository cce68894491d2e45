#include "support/catch.hpp"

#include "core/text.hpp"
#include "matrix/image_checks.hpp"
#include "support/fake_engine.hpp"

namespace rigtest_matrix_image_checks {

namespace {

rig::Recipe hostile_recipe() {
  rig::Recipe r;
  r.name = "x";
  r.file_capabilities = {{"/usr/bin/new uidmap;touch /tmp/pwned", "cap_setuid=ep", ""}};
  rig::User u;
  u.name = "b$(id)";
  u.uid = 1000;
  u.gid = 1000;
  u.subuid = {100000, 65536};
  r.user = u;
  return r;
}

const rig::ImageCheck& check_of(const std::vector<rig::ImageCheck>& v, const std::string& id) {
  for (auto& c : v)
    if (c.id == id) return c;
  FAIL("no image check " << id);
  return v.front();
}

}  // namespace

// Recipe values are one shell word in the probe's scripts, whatever they hold.
TEST_CASE("image checks: recipe paths and names are shell-quoted", "[grid][image_checks]") {
  auto checks = rig::image_checks_for(hostile_recipe(), "amd64");
  CHECK(check_of(checks, "fcaps:/usr/bin/new uidmap;touch /tmp/pwned").script ==
        "getcap '/usr/bin/new uidmap;touch /tmp/pwned'; test -u '/usr/bin/new uidmap;touch /tmp/pwned' && echo setuid");
  CHECK(check_of(checks, "user").script == "echo $(id -u 'b$(id)'):$(id -g 'b$(id)')");
  CHECK(check_of(checks, "subuid").script == "grep -e '^b$(id):' /etc/subuid");
}

TEST_CASE("image checks: outputs are stored as UTF-8 and a truncated one does not pass", "[grid][image_checks]") {
  rigtest::FakeEngine e;
  std::vector<rig::ImageCheck> checks = {{"arch", "arch", "uname -m", "x86_64"}, {"bytes", "bytes", "printf", "ok"}};
  e.exec_rules = {{"uname -m", {0, "x86_64\n", 0.01, true, "the exec stream ended while the command was still running"}},
                  {"printf", {0, "o\xFFk\n", 0.01}}};
  auto r = rig::run_image_checks(e, "img", checks, "run1");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK_FALSE((*r)[0].passed);
  CHECK_THAT((*r)[0].output, Catch::Contains("[output truncated: the exec stream ended while the command was still running]"));
  CHECK_FALSE((*r)[1].passed);
  CHECK((*r)[1].output == "o\xEF\xBF\xBDk");
  CHECK(e.calls.back() == "remove-container id-rigctl-imagecheck-run1");  // the probe goes however the checks end
}

}  // namespace rigtest_matrix_image_checks
