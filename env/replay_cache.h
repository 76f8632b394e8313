// A record/replay cache of calls to something outside the process (an external user, a language
// model), kept as a JSON Lines file so that a run recorded once replays byte for byte without it.
// Used by CachedUser (env/user.h) and the `llm:` agents' --agent-cache (bridge/llm_agent.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace collab {

enum class CacheMode { kOff, kRecord, kReplay };
std::string_view to_string(CacheMode mode);
// "off" | "record" | "replay"; throws InvalidOption "<what> mode '<s>': expected …".
CacheMode parse_cache_mode(std::string_view s, std::string_view what = "cache");

// The cache key of a request: a hex hash of its canonical JSON (keys sorted, as nlohmann dumps)
// and its length.
std::string request_key(const nlohmann::json& request);

// What one call gave: an answer (any JSON) or, when the call failed in a way a replay must repeat
// (a timeout, garbage), the reason.
struct CacheOutcome {
  nlohmann::json answer;
  std::string failure;  // non-empty: the call failed
  bool failed() const { return !failure.empty(); }
};

// The file holds one entry a line: {"key":…, <label fields>…, "answer":…} or …"failure":"why"}.
// Label fields are for people reading the file; only key and answer/failure are read back.
//  * record: an entry in the file is used; otherwise `fetch` is called and its outcome appended.
//  * replay: never fetches; a request with no entry throws Error (the miss's description).
//  * off: always fetches, no file.
// Thread-safe. Concurrent requests with one key fetch once in record mode: the others wait.
class ReplayCache {
 public:
  // `what` names the cache in messages ("user cache", "agent cache"); `record_hint` is how to
  // record again ("--user-cache-mode record"). Reads `path` if it exists (record, replay): a line
  // that is not a valid entry throws Error("<what> <path>:<line>: …"); a missing file in replay
  // throws. Throws InvalidOption for record/replay without a path.
  ReplayCache(std::string what, std::string path, CacheMode mode, std::string record_hint);

  using Fetch = std::function<CacheOutcome()>;
  // The outcome for `request`. `label` (an object) is written beside the entry; `describe` says
  // which call missed in a replay ("turn 3 of …"). Exceptions from `fetch` propagate and record
  // nothing.
  CacheOutcome get(const nlohmann::json& request, const nlohmann::json& label, const Fetch& fetch,
                   const std::function<std::string()>& describe);

  CacheMode mode() const { return mode_; }
  const std::string& path() const { return path_; }
  size_t size() const;
  // {"mode", "entries", "hits", "misses"}
  nlohmann::json counters() const;

 private:
  std::string what_, path_, record_hint_;
  CacheMode mode_;
  mutable std::mutex mu_;
  std::condition_variable done_;  // a pending key got its entry
  std::map<std::string, CacheOutcome> entries_;
  std::set<std::string> pending_;  // keys being fetched now (record mode)
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace collab
