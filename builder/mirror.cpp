#include "builder/mirror.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace rig {

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// An apt source belongs to archive `name` when its URI path ends in /name (or /name-ports), or its
// Signed-By keyring is that archive's. Security archives are left out: they carry no base suites.
bool belongs_to(const std::string& uri, const std::string& signed_by, const std::string& name) {
  std::string u = uri;
  while (!u.empty() && u.back() == '/') u.pop_back();
  auto last = u.substr(u.find_last_of('/') + 1);
  if (last.find("security") != std::string::npos) return false;
  if (last == name || last == name + "-ports") return true;
  return signed_by.find(name + "-archive-keyring") != std::string::npos;
}

void scan_one_line(std::istream& in, const std::string& name, std::vector<std::string>& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (auto h = line.find('#'); h != std::string::npos) line.erase(h);
    std::istringstream ls(line);
    std::string type, tok, signed_by;
    if (!(ls >> type) || type != "deb") continue;
    if (!(ls >> tok)) continue;
    if (tok.front() == '[') {
      std::string opts = tok;
      while (opts.back() != ']' && ls >> tok) opts += " " + tok;
      signed_by = opts;
      if (!(ls >> tok)) continue;
    }
    if (belongs_to(tok, signed_by, name)) out.push_back(tok);
  }
}

void scan_deb822(std::istream& in, const std::string& name, std::vector<std::string>& out) {
  std::string line, types, uris, signed_by, enabled;
  auto flush = [&] {
    std::istringstream ts(types);
    std::string t;
    bool binary = false;
    while (ts >> t) binary |= t == "deb";
    std::string en = enabled;
    en.erase(std::remove_if(en.begin(), en.end(), [](unsigned char c) { return std::isspace(c); }), en.end());
    if (binary && en != "no") {
      std::istringstream us(uris);
      std::string u;
      while (us >> u)
        if (belongs_to(u, signed_by, name)) out.push_back(u);
    }
    types.clear();
    uris.clear();
    signed_by.clear();
    enabled.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty() || std::all_of(line.begin(), line.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos || std::isspace(static_cast<unsigned char>(line[0]))) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 1);
    if (key == "Types") types = value;
    if (key == "URIs") uris = value;
    if (key == "Signed-By") signed_by = value;
    if (key == "Enabled") enabled = value;
  }
  flush();
}

}  // namespace

std::vector<std::string> host_apt_uris(const std::string& name, const std::filesystem::path& apt_etc) {
  std::vector<std::string> out;
  if (std::ifstream f(apt_etc / "sources.list"); f) scan_one_line(f, name, out);
  std::error_code ec;
  std::vector<std::filesystem::path> parts;
  for (auto& e : std::filesystem::directory_iterator(apt_etc / "sources.list.d", ec)) parts.push_back(e.path());
  std::sort(parts.begin(), parts.end());
  for (auto& p : parts) {
    std::ifstream f(p);
    if (p.extension() == ".list") scan_one_line(f, name, out);
    if (p.extension() == ".sources") scan_deb822(f, name, out);
  }
  return out;
}

MirrorChoice resolve_mirror(const std::string& name, const std::string& flag_value, const EnvLookup& env,
                            const std::filesystem::path& apt_etc) {
  if (!flag_value.empty()) return {flag_value, "--mirror"};
  std::string var = "RIGCTL_MIRROR_" + upper(name);
  if (const char* v = env(var.c_str()); v && *v) return {v, "environment " + var};
  auto uris = host_apt_uris(name, apt_etc);
  if (!uris.empty()) return {uris.front(), "host apt sources (" + apt_etc.string() + ")"};
  return {"", "mmdebstrap's default for the suite"};
}

}  // namespace rig
