// IncusClient against a scripted unix-socket server: Incus's sync, async and error replies, the
// operation wait, exec with recorded output (and the 126/127 codes Incus would turn into failures),
// and replies of the wrong shape -- each a typed result or an Unavailable error, never an exception.
#include "support/catch.hpp"

#include <fstream>
#include <thread>

#include "core/subprocess.hpp"
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

TEST_CASE("incus client: a delete waits for the create an interrupted launch left running", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(a.path, {{"GET /1.0/operations?recursion=1", http_reply(200, R"({"type":"sync","metadata":{
                                           "running":[{"id":"op9","status":"Running","resources":{"instances":["/1.0/instances/r"]}},
                                                      {"id":"other","status":"Running","resources":{"instances":["/1.0/instances/r2"]}}],
                                           "success":[{"id":"old","resources":{"instances":["/1.0/instances/r"]}}]}})")},
                                       {"GET /1.0/operations/op9/wait", http_reply(200, op_done("{}"))},
                                       {"GET /1.0/instances/r", http_reply(200, R"({"type":"sync","metadata":{"name":"r","status":"Stopped"}})")},
                                       {"DELETE /1.0/instances/r", http_reply(202, async_op("op3"))},
                                       {"GET /1.0/operations/op3/wait", http_reply(200, op_done("{}"))}});
  REQUIRE(a.incus.delete_instance("r").ok());
  auto seen = srv.requests();
  std::vector<std::string> methods_paths;
  for (auto& line : seen) methods_paths.push_back(line.substr(0, line.find(" HTTP/")));
  // Only the running operation on this instance is waited for, and before the instance is touched.
  REQUIRE(methods_paths.size() == 5);
  CHECK(methods_paths[0] == "GET /1.0/operations?recursion=1");
  CHECK_THAT(methods_paths[1], Catch::StartsWith("GET /1.0/operations/op9/wait?timeout="));
  CHECK(methods_paths[2] == "GET /1.0/instances/r");
  CHECK(methods_paths[3] == "DELETE /1.0/instances/r");
}

TEST_CASE("incus client: an operations list of the wrong shape is an engine error, not a guess", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(a.path, {{"GET /1.0/operations?recursion=1",
                                        http_reply(200, R"({"type":"sync","metadata":{"running":[{"resources":{"instances":"x"}}]}})")}});
  auto st = a.incus.delete_instance("r");
  REQUIRE_FALSE(st.ok());
  check_unavailable(st.error(), "GET /1.0/operations?recursion=1");
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

namespace {

// Runs the command exec() would send, here with the real sh (as Incus would in the instance). No
// Catch assertion in here: it also runs on a second thread, and Catch's are not thread-safe.
rig::Completed run_wrapped(const std::vector<std::string>& cmd) {
  rig::Command c;
  c.argv = cmd;
  auto r = rig::make_process_runner()->run(c);
  if (!r.ok()) return rig::Completed{-1, "", r.error().what()};
  return *r;
}

size_t lines_in(const std::filesystem::path& p) {
  std::ifstream in(p);
  size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

}  // namespace

TEST_CASE("incus client: every copy of a re-sent exec gets the one run's result", "[engine][incus]") {
  rigtest::TempDir t("rigctl-incus-exec");
  const auto count = (t.path() / "runs").string();
  rig::IncusExec req;
  // Counts its runs, takes long enough for a second copy to arrive while it runs, and exits 126
  // (which goes out as 226 so Incus does not fail the operation).
  req.cmd = {"sh", "-c", "echo run >>\"$0\"; sleep 0.5; echo out; echo err >&2; exit 126", count};
  req.timeout_ms = 10000;
  const auto marker = (t.path() / "m1").string();
  auto cmd = rig::incus_exec_command(req, marker, {});

  SECTION("two copies side by side: one run, the same output and code for both") {
    rig::Completed a, b;
    std::thread first([&] { a = run_wrapped(cmd); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    b = run_wrapped(cmd);
    first.join();
    CHECK(lines_in(count) == 1);
    for (auto* c : {&a, &b}) {
      CHECK(c->status == 226);
      CHECK(c->out == "out\n");
      CHECK(c->err == "err\n");
    }
  }
  SECTION("a copy arriving after the run replays it") {
    auto a = run_wrapped(cmd);
    auto b = run_wrapped(cmd);
    CHECK(lines_in(count) == 1);
    CHECK(b.status == a.status);
    CHECK(b.out == "out\n");
  }
  SECTION("the next request tidies the earlier markers and runs") {
    (void)run_wrapped(cmd);
    auto next = run_wrapped(rig::incus_exec_command(req, (t.path() / "m2").string(), {marker}));
    CHECK_FALSE(std::filesystem::exists(marker));
    CHECK(lines_in(count) == 2);
    CHECK(next.status == 226);
  }
}

TEST_CASE("incus client: a lost pid re-sends the same request; markers are tidied only when sent once", "[engine][incus]") {
  IncusAt a;
  rigtest::ScriptedServer srv(
      a.path, {{"POST /1.0/instances/r/exec", http_reply(202, async_op("ok"))},
               {"GET /1.0/operations/ok/wait", http_reply(200, op_done(R"({"return":0})"))},
               {"POST /1.0/instances/p/exec", http_reply(202, async_op("lost"))},
               {"GET /1.0/operations/lost/wait", http_reply(200, R"({"type":"sync","metadata":
                   {"status":"Failure","err":"Failed to retrieve PID of executing child process"}})")}});
  rig::IncusExec req;
  req.cmd = {"true"};
  auto marker_of = [](const std::string& body) {
    auto cmd = rig::json::parse(body)["command"];
    REQUIRE(cmd.size() > 6);
    return std::make_pair(cmd[3].get<std::string>(), cmd[5].get<std::string>());  // marker, tidy count
  };
  REQUIRE(a.incus.exec("r", req).ok());
  REQUIRE(a.incus.exec("r", req).ok());
  auto lost = a.incus.exec("p", req);
  REQUIRE_FALSE(lost.ok());
  check_unavailable(lost.error(), "Failed to retrieve PID");
  REQUIRE_FALSE(a.incus.exec("p", req).ok());

  std::vector<std::string> exec_bodies;
  auto lines = srv.requests();
  auto bodies = srv.bodies();
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].ends_with("/exec")) exec_bodies.push_back(bodies[i]);
  REQUIRE(exec_bodies.size() == 2 + 3 + 3);
  auto [m1, t1] = marker_of(exec_bodies[0]);
  auto [m2, t2] = marker_of(exec_bodies[1]);
  CHECK(m1.starts_with("/tmp/.rigctl-exec-"));
  CHECK(m1 != m2);
  CHECK(t1 == "0");
  CHECK(t2 == "1");  // the first request's marker, removed by the second
  CHECK(rig::json::parse(exec_bodies[1])["command"][6] == m1);
  // The three copies of the re-sent request are the same request; the next one does not tidy its
  // marker (a late copy may still come looking for it).
  CHECK(exec_bodies[2] == exec_bodies[3]);
  CHECK(exec_bodies[3] == exec_bodies[4]);
  CHECK(marker_of(exec_bodies[5]).second == "0");
}

TEST_CASE("incus client: an exec wrapper without a usable marker runs the command directly", "[engine][incus]") {
  rigtest::TempDir t("rigctl-incus-exec");
  rig::IncusExec req;
  req.cmd = {"sh", "-c", "echo direct; exit 3"};
  auto r = run_wrapped(rig::incus_exec_command(req, (t.path() / "missing" / "m").string(), {}));
  CHECK(r.status == 3);
  CHECK(r.out == "direct\n");
  // Its own timeout still bounds it (exit 124, as the Docker-API client reports its own).
  req.cmd = {"sleep", "30"};
  req.timeout_ms = 1000;
  auto slow = run_wrapped(rig::incus_exec_command(req, (t.path() / "m").string(), {}));
  CHECK(slow.status == 124);
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

TEST_CASE("incus client: an async reply or operation whose fields have another type is an engine error naming the field", "[engine][incus]") {
  // The fuzzer's find: {"type":100,...} made json::value("type", "") throw past the client.
  IncusAt a;
  rigtest::ScriptedServer srv(a.path, {{"POST /1.0/instances", http_reply(202, R"({"type":100,"operation":"/1.0/operations/op0"})")},
                                       {"DELETE /1.0/images/f1", http_reply(202, async_op("op1"))},
                                       {"GET /1.0/operations/op1/wait?timeout=120",
                                        http_reply(200, R"({"type":"sync","metadata":{"status":200,"err":""}})")},
                                       {"DELETE /1.0/images/f2", http_reply(202, async_op("op2"))},
                                       {"GET /1.0/operations/op2/wait?timeout=120",
                                        http_reply(200, R"({"type":"sync","metadata":{"status":"Failure","err":["x"]}})")}});
  auto c = a.incus.create_instance({{"name", "r1"}});
  REQUIRE_FALSE(c.ok());
  check_unavailable(c.error(), "POST /1.0/instances: type: expected");
  auto d1 = a.incus.delete_image("f1");
  REQUIRE_FALSE(d1.ok());
  check_unavailable(d1.error(), "metadata.status: expected");
  auto d2 = a.incus.delete_image("f2");
  REQUIRE_FALSE(d2.ok());
  check_unavailable(d2.error(), "metadata.err: expected");
}

TEST_CASE("incus client: no daemon is Unavailable naming the socket", "[engine][incus]") {
  IncusAt a;  // nothing listens
  auto v = a.incus.server();
  REQUIRE_FALSE(v.ok());
  check_unavailable(v.error(), a.path);
}

}  // namespace rigtest_engine_incus_client
