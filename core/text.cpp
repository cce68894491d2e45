#include "core/text.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace rig {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not a valid one.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if (!is_continuation(d)) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid too.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

void hex_escape(std::string& out, const char* fmt, unsigned v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, fmt, v);
  out += buf;
}

}  // namespace

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string tail(std::string_view s, size_t max_lines, size_t max_bytes) {
  size_t start = s.size() > max_bytes ? s.size() - max_bytes : 0;
  while (start < s.size() && start > 0 && is_continuation(static_cast<unsigned char>(s[start]))) ++start;
  std::string_view t = s.substr(start);
  // Count lines from the end, ignoring one trailing newline.
  size_t end = t.size();
  if (end > 0 && t[end - 1] == '\n') --end;
  size_t pos = end, lines = 0;
  while (pos > 0) {
    if (t[pos - 1] == '\n' && ++lines == max_lines) break;
    --pos;
  }
  return std::string(t.substr(pos));
}

std::string truncate_utf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t end = max_bytes;
  while (end > 0 && is_continuation(static_cast<unsigned char>(s[end]))) --end;
  return std::string(s.substr(0, end));
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += "'";
  return out;
}

namespace {

// Escapes what could break a message or drive the terminal: C0 and C1 controls, DEL, line and
// paragraph separators and bidirectional overrides. `value` also escapes quotes, backslashes and
// line breaks (a value shown inside '...'); a whole message keeps its \n and \t.
std::string escape_controls(std::string_view cut, bool value) {
  std::string out;
  out.reserve(cut.size());
  for (size_t i = 0; i < cut.size(); ++i) {
    auto c = static_cast<unsigned char>(cut[i]);
    auto next = i + 1 < cut.size() ? static_cast<unsigned char>(cut[i + 1]) : 0;
    auto third = i + 2 < cut.size() ? static_cast<unsigned char>(cut[i + 2]) : 0;
    if (!value && (c == '\n' || c == '\t')) out += static_cast<char>(c);
    else if (value && c == '\\') out += "\\\\";
    else if (value && c == '\'') out += "\\'";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c == 0) out += "\\0";
    else if (c < 0x20 || c == 0x7f) hex_escape(out, "\\x%02x", c);
    else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {  // C1 controls U+0080..U+009F
      hex_escape(out, "\\u%04x", next);
      ++i;
    } else if (c == 0xE2 && ((next == 0x80 && third >= 0xA8 && third <= 0xAE) || (next == 0x81 && third >= 0xA6 && third <= 0xA9))) {
      // Line/paragraph separators and bidirectional overrides would reorder or break the message.
      hex_escape(out, "\\u%04x", 0x2000u | ((next & 0x3Fu) << 6) | (third & 0x3Fu));
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string show_value(std::string_view v, size_t max_bytes) {
  std::string cut = truncate_utf8(v, max_bytes);
  std::string out = "'" + escape_controls(cut, true);
  out += cut.size() < v.size() ? "…'" : "'";
  if (cut.size() < v.size()) out += " (" + std::to_string(v.size()) + " bytes)";
  return valid_utf8(out);
}

std::string terminal_text(std::string_view s) { return escape_controls(valid_utf8(s), false); }

std::string url_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  return out;
}

std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace rig
