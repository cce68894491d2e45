// Sparse members in the base-layer transform, with archives made by the real GNU tar --sparse: the
// layer must hold the file as it reads (holes as zeros), in both GNU and pax sparse formats, and
// its scan must hash the layer whole.
#include "support/catch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/layers.hpp"
#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_layers_sparse {

using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kEpoch = 1704067200;

void run_sh(const std::string& script) {
  rig::Command c;
  c.argv = {"sh", "-c", script};
  auto r = rig::make_process_runner()->run(c);
  REQUIRE(r.ok());
  INFO(r->err);
  REQUIRE(r->status == 0);
}

// A 3 MiB file with data at 0, at 1 MiB and in its last bytes, holes between, and a file that is
// one hole with data only at its start (its end is a hole: no data block describes it).
std::string make_sparse_tree(const TempDir& t) {
  auto root = t / "root";
  fs::create_directories(root / "var/log");
  run_sh("cd '" + root.string() + "' && printf 'HEAD' > var/log/sparse && "
         "printf 'MIDDLE' | dd of=var/log/sparse bs=1 seek=1048576 conv=notrunc status=none && "
         "truncate -s 3145728 var/log/sparse && printf 'TAIL' | dd of=var/log/sparse bs=1 seek=3145724 conv=notrunc status=none && "
         "printf 'start' > var/log/lastlog && truncate -s 2097152 var/log/lastlog");
  std::string expect(3145728, '\0');
  expect.replace(0, 4, "HEAD");
  expect.replace(1048576, 6, "MIDDLE");
  expect.replace(3145724, 4, "TAIL");
  return expect;
}

rig::LayerInfo normalize_file(const fs::path& in, const fs::path& out, const std::set<std::string>& capture, rig::BaseScan& scan) {
  int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto r = rig::normalize_base_layer(fd, "sparse fixture", out, kEpoch, capture, scan);
  ::close(fd);
  if (!r.ok()) FAIL("normalize_base_layer failed: " << r.error().what());
  return r.value();
}

}  // namespace

TEST_CASE("layers: sparse members (tar --sparse, GNU and pax) are expanded into regular files", "[builder][layers][sparse]") {
  for (std::string format : std::vector<std::string>{"gnu", "posix"}) {
    SECTION(format) {
      TempDir t;
      auto expect = make_sparse_tree(t);
      run_sh("cd '" + (t / "root").string() + "' && tar --sparse --format=" + format + " -cf '" + (t / "in.tar").string() + "' ./var");
      // The fixture really is sparse: far smaller than the files it holds.
      REQUIRE(fs::file_size(t / "in.tar") < 100000);
      rig::BaseScan scan;
      auto layer = normalize_file(t / "in.tar", t / "out.tar", {"/var/log/lastlog"}, scan);
      auto by = rigtest::tar_by_path(rigtest::read_tar(t / "out.tar"));
      REQUIRE(by.count("./var/log/sparse"));
      CHECK(by["./var/log/sparse"].type == AE_IFREG);
      CHECK(by["./var/log/sparse"].size == 3145728);
      CHECK(by["./var/log/sparse"].content == expect);
      std::string lastlog(2097152, '\0');
      lastlog.replace(0, 5, "start");
      CHECK(by["./var/log/lastlog"].content == lastlog);
      // The captured copy is whole too.
      CHECK(scan.captured.at("/var/log/lastlog").content == lastlog);
      // GNU tar itself reads the layer back to the same bytes.
      fs::create_directories(t / "x");
      run_sh("tar -C '" + (t / "x").string() + "' -xf '" + (t / "out.tar").string() + "' && cmp '" + (t / "x/var/log/sparse").string() +
             "' '" + (t / "root/var/log/sparse").string() + "'");
      // And the layer's scan hashes exactly the file written.
      auto s = rig::scan_layer(t / "out.tar", {"/var/log/lastlog"});
      REQUIRE(s.ok());
      CHECK("sha256:" + s->sha256 == layer.digest);
      CHECK(s->size == fs::file_size(t / "out.tar"));
      CHECK(s->captured.at("/var/log/lastlog").content == lastlog);
    }
  }
}

TEST_CASE("layers: a sparse member that would expand beyond the limit is refused", "[builder][layers][sparse]") {
  TempDir t;
  fs::create_directories(t / "root");
  run_sh("cd '" + (t / "root").string() + "' && printf x > huge && truncate -s 5G huge && tar --sparse -cf '" + (t / "in.tar").string() +
         "' ./huge");
  rig::BaseScan scan;
  int fd = ::open((t / "in.tar").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto r = rig::normalize_base_layer(fd, "sparse fixture", t / "out.tar", kEpoch, {}, scan);
  ::close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Internal);
  CHECK(r.error().what() == "tar 'sparse fixture': sparse file '/huge' would expand to 5368709120 bytes (more than 4294967296)");
}

namespace {

// normalize_base_layer over one of the fuzz regression inputs; returns its error text ("" if none).
std::string normalize_regression(const std::string& name) {
  TempDir t;
  rig::BaseScan scan;
  auto in = (rigtest::source_root() / "fuzz" / "regressions" / "base_layer" / name).string();
  int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto r = rig::normalize_base_layer(fd, "fixture", t / "out.tar", kEpoch, {}, scan);
  ::close(fd);
  return r.ok() ? "" : r.error().what();
}

}  // namespace

// Found by fuzzing: the member's data was longer than its header (a garbled pax sparse map) and
// the layer written from it could not be read back.
TEST_CASE("layers: a member whose data and header sizes differ is refused", "[builder][layers][sparse]") {
  CHECK_THAT(normalize_regression("sparse-map-garbled-layer-unreadable.tar"),
             Catch::Contains("bytes of data but its header says") && Catch::Contains("garbled sparse map"));
}

// Found by fuzzing: a name with bytes outside printable ASCII came back from the cache %-encoded.
TEST_CASE("layers: an xattr name the pax writer would change is refused", "[builder][layers]") {
  CHECK_THAT(normalize_regression("xattr-name-not-printable-ascii.tar"),
             Catch::Contains("extended attribute whose name is not printable ASCII without '%' or '='"));
}

}  // namespace rigtest_builder_layers_sparse
