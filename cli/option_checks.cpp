#include "cli/option_checks.hpp"

#include <filesystem>

#include "engine/http.hpp"

namespace rig::cli {

Status check_output_file(const std::string& option, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return ok();
  std::error_code ec;
  fs::path p(path);
  if (fs::is_directory(p, ec)) return usage_error("'" + path + "' is a directory, expected a file name").add_context(option);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec))
    return usage_error("the directory '" + dir.string() + "' of '" + path + "' does not exist").add_context(option);
  return ok();
}

Status check_engine_option(const std::string& engine) {
  auto ep = default_endpoint(engine);
  if (!ep) {
    auto e = std::move(ep).error();
    return engine.empty() ? e : e.add_context("--engine");  // from DOCKER_HOST, which the message names
  }
  return ok();
}

}  // namespace rig::cli
