// Strict, path-tracking reading of JSON documents into plain structs. Every mistake becomes a
// JsonFieldError naming the JSON path ("packages[3]") and what was expected; parse_json_document()
// accepts comments and reports syntax errors with line and column.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace rig {

using json = nlohmann::json;

struct JsonFieldError {
  std::string path;
  std::string message;
};

// What one document may hold. Every file and reply rigctl reads is bounded: a deeper or larger one is
// refused before any of it is used (the recursive parts of rigctl -- seccomp rule copies, std::regex,
// JSON serialisation -- must never see unbounded input).
struct JsonLimits {
  size_t max_bytes = 64u << 20;
  size_t max_depth = 64;
};

// Parses text strictly (comments allowed): a syntax error names line and column; a duplicate key in
// one object (the last would win, so the document a reviewer reads is not the one used), a number out
// of range (1e400), nesting deeper than the limit and a text longer than the limit are errors too,
// each naming where. All Usage errors: callers reading an engine's reply re-categorise them.
Result<json> parse_json_document(const std::string& text, const JsonLimits& limits = {});

// Reads a JSON file the user named: it must be a regular file no larger than limits.max_bytes (a
// FIFO or /dev/zero would never end), then parse_json_document. Errors name the file.
Result<json> read_json_file(const std::string& path, const JsonLimits& limits = {});
// The same check and read, without parsing (for parsers that keep the text, such as recipes).
Result<std::string> read_json_text(const std::string& path, const JsonLimits& limits = {});

class JsonObject;

class JsonNode {
 public:
  JsonNode(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  const json& raw() const { return j_; }
  [[noreturn]] void fail(const std::string& message) const;

  std::string str() const;
  std::string nonempty_str() const;
  bool boolean() const;
  uint64_t u64(uint64_t max = UINT64_MAX) const;
  double number() const;
  std::vector<std::string> str_list() const;
  std::map<std::string, std::string> str_map() const;
  std::vector<JsonNode> array() const;
  JsonObject object() const;
  bool is_null() const { return j_.is_null(); }

 private:
  const json& j_;
  std::string path_;
};

// Reads fields of one object; finish() rejects keys nobody asked for.
class JsonObject {
 public:
  JsonObject(const json& j, std::string path);

  JsonNode required(const std::string& key);
  std::optional<JsonNode> optional(const std::string& key);
  bool has(const std::string& key) const { return j_.contains(key); }
  void finish() const;
  const std::string& path() const { return path_; }

 private:
  std::string child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

// Lenient reads for optional members where another type means the same as absent (an OCI
// descriptor's mediaType, an image config's Labels). Never throw: nlohmann's json::value() throws
// type_error when the member exists with another type, which is how fuzzed input once aborted rigctl.
const json& member_or_null(const json& j, const std::string& key);
std::string str_member(const json& j, const std::string& key, const std::string& def = "");

// A document as text for output (stdout, report files, state files): never throws. JSON text must be
// UTF-8, so a byte that is not (a file name in another encoding) is written as U+FFFD -- rigctl's
// JSON output is lossy there by design, rather than a crash after the work is done. Request bodies
// for an engine do not use this: a changed name there would name something else (body_text refuses).
std::string json_text(const json& j, int indent = -1);

// A document's key as an error path shows it: as is when plain, else quoted and escaped (show_value).
std::string json_path_key(const std::string& k);
const char* json_type_name(const json& j);

}  // namespace rig
