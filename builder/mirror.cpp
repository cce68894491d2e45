#include "builder/mirror.hpp"

#include "core/text.hpp"

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

Status check_mirror(const MirrorChoice& m) {
  const std::string& u = m.uri;
  if (u.empty()) return ok();
  auto bad = [&](const std::string& why) {
    return usage_error("mirror " + show_value(u) + " (from " + m.origin + ") " + why +
                       "; expected an archive URL such as http://deb.debian.org/debian or file:/srv/mirror/debian");
  };
  if (u.size() > 2048) return bad("is too long");
  for (unsigned char c : u)
    if (c <= 0x20 || c == 0x7f) return bad("contains whitespace or a control character");
  auto colon = u.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(u[0])) ||
      !std::all_of(u.begin(), u.begin() + static_cast<long>(colon),
                   [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; }))
    return bad("has no scheme");
  std::string scheme = u.substr(0, colon), rest = u.substr(colon + 1);
  for (auto& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  // apt's method for "mirror+http" is http's, and so on.
  std::string method = scheme.substr(scheme.rfind('+') + 1);
  if (method == "http" || method == "https") {
    if (!rest.starts_with("//") || rest.size() == 2 || rest[2] == '/') return bad("names no host");
  } else if (method == "file" || method == "copy") {
    std::string path = rest.starts_with("//") ? rest.substr(2) : rest;
    std::error_code ec;
    bool list = scheme.starts_with("mirror");  // mirror+file: names a list of mirrors, a file
    if (path.empty() || path[0] != '/' || !(list ? std::filesystem::is_regular_file(path, ec) : std::filesystem::is_directory(path, ec)))
      return bad(std::string("names no ") + (list ? "mirror list file" : "directory") + " on this host");
  }
  return ok();
}

}  // namespace rig
