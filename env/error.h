// Exceptions for contract violations, and an aborting check for internal invariants.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>
#include <string>

namespace collab {

// Base of every error CollabGym throws on purpose. Messages name the bad value and what was
// expected.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An action that is out of range, masked, or empty.
class InvalidAction : public Error {
 public:
  using Error::Error;
};

// step() on an episode that was never reset or has already ended.
class ResetNeeded : public Error {
 public:
  using Error::Error;
};

// An environment id that is not registered (the message carries a did-you-mean list).
class UnknownTask : public Error {
 public:
  using Error::Error;
};

// A scenario file that cannot be read or does not match its task's schema. problems() holds every
// problem found, one "<file>: <json path>: <message>" each (what `scenarios validate` prints).
class ScenarioError : public Error {
 public:
  explicit ScenarioError(const std::string& what) : Error(what), problems_{what} {}
  ScenarioError(const std::string& what, std::vector<std::string> problems)
      : Error(what), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// An option with an unknown name, a wrong type or a value out of range.
class InvalidOption : public Error {
 public:
  using Error::Error;
};

// A trace that cannot be parsed or does not replay.
class TraceError : public Error {
 public:
  using Error::Error;
};

// Bad input on the wire (used by bridge/).
class ProtocolError : public Error {
 public:
  using Error::Error;
};

namespace detail {
[[noreturn]] inline void check_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "collabgym: internal check failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}
}  // namespace detail

}  // namespace collab

// Internal invariant: a failure is a bug in CollabGym, never a user error.
#define COLLAB_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::collab::detail::check_failed(#cond, __FILE__, __LINE__))
