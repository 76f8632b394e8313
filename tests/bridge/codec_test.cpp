#include "bridge/codec.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

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

// An obs map packed by hand: text, features, action_mask, turn, and act_features if given.
msgpack::object_handle packed_obs(const std::vector<uint8_t>& mask,
                                  const std::optional<std::vector<float>>& act_features) {
  auto buf = std::make_shared<msgpack::sbuffer>();
  msgpack::packer<msgpack::sbuffer> pk(*buf);
  pk.pack_map(act_features ? 5 : 4);
  pack_str(pk, "text");
  pack_str(pk, "hi");
  pack_str(pk, "features");
  const float f[2] = {1.5f, -2};
  pk.pack_bin(sizeof f);
  pk.pack_bin_body(reinterpret_cast<const char*>(f), sizeof f);
  pack_str(pk, "action_mask");
  pk.pack_bin(static_cast<uint32_t>(mask.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(mask.data()), static_cast<uint32_t>(mask.size()));
  pack_str(pk, "turn");
  pk.pack_int32(4);
  if (act_features) {
    pack_str(pk, "act_features");
    const auto bytes = static_cast<uint32_t>(act_features->size() * sizeof(float));
    pk.pack_bin(bytes);
    pk.pack_bin_body(reinterpret_cast<const char*>(act_features->data()), bytes);
  }
  return msgpack::unpack(buf->data(), buf->size());
}

TEST(Codec, ObservationsDecodeActFeaturesOnlyWhenPresent) {
  const WireObservation v1 = decode_observation(packed_obs({1, 0, 1}, std::nullopt).get());
  EXPECT_EQ(v1.features, (std::vector<float>{1.5f, -2}));
  EXPECT_FALSE(v1.has_act_features);
  EXPECT_TRUE(v1.act_features.empty());
  const std::vector<float> af{1, 2, 3, 4, 5, 6};  // A = 3, K = 2
  const WireObservation v2 = decode_observation(packed_obs({1, 0, 1}, af).get());
  EXPECT_TRUE(v2.has_act_features);
  EXPECT_EQ(v2.act_features, af);
  EXPECT_EQ(v2.num_act_features(), 2u);
  const WireObservation k0 = decode_observation(packed_obs({1, 0, 1}, std::vector<float>{}).get());
  EXPECT_TRUE(k0.has_act_features);
  EXPECT_EQ(k0.num_act_features(), 0u);
  // 4 values are not a whole number of rows of 3 acts.
  EXPECT_THROW(decode_observation(packed_obs({1, 0, 1}, std::vector<float>{1, 2, 3, 4}).get()),
               std::invalid_argument);
}

// Floats are float64 on the wire, whole numbers and JSON floats included (msgpack-c's pack_double
// packs 2.0 as the integer 2).
TEST(Codec, FloatsPackAsFloat64EvenWhenWhole) {
  for (const double x : {2.0, 0.0, -3.0, 0.5, 1e300}) {
    msgpack::sbuffer b;
    msgpack::packer<msgpack::sbuffer> pk(b);
    pack_float64(pk, x);
    ASSERT_EQ(b.size(), 9u);
    EXPECT_EQ(static_cast<unsigned char>(b.data()[0]), 0xcb);
    const auto h = msgpack::unpack(b.data(), b.size());
    EXPECT_EQ(h.get().type, msgpack::type::FLOAT64);
    EXPECT_EQ(h.get().via.f64, x);
  }
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk(b);
  pack_json(pk, {{"whole", 1.0}, {"int", 1}});
  const auto h = msgpack::unpack(b.data(), b.size());
  EXPECT_EQ(find_key(h.get(), "whole")->type, msgpack::type::FLOAT64);
  EXPECT_EQ(find_key(h.get(), "int")->type, msgpack::type::POSITIVE_INTEGER);
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
  // Names that merely start like a loopback address (issue 15).
  EXPECT_FALSE(is_loopback_endpoint("tcp://127.evil.example:5555"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://127.0.0.1.nip.io:5555"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://127.0.0.256:5555"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://127..0.1:5555"));
  EXPECT_FALSE(is_loopback_endpoint("tcp://127.0.0:5555"));
  EXPECT_TRUE(is_loopback_endpoint("tcp://127.255.255.254:5555"));
}

}  // namespace
}  // namespace collab::bridge
