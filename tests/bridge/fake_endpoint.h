// A fake ZeroMQ endpoint for tests of the C++ clients of agent and user endpoints: a ROUTER on
// its own thread that decodes each request to JSON and sends back the bytes `handle` returns
// (usually `reply(req, fields)`: a successful reply with those fields; anything else to test how
// clients take garbage). Stops and joins on destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "bridge/codec.h"

namespace collab::testing {

class FakeEndpoint {
 public:
  using Handler = std::function<std::string(const nlohmann::json& request)>;

  FakeEndpoint(std::string endpoint, Handler handle)
      : endpoint_(std::move(endpoint)), handle_(std::move(handle)) {
    sock_.set(zmq::sockopt::linger, 0);
    sock_.bind(endpoint_);
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeEndpoint() {
    stop_ = true;
    thread_.join();
  }
  FakeEndpoint(const FakeEndpoint&) = delete;
  FakeEndpoint& operator=(const FakeEndpoint&) = delete;

  const std::string& endpoint() const { return endpoint_; }

  // `{v: 1, id: <the request's>, ok: true}` plus `fields`, packed.
  static std::string reply(const nlohmann::json& request, const nlohmann::json& fields) {
    nlohmann::json out = {{"v", 1}, {"id", request["id"]}, {"ok", true}};
    for (const auto& [k, v] : fields.items()) out[k] = v;
    return pack(out);
  }
  static std::string pack(const nlohmann::json& message) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    bridge::pack_json(pk, message);
    return {buf.data(), buf.size()};
  }

 private:
  void loop() {
    while (!stop_) {
      zmq::pollitem_t item{static_cast<void*>(sock_), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(20)) <= 0) continue;
      std::vector<zmq::message_t> frames;  // routing id(s), then the request
      while (true) {
        zmq::message_t m;
        if (!sock_.recv(m)) break;
        const bool more = m.more();
        frames.push_back(std::move(m));
        if (!more) break;
      }
      const auto oh =
          msgpack::unpack(static_cast<const char*>(frames.back().data()), frames.back().size());
      const std::string raw = handle_(bridge::to_json(oh.get()));
      for (size_t f = 0; f + 1 < frames.size(); ++f)
        sock_.send(frames[f], zmq::send_flags::sndmore);
      sock_.send(zmq::buffer(raw), zmq::send_flags::none);
    }
  }

  zmq::context_t ctx_{1};
  zmq::socket_t sock_{ctx_, zmq::socket_type::router};
  std::string endpoint_;
  Handler handle_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace collab::testing
