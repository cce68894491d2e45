// parse_matrix() and expand(): what `rigctl matrix` does with a matrix file before running any
// cell, plus --cells selection. Properties: a MatrixFile or a usage error; the expansion has one cell
// per combination of axis values, each with stages in pipeline order.
#include <algorithm>

#include "fuzz/fuzz_support.hpp"
#include "matrix/matrix_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto m = rig::parse_matrix(text, "fuzz-input.json");
  if (!m) {
    rig::fuzz::expect_category(m.error(), "parse_matrix");
    return 0;
  }
  size_t expected = 1;
  for (auto& axis : rig::kAxes) {
    if (!m->axes.count(axis) || m->axes.at(axis).empty()) rig::fuzz::finding("parse_matrix accepted an empty axis " + axis);
    expected *= m->axes.at(axis).size();
  }
  auto cells = rig::expand(*m);
  if (cells.size() != expected)
    rig::fuzz::finding("expand gave " + std::to_string(cells.size()) + " cells, expected " + std::to_string(expected));
  for (auto& c : cells) {
    auto id = c.id();
    // Not by its own id: values may hold glob characters ("[x]" does not match itself).
    if (!rig::cell_selected(c, "") || !rig::cell_selected(c, "*"))
      rig::fuzz::finding("cell_selected does not select " + id + " by \"\" or \"*\"");
    (void)rig::cell_selected(c, "local/*,vm-*/*/arm64/*,,[");
    size_t last = 0;
    for (auto& s : c.run) {
      auto at = static_cast<size_t>(std::find(rig::kStages.begin(), rig::kStages.end(), s) - rig::kStages.begin());
      if (at == rig::kStages.size() || (at < last)) rig::fuzz::finding("cell " + id + ": stage '" + s + "' unknown or out of order");
      last = at;
    }
  }
  return 0;
}
