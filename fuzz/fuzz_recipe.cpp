// parse_recipe(): what `rigctl validate` and every command that takes a recipe run on the file's
// text (schema and semantic checks). Property: any input gives a Recipe or a usage error; never a
// crash, an escaped exception or another category.
#include <algorithm>

#include "builder/layers.hpp"
#include "builder/recipe.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The recipe "lives" in the shipped recipes/ directory, so the seeds' "source": "files/..."
  // entries resolve and the parser gets past them into the later checks.
  static const std::filesystem::path file = std::filesystem::path(RIGCTL_FUZZ_RECIPES_DIR) / "fuzz-input.json";
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = rig::parse_recipe(text, file);
  if (!r) {
    rig::fuzz::expect_category(r.error(), "parse_recipe");
    return 0;
  }
  if (r->text != text || r->file != file) rig::fuzz::finding("parse_recipe: Recipe.text/file are not the input");
  if (r->launch && r->launch->inner_storage.empty()) rig::fuzz::finding("parse_recipe: launch.inner storage is empty");
  // What the build derives from a valid recipe before touching anything.
  auto capture = rig::paths_to_capture(*r);
  for (auto& fc : r->file_capabilities)
    if (!capture.count(fc.path)) rig::fuzz::finding("paths_to_capture misses " + fc.path);
  return 0;
}
