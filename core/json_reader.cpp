#include "core/json_reader.hpp"

#include <cmath>

namespace rig {

const char* json_type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

Result<json> parse_json_document(const std::string& text) {
  try {
    return json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    return usage_error("not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + what);
  }
}

void JsonNode::fail(const std::string& message) const { throw JsonFieldError{path_, message}; }

std::string JsonNode::str() const {
  if (!j_.is_string()) fail(std::string("expected a string, got ") + json_type_name(j_));
  return j_.get<std::string>();
}

std::string JsonNode::nonempty_str() const {
  auto s = str();
  if (s.empty()) fail("expected a non-empty string");
  return s;
}

bool JsonNode::boolean() const {
  if (!j_.is_boolean()) fail(std::string("expected true or false, got ") + json_type_name(j_));
  return j_.get<bool>();
}

uint64_t JsonNode::u64(uint64_t max) const {
  if (!j_.is_number_unsigned() && !(j_.is_number_integer() && j_.get<int64_t>() >= 0))
    fail(std::string("expected a non-negative integer, got ") + json_type_name(j_));
  auto v = j_.get<uint64_t>();
  if (v > max) fail("expected an integer no greater than " + std::to_string(max) + ", got " + std::to_string(v));
  return v;
}

double JsonNode::number() const {
  if (!j_.is_number()) fail(std::string("expected a number, got ") + json_type_name(j_));
  double d = j_.get<double>();
  if (!std::isfinite(d)) fail("expected a finite number");
  return d;
}

std::vector<JsonNode> JsonNode::array() const {
  if (!j_.is_array()) fail(std::string("expected an array, got ") + json_type_name(j_));
  std::vector<JsonNode> out;
  for (size_t i = 0; i < j_.size(); ++i) out.emplace_back(j_[i], path_ + "[" + std::to_string(i) + "]");
  return out;
}

std::vector<std::string> JsonNode::str_list() const {
  std::vector<std::string> out;
  for (auto& n : array()) out.push_back(n.str());
  return out;
}

std::map<std::string, std::string> JsonNode::str_map() const {
  if (!j_.is_object()) fail(std::string("expected an object of strings, got ") + json_type_name(j_));
  std::map<std::string, std::string> out;
  for (auto& [k, v] : j_.items()) out[k] = JsonNode(v, path_ + "." + k).str();
  return out;
}

JsonObject JsonNode::object() const {
  if (!j_.is_object()) fail(std::string("expected an object, got ") + json_type_name(j_));
  return JsonObject(j_, path_);
}

JsonObject::JsonObject(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

JsonNode JsonObject::required(const std::string& key) {
  seen_.insert(key);
  if (!j_.contains(key)) throw JsonFieldError{child(key), "missing required field"};
  return JsonNode(j_.at(key), child(key));
}

std::optional<JsonNode> JsonObject::optional(const std::string& key) {
  seen_.insert(key);
  if (!j_.contains(key) || j_.at(key).is_null()) return std::nullopt;
  return JsonNode(j_.at(key), child(key));
}

void JsonObject::finish() const {
  for (auto& [k, v] : j_.items()) {
    if (!seen_.count(k)) {
      std::string known;
      for (auto& s : seen_) known += (known.empty() ? "" : ", ") + s;
      throw JsonFieldError{child(k), "unknown key (expected one of: " + known + ")"};
    }
  }
}

}  // namespace rig
