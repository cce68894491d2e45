// Text helpers shared by every layer: one trim, one tail, one join, one shell quote. Output tails are
// cut at UTF-8 character boundaries so that a cut never produces invalid UTF-8 (which nlohmann_json
// refuses to serialise).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rig {

// Strips ASCII white space (space, \t, \r, \n) from both ends.
std::string trim(std::string_view s);

// The last max_lines lines of s, at most max_bytes bytes, never starting inside a UTF-8 sequence.
std::string tail(std::string_view s, size_t max_lines = 20, size_t max_bytes = 4000);

// s cut to at most max_bytes bytes at a UTF-8 boundary (from the front: the start is kept).
std::string truncate_utf8(std::string_view s, size_t max_bytes);

// Replaces every invalid UTF-8 sequence by U+FFFD, so the text can always be written as JSON.
std::string valid_utf8(std::string_view s);

std::string join(const std::vector<std::string>& parts, std::string_view sep);

// ASCII lower case (header names, auth schemes, capability names as LXC and Incus spell them).
std::string to_lower(std::string s);

// A value as a message shows it: in single quotes, with control characters, quotes and backslashes
// escaped (\n, \0, \x1b, \u0085, ...) so it cannot break the message or the terminal, and cut to
// max_bytes with "…" and its full length when longer.
std::string show_value(std::string_view v, size_t max_bytes = 80);

// A whole message as the terminal gets it: invalid UTF-8 replaced by U+FFFD and every control
// character but \n and \t escaped as show_value does, so a file name, an engine's reply or a tool's
// output quoted in a message can never move the cursor, retitle the window or reorder the line.
std::string terminal_text(std::string_view s);

// One POSIX shell word that stands for s exactly ('...' with embedded quotes escaped). Use it for
// every value pasted into an `sh -c` script; prefer an argv where no shell is needed.
std::string shell_quote(std::string_view s);

// Percent-encoding of everything outside RFC 3986's unreserved set (letters, digits, - _ . ~): URL
// query values for the engine API, purl versions in the SBOM.
std::string url_escape(const std::string& s);

}  // namespace rig
