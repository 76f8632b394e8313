#include "env/user.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "env/text.h"

namespace collab {

using nlohmann::json;

UserCacheMode parse_user_cache_mode(std::string_view s) { return parse_cache_mode(s, "user cache"); }

namespace {

// The first characters of a text for a message (whole UTF-8 sequences only).
std::string shorten(const std::string& s, size_t max = 80) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

UserCacheMode checked(const std::shared_ptr<UserModel>& inner, UserCacheMode mode) {
  if (mode != UserCacheMode::kReplay && inner == nullptr) {
    throw InvalidOption(fmt::format(
        "user cache mode {}: an external user to call is needed (only replay runs without one)",
        to_string(mode)));
  }
  return mode;
}

}  // namespace

CachedUser::CachedUser(std::shared_ptr<UserModel> inner, std::string name, std::string path,
                       UserCacheMode mode)
    : inner_(std::move(inner)),
      name_(std::move(name)),
      cache_("user cache", std::move(path), checked(inner_, mode), "--user-cache-mode record") {}

json CachedUser::call(const json& request) {
  const json label = {{"op", request.value("op", "")},
                      {"task", request.value("task", "")},
                      {"turn", request.value("turn", 0)},
                      {"agent_text", request.value("agent_text", "")}};
  const CacheOutcome out = cache_.get(
      request, label,
      [&] {
        CacheOutcome o;
        try {
          o.answer = inner_->call(request);
        } catch (const UserFailure& e) {
          o.failure = e.what();
        }
        return o;
      },
      [&] {
        return fmt::format("{} of {}, turn {}, agent text \"{}\"", request.value("op", "?"),
                           request.value("task", "?"), request.value("turn", -1),
                           shorten(request.value("agent_text", "")));
      });
  if (out.failed()) throw UserFailure(out.failure);
  if (!out.answer.is_object()) {
    throw UserFailure(fmt::format("the cached answer is not an object: {}",
                                  out.answer.dump().substr(0, 80)));
  }
  return out.answer;
}

json CachedUser::counters() const {
  json c = inner_ != nullptr ? inner_->counters() : json::object();
  c["cache"] = cache_.counters();
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

}  // namespace collab
