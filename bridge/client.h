// C++ client for the CollabGym server (docs/protocol.md). Depends on nothing of CollabGym's but
// bridge/protocol.h and bridge/codec.h.
//
//   collab::bridge::Client c("tcp://127.0.0.1:5555");
//   auto [session, spec] = c.make("twenty_questions-v0", {{"reward", "mr"}});
//   auto r = c.reset(session, 42);
//   auto s = c.step(session, WireAction::of_text("Is it alive?"));
//
// Every call waits at most `timeout` for its reply and throws Timeout otherwise (a dead server is
// an exception, never a hang; the message says which op and how many requests were outstanding);
// error replies throw RemoteError with the protocol's code. The *_many calls pipeline one request
// per item and then wait (`timeout` for the whole batch). The socket has no high-water marks, so
// no batch of any size meets ZeroMQ's limit. Not thread-safe: one Client per thread.
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
  // `count` sessions of one environment, pipelined; their common spec is decoded once. If any
  // make fails, the ones made are closed and the first error (in order) is thrown.
  struct MadeMany {
    std::vector<std::string> sessions;
    nlohmann::json spec;
  };
  MadeMany make_many(const std::string& env_id, size_t count,
                     const nlohmann::json& options = nlohmann::json::object(),
                     bool act_features = false);
  // Resets sessions[i] with seeds[i] (or a drawn seed when `seeds` is empty), pipelined; throws
  // the first error in order once every reply is in.
  std::vector<WireReset> reset_many(const std::vector<std::string>& sessions,
                                    const std::vector<uint64_t>& seeds = {});
  // Closes every session, pipelined; returns how many closes failed (e.g. already reaped).
  size_t close_many(const std::vector<std::string>& sessions);
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
  // Sends `count` requests of `op` (fill(pk, i) writes item i's fields) before reading; returns
  // the replies in order, unchecked (see check_ok).
  template <class Fill>
  std::vector<msgpack::object_handle> call_many(const char* op, size_t count, uint32_t n_fields,
                                                Fill&& fill);
  msgpack::object_handle exchange(const msgpack::sbuffer& body, uint64_t id, const char* op);
  void send_body(const msgpack::sbuffer& body);
  // Waits for the replies to `ids` (consecutive), in their order; Timeout names `op`.
  std::vector<msgpack::object_handle> receive(const char* op, const std::vector<uint64_t>& ids);
  // Throws RemoteError for a reply with ok == false (or without ok).
  static void check_ok(const msgpack::object_handle& h);

  struct Socket;
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Socket> socket_;
  uint64_t last_id_ = 0;
  size_t last_request_bytes_ = 0, last_reply_bytes_ = 0;
};

// Many sessions of one environment stepped together over step_many (the remote counterpart of
// env/vector_env.h, without autoreset: call reset(i) for finished rows). With act_features, every
// observation carries them (see Client::make). Sessions are made, reset and closed pipelined, and
// steps go in step_many chunks of the server's max_batch, so any size the server's max_sessions
// allows works.
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
  size_t max_batch_ = 4096;  // the server's (hello.limits.max_batch)
};

}  // namespace collab::bridge
