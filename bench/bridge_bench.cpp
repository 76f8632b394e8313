// The bridge's speed against a raw ZeroMQ round trip (issue: bridge benchmark). Not a test.
//
// In one run, on tcp loopback:
//  1. raw ZeroMQ REQ/REP echo, with request and reply sizes equal to a real step's;
//  2. our `step` round trip (C++ client, 20 Questions, act mode, reward=terminal);
//  3. `step_many` env-steps/s at batch 1, 16 and 256: the per-session reply (one map per item)
//     and the structure-of-arrays reply (capability "soa", docs/throughput.md) side by side, in
//     alternating rounds; then where a batch-256 SoA round trip's time goes: a raw ZeroMQ echo of
//     the same request and reply sizes, the same 256 steps in-process, and the rest;
//  4. the Python client's steps/s (bench/python_client_bench.py, if Debian's python3 can run it):
//     VectorEnv per-session vs SoA layout;
//  5. the memory of a `collabgym serve` process: idle (and whether libtorch is mapped), then bytes
//     per session with 10,000 idle sessions (made, never reset) and with 1,000 mid-episode
//     (reset and stepped 3 times).
// Medians over many round trips; reset round trips are not timed.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bench/bench_util.h"
#include "bridge/client.h"
#include "bridge/server.h"
#include "env/rng.h"
#include "env/vector_env.h"
#include "tasks/register_all.h"

namespace {

using collab::bench::Clock;
using collab::bench::median;
using namespace collab::bridge;

int32_t random_legal(const WireObservation& obs, collab::Rng& rng) {
  std::vector<int32_t> legal;
  for (size_t a = 0; a < obs.action_mask.size(); ++a) {
    if (obs.action_mask[a]) legal.push_back(static_cast<int32_t>(a));
  }
  return legal[rng.below(legal.size())];
}

// A raw ZeroMQ REP echo server answering every request with `reply_bytes` bytes.
class EchoServer {
 public:
  explicit EchoServer(size_t reply_bytes) : rep_(ctx_, zmq::socket_type::rep) {
    rep_.bind("tcp://127.0.0.1:0");
    endpoint_ = rep_.get(zmq::sockopt::last_endpoint);
    rep_.set(zmq::sockopt::rcvtimeo, 200);
    thread_ = std::thread([this, reply_bytes] {
      const std::string reply(reply_bytes, 'r');
      while (!stop_) {
        zmq::message_t m;
        if (!rep_.recv(m)) continue;
        rep_.send(zmq::buffer(reply), zmq::send_flags::none);
      }
    });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  zmq::context_t ctx_;
  zmq::socket_t rep_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// VmRSS of a process, in bytes (0 if unreadable).
double rss_bytes(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024;  // "... kB"
  }
  return 0;
}

bool maps_libtorch(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/maps", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.find("libtorch") != std::string::npos) return true;
  }
  return false;
}

// 5. A real `collabgym serve`: idle RSS, then bytes per session with `idle` sessions made (never
// reset), and with `live` more sessions mid-episode (reset, then 3 steps).
void server_memory(int idle, int live) {
  const std::string ep = fmt::format("ipc:///tmp/collabgym-bench-{}.sock", getpid());
  std::fflush(stdout);  // or the child prints our buffer again
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string max = std::to_string(idle + live + 1);
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
    execl(COLLAB_CLI_PATH, COLLAB_CLI_PATH, "serve", "--bind", ep.c_str(), "--max-sessions",
          max.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  Client c(ep, std::chrono::seconds(60));
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    try {
      up = Client(ep, std::chrono::milliseconds(200)).ping();
    } catch (const RemoteError&) {
      // not listening yet
    }
  }
  if (!up) {
    fmt::print("server memory: {} serve did not answer; skipped\n", COLLAB_CLI_PATH);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double idle_rss = rss_bytes(pid);
  const bool torch = maps_libtorch(pid);
  // One session first, so that the task (scenario, catalog) is loaded before the baseline.
  const auto first = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  c.reset(first, 0);
  const double warm = rss_bytes(pid);
  // Small pipelined chunks: what is measured is the sessions, not the transient buffers of a
  // thousand replies in flight (which the allocator keeps after they are freed).
  constexpr size_t kChunk = 32;
  const auto make = [&](int count) {
    std::vector<std::string> made;
    while (made.size() < static_cast<size_t>(count)) {
      const size_t n = std::min(kChunk, static_cast<size_t>(count) - made.size());
      auto m = c.make_many("twenty_questions-v0", n, {{"reward", "terminal"}});
      made.insert(made.end(), m.sessions.begin(), m.sessions.end());
    }
    return made;
  };
  make(idle);
  const double after_idle = rss_bytes(pid);
  const auto live_sessions = make(live);
  collab::Rng rng(9);
  SoaBatch b;
  size_t failed = 0, ended = 0;  // ended: the episode was over (reset_needed), as may happen
  for (size_t at = 0; at < live_sessions.size(); at += kChunk) {
    const std::span<const std::string> chunk(live_sessions.data() + at,
                                             std::min(kChunk, live_sessions.size() - at));
    std::vector<uint64_t> seeds(chunk.size());
    std::iota(seeds.begin(), seeds.end(), at);
    c.reset_many_soa(chunk, seeds, b);
    for (int t = 0; t < 3; ++t) {
      std::vector<WireAction> acts;
      for (size_t i = 0; i < chunk.size(); ++i) {
        WireObservation m;
        m.action_mask.assign(b.mask_row(i).begin(), b.mask_row(i).end());
        const bool any =
            std::find(m.action_mask.begin(), m.action_mask.end(), 1) != m.action_mask.end();
        acts.push_back(any ? WireAction::of_act(random_legal(m, rng))
                           : WireAction::of_text("Is it alive?"));  // ended or failed: reset_needed
      }
      c.step_many_soa(chunk, acts, b);
      for (const auto& [i, e] : b.errors) ++(e.code() == "reset_needed" ? ended : failed);
    }
  }
  const double after_live = rss_bytes(pid);
  if (failed > 0) fmt::print("server memory: {} of the mid-episode steps FAILED\n", failed);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);

  fmt::print("server memory: collabgym serve, 20 Questions (reward=terminal)\n");
  fmt::print("{:<44} {:>12}   libtorch mapped: {}\n", "idle RSS (before the first session)",
             fmt::format("{:.1f} MiB", idle_rss / (1 << 20)), torch ? "yes" : "no");
  fmt::print("{:<44} {:>12.0f}   (target <= 16384)\n",
             fmt::format("bytes per idle session ({} made)", idle), (after_idle - warm) / idle);
  fmt::print("{:<44} {:>12.0f}   ({} of the {} steps found their episode over)\n",
             fmt::format("bytes per mid-episode session ({})", live),
             (after_live - after_idle) / live, ended, 3 * live);
}

struct RoundTrip {
  double us = 0;
  size_t request_bytes = 0, reply_bytes = 0;
};

// Where a batch-256 SoA round trip goes: the same bytes through a raw ZeroMQ REQ/REP echo (the
// transport, its threads and wake-ups), the same 256 steps in-process (VectorEnv, 1 thread, random
// legal acts), and the rest: our decoding, session lookups, per-item checks, encoding and copies.
void time_breakdown(const RoundTrip& ours, int n) {
  EchoServer echo(ours.reply_bytes);
  zmq::context_t ctx;
  zmq::socket_t req(ctx, zmq::socket_type::req);
  req.connect(echo.endpoint());
  const std::string request(ours.request_bytes, 'q');
  std::vector<double> raw;
  for (int i = 0; i < std::max(50, n / 10); ++i) {
    const auto t0 = Clock::now();
    req.send(zmq::buffer(request), zmq::send_flags::none);
    zmq::message_t m;
    (void)req.recv(m);
    raw.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const collab::Env proto = collab::tasks::builtin_registry().make(
      "twenty_questions-v0", {{"reward", "terminal"}, {"split", "all"}});
  collab::VectorEnv v(proto, 256, 1);
  const collab::VectorBatch* b = &v.reset(5);
  collab::Rng rng(4);
  std::vector<int32_t> acts(256);
  std::vector<double> local;
  for (int r = 0; r < 200; ++r) {
    for (size_t i = 0; i < acts.size(); ++i) {
      WireObservation m;
      m.action_mask.assign(b->masks.begin() + static_cast<std::ptrdiff_t>(i) * b->num_acts,
                           b->masks.begin() + static_cast<std::ptrdiff_t>(i + 1) * b->num_acts);
      acts[i] = random_legal(m, rng);
    }
    const auto t0 = Clock::now();
    b = &v.step(acts);
    local.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const double t_raw = median(raw), t_env = median(local);
  const double rest = ours.us - t_raw - t_env;
  fmt::print("where a batch-256 SoA round trip goes (parts are medians)\n");
  fmt::print("{:<58} {:>9.0f} us\n", "step_many round trip, 256 envs, SoA back to back (mean)",
             ours.us);
  fmt::print("{:<58} {:>9.0f} us  {:>5.1f}%\n",
             fmt::format("  raw ZeroMQ echo of the same sizes ({} B / {} B)", ours.request_bytes,
                         ours.reply_bytes),
             t_raw, 100 * t_raw / ours.us);
  fmt::print("{:<58} {:>9.0f} us  {:>5.1f}%\n", "  the 256 steps in-process (VectorEnv, 1 thread)",
             t_env, 100 * t_env / ours.us);
  fmt::print("{:<58} {:>9.0f} us  {:>5.1f}%\n",
             "  the rest: decode, lookups, checks, encode, copies", rest, 100 * rest / ours.us);
  fmt::print("bound with no overhead of ours: {:.0f} env-steps/s (transport + env only)\n\n",
             256e6 / (t_raw + t_env));
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  spdlog::set_level(spdlog::level::warn);
  ServerOptions opts;
  opts.binds = {"tcp://127.0.0.1:0"};
  opts.threads = 2;
  Server server(collab::tasks::builtin_registry(), opts);
  std::thread serving([&] { server.run(); });
  const std::string ep = server.endpoints().at(0);
  Client c(ep);
  collab::Rng rng(1);

  // 1 + 2. Our step round trip and a raw echo of the same sizes, in alternating blocks so that
  // drift in the machine's speed affects both alike.
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  WireObservation obs = c.reset(s, 0).obs;
  uint64_t seed = 1;
  const WireStep first = c.step(s, WireAction::of_act(random_legal(obs, rng)));
  const size_t request_bytes = c.last_request_bytes(), reply_bytes = c.last_reply_bytes();
  obs = first.obs;
  EchoServer echo(reply_bytes);
  zmq::context_t ctx;
  zmq::socket_t req(ctx, zmq::socket_type::req);
  req.connect(echo.endpoint());
  const std::string request(request_bytes, 'q');
  std::vector<double> step_us, raw_us, block_ratio;
  const int blocks = 20, per_block = std::max(1, n / blocks);
  for (int blk = 0; blk < blocks; ++blk) {
    std::vector<double> ours_b, raw_b;
    for (int i = 0; i < per_block; ++i) {
      const int32_t act = random_legal(obs, rng);
      const auto t0 = Clock::now();
      const WireStep st = c.step(s, WireAction::of_act(act));
      ours_b.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      obs = st.obs;
      if (st.terminated || st.truncated) obs = c.reset(s, seed++).obs;
    }
    for (int i = 0; i < per_block; ++i) {
      const auto t0 = Clock::now();
      req.send(zmq::buffer(request), zmq::send_flags::none);
      zmq::message_t m;
      (void)req.recv(m);
      raw_b.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    block_ratio.push_back(median(ours_b) / median(raw_b));
    step_us.insert(step_us.end(), ours_b.begin(), ours_b.end());
    raw_us.insert(raw_us.end(), raw_b.begin(), raw_b.end());
  }
  const double raw = median(raw_us);
  const double ours = median(step_us);

  fmt::print("bridge over tcp loopback, 20 Questions act mode, reward=terminal, {} round trips\n\n",
             n);
  fmt::print("{:<52} {:>10}\n", "measure", "median us");
  fmt::print("{:<52} {:>10.1f}\n",
             fmt::format("raw ZeroMQ REQ/REP echo ({} B / {} B)", request_bytes, reply_bytes), raw);
  fmt::print("{:<52} {:>10.1f}\n", "CollabGym step round trip (C++ client)", ours);
  fmt::print("{:<52} {:>9.2f}x   (target <= 1.05x)\n", "step / raw echo (medians)", ours / raw);
  fmt::print("{:<52} {:>9.2f}x   ({} alternating blocks)\n\n",
             "step / raw echo (median of per-block ratios)", median(block_ratio), blocks);

  // 3. step_many throughput: per-session replies (set A) and SoA replies (set B), same seeds,
  // alternating rounds so that the machine's load affects both alike.
  fmt::print("{:<12} {:>18} {:>18} {:>8}\n", "step_many", "per-session /s", "SoA /s", "SoA/old");
  RoundTrip soa256;
  for (int batch : {1, 16, 256}) {
    const auto made_a =
        c.make_many("twenty_questions-v0", static_cast<size_t>(batch), {{"reward", "terminal"}});
    const auto made_b =
        c.make_many("twenty_questions-v0", static_cast<size_t>(batch), {{"reward", "terminal"}});
    const auto& sa = made_a.sessions;
    const auto& sb = made_b.sessions;
    std::vector<uint64_t> seeds(static_cast<size_t>(batch));
    for (size_t i = 0; i < seeds.size(); ++i) seeds[i] = i;
    auto resets = c.reset_many(sa, seeds);
    std::vector<WireObservation> obs_a;
    for (auto& r : resets) obs_a.push_back(std::move(r.obs));
    SoaBatch soa;
    c.reset_many_soa(sb, seeds, soa);
    std::vector<std::vector<uint8_t>> mask_b(static_cast<size_t>(batch));
    for (size_t i = 0; i < mask_b.size(); ++i)
      mask_b[i].assign(soa.mask_row(i).begin(), soa.mask_row(i).end());
    const int rounds = std::max(50, 40000 / batch);
    double busy_a = 0, busy_b = 0;
    std::pair<size_t, size_t> soa_bytes;  // request and reply bytes of a SoA step_many
    std::vector<std::pair<std::string, WireAction>> steps;
    std::vector<WireAction> acts_b(static_cast<size_t>(batch));
    for (int k = 0; k < rounds; ++k) {
      steps.clear();
      for (int i = 0; i < batch; ++i)
        steps.emplace_back(sa[static_cast<size_t>(i)],
                           WireAction::of_act(random_legal(obs_a[static_cast<size_t>(i)], rng)));
      auto t0 = Clock::now();
      auto out = c.step_many(steps);
      busy_a += std::chrono::duration<double>(Clock::now() - t0).count();
      for (int i = 0; i < batch; ++i) {
        const auto& st = std::get<WireStep>(out[static_cast<size_t>(i)]);
        obs_a[static_cast<size_t>(i)] = st.obs;
        if (st.terminated || st.truncated)
          obs_a[static_cast<size_t>(i)] = c.reset(sa[static_cast<size_t>(i)], seed++).obs;
      }
      for (size_t i = 0; i < acts_b.size(); ++i) {
        WireObservation m;
        m.action_mask = mask_b[i];
        acts_b[i] = WireAction::of_act(random_legal(m, rng));
      }
      t0 = Clock::now();
      c.step_many_soa(sb, acts_b, soa);
      busy_b += std::chrono::duration<double>(Clock::now() - t0).count();
      soa_bytes = {c.last_request_bytes(), c.last_reply_bytes()};
      for (size_t i = 0; i < mask_b.size(); ++i) {
        mask_b[i].assign(soa.mask_row(i).begin(), soa.mask_row(i).end());
        if (soa.terminated[i] || soa.truncated[i])
          mask_b[i] = c.reset(sb[i], seed++).obs.action_mask;
      }
    }
    const double a_rate = batch * rounds / busy_a, b_rate = batch * rounds / busy_b;
    fmt::print("batch {:<6} {:>18.0f} {:>18.0f} {:>7.2f}x\n", batch, a_rate, b_rate,
               b_rate / a_rate);
    if (batch == 256) {
      // The same SoA steps back to back, as a training loop makes them (no per-session round
      // between them to evict the caches): the figure the time split below explains.
      double busy = 0;
      for (int k = 0; k < rounds; ++k) {
        for (size_t i = 0; i < acts_b.size(); ++i) {
          WireObservation m;
          m.action_mask = mask_b[i];
          acts_b[i] = WireAction::of_act(random_legal(m, rng));
        }
        const auto t0 = Clock::now();
        c.step_many_soa(sb, acts_b, soa);
        busy += std::chrono::duration<double>(Clock::now() - t0).count();
        // Finished episodes restart with one reset_many, as a vector env does.
        std::vector<std::string> done;
        std::vector<uint64_t> done_seeds;
        std::vector<size_t> done_rows;
        for (size_t i = 0; i < mask_b.size(); ++i) {
          mask_b[i].assign(soa.mask_row(i).begin(), soa.mask_row(i).end());
          if (soa.terminated[i] || soa.truncated[i]) {
            done.push_back(sb[i]);
            done_seeds.push_back(seed++);
            done_rows.push_back(i);
          }
        }
        if (!done.empty()) {
          SoaBatch fresh;
          c.reset_many_soa(done, done_seeds, fresh);
          for (size_t j = 0; j < done_rows.size(); ++j)
            mask_b[done_rows[j]].assign(fresh.mask_row(j).begin(), fresh.mask_row(j).end());
        }
      }
      fmt::print("batch 256, SoA only, back to back {:>24.0f}\n", batch * rounds / busy);
      soa256 = {busy / rounds * 1e6, soa_bytes.first, soa_bytes.second};
    }
    c.close_many(sa);
    c.close_many(sb);
  }
  fmt::print("(target: >= 1000000 env-steps/s at batch 256, SoA)\n\n");
  time_breakdown(soa256, n);

  // 4. Python client, if it can run here.
  const std::string py = fmt::format(
      "cd {} && PYTHONPATH=bridge/python /usr/bin/python3 bench/python_client_bench.py --endpoint "
      "{} 2>&1",
      COLLAB_SOURCE_DIR, ep);
  if (FILE* p = popen(py.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) fmt::print("{}", buf);
    pclose(p);
  }
  server.stop();
  serving.join();
  fmt::print("\n");
  server_memory(10000, 1000);
  return 0;
}
