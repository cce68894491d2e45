#include "support/catch.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "builder/build.hpp"
#include "builder/package_cache.hpp"
#include "core/sha256.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_package_cache {

using rigtest::read_text;
using rigtest::TempDir;
using rigtest::write_text;
namespace fs = std::filesystem;

namespace {

// A "downloaded" .deb as apt leaves it in its archive dir.
void deb(const fs::path& dir, const std::string& name, const std::string& body) { write_text(dir / name, body); }

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("package cache: names apt writes are cached, nothing else", "[builder][package-cache]") {
  CHECK(rig::is_deb_name("libc6_2.41-12_amd64.deb"));
  CHECK(rig::is_deb_name("podman_5.4.2+ds1-2_amd64.deb"));
  CHECK(rig::is_deb_name("base-files_13.8+deb13u1_amd64.deb"));
  CHECK(rig::is_deb_name("libgpg-error0_1.51-4_amd64.deb"));
  CHECK(rig::is_deb_name("sudo_1%3a1.9.16p2-3_amd64.deb"));  // an epoch, %-encoded by apt
  CHECK(rig::is_deb_name("tzdata_2025b-4_all.deb"));
  for (const char* bad : {"lock", "partial", "a_1_amd64.deb.sha256", "../x_1_amd64.deb", "x_1_amd64.udeb", "x_amd64.deb",
                          "x__amd64.deb", "_1_amd64.deb", "x_1_.deb", "x_1_a_b.deb", ".x_1_amd64.deb", "-x_1_amd64.deb",
                          "x y_1_amd64.deb", "x_1_amd64.deb\n", "x.tmp-abc_1_amd64.deb", "x_1.old-2_amd64.deb", ""})
    CHECK_FALSE(rig::is_deb_name(bad));
  CHECK(rig::deb_slot("libc6_2.41-12_amd64.deb") == "libc6_amd64");
  CHECK(rig::deb_slot("sudo_1%3a1.9.16p2-3_amd64.deb") == "sudo_amd64");
}

TEST_CASE("package cache: one directory per distro, suite and mirror; the URI only as a hash", "[builder][package-cache]") {
  auto a = rig::package_cache_dir("/c/debs", "debian", "trixie", "http://deb.debian.org/debian");
  CHECK(a.parent_path() == "/c/debs");
  CHECK(a.filename().string().starts_with("debian-trixie-"));
  CHECK(a.filename().string().size() == std::string("debian-trixie-").size() + 16);
  CHECK(a != rig::package_cache_dir("/c/debs", "debian", "bookworm", "http://deb.debian.org/debian"));
  CHECK(a != rig::package_cache_dir("/c/debs", "debian", "trixie", "http://mirror.example/debian"));
  CHECK(a != rig::package_cache_dir("/c/debs", "ubuntu", "trixie", "http://deb.debian.org/debian"));
  CHECK(rig::package_cache_dir("/c/debs", "debian", "trixie", "../../../etc").parent_path() == "/c/debs");
}

TEST_CASE("package cache: records round-trip and malformed ones are refused", "[builder][package-cache]") {
  std::string h = rig::sha256_hex("x");
  std::string sha;
  uint64_t size = 0;
  REQUIRE(rig::parse_package_record(rig::package_record(h, 1234), sha, size));
  CHECK(sha == h);
  CHECK(size == 1234);
  for (std::string bad : {std::string(""), h + " 12", h + " \n", h + " 012\n", h + " -1\n", h + "  1\n", h + " 1x\n",
                          "Z" + h.substr(1) + " 1\n", h.substr(1) + " 1\n", h + " 99999999999999999999\n"})
    CHECK_FALSE(rig::parse_package_record(bad, sha, size));
}

TEST_CASE("package cache: ingest moves new .debs in, read-only with a record; seed offers them back", "[builder][package-cache]") {
  TempDir t;
  auto cache = t / "debs/debian-trixie-x", out = t / "collect", seed = t / "seed";
  deb(out, "a_1_amd64.deb", "AAAA");
  deb(out, "b_2_all.deb", "BB");
  write_text(out / "lock", "");
  fs::create_directories(out / "partial");
  write_text(out / "partial/c_1_amd64.deb", "half");  // apt's unfinished download: never taken
  auto in = rig::ingest_packages(out, cache);
  REQUIRE(in.ok());
  CHECK(in->added == 2);
  CHECK(in->bytes == 6);
  CHECK(names_in(cache) == std::set<std::string>{"a_1_amd64.deb", "a_1_amd64.deb.sha256", "b_2_all.deb", "b_2_all.deb.sha256"});
  CHECK(read_text(cache / "a_1_amd64.deb.sha256") == rig::package_record(rig::sha256_hex("AAAA"), 4));
  struct stat st {};
  REQUIRE(::stat((cache / "a_1_amd64.deb").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0444);

  fs::create_directories(seed);
  auto s = rig::seed_packages(cache, seed);
  REQUIRE(s.ok());
  CHECK(s->reused == 2);
  CHECK(s->bytes == 6);
  CHECK(s->dropped.empty());
  CHECK(read_text(seed / "a_1_amd64.deb") == "AAAA");
  CHECK(names_in(seed) == std::set<std::string>{"a_1_amd64.deb", "b_2_all.deb"});

  // The same files coming back from the next build are not written again.
  fs::remove_all(out);
  deb(out, "a_1_amd64.deb", "AAAA");
  auto again = rig::ingest_packages(out, cache);
  REQUIRE(again.ok());
  CHECK(again->added == 0);
}

TEST_CASE("package cache: a truncated or altered .deb is never offered, and leaves the cache", "[builder][package-cache]") {
  TempDir t;
  auto cache = t / "debs/d", out = t / "collect";
  deb(out, "trunc_1_amd64.deb", "0123456789");
  deb(out, "flip_1_amd64.deb", "0123456789");
  deb(out, "good_1_amd64.deb", "0123456789");
  REQUIRE(rig::ingest_packages(out, cache).ok());
  // A torn write (size differs) and a same-size corruption, which apt itself would take as is.
  fs::permissions(cache / "trunc_1_amd64.deb", fs::perms(0644));
  fs::resize_file(cache / "trunc_1_amd64.deb", 4);
  fs::permissions(cache / "flip_1_amd64.deb", fs::perms(0644));
  write_text(cache / "flip_1_amd64.deb", "0123456780");
  // A record that is not one, and a .deb with no record (an ingest killed between the two renames).
  write_text(cache / "junk_1_amd64.deb", "x");
  write_text(cache / "junk_1_amd64.deb.sha256", "not a record\n");
  write_text(cache / "orphan_1_amd64.deb", "x");

  auto seed = t / "seed";
  fs::create_directories(seed);
  auto s = rig::seed_packages(cache, seed);
  REQUIRE(s.ok());
  CHECK(names_in(seed) == std::set<std::string>{"good_1_amd64.deb"});
  CHECK(s->reused == 1);
  REQUIRE(s->dropped.size() == 3);
  std::string all;
  for (auto& d : s->dropped) all += d + "\n";
  CHECK(all.find("trunc_1_amd64.deb: has 4 bytes, recorded 10") != std::string::npos);
  CHECK(all.find("flip_1_amd64.deb: does not match its recorded sha256") != std::string::npos);
  CHECK(all.find("junk_1_amd64.deb: its record is not") != std::string::npos);
  // Dropped entries are gone (record and file); the unrecorded one is left for the next ingest.
  CHECK(names_in(cache) == std::set<std::string>{"good_1_amd64.deb", "good_1_amd64.deb.sha256", "orphan_1_amd64.deb"});

  // The next build downloads the dropped ones again; ingest takes them (and the orphan's name).
  fs::remove_all(out);
  deb(out, "trunc_1_amd64.deb", "0123456789");
  deb(out, "orphan_1_amd64.deb", "fresh");
  auto in = rig::ingest_packages(out, cache);
  REQUIRE(in.ok());
  CHECK(in->added == 2);
  CHECK(read_text(cache / "orphan_1_amd64.deb") == "fresh");
  CHECK(read_text(cache / "orphan_1_amd64.deb.sha256") == rig::package_record(rig::sha256_hex("fresh"), 5));
}

TEST_CASE("package cache: versions a build superseded are removed, other packages and arches kept", "[builder][package-cache]") {
  TempDir t;
  auto cache = t / "debs/d", out = t / "collect";
  deb(out, "libc6_2.40-1_amd64.deb", "old");
  deb(out, "libc6_2.40-1_arm64.deb", "old-arm");
  deb(out, "bash_5.2-1_amd64.deb", "bash");
  REQUIRE(rig::ingest_packages(out, cache).ok());
  fs::remove_all(out);
  deb(out, "libc6_2.41-12_amd64.deb", "new");
  auto in = rig::ingest_packages(out, cache);
  REQUIRE(in.ok());
  CHECK(in->pruned == 1);
  CHECK(names_in(cache) == std::set<std::string>{"bash_5.2-1_amd64.deb", "bash_5.2-1_amd64.deb.sha256", "libc6_2.40-1_arm64.deb",
                                                 "libc6_2.40-1_arm64.deb.sha256", "libc6_2.41-12_amd64.deb",
                                                 "libc6_2.41-12_amd64.deb.sha256"});
}

TEST_CASE("package cache: concurrent ingests and seeds of the same packages never expose a bad entry", "[builder][package-cache]") {
  TempDir t;
  auto cache = t / "debs/d";
  constexpr int kBuilds = 6, kDebs = 40;
  auto body = [](int i) { return std::string(1000 + i, static_cast<char>('a' + i % 26)); };
  std::vector<std::thread> threads;
  std::atomic<int> bad{0}, failed{0};
  for (int b = 0; b < kBuilds; ++b)
    threads.emplace_back([&, b] {
      auto out = t / ("collect" + std::to_string(b)), seed = t / ("seed" + std::to_string(b));
      for (int i = 0; i < kDebs; ++i) deb(out, "p" + std::to_string(i) + "_1_amd64.deb", body(i));
      fs::create_directories(seed);
      if (!rig::ingest_packages(out, cache).ok()) ++failed;
      auto s = rig::seed_packages(cache, seed);
      if (!s.ok()) {
        ++failed;
        return;
      }
      // Whatever a seed offers is exactly what was downloaded under that name.
      for (auto& name : names_in(seed)) {
        int i = std::stoi(name.substr(1, name.find('_') - 1));
        if (read_text(seed / name) != body(i)) ++bad;
      }
      if (!s->dropped.empty()) ++bad;
    });
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  CHECK(bad == 0);
  auto seed = t / "seed-final";
  fs::create_directories(seed);
  auto s = rig::seed_packages(cache, seed);
  REQUIRE(s.ok());
  CHECK(s->reused == kDebs);
  // No staging leftovers next to the entries.
  for (auto& n : names_in(cache)) CHECK(n.find(".tmp-") == std::string::npos);
}

TEST_CASE("package cache: a missing cache directory seeds nothing", "[builder][package-cache]") {
  TempDir t;
  fs::create_directories(t / "seed");
  auto s = rig::seed_packages(t / "nope", t / "seed");
  REQUIRE(s.ok());
  CHECK(s->reused == 0);
}

TEST_CASE("scratch dir: a memory filesystem only with room, else mmdebstrap's default", "[builder][scratch]") {
  rig::ScratchProbe p{"/dev/shm", true, rig::kScratchNeedBytes, rig::kScratchNeedBytes};
  CHECK(rig::pick_scratch_dir(p) == "/dev/shm");
  auto q = p;
  q.tmpfs = false;
  CHECK(rig::pick_scratch_dir(q).empty());
  q = p;
  q.free_bytes = rig::kScratchNeedBytes - 1;
  CHECK(rig::pick_scratch_dir(q).empty());
  q = p;
  q.mem_available = 1 << 30;
  CHECK(rig::pick_scratch_dir(q).empty());
  q = p;
  q.dir.clear();
  CHECK(rig::pick_scratch_dir(q).empty());
}

TEST_CASE("scratch dir: the probe reads MemAvailable from the given meminfo", "[builder][scratch]") {
  TempDir t;
  write_text(t / "meminfo", "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n");
  auto p = rig::probe_scratch(t.path(), t / "meminfo");
  CHECK(p.mem_available == 20000000ull * 1024);
  CHECK(p.dir == t.path());
  auto none = rig::probe_scratch(t / "missing", t / "missing-meminfo");
  CHECK(none.free_bytes == 0);
  CHECK(none.mem_available == 0);
  CHECK(rig::pick_scratch_dir(none).empty());
}

}  // namespace rigtest_builder_package_cache
