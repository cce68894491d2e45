#include "builder/recipe_rules.hpp"

#include <cstdio>

#include "core/text.hpp"

namespace rig {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// s is non-empty, at most max bytes, starts with a character `first` accepts and continues with
// characters `rest` accepts.
template <class First, class Rest>
bool word(std::string_view s, size_t max, First first, Rest rest) {
  if (s.empty() || s.size() > max || !first(s[0])) return false;
  for (size_t i = 1; i < s.size(); ++i)
    if (!rest(s[i])) return false;
  return true;
}

bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }


}  // namespace


bool has_control_char(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F)
      return true;
  }
  return false;
}

std::string path_problem(std::string_view p) {
  if (p.empty()) return "expected a non-empty absolute path";
  if (p.size() > kMaxPathBytes) return "expected a path of at most " + std::to_string(kMaxPathBytes) + " bytes";
  if (has_control_char(p)) return "expected a path without control characters (NUL, newline, ...)";
  if (p[0] != '/') return "expected an absolute path";
  if (p.size() > 1 && p.back() == '/') return "expected a path without a trailing '/'";
  if (p.find("//") != std::string_view::npos || p.find("/./") != std::string_view::npos ||
      p.find("/../") != std::string_view::npos || p.ends_with("/..") || p.ends_with("/."))
    return "expected a normalized path (no '.', '..' or '//' parts)";
  size_t start = 1;
  while (start < p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    if (end - start > kMaxPathComponentBytes)
      return "expected path components of at most " + std::to_string(kMaxPathComponentBytes) + " bytes";
    start = end + 1;
  }
  return "";
}

bool is_debian_suite(std::string_view s) {
  return word(s, kMaxNameBytes, lower_alnum, [](char c) { return lower_alnum(c) || in(c, ".+~-"); });
}

bool is_debian_component(std::string_view s) {
  return word(s, kMaxNameBytes, lower_alnum, [](char c) { return lower_alnum(c) || in(c, "/._-"); });
}

bool is_debian_package(std::string_view s) {
  auto colon = s.find(':');
  auto name = s.substr(0, colon);
  // Debian policy 5.6.1: at least two characters.
  if (name.size() < 2 || !word(name, kMaxPackageBytes, lower_alnum, [](char c) { return lower_alnum(c) || in(c, "+.-"); }))
    return false;
  if (colon == std::string_view::npos) return true;
  return word(s.substr(colon + 1), 32, lower_alnum, [](char c) { return lower_alnum(c) || c == '-'; });
}

bool is_mirror_name(std::string_view s) {
  return word(s, kMaxNameBytes, lower_alnum, [](char c) { return lower_alnum(c) || c == '_'; });
}

bool is_account_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxAccountNameBytes) return false;
  auto body = s.back() == '$' ? s.substr(0, s.size() - 1) : s;
  return word(body, kMaxAccountNameBytes, [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; },
              [](char c) { return lower_alnum(c) || c == '_' || c == '-'; });
}

bool is_image_name_component(std::string_view s) {
  if (s.empty() || s.size() > kMaxRecipeNameBytes) return false;
  if (!lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  // Between two runs of [a-z0-9]: exactly ".", "_", "__", or one or more "-".
  size_t i = 0;
  while (i < s.size()) {
    if (lower_alnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !lower_alnum(s[j])) ++j;
    auto sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

bool is_image_reference(std::string_view s) {
  if (s.empty() || s.size() > kMaxImageReferenceBytes) return false;
  auto slash = s.rfind('/');
  auto colon = s.find(':', slash == std::string_view::npos ? 0 : slash);
  auto name = s.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto tag = s.substr(colon + 1);
    auto tag_char = [](char c) { return alpha(c) || digit(c) || c == '_'; };
    if (!word(tag, 128, tag_char, [&](char c) { return tag_char(c) || c == '.' || c == '-'; })) return false;
  }
  size_t start = 0;
  while (true) {
    auto end = name.find('/', start);
    if (!is_image_name_component(name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)))
      return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

bool is_env_name(std::string_view s) {
  return word(s, 255, [](char c) { return alpha(c) || c == '_'; }, [](char c) { return alpha(c) || digit(c) || c == '_'; });
}

bool is_plain_id(std::string_view s) {
  return word(s, kMaxNameBytes, lower_alnum, [](char c) { return lower_alnum(c) || c == '-'; });
}

}  // namespace rig
