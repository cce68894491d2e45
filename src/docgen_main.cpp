// rigctl-docgen: writes rigctl(1) and rigctl's bash completion from the command line rigctl parses
// (cli/app.cpp: build_app), at build time. Not installed: its output is.
//   rigctl-docgen man FILE | rigctl-docgen bash-completion FILE
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "cli/app.hpp"
#include "cli/docgen.hpp"
#include "core/fs.hpp"

namespace {

// The page's date from SOURCE_DATE_EPOCH (dpkg-buildpackage sets it from debian/changelog), so a
// rebuild gives the same bytes; without it, today.
std::string page_date() {
  std::time_t t = std::time(nullptr);
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e && *e) t = static_cast<std::time_t>(std::strtoll(e, nullptr, 10));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%B %Y", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::string(argv[1]) != "man" && std::string(argv[1]) != "bash-completion")) {
    std::fprintf(stderr, "usage: rigctl-docgen man|bash-completion FILE DATA_DIR\n");
    return 2;
  }
  const std::string what = argv[1], file = argv[2], data_dir = argv[3];
  CLI::App app{"", "rigctl"};
  rig::cli::Action action;
  rig::cli::Globals g;
  rig::cli::build_app(app, action, g);
  std::string text;
  if (what == "man") {
    rig::cli::ManPage page{RIGCTL_VERSION, page_date(), {}, {}};
    page.description =
        "rigctl runs untrusted builds in containers without --privileged: an unprivileged outer container (Docker, "
        "rootful podman, Incus or LXC) runs rootless podman (or rootless Docker), which builds and serves inner "
        "apps. rigctl builds the outer image from a declarative recipe (rootless, daemonless, reproducible, with "
        "mmdebstrap), launches it with a tested flag set that adds no capability, and proves the chain works "
        "with a check chain (rigctl smoke).\n\n"
        "Typical use: rigctl validate debian-trixie; rigctl build debian-trixie --load; rigctl smoke debian-trixie; "
        "rigctl gc.";
    page.extra = {
        {"EXIT STATUS",
         "0 success; 1 a check or the operation failed; 2 bad usage or an invalid recipe (nothing was done); 3 an "
         "engine, tool or host is unavailable; 70 a defect in rigctl; 130 interrupted (what the run made was "
         "removed)."},
        {"ENVIRONMENT",
         "RIGCTL_HOME: a directory searched first for recipes/, images/, matrix/ and ci/smoke-baseline.sh.\n\n"
         "DOCKER_HOST: the engine endpoint when --engine is not given (default /var/run/docker.sock).\n\n"
         "RIGCTL_MIRROR_<NAME>: the URL of a recipe's named mirror (after --mirror).\n\n"
         "XDG_CACHE_HOME: the build cache is $XDG_CACHE_HOME/rigctl (default ~/.cache/rigctl).\n\n"
         "SOURCE_DATE_EPOCH: the timestamp of built images (default 2024-01-01T00:00:00Z)."},
        {"FILES",
         "A RECIPE given by name (debian-trixie) is looked up as recipes/NAME.json under, in order: $RIGCTL_HOME, "
         "the working directory, then " + data_dir + " (the shipped recipes, profiles, inner-image definitions "
         "and matrix files). A RECIPE with a '/' or ending in .json is a path.\n\n"
         "  " + data_dir + "/recipes/\n  " + data_dir + "/images/\n  " + data_dir + "/matrix/\n\n"
         "~/.cache/rigctl: base layers, images, keyrings, VM hosts (rigctl gc cleans what runs left)."},
        {"SEE ALSO", "mmdebstrap(1), podman(1), docker(1), incus(1), lxc(7)"},
    };
    text = rig::cli::man_page(app, page);
  } else {
    text = rig::cli::bash_completion(app, data_dir);
  }
  if (auto st = rig::write_file_atomic(file, text); !st.ok()) {
    std::fprintf(stderr, "rigctl-docgen: %s\n", st.error().what().c_str());
    return 1;
  }
  return 0;
}
