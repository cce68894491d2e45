#include "support/catch.hpp"

#include "core/fs.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_fs_stale {

TEST_CASE("fs: remove_stale_staging removes only old staging leftovers", "[core][fs]") {
  rigtest::TempDir t;
  namespace fs = std::filesystem;
  fs::create_directories(t.path() / "base" / "abc.tmp-old00001" / "x");
  fs::create_directories(t.path() / "base" / "def.tmp-new00001");
  fs::create_directories(t.path() / "images" / "keep");
  rigtest::write_text(t.path() / "images" / "keep" / "index.json", "{}");
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(t.path() / "base" / "abc.tmp-old00001", old);
  auto removed = rig::remove_stale_staging(t.path(), std::chrono::hours(1));
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].filename() == "abc.tmp-old00001");
  CHECK_FALSE(fs::exists(t.path() / "base" / "abc.tmp-old00001"));
  CHECK(fs::exists(t.path() / "base" / "def.tmp-new00001"));
  CHECK(fs::exists(t.path() / "images" / "keep" / "index.json"));
}

}  // namespace rigtest_core_fs_stale
