#include "env/parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <utility>

#include "env/error.h"

namespace collab::detail {

namespace {

constexpr std::chrono::nanoseconds kDefaultSpin{50'000};

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

std::pair<size_t, size_t> chunk(size_t n, size_t parts, size_t index) {
  const size_t base = n / parts, extra = n % parts;
  const size_t begin = index * base + std::min(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

}  // namespace

ParallelFor::ParallelFor(int threads, std::optional<std::chrono::nanoseconds> spin) {
  COLLAB_CHECK(threads >= 1);
  const unsigned hw = std::thread::hardware_concurrency();
  spin_ = spin ? *spin
               : (hw != 0 && static_cast<unsigned>(threads) > hw ? std::chrono::nanoseconds{0}
                                                                 : kDefaultSpin);
  for (int i = 1; i < threads; ++i)
    workers_.emplace_back([this, i] { worker(static_cast<size_t>(i)); });
}

ParallelFor::~ParallelFor() {
  stop_.store(true, std::memory_order_seq_cst);
  {
    std::lock_guard lock(mu_);  // a worker between its check and its wait cannot miss the notify
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

template <typename Done>
void ParallelFor::await(Done done, std::condition_variable& cv, std::atomic<int>& sleepers) {
  if (done()) return;
  if (spin_.count() > 0) {
    const auto deadline = std::chrono::steady_clock::now() + spin_;
    for (unsigned i = 1;; ++i) {
      cpu_relax();
      if (done()) return;
      if (i % 64 == 0 && std::chrono::steady_clock::now() >= deadline) break;
    }
  }
  std::unique_lock lock(mu_);
  // seq_cst pairs with wake(): either the waker sees this sleeper, or done() below sees its write.
  sleepers.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  cv.wait(lock, done);
  sleepers.fetch_sub(1, std::memory_order_relaxed);
}

void ParallelFor::wake(std::condition_variable& cv, std::atomic<int>& sleepers) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sleepers.load(std::memory_order_seq_cst) == 0) return;
  {
    std::lock_guard lock(mu_);  // orders the notify after the sleeper's predicate check
  }
  cv.notify_all();
}

void ParallelFor::run(size_t n, const std::function<void(size_t, size_t)>& fn) {
  if (workers_.empty() || n < 2) {
    fn(0, n);
    return;
  }
  job_ = &fn;
  n_ = n;
  error_ = nullptr;  // no worker is running: the previous run() waited for all of them
  pending_.store(workers_.size(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_seq_cst);  // publishes job_, n_ and pending_
  wake(start_cv_, worker_sleepers_);
  std::exception_ptr mine;
  try {
    auto [b, e] = chunk(n, workers_.size() + 1, 0);
    fn(b, e);
  } catch (...) {
    mine = std::current_exception();  // rethrown below, after the workers finish
  }
  await([this] { return pending_.load(std::memory_order_acquire) == 0; }, done_cv_,
        caller_sleepers_);
  job_ = nullptr;
  if (mine) std::rethrow_exception(mine);
  std::exception_ptr theirs;
  {
    std::lock_guard lock(mu_);
    theirs = std::exchange(error_, nullptr);
  }
  if (theirs) std::rethrow_exception(theirs);
}

void ParallelFor::worker(size_t index) {
  uint64_t seen = 0;
  while (true) {
    await(
        [&] {
          return stop_.load(std::memory_order_acquire) ||
                 generation_.load(std::memory_order_acquire) != seen;
        },
        start_cv_, worker_sleepers_);
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    try {
      auto [b, e] = chunk(n_, workers_.size() + 1, index);
      (*job_)(b, e);
    } catch (...) {
      std::lock_guard lock(mu_);  // handed to run(), which rethrows it
      if (!error_) error_ = std::current_exception();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) wake(done_cv_, caller_sleepers_);
  }
}

}  // namespace collab::detail
