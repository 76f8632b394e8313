// Environment ids (`name-vN`) and how to make them. Tasks are registered explicitly
// (tasks/register_all.cpp), never by static initialisers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "env/env.h"
#include "env/task.h"

namespace collab {

// Builds a task from a scenario file path; throws ScenarioError on a bad file.
using TaskFactory = std::function<std::shared_ptr<const Task>(const std::string& scenario_path)>;

// Where Registry::find_scenario looked for a scenario identified by its content, and what it found.
struct ScenarioLookup {
  std::optional<std::string> path;    // the first candidate whose content hash matched
  std::vector<std::string> searched;  // every candidate tried, "<path> (<why it did not match>)"
};

class Registry {
 public:
  // `default_scenario` is relative to scenario_dir() (e.g. "twenty_questions/common.json").
  void add(std::string name, int version, std::string default_scenario, TaskFactory factory);
  // A task class with the conventional statics: kTaskName, kTaskVersion, kTaskDefaultScenario
  // and from_file(path) (register_all.cpp's one line per task).
  template <class T>
  void add() {
    add(T::kTaskName, T::kTaskVersion, T::kTaskDefaultScenario, &T::from_file);
  }

  std::vector<std::string> ids() const;  // sorted
  // Resolves "name-vN" exactly; a bare "name" means its latest version. Throws UnknownTask with a
  // did-you-mean list, or naming the versions that exist.
  std::string resolve(std::string_view id) const;
  std::string default_scenario_path(std::string_view id) const;
  // The task's name without the version ("twenty_questions" for "twenty_questions-v0").
  std::string task_name(std::string_view id) const;

  // Finds a scenario of task `id` by content: the file named `name` (a bare file name, e.g.
  // "common.json") whose bytes hash to `hash` (ScenarioFile::hash). Tries `candidates` first
  // (paths, in order), then scenario_dir()/<task>/<name>, then the task's default scenario; the
  // first file with that hash wins, whatever its path. Reads files, never loads or caches a task.
  // Throws UnknownTask for an unknown id.
  ScenarioLookup find_scenario(std::string_view id, const std::string& name,
                               const std::string& hash,
                               const std::vector<std::string>& candidates = {}) const;

  // The task for `id` loaded from `scenario_path` (default scenario if empty). Tasks are immutable:
  // one instance per (id, file) is cached and shared. Thread-safe.
  std::shared_ptr<const Task> task(std::string_view id,
                                   const std::string& scenario_path = "") const;
  // Every problem of `scenario_path` as a scenario of `id` ("<file>: <json path>: <message>"
  // each); empty when it loads. Does not cache the task.
  std::vector<std::string> validate(std::string_view id, const std::string& scenario_path) const;
  // A new environment; options["scenario"] (if present) picks the scenario file.
  Env make(std::string_view id, const nlohmann::json& options = nlohmann::json::object()) const;

 private:
  struct Entry {
    std::string name;
    int version;
    std::string default_scenario;
    TaskFactory factory;
  };
  std::map<std::string, Entry> entries_;  // by id
  mutable std::mutex mu_;
  mutable std::map<std::pair<std::string, std::string>, std::shared_ptr<const Task>> cache_;
};

}  // namespace collab
