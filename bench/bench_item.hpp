// One bench item's bookkeeping, kept pure so it is unit-tested: medians, the ratio, and the three
// ways an item ends. A number appears only when it was measured; everything else stays -1.
#pragma once

#include <string>
#include <vector>

#include "bench/bench.hpp"

namespace rig {

// The median (mean of the middle two for an even count); -1 for no samples.
double median(std::vector<double> samples);

// value / baseline, or -1 when either was not measured (or the baseline is 0).
double ratio_of(double value, double baseline);

// A fresh item carrying its id and title from bench_item_ids() (or `title` for output-only rows).
BenchItem new_item(const std::string& id, const std::string& title = "");

// Marks it measured: value = median(item.samples), baseline = median(baseline_samples), the ratio.
// An item whose samples or baseline are missing or zero becomes "failed" instead: a ratio of
// nothing is not a measurement.
void finish_measured(BenchItem& item, const std::vector<double>& baseline_samples);

void mark_not_applicable(BenchItem& item, const std::string& reason);
void mark_failed(BenchItem& item, const std::string& reason);

}  // namespace rig
