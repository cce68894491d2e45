// Pure text edits of the account databases (passwd, group, shadow, gshadow, subuid, subgid) that put
// the rig user in place. Any existing entry holding the user's name or uid/gid is removed first
// (Ubuntu images ship uid 1000 "ubuntu"), and so are its memberships.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/recipe.hpp"

namespace rig {

// The account databases' paths in a rootfs, in AccountFiles' order.
inline constexpr const char* kAccountFiles[] = {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid"};

struct AccountFiles {
  std::string passwd, group, shadow, gshadow, subuid, subgid;
};

struct AccountEdit {
  AccountFiles files;
  std::vector<std::string> removed_users;   // names displaced from passwd
  std::vector<std::string> removed_groups;  // names displaced from group
};

// `days_since_epoch` fills shadow's last-change field so the output is reproducible. A user whose
// name, home or shell could not be written as one well-formed line is refused (a usage error).
Result<AccountEdit> apply_user(const AccountFiles& in, const User& user, int64_t days_since_epoch);

}  // namespace rig
