#include "support/catch.hpp"

#include "core/text.hpp"

namespace rigtest_core_text {

using namespace rig;

TEST_CASE("trim strips white space at both ends only", "[text]") {
  CHECK(trim("  a b \r\n") == "a b");
  CHECK(trim("") == "");
  CHECK(trim(" \n") == "");
}

TEST_CASE("tail keeps the last lines and never starts inside a UTF-8 character", "[text]") {
  CHECK(tail("a\nb\nc\n", 2) == "b\nc\n");
  CHECK(tail("abc", 20, 2) == "bc");
  // "é" is C3 A9: a byte limit that lands on A9 moves past it.
  std::string s = "x\xC3\xA9y";
  CHECK(tail(s, 20, 2) == "y");
  CHECK(tail(s, 20, 3) == "\xC3\xA9y");
}

TEST_CASE("truncate_utf8 cuts at a character boundary", "[text]") {
  std::string s = "ab\xE2\x82\xAC";  // "ab€"
  CHECK(truncate_utf8(s, 4) == "ab");
  CHECK(truncate_utf8(s, 5) == s);
  CHECK(truncate_utf8(s, 1) == "a");
}

TEST_CASE("valid_utf8 replaces broken sequences so the text can be written as JSON", "[text]") {
  CHECK(valid_utf8("ok \xC3\xA9") == "ok \xC3\xA9");
  CHECK(valid_utf8("a\xC3") == "a\xEF\xBF\xBD");
  CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(valid_utf8("\xED\xA0\x80").find("\xED") == std::string::npos);  // a surrogate
}

TEST_CASE("terminal_text keeps lines and tabs and escapes what would drive the terminal", "[text]") {
  CHECK(rig::terminal_text("a\tb\nc 'q' \\") == "a\tb\nc 'q' \\");
  CHECK(rig::terminal_text("\x1b]0;pwned\x07\x1b[31mred\r") == "\\x1b]0;pwned\\x07\\x1b[31mred\\r");
  CHECK(rig::terminal_text("csi \xc2\x9b" "2J rlo \xe2\x80\xae" "evil") == "csi \\u009b2J rlo \\u202eevil");
  CHECK(rig::terminal_text("\xff\xfe") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(rig::terminal_text("été") == "été");
}

TEST_CASE("shell_quote makes one word of any value", "[text]") {
  CHECK(shell_quote("plain") == "'plain'");
  CHECK(shell_quote("web;id>/tmp/x") == "'web;id>/tmp/x'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("join puts the separator between parts", "[text]") {
  CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
  CHECK(join({}, ",").empty());
}

}  // namespace rigtest_core_text
