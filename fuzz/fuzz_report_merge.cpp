// `rigctl report merge DIR…`: read_summary() on each directory's summary.json, merge_summaries(),
// then the report files (summary.json, summary.md, junit.xml) and the exit status. The input holds
// one summary.json per part (fuzz_support.hpp: kSeparator). Property: bad reports are usage errors;
// whatever read_summary accepts merges and renders without a crash or an escaped exception.
#include "fuzz/fuzz_support.hpp"
#include "matrix/summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = rig::fuzz::split_input(data, size);
  if (parts.size() > 8) return 0;  // more directories add nothing but file writes
  std::vector<std::pair<std::string, rig::json>> inputs;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto dir = rig::fuzz::scratch_dir() / ("in" + std::to_string(i));
    std::filesystem::create_directories(dir);
    if (auto w = rig::write_file_atomic(dir / "summary.json", parts[i]); !w) rig::fuzz::finding(w.error().what());
    auto sm = rig::read_summary(dir);
    if (!sm) {
      rig::fuzz::expect_category(sm.error(), "read_summary");
      return 0;  // the command stops at the first bad directory
    }
    inputs.emplace_back(dir.string(), std::move(*sm));
  }
  auto merged = rig::merge_summaries(inputs);
  if (!merged) {
    rig::fuzz::expect_category(merged.error(), "merge_summaries");
    return 0;
  }
  auto out = rig::fuzz::scratch_dir() / "out";
  std::filesystem::create_directories(out);
  if (auto w = rig::write_report_files(*merged, out); !w) rig::fuzz::finding("write_report_files: " + w.error().what());
  (void)rig::summary_passed(*merged);
  // A single host's report renders on its own too (the matrix run's own summary.md).
  for (auto& [dir, sm] : inputs) {
    (void)rig::summary_markdown(sm);
    (void)rig::summary_junit(sm);
  }
  return 0;
}
