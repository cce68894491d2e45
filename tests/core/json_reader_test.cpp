#include "support/catch.hpp"

#include <functional>
#include <optional>

#include "core/interrupt.hpp"
#include "core/json_reader.hpp"

namespace rigtest_core_json_reader {

using rig::json;
using rig::JsonFieldError;
using rig::JsonNode;
using rig::JsonObject;

namespace {

// Runs f and returns the JsonFieldError it throws (fails the test when it throws nothing).
JsonFieldError field_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const JsonFieldError& e) {
    return e;
  }
  FAIL("expected a JsonFieldError");
  return {};
}

}  // namespace

TEST_CASE("json_reader: comments are accepted", "[core][json]") {
  auto r = rig::parse_json_document("// leading comment\n{ /* inline */ \"a\": 1, // trailing\n \"b\": [true] }\n");
  REQUIRE(r.ok());
  CHECK(r.value() == json{{"a", 1}, {"b", {true}}});
}

TEST_CASE("json_reader: syntax error names line and column", "[core][json]") {
  auto r = rig::parse_json_document("{\n  \"a\": 1,\n  \"b\": ]\n}\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::StartsWith("not valid JSON at line 3, column 8: syntax error"));
}

TEST_CASE("json_reader: syntax error on the first line", "[core][json]") {
  auto r = rig::parse_json_document("{\"a\" 1}");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().what(), Catch::StartsWith("not valid JSON at line 1, column 6: syntax error"));
}

TEST_CASE("json_reader: truncated document is a syntax error", "[core][json]") {
  auto r = rig::parse_json_document("{\n\"a\": [1, 2\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::StartsWith("not valid JSON at line 3, column 1: syntax error"));
}

TEST_CASE("json_reader: missing field names the path", "[core][json]") {
  json j = {{"user", {{"name", "x"}}}};
  auto e = field_error([&] {
    JsonObject root(j, "");
    auto user = root.required("user").object();
    (void)user.required("home");
  });
  CHECK(e.path == "user.home");
  CHECK(e.message == "missing required field");
}

TEST_CASE("json_reader: unknown key names the path and the known keys", "[core][json]") {
  json j = {{"user", {{"name", "x"}, {"uid", 1}, {"colour", "red"}}}};
  auto e = field_error([&] {
    JsonObject root(j, "");
    auto user = root.required("user").object();
    (void)user.required("uid");
    (void)user.required("name");
    (void)user.optional("home");
    user.finish();
  });
  CHECK(e.path == "user.colour");
  CHECK(e.message == "unknown key (expected one of: home, name, uid)");
}

TEST_CASE("json_reader: finish accepts when every key was read", "[core][json]") {
  json j = {{"a", 1}, {"b", nullptr}};
  JsonObject o(j, "");
  CHECK(o.required("a").u64() == 1);
  CHECK_FALSE(o.optional("b").has_value());  // null counts as absent
  CHECK_FALSE(o.optional("c").has_value());
  CHECK_NOTHROW(o.finish());
}

TEST_CASE("json_reader: wrong types name the path and the actual type", "[core][json]") {
  json j = {{"s", 5}, {"b", "yes"}, {"n", -3}, {"f", 1.5}, {"arr", {{"k", 1}}}, {"obj", {1, 2}}, {"num", "1"}};
  JsonObject o(j, "");
  auto e1 = field_error([&] { (void)o.required("s").str(); });
  CHECK(e1.path == "s");
  CHECK(e1.message == "expected a string, got an integer");
  auto e2 = field_error([&] { (void)o.required("b").boolean(); });
  CHECK(e2.path == "b");
  CHECK(e2.message == "expected true or false, got a string");
  auto e3 = field_error([&] { (void)o.required("n").u64(); });
  CHECK(e3.message == "expected a non-negative integer, got an integer");
  auto e4 = field_error([&] { (void)o.required("f").u64(); });
  CHECK(e4.message == "expected a non-negative integer, got a number");
  auto e5 = field_error([&] { (void)o.required("arr").array(); });
  CHECK(e5.message == "expected an array, got an object");
  auto e6 = field_error([&] { (void)o.required("obj").object(); });
  CHECK(e6.message == "expected an object, got an array");
  auto e7 = field_error([&] { (void)o.required("num").number(); });
  CHECK(e7.path == "num");
  CHECK(e7.message == "expected a number, got a string");
}

TEST_CASE("json_reader: array elements carry their index in the path", "[core][json]") {
  json j = {{"packages", {"a", "b", "c", 4}}};
  JsonObject o(j, "");
  auto e = field_error([&] { (void)o.required("packages").str_list(); });
  CHECK(e.path == "packages[3]");
  CHECK(e.message == "expected a string, got an integer");
}

TEST_CASE("json_reader: string maps carry the key in the path", "[core][json]") {
  json j = {{"env", {{"A", "1"}, {"B", false}}}};
  JsonObject o(j, "");
  auto e = field_error([&] { (void)o.required("env").str_map(); });
  CHECK(e.path == "env.B");
  CHECK(e.message == "expected a string, got a boolean");
  json ok = {{"env", {{"A", "1"}, {"B", "2"}}}};
  JsonObject o2(ok, "");
  CHECK(o2.required("env").str_map() == std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("json_reader: u64 bound and values", "[core][json]") {
  json j = {{"a", 10}, {"b", 11}, {"c", 18446744073709551615ULL}};
  JsonObject o(j, "");
  CHECK(o.required("a").u64(10) == 10);
  auto e = field_error([&] { (void)o.required("b").u64(10); });
  CHECK(e.path == "b");
  CHECK(e.message == "expected an integer no greater than 10, got 11");
  CHECK(o.required("c").u64() == 18446744073709551615ULL);
}

TEST_CASE("json_reader: non-empty strings, numbers and booleans", "[core][json]") {
  json j = {{"e", ""}, {"s", "x"}, {"d", 2.5}, {"i", 3}, {"t", true}};
  JsonObject o(j, "");
  auto e = field_error([&] { (void)o.required("e").nonempty_str(); });
  CHECK(e.path == "e");
  CHECK(e.message == "expected a non-empty string");
  CHECK(o.required("s").nonempty_str() == "x");
  CHECK(o.required("d").number() == 2.5);
  CHECK(o.required("i").number() == 3.0);
  CHECK(o.required("t").boolean());
}

TEST_CASE("json_reader: nested object paths", "[core][json]") {
  json j = {{"launch", {{"flags", {{{"effect", {{"kind", 1}}}}}}}}};
  JsonObject root(j, "");
  auto e = field_error([&] {
    auto flags = root.required("launch").object().required("flags").array();
    (void)flags.at(0).object().required("effect").object().required("kind").str();
  });
  CHECK(e.path == "launch.flags[0].effect.kind");
}

TEST_CASE("json_reader: fail throws with the node's path", "[core][json]") {
  json j = 1;
  JsonNode n(j, "x.y[2]");
  auto e = field_error([&] { n.fail("custom"); });
  CHECK(e.path == "x.y[2]");
  CHECK(e.message == "custom");
}

TEST_CASE("json_reader: type names", "[core][json]") {
  CHECK(std::string(rig::json_type_name(json(nullptr))) == "null");
  CHECK(std::string(rig::json_type_name(json(true))) == "a boolean");
  CHECK(std::string(rig::json_type_name(json("s"))) == "a string");
  CHECK(std::string(rig::json_type_name(json::array())) == "an array");
  CHECK(std::string(rig::json_type_name(json::object())) == "an object");
  CHECK(std::string(rig::json_type_name(json(-1))) == "an integer");
  CHECK(std::string(rig::json_type_name(json(1u))) == "an integer");
  CHECK(std::string(rig::json_type_name(json(1.5))) == "a number");
}

TEST_CASE("json_reader: a duplicate key is an error naming where", "[core][json]") {
  auto r = rig::parse_json_document(R"({"launch": {"flags": [{"id": "a"}, {"id": "b", "id": "c"}]}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() == "launch.flags[1].id: duplicate key (a key may appear once in an object)");
  // The same key in sibling objects is fine.
  CHECK(rig::parse_json_document(R"([{"a": 1}, {"a": 2}, {"b": {"a": 3}}])").ok());
}

TEST_CASE("json_reader: a number out of range is a usage error, not an exception", "[core][json]") {
  auto r = rig::parse_json_document(R"({"launch": {"cpus": 1e400}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::Contains("launch") && Catch::Contains("number overflow parsing '1e400'"));
  CHECK_FALSE(rig::parse_json_document("[-1e400]").ok());
  // Past uint64 but finite: held as a double, which the strict readers then refuse as "not an integer".
  CHECK(rig::parse_json_document("[18446744073709551616]").ok());
}

TEST_CASE("json_reader: nesting and size are bounded", "[core][json]") {
  std::string deep(100000, '[');
  auto r = rig::parse_json_document(deep + std::string(100000, ']'));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().what(), Catch::Contains("nested deeper than 64 levels"));
  CHECK(rig::parse_json_document(std::string(64, '[') + std::string(64, ']')).ok());
  CHECK_FALSE(rig::parse_json_document(std::string(65, '[') + std::string(65, ']')).ok());
  auto big = rig::parse_json_document("\"" + std::string(100, 'x') + "\"", rig::JsonLimits{50, 64});
  REQUIRE_FALSE(big.ok());
  CHECK_THAT(big.error().what(), Catch::Contains("more than the 50 allowed"));
}

TEST_CASE("json_reader: read_json_file refuses what is not a bounded regular file", "[core][json]") {
  auto dev = rig::read_json_file("/dev/zero");
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().category() == rig::Category::Usage);
  CHECK_THAT(dev.error().what(), Catch::Contains("'/dev/zero' is not a regular file"));
  CHECK_FALSE(rig::read_json_file("/nonexistent/x.json").ok());
  CHECK_THAT(rig::read_json_file("/etc").error().what(), Catch::Contains("not a regular file"));
}

TEST_CASE("json_reader: an unknown key with control characters is shown escaped", "[core][json]") {
  auto doc = json::parse("{\"a\": 1, \"evil\\nkey\\u001b[31m\": 2}");
  auto e = field_error([&] {
    JsonObject o(doc, "user");
    (void)o.required("a");
    o.finish();
  });
  CHECK(e.path == "user.'evil\\nkey\\x1b[31m'");
}

}  // namespace rigtest_core_json_reader

namespace rigtest_core_json_reader_strict {

TEST_CASE("json_reader: a key with control characters is shown escaped in an error path", "[core][json]") {
  auto r = rig::parse_json_document("{\"evil\\n\\u001b[2Jkey\": {\"x\": 1, \"x\": 2}}");
  REQUIRE_FALSE(r.ok());
  std::string m = r.error().what();
  CHECK_THAT(m, Catch::Contains("'evil\\n\\x1b[2Jkey'.x: duplicate key"));
  CHECK(m.find('\x1b') == std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
}

TEST_CASE("json_reader: many sibling objects parse, with every check still on", "[core][json]") {
  // 100k empty objects in one array: with nlohmann's parser callback this took seconds (the DOM
  // builder rescanned the array after each object); the strict checks now run as a SAX pass.
  std::string text = "[";
  for (int i = 0; i < 100000; ++i) text += i ? ",{}" : "{}";
  text += ",{\"a\":1,\"a\":2}]";
  auto r = rig::parse_json_document(text);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().what(), Catch::Contains("[100000].a: duplicate key"));
}

TEST_CASE("json_reader: an interrupt stops a parse", "[core][json]") {
  std::string text = "[";
  for (int i = 0; i < 20000; ++i) text += i ? ",1" : "1";
  text += "]";
  rig::simulate_interrupt_for_tests();
  auto r = rig::parse_json_document(text);
  rig::reset_interrupted_for_tests();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Interrupted);
}

}  // namespace rigtest_core_json_reader_strict
