// C++ client for the CollabGym server (docs/protocol.md). Depends on nothing of CollabGym's but
// bridge/protocol.h and bridge/codec.h.
//
//   collab::bridge::Client c("tcp://127.0.0.1:5555");
//   auto [session, spec] = c.make("twenty_questions-v0", {{"reward", "mr"}});
//   auto r = c.reset(session, 42);
//   auto s = c.step(session, WireAction::of_text("Is it alive?"));
//
// Every call waits at most `timeout` for its reply and throws Timeout otherwise (a dead server is
// an exception, never a hang); error replies throw RemoteError with the protocol's code. Not
// thread-safe: one Client per thread.
#pragma once

#include <chrono>
#include <memory>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bridge/protocol.h"

namespace collab::bridge {

class Client {
 public:
  explicit Client(std::string endpoint = kDefaultEndpoint,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  nlohmann::json hello();
  std::vector<std::string> list();
  nlohmann::json spec(const std::string& env_id,
                      const nlohmann::json& options = nlohmann::json::object());
  struct Made {
    std::string session;
    nlohmann::json spec;
  };
  // act_features: the session's observations carry per-act features (WireObservation::
  // act_features, [A][K] with K = spec["act_features"].size()); needs a server whose hello lists
  // the "act_features" capability (protocol minor >= 1). Without it the request is v1.0's.
  Made make(const std::string& env_id, const nlohmann::json& options = nlohmann::json::object(),
            bool act_features = false);
  WireReset reset(const std::string& session, std::optional<uint64_t> seed = std::nullopt,
                  const nlohmann::json& options = nlohmann::json::object());
  WireStep step(const std::string& session, const WireAction& action);
  // One message for many sessions' actions; results in the same order, each a step or an error.
  using StepOutcome = std::variant<WireStep, RemoteError>;
  std::vector<StepOutcome> step_many(const std::vector<std::pair<std::string, WireAction>>& steps);
  std::string fork(const std::string& session);
  void close(const std::string& session);
  bool ping();
  nlohmann::json stats();

  // Sends a raw body (already MessagePack) and returns the reply decoded as JSON, bins as arrays.
  // For tests and tools; the id inside `body` must be `id`.
  nlohmann::json raw(const std::string& body, uint64_t id);
  uint64_t next_id() { return ++last_id_; }
  const std::string& endpoint() const { return endpoint_; }
  // Sizes of the last request and reply bodies on the wire (for benchmarks).
  size_t last_request_bytes() const { return last_request_bytes_; }
  size_t last_reply_bytes() const { return last_reply_bytes_; }

 private:
  // Packs {v, id, op, fields…} with `fill` writing `n_fields` key/value pairs, sends, and waits
  // for the reply with that id; throws RemoteError when ok == false.
  template <class Fill>
  msgpack::object_handle call(const char* op, uint32_t n_fields, Fill&& fill);
  msgpack::object_handle exchange(const msgpack::sbuffer& body, uint64_t id);

  struct Socket;
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Socket> socket_;
  uint64_t last_id_ = 0;
  size_t last_request_bytes_ = 0, last_reply_bytes_ = 0;
};

// Many sessions of one environment stepped together over step_many (the remote counterpart of
// env/vector_env.h, without autoreset: call reset(i) for finished rows). With act_features, every
// observation carries them (see Client::make).
class RemoteVectorEnv {
 public:
  RemoteVectorEnv(Client& client, const std::string& env_id, int num_envs,
                  const nlohmann::json& options = nlohmann::json::object(),
                  bool act_features = false);
  ~RemoteVectorEnv();  // closes the sessions (errors ignored: the server may be gone)
  std::vector<WireReset> reset(uint64_t seed);  // env i gets seed + i
  WireReset reset_one(size_t i);
  std::vector<Client::StepOutcome> step(const std::vector<WireAction>& actions);
  size_t size() const { return sessions_.size(); }
  const std::string& session(size_t i) const { return sessions_.at(i); }
  const nlohmann::json& spec() const { return spec_; }
  bool act_features() const { return act_features_; }
  size_t num_acts() const { return spec_.at("acts").size(); }
  // K: features per act (each observation's act_features holds num_acts() × K values).
  size_t num_act_features() const { return spec_.at("act_features").size(); }

 private:
  Client& client_;
  std::vector<std::string> sessions_;
  nlohmann::json spec_;
  bool act_features_ = false;
};

}  // namespace collab::bridge
