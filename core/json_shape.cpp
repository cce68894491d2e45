#include "core/json_shape.hpp"

#include <algorithm>

namespace rig {

namespace {

bool has_type(const json& j, const std::string& t) {
  if (t == "object") return j.is_object();
  if (t == "array") return j.is_array();
  if (t == "string") return j.is_string();
  if (t == "boolean") return j.is_boolean();
  if (t == "null") return j.is_null();
  if (t == "integer") return j.is_number_integer() || j.is_number_unsigned();
  if (t == "number") return j.is_number();
  return false;
}

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

Status check(const json& doc, const json& schema, const std::string& path) {
  const std::string where = path.empty() ? "(top level)" : path;
  if (auto t = schema.find("type"); t != schema.end()) {
    bool fits = false;
    std::string names;
    for (auto& name : t->is_array() ? *t : json::array({*t})) {
      fits = fits || has_type(doc, name.get<std::string>());
      names += (names.empty() ? "" : " or ") + name.get<std::string>();
    }
    if (!fits) return usage_error(where + ": expected " + names + ", got " + json_type_name(doc));
  }
  if (auto e = schema.find("enum"); e != schema.end() && std::find(e->begin(), e->end(), doc) == e->end())
    return usage_error(where + ": expected one of " + e->dump() + ", got " + json_text(doc));
  if (doc.is_object()) {
    if (auto req = schema.find("required"); req != schema.end())
      for (auto& k : *req)
        if (!doc.contains(k.get<std::string>())) return usage_error(child(path, k.get<std::string>()) + ": missing required field");
    auto props = schema.find("properties");
    auto extra = schema.find("additionalProperties");
    for (auto& [k, v] : doc.items()) {
      if (props != schema.end() && props->contains(k)) {
        RIG_CHECK(check(v, (*props)[k], child(path, k)));
      } else if (extra != schema.end() && extra->is_object()) {
        RIG_CHECK(check(v, *extra, child(path, k)));
      }
    }
  }
  if (doc.is_array())
    if (auto items = schema.find("items"); items != schema.end())
      for (size_t i = 0; i < doc.size(); ++i) RIG_CHECK(check(doc[i], *items, path + "[" + std::to_string(i) + "]"));
  return ok();
}

}  // namespace

Status check_shape(const json& doc, const json& schema) { return check(doc, schema, ""); }

}  // namespace rig
