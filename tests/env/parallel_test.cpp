// ParallelFor: the pool under VectorEnv. Every index is visited exactly once per run, whatever the
// thread count (more threads than cores included), with jobs back to back and with pauses between
// them (workers asleep), and a chunk's exception reaches the caller without losing the pool.
#include "env/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using collab::detail::ParallelFor;

// Runs `rounds` jobs over n indices; returns how many indices were not visited exactly once.
int missed_or_doubled(ParallelFor& pool, size_t n, int rounds, bool pause_between) {
  std::vector<std::atomic<int>> hits(n);
  int bad = 0;
  for (int r = 0; r < rounds; ++r) {
    for (auto& h : hits) h.store(0, std::memory_order_relaxed);
    pool.run(n, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
    });
    for (auto& h : hits) bad += h.load() != 1;
    // Long enough for every worker to be waiting for the next job.
    if (pause_between) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bad;
}

TEST(ParallelFor, EveryIndexOnceBackToBack) {
  for (int threads : {1, 2, 3}) {
    ParallelFor pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{64}, size_t{1000}})
      EXPECT_EQ(missed_or_doubled(pool, n, 300, false), 0) << threads << " threads, n = " << n;
  }
}

TEST(ParallelFor, EveryIndexOnceAfterPauses) {
  for (int threads : {2, 4}) {
    ParallelFor pool(threads);
    EXPECT_EQ(missed_or_doubled(pool, 64, 40, true), 0) << threads << " threads";
  }
}

// Both hand-off paths: spin 0 always sleeps on the condition variables; a long spin keeps every
// wait in the polling loop; the default mixes them when jobs come after pauses.
TEST(ParallelFor, EveryIndexOnceWhetherWaitersSpinOrSleep) {
  using std::chrono::nanoseconds;
  for (nanoseconds spin : {nanoseconds{0}, nanoseconds{20'000'000}}) {
    for (int threads : {2, 3}) {
      ParallelFor pool(threads, spin);
      EXPECT_EQ(pool.spin(), spin);
      EXPECT_EQ(missed_or_doubled(pool, 64, 500, false), 0) << threads << " threads";
      EXPECT_EQ(missed_or_doubled(pool, 64, 5, true), 0) << threads << " threads, pauses";
    }
  }
}

TEST(ParallelFor, MoreThreadsThanHardwareThreadsSleepInsteadOfSpinning) {
  const unsigned hw = std::thread::hardware_concurrency();
  if (hw == 0) GTEST_SKIP() << "hardware_concurrency unknown";
  ParallelFor over(static_cast<int>(hw) + 1);
  EXPECT_EQ(over.spin().count(), 0);
  ParallelFor fits(std::max(1, static_cast<int>(hw)));
  EXPECT_GT(fits.spin().count(), 0);
  EXPECT_EQ(missed_or_doubled(over, 100, 100, false), 0);
}

TEST(ParallelFor, ChunksAreContiguousAndCoverTheRange) {
  ParallelFor pool(3);
  std::mutex mu;
  std::vector<std::pair<size_t, size_t>> chunks;
  pool.run(10, [&](size_t b, size_t e) {
    std::lock_guard lock(mu);
    chunks.emplace_back(b, e);
  });
  std::sort(chunks.begin(), chunks.end());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], (std::pair<size_t, size_t>{0, 4}));
  EXPECT_EQ(chunks[1], (std::pair<size_t, size_t>{4, 7}));
  EXPECT_EQ(chunks[2], (std::pair<size_t, size_t>{7, 10}));
}

TEST(ParallelFor, AnExceptionReachesTheCallerAndThePoolKeepsWorking) {
  ParallelFor pool(3);
  for (size_t thrower : {size_t{0}, size_t{5}, size_t{9}}) {  // the caller's chunk and a worker's
    EXPECT_THROW(pool.run(10,
                          [&](size_t b, size_t e) {
                            for (size_t i = b; i < e; ++i)
                              if (i == thrower) throw std::runtime_error("chunk failed");
                          }),
                 std::runtime_error);
    EXPECT_EQ(missed_or_doubled(pool, 100, 50, false), 0);
  }
}

TEST(ParallelFor, DestroyedRightAfterAJobOrWhileIdle) {
  for (int pause_ms : {0, 5}) {
    ParallelFor pool(4);
    EXPECT_EQ(missed_or_doubled(pool, 16, 3, false), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }  // the destructor joins; a hang here fails the test by its ctest timeout
}

}  // namespace
