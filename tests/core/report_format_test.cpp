#include "support/catch.hpp"

#include "core/report_format.hpp"

namespace rigtest_core_report_format {

TEST_CASE("report format: one Markdown cell escape for every report", "[core][report]") {
  CHECK(rig::md_cell("a|b") == "a\\|b");
  CHECK(rig::md_cell("line one\nline two\r\n") == "line one line two  ");
  CHECK(rig::md_cell("") == "");
}

TEST_CASE("report format: xml_escape escapes markup and replaces what XML 1.0 forbids", "[core][report]") {
  CHECK(rig::xml_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  CHECK(rig::xml_escape(std::string("bell\x07tab\t", 9)) == "bell?tab\t");
  CHECK(rig::xml_escape("\xff") == "\xEF\xBF\xBD");  // invalid UTF-8 becomes U+FFFD
}

TEST_CASE("report format: JUnit counts come from the cases, every outcome has its element", "[core][report]") {
  using O = rig::JUnitCase::Outcome;
  rig::JUnitSuite s{"suite<1>", 2.5, {{"engine", "docker 27"}}, {}};
  s.cases.push_back({"suite<1>", "passes", 0.25, O::Pass, "", "", ""});
  s.cases.push_back({"suite<1>", "fails", std::nullopt, O::Fail, "why", "inner-run", "out & more"});
  s.cases.push_back({"suite<1>", "fails bare", std::nullopt, O::Fail, "no body", "", ""});
  s.cases.push_back({"suite<1>", "skipped", std::nullopt, O::Skip, "not run: needs inner-run", "", ""});
  rig::JUnitSuite empty{"empty", std::nullopt, {}, {}};
  auto x = rig::junit_xml({"rigctl test", 3.0, {s, empty}});
  CHECK(x ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"rigctl test\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\" time=\"3.000\">\n"
        "  <testsuite name=\"suite&lt;1&gt;\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\" time=\"2.500\">\n"
        "    <properties>\n"
        "      <property name=\"engine\" value=\"docker 27\"/>\n"
        "    </properties>\n"
        "    <testcase classname=\"suite&lt;1&gt;\" name=\"passes\" time=\"0.250\"/>\n"
        "    <testcase classname=\"suite&lt;1&gt;\" name=\"fails\">\n"
        "      <failure message=\"why\" type=\"inner-run\">out &amp; more</failure>\n"
        "    </testcase>\n"
        "    <testcase classname=\"suite&lt;1&gt;\" name=\"fails bare\">\n"
        "      <failure message=\"no body\"/>\n"
        "    </testcase>\n"
        "    <testcase classname=\"suite&lt;1&gt;\" name=\"skipped\">\n"
        "      <skipped message=\"not run: needs inner-run\"/>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"empty\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
        "  </testsuite>\n"
        "</testsuites>\n");
}

}  // namespace rigtest_core_report_format
