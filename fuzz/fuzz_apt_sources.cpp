// host_apt_uris() and resolve_mirror(): how `rigctl build` finds a mirror in the host's apt sources
// (sources.list, sources.list.d/*.list one-line files, sources.list.d/*.sources deb822 files). The
// input's parts (fuzz_support.hpp: kSeparator) become sources.list, a .list and a .sources file.
// Properties: no crash; every URI found is one non-empty, whitespace-free token; resolve_mirror
// picks the first of them when neither --mirror nor the environment names one.
#include <cctype>

#include "builder/mirror.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = rig::fuzz::split_input(data, size);
  if (parts.size() > 3) return 0;
  static const auto apt = rig::fuzz::scratch_dir() / "apt";
  static const char* const files[] = {"sources.list", "sources.list.d/fuzz.list", "sources.list.d/fuzz.sources"};
  std::filesystem::create_directories(apt / "sources.list.d");
  for (size_t i = 0; i < 3; ++i) {
    if (i < parts.size()) {
      if (auto w = rig::write_file_atomic(apt / files[i], parts[i]); !w) rig::fuzz::finding(w.error().what());
    } else {
      std::filesystem::remove(apt / files[i]);
    }
  }
  auto no_env = [](const char*) -> const char* { return nullptr; };
  for (const char* name : {"debian", "ubuntu"}) {
    auto uris = rig::host_apt_uris(name, apt);
    for (auto& u : uris)
      for (unsigned char c : u)
        if (std::isspace(c) || u.empty()) rig::fuzz::finding("host_apt_uris gave '" + u + "'");
    auto m = rig::resolve_mirror(name, "", no_env, apt);
    if (!uris.empty() && m.uri != uris.front()) rig::fuzz::finding("resolve_mirror did not pick the first apt URI");
    if (uris.empty() && !m.uri.empty()) rig::fuzz::finding("resolve_mirror invented a URI: " + m.uri);
  }
  return 0;
}
