// The report toolkit every report shares (smoke, ablate, matrix, bench): one XML escape, one Markdown
// table-cell escape and one JUnit writer. Reports build a JUnitReport from their own results; the
// writer decides the XML, so the three JUnit files CI ingests cannot drift apart.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rig {

// Text as XML attribute or element content: markup escaped, invalid UTF-8 replaced, and the control
// characters XML 1.0 forbids even when escaped shown as '?'.
std::string xml_escape(std::string_view s);

// Text as one Markdown table cell: '|' escaped as "\|" (GitHub renders it as '|'), line breaks as
// spaces, so a reason or an error message can never split the table.
std::string md_cell(std::string_view s);

struct JUnitCase {
  enum class Outcome { Pass, Fail, Skip };
  std::string classname;
  std::string name;
  std::optional<double> seconds;  // written as time="…" when known
  Outcome outcome = Outcome::Pass;
  std::string message;  // the failure's or the skip's message
  std::string type;     // failure type attribute, when there is one
  std::string body;     // the failure's text (output, diagnosis)
};

struct JUnitSuite {
  std::string name;
  std::optional<double> seconds;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<JUnitCase> cases;
};

struct JUnitReport {
  std::string name;  // <testsuites name=…>
  std::optional<double> seconds;
  std::vector<JUnitSuite> suites;
};

// The JUnit XML document; the tests/failures/skipped counts are counted from the cases.
std::string junit_xml(const JUnitReport& r);

}  // namespace rig
