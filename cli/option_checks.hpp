// Checks of command-line values that need no engine and no build: run before either, so a typo
// costs nothing and exits 2 naming the option.
#pragma once

#include <string>

#include "core/error.hpp"

namespace rig::cli {

// A report file (--json, --junit, --markdown): its directory exists and the path is not a
// directory, so a run's result is never lost at the end for want of a place to write it.
Status check_output_file(const std::string& option, const std::string& path);

// --engine (or DOCKER_HOST): a well-formed endpoint. Nothing is contacted.
Status check_engine_option(const std::string& engine);

}  // namespace rig::cli
