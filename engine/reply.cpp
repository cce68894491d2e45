#include "engine/reply.hpp"

#include <limits>

#include "core/text.hpp"

namespace rig {

namespace {

const char* type_name(json::value_t t) {
  return t == json::value_t::object ? "a JSON object" : t == json::value_t::array ? "a JSON array" : "JSON";
}

// The start of what came, printable in a message whatever its bytes.
std::string excerpt(const std::string& body) {
  std::string s = valid_utf8(truncate_utf8(trim(body), 120));
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (body.size() > 120) s += "...";
  return s.empty() ? "an empty body" : "'" + s + "'";
}

}  // namespace

Result<json> parse_reply(const std::string& request, const std::string& body, json::value_t expect) {
  // The one JSON parser (its limits and messages); its Usage category is for input the user gave.
  auto parsed = parse_json_document(body);
  if (!parsed)
    return unavailable("engine reply to " + request + ": expected " + type_name(expect) + ", got " + excerpt(body) + " (" +
                       parsed.error().message() + ")");
  json j = std::move(parsed).value();
  if (j.type() != expect)
    return unavailable("engine reply to " + request + ": expected " + type_name(expect) + ", got " + json_type_name(j) +
                       " (" + excerpt(body) + ")");
  return j;
}

Error reply_error(const std::string& request, const JsonFieldError& e) {
  return unavailable("engine reply to " + request + ": " + (e.path.empty() ? "" : e.path + ": ") + e.message);
}

std::string opt_str(JsonObject& o, const std::string& key, const std::string& def) {
  auto n = o.optional(key);
  return n ? n->str() : def;
}

bool opt_bool(JsonObject& o, const std::string& key, bool def) {
  auto n = o.optional(key);
  return n ? n->boolean() : def;
}

int64_t int_in(const JsonNode& n, int64_t min, int64_t max) {
  const json& j = n.raw();
  if (!j.is_number_integer()) n.fail(std::string("expected a whole number, got ") + json_type_name(j));
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(max))
    n.fail("expected a number no greater than " + std::to_string(max) + ", got " + std::to_string(j.get<uint64_t>()));
  int64_t v = j.get<int64_t>();
  if (v < min || v > max)
    n.fail("expected a number from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + std::to_string(v));
  return v;
}

int64_t opt_int(JsonObject& o, const std::string& key, int64_t def) {
  auto n = o.optional(key);
  return n ? int_in(*n, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()) : def;
}

std::vector<std::string> opt_str_list(JsonObject& o, const std::string& key) {
  auto n = o.optional(key);
  return n ? n->str_list() : std::vector<std::string>{};
}

std::vector<JsonNode> opt_array(JsonObject& o, const std::string& key) {
  auto n = o.optional(key);
  return n ? n->array() : std::vector<JsonNode>{};
}

}  // namespace rig
