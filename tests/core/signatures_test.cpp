#include "support/catch.hpp"

#include "core/signatures.hpp"

namespace rigtest_core_signatures {

namespace {

std::vector<std::string> ids(const std::vector<rig::Signature>& v) {
  std::vector<std::string> out;
  for (auto& s : v) out.push_back(s.id);
  return out;
}

}  // namespace

TEST_CASE("diagnosis: the compiled-in table parses and is not empty", "[smoke][diagnosis]") {
  CHECK(rig::known_signatures().size() >= 14);
}

TEST_CASE("diagnosis: every FIELD-NOTES failure signature is recognised", "[smoke][diagnosis]") {
  using V = std::vector<std::string>;
  CHECK(ids(rig::diagnose("Error: pasta failed with exit code 1:\nFailed to open() /dev/net/tun: No such file or directory")) == V{"tun-missing"});
  CHECK(ids(rig::diagnose("open(\"/dev/net/tun\"): No such file or directory")) == V{"tun-missing"});
  CHECK(ids(rig::diagnose("Failed to open() /dev/net/tun: Permission denied")) == V{"tun-permission"});
  CHECK(ids(rig::diagnose("cannot clone: Operation not permitted\nError: cannot re-exec process")) == V{"seccomp-clone"});
  CHECK(ids(rig::diagnose("cannot clone: Permission denied\nError: cannot re-exec process")) == V{"seccomp-clone", "userns-denied"});
  CHECK(ids(rig::diagnose("crun: sethostname: Operation not permitted")) == V{"sethostname"});
  CHECK(ids(rig::diagnose("crun: mount `proc` to `proc`: Operation not permitted")) == V{"mount-proc"});
  CHECK(ids(rig::diagnose("newuidmap: write to uid_map failed: Operation not permitted")) == V{"newuidmap"});
  CHECK(ids(rig::diagnose("crun: open `/proc/sys/net/ipv4/ping_group_range`: Read-only file system")) == V{"ping-group-range"});
  CHECK(ids(rig::diagnose("invalid internal status, try resetting the pause process with \"podman system migrate\"")) == V{"pause-process"});
  CHECK(ids(rig::diagnose("crun: container already exists")) == V{"container-exists"});
  CHECK(ids(rig::diagnose("mkdir /home/builder/.local/share/containers/storage: permission denied")) == V{"storage-permission"});
  CHECK(ids(rig::diagnose("mount /home/builder/.local/share/containers/storage/overlay/l/ABC, flags: 0x1000: permission denied")) ==
        V{"overlay-mount-denied"});
  CHECK(ids(rig::diagnose("open sysctl net.ipv4.ip_unprivileged_port_start file: reopen fd 8: permission denied")) == V{"reopen-fd"});
  CHECK(ids(rig::diagnose("Trying to pull docker.io/library/alpine:latest...")) == V{"registry-pull"});
  CHECK(ids(rig::diagnose("cgroups in hybrid mode not supported")) == V{"cgroups-hybrid"});
  // Without CAP_SYS_CHROOT, as podman 5.4 (this host) and podman 4.9 (the Ubuntu VM host) say it.
  CHECK(ids(rig::diagnose("unpacking failed (error: exit status 1; output: ) after fallback to chroot: operation not permitted")) ==
        V{"chroot-unpack"});
  CHECK(ids(rig::diagnose("Error: creating container storage: creating an ID-mapped copy of layer \"f88f\": error chrooting to "
                          "\"/home/builder/.local/share/containers/storage/overlay/0877/merged\": chrooting to \"/x/merged\": "
                          "operation not permitted: exit status 1")) == V{"chroot-unpack"});
}

TEST_CASE("diagnosis: unknown failures match nothing", "[smoke][diagnosis]") {
  CHECK(rig::diagnose("something entirely different went wrong").empty());
  CHECK(rig::diagnose("").empty());
}

TEST_CASE("diagnosis: a malformed table is a usage error naming the entry", "[smoke][diagnosis]") {
  auto r = rig::parse_signatures(R"([{"id": "x", "pattern": "(", "cause": "c", "fix": "f"}])");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::Contains("signatures[0].pattern"));
  auto missing = rig::parse_signatures(R"([{"id": "x", "pattern": "p", "cause": "c"}])");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().what(), Catch::Contains("signatures[0].fix"));
}

// diagnose() also takes tables that did not come through parse_signatures (tests, callers); a
// pattern std::regex refuses is no match, never an exception out of a failed check's report.
TEST_CASE("diagnosis: a pattern std::regex cannot use matches nothing instead of throwing", "[smoke][diagnosis]") {
  std::vector<rig::Signature> table = {{"broken", "(unclosed", "c", "f"}, {"ok", "denied", "c", "f"}};
  std::vector<rig::Signature> out;
  REQUIRE_NOTHROW(out = rig::diagnose("permission denied", table));
  CHECK(ids(out) == std::vector<std::string>{"ok"});
}

}  // namespace rigtest_core_signatures
