#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <sstream>
#include <thread>

#include "core/catalog.hpp"
#include "core/json_reader.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"
#include "engine/engine.hpp"
#include "engine/exec_stream.hpp"
#include "engine/incus_client.hpp"
#include "engine/lxc_runtime.hpp"
#include "engine/reply.hpp"

namespace rig {

namespace {

// A reply and the request it answers ("GET /v1.41/containers/x/json"), for messages.
struct Reply {
  HttpResponse http;
  std::string request;
};

// Docker answers errors as {"message": "..."}; anything else is shown as it came, cut and printable.
std::string engine_message(const std::string& body) {
  std::string msg = body;
  if (auto j = parse_json_document(body); j && j->is_object() && j->contains("message") && (*j)["message"].is_string())
    msg = (*j)["message"].get<std::string>();
  return valid_utf8(truncate_utf8(trim(msg), 2000));
}

// An answer with a status the call does not expect: the engine refused or failed the request.
Error api_error(const std::string& what, const Reply& r) {
  return unavailable(what + ": engine answered " + r.request + " with " + std::to_string(r.http.status) + ": " +
                     engine_message(r.http.body));
}

// Request bodies carry recipe and command-line values; JSON text must be valid UTF-8.
Result<std::string> body_text(const json& j, const std::string& what) {
  try {
    return j.dump();
  } catch (const json::exception&) {
    return usage_error(what + ": a value is not valid UTF-8 text");
  }
}

// Output bytes an exec stream delivered, kept or dropped.
size_t bytes_received(const ExecStreamDecoder& d) { return d.combined().size() + d.dropped(); }

// The non-empty "Id" of a create answer.
Result<std::string> read_id(const Reply& r) {
  RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::object));
  return read_reply(r.request, [&] {
    JsonObject o(j, "");
    return o.required("Id").nonempty_str();
  });
}

class DockerEngine final : public Engine {
 public:
  DockerEngine(Endpoint ep, Pause pause) : ep_(std::move(ep)), pause_(std::move(pause)) {}

  Result<EngineVersion> version() override {
    HttpRequest req;
    req.path = "/version";
    req.timeout_ms = 10000;
    RIG_TRY(auto http, http_request(ep_, req));
    Reply r{std::move(http), "GET /version"};
    if (r.http.status == 404 || r.http.status == 400)
      return unavailable("'" + ep_.display + "' does not answer the Docker Engine API (GET /version: " +
                         std::to_string(r.http.status) + ")");
    if (r.http.status != 200) return api_error("engine version", r);
    RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::object));
    RIG_TRY(auto v, read_reply(r.request, [&] {
      JsonObject o(j, "");
      EngineVersion v;
      v.version = opt_str(o, "Version");
      v.api_version = opt_str(o, "ApiVersion");
      v.api_min = opt_str(o, "MinAPIVersion");
      v.os = opt_str(o, "Os");
      v.arch = opt_str(o, "Arch");
      v.kernel = opt_str(o, "KernelVersion");
      for (auto& c : opt_array(o, "Components")) {
        auto co = c.object();
        if (opt_str(co, "Name").find("Podman") != std::string::npos) v.podman = true;
      }
      return v;
    }));
    v.api_used = negotiate_api_version(v.api_min, v.api_version);
    // An engine older than rigctl's level keeps speaking 1.41 here; connect_engine refuses it.
    if (!v.api_used.empty()) api_ = v.api_used;
    podman_ = v.podman;
    // Host features come from the engine's host, which is not this machine for tcp:// engines.
    RIG_TRY(auto ir, call("GET", "/info", "", false, 10000));
    if (ir.http.status == 200) {
      RIG_TRY(auto info, parse_reply(ir.request, ir.http.body, json::value_t::object));
      RIG_CHECK(read_reply(ir.request, [&] {
        JsonObject o(info, "");
        for (auto& n : opt_array(o, "SecurityOptions"))
          if (n.str().find("name=apparmor") != std::string::npos) v.apparmor = true;
        if (auto n = o.optional("NCPU")) v.cpus = static_cast<int>(int_in(*n, 0, INT_MAX));
        v.cgroup_version = opt_str(o, "CgroupVersion");
        return Ok{};
      }));
    }
    return v;
  }

  Result<std::string> load_image(const std::function<Status(int fd)>& produce) override {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return os_error("pipe", errno);
    Status produced = ok();
    auto started = start_thread("the image upload", [&] {
      // Guarded here, not only by start_thread: the write end must close whatever happens, or the
      // upload below would wait for the rest of the archive for ever.
      produced = guarded("the image upload", [&] { return produce(fds[1]); });
      ::close(fds[1]);
    });
    if (!started) {
      ::close(fds[0]);
      ::close(fds[1]);
      return std::move(started).error().add_context("load image");
    }
    std::thread writer = std::move(started).value();
    HttpRequest req;
    req.method = "POST";
    req.path = api("/images/load?quiet=1");
    req.content_type = "application/x-tar";
    // A load takes as long as the image is big, so it has no total deadline; an engine that moves no
    // byte for this long (upload or answer; the answer follows the unpacking) is stuck.
    req.stall_ms = 600000;
    req.upload = [&](char* buf, size_t len) -> long {
      for (;;) {
        ssize_t n = ::read(fds[0], buf, len);
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : static_cast<long>(n);
      }
    };
    auto http = http_request(ep_, req);
    ::close(fds[0]);  // a writer still blocked on the pipe now fails with EPIPE and ends
    writer.join();
    if (!http) return std::move(http).error().add_context("load image");
    if (!produced.ok()) return std::move(produced).error().add_context("load image");
    Reply r{std::move(http).value(), "POST " + req.path};
    if (r.http.status != 200) return api_error("load image", r);
    // The body is a stream of JSON messages; an errorDetail among them means the load failed.
    std::istringstream lines(r.http.body);
    std::string line, loaded;
    while (std::getline(lines, line)) {
      if (trim(line).empty()) continue;
      auto j = parse_json_document(line);
      if (!j || !j->is_object()) {
        loaded = line;  // podman may answer plain text
        continue;
      }
      if (j->contains("errorDetail") || j->contains("error")) {
        const json& e = j->contains("error") ? (*j)["error"] : (*j)["errorDetail"];
        return unavailable("load image: the engine failed it: " +
                           valid_utf8(truncate_utf8(e.is_string() ? e.get<std::string>() : e.dump(), 2000)));
      }
      if (j->contains("stream") && (*j)["stream"].is_string()) loaded = (*j)["stream"].get<std::string>();
    }
    return valid_utf8(truncate_utf8(trim(loaded), 2000));
  }

  Result<std::optional<ImageInfo>> inspect_image(const std::string& ref) override {
    RIG_TRY(auto r, call("GET", "/images/" + url_escape(ref) + "/json"));
    if (r.http.status == 404) return std::optional<ImageInfo>();
    if (r.http.status != 200) return api_error("inspect image " + ref, r);
    RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::object));
    return read_reply(r.request, [&] {
      JsonObject o(j, "");
      ImageInfo info;
      info.id = opt_str(o, "Id");
      if (auto config = o.optional("Config")) {
        auto co = config->object();
        if (auto labels = co.optional("Labels")) info.labels = labels->str_map();
      }
      return std::optional<ImageInfo>(std::move(info));
    });
  }

  Status pull_image(const std::string& ref, bool tls_verify) override {
    HttpRequest req;
    req.method = "POST";
    // Docker's /images/create has no TLS switch; podman's compatible one ignores one, so podman is
    // asked through its own endpoint, where tlsVerify=false is per pull (no registries.conf edit).
    if (podman_) {
      req.path = "/v4.0.0/libpod/images/pull?reference=" + url_escape(ref) + "&quiet=true&tlsVerify=" +
                 (tls_verify ? "true" : "false");
    } else {
      auto colon = ref.rfind(':');
      bool has_tag = colon != std::string::npos && ref.find('/', colon) == std::string::npos;
      req.path = api("/images/create?fromImage=" + url_escape(has_tag ? ref.substr(0, colon) : ref) +
                     (has_tag ? "&tag=" + url_escape(ref.substr(colon + 1)) : ""));
    }
    req.stall_ms = 600000;  // a pull takes as long as the image is big; no byte for 10 min is stuck
    RIG_TRY(auto http, http_request(ep_, req));
    Reply r{std::move(http), "POST " + req.path};
    if (r.http.status != 200) return api_error("pull image " + ref, r);
    // Both answer 200 and then report a failure inside the stream of JSON messages.
    std::istringstream lines(r.http.body);
    std::string line;
    while (std::getline(lines, line)) {
      auto j = parse_json_document(line);
      if (!j || !j->is_object()) continue;
      if (j->contains("error") || j->contains("errorDetail")) {
        const json& e = j->contains("error") ? (*j)["error"] : (*j)["errorDetail"];
        return unavailable("pull image " + ref + ": the engine failed it: " +
                           valid_utf8(truncate_utf8(e.is_string() ? e.get<std::string>() : e.dump(), 2000)));
      }
    }
    return ok();
  }

  Status create_volume(const std::string& name, const std::map<std::string, std::string>& labels) override {
    RIG_TRY(auto body, body_text(json{{"Name", name}, {"Labels", labels}}, "create volume"));
    // Run to its end even after SIGINT (like the cleanup calls): an aborted request may still make the
    // volume after rigctl's cleanup looked for it. Creates are quick; the caller then sees the interrupt.
    RIG_TRY(auto r, call("POST", "/volumes/create", body, true));
    if (r.http.status != 201 && r.http.status != 200) return api_error("create volume " + name, r);
    // Docker and podman answer a create of a name that exists with the volume that exists (201, its
    // own labels): only the labels tell whether this call made it. One made by anyone else, with
    // someone's data in it, must be neither mounted into the rig nor removed with it.
    RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::object));
    RIG_TRY(auto have, read_reply(r.request, [&] {
      JsonObject o(j, "");
      auto l = o.optional("Labels");
      return l && !l->is_null() ? l->str_map() : std::map<std::string, std::string>{};
    }));
    for (auto& [k, v] : labels) {
      auto it = have.find(k);
      if (it != have.end() && it->second == v) continue;
      auto run = have.find(kLabelRun);
      return Error(Category::Usage,
                   "a volume named '" + name + "' already exists" +
                       (run != have.end() ? " (made by rigctl run " + run->second + ")" : " (not made by rigctl)"),
                   run != have.end() ? "remove that run's leftovers with `rigctl gc --run " + run->second + "`, or choose another --name"
                                     : "choose another --name; rigctl never mounts or removes a volume it did not make");
    }
    return ok();
  }

  Status remove_volume(const std::string& name) override {
    RIG_TRY(auto r, call("DELETE", "/volumes/" + url_escape(name) + "?force=1", "", true));
    if (r.http.status != 204 && r.http.status != 404 && r.http.status != 200) return api_error("remove volume " + name, r);
    return ok();
  }

  Result<std::vector<std::string>> list_volumes(const std::string& label_filter) override {
    json filters = {{"label", {label_filter}}};
    RIG_TRY(auto r, call("GET", "/volumes?filters=" + url_escape(filters.dump()), "", true));
    if (r.http.status != 200) return api_error("list volumes", r);
    RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::object));
    return read_reply(r.request, [&] {
      JsonObject o(j, "");
      std::vector<std::string> out;
      for (auto& v : opt_array(o, "Volumes")) {
        auto vo = v.object();
        out.push_back(vo.required("Name").nonempty_str());
      }
      return out;
    });
  }

  Result<std::string> create_container(const std::string& name, const json& spec) override {
    RIG_TRY(auto body, body_text(spec, "create container " + name));
    // Run to its end even after SIGINT: aborted, the engine went on to make the container after rigctl
    // had listed and removed what the run made (measured: SIGINT during the launch left it "Created").
    // With the answer, the container's id is known and the rig removes it.
    RIG_TRY(auto r, call("POST", "/containers/create?name=" + url_escape(name), body, true));
    if (r.http.status != 201) return api_error("create container " + name, r);
    return read_id(r);
  }

  Status start_container(const std::string& id) override {
    // Starting runs the runtime, the init and the network setup: seconds locally, but an emulated
    // (TCG) host took over 30 s under load. A generous bound costs nothing when the engine is fast.
    RIG_TRY(auto r, call("POST", "/containers/" + url_escape(id) + "/start", "", false, kSlowCallMs));
    if (r.http.status != 204 && r.http.status != 304) return api_error("start container", r);
    return ok();
  }

  Status restart_container(const std::string& id, int timeout_s, long wait_ms) override {
    RIG_TRY(auto r, call("POST", "/containers/" + url_escape(id) + "/restart?t=" + std::to_string(timeout_s), "", false, wait_ms));
    if (r.http.status != 204) return api_error("restart container", r);
    return ok();
  }

  Status stop_container(const std::string& id, int timeout_s) override {
    RIG_TRY(auto r, call("POST", "/containers/" + url_escape(id) + "/stop?t=" + std::to_string(timeout_s), "", true,
                         timeout_s * 1000L + kSlowCallMs));
    if (r.http.status != 204 && r.http.status != 304 && r.http.status != 404) return api_error("stop container", r);
    return ok();
  }

  Status remove_container(const std::string& id) override {
    RIG_TRY(auto r, call("DELETE", "/containers/" + url_escape(id) + "?force=1&v=1", "", true, 60000));
    // 409 "removal ... is already in progress": someone else (`docker rm -f`) is removing it. The
    // volumes it uses can only go once it is gone, so wait for that instead of failing.
    if (r.http.status == 409 && r.http.body.find("already in progress") != std::string::npos) {
      auto t0 = std::chrono::steady_clock::now();
      while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
        RIG_TRY(auto r2, call("GET", "/containers/" + url_escape(id) + "/json", "", true));
        if (r2.http.status == 404) return ok();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      return api_error("remove container (another removal still in progress after 60 s)", r);
    }
    if (r.http.status != 204 && r.http.status != 404 && r.http.status != 200) return api_error("remove container", r);
    return ok();
  }

  Result<std::optional<ContainerInfo>> inspect_container(const std::string& id) override {
    RIG_TRY(auto r, call("GET", "/containers/" + url_escape(id) + "/json"));
    if (r.http.status == 404) return std::optional<ContainerInfo>();
    if (r.http.status != 200) return api_error("inspect container", r);
    RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::object));
    return read_reply(r.request, [&] {
      JsonObject o(j, "");
      ContainerInfo c;
      if (auto state = o.optional("State")) {
        auto so = state->object();
        c.running = opt_bool(so, "Running");
        c.status = opt_str(so, "Status");
        c.exit_code = opt_int(so, "ExitCode", 0);
        c.error = opt_str(so, "Error");
      }
      if (auto host = o.optional("HostConfig")) {
        auto ho = host->object();
        c.privileged = opt_bool(ho, "Privileged");
        c.cap_add = opt_str_list(ho, "CapAdd");
        c.security_opt = opt_str_list(ho, "SecurityOpt");
        for (auto& d : opt_array(ho, "Devices")) {
          auto dob = d.object();
          c.devices.push_back(opt_str(dob, "PathOnHost"));
        }
      }
      return std::optional<ContainerInfo>(std::move(c));
    });
  }

  Result<std::vector<std::string>> list_containers(const std::string& label_filter) override {
    json filters = {{"label", {label_filter}}};
    RIG_TRY(auto r, call("GET", "/containers/json?all=1&filters=" + url_escape(filters.dump()), "", true));
    if (r.http.status != 200) return api_error("list containers", r);
    RIG_TRY(auto j, parse_reply(r.request, r.http.body, json::value_t::array));
    return read_reply(r.request, [&] {
      std::vector<std::string> out;
      for (auto& c : JsonNode(j, "").array()) {
        auto co = c.object();
        out.push_back(co.required("Id").nonempty_str());
      }
      return out;
    });
  }

  Result<json> list_container_summaries(const std::string& label_filter) override {
    json filters = {{"label", {label_filter}}};
    RIG_TRY(auto r, call("GET", "/containers/json?filters=" + url_escape(filters.dump()), "", true));
    if (r.http.status != 200) return api_error("list containers", r);
    return parse_reply(r.request, r.http.body, json::value_t::array);
  }

  Status put_archive(const std::string& id, const std::string& dir, const std::string& tar) override {
    HttpRequest req;
    req.method = "PUT";
    req.path = api("/containers/" + url_escape(id) + "/archive?path=" + url_escape(dir));
    req.body = tar;
    req.content_type = "application/x-tar";
    req.timeout_ms = 120000;
    RIG_TRY(auto http, http_request(ep_, req));
    Reply r{std::move(http), "PUT " + req.path};
    if (r.http.status != 200) return api_error("put archive into " + dir, r);
    return ok();
  }

  Result<ExecResult> exec(const std::string& id, const ExecRequest& er) override {
    auto t0 = std::chrono::steady_clock::now();
    json create = {{"AttachStdout", true}, {"AttachStderr", true}, {"AttachStdin", false}, {"Tty", false}, {"Cmd", er.cmd}};
    if (!er.user.empty()) create["User"] = er.user;
    if (!er.env.empty()) create["Env"] = er.env;
    RIG_TRY(auto body, body_text(create, "exec"));
    RIG_TRY(auto r, call("POST", "/containers/" + url_escape(id) + "/exec", body));
    if (r.http.status != 201) return api_error("exec create", r);
    RIG_TRY(auto exec_id, read_id(r));
    ExecStreamDecoder decoder;
    HttpRequest start;
    start.method = "POST";
    start.path = api("/exec/" + url_escape(exec_id) + "/start");
    start.body = json{{"Detach", false}, {"Tty", false}}.dump();
    start.timeout_ms = er.timeout_ms;
    start.on_data = [&](const char* d, size_t n) { return decoder.feed(d, n); };
    start.timeout_is_result = true;
    auto sr = http_request(ep_, start);
    if (!sr) {
      if (!decoder.error().empty())
        return unavailable("engine at '" + ep_.display + "': POST " + start.path + ": " + decoder.error());
      auto e = std::move(sr).error();
      // How much output came before a broken stream helps diagnose it; before an interrupt it is noise.
      if (bytes_received(decoder) > 0 && e.category() != Category::Interrupted) e.add_context("exec (" + std::to_string(bytes_received(decoder)) + " bytes of output received)");
      return e;
    }
    ExecResult out;
    out.out = decoder.combined();
    auto truncated = [&](const std::string& why) {
      out.truncated = true;
      out.truncated_why += (out.truncated_why.empty() ? "" : "; ") + why;
    };
    if (decoder.dropped() > 0)
      truncated("the first " + std::to_string(decoder.dropped()) + " bytes were dropped (output beyond " +
                std::to_string(kMaxExecOutput >> 20) + " MiB)");
    if (sr->timed_out) {
      out.seconds = since(t0);
      out.exit_code = 124;  // like timeout(1)
      out.out += "\n[rigctl: timed out after " + std::to_string(er.timeout_ms / 1000) + " s]";
      return out;
    }
    if (sr->status != 200) return api_error("exec start", Reply{std::move(sr).value(), "POST " + start.path});
    if (decoder.incomplete()) truncated("the exec stream ended in the middle of a frame");
    // The stream ends when the command does; the engine may record the exit code a moment later.
    const std::string inspect_path = "/exec/" + url_escape(exec_id) + "/json";
    std::optional<int> code;
    for (int attempt = 0; attempt < 20 && !code; ++attempt) {
      if (attempt) pause_(std::chrono::milliseconds(100));
      RIG_TRY(auto ir, call("GET", inspect_path));
      if (ir.http.status != 200) return api_error("exec inspect", ir);
      RIG_TRY(auto ij, parse_reply(ir.request, ir.http.body, json::value_t::object));
      // ExitCode is null (and Running true) while the command runs.
      RIG_TRY(code, read_reply(ir.request, [&] {
        JsonObject o(ij, "");
        bool running = opt_bool(o, "Running");
        auto c = o.optional("ExitCode");
        return running || !c ? std::optional<int>() : std::optional<int>(static_cast<int>(int_in(*c, INT_MIN, INT_MAX)));
      }));
    }
    out.seconds = since(t0);
    if (code) out.exit_code = *code;
    else truncated("the exec stream ended while the command was still running (no exit code)");
    return out;
  }

 private:
  // Bound for calls that start or stop processes in the engine (beyond any stop timeout they carry).
  static constexpr long kSlowCallMs = 120000;

  static double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  std::string api(const std::string& path) const { return "/v" + api_ + path; }

  // `cleanup`: the request runs to its end even after SIGINT (removals, listings, and the creates whose
  // result a later removal needs).
  Result<Reply> call(const std::string& method, const std::string& path, const std::string& body = "", bool cleanup = false,
                     long timeout_ms = 30000) {
    HttpRequest req;
    req.method = method;
    req.path = api(path);
    req.body = body;
    req.timeout_ms = timeout_ms;
    req.ignore_interrupt = cleanup;
    RIG_TRY(auto http, http_request(ep_, req));
    return Reply{std::move(http), method + " " + req.path};
  }

  Endpoint ep_;
  Pause pause_;
  std::string api_ = kApiVersion;  // until version() has negotiated
  bool podman_ = false;             // from version(): podman's service (pull_image uses its own endpoint)
};

}  // namespace

bool version_less(const std::string& a, const std::string& b) {
  int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
  char dot;
  std::istringstream(a) >> a1 >> dot >> a2;
  std::istringstream(b) >> b1 >> dot >> b2;
  return a1 < b1 || (a1 == b1 && a2 < b2);
}

std::string negotiate_api_version(const std::string& server_min, const std::string& server_max) {
  if (!server_max.empty() && version_less(server_max, kApiVersion)) return "";
  if (!server_min.empty() && version_less(kApiVersion, server_min)) return server_min;
  return kApiVersion;
}

void real_pause(std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); }

std::unique_ptr<Engine> make_docker_engine(Endpoint ep, Pause pause) {
  return std::make_unique<DockerEngine>(std::move(ep), std::move(pause));
}

Result<Engine*> docker_api_engine(const EngineConnection& c, const std::string& what) {
  if (c.engine) return c.engine.get();
  return usage_error(what + " needs a Docker-API engine (Docker or podman's service), and '" + c.endpoint.display + "' is " +
                     c.version.kind());
}

Result<EngineConnection> connect_engine(const std::string& flag_value) {
  if (is_lxc_engine(flag_value)) return connect_lxc(flag_value);
  if (is_incus_engine(flag_value)) {
    RIG_TRY(auto ep, parse_endpoint(incus_socket_of(flag_value)).context("--engine"));
    if (ep.unix_path.empty())
      return usage_error("Incus is reached on its local unix socket only (expected incus or incus:/path/to/unix.socket)")
          .add_context("--engine");
    ep.display = "incus:" + ep.unix_path;
    ep.noun = "Incus";
    ep.article.clear();
    ep.probe = "incus info";
    ep.start_hint = "start Incus (`incusd`, or ci/host-setup.sh), or point --engine incus:SOCKET at its unix socket";
    ep.socket_hint = std::string("point --engine incus:SOCKET at Incus's unix socket (default ") + kIncusSocket + ")";
    ep.socket_group = "incus-admin";
    auto incus = std::make_shared<IncusClient>(ep);
    RIG_TRY(auto v, incus->server().context("connect to Incus"));
    return EngineConnection{nullptr, ep, v, std::move(incus)};
  }
  RIG_TRY(auto ep, default_endpoint(flag_value));
  auto engine = make_docker_engine(ep);
  RIG_TRY(auto v, engine->version());
  if (!v.api_version.empty() && v.api_used.empty())
    return unavailable("engine at '" + ep.display + "' speaks API " + v.api_version + ", older than the " + kApiVersion +
                           " rigctl needs",
                       "upgrade the engine (Debian 12's docker.io 20.10 is enough)");
  return EngineConnection{std::move(engine), ep, v, nullptr};
}

namespace {
class DockerConnector final : public EngineConnector {
 public:
  Result<EngineConnection> connect(const std::string& flag_value) override { return connect_engine(flag_value); }
};
}  // namespace

std::unique_ptr<EngineConnector> make_engine_connector() { return std::make_unique<DockerConnector>(); }

}  // namespace rig
