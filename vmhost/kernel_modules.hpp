// Which kernel module files a boot needs, from an image's own modules.dep: the wanted modules and
// everything they depend on, dependencies first (the order insmod needs -- it resolves nothing
// itself). Pure functions of the files' text, unit-tested without a kernel.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

// "kernel/drivers/block/virtio_blk.ko.xz" -> "virtio_blk"; '-' becomes '_' as the kernel does.
std::string module_name_of(const std::string& path);

struct ModuleIndex {
  std::map<std::string, std::string> path;               // name -> path relative to /lib/modules/<release>
  std::map<std::string, std::vector<std::string>> deps;  // name -> names, as modules.dep lists them
  std::set<std::string> builtin;                         // from modules.builtin: nothing to load
};

// modules.dep lines are "path: dep-path dep-path ..."; modules.builtin lists one path per line.
Result<ModuleIndex> parse_module_index(const std::string& modules_dep, const std::string& modules_builtin);

// The files to insmod, dependencies before their users, each once. A wanted module that is built in
// is left out; one that is neither built in nor in modules.dep is a usage error (the recipe names it).
Result<std::vector<std::string>> resolve_module_load_order(const ModuleIndex& idx, const std::vector<std::string>& wanted);

}  // namespace rig
