// Rendering a bench report: the table on stdout, a Markdown table for SPIKE-FINDINGS.md, and JSON
// (rigctl/bench/v1). A value that was not measured prints as "-" (JSON null), never as a number.
#include <cstdio>
#include <sstream>

#include "bench/bench.hpp"
#include "core/report_format.hpp"
#include "smoke/report.hpp"

namespace rig {

namespace {

std::string num(double v, const char* fmt) {
  if (v < 0) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Fixed decimals, except below 0.01 where they would print as zero (a warm build takes ~0.1 ms).
std::string fixed(double v, const char* fmt) { return v > 0 && v < 0.01 ? num(v, "%.2g") : num(v, fmt); }

std::string with_unit(double v, const std::string& unit) { return v < 0 ? "-" : fixed(v, "%.3f") + " " + unit; }
std::string ratio_text(double v) { return v < 0 ? "-" : fixed(v, "%.2f") + "x"; }

int count(const BenchReport& r, const std::string& status) {
  int n = 0;
  for (auto& i : r.items) n += i.status == status;
  return n;
}

std::string samples_text(const std::vector<double>& s) {
  std::string out;
  for (double v : s) out += (out.empty() ? "" : " ") + fixed(v, "%.3f");
  return out;
}

json or_null(double v) { return v < 0 ? json(nullptr) : json(v); }

}  // namespace

std::string bench_table(const BenchReport& r) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line, "%-18s %-15s %10s %10s %9s\n", "item", "status", "value", "baseline", "ratio");
  o << line;
  for (auto& i : r.items) {
    std::snprintf(line, sizeof line, "%-18s %-15s %10s %10s %9s\n", i.id.c_str(), i.status.c_str(), with_unit(i.value, i.unit).c_str(),
                  with_unit(i.baseline, i.unit).c_str(), ratio_text(i.ratio).c_str());
    o << line;
    o << "    " << i.title << (i.baseline_label.empty() ? "" : "; baseline: " + i.baseline_label) << "\n";
    if (i.status == "measured") o << "    samples (" << i.unit << "): " << samples_text(i.samples) << "\n";
    if (!i.reason.empty()) o << "    " << (i.status == "failed" ? "failed: " : "why: ") << i.reason << "\n";
    if (!i.reference.empty()) o << "    reference: " << i.reference << "\n";
  }
  std::snprintf(line, sizeof line, "%zu items: %d measured, %d not applicable, %d failed in %.2f s (%s; %s %s, podman %s, kernel %s, %s)\n",
                r.items.size(), count(r, "measured"), count(r, "not-applicable"), count(r, "failed"), r.seconds, r.recipe.c_str(),
                r.host.engine.c_str(), r.host.engine_version.c_str(), r.host.podman_version.empty() ? "?" : r.host.podman_version.c_str(),
                r.host.kernel.c_str(), r.host.arch.c_str());
  o << line;
  return o.str();
}

std::string bench_markdown(const BenchReport& r) {
  std::ostringstream o;
  o << "| item | what | value | baseline (same run) | ratio | reference |\n|---|---|---|---|---|---|\n";
  for (auto& i : r.items) {
    o << "| `" << i.id << "` | " << md_cell(i.title) << " | ";
    if (i.status == "measured") {
      o << with_unit(i.value, i.unit) << " (median of " << i.samples.size() << ") | " << with_unit(i.baseline, i.unit) << ": "
        << md_cell(i.baseline_label) << " | **" << ratio_text(i.ratio) << "** | ";
    } else {
      o << (i.status == "failed" ? "failed: " : "not applicable: ") << md_cell(i.reason) << " | - | - | ";
    }
    o << md_cell(i.reference) << " |\n";
  }
  o << "\nMeasured on: kernel " << r.host.kernel << ", " << r.host.engine << " " << r.host.engine_version << " (API " << r.host.api_version
    << "), podman " << (r.host.podman_version.empty() ? "?" : r.host.podman_version) << " inside, arch " << r.host.arch << "; recipe "
    << r.recipe << "; every ratio is value / baseline, both measured in the same run.\n";
  return o.str();
}

json bench_json(const BenchReport& r) {
  json items = json::array();
  for (auto& i : r.items)
    items.push_back({{"id", i.id},
                     {"title", i.title},
                     {"status", i.status},
                     {"reason", i.reason},
                     {"value", or_null(i.value)},
                     {"unit", i.unit},
                     {"baseline", or_null(i.baseline)},
                     {"baseline_label", i.baseline_label},
                     {"ratio", or_null(i.ratio)},
                     {"reference", i.reference},
                     {"samples", i.samples}});
  return {{"schema", kBenchSchema},
          {"recipe", r.recipe},
          {"duration_seconds", r.seconds},
          {"measured", count(r, "measured")},
          {"not_applicable", count(r, "not-applicable")},
          {"failed", count(r, "failed")},
          {"items", items},
          {"host", host_facts_json(r.host)}};
}

}  // namespace rig
