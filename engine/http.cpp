#include "engine/http.hpp"

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/interrupt.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const HttpRequest* req;
  HttpResponse* resp;
  bool over_limit = false;  // the body passed req->max_body
  bool refused = false;     // on_data stopped the transfer
};

// Returning less than n makes libcurl stop with CURLE_WRITE_ERROR; the flags say why.
size_t on_write(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nmemb;
  if (t->req->on_data) {
    if (!t->req->on_data(ptr, n)) {
      t->refused = true;
      return 0;
    }
    return n;
  }
  if (t->resp->body.size() + n > t->req->max_body) {
    t->over_limit = true;
    return 0;
  }
  t->resp->body.append(ptr, n);
  return n;
}

// Keeps the last response's headers: a new status line (after a 100 Continue) starts afresh.
size_t on_header(char* ptr, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nitems;
  std::string line(ptr, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.starts_with("HTTP/")) {
    t->resp->headers.clear();
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos || t->resp->headers.size() > 200) return n;
  std::string name = to_lower(line.substr(0, colon));
  t->resp->headers[name] = std::string(trim(line.substr(colon + 1)));
  return n;
}

size_t on_read(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  long n = t->req->upload(buf, size * nitems);
  if (n < 0) return CURL_READFUNC_ABORT;
  return static_cast<size_t>(n);
}

int on_progress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userdata);
  return (!t->req->ignore_interrupt && interrupt_stops_work()) ? 1 : 0;
}

Error connection_error(const Endpoint& ep, CURLcode rc, const char* detail) {
  std::string d = detail && *detail ? detail : curl_easy_strerror(rc);
  if (!ep.unix_path.empty()) {
    // libcurl's detail names the URL's placeholder host ("Failed to connect to localhost port 80"),
    // which is not where rigctl connected: its plain reason only.
    d = curl_easy_strerror(rc);
    struct stat st {};
    if (::stat(ep.unix_path.c_str(), &st) != 0)
      return unavailable(ep.noun + " socket '" + ep.unix_path + "' does not exist", ep.start_hint);
    if (!S_ISSOCK(st.st_mode))
      return unavailable(ep.noun + " socket '" + ep.unix_path + "' is not a socket (" + (S_ISDIR(st.st_mode) ? "a directory" : "a file") + ")",
                         ep.socket_hint);
    if (::access(ep.unix_path.c_str(), R_OK | W_OK) != 0)
      return unavailable("permission denied on " + ep.noun + " socket '" + ep.unix_path + "'",
                         "run as root or as a member of the socket's group (e.g. `usermod -aG " + ep.socket_group + " $USER`)");
    return unavailable(ep.noun + " at '" + ep.display + "' does not answer (" + d + ")",
                       "the socket exists but nothing listens: restart " + ep.article + ep.noun);
  }
  return unavailable(ep.noun + " at '" + ep.display + "' is unreachable (" + d + ")",
                     "check that " + ep.article + ep.noun + " listens there");
}

std::string seconds(long ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

namespace {

// A port: 1-65535, digits only.
bool valid_port(const std::string& p) {
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  long v = std::stol(p);
  return v >= 1 && v <= 65535;
}

}  // namespace

// host[:port] or [ipv6][:port]: the name letters, digits, '.' and '-'; the port 1-65535.
bool valid_host_port(const std::string& h) {
  if (h.empty() || h.size() > 255) return false;
  std::string name = h, port;
  bool had_port = false;
  if (h.front() == '[') {
    auto end = h.find(']');
    if (end == std::string::npos || end == 1) return false;
    for (char ch : h.substr(1, end - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.')) return false;
    if (end + 1 == h.size()) return true;
    if (h[end + 1] != ':') return false;
    return valid_port(h.substr(end + 2));
  }
  if (auto colon = h.find(':'); colon != std::string::npos) {
    name = h.substr(0, colon);
    port = h.substr(colon + 1);
    had_port = true;
  }
  if (name.empty()) return false;
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-')) return false;
  return !had_port || valid_port(port);
}

Result<Endpoint> parse_endpoint(const std::string& spec) {
  Endpoint ep;
  ep.display = spec;
  if (spec.starts_with("unix://")) {
    ep.unix_path = spec.substr(7);
    ep.base_url = "http://localhost";
  } else if (spec.starts_with("/")) {
    ep.unix_path = spec;
    ep.base_url = "http://localhost";
  } else if (spec.starts_with("tcp://")) {
    std::string addr = spec.substr(6);
    while (!addr.empty() && addr.back() == '/') addr.pop_back();
    if (addr.empty()) return usage_error("engine '" + spec + "': missing address (expected tcp://host:port)");
    if (!valid_host_port(addr)) return usage_error("engine '" + spec + "': '" + addr + "' is not host[:port] with a port 1-65535");
    ep.base_url = "http://" + addr;
  } else {
    return usage_error("engine '" + spec + "': expected unix:///path/to.sock or tcp://host:port");
  }
  if ((ep.base_url == "http://localhost" && ep.unix_path.empty()) || ep.base_url == "http://" ||
      (spec.starts_with("unix://") && ep.unix_path.empty()))
    return usage_error("engine '" + spec + "': missing address (expected unix:///path/to.sock or tcp://host:port)");
  return ep;
}

Result<Endpoint> default_endpoint(const std::string& flag_value) {
  if (!flag_value.empty()) return parse_endpoint(flag_value);
  if (const char* h = std::getenv("DOCKER_HOST"); h && *h) return parse_endpoint(h).context("DOCKER_HOST");
  return parse_endpoint("unix:///var/run/docker.sock");
}

Result<HttpResponse> http_request(const Endpoint& ep, const HttpRequest& req) {
  global_init();
  CURL* c = curl_easy_init();
  if (!c) return internal_error("libcurl: cannot create a handle");
  HttpResponse resp;
  Transfer t{&req, &resp};
  std::string url = ep.base_url + req.path;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!ep.unix_path.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep.unix_path.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // the engine is local or an explicit tcp:// peer
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  if (req.timeout_ms > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  if (req.stall_ms > 0) {
    // Below 1 byte/s for the whole window: nothing moved in either direction.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, std::max(1L, req.stall_ms / 1000));
  }
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + req.content_type).c_str());
  headers = curl_slist_append(headers, "Expect:");
  for (auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  if (req.upload && req.upload_size >= 0) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);  // PUT unless the method says otherwise (below)
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
  } else if (req.upload) {
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
  } else if (req.method == "POST" || req.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  if (req.upload && req.upload_size >= 0 && req.method != "PUT")
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  else if (req.upload && req.upload_size < 0 && req.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  // libcurl says only "Couldn't connect" when it could not make the socket: asked while the handle
  // still holds its own descriptors, as it did when the socket was refused.
  const int fd_shortage = rc == CURLE_COULDNT_CONNECT ? out_of_descriptors() : 0;
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (rc == CURLE_OK) return resp;
  if (rc == CURLE_ABORTED_BY_CALLBACK && interrupt_stops_work() && !req.ignore_interrupt) return interrupted_error();
  // No descriptor for the socket (ulimit -n) is rigctl's limit, not an engine that does not listen.
  if (fd_shortage) return resource_error(ep.noun + " at '" + ep.display + "': cannot open a connection", fd_shortage);
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) return connection_error(ep, rc, errbuf);
  const std::string where = ep.noun + " at '" + ep.display + "': " + req.method + " " + req.path;
  const std::string detail = errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc);
  if (t.over_limit)
    return unavailable(where + ": the reply is larger than " +
                       (req.max_body % (1u << 20) ? std::to_string(req.max_body) + " bytes"
                                                  : std::to_string(req.max_body >> 20) + " MiB") +
                       ", far more than any " + ep.noun + " answer rigctl reads");
  if (t.refused) return unavailable(where + ": rigctl stopped reading a malformed reply");
  if (rc == CURLE_OPERATION_TIMEDOUT && req.timeout_is_result) {
    resp.timed_out = true;
    return resp;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    bool stalled = req.stall_ms > 0 && detail.find("slower than") != std::string::npos;
    // The connection (and a TLS handshake) has its own 5 s bound: say which one ran out.
    bool connecting = detail.find("onnect") != std::string::npos || detail.find("SSL") != std::string::npos;
    return unavailable(where + (stalled      ? ": timed out: no data moved for " + seconds(req.stall_ms)
                                : connecting ? ": timed out: no connection within 5 s (" + detail + ")"
                                             : ": timed out: no complete reply within " + seconds(req.timeout_ms)),
                       !ep.probe.empty() ? ep.article + ep.noun + " is stalled or overloaded: check it (e.g. `" + ep.probe + "`) and retry"
                                         : "check that " + ep.article + ep.noun + " answers there (and speaks https unless --insecure)");
  }
  std::string what;
  switch (rc) {
    case CURLE_GOT_NOTHING: what = ep.article + ep.noun + " closed the connection without answering"; break;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR: what = "the connection broke before the reply was complete"; break;
    case CURLE_SEND_ERROR: what = "the connection broke while the request was sent"; break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: what = "the answer is not HTTP"; break;
    case CURLE_PEER_FAILED_VERIFICATION:
      what = "its TLS certificate could not be verified against this machine's CA store";
      break;
    case CURLE_SSL_CONNECT_ERROR: what = "the TLS handshake failed"; break;
    default: what = "the request failed"; break;
  }
  return unavailable(where + ": " + what + " (" + detail + ")",
                     !ep.probe.empty() ? "check that " + ep.article + ep.noun + " is still running (e.g. `" + ep.probe + "`)"
                                       : "check that " + ep.article + ep.noun + " is still running and reachable");
}


}  // namespace rig
