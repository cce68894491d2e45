#include "engine/incus_client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <filesystem>

#include "core/fs.hpp"
#include "core/text.hpp"
#include "engine/exec_stream.hpp"
#include "engine/reply.hpp"

namespace rig {

bool is_incus_engine(const std::string& v) { return v == "incus" || v.starts_with("incus:"); }

std::string incus_socket_of(const std::string& v) {
  if (!v.starts_with("incus:")) return kIncusSocket;
  std::string p = v.substr(6);
  if (p.starts_with("unix://")) p = p.substr(7);
  return p.empty() ? kIncusSocket : p;
}

namespace {

// Incus answers {"type": "sync"|"async"|"error", "metadata": ..., "error": "..."}.
std::string incus_message(const json& body, long status) {
  if (body.is_object() && body.contains("error") && body["error"].is_string() && !body["error"].get<std::string>().empty())
    return valid_utf8(truncate_utf8(body["error"].get<std::string>(), 2000));
  return "status " + std::to_string(status);
}

const json& metadata_of(const json& body) { return member_or_null(body, "metadata"); }

std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> m;
  if (!j.is_object()) return m;
  for (auto& [k, v] : j.items())
    if (v.is_string()) m[k] = v.get<std::string>();
  return m;
}

Result<IncusInstance> read_instance(const std::string& request, const json& j) {
  return read_reply(request, [&] {
    JsonObject o(j, "");
    IncusInstance in;
    in.name = o.required("name").nonempty_str();
    in.status = opt_str(o, "status");
    in.config = string_map(member_or_null(j, "config"));
    if (j.contains("devices") && j["devices"].is_object())
      for (auto& [k, v] : j["devices"].items()) in.devices[k] = string_map(v);
    return in;
  });
}

}  // namespace

static std::string octal_mode(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

Error IncusClient::refused(const std::string& what, const Reply& r) const {
  return unavailable(what + ": Incus answered " + r.request + " with " + std::to_string(r.status) + ": " +
                     incus_message(r.body, r.status));
}

Result<IncusClient::Reply> IncusClient::call(const std::string& method, const std::string& path, const std::string& body,
                                             long timeout_ms, const std::string& content_type) {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = body;
  req.content_type = content_type;
  req.timeout_ms = timeout_ms;
  req.ignore_interrupt = method == "DELETE";  // removals run during cleanup after SIGINT
  RIG_TRY(auto http, http_request(ep_, req));
  Reply r{http.status, json(), method + " " + path};
  if (!http.body.empty()) {
    // Exec logs are plain bytes; everything else Incus sends is JSON.
    if (path.find("/logs/exec-output/") != std::string::npos) {
      r.body = http.body;
    } else {
      RIG_TRY(r.body, parse_reply(r.request, http.body, json::value_t::object));
    }
  }
  return r;
}

Result<json> IncusClient::wait(const Reply& r, const std::string& what, long timeout_ms) {
  if (r.status != 202 && r.status != 200 && r.status != 201) return refused(what, r);
  // Every field is read with its type checked: a "type" or "status" of another type is an engine
  // error naming the field (a fuzzed reply once made json::value() throw here).
  RIG_TRY(auto op, read_reply(r.request, [&]() -> std::optional<std::string> {
    if (!r.body.is_object()) return std::nullopt;
    JsonObject o(r.body, "");
    if (opt_str(o, "type") != "async") return std::nullopt;
    return opt_str(o, "operation");
  }));
  if (!op) return metadata_of(r.body);
  if (!op->starts_with("/1.0/operations/"))
    return unavailable(what + ": Incus answered " + r.request + " without an operation");
  long secs = std::max(1L, timeout_ms / 1000);
  RIG_TRY(auto w, call("GET", *op + "/wait?timeout=" + std::to_string(secs), {}, timeout_ms + 10000));
  if (w.status != 200) return refused(what, w);
  struct Outcome {
    std::string type, status, err;
    json metadata;
  };
  RIG_TRY(auto out, read_reply(w.request, [&] {
    Outcome out;
    if (!w.body.is_object()) return out;
    JsonObject o(w.body, "");
    out.type = opt_str(o, "type");
    const json& m = metadata_of(w.body);
    if (out.type == "error" || !m.is_object()) return out;
    JsonObject mo(m, "metadata");
    out.status = opt_str(mo, "status");
    out.err = opt_str(mo, "err");
    if (m.contains("metadata")) out.metadata = m["metadata"];
    return out;
  }));
  if (out.type == "error") return refused(what, w);
  if (out.status == "Success") return out.metadata;
  if (out.status == "Running" || out.status == "Pending")
    return unavailable(what + ": Incus did not finish " + r.request + " within " + std::to_string(secs) + " s");
  return unavailable(what + ": " + (out.err.empty() ? "operation " + out.status : valid_utf8(truncate_utf8(out.err, 2000))));
}

Result<EngineVersion> IncusClient::server() {
  RIG_TRY(auto r, call("GET", "/1.0", {}, 10000));
  if (r.status != 200) return refused("Incus server", r);
  RIG_TRY(auto v, read_reply(r.request, [&] {
    JsonObject o(metadata_of(r.body), "metadata");
    auto env = o.required("environment").object();
    EngineVersion v;
    v.runtime = "incus";
    v.version = opt_str(env, "server_version");
    v.api_version = opt_str(o, "api_version");
    v.kernel = opt_str(env, "kernel_version");
    v.os = "linux";
    auto arches = opt_str_list(env, "architectures");
    v.arch = arches.empty() ? "" : arches.front();
    return v;
  }));
  // Go's names, as the Docker API reports them (debian_arch_of reads these).
  if (v.arch == "x86_64") v.arch = "amd64";
  else if (v.arch == "aarch64") v.arch = "arm64";
  // AppArmor and CPUs are left to the caller (this machine's: Incus is only reached on a local socket).
  v.cgroup_version = std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1";
  return v;
}

Result<std::optional<std::string>> IncusClient::alias_target(const std::string& alias) {
  RIG_TRY(auto r, call("GET", "/1.0/images/aliases/" + url_escape(alias)));
  if (r.status == 404) return std::optional<std::string>();
  if (r.status != 200) return refused("image alias " + alias, r);
  return read_reply(r.request, [&] {
    JsonObject o(metadata_of(r.body), "metadata");
    return std::optional<std::string>(o.required("target").nonempty_str());
  });
}

Result<std::string> IncusClient::import_image(const std::filesystem::path& tarball) {
  int fd = ::open(tarball.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("open '" + tarball.string() + "': " + std::strerror(errno));
  HttpRequest req;
  req.method = "POST";
  req.path = "/1.0/images";
  req.content_type = "application/octet-stream";
  req.stall_ms = 120000;
  req.upload = [fd](char* buf, size_t len) -> long {
    for (;;) {
      ssize_t n = ::read(fd, buf, len);
      if (n < 0 && errno == EINTR) continue;
      return static_cast<long>(n);
    }
  };
  auto http = http_request(ep_, req);
  ::close(fd);
  RIG_TRY(auto resp, std::move(http));
  Reply r{resp.status, json(), "POST /1.0/images"};
  if (!resp.body.empty()) {
    RIG_TRY(r.body, parse_reply(r.request, resp.body, json::value_t::object));
  }
  RIG_TRY(auto meta, wait(r, "import image", 600000));
  if (!meta.is_object() || !meta.contains("fingerprint") || !meta["fingerprint"].is_string())
    return unavailable("import image: Incus's operation did not name the image's fingerprint");
  return meta["fingerprint"].get<std::string>();
}

Status IncusClient::create_alias(const std::string& alias, const std::string& fingerprint) {
  RIG_TRY(auto r, call("POST", "/1.0/images/aliases", json{{"name", alias}, {"target", fingerprint}}.dump()));
  if (r.status != 200 && r.status != 201) return refused("image alias " + alias, r);
  return ok();
}

Result<std::vector<std::pair<std::string, std::map<std::string, std::string>>>> IncusClient::images() {
  RIG_TRY(auto r, call("GET", "/1.0/images?recursion=1"));
  if (r.status != 200) return refused("list images", r);
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
  const json& m = metadata_of(r.body);
  if (!m.is_array()) return unavailable("list images: Incus answered " + r.request + " without a list");
  for (auto& i : m)
    if (i.is_object() && i.contains("fingerprint") && i["fingerprint"].is_string())
      out.emplace_back(i["fingerprint"].get<std::string>(), string_map(member_or_null(i, "properties")));
  return out;
}

Status IncusClient::delete_image(const std::string& fingerprint) {
  RIG_TRY(auto r, call("DELETE", "/1.0/images/" + url_escape(fingerprint)));
  if (r.status == 404) return ok();
  RIG_TRY(auto m, wait(r, "delete image " + fingerprint, 120000));
  (void)m;
  return ok();
}

Status IncusClient::create_instance(const json& body) {
  std::string name = str_member(body, "name");
  std::string text;
  try {
    text = body.dump();
  } catch (const json::exception&) {
    return usage_error("create instance " + name + ": a value is not valid UTF-8 text");
  }
  RIG_TRY(auto r, call("POST", "/1.0/instances", text));
  RIG_TRY(auto m, wait(r, "create instance " + name, 600000));
  (void)m;
  return ok();
}

Result<std::optional<IncusInstance>> IncusClient::instance(const std::string& name) {
  RIG_TRY(auto r, call("GET", "/1.0/instances/" + url_escape(name)));
  if (r.status == 404) return std::optional<IncusInstance>();
  if (r.status != 200) return refused("instance " + name, r);
  RIG_TRY(auto in, read_instance(r.request, metadata_of(r.body)));
  return std::optional<IncusInstance>(std::move(in));
}

Result<std::vector<IncusInstance>> IncusClient::instances() {
  RIG_TRY(auto r, call("GET", "/1.0/instances?recursion=1"));
  if (r.status != 200) return refused("list instances", r);
  const json& m = metadata_of(r.body);
  if (!m.is_array()) return unavailable("list instances: Incus answered " + r.request + " without a list");
  std::vector<IncusInstance> out;
  for (auto& i : m) {
    RIG_TRY(auto in, read_instance(r.request, i));
    out.push_back(std::move(in));
  }
  return out;
}

Status IncusClient::change_state(const std::string& name, const std::string& action, int timeout_s, bool force) {
  json body{{"action", action}, {"timeout", timeout_s}, {"force", force}};
  RIG_TRY(auto r, call("PUT", "/1.0/instances/" + url_escape(name) + "/state", body.dump()));
  RIG_TRY(auto m, wait(r, action + " instance " + name, (timeout_s + 120) * 1000L));
  (void)m;
  return ok();
}

Status IncusClient::settle_instance(const std::string& name, long timeout_ms) {
  RIG_TRY(auto r, call("GET", "/1.0/operations?recursion=1"));
  if (r.status != 200) return refused("list operations", r);
  const std::string self = "/1.0/instances/" + url_escape(name);
  RIG_TRY(auto ids, read_reply(r.request, [&] {
    std::vector<std::string> busy;
    JsonObject m(metadata_of(r.body), "metadata");
    for (const char* state : {"running", "pending"}) {
      auto ops = m.optional(state);
      if (!ops || ops->is_null()) continue;
      for (auto& op_node : ops->array()) {
        JsonObject op = op_node.object();
        auto resources = op.optional("resources");
        if (!resources || resources->is_null()) continue;
        JsonObject res = resources->object();
        auto on = opt_str_list(res, "instances");
        if (std::find(on.begin(), on.end(), self) != on.end()) busy.push_back(op.required("id").nonempty_str());
      }
    }
    return busy;
  }));
  long secs = std::max(1L, timeout_ms / 1000);
  for (auto& id : ids) {
    // The operation's own outcome (a create that fails) is not this caller's: only that it ended.
    RIG_TRY(auto w, call("GET", "/1.0/operations/" + url_escape(id) + "/wait?timeout=" + std::to_string(secs), {}, timeout_ms + 10000));
    (void)w;
  }
  return ok();
}

Status IncusClient::delete_instance(const std::string& name) {
  // An interrupted launch leaves Incus creating (or starting) the instance, and Incus refuses to stop
  // or delete it until that ends ("Instance is busy running a "create" operation"); a create still
  // running may not have made the instance yet. Wait for it first.
  RIG_CHECK(settle_instance(name, 120000));
  RIG_TRY(auto in, instance(name));
  if (!in) return ok();
  if (in->status != "Stopped") {
    json body{{"action", "stop"}, {"timeout", -1}, {"force", true}};
    RIG_TRY(auto r, call("PUT", "/1.0/instances/" + url_escape(name) + "/state", body.dump()));
    if (r.status != 404) {
      RIG_TRY(auto m, wait(r, "stop instance " + name, 120000));
      (void)m;
    }
  }
  RIG_TRY(auto r, call("DELETE", "/1.0/instances/" + url_escape(name)));
  if (r.status == 404) return ok();
  RIG_TRY(auto m, wait(r, "delete instance " + name, 300000));
  (void)m;
  return ok();
}

Result<int> IncusClient::init_pid(const std::string& name) {
  RIG_TRY(auto r, call("GET", "/1.0/instances/" + url_escape(name) + "/state"));
  if (r.status != 200) return refused("instance state " + name, r);
  const json& m = metadata_of(r.body);
  if (!m.is_object() || !m.contains("pid") || !m["pid"].is_number_integer()) return 0;
  return static_cast<int>(m["pid"].get<int64_t>());
}

Status IncusClient::create_volume(const std::string& pool, const std::string& name, const std::map<std::string, std::string>& config) {
  json body{{"name", name}, {"type", "custom"}, {"config", config}};
  RIG_TRY(auto r, call("POST", "/1.0/storage-pools/" + url_escape(pool) + "/volumes", body.dump()));
  // Another's volume (a live rig's, a leftover, not rigctl's at all): not the caller's to use or remove.
  if (r.status == 409)
    return usage_error("a volume named '" + name + "' already exists in Incus pool '" + pool + "'",
                       "choose another --name, or remove leftovers with `rigctl gc --engine incus`");
  RIG_TRY(auto m, wait(r, "create volume " + name, 120000));
  (void)m;
  return ok();
}

Result<std::vector<std::pair<std::string, std::map<std::string, std::string>>>> IncusClient::volumes(const std::string& pool) {
  RIG_TRY(auto r, call("GET", "/1.0/storage-pools/" + url_escape(pool) + "/volumes/custom?recursion=1"));
  if (r.status == 404) return std::vector<std::pair<std::string, std::map<std::string, std::string>>>{};
  if (r.status != 200) return refused("list volumes", r);
  const json& m = metadata_of(r.body);
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
  if (!m.is_array()) return unavailable("list volumes: Incus answered " + r.request + " without a list");
  for (auto& v : m)
    if (v.is_object() && v.contains("name") && v["name"].is_string())
      out.emplace_back(v["name"].get<std::string>(), string_map(member_or_null(v, "config")));
  return out;
}

Status IncusClient::delete_volume(const std::string& pool, const std::string& name) {
  RIG_TRY(auto r, call("DELETE", "/1.0/storage-pools/" + url_escape(pool) + "/volumes/custom/" + url_escape(name)));
  if (r.status == 404) return ok();
  RIG_TRY(auto m, wait(r, "delete volume " + name, 120000));
  (void)m;
  return ok();
}

std::vector<std::string> incus_exec_command(const IncusExec& req, const std::string& marker, const std::vector<std::string>& tidy) {
  // $0 marker, $1 timeout in seconds, $2 how many markers to tidy, then those, then the command.
  // A waiting copy gives up 15 s after the claimer's own timeout (timeout -k 5 has ended it by then).
  static const std::string script = R"(d=$0 t=$1 n=$2; shift 2
while [ "$n" -gt 0 ]; do rm -rf -- "$1"; shift; n=$((n - 1)); done
if mkdir -m 700 -- "$d" 2>/dev/null; then
  timeout -k 5 "$t" "$@" >"$d/1" 2>"$d/2"; rc=$?
  echo "$rc" >"$d/r.tmp" && mv -f -- "$d/r.tmp" "$d/r"
  cat -- "$d/1"; cat -- "$d/2" >&2
elif [ -d "$d" ] && [ ! -L "$d" ]; then
  i=$((t * 10 + 150))
  while [ ! -f "$d/r" ]; do
    i=$((i - 1))
    if [ "$i" -le 0 ]; then echo "rigctl: another copy of this request did not finish in time" >&2; exit 124; fi
    sleep 0.1
  done
  rc=$(cat -- "$d/r"); cat -- "$d/1"; cat -- "$d/2" >&2
else
  timeout -k 5 "$t" "$@"; rc=$?
fi
case $rc in 126|127) exit $((rc + 100));; esac
exit "$rc")";
  std::vector<std::string> cmd = {"sh", "-c", script, marker, std::to_string(std::max(1L, req.timeout_ms / 1000)),
                                  std::to_string(tidy.size())};
  cmd.insert(cmd.end(), tidy.begin(), tidy.end());
  cmd.insert(cmd.end(), req.cmd.begin(), req.cmd.end());
  return cmd;
}

Result<ExecResult> IncusClient::exec(const std::string& name, const IncusExec& req) {
  // Incus has no exec timeout: coreutils' timeout bounds the command inside (exit 124 when it
  // fires, as the Docker-API client reports its own). Incus fails the whole operation, output and
  // all, when the command exits 126 or 127 ("Command not executable"/"not found"), and podman exits
  // 126 when its OCI runtime fails: the wrapper moves those two codes to 226/227 and back here.
  const std::string marker = "/tmp/.rigctl-exec-" + random_token(24);
  std::vector<std::string> tidy;
  {
    std::lock_guard lock(tidy_mu_);
    tidy.swap(tidy_[{name, req.uid}]);
  }
  json body{{"command", incus_exec_command(req, marker, tidy)},
            {"environment", req.env},
            {"wait-for-websocket", false},
            {"interactive", false},
            {"record-output", true},
            {"user", req.uid},
            {"group", req.gid}};
  if (!req.cwd.empty()) body["cwd"] = req.cwd;
  auto start = std::chrono::steady_clock::now();
  std::string text;
  try {
    text = body.dump();
  } catch (const json::exception&) {
    std::lock_guard lock(tidy_mu_);
    auto& later = tidy_[{name, req.uid}];
    later.insert(later.end(), tidy.begin(), tidy.end());
    return usage_error("exec in " + name + ": a value is not valid UTF-8 text");
  }
  // Incus sometimes loses the race to read the child's pid under load ("Failed to retrieve PID of
  // executing child process") and fails the request although the command may have started: the
  // same request (same marker) is sent again, twice at most, and runs the command only if no
  // earlier copy did (incus_exec_command).
  Result<json> waited = json();
  int attempt = 0;
  for (;; ++attempt) {
    auto r = call("POST", "/1.0/instances/" + url_escape(name) + "/exec", text);
    if (!r.ok()) {
      waited = std::move(r).error();
      break;
    }
    waited = wait(*r, "exec in " + name, req.timeout_ms + 30000);
    if (waited.ok() || attempt == 2 || waited.error().message().find("Failed to retrieve PID") == std::string::npos) break;
  }
  {
    // A request sent once has no other copy that could still look for its marker; the tidy list
    // goes back too when this request may not have run.
    std::lock_guard lock(tidy_mu_);
    auto& later = tidy_[{name, req.uid}];
    if (!waited.ok()) later.insert(later.end(), tidy.begin(), tidy.end());
    if (attempt == 0) later.push_back(marker);
  }
  RIG_TRY(auto meta, std::move(waited));
  ExecResult out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (meta.is_object() && meta.contains("return") && meta["return"].is_number_integer())
    out.exit_code = static_cast<int>(meta["return"].get<int64_t>());
  if (out.exit_code == 226 || out.exit_code == 227) out.exit_code -= 100;
  if (meta.is_object() && meta.contains("output") && meta["output"].is_object()) {
    for (const char* fd : {"1", "2"}) {
      if (!meta["output"].contains(fd) || !meta["output"][fd].is_string()) continue;
      std::string log = meta["output"][fd].get<std::string>();
      RIG_TRY(auto lr, call("GET", log, {}, 60000));
      if (lr.status == 200 && lr.body.is_string()) {
        std::string bytes = lr.body.get<std::string>();
        if (out.out.size() + bytes.size() > kMaxExecOutput) {
          bytes.resize(kMaxExecOutput - std::min(kMaxExecOutput, out.out.size()));
          out.truncated = true;
          out.truncated_why = "output over " + std::to_string(kMaxExecOutput) + " bytes";
        }
        out.out += bytes;
      }
      (void)call("DELETE", log, {}, 30000);
    }
  }
  return out;
}

Status IncusClient::push_file(const std::string& name, const std::string& path, const std::string& content, uint32_t uid,
                              uint32_t gid, uint32_t mode) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/1.0/instances/" + url_escape(name) + "/files?path=" + url_escape(path);
  req.body = content;
  req.content_type = "application/octet-stream";
  req.headers = {"X-Incus-uid: " + std::to_string(uid), "X-Incus-gid: " + std::to_string(gid),
                 "X-Incus-mode: " + octal_mode(mode), "X-Incus-type: file", "X-Incus-write: overwrite"};
  req.stall_ms = 120000;
  RIG_TRY(auto http, http_request(ep_, req));
  Reply r{http.status, json(), "POST " + req.path};
  if (!http.body.empty()) {
    RIG_TRY(r.body, parse_reply(r.request, http.body, json::value_t::object));
  }
  if (r.status != 200) return refused("push " + path + " into " + name, r);
  return ok();
}

}  // namespace rig
