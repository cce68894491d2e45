// The Incus client (IncusClient, engine/incus_client.cpp) on hostile Incus replies: the server's facts,
// sync and async replies, operation waits and the operation list a removal waits on, instance, image
// and volume lists, exec's recorded output and file pushes. As for engine_replies, the harness is the
// daemon: the fake engine of fuzz/scripted_engine.hpp answers each request with the next scripted
// reply, and libcurl does the HTTP.
//
// Input: byte 0 picks the IncusClient call; the rest is one reply per request (fuzz/scripted_engine.hpp).
// Properties: every call returns a value or an Internal/Unavailable error (an Incus that misbehaves
// is never a crash, an escaped exception or a usage error; the one usage error is create_volume's
// 409, another's volume, by contract), and no reply changes the shape of a later request line.

#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "engine/incus_client.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/scripted_engine.hpp"

using namespace rig::fuzz::scripted;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  init_harness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto op = begin_input(data, size, 10);  // no call makes more than a handful of requests
  if (!op) return 0;
  rig::IncusClient incus(endpoint());
  switch (*op % 18) {
    case 0: check(incus.server(), "server"); break;
    case 1: check(rig::connect_engine("incus:" + socket_path), "connect_engine incus"); break;
    case 2: check(incus.alias_target("rigctl-debian-trixie-amd64"), "alias_target"); break;
    case 3: check(incus.images(), "images"); break;
    case 4: check(incus.delete_image("f1"), "delete_image"); break;
    case 5: check(incus.create_instance(rig::json{{"name", "r"}, {"type", "container"}}), "create_instance"); break;
    case 6: check(incus.instance("r"), "instance"); break;
    case 7: check(incus.instances(), "instances"); break;
    case 8: check(incus.change_state("r", "stop", 1, true), "change_state"); break;
    case 9: check(incus.settle_instance("r", 2000), "settle_instance"); break;
    case 10: check(incus.delete_instance("r"), "delete_instance"); break;
    case 11: check(incus.init_pid("r"), "init_pid"); break;
    case 12: {
      // Incus's 409 for an existing volume is a usage error by contract (another's volume), and only then.
      auto r = incus.create_volume("rigctl", "rig-ws", {{"user.io.rigctl.managed", "true"}});
      if (!r && !(r.error().category() == rig::Category::Usage &&
                  r.error().message().find("a volume named 'rig-ws' already exists") == 0))
        expect_engine_error(r.error(), "create_volume");
      break;
    }
    case 13: check(incus.volumes("rigctl"), "volumes"); break;
    case 14: check(incus.delete_volume("rigctl", "rig-ws"), "delete_volume"); break;
    case 15: {
      rig::IncusExec req;
      req.cmd = {"true"};
      req.uid = 1000;
      req.gid = 1000;
      req.timeout_ms = 10000;
      check(incus.exec("r", req), "exec");
      break;
    }
    case 16: check(incus.push_file("r", "/tmp/f", "content", 1000, 1000, 0644), "push_file"); break;
    default: {
      static const std::filesystem::path tarball = [] {
        auto p = rig::fuzz::scratch_dir() / "image.tar";
        rig::Status st = rig::write_file_atomic(p, std::string(2048, '\0'));
        if (!st) rig::fuzz::finding("cannot write the image tarball: " + st.error().what());
        return p;
      }();
      check(incus.import_image(tarball), "import_image");
      break;
    }
  }
  check_request_lines();
  return 0;
}
