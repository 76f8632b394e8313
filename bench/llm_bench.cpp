// Where an `llm:` agent's turn goes (docs/llm-agents.md), measured side by side in one run against
// a fake OpenAI-compatible server that answers at once (bench/llm_bench.py starts it):
//   agent   the llm agent's act(): chat JSON, HTTP round trip, reply parsing
//   raw     a bare libcurl POST of a same-sized body to the same server (the transport's floor)
//   env     the environment's step() on the reply's text (parse, user, evaluator; terminal reward)
// Usage: collab_bench_llm --url http://127.0.0.1:PORT/v1 [--turns 400]
#include <curl/curl.h>
#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "bench/bench_util.h"
#include "bridge/llm_agent.h"
#include "env/chat.h"
#include "tasks/register_all.h"

using collab::bench::Clock;
using collab::bench::median;

namespace {

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

size_t sink(char*, size_t size, size_t n, void*) { return size * n; }

// Median µs of `n` bare POSTs of `body` (one keep-alive connection, as the agent has).
double raw_post_us(const std::string& url, const std::string& body, int n) {
  CURL* h = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &sink);
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    if (curl_easy_perform(h) != CURLE_OK) {
      fmt::print(stderr, "raw POST to {} failed\n", url);
      break;
    }
    t.push_back(us_since(t0));
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return median(t);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int turns = 400;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--url") == 0) url = argv[i + 1];
    if (std::strcmp(argv[i], "--turns") == 0) turns = std::stoi(argv[i + 1]);
  }
  if (url.empty()) {
    fmt::print(stderr, "usage: collab_bench_llm --url http://127.0.0.1:PORT/v1 [--turns N]\n");
    return 2;
  }
  collab::bridge::register_llm_agent();
  const auto& reg = collab::tasks::builtin_registry();
  fmt::print("llm: agent turns against a fake server that answers at once ({} turns a task)\n", turns);
  fmt::print("{:<22} {:>10} {:>10} {:>9} {:>10} {:>10}\n", "task", "agent µs", "raw µs",
             "× raw", "env µs", "env share");
  for (const char* task : {"twenty_questions", "grocery", "doc_edit", "math_qa"}) {
    collab::Env env = reg.make(task, {{"reward", "terminal"}});
    auto agent = collab::agents::make_agent("llm:" + url);
    std::vector<double> act_us, step_us;
    size_t body_bytes = 0;
    for (uint64_t seed = 0; static_cast<int>(act_us.size()) < turns; ++seed) {
      collab::ResetResult rr = env.reset(seed);
      agent->begin(env.spec(), rr.seed);
      collab::ChatLog chat;  // the request's size, for the raw baseline
      chat.begin(env.spec());
      collab::Observation obs = rr.obs;
      while (!env.done() && static_cast<int>(act_us.size()) < turns) {
        chat.user(obs.text);
        collab::Rng rng = collab::agents::policy_rng(env);
        auto t0 = Clock::now();
        const collab::Action a = agent->act(obs, rng);
        act_us.push_back(us_since(t0));
        chat.assistant(a.text);
        body_bytes = std::max(body_bytes, chat.messages().dump().size());
        t0 = Clock::now();
        collab::StepResult r = env.step(a);
        step_us.push_back(us_since(t0));
        obs = std::move(r.obs);
      }
    }
    const nlohmann::json body = {{"messages", {{{"role", "user"},
                                                {"content", std::string(body_bytes, 'x')}}}},
                                 {"temperature", 0},
                                 {"max_tokens", 512}};
    const double raw = raw_post_us(url + "/chat/completions", body.dump(), turns / 2);
    const double act = median(act_us), step = median(step_us);
    fmt::print("{:<22} {:>10.0f} {:>10.0f} {:>8.2f}× {:>10.1f} {:>9.2f}%\n", env.task().id(), act,
               raw, act / raw, step, 100 * step / (act + step));
  }
  fmt::print("agent: median µs of the llm agent's act() (one HTTP call); raw: median µs of a bare "
             "libcurl POST of the largest request's size; env: median µs of env.step() on the "
             "reply; env share: env / (agent + env).\n");
  return 0;
}
