#include "core/signatures.hpp"

#include <regex>

#include "core/json_reader.hpp"

namespace rig {

extern const char* const kSignaturesJson;

Result<std::vector<Signature>> parse_signatures(const std::string& json_text) {
  RIG_TRY(auto doc, parse_json_document(json_text));
  try {
    std::vector<Signature> out;
    for (auto& n : JsonNode(doc, "signatures").array()) {
      auto o = n.object();
      Signature s;
      s.id = o.required("id").nonempty_str();
      auto pattern = o.required("pattern");
      s.pattern = pattern.nonempty_str();
      s.cause = o.required("cause").nonempty_str();
      s.fix = o.required("fix").nonempty_str();
      o.finish();
      try {
        std::regex re(s.pattern, std::regex::ECMAScript | std::regex::icase);
      } catch (const std::regex_error& e) {
        pattern.fail(std::string("not a valid regex: ") + e.what());
      }
      out.push_back(std::move(s));
    }
    return out;
  } catch (const JsonFieldError& e) {
    return usage_error(e.message).add_context(e.path);
  }
}

const std::vector<Signature>& known_signatures() {
  static const std::vector<Signature> table = [] {
    auto parsed = parse_signatures(kSignaturesJson);
    return parsed.ok() ? parsed.value() : std::vector<Signature>{};
  }();
  return table;
}

const Signature* find_signature(const std::string& id) {
  for (auto& s : known_signatures())
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<Signature> diagnose(const std::string& output, const std::vector<Signature>& table) {
  std::vector<Signature> out;
  for (auto& s : table) {
    // std::regex throws on a pattern it cannot compile and on input that exhausts its matcher
    // (error_complexity, error_stack): a diagnosis that cannot be made is no match, not a crash.
    try {
      std::regex re(s.pattern, std::regex::ECMAScript | std::regex::icase);
      if (std::regex_search(output, re)) out.push_back(s);
    } catch (const std::regex_error&) {
    }
  }
  return out;
}

}  // namespace rig
