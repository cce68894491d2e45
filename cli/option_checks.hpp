// Checks of command-line values that need no engine and no build: run before either, so a typo
// costs nothing and exits 2 naming the option.
#pragma once

#include <string>

#include "core/error.hpp"

namespace CLI {
class App;
}

namespace rig::cli {

// A report file (--json, --junit, --markdown): its directory exists and the path is not a
// directory, so a run's result is never lost at the end for want of a place to write it.
Status check_output_file(const std::string& option, const std::string& path);

// Every option and argument given on the command line of the chosen (sub)commands has a non-empty
// value. Commands read "" as "not given", so `--run "$UNSET"` would have meant every run and
// `validate "$UNSET"` the default recipe: refused, naming it (exit 2).
Status check_given_values(const CLI::App& app);

// rigctl's own path variables: RIGCTL_RUNTIME_DIR, where every rigctl looks for live runs, must be
// absolute (a relative one would be another directory in each working directory, and gc run from
// elsewhere would take live runs for dead ones). XDG_* and TMPDIR are read as their specs say instead:
// a relative value is ignored (core/fs.cpp, core/lock.cpp).
Status check_environment();

// --engine (or DOCKER_HOST): a well-formed endpoint. Nothing is contacted.
Status check_engine_option(const std::string& engine);

}  // namespace rig::cli
