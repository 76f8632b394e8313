// Small helpers shared by the benchmarks.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace collab::bench {

using Clock = std::chrono::steady_clock;

// The upper median (the element at n/2 after sorting); 0 for an empty sample.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace collab::bench
