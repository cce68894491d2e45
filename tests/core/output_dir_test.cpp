#include "support/catch.hpp"

#include "core/fs.hpp"
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
  CHECK_THAT(rig::check_output_dir(t / "nope" / "deeper", {}, "report").error().what(), Catch::Contains("does not exist"));
  CHECK_THAT(rig::check_output_dir(t / "file" / "deeper", {}, "report").error().what(), Catch::Contains("is not a directory"));
  std::filesystem::create_directory_symlink(t / "old", t / "link");
  CHECK_THAT(rig::check_output_dir(t / "link", {"summary.json"}, "report").error().what(), Catch::Contains("symbolic link"));
}

// Found by a hostile-argument sweep: `render --out .` rendered, then failed to rename onto the working
// directory (exit 1 after the work); a 5000-byte --out name built the whole image before failing;
// `--out out/` was refused as "'out' is not a directory" although "out/" only meant the directory out.
TEST_CASE("check_output_dir: names a rename cannot write are refused before any work; a trailing slash is the same place", "[core][fs]") {
  rigtest::TempDir t;
  for (const char* bad : {"/", ".", "..", "x/.", "x/.."}) {
    auto r = rig::check_output_dir(bad, {"summary.json"}, "report");
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().category() == rig::Category::Usage);
    CHECK_THAT(r.error().what(), Catch::Contains("names no entry rigctl can replace"));
  }
  auto too_long = rig::check_output_dir(t / std::string(240, 'a'), {}, "report");
  REQUIRE_FALSE(too_long.ok());
  CHECK_THAT(too_long.error().what(), Catch::Contains("is 240 bytes") && Catch::Contains("allows 255"));
  CHECK(rig::check_output_dir(t / std::string(225, 'a'), {}, "report").ok());  // 225 + 30 = 255
  CHECK(rig::check_output_name(t / std::string(225, 'a')).ok());
  CHECK_THAT(rig::check_output_name(t / std::string(226, 'a')).error().what(), Catch::Contains("226 bytes"));

  CHECK(rig::check_output_dir((t / "new").string() + "/", {}, "report").ok());
  rigtest::write_text(t / "old" / "summary.json", "{}");
  CHECK(rig::check_output_dir((t / "old").string() + "//", {"summary.json"}, "report").ok());
  // And a StagingDir given the slash commits to the directory itself, not to "old/.tmp-…" inside it.
  auto s = rig::StagingDir::create((t / "old").string() + "/");
  REQUIRE(s.ok());
  CHECK(s->path().parent_path() == t.path());
  rigtest::write_text(s->path() / "summary.json", "{\"new\": 1}");
  REQUIRE(s->commit().ok());
  CHECK(rigtest::read_text(t / "old" / "summary.json") == "{\"new\": 1}");
  CHECK(rig::without_trailing_slash("/") == "/");
  CHECK(rig::without_trailing_slash("a//") == "a");
  CHECK(rig::without_trailing_slash("a/b") == "a/b");
}

}  // namespace rigtest_core_output_dir
