#include "smoke/report.hpp"

#include <cstdio>
#include <sstream>

#include "core/text.hpp"

namespace rig {

namespace {

std::string fmt_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

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
  std::snprintf(line, sizeof line, "%d/%zu passed, %d failed, %d not run in %.2f s (%s, %s %s, podman %s)\n",
                r.count(CheckState::Pass), r.checks.size(), r.count(CheckState::Fail), r.count(CheckState::NotRun), r.seconds,
                r.rig.c_str(), r.host.engine.c_str(), r.host.engine_version.c_str(),
                r.host.podman_version.empty() ? "?" : r.host.podman_version.c_str());
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
          {"arch", text(h.arch)}};
}

std::string xml_escape(const std::string& s) {
  std::string out;
  // XML text must be well-formed UTF-8 whatever bytes a check printed.
  for (unsigned char c : valid_utf8(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
        else out += static_cast<char>(c);
    }
  }
  return out;
}

std::string report_junit(const SmokeReport& r) {
  std::ostringstream o;
  std::string suite = "rigctl.smoke." + r.recipe;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites name=\"rigctl smoke\" tests=\"" << r.checks.size() << "\" failures=\"" << r.count(CheckState::Fail)
    << "\" errors=\"0\" skipped=\"" << r.count(CheckState::NotRun) << "\" time=\"" << fmt_seconds(r.seconds) << "\">\n"
    << "  <testsuite name=\"" << xml_escape(suite) << "\" tests=\"" << r.checks.size() << "\" failures=\""
    << r.count(CheckState::Fail) << "\" errors=\"0\" skipped=\"" << r.count(CheckState::NotRun) << "\" time=\""
    << fmt_seconds(r.seconds) << "\">\n"
    << "    <properties>\n";
  auto prop = [&](const char* k, const std::string& v) {
    o << "      <property name=\"" << k << "\" value=\"" << xml_escape(v) << "\"/>\n";
  };
  prop("rig", r.rig);
  prop("kernel", r.host.kernel);
  prop("engine", r.host.engine + " " + r.host.engine_version);
  prop("podman", r.host.podman_version);
  prop("arch", r.host.arch);
  o << "    </properties>\n";
  for (auto& c : r.checks) {
    char num[8];
    std::snprintf(num, sizeof num, "%02d", c.number);
    o << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\"" << num << "-" << xml_escape(c.id) << ": "
      << xml_escape(c.title) << "\" time=\"" << fmt_seconds(c.seconds) << "\"";
    if (c.status == CheckState::Pass) {
      o << "/>\n";
      continue;
    }
    o << ">\n";
    if (c.status == CheckState::NotRun) {
      o << "      <skipped message=\"not run: " << xml_escape(c.note) << "\"/>\n";
    } else {
      std::string first = c.diagnosis.empty() ? "unknown failure" : c.diagnosis.front().cause;
      std::string body = c.output;
      for (auto& d : c.diagnosis) body += "\ndiagnosis [" + d.id + "]: " + d.cause + "\nfix: " + d.fix;
      o << "      <failure message=\"" << xml_escape(first) << "\" type=\"" << xml_escape(c.id) << "\">"
        << xml_escape(body) << "</failure>\n";
    }
    o << "    </testcase>\n";
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

}  // namespace rig
