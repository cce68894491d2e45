#include "support/catch.hpp"

#include "core/json_shape.hpp"

namespace rigtest_core_json_shape {

using rig::json;

TEST_CASE("check_shape: types, required fields, items and additional properties", "[core][json]") {
  auto shape = json::parse(R"({"type": "object", "required": ["a"], "properties": {
    "a": {"type": "array", "items": {"type": "string"}},
    "n": {"type": ["number", "null"]},
    "kind": {"enum": ["x", "y"]},
    "m": {"type": "object", "additionalProperties": {"type": "integer"}}}})");
  CHECK(rig::check_shape(json::parse(R"({"a": ["s"], "n": null, "kind": "x", "m": {"k": 1}, "free": [1]})"), shape).ok());
  auto err = [&](const char* text) {
    auto st = rig::check_shape(json::parse(text), shape);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().category() == rig::Category::Usage);
    return st.error().what();
  };
  CHECK(err("[]") == "(top level): expected object, got an array");
  CHECK(err("{}") == "a: missing required field");
  CHECK(err(R"({"a": ["s", 2]})") == "a[1]: expected string, got an integer");
  CHECK(err(R"({"a": [], "n": "1"})") == "n: expected number or null, got a string");
  CHECK(err(R"({"a": [], "kind": "z"})") == "kind: expected one of [\"x\",\"y\"], got \"z\"");
  CHECK(err(R"({"a": [], "m": {"k": 1.5}})") == "m.k: expected integer, got a number");
}

}  // namespace rigtest_core_json_shape
