// IncusClient against a scripted unix-socket server: Incus's sync, async and error replies, the
// operation wait, exec with recorded output (and the 126/127 codes Incus would turn into failures),
// and replies of the wrong shape -- each a typed result or an Unavailable error, never an exception.
#include "support/catch.hpp"

#include "engine/incus_client.hpp"
#include "scripted_server.hpp"
#include "support/test_util.hpp"

namespace rigtest_engine_incus_client {

using rigtest::http_reply;

namespace {

struct IncusAt {
  rigtest::TempDir dir{"rigctl-incus"};
  std::string path = (dir / "incus.sock").string();
  rig::IncusClient incus{rig::parse_endpoint("unix://" + path).value()};
};

std::string async_op(const std::string& id) {
  return R"({"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/)" + id +
         R"(","metadata":{"id":")" + id + R"(","status":"Running"}})";
}

std::string op_done(const std::string& metadata) {
  return R"({"type":"sync","status":"Success","status_code":200,"metadata":{"status":"Success","err":"","metadata":)" + metadata + "}}";
}

void check_unavailable(const rig::Error& e, const std::string& part) {
  INFO(e.what());
  CHECK(e.category() == rig::Category::Unavailable);
  CHECK_THAT(e.what(), Catch::Contains(part));
}

}  // namespace

TEST_CASE("incus client: --engine values that select Incus", "[engine][incus]") {
  CHECK(rig::is_incus_engine("incus"));
  CHECK(rig::is_incus_engine("incus:/run/incus.sock"));
  CHECK_FALSE(rig::is_incus_engine("incusx"));
  CHECK(rig::incus_socket_of("incus") == rig::kIncusSocket);
  CHECK(rig::incus_socket_of("incus:unix:///x/y.sock") == "/x/y.sock");
}

TEST_CASE("incus client: the server's facts, and its refusals quoted", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(a.path, {{"GET /1.0/instances/nope", http_reply(404, R"({"type":"error","error":"Instance not found","error_code":404})")},
                                       {"GET /1.0/instances/bad", http_reply(500, R"({"type":"error","error":"Failed to load","error_code":500})")},
                                       {"GET /1.0", http_reply(200, R"({"type":"sync","metadata":{"api_version":"1.0",
      "environment":{"server_version":"6.0.4","kernel_version":"6.18.1","architectures":["x86_64","i686"]}}})")}});
  auto v = a.incus.server();
  REQUIRE(v.ok());
  CHECK(v->kind() == "incus");
  CHECK(v->version == "6.0.4");
  CHECK(v->arch == "amd64");
  CHECK(v->kernel == "6.18.1");
  // An answer Incus gives for an unknown instance, and for a request it refuses.
  auto missing = a.incus.instance("nope");
  REQUIRE(missing.ok());  // 404: no such instance
  CHECK_FALSE(missing->has_value());
  auto bad = a.incus.instance("bad");
  REQUIRE_FALSE(bad.ok());
  check_unavailable(bad.error(), "Incus answered GET /1.0/instances/bad with 500: Failed to load");
}

TEST_CASE("incus client: an async call waits for its operation; a failed one says why", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(a.path, {{"POST /1.0/instances", http_reply(202, async_op("op1"))},
                                       {"GET /1.0/operations/op1/wait", http_reply(200, R"({"type":"sync","metadata":
                                           {"status":"Failure","err":"Instance \"r\" already exists"}})")},
                                       {"DELETE /1.0/storage-pools/p/volumes/custom/v", http_reply(202, async_op("op2"))},
                                       {"GET /1.0/operations/op2/wait", http_reply(200, op_done("{}"))}});
  auto st = a.incus.create_instance(rig::json{{"name", "r"}});
  REQUIRE_FALSE(st.ok());
  check_unavailable(st.error(), "already exists");
  CHECK(a.incus.delete_volume("p", "v").ok());
}

TEST_CASE("incus client: exec reads the recorded output and gives back 126/127", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(
      a.path, {{"POST /1.0/instances/r/exec", http_reply(202, async_op("ex"))},
               {"GET /1.0/operations/ex/wait", http_reply(200, op_done(R"({"return":226,"output":{
                   "1":"/1.0/instances/r/logs/exec-output/e.stdout","2":"/1.0/instances/r/logs/exec-output/e.stderr"}})"))},
               {"GET /1.0/instances/r/logs/exec-output/e.stdout", http_reply(200, "out\n", "application/octet-stream")},
               {"GET /1.0/instances/r/logs/exec-output/e.stderr", http_reply(200, "crun: failed\n", "application/octet-stream")},
               {"DELETE /1.0/instances/r/logs/exec-output/", http_reply(200, R"({"type":"sync","metadata":{}})")}});
  rig::IncusExec req;
  req.cmd = {"podman", "run", "x"};
  req.uid = req.gid = 1000;
  auto r = a.incus.exec("r", req);
  REQUIRE(r.ok());
  CHECK(r->exit_code == 126);  // podman's "OCI runtime failed", moved to 226 inside and back here
  CHECK(r->out == "out\ncrun: failed\n");
  auto reqs = srv.requests();
  CHECK(std::count_if(reqs.begin(), reqs.end(), [](auto& l) { return l.rfind("DELETE /1.0/instances/r/logs/", 0) == 0; }) == 2);
}

TEST_CASE("incus client: replies of the wrong shape are engine errors naming the request", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(a.path, {{"GET /1.0/instances?recursion=1", http_reply(200, R"({"type":"sync","metadata":{"not":"a list"}})")},
                                       {"GET /1.0/images?recursion=1", http_reply(200, "<html>proxy</html>")},
                                       {"GET /1.0", http_reply(200, R"({"type":"sync","metadata":{"environment":"x"}})")}});
  auto l = a.incus.instances();
  REQUIRE_FALSE(l.ok());
  check_unavailable(l.error(), "GET /1.0/instances?recursion=1");
  auto i = a.incus.images();
  REQUIRE_FALSE(i.ok());
  check_unavailable(i.error(), "GET /1.0/images?recursion=1");
  auto v = a.incus.server();
  REQUIRE_FALSE(v.ok());
  check_unavailable(v.error(), "environment");
}

TEST_CASE("incus client: no daemon is Unavailable naming the socket", "[engine][incus]") {
  IncusAt a;  // nothing listens
  auto v = a.incus.server();
  REQUIRE_FALSE(v.ok());
  check_unavailable(v.error(), a.path);
}

}  // namespace rigtest_engine_incus_client
