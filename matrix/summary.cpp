#include "matrix/summary.hpp"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "core/report_format.hpp"
#include "core/fs.hpp"
#include "core/json_shape.hpp"
#include "core/text.hpp"
#include "smoke/report.hpp"

namespace rig {

namespace {

const std::vector<std::string> kStatuses = {"pass", "fail", "not-applicable", "excluded", "not-selected"};

json totals_of(const json& cells) {
  json t = json::object();
  for (auto& s : kStatuses) t[s] = 0;
  for (auto& c : cells) t[c.value("status", "fail")] = t.value(c.value("status", "fail"), 0) + 1;
  return t;
}

// The totals a report shows and judges by are counted from its cells, never read from the file: a
// summary without "totals" (found by fuzzing: a const operator[] on the missing key aborted) or with
// totals that disagree with its cells cannot make a report say "passed".
json counted_totals(const json& summary) {
  auto it = summary.find("cells");
  return totals_of(it != summary.end() && it->is_array() ? *it : json::array());
}

std::string fmt(double v, const char* f = "%.2f") {
  char b[32];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string axes_label(const json& c) {
  const auto& a = c["axes"];
  return a.value("recipe", "") + "/" + a.value("arch", "") + "/" + a.value("engine", "") + "/" + a.value("network", "") +
         "/" + a.value("storage", "");
}

// A smoke stage's check ids in chain order ("order"; reports without it: the ids as stored).
std::vector<std::string> check_order(const json& detail) {
  std::vector<std::string> ids;
  if (detail.contains("order"))
    for (auto& id : detail["order"]) ids.push_back(id.get<std::string>());
  else if (detail.contains("checks"))
    for (auto& [id, _] : detail["checks"].items()) ids.push_back(id);
  return ids;
}

// A number that may be null (not measured): -1.
double num(const json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : -1; }

const json* stage_of(const json& cell, const std::string& name) {
  for (auto& s : cell["stages"])
    if (s.value("stage", "") == name) return &s;
  return nullptr;
}

std::string short_state(const std::string& s) {
  if (s == "pass") return "ok";
  if (s == "fail") return "FAIL";
  if (s == "not-run") return "-";
  if (s == "not-applicable") return "n/a";
  return s;
}

}  // namespace

json summary_json(const std::string& matrix_name, const std::vector<HostInfo>& hosts, const std::vector<CellResult>& cells,
                  double seconds) {
  json out_cells = json::array(), out_hosts = json::array();
  for (auto& h : hosts) out_hosts.push_back(host_json(h));
  for (auto& c : cells) {
    json stages = json::array();
    for (auto& s : c.stages)
      stages.push_back({{"stage", s.stage}, {"status", s.status}, {"reason", s.reason}, {"seconds", s.seconds}, {"detail", s.detail}});
    out_cells.push_back({{"id", c.cell.id()},
                         {"host", c.host_label.empty() && !hosts.empty() ? hosts.front().label : c.host_label},
                         {"axes", c.cell.at},
                         {"run", c.cell.run},
                         {"status", c.status},
                         {"reason", c.reason},
                         {"seconds", c.seconds},
                         {"stages", stages}});
  }
  return {{"schema", kReportSchema},
          {"matrices", json::array({matrix_name})},
          {"hosts", out_hosts},
          {"cells", out_cells},
          {"totals", totals_of(out_cells)},
          {"seconds", seconds}};
}

int64_t failed_cells(const json& summary) { return counted_totals(summary).value("fail", 0); }

bool summary_passed(const json& summary) { return failed_cells(summary) == 0; }

namespace {

// The line of a failure's output that says what went wrong (the first naming an error or a denial),
// else its first line; cut to one table cell's width.
std::string telling_line(const std::string& text, size_t max_bytes = 110) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!trim(l).empty() && l.rfind("Loaded image", 0) != 0) lines.push_back(trim(l));
  if (lines.empty()) return "";
  std::string pick = lines.front();
  for (auto& l : lines)
    if (l.find("rror") != std::string::npos || l.find("failed") != std::string::npos || l.find("denied") != std::string::npos ||
        l.find("not permitted") != std::string::npos || l.find("No such") != std::string::npos) {
      pick = l;
      break;
    }
  if (pick.size() <= max_bytes) return pick;
  // Cut on a character boundary: never in the middle of a UTF-8 sequence.
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(pick[cut]) & 0xC0) == 0x80) --cut;
  return pick.substr(0, cut) + "…";
}

}  // namespace

std::string summary_markdown(const json& sm) {
  std::ostringstream o;
  std::string names;
  for (auto& m : sm["matrices"]) names += (names.empty() ? "" : ", ") + m.get<std::string>();
  o << "# Matrix report: " << names << "\n\n";
  o << "## Hosts\n\n| host | kernel | arch | cores | AppArmor | userns restricted | engines |\n|---|---|---|---|---|---|---|\n";
  for (auto& h : sm["hosts"]) {
    std::string engines;
    for (auto& [name, e] : h["engines"].items())
      engines += (engines.empty() ? "" : "; ") + name + " " +
                 (e.value("available", false) ? e.value("version", "") : std::string("unavailable"));
    for (auto& [name, e] : h["remote"].items())
      engines += (engines.empty() ? "" : "; ") + name + " " + e.value("kind", "") + " " + e.value("version", "");
    o << "| " << h.value("label", "") << " | " << h.value("kernel", "") << " | " << h.value("arch", "") << " | "
      << h.value("cpus", 0) << " | " << (h.value("apparmor", false) ? "yes" : "no") << " | "
      << h.value("userns_restricted", "") << " | " << md_cell(engines) << " |\n";
  }
  // What an emulated host costs before and while its cells run: boot, engine, then each stage.
  std::ostringstream vms;
  for (auto& h : sm["hosts"]) {
    if (!h.contains("vm") || !h["vm"].is_object() || h["vm"].empty()) continue;
    auto& v = h["vm"];
    for (auto& c : sm["cells"]) {
      if (c.value("host", "") != h.value("label", "")) continue;
      std::string st = c.value("status", "");
      if (st == "excluded" || st == "not-selected") continue;
      std::string stages;
      for (auto& s : c["stages"])
        if (s.value("status", "") != "not-applicable")
          stages += (stages.empty() ? "" : ", ") + s.value("stage", "") + " " + fmt(s.value("seconds", 0.0), "%.1f s");
      vms << "| " << h.value("label", "") << " | " << v.value("accel", "") << " | " << fmt(num(v, "build"), "%.1f s") << " | "
          << fmt(num(v, "boot"), "%.1f s") << " | " << fmt(num(v, "engine_ready"), "%.1f s") << " | " << axes_label(c) << " | "
          << md_cell(stages) << " | " << fmt(c.value("seconds", 0.0), "%.1f s") << " |\n";
    }
  }
  if (!vms.str().empty())
    o << "\n## VM hosts: time per cell\n\n| host | accel | host image | boot | engine ready | cell | stages | cell total |\n"
         "|---|---|---|---|---|---|---|---|\n"
      << vms.str();
  o << "\n";
  auto t = counted_totals(sm);
  o << "**" << t.value("pass", 0) << " passed, " << t.value("fail", 0) << " failed, " << t.value("not-applicable", 0)
    << " not applicable, " << t.value("excluded", 0) << " excluded** (" << t.value("not-selected", 0)
    << " not selected by --cells)\n\n";

  // Cells x checks: the smoke chain's checks as columns, in the order the chains ran them.
  std::vector<std::string> ordered;
  for (auto& c : sm["cells"])
    if (auto* s = stage_of(c, "smoke"))
      for (auto& id : check_order((*s)["detail"]))
        if (std::find(ordered.begin(), ordered.end(), id) == ordered.end()) ordered.push_back(id);

  o << "## Cells\n\n| host | cell | status | image | smoke |";
  for (size_t i = 0; i < ordered.size(); ++i) o << " " << i + 1 << " |";
  o << " confine | ablate | bench | time |\n|---|---|---|---|---|";
  for (size_t i = 0; i < ordered.size(); ++i) o << "---|";
  o << "---|---|---|---|\n";
  for (auto& c : sm["cells"]) {
    std::string st = c.value("status", "");
    if (st == "excluded" || st == "not-selected") continue;
    auto stage_text = [&](const char* name) -> std::string {
      auto* s = stage_of(c, name);
      if (!s) return "";
      std::string v = short_state(s->value("status", ""));
      if ((std::string(name) == "smoke" || std::string(name) == "confine") && (*s)["detail"].contains("passed"))
      {
        v += " " + std::to_string((*s)["detail"].value("passed", 0)) + "/" + std::to_string((*s)["detail"].value("total", 0));
        if (int na = (*s)["detail"].value("not_applicable", 0)) v += " (" + std::to_string(na) + " n/a)";
      }
      return v;
    };
    o << "| " << c.value("host", "") << " | " << axes_label(c) << " | " << (st == "fail" ? "**FAIL**" : short_state(st))
      << " | " << stage_text("image") << " | " << stage_text("smoke") << " |";
    auto* sm_stage = stage_of(c, "smoke");
    for (auto& id : ordered) {
      std::string v;
      if (sm_stage && (*sm_stage)["detail"].contains("checks") && (*sm_stage)["detail"]["checks"].contains(id))
        v = short_state((*sm_stage)["detail"]["checks"][id].get<std::string>());
      o << " " << v << " |";
    }
    o << " " << stage_text("confine") << " | " << stage_text("ablate") << " | " << stage_text("bench") << " | " << fmt(c.value("seconds", 0.0), "%.1f s") << " |\n";
  }
  if (!ordered.empty()) {
    o << "\nChecks: ";
    for (size_t i = 0; i < ordered.size(); ++i) o << (i ? ", " : "") << i + 1 << " " << ordered[i];
    o << ".\n";
  }

  // Every reason a cell or stage did not run or failed: nothing disappears from the report.
  std::ostringstream why;
  for (auto& c : sm["cells"]) {
    std::string st = c.value("status", "");
    if (st == "not-selected") continue;
    if (st == "excluded") {
      why << "| " << c.value("host", "") << " | " << axes_label(c) << " | (cell) | excluded | " << md_cell(c.value("reason", "")) << " |\n";
      continue;
    }
    for (auto& s : c["stages"]) {
      std::string ss = s.value("status", "");
      if (ss == "pass") continue;
      why << "| " << c.value("host", "") << " | " << axes_label(c) << " | " << s.value("stage", "") << " | " << short_state(ss)
          << " | " << md_cell(s.value("reason", "")) << " |\n";
    }
  }
  if (!why.str().empty())
    o << "\n## Not run, not applicable, failed\n\n| host | cell | stage | status | reason |\n|---|---|---|---|---|\n" << why.str();

  // Ablation verdicts: one column per cell that ran the ablation (host and engine side by side).
  std::vector<const json*> ablated;
  std::vector<std::string> items;
  for (auto& c : sm["cells"])
    if (auto* s = stage_of(c, "ablate"); s && (*s)["detail"].contains("items")) {
      ablated.push_back(&c);
      for (auto& it : (*s)["detail"]["items"])
        if (std::find(items.begin(), items.end(), it.value("id", "")) == items.end()) items.push_back(it.value("id", ""));
    }
  if (!ablated.empty()) {
    o << "\n## Ablation verdicts\n\n| item |";
    for (auto* c : ablated) o << " " << c->value("host", "") << " " << axes_label(*c) << " |";
    o << "\n|---|";
    for (size_t i = 0; i < ablated.size(); ++i) o << "---|";
    o << "\n";
    for (auto& id : items) {
      o << "| " << id << " |";
      for (auto* c : ablated) {
        std::string verdict;
        for (auto& it : (*stage_of(*c, "ablate"))["detail"]["items"])
          if (it.value("id", "") == id) verdict = it.value("verdict", "");
        o << " " << verdict << " |";
      }
      o << "\n";
    }
    // The evidence behind each verdict: the check that failed without the item and the line that says why.
    o << "\n### What failed without each item\n\n| item | host · engine | failing check | observed (first line) |\n|---|---|---|---|\n";
    for (auto& id : items)
      for (auto* c : ablated)
        for (auto& it : (*stage_of(*c, "ablate"))["detail"]["items"]) {
          if (it.value("id", "") != id) continue;
          std::string check = it.value("observed_check", "");
          std::string seen = check.empty() && it.value("verdict", "").rfind("not needed", 0) != 0
                                 ? it.value("reason", "")
                                 : it.value("observed_error", "");
          o << "| " << id << " | " << c->value("host", "") << " · " << (*c)["axes"].value("engine", "") << " | "
            << (check.empty() ? "—" : check) << " | " << md_cell(telling_line(seen)) << " |\n";
        }
  }

  std::ostringstream bench;
  for (auto& c : sm["cells"])
    if (auto* s = stage_of(c, "bench"); s && (*s)["detail"].contains("items"))
      for (auto& it : (*s)["detail"]["items"]) {
        std::string value = it.value("status", "") == "measured" ? fmt(num(it, "value"), "%.3f") + " " + it.value("unit", "")
                                                                  : it.value("status", "") + ": " + it.value("reason", "");
        std::string base = num(it, "baseline") >= 0
                               ? fmt(num(it, "baseline"), "%.3f") + " " + it.value("unit", "") + " (" + it.value("baseline_label", "") + ")"
                               : "";
        std::string ratio = num(it, "ratio") >= 0 ? fmt(num(it, "ratio"), "%.2fx") : "";
        bench << "| " << c.value("host", "") << " | " << axes_label(c) << " | " << it.value("id", "") << " | " << md_cell(value)
              << " | " << md_cell(base) << " | " << ratio << " |\n";
      }
  if (!bench.str().empty())
    o << "\n## Bench\n\n| host | cell | item | value | baseline | ratio |\n|---|---|---|---|---|---|\n" << bench.str();
  return o.str();
}

std::string summary_junit(const json& sm) {
  JUnitReport report{"rigctl matrix", sm.value("seconds", 0.0), {}};
  for (auto& c : sm["cells"]) {
    JUnitSuite suite{c.value("host", "") + "/" + axes_label(c), c.value("seconds", 0.0), {}, {}};
    auto add = [&](const std::string& name, const std::string& status, const std::string& msg, double secs) {
      JUnitCase jc{suite.name, name, secs, JUnitCase::Outcome::Pass, "", "", ""};
      if (status == "fail") {
        jc.outcome = JUnitCase::Outcome::Fail;
        jc.message = msg;
      } else if (status != "pass") {
        jc.outcome = JUnitCase::Outcome::Skip;
        jc.message = status + ": " + msg;
      }
      suite.cases.push_back(std::move(jc));
    };
    std::string st = c.value("status", "");
    if (st == "excluded" || st == "not-selected") {
      add("cell", st, st == "excluded" ? c.value("reason", "") : "not selected by --cells", 0);
    } else {
      for (auto& stg : c["stages"]) {
        std::string name = stg.value("stage", "");
        add(name, stg.value("status", ""), stg.value("reason", ""), stg.value("seconds", 0.0));
        if ((name == "smoke" || name == "confine") && stg["detail"].contains("checks"))
          for (auto& id : check_order(stg["detail"])) {
            std::string sv = stg["detail"]["checks"].value(id, "not-run");
            add(name + "." + id, sv, sv == "fail"             ? "check failed (see smoke.json)"
                                     : sv == "not-applicable" ? "not applicable on this host (the reason is in smoke.json)"
                                                              : "needs an earlier check",
                0);
          }
      }
    }
    report.suites.push_back(std::move(suite));
  }
  return junit_xml(report);
}

// The shape of summary.json as the renderers above read it: a summary read back from another runner
// is checked against it first, so a hand-edited or foreign file is a usage error naming the field,
// never an exception in the middle of rendering. Fields the renderers do not read are free.
const json& summary_shape() {
  static const json shape = json::parse(R"({
    "type": "object",
    "required": ["schema", "matrices", "hosts", "cells"],
    "properties": {
      "schema": {"enum": ["rigctl/matrix-report/v1"]},
      "matrices": {"type": "array", "items": {"type": "string"}},
      "seconds": {"type": "number"},
      "totals": {"type": "object", "additionalProperties": {"type": "integer"}},
      "hosts": {"type": "array", "items": {"type": "object", "required": ["label", "engines", "remote"], "properties": {
        "label": {"type": "string"}, "kernel": {"type": "string"}, "arch": {"type": "string"},
        "cpus": {"type": "integer"}, "apparmor": {"type": "boolean"}, "fuse_device": {"type": "boolean"},
        "userns_restricted": {"type": "string"}, "docker_host": {"type": "string"},
        "binfmt": {"type": "object", "additionalProperties": {"type": "string"}},
        "engines": {"type": "object", "additionalProperties": {"type": "object", "properties": {
          "available": {"type": "boolean"}, "version": {"type": "string"}, "kind": {"type": "string"}}}},
        "remote": {"type": "object", "additionalProperties": {"type": "object", "properties": {
          "available": {"type": "boolean"}, "version": {"type": "string"}, "kind": {"type": "string"}}}},
        "vm": {"type": ["object", "null"], "properties": {
          "accel": {"type": "string"}, "build": {"type": ["number", "null"]}, "boot": {"type": ["number", "null"]},
          "engine_ready": {"type": ["number", "null"]}}}}}},
      "cells": {"type": "array", "items": {"type": "object", "required": ["host", "status", "axes", "stages"], "properties": {
        "id": {"type": "string"}, "host": {"type": "string"}, "status": {"type": "string"}, "reason": {"type": "string"},
        "seconds": {"type": "number"},
        "axes": {"type": "object", "additionalProperties": {"type": "string"}},
        "stages": {"type": "array", "items": {"type": "object", "required": ["stage", "status", "detail"], "properties": {
          "stage": {"type": "string"}, "status": {"type": "string"}, "reason": {"type": "string"},
          "seconds": {"type": "number"},
          "detail": {"type": ["object", "null"], "properties": {
            "passed": {"type": "integer"}, "total": {"type": "integer"}, "not_applicable": {"type": "integer"},
            "order": {"type": "array", "items": {"type": "string"}},
            "checks": {"type": ["object", "array"], "additionalProperties": {"type": "string"}, "items": {"type": "object"}},
            "items": {"type": "array", "items": {"type": "object", "properties": {
              "id": {"type": "string"}, "verdict": {"type": "string"}, "status": {"type": "string"},
              "unit": {"type": "string"}, "reason": {"type": "string"}, "baseline_label": {"type": "string"},
              "observed_check": {"type": "string"}, "observed_error": {"type": "string"},
              "value": {"type": ["number", "null"]}, "baseline": {"type": ["number", "null"]},
              "ratio": {"type": ["number", "null"]}}}}}}}}}}}}
    }
  })");
  return shape;
}

Result<json> read_summary(const std::filesystem::path& dir) {
  const std::string ctx = "read report '" + dir.string() + "'";
  RIG_TRY(auto j, read_json_file((dir / "summary.json").string()).context(ctx));
  // The schema first: a file of another kind is named as such, not by its first missing field.
  if (!j.is_object() || !j.contains("schema") || j["schema"] != kReportSchema)
    return usage_error("summary.json: schema: expected \"" + std::string(kReportSchema) + "\"").add_context(ctx);
  RIG_CHECK(check_shape(j, summary_shape()).context("summary.json").context(ctx));
  // The chain's checks are keyed by id only in smoke and confine stages (the image stage lists them).
  for (size_t c = 0; c < j["cells"].size(); ++c) {
    auto& stages = j["cells"][c];
    if (!stages.contains("stages")) continue;
    for (size_t i = 0; i < stages["stages"].size(); ++i) {
      auto& st = stages["stages"][i];
      std::string name = st.value("stage", "");
      if ((name == "smoke" || name == "confine") && st.contains("detail") && st["detail"].is_object() &&
          st["detail"].contains("checks") && !st["detail"]["checks"].is_object())
        return usage_error("cells[" + std::to_string(c) + "].stages[" + std::to_string(i) +
                           "].detail.checks: expected an object of check states")
            .add_context("summary.json")
            .add_context(ctx);
    }
  }
  return j;
}

Result<json> merge_summaries(const std::vector<std::pair<std::string, json>>& inputs) {
  if (inputs.empty()) return usage_error("nothing to merge");
  json out = {{"schema", kReportSchema}, {"matrices", json::array()}, {"hosts", json::array()}, {"cells", json::array()}};
  std::map<std::string, std::string> label_from;
  std::set<std::string> matrices;
  // A cell "ran" unless it was only listed (excluded by the file, or left out by --cells).
  auto ran = [](const json& c) {
    std::string st = c.value("status", "");
    return st != "excluded" && st != "not-selected";
  };
  struct Seen {
    size_t index;  // in out["cells"]
    size_t input;  // which directory
  };
  std::map<std::string, Seen> cell_at;  // host label + cell id -> where it is
  double seconds = 0;
  for (size_t input = 0; input < inputs.size(); ++input) {
    auto& [dir, sm] = inputs[input];
    // The same host label twice is one host measured in several runs (a VM host's cells re-run one at a
    // time): merged as long as no cell ran in both. Two runners given the same label collide on a cell.
    for (auto& h : sm["hosts"]) {
      std::string label = h.value("label", "");
      if (label_from.emplace(label, dir).second) out["hosts"].push_back(h);
    }
    for (auto& m : sm["matrices"])
      if (matrices.insert(m.get<std::string>()).second) out["matrices"].push_back(m);
    for (auto& c : sm["cells"]) {
      // Cell ids name the host axis ("local"), not the runner: a cell is its host label and its id.
      std::string id = c.value("id", "");
      std::string key = c.value("host", "") + "\n" + id;
      auto seen = cell_at.find(key);
      // Within one directory every cell is its own (only another run's copy of a cell is merged).
      if (seen == cell_at.end() || seen->second.input == input) {
        cell_at.emplace(key, Seen{out["cells"].size(), input});
        out["cells"].push_back(c);
        continue;
      }
      json& before = out["cells"][seen->second.index];
      if (ran(before) && ran(c))
        return usage_error("cell '" + id + "' of host '" + c.value("host", "") + "' ran in both '" + inputs[seen->second.input].first + "' and '" + dir + "'",
                           "give each runner its own --host-label, or merge one run of each cell");
      if (ran(c)) {
        before = c;
        seen->second.input = input;
      }
    }
    seconds += sm.value("seconds", 0.0);
  }
  out["totals"] = totals_of(out["cells"]);
  out["seconds"] = seconds;
  return out;
}

Status write_report_files(const json& summary, const std::filesystem::path& dir) {
  RIG_CHECK(write_file_atomic(dir / "summary.json", json_text(summary, 2) + "\n"));
  RIG_CHECK(write_file_atomic(dir / "summary.md", summary_markdown(summary)));
  return write_file_atomic(dir / "junit.xml", summary_junit(summary));
}

Status write_report_dir(const json& summary, const std::filesystem::path& dir) {
  RIG_TRY(auto staging, StagingDir::create(dir));
  RIG_CHECK(write_report_files(summary, staging.path()));
  return staging.commit();
}

}  // namespace rig
