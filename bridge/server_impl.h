// Server::Impl, the server's state and handlers (bridge/server.h), shared by its two halves:
// bridge/server.cpp (sessions, reply order, dispatch, the single-session ops, lifetime) and
// bridge/server_batch.cpp (step_many, reset_many and the structure-of-arrays layout). Private to
// them: not installed, included by nothing else.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "bridge/server.h"
#include "bridge/server_transport.h"
#include "bridge/server_wire.h"
#include "env/env.h"

namespace collab::bridge {

namespace detail {

using Clock = std::chrono::steady_clock;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// A scenario clients may pick (docs/protocol.md "Scenarios"): by name or by content hash.
struct OfferedScenario {
  std::string task;  // the task's name ("twenty_questions"), from its folder or the file's "task"
  std::string name;  // the file's stem ("small-v2")
  std::string hash;  // content hash of the file as read at startup (ScenarioFile::hash)
  std::string path;  // on the server; never sent
  bool is_default = false;
};

}  // namespace detail

struct Server::Impl {
  struct Session : std::enable_shared_from_this<Session> {
    std::string id;
    Env env;
    bool pooled;        // stepped on the pool (its strand), not on the I/O thread
    bool act_features;  // its obs maps carry act_features (asked for in `make`; forks inherit)
    std::optional<boost::asio::strand<boost::asio::thread_pool::executor_type>> strand;
    std::atomic<int64_t> last_used{detail::now_ns()};
    std::atomic<int> in_flight{0};
    // Places of replies about this session not sent yet, in request order (I/O thread only).
    std::deque<std::shared_ptr<detail::OrderSlot>> replies;  // Pending, each
    bool closed = false;  // I/O thread only: closed, kept in `draining` while replies wait
    Session(std::string i, Env e, bool p, bool af)
        : id(std::move(i)), env(std::move(e)), pooled(p), act_features(af) {}
  };

  using About = std::vector<std::shared_ptr<Session>>;
  // A reply's place: it goes out once it has its body and is first in every `about` queue.
  struct Pending : detail::OrderSlot {
    detail::ReplyTo to;
    std::optional<msgpack::sbuffer> body;
    About about;  // distinct
  };

  Impl(const Registry& r, ServerOptions o);

  const Registry& registry;
  ServerOptions opt;
  zmq::context_t ctx{1};
  boost::asio::io_context io;
  boost::asio::thread_pool pool;
  boost::asio::signal_set signals;
  boost::asio::steady_timer reaper;
  detail::Transport transport;
  // By id (heterogeneous lookup: string_view keys find without a copy). I/O thread only.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using SessionMap =
      std::unordered_map<std::string, std::shared_ptr<Session>, IdHash, std::equal_to<>>;
  SessionMap sessions;
  // Closed sessions whose replies still wait, so that requests naming them keep their place.
  SessionMap draining;
  std::vector<Session*> named_;  // needs_order's scratch
  bool shutting_down = false;    // I/O thread only
  int64_t pending = 0;           // requests handed to the pool and not yet answered (I/O thread)
  detail::Clock::time_point started;
  std::random_device session_ids;  // I/O thread only
  // What clients may pick; fixed at startup, so the registry caches at most one task per entry.
  std::vector<detail::OfferedScenario> scenarios;
  // Tasks loaded for (environment id, scenario path or "" for the default), I/O thread only;
  // bounded by the ids times the offered scenarios.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const Task>> loaded;
  struct Waiting;
  std::map<std::pair<std::string, std::string>, std::vector<Waiting>> loading;  // being loaded
  std::atomic<uint64_t> n_requests{0}, n_errors{0}, n_steps{0}, n_sessions{0};
  // External user requests and fallbacks of the steps taken (docs/external-users.md).
  std::atomic<uint64_t> n_user_calls{0}, n_user_fallbacks{0};
  std::atomic<uint64_t> n_rollout_calls{0}, n_rollout_fallbacks{0};

  void count_step(const StepResult& r) {
    ++n_steps;
    if (r.info.user) {
      n_user_calls += static_cast<uint64_t>(r.info.user->turn_calls);
      n_user_fallbacks += static_cast<uint64_t>(r.info.user->turn_fallbacks);
    }
    if (r.info.reward.remote_rollouts) {
      n_rollout_calls += static_cast<uint64_t>(r.info.reward.rollout_calls);
      n_rollout_fallbacks += static_cast<uint64_t>(r.info.reward.rollout_fallbacks);
    }
  }
  // Scratch of SoA items stepped on the I/O thread (reused: no allocation per item).
  StepResult soa_result;
  std::vector<float> soa_scratch;

  // ---- replies (server.cpp) ----

  // ---- per-session reply order (I/O thread; docs/protocol.md "Delivery") ----

  // The sessions a request names (its `session`, and the `session` of each map in a top-level
  // array such as `steps`), open or closed with replies waiting, each once — or none when no
  // reply about them can wait (all cheap, nothing queued).
  About needs_order(const msgpack::object& req);
  // Takes the reply's place after those already waiting about `about`.
  void reserve(About about, detail::ReplyTo& to);
  // Sends `p` if it has its reply and is first in all its queues, then what that unblocks.
  void release(std::shared_ptr<Pending> first);
  // Every reply goes out here: at once, or (when its request took a place) in its turn.
  void send(detail::ReplyTo& to, const msgpack::sbuffer& body);
  // Sends an ok reply {v, id, ok: true, …} with the `fields` key/value pairs fill(pk) packs.
  template <class Fill>
  void send_ok(detail::ReplyTo& to, uint32_t fields, Fill&& fill) {
    msgpack::sbuffer b;
    detail::Packer pk(b);
    detail::begin_reply(pk, to.id, true, fields);
    fill(pk);
    send(to, b);
  }
  msgpack::sbuffer error_body(const std::optional<uint64_t>& id, const detail::RequestError& e);

  // Runs `build` (which packs the reply's own fields into a fresh reply) and turns exceptions into
  // an error reply.
  template <class Build>
  msgpack::sbuffer guarded(const std::optional<uint64_t>& id, Build&& build) {
    try {
      return build();
    } catch (const detail::RequestError& e) {
      return error_body(id, e);
    } catch (const std::exception& e) {
      const detail::RequestError re = detail::classify(e);
      if (re.code == ErrorCode::kInternal) spdlog::error("internal error: {}", e.what());
      return error_body(id, re);
    }
  }

  // ---- dispatch (I/O thread; server.cpp) ----

  // Every request the transport accepted comes here and gets exactly one send().
  void on_message(detail::ReplyTo&& to_in, zmq::message_t&& body);
  // Runs `handle` (which replies to `to` unless it throws) and answers what it throws.
  template <class Handle>
  void answer(detail::ReplyTo& to, Handle&& handle);
  std::shared_ptr<Session> find_session(const msgpack::object& req);

  // Steps costing more than one plain exchange (MR lookahead) go to the pool; a cheap step takes
  // about a microsecond, less than a thread hop.
  static bool runs_on_pool(const Env& env) { return env.step_cost() > 1; }

  // `group` (non-empty): sessions made with one key share one strand (rollout_strand).
  std::shared_ptr<Session> add_session(Env env, bool act_features, const std::string& group = {});
  // Sessions with a rollout agent made by one client connection share a strand, so that a
  // step_many over them runs as one job whose futures go out batched by depth (MrBatch).
  std::map<std::string, boost::asio::strand<boost::asio::thread_pool::executor_type>>
      rollout_strands;
  static std::string rollout_group(const Env& env, const detail::ReplyTo& to);
  // A step_many whose items all name sessions of one rollout strand (nullptr otherwise).
  std::shared_ptr<Session> futures_batch(const msgpack::object& req);
  struct FuturesBatch;
  void step_many_futures(const msgpack::object& req, detail::ReplyTo& to,
                         std::shared_ptr<Session> first);

  // Runs `work(Session&) -> sbuffer` in the session's order: inline for cheap sessions, on the
  // session's strand for MR sessions; then `done(sbuffer&)` on the I/O thread sends it.
  template <class Work>
  void on_session(std::shared_ptr<Session> s, detail::ReplyTo to, Work work);

  // Runs `work()` on the strand of `s` (an MR session), then `done()` on the I/O thread; the
  // session and the server count it in flight meanwhile.
  template <class Work, class Done>
  void on_strand(const std::shared_ptr<Session>& s, Work work, Done done) {
    ++s->in_flight;
    ++pending;
    boost::asio::post(*s->strand,
                      [this, s, work = std::move(work), done = std::move(done)]() mutable {
                        work();
                        boost::asio::post(io, [this, s, done = std::move(done)]() mutable {
                          --s->in_flight;
                          --pending;
                          s->last_used = detail::now_ns();
                          done();
                          maybe_finish();
                        });
                      });
  }

  // ---- operations (I/O thread; server.cpp) ----
  //
  // One handler per op. `to` is moved from only by the final hand-off, so that a failure before
  // it can still reply.
  using Handler = void (Impl::*)(const msgpack::object& req, detail::ReplyTo& to);
  struct Operation {
    std::string_view name;
    Handler handler;
  };

  static const Operation* find_operation(std::string_view op);
  void dispatch(const std::string& op, const msgpack::object& req, detail::ReplyTo& to);

  void op_ping(const msgpack::object&, detail::ReplyTo& to);
  void op_hello(const msgpack::object&, detail::ReplyTo& to);
  void op_list(const msgpack::object&, detail::ReplyTo& to);

  // [{name, task, hash, default}] of the offered scenarios (of `task` only, unless empty).
  void pack_scenarios(detail::Packer& pk, const std::string& task) const;
  // env.spec() as sent: spec.scenario names the scenario (file stem) instead of its path on the
  // server, which is not the client's business.
  static void pack_spec(detail::Packer& pk, const nlohmann::json& spec);
  // `options` (optional_options), with no NaN or infinity at any depth of a value either (inside
  // an array or map option): invalid_option, as at the top level.
  static nlohmann::json checked_options(const msgpack::object& req);
  static void check_finite(const msgpack::object& o, std::string& where);

  // The environment `make` and `spec` ask for, or nullopt when its task is not loaded yet: the
  // task then loads on the pool (the I/O thread never reads a file) and `again` handles the
  // request anew once it has. Option `scenario` names an offered scenario (by name or content
  // hash), never a path: a client cannot make the server open a file.
  std::optional<Env> make_env(const msgpack::object& req, detail::ReplyTo& to, Handler again);

  // A request waiting for its task to load, to be handled again by `again` once it has.
  struct Waiting {
    std::shared_ptr<msgpack::object_handle> request;
    detail::ReplyTo to;
    Handler again;
  };

  // Loads the task on the pool (once per key, however many requests wait for it), then handles
  // the waiting requests again on the I/O thread; a file that changed since startup or does not
  // load is invalid_option for each (the details go to the log, never to the client).
  void load_then(const std::string& rid, const std::string& path,
                 const detail::OfferedScenario* offered, const msgpack::object& req,
                 detail::ReplyTo& to, Handler again);

  void op_stats(const msgpack::object&, detail::ReplyTo& to);
  void op_spec(const msgpack::object& req, detail::ReplyTo& to);
  void op_make(const msgpack::object& req, detail::ReplyTo& to);
  void op_reset(const msgpack::object& req, detail::ReplyTo& to);
  void op_step(const msgpack::object& req, detail::ReplyTo& to);
  void op_fork(const msgpack::object& req, detail::ReplyTo& to);
  void op_close(const msgpack::object& req, detail::ReplyTo& to);

  static msgpack::sbuffer session_reply(const std::optional<uint64_t>& id,
                                        const std::string& session);

  // ---- batches: step_many, reset_many and the structure-of-arrays layout (server_batch.cpp) ----

  // step_many: `steps` [{session, action}]; per item as `step`, in one message.
  void op_step_many(const msgpack::object& req, detail::ReplyTo& to);
  // reset_many: `resets` [{session, seed?, options?}]; per item as `reset`, in one message.
  void op_reset_many(const msgpack::object& req, detail::ReplyTo& to);

  // What a batch op names: its array field ("steps"), an item's fields in the per-session form's
  // errors ("session, action") and its SoA reply.
  struct BatchOp {
    std::string_view key;
    std::string_view fields;
    detail::SoaReply::Kind kind;
  };
  // A batch request: the array `op.key` of maps {session, ...}, within max_batch, answered in the
  // layout it asks for. parse(item, i) -> Args validates an item (throws RequestError; called once
  // the item is a map naming a live session); item(session, args) -> std::string runs it and packs
  // its per-session result ({ok: true, ...}, or an error item); row(session, args, reply, i,
  // result, scratch) runs it for the SoA form, writing row i of `reply` and filling `result`
  // (text, info). Each item runs in its session's order: inline for cheap sessions, on the
  // session's strand for MR ones; the reply lists the items in request order.
  template <class Parse, class Item, class Row>
  void run_batch(const msgpack::object& req, detail::ReplyTo& to, const BatchOp& op, Parse parse,
                 Item item, Row row);
  // run_batch's two layouts.
  template <class Parse, class Item>
  void run_items(const msgpack::object& items, const BatchOp& op, detail::ReplyTo& to, Parse& parse,
                 Item item);
  template <class Parse, class Row>
  void run_soa(const msgpack::object& items, const BatchOp& op, detail::ReplyTo& to, Parse& parse,
               Row row);
  // The live session item `i` of `key` names; throws RequestError when the item is no map
  // {`fields`} or names no live session.
  std::shared_ptr<Session> batch_session(const msgpack::object& item, std::string_view key,
                                         size_t i, std::string_view fields);

  // One step_many item, packed: {ok, obs, reward, terminated, truncated, info} or {ok, error}.
  std::string step_item(Session& s, const Action& action);
  void error_item(detail::Packer& pk, const detail::RequestError& e);

  // The array field `key` of a batch request, within max_batch.
  const msgpack::object& batch_items(const msgpack::object& req, std::string_view key) const;
  // `layout` of a batch reply (capability "soa"): absent, nil or "items" is the per-session
  // form; "soa" the structure-of-arrays one.
  static bool soa_layout(const msgpack::object& req);
  static detail::SoaShape shape_of(const Session& s);
  // Row i of `reply` as an ObservationView: the mask in place, the floats in `scratch` (aligned;
  // the reply's blocks are not), copied in by store_row once written.
  static ObservationView soa_view(const Session& s, detail::SoaReply& reply, size_t i,
                                  std::vector<float>& scratch);
  static void store_row(const Session& s, detail::SoaReply& reply, size_t i,
                        const std::vector<float>& scratch);

  // A per-session batch in flight.
  struct Batch;
  void finish_batch(Batch& batch);
  // An SoA batch in flight. Items are written into `reply` in order; once an item goes to the
  // pool, the variable parts (text, info, error) of it and every later item wait in `slots`
  // until the items before them are in.
  struct SoaBatch;
  void soa_emit(detail::SoaReply& reply, size_t i, const std::optional<detail::RequestError>& error,
                const StepResult& r, const Task* task);
  void soa_drain(SoaBatch& b);
  void soa_finish(SoaBatch& b);

  struct ResetArgs;
  static ResetArgs reset_args(const msgpack::object& item, std::string_view where);

  // ---- lifetime (server.cpp) ----

  void reap();
  void schedule_reaper();
  void begin_shutdown();
  void maybe_finish();
  ServerStats snapshot() const;
};

}  // namespace collab::bridge
