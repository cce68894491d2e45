#include "support/catch.hpp"

#include "builder/accounts.hpp"

namespace rigtest_builder_accounts {

using rig::AccountFiles;
using rig::User;

namespace {

rig::AccountEdit applied(const AccountFiles& in, const User& u, int64_t days) {
  auto r = rig::apply_user(in, u, days);
  if (!r.ok()) FAIL("apply_user refused: " << r.error().what());
  return std::move(r).value();
}

User builder_user() {
  User u;
  u.name = "builder";
  u.uid = 1000;
  u.gid = 1000;
  u.home = "/home/builder";
  u.shell = "/bin/bash";
  u.subuid = {100000, 65536};
  u.subgid = {100000, 65536};
  return u;
}

// An Ubuntu-style base: uid/gid 1000 belong to "ubuntu", a member of adm and sudo.
AccountFiles ubuntu_base() {
  AccountFiles in;
  in.passwd =
      "root:x:0:0:root:/root:/bin/bash\n"
      "syslog:x:102:106::/home/syslog:/usr/sbin/nologin\n"
      "ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n";
  in.group =
      "root:x:0:\n"
      "adm:x:4:syslog,ubuntu\n"
      "sudo:x:27:ubuntu\n"
      "ubuntu:x:1000:\n";
  in.shadow =
      "root:*:19000:0:99999:7:::\n"
      "syslog:*:19000:0:99999:7:::\n"
      "ubuntu:!:19000:0:99999:7:::\n";
  in.gshadow =
      "root:*::\n"
      "adm:*::syslog,ubuntu\n"
      "sudo:*::ubuntu\n"
      "ubuntu:!::\n";
  in.subuid = "ubuntu:100000:65536\n";
  in.subgid = "ubuntu:100000:65536\n";
  return in;
}

}  // namespace

TEST_CASE("accounts: apply_user replaces the uid-1000 ubuntu user", "[builder][accounts]") {
  auto edit = applied(ubuntu_base(), builder_user(), 19723);
  CHECK(edit.removed_users == std::vector<std::string>{"ubuntu"});
  CHECK(edit.removed_groups == std::vector<std::string>{"ubuntu"});
  CHECK(edit.files.passwd ==
        "root:x:0:0:root:/root:/bin/bash\n"
        "syslog:x:102:106::/home/syslog:/usr/sbin/nologin\n"
        "builder:x:1000:1000::/home/builder:/bin/bash\n");
  CHECK(edit.files.group ==
        "root:x:0:\n"
        "adm:x:4:syslog\n"
        "sudo:x:27:\n"
        "builder:x:1000:\n");
  CHECK(edit.files.shadow ==
        "root:*:19000:0:99999:7:::\n"
        "syslog:*:19000:0:99999:7:::\n"
        "builder:!:19723:0:99999:7:::\n");
  CHECK(edit.files.gshadow ==
        "root:*::\n"
        "adm:*::syslog\n"
        "sudo:*::\n"
        "builder:!::\n");
  CHECK(edit.files.subuid == "builder:100000:65536\n");
  CHECK(edit.files.subgid == "builder:100000:65536\n");
}

TEST_CASE("accounts: apply_user on a base without the uid only appends", "[builder][accounts]") {
  AccountFiles in;
  in.passwd = "root:x:0:0:root:/root:/bin/bash\n";
  in.group = "root:x:0:\nusers:x:100:\n";
  in.shadow = "root:*:19000:0:99999:7:::\n";
  in.gshadow = "root:*::\nusers:*::\n";
  auto edit = applied(in, builder_user(), 0);
  CHECK(edit.removed_users.empty());
  CHECK(edit.removed_groups.empty());
  CHECK(edit.files.passwd == "root:x:0:0:root:/root:/bin/bash\nbuilder:x:1000:1000::/home/builder:/bin/bash\n");
  CHECK(edit.files.group == "root:x:0:\nusers:x:100:\nbuilder:x:1000:\n");
  CHECK(edit.files.shadow == "root:*:19000:0:99999:7:::\nbuilder:!:0:0:99999:7:::\n");
  CHECK(edit.files.gshadow == "root:*::\nusers:*::\nbuilder:!::\n");
  // /etc/subuid and /etc/subgid may be absent from a base: they are created.
  CHECK(edit.files.subuid == "builder:100000:65536\n");
  CHECK(edit.files.subgid == "builder:100000:65536\n");
}

TEST_CASE("accounts: apply_user removes an entry holding the name with another uid", "[builder][accounts]") {
  AccountFiles in;
  in.passwd = "builder:x:1500:1500::/home/old:/bin/sh\nother:x:1001:1001::/home/other:/bin/sh\n";
  in.group = "builder:x:1500:\nother:x:1001:builder\n";
  in.subuid = "other:165536:65536\nbuilder:231072:65536\n";
  in.subgid = "builder:231072:65536\n";
  auto u = builder_user();
  u.subuid = {300000, 1000};
  u.subgid = {400000, 2000};
  auto edit = applied(in, u, 1);
  CHECK(edit.removed_users == std::vector<std::string>{"builder"});
  CHECK(edit.removed_groups == std::vector<std::string>{"builder"});
  CHECK(edit.files.passwd == "other:x:1001:1001::/home/other:/bin/sh\nbuilder:x:1000:1000::/home/builder:/bin/bash\n");
  CHECK(edit.files.group == "other:x:1001:\nbuilder:x:1000:\n");
  CHECK(edit.files.subuid == "other:165536:65536\nbuilder:300000:1000\n");
  CHECK(edit.files.subgid == "builder:400000:2000\n");
}

TEST_CASE("accounts: a group holding the gid is removed even when its name differs", "[builder][accounts]") {
  AccountFiles in;
  in.passwd = "root:x:0:0:root:/root:/bin/bash\n";
  in.group = "root:x:0:\nstaff1000:x:1000:root\n";
  in.gshadow = "root:*::\nstaff1000:!::root\n";
  auto edit = applied(in, builder_user(), 5);
  CHECK(edit.removed_users.empty());
  CHECK(edit.removed_groups == std::vector<std::string>{"staff1000"});
  CHECK(edit.files.group == "root:x:0:\nbuilder:x:1000:\n");
  CHECK(edit.files.gshadow == "root:*::\nbuilder:!::\n");
}

TEST_CASE("accounts: input without a trailing newline and with blank lines", "[builder][accounts]") {
  AccountFiles in;
  in.passwd = "root:x:0:0:root:/root:/bin/bash\n\nubuntu:x:1000:1000::/home/ubuntu:/bin/bash";
  in.group = "root:x:0:\nubuntu:x:1000:";
  auto edit = applied(in, builder_user(), 2);
  CHECK(edit.files.passwd == "root:x:0:0:root:/root:/bin/bash\nbuilder:x:1000:1000::/home/builder:/bin/bash\n");
  CHECK(edit.files.group == "root:x:0:\nbuilder:x:1000:\n");
}

// gshadow's third field lists group administrators: a displaced user leaves it too.
TEST_CASE("accounts: a removed user is dropped from gshadow administrators", "[builder][accounts]") {
  AccountFiles in = ubuntu_base();
  in.gshadow = "root:*::\nlxd:!:ubuntu:ubuntu\n";
  auto edit = applied(in, builder_user(), 19723);
  CHECK(edit.files.gshadow == "root:*::\nlxd:!::\nbuilder:!::\n");
}

// A home with a newline and ':' would add a second passwd line: a uid-0 account with no password.
// The recipe never gets this far (load_recipe refuses it); apply_user refuses it again rather than
// write a corrupt database.
TEST_CASE("accounts: a field that would break a passwd line is refused", "[builder][accounts][validation]") {
  AccountFiles in;
  in.passwd = "root:x:0:0:root:/root:/bin/bash\n";
  auto u = builder_user();
  u.home = "/home/builder:/bin/sh\nevil::0:0::/root";
  auto r = rig::apply_user(in, u, 0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() ==
        "refusing to write an account line with the field '/home/builder:/bin/sh\\nevil::0:0::/root' (empty, or with ':' or a "
        "control character)");
  u = builder_user();
  u.shell = "/bin/sh:x";
  auto s = rig::apply_user(in, u, 0);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().what() == "refusing to write an account line with the field '/bin/sh:x' (empty, or with ':' or a control character)");
  u = builder_user();
  u.home = "/home/a\tb";
  CHECK_FALSE(rig::apply_user(in, u, 0).ok());
  u = builder_user();
  u.name = "evil:x:0:0";
  auto n = rig::apply_user(in, u, 0);
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().what() == "refusing to write an account for the user name 'evil:x:0:0' (not a Debian user name)");
  u = builder_user();
  u.name = "evil\nroot";
  CHECK_FALSE(rig::apply_user(in, u, 0).ok());
}

}  // namespace rigtest_builder_accounts
