// The build cache cannot lie: damaged entries are found and rebuilt, one builder per key (a second
// waits and reuses), readers keep their entry while they use it, cache files are read-only and
// never shared by a writable name; and the bootstrap's tar stream is read to its end.
#include "support/catch.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "builder/build.hpp"
#include "builder/cache.hpp"
#include "builder/oci.hpp"
#include "builder/recipe.hpp"
#include "core/arch.hpp"
#include "core/subprocess.hpp"
#include "support/fake_runner.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_build_cache {

using rigtest::FakeRunner;
using rigtest::json;
using rigtest::TarBuilder;
using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kEpoch = 1704067200;

void write_base(const fs::path& p) {
  TarBuilder t(p);
  t.dir("./");
  t.dir("./etc/");
  t.file("./etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  t.file("./etc/group", "root:x:0:\n");
  t.dir("./usr/");
  t.dir("./usr/bin/");
  t.file("./usr/bin/newuidmap", std::string(50000, 'E'), {04755, 0, 0, 1600000000});
  t.dir("./home/");
  t.close();
}

std::string base_bytes(const TempDir& t) {
  write_base(t / "scratch.tar");
  auto b = rigtest::read_text(t / "scratch.tar");
  fs::remove(t / "scratch.tar");
  return b;
}

rig::Recipe recipe(const std::string& motd = "hi\n") {
  json j = {{"schema", "rigctl/recipe/v1"},
            {"name", "unit-cache"},
            {"base", {{"distro", "debian"}, {"suite", "trixie"}, {"mirror", "debian"}}},
            {"architectures", {rig::host_arch()}},
            {"packages", {"uidmap"}}};
  j["user"] = {{"name", "builder"}, {"uid", 1000}, {"gid", 1000}, {"home", "/home/builder"}, {"shell", "/bin/bash"},
               {"subuid", {{"start", 100000}, {"count", 65536}}}, {"subgid", {{"start", 100000}, {"count", 65536}}}};
  j["file_capabilities"] = {{{"path", "/usr/bin/newuidmap"}, {"caps", "cap_setuid=ep"}}};
  j["files"] = {{{"path", "/etc/motd"}, {"content", motd}}};
  auto r = rig::parse_recipe(j.dump(2), "/nonexistent/unit-cache.json");
  if (!r.ok()) FAIL("recipe rejected: " << r.error().what());
  return std::move(r).value();
}

rig::BuildRequest request(const TempDir& t) {
  rig::BuildRequest req;
  req.arch = rig::host_arch();
  req.mirror = "http://mirror.test/debian";
  req.epoch = kEpoch;
  req.cache_dir = t / "cache";
  return req;
}

void flip_byte(const fs::path& p, uint64_t at) {
  ::chmod(p.c_str(), 0644);
  std::string bytes = rigtest::read_text(p);
  REQUIRE(at < bytes.size());
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  std::ofstream out(p, std::ios::binary | std::ios::in | std::ios::out);
  out.seekp(static_cast<std::streamoff>(at));
  out.put(bytes[at]);
}

// Lets the first start() take its time, so a second builder arrives while the first is at work.
class SlowRunner final : public rig::CommandRunner {
 public:
  explicit SlowRunner(rig::CommandRunner& inner) : inner_(inner) {}
  rig::Result<rig::Completed> run(const rig::Command& c) override { return inner_.run(c); }
  rig::Result<std::unique_ptr<rig::Child>> start(const rig::Command& c) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return inner_.start(c);
  }

 private:
  rig::CommandRunner& inner_;
};

// "mmdebstrap" played by a real process: the tar up to its end-of-archive marker, a pause, then
// the record padding - what mmdebstrap's 1 KiB copy loop can do.
class PaddingLaterRunner final : public rig::CommandRunner {
 public:
  PaddingLaterRunner(fs::path tar, uint64_t split) : tar_(std::move(tar)), split_(split) {}
  rig::Result<rig::Completed> run(const rig::Command& c) override { return real_->run(c); }
  rig::Result<std::unique_ptr<rig::Child>> start(const rig::Command& c) override {
    rig::Command sh;
    sh.argv = {"sh", "-c",
               "head -c " + std::to_string(split_) + " '" + tar_.string() + "'; sleep 0.5; tail -c +" + std::to_string(split_ + 1) + " '" +
                   tar_.string() + "'; head -c 8192 /dev/zero"};
    sh.on_stderr_line = c.on_stderr_line;
    ++starts;
    return real_->start(sh);
  }
  int starts = 0;

 private:
  fs::path tar_;
  uint64_t split_;
  std::unique_ptr<rig::CommandRunner> real_ = rig::make_process_runner();
};

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("build cache: the tar stream is read to its end, so mmdebstrap's padding never meets a closed pipe", "[builder][build][cache]") {
  TempDir t;
  write_base(t / "base.tar");
  auto bytes = rigtest::read_text(t / "base.tar");
  // The end-of-archive marker: two zero blocks after the last non-zero byte's block.
  auto last = bytes.find_last_not_of('\0');
  REQUIRE(last != std::string::npos);
  uint64_t split = (last / 512 + 1) * 512 + 1024;
  REQUIRE(split <= bytes.size());
  PaddingLaterRunner runner(t / "base.tar", split);
  auto out = rig::build_image(recipe(), request(t), runner, {});
  if (!out.ok()) FAIL(out.error().what());
  CHECK(runner.starts == 1);
  CHECK_FALSE(out->cached);
}

TEST_CASE("build cache: tar data after the end-of-archive marker fails the build", "[builder][build][cache]") {
  TempDir t;
  FakeRunner fake;
  auto bytes = base_bytes(t) + std::string(1024, '\0') + "garbage after the end";
  fake.script_start(bytes);
  auto out = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == rig::Category::Internal);
  CHECK_THAT(out.error().what(), Catch::Contains("after its end-of-archive marker: the layer would be cut short"));
  CHECK((!fs::exists(t / "cache/base") || rigtest::list_dir(t / "cache/base").empty()));
}

TEST_CASE("build cache: entries are sealed read-only, and --out copies share no inode with them", "[builder][build][cache]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_bytes(t));
  auto out = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE(out.ok());
  CHECK(rig::verify_entry(out->image.dir).value() == "");
  for (auto& f : files_under(t / "cache/images")) {
    INFO(f);
    CHECK((fs::status(f).permissions() & fs::perms::all) == fs::perms(0444));
  }
  CHECK((fs::status(t / "cache/base" / rigtest::list_dir(t / "cache/base")[0] / "layer.tar").permissions() & fs::perms::all) ==
        fs::perms(0444));
  REQUIRE(rig::export_layout(out->image, t / "export").ok());
  for (auto& f : files_under(t / "export")) {
    INFO(f);
    struct stat st {};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK(st.st_nlink == 1);
  }
  CHECK_FALSE(fs::exists(t / "export" / rig::kEntryRecord));
}

TEST_CASE("build cache: a flipped byte in a cached layer is found, and the image rebuilt, not loaded", "[builder][build][cache]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_bytes(t));
  auto first = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE(first.ok());
  auto digest = first->image.manifest_digest;
  auto base_blob = first->image.layers[0].path;
  first->hold.reset();
  // The base blob is the base entry's layer.tar (a hard link): both are damaged.
  flip_byte(base_blob, 20000);
  fake.script_start(base_bytes(t));
  std::vector<std::string> phases;
  rig::BuildEvents ev;
  ev.phase = [&](const std::string& p) { phases.push_back(p); };
  auto second = rig::build_image(recipe(), request(t), fake, ev);
  REQUIRE(second.ok());
  CHECK_FALSE(second->cached);
  CHECK(fake.commands().size() == 2);  // bootstrapped again
  CHECK(second->image.manifest_digest == digest);
  for (auto& l : second->image.layers) CHECK(l.digest == "sha256:" + rigtest::sha256_of_file(l.path));
  bool said_image = false, said_base = false;
  for (auto& p : phases) {
    said_image = said_image || (p.find("cached image") != std::string::npos && p.find("is damaged") != std::string::npos);
    said_base = said_base || (p.find("cached base") != std::string::npos && p.find("is damaged") != std::string::npos);
  }
  CHECK(said_image);
  CHECK(said_base);
}

TEST_CASE("build cache: a damaged config blob rebuilds the image from the intact cached base", "[builder][build][cache]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_bytes(t));
  auto first = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE(first.ok());
  auto config = first->image.dir / "blobs/sha256" / rig::digest_hex(first->image.config_digest);
  first->hold.reset();
  flip_byte(config, 3);
  auto second = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE(second.ok());
  CHECK(fake.commands().size() == 1);
  CHECK(second->base_cached);
  CHECK_FALSE(second->cached);
  CHECK(second->image.manifest_digest == first->image.manifest_digest);
  CHECK(rig::verify_entry(second->image.dir).value() == "");

  // An entry without its record (an older rigctl's, or cut short) is not trusted either.
  second->hold.reset();
  fs::remove(second->image.dir / rig::kEntryRecord);
  auto third = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE(third.ok());
  CHECK_FALSE(third->cached);
  CHECK(fake.commands().size() == 1);
}

TEST_CASE("build cache: two builders of one key, one bootstrap; the second reuses the first's work", "[builder][build][cache]") {
  TempDir t;
  FakeRunner f1, f2;
  f1.script_start(base_bytes(t));
  f2.script_start(base_bytes(t));
  SlowRunner s1(f1), s2(f2);
  auto r = recipe();
  rig::Result<rig::BuildOutcome> a = rig::internal_error("not run"), b = rig::internal_error("not run");
  std::vector<std::string> waits;
  std::mutex mu;
  std::thread ta([&] { a = rig::build_image(r, request(t), s1, {}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  rig::BuildEvents ev;
  ev.phase = [&](const std::string& p) {
    std::lock_guard lock(mu);
    waits.push_back(p);
  };
  std::thread tb([&] { b = rig::build_image(r, request(t), s2, ev); });
  ta.join();
  tb.join();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(f1.commands().size() + f2.commands().size() == 1);
  CHECK(a->image.manifest_digest == b->image.manifest_digest);
  CHECK(b->cached);
  CHECK(rigtest::list_dir(t / "cache/images").size() == 1);
  CHECK(rigtest::list_dir(t / "cache/base").size() == 1);
  REQUIRE_FALSE(waits.empty());
  CHECK_THAT(waits.front(), Catch::StartsWith("wait for another rigctl building image "));
}

TEST_CASE("build cache: a --no-cache rebuild waits until readers of the entry are done", "[builder][build][cache]") {
  TempDir t;
  FakeRunner fake;
  fake.script_start(base_bytes(t));
  auto reader = rig::build_image(recipe(), request(t), fake, {});
  REQUIRE(reader.ok());
  REQUIRE(reader->hold);
  FakeRunner f2;
  f2.script_start(base_bytes(t));
  auto req = request(t);
  req.no_cache = true;
  std::atomic<bool> done{false};
  rig::Result<rig::BuildOutcome> rebuilt = rig::internal_error("not run");
  std::thread th([&] {
    rebuilt = rig::build_image(recipe(), req, f2, {});
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK_FALSE(done.load());
  // The reader's files are still there and intact while it holds the entry.
  for (auto& l : reader->image.layers) CHECK(l.digest == "sha256:" + rigtest::sha256_of_file(l.path));
  reader->hold.reset();
  th.join();
  REQUIRE(rebuilt.ok());
  CHECK(f2.commands().size() == 1);
  CHECK(rebuilt->image.manifest_digest == reader->image.manifest_digest);
  CHECK(rigtest::list_dir(t / "cache/images").size() == 1);
}

TEST_CASE("cache entry: verify_entry names what differs from the record", "[builder][cache]") {
  TempDir t;
  rigtest::write_text(t / "e/small", "hello");
  rigtest::write_text(t / "e/blobs/big", std::string(4096, 'b'));
  REQUIRE(rig::seal_entry(t / "e").ok());
  CHECK(rig::verify_entry(t / "e").value() == "");
  CHECK(rig::verify_entry(t / "e", 0).value() == "");  // every file "large": the stamps match

  // A large file whose stamp moved (any write moves mtime) is hashed again.
  flip_byte(t / "e/blobs/big", 10);
  CHECK_THAT(rig::verify_entry(t / "e", 0).value(), Catch::StartsWith("'blobs/big' does not match its recorded sha256"));
  flip_byte(t / "e/blobs/big", 10);
  // Restored bytes: intact again (by hash), whatever the stamp says.
  CHECK(rig::verify_entry(t / "e", 0).value() == "");

  rigtest::write_text(t / "e/small", "hello!");
  CHECK(rig::verify_entry(t / "e").value() == "'small' has 6 bytes, recorded 5");
  fs::remove(t / "e/small");
  CHECK(rig::verify_entry(t / "e").value() == "'small' is missing");
  fs::remove(t / "e" / rig::kEntryRecord);
  CHECK_THAT(rig::verify_entry(t / "e").value(), Catch::StartsWith("no entry.json"));
  rigtest::write_text(t / "e" / rig::kEntryRecord, "{\"files\": {\"../../etc/passwd\": {\"size\": 1, \"sha256\": \"x\"}}}");
  CHECK(rig::verify_entry(t / "e").value() == "entry.json names '../../etc/passwd'");
  rigtest::write_text(t / "e" / rig::kEntryRecord, "not json");
  CHECK(rig::verify_entry(t / "e").value() == "entry.json is not a cache entry record");
  rigtest::write_text(t / "e" / rig::kEntryRecord, "{\"files\": {\"small\": {\"size\": -1}}}");
  CHECK(rig::verify_entry(t / "e").value() == "entry.json's record of 'small' is malformed");
}

TEST_CASE("cache entry: seal_entry trusts known digests and makes files read-only", "[builder][cache]") {
  TempDir t;
  rigtest::write_text(t / "e/layer", "layer bytes");
  REQUIRE(rig::seal_entry(t / "e", {{"layer", rig::sha256_hex("layer bytes")}}).ok());
  CHECK((fs::status(t / "e/layer").permissions() & fs::perms::all) == fs::perms(0444));
  auto record = json::parse(rigtest::read_text(t / "e" / rig::kEntryRecord));
  CHECK(record["files"]["layer"]["sha256"] == rig::sha256_hex("layer bytes"));
  CHECK(record["files"]["layer"]["size"] == 11);
  CHECK_FALSE(record["files"].contains(rig::kEntryRecord));
}

}  // namespace rigtest_builder_build_cache
