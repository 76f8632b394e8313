#include "bridge/req_channel.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>

#include "bridge/codec.h"
#include "bridge/protocol.h"

namespace collab::bridge {

using nlohmann::json;

namespace {

// Never destroyed: terminating a context waits for its sockets to close, and channels may live in
// process-wide objects (the external users' directory) that are destroyed after it.
zmq::context_t& context() {
  static auto* ctx = new zmq::context_t(1);
  return *ctx;
}

}  // namespace

bool is_endpoint(std::string_view s) {
  const bool known =
      s.rfind("tcp://", 0) == 0 || s.rfind("ipc://", 0) == 0 || s.rfind("inproc://", 0) == 0;
  return known && s.find("://") + 3 < s.size();
}

void parse_endpoint_arg(std::string_view arg, std::string_view what, std::string* endpoint,
                        double* timeout_s) {
  const auto q = arg.find('?');
  *endpoint = std::string(arg.substr(0, q));
  if (!is_endpoint(*endpoint)) {
    throw InvalidOption(fmt::format(
        "{}: expected tcp://HOST:PORT or ipc://PATH, optionally followed by ?timeout=SECONDS",
        what));
  }
  if (q == std::string_view::npos) return;
  const std::string_view query = arg.substr(q + 1);
  constexpr std::string_view kTimeout = "timeout=";
  double t = 0;
  const char* end = query.data() + query.size();
  if (query.rfind(kTimeout, 0) != 0 ||
      std::from_chars(query.data() + kTimeout.size(), end, t).ptr != end || !(t > 0) ||
      !std::isfinite(t)) {
    throw InvalidOption(fmt::format(
        "{}: '?{}' is not understood; expected ?timeout=SECONDS with SECONDS > 0", what, query));
  }
  *timeout_s = t;
}

ReqChannel::ReqChannel(std::string endpoint, double timeout_s)
    : endpoint_(std::move(endpoint)), timeout_s_(timeout_s) {}

zmq::socket_t& ReqChannel::socket() {
  if (!socket_) {
    socket_.emplace(context(), zmq::socket_type::req);
    socket_->set(zmq::sockopt::linger, 0);
    // After a timeout the next request may be sent at once; a late reply to the old one is dropped
    // (it carries the old request's correlation id).
    socket_->set(zmq::sockopt::req_relaxed, 1);
    socket_->set(zmq::sockopt::req_correlate, 1);
    try {
      socket_->connect(endpoint_);
    } catch (const zmq::error_t& e) {
      socket_.reset();
      throw ChannelError(ChannelError::Kind::kConnect, e.what());
    }
  }
  return *socket_;
}

json ReqChannel::request(std::string_view op, const std::function<void(Packer&)>& fields,
                         uint32_t extra) {
  using Kind = ChannelError::Kind;
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3 + extra);
  pack_str(pk, "v");
  pk.pack_int(kProtocolVersion);
  pack_str(pk, "id");
  pk.pack_uint64(++next_id_);
  pack_str(pk, "op");
  pack_str(pk, op);
  if (fields) fields(pk);
  zmq::socket_t& s = socket();
  try {
    if (!s.send(zmq::buffer(buf.data(), buf.size()), zmq::send_flags::dontwait)) {
      throw ChannelError(Kind::kSend, "the request could not be queued (is the endpoint listening?)");
    }
  } catch (const zmq::error_t& e) {
    throw ChannelError(Kind::kSend, fmt::format("send failed: {}", e.what()));
  }
  zmq::pollitem_t item{static_cast<void*>(s), 0, ZMQ_POLLIN, 0};
  const auto ms = std::chrono::milliseconds(static_cast<int64_t>(timeout_s_ * 1000));
  zmq::message_t msg;
  bool got = false;
  try {
    got = zmq::poll(&item, 1, ms) > 0 && s.recv(msg, zmq::recv_flags::dontwait).has_value();
  } catch (const zmq::error_t& e) {  // e.g. interrupted by a signal
    throw ChannelError(Kind::kTimeout, fmt::format("receive failed: {}", e.what()));
  }
  if (!got) {
    throw ChannelError(Kind::kTimeout,
                       fmt::format("no reply within {:g} s (timeout; set ?timeout=SECONDS)",
                                   timeout_s_));
  }
  json reply;
  try {
    const msgpack::object_handle oh =
        msgpack::unpack(static_cast<const char*>(msg.data()), msg.size());
    reply = to_json(oh.get());
  } catch (const std::exception& e) {  // msgpack's errors and the depth limit
    throw ChannelError(Kind::kMalformed, fmt::format("the reply is not MessagePack ({} bytes): {}",
                                                     msg.size(), e.what()));
  }
  if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean()) {
    throw ChannelError(Kind::kMalformed,
                       fmt::format("the reply {} is not a map with a boolean \"ok\"",
                                   reply.dump(-1, ' ', false, json::error_handler_t::replace)
                                       .substr(0, 200)));
  }
  if (!reply["ok"].get<bool>()) {
    // Whatever shape the error has, it is reported, never a second failure.
    auto part = [&](const char* key) -> std::string {
      const auto err = reply.find("error");
      if (err == reply.end() || !err->is_object() || !err->contains(key)) return "?";
      const json& v = (*err)[key];
      return v.is_string() ? v.get<std::string>()
                           : v.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    throw ChannelError(Kind::kErrorReply, fmt::format("the endpoint answered an error: {}: {}",
                                                      part("code"), part("message").substr(0, 500)));
  }
  return reply;
}

}  // namespace collab::bridge
