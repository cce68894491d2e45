// Known failure signatures (core/signatures.json, compiled in as data): matched against the output
// of a failed check, so a failure arrives with its cause and fix, and named by id in a launch
// profile's `expect` (what a flag's or hardening's absence must fail with).
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

// The signature of that id, or nullptr.
const Signature* find_signature(const std::string& id);

// Every signature whose pattern occurs in the text, in table order.
std::vector<Signature> diagnose(const std::string& output, const std::vector<Signature>& table = known_signatures());

}  // namespace rig
