// A fixed pool of threads that runs `fn(begin, end)` over contiguous chunks of [0, n) and waits.
// Used by VectorEnv; results never depend on the thread count because each index is independent.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace collab::detail {

class ParallelFor {
 public:
  // threads >= 1; the calling thread counts as one of them.
  explicit ParallelFor(int threads);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn over [0, n) split into threads() chunks; rethrows the first exception any chunk threw.
  void run(size_t n, const std::function<void(size_t begin, size_t end)>& fn);

 private:
  void worker(size_t index);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t n_ = 0;
  uint64_t generation_ = 0;
  size_t pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace collab::detail
