// The man page and bash completion are generated from the real command line (build_app): every
// subcommand and option rigctl accepts is in both, and the completion script works in a real bash.
#include "support/catch.hpp"

#include "cli/app.hpp"
#include "cli/docgen.hpp"
#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace rigtest_cli_docgen {

namespace {

struct Built {
  CLI::App app{"", "rigctl"};
  rig::cli::Action action;
  rig::cli::Globals g;
  Built() { rig::cli::build_app(app, action, g); }
};

// Every command path ("seccomp gen") with its long option names.
void walk(const CLI::App& app, const std::string& path, std::vector<std::pair<std::string, std::vector<std::string>>>& out) {
  std::vector<std::string> longs;
  for (auto* o : app.get_options([](const CLI::Option* o) { return o->nonpositional(); }))
    for (auto& n : o->get_lnames()) longs.push_back("--" + n);
  out.emplace_back(path, longs);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

// Runs the completion function for a command line whose last word is being completed.
std::string complete(const std::string& script, const std::string& words) {
  rigtest::TempDir t;
  rigtest::write_text(t / "rigctl", script);
  auto runner = rig::make_process_runner();
  auto r = runner->run({{"bash", "-c",
                         "source \"$1\"; COMP_WORDS=($2); [[ $2 == *' ' ]] && COMP_WORDS+=(''); "
                         "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _rigctl; "
                         "[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\\n' \"${COMPREPLY[@]}\"",
                         "bash", (t / "rigctl").string(), words},
                        {},
                        "",
                        {}});
  REQUIRE(r.ok());
  INFO(r.value().err);
  REQUIRE(r.value().status == 0);
  return r.value().out;
}

}  // namespace

TEST_CASE("docgen: the man page lists every command and option", "[cli][docgen]") {
  Built b;
  const auto page = rig::cli::man_page(b.app, {"9.9.9", "December 2026", "", {{"FILES", "  /usr/share/rigctl"}}});
  CHECK(page.find(".TH RIGCTL 1 \"December 2026\" \"rigctl 9.9.9\" \"User Commands\"\n") != std::string::npos);
  std::vector<std::pair<std::string, std::vector<std::string>>> cmds;
  walk(b.app, "", cmds);
  REQUIRE(cmds.size() > 15);
  for (auto& [path, longs] : cmds) {
    if (path.empty()) continue;
    INFO(path);
    CHECK(page.find(".SS \"" + rig::cli::roff_escape("rigctl " + path)) != std::string::npos);
    for (auto& l : longs)
      if (l != "--help") CHECK(page.find("\\fB" + rig::cli::roff_escape(l)) != std::string::npos);
  }
  CHECK(page.find(".SH FILES\n.PP\n.nf\n.RS 4\n/usr/share/rigctl\n.RE\n.fi\n") != std::string::npos);
}

TEST_CASE("docgen: roff escaping keeps text from becoming requests", "[cli][docgen]") {
  CHECK(rig::cli::roff_escape("--out a\\b") == "\\-\\-out a\\eb");
  CHECK(rig::cli::roff_escape(".SH x\n'y") == "\\&.SH x\n\\&'y");
}

TEST_CASE("docgen: the bash completion completes every level of the real command line", "[cli][docgen]") {
  Built b;
  const auto script = rig::cli::bash_completion(b.app, "/nonexistent/rigctl-data");
  std::vector<std::pair<std::string, std::vector<std::string>>> cmds;
  walk(b.app, "", cmds);
  for (auto& [path, longs] : cmds) {
    INFO(path);
    const auto out = complete(script, "rigctl " + (path.empty() ? "" : path + " ") + "--");
    for (auto& l : longs) CHECK(out.find(l + "\n") != std::string::npos);
  }
  CHECK(complete(script, "rigctl val") == "validate\n");
  CHECK(complete(script, "rigctl seccomp ") == "gen\nlint\napparmor\n");
  CHECK(complete(script, "rigctl host r") == "run\n");
  // After `--`, the words are another program's.
  CHECK(complete(script, "rigctl host run ubuntu-noble -- sm").empty());
}

TEST_CASE("docgen: the completion offers the shipped recipes by name", "[cli][docgen]") {
  Built b;
  rigtest::TempDir data;
  std::filesystem::create_directories(data / "recipes");
  rigtest::write_text(data / "recipes/debian-trixie.json", "{}");
  rigtest::write_text(data / "recipes/debian-bookworm.json", "{}");
  const auto script = rig::cli::bash_completion(b.app, data.path().string());
  CHECK(complete(script, "rigctl validate debian-t") == "debian-trixie\n");
}

}  // namespace rigtest_cli_docgen
