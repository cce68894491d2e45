// The value rules of the recipe format (docs/recipe.md has the table): what a suite, a package, a
// user name, a path or an image name may look like, and how a rejected value is shown in a message.
//
// Every check is a hand-written character-class test that looks at the length first. None runs
// std::regex on a recipe value: std::regex recurses per character, and a 200,000-character package
// name overflowed the stack. These values reach mmdebstrap's argv, the account databases, kernel
// command lines and `sh -c` scripts, so the rules are strict allowlists rather than denylists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.hpp"

namespace rig {

inline constexpr size_t kMaxPathBytes = 4096;       // PATH_MAX
inline constexpr size_t kMaxPathComponentBytes = 255;  // NAME_MAX
inline constexpr size_t kMaxNameBytes = 64;         // suites, components, mirror names, ids
inline constexpr size_t kMaxPackageBytes = 128;     // a Debian package name (without :arch)
inline constexpr size_t kMaxAccountNameBytes = 32;  // useradd's limit
inline constexpr size_t kMaxRecipeNameBytes = 128;  // one image path component (Docker: <= 255 for the whole name)
inline constexpr size_t kMaxImageReferenceBytes = 255;
inline constexpr size_t kMaxTextBytes = 1024;       // one-line free text: description, what, why, option
inline constexpr size_t kMaxValueBytes = 65536;     // env and label values, entrypoint/cmd arguments
inline constexpr uint64_t kMaxSourceBytes = 16ull << 20;  // files[].source, and the recipe file itself

// show_value() (quoting a value for a message) lives in core/text.hpp.

// C0 controls (NUL, newline, ...), DEL and the C1 controls U+0080..U+009F.
bool has_control_char(std::string_view s);

// "" for an absolute, normalised path (no '.', '..', '//' parts, no trailing '/') without control
// characters, at most kMaxPathBytes with components of at most kMaxPathComponentBytes; otherwise
// what was expected (the caller adds the value).
std::string path_problem(std::string_view p);

// Debian archive names. They reach mmdebstrap's argv: none may start with '-'.
bool is_debian_suite(std::string_view s);      // [a-z0-9][a-z0-9.+~-]*, <= 64
bool is_debian_component(std::string_view s);  // [a-z0-9][a-z0-9/._-]*, <= 64
bool is_debian_package(std::string_view s);    // Debian policy [a-z0-9][a-z0-9+.-]+ (<= 128), optional :arch
bool is_mirror_name(std::string_view s);       // [a-z0-9][a-z0-9_]*, <= 64: RIGCTL_MIRROR_<NAME> must be a variable name

// Debian's user and group names (useradd's NAME_REGEX with the trailing '$' of machine accounts).
bool is_account_name(std::string_view s);  // [a-z_][a-z0-9_-]*[$]?, <= 32

// One path component of an image reference, as Docker's reference grammar has it:
// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*.
bool is_image_name_component(std::string_view s);
// name[:tag]: components separated by '/', tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, <= 255 in all.
// No registry port and no digest: rigctl's tags name local images.
bool is_image_reference(std::string_view s);

bool is_env_name(std::string_view s);   // [A-Za-z_][A-Za-z0-9_]*, <= 255
bool is_plain_id(std::string_view s);   // [a-z0-9][a-z0-9-]*, <= 64 (flag, hardening, storage ids)

}  // namespace rig
