#include "support/catch.hpp"

#include "core/output_dir.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_output_dir {

TEST_CASE("check_output_dir: only new, empty or own output directories may be replaced", "[core][fs]") {
  rigtest::TempDir t;
  CHECK(rig::check_output_dir(t / "new", {"summary.json"}, "report").ok());
  std::filesystem::create_directories(t / "empty");
  CHECK(rig::check_output_dir(t / "empty", {"summary.json"}, "report").ok());
  rigtest::write_text(t / "old" / "summary.json", "{}");
  CHECK(rig::check_output_dir(t / "old", {"summary.json"}, "report").ok());

  rigtest::write_text(t / "home" / ".bashrc", "x");
  auto r = rig::check_output_dir(t / "home", {"summary.json"}, "report");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::Contains("is not empty and is not a report (it has no summary.json)"));
  rigtest::write_text(t / "file", "x");
  CHECK_THAT(rig::check_output_dir(t / "file", {}, "report").error().what(), Catch::Contains("is not a directory"));
  CHECK_THAT(rig::check_output_dir(t / "nope" / "deeper", {}, "report").error().what(), Catch::Contains("is not a directory"));
  std::filesystem::create_directory_symlink(t / "old", t / "link");
  CHECK_THAT(rig::check_output_dir(t / "link", {"summary.json"}, "report").error().what(), Catch::Contains("symbolic link"));
}

}  // namespace rigtest_core_output_dir
