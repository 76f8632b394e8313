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
#include <functional>
#include <memory>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bridge/protocol.h"

namespace collab::bridge {

// A step_many or reset_many reply in structure-of-arrays form (capability "soa", protocol 1.4;
// docs/throughput.md). Spans over row-major blocks owned by this object (aligned copies of the
// reply's bins), valid until it is filled again; reuse one object to keep its buffers.
struct SoaBatch {
  size_t n = 0, num_features = 0, num_acts = 0, num_act_features = 0;  // N, F, A, K
  bool has_act_features = false;         // the sessions carry act features (K may still be 0)
  std::span<const uint8_t> item_ok;      // [N]: 1 = the item succeeded (else see errors)
  std::span<const float> features;       // [N][F]
  std::span<const float> act_features;   // [N][A][K]; empty unless has_act_features
  std::span<const uint8_t> action_mask;  // [N][A]
  std::span<const int32_t> turn;         // [N]
  std::span<const double> reward;        // [N] (step_many)
  std::span<const uint8_t> terminated, truncated;  // [N] (step_many)
  std::span<const uint64_t> seed;                  // [N] (reset_many: the episode seeds)
  std::vector<std::string_view> text;  // [N], views into the reply ("" for a failed item)
  std::vector<std::pair<size_t, RemoteError>> errors;  // failed items: (index, error)
  // step_many: the info columns ({score: [N], reward: {total: [N], …}, act: [str|null]…}, as the
  // per-session info with one array per field), decoded on first use.
  const nlohmann::json& info() const;

  std::span<const float> features_row(size_t i) const {
    return features.subspan(i * num_features, num_features);
  }
  std::span<const uint8_t> mask_row(size_t i) const {
    return action_mask.subspan(i * num_acts, num_acts);
  }

  // Storage (the spans above point here) and the reply (text views and info point into it).
  std::vector<uint8_t> bytes_;
  std::shared_ptr<const msgpack::object_handle> reply_;
  const msgpack::object* info_object_ = nullptr;
  const msgpack::object* info_types_ = nullptr;
  std::function<nlohmann::json()> info_fn_;  // a merged batch's info (RemoteVectorEnv)
  mutable std::optional<nlohmann::json> info_cache_;
};

// CURVE (docs/protocol.md "Security"): the server's public key and this client's key pair, each
// 40 characters of Z85.
struct CurveClientKeys {
  std::string server_public_key;
  std::string public_key;
  std::string secret_key;
  // From `collabgym keygen` files: the server's NAME.key and this client's NAME.key_secret (its
  // public key is derived from the secret one). Throws RemoteError (code "bad_key").
  static CurveClientKeys from_files(const std::string& server_public_file,
                                    const std::string& client_secret_file);
};

class Client {
 public:
  // With `curve`, the link is encrypted and the server admits this client only if its public key
  // is allowed; a refused handshake shows as RemoteError code "unauthorized" when a call times out
  // (instead of Timeout).
  explicit Client(std::string endpoint = kDefaultEndpoint,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10),
                  std::optional<CurveClientKeys> curve = std::nullopt);
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
  // Resets many sessions in one message (op reset_many, protocol 1.4): results in order, each a
  // reset or an error. seeds as for reset_many (empty: each session draws its own).
  using ResetOutcome = std::variant<WireReset, RemoteError>;
  std::vector<ResetOutcome> reset_batch(const std::vector<std::string>& sessions,
                                        const std::vector<uint64_t>& seeds = {});

  // Structure-of-arrays batches (capability "soa", protocol 1.4; docs/throughput.md): one reply
  // with contiguous blocks for the whole batch, decoded into `out`. Failed items are reported in
  // out.errors (item_ok 0), never thrown; a failed request throws RemoteError.
  void step_many_soa(std::span<const std::string> sessions, std::span<const WireAction> actions,
                     SoaBatch& out);
  void reset_many_soa(std::span<const std::string> sessions, std::span<const uint64_t> seeds,
                      SoaBatch& out);
  // The same in two halves, so that requests to several servers are in flight at once: send_*
  // returns the request id, receive_soa waits for that reply (nothing else may be read from this
  // client in between).
  uint64_t send_step_many_soa(std::span<const std::string> sessions,
                              std::span<const WireAction> actions);
  uint64_t send_reset_many_soa(std::span<const std::string> sessions,
                               std::span<const uint64_t> seeds);
  void receive_soa(uint64_t id, const char* op, SoaBatch& out);
  // True when this server's hello lists capability "soa" (asked once, then cached).
  bool offers_soa();

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
  std::optional<bool> offers_soa_;
};

// Many sessions of one environment stepped together over step_many (the remote counterpart of
// env/vector_env.h, without autoreset: call reset(i) for finished rows). With act_features, every
// observation carries them (see Client::make). Sessions are made, reset and closed pipelined, and
// steps go in step_many chunks of the server's max_batch, so any size the server's max_sessions
// allows works.
//
// Several servers: given a list of endpoints, session i lives on endpoint i mod n (deterministic),
// and each call sends its request to every server before reading any reply, so the servers work
// at once. Same seeds and actions give the same results as one server.
class RemoteVectorEnv {
 public:
  RemoteVectorEnv(Client& client, const std::string& env_id, int num_envs,
                  const nlohmann::json& options = nlohmann::json::object(),
                  bool act_features = false);
  RemoteVectorEnv(const std::vector<std::string>& endpoints, const std::string& env_id,
                  int num_envs, const nlohmann::json& options = nlohmann::json::object(),
                  bool act_features = false,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RemoteVectorEnv();  // closes the sessions (errors ignored: the server may be gone)
  std::vector<WireReset> reset(uint64_t seed);  // env i gets seed + i
  WireReset reset_one(size_t i);
  std::vector<Client::StepOutcome> step(const std::vector<WireAction>& actions);
  // SoA forms (every server must offer "soa"): the whole batch in env order, in one SoaBatch
  // owned by this object (valid until the next call). reset_soa(seed): env i gets seed + i.
  const SoaBatch& reset_soa(uint64_t seed);
  const SoaBatch& step_soa(std::span<const WireAction> actions);
  size_t size() const { return sessions_.size(); }
  const std::string& session(size_t i) const { return sessions_.at(i); }
  const nlohmann::json& spec() const { return spec_; }
  bool act_features() const { return act_features_; }
  size_t num_acts() const { return spec_.at("acts").size(); }
  // K: features per act (each observation's act_features holds num_acts() × K values).
  size_t num_act_features() const { return spec_.at("act_features").size(); }
  size_t num_servers() const { return clients_.size(); }

 private:
  void init(const std::string& env_id, int num_envs, const nlohmann::json& options);
  // Sends one request per server (its sessions' items, in env order), then merges the replies.
  template <class Send>
  const SoaBatch& soa_round(const char* op, Send&& send);

  std::vector<std::unique_ptr<Client>> owned_;
  std::vector<Client*> clients_;  // server k holds sessions k, k + n, k + 2n, …
  std::vector<std::string> sessions_;
  std::vector<std::vector<std::string>> server_sessions_;  // per server, in env order
  nlohmann::json spec_;
  bool act_features_ = false;
  size_t max_batch_ = 4096;      // the smallest of the servers' (hello.limits.max_batch)
  std::vector<SoaBatch> parts_;  // per server and chunk
  SoaBatch merged_;
  std::vector<WireAction> scratch_actions_;
  std::vector<uint64_t> scratch_seeds_;
};

}  // namespace collab::bridge
