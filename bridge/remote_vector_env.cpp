// RemoteVectorEnv (bridge/client.h): N sessions on one or several servers stepped as one batch,
// per-session or as structure-of-arrays replies.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bridge/client.h"
#include "bridge/client_soa.h"
#include "bridge/codec.h"
#include "bridge/curve.h"

namespace collab::bridge {

RemoteVectorEnv::RemoteVectorEnv(Client& client, const std::string& env_id, int num_envs,
                                 const nlohmann::json& options, bool act_features)
    : clients_{&client}, act_features_(act_features) {
  init(env_id, num_envs, options);
}

RemoteVectorEnv::RemoteVectorEnv(const std::vector<std::string>& endpoints,
                                 const std::string& env_id, int num_envs,
                                 const nlohmann::json& options, bool act_features,
                                 std::chrono::milliseconds timeout)
    : act_features_(act_features) {
  if (endpoints.empty()) throw RemoteError("invalid_option", "RemoteVectorEnv: no endpoints");
  for (const auto& ep : endpoints) {
    owned_.push_back(std::make_unique<Client>(ep, timeout));
    clients_.push_back(owned_.back().get());
  }
  init(env_id, num_envs, options);
}

void RemoteVectorEnv::init(const std::string& env_id, int num_envs, const nlohmann::json& options) {
  if (num_envs < 1) {
    throw RemoteError("invalid_option",
                      "num_envs = " + std::to_string(num_envs) + ": expected at least 1");
  }
  const size_t servers = clients_.size();
  for (Client* c : clients_) {
    const auto limits = c->hello().value("limits", nlohmann::json::object());
    max_batch_ = std::min(max_batch_, std::max<size_t>(1, limits.value("max_batch", size_t{4096})));
  }
  server_sessions_.resize(servers);
  const auto n = static_cast<size_t>(num_envs);
  for (size_t k = 0; k < servers; ++k) {
    const size_t count = n / servers + (k < n % servers ? 1 : 0);
    if (count == 0) continue;
    try {
      auto made = clients_[k]->make_many(env_id, count, options, act_features_);
      server_sessions_[k] = std::move(made.sessions);
      if (spec_.is_null()) spec_ = std::move(made.spec);
    } catch (const RemoteError&) {
      for (size_t j = 0; j < k; ++j) clients_[j]->close_many(server_sessions_[j]);
      throw;
    }
  }
  sessions_.resize(n);
  for (size_t i = 0; i < n; ++i) sessions_[i] = server_sessions_[i % servers][i / servers];
}

RemoteVectorEnv::~RemoteVectorEnv() {
  for (size_t k = 0; k < clients_.size(); ++k) {
    try {
      clients_[k]->close_many(server_sessions_[k]);
    } catch (const RemoteError&) {
      // The server may already be gone; nothing useful to do in a destructor.
    }
  }
}

std::vector<WireReset> RemoteVectorEnv::reset(uint64_t seed) {
  const size_t servers = clients_.size();
  std::vector<WireReset> out(sessions_.size());
  for (size_t k = 0; k < servers; ++k) {
    std::vector<uint64_t> seeds(server_sessions_[k].size());
    for (size_t j = 0; j < seeds.size(); ++j) seeds[j] = seed + k + j * servers;
    auto part = clients_[k]->reset_many(server_sessions_[k], seeds);
    for (size_t j = 0; j < part.size(); ++j) out[k + j * servers] = std::move(part[j]);
  }
  return out;
}

WireReset RemoteVectorEnv::reset_one(size_t i) {
  return clients_[i % clients_.size()]->reset(sessions_.at(i));
}

std::vector<Client::StepOutcome> RemoteVectorEnv::step(const std::vector<WireAction>& actions) {
  if (actions.size() != sessions_.size()) {
    throw RemoteError("invalid_action", "RemoteVectorEnv::step: " + std::to_string(actions.size()) +
                                            " actions for " + std::to_string(sessions_.size()) +
                                            " sessions");
  }
  const size_t servers = clients_.size();
  std::vector<Client::StepOutcome> out(actions.size(), RemoteError("internal", "not stepped"));
  std::vector<std::pair<std::string, WireAction>> steps;
  for (size_t k = 0; k < servers; ++k) {
    const auto& mine = server_sessions_[k];
    for (size_t b = 0; b < mine.size(); b += max_batch_) {
      const size_t e = std::min(mine.size(), b + max_batch_);
      steps.clear();
      for (size_t j = b; j < e; ++j) steps.emplace_back(mine[j], actions[k + j * servers]);
      auto chunk = clients_[k]->step_many(steps);
      for (size_t j = b; j < e; ++j) out[k + j * servers] = std::move(chunk[j - b]);
    }
  }
  return out;
}

template <class Send>
const SoaBatch& RemoteVectorEnv::soa_round(const char* op, Send&& send) {
  const size_t servers = clients_.size();
  struct Part {
    size_t server, begin, id;
  };
  std::vector<Part> sent;
  for (size_t k = 0; k < servers; ++k) {  // every request out before any reply is read
    for (size_t b = 0; b < server_sessions_[k].size(); b += max_batch_) {
      const size_t e = std::min(server_sessions_[k].size(), b + max_batch_);
      sent.push_back({k, b, send(*clients_[k], k, b, e)});
    }
  }
  if (parts_.size() < sent.size()) parts_.resize(sent.size());
  for (size_t p = 0; p < sent.size(); ++p) {
    clients_[sent[p].server]->receive_soa(sent[p].id, op, parts_[p]);
  }
  if (sent.size() == 1) return parts_[0];
  // Several parts: rows go back to env order (server k's row j is env k + j * servers).
  const SoaBatch& first = parts_[0];
  merged_.num_features = first.num_features;
  merged_.num_acts = first.num_acts;
  merged_.num_act_features = first.num_act_features;
  merged_.has_act_features = first.has_act_features;
  const size_t n = sessions_.size();
  const detail::SoaOffsets off = detail::soa_layout(merged_, n);
  uint8_t* base = merged_.bytes_.data();
  merged_.text.assign(n, std::string_view());
  merged_.errors.clear();
  const size_t F = merged_.num_features, A = merged_.num_acts;
  const size_t AK = merged_.has_act_features ? A * merged_.num_act_features : 0;
  std::vector<size_t> env_of_row;  // per part
  for (size_t p = 0; p < sent.size(); ++p) {
    const SoaBatch& part = parts_[p];
    if (part.num_features != F || part.num_acts != A ||
        part.has_act_features != merged_.has_act_features ||
        (AK != 0 && part.num_act_features != merged_.num_act_features)) {
      throw RemoteError("malformed", "RemoteVectorEnv: servers reply with different shapes");
    }
    for (size_t j = 0; j < part.n; ++j) {
      const size_t i = sent[p].server + (sent[p].begin + j) * servers;
      base[off.ok + i] = part.item_ok[j];
      std::memcpy(base + off.features + 4 * i * F, part.features.data() + j * F, 4 * F);
      if (AK)
        std::memcpy(base + off.act_features + 4 * i * AK, part.act_features.data() + j * AK,
                    4 * AK);
      std::memcpy(base + off.mask + i * A, part.action_mask.data() + j * A, A);
      std::memcpy(base + off.turn + 4 * i, &part.turn[j], 4);
      std::memcpy(base + off.reward + 8 * i, &part.reward[j], 8);
      base[off.terminated + i] = part.terminated[j];
      base[off.truncated + i] = part.truncated[j];
      std::memcpy(base + off.seed + 8 * i, &part.seed[j], 8);
      merged_.text[i] = part.text[j];
    }
    for (const auto& [j, e] : part.errors) {
      merged_.errors.emplace_back(sent[p].server + (sent[p].begin + j) * servers, e);
    }
  }
  std::sort(merged_.errors.begin(), merged_.errors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // info: the parts' columns, interleaved back into env order, on first use.
  merged_.info_cache_.reset();
  merged_.info_fn_ = [this, sent, servers, n]() {
    nlohmann::json out = nlohmann::json::object();
    for (size_t p = 0; p < sent.size(); ++p) {
      const nlohmann::json flat = parts_[p].info().flatten();
      for (const auto& [pointer, value] : flat.items()) {
        // flatten() gives "/reward/total/3": the column's pointer and the row.
        const auto slash = pointer.rfind('/');
        const std::string column = pointer.substr(0, slash);
        const size_t j = std::stoul(pointer.substr(slash + 1));
        auto& arr = out[nlohmann::json::json_pointer(column)];
        if (!arr.is_array()) arr = nlohmann::json::array();
        if (arr.size() < n) arr.get_ref<nlohmann::json::array_t&>().resize(n);
        arr[sent[p].server + (sent[p].begin + j) * servers] = value;
      }
    }
    return out;
  };
  return merged_;
}

const SoaBatch& RemoteVectorEnv::reset_soa(uint64_t seed) {
  const size_t servers = clients_.size();
  return soa_round("reset_many", [&](Client& c, size_t k, size_t b, size_t e) {
    scratch_seeds_.resize(e - b);
    for (size_t j = b; j < e; ++j) scratch_seeds_[j - b] = seed + k + j * servers;
    return c.send_reset_many_soa(std::span(server_sessions_[k]).subspan(b, e - b), scratch_seeds_);
  });
}

const SoaBatch& RemoteVectorEnv::step_soa(std::span<const WireAction> actions) {
  if (actions.size() != sessions_.size()) {
    throw RemoteError("invalid_action",
                      "RemoteVectorEnv::step_soa: " + std::to_string(actions.size()) +
                          " actions for " + std::to_string(sessions_.size()) + " sessions");
  }
  const size_t servers = clients_.size();
  return soa_round("step_many", [&](Client& c, size_t k, size_t b, size_t e) {
    if (servers == 1) {
      return c.send_step_many_soa(std::span(server_sessions_[k]).subspan(b, e - b),
                                  actions.subspan(b, e - b));
    }
    scratch_actions_.clear();
    for (size_t j = b; j < e; ++j) scratch_actions_.push_back(actions[k + j * servers]);
    return c.send_step_many_soa(std::span(server_sessions_[k]).subspan(b, e - b), scratch_actions_);
  });
}

}  // namespace collab::bridge
