#include "env/scenario.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "env/error.h"
#include "env/text.h"

#ifndef COLLAB_SCENARIO_DIR
#define COLLAB_SCENARIO_DIR "scenarios"
#endif

namespace collab {

std::string scenario_dir() {
  if (const char* dir = std::getenv("COLLABGYM_SCENARIOS"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return COLLAB_SCENARIO_DIR;
}

ScenarioFile load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(fmt::format("{}: cannot open scenario file", path));
  std::ostringstream buf;
  buf << in.rdbuf();
  ScenarioFile f;
  f.path = path;
  const std::string bytes = buf.str();
  f.hash = text::fnv1a_hex(bytes);
  try {
    f.json = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::parse_error& e) {
    throw ScenarioError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  return f;
}

void Problems::add(std::string_view json_path, std::string_view message) {
  items_.push_back(fmt::format("{}: {}: {}", file_, json_path.empty() ? "/" : json_path, message));
}

void Problems::throw_if_any() const {
  if (items_.empty()) return;
  std::string msg =
      fmt::format("{} problem{} in scenario:", items_.size(), items_.size() == 1 ? "" : "s");
  for (const auto& item : items_) msg += "\n  " + item;
  throw ScenarioError(msg, items_);
}

const nlohmann::json* Problems::child(const nlohmann::json& parent, const std::string& key,
                                      const std::string& path,
                                      bool (nlohmann::json::*is)() const noexcept,
                                      const char* expected) {
  const std::string here = path + "/" + key;
  if (!parent.is_object() || !parent.contains(key)) {
    add(here, fmt::format("missing; expected {}", expected));
    return nullptr;
  }
  const auto& v = parent.at(key);
  if (!(v.*is)()) {
    add(here, fmt::format("expected {}, got {}", expected, v.type_name()));
    return nullptr;
  }
  return &v;
}

const nlohmann::json* Problems::object(const nlohmann::json& p, const std::string& k,
                                       const std::string& path) {
  return child(p, k, path, &nlohmann::json::is_object, "an object");
}
const nlohmann::json* Problems::array(const nlohmann::json& p, const std::string& k,
                                      const std::string& path) {
  return child(p, k, path, &nlohmann::json::is_array, "an array");
}
const nlohmann::json* Problems::string(const nlohmann::json& p, const std::string& k,
                                       const std::string& path) {
  return child(p, k, path, &nlohmann::json::is_string, "a string");
}
const nlohmann::json* Problems::number(const nlohmann::json& p, const std::string& k,
                                       const std::string& path) {
  return child(p, k, path, &nlohmann::json::is_number, "a number");
}

}  // namespace collab
