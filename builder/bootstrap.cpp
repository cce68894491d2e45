#include "builder/bootstrap.hpp"

#include <fstream>

#include "host/machine.hpp"
#include "core/arch.hpp"
#include "core/json_reader.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

BootstrapSpec bootstrap_spec(const Recipe& r, const std::string& arch, const MirrorChoice& mirror,
                             const std::string& keyring, int64_t epoch, bool as_root) {
  BootstrapSpec s;
  s.distro = r.base.distro;
  s.suite = r.base.suite;
  s.components = r.base.components;
  s.variant = r.base.variant;
  s.packages = r.packages;
  s.strip = r.base.strip;
  s.arch = arch;
  s.mirror_uri = mirror.uri;
  s.keyring = keyring;
  s.recommends = r.base.recommends;
  s.epoch = epoch;
  s.as_root = as_root;
  return s;
}

Command mmdebstrap_command(const BootstrapSpec& s) {
  Command c;
  c.argv = {"mmdebstrap",
            s.as_root ? "--mode=root" : "--mode=unshare",
            "--variant=" + s.variant,
            "--architectures=" + s.arch,
            "--components=" + join(s.components, ","),
            "--format=tar",
            // Translations are never read in a container and cost downloads.
            "--aptopt=Acquire::Languages \"none\"",
            // Only what the recipe names and its hard dependencies, like `apt-get install
            // --no-install-recommends` in a Containerfile: recommends are how images bloat.
            std::string("--aptopt=APT::Install-Recommends \"") + (s.recommends ? "true" : "false") + "\"",
            // The rootfs is thrown away if the build fails and the layer is written whole at the end,
            // so dpkg's per-file fsync buys nothing here and costs a large share of the bootstrap.
            "--dpkgopt=force-unsafe-io"};
  if (!s.packages.empty()) c.argv.push_back("--include=" + join(s.packages, ","));
  // Strip globs become dpkg path filters: excluded files are never unpacked. "!glob" keeps a path
  // back (e.g. copyright files under a stripped /usr/share/doc). Given as --dpkgopt, mmdebstrap
  // also pipes every essential package through its Python tar filter while extracting them, one
  // process per package: measured here, 0.4-0.9 s per package on a loaded 2-core host, a third of
  // a cold build. Where dpkg installs the essential set afterwards (every variant but extract and
  // custom) the same filters are applied right after the plain extraction instead.
  const bool dpkg_installs = s.variant != "extract" && s.variant != "custom";
  if (!s.strip.empty() && dpkg_installs) {
    c.argv.push_back("--extract-hook=" + strip_extract_hook(s.strip));
  } else {
    for (auto& line : dpkg_filter_lines(s.strip)) c.argv.push_back("--dpkgopt=" + line);
  }
  if (!s.keyring.empty()) c.argv.push_back("--keyring=" + s.keyring);
  if (!s.package_seed.empty() || !s.package_collect.empty()) {
    // Seeded .debs stay in apt's archive dir after the essential install, so the copy-out sees
    // every package the build used; apt-get clean still empties it before the tarball is made.
    c.argv.push_back("--skip=essential/unlink");
  }
  if (!s.package_seed.empty()) {
    // Setup hooks run before apt's directories exist.
    c.argv.push_back("--setup-hook=mkdir -p \"$1/var/cache/apt/archives/partial\"");
    c.argv.push_back("--setup-hook=sync-in " + shell_quote(s.package_seed) + " /var/cache/apt/archives/");
  }
  // resolv.conf and hostname are copied from the host and would make the output host-dependent;
  // engines provide both at run time.
  c.argv.push_back("--customize-hook=rm -f \"$1/etc/resolv.conf\" \"$1/etc/hostname\"");
  if (!s.package_collect.empty())
    c.argv.push_back("--customize-hook=sync-out /var/cache/apt/archives " + shell_quote(s.package_collect));
  // Options end here: a suite or mirror value can never be read as an option.
  c.argv.push_back("--");
  c.argv.push_back(s.suite);
  c.argv.push_back("-");
  if (!s.mirror_uri.empty()) c.argv.push_back(s.mirror_uri);
  c.env.emplace_back("SOURCE_DATE_EPOCH", std::to_string(s.epoch));
  if (!s.scratch_dir.empty()) c.env.emplace_back("TMPDIR", s.scratch_dir);
  return c;
}

std::vector<std::string> dpkg_filter_lines(const std::vector<std::string>& strip) {
  std::vector<std::string> out;
  for (auto& g : strip) {
    if (!g.empty() && g[0] == '!') out.push_back("path-include=" + g.substr(1));
    else out.push_back("path-exclude=" + g);
  }
  return out;
}

std::string strip_extract_hook(const std::vector<std::string>& strip) {
  // find's -path matches like dpkg's fnmatch(pattern, path, 0): '*' crosses '/'. Paths are
  // relative to the rootfs ("./usr/..."), so the pattern is "." + glob.
  struct Rule {
    bool include;
    std::string glob;
  };
  std::vector<Rule> rules;
  for (auto& g : strip) {
    bool inc = !g.empty() && g[0] == '!';
    rules.push_back({inc, inc ? g.substr(1) : g});
  }
  auto path = [](const std::string& glob) { return "-path " + shell_quote("." + glob); };
  // Skipped: the last rule matching the path excludes it, i.e. some exclude matches and no later
  // include does (a later exclude keeps it skipped).
  std::string skip;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].include) continue;
    std::string term = path(rules[i].glob);
    for (size_t j = i + 1; j < rules.size(); ++j)
      if (rules[j].include) term += " ! " + path(rules[j].glob);
    skip += (skip.empty() ? "" : " -o ") + std::string("\\( ") + term + " \\)";
  }
  // dpkg keeps a skipped directory or symlink when an include glob's literal part (up to its
  // first wildcard, trailing slashes dropped) is a prefix of its path.
  std::string keep;
  for (auto& r : rules) {
    if (!r.include) continue;
    auto lit = r.glob.substr(0, r.glob.find_first_of("*?[\\"));
    while (!lit.empty() && lit.back() == '/') lit.pop_back();
    keep += (keep.empty() ? "" : " -o ") + path(lit + "*");
  }
  // mmdebstrap has mounted /proc, /sys and /dev by now (host mounts, in root mode): never walked.
  const std::string walk = "find . \\( -path ./proc -o -path ./sys -o -path ./dev \\) -prune -o ";
  std::string kept_link = keep.empty() ? "" : " ! \\( -type l \\( " + keep + " \\) \\)";
  std::string kept_dir = keep.empty() ? "" : " ! \\( " + keep + " \\)";
  std::string hook = "cd \"$1\" && printf '%s\\n'";
  for (auto& line : dpkg_filter_lines(strip)) hook += " " + shell_quote(line);
  hook += " >> etc/dpkg/dpkg.cfg.d/99mmdebstrap";
  if (!skip.empty()) {
    // Files and symlinks first, then the skipped directories deepest first, each only once empty:
    // one still holding a kept entry stays, as dpkg would have created it for that entry.
    hook += " && " + walk + "\\( " + skip + " \\) ! -type d" + kept_link + " -exec rm -f -- {} +";
    hook += " && " + walk + "-type d \\( " + skip + " \\)" + kept_dir +
            " -print0 | sort -rz | xargs -0r rmdir --ignore-fail-on-non-empty --";
  }
  return hook;
}

std::string bootstrap_identity(const BootstrapSpec& s) {
  json j = {{"distro", s.distro}, {"suite", s.suite},       {"components", s.components}, {"variant", s.variant},
            {"packages", s.packages}, {"strip", s.strip}, {"arch", s.arch},             {"mirror", s.mirror_uri},
            {"keyring", s.keyring}, {"epoch", s.epoch}, {"recommends", s.recommends}};
  return j.dump();
}

Status check_binfmt(const std::string& arch, const std::filesystem::path& dir) {
  auto handler = read_binfmt(arch, dir);
  if (auto problem = binfmt_problem(arch, handler); !problem.empty())
    return unavailable("building for " + arch + " (binfmt_misc at " + dir.string() + "): " + problem,
                       binfmt_fix(arch, handler));
  return ok();
}

}  // namespace rig
