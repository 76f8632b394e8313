// Reading scenario files: every problem is collected with the file and its JSON path, so that
// `collabgym scenarios validate` can report them all at once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace collab {

// The folder holding scenarios/<task>/<name>.json: $COLLABGYM_SCENARIOS if set, else the build's.
std::string scenario_dir();

struct ScenarioFile {
  std::string path;
  std::string hash;  // FNV-1a of the bytes (text::fnv1a_hex)
  nlohmann::json json;
};

// Reads and parses; throws ScenarioError("<path>: ...") if it cannot.
ScenarioFile load_scenario_file(const std::string& path);

// Collects "<file>: <json path>: <message>" lines.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  void add(std::string_view json_path, std::string_view message);
  bool empty() const { return items_.empty(); }
  const std::vector<std::string>& items() const { return items_; }
  // Throws ScenarioError listing every problem (one per line) if there are any.
  void throw_if_any() const;

  // Typed accessors: return a pointer to the child when it exists with the right type, else record
  // a problem and return nullptr.
  const nlohmann::json* object(const nlohmann::json& parent, const std::string& key,
                               const std::string& path);
  const nlohmann::json* array(const nlohmann::json& parent, const std::string& key,
                              const std::string& path);
  const nlohmann::json* string(const nlohmann::json& parent, const std::string& key,
                               const std::string& path);
  const nlohmann::json* number(const nlohmann::json& parent, const std::string& key,
                               const std::string& path);

 private:
  const nlohmann::json* child(const nlohmann::json& parent, const std::string& key,
                              const std::string& path, bool (nlohmann::json::*is)() const noexcept,
                              const char* expected);
  std::string file_;
  std::vector<std::string> items_;
};

}  // namespace collab
