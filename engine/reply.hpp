// Reading engine replies. An engine is outside rigctl's control (another Docker release, podman's
// compatible service, a proxy, a broken daemon), so no reply is trusted to have the documented
// shape: every field is read with its type checked, and a reply that is not JSON, has the wrong
// shape or a field of the wrong type is an engine error (Unavailable, exit 3) naming the request,
// the field, what was expected and what came. Nothing here throws past its boundary.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace rig {

// Parses a reply body that must be a JSON value of type `expect` (object or array).
Result<json> parse_reply(const std::string& request, const std::string& body, json::value_t expect);

// Turns a reader's JsonFieldError into the engine error for `request`.
Error reply_error(const std::string& request, const JsonFieldError& e);

// Runs `read` (which reads a parsed reply with JsonNode/JsonObject and the helpers below); a wrong
// type anywhere becomes reply_error(request, ...).
template <class F>
auto read_reply(const std::string& request, F&& read) -> Result<std::invoke_result_t<F&>> {
  try {
    return read();
  } catch (const JsonFieldError& e) {
    return reply_error(request, e);
  }
}

// Optional fields: absent or null give the default; any other type than the expected one throws
// JsonFieldError (for read_reply).
std::string opt_str(JsonObject& o, const std::string& key, const std::string& def = "");
bool opt_bool(JsonObject& o, const std::string& key, bool def = false);
int64_t opt_int(JsonObject& o, const std::string& key, int64_t def);
// An array of strings; absent or null: empty.
std::vector<std::string> opt_str_list(JsonObject& o, const std::string& key);
// An array (of anything); absent or null: empty.
std::vector<JsonNode> opt_array(JsonObject& o, const std::string& key);
// A whole number in [min, max].
int64_t int_in(const JsonNode& n, int64_t min, int64_t max);

}  // namespace rig
