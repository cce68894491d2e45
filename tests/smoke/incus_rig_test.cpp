#include "support/catch.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <map>

#include "builder/incus_image.hpp"
#include "builder/recipe.hpp"
#include "builder/tar_io.hpp"
#include "engine/scripted_server.hpp"
#include "smoke/incus_rig.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_incus_rig {

namespace fs = std::filesystem;

namespace {

rig::LaunchSpec incus_spec(std::set<std::string> without = {}) {
  auto r = rig::load_recipe(rigtest::test_data_dir() / ".." / "recipes" / "debian-trixie.json");
  REQUIRE(r.ok());
  rig::LaunchSettings s;
  s.image = "rigctl-debian-trixie-amd64-0123456789ab";
  s.name = "rig-x";
  s.run_id = "run1";
  s.engine_kind = "incus";
  s.without = std::move(without);
  s.seccomp_profile = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]})";
  s.host = {false, 2, "1", false};
  auto spec = rig::make_launch_spec(r.value(), s);
  REQUIRE(spec.ok());
  return spec.value();
}

rig::IncusPlacement placement() {
  rig::json cfg = {{"User", "1000:1000"},
                   {"WorkingDir", "/workspace"},
                   {"Entrypoint", {"/usr/local/bin/rig-entrypoint"}},
                   {"Cmd", {"sleep", "infinity"}},
                   {"Env", {"PATH=/usr/bin:/bin", "HOME=/home/builder"}}};
  return rig::IncusPlacement{"rigctl", rig::image_process(cfg)};
}

// A one-file-per-entry tar layer: path -> content ("" and a trailing '/' for a directory).
rig::LayerInfo layer(const fs::path& p, const std::vector<std::pair<std::string, std::string>>& entries) {
  auto w = rig::TarWriter::create(p);
  REQUIRE(w.ok());
  for (auto& [path, content] : entries) {
    rig::EntryPtr e(archive_entry_new());
    bool dir = path.back() == '/';
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e.get(), dir ? 0755 : 0644);
    archive_entry_set_uid(e.get(), 1000);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    REQUIRE((*w)->add(e.get(), content).ok());
  }
  auto l = (*w)->finish();
  REQUIRE(l.ok());
  return l.value();
}

std::map<std::string, std::string> read_tar(const fs::path& p) {
  std::map<std::string, std::string> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_filename(a, p.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(e)] = data + (archive_entry_uid(e) == 1000 ? "" : "#uid" + std::to_string(archive_entry_uid(e)));
  }
  archive_read_free(a);
  return out;
}

}  // namespace

TEST_CASE("incus: a launch whose create failed waits for Incus's work on the instance before looking for it", "[smoke][incus]") {
  // An interrupted create can still be running in Incus with no instance to find yet: looked up first,
  // it was "not there", left alone, and appeared a moment later holding the volumes (CI, 2026-12-08).
  rigtest::TempDir t;
  const std::string sock = (t / "incus.sock").string();
  rigtest::ScriptedServer srv(sock, {{"POST /1.0/storage-pools/rigctl/volumes", rigtest::http_reply(201, R"({"type":"sync","metadata":{}})")},
                                     {"GET /1.0/instances/rig-x", rigtest::http_reply(404, R"({"type":"error","error":"Instance not found"})")},
                                     {"POST /1.0/instances", rigtest::http_reply(500, R"({"type":"error","error":"boom"})")},
                                     {"GET /1.0/operations?recursion=1", rigtest::http_reply(200, R"({"type":"sync","metadata":{}})")},
                                     {"DELETE /1.0/storage-pools/rigctl/volumes/custom/", rigtest::http_reply(404, R"({"type":"error"})")}});
  rig::IncusClient incus(rig::parse_endpoint("unix://" + sock).value());
  auto spec = incus_spec();
  REQUIRE_FALSE(spec.volumes.empty());
  auto rig = rig::IncusRig::launch(incus, spec, "rig-x", placement());
  REQUIRE_FALSE(rig.ok());
  CHECK_THAT(rig.error().what(), Catch::Contains("boom"));
  std::vector<std::string> seen;
  for (auto& line : srv.requests()) seen.push_back(line.substr(0, line.find(" HTTP/")));
  auto create = std::find(seen.begin(), seen.end(), "POST /1.0/instances");
  REQUIRE(create != seen.end());
  REQUIRE(seen.end() - create >= 3);
  CHECK(*(create + 1) == "GET /1.0/operations?recursion=1");
  CHECK(*(create + 2) == "GET /1.0/instances/rig-x");
  CHECK(std::count_if(create, seen.end(), [](const std::string& l) { return l.starts_with("DELETE /1.0/storage-pools/rigctl/volumes/custom/"); }) ==
        static_cast<long>(spec.volumes.size()));
}

TEST_CASE("incus: the instance body is unprivileged, with the profile's keys, devices, ports and volumes", "[smoke][incus]") {
  auto spec = incus_spec();
  auto b = rig::incus_instance_body(spec, "rig-x", placement());
  auto& cfg = b["config"];
  CHECK(cfg["security.privileged"] == "false");
  CHECK(cfg["security.nesting"] == "true");
  CHECK(cfg["security.syscalls.intercept.mknod"] == "true");
  CHECK(cfg["user.io.rigctl.run"] == "run1");
  CHECK(cfg["environment.HOME"] == "/home/builder");
  CHECK(cfg["limits.memory"] == "4096MiB");
  CHECK(cfg["limits.cpu.allowance"] == "200ms/100ms");
  CHECK(cfg["limits.processes"] == "4096");
  std::string raw = cfg["raw.lxc"];
  CHECK(raw.find("lxc.init.cmd = /usr/bin/catatonit -- /usr/local/bin/rig-entrypoint sleep infinity\n") != std::string::npos);
  CHECK(raw.find("lxc.init.uid = 1000\n") != std::string::npos);
  CHECK(raw.find("lxc.signal.halt = SIGTERM\n") != std::string::npos);
  // The kept three stay; everything else (SYS_ADMIN among them) is dropped from the bounding set.
  CHECK(raw.find(" sys_admin") != std::string::npos);
  CHECK(raw.find("setuid") == std::string::npos);
  CHECK(raw.find("sys_chroot") == std::string::npos);
  // No profile (so no NIC or bridge from the default one), the root disk in rigctl's pool.
  CHECK(b["profiles"].empty());
  auto& dev = b["devices"];
  CHECK(dev["root"]["pool"] == "rigctl");
  CHECK(dev["dev-net-tun"]["type"] == "unix-char");
  CHECK(dev["vol-store"]["source"] == "rig-x-store");
  CHECK(dev["vol-store"]["path"] == "/home/builder/.local/share/containers");
  // The profile's ten ports are one range, one proxy device.
  CHECK(dev["port-10000"]["listen"] == "tcp:127.0.0.1:10000-10009");
  CHECK(dev["port-10000"]["connect"] == "tcp:127.0.0.1:10000-10009");
  CHECK_FALSE(dev.contains("port-10001"));
  for (auto& [k, d] : dev.items()) CHECK(d["type"] != "nic");
  CHECK(b["source"]["alias"] == "rigctl-debian-trixie-amd64-0123456789ab");
}

TEST_CASE("incus: Docker's flags are not rendered for Incus, removed Incus keys are absent", "[smoke][incus]") {
  auto spec = incus_spec({"nesting", "tun"});
  for (auto& f : spec.flags) {
    if (f.id == "seccomp" || f.id == "systempaths" || f.id == "cgroups") CHECK(f.state == "not-for-engine");
    if (f.id == "nesting" || f.id == "tun") CHECK(f.state == "removed");
  }
  auto b = rig::incus_instance_body(spec, "rig-x", placement());
  CHECK_FALSE(b["config"].contains("security.nesting"));
  CHECK_FALSE(b["devices"].contains("dev-net-tun"));
}

TEST_CASE("incus: init command quoting and the image's user", "[smoke][incus]") {
  CHECK(rig::lxc_init_cmd({"/bin/sh", "-c", "echo a b"}) == "/bin/sh -c 'echo a b'");
  auto p = rig::image_process({{"User", "1234"}});
  CHECK(p.uid == 1234);
  CHECK(p.gid == 1234);
  CHECK(rig::image_process(rig::json::object()).uid == 0);
}

TEST_CASE("incus: the image tarball has metadata.yaml and the layers flattened under rootfs/", "[builder][incus]") {
  rigtest::TempDir t;
  rig::OciImage img;
  img.arch = "amd64";
  img.layers = {layer(t / "l1.tar", {{"etc/", ""}, {"etc/a", "old"}, {"etc/gone", "x"}, {"opt/", ""}, {"opt/in", "y"}}),
                layer(t / "l2.tar", {{"etc/a", "new"}, {"etc/.wh.gone", ""}, {"opt/.wh..wh..opq", ""}, {"opt/only", "z"}})};
  auto out = rig::write_incus_image(img, 1704067200, {{"rigctl.managed", "true"}}, t / "image.tar");
  REQUIRE(out.ok());
  auto files = read_tar(t / "image.tar");
  REQUIRE(files.count("metadata.yaml"));
  CHECK(files["metadata.yaml"].find("architecture: \"x86_64\"") != std::string::npos);
  CHECK(files["metadata.yaml"].find("creation_date: 1704067200") != std::string::npos);
  CHECK(files["metadata.yaml"].find("\"rigctl.managed\": \"true\"") != std::string::npos);
  CHECK(files["rootfs/etc/a"] == "new");  // the later layer wins
  CHECK_FALSE(files.count("rootfs/etc/gone"));  // whited out
  CHECK_FALSE(files.count("rootfs/etc/.wh.gone"));
  CHECK_FALSE(files.count("rootfs/opt/in"));  // below an opaque directory
  CHECK(files["rootfs/opt/only"] == "z");
  CHECK(rig::incus_arch_of("arm64") == "aarch64");
  CHECK_FALSE(rig::write_incus_image(rig::OciImage{{}, {}, {}, {}, "mips", {}, 0}, 1, {}, t / "x.tar").ok());
}

TEST_CASE("incus: a recipe's Entrypoint cannot add raw.lxc lines", "[smoke][incus]") {
  auto p = placement().process;
  CHECK(rig::check_incus_process(p).ok());
  auto hostile = p;
  hostile.cmd = {"sleep", "infinity\nlxc.mount.entry = /etc etc none bind 0 0"};
  auto st = rig::check_incus_process(hostile);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Usage);
  hostile = p;
  hostile.workdir = "/w\rlxc.apparmor.profile = unconfined";
  CHECK_FALSE(rig::check_incus_process(hostile).ok());
  hostile = p;
  hostile.entrypoint = {"/bin/sh", "-c", "echo 'a b'"};
  CHECK_FALSE(rig::check_incus_process(hostile).ok());
}

}  // namespace rigtest_smoke_incus_rig
