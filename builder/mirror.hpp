// Mirror resolution. Recipes name a mirror ("debian", "ubuntu"), never a URL: users sit behind
// proxies and local mirrors. Order: --mirror, RIGCTL_MIRROR_<NAME> (e.g. RIGCTL_MIRROR_DEBIAN),
// the host's apt sources for that archive, and last mmdebstrap's own default for the suite.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace rig {

struct MirrorChoice {
  std::string uri;     // empty: let mmdebstrap choose its default for the suite
  std::string origin;  // where the choice came from, for the build record
};

using EnvLookup = std::function<const char*(const char*)>;

MirrorChoice resolve_mirror(const std::string& name, const std::string& flag_value, const EnvLookup& env,
                            const std::filesystem::path& apt_etc = "/etc/apt");

// Before any work: a mirror apt can use. "" (mmdebstrap's default) is fine; otherwise a URI with a
// scheme ("http://host/path", "file:/dir", "mirror+file:/list"), no whitespace or control characters,
// a host for http(s), and an existing directory for file: and copy:. The error names the origin.
Status check_mirror(const MirrorChoice& m);

// URIs of apt sources (one-line and deb822) under apt_etc whose archive is `name`.
std::vector<std::string> host_apt_uris(const std::string& name, const std::filesystem::path& apt_etc);

}  // namespace rig
