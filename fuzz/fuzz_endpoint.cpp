// parse_endpoint(): --engine, DOCKER_HOST and matrix engine endpoints. Properties: an Endpoint or a
// usage error; an Endpoint is either a unix socket (http://localhost over a non-empty path) or a
// TCP peer (http://<address>), and displays as given.
#include "engine/http.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string spec(reinterpret_cast<const char*>(data), size);
  auto ep = rig::parse_endpoint(spec);
  if (!ep) {
    rig::fuzz::expect_category(ep.error(), "parse_endpoint");
    return 0;
  }
  if (ep->display != spec) rig::fuzz::finding("display is not the spec");
  bool unix_socket = !ep->unix_path.empty() && ep->base_url == "http://localhost";
  bool tcp = ep->unix_path.empty() && ep->base_url.size() > 7 && ep->base_url.starts_with("http://");
  if (unix_socket == tcp) rig::fuzz::finding("neither a unix socket nor a TCP peer: base_url '" + ep->base_url + "'");
  if (!spec.empty()) {
    auto d = rig::default_endpoint(spec);  // a flag value wins over DOCKER_HOST
    if (!d || d->base_url != ep->base_url || d->unix_path != ep->unix_path) rig::fuzz::finding("default_endpoint differs");
  }
  return 0;
}
