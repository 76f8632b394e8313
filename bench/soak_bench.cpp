// Soak: many sessions opened, stepped and reaped by the idle timeout, under load, beside a
// well-behaved client (issue #15). Not a test: it prints figures, and exits 1 only if a reply was
// lost or misrouted or the good client saw an error.
//
// One in-process Server (ipc, idle timeout 10 s; argv[2] sets it). A load client (one DEALER
// socket, up to kWindow requests in flight) opens N sessions (default 10000; argv[1] sets it),
// resets each with its own seed and steps it a few times, then leaves them to the reaper; one
// session in ten asks for MR rewards, so that its steps run on the pool. Meanwhile a good client
// (bridge::Client) steps its own session in a loop. Printed:
//  * the process's RSS (server and clients) per session: at baseline, with every session open and
//    reset, mid-episode (after the steps), after reaping, and after malloc_trim (glibc keeps freed
//    pages in its arenas; trimming shows what the server still holds);
//  * replies: every reply's id must be one outstanding request's, and its content must match that
//    request (make: a new session; reset: the seed sent; step: the turn that session is at);
//  * the good client's steps, errors and step latency (median, worst).
#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "bench/bench_util.h"
#include "bridge/client.h"
#include "bridge/codec.h"
#include "bridge/server.h"
#include "env/rng.h"
#include "tasks/register_all.h"

namespace {

using collab::bench::Clock;
using collab::bench::median;
using namespace collab::bridge;

constexpr size_t kWindow = 512;  // load requests in flight
constexpr int kStepsPerSession = 3;
// Seconds; long enough that no session goes idle between its make and its steps while all N are
// being made (argv[2] sets it).
constexpr double kIdleTimeout = 10.0;
constexpr const char* kEnvId = "twenty_questions-v2";

double rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;  // "... kB"
  }
  return 0;
}

// The good client: steps one session with legal random acts as fast as replies come.
struct GoodClient {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> steps{0}, errors{0};
  std::vector<double> latency_ms;
  std::string first_error;
  std::thread thread;

  void start(const std::string& ep) {
    thread = std::thread([this, ep] {
      try {
        Client c(ep, std::chrono::seconds(30));
        const auto [session, spec] = c.make(kEnvId, {{"reward", "terminal"}});
        collab::Rng rng(7);
        auto obs = c.reset(session, 1).obs;
        while (!stop) {
          std::vector<int32_t> legal;
          for (size_t a = 0; a < obs.action_mask.size(); ++a) {
            if (obs.action_mask[a]) legal.push_back(static_cast<int32_t>(a));
          }
          const auto t0 = Clock::now();
          const WireStep s = c.step(session, WireAction::of_act(legal[rng.below(legal.size())]));
          latency_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          ++steps;
          obs = s.terminated || s.truncated ? c.reset(session).obs : s.obs;
        }
        c.close(session);
      } catch (const std::exception& e) {
        ++errors;
        first_error = e.what();
      }
    });
  }
};

// What a load request expects of its reply.
struct Pending {
  enum class Kind { kMake, kReset, kStep } kind;
  size_t session;  // index into the load's sessions
  uint64_t seed = 0;
  int turn = 0;  // step: the obs turn expected
};

class Load {
 public:
  Load(zmq::context_t& ctx, const std::string& ep, size_t n)
      : sock_(ctx, zmq::socket_type::dealer), n_(n) {
    sock_.set(zmq::sockopt::linger, 0);
    sock_.set(zmq::sockopt::sndhwm, 0);
    sock_.set(zmq::sockopt::rcvhwm, 0);
    sock_.connect(ep);
    sessions_.resize(n);
  }

  // Makes and resets every session.
  void open() {
    for (size_t i = 0; i < n_; ++i) {
      send("make", 2, Pending{Pending::Kind::kMake, i}, [&](auto& pk) {
        pack_str(pk, "env_id");
        pack_str(pk, kEnvId);
        pack_str(pk, "options");
        pack_json(pk, {{"reward", i % 10 == 0 ? "mr" : "terminal"}, {"mr_samples", 1}});
      });
    }
    drain();
    for (size_t i = 0; i < n_; ++i) {
      const uint64_t seed = 1000 + i;
      send("reset", 2, Pending{Pending::Kind::kReset, i, seed}, [&](auto& pk) {
        pack_str(pk, "session");
        pack_str(pk, sessions_[i]);
        pack_str(pk, "seed");
        pk.pack_uint64(seed);
      });
    }
    drain();
  }

  // Steps every session `steps` times (pipelined: one session's steps are in flight together,
  // so per-session ordering is checked by the turns).
  void step(int steps) {
    for (size_t i = 0; i < n_; ++i) {
      for (int k = 0; k < steps; ++k) {
        send("step", 2, Pending{Pending::Kind::kStep, i, 0, k + 1}, [&](auto& pk) {
          pack_str(pk, "session");
          pack_str(pk, sessions_[i]);
          pack_str(pk, "action");
          pack_str(pk, k % 2 == 0 ? "Is it alive?" : "Is it bigger than a breadbox?");
        });
      }
    }
    drain();
  }

  // Steps `count` of the (reaped) sessions: each reply must be unknown_session.
  size_t probe_reaped(size_t count) {
    size_t unknown = 0;
    for (size_t i = 0; i < std::min(count, n_); ++i) {
      const uint64_t id = next_id_++;
      msgpack::sbuffer b;
      msgpack::packer<msgpack::sbuffer> pk(b);
      header(pk, id, "step", 2);
      pack_str(pk, "session");
      pack_str(pk, sessions_[i]);
      pack_str(pk, "action");
      pk.pack_int32(0);
      sock_.send(zmq::message_t(b.data(), b.size()), zmq::send_flags::none);
      zmq::message_t m;
      if (!sock_.recv(m)) continue;
      const auto h = msgpack::unpack(static_cast<const char*>(m.data()), m.size());
      const auto* err = find_key(h.get(), "error");
      const auto* code = err != nullptr ? find_key(*err, "code") : nullptr;
      if (code != nullptr && code->type == msgpack::type::STR &&
          std::string_view(code->via.str.ptr, code->via.str.size) == "unknown_session") {
        ++unknown;
      }
    }
    return unknown;
  }

  uint64_t replies() const { return replies_; }
  uint64_t errors() const { return errors_; }
  uint64_t misrouted() const { return misrouted_; }
  uint64_t lost() const { return lost_; }
  const std::string& first_problem() const { return first_problem_; }

 private:
  // Sends request `op` with `fields` more key/value pairs (packed by `fill`), expecting `p`.
  template <class Fill>
  void send(const char* op, uint32_t fields, Pending p, Fill&& fill) {
    while (pending_.size() >= kWindow) receive_one();
    const uint64_t id = next_id_++;
    msgpack::sbuffer b;
    msgpack::packer<msgpack::sbuffer> pk(b);
    header(pk, id, op, fields);
    fill(pk);
    sock_.send(zmq::message_t(b.data(), b.size()), zmq::send_flags::none);
    pending_.emplace(id, p);
  }

  static void header(msgpack::packer<msgpack::sbuffer>& pk, uint64_t id, const char* op,
                     uint32_t fields) {
    pk.pack_map(3 + fields);
    pack_str(pk, "v");
    pk.pack_int32(kProtocolVersion);
    pack_str(pk, "id");
    pk.pack_uint64(id);
    pack_str(pk, "op");
    pack_str(pk, op);
  }

  void drain() {
    while (!pending_.empty()) receive_one();
  }

  void problem(uint64_t& counter, std::string what) {
    ++counter;
    if (first_problem_.empty()) first_problem_ = std::move(what);
  }

  void receive_one() {
    sock_.set(zmq::sockopt::rcvtimeo, 60000);
    zmq::message_t m;
    if (!sock_.recv(m)) {  // a minute without any reply: every pending one is lost
      problem(lost_, fmt::format("{} replies never came", pending_.size()));
      lost_ += pending_.size() - 1;
      pending_.clear();
      return;
    }
    ++replies_;
    const auto h = msgpack::unpack(static_cast<const char*>(m.data()), m.size());
    const auto& r = h.get();
    const auto* id = find_key(r, "id");
    if (id == nullptr || id->type != msgpack::type::POSITIVE_INTEGER) {
      problem(misrouted_, "a reply without an id");
      return;
    }
    const auto it = pending_.find(id->via.u64);
    if (it == pending_.end()) {
      problem(misrouted_, fmt::format("a reply to id {}, which is not outstanding", id->via.u64));
      return;
    }
    const Pending p = it->second;
    pending_.erase(it);
    const auto* ok = find_key(r, "ok");
    if (ok == nullptr || ok->type != msgpack::type::BOOLEAN || !ok->via.boolean) {
      ++errors_;
      if (first_problem_.empty()) first_problem_ = to_json(r).dump();
      return;
    }
    switch (p.kind) {
      case Pending::Kind::kMake: {
        const auto* s = find_key(r, "session");
        if (s == nullptr || s->type != msgpack::type::STR) {
          problem(misrouted_, "make: no session");
          return;
        }
        sessions_[p.session].assign(s->via.str.ptr, s->via.str.size);
        break;
      }
      case Pending::Kind::kReset: {
        const auto* seed = find_key(r, "seed");
        if (seed == nullptr || seed->type != msgpack::type::POSITIVE_INTEGER ||
            seed->via.u64 != p.seed) {
          problem(misrouted_, fmt::format("reset of session {}: not its seed", p.session));
        }
        break;
      }
      case Pending::Kind::kStep: {
        const auto* obs = find_key(r, "obs");
        const auto* turn = obs != nullptr ? find_key(*obs, "turn") : nullptr;
        if (turn == nullptr || turn->type != msgpack::type::POSITIVE_INTEGER ||
            static_cast<int>(turn->via.u64) != p.turn) {
          problem(misrouted_,
                  fmt::format("step of session {}: turn {} expected", p.session, p.turn));
        }
        break;
      }
    }
  }

  zmq::socket_t sock_;
  size_t n_;
  std::vector<std::string> sessions_;
  std::unordered_map<uint64_t, Pending> pending_;
  uint64_t next_id_ = 1;
  uint64_t replies_ = 0, errors_ = 0, misrouted_ = 0, lost_ = 0;
  std::string first_problem_;
};

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 10000;
  const double idle_timeout = argc > 2 ? std::stod(argv[2]) : kIdleTimeout;
  const std::string ep = fmt::format("ipc:///tmp/collabgym-soak-{}.sock", getpid());
  ServerOptions opts;
  opts.binds = {ep};
  opts.threads = 2;
  opts.max_sessions = n + 16;
  opts.idle_timeout_s = idle_timeout;
  Server server(collab::tasks::builtin_registry(), opts);
  std::thread serving([&] { server.run(); });

  GoodClient good;
  good.start(ep);
  // Baseline once the good client steps: its session made, the task loaded.
  for (int i = 0; i < 600 && good.steps < 10 && good.errors == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  malloc_trim(0);
  const double base = rss_mib();
  fmt::print(
      "soak: {} sessions of {} (1 in 10 with MR rewards), idle timeout {} s, "
      "{} steps each, {} requests in flight; a good client steps beside them\n",
      n, kEnvId, idle_timeout, kStepsPerSession, kWindow);
  fmt::print("  RSS baseline                  {:8.1f} MiB\n", base);

  zmq::context_t ctx;
  Load load(ctx, ep, n);
  const auto t0 = Clock::now();
  load.open();
  const double opened = rss_mib();
  const auto t1 = Clock::now();
  load.step(kStepsPerSession);
  const double mid = rss_mib();
  const auto t2 = Clock::now();
  const auto per = [&](double mib) { return (mib - base) * 1024 * 1024 / static_cast<double>(n); };
  fmt::print("  RSS, all open and reset       {:8.1f} MiB  {:7.0f} bytes/session  ({:.1f} s)\n",
             opened, per(opened), std::chrono::duration<double>(t1 - t0).count());
  fmt::print("  RSS, mid-episode ({} steps)    {:8.1f} MiB  {:7.0f} bytes/session  ({:.1f} s)\n",
             kStepsPerSession, mid, per(mid), std::chrono::duration<double>(t2 - t1).count());

  // Reaping: every load session goes; the good client's stays (it steps all the time).
  const auto reap_start = Clock::now();
  const auto reap_limit = std::chrono::duration<double>(idle_timeout + 60);
  while (server.stats().sessions > 1 && Clock::now() - reap_start < reap_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double reaped_s = std::chrono::duration<double>(Clock::now() - reap_start).count();
  const uint64_t left = server.stats().sessions;
  const double after = rss_mib();
  malloc_trim(0);
  const double trimmed = rss_mib();
  fmt::print(
      "  RSS, after reaping            {:8.1f} MiB  {:7.0f} bytes/session  "
      "({} session(s) left {:.1f} s after the last step)\n",
      after, per(after), left, reaped_s);
  fmt::print(
      "  RSS, after malloc_trim        {:8.1f} MiB  {:7.0f} bytes/session  "
      "({:+.1f} MiB from baseline)\n",
      trimmed, per(trimmed), trimmed - base);
  const size_t probes = std::min<size_t>(n, 100);
  const size_t unknown = load.probe_reaped(probes);
  fmt::print("  reaped sessions probed: {} of {} answer unknown_session\n", unknown, probes);

  good.stop = true;
  good.thread.join();
  server.stop();
  serving.join();
  std::remove(ep.substr(std::string_view("ipc://").size()).c_str());  // the socket file

  fmt::print("  load replies: {}, errors {}, lost {}, misrouted {}\n", load.replies(),
             load.errors(), load.lost(), load.misrouted());
  if (!load.first_problem().empty()) fmt::print("    first problem: {}\n", load.first_problem());
  std::vector<double> lat = good.latency_ms;
  const double worst = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
  fmt::print("  good client: {} steps, {} errors, step latency median {:.3f} ms, worst {:.1f} ms\n",
             good.steps.load(), good.errors.load(), median(lat), worst);
  if (!good.first_error.empty()) fmt::print("    its error: {}\n", good.first_error);
  const bool fine = load.lost() == 0 && load.misrouted() == 0 && load.errors() == 0 &&
                    good.errors == 0 && left <= 1 && unknown == probes;
  fmt::print("soak: {}\n", fine ? "ok" : "PROBLEMS (see above)");
  return fine ? 0 : 1;
}
