#include "bridge/codec.h"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace collab::bridge {

void pack_str(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void pack_float64(msgpack::packer<msgpack::sbuffer>& pk, double v) {
  char buf[9];
  buf[0] = static_cast<char>(0xcb);
  auto bits = std::bit_cast<uint64_t>(v);
  for (int i = 8; i >= 1; --i, bits >>= 8) buf[i] = static_cast<char>(bits & 0xff);  // big-endian
  // The packer has no float64 without the integer shortcut; a *_body call appends raw bytes.
  pk.pack_bin_body(buf, sizeof buf);
}

void pack_json(msgpack::packer<msgpack::sbuffer>& pk, const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      pk.pack_nil();
      break;
    case nlohmann::json::value_t::boolean:
      j.get<bool>() ? pk.pack_true() : pk.pack_false();
      break;
    case nlohmann::json::value_t::number_integer:
      pk.pack_int64(j.get<int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      pk.pack_uint64(j.get<uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      pack_float64(pk, j.get<double>());
      break;
    case nlohmann::json::value_t::string:
      pack_str(pk, j.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::array:
      pk.pack_array(static_cast<uint32_t>(j.size()));
      for (const auto& x : j) pack_json(pk, x);
      break;
    case nlohmann::json::value_t::object:
      pk.pack_map(static_cast<uint32_t>(j.size()));
      for (const auto& [k, v] : j.items()) {
        pack_str(pk, k);
        pack_json(pk, v);
      }
      break;
    case nlohmann::json::value_t::binary: {
      const auto& b = j.get_binary();
      pk.pack_bin(static_cast<uint32_t>(b.size()));
      pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
      break;
    }
    case nlohmann::json::value_t::discarded:
      pk.pack_nil();
      break;
  }
}

nlohmann::json to_json(const msgpack::object& o, int depth_left) {
  if (depth_left <= 0) throw std::invalid_argument("nested too deeply");
  switch (o.type) {
    case msgpack::type::NIL:
      return nullptr;
    case msgpack::type::BOOLEAN:
      return o.via.boolean;
    case msgpack::type::POSITIVE_INTEGER:
      return o.via.u64;
    case msgpack::type::NEGATIVE_INTEGER:
      return o.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return o.via.f64;
    case msgpack::type::STR:
      return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::BIN: {
      nlohmann::json arr = nlohmann::json::array();
      for (uint32_t i = 0; i < o.via.bin.size; ++i)
        arr.push_back(static_cast<uint8_t>(o.via.bin.ptr[i]));
      return arr;
    }
    case msgpack::type::ARRAY: {
      nlohmann::json arr = nlohmann::json::array();
      for (uint32_t i = 0; i < o.via.array.size; ++i)
        arr.push_back(to_json(o.via.array.ptr[i], depth_left - 1));
      return arr;
    }
    case msgpack::type::MAP: {
      nlohmann::json obj = nlohmann::json::object();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR)
          throw std::invalid_argument("map keys must be strings");
        obj[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = to_json(kv.val, depth_left - 1);
      }
      return obj;
    }
    case msgpack::type::EXT:
      throw std::invalid_argument("extension types are not used");
  }
  throw std::invalid_argument("unknown MessagePack type");
}

void pack_action(msgpack::packer<msgpack::sbuffer>& pk, const WireAction& a) {
  if (a.act && a.text.empty()) {
    pk.pack_int32(*a.act);
  } else if (!a.act) {
    pack_str(pk, a.text);
  } else {
    pk.pack_map(2);
    pack_str(pk, "act");
    pk.pack_int32(*a.act);
    pack_str(pk, "text");
    pack_str(pk, a.text);
  }
}

const msgpack::object* find_key(const msgpack::object& o, std::string_view key) {
  if (o.type != msgpack::type::MAP) return nullptr;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
      return &kv.val;
    }
  }
  return nullptr;
}

std::string_view type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "bool";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
      return "int";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "float";
    case msgpack::type::STR:
      return "str";
    case msgpack::type::BIN:
      return "bin";
    case msgpack::type::ARRAY:
      return "array";
    case msgpack::type::MAP:
      return "map";
    case msgpack::type::EXT:
      return "ext";
  }
  return "?";
}

const nlohmann::json& WireStep::info() const {
  if (!info_cache)
    info_cache = info_object != nullptr ? to_json(*info_object) : nlohmann::json::object();
  return *info_cache;
}

WireObservation decode_observation(const msgpack::object& o) {
  WireObservation w;
  const auto* text = find_key(o, "text");
  const auto* feats = find_key(o, "features");
  const auto* mask = find_key(o, "action_mask");
  const auto* turn = find_key(o, "turn");
  if (!text || text->type != msgpack::type::STR || !feats || feats->type != msgpack::type::BIN ||
      !mask || mask->type != msgpack::type::BIN || !turn ||
      turn->type != msgpack::type::POSITIVE_INTEGER || feats->via.bin.size % 4 != 0) {
    throw std::invalid_argument(
        "obs: expected {text: str, features: bin, action_mask: bin, turn: int}");
  }
  w.text.assign(text->via.str.ptr, text->via.str.size);
  w.features.resize(feats->via.bin.size / 4);
  if (feats->via.bin.size > 0) {  // (an empty bin may carry a null pointer)
    std::memcpy(w.features.data(), feats->via.bin.ptr, feats->via.bin.size);  // little-endian
  }
  w.action_mask.assign(mask->via.bin.ptr, mask->via.bin.ptr + mask->via.bin.size);
  w.turn = static_cast<int>(turn->via.u64);
  if (const auto* af = find_key(o, "act_features")) {
    const size_t row_bytes = 4 * w.action_mask.size();
    if (af->type != msgpack::type::BIN ||
        (row_bytes == 0 ? af->via.bin.size != 0 : af->via.bin.size % row_bytes != 0)) {
      throw std::invalid_argument(
          "obs.act_features: expected bin of 4*A*K bytes (A = length of action_mask)");
    }
    w.act_features.resize(af->via.bin.size / 4);
    if (af->via.bin.size > 0) {
      std::memcpy(w.act_features.data(), af->via.bin.ptr, af->via.bin.size);
    }
    w.has_act_features = true;
  }
  return w;
}

}  // namespace collab::bridge
