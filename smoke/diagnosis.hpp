// Known failure signatures (smoke/signatures.json, compiled in as data) matched against the output
// of a failed check, so a failure arrives with its cause and fix.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

struct Signature {
  std::string id;
  std::string pattern;  // ECMAScript regex, case-insensitive
  std::string cause;
  std::string fix;
};

const std::vector<Signature>& known_signatures();
Result<std::vector<Signature>> parse_signatures(const std::string& json_text);

// Every signature whose pattern occurs in the text, in table order.
std::vector<Signature> diagnose(const std::string& output, const std::vector<Signature>& table = known_signatures());

}  // namespace rig
