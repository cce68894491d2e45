#include "vmhost/kernel_modules.hpp"

#include <functional>
#include <sstream>

namespace rig {

std::string module_name_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string n = slash == std::string::npos ? path : path.substr(slash + 1);
  auto ko = n.find(".ko");
  if (ko != std::string::npos) n.resize(ko);
  for (auto& c : n)
    if (c == '-') c = '_';
  return n;
}

Result<ModuleIndex> parse_module_index(const std::string& modules_dep, const std::string& modules_builtin) {
  ModuleIndex idx;
  std::istringstream in(modules_dep);
  std::string line;
  size_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      return internal_error("modules.dep line " + std::to_string(no) + " is not 'path: deps': '" + line + "'");
    const std::string path = line.substr(0, colon);
    const std::string name = module_name_of(path);
    idx.path[name] = path;
    auto& deps = idx.deps[name];
    std::istringstream rest(line.substr(colon + 1));
    std::string dep;
    while (rest >> dep) deps.push_back(module_name_of(dep));
  }
  std::istringstream b(modules_builtin);
  while (std::getline(b, line))
    if (!line.empty()) idx.builtin.insert(module_name_of(line));
  return idx;
}

Result<std::vector<std::string>> resolve_module_load_order(const ModuleIndex& idx, const std::vector<std::string>& wanted) {
  std::vector<std::string> order;
  std::set<std::string> done, visiting;
  // Depth-first, dependencies first. modules.dep already lists a module's dependencies
  // transitively, but recursing costs nothing and does not rely on it.
  std::function<Status(const std::string&, const std::string&)> visit = [&](const std::string& name, const std::string& needed_by) -> Status {
    if (done.count(name)) return ok();
    auto p = idx.path.find(name);
    if (p == idx.path.end()) {
      if (idx.builtin.count(name)) {
        done.insert(name);
        return ok();
      }
      return usage_error("kernel module '" + name + "'" + (needed_by.empty() ? "" : " (needed by '" + needed_by + "')") +
                         " is neither in modules.dep nor built into the kernel");
    }
    if (!visiting.insert(name).second) return internal_error("modules.dep has a dependency cycle through '" + name + "'");
    if (auto d = idx.deps.find(name); d != idx.deps.end())
      for (auto& dep : d->second) RIG_CHECK(visit(dep, name));
    visiting.erase(name);
    done.insert(name);
    order.push_back(p->second);
    return ok();
  };
  for (auto& w : wanted) RIG_CHECK(visit(w, ""));
  return order;
}

}  // namespace rig
