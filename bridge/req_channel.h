// A REQ socket to a MessagePack endpoint that CollabGym calls (agent endpoints and user endpoints,
// docs/protocol.md): sends {v, id, op, …fields}, waits at most the timeout, and returns the reply
// map once it is MessagePack with `ok` true. Not thread-safe: one per thread (or per call).
#pragma once

#include <cstdint>
#include <functional>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "env/error.h"

namespace collab::bridge {

// Why a request failed; what() is a sentence for the caller to prefix with who and which op.
class ChannelError : public Error {
 public:
  enum class Kind { kConnect, kSend, kTimeout, kMalformed, kErrorReply };
  ChannelError(Kind kind, const std::string& what) : Error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// "tcp://…", "ipc://…" or "inproc://…" with something after "://".
bool is_endpoint(std::string_view s);
// Parses ENDPOINT[?timeout=SECONDS] (agents' "remote:ARG", `--user ARG`): sets `endpoint` and, if
// given, `timeout_s`. Throws InvalidOption naming `what` ("agent 'remote:…'") and the bad part.
void parse_endpoint_arg(std::string_view arg, std::string_view what, std::string* endpoint,
                        double* timeout_s);

class ReqChannel {
 public:
  using Packer = msgpack::packer<msgpack::sbuffer>;
  ReqChannel(std::string endpoint, double timeout_s);

  // `fields` packs `extra` more key/value pairs after v, id and op. Throws ChannelError.
  nlohmann::json request(std::string_view op, const std::function<void(Packer&)>& fields,
                         uint32_t extra);
  const std::string& endpoint() const { return endpoint_; }
  double timeout_s() const { return timeout_s_; }

 private:
  zmq::socket_t& socket();

  std::string endpoint_;
  double timeout_s_;
  std::optional<zmq::socket_t> socket_;
  uint64_t next_id_ = 0;
};

}  // namespace collab::bridge
