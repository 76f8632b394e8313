// "llm:URL" agents: a language model behind any OpenAI-compatible chat-completions endpoint
// (docs/llm-agents.md). At the start of each episode the agent takes the task's instructions from
// spec()["instructions"] as the system message; each turn it appends the user's message, posts
// the whole conversation to URL/chat/completions and sends the reply's text as its action.
//
//   llm:http://127.0.0.1:8000/v1?model=qwen2.5-7b&temperature=0&max_tokens=256&timeout=60
//
// A call that fails after its retries (a timeout, an HTTP error, a reply that is not the API's
// JSON, an empty message) throws agents::AgentFailure: the runner counts that episode as the
// agent's failure and goes on. The API key, when the endpoint needs one, is read from the
// environment variable named by key_env=NAME; it never appears in the spec, traces or the cache.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "agents/agent.h"
#include "env/replay_cache.h"
#include "env/rollout_agent.h"

namespace collab::bridge {

struct LlmAgentOptions {
  std::string url;           // the endpoint as given (http:// or https://)
  std::string completions;   // where requests go: url + "/chat/completions" unless it ends so
  std::string model;         // "model" of the request; left out when empty
  double temperature = 0.0;  // in [0, 2]
  int max_tokens = 512;      // in [1, 1000000]
  double timeout_s = 60.0;   // per HTTP call, in (0, 3600]
  int retries = 2;           // extra tries after a timeout, a refused connection, 408/429/5xx
  std::string key_env;       // environment variable holding the API key ("" : no key sent)

  // Parses the ARG of "llm:ARG": URL[?model=M&temperature=T&max_tokens=N&timeout=S&retries=R&
  // key_env=NAME]. Throws InvalidOption naming the bad part and what is expected.
  static LlmAgentOptions parse(std::string_view arg);
  // The request body's fixed fields (model, temperature, max_tokens).
  nlohmann::json request_fields() const;
};

// The process-wide agent cache (--agent-cache FILE --agent-cache-mode MODE) every `llm:` agent
// made afterwards uses: record calls the model for requests the file lacks and appends them;
// replay never calls (a missing entry is an error naming it); off (or no file) calls always.
// `mode` "" means record with a file, off without. Throws InvalidOption / Error like ReplayCache.
void configure_agent_cache(const std::string& path, std::string_view mode);
std::shared_ptr<ReplayCache> agent_cache();  // nullptr when off

// A rollout agent (env/rollout_agent.h) named `name` that plays MR futures with the model of
// "llm:ARG" (`arg` is ARG): each future's conversation goes out as chat messages with the
// future's own seed, up to `parallel` requests at once; the agent cache records and replays them
// like the agent's own turns. Throws InvalidOption for a bad ARG or an unset key_env.
std::shared_ptr<RolloutAgent> make_llm_rollout_agent(std::string name, std::string_view arg,
                                                     int parallel = 16);

// Registers the "llm" loader with agents::make_agent (idempotent). The collabgym executable calls
// it at start.
void register_llm_agent();

// Counters of every llm agent in this process: calls, retries, failures by kind, cache hits.
nlohmann::json llm_agent_counters();

}  // namespace collab::bridge
