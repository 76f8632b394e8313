// Reading scenario files: every problem is collected with the file and its JSON path, so that
// `collabgym scenarios validate` can report them all at once. Also the one parser for untrusted
// JSON text (scenario files, trace lines).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace collab {

// The deepest nesting of arrays and objects accepted in untrusted JSON (scenario files, traces).
inline constexpr int kMaxJsonDepth = 64;

// What parse_json_limited made of a text: the value, or why it is not acceptable JSON.
struct JsonParse {
  nlohmann::json value;  // discarded when !ok()
  std::string error;     // empty on success; else a one-line reason naming the byte offset,
                         // printable ASCII only (bytes outside it appear as \xNN)
  bool ok() const { return error.empty(); }
};

// Parses untrusted `text` as one JSON value; never throws a nlohmann exception. Nesting deeper than
// `max_depth` arrays/objects is refused by a scan of the raw text (brackets outside strings) before
// nlohmann sees it: its recursive dump and comparison overflow the stack on a line of 100000 '['.
JsonParse parse_json_limited(std::string_view text, int max_depth = kMaxJsonDepth);

// The folder holding scenarios/<task>/<name>.json: $COLLABGYM_SCENARIOS if set, else the build's.
std::string scenario_dir();

struct ScenarioFile {
  std::string path;
  std::string hash;  // FNV-1a of the bytes (text::fnv1a_hex)
  nlohmann::json json;
};

// Reads and parses (parse_json_limited); throws ScenarioError("<path>: ...") if it cannot.
ScenarioFile load_scenario_file(const std::string& path);

// The content hash of the regular file at `path` (as ScenarioFile::hash), or nullopt when there is
// no readable regular file there. Does not parse it.
std::optional<std::string> scenario_file_hash(const std::string& path);

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
