// HTTP/1.1 to an engine over a unix socket or TCP, with libcurl. The transport knows nothing of
// the Docker API; it maps connection failures to Unavailable errors that say how to fix them.
#pragma once

#include <functional>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"  // url_escape

namespace rig {

struct Endpoint {
  std::string unix_path;  // set for unix://
  std::string base_url;   // "http://localhost" for unix sockets, "http://host:port" for tcp://
  std::string display;    // as given, for messages
  // What answers there, as messages name it ("engine at '…' is unreachable"; a registry client says
  // "registry"). https:// base URLs are verified against the system's CA store by libcurl.
  std::string noun = "engine";
  std::string article = "the ";  // "" for a proper name ("Incus closed the connection")
  // A command that shows whether it runs, for hints; none for a registry.
  std::string probe = "docker info";
  // What to do when nothing answers on the socket, and where the socket usually is: Docker's unless the
  // caller knows better (Incus sets its own), so a missing Incus socket never says "start dockerd".
  std::string start_hint = "start the engine (e.g. `setsid dockerd &` or ci/host-setup.sh), or point --engine/DOCKER_HOST at a running one";
  std::string socket_hint = "point --engine/DOCKER_HOST at the engine's socket, e.g. unix:///var/run/docker.sock";
  std::string socket_group = "docker";  // the group whose members may use the socket
};

// Parses "unix:///path", "tcp://host:port" or a bare socket path.
// host[:port] or [ipv6][:port]: the name letters, digits, '.' and '-', the port 1-65535.
bool valid_host_port(const std::string& h);

Result<Endpoint> parse_endpoint(const std::string& spec);
// --engine, else DOCKER_HOST, else the local Docker socket.
Result<Endpoint> default_endpoint(const std::string& flag_value);

struct HttpResponse {
  long status = 0;
  std::string body;
  bool timed_out = false;  // only with HttpRequest::timeout_is_result
  // The final response's headers, names lower-cased (the last value of a repeated name). A registry
  // answers in headers: Location, Docker-Content-Digest, WWW-Authenticate.
  std::map<std::string, std::string> headers = {};
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// The largest reply body rigctl keeps from an engine (JSON answers: inspect, lists, load messages).
// Real answers are kilobytes; the bound stops a broken or hostile endpoint from exhausting memory.
inline constexpr size_t kMaxReplyBody = 64u << 20;

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // including query
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::string> headers;  // more "Name: value" lines (Incus's X-Incus-* file headers)
  // When set, the body is streamed from this function (chunked): it returns bytes written into
  // buf (0 at the end, -1 on error).
  std::function<long(char* buf, size_t len)> upload;
  // With `upload`: the body's exact length, sent as Content-Length instead of chunked (a registry's
  // blob PUT wants it). -1: unknown, chunked.
  long long upload_size = -1;
  // When set, response body chunks go here as they arrive instead of into HttpResponse::body.
  // Returning false stops the transfer: http_request then fails (the receiver knows why).
  std::function<bool(const char*, size_t)> on_data;
  size_t max_body = kMaxReplyBody;  // for HttpResponse::body; more is an engine error
  long timeout_ms = 0;  // 0: none
  // For requests whose total time grows with their size (image loads): fail when no byte moves
  // either way for this long. 0: none.
  long stall_ms = 0;
  bool ignore_interrupt = false;  // cleanup requests must still run after SIGINT
  // A streaming request whose deadline is part of its meaning (an exec with a timeout): running out
  // of time gives a response with timed_out set, not an engine error.
  bool timeout_is_result = false;
};

// "HEAD" sends no body and reads none.
// Every failure to get a complete reply -- no connection, a connection dropped or a reply cut off,
// no answer in time, a reply over max_body -- is Unavailable (exit 3) naming the endpoint, the method
// and path, and what happened. A status code is not a failure here: callers judge it.
Result<HttpResponse> http_request(const Endpoint& ep, const HttpRequest& req);

}  // namespace rig
