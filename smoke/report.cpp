#include "smoke/report.hpp"

#include <cstdio>
#include <sstream>

#include "core/report_format.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

// Every string that goes into a JSON report: outputs carry arbitrary bytes from the rig and the
// engine, and json::dump() throws on invalid UTF-8.
std::string text(const std::string& s) { return valid_utf8(s); }

std::string indent(const std::string& text, const std::string& pad) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) out += pad + line + "\n";
  return out;
}

}  // namespace

std::string render_table(const SmokeReport& r) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line, "%3s  %-18s %-8s %8s  %s\n", "#", "check", "status", "time", "title");
  o << line;
  for (auto& c : r.checks) {
    std::snprintf(line, sizeof line, "%3d  %-18s %-8s %7.2fs  %s\n", c.number, c.id.c_str(), check_state_name(c.status),
                  c.seconds, c.title.c_str());
    o << line;
    if (!c.note.empty() && c.status != CheckState::Fail) o << "     " << c.note << "\n";
    if (c.status == CheckState::Fail) {
      o << indent(c.output, "     | ");
      if (c.diagnosis.empty()) o << "     diagnosis: unknown failure (no known signature matched)\n";
      for (auto& d : c.diagnosis) o << "     diagnosis [" << d.id << "]: " << d.cause << "\n     fix: " << d.fix << "\n";
    }
  }
  const int na = r.count(CheckState::NotApplicable);
  const std::string na_text = na ? " (" + std::to_string(na) + " not applicable)" : "";
  std::snprintf(line, sizeof line, "%d/%zu passed%s, %d failed, %d not run in %.2f s (%s, %s %s, %s %s inside)\n",
                r.count(CheckState::Pass), r.checks.size(), na_text.c_str(), r.count(CheckState::Fail), r.count(CheckState::NotRun), r.seconds,
                r.rig.c_str(), r.host.engine.c_str(), r.host.engine_version.c_str(),
                r.host.inner_engine.empty() ? "podman" : r.host.inner_engine.c_str(),
                r.host.inner_version.empty() ? "?" : r.host.inner_version.c_str());
  o << line;
  if (!r.leftover.empty()) o << "warning: " << r.leftover << "\n";
  return o.str();
}

json report_json(const SmokeReport& r) {
  json checks = json::array();
  for (auto& c : r.checks) {
    json diag = json::array();
    for (auto& d : c.diagnosis) diag.push_back({{"id", text(d.id)}, {"cause", text(d.cause)}, {"fix", text(d.fix)}});
    checks.push_back({{"number", c.number},
                      {"id", text(c.id)},
                      {"title", text(c.title)},
                      {"status", check_state_name(c.status)},
                      {"duration_seconds", c.seconds},
                      {"output_tail", text(c.output)},
                      {"note", text(c.note)},
                      {"diagnosis", diag}});
  }
  json flags = json::array();
  for (auto& f : r.flags) flags.push_back({{"id", text(f.id)}, {"state", text(f.state)}, {"reason", text(f.reason)}});
  json out = {{"recipe", text(r.recipe)},
              {"rig", text(r.rig)},
              {"run_id", text(r.run_id)},
              {"result", r.passed() ? "pass" : "fail"},
              {"passed", r.count(CheckState::Pass)},
              {"failed", r.count(CheckState::Fail)},
              {"not_run", r.count(CheckState::NotRun)},
              {"not_applicable", r.count(CheckState::NotApplicable)},
              {"total", r.checks.size()},
              {"duration_seconds", r.seconds},
              {"inner_network", r.inner_network.empty() ? "default" : text(r.inner_network)},
              {"inner_storage", text(r.inner_storage)},
              {"flags", flags},
              {"checks", checks},
              {"host", host_facts_json(r.host)}};
  if (!r.leftover.empty()) out["leftover"] = text(r.leftover);
  return out;
}

json host_facts_json(const HostFacts& h) {
  return {{"kernel", text(h.kernel)},     {"engine", text(h.engine)},
          {"engine_version", text(h.engine_version)}, {"api_version", text(h.api_version)},
          {"endpoint", text(h.endpoint)}, {"podman_version", text(h.podman_version)},
          {"inner_engine", text(h.inner_engine)}, {"inner_version", text(h.inner_version)},
          {"arch", text(h.arch)}};
}

std::string report_junit(const SmokeReport& r) {
  JUnitSuite suite{"rigctl.smoke." + r.recipe, r.seconds, {}, {}};
  suite.properties = {{"rig", r.rig},
                      {"kernel", r.host.kernel},
                      {"engine", r.host.engine + " " + r.host.engine_version},
                      {"podman", r.host.podman_version},
                      {"inner_engine", r.host.inner_engine + " " + r.host.inner_version},
                      {"arch", r.host.arch}};
  for (auto& c : r.checks) {
    char num[8];
    std::snprintf(num, sizeof num, "%02d", c.number);
    JUnitCase jc{suite.name, std::string(num) + "-" + c.id + ": " + c.title, c.seconds, JUnitCase::Outcome::Pass, "", "", ""};
    if (c.status == CheckState::NotRun) {
      jc.outcome = JUnitCase::Outcome::Skip;
      jc.message = "not run: " + c.note;
    } else if (c.status == CheckState::NotApplicable) {
      jc.outcome = JUnitCase::Outcome::Skip;
      jc.message = "not applicable: " + c.note;
    } else if (c.status != CheckState::Pass) {
      jc.outcome = JUnitCase::Outcome::Fail;
      jc.message = c.diagnosis.empty() ? "unknown failure" : c.diagnosis.front().cause;
      jc.type = c.id;
      jc.body = c.output;
      for (auto& d : c.diagnosis) jc.body += "\ndiagnosis [" + d.id + "]: " + d.cause + "\nfix: " + d.fix;
    }
    suite.cases.push_back(std::move(jc));
  }
  return junit_xml({"rigctl smoke", r.seconds, {std::move(suite)}});
}

}  // namespace rig
