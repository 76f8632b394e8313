#include "env/user.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "env/text.h"

namespace collab {

using nlohmann::json;

std::string_view to_string(UserCacheMode mode) {
  switch (mode) {
    case UserCacheMode::kOff:
      return "off";
    case UserCacheMode::kRecord:
      return "record";
    case UserCacheMode::kReplay:
      return "replay";
  }
  return "?";
}

UserCacheMode parse_user_cache_mode(std::string_view s) {
  if (s == "off") return UserCacheMode::kOff;
  if (s == "record") return UserCacheMode::kRecord;
  if (s == "replay") return UserCacheMode::kReplay;
  throw InvalidOption(
      fmt::format("user cache mode '{}': expected record, replay or off", std::string(s)));
}

namespace {

// The first characters of a text for a message (whole UTF-8 sequences only).
std::string shorten(const std::string& s, size_t max = 80) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

}  // namespace

std::string user_request_key(const json& request) {
  // nlohmann::json keeps object keys sorted, so equal requests dump to equal bytes. The size is
  // part of the key: a collision would need equal lengths as well as equal 64-bit hashes.
  const std::string bytes = request.dump();
  return fmt::format("{}-{}", text::fnv1a_hex(bytes), bytes.size());
}

CachedUser::CachedUser(std::shared_ptr<UserModel> inner, std::string name, std::string path,
                       UserCacheMode mode)
    : inner_(std::move(inner)), name_(std::move(name)), path_(std::move(path)), mode_(mode) {
  if (mode_ != UserCacheMode::kReplay && inner_ == nullptr) {
    throw InvalidOption(fmt::format(
        "user cache mode {}: an external user to call is needed (only replay runs without one)",
        to_string(mode_)));
  }
  if (mode_ == UserCacheMode::kOff) return;
  if (path_.empty()) {
    throw InvalidOption(fmt::format("user cache mode {} needs a cache file", to_string(mode_)));
  }
  std::ifstream in(path_);
  if (!in) {
    if (mode_ == UserCacheMode::kReplay) {
      throw Error(fmt::format("user cache {}: cannot be read; a replay needs the file a record "
                              "run wrote (--user-cache-mode record)",
                              path_));
    }
    return;  // record: the file is created by the first entry
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto bad = [&](const std::string& what) {
      return Error(fmt::format("user cache {}:{}: {}; expected one JSON object a line with "
                               "\"key\" (str) and \"answer\" (object) or \"failure\" (str)",
                               path_, n, what));
    };
    json e = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!e.is_object()) throw bad("not a JSON object");
    if (!e.contains("key") || !e["key"].is_string()) throw bad("no \"key\"");
    Entry entry;
    if (e.contains("answer") && e["answer"].is_object()) {
      entry.answer = std::move(e["answer"]);
    } else if (e.contains("failure") && e["failure"].is_string()) {
      entry.failure = e["failure"].get<std::string>();
    } else {
      throw bad("neither an \"answer\" object nor a \"failure\" string");
    }
    entries_.emplace(e["key"].get<std::string>(), std::move(entry));  // the first one wins
  }
}

json CachedUser::answer_of(const Entry& e) const {
  if (!e.failure.empty()) throw UserFailure(e.failure);
  return e.answer;
}

json CachedUser::call(const json& request) {
  if (mode_ == UserCacheMode::kOff) return inner_->call(request);
  const std::string key = user_request_key(request);
  {
    std::unique_lock lock(mu_);
    // MR samples often send the same request at once (a deterministic rollout policy and user):
    // one of them calls, the others wait for its answer.
    done_.wait(lock, [&] { return !pending_.contains(key); });
    if (auto it = entries_.find(key); it != entries_.end()) {
      ++hits_;
      return answer_of(it->second);
    }
    ++misses_;
    if (mode_ == UserCacheMode::kRecord) pending_.insert(key);
  }
  if (mode_ == UserCacheMode::kReplay) {
    throw Error(fmt::format(
        "user cache {} has no entry for request {} ({} of {}, turn {}, agent text \"{}\"): the run "
        "differs from the recorded one; record it again (--user-cache-mode record)",
        path_, key, request.value("op", "?"), request.value("task", "?"),
        request.value("turn", -1), shorten(request.value("agent_text", ""))));
  }
  Entry fresh;
  try {
    fresh.answer = inner_->call(request);
  } catch (const UserFailure& e) {
    fresh.failure = e.what();
  } catch (...) {  // not an answer, not a failure to record: let the waiters call themselves
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
    json line = {{"key", key},
                 {"op", request.value("op", "")},
                 {"task", request.value("task", "")},
                 {"turn", request.value("turn", 0)},
                 {"agent_text", request.value("agent_text", "")}};
    if (it->second.failure.empty()) {
      line["answer"] = it->second.answer;
    } else {
      line["failure"] = it->second.failure;
    }
    std::ofstream out(path_, std::ios::app);
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    if (!out.flush()) throw Error(fmt::format("user cache {}: cannot be written", path_));
  }
  return answer_of(it->second);
}

json CachedUser::counters() const {
  json c = inner_ != nullptr ? inner_->counters() : json::object();
  std::lock_guard lock(mu_);
  c["cache"] = {{"mode", std::string(to_string(mode_))},
                {"entries", entries_.size()},
                {"hits", hits_},
                {"misses", misses_}};
  return c;
}

namespace {

struct Directory {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<UserModel>, std::less<>> users;
};
Directory& directory() {
  static Directory d;
  return d;
}

}  // namespace

void register_user(std::shared_ptr<UserModel> model) {
  COLLAB_CHECK(model != nullptr);
  Directory& d = directory();
  std::lock_guard lock(d.mu);
  d.users[model->name()] = std::move(model);
}

std::shared_ptr<UserModel> find_user(std::string_view name) {
  Directory& d = directory();
  std::lock_guard lock(d.mu);
  auto it = d.users.find(name);
  return it == d.users.end() ? nullptr : it->second;
}

std::vector<std::string> user_names() {
  Directory& d = directory();
  std::lock_guard lock(d.mu);
  std::vector<std::string> names;
  for (const auto& [name, model] : d.users) names.push_back(name);
  return names;
}

size_t CachedUser::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace collab
