// The man page and the bash completion, generated from the command line itself (build_app in
// cli/app.hpp), so neither can fall out of step with the subcommands and options rigctl accepts.
// Pure text from a CLI::App; the rigctl-docgen tool (src/docgen_main.cpp) writes them at build time.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace rig::cli {

struct ManPage {
  std::string version;  // "0.1.0"
  std::string date;     // the .TH date, e.g. "December 2026" (from SOURCE_DATE_EPOCH: reproducible)
  std::string description;  // DESCRIPTION's text (plain, paragraphs split by a blank line)
  // Sections after COMMANDS, in order: (title, plain text; paragraphs split by a blank line, lines
  // starting with "  " kept verbatim as examples).
  std::vector<std::pair<std::string, std::string>> extra;
};

// roff (man(7)) for rigctl(1): NAME, SYNOPSIS, DESCRIPTION, OPTIONS, one COMMANDS subsection per
// subcommand path (its usage, description, positionals, options and example), then `extra`.
std::string man_page(const CLI::App& app, const ManPage& page);

// A bash completion script for `rigctl`: subcommands at every level, each level's options, and file
// names after an option that takes a value or where a command takes a path or a recipe name (the
// shipped recipes by name, too).
std::string bash_completion(const CLI::App& app, const std::string& data_dir);

// Text for roff: backslashes, minus signs and a leading '.' or '\'' escaped.
std::string roff_escape(const std::string& text);

}  // namespace rig::cli
