#include "builder/render.hpp"

#include <cstdio>
#include <sstream>

#include "builder/recipe_rules.hpp"
#include "core/fs.hpp"
#include "core/json_reader.hpp"

namespace rig {

namespace {

// How recipe values reach the Containerfile. A Dockerfile is read line by line and a RUN in shell
// form is parsed by a shell, so a value pasted in as text could end the instruction (a newline) or
// run a command ($(...), quotes). Here every value goes
//  - into a JSON string: exec-form RUN, JSON-form COPY/VOLUME/ENTRYPOINT/CMD. JSON escapes newlines
//    and quotes, and no shell parses the value: multi-step RUNs are constant `sh -c` scripts that get
//    the values as positional parameters ("$1", "$@");
//  - or, where Docker has no JSON form (ARG, ENV, LABEL, WORKDIR, USER), through `word()` below,
//    which writes control characters as visible escapes, so nothing can start a new line.
// Docker expands $VAR (and reads quotes and backslashes) in COPY, VOLUME, ENV, LABEL, WORKDIR and
// USER, even in their JSON forms: `literal()` escapes those characters so a value arrives as written.

std::string literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '$' || c == '"' || c == '\'') out += '\\';
    out += c;
  }
  return out;
}

// One JSON string; invalid UTF-8 (never from a parsed recipe) is replaced rather than thrown on.
std::string js(const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); }

// ["a", "b", ...]
std::string exec_form(const std::vector<std::string>& argv) {
  std::string out = "[";
  for (size_t i = 0; i < argv.size(); ++i) out += (i ? ", " : "") + js(argv[i]);
  return out + "]";
}

// RUN in exec form running a constant shell script with the values as its positional parameters.
// `wrap` puts each value on its own continuation line (long package lists).
std::string sh_run(const std::string& script, const std::vector<std::string>& args, bool wrap = false) {
  std::string out = "RUN [\"/bin/sh\", \"-c\", " + js(script) + ", \"sh\"";
  for (auto& a : args) out += (wrap ? ", \\\n     " : ", ") + js(a);
  return out + "]\n";
}

// A value in a position without a JSON form: control characters written as escapes (\n, \x1b) so
// the instruction stays one line. render_context refuses recipes whose values would be changed by it.
std::string word(const std::string& s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// "value" for ENV and LABEL. Inside double quotes Docker takes only \" \\ \$ as escapes (a \' would
// stay a backslash and a quote), so literal() is not the right escape here.
std::string dq(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '$' || c == '"') out += '\\';
    out += c;
  }
  return word(out) + "\"";
}

std::string owner(const Owner& o) { return std::to_string(o.uid) + ":" + std::to_string(o.gid); }

std::string octal(uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

std::string context_name(size_t i) { return "files/" + std::to_string(i); }

// The rig user as useradd/groupadd make it, after the holder of its uid (Ubuntu's `ubuntu`) and its
// group make way; $1 name, $2 uid, $3 gid, $4 home, $5 shell, $6/$7 the subuid/subgid lines.
constexpr const char* kUserScript =
    "set -e; old=$(getent passwd \"$2\" | cut -d: -f1); "
    "if [ -n \"$old\" ]; then userdel -r \"$old\" 2>/dev/null || userdel \"$old\"; fi; "
    "getent group \"$3\" >/dev/null && groupdel \"$(getent group \"$3\" | cut -d: -f1)\" || true; "
    "groupadd -g \"$3\" \"$1\" && useradd -u \"$2\" -g \"$3\" -d \"$4\" -m -s \"$5\" \"$1\"; "
    "printf '%s\\n' \"$6\" > /etc/subuid; printf '%s\\n' \"$7\" > /etc/subgid";

}  // namespace

std::string render_base_recipe(const Recipe& r) {
  json base = {{"distro", r.base.distro}, {"suite", r.base.suite}, {"components", r.base.components},
               {"variant", r.base.variant}, {"mirror", r.base.mirror}};
  if (r.base.keyring)
    base["keyring"] = {{"package", r.base.keyring->package}, {"distro", r.base.keyring->distro},
                       {"suite", r.base.keyring->suite}, {"path", r.base.keyring->path}};
  // "<name>-base" must itself be a valid recipe name: cut a long name (and any separator it then
  // ends with) so the suffix fits.
  std::string stem = r.name.substr(0, std::min(r.name.size(), kMaxRecipeNameBytes - 5));
  while (!stem.empty() && (stem.back() == '.' || stem.back() == '_' || stem.back() == '-')) stem.pop_back();
  json doc = {{"schema", kRecipeSchema},
              {"name", stem + "-base"},
              {"description", "bare " + r.base.distro + " " + r.base.suite + " base for the rendered Containerfile of " + r.name},
              {"base", base},
              {"architectures", r.architectures},
              {"config_user", "0:0"},
              {"cmd", json::array({"/bin/bash"})}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string render_containerfile(const Recipe& r) {
  std::ostringstream f;
  f << "# Generated by `rigctl render` from " << word(r.file.filename().string()) << " (" << word(r.name) << ").\n"
    << "# Build the base first: rigctl build base.json --load --tag <BASE>; then\n"
    << "#   docker build --build-arg BASE=<BASE> .\n"
    << "ARG BASE=" << word(literal("rigctl/" + r.name + "-base:" + (r.architectures.empty() ? "amd64" : r.architectures.front())))
    << "\n"
    << "FROM ${BASE}\n"
    << "USER 0:0\n";
  if (!r.base.strip.empty()) {
    std::vector<std::string> lines;
    for (auto& g : r.base.strip) lines.push_back(!g.empty() && g[0] == '!' ? "path-include=" + g.substr(1) : "path-exclude=" + g);
    f << sh_run("printf '%s\\n' \"$@\" > /etc/dpkg/dpkg.cfg.d/rigctl-strip", lines);
  }
  if (!r.packages.empty()) {
    f << sh_run(std::string("apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y") +
                    (r.base.recommends ? "" : " --no-install-recommends") +
                    " \"$@\" && apt-get clean && rm -rf /var/lib/apt/lists/*",
                r.packages, /*wrap=*/true);
  }
  if (r.user) {
    auto& u = *r.user;
    f << sh_run(kUserScript, {u.name, std::to_string(u.uid), std::to_string(u.gid), u.home, u.shell,
                              u.name + ":" + std::to_string(u.subuid.start) + ":" + std::to_string(u.subuid.count),
                              u.name + ":" + std::to_string(u.subgid.start) + ":" + std::to_string(u.subgid.count)});
  }
  for (auto& fc : r.file_capabilities)
    f << sh_run("chmod u-s,g-s -- \"$2\" && setcap \"$1\" \"$2\"", {fc.text, fc.path});
  for (size_t i = 0; i < r.files.size(); ++i) {
    auto& file = r.files[i];
    f << "COPY --chown=" << owner(file.owner) << " " << exec_form({context_name(i), literal(file.path)}) << "\n";
    f << "RUN " << exec_form({"chmod", octal(file.mode), "--", file.path}) << "\n";
  }
  for (auto& d : r.directories)
    f << sh_run("mkdir -p -- \"$1\" && chown \"$2\" -- \"$1\" && chmod \"$3\" -- \"$1\"", {d.path, owner(d.owner), octal(d.mode)});
  for (auto& l : r.links) f << "RUN " << exec_form({"ln", "-sfn", "--", l.target, l.path}) << "\n";
  for (auto& [k, v] : r.env) f << "ENV " << word(literal(k)) << "=" << dq(v) << "\n";
  for (auto& [k, v] : r.labels) f << "LABEL " << dq(k) << "=" << dq(v) << "\n";
  if (!r.volumes.empty()) {
    std::vector<std::string> vols;
    for (auto& v : r.volumes) vols.push_back(literal(v));
    f << "VOLUME " << exec_form(vols) << "\n";
  }
  if (!r.workdir.empty()) f << "WORKDIR " << word(literal(r.workdir)) << "\n";
  if (!r.config_user.empty()) f << "USER " << word(literal(r.config_user)) << "\n";
  if (!r.entrypoint.empty()) f << "ENTRYPOINT " << exec_form(r.entrypoint) << "\n";
  if (!r.cmd.empty()) f << "CMD " << exec_form(r.cmd) << "\n";
  return f.str();
}

Status render_context(const Recipe& r, const std::filesystem::path& out) {
  // What word() would have to escape cannot be written as it is: refuse rather than render a
  // Containerfile whose image differs from the recipe's.
  auto check = [](const std::string& where, const std::string& v) -> Status {
    if (has_control_char(v))
      return usage_error(where + ": " + show_value(v) + " has a control character, which a Containerfile cannot hold there");
    return ok();
  };
  for (auto& [k, v] : r.env) RIG_CHECK(check("env." + k, v));
  for (auto& [k, v] : r.labels) {
    RIG_CHECK(check("labels", k));
    RIG_CHECK(check("labels." + k, v));
  }
  RIG_CHECK(check("workdir", r.workdir));
  RIG_CHECK(check("config_user", r.config_user));
  RIG_TRY(auto staging, StagingDir::create(out));
  RIG_CHECK(write_file_atomic(staging.path() / "Containerfile", render_containerfile(r)));
  RIG_CHECK(write_file_atomic(staging.path() / "base.json", render_base_recipe(r)));
  for (size_t i = 0; i < r.files.size(); ++i)
    RIG_CHECK(write_file_atomic(staging.path() / context_name(i), r.files[i].content));
  return staging.commit();
}

}  // namespace rig
