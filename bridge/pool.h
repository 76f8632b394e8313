// Objects reused across calls that may come from several threads (REQ sockets to an endpoint,
// HTTP connections to a model): take() one for a call, give_back() it after; a new one is made
// when none is idle. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace collab::bridge {

template <class T>
class Pool {
 public:
  using Make = std::function<std::unique_ptr<T>()>;
  explicit Pool(Make make) : make_(std::move(make)) {}

  std::unique_ptr<T> take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<T> p = std::move(idle_.back());
        idle_.pop_back();
        return p;
      }
    }
    return make_();
  }
  void give_back(std::unique_ptr<T> p) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(p));
  }

 private:
  Make make_;
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> idle_;
};

}  // namespace collab::bridge
