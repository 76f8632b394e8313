#include "env/replay_cache.h"

#include <fmt/format.h>

#include <fstream>

#include "env/error.h"
#include "env/scenario.h"
#include "env/text.h"

namespace collab {

using nlohmann::json;

std::string_view to_string(CacheMode mode) {
  switch (mode) {
    case CacheMode::kOff:
      return "off";
    case CacheMode::kRecord:
      return "record";
    case CacheMode::kReplay:
      return "replay";
  }
  return "?";
}

CacheMode parse_cache_mode(std::string_view s, std::string_view what) {
  if (s == "off") return CacheMode::kOff;
  if (s == "record") return CacheMode::kRecord;
  if (s == "replay") return CacheMode::kReplay;
  throw InvalidOption(fmt::format("{} mode '{}': expected record, replay or off", what, s));
}

std::string request_key(const json& request) {
  // nlohmann::json keeps object keys sorted, so equal requests dump to equal bytes. The size is
  // part of the key: a collision would need equal lengths as well as equal 64-bit hashes.
  const std::string bytes = request.dump(-1, ' ', false, json::error_handler_t::replace);
  return fmt::format("{}-{}", text::fnv1a_hex(bytes), bytes.size());
}

ReplayCache::ReplayCache(std::string what, std::string path, CacheMode mode,
                         std::string record_hint)
    : what_(std::move(what)),
      path_(std::move(path)),
      record_hint_(std::move(record_hint)),
      mode_(mode) {
  if (mode_ == CacheMode::kOff) return;
  if (path_.empty()) {
    throw InvalidOption(fmt::format("{} mode {} needs a cache file", what_, to_string(mode_)));
  }
  std::ifstream in(path_);
  if (!in) {
    if (mode_ == CacheMode::kReplay) {
      throw Error(fmt::format("{} {}: cannot be read; a replay needs the file a record run wrote "
                              "({})",
                              what_, path_, record_hint_));
    }
    return;  // record: the file is created by the first entry
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto bad = [&](const std::string& why) {
      return Error(fmt::format("{} {}:{}: {}; expected one JSON object a line with \"key\" (str) "
                               "and \"answer\" or \"failure\" (str)",
                               what_, path_, n, why));
    };
    JsonParse parsed = parse_json_limited(line);
    if (!parsed.ok()) throw bad(parsed.error);
    json& e = parsed.value;
    if (!e.is_object()) throw bad("not a JSON object");
    if (!e.contains("key") || !e["key"].is_string()) throw bad("no \"key\"");
    CacheOutcome entry;
    if (e.contains("failure") && e["failure"].is_string() &&
        !e["failure"].get_ref<const std::string&>().empty()) {
      entry.failure = e["failure"].get<std::string>();
    } else if (e.contains("answer")) {
      entry.answer = std::move(e["answer"]);
    } else {
      throw bad("neither an \"answer\" nor a \"failure\"");
    }
    entries_.emplace(e["key"].get<std::string>(), std::move(entry));  // the first one wins
  }
}

CacheOutcome ReplayCache::get(const json& request, const json& label, const Fetch& fetch,
                              const std::function<std::string()>& describe) {
  if (mode_ == CacheMode::kOff) return fetch();
  const std::string key = request_key(request);
  {
    std::unique_lock lock(mu_);
    // MR samples and parallel jobs often send the same request at once: one of them fetches, the
    // others wait for its outcome.
    done_.wait(lock, [&] { return !pending_.contains(key); });
    if (auto it = entries_.find(key); it != entries_.end()) {
      ++hits_;
      return it->second;
    }
    ++misses_;
    if (mode_ == CacheMode::kRecord) pending_.insert(key);
  }
  if (mode_ == CacheMode::kReplay) {
    throw Error(fmt::format("{} {} has no entry for request {} ({}): the run differs from the "
                            "recorded one; record it again ({})",
                            what_, path_, key, describe(), record_hint_));
  }
  CacheOutcome fresh;
  try {
    fresh = fetch();
  } catch (...) {  // not an outcome to record: let the waiters fetch themselves
    std::lock_guard lock(mu_);
    pending_.erase(key);
    done_.notify_all();
    throw;
  }
  std::lock_guard lock(mu_);
  pending_.erase(key);
  done_.notify_all();
  auto [it, inserted] = entries_.emplace(key, std::move(fresh));
  if (inserted) {
    json line = label.is_object() ? label : json::object();
    line["key"] = key;
    if (it->second.failed()) {
      line["failure"] = it->second.failure;
    } else {
      line["answer"] = it->second.answer;
    }
    std::ofstream out(path_, std::ios::app);
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    if (!out.flush()) throw Error(fmt::format("{} {}: cannot be written", what_, path_));
  }
  return it->second;
}

size_t ReplayCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

json ReplayCache::counters() const {
  std::lock_guard lock(mu_);
  return {{"mode", std::string(to_string(mode_))},
          {"entries", entries_.size()},
          {"hits", hits_},
          {"misses", misses_}};
}

}  // namespace collab
