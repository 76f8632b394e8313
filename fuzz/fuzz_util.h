// Shared by the fuzz harnesses (docs/fuzzing.md): what counts as a finding.
//
// A harness feeds untrusted input to one entry point and lets only the errors that entry point
// documents for bad input through. Anything else (another exception, which the server would answer
// as `internal`; a crash; a sanitizer report) is a finding: report_finding() prints it and aborts,
// so that libFuzzer saves the input and the replay test fails.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "env/error.h"

namespace collab::fuzz {

[[noreturn]] inline void report_finding(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "collab-fuzz finding: %.*s: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The errors the environment layer throws on purpose for bad input (env/error.h): the server
// answers them with a specific code (bridge/server_wire.cpp, classify), never `internal`.
inline bool is_input_error(const std::exception& e) {
  return dynamic_cast<const InvalidAction*>(&e) != nullptr ||
         dynamic_cast<const ResetNeeded*>(&e) != nullptr ||
         dynamic_cast<const UnknownTask*>(&e) != nullptr ||
         dynamic_cast<const InvalidOption*>(&e) != nullptr ||
         dynamic_cast<const ScenarioError*>(&e) != nullptr;
}

// Runs `f`; an exception other than an input error is a finding named `where`.
template <class F>
void expect_input_errors_only(std::string_view where, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    if (!is_input_error(e)) {
      report_finding(where, std::string(typeid(e).name()) + ": " + e.what());
    }
  }
}

// The input as text, split at the first '\n' (or `separator`): the head selects what to fuzz (an
// id), the rest is the payload. Readable seeds: "math_qa-v2 7\nHow many apples?".
struct Split {
  std::string_view head, rest;
};
inline Split split_first_line(std::string_view s, char separator = '\n') {
  const size_t nl = s.find(separator);
  if (nl == std::string_view::npos) return {s, {}};
  return {s.substr(0, nl), s.substr(nl + 1)};
}

}  // namespace collab::fuzz
