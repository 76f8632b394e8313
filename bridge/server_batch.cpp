// Server::Impl (bridge/server_impl.h), second half: the batch ops step_many and reset_many, in the
// per-session and the structure-of-arrays layouts (docs/throughput.md). Both ops share one batch
// machinery (run_batch); each states only how an item is read and run.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bridge/codec.h"
#include "bridge/protocol.h"
#include "bridge/server_impl.h"
#include "bridge/server_wire.h"

namespace collab::bridge {

using namespace detail;  // NOLINT(google-build-using-namespace): the server's own internals

// ---- batches: step_many, reset_many and the structure-of-arrays layout (docs/throughput.md) ----

void Server::Impl::op_step_many(const msgpack::object& req, ReplyTo& to) {
  if (auto first = futures_batch(req)) {
    step_many_futures(req, to, std::move(first));
    return;
  }
  run_batch(
      req, to, {"steps", "session, action", SoaReply::Kind::kStep},
      [](const msgpack::object& item, size_t i) {
        const auto& action = require(item, "action");
        try {  // the item's name is formatted only for an error message
          return decode_action(action, "action");
        } catch (const RequestError&) {
          return decode_action(action, fmt::format("steps[{}].action", i));
        }
      },
      [this](Session& s, const Action& action) { return step_item(s, action); },
      [this](Session& s, const Action& action, SoaReply& reply, size_t i, StepResult& r,
             std::vector<float>& scratch) {
        s.env.step_into(action, soa_view(s, reply, i, scratch), r);
        store_row(s, reply, i, scratch);
        count_step(r);
        reply.set_turn(i, r.obs.turn);
        reply.set_step(i, r.reward, r.terminated, r.truncated);
      });
}

// ---- step_many with a rollout agent: one job, futures batched by depth across the items ----

std::shared_ptr<Server::Impl::Session> Server::Impl::futures_batch(const msgpack::object& req) {
  const auto* items = find_key(req, "steps");
  if (items == nullptr || items->type != msgpack::type::ARRAY || items->via.array.size < 2 ||
      items->via.array.size > opt.max_batch) {
    return nullptr;
  }
  std::shared_ptr<Session> first;
  for (uint32_t i = 0; i < items->via.array.size; ++i) {
    const auto& item = items->via.array.ptr[i];
    if (item.type != msgpack::type::MAP) return nullptr;
    const auto* sv = find_key(item, "session");
    if (sv == nullptr || sv->type != msgpack::type::STR) return nullptr;
    const auto it = sessions.find(std::string_view(sv->via.str.ptr, sv->via.str.size));
    if (it == sessions.end()) return nullptr;
    const Session& s = *it->second;
    if (!s.pooled || s.env.rollout_agent() == nullptr) return nullptr;
    if (first == nullptr) {
      first = it->second;
    } else if (!(*s.strand == *first->strand) || !(shape_of(s) == shape_of(*first))) {
      return nullptr;
    }
  }
  return first;
}

struct Server::Impl::FuturesBatch {
  ReplyTo to;
  bool soa = false;
  std::vector<std::shared_ptr<Session>> sessions;
  std::vector<std::optional<Action>> actions;
  std::vector<std::optional<RequestError>> errors;
  std::vector<StepResult> results;  // each with its own observation arrays
};

void Server::Impl::step_many_futures(const msgpack::object& req, ReplyTo& to,
                                     std::shared_ptr<Session> first) {
  const auto& items = batch_items(req, "steps");
  auto b = std::make_shared<FuturesBatch>();
  b->soa = soa_layout(req);
  const size_t n = items.via.array.size;
  b->sessions.resize(n);
  b->actions.resize(n);
  b->errors.resize(n);
  b->results.resize(n);
  for (size_t i = 0; i < n; ++i) {
    try {
      b->sessions[i] = batch_session(items.via.array.ptr[i], "steps", i, "session, action");
      const auto& action = require(items.via.array.ptr[i], "action");
      b->actions[i] = decode_action(action, fmt::format("steps[{}].action", i));
    } catch (const RequestError& e) {
      b->errors[i] = e;
    }
  }
  b->to = std::move(to);
  // Every item's session runs on `first`'s strand (futures_batch checked it): one job steps them
  // all, then plays every pending future depth by depth, one rollout-agent call per depth.
  on_strand(
      first,
      [b] {
        MrBatch futures;
        for (size_t i = 0; i < b->sessions.size(); ++i) {
          if (b->errors[i]) continue;
          Env& env = b->sessions[i]->env;
          StepResult& r = b->results[i];
          r.obs.features.resize(static_cast<size_t>(env.num_features()));
          r.obs.act_features.resize(static_cast<size_t>(env.num_acts()) *
                                    static_cast<size_t>(env.num_act_features()));
          r.obs.action_mask.resize(static_cast<size_t>(env.num_acts()));
          try {
            env.step_into(*b->actions[i], {r.obs.features, r.obs.act_features, r.obs.action_mask},
                          r, &futures);
          } catch (const std::exception& e) {
            b->errors[i] = classify(e);
          }
        }
        try {
          futures.run();
        } catch (const std::exception& e) {  // e.g. a replay missing its entry: every item fails
          spdlog::error("step_many: the rollout agent's futures failed: {}", e.what());
          for (size_t i = 0; i < b->sessions.size(); ++i) {
            if (!b->errors[i]) b->errors[i] = classify(e);
          }
        }
      },
      [this, b] {
        const size_t n = b->sessions.size();
        for (size_t i = 0; i < n; ++i) {
          if (!b->errors[i]) count_step(b->results[i]);
        }
        if (!b->soa) {
          msgpack::sbuffer out;
          Packer pk(out);
          begin_reply(pk, b->to.id, true, 1);
          pack_str(pk, "results");
          pk.pack_array(static_cast<uint32_t>(n));
          for (size_t i = 0; i < n; ++i) {
            if (b->errors[i]) {
              error_item(pk, *b->errors[i]);
              continue;
            }
            pk.pack_map(6);
            pack_str(pk, "ok");
            pk.pack_true();
            pack_step_fields(pk, b->sessions[i]->env.task(), b->results[i],
                             b->sessions[i]->act_features);
          }
          send(b->to, out);
          return;
        }
        const SoaShape shape = shape_of(*b->sessions[0]);
        SoaReply reply(SoaReply::Kind::kStep, b->to.id, n, shape);
        for (size_t i = 0; i < n; ++i) {
          if (b->errors[i]) {
            ++n_errors;
            reply.add_error(i, *b->errors[i]);
            continue;
          }
          const StepResult& r = b->results[i];
          std::copy(r.obs.action_mask.begin(), r.obs.action_mask.end(),
                    reply.action_mask(i).begin());
          reply.store_floats(i, r.obs.features,
                             b->sessions[i]->act_features ? std::span<const float>(r.obs.act_features)
                                                          : std::span<const float>());
          reply.set_turn(i, r.obs.turn);
          reply.set_step(i, r.reward, r.terminated, r.truncated);
          reply.set_ok(i);
          reply.add_result(r.obs.text, &b->sessions[i]->env.task(), &r.info);
        }
        send(b->to, guarded(b->to.id, [&] { return reply.finish(); }));
      });
}

struct Server::Impl::ResetArgs {
  std::optional<uint64_t> seed;
  nlohmann::json options;
};

Server::Impl::ResetArgs Server::Impl::reset_args(const msgpack::object& item,
                                                 std::string_view where) {
  ResetArgs a;
  if (const auto* sv = find_key(item, "seed"); sv != nullptr && sv->type != msgpack::type::NIL) {
    if (sv->type != msgpack::type::POSITIVE_INTEGER) {
      fail(ErrorCode::kWrongType,
           fmt::format("{}.seed: expected an unsigned integer, got {}", where, type_name(*sv)));
    }
    a.seed = sv->via.u64;
  }
  if (find_key(item, "options") != nullptr) a.options = checked_options(item);
  return a;
}

void Server::Impl::op_reset_many(const msgpack::object& req, ReplyTo& to) {
  run_batch(
      req, to, {"resets", "session, seed?, options?", SoaReply::Kind::kReset},
      [](const msgpack::object& item, size_t i) {
        try {  // the item's name is formatted only for an error message
          return reset_args(item, "item");
        } catch (const RequestError&) {
          return reset_args(item, fmt::format("resets[{}]", i));
        }
      },
      [this](Session& s, const ResetArgs& a) {
        msgpack::sbuffer b;
        Packer pk(b);
        try {
          const ResetResult r =
              s.env.reset(a.seed, a.options.is_null() ? nlohmann::json::object() : a.options);
          pk.pack_map(4);
          pack_str(pk, "ok");
          pk.pack_true();
          pack_reset_fields(pk, r, s.act_features);
        } catch (const std::exception& e) {
          b.clear();
          error_item(pk, classify(e));
        }
        return std::string(b.data(), b.size());
      },
      [](Session& s, const ResetArgs& a, SoaReply& reply, size_t i, StepResult& r,
         std::vector<float>& scratch) {
        uint64_t seed = 0;
        r.obs.text = s.env.reset_episode(
            a.seed, a.options.is_null() ? nlohmann::json::object() : a.options, &seed);
        s.env.observe_into(soa_view(s, reply, i, scratch));
        store_row(s, reply, i, scratch);
        reply.set_turn(i, s.env.turn());
        reply.set_seed(i, seed);
      });
}

std::string Server::Impl::step_item(Session& s, const Action& action) {
  msgpack::sbuffer b;
  Packer pk(b);
  try {
    const StepResult r = s.env.step(action);
    count_step(r);
    pk.pack_map(6);
    pack_str(pk, "ok");
    pk.pack_true();
    pack_step_fields(pk, s.env.task(), r, s.act_features);
  } catch (const std::exception& e) {
    b.clear();
    error_item(pk, classify(e));
  }
  return std::string(b.data(), b.size());
}

void Server::Impl::error_item(Packer& pk, const RequestError& e) {
  ++n_errors;
  pk.pack_map(2);
  pack_str(pk, "ok");
  pk.pack_false();
  pack_str(pk, "error");
  pack_error_map(pk, e);
}

// ---- the batch machinery ----

template <class Parse, class Item, class Row>
void Server::Impl::run_batch(const msgpack::object& req, ReplyTo& to, const BatchOp& op,
                             Parse parse, Item item, Row row) {
  const auto& items = batch_items(req, op.key);
  if (soa_layout(req)) {
    run_soa(items, op, to, parse, std::move(row));
  } else {
    run_items(items, op, to, parse, std::move(item));
  }
}

const msgpack::object& Server::Impl::batch_items(const msgpack::object& req,
                                                 std::string_view key) const {
  const auto& items = require(req, key);
  if (items.type != msgpack::type::ARRAY) {
    fail(ErrorCode::kWrongType,
         fmt::format("field '{}': expected array, got {}", key, type_name(items)));
  }
  if (items.via.array.size > opt.max_batch) {
    fail(ErrorCode::kTooLarge, fmt::format("'{}' has {} items; the limit is {} (max_batch)", key,
                                           items.via.array.size, opt.max_batch));
  }
  return items;
}

bool Server::Impl::soa_layout(const msgpack::object& req) {
  const auto* v = find_key(req, "layout");
  if (v == nullptr || v->type == msgpack::type::NIL) return false;
  if (v->type == msgpack::type::STR) {
    const std::string_view layout(v->via.str.ptr, v->via.str.size);
    if (layout == "soa") return true;
    if (layout == "items") return false;
  }
  fail(ErrorCode::kWrongType, fmt::format("field 'layout': expected \"items\" or \"soa\", got {}",
                                          v->type == msgpack::type::STR
                                              ? quote_client_text({v->via.str.ptr, v->via.str.size})
                                              : std::string(type_name(*v))));
}

std::shared_ptr<Server::Impl::Session> Server::Impl::batch_session(const msgpack::object& item,
                                                                   std::string_view key, size_t i,
                                                                   std::string_view fields) {
  if (item.type != msgpack::type::MAP) {
    fail(ErrorCode::kWrongType,
         fmt::format("{}[{}]: expected map {{{}}}, got {}", key, i, fields, type_name(item)));
  }
  return find_session(item);
}

// The per-session layout: `results`, one packed map per item.
struct Server::Impl::Batch {
  ReplyTo to;
  std::vector<std::string> items;  // packed result maps, in request order
  size_t remaining = 0;            // I/O thread only
};

template <class Parse, class Item>
void Server::Impl::run_items(const msgpack::object& items, const BatchOp& op, ReplyTo& to,
                             Parse& parse, Item item) {
  const size_t n = items.via.array.size;
  auto batch = std::make_shared<Batch>();
  batch->items.resize(n);
  batch->remaining = 1;  // released after the loop
  for (size_t i = 0; i < n; ++i) {
    std::shared_ptr<Session> s;
    using Args = std::decay_t<decltype(parse(items.via.array.ptr[i], i))>;
    std::optional<Args> args;
    try {
      s = batch_session(items.via.array.ptr[i], op.key, i, op.fields);
      args.emplace(parse(items.via.array.ptr[i], i));
    } catch (const RequestError& e) {
      msgpack::sbuffer b;
      Packer pk(b);
      error_item(pk, e);
      batch->items[i].assign(b.data(), b.size());
      continue;
    }
    if (!s->pooled) {
      batch->items[i] = item(*s, *args);
      continue;
    }
    ++batch->remaining;
    on_strand(
        s,
        [batch, i, &sess = *s, item, args = std::move(*args)] {
          batch->items[i] = item(sess, args);  // distinct slot per item: no race
        },
        [this, batch] {
          if (--batch->remaining == 0) finish_batch(*batch);
        });
  }
  batch->to = std::move(to);
  if (--batch->remaining == 0) finish_batch(*batch);
}

void Server::Impl::finish_batch(Batch& batch) {
  msgpack::sbuffer b;
  Packer pk(b);
  begin_reply(pk, batch.to.id, true, 1);
  pack_str(pk, "results");
  pk.pack_array(static_cast<uint32_t>(batch.items.size()));
  for (const auto& item : batch.items) b.write(item.data(), item.size());
  send(batch.to, b);
}

// ---- the structure-of-arrays layout ----

SoaShape Server::Impl::shape_of(const Session& s) {
  return {static_cast<uint32_t>(s.env.num_features()), static_cast<uint32_t>(s.env.num_acts()),
          static_cast<uint32_t>(s.env.num_act_features()), s.act_features};
}

ObservationView Server::Impl::soa_view(const Session& s, SoaReply& reply, size_t i,
                                       std::vector<float>& scratch) {
  const size_t f = static_cast<size_t>(s.env.num_features());
  const size_t ak =
      static_cast<size_t>(s.env.num_acts()) * static_cast<size_t>(s.env.num_act_features());
  scratch.resize(f + ak);
  return {std::span<float>(scratch).first(f), std::span<float>(scratch).subspan(f, ak),
          reply.action_mask(i)};
}

void Server::Impl::store_row(const Session& s, SoaReply& reply, size_t i,
                             const std::vector<float>& scratch) {
  const size_t f = static_cast<size_t>(s.env.num_features());
  const std::span<const float> all(scratch);
  reply.store_floats(i, all.first(f), s.act_features ? all.subspan(f) : std::span<const float>());
}

struct Server::Impl::SoaBatch {
  struct Slot {
    bool ready = false;
    std::optional<RequestError> error;
    StepResult r;
    const Task* task = nullptr;
  };
  SoaBatch(SoaReply::Kind kind, const std::optional<uint64_t>& id, size_t n, const SoaShape& shape)
      : reply(kind, id, n, shape) {}
  ReplyTo to;
  SoaReply reply;
  std::vector<Slot> slots;  // empty until an item goes to the pool
  size_t remaining = 1;     // I/O thread only; released after the loop
};

void Server::Impl::soa_emit(SoaReply& reply, size_t i, const std::optional<RequestError>& error,
                            const StepResult& r, const Task* task) {
  if (error) {
    ++n_errors;
    reply.add_error(i, *error);
  } else {
    reply.add_result(r.obs.text, task, &r.info);
  }
}

void Server::Impl::soa_drain(SoaBatch& b) {
  while (b.reply.added() < b.slots.size() && b.slots[b.reply.added()].ready) {
    const size_t i = b.reply.added();
    auto& slot = b.slots[i];
    soa_emit(b.reply, i, slot.error, slot.r, slot.task);
    slot = {};  // frees the item's text and info
  }
}

void Server::Impl::soa_finish(SoaBatch& b) {
  soa_drain(b);
  send(b.to, guarded(b.to.id, [&] { return b.reply.finish(); }));
}

// Items run as in the per-session form (inline, or on their session's strand); rows are written
// straight into the reply, the variable parts in order (SoaBatch).
template <class Parse, class Row>
void Server::Impl::run_soa(const msgpack::object& items, const BatchOp& op, ReplyTo& to,
                           Parse& parse, Row row) {
  const std::string_view key = op.key;
  const size_t n = items.via.array.size;
  // The batch's shape: that of the first item naming a live session.
  SoaShape shape;
  for (size_t i = 0; i < n; ++i) {
    const auto* sv = find_key(items.via.array.ptr[i], "session");
    if (sv == nullptr || sv->type != msgpack::type::STR) continue;
    const auto it = sessions.find(std::string_view(sv->via.str.ptr, sv->via.str.size));
    if (it == sessions.end()) continue;
    shape = shape_of(*it->second);
    break;
  }
  auto batch = std::make_shared<SoaBatch>(op.kind, to.id, n, shape);
  StepResult& r = soa_result;
  for (size_t i = 0; i < n; ++i) {
    const auto& item = items.via.array.ptr[i];
    std::shared_ptr<Session> s;
    std::optional<RequestError> error;
    using Args = std::decay_t<decltype(parse(item, i))>;
    std::optional<Args> args;
    try {
      s = batch_session(item, key, i, "session, ...");
      if (const SoaShape own = shape_of(*s); !(own == shape)) {
        fail(ErrorCode::kWrongType,
             fmt::format("{}[{}]: session {} has {} features, {} acts, {} act features{}; this "
                         "SoA batch has {}, {}, {}{} (one batch, one shape)",
                         key, i, s->id, own.features, own.acts, own.act_features_per_act,
                         own.act_features ? " (sent)" : "", shape.features, shape.acts,
                         shape.act_features_per_act, shape.act_features ? " (sent)" : ""));
      }
      args.emplace(parse(item, i));
    } catch (const RequestError& e) {
      error = e;
    }
    if (!error && !s->pooled) {
      try {
        row(*s, *args, batch->reply, i, r, soa_scratch);
        batch->reply.set_ok(i);
      } catch (const std::exception& e) {
        error = classify(e);
        if (error->code == ErrorCode::kInternal) spdlog::error("internal error: {}", e.what());
      }
    }
    if (error || !s->pooled) {
      if (batch->slots.empty()) {
        soa_emit(batch->reply, i, error, r, s ? &s->env.task() : nullptr);
      } else {
        auto& slot = batch->slots[i];
        slot.error = std::move(error);
        if (!slot.error) {
          slot.r = r;
          slot.task = &s->env.task();
        }
        slot.ready = true;
      }
      continue;
    }
    if (batch->slots.empty()) batch->slots.resize(n);
    ++batch->remaining;
    on_strand(
        s,
        [batch, i, &sess = *s, row, args = std::move(*args)]() mutable {
          auto& slot = batch->slots[i];  // distinct slot and row per item: no race
          thread_local std::vector<float> scratch;
          try {
            row(sess, args, batch->reply, i, slot.r, scratch);
            batch->reply.set_ok(i);
            slot.task = &sess.env.task();
          } catch (const std::exception& e) {
            slot.error = classify(e);
            if (slot.error->code == ErrorCode::kInternal) {
              spdlog::error("internal error: {}", e.what());
            }
          }
        },
        [this, batch, i] {
          batch->slots[i].ready = true;
          if (--batch->remaining == 0) {
            soa_finish(*batch);
          } else {
            soa_drain(*batch);
          }
        });
  }
  batch->to = std::move(to);
  if (--batch->remaining == 0) soa_finish(*batch);
}

}  // namespace collab::bridge
