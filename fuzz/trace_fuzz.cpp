// Fuzzes the trace reader (env/trace.h, replay_trace) on one trace file's content. Scenarios are
// looked for where a header says (content-checked), else among the shipped ones.
//
// Findings: an exception other than TraceError, a crash, a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "env/trace.h"
#include "fuzz/fuzz_util.h"
#include "tasks/register_all.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 20) return 0;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)collab::replay_trace(in, "fuzz.jsonl", collab::tasks::builtin_registry(),
                               std::string("/nonexistent-collab-fuzz"));
  } catch (const collab::TraceError& e) {
    // a bad or differing trace: what replay_trace documents
    if (std::getenv("COLLAB_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", e.what());
  } catch (const std::exception& e) {
    collab::fuzz::report_finding("replay_trace", std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
