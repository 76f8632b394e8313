#include "bridge/server_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
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

// ---- requests ------------------------------------------------------------------------------

Request decode_request(std::string_view bytes, size_t max_message_bytes,
                       const std::function<void(const Request&)>& on_map) {
  if (bytes.size() > max_message_bytes) {
    fail(ErrorCode::kTooLarge,
         fmt::format("request of {} bytes; the limit is {} (max_message_bytes)", bytes.size(),
                     max_message_bytes));
  }
  Request r;
  size_t offset = 0;
  try {
    const msgpack::unpack_limit limits(kMaxArrayItems, kMaxMapEntries, max_message_bytes,
                                       max_message_bytes, kMaxExtBytes, kMaxDepth);
    r.handle = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
  } catch (const msgpack::array_size_overflow&) {
    fail(ErrorCode::kMalformed,
         fmt::format("an array of more than {} elements (the decoder's limit)", kMaxArrayItems));
  } catch (const msgpack::map_size_overflow&) {
    fail(ErrorCode::kMalformed,
         fmt::format("a map of more than {} entries (the decoder's limit)", kMaxMapEntries));
  } catch (const msgpack::ext_size_overflow&) {
    fail(ErrorCode::kMalformed,
         fmt::format("an ext value of more than {} bytes (the decoder's limit)", kMaxExtBytes));
  } catch (const msgpack::depth_size_overflow&) {
    fail(ErrorCode::kMalformed,
         fmt::format("nested deeper than {} levels (the decoder's limit)", kMaxDepth));
  } catch (const std::exception& e) {
    fail(ErrorCode::kMalformed,
         fmt::format("body is not a MessagePack value within limits: {}", e.what()));
  }
  if (offset != bytes.size()) {
    fail(ErrorCode::kMalformed,
         fmt::format("{} trailing bytes after the request map", bytes.size() - offset));
  }
  const msgpack::object& req = r.body();
  if (req.type != msgpack::type::MAP) {
    fail(ErrorCode::kMalformed, fmt::format("body must be a map, got {}", type_name(req)));
  }
  const auto* id = find_key(req, "id");
  if (id != nullptr && id->type == msgpack::type::POSITIVE_INTEGER) r.id = id->via.u64;
  if (on_map) on_map(r);
  check_utf8(req);  // so that no handler sees, and no message quotes, text that is not UTF-8
  const auto* v = find_key(req, "v");
  if (v == nullptr) fail(ErrorCode::kBadVersion, "field 'v' is required; expected 1");
  if (v->type != msgpack::type::POSITIVE_INTEGER || v->via.u64 != kProtocolVersion) {
    fail(ErrorCode::kBadVersion,
         fmt::format("protocol version {}: this server speaks 1",
                     v->type == msgpack::type::POSITIVE_INTEGER ? std::to_string(v->via.u64)
                                                                : std::string(type_name(*v))));
  }
  if (id == nullptr) fail(ErrorCode::kMissingField, "field 'id' is required");
  if (!r.id) {
    fail(ErrorCode::kWrongType,
         fmt::format("field 'id': expected an unsigned integer, got {}", type_name(*id)));
  }
  r.op = require_str(req, "op");
  return r;
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

void pack_reset_fields(Packer& pk, const ResetResult& r, bool act_features) {
  pack_str(pk, "obs");
  pack_obs(pk, r.obs, act_features);
  pack_str(pk, "seed");
  pk.pack_uint64(r.seed);
  pack_str(pk, "info");
  pk.pack_map(0);
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

namespace {

// An error message as sent. Messages quote client text (checked UTF-8) and library text; never
// send anything else: bytes that are not UTF-8 go out as \xNN.
void pack_error_message(Packer& pk, std::string_view message) {
  if (utf8_valid_prefix(message) == message.size()) {
    pack_str(pk, message);
  } else {
    std::string q = quote_client_text(message, message.size());
    pack_str(pk, std::string_view(q).substr(1, q.size() - 2));
  }
}

}  // namespace

void pack_error_map(Packer& pk, const RequestError& e) {
  pk.pack_map(2);
  pack_str(pk, "code");
  pack_str(pk, to_string(e.code));
  pack_str(pk, "message");
  pack_error_message(pk, e.message);
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

// ---- structure-of-arrays batches --------------------------------------------------------------

static_assert(std::endian::native == std::endian::little,
              "SoA blocks are little-endian and written as the host lays values out");

namespace {
template <class T>
void put_raw(msgpack::sbuffer& b, T v) {
  b.write(reinterpret_cast<const char*>(&v), sizeof v);
}

void add_missing_value(InfoColumns::Column& col) {
  switch (col.kind) {
    case InfoColumns::Kind::kList: {
      const char nil = static_cast<char>(0xc0);
      col.data.write(&nil, 1);
      break;
    }
    case InfoColumns::Kind::kF64:
      put_raw<double>(col.data, std::nan(""));
      break;
    case InfoColumns::Kind::kI64:
      put_raw<int64_t>(col.data, -1);
      break;
    case InfoColumns::Kind::kU8:
      put_raw<uint8_t>(col.data, 0);
      break;
  }
  ++col.rows;
}
}  // namespace

// Appends one row to the info columns, walking visit_step_info. Columns are found by path
// ("reward.total"); the expected next column is tried first, so a row of the usual shape costs
// no search. A field first seen in a later row gets a column back-filled with missing values.
struct InfoColumnWriter {
  InfoColumns& c;
  std::string prefix;
  size_t next = 0;

  msgpack::sbuffer& leaf(std::string_view key, InfoColumns::Kind kind) {
    auto& cols = c.columns_;
    const auto matches = [&](const InfoColumns::Column& col) {
      return col.path.size() == prefix.size() + key.size() && col.path.starts_with(prefix) &&
             col.path.ends_with(key);
    };
    size_t at = next;
    if (at >= cols.size() || !matches(cols[at])) {
      at = 0;
      while (at < cols.size() && !matches(cols[at])) ++at;
      if (at == cols.size()) {
        cols.push_back({prefix + std::string(key), kind, {}, 0});
        for (size_t r = 0; r < c.rows_; ++r) add_missing_value(cols.back());
      }
    }
    if (cols[at].kind != kind) {
      throw std::logic_error(fmt::format("info column {}: one field, two types", cols[at].path));
    }
    next = at + 1;
    ++cols[at].rows;
    return cols[at].data;
  }
  void field(std::string_view key, std::optional<std::string_view> v) {
    Packer pk(leaf(key, InfoColumns::Kind::kList));
    if (v)
      pack_str(pk, *v);
    else
      pk.pack_nil();
  }
  void field(std::string_view key, std::string_view v) { field(key, std::optional(v)); }
  void field(std::string_view key, std::optional<int64_t> v) {
    put_raw<int64_t>(leaf(key, InfoColumns::Kind::kI64), v.value_or(-1));
  }
  void field(std::string_view key, int64_t v) { field(key, std::optional(v)); }
  void field(std::string_view key, std::optional<double> v) {
    put_raw<double>(leaf(key, InfoColumns::Kind::kF64), v.value_or(std::nan("")));
  }
  void field(std::string_view key, double v) { field(key, std::optional(v)); }
  void field(std::string_view key, bool v) {
    put_raw<uint8_t>(leaf(key, InfoColumns::Kind::kU8), v ? 1 : 0);
  }
  template <class F>
  void map(std::string_view key, int, F&& body) {
    const size_t n = prefix.size();
    prefix.append(key);
    prefix.push_back('.');
    body();
    prefix.resize(n);
  }
};

void InfoColumns::add(const Task& task, const StepInfo& info) {
  InfoColumnWriter w{*this, {}, 0};
  visit_step_info(task, info, w);
  ++rows_;
  for (auto& col : columns_) {
    if (col.rows < rows_) add_missing_value(col);  // a field this row does not have
  }
}

void InfoColumns::add_missing() {
  ++rows_;
  for (auto& col : columns_) add_missing_value(col);
}

namespace {
// Packs the columns whose path starts with `prefix` as one map, keys in order of first appearance.
void pack_group(Packer& pk, const std::vector<InfoColumns::Column>& cols, const std::string& prefix,
                size_t rows) {
  std::vector<std::string_view> keys;
  for (const auto& col : cols) {
    if (!col.path.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(col.path).substr(prefix.size());
    rest = rest.substr(0, rest.find('.'));
    if (std::find(keys.begin(), keys.end(), rest) == keys.end()) keys.push_back(rest);
  }
  pk.pack_map(static_cast<uint32_t>(keys.size()));
  for (const auto key : keys) {
    pack_str(pk, key);
    const std::string path = prefix + std::string(key);
    const auto leaf = std::find_if(cols.begin(), cols.end(),
                                   [&](const InfoColumns::Column& c) { return c.path == path; });
    if (leaf == cols.end()) {
      pack_group(pk, cols, path + ".", rows);
      continue;
    }
    if (leaf->kind == InfoColumns::Kind::kList) {
      pk.pack_array(static_cast<uint32_t>(rows));
    } else {
      pk.pack_bin(static_cast<uint32_t>(leaf->data.size()));
    }
    pk.pack_bin_body(leaf->data.data(), static_cast<uint32_t>(leaf->data.size()));  // raw append
  }
}
}  // namespace

void InfoColumns::pack(Packer& pk) const { pack_group(pk, columns_, "", rows_); }

void InfoColumns::pack_types(Packer& pk) const {
  pk.pack_map(static_cast<uint32_t>(columns_.size()));
  for (const auto& col : columns_) {
    pack_str(pk, col.path);
    switch (col.kind) {
      case Kind::kList:
        pack_str(pk, "list");
        break;
      case Kind::kF64:
        pack_str(pk, "float64");
        break;
      case Kind::kI64:
        pack_str(pk, "int64");
        break;
      case Kind::kU8:
        pack_str(pk, "bool");
        break;
    }
  }
}

namespace {
// Appends a bin header and `bytes` zero bytes; returns the offset of the first.
size_t zero_block(msgpack::sbuffer& b, std::string_view key, size_t bytes) {
  static const char kZeros[4096] = {};
  Packer pk(b);
  pack_str(pk, key);
  pk.pack_bin(static_cast<uint32_t>(bytes));
  const size_t at = b.size();
  for (size_t left = bytes; left > 0;) {
    const size_t k = std::min(left, sizeof kZeros);
    b.write(kZeros, k);
    left -= k;
  }
  return at;
}
}  // namespace

SoaReply::SoaReply(Kind kind, const std::optional<uint64_t>& id, size_t n, const SoaShape& shape)
    : kind_(kind),
      n_(n),
      shape_(shape),
      body_(256 +
            n * (1 + 4 * size_t{shape.features} + size_t{shape.acts} + 4 + 8 + 2 +
                 (shape.act_features ? 4 * size_t{shape.acts} * shape.act_features_per_act : 0))) {
  const bool step = kind == Kind::kStep;
  Packer pk(body_);
  begin_reply(pk, id, true, 10 + (shape.act_features ? 2 : 0) + (step ? 5 : 1));
  pack_str(pk, "layout");
  pack_str(pk, "soa");
  put(pk, "n", uint64_t{n});
  put(pk, "num_features", uint64_t{shape.features});
  put(pk, "num_acts", uint64_t{shape.acts});
  if (shape.act_features) put(pk, "num_act_features", uint64_t{shape.act_features_per_act});
  ok_ = zero_block(body_, "item_ok", n);
  features_ = zero_block(body_, "features", 4 * n * shape.features);
  if (shape.act_features) {
    act_features_ =
        zero_block(body_, "act_features", 4 * n * size_t{shape.acts} * shape.act_features_per_act);
  }
  mask_ = zero_block(body_, "action_mask", n * shape.acts);
  turn_ = zero_block(body_, "turn", 4 * n);
  if (step) {
    reward_ = zero_block(body_, "reward", 8 * n);
    terminated_ = zero_block(body_, "terminated", n);
    truncated_ = zero_block(body_, "truncated", n);
  } else {
    seed_ = zero_block(body_, "seed", 8 * n);
  }
}

void SoaReply::store_floats(size_t i, std::span<const float> features,
                            std::span<const float> act_features) {
  COLLAB_CHECK(features.size() == shape_.features);
  std::memcpy(block(features_) + i * shape_.features * sizeof(float), features.data(),
              features.size_bytes());
  if (!shape_.act_features) return;
  const size_t row = size_t{shape_.acts} * shape_.act_features_per_act;
  COLLAB_CHECK(act_features.size() == row);
  std::memcpy(block(act_features_) + i * row * sizeof(float), act_features.data(),
              act_features.size_bytes());
}
std::span<uint8_t> SoaReply::action_mask(size_t i) {
  return {reinterpret_cast<uint8_t*>(block(mask_)) + i * shape_.acts, shape_.acts};
}
void SoaReply::set_ok(size_t i) { block(ok_)[i] = 1; }
void SoaReply::set_turn(size_t i, int turn) {
  const auto t = static_cast<int32_t>(turn);
  std::memcpy(block(turn_) + 4 * i, &t, 4);
}
void SoaReply::set_step(size_t i, double reward, bool terminated, bool truncated) {
  std::memcpy(block(reward_) + 8 * i, &reward, 8);
  block(terminated_)[i] = terminated ? 1 : 0;
  block(truncated_)[i] = truncated ? 1 : 0;
}
void SoaReply::set_seed(size_t i, uint64_t seed) { std::memcpy(block(seed_) + 8 * i, &seed, 8); }

void SoaReply::add_result(std::string_view text, const Task* task, const StepInfo* info) {
  Packer pk(texts_);
  pack_str(pk, text);
  if (kind_ == Kind::kStep) {
    if (task != nullptr && info != nullptr) {
      info_.add(*task, *info);
    } else {
      info_.add_missing();
    }
  }
  ++added_;
}

void SoaReply::add_error(size_t i, const RequestError& e) {
  Packer tp(texts_);
  tp.pack_nil();
  if (kind_ == Kind::kStep) info_.add_missing();
  Packer pk(errors_);
  pk.pack_map(3);
  put(pk, "index", uint64_t{i});
  pack_str(pk, "code");
  pack_str(pk, to_string(e.code));
  pack_str(pk, "message");
  pack_error_message(pk, e.message);
  ++n_errors_;
  ++added_;
}

msgpack::sbuffer SoaReply::finish() {
  if (added_ != n_) {
    throw std::logic_error(fmt::format("SoA reply: {} of {} items added", added_, n_));
  }
  Packer pk(body_);
  pack_str(pk, "text");
  pk.pack_array(static_cast<uint32_t>(n_));
  body_.write(texts_.data(), texts_.size());
  pack_str(pk, "errors");
  pk.pack_array(static_cast<uint32_t>(n_errors_));
  body_.write(errors_.data(), errors_.size());
  if (kind_ == Kind::kStep) {
    pack_str(pk, "info");
    info_.pack(pk);
    pack_str(pk, "info_types");
    info_.pack_types(pk);
  }
  return std::move(body_);
}

}  // namespace collab::bridge::detail
