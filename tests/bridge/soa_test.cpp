// Structure-of-arrays batches (capability "soa", protocol 1.4; docs/throughput.md), reset_many,
// and RemoteVectorEnv over several servers: the SoA replies carry exactly what the per-session
// replies carry, and two servers give what one gives.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <thread>

#include "bridge/client.h"
#include "bridge/server.h"
#include "env/rng.h"
#include "tasks/register_all.h"

namespace collab::bridge {
namespace {

using namespace std::chrono_literals;

class Running {
 public:
  explicit Running(int threads = 2) : server_(registry(), options(threads)) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return server_.endpoints().at(0); }

 private:
  static const Registry& registry() {
    spdlog::set_level(spdlog::level::warn);
    return tasks::builtin_registry();
  }
  static ServerOptions options(int threads) {
    ServerOptions o;
    o.binds = {"tcp://127.0.0.1:0"};
    o.threads = threads;
    return o;
  }
  Server server_;
  std::thread thread_;
};

const char* kEnv = "twenty_questions-v0";

// A legal act of row `mask` chosen by `rng`.
int32_t legal(std::span<const uint8_t> mask, Rng& rng) {
  std::vector<int32_t> ok;
  for (size_t a = 0; a < mask.size(); ++a) {
    if (mask[a]) ok.push_back(static_cast<int32_t>(a));
  }
  return ok.at(rng.below(ok.size()));
}

TEST(Soa, HelloOffersSoaAndResetMany) {
  Running srv;
  Client c(srv.endpoint(), 10s);
  const auto h = c.hello();
  EXPECT_GE(h["protocol_minor"].get<int>(), 4);
  const auto caps = h["capabilities"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(caps.begin(), caps.end(), "soa"), caps.end());
  const auto ops = h["ops"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(ops.begin(), ops.end(), "reset_many"), ops.end());
  EXPECT_TRUE(c.offers_soa());
}

// Two sets of sessions, same seeds and actions: one stepped per session, one in SoA form. Every
// field agrees, over episodes that end (reward terminal) and with MR sessions (stepped on the
// pool) mixed in, so that items finish out of order.
void expect_soa_matches_items(const nlohmann::json& options_even, const nlohmann::json& odd) {
  Running srv;
  Client c(srv.endpoint(), 30s);
  constexpr size_t kN = 6;
  std::vector<std::string> a, b;
  for (size_t i = 0; i < kN; ++i) {
    const auto& o = i % 2 == 0 ? options_even : odd;
    a.push_back(c.make(kEnv, o).session);
    b.push_back(c.make(kEnv, o).session);
  }
  std::vector<uint64_t> seeds(kN);
  for (size_t i = 0; i < kN; ++i) seeds[i] = 40 + i;
  const auto resets = c.reset_many(a, seeds);
  SoaBatch batch;
  c.reset_many_soa(b, seeds, batch);
  ASSERT_EQ(batch.n, kN);
  ASSERT_TRUE(batch.errors.empty());
  const size_t F = batch.num_features;
  for (size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(batch.seed[i], seeds[i]);
    EXPECT_EQ(batch.text[i], resets[i].obs.text);
    EXPECT_EQ(batch.turn[i], 0);
    ASSERT_EQ(resets[i].obs.features.size(), F);
    EXPECT_TRUE(std::equal(resets[i].obs.features.begin(), resets[i].obs.features.end(),
                           batch.features_row(i).begin()));
    EXPECT_TRUE(std::equal(resets[i].obs.action_mask.begin(), resets[i].obs.action_mask.end(),
                           batch.mask_row(i).begin()));
  }
  Rng rng(3);
  std::vector<std::vector<uint8_t>> masks(kN);
  for (size_t i = 0; i < kN; ++i) masks[i] = resets[i].obs.action_mask;
  int ended = 0;
  for (int t = 0; t < 25; ++t) {
    std::vector<WireAction> acts;
    std::vector<std::pair<std::string, WireAction>> steps;
    for (size_t i = 0; i < kN; ++i) {
      acts.push_back(t % 5 == 4 ? WireAction::of_text("Is it an animal?")
                                : WireAction::of_act(legal(masks[i], rng)));
      steps.emplace_back(a[i], acts.back());
    }
    const auto items = c.step_many(steps);
    c.step_many_soa(b, acts, batch);
    ASSERT_EQ(batch.n, kN);
    ASSERT_EQ(batch.num_features, F);
    for (size_t i = 0; i < kN; ++i) {
      const auto* s = std::get_if<WireStep>(&items[i]);
      if (s == nullptr) {  // the episode had ended: both forms say reset_needed
        EXPECT_EQ(batch.item_ok[i], 0);
        ASSERT_FALSE(batch.errors.empty());
        continue;
      }
      ASSERT_EQ(batch.item_ok[i], 1) << "step " << t << " item " << i;
      EXPECT_EQ(batch.reward[i], s->reward);
      EXPECT_EQ(batch.terminated[i] != 0, s->terminated);
      EXPECT_EQ(batch.truncated[i] != 0, s->truncated);
      EXPECT_EQ(batch.turn[i], s->obs.turn);
      EXPECT_EQ(batch.text[i], s->obs.text);
      EXPECT_TRUE(std::equal(s->obs.features.begin(), s->obs.features.end(),
                             batch.features_row(i).begin()));
      EXPECT_TRUE(std::equal(s->obs.action_mask.begin(), s->obs.action_mask.end(),
                             batch.mask_row(i).begin()));
      const auto& info = batch.info();
      EXPECT_EQ(info["score"][i], s->info()["score"]);
      EXPECT_EQ(info["reward"]["total"][i], s->info()["reward"]["total"]);
      EXPECT_EQ(info["reward"]["mr"][i], s->info()["reward"]["mr"]);
      EXPECT_EQ(info["act"][i], s->info()["act"]);
      EXPECT_EQ(info["agent_text"][i], s->info()["agent_text"]);
      EXPECT_EQ(info["success"][i], s->info()["success"]);
      EXPECT_EQ(info["content"]["body"][i], s->info()["content"]["body"]);
      masks[i] = s->obs.action_mask;
      if (s->terminated || s->truncated) ++ended;
    }
    // Items of ended episodes fail alike in both forms; each error names its item.
    for (const auto& [i, e] : batch.errors) {
      EXPECT_EQ(e.code(), "reset_needed");
      EXPECT_TRUE(std::holds_alternative<RemoteError>(items.at(i)));
    }
  }
  EXPECT_GT(ended, 0) << "no episode ended: the test did not cover the end of an episode";
}

TEST(Soa, StepManyMatchesThePerSessionForm) {
  expect_soa_matches_items({{"reward", "terminal"}}, {{"reward", "terminal"}});
}

TEST(Soa, StepManyMatchesThePerSessionFormWithPooledSessions) {
  expect_soa_matches_items({{"reward", "terminal"}},
                           {{"reward", "mr"}, {"mr_samples", 2}, {"mr_window", 2}});
}

TEST(Soa, ItemErrorsAreReportedPerItem) {
  Running srv;
  Client c(srv.endpoint(), 10s);
  const auto s1 = c.make(kEnv, {{"reward", "terminal"}}).session;
  const auto s2 = c.make(kEnv, {{"reward", "terminal"}}).session;
  SoaBatch r;
  c.reset_many_soa(std::vector<std::string>{s1, "0123", s2}, std::vector<uint64_t>{1, 2, 3}, r);
  ASSERT_EQ(r.n, 3u);
  EXPECT_EQ(r.item_ok[0], 1);
  EXPECT_EQ(r.item_ok[1], 0);
  EXPECT_EQ(r.item_ok[2], 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].first, 1u);
  EXPECT_EQ(r.errors[0].second.code(), "unknown_session");
  EXPECT_EQ(r.text[1], "");
  // An act out of range, an unknown session, a good step.
  const auto bad = static_cast<int32_t>(r.num_acts);
  Rng rng(1);
  const int32_t good = legal(r.mask_row(2), rng);
  const std::vector<std::string> sessions{s1, "nope", s2};
  const std::vector<WireAction> acts{WireAction::of_act(bad), WireAction::of_act(0),
                                     WireAction::of_act(good)};
  SoaBatch st;
  c.step_many_soa(sessions, acts, st);
  ASSERT_EQ(st.errors.size(), 2u);
  EXPECT_EQ(st.errors[0].first, 0u);
  EXPECT_EQ(st.errors[0].second.code(), "invalid_action");
  EXPECT_EQ(st.errors[1].first, 1u);
  EXPECT_EQ(st.errors[1].second.code(), "unknown_session");
  EXPECT_EQ(st.item_ok[2], 1);
  EXPECT_EQ(st.turn[2], 1);
  EXPECT_TRUE(st.info()["score"][0].is_null());  // NaN: no info for a failed item
  EXPECT_TRUE(st.info()["act"][0].is_null());
  EXPECT_TRUE(st.info()["act"][2].is_string());
  // A bad layout fails the request.
  const std::string body = [] {
    msgpack::sbuffer b;
    msgpack::packer<msgpack::sbuffer> pk(b);
    pk.pack_map(5);
    pk.pack(std::string("v"));
    pk.pack(1);
    pk.pack(std::string("id"));
    pk.pack(777);
    pk.pack(std::string("op"));
    pk.pack(std::string("step_many"));
    pk.pack(std::string("layout"));
    pk.pack(std::string("columns"));
    pk.pack(std::string("steps"));
    pk.pack_array(0);
    return std::string(b.data(), b.size());
  }();
  const auto reply = c.raw(body, 777);
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["error"]["code"], "wrong_type");
}

TEST(Soa, SessionsOfAnotherShapeFailAlone) {
  Running srv;
  Client c(srv.endpoint(), 10s);
  const auto s1 = c.make(kEnv, {{"reward", "terminal"}}).session;
  std::string other;
  for (const auto& id : c.list()) {
    if (id.rfind("twenty_questions-", 0) == 0) continue;
    other = c.make(id, {{"reward", "terminal"}}).session;
    if (c.spec(id, {{"reward", "terminal"}})["features"].size() !=
        c.spec(kEnv, {{"reward", "terminal"}})["features"].size()) {
      break;
    }
    other.clear();
  }
  if (other.empty()) GTEST_SKIP() << "no environment with another feature count";
  SoaBatch r;
  c.reset_many_soa(std::vector<std::string>{s1, other}, std::vector<uint64_t>{1, 2}, r);
  EXPECT_EQ(r.item_ok[0], 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].first, 1u);
  EXPECT_EQ(r.errors[0].second.code(), "wrong_type");
  EXPECT_NE(r.errors[0].second.message().find("one batch, one shape"), std::string::npos);
}

TEST(Soa, ResetManyPerSessionForm) {
  Running srv;
  Client c(srv.endpoint(), 10s);
  const auto s = c.make(kEnv, {{"reward", "terminal"}}).session;
  const auto out = c.reset_batch({s, "missing"}, {9, 10});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<WireReset>(out[0]));
  EXPECT_EQ(std::get<WireReset>(out[0]).seed, 9u);
  EXPECT_EQ(std::get<WireReset>(out[0]).obs.text, c.reset(s, 9).obs.text);
  ASSERT_TRUE(std::holds_alternative<RemoteError>(out[1]));
  EXPECT_EQ(std::get<RemoteError>(out[1]).code(), "unknown_session");
}

// Two servers give what one gives: same seeds, same actions, same observations and rewards.
TEST(Soa, TwoServersEqualOne) {
  Running one, two_a, two_b;
  constexpr int kN = 7;  // odd: the servers hold 4 and 3 sessions
  RemoteVectorEnv single({one.endpoint()}, kEnv, kN, {{"reward", "terminal"}});
  RemoteVectorEnv pair({two_a.endpoint(), two_b.endpoint()}, kEnv, kN, {{"reward", "terminal"}});
  ASSERT_EQ(pair.num_servers(), 2u);
  const SoaBatch& r1 = single.reset_soa(100);
  std::vector<float> f1(r1.features.begin(), r1.features.end());
  std::vector<uint64_t> seeds1(r1.seed.begin(), r1.seed.end());
  const SoaBatch& r2 = pair.reset_soa(100);
  EXPECT_EQ(std::vector<float>(r2.features.begin(), r2.features.end()), f1);
  EXPECT_EQ(std::vector<uint64_t>(r2.seed.begin(), r2.seed.end()), seeds1);
  EXPECT_EQ(seeds1[6], 106u);
  // The legacy (per-session) path agrees too.
  const auto legacy = pair.reset(100);
  for (int i = 0; i < kN; ++i)
    EXPECT_EQ(legacy[static_cast<size_t>(i)].seed, seeds1[static_cast<size_t>(i)]);
  pair.reset_soa(100);
  std::vector<uint8_t> mask(r1.action_mask.begin(), r1.action_mask.end());
  Rng rng(5);
  int compared = 0;
  for (int t = 0; t < 12; ++t) {
    std::vector<WireAction> acts;
    for (int i = 0; i < kN; ++i) {
      acts.push_back(WireAction::of_act(
          legal(std::span<const uint8_t>(mask).subspan(static_cast<size_t>(i) * single.num_acts(),
                                                       single.num_acts()),
                rng)));
    }
    const SoaBatch& s1 = single.step_soa(acts);
    const std::vector<float> feats(s1.features.begin(), s1.features.end());
    const std::vector<double> rewards(s1.reward.begin(), s1.reward.end());
    const std::vector<uint8_t> ok(s1.item_ok.begin(), s1.item_ok.end());
    const std::vector<std::string> texts(s1.text.begin(), s1.text.end());
    const nlohmann::json info1 = s1.info();
    mask.assign(s1.action_mask.begin(), s1.action_mask.end());
    const SoaBatch& s2 = pair.step_soa(acts);
    EXPECT_EQ(std::vector<float>(s2.features.begin(), s2.features.end()), feats) << t;
    EXPECT_EQ(std::vector<double>(s2.reward.begin(), s2.reward.end()), rewards) << t;
    EXPECT_EQ(std::vector<uint8_t>(s2.item_ok.begin(), s2.item_ok.end()), ok) << t;
    EXPECT_EQ(std::vector<std::string>(s2.text.begin(), s2.text.end()), texts) << t;
    EXPECT_EQ(s2.info()["score"], info1["score"]) << t;
    EXPECT_EQ(std::vector<uint8_t>(s2.action_mask.begin(), s2.action_mask.end()), mask) << t;
    // Finished rows: reset both (the next step would fail alike otherwise).
    for (int i = 0; i < kN; ++i) {
      if (s1.terminated[static_cast<size_t>(i)] || s1.truncated[static_cast<size_t>(i)] ||
          !s1.item_ok[static_cast<size_t>(i)]) {
        const auto a = single.reset_one(static_cast<size_t>(i));
        const auto b = pair.reset_one(static_cast<size_t>(i));
        EXPECT_EQ(a.obs.text, b.obs.text);
        std::copy(
            a.obs.action_mask.begin(), a.obs.action_mask.end(),
            mask.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(i) * single.num_acts()));
      }
    }
    ++compared;
  }
  EXPECT_EQ(compared, 12);
}

}  // namespace
}  // namespace collab::bridge
