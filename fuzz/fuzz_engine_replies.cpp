// The engine client (DockerEngine, engine/docker_engine.cpp) on hostile engine replies. The parses
// of /version, /info, /containers/{id}/json, /exec/{id}/json, list and create replies, the load
// stream and error bodies are private to DockerEngine and run only behind HTTP, so the harness is an
// engine: a unix socket served by a thread of this process, answering each request with the next
// scripted reply. libcurl (engine/http.cpp) does the HTTP; the input only scripts statuses and bodies.
//
// Input: byte 0 picks the Engine call; the rest is one reply per request, separated by kSeparator;
// a reply's first byte picks its status (kStatuses), the rest is its body. Requests beyond the
// script get 200 "{}". Properties: every call returns a value or an Internal/Unavailable error (an
// engine that misbehaves is never a crash, an escaped exception or a usage error), and no reply
// changes the shape of a later request line.
#include <unistd.h>


#include "engine/engine.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/scripted_engine.hpp"

using namespace rig::fuzz::scripted;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  init_harness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto op = begin_input(data, size, 8);  // no call makes more than four requests
  if (!op) return 0;
  // No pauses: the exec poll would otherwise sleep 100 ms a retry, most of the harness's time.
  auto engine = rig::make_docker_engine(endpoint(), [](std::chrono::milliseconds) {});
  switch (*op % 16) {
    case 0: {
      auto v = engine->version();
      check(v, "version");
      check(engine->inspect_container("c1"), "inspect_container after version");  // speaks the negotiated level
      break;
    }
    case 1: check(rig::connect_engine("unix://" + socket_path), "connect_engine"); break;
    case 2: check(engine->inspect_image("docker.io/library/debian:trixie"), "inspect_image"); break;
    case 3: check(engine->list_volumes("io.rigctl.managed=true"), "list_volumes"); break;
    case 4: {
      // A well-formed volume whose labels are not the given ones is another's (Engine::create_volume):
      // a usage error by contract, and only then.
      auto r = engine->create_volume("rig-ws", {{"io.rigctl.managed", "true"}});
      if (!r && !(r.error().category() == rig::Category::Usage && r.error().message().find("a volume named 'rig-ws' already exists") == 0))
        expect_engine_error(r.error(), "create_volume");
      break;
    }
    case 5: check(engine->remove_volume("rig-ws"), "remove_volume"); break;
    case 6: check(engine->create_container("rig", rig::json{{"Image", "x"}}), "create_container"); break;
    case 7: check(engine->start_container("c1"), "start_container"); break;
    case 8: check(engine->restart_container("c1", 1, 10000), "restart_container"); break;
    case 9: check(engine->stop_container("c1", 1), "stop_container"); break;
    case 10: check(engine->remove_container("c1"), "remove_container"); break;
    case 11: check(engine->inspect_container("c1"), "inspect_container"); break;
    case 12: check(engine->list_containers("io.rigctl.managed=true"), "list_containers"); break;
    case 13: check(engine->put_archive("c1", "/tmp", std::string(1024, '\0')), "put_archive"); break;
    case 14: {
      rig::ExecRequest req;
      req.cmd = {"true"};
      req.timeout_ms = 10000;
      check(engine->exec("c1", req), "exec");
      break;
    }
    default: {
      auto r = engine->load_image([](int fd) -> rig::Status {
        std::string tar(2048, '\0');
        if (::write(fd, tar.data(), tar.size()) < 0) return rig::internal_error("write");
        return rig::ok();
      });
      check(r, "load_image");
      break;
    }
  }
  check_request_lines();
  return 0;
}
