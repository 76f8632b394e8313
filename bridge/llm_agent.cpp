#include "bridge/llm_agent.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "agents/evaluate.h"
#include "bridge/pool.h"
#include "env/chat.h"
#include "env/error.h"
#include "env/scenario.h"

namespace collab::bridge {

using nlohmann::json;

namespace {

// ---- The spec: URL?key=value&… ------------------------------------------------------------------

std::string percent_decode(std::string_view s, std::string_view what) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int v = 0;
    if (i + 2 >= s.size() ||
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr != s.data() + i + 3) {
      throw InvalidOption(fmt::format("{}: '%' must start a %XX escape", what));
    }
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

double real(std::string_view v, std::string_view what, double lo, double hi, bool open_low) {
  double x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x) || x > hi ||
      (open_low ? x <= lo : x < lo)) {
    throw InvalidOption(fmt::format("{}={}: expected a number in {}{}, {}]", what, v,
                                    open_low ? "(" : "[", lo, hi));
  }
  return x;
}

int integer(std::string_view v, std::string_view what, int lo, int hi) {
  int x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || x < lo || x > hi) {
    throw InvalidOption(fmt::format("{}={}: expected an integer in [{}, {}]", what, v, lo, hi));
  }
  return x;
}

}  // namespace

LlmAgentOptions LlmAgentOptions::parse(std::string_view arg) {
  const std::string where = fmt::format("agent 'llm:{}'", arg);
  LlmAgentOptions o;
  const size_t q = arg.find('?');
  o.url = std::string(arg.substr(0, q));
  const bool http = o.url.rfind("http://", 0) == 0, https = o.url.rfind("https://", 0) == 0;
  const size_t host = o.url.find("://") + 3;
  if ((!http && !https) || o.url.size() <= host || o.url[host] == '/') {
    throw InvalidOption(fmt::format(
        "{}: expected llm:http(s)://HOST[:PORT]/PATH[?model=M&temperature=T&max_tokens=N&"
        "timeout=S&retries=R&key_env=NAME], e.g. llm:http://127.0.0.1:8000/v1?model=m",
        where));
  }
  while (o.url.size() > host + 1 && o.url.back() == '/') o.url.pop_back();
  constexpr std::string_view kSuffix = "/chat/completions";
  o.completions = o.url.size() >= kSuffix.size() &&
                          o.url.compare(o.url.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0
                      ? o.url
                      : o.url + std::string(kSuffix);
  if (q == std::string_view::npos) return o;
  static const std::vector<std::string> kKeys = {"model",   "temperature", "max_tokens",
                                                 "timeout", "retries",     "key_env"};
  std::map<std::string, bool> seen;
  std::string_view rest = arg.substr(q + 1);
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    const size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw InvalidOption(fmt::format("{}: '{}': expected KEY=VALUE with KEY one of {}", where, kv,
                                      fmt::join(kKeys, ", ")));
    }
    const std::string key(kv.substr(0, eq));
    const std::string value = percent_decode(kv.substr(eq + 1), where);
    const std::string what = fmt::format("{}: {}", where, key);
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      throw InvalidOption(fmt::format("{}: unknown key '{}'; expected one of {}", where, key,
                                      fmt::join(kKeys, ", ")));
    }
    if (seen[key]) throw InvalidOption(fmt::format("{}: '{}' given twice", where, key));
    seen[key] = true;
    if (key == "model") {
      if (value.empty()) throw InvalidOption(fmt::format("{}=: expected a model name", what));
      o.model = value;
    } else if (key == "temperature") {
      o.temperature = real(value, what, 0, 2, false);
    } else if (key == "max_tokens") {
      o.max_tokens = integer(value, what, 1, 1000000);
    } else if (key == "timeout") {
      o.timeout_s = real(value, what, 0, 3600, true);
    } else if (key == "retries") {
      o.retries = integer(value, what, 0, 10);
    } else if (key == "key_env") {
      const bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
      if (!ok) {
        throw InvalidOption(
            fmt::format("{}={}: expected the name of an environment variable ([A-Za-z0-9_]+); "
                        "the key itself never goes on the command line",
                        what, value));
      }
      o.key_env = value;
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return o;
}

json LlmAgentOptions::request_fields() const {
  json j = {{"temperature", temperature}, {"max_tokens", max_tokens}};
  if (!model.empty()) j["model"] = model;
  return j;
}

namespace {

// ---- Counters and the process-wide cache ---------------------------------------------------------

struct Counters {
  std::atomic<uint64_t> requests{0}, http_calls{0}, retries{0}, replies{0};
  std::mutex mu;
  std::map<std::string, uint64_t> failures;  // by kind
};
Counters& counters() {
  static Counters c;
  return c;
}

struct CacheSlot {
  std::mutex mu;
  std::shared_ptr<ReplayCache> cache;
};
CacheSlot& cache_slot() {
  static CacheSlot s;
  return s;
}

// ---- HTTP (libcurl) ------------------------------------------------------------------------------

constexpr size_t kMaxReplyBytes = 16u << 20;

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error("llm agent: libcurl failed to initialise");
    }
  });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxReplyBytes) return 0;  // aborts with CURLE_WRITE_ERROR
  out->append(data, size * n);
  return size * n;
}

struct Http {
  long status = 0;
  std::string body;
  CURLcode code = CURLE_OK;
};

class Curl {
 public:
  Curl() {
    curl_init_once();
    h_ = curl_easy_init();
    if (h_ == nullptr) throw Error("llm agent: libcurl could not make a handle");
  }
  Curl(const Curl&) = delete;
  Curl& operator=(const Curl&) = delete;
  ~Curl() {
    if (headers_ != nullptr) curl_slist_free_all(headers_);
    curl_easy_cleanup(h_);
  }

  Http post(const std::string& url, const std::string& body, const std::string& key,
            double timeout_s) {
    Http r;
    curl_easy_reset(h_);  // keeps the connection cache: one keep-alive connection per agent
    if (headers_ != nullptr) curl_slist_free_all(headers_);
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
    // No "Expect: 100-continue" round trip before the body (curl's default for large bodies).
    headers_ = curl_slist_append(headers_, "Expect:");
    if (!key.empty()) headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + key).c_str());
    const long ms = std::max(1L, static_cast<long>(std::lround(timeout_s * 1000)));
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h_, CURLOPT_CONNECTTIMEOUT_MS, std::min(ms, 10000L));
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(h_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &r.body);
    r.code = curl_easy_perform(h_);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }

 private:
  CURL* h_ = nullptr;
  curl_slist* headers_ = nullptr;
};

// The first characters of a text for a message, printable ASCII (other bytes as '?').
std::string excerpt(std::string_view s, size_t max = 120) {
  std::string out;
  for (char c : s.substr(0, max)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : (c == '\n' ? ' ' : '?'));
  }
  if (s.size() > max) out += "...";
  return out;
}

// A reasoning model's "<think>…</think>" block before the answer is not what it says.
std::string without_thinking(std::string text) {
  const size_t open = text.find("<think>");
  if (open != std::string::npos && text.find_first_not_of(" \t\r\n") == open) {
    const size_t close = text.find("</think>", open);
    text = close == std::string::npos ? std::string() : text.substr(close + 8);
  }
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

// One failed call: its kind (for the counters) and the reason.
struct Failure {
  std::string kind, why;
  bool retry = false;
};

// The reply's text from the API's JSON, or why there is none.
std::optional<Failure> read_reply(const std::string& body, std::string* text) {
  const JsonParse p = parse_json_limited(body);
  if (!p.ok()) return Failure{"bad_reply", "the reply is not JSON: " + p.error};
  const json& j = p.value;
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() ||
      j["choices"].empty() || !j["choices"][0].is_object()) {
    return Failure{"bad_reply",
                   fmt::format("the reply has no \"choices\" array: {}", excerpt(body))};
  }
  const json& c = j["choices"][0];
  const json* content = nullptr;
  if (c.contains("message") && c["message"].is_object() && c["message"].contains("content")) {
    content = &c["message"]["content"];
  } else if (c.contains("text")) {
    content = &c["text"];  // a completions-style reply
  }
  if (content == nullptr || !(content->is_string() || content->is_null())) {
    return Failure{"bad_reply", fmt::format("choices[0] has no message.content string: {}",
                                            excerpt(c.dump()))};
  }
  *text = content->is_string() ? without_thinking(content->get<std::string>()) : "";
  if (text->empty()) {
    return Failure{"empty", fmt::format("the model's message is empty (finish_reason {})",
                                        c.contains("finish_reason") ? c["finish_reason"].dump()
                                                                    : "absent")};
  }
  return std::nullopt;
}

// One model endpoint: the key, a keep-alive connection, the cache, and a call with its retries.
// Not thread-safe (one connection): one per thread.
class LlmCall {
 public:
  LlmCall(std::string name, LlmAgentOptions o)
      : name_(std::move(name)), opts_(std::move(o)), cache_(agent_cache()) {
    if (!opts_.key_env.empty()) {
      const char* key = std::getenv(opts_.key_env.c_str());
      if (key != nullptr) key_ = key;
      if (key_.empty() && !(cache_ && cache_->mode() == CacheMode::kReplay)) {
        throw InvalidOption(fmt::format("agent '{}': key_env={}: the environment variable {} is "
                                        "not set",
                                        name_, opts_.key_env, opts_.key_env));
      }
    }
  }

  const std::string& name() const { return name_; }
  const LlmAgentOptions& options() const { return opts_; }

  // The model's reply to `messages` (its text, <think> stripped), or why there is none. `label`
  // goes beside a recorded entry; `where` says which call it was, for errors and replay misses.
  CacheOutcome complete(const json& messages, uint64_t seed, const json& label,
                        const std::string& where) {
    json body = opts_.request_fields();
    body["messages"] = messages;
    // Servers that honour a seed sample reproducibly; it also keeps episodes apart in the cache.
    body["seed"] = seed & 0x7fffffffu;
    const json request = {{"url", opts_.completions}, {"body", body}};
    counters().requests++;
    CacheOutcome out;
    if (cache_) {
      out = cache_->get(request, label, [&] { return fetch(body); }, [&] { return where; });
    } else {
      out = fetch(body);
    }
    if (!out.failed() && (!out.answer.is_object() || !out.answer.contains("text") ||
                          !out.answer["text"].is_string())) {
      out.failure = fmt::format("the cached entry is not {{\"text\": str}}: {}",
                                excerpt(out.answer.dump()));
    }
    return out;
  }

 private:
  // One request with its retries: the reply's text, or the last failure.
  CacheOutcome fetch(const json& body) {
    const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
    Failure last;
    for (int attempt = 0; attempt <= opts_.retries; ++attempt) {
      if (attempt > 0) {
        counters().retries++;
        const double wait = std::min(4.0, 0.25 * std::pow(2.0, attempt - 1));
        std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      }
      counters().http_calls++;
      const Http r = http_.post(opts_.completions, payload, key_, opts_.timeout_s);
      if (r.code != CURLE_OK) {
        if (r.code == CURLE_OPERATION_TIMEDOUT) {
          last = {"timeout", fmt::format("no reply within {} s", opts_.timeout_s), true};
        } else if (r.code == CURLE_WRITE_ERROR) {
          last = {"bad_reply", fmt::format("the reply is over {} bytes", kMaxReplyBytes), false};
        } else {
          const bool permanent =
              r.code == CURLE_UNSUPPORTED_PROTOCOL || r.code == CURLE_URL_MALFORMAT;
          last = {"connection", curl_easy_strerror(r.code), !permanent};
        }
      } else if (r.status < 200 || r.status > 299) {
        const bool transient = r.status == 408 || r.status == 409 || r.status == 429 ||
                               r.status >= 500;
        last = {"http", fmt::format("HTTP {}: {}", r.status, excerpt(r.body)), transient};
      } else {
        std::string text;
        if (auto bad = read_reply(r.body, &text)) {
          last = *bad;
        } else {
          counters().replies++;
          return {json{{"text", std::move(text)}}, ""};
        }
      }
      if (!last.retry) break;
    }
    {
      std::lock_guard lock(counters().mu);
      ++counters().failures[last.kind];
    }
    const int tries = opts_.retries + 1;
    return {nullptr, last.retry && tries > 1
                         ? fmt::format("{} ({}; {} tries)", last.why, last.kind, tries)
                         : fmt::format("{} ({})", last.why, last.kind)};
  }

  std::string name_;
  LlmAgentOptions opts_;
  std::shared_ptr<ReplayCache> cache_;
  std::string key_;
  Curl http_;
};

class LlmAgent final : public agents::Agent {
 public:
  LlmAgent(std::string arg, LlmAgentOptions o) : call_("llm:" + std::move(arg), std::move(o)) {}

  std::string name() const override { return call_.name(); }

  void begin(const json& spec, uint64_t seed) override {
    chat_.begin(spec);
    seed_ = seed;
    turn_ = 0;
  }

  Action act(const Observation& obs, Rng&) override {
    chat_.user(obs.text);
    ++turn_;
    const json label = {{"agent", name()}, {"turn", turn_}, {"user_text", excerpt(obs.text, 80)}};
    const CacheOutcome out = call_.complete(
        chat_.messages(), seed_, label,
        fmt::format("agent {}, turn {}, user text \"{}\"", name(), turn_, excerpt(obs.text, 80)));
    if (out.failed()) {
      throw agents::AgentFailure(fmt::format("llm agent {}: turn {}: {}",
                                             call_.options().completions, turn_, out.failure));
    }
    std::string text = out.answer["text"].get<std::string>();
    chat_.assistant(text);
    return Action::from_text(std::move(text));
  }

 private:
  LlmCall call_;
  ChatLog chat_;
  uint64_t seed_ = 0;
  int turn_ = 0;
};

// MR futures played by the model (env/rollout_agent.h): each query is the future's conversation
// as chat messages, sent with the future's own policy seed; a batch's queries go out at once, up
// to `parallel` in flight (an inference server batches concurrent requests itself).
class LlmRolloutAgent final : public RolloutAgent {
 public:
  LlmRolloutAgent(std::string name, std::string arg, LlmAgentOptions o, int parallel)
      : name_(std::move(name)), arg_(std::move(arg)), opts_(std::move(o)), parallel_(parallel) {
    give_back(take());  // checks key_env now, not at the first step
  }

  std::string name() const override { return name_; }

  std::vector<RolloutAnswer> act_many(std::span<const RolloutQuery> queries) override {
    std::vector<RolloutAnswer> out(queries.size());
    std::atomic<size_t> next{0};
    const size_t threads = std::min(queries.size(), static_cast<size_t>(parallel_));
    // A replay miss (an Error, not a failed call) must stop the run: kept and rethrown.
    std::vector<std::exception_ptr> errors(threads);
    auto work = [&](size_t t) {
      try {
        std::unique_ptr<LlmCall> call = take();
        for (size_t i = next++; i < queries.size(); i = next++) out[i] = answer(*call, queries[i]);
        give_back(std::move(call));
      } catch (...) {
        errors[t] = std::current_exception();
        next = queries.size();
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
    if (threads > 0) work(0);
    for (auto& t : pool) t.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    return out;
  }

 private:
  RolloutAnswer answer(LlmCall& call, const RolloutQuery& q) {
    const ChatLog chat = ChatLog::from_dialogue(*q.spec, *q.dialogue);
    const json label = {{"agent", name_}, {"rollout", true}, {"turn", q.obs.turn + 1},
                        {"sample", q.sample}, {"user_text", excerpt(q.obs.text, 80)}};
    const CacheOutcome out = call.complete(
        chat.messages(), q.seed, label,
        fmt::format("rollout agent {}, future {} at turn {}, user text \"{}\"", name_, q.sample,
                    q.obs.turn + 1, excerpt(q.obs.text, 80)));
    RolloutAnswer a;
    if (out.failed()) {
      a.failure = out.failure;
    } else {
      a.action = Action::from_text(out.answer["text"].get<std::string>());
    }
    return a;
  }

  std::unique_ptr<LlmCall> take() { return calls_.take(); }
  void give_back(std::unique_ptr<LlmCall> c) { calls_.give_back(std::move(c)); }

  std::string name_, arg_;
  LlmAgentOptions opts_;
  int parallel_;
  Pool<LlmCall> calls_{[this] { return std::make_unique<LlmCall>("llm:" + arg_, opts_); }};
};

}  // namespace

void configure_agent_cache(const std::string& path, std::string_view mode) {
  if (!mode.empty() && mode != "off" && path.empty()) {
    throw InvalidOption(fmt::format("--agent-cache-mode {} needs --agent-cache FILE", mode));
  }
  const CacheMode m = mode.empty() ? (path.empty() ? CacheMode::kOff : CacheMode::kRecord)
                                   : parse_cache_mode(mode, "agent cache");
  std::shared_ptr<ReplayCache> cache;
  if (m != CacheMode::kOff) {
    cache = std::make_shared<ReplayCache>("agent cache", path, m, "--agent-cache-mode record");
  }
  CacheSlot& s = cache_slot();
  std::lock_guard lock(s.mu);
  s.cache = std::move(cache);
}

std::shared_ptr<ReplayCache> agent_cache() {
  CacheSlot& s = cache_slot();
  std::lock_guard lock(s.mu);
  return s.cache;
}

std::shared_ptr<RolloutAgent> make_llm_rollout_agent(std::string name, std::string_view arg,
                                                     int parallel) {
  return std::make_shared<LlmRolloutAgent>(std::move(name), std::string(arg),
                                           LlmAgentOptions::parse(arg), parallel);
}

void register_llm_agent() {
  agents::register_agent_loader("llm", [](std::string_view arg) -> std::unique_ptr<agents::Agent> {
    return std::make_unique<LlmAgent>(std::string(arg), LlmAgentOptions::parse(arg));
  });
}

json llm_agent_counters() {
  Counters& c = counters();
  json j = {{"requests", c.requests.load()},
            {"http_calls", c.http_calls.load()},
            {"retries", c.retries.load()},
            {"replies", c.replies.load()}};
  {
    std::lock_guard lock(c.mu);
    j["failures"] = c.failures;
  }
  if (const auto cache = agent_cache()) j["cache"] = cache->counters();
  return j;
}

}  // namespace collab::bridge
