// Fuzzes the scenario loader (env/scenario.h: parse_json_limited, load_scenario_file) and each
// task's from_file on the file's content, then plays the loaded scenario: a scenario that loads
// must make episodes (two seeds, both splits, a few expert turns each).
//
// Input: "<loader>\n<file content>", loader one of twenty_questions-v0/-v1/-v2, guess_number,
// math_qa, grocery, doc_edit (an unknown one picks by hash). The content is written to a file in
// /dev/shm (or $TMPDIR) because from_file reads a path.
//
// Findings: an exception other than ScenarioError while loading, any exception other than the
// documented input errors while playing, a crash, a sanitizer report.
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "env/env.h"
#include "env/scenario.h"
#include "fuzz/fuzz_util.h"
#include "tasks/doc_edit/task.h"
#include "tasks/grocery/task.h"
#include "tasks/guess_number/task.h"
#include "tasks/math_qa/task.h"
#include "tasks/twenty_questions/task.h"

namespace {

using namespace collab;
using Loader = std::shared_ptr<const Task> (*)(const std::string&);

struct Named {
  std::string_view name;
  Loader load;
};
const std::array<Named, 7> kLoaders{{
    {"twenty_questions-v0", &tasks::twenty_questions::TwentyQuestions::from_file_v0},
    {"twenty_questions-v1", &tasks::twenty_questions::TwentyQuestions::from_file_v1},
    {"twenty_questions-v2", &tasks::twenty_questions::TwentyQuestions::from_file},
    {"guess_number", &tasks::guess_number::GuessNumber::from_file},
    {"math_qa", &tasks::math_qa::MathQa::from_file},
    {"grocery", &tasks::grocery::Grocery::from_file},
    {"doc_edit", &tasks::doc_edit::DocEdit::from_file},
}};

const std::string& scratch_path() {
  static const std::string path = [] {
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    return (dir / ("collab-fuzz-scenario-" + std::to_string(getpid()) + ".json")).string();
  }();
  return path;
}

void play(const std::shared_ptr<const Task>& task) {
  for (const char* split : {"train", "test"}) {
    nlohmann::json options = {{"reward", "terminal"}};
    if (find_option(task->options(), "split") != nullptr) options["split"] = split;
    Env env(task, options);
    for (uint64_t seed : {1, 2}) {
      env.reset(seed);
      Rng rng(seed);
      for (int t = 0; t < 4 && !env.done(); ++t) env.step(task->expert(env.episode(), rng));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 20) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto [head, content] = fuzz::split_first_line(input);
  const Named* loader = &kLoaders[std::hash<std::string_view>{}(head) % kLoaders.size()];
  for (const auto& l : kLoaders) {
    if (l.name == head) loader = &l;
  }

  (void)parse_json_limited(content);  // never throws
  {
    std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  std::shared_ptr<const Task> task;
  try {
    task = loader->load(scratch_path());
  } catch (const ScenarioError& e) {
    if (std::getenv("COLLAB_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", e.what());
    return 0;
  } catch (const std::exception& e) {
    fuzz::report_finding("from_file", std::string(typeid(e).name()) + ": " + e.what());
  }
  fuzz::expect_input_errors_only("play", [&] { play(task); });
  return 0;
}
