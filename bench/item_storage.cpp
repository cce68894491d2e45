// storage: the spike's 300-file inner build with native rootless overlay against fuse-overlayfs, in
// one rig launched with the fuse-overlayfs storage (so /dev/fuse is there). Each store is selected
// explicitly per call — its storage.conf through CONTAINERS_STORAGE_CONF, its own graph root,
// --runroot and --tmpdir under /workspace — so the two never share images, layers or state.
// The graph root comes from XDG_DATA_HOME (rootless podman's default is
// $XDG_DATA_HOME/containers/storage), not from --root: podman drops the storage.conf's driver
// options when --root is given, so the "fuse" store would silently be native overlay (podman 5.4
// here: GraphOptions map[] with --root, overlay.mount_program=fuse-overlayfs without).
#include <filesystem>

#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "builder/tar_pack.hpp"

namespace rig {

namespace {

constexpr int kFiles = 300;
constexpr const char* kCtx = "/workspace/rig-bench-storage/ctx";
constexpr const char* kFuseId = "fuse-overlayfs";

struct Store {
  std::string name;  // directory under /workspace/rig-bench-storage
  std::string conf;  // CONTAINERS_STORAGE_CONF
  bool fuse;         // expected: fuse-overlayfs as overlay's mount_program
};

// The storage.conf a storage id uses: its CONTAINERS_STORAGE_CONF, else the rootless default path
// (which the recipe must ship). "" when the recipe does not say.
std::string conf_of(const Recipe& r, const InnerStorage& st) {
  if (auto it = st.env.find("CONTAINERS_STORAGE_CONF"); it != st.env.end()) return it->second;
  if (!r.user) return "";
  std::string def = r.user->home + "/.config/containers/storage.conf";
  for (auto& f : r.files)
    if (f.path == def) return def;
  return "";
}

std::string dir_of(const Store& st) { return std::string("/workspace/rig-bench-storage/") + st.name; }

std::vector<std::string> podman(const Store& st, std::vector<std::string> args) {
  std::vector<std::string> argv = {"podman", "--runroot", dir_of(st) + "/run", "--tmpdir", dir_of(st) + "/tmp"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> env_of(const Store& st) {
  return {"CONTAINERS_STORAGE_CONF=" + st.conf, "XDG_DATA_HOME=" + dir_of(st) + "/data"};
}

// The build context: 300 small files, COPY'd, then read by a RUN step.
Status put_context(Session& s, const std::string& base_ref) {
  uint32_t uid = s.recipe.user ? s.recipe.user->uid : 1000, gid = s.recipe.user ? s.recipe.user->gid : 1000;
  std::vector<PackEntry> e = {{"rig-bench-storage/", "", "", uid, gid, 0755},
                              {"rig-bench-storage/ctx/", "", "", uid, gid, 0755},
                              {"rig-bench-storage/ctx/files/", "", "", uid, gid, 0755},
                              {"rig-bench-storage/ctx/Containerfile", "",
                               "FROM " + base_ref + "\nCOPY files/ /data/\nRUN cat /data/* > /all\n", uid, gid, 0644}};
  for (int i = 0; i < kFiles; ++i)
    e.push_back({"rig-bench-storage/ctx/files/f" + std::to_string(i), "", "bench file " + std::to_string(i) + "\n", uid, gid, 0644});
  RIG_TRY(auto tar, pack_tar(e));
  return s.rig->control().put_files("/workspace", tar);
}

// Loads the base into the store and proves the store is what it claims to be.
Status prepare(Session& s, const Store& st) {
  auto env = env_of(st);
  RIG_CHECK(timed_exec(s, podman(st, {"load", "-q", "-i", kBenchBaseTar}), env).context(st.name + ": podman load"));
  RIG_TRY(auto r, s.rig->control().exec(ExecRequest{podman(st, {"info", "--format", "{{.Store.GraphRoot}} {{.Store.GraphDriverName}} {{.Store.GraphOptions}}"}),
                                                                 "", env, 60000}));
  bool fuse = r.out.find("fuse-overlayfs") != std::string::npos;
  if (r.exit_code != 0 || r.out.rfind(dir_of(st) + "/data/containers/storage overlay ", 0) != 0 || fuse != st.fuse)
    return Error(Category::Checks, st.name + ": expected overlay under " + dir_of(st) + " " + (st.fuse ? "with" : "without") +
                                       " fuse-overlayfs as mount_program, podman info says: " + r.out);
  return ok();
}

Result<double> build_once(Session& s, const Store& st) {
  auto env = env_of(st);
  RIG_TRY(double secs, timed_exec(s, podman(st, {"build", "-q", "--no-cache", "--pull=never", "-t", "localhost/rig-bench-storage", kCtx}), env)
                           .context(st.name + ": podman build"));
  // Untimed: the next build must start from the same state (only the base image present).
  RIG_CHECK(timed_exec(s, podman(st, {"rmi", "-f", "localhost/rig-bench-storage"}), env).context(st.name + ": podman rmi"));
  return secs;
}

}  // namespace

Result<std::vector<BenchItem>> bench_storage(BenchContext& c) {
  auto item = new_item("storage");
  item.reference = "spike: native 582 ms, fuse-overlayfs 1281 ms";
  item.baseline_label = "the same build on fuse-overlayfs";
  auto& launch = *c.recipe.launch;
  const InnerStorage* native = launch.find_storage("overlay");
  const InnerStorage* fuse = launch.find_storage(kFuseId);
  if (!native || !fuse) {
    mark_not_applicable(item, std::string("the recipe's launch.inner.storage has no \"") + (native ? kFuseId : "overlay") + "\" entry");
    return std::vector<BenchItem>{item};
  }
  Store n{"native", conf_of(c.recipe, *native), false}, f{"fuse", conf_of(c.recipe, *fuse), true};
  if (n.conf.empty() || f.conf.empty()) {
    mark_not_applicable(item, "the recipe does not name the storage.conf of \"" + std::string(n.conf.empty() ? "overlay" : kFuseId) + "\"");
    return std::vector<BenchItem>{item};
  }
  if (!c.conn.endpoint.unix_path.empty() && !std::filesystem::exists("/dev/fuse")) {
    mark_not_applicable(item, "the engine's host has no /dev/fuse (fuse-overlayfs needs it)");
    return std::vector<BenchItem>{item};
  }

  RIG_TRY(auto so, bench_session(c, "storage"));
  so.inner_storage = kFuseId;  // the launch profile then passes /dev/fuse
  RIG_TRY(auto s, open_ready_rig(c, so));
  RIG_CHECK(put_base_archive(*s));
  RIG_CHECK(put_context(*s, s->images.base_ref));
  RIG_CHECK(prepare(*s, n));
  RIG_CHECK(prepare(*s, f));
  // One unmeasured build per store: the first build in a fresh store creates its layout.
  RIG_CHECK(build_once(*s, n));
  RIG_CHECK(build_once(*s, f));
  std::vector<double> fuse_samples;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    RIG_TRY(double a, build_once(*s, n));
    RIG_TRY(double b, build_once(*s, f));
    item.samples.push_back(a);
    fuse_samples.push_back(b);
  }
  finish_measured(item, fuse_samples);
  return std::vector<BenchItem>{item};
}

}  // namespace rig
