#include "support/catch.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "builder/oci.hpp"
#include "builder/rootfs_writer.hpp"
#include "builder/tar_io.hpp"
#include "security/capability.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_rootfs_writer {

using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

struct Item {
  std::string path;
  int type = AE_IFREG;
  uint32_t perm = 0644;
  uint32_t uid = 0, gid = 0;
  std::string content;
  std::string symlink;
  std::string cap;  // security.capability value
};

Item file(std::string path, uint32_t perm, uint32_t uid = 0, uint32_t gid = 0, std::string content = "", std::string cap = "") {
  Item it;
  it.path = std::move(path), it.perm = perm, it.uid = uid, it.gid = gid, it.content = std::move(content), it.cap = std::move(cap);
  return it;
}
Item dir(std::string path, uint32_t perm = 0755, uint32_t uid = 0, uint32_t gid = 0) {
  Item it = file(std::move(path), perm, uid, gid);
  it.type = AE_IFDIR;
  return it;
}
Item symlink_item(std::string path, std::string target) {
  Item it = file(std::move(path), 0777);
  it.type = AE_IFLNK;
  it.symlink = std::move(target);
  return it;
}

rig::LayerInfo layer(const fs::path& p, const std::vector<Item>& items) {
  auto w = rig::TarWriter::create(p);
  REQUIRE(w.ok());
  for (auto& it : items) {
    rig::EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), it.path.c_str());
    archive_entry_set_filetype(e.get(), static_cast<unsigned>(it.type));
    archive_entry_set_perm(e.get(), it.perm);
    archive_entry_set_uid(e.get(), it.uid);
    archive_entry_set_gid(e.get(), it.gid);
    archive_entry_set_mtime(e.get(), 1704067200, 0);
    if (!it.symlink.empty()) archive_entry_set_symlink(e.get(), it.symlink.c_str());
    if (!it.cap.empty()) archive_entry_xattr_add_entry(e.get(), "security.capability", it.cap.data(), it.cap.size());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(it.type == AE_IFREG ? it.content.size() : 0));
    REQUIRE((*w)->add(e.get(), it.type == AE_IFREG ? it.content : std::string()).ok());
  }
  auto done = (*w)->finish();
  REQUIRE(done.ok());
  return *done;
}

std::string xattr_of(const fs::path& p, const char* name) {
  char buf[64];
  ssize_t n = ::lgetxattr(p.c_str(), name, buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("rootfs_writer: capabilities become v3 with the shifted rootid", "[builder][rootfs]") {
  rig::FileCaps setuid_ep;
  setuid_ep.permitted = 1ULL << 7;
  setuid_ep.effective = true;
  std::string v2 = rig::vfs_cap_xattr(setuid_ep);
  REQUIRE(v2.size() == 20);
  auto v3 = rig::shift_capability_xattr(v2, 1000000);
  REQUIRE(v3.ok());
  // The spike's bytes for newuidmap after `setcap -n 1000000 cap_setuid=ep`.
  const unsigned char want[] = {0x01, 0, 0, 0x03, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x42, 0x0f, 0x00};
  CHECK(*v3 == std::string(reinterpret_cast<const char*>(want), sizeof want));
  // A v3 already shifted once moves on by the shift again (rootid + shift).
  auto again = rig::shift_capability_xattr(*v3, 5);
  REQUIRE(again.ok());
  CHECK(static_cast<unsigned char>((*again)[20]) == 0x45);
  CHECK(rig::shift_capability_xattr("junk", 1).error().category() == rig::Category::Usage);
  CHECK(!rig::shift_capability_xattr(std::string(20, '\0'), 1).ok());
}

TEST_CASE("rootfs_writer: later layers win, whiteouts and opaque dirs, owners shifted, setuid and caps kept", "[builder][rootfs]") {
  if (::geteuid() != 0) {
    WARN("needs root (chown, security.capability)");
    return;
  }
  TempDir t;
  rig::FileCaps caps;
  caps.permitted = 1ULL << 7;
  caps.effective = true;
  std::vector<Item> base = {
      dir("./"),
      dir("./etc/"),
      file("./etc/old", 0644, 0, 0, "old"),
      file("./etc/keep", 0640, 0, 42, "keep"),
      dir("./opq/"),
      file("./opq/gone", 0644, 0, 0, "gone"),
      dir("./usr/bin/"),
      file("./usr/bin/su", 04755, 0, 0, "su"),
      file("./usr/bin/newuidmap", 04755, 0, 0, "v1"),
      dir("./home/builder/", 0700, 1000, 1000),
     symlink_item("./bin", "usr/bin"),
      dir("./dir-then-file/"),
      file("./dir-then-file/child", 0644, 0, 0, "child"),
  };
  std::vector<Item> top = {
      file("./etc/.wh.old", 0644),
      file("./opq/.wh..wh..opq", 0644),
      file("./opq/new", 0644, 0, 0, "new"),
      file("./usr/bin/newuidmap", 0755, 0, 0, "v2", rig::vfs_cap_xattr(caps)),
      file("./dir-then-file", 0644, 0, 0, "file"),
  };
  rig::OciImage img;
  img.layers = {layer(t / "l1.tar", base), layer(t / "l2.tar", top)};
  fs::create_directories(t / "rootfs");
  auto w = rig::write_rootfs(img, t / "rootfs", 1000000);
  REQUIRE(w.ok());
  CHECK(w->capabilities == 1);
  auto r = t / "rootfs";
  struct stat st {};
  CHECK(!fs::exists(r / "etc" / "old"));
  CHECK(!fs::exists(r / "etc" / ".wh.old"));
  CHECK(!fs::exists(r / "opq" / "gone"));
  CHECK(rigtest::read_text(r / "opq" / "new") == "new");
  CHECK(rigtest::read_text(r / "dir-then-file") == "file");
  REQUIRE(::lstat((r / "etc" / "keep").c_str(), &st) == 0);
  CHECK(st.st_uid == 1000000);
  CHECK(st.st_gid == 1000042);
  CHECK((st.st_mode & 07777) == 0640);
  REQUIRE(::lstat((r / "usr" / "bin" / "su").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 04755);  // a chown would have cleared it
  CHECK(st.st_uid == 1000000);
  REQUIRE(::lstat((r / "usr" / "bin" / "newuidmap").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(rigtest::read_text(r / "usr" / "bin" / "newuidmap") == "v2");
  std::string cap = xattr_of(r / "usr" / "bin" / "newuidmap", "security.capability");
  REQUIRE(cap.size() == 24);
  CHECK(cap == rig::shift_capability_xattr(rig::vfs_cap_xattr(caps), 1000000).value());
  REQUIRE(::lstat((r / "home" / "builder").c_str(), &st) == 0);
  CHECK(st.st_uid == 1001000);
  CHECK((st.st_mode & 07777) == 0700);
  REQUIRE(::lstat((r / "bin").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(st.st_uid == 1000000);
  REQUIRE(::lstat(r.c_str(), &st) == 0);
  CHECK(st.st_uid == 1000000);
}

TEST_CASE("rootfs_writer: an entry through a symlink or with .. never leaves the rootfs", "[builder][rootfs]") {
  if (::geteuid() != 0) {
    WARN("needs root (chown)");
    return;
  }
  TempDir t;
  fs::create_directories(t / "outside");
  std::vector<Item> l1 = {symlink_item("./escape", (t / "outside").string())};
  std::vector<Item> l2 = {file("./escape/pwned", 0644, 0, 0, "x")};
  rig::OciImage img;
  img.layers = {layer(t / "l1.tar", l1), layer(t / "l2.tar", l2)};
  fs::create_directories(t / "rootfs");
  auto w = rig::write_rootfs(img, t / "rootfs", 1000000);
  CHECK(!w.ok());
  CHECK(!fs::exists(t / "outside" / "pwned"));

  std::vector<Item> dots = {file("./a/../../outside/dots", 0644, 0, 0, "x")};
  rig::OciImage img2;
  img2.layers = {layer(t / "d.tar", dots)};
  fs::create_directories(t / "rootfs2");
  CHECK(!rig::write_rootfs(img2, t / "rootfs2", 1000000).ok());
  CHECK(!fs::exists(t / "outside" / "dots"));
}

}  // namespace rigtest_builder_rootfs_writer
