// External simulated users (DESIGN §8, docs/external-users.md).
//
// The rule-based persona user of each task stays the source of truth: it holds the hidden goal,
// updates the state and feeds the evaluator. An external user (typically a language model behind
// a `collabgym.serve_user` endpoint) may replace two things only: how the agent's text is
// *understood* (which act it means, with what content) and how the user's reply is *phrased*.
//
// The Env asks a UserModel once per agent turn (op "turn"), and a second time (op "phrase") only
// when the external reading differs from the rule-based one and the external user also phrased a
// reply: that reply was written before the rule-based user answered the new reading, so it is
// asked to phrase the answer that actually happened. Requests and answers are JSON objects
// (docs/protocol.md, "User endpoints"). A failed call (UserFailure: timeout, garbage, an unknown
// act…) makes the rule-based user stand in for that turn; info and stats count it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "env/error.h"
#include "env/replay_cache.h"

namespace collab {

// An external user's call failed (no answer in time, not a map, an error reply, an answer that
// does not fit the request). The rule-based user answers instead; what() says why.
class UserFailure : public Error {
 public:
  using Error::Error;
};

class UserModel {
 public:
  virtual ~UserModel() = default;
  // Recorded in the spec, traces and leaderboard results (e.g. the endpoint).
  virtual std::string name() const = 0;
  // One call: `request` holds "op" ("turn" or "phrase") and the fields of docs/protocol.md; the
  // answer is a JSON object (its fields are checked by the Env). Throws UserFailure. Must be
  // thread-safe: MR forward samples call it concurrently.
  virtual nlohmann::json call(const nlohmann::json& request) = 0;
  // Counters for reports (calls, failures by kind, cache hits…); an object.
  virtual nlohmann::json counters() const { return nlohmann::json::object(); }
};

// The user cache's modes are the generic cache's (env/replay_cache.h).
using UserCacheMode = CacheMode;
// "off" | "record" | "replay"; throws InvalidOption naming the value.
UserCacheMode parse_user_cache_mode(std::string_view s);

// The cache key of a request (request_key of env/replay_cache.h).
inline std::string user_request_key(const nlohmann::json& request) { return request_key(request); }

// A record/replay cache in front of a UserModel (a ReplayCache file), one entry a line:
//   {"key":…, "op":…, "task":…, "turn":…, "agent_text":…, "answer":{…}}   or  …"failure":"why"}
// (op/task/turn/agent_text are for people reading the file; only key and answer/failure are used.)
//  * record: an entry in the file is used; otherwise the inner user is called and the answer (or
//    its failure) appended, so that a replay gives the same turn, fallback included.
//  * replay: never calls; a request with no entry throws Error naming the key, the task, the turn
//    and the agent's text (a replay that needs a missing entry must not silently fall back).
//  * off: calls the inner user, no file.
// Thread-safe. Concurrent requests with one key make one call (in record mode): the others wait
// for its answer.
class CachedUser final : public UserModel {
 public:
  // `inner` may be null in replay mode. Reads `path` if it exists (record, replay); a line that is
  // not a valid entry throws Error("<path>:<line>: …"). Replay of a missing file throws.
  CachedUser(std::shared_ptr<UserModel> inner, std::string name, std::string path,
             UserCacheMode mode);
  std::string name() const override { return name_; }
  nlohmann::json call(const nlohmann::json& request) override;
  nlohmann::json counters() const override;
  size_t size() const { return cache_.size(); }

 private:
  std::shared_ptr<UserModel> inner_;
  std::string name_;
  ReplayCache cache_;
};

// The process-wide directory of external users, by name: the option `user` of an environment names
// one (DESIGN §8). Runners register what the operator configured (`collabgym run --user`, `serve
// --user NAME=ENDPOINT`); a client can only pick among those. Registering a name again replaces it.
void register_user(std::shared_ptr<UserModel> model);
std::shared_ptr<UserModel> find_user(std::string_view name);  // nullptr when none
std::vector<std::string> user_names();                          // sorted

}  // namespace collab
