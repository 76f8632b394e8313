// Delivery (docs/protocol.md "Delivery"): no reply is lost at ZeroMQ's high-water mark, a client
// that sends without reading gets backpressure within the documented bounds and slows nobody
// else, and clients of any batch size work (bridge/server_transport.h).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <vector>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bridge/client.h"
#include "bridge/codec.h"
#include "bridge/server.h"
#include "tasks/register_all.h"
#include "tests/bridge/server_test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define COLLAB_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COLLAB_TEST_ASAN 1
#endif
#endif
#ifdef COLLAB_TEST_ASAN
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

namespace collab::bridge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Packer = msgpack::packer<msgpack::sbuffer>;

using test::opts;
using test::Running;

std::string ipc_path(const std::string& name) {
  return "ipc:///tmp/collabgym-delivery-" + name + "-" + std::to_string(getpid()) + ".sock";
}

// A request body {v, id, op, fields…}, with `pad` bytes of an ignored field.
template <class Fill>
zmq::message_t request(uint64_t id, const char* op, uint32_t n_fields, Fill&& fill,
                       size_t pad = 0) {
  msgpack::sbuffer b;
  Packer pk(b);
  pk.pack_map(3 + n_fields + (pad > 0 ? 1 : 0));
  pack_str(pk, "v");
  pk.pack_int32(kProtocolVersion);
  pack_str(pk, "id");
  pk.pack_uint64(id);
  pack_str(pk, "op");
  pack_str(pk, op);
  fill(pk);
  if (pad > 0) {
    const std::string bytes(pad, 'x');
    pack_str(pk, "pad");
    pk.pack_bin(static_cast<uint32_t>(pad));
    pk.pack_bin_body(bytes.data(), static_cast<uint32_t>(pad));
  }
  return zmq::message_t(b.data(), b.size());
}

struct Reply {
  uint64_t id = 0;
  bool ok = false;
  std::string code;
};

// The next reply on a raw DEALER, or nullopt after `wait`.
std::optional<Reply> read_reply(zmq::socket_t& s, std::chrono::milliseconds wait) {
  s.set(zmq::sockopt::rcvtimeo, static_cast<int>(wait.count()));
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(s, std::back_inserter(frames)) || frames.empty()) return std::nullopt;
  const auto h =
      msgpack::unpack(static_cast<const char*>(frames.back().data()), frames.back().size());
  const nlohmann::json j = to_json(h.get());
  Reply r;
  r.id = j["id"].is_null() ? 0 : j["id"].get<uint64_t>();
  r.ok = j["ok"].get<bool>();
  if (!r.ok) r.code = j["error"]["code"].get<std::string>();
  return r;
}

// The server's stats once it has read everything a flood sent (what it holds and refused stops
// changing for 100 ms), within 5 s.
ServerStats settle(Server& server) {
  ServerStats last = server.stats();
  int stable = 0;
  for (int i = 0; i < 250 && stable < 5; ++i) {
    std::this_thread::sleep_for(20ms);
    const ServerStats now = server.stats();
    const bool same = now.held_requests == last.held_requests && now.overloaded == last.overloaded;
    stable = same ? stable + 1 : 0;
    last = now;
  }
  return last;
}

size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// ZeroMQ's defaults on the client (high-water marks of 1,000 messages): 20,000 pipelined
// requests before the first read all get their reply, in order (before: ~28% were lost).
TEST(Delivery, TwentyThousandPipelinedRequestsGetTwentyThousandReplies) {
  Running srv(opts("tcp://127.0.0.1:0"));
  Client c(srv.endpoint(), 5s);
  const auto made = c.make("twenty_questions-v0", {{"reward", "terminal"}});
  zmq::context_t ctx(1);
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(srv.endpoint());
  constexpr uint64_t kRequests = 20000;
  for (uint64_t id = 1; id <= kRequests; ++id) {
    // (reset, step) pairs: every reply is ok, and steps need the reset before them (order).
    if (id % 2 == 1) {
      raw.send(request(id, "reset", 2,
                       [&](Packer& pk) {
                         pack_str(pk, "session");
                         pack_str(pk, made.session);
                         pack_str(pk, "seed");
                         pk.pack_uint64(id);
                       }),
               zmq::send_flags::none);
    } else {
      raw.send(request(id, "step", 2,
                       [&](Packer& pk) {
                         pack_str(pk, "session");
                         pack_str(pk, made.session);
                         pack_str(pk, "action");
                         pack_str(pk, "Is it alive?");
                       }),
               zmq::send_flags::none);
    }
  }
  uint64_t expected = 1, failed = 0;
  while (expected <= kRequests) {
    const auto r = read_reply(raw, 10s);
    ASSERT_TRUE(r.has_value()) << "reply " << expected << " of " << kRequests << " never came";
    ASSERT_EQ(r->id, expected) << "replies of one client come in request order";
    if (!r->ok) ++failed;
    ++expected;
  }
  EXPECT_EQ(failed, 0u);
  EXPECT_FALSE(read_reply(raw, 100ms).has_value()) << "one reply per request, not more";
  const ServerStats st = srv.server().stats();
  EXPECT_EQ(st.overloaded, 0u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_EQ(st.held_requests, 0u);
}

struct StallCase {
  const char* name;
  size_t max_in_flight;
  size_t max_queued_bytes;
  size_t pad;  // bytes added to each request
};

class Stalled : public ::testing::TestWithParam<StallCase> {};

// A client that sends 20,000 requests without reading: the server holds at most the documented
// bounds for it (the rest is answered `overloaded`, never dropped), another client's pings stay
// fast meanwhile, and once the client reads it gets exactly one reply per request, in order.
TEST_P(Stalled, BoundedMemoryNoSilenceOthersUnaffected) {
  const StallCase& k = GetParam();
  ServerOptions o = opts(ipc_path(k.name));
  o.max_message_bytes = 16 << 10;
  o.max_in_flight = k.max_in_flight;
  o.max_queued_bytes = k.max_queued_bytes;
  Running srv(o);
  Client other(srv.endpoint(), 5s);
  ASSERT_TRUE(other.ping());
  const size_t rss_before = rss_bytes();

  zmq::context_t ctx(1);
  zmq::socket_t stalled(ctx, zmq::socket_type::dealer);
  stalled.set(zmq::sockopt::linger, 0);
  stalled.set(zmq::sockopt::rcvbuf, 4096);  // (and ZeroMQ's default high-water marks)
  stalled.connect(srv.endpoint());

  std::atomic<bool> flooding{true};
  std::vector<int64_t> ping_us;  // written by the pinger only, read after join
  std::thread pinger([&] {
    Client c(srv.endpoint(), 5s);
    while (flooding) {
      const auto t0 = Clock::now();
      c.ping();
      ping_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
      std::this_thread::sleep_for(1ms);
    }
  });
  constexpr uint64_t kRequests = 20000;
  for (uint64_t id = 1; id <= kRequests; ++id) {
    stalled.send(request(
                     id, "hello", 0, [](Packer&) {}, k.pad),
                 zmq::send_flags::none);
  }
  // Let the server read everything, then look at what it holds while the client still reads
  // nothing.
  ServerStats st = settle(srv.server());
  flooding = false;
  pinger.join();
  // A server that waited on the stalled client would delay every ping (up to the 5 s timeout);
  // the median is immune to the odd scheduling spike of a loaded CI machine, the worst case bounds
  // the rest generously.
  ASSERT_FALSE(ping_us.empty());
  std::sort(ping_us.begin(), ping_us.end());
  EXPECT_LT(ping_us[ping_us.size() / 2], 50000) << "another client's ping waited on the stalled one";
  EXPECT_LT(ping_us.back(), 1000000) << "another client's ping waited on the stalled one";
  EXPECT_EQ(st.clients_waiting, 1u);
  EXPECT_GT(st.overloaded, 0u) << "20,000 requests should exceed the bound";
  EXPECT_LE(st.held_requests, k.max_in_flight);
  // The bound: max_queued_bytes, plus the one request that crossed it, plus one reply.
  EXPECT_LE(st.max_client_bytes, k.max_queued_bytes + o.max_message_bytes + 4096);
  const size_t rss_growth = rss_bytes() - std::min(rss_before, rss_bytes());
  // (Under AddressSanitizer freed memory sits in its quarantine: RSS says nothing about bounds;
  // max_client_bytes above is the bound's own measure.)
  if (!kAddressSanitizer) {
    EXPECT_LT(rss_growth, size_t{64} << 20) << "process memory grew by " << rss_growth << " bytes";
  }

  uint64_t expected = 1, overloaded = 0;
  while (expected <= kRequests) {
    const auto r = read_reply(stalled, 10s);
    ASSERT_TRUE(r.has_value()) << "reply " << expected << " of " << kRequests << " never came";
    ASSERT_EQ(r->id, expected) << "replies of one client come in request order";
    if (!r->ok) {
      ASSERT_EQ(r->code, "overloaded");
      ++overloaded;
    }
    ++expected;
  }
  EXPECT_FALSE(read_reply(stalled, 100ms).has_value()) << "one reply per request, not more";
  st = srv.server().stats();
  EXPECT_EQ(overloaded, st.overloaded);
  EXPECT_LT(overloaded, kRequests);
  EXPECT_EQ(st.held_requests, 0u);
  EXPECT_EQ(st.held_bytes, 0u);
  EXPECT_EQ(st.clients_waiting, 0u);
  EXPECT_EQ(st.dropped, 0u);
  // The client reads again: it is served normally.
  stalled.send(request(kRequests + 1, "ping", 0, [](Packer&) {}), zmq::send_flags::none);
  const auto r = read_reply(stalled, 5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok);
}

INSTANTIATE_TEST_SUITE_P(Bounds, Stalled,
                         ::testing::Values(StallCase{"count", 1000, 64 << 20, 0},
                                           StallCase{"bytes", 1 << 20, 256 << 10, 2048}),
                         [](const auto& info) { return std::string(info.param.name); });

// A stalled client that goes away: what the server held for it is dropped (EHOSTUNREACH), and
// nothing is left behind.
TEST(Delivery, QueueOfADisconnectedClientIsDropped) {
  ServerOptions o = opts(ipc_path("gone"));
  o.max_in_flight = 500;
  Running srv(o);
  {
    zmq::context_t ctx(1);
    zmq::socket_t stalled(ctx, zmq::socket_type::dealer);
    stalled.set(zmq::sockopt::linger, 0);
    stalled.set(zmq::sockopt::rcvhwm, 1);
    stalled.connect(srv.endpoint());
    for (uint64_t id = 1; id <= 5000; ++id) {
      stalled.send(request(id, "hello", 0, [](Packer&) {}), zmq::send_flags::none);
    }
    const ServerStats st = settle(srv.server());
    ASSERT_EQ(st.clients_waiting, 1u) << "the client should be blocked before it leaves";
  }  // socket and context closed: the peer is gone
  ServerStats st;
  for (int i = 0; i < 500; ++i) {
    std::this_thread::sleep_for(10ms);
    st = srv.server().stats();
    if (st.clients_waiting == 0 && st.held_requests == 0) break;
  }
  EXPECT_EQ(st.clients_waiting, 0u);
  EXPECT_EQ(st.held_requests, 0u);
  EXPECT_EQ(st.held_bytes, 0u);
  EXPECT_GT(st.dropped, 0u);
  Client c(srv.endpoint(), 5s);
  EXPECT_TRUE(c.ping());
}

class BigVector : public ::testing::TestWithParam<std::string> {};

// 16,384 environments (terminal reward) are made, reset and stepped through the C++ client.
TEST_P(BigVector, SixteenThousandEnvironmentsResetAndStep) {
  constexpr int kEnvs = 16384;
  ServerOptions o = opts(GetParam() == "ipc" ? ipc_path("vec") : "tcp://127.0.0.1:0");
  o.max_sessions = kEnvs;
  Running srv(o);
  // A generous timeout: 16,384 makes take tens of seconds on a loaded 2-core machine, and the
  // timeout only detects a lost reply here.
  Client c(srv.endpoint(), 120s);
  RemoteVectorEnv venv(c, "twenty_questions-v0", kEnvs, {{"reward", "terminal"}});
  ASSERT_EQ(venv.size(), static_cast<size_t>(kEnvs));
  // Two rounds of reset (env i gets seed + i) and one step with each row's first legal act.
  for (uint64_t seed : {1000u, 2000u}) {
    const auto resets = venv.reset(seed);
    ASSERT_EQ(resets.size(), static_cast<size_t>(kEnvs));
    std::vector<WireAction> actions;
    for (size_t i = 0; i < resets.size(); ++i) {
      ASSERT_EQ(resets[i].seed, seed + i);
      const auto& mask = resets[i].obs.action_mask;
      const auto legal = std::find(mask.begin(), mask.end(), 1);
      ASSERT_NE(legal, mask.end());
      actions.push_back(WireAction::of_act(static_cast<int32_t>(legal - mask.begin())));
    }
    const auto steps = venv.step(actions);
    ASSERT_EQ(steps.size(), static_cast<size_t>(kEnvs));
    size_t ok = 0;
    for (const auto& s : steps) ok += std::holds_alternative<WireStep>(s) ? 1 : 0;
    EXPECT_EQ(ok, static_cast<size_t>(kEnvs)) << "seed " << seed;
  }
  EXPECT_EQ(srv.server().stats().sessions, static_cast<uint64_t>(kEnvs));
  EXPECT_EQ(srv.server().stats().overloaded, 0u);
}

INSTANTIATE_TEST_SUITE_P(Loopback, BigVector, ::testing::Values("tcp", "ipc"));

// A timeout says what was outstanding.
TEST(Delivery, TimeoutNamesTheOutstandingRequests) {
  Client c("tcp://127.0.0.1:9", 200ms);  // discard port: nothing answers
  try {
    c.reset_many({"a", "b", "c"});
    FAIL() << "expected a timeout";
  } catch (const Timeout& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("3 of 3 'reset' request(s) outstanding"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace collab::bridge
