#include "bridge/external_user.h"

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "bridge/codec.h"
#include "bridge/pool.h"
#include "bridge/req_channel.h"

namespace collab::bridge {

using nlohmann::json;

ExternalUserOptions ExternalUserOptions::parse(std::string_view arg) {
  ExternalUserOptions o;
  parse_endpoint_arg(arg, fmt::format("user '{}'", arg), &o.endpoint, &o.timeout_s);
  return o;
}

namespace {

class ExternalUser final : public UserModel {
 public:
  explicit ExternalUser(ExternalUserOptions o) : opts_(std::move(o)) {}

  std::string name() const override { return opts_.endpoint; }

  json call(const json& request) override {
    ++calls_;
    auto ch = take();
    const std::string op = request.value("op", "turn");
    try {
      if (!ch->said_hello) hello(*ch);
      json reply = ch->channel.request(
          op,
          [&](ReqChannel::Packer& pk) {
            for (const auto& [k, v] : request.items()) {
              if (k == "op") continue;
              pack_str(pk, k);
              pack_json(pk, v);
            }
          },
          static_cast<uint32_t>(request.size() - (request.contains("op") ? 1 : 0)));
      give_back(std::move(ch));
      for (const char* k : {"v", "id", "ok"}) reply.erase(k);
      return reply;
    } catch (const ChannelError& e) {
      (e.kind() == ChannelError::Kind::kTimeout ? timeouts_ : failures_)++;
      // With REQ_RELAXED the socket may send again at once: it goes back to the pool.
      give_back(std::move(ch));
      throw UserFailure(fmt::format("user {}: {}: {}", opts_.endpoint, op, e.what()));
    } catch (const UserFailure&) {
      ++failures_;
      give_back(std::move(ch));
      throw;
    }
  }

  json counters() const override {
    return {{"calls", calls_.load()}, {"timeouts", timeouts_.load()},
            {"failures", failures_.load()}};
  }

 private:
  struct Pooled {
    ReqChannel channel;
    bool said_hello = false;
  };

  void hello(Pooled& p) {
    const json reply = p.channel.request("hello", nullptr, 0);
    if (!reply.contains("user_protocol")) {
      throw UserFailure(fmt::format(
          "user {}: hello: the reply has no \"user_protocol\": this endpoint is not a user "
          "simulator (an agent endpoint or a `collabgym serve` server?)",
          opts_.endpoint));
    }
    if (reply["user_protocol"] != kUserProtocolVersion) {
      throw UserFailure(fmt::format("user {}: hello: user_protocol is {}; expected {}",
                                    opts_.endpoint, reply["user_protocol"].dump(),
                                    kUserProtocolVersion));
    }
    p.said_hello = true;
  }

  std::unique_ptr<Pooled> take() { return pool_.take(); }
  void give_back(std::unique_ptr<Pooled> p) { pool_.give_back(std::move(p)); }

  ExternalUserOptions opts_;
  Pool<Pooled> pool_{[this] {
    return std::make_unique<Pooled>(Pooled{ReqChannel(opts_.endpoint, opts_.timeout_s)});
  }};
  std::atomic<uint64_t> calls_{0}, timeouts_{0}, failures_{0};
};

}  // namespace

std::shared_ptr<UserModel> make_external_user(const ExternalUserOptions& options) {
  return std::make_shared<ExternalUser>(options);
}

std::shared_ptr<UserModel> register_external_user(std::string_view arg, const std::string& cache,
                                                  std::string_view cache_mode, std::string name) {
  const ExternalUserOptions o = ExternalUserOptions::parse(arg);
  // Default: record when a cache file is named, off otherwise.
  const UserCacheMode mode =
      cache_mode.empty() ? (cache.empty() ? UserCacheMode::kOff : UserCacheMode::kRecord)
                         : parse_user_cache_mode(cache_mode);
  if (mode == UserCacheMode::kOff && !cache.empty()) {
    throw InvalidOption(fmt::format(
        "user cache {} with cache mode off: expected record or replay, or no cache file", cache));
  }
  if (name.empty()) name = o.endpoint;
  std::shared_ptr<UserModel> inner;
  if (mode != UserCacheMode::kReplay) inner = make_external_user(o);
  std::shared_ptr<UserModel> model =
      mode == UserCacheMode::kOff && inner->name() == name
          ? inner
          : std::make_shared<CachedUser>(inner, name, cache, mode);
  register_user(model);
  return model;
}

}  // namespace collab::bridge
