// A fixed pool of threads that runs `fn(begin, end)` over contiguous chunks of [0, n) and waits.
// Used by VectorEnv; results never depend on the thread count because each index is independent.
//
// Hand-off: a step of 64 cheap environments takes tens of microseconds, about what a condition
// variable wake-up costs, so both sides spin briefly before sleeping. A worker spins for up to
// `spin` on the job counter after finishing a chunk (the next job usually follows within the
// caller's policy step), and the caller spins on the pending count; only past that budget does
// either block on a condition variable, and a waker takes the mutex only when someone sleeps. With
// more threads than hardware threads the default budget is zero: spinning would steal the cores
// the chunks need.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace collab::detail {

class ParallelFor {
 public:
  // threads >= 1; the calling thread counts as one of them. `spin`: how long a waiting thread
  // polls before it sleeps (nullopt: 50 us, or 0 when threads exceed the hardware threads).
  explicit ParallelFor(int threads,
                       std::optional<std::chrono::nanoseconds> spin = std::nullopt);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  std::chrono::nanoseconds spin() const { return spin_; }
  // Runs fn over [0, n) split into threads() chunks; rethrows the first exception any chunk threw.
  // Not reentrant: one run at a time.
  void run(size_t n, const std::function<void(size_t begin, size_t end)>& fn);

 private:
  void worker(size_t index);
  // Polls `done()` for up to spin_, then sleeps on `cv` until it holds; `sleepers` counts sleepers
  // so that wakers skip the mutex when nobody sleeps.
  template <typename Done>
  void await(Done done, std::condition_variable& cv, std::atomic<int>& sleepers);
  void wake(std::condition_variable& cv, std::atomic<int>& sleepers);

  std::vector<std::thread> workers_;
  std::chrono::nanoseconds spin_;
  // The job: written by run() before generation_ is bumped (release), read by workers after they
  // see the new generation (acquire).
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t n_ = 0;
  // Each hot counter on its own cache line: workers poll generation_ while finishing workers
  // decrement pending_.
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<size_t> pending_{0};
  alignas(64) std::atomic<int> worker_sleepers_{0};
  std::atomic<int> caller_sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  std::exception_ptr error_;  // guarded by mu_
};

}  // namespace collab::detail
