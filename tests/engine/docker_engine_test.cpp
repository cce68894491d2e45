// DockerEngine against a scripted unix-socket server: every reply shape an engine (or something
// posing as one) may send gives a typed result or an Unavailable error -- never an exception.
#include "support/catch.hpp"

#include <unistd.h>

#include "engine/engine.hpp"
#include "engine/exec_stream.hpp"
#include "scripted_server.hpp"
#include "support/test_util.hpp"

namespace rigtest_engine_docker_engine {

using rigtest::exec_frame;
using rigtest::http_reply;
using rigtest::http_stream;

namespace {

struct EngineAt {
  rigtest::TempDir dir{"rigctl-engine"};
  std::string path = (dir / "engine.sock").string();
  std::unique_ptr<rig::Engine> engine = rig::make_docker_engine(rig::parse_endpoint("unix://" + path).value());
};

rig::ExecRequest echo() { return rig::ExecRequest{{"echo", "hi"}, "", {}, 5000}; }

// The routes of one exec: create answers e1, start streams `stream`, inspect answers `inspect`.
std::vector<std::pair<std::string, std::string>> exec_routes(const std::string& stream, const std::string& inspect) {
  return {{"POST /v1.41/containers/c1/exec", http_reply(201, R"({"Id":"e1"})")},
          {"POST /v1.41/exec/e1/start", http_stream(stream)},
          {"GET /v1.41/exec/e1/json", http_reply(200, inspect)}};
}

void check_unavailable(const rig::Error& e, const std::string& part) {
  INFO(e.what());
  CHECK(e.category() == rig::Category::Unavailable);
  CHECK(rig::exit_code(e.category()) == 3);
  CHECK_THAT(e.what(), Catch::Contains(part));
}

}  // namespace

TEST_CASE("engine: an exec's output and exit code", "[engine][docker]") {
  EngineAt e;
  rigtest::ScriptedServer s(e.path, exec_routes(exec_frame(1, "out\n") + exec_frame(2, "err\n"), R"({"Running":false,"ExitCode":3})"));
  auto r = e.engine->exec("c1", echo());
  REQUIRE(r.ok());
  CHECK(r->out == "out\nerr\n");
  CHECK(r->exit_code == 3);
  CHECK_FALSE(r->truncated);
}

// The Docker API documents ExitCode null while the exec runs; the stream ending then means the
// output is incomplete, and no exit code is invented.
TEST_CASE("engine: ExitCode null after the stream ended is a truncated result, not a crash", "[engine][docker]") {
  EngineAt e;
  rigtest::ScriptedServer s(e.path, exec_routes(exec_frame(1, "partial"), R"({"Running":true,"ExitCode":null})"));
  auto r = e.engine->exec("c1", echo());
  REQUIRE(r.ok());
  CHECK(r->exit_code == -1);
  CHECK(r->truncated);
  CHECK_THAT(r->truncated_why, Catch::Contains("still running"));
  CHECK(r->out == "partial");
}

TEST_CASE("engine: an exec stream cut in the middle of a frame is reported truncated", "[engine][docker]") {
  EngineAt e;
  std::string frame = exec_frame(1, "0123456789");
  rigtest::ScriptedServer s(e.path, exec_routes(frame.substr(0, 12), R"({"Running":false,"ExitCode":0})"));
  auto r = e.engine->exec("c1", echo());
  REQUIRE(r.ok());
  CHECK(r->truncated);
  CHECK_THAT(r->truncated_why, Catch::Contains("middle of a frame"));
  CHECK(r->out == "0123");
  CHECK(r->exit_code == 0);
}

TEST_CASE("engine: an exec frame announcing more than 16 MiB is a protocol error", "[engine][docker]") {
  EngineAt e;
  std::string header("\x01\0\0\0\x7f\xff\xff\xff", 8);
  rigtest::ScriptedServer s(e.path, exec_routes(header + "x", R"({"Running":false,"ExitCode":0})"));
  auto r = e.engine->exec("c1", echo());
  REQUIRE_FALSE(r.ok());
  check_unavailable(r.error(), "announces a frame of 2147483647 bytes");
  CHECK_THAT(r.error().what(), Catch::Contains("POST /v1.41/exec/e1/start"));
}

TEST_CASE("engine: exec replies of the wrong shape or type are engine errors", "[engine][docker]") {
  struct Case {
    std::string create, inspect, expect;
  };
  for (auto& c : std::vector<Case>{
           {R"({"Id":"e1"})", R"({"Running":false,"ExitCode":"0"})", "ExitCode: expected a whole number, got a string"},
           {R"({"Id":"e1"})", R"({"Running":"no","ExitCode":0})", "Running: expected true or false, got a string"},
           {R"({"Id":"e1"})", R"({"Running":false,"ExitCode":4294967296})", "ExitCode: expected a number no greater than"},
           {R"({"Id":"e1"})", R"([1,2])", "GET /v1.41/exec/e1/json: expected a JSON object, got an array"},
           {R"({"Id":"e1"})", "not json", "expected a JSON object, got 'not json'"},
           {R"({"Id":7})", "{}", "POST /v1.41/containers/c1/exec: Id: expected a string, got an integer"},
           {R"({})", "{}", "Id: missing required field"},
       }) {
    INFO(c.create << " / " << c.inspect);
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"POST /v1.41/containers/c1/exec", http_reply(201, c.create)},
                                       {"POST /v1.41/exec/e1/start", http_stream(exec_frame(1, "x"))},
                                       {"GET /v1.41/exec/e1/json", http_reply(200, c.inspect)}});
    auto r = e.engine->exec("c1", echo());
    REQUIRE_FALSE(r.ok());
    check_unavailable(r.error(), c.expect);
  }
}

TEST_CASE("engine: /containers/create answering a non-object is an engine error", "[engine][docker]") {
  for (std::string body : {"[]", "\"x\"", "null", "", "{\"Id\":\"\"}"}) {
    INFO("body '" << body << "'");
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"POST /v1.41/containers/create", http_reply(201, body)}});
    auto r = e.engine->create_container("rig-x", rig::json{{"Image", "i"}});
    REQUIRE_FALSE(r.ok());
    check_unavailable(r.error(), "engine reply to POST /v1.41/containers/create?name=rig-x: ");
  }
}

TEST_CASE("engine: container inspect is read into typed fields, wrong types refused", "[engine][docker]") {
  {
    EngineAt e;
    rigtest::ScriptedServer s(
        e.path, {{"GET /v1.41/containers/c1/json",
                  http_reply(200, R"({"State":{"Running":true,"Status":"running","ExitCode":0,"Error":""},
                                     "HostConfig":{"Privileged":false,"CapAdd":null,"SecurityOpt":["apparmor=unconfined"],
                                     "Devices":[{"PathOnHost":"/dev/net/tun","PathInContainer":"/dev/net/tun","CgroupPermissions":"rwm"}]}})")}});
    auto r = e.engine->inspect_container("c1");
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    auto& c = **r;
    CHECK(c.running);
    CHECK(c.status == "running");
    CHECK_FALSE(c.privileged);
    CHECK(c.cap_add.empty());
    CHECK(c.security_opt == std::vector<std::string>{"apparmor=unconfined"});
    CHECK(c.devices == std::vector<std::string>{"/dev/net/tun"});
  }
  {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /v1.41/containers/gone/json", http_reply(404, R"({"message":"No such container"})")}});
    auto r = e.engine->inspect_container("gone");
    REQUIRE(r.ok());
    CHECK_FALSE(r->has_value());
  }
  for (auto& [body, expect] : std::vector<std::pair<std::string, std::string>>{
           {R"({"State":[]})", "State: expected an object, got an array"},
           {R"({"State":{"Running":1}})", "State.Running: expected true or false, got an integer"},
           {R"({"HostConfig":{"SecurityOpt":[1]}})", "HostConfig.SecurityOpt[0]: expected a string, got an integer"},
           {R"({"HostConfig":{"CapAdd":"SYS_ADMIN"}})", "HostConfig.CapAdd: expected an array, got a string"},
           {R"({"HostConfig":{"Devices":["x"]}})", "HostConfig.Devices[0]: expected an object, got a string"},
           {R"("x")", "expected a JSON object, got a string"},
       }) {
    INFO(body);
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /v1.41/containers/c1/json", http_reply(200, body)}});
    auto r = e.engine->inspect_container("c1");
    REQUIRE_FALSE(r.ok());
    check_unavailable(r.error(), expect);
  }
}

TEST_CASE("engine: image inspect, lists and version refuse wrong shapes", "[engine][docker]") {
  {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /v1.41/images/", http_reply(200, R"({"Id":"sha256:1","Config":{"Labels":{"a":"b"}}})")}});
    auto r = e.engine->inspect_image("x:1");
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK((*r)->id == "sha256:1");
    CHECK((*r)->labels.at("a") == "b");
  }
  {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /v1.41/images/", http_reply(200, R"({"Config":{"Labels":{"a":1}}})")}});
    auto r = e.engine->inspect_image("x:1");
    REQUIRE_FALSE(r.ok());
    check_unavailable(r.error(), "Config.Labels.a: expected a string, got an integer");
  }
  {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /v1.41/containers/json", http_reply(200, R"({"Id":"x"})")},
                                       {"GET /v1.41/volumes", http_reply(200, R"({"Volumes":[{"Name":1}]})")}});
    auto c = e.engine->list_containers("a=b");
    REQUIRE_FALSE(c.ok());
    check_unavailable(c.error(), "expected a JSON array, got an object");
    auto v = e.engine->list_volumes("a=b");
    REQUIRE_FALSE(v.ok());
    check_unavailable(v.error(), "Volumes[0].Name: expected a string, got an integer");
  }
  {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /version", http_reply(200, R"({"Version":"1","ApiVersion":"1.41","Components":"x"})")}});
    auto v = e.engine->version();
    REQUIRE_FALSE(v.ok());
    check_unavailable(v.error(), "GET /version: Components: expected an array, got a string");
  }
  {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"GET /version", http_reply(200, R"({"Version":"1","ApiVersion":"1.41"})")},
                                       {"GET /v1.41/info", http_reply(200, R"({"SecurityOptions":[null],"NCPU":-1})")}});
    auto v = e.engine->version();
    REQUIRE_FALSE(v.ok());
    check_unavailable(v.error(), "GET /v1.41/info: SecurityOptions[0]: expected a string, got null");
  }
}

TEST_CASE("engine: error statuses name the request, the status and the engine's message", "[engine][docker]") {
  EngineAt e;
  rigtest::ScriptedServer s(e.path, {{"POST /v1.41/containers/c1/start", http_reply(500, R"({"message":"injected fault"})")},
                                     {"POST /v1.41/containers/c2/start", http_reply(409, "plain \xff text")},
                                     {"DELETE /v1.41/containers/c1", http_reply(500, R"({"message":7})")}});
  auto a = e.engine->start_container("c1");
  REQUIRE_FALSE(a.ok());
  check_unavailable(a.error(), "start container: engine answered POST /v1.41/containers/c1/start with 500: injected fault");
  auto b = e.engine->start_container("c2");
  REQUIRE_FALSE(b.ok());
  check_unavailable(b.error(), "with 409: plain \xEF\xBF\xBD text");
  auto c = e.engine->remove_container("c1");
  REQUIRE_FALSE(c.ok());
  check_unavailable(c.error(), "with 500: {\"message\":7}");
}

TEST_CASE("engine: a load whose messages carry an error of any type fails with it", "[engine][docker]") {
  for (auto& [body, expect] : std::vector<std::pair<std::string, std::string>>{
           {"{\"errorDetail\":{\"message\":\"no space\"}}\n", "the engine failed it: {\"message\":\"no space\"}"},
           {"{\"error\":5}\n", "the engine failed it: 5"},
       }) {
    EngineAt e;
    rigtest::ScriptedServer s(e.path, {{"POST /v1.41/images/load", http_reply(200, body)}});
    auto r = e.engine->load_image([](int fd) {
      (void)!::write(fd, "tar", 3);
      return rig::ok();
    });
    REQUIRE_FALSE(r.ok());
    check_unavailable(r.error(), expect);
  }
  EngineAt e;
  rigtest::ScriptedServer s(e.path, {{"POST /v1.41/images/load", http_reply(200, "[1]\n{\"stream\":2}\nLoaded image: x:1\n")}});
  auto r = e.engine->load_image([](int) { return rig::ok(); });
  REQUIRE(r.ok());
  CHECK(*r == "Loaded image: x:1");
}

TEST_CASE("http: dropped connections, cut replies and oversized bodies are Unavailable with what happened", "[engine][http]") {
  EngineAt e;
  auto ep = rig::parse_endpoint("unix://" + e.path).value();
  rigtest::ScriptedServer s(e.path, {{"GET /nothing", ""},
                                     {"GET /cut", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Id\":"},
                                     {"GET /big", http_reply(200, std::string(2000, 'x'))},
                                     {"GET /garbage", "SSH-2.0-OpenSSH\r\n\r\n"}});
  rig::HttpRequest req;
  req.path = "/nothing";
  auto r = rig::http_request(ep, req);
  REQUIRE_FALSE(r.ok());
  check_unavailable(r.error(), "GET /nothing: the engine closed the connection without answering");
  req.path = "/cut";
  r = rig::http_request(ep, req);
  REQUIRE_FALSE(r.ok());
  check_unavailable(r.error(), "GET /cut: the connection broke before the reply was complete");
  req.path = "/big";
  req.max_body = 1000;
  r = rig::http_request(ep, req);
  REQUIRE_FALSE(r.ok());
  check_unavailable(r.error(), "GET /big: the reply is larger than");
  req.path = "/garbage";
  r = rig::http_request(ep, req);
  REQUIRE_FALSE(r.ok());
  check_unavailable(r.error(), "GET /garbage: ");
}

}  // namespace rigtest_engine_docker_engine
