// Smoke reports: a human table (stdout), JSON, and JUnit XML for CI systems.
#pragma once

#include <string>

#include "core/json_reader.hpp"
#include "core/report_format.hpp"
#include "smoke/checks.hpp"

namespace rig {

std::string render_table(const SmokeReport& r);
json report_json(const SmokeReport& r);
std::string report_junit(const SmokeReport& r);
json host_facts_json(const HostFacts& h);

}  // namespace rig
