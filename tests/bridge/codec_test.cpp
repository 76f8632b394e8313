#include "bridge/codec.h"

#include <gtest/gtest.h>

#include "bridge/server.h"

namespace collab::bridge {
namespace {

TEST(Codec, JsonRoundTripsThroughMessagePack) {
  const nlohmann::json j = {{"a", 1},       {"b", -2},   {"c", 2.5},         {"d", "text"},
                            {"e", nullptr}, {"f", true}, {"g", {1, 2, {3}}}, {"h", {{"x", "y"}}}};
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pack_json(pk, j);
  auto h = msgpack::unpack(buf.data(), buf.size());
  EXPECT_EQ(to_json(h.get()), j);
}

TEST(Codec, DeepNestingIsRefused) {
  nlohmann::json j = 1;
  for (int i = 0; i < kMaxDepth + 5; ++i) j = nlohmann::json::array({j});
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pack_json(pk, j);
  auto h = msgpack::unpack(buf.data(), buf.size());
  EXPECT_THROW(to_json(h.get()), std::invalid_argument);
}

TEST(Codec, ActionsEncodeAsProtocolSays) {
  auto encoded = [](const WireAction& a) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pack_action(pk, a);
    return to_json(msgpack::unpack(buf.data(), buf.size()).get());
  };
  EXPECT_EQ(encoded(WireAction::of_act(3)), 3);
  EXPECT_EQ(encoded(WireAction::of_text("hi")), "hi");
  EXPECT_EQ(encoded(WireAction{4, "hey"}), (nlohmann::json{{"act", 4}, {"text", "hey"}}));
}

TEST(Endpoints, LoopbackDetection) {
  EXPECT_TRUE(is_loopback_endpoint("tcp://127.0.0.1:5555"));
  EXPECT_TRUE(is_loopback_endpoint("tcp://127.0.0.2:1"));
  EXPECT_TRUE(is_loopback_endpoint("tcp://localhost:5555"));
  EXPECT_TRUE(is_loopback_endpoint("tcp://[::1]:5555"));
  EXPECT_TRUE(is_loopback_endpoint("ipc:///tmp/x.sock"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://0.0.0.0:5555"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://*:5555"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://10.0.0.1:5555"));
  EXPECT_FALSE(is_loopback_endpoint("udp://127.0.0.1:5555"));
}

}  // namespace
}  // namespace collab::bridge
