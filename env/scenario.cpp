#include "env/scenario.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
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
  namespace fs = std::filesystem;
  std::error_code ec;
  // An installed program (<prefix>/bin/collabgym, whatever the prefix) finds <prefix>/share/…;
  // so does a build-tree collabgym (CMake links <build>/share/collabgym/scenarios to the sources).
  if (const fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec) {
    const fs::path beside = (exe.parent_path() / COLLAB_BINDIR_TO_SCENARIOS).lexically_normal();
    if (fs::is_directory(beside, ec)) return beside.string();
  }
  // Other programs: the source tree they were built from, else the configured install location.
  if (fs::is_directory(COLLAB_SCENARIO_DIR, ec)) return COLLAB_SCENARIO_DIR;
  if (fs::is_directory(COLLAB_INSTALL_SCENARIO_DIR, ec)) return COLLAB_INSTALL_SCENARIO_DIR;
  return COLLAB_SCENARIO_DIR;
}

namespace {

// `msg` with every byte outside printable ASCII written as \xNN (parser messages quote the input).
std::string printable(std::string_view msg) {
  std::string out;
  out.reserve(msg.size());
  for (const char c : msg) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

}  // namespace

JsonParse parse_json_limited(std::string_view text, int max_depth) {
  JsonParse r;
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        r.error =
            fmt::format("nested deeper than {} arrays/objects (at byte {}); expected at most {}",
                        max_depth, i, max_depth);
        return r;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // unbalanced closers are the parser's to report
    }
  }
  try {
    r.value = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep "parse error at line…".
    std::string_view what = e.what();
    if (const auto end = what.find("] ");
        what.starts_with("[json.exception.") && end != what.npos) {
      what.remove_prefix(end + 2);
    }
    r.value = nlohmann::json(nlohmann::json::value_t::discarded);
    r.error = printable(what);
  }
  return r;
}

ScenarioFile load_scenario_file(const std::string& path) {
  std::optional<std::string> bytes = read_file(path);
  if (!bytes) {
    std::error_code ec;
    const char* why = std::filesystem::is_directory(path, ec) ? "is a folder"
                      : std::filesystem::exists(path, ec)     ? "cannot be read"
                                                              : "no such file";
    throw ScenarioError(
        fmt::format("{}: {}; expected a scenario JSON file (scenarios/<task>/<name>.json)", path,
                    why));
  }
  ScenarioFile f;
  f.path = path;
  f.hash = text::fnv1a_hex(*bytes);
  JsonParse parsed = parse_json_limited(*bytes);
  if (!parsed.ok()) throw ScenarioError(fmt::format("{}: not valid JSON: {}", path, parsed.error));
  f.json = std::move(parsed.value);
  return f;
}

std::optional<std::string> scenario_file_hash(const std::string& path) {
  const std::optional<std::string> bytes = read_file(path);
  if (!bytes) return std::nullopt;
  return text::fnv1a_hex(*bytes);
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
