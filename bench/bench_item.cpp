#include "bench/bench_item.hpp"

#include <algorithm>

namespace rig {

double median(std::vector<double> samples) {
  if (samples.empty()) return -1;
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double ratio_of(double value, double baseline) {
  if (value < 0 || baseline <= 0) return -1;
  return value / baseline;
}

BenchItem new_item(const std::string& id, const std::string& title) {
  BenchItem item;
  item.id = id;
  item.title = title;
  if (item.title.empty())
    for (auto& [known, t] : bench_item_ids())
      if (known == id) item.title = t;
  item.unit = "s";
  return item;
}

void finish_measured(BenchItem& item, const std::vector<double>& baseline_samples) {
  double v = median(item.samples), b = median(baseline_samples);
  if (v <= 0 || b <= 0) {
    mark_failed(item, v <= 0 ? "no sample of the measured value" : "no sample of the baseline");
    return;
  }
  item.status = "measured";
  item.reason.clear();
  item.value = v;
  item.baseline = b;
  item.ratio = ratio_of(v, b);
}

void mark_not_applicable(BenchItem& item, const std::string& reason) {
  item.status = "not-applicable";
  item.reason = reason;
  item.value = item.baseline = item.ratio = -1;
}

void mark_failed(BenchItem& item, const std::string& reason) {
  item.status = "failed";
  item.reason = reason;
  item.value = item.baseline = item.ratio = -1;
}

}  // namespace rig
