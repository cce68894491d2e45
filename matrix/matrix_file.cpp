#include "matrix/matrix_file.hpp"

#include "core/text.hpp"

#include "engine/incus_client.hpp"
#include "engine/lxc_runtime.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/fs.hpp"
#include "bench/bench.hpp"
#include "core/json_reader.hpp"
#include "engine/http.hpp"

namespace rig {

namespace {

// Known values per axis. Hosts are "local", "remote" (DOCKER_HOST) or "vm:<name>".
const std::map<std::string, std::set<std::string>> kValues = {
    {"arch", {"amd64", "arm64"}},
    {"engine", {"docker", "podman", "incus", "lxc"}},
    {"network", {"default", "pasta", "slirp4netns"}},
    {"storage", {"overlay", "fuse-overlayfs"}},
};

// Recipe and VM host names become parts of result paths (cells/<host>/<recipe>/...) and are looked up
// as files under recipes/: plain names only, never a path.
bool plain_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n == "." || n == "..") return false;
  if (!std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool valid_host(const std::string& h) { return h == "local" || h == "remote" || (h.rfind("vm:", 0) == 0 && plain_name(h.substr(3))); }

constexpr size_t kMaxAxisValues = 64;
constexpr size_t kMaxCells = 4096;

void check_axis_values(const JsonNode& n, const std::string& axis, const std::vector<std::string>& values) {
  if (values.empty()) n.fail("expected at least one value");
  if (values.size() > kMaxAxisValues) n.fail("expected at most " + std::to_string(kMaxAxisValues) + " values, got " + std::to_string(values.size()));
  std::set<std::string> seen;
  for (auto& v : values) {
    if (!seen.insert(v).second) n.fail("duplicate value " + show_value(v));
    if (axis == "host" && !valid_host(v)) n.fail("expected local, remote or vm:<name> (a name under recipes/hosts/), got " + show_value(v));
    if (axis == "recipe" && !plain_name(v))
      n.fail("expected a recipe name under recipes/ ([a-z0-9][a-z0-9._-]*, at most 64 characters), got " + show_value(v));
    auto known = kValues.find(axis);
    if (known != kValues.end() && !known->second.count(v)) {
      std::string list;
      for (auto& k : known->second) list += (list.empty() ? "" : ", ") + k;
      n.fail("expected one of " + list + ", got " + show_value(v));
    }
  }
}

std::vector<std::string> stage_list(const JsonNode& n) {
  auto v = n.str_list();
  for (auto& s : v)
    if (std::find(kStages.begin(), kStages.end(), s) == kStages.end())
      n.fail("expected stages image, smoke, confine, ablate or bench, got '" + s + "'");
  // Stages always run in pipeline order, whatever order the file lists them in.
  std::vector<std::string> ordered;
  for (auto& s : kStages)
    if (std::find(v.begin(), v.end(), s) != v.end()) ordered.push_back(s);
  return ordered;
}

MatrixFile parse_doc(const json& doc, const std::filesystem::path& file) {
  JsonNode root(doc, "");
  auto o = root.object();
  auto schema = o.required("schema");
  if (schema.str() != "rigctl/matrix/v1") schema.fail("expected \"rigctl/matrix/v1\"");
  MatrixFile m;
  m.file = file;
  {
    auto nn = o.required("name");
    m.name = nn.nonempty_str();
    // Printed in every report and summary line.
    if (m.name.size() > 128 || std::any_of(m.name.begin(), m.name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      nn.fail("expected a name of at most 128 characters without control characters, got " + show_value(m.name));
  }
  if (auto d = o.optional("description")) m.description = d->str();
  auto axes = o.required("axes").object();
  for (auto& a : kAxes) {
    auto n = axes.required(a);
    m.axes[a] = n.str_list();
    check_axis_values(n, a, m.axes[a]);
  }
  axes.finish();
  // Bounded before anything is expanded: every cell is a launch (or a VM) of its own.
  size_t cells = 1;
  for (auto& [a, v] : m.axes) cells = std::min(cells * v.size(), kMaxCells + 1);
  if (cells > kMaxCells)
    o.required("axes").fail("the axes make more than " + std::to_string(kMaxCells) + " cells; split the matrix into several files");
  auto run = o.required("run");
  m.run = stage_list(run);
  if (m.run.empty()) run.fail("expected at least one stage");
  if (auto rules = o.optional("rules")) {
    for (auto& rn : rules->array()) {
      auto ro = rn.object();
      MatrixRule r;
      auto match = ro.required("match").object();
      for (auto& a : kAxes) {
        auto v = match.optional(a);
        if (!v) continue;
        r.match[a] = v->raw().is_string() ? std::vector<std::string>{v->str()} : v->str_list();
        for (auto& val : r.match[a])
          if (std::find(m.axes[a].begin(), m.axes[a].end(), val) == m.axes[a].end())
            v->fail("'" + val + "' is not a value of axes." + a);
      }
      match.finish();
      if (r.match.empty()) rn.fail("a rule must match at least one axis");
      if (auto rr = ro.optional("run")) r.run = stage_list(*rr);
      if (auto ex = ro.optional("exclude")) r.exclude = ex->nonempty_str();
      if (r.run.empty() && r.exclude.empty()) rn.fail("expected \"run\" or \"exclude\"");
      ro.finish();
      m.rules.push_back(std::move(r));
    }
  }
  if (auto e = o.optional("engines")) {
    m.engines = e->str_map();
    for (auto& [k, v] : m.engines)
      if (!kValues.at("engine").count(k)) e->fail("expected engine names docker, podman, incus or lxc, got '" + k + "'");
      else if (k == "incus" ? !is_incus_engine(v) : k == "lxc" ? !is_lxc_engine(v) : !parse_endpoint(v).ok())
        e->fail("engines." + k + ": " + (k == "incus" ? "expected incus or incus:/path/to/unix.socket, got '" + v + "'"
                                         : k == "lxc" ? "expected lxc or lxc:/absolute/lxcpath, got '" + v + "'"
                                                      : parse_endpoint(v).error().message()));
  }
  if (auto a = o.optional("ablate")) {
    auto ao = a->object();
    if (auto only = ao.optional("only")) m.ablate_only = only->str_list();
    ao.finish();
  }
  if (auto b = o.optional("bench")) {
    auto bo = b->object();
    if (auto items = bo.optional("items")) {
      m.bench_items = items->str_list();
      if (auto st = check_bench_items({m.bench_items.begin(), m.bench_items.end()}); !st) items->fail(st.error().message());
    }
    if (auto runs = bo.optional("runs")) {
      m.bench_runs = static_cast<unsigned>(runs->u64(100));
      if (m.bench_runs == 0) runs->fail("expected at least 1 run");
    }
    bo.finish();
  }
  o.finish();
  return m;
}

bool matches(const MatrixRule& r, const Cell& c) {
  for (auto& [axis, values] : r.match)
    if (std::find(values.begin(), values.end(), c[axis]) == values.end()) return false;
  return true;
}

}  // namespace

std::string Cell::id() const {
  std::string host = at.at("host");
  std::replace(host.begin(), host.end(), ':', '-');
  return host + "/" + at.at("recipe") + "/" + at.at("arch") + "/" + at.at("engine") + "/" + at.at("network") + "/" +
         at.at("storage");
}

Result<MatrixFile> parse_matrix(const std::string& text, const std::filesystem::path& file) {
  const std::string ctx = "load matrix '" + file.string() + "'";
  auto doc = parse_json_document(text);
  if (!doc) return std::move(doc).error().add_context(ctx);
  try {
    return parse_doc(*doc, file);
  } catch (const JsonFieldError& e) {
    return usage_error(e.message).add_context(e.path.empty() ? "(top level)" : e.path).add_context(ctx);
  }
}

Result<MatrixFile> load_matrix(const std::filesystem::path& file) {
  auto text = read_json_text(file.string());
  if (!text) return std::move(text).error().add_context("load matrix '" + file.string() + "'");
  return parse_matrix(*text, file);
}

std::vector<Cell> expand(const MatrixFile& m) {
  std::vector<Cell> cells{Cell{}};
  for (auto& axis : kAxes) {
    std::vector<Cell> next;
    for (auto& c : cells)
      for (auto& v : m.axes.at(axis)) {
        Cell n = c;
        n.at[axis] = v;
        next.push_back(std::move(n));
      }
    cells = std::move(next);
  }
  for (auto& c : cells) {
    c.run = m.run;
    for (auto& r : m.rules) {
      if (!matches(r, c)) continue;
      if (!r.run.empty()) c.run = r.run;
      if (!r.exclude.empty() && c.excluded.empty()) c.excluded = r.exclude;
    }
  }
  return cells;
}

bool cell_selected(const Cell& c, const std::string& filter) {
  if (filter.empty()) return true;
  std::stringstream ss(filter);
  std::string pat;
  const std::string id = c.id();
  while (std::getline(ss, pat, ','))
    if (!pat.empty() && ::fnmatch(pat.c_str(), id.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace rig
