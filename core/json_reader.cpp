#include "core/json_reader.hpp"

#include "core/interrupt.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

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

std::string json_path_key(const std::string& k) {
  // The key is the document's text: a plain one names the path as usual, any other is shown quoted
  // and escaped so that a newline or an escape sequence cannot break the message.
  bool plain = !k.empty() && k.size() <= 80 && std::all_of(k.begin(), k.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '\''; });
  return plain ? k : show_value(k);
}

namespace {

// Where the strict parse stands: one frame per open object or array, for duplicate-key checks and
// for naming the place of an error ("launch.flags[2]").
struct ParseFrame {
  bool object = false;
  std::set<std::string> keys;
  std::string key;
  long index = -1;
};

struct Interrupted {};

struct StrictParseError {
  std::string path;
  std::string message;
};

std::string frames_path(const std::vector<ParseFrame>& frames) {
  std::string out;
  for (auto& f : frames) {
    if (f.object) {
      if (f.key.empty()) continue;
      if (!out.empty()) out += ".";
      out += json_path_key(f.key);
    } else if (f.index >= 0) {
      out += "[" + std::to_string(f.index) + "]";
    }
  }
  return out;
}

std::string line_col(const std::string& text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace

namespace {

// The strict checks as a SAX pass: depth, duplicate keys and the place of each error, and the
// interrupt flag every few thousand events. (nlohmann's parser callback would do the same, but its
// DOM builder then rescans the parent after every object: quadratic, minutes for a 2 MB file.)
class StrictSax : public nlohmann::json_sax<json> {
 public:
  StrictSax(std::vector<ParseFrame>& frames, const JsonLimits& limits) : frames_(frames), limits_(limits) {}

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t&) override { return scalar(); }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    auto& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second) throw StrictParseError{frames_path(frames_), "duplicate key (a key may appear once in an object)"};
    return tick();
  }
  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& ex) override {
    error_byte = byte;
    error_id = ex.id;
    error_what = ex.what();
    return false;
  }

  size_t error_byte = 0;
  int error_id = 0;
  std::string error_what;

 private:
  // An element of an array starts: count it, so errors inside it name its index.
  void element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  bool scalar() {
    element();
    return tick();
  }
  bool open(bool object) {
    element();
    if (frames_.size() >= limits_.max_depth)
      throw StrictParseError{frames_path(frames_), "nested deeper than " + std::to_string(limits_.max_depth) + " levels"};
    frames_.push_back(ParseFrame{object, {}, {}, -1});
    return tick();
  }
  bool close() {
    if (!frames_.empty()) frames_.pop_back();
    return tick();
  }
  bool tick() {
    if ((++events_ & 0xfff) == 0 && interrupted()) throw Interrupted{};
    return true;
  }

  std::vector<ParseFrame>& frames_;
  const JsonLimits& limits_;
  size_t events_ = 0;
};

}  // namespace

Result<json> parse_json_document(const std::string& text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes)
    return usage_error("the document is " + std::to_string(text.size()) + " bytes, more than the " +
                       std::to_string(limits.max_bytes) + " allowed");
  std::vector<ParseFrame> frames;
  StrictSax sax(frames, limits);
  bool well_formed = false;
  try {
    well_formed = json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true, /*ignore_comments=*/true);
  } catch (const StrictParseError& e) {
    return usage_error(e.path.empty() ? e.message : e.path + ": " + e.message);
  } catch (const Interrupted&) {
    return interrupted_error();
  }
  if (!well_formed) {
    std::string what = sax.error_what;
    if (sax.error_id >= 100 && sax.error_id < 200) {  // parse_error: the text is not JSON
      if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
      return usage_error("not valid JSON at " + line_col(text, sax.error_byte > 0 ? sax.error_byte - 1 : 0) + ": " + what);
    }
    // out_of_range.406 (1e400) and the like: the lexer accepted the text, the value cannot be held.
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    std::string where = frames_path(frames);
    return usage_error((where.empty() ? "" : where + ": ") + "not a usable JSON value: " + what);
  }
  // Checked: the plain DOM parse (linear) cannot fail now.
  try {
    return json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    return usage_error(std::string("not a usable JSON document: ") + e.what());
  }
}

Result<std::string> read_json_text(const std::string& path, const JsonLimits& limits) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) return usage_error("'" + path + "' does not exist");
  if (!std::filesystem::is_regular_file(st)) return usage_error("'" + path + "' is not a regular file");
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return usage_error("cannot read '" + path + "': " + ec.message());
  if (size > limits.max_bytes)
    return usage_error("'" + path + "' is " + std::to_string(size) + " bytes, more than the " + std::to_string(limits.max_bytes) + " allowed");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int e = errno;
    if (is_resource_errno(e)) return resource_error("cannot read '" + path + "'", e);
    return usage_error("cannot read '" + path + "'" + (e ? std::string(": ") + std::strerror(e) : std::string()));
  }
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

Result<json> read_json_file(const std::string& path, const JsonLimits& limits) {
  RIG_TRY(auto text, read_json_text(path, limits));
  return parse_json_document(text, limits).context("'" + path + "'");
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
      throw JsonFieldError{child(json_path_key(k)), "unknown key (expected one of: " + known + ")"};
    }
  }
}

const json& member_or_null(const json& j, const std::string& key) {
  static const json null_json;
  if (!j.is_object()) return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

std::string str_member(const json& j, const std::string& key, const std::string& def) {
  const json& m = member_or_null(j, key);
  return m.is_string() ? m.get<std::string>() : def;
}

std::string json_text(const json& j, int indent) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

}  // namespace rig
