#include "core/report_format.hpp"

#include <cstdio>
#include <sstream>

#include "core/text.hpp"

namespace rig {

std::string xml_escape(std::string_view s) {
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

std::string md_cell(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

namespace {

std::string seconds_attr(const std::optional<double>& s) {
  if (!s) return "";
  char b[48];
  std::snprintf(b, sizeof b, " time=\"%.3f\"", *s);
  return b;
}

struct Counts {
  size_t tests = 0, failures = 0, skipped = 0;
  void add(const JUnitSuite& s) {
    for (auto& c : s.cases) {
      ++tests;
      failures += c.outcome == JUnitCase::Outcome::Fail;
      skipped += c.outcome == JUnitCase::Outcome::Skip;
    }
  }
  std::string attrs() const {
    return " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
           std::to_string(skipped) + "\"";
  }
};

void write_case(std::ostringstream& o, const JUnitCase& c) {
  o << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\"" << xml_escape(c.name) << "\""
    << seconds_attr(c.seconds);
  if (c.outcome == JUnitCase::Outcome::Pass) {
    o << "/>\n";
    return;
  }
  o << ">\n";
  if (c.outcome == JUnitCase::Outcome::Skip) {
    o << "      <skipped message=\"" << xml_escape(c.message) << "\"/>\n";
  } else {
    o << "      <failure message=\"" << xml_escape(c.message) << "\"";
    if (!c.type.empty()) o << " type=\"" << xml_escape(c.type) << "\"";
    if (c.body.empty()) o << "/>\n";
    else o << ">" << xml_escape(c.body) << "</failure>\n";
  }
  o << "    </testcase>\n";
}

}  // namespace

std::string junit_xml(const JUnitReport& r) {
  Counts all;
  for (auto& s : r.suites) all.add(s);
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" << xml_escape(r.name) << "\"" << all.attrs()
    << seconds_attr(r.seconds) << ">\n";
  for (auto& s : r.suites) {
    Counts n;
    n.add(s);
    o << "  <testsuite name=\"" << xml_escape(s.name) << "\"" << n.attrs() << seconds_attr(s.seconds) << ">\n";
    if (!s.properties.empty()) {
      o << "    <properties>\n";
      for (auto& [k, v] : s.properties) o << "      <property name=\"" << xml_escape(k) << "\" value=\"" << xml_escape(v) << "\"/>\n";
      o << "    </properties>\n";
    }
    for (auto& c : s.cases) write_case(o, c);
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

}  // namespace rig
