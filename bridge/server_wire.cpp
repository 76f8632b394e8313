#include "bridge/server_wire.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "bridge/codec.h"
#include "env/error.h"
#include "env/step_info.h"

namespace collab::bridge::detail {

void fail(ErrorCode code, std::string message) { throw RequestError{code, std::move(message)}; }

RequestError classify(const std::exception& e) {
  if (dynamic_cast<const InvalidAction*>(&e)) return {ErrorCode::kInvalidAction, e.what()};
  if (dynamic_cast<const ResetNeeded*>(&e)) return {ErrorCode::kResetNeeded, e.what()};
  if (dynamic_cast<const UnknownTask*>(&e)) return {ErrorCode::kUnknownEnv, e.what()};
  if (dynamic_cast<const InvalidOption*>(&e)) return {ErrorCode::kInvalidOption, e.what()};
  if (dynamic_cast<const ScenarioError*>(&e)) return {ErrorCode::kInvalidOption, e.what()};
  return {ErrorCode::kInternal, e.what()};
}

// ---- text ---------------------------------------------------------------------------------

size_t utf8_valid_prefix(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;  // no overlongs
      if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      const auto ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xbf) return i;
    }
    i += len;
  }
  return n;
}

namespace {

void check_utf8_at(const msgpack::object& o, std::string& where) {
  switch (o.type) {
    case msgpack::type::STR: {
      const std::string_view s(o.via.str.ptr, o.via.str.size);
      if (const size_t ok = utf8_valid_prefix(s); ok != s.size()) {
        fail(ErrorCode::kMalformed,
             fmt::format("{}: a string that is not UTF-8 (byte {} is 0x{:02x}); every string on "
                         "the wire MUST be UTF-8",
                         where.empty() ? "body" : where, ok, static_cast<unsigned char>(s[ok])));
      }
      break;
    }
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        const size_t n = where.size();
        where += fmt::format("[{}]", i);
        check_utf8_at(o.via.array.ptr[i], where);
        where.resize(n);
      }
      break;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        check_utf8_at(kv.key, where);  // a bad key is reported at its map
        const size_t n = where.size();
        if (n > 0) where.push_back('.');
        if (kv.key.type == msgpack::type::STR && kv.key.via.str.size <= 64) {
          where.append(kv.key.via.str.ptr, kv.key.via.str.size);
        } else {
          where.append(fmt::format("<key {}>", i));
        }
        check_utf8_at(kv.val, where);
        where.resize(n);
      }
      break;
    default:
      break;
  }
}

}  // namespace

void check_utf8(const msgpack::object& o) {
  std::string where;
  check_utf8_at(o, where);
}

std::string quote_client_text(std::string_view s, size_t max_bytes) {
  std::string out = "'";
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    const size_t ok = utf8_valid_prefix(s.substr(i, std::min(s.size() - i, max_bytes - i)));
    if (ok > 0) {
      out.append(s.substr(i, ok));
      i += ok;
    } else if (utf8_valid_prefix(s.substr(i, std::min<size_t>(4, s.size() - i))) > 0) {
      break;  // a whole character that does not fit in max_bytes
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
    }
  }
  out += "'";
  if (i < s.size()) out += fmt::format(" (first {} of {} bytes)", i, s.size());
  return out;
}

// ---- decoding request fields --------------------------------------------------------------

const msgpack::object& require(const msgpack::object& req, std::string_view key) {
  const auto* v = find_key(req, key);
  if (v == nullptr) fail(ErrorCode::kMissingField, fmt::format("field '{}' is required", key));
  return *v;
}

std::string require_str(const msgpack::object& req, std::string_view key) {
  const auto& v = require(req, key);
  if (v.type != msgpack::type::STR) {
    fail(ErrorCode::kWrongType, fmt::format("field '{}': expected str, got {}", key, type_name(v)));
  }
  return std::string(v.via.str.ptr, v.via.str.size);
}

nlohmann::json optional_options(const msgpack::object& req) {
  const auto* v = find_key(req, "options");
  if (v == nullptr || v->type == msgpack::type::NIL) return nlohmann::json::object();
  if (v->type != msgpack::type::MAP) {
    fail(ErrorCode::kWrongType,
         fmt::format("field 'options': expected map, got {}", type_name(*v)));
  }
  // Real-valued options are finite: JSON has no NaN or infinity (the option layer would print
  // them as null). Names and string values are short (the option layer quotes them whole and
  // looks for near names).
  for (uint32_t i = 0; i < v->via.map.size; ++i) {
    const auto& kv = v->via.map.ptr[i];
    const auto key = [&kv] {
      return kv.key.type == msgpack::type::STR
                 ? quote_client_text({kv.key.via.str.ptr, kv.key.via.str.size})
                 : fmt::format("<{} key>", type_name(kv.key));
    };
    if (kv.key.type == msgpack::type::STR && kv.key.via.str.size > kMaxOptionName) {
      fail(ErrorCode::kInvalidOption,
           fmt::format("option {}: expected a name of at most {} bytes", key(), kMaxOptionName));
    }
    if (kv.val.type == msgpack::type::STR && kv.val.via.str.size > kMaxOptionText) {
      fail(ErrorCode::kInvalidOption,
           fmt::format("option {} = {}: expected a string of at most {} bytes", key(),
                       quote_client_text({kv.val.via.str.ptr, kv.val.via.str.size}),
                       kMaxOptionText));
    }
    if ((kv.val.type == msgpack::type::FLOAT32 || kv.val.type == msgpack::type::FLOAT64) &&
        !std::isfinite(kv.val.via.f64)) {
      fail(ErrorCode::kInvalidOption,
           fmt::format("option {} = {}: expected a finite number", key(), kv.val.via.f64));
    }
  }
  try {
    return to_json(*v);
  } catch (const std::invalid_argument& e) {
    fail(ErrorCode::kWrongType, fmt::format("field 'options': {}", e.what()));
  }
}

bool optional_bool(const msgpack::object& req, std::string_view key) {
  const auto* v = find_key(req, key);
  if (v == nullptr || v->type == msgpack::type::NIL) return false;
  if (v->type != msgpack::type::BOOLEAN) {
    fail(ErrorCode::kWrongType,
         fmt::format("field '{}': expected bool, got {}", key, type_name(*v)));
  }
  return v->via.boolean;
}

Action decode_action(const msgpack::object& v, std::string_view where) {
  switch (v.type) {
    case msgpack::type::POSITIVE_INTEGER:
      if (v.via.u64 > static_cast<uint64_t>(INT32_MAX)) {
        fail(ErrorCode::kInvalidAction,
             fmt::format("{}: act {} is out of range", where, v.via.u64));
      }
      return Action::from_act(static_cast<int32_t>(v.via.u64));
    case msgpack::type::NEGATIVE_INTEGER:
      fail(ErrorCode::kInvalidAction,
           fmt::format("{}: act {} is out of range; expected an index >= 0", where, v.via.i64));
    case msgpack::type::STR:
      return Action::from_text(std::string(v.via.str.ptr, v.via.str.size));
    case msgpack::type::MAP: {
      Action a;
      const auto* act = find_key(v, "act");
      const auto* text = find_key(v, "text");
      if (act == nullptr && text == nullptr) {
        fail(ErrorCode::kInvalidAction,
             fmt::format("{}: empty action; a map action needs 'act' or 'text'", where));
      }
      if (act != nullptr) {
        if (act->type != msgpack::type::POSITIVE_INTEGER &&
            act->type != msgpack::type::NEGATIVE_INTEGER) {
          fail(ErrorCode::kWrongType,
               fmt::format("{}.act: expected int, got {}", where, type_name(*act)));
        }
        a.act = decode_action(*act, where).act;
      }
      if (text != nullptr) {
        if (text->type != msgpack::type::STR) {
          fail(ErrorCode::kWrongType,
               fmt::format("{}.text: expected str, got {}", where, type_name(*text)));
        }
        a.text.assign(text->via.str.ptr, text->via.str.size);
      }
      return a;
    }
    default:
      fail(ErrorCode::kWrongType,
           fmt::format("{}: expected int (act), str (text) or map {{act, text}}, got {}", where,
                       type_name(v)));
  }
}

namespace {

void pack_floats(Packer& pk, const std::vector<float>& v) {
  const auto bytes = static_cast<uint32_t>(v.size() * sizeof(float));
  pk.pack_bin(bytes);
  pk.pack_bin_body(reinterpret_cast<const char*>(v.data()), bytes);  // little-endian hosts
}

// Packs StepInfo as visit_step_info lists it (the list Env::info_json is built from, so the wire
// and in-process info cannot drift apart). Checks that every map holds as many fields as its
// declared size, so a field added without its count throws instead of corrupting the reply.
class InfoPacker {
 public:
  explicit InfoPacker(Packer& pk) : pk_(pk) {}

  void field(std::string_view key, std::optional<std::string_view> v) {
    begin(key);
    if (v)
      pack_str(pk_, *v);
    else
      pk_.pack_nil();
  }
  void field(std::string_view key, std::optional<int64_t> v) {
    begin(key);
    if (v)
      pk_.pack_int64(*v);
    else
      pk_.pack_nil();
  }
  void field(std::string_view key, std::optional<double> v) {
    begin(key);
    if (v)
      pack_float64(pk_, *v);
    else
      pk_.pack_nil();
  }
  void field(std::string_view key, std::string_view v) {
    begin(key);
    pack_str(pk_, v);
  }
  void field(std::string_view key, int64_t v) {
    begin(key);
    pk_.pack_int64(v);
  }
  void field(std::string_view key, double v) {
    begin(key);
    pack_float64(pk_, v);
  }
  void field(std::string_view key, bool v) {
    begin(key);
    v ? pk_.pack_true() : pk_.pack_false();
  }
  template <class F>
  void map(std::string_view key, int size, F&& body) {
    begin(key);
    pk_.pack_map(static_cast<uint32_t>(size));
    const int outer = count_;
    count_ = 0;
    body();
    expect(key, size);
    count_ = outer;
  }

  static void pack(Packer& pk, const Task& task, const StepInfo& info) {
    pk.pack_map(static_cast<uint32_t>(step_info_fields(info)));
    InfoPacker w(pk);
    visit_step_info(task, info, w);
    w.expect("info", step_info_fields(info));
  }

 private:
  void begin(std::string_view key) {
    ++count_;
    pack_str(pk_, key);
  }
  void expect(std::string_view where, int size) const {
    if (count_ != size) {
      throw std::logic_error(
          fmt::format("{}: visit_step_info packed {} fields, declared {}", where, count_, size));
    }
  }

  Packer& pk_;
  int count_ = 0;
};

}  // namespace

// ---- encoding replies -----------------------------------------------------------------------

void put(Packer& pk, std::string_view key, double v) {
  pack_str(pk, key);
  pack_float64(pk, v);
}
void put(Packer& pk, std::string_view key, uint64_t v) {
  pack_str(pk, key);
  pk.pack_uint64(v);
}

// The obs map: {text, features, action_mask, turn}, plus act_features (A*K float32, row-major)
// for sessions that asked for them.
void pack_obs(Packer& pk, const Observation& o, bool act_features) {
  pk.pack_map(act_features ? 5 : 4);
  pack_str(pk, "text");
  pack_str(pk, o.text);
  pack_str(pk, "features");
  pack_floats(pk, o.features);
  if (act_features) {
    pack_str(pk, "act_features");
    pack_floats(pk, o.act_features);
  }
  pack_str(pk, "action_mask");
  pk.pack_bin(static_cast<uint32_t>(o.action_mask.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(o.action_mask.data()),
                   static_cast<uint32_t>(o.action_mask.size()));
  pack_str(pk, "turn");
  pk.pack_int32(o.turn);
}

void pack_step_fields(Packer& pk, const Task& task, const StepResult& r, bool act_features) {
  pack_str(pk, "obs");
  pack_obs(pk, r.obs, act_features);
  pack_str(pk, "reward");
  pack_float64(pk, r.reward);
  pack_str(pk, "terminated");
  r.terminated ? pk.pack_true() : pk.pack_false();
  pack_str(pk, "truncated");
  r.truncated ? pk.pack_true() : pk.pack_false();
  pack_str(pk, "info");
  InfoPacker::pack(pk, task, r.info);
}

void pack_error_map(Packer& pk, const RequestError& e) {
  pk.pack_map(2);
  pack_str(pk, "code");
  pack_str(pk, to_string(e.code));
  pack_str(pk, "message");
  // Messages quote client text (checked UTF-8) and library text; never send anything else.
  if (utf8_valid_prefix(e.message) == e.message.size()) {
    pack_str(pk, e.message);
  } else {
    std::string q = quote_client_text(e.message, e.message.size());
    pack_str(pk, std::string_view(q).substr(1, q.size() - 2));
  }
}

void begin_reply(Packer& pk, const std::optional<uint64_t>& id, bool ok, uint32_t fields) {
  pk.pack_map(3 + fields);
  pack_str(pk, "v");
  pk.pack_int32(kProtocolVersion);
  pack_str(pk, "id");
  if (id)
    pk.pack_uint64(*id);
  else
    pk.pack_nil();
  pack_str(pk, "ok");
  ok ? pk.pack_true() : pk.pack_false();
}

msgpack::sbuffer error_reply(const std::optional<uint64_t>& id, const RequestError& e) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  begin_reply(pk, id, false, 1);
  pack_str(pk, "error");
  pack_error_map(pk, e);
  return buf;
}

}  // namespace collab::bridge::detail
