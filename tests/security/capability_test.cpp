#include "support/catch.hpp"

#include "security/capability.hpp"
#include "support/test_util.hpp"

namespace rigtest_security_capability {

using rig::FileCaps;

namespace {

FileCaps parse_ok(const std::string& text) {
  auto r = rig::parse_capability_text(text);
  INFO("capability text: '" << text << "'");
  REQUIRE(r.ok());
  return r.value();
}

void check_rejected(const std::string& text, const std::string& message) {
  auto r = rig::parse_capability_text(text);
  INFO("capability text: '" << text << "'");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() == message);
}

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

}  // namespace

TEST_CASE("capability: cap_setuid=ep encodes to the exact VFS cap v2 bytes", "[builder][capability]") {
  auto caps = parse_ok("cap_setuid=ep");
  CHECK(caps.permitted == (uint64_t{1} << 7));
  CHECK(caps.inheritable == 0);
  CHECK(caps.effective);
  auto x = rig::vfs_cap_xattr(caps);
  CHECK(rigtest::hex(x) == "01 00 00 02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  CHECK(x == bytes({0x01, 0, 0, 0x02, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("capability: cap_setgid=ep sets bit 6", "[builder][capability]") {
  auto caps = parse_ok("cap_setgid=ep");
  CHECK(caps.permitted == (uint64_t{1} << 6));
  CHECK(rigtest::hex(rig::vfs_cap_xattr(caps)) == "01 00 00 02 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
}

TEST_CASE("capability: without e the magic has no effective bit", "[builder][capability]") {
  auto caps = parse_ok("cap_net_bind_service=p");
  CHECK_FALSE(caps.effective);
  CHECK(caps.permitted == (uint64_t{1} << 10));
  CHECK(rigtest::hex(rig::vfs_cap_xattr(caps)) == "00 00 00 02 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
}

TEST_CASE("capability: capabilities above 31 go into the high words", "[builder][capability]") {
  auto caps = parse_ok("cap_checkpoint_restore,cap_chown=eip");
  CHECK(caps.permitted == ((uint64_t{1} << 40) | 1));
  CHECK(caps.inheritable == ((uint64_t{1} << 40) | 1));
  CHECK(rigtest::hex(rig::vfs_cap_xattr(caps)) == "01 00 00 02 01 00 00 00 01 00 00 00 00 01 00 00 00 01 00 00");
}

TEST_CASE("capability: names are case-insensitive and clauses combine", "[builder][capability]") {
  auto caps = parse_ok("CAP_SETUID,Cap_SetGid=ep cap_net_raw+ie");
  CHECK(caps.permitted == ((uint64_t{1} << 7) | (uint64_t{1} << 6)));
  CHECK(caps.inheritable == (uint64_t{1} << 13));
  CHECK(caps.effective);
  auto minus = parse_ok("cap_setuid,cap_setgid=p cap_setgid-p");
  CHECK(minus.permitted == (uint64_t{1} << 7));
  CHECK_FALSE(minus.effective);
}

TEST_CASE("capability: all and an empty list with = mean every capability", "[builder][capability]") {
  const uint64_t all = (uint64_t{1} << 41) - 1;
  CHECK(parse_ok("all=p").permitted == all);
  CHECK(parse_ok("=ip").inheritable == all);
  CHECK(parse_ok("=ip").permitted == all);
}

TEST_CASE("capability: invalid texts are rejected", "[builder][capability]") {
  check_rejected("cap_bogus=ep", "'cap_bogus' is not a Linux capability name (e.g. cap_setuid)");
  check_rejected("cap_setuid,nope=p", "'nope' is not a Linux capability name (e.g. cap_setuid)");
  check_rejected("cap_setuid=ex", "'cap_setuid=ex': flag 'x' is not one of e, i, p");
  check_rejected("cap_setuid", "'cap_setuid' has no operator: expected caps=flags, caps+flags or caps-flags");
  check_rejected("", "empty capability text: expected e.g. cap_setuid=ep");
  check_rejected("   ", "empty capability text: expected e.g. cap_setuid=ep");
  check_rejected("+ep", "'+ep': an empty capability list is only valid with '='");
}

TEST_CASE("capability: decode is the inverse of the encoding", "[builder][capability]") {
  for (auto text : {"cap_setuid=ep", "cap_setgid=ep", "cap_net_raw=p", "cap_sys_admin,cap_bpf=eip", "cap_chown=i"}) {
    auto caps = parse_ok(text);
    auto back = rig::decode_vfs_cap_xattr(rig::vfs_cap_xattr(caps));
    REQUIRE(back.ok());
    CHECK(back->permitted == caps.permitted);
    CHECK(back->inheritable == caps.inheritable);
    CHECK(back->effective == caps.effective);
  }
}

TEST_CASE("capability: capability_text round trips", "[builder][capability]") {
  CHECK(rig::capability_text(parse_ok("cap_setuid=ep")) == "cap_setuid=ep");
  CHECK(rig::capability_text(parse_ok("cap_setuid,cap_setgid=ep")) == "cap_setgid,cap_setuid=ep");
  CHECK(rig::capability_text(parse_ok("cap_chown=eip cap_kill=ep")) == "cap_chown=eip cap_kill=ep");
  CHECK(rig::capability_text(parse_ok("cap_chown=i")) == "cap_chown=i");
  for (auto text : {"cap_setuid=ep", "cap_chown=eip cap_kill=ep", "cap_net_raw,cap_bpf=p cap_mknod=i"}) {
    auto caps = parse_ok(text);
    auto again = parse_ok(rig::capability_text(caps));
    CHECK(again.permitted == caps.permitted);
    CHECK(again.inheritable == caps.inheritable);
    CHECK(again.effective == caps.effective);
    auto decoded = rig::decode_vfs_cap_xattr(rig::vfs_cap_xattr(caps));
    REQUIRE(decoded.ok());
    CHECK(rig::capability_text(*decoded) == rig::capability_text(caps));
  }
}

TEST_CASE("capability: decode rejects values that are not VFS cap v2", "[builder][capability]") {
  auto short_value = rig::decode_vfs_cap_xattr(std::string(12, '\0'));
  REQUIRE_FALSE(short_value.ok());
  CHECK(short_value.error().what() == "security.capability of 12 bytes is not VFS cap v2");
  std::string v3_magic = rig::vfs_cap_xattr(parse_ok("cap_setuid=ep"));
  v3_magic[3] = 0x03;
  auto wrong_rev = rig::decode_vfs_cap_xattr(v3_magic);
  REQUIRE_FALSE(wrong_rev.ok());
  CHECK(wrong_rev.error().what() == "security.capability is not revision 2");
}

// The file effective bit is a single bit: the kernel raises every permitted capability when it is
// set. libcap (cap_set_file) therefore refuses an effective set that is neither empty nor equal to
// permitted|inheritable.
TEST_CASE("capability: an effective flag on only some capabilities is rejected", "[builder][capability]") {
  check_rejected("cap_setuid=ep cap_setgid=p",
                 "'cap_setuid=ep cap_setgid=p' sets the effective flag on only some capabilities; a file has one "
                 "effective bit for all");
  check_rejected("cap_setuid,cap_setgid=p cap_setuid+e",
                 "'cap_setuid,cap_setgid=p cap_setuid+e' sets the effective flag on only some capabilities; a file "
                 "has one effective bit for all");
  auto all = parse_ok("cap_setuid=ep cap_setgid=p cap_setgid+e");
  CHECK(all.effective);
  CHECK(all.permitted == ((uint64_t{1} << 7) | (uint64_t{1} << 6)));
}

// "-e" removes the effective flag (libcap's cap_from_text).
TEST_CASE("capability: the - operator clears the effective flag", "[builder][capability]") {
  auto caps = parse_ok("cap_setuid=ep cap_setuid-e");
  CHECK(caps.permitted == (uint64_t{1} << 7));
  CHECK_FALSE(caps.effective);
  CHECK(rigtest::hex(rig::vfs_cap_xattr(caps)) == "00 00 00 02 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
}

// "cap_setuid=e" asks for an effective capability that is neither permitted nor inheritable: the
// helper would end up with no capability at all.
TEST_CASE("capability: effective without permitted or inheritable is rejected", "[builder][capability]") {
  check_rejected("cap_setuid=e", "'cap_setuid=e' grants no permitted or inheritable capability (e.g. cap_setuid=ep)");
  check_rejected("cap_setuid=ep cap_setuid-p",
                 "'cap_setuid=ep cap_setuid-p' grants no permitted or inheritable capability (e.g. cap_setuid=ep)");
}

// Messages quote the offending piece escaped: a stray control byte or half of a UTF-8 character
// must neither break the message nor make it invalid UTF-8 (the JSON reports carry it).
TEST_CASE("capability: hostile text is shown escaped", "[builder][capability][hostile]") {
  check_rejected("cap_setuid=e\x01", "'cap_setuid=e\\x01': flag '\\x01' is not one of e, i, p");
  check_rejected("cap_setuid=e\xC3\xA9", "'cap_setuid=e\xC3\xA9': flag '\xEF\xBF\xBD' is not one of e, i, p");
  check_rejected("cap_it's=ep", "'cap_it\\'s' is not a Linux capability name (e.g. cap_setuid)");
  check_rejected("cap_setuid" + std::string(100, 'x'),
                 "'cap_setuid" + std::string(70, 'x') + "…' (110 bytes) has no operator: expected caps=flags, caps+flags or caps-flags");
}

}  // namespace rigtest_security_capability
