#include "builder/accounts.hpp"

#include <algorithm>
#include <functional>
#include <sstream>

#include "builder/recipe_rules.hpp"

namespace rig {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::string join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Rewrites a colon-separated database: drops lines `drop` says so, strips `gone` from the user
// lists in fields `member_fields` (group members; gshadow admins and members), appends `add`.
std::string rewrite(const std::string& text, const std::function<bool(const std::vector<std::string>&)>& drop,
                    const std::vector<size_t>& member_fields, const std::vector<std::string>& gone, const std::string& add) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto f = split(line, ':');
    if (!f.empty() && drop(f)) continue;
    for (size_t field : member_fields) {
      if (f.size() <= field) continue;
      std::vector<std::string> kept;
      for (auto& m : split(f[field], ','))
        if (!m.empty() && !contains(gone, m)) kept.push_back(m);
      f[field] = join(kept, ',');
      line = join(f, ':');
    }
    out += line + "\n";
  }
  out += add + "\n";
  return out;
}

}  // namespace

Result<AccountEdit> apply_user(const AccountFiles& in, const User& u, int64_t days) {
  // load_recipe already holds the user to these rules; checked again here because a ':' or a newline
  // in a field written below would add fields or whole accounts (a uid-0 line with no password).
  if (!is_account_name(u.name))
    return usage_error("refusing to write an account for the user name " + show_value(u.name) + " (not a Debian user name)");
  for (auto* field : {&u.home, &u.shell})
    if (field->empty() || field->find(':') != std::string::npos || has_control_char(*field))
      return usage_error("refusing to write an account line with the field " + show_value(*field) +
                         " (empty, or with ':' or a control character)");
  AccountEdit r;
  const std::string uid = std::to_string(u.uid), gid = std::to_string(u.gid);

  // Whoever holds the name or the uid makes way, and so do their private groups.
  std::istringstream pw(in.passwd);
  std::string line;
  while (std::getline(pw, line)) {
    auto f = split(line, ':');
    if (f.size() >= 3 && (f[0] == u.name || f[2] == uid)) r.removed_users.push_back(f[0]);
  }
  std::istringstream gr(in.group);
  while (std::getline(gr, line)) {
    auto f = split(line, ':');
    if (f.size() >= 3 && (f[0] == u.name || f[2] == gid || contains(r.removed_users, f[0]))) r.removed_groups.push_back(f[0]);
  }
  auto user_gone = [&](const std::vector<std::string>& f) { return contains(r.removed_users, f[0]); };
  auto group_gone = [&](const std::vector<std::string>& f) { return contains(r.removed_groups, f[0]); };
  auto sub_gone = [&](const std::vector<std::string>& f) { return f[0] == u.name || contains(r.removed_users, f[0]); };

  r.files.passwd = rewrite(in.passwd, user_gone, {}, {},
                           u.name + ":x:" + uid + ":" + gid + "::" + u.home + ":" + u.shell);
  r.files.group = rewrite(in.group, group_gone, {3}, r.removed_users, u.name + ":x:" + gid + ":");
  r.files.shadow = rewrite(in.shadow, user_gone, {}, {}, u.name + ":!:" + std::to_string(days) + ":0:99999:7:::");
  r.files.gshadow = rewrite(in.gshadow, group_gone, {2, 3}, r.removed_users, u.name + ":!::");
  r.files.subuid = rewrite(in.subuid, sub_gone, {}, {},
                           u.name + ":" + std::to_string(u.subuid.start) + ":" + std::to_string(u.subuid.count));
  r.files.subgid = rewrite(in.subgid, sub_gone, {}, {},
                           u.name + ":" + std::to_string(u.subgid.start) + ":" + std::to_string(u.subgid.count));
  return r;
}

}  // namespace rig
