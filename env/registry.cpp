#include "env/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "env/error.h"
#include "env/scenario.h"
#include "env/text.h"

namespace collab {

void Registry::add(std::string name, int version, std::string default_scenario,
                   TaskFactory factory) {
  std::string id = fmt::format("{}-v{}", name, version);
  COLLAB_CHECK(!entries_.contains(id));
  entries_.emplace(
      id, Entry{std::move(name), version, std::move(default_scenario), std::move(factory)});
}

std::vector<std::string> Registry::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, e] : entries_) out.push_back(id);
  return out;
}

std::string Registry::resolve(std::string_view id) const {
  const std::string key(id);
  if (entries_.contains(key)) return key;

  // Split "name-vN"; a bare name takes its latest version.
  std::string name = key;
  bool has_version = false;
  if (auto pos = key.rfind("-v"); pos != std::string::npos && pos + 2 < key.size()) {
    int v = 0;
    auto [p, ec] = std::from_chars(key.data() + pos + 2, key.data() + key.size(), v);
    if (ec == std::errc() && p == key.data() + key.size()) {
      name = key.substr(0, pos);
      has_version = true;
    }
  }
  std::vector<std::string> versions;
  const Entry* latest = nullptr;
  for (const auto& [eid, e] : entries_) {
    if (e.name == name) {
      versions.push_back(fmt::format("v{}", e.version));
      if (latest == nullptr || e.version > latest->version) latest = &e;
    }
  }
  if (latest != nullptr && !has_version) return fmt::format("{}-v{}", name, latest->version);
  if (latest != nullptr) {
    throw UnknownTask(fmt::format("environment '{}' has no version {}; registered versions: {}",
                                  name, key.substr(name.size() + 1), fmt::join(versions, ", ")));
  }
  std::vector<std::string> candidates;
  for (const auto& [eid, e] : entries_) {
    candidates.push_back(eid);
    candidates.push_back(e.name);
  }
  auto near = text::did_you_mean(key, candidates);
  std::vector<std::string> near_ids;
  for (const auto& n : near) {
    std::string r = entries_.contains(n) ? n : resolve(n);
    if (std::find(near_ids.begin(), near_ids.end(), r) == near_ids.end()) near_ids.push_back(r);
  }
  throw UnknownTask(
      fmt::format("unknown environment id '{}'{}; registered: {}", key,
                  near_ids.empty() ? "" : "; did you mean " + text::join_or(near_ids) + "?",
                  fmt::join(ids(), ", ")));
}

std::string Registry::default_scenario_path(std::string_view id) const {
  return scenario_dir() + "/" + entries_.at(resolve(id)).default_scenario;
}

std::string Registry::task_name(std::string_view id) const { return entries_.at(resolve(id)).name; }

ScenarioLookup Registry::find_scenario(std::string_view id, const std::string& name,
                                       const std::string& hash,
                                       const std::vector<std::string>& candidates) const {
  const Entry& e = entries_.at(resolve(id));
  std::vector<std::string> paths = candidates;
  paths.push_back(scenario_dir() + "/" + e.name + "/" + name);
  const std::string fallback = scenario_dir() + "/" + e.default_scenario;
  paths.push_back(fallback);
  ScenarioLookup out;
  std::vector<std::filesystem::path> seen;
  for (const auto& p : paths) {
    const auto norm = std::filesystem::path(p).lexically_normal();
    if (p.empty() || std::find(seen.begin(), seen.end(), norm) != seen.end()) continue;
    seen.push_back(norm);
    const char* role = p == fallback ? "the task's default scenario, " : "";
    const std::optional<std::string> have = scenario_file_hash(p);
    if (!have) {
      out.searched.push_back(fmt::format("{} ({}no such file)", p, role));
    } else if (*have != hash) {
      out.searched.push_back(fmt::format("{} ({}hash {})", p, role, *have));
    } else {
      out.path = p;
      out.searched.push_back(fmt::format("{} (found)", p));
      break;
    }
  }
  return out;
}

std::shared_ptr<const Task> Registry::task(std::string_view id,
                                           const std::string& scenario_path) const {
  const std::string rid = resolve(id);
  const Entry& e = entries_.at(rid);
  const std::string path =
      scenario_path.empty() ? scenario_dir() + "/" + e.default_scenario : scenario_path;
  std::lock_guard lock(mu_);
  auto key = std::make_pair(rid, path);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto t = e.factory(path);
  cache_.emplace(key, t);
  return t;
}

std::vector<std::string> Registry::validate(std::string_view id,
                                            const std::string& scenario_path) const {
  const Entry& e = entries_.at(resolve(id));
  try {
    e.factory(scenario_path);
  } catch (const ScenarioError& err) {
    return err.problems();
  }
  return {};
}

Env Registry::make(std::string_view id, const nlohmann::json& options) const {
  std::string path;
  if (options.is_object() && options.contains("scenario")) {
    const auto& s = options.at("scenario");
    if (!s.is_string()) {
      throw InvalidOption(
          fmt::format("option 'scenario' = {}: expected a file path (string)", s.dump()));
    }
    path = s.get<std::string>();
  }
  return Env(task(id, path), options);
}

}  // namespace collab
