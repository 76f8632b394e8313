#include "env/parallel.h"

#include "env/error.h"

namespace collab::detail {

ParallelFor::ParallelFor(int threads) {
  COLLAB_CHECK(threads >= 1);
  for (int i = 1; i < threads; ++i)
    workers_.emplace_back([this, i] { worker(static_cast<size_t>(i)); });
}

ParallelFor::~ParallelFor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

namespace {
std::pair<size_t, size_t> chunk(size_t n, size_t parts, size_t index) {
  const size_t base = n / parts, extra = n % parts;
  const size_t begin = index * base + std::min(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}
}  // namespace

void ParallelFor::run(size_t n, const std::function<void(size_t, size_t)>& fn) {
  if (workers_.empty() || n < 2) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard lock(mu_);
    job_ = &fn;
    n_ = n;
    pending_ = workers_.size();
    error_ = nullptr;
    ++generation_;
  }
  start_cv_.notify_all();
  std::exception_ptr mine;
  try {
    auto [b, e] = chunk(n, workers_.size() + 1, 0);
    fn(b, e);
  } catch (...) {
    mine = std::current_exception();  // rethrown below, after the workers finish
  }
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [this] { return pending_ == 0; });
  job_ = nullptr;
  if (mine) std::rethrow_exception(mine);
  if (error_) std::rethrow_exception(error_);
}

void ParallelFor::worker(size_t index) {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(size_t, size_t)>* job;
    size_t n;
    {
      std::unique_lock lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      n = n_;
    }
    std::exception_ptr err;
    try {
      auto [b, e] = chunk(n, workers_.size() + 1, index);
      (*job)(b, e);
    } catch (...) {
      err = std::current_exception();  // handed to run(), which rethrows it
    }
    {
      std::lock_guard lock(mu_);
      if (err && !error_) error_ = err;
      --pending_;
    }
    done_cv_.notify_one();
  }
}

}  // namespace collab::detail
