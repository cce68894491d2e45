// Shared by the libFuzzer harnesses (docs/fuzzing.md): how an input is cut into several documents,
// where a harness may write files, and how a broken property becomes a crash libFuzzer records.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace rig::fuzz {

// Harnesses that need several documents (two reports to merge, several apt source files, several
// engine replies) take them from one input separated by this line. It is in fuzz/dict/*.dict, so
// the fuzzer inserts and removes it like any other token.
inline constexpr std::string_view kSeparator = "\n--8<--\n";

inline std::vector<std::string> split_input(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (;;) {
    size_t at = in.find(kSeparator);
    parts.emplace_back(in.substr(0, at));
    if (at == std::string_view::npos) break;
    in.remove_prefix(at + kSeparator.size());
  }
  return parts;
}

// A property of the real function does not hold: abort, so libFuzzer saves the input as a crash.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\n==rigctl-fuzz== FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Errors a parser of user input may return: bad input is a usage error (exit 2), never a defect or
// an internal error (docs/errors.md). `allowed` widens it where the function also does I/O.
inline void expect_category(const Error& e, const char* function, std::initializer_list<Category> allowed = {Category::Usage}) {
  for (auto c : allowed)
    if (e.category() == c) {
      if (e.what().empty()) finding(std::string(function) + " returned an error without a message");
      return;
    }
  finding(std::string(function) + " returned a " + category_name(e.category()) + " error for input: " + e.what());
}

// One scratch directory per harness process, removed when the process exits normally (a crash
// leaves it under $TMPDIR for inspection).
inline const std::filesystem::path& scratch_dir() {
  static ScratchDir dir = [] {
    auto d = ScratchDir::create("rigctl-fuzz");
    if (!d) finding("cannot create a scratch directory: " + d.error().what());
    return std::move(*d);
  }();
  return dir.path();
}

}  // namespace rig::fuzz
