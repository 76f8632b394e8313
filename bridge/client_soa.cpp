// The Client's structure-of-arrays batches (capability "soa", docs/throughput.md): one request per
// batch, one contiguous block per field in the reply, decoded into a SoaBatch without a copy per
// environment. The Client's plain ops are in client.cpp.
#include "bridge/client_soa.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bridge/client.h"
#include "bridge/codec.h"
#include "bridge/curve.h"

namespace collab::bridge {

using Packer = msgpack::packer<msgpack::sbuffer>;

// ---- structure-of-arrays batches ----

static_assert(std::endian::native == std::endian::little, "SoA blocks are little-endian");

namespace {

// A bin field of `o` of exactly `bytes` bytes (nullptr when absent and not `required`).
const msgpack::object* soa_bin(const msgpack::object& o, std::string_view key, size_t bytes,
                               bool required = true) {
  const auto* v = find_key(o, key);
  if (v == nullptr && !required) return nullptr;
  if (v == nullptr || v->type != msgpack::type::BIN || v->via.bin.size != bytes) {
    throw RemoteError("malformed", "SoA reply: '" + std::string(key) + "' is not a bin of " +
                                       std::to_string(bytes) + " bytes");
  }
  return v;
}

size_t soa_uint(const msgpack::object& o, std::string_view key) {
  const auto* v = find_key(o, key);
  if (v == nullptr || v->type != msgpack::type::POSITIVE_INTEGER) {
    throw RemoteError("malformed", "SoA reply: '" + std::string(key) + "' is not an integer");
  }
  return static_cast<size_t>(v->via.u64);
}

void copy_bin(uint8_t* dst, const msgpack::object* bin) {
  if (bin != nullptr && bin->via.bin.size > 0)
    std::memcpy(dst, bin->via.bin.ptr, bin->via.bin.size);
}

void pack_soa_header(Packer& pk, uint64_t id, const char* op, const char* items, size_t n) {
  detail::pack_header(pk, id, op, 2);
  pack_str(pk, "layout");
  pack_str(pk, "soa");
  pack_str(pk, items);
  pk.pack_array(static_cast<uint32_t>(n));
}

// The info columns as JSON: one array per field, nested as the per-session info.
nlohmann::json soa_info_json(const msgpack::object* info, const msgpack::object* types, size_t n) {
  nlohmann::json out = nlohmann::json::object();
  if (info == nullptr || types == nullptr || types->type != msgpack::type::MAP) return out;
  for (uint32_t c = 0; c < types->via.map.size; ++c) {
    const auto& kv = types->via.map.ptr[c];
    if (kv.key.type != msgpack::type::STR || kv.val.type != msgpack::type::STR) continue;
    const std::string path(kv.key.via.str.ptr, kv.key.via.str.size);
    const std::string_view type(kv.val.via.str.ptr, kv.val.via.str.size);
    const msgpack::object* col = info;
    std::string pointer;
    for (size_t at = 0; col != nullptr && at <= path.size();) {
      const size_t dot = std::min(path.find('.', at), path.size());
      const std::string key = path.substr(at, dot - at);
      col = find_key(*col, key);
      pointer += "/" + key;
      at = dot + 1;
    }
    if (col == nullptr) continue;
    nlohmann::json arr = nlohmann::json::array();
    if (type == "list") {
      arr = to_json(*col);
    } else if (col->type == msgpack::type::BIN) {
      const char* p = col->via.bin.ptr;
      const size_t width = type == "bool" ? 1 : 8;
      if (col->via.bin.size != width * n) continue;
      for (size_t i = 0; i < n; ++i, p += width) {
        if (type == "float64") {
          double v;
          std::memcpy(&v, p, 8);
          arr.push_back(std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
        } else if (type == "int64") {
          int64_t v;
          std::memcpy(&v, p, 8);
          arr.push_back(v);
        } else {
          arr.push_back(*p != 0);
        }
      }
    }
    out[nlohmann::json::json_pointer(pointer)] = std::move(arr);
  }
  return out;
}

}  // namespace

namespace detail {

SoaOffsets soa_layout(SoaBatch& out, size_t n) {
  SoaOffsets o{};
  size_t at = 0;
  const auto take = [&at](size_t bytes) {
    const size_t here = at;
    at += (bytes + 7) / 8 * 8;
    return here;
  };
  o.ok = take(n);
  o.features = take(4 * n * out.num_features);
  o.act_features =
      take(out.has_act_features ? 4 * n * out.num_acts * out.num_act_features : size_t{0});
  o.mask = take(n * out.num_acts);
  o.turn = take(4 * n);
  o.reward = take(8 * n);
  o.terminated = take(n);
  o.truncated = take(n);
  o.seed = take(8 * n);
  o.total = at;
  if (out.bytes_.size() < at) out.bytes_.resize(at);
  uint8_t* b = out.bytes_.data();
  out.n = n;
  out.item_ok = {b + o.ok, n};
  out.features = {reinterpret_cast<const float*>(b + o.features), n * out.num_features};
  out.act_features = {reinterpret_cast<const float*>(b + o.act_features),
                      out.has_act_features ? n * out.num_acts * out.num_act_features : 0};
  out.action_mask = {b + o.mask, n * out.num_acts};
  out.turn = {reinterpret_cast<const int32_t*>(b + o.turn), n};
  out.reward = {reinterpret_cast<const double*>(b + o.reward), n};
  out.terminated = {b + o.terminated, n};
  out.truncated = {b + o.truncated, n};
  out.seed = {reinterpret_cast<const uint64_t*>(b + o.seed), n};
  return o;
}

void pack_reset_items(Packer& pk, std::span<const std::string> sessions,
                      std::span<const uint64_t> seeds) {
  for (size_t i = 0; i < sessions.size(); ++i) {
    pk.pack_map(seeds.empty() ? 1 : 2);
    pack_str(pk, "session");
    pack_str(pk, sessions[i]);
    if (!seeds.empty()) {
      pack_str(pk, "seed");
      pk.pack_uint64(seeds[i]);
    }
  }
}

}  // namespace detail

const nlohmann::json& SoaBatch::info() const {
  if (!info_cache_) {
    info_cache_ = info_fn_ ? info_fn_() : soa_info_json(info_object_, info_types_, n);
  }
  return *info_cache_;
}

uint64_t Client::send_step_many_soa(std::span<const std::string> sessions,
                                    std::span<const WireAction> actions) {
  if (sessions.size() != actions.size()) {
    throw RemoteError("invalid_action", "step_many_soa: " + std::to_string(actions.size()) +
                                            " actions for " + std::to_string(sessions.size()) +
                                            " sessions");
  }
  const uint64_t id = next_id();
  msgpack::sbuffer buf(64 + sessions.size() * 56);
  Packer pk(buf);
  pack_soa_header(pk, id, "step_many", "steps", sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    pk.pack_map(2);
    pack_str(pk, "session");
    pack_str(pk, sessions[i]);
    pack_str(pk, "action");
    pack_action(pk, actions[i]);
  }
  send_body(buf);
  return id;
}

uint64_t Client::send_reset_many_soa(std::span<const std::string> sessions,
                                     std::span<const uint64_t> seeds) {
  if (!seeds.empty() && seeds.size() != sessions.size()) {
    throw RemoteError("invalid_option", "reset_many_soa: " + std::to_string(seeds.size()) +
                                            " seeds for " + std::to_string(sessions.size()) +
                                            " sessions; expected one per session or none");
  }
  const uint64_t id = next_id();
  msgpack::sbuffer buf(64 + sessions.size() * 64);
  Packer pk(buf);
  pack_soa_header(pk, id, "reset_many", "resets", sessions.size());
  detail::pack_reset_items(pk, sessions, seeds);
  send_body(buf);
  return id;
}

void Client::receive_soa(uint64_t id, const char* op, SoaBatch& out) {
  auto h = std::make_shared<const msgpack::object_handle>(std::move(receive(op, {id}).front()));
  check_ok(*h);
  const msgpack::object& o = h->get();
  const auto* layout = find_key(o, "layout");
  if (layout == nullptr || layout->type != msgpack::type::STR ||
      std::string_view(layout->via.str.ptr, layout->via.str.size) != "soa") {
    throw RemoteError("malformed", std::string(op) +
                                       ": the reply is not in SoA form (does the server offer "
                                       "capability 'soa', protocol 1.4?)");
  }
  const size_t n = soa_uint(o, "n");
  out.num_features = soa_uint(o, "num_features");
  out.num_acts = soa_uint(o, "num_acts");
  out.has_act_features = find_key(o, "num_act_features") != nullptr;
  out.num_act_features = out.has_act_features ? soa_uint(o, "num_act_features") : 0;
  const detail::SoaOffsets off = detail::soa_layout(out, n);
  uint8_t* b = out.bytes_.data();
  copy_bin(b + off.ok, soa_bin(o, "item_ok", n));
  copy_bin(b + off.features, soa_bin(o, "features", 4 * n * out.num_features));
  if (out.has_act_features) {
    copy_bin(b + off.act_features,
             soa_bin(o, "act_features", 4 * n * out.num_acts * out.num_act_features));
  }
  copy_bin(b + off.mask, soa_bin(o, "action_mask", n * out.num_acts));
  copy_bin(b + off.turn, soa_bin(o, "turn", 4 * n));
  const bool step = find_key(o, "reward") != nullptr;
  if (step) {
    copy_bin(b + off.reward, soa_bin(o, "reward", 8 * n));
    copy_bin(b + off.terminated, soa_bin(o, "terminated", n));
    copy_bin(b + off.truncated, soa_bin(o, "truncated", n));
    std::memset(b + off.seed, 0, 8 * n);
  } else {
    std::memset(b + off.reward, 0, off.seed - off.reward);
    copy_bin(b + off.seed, soa_bin(o, "seed", 8 * n));
  }
  const auto* text = find_key(o, "text");
  if (text == nullptr || text->type != msgpack::type::ARRAY || text->via.array.size != n) {
    throw RemoteError("malformed", "SoA reply: 'text' is not a list of n items");
  }
  out.text.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = text->via.array.ptr[i];
    out.text[i] = t.type == msgpack::type::STR ? std::string_view(t.via.str.ptr, t.via.str.size)
                                               : std::string_view();
  }
  out.errors.clear();
  if (const auto* errors = find_key(o, "errors"); errors && errors->type == msgpack::type::ARRAY) {
    for (uint32_t k = 0; k < errors->via.array.size; ++k) {
      const auto j = to_json(errors->via.array.ptr[k]);
      out.errors.emplace_back(j.value("index", size_t{0}),
                              RemoteError(j.value("code", "internal"), j.value("message", "")));
    }
  }
  out.info_object_ = find_key(o, "info");
  out.info_types_ = find_key(o, "info_types");
  out.info_fn_ = nullptr;
  out.info_cache_.reset();
  out.reply_ = std::move(h);
}

void Client::step_many_soa(std::span<const std::string> sessions,
                           std::span<const WireAction> actions, SoaBatch& out) {
  receive_soa(send_step_many_soa(sessions, actions), "step_many", out);
}

void Client::reset_many_soa(std::span<const std::string> sessions, std::span<const uint64_t> seeds,
                            SoaBatch& out) {
  receive_soa(send_reset_many_soa(sessions, seeds), "reset_many", out);
}

bool Client::offers_soa() {
  if (!offers_soa_) {
    const auto h = hello();
    const auto caps = h.value("capabilities", nlohmann::json::array());
    offers_soa_ = h.value("protocol_minor", 0) >= 4 &&
                  std::find(caps.begin(), caps.end(), "soa") != caps.end();
  }
  return *offers_soa_;
}

}  // namespace collab::bridge
