// The bridge's speed against a raw ZeroMQ round trip (issue: bridge benchmark). Not a test.
//
// In one run, on tcp loopback:
//  1. raw ZeroMQ REQ/REP echo, with request and reply sizes equal to a real step's;
//  2. our `step` round trip (C++ client, 20 Questions, act mode, reward=terminal);
//  3. `step_many` env-steps/s at batch 1, 16 and 256;
//  4. the Python client's steps/s (bench/python_client_bench.py, if Debian's python3 can run it).
// Medians over many round trips; reset round trips are not timed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "bridge/client.h"
#include "bridge/server.h"
#include "env/rng.h"
#include "tasks/register_all.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace collab::bridge;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int32_t random_legal(const WireObservation& obs, collab::Rng& rng) {
  std::vector<int32_t> legal;
  for (size_t a = 0; a < obs.action_mask.size(); ++a) {
    if (obs.action_mask[a]) legal.push_back(static_cast<int32_t>(a));
  }
  return legal[rng.below(legal.size())];
}

// Median µs of a raw REQ/REP echo with the given sizes.
double raw_echo_us(size_t request_bytes, size_t reply_bytes, int n) {
  zmq::context_t ctx;
  zmq::socket_t rep(ctx, zmq::socket_type::rep);
  rep.bind("tcp://127.0.0.1:0");
  const std::string ep = rep.get(zmq::sockopt::last_endpoint);
  std::thread server([&] {
    const std::string reply(reply_bytes, 'r');
    for (int i = 0; i < n; ++i) {
      zmq::message_t m;
      (void)rep.recv(m);
      rep.send(zmq::buffer(reply), zmq::send_flags::none);
    }
  });
  zmq::socket_t req(ctx, zmq::socket_type::req);
  req.connect(ep);
  const std::string request(request_bytes, 'q');
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    req.send(zmq::buffer(request), zmq::send_flags::none);
    zmq::message_t m;
    (void)req.recv(m);
    t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  server.join();
  return median(t);
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

  // 2. Our step round trip; also measures the real message sizes for the raw baseline.
  const auto s = c.make("twenty_questions-v0", {{"reward", "terminal"}}).session;
  WireReset r = c.reset(s, 0);
  WireObservation obs = r.obs;
  std::vector<double> step_us;
  size_t request_bytes = 0, reply_bytes = 0;  // one step's, as they were on the wire
  uint64_t seed = 1;
  for (int i = 0; i < n; ++i) {
    const int32_t act = random_legal(obs, rng);
    const auto t0 = Clock::now();
    const WireStep st = c.step(s, WireAction::of_act(act));
    step_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    obs = st.obs;
    if (i == 0) {
      request_bytes = c.last_request_bytes();
      reply_bytes = c.last_reply_bytes();
    }
    if (st.terminated || st.truncated) obs = c.reset(s, seed++).obs;
  }
  // 1. Raw echo of the same sizes.
  const double raw = raw_echo_us(request_bytes, reply_bytes, n);
  const double ours = median(step_us);

  fmt::print("bridge over tcp loopback, 20 Questions act mode, reward=terminal, {} round trips\n\n", n);
  fmt::print("{:<52} {:>10}\n", "measure", "median us");
  fmt::print("{:<52} {:>10.1f}\n", fmt::format("raw ZeroMQ REQ/REP echo ({} B / {} B)", request_bytes, reply_bytes), raw);
  fmt::print("{:<52} {:>10.1f}\n", "CollabGym step round trip (C++ client)", ours);
  fmt::print("{:<52} {:>9.2f}x   (target <= 1.30x)\n\n", "step / raw echo", ours / raw);

  // 3. step_many throughput.
  fmt::print("{:<12} {:>16} {:>14}\n", "step_many", "env-steps/s", "median ms");
  for (int batch : {1, 16, 256}) {
    std::vector<std::string> sessions;
    std::vector<WireObservation> obs_b;
    for (int i = 0; i < batch; ++i) {
      sessions.push_back(c.make("twenty_questions-v0", {{"reward", "terminal"}}).session);
      obs_b.push_back(c.reset(sessions.back(), static_cast<uint64_t>(i)).obs);
    }
    const int rounds = std::max(50, 40000 / batch);
    std::vector<double> ms;
    double busy = 0;
    for (int k = 0; k < rounds; ++k) {
      std::vector<std::pair<std::string, WireAction>> steps;
      for (int i = 0; i < batch; ++i) steps.emplace_back(sessions[static_cast<size_t>(i)], WireAction::of_act(random_legal(obs_b[static_cast<size_t>(i)], rng)));
      const auto t0 = Clock::now();
      auto out = c.step_many(steps);
      const double dt = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      ms.push_back(dt);
      busy += dt;
      for (int i = 0; i < batch; ++i) {
        const auto& st = std::get<WireStep>(out[static_cast<size_t>(i)]);
        obs_b[static_cast<size_t>(i)] = st.obs;
        if (st.terminated || st.truncated) obs_b[static_cast<size_t>(i)] = c.reset(sessions[static_cast<size_t>(i)], seed++).obs;
      }
    }
    fmt::print("batch {:<6} {:>16.0f} {:>14.3f}\n", batch, batch * rounds / (busy / 1e3), median(ms));
    for (const auto& x : sessions) c.close(x);
  }
  fmt::print("(target: >= 200000 env-steps/s at batch 256)\n\n");

  // 4. Python client, if it can run here.
  const std::string py = fmt::format(
      "cd {} && PYTHONPATH=bridge/python /usr/bin/python3 bench/python_client_bench.py --endpoint {} 2>&1",
      COLLAB_SOURCE_DIR, ep);
  if (FILE* p = popen(py.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) fmt::print("{}", buf);
    pclose(p);
  }
  server.stop();
  serving.join();
  return 0;
}
