#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <thread>

#include "core/json_reader.hpp"
#include "engine/engine.hpp"
#include "engine/exec_stream.hpp"

#include <chrono>

namespace rig {

namespace {


// Docker answers errors as {"message": "..."}.
Error api_error(const std::string& what, const HttpResponse& r) {
  std::string msg = r.body;
  try {
    msg = json::parse(r.body).value("message", r.body);
  } catch (...) {
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  return internal_error(what + ": engine answered " + std::to_string(r.status) + ": " + msg);
}


class DockerEngine final : public Engine {
 public:
  explicit DockerEngine(Endpoint ep) : ep_(std::move(ep)) {}

  Result<EngineVersion> version() override {
    HttpRequest req;
    req.path = "/version";
    req.timeout_ms = 10000;
    RIG_TRY(auto r, http_request(ep_, req));
    if (r.status == 404 || r.status == 400) return unavailable("'" + ep_.display + "' does not answer the Docker Engine API (GET /version: " + std::to_string(r.status) + ")");
    if (r.status != 200) return api_error("GET /version", r);
    try {
      auto j = json::parse(r.body);
      EngineVersion v;
      v.version = j.value("Version", "");
      v.api_version = j.value("ApiVersion", "");
      v.api_min = j.value("MinAPIVersion", "");
      v.api_used = negotiate_api_version(v.api_min, v.api_version);
      // An engine older than rigctl's level keeps speaking 1.41 here; connect_engine refuses it.
      if (!v.api_used.empty()) api_ = v.api_used;
      v.os = j.value("Os", "");
      v.arch = j.value("Arch", "");
      v.kernel = j.value("KernelVersion", "");
      for (auto& c : j.value("Components", json::array()))
        if (c.value("Name", "").find("Podman") != std::string::npos) v.podman = true;
      // Host features come from the engine's host, which is not this machine for tcp:// engines.
      RIG_TRY(auto ir, call("GET", "/info", "", false, 10000));
      if (ir.status == 200) {
        auto info = json::parse(ir.body);
        for (auto& o : info.value("SecurityOptions", json::array()))
          if (o.is_string() && o.get<std::string>().find("name=apparmor") != std::string::npos) v.apparmor = true;
        v.cpus = info.value("NCPU", 0);
      }
      return v;
    } catch (const json::exception& e) {
      return unavailable("engine at '" + ep_.display + "' did not answer /version with JSON: " + e.what());
    }
  }

  Result<std::string> load_image(const std::function<Status(int fd)>& produce) override {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return internal_error(std::string("pipe: ") + std::strerror(errno));
    Status produced = ok();
    std::thread writer([&] {
      produced = produce(fds[1]);
      ::close(fds[1]);
    });
    HttpRequest req;
    req.method = "POST";
    req.path = api("/images/load?quiet=1");
    req.content_type = "application/x-tar";
    req.upload = [&](char* buf, size_t len) -> long {
      for (;;) {
        ssize_t n = ::read(fds[0], buf, len);
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : static_cast<long>(n);
      }
    };
    auto r = http_request(ep_, req);
    ::close(fds[0]);  // a writer still blocked on the pipe now fails with EPIPE and ends
    writer.join();
    if (!r) return std::move(r).error().add_context("load image");
    if (!produced.ok()) return std::move(produced).error().add_context("load image");
    if (r->status != 200) return api_error("POST /images/load", *r);
    // The body is a stream of JSON messages; an errorDetail among them means the load failed.
    std::istringstream lines(r->body);
    std::string line, loaded;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      try {
        auto j = json::parse(line);
        if (j.contains("errorDetail") || j.contains("error"))
          return internal_error("load image: " + j.value("error", j["errorDetail"].dump()));
        if (j.contains("stream")) loaded = j["stream"].get<std::string>();
      } catch (const json::exception&) {
        loaded = line;  // podman may answer plain text
      }
    }
    while (!loaded.empty() && (loaded.back() == '\n')) loaded.pop_back();
    return loaded;
  }


  Result<json> inspect_image(const std::string& ref) override {
    RIG_TRY(auto r, call("GET", "/images/" + url_escape(ref) + "/json"));
    if (r.status == 404) return json();
    if (r.status != 200) return api_error("inspect image " + ref, r);
    return parse(r, "inspect image");
  }

  Status create_volume(const std::string& name, const std::map<std::string, std::string>& labels) override {
    json body = {{"Name", name}, {"Labels", labels}};
    RIG_TRY(auto r, call("POST", "/volumes/create", body.dump()));
    if (r.status != 201 && r.status != 200) return api_error("create volume " + name, r);
    return ok();
  }

  Status remove_volume(const std::string& name) override {
    RIG_TRY(auto r, call("DELETE", "/volumes/" + url_escape(name) + "?force=1", "", true));
    if (r.status != 204 && r.status != 404 && r.status != 200) return api_error("remove volume " + name, r);
    return ok();
  }

  Result<std::vector<std::string>> list_volumes(const std::string& label_filter) override {
    json filters = {{"label", {label_filter}}};
    RIG_TRY(auto r, call("GET", "/volumes?filters=" + url_escape(filters.dump()), "", true));
    if (r.status != 200) return api_error("list volumes", r);
    RIG_TRY(auto j, parse(r, "list volumes"));
    std::vector<std::string> out;
    for (auto& v : j.value("Volumes", json::array()))
      if (v.is_object()) out.push_back(v.value("Name", ""));
    return out;
  }

  Result<std::string> create_container(const std::string& name, const json& body) override {
    RIG_TRY(auto r, call("POST", "/containers/create?name=" + url_escape(name), body.dump()));
    if (r.status != 201) return api_error("create container " + name, r);
    RIG_TRY(auto j, parse(r, "create container"));
    return j.value("Id", "");
  }

  Status start_container(const std::string& id) override {
    // Starting runs the runtime, the init and the network setup: seconds locally, but an emulated
    // (TCG) host took over 30 s under load. A generous bound costs nothing when the engine is fast.
    RIG_TRY(auto r, call("POST", "/containers/" + id + "/start", "", false, kSlowCallMs));
    if (r.status != 204 && r.status != 304) return api_error("start container", r);
    return ok();
  }

  Status restart_container(const std::string& id, int timeout_s, long wait_ms) override {
    RIG_TRY(auto r, call("POST", "/containers/" + id + "/restart?t=" + std::to_string(timeout_s), "", false, wait_ms));
    if (r.status != 204) return api_error("restart container", r);
    return ok();
  }

  Status stop_container(const std::string& id, int timeout_s) override {
    RIG_TRY(auto r, call("POST", "/containers/" + id + "/stop?t=" + std::to_string(timeout_s), "", true,
                         timeout_s * 1000L + kSlowCallMs));
    if (r.status != 204 && r.status != 304 && r.status != 404) return api_error("stop container", r);
    return ok();
  }

  Status remove_container(const std::string& id) override {
    RIG_TRY(auto r, call("DELETE", "/containers/" + id + "?force=1&v=1", "", true, 60000));
    if (r.status != 204 && r.status != 404 && r.status != 200) return api_error("remove container", r);
    return ok();
  }

  Result<json> inspect_container(const std::string& id) override {
    RIG_TRY(auto r, call("GET", "/containers/" + id + "/json"));
    if (r.status == 404) return json();
    if (r.status != 200) return api_error("inspect container", r);
    return parse(r, "inspect container");
  }

  Result<std::vector<std::string>> list_containers(const std::string& label_filter) override {
    json filters = {{"label", {label_filter}}};
    RIG_TRY(auto r, call("GET", "/containers/json?all=1&filters=" + url_escape(filters.dump()), "", true));
    if (r.status != 200) return api_error("list containers", r);
    RIG_TRY(auto j, parse(r, "list containers"));
    std::vector<std::string> out;
    for (auto& c : j) out.push_back(c.value("Id", ""));
    return out;
  }

  Status put_archive(const std::string& id, const std::string& dir, const std::string& tar) override {
    HttpRequest req;
    req.method = "PUT";
    req.path = api("/containers/" + id + "/archive?path=" + url_escape(dir));
    req.body = tar;
    req.content_type = "application/x-tar";
    req.timeout_ms = 120000;
    RIG_TRY(auto r, http_request(ep_, req));
    if (r.status != 200) return api_error("put archive into " + dir, r);
    return ok();
  }

  Result<ExecResult> exec(const std::string& id, const ExecRequest& er) override {
    auto t0 = std::chrono::steady_clock::now();
    json create = {{"AttachStdout", true}, {"AttachStderr", true}, {"AttachStdin", false}, {"Tty", false}, {"Cmd", er.cmd}};
    if (!er.user.empty()) create["User"] = er.user;
    if (!er.env.empty()) create["Env"] = er.env;
    RIG_TRY(auto r, call("POST", "/containers/" + id + "/exec", create.dump()));
    if (r.status != 201) return api_error("exec create", r);
    RIG_TRY(auto cj, parse(r, "exec create"));
    std::string exec_id = cj.value("Id", "");
    ExecStreamDecoder decoder;
    HttpRequest start;
    start.method = "POST";
    start.path = api("/exec/" + exec_id + "/start");
    start.body = json{{"Detach", false}, {"Tty", false}}.dump();
    start.timeout_ms = er.timeout_ms;
    start.on_data = [&](const char* d, size_t n) { decoder.feed(d, n); };
    start.timeout_is_result = true;
    RIG_TRY(auto sr, http_request(ep_, start));
    ExecResult out;
    out.out = decoder.combined();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (sr.timed_out) {
      out.exit_code = 124;  // like timeout(1)
      out.out += "\n[rigctl: timed out after " + std::to_string(er.timeout_ms / 1000) + " s]";
      return out;
    }
    if (sr.status != 200) return api_error("exec start", sr);
    RIG_TRY(auto ir, call("GET", "/exec/" + exec_id + "/json"));
    if (ir.status != 200) return api_error("exec inspect", ir);
    RIG_TRY(auto ij, parse(ir, "exec inspect"));
    out.exit_code = ij.value("ExitCode", -1);
    return out;
  }

 private:
  // Bound for calls that start or stop processes in the engine (beyond any stop timeout they carry).
  static constexpr long kSlowCallMs = 120000;

  std::string api(const std::string& path) const { return "/v" + api_ + path; }

  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body = "",
                            bool cleanup = false, long timeout_ms = 30000) {
    HttpRequest req;
    req.method = method;
    req.path = api(path);
    req.body = body;
    req.timeout_ms = timeout_ms;
    req.ignore_interrupt = cleanup;
    return http_request(ep_, req);
  }

  static Result<json> parse(const HttpResponse& r, const std::string& what) {
    try {
      return json::parse(r.body);
    } catch (const json::exception& e) {
      return internal_error(what + ": engine answered with invalid JSON: " + e.what());
    }
  }

  Endpoint ep_;
  std::string api_ = kApiVersion;  // until version() has negotiated
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

std::unique_ptr<Engine> make_docker_engine(Endpoint ep) { return std::make_unique<DockerEngine>(std::move(ep)); }

Result<EngineConnection> connect_engine(const std::string& flag_value) {
  RIG_TRY(auto ep, default_endpoint(flag_value));
  auto engine = make_docker_engine(ep);
  RIG_TRY(auto v, engine->version());
  if (!v.api_version.empty() && v.api_used.empty())
    return unavailable("engine at '" + ep.display + "' speaks API " + v.api_version + ", older than the " + kApiVersion +
                           " rigctl needs",
                       "upgrade the engine (Debian 12's docker.io 20.10 is enough)");
  return EngineConnection{std::move(engine), ep, v};
}

}  // namespace rig
