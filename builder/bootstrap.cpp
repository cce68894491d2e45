#include "builder/bootstrap.hpp"

#include <fstream>

#include "host/machine.hpp"
#include "core/arch.hpp"
#include "core/json_reader.hpp"

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
  // back (e.g. copyright files under a stripped /usr/share/doc).
  for (auto& g : s.strip) {
    if (!g.empty() && g[0] == '!') c.argv.push_back("--dpkgopt=path-include=" + g.substr(1));
    else c.argv.push_back("--dpkgopt=path-exclude=" + g);
  }
  if (!s.keyring.empty()) c.argv.push_back("--keyring=" + s.keyring);
  // resolv.conf and hostname are copied from the host and would make the output host-dependent;
  // engines provide both at run time.
  c.argv.push_back("--customize-hook=rm -f \"$1/etc/resolv.conf\" \"$1/etc/hostname\"");
  // Options end here: a suite or mirror value can never be read as an option.
  c.argv.push_back("--");
  c.argv.push_back(s.suite);
  c.argv.push_back("-");
  if (!s.mirror_uri.empty()) c.argv.push_back(s.mirror_uri);
  c.env.emplace_back("SOURCE_DATE_EPOCH", std::to_string(s.epoch));
  return c;
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
