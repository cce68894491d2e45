#include "security/capability.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>
#include <string_view>

#include "core/text.hpp"

namespace rig {

namespace {

// Linux capability numbers (include/uapi/linux/capability.h), index = bit.
constexpr std::array<std::string_view, 41> kCapNames = {
    "cap_chown",        "cap_dac_override",   "cap_dac_read_search", "cap_fowner",         "cap_fsetid",
    "cap_kill",         "cap_setgid",         "cap_setuid",          "cap_setpcap",        "cap_linux_immutable",
    "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin",     "cap_net_raw",        "cap_ipc_lock",
    "cap_ipc_owner",    "cap_sys_module",     "cap_sys_rawio",       "cap_sys_chroot",     "cap_sys_ptrace",
    "cap_sys_pacct",    "cap_sys_admin",      "cap_sys_boot",        "cap_sys_nice",       "cap_sys_resource",
    "cap_sys_time",     "cap_sys_tty_config", "cap_mknod",           "cap_lease",          "cap_audit_write",
    "cap_audit_control", "cap_setfcap",       "cap_mac_override",    "cap_mac_admin",      "cap_syslog",
    "cap_wake_alarm",   "cap_block_suspend",  "cap_audit_read",      "cap_perfmon",        "cap_bpf",
    "cap_checkpoint_restore"};

constexpr uint64_t kAll = (uint64_t{1} << kCapNames.size()) - 1;

void put_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_le32(const std::string& s, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<unsigned char>(s[off + i])) << (8 * i);
  return v;
}

}  // namespace

Result<FileCaps> parse_capability_text(const std::string& text) {
  FileCaps caps;
  uint64_t effective = 0;  // per capability while parsing; on disk it is one bit for all of them
  std::istringstream clauses(text);
  std::string clause;
  int count = 0;
  while (clauses >> clause) {
    ++count;
    size_t op_pos = clause.find_first_of("=+-");
    if (op_pos == std::string::npos)
      return usage_error(show_value(clause) + " has no operator: expected caps=flags, caps+flags or caps-flags");
    std::string names = clause.substr(0, op_pos);
    uint64_t set = 0;
    if (names.empty() || to_lower(names) == "all") {
      if (names.empty() && clause[op_pos] != '=') return usage_error(show_value(clause) + ": an empty capability list is only valid with '='");
      set = kAll;
    } else {
      std::istringstream list(names);
      std::string name;
      while (std::getline(list, name, ',')) {
        auto it = std::find(kCapNames.begin(), kCapNames.end(), to_lower(name));
        if (it == kCapNames.end()) return usage_error(show_value(name) + " is not a Linux capability name (e.g. cap_setuid)");
        set |= uint64_t{1} << (it - kCapNames.begin());
      }
    }
    // Each clause is "caps OP flags [OP flags ...]".
    size_t pos = op_pos;
    while (pos < clause.size()) {
      char op = clause[pos++];
      size_t end = clause.find_first_of("=+-", pos);
      std::string flags = clause.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      pos = end == std::string::npos ? clause.size() : end;
      bool e = false, i = false, p = false;
      for (char f : flags) {
        switch (std::tolower(static_cast<unsigned char>(f))) {
          case 'e': e = true; break;
          case 'i': i = true; break;
          case 'p': p = true; break;
          default: return usage_error(show_value(clause) + ": flag " + show_value(std::string(1, f)) + " is not one of e, i, p");
        }
      }
      if (op == '=') {
        caps.permitted = p ? (caps.permitted | set) : (caps.permitted & ~set);
        caps.inheritable = i ? (caps.inheritable | set) : (caps.inheritable & ~set);
        effective = e ? (effective | set) : (effective & ~set);
      } else if (op == '+') {
        if (p) caps.permitted |= set;
        if (i) caps.inheritable |= set;
        if (e) effective |= set;
      } else {
        if (p) caps.permitted &= ~set;
        if (i) caps.inheritable &= ~set;
        if (e) effective &= ~set;
      }
    }
  }
  if (count == 0) return usage_error("empty capability text: expected e.g. cap_setuid=ep");
  if (caps.permitted == 0 && caps.inheritable == 0)
    return usage_error(show_value(text) + " grants no permitted or inheritable capability (e.g. cap_setuid=ep)");
  effective &= caps.permitted | caps.inheritable;
  // The file effective bit is one bit for all capabilities (as setcap insists): all or nothing.
  if (effective != 0 && effective != (caps.permitted | caps.inheritable))
    return usage_error(show_value(text) + " sets the effective flag on only some capabilities; a file has one effective bit for all");
  caps.effective = effective != 0;
  return caps;
}

std::string vfs_cap_xattr(const FileCaps& caps) {
  constexpr uint32_t kRevision2 = 0x02000000;
  constexpr uint32_t kEffective = 0x000001;
  std::string out;
  put_le32(out, kRevision2 | (caps.effective ? kEffective : 0));
  put_le32(out, static_cast<uint32_t>(caps.permitted));
  put_le32(out, static_cast<uint32_t>(caps.inheritable));
  put_le32(out, static_cast<uint32_t>(caps.permitted >> 32));
  put_le32(out, static_cast<uint32_t>(caps.inheritable >> 32));
  return out;
}

Result<FileCaps> decode_vfs_cap_xattr(const std::string& value) {
  if (value.size() != 20) return internal_error("security.capability of " + std::to_string(value.size()) + " bytes is not VFS cap v2");
  uint32_t magic = get_le32(value, 0);
  if ((magic & 0xff000000) != 0x02000000) return internal_error("security.capability is not revision 2");
  FileCaps c;
  c.effective = magic & 1;
  c.permitted = get_le32(value, 4) | (uint64_t(get_le32(value, 12)) << 32);
  c.inheritable = get_le32(value, 8) | (uint64_t(get_le32(value, 16)) << 32);
  return c;
}

std::string capability_text(const FileCaps& caps) {
  auto names = [](uint64_t set) {
    std::string s;
    for (size_t i = 0; i < kCapNames.size(); ++i)
      if (set & (uint64_t{1} << i)) s += (s.empty() ? "" : ",") + std::string(kCapNames[i]);
    return s;
  };
  std::string out;
  uint64_t both = caps.permitted & caps.inheritable;
  uint64_t p_only = caps.permitted & ~both;
  uint64_t i_only = caps.inheritable & ~both;
  std::string e = caps.effective ? "e" : "";
  if (both) out += names(both) + "=" + e + "ip";
  if (p_only) out += (out.empty() ? "" : " ") + names(p_only) + "=" + e + "p";
  if (i_only) out += (out.empty() ? "" : " ") + names(i_only) + "=" + e + "i";
  return out;
}

int capability_bit(std::string_view api_name) {
  std::string want = "cap_" + to_lower(std::string(api_name));
  auto it = std::find(kCapNames.begin(), kCapNames.end(), want);
  return it == kCapNames.end() ? -1 : static_cast<int>(it - kCapNames.begin());
}

std::string capability_item_id(std::string_view api_name) {
  std::string id = "cap-";
  for (unsigned char c : api_name) id += c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return id;
}

std::vector<std::string> capabilities_outside(uint64_t kept) {
  std::vector<std::string> out;
  for (size_t i = 0; i < kCapNames.size(); ++i)
    if (!(kept & (uint64_t{1} << i))) out.emplace_back(kCapNames[i].substr(4));
  return out;
}

std::string capability_api_names(uint64_t mask) {
  std::string s;
  for (size_t i = 0; i < kCapNames.size(); ++i)
    if (mask & (uint64_t{1} << i)) {
      std::string n(kCapNames[i].substr(4));
      std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::toupper(c); });
      s += (s.empty() ? "" : ",") + n;
    }
  return s;
}

}  // namespace rig
