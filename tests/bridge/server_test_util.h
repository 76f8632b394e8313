// Helpers shared by the server tests (tests/bridge/server_test.cpp, server_hardening_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bridge/client.h"
#include "bridge/codec.h"
#include "bridge/server.h"
#include "env/registry.h"
#include "tasks/register_all.h"

namespace collab::bridge::test {

inline const Registry& quiet(const Registry& r) {
  spdlog::set_level(spdlog::level::warn);
  return r;
}

// A server on its own thread for the duration of a test.
class Running {
 public:
  explicit Running(ServerOptions o) : server_(quiet(tasks::builtin_registry()), std::move(o)) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return server_.endpoints().at(0); }
  Server& server() { return server_; }

 private:
  Server server_;
  std::thread thread_;
};

inline ServerOptions opts(const std::string& bind = "tcp://127.0.0.1:0") {
  ServerOptions o;
  o.binds = {bind};
  o.threads = 2;
  return o;
}

inline std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RemoteError& e) {
    return e.code();
  }
  return "no error";
}

// A body packed by hand, for provoking errors the typed client cannot produce.
inline std::string body(const nlohmann::json& j) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pack_json(pk, j);
  return std::string(buf.data(), buf.size());
}

}  // namespace collab::bridge::test
