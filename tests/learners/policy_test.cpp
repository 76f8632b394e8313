// Torch internals: masked categorical, networks, checkpoint I/O. (No fmt/spdlog here: see GPU.md.)
#include "learners/policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "env/error.h"
#include "learners/act_scoring.h"
#include "learners/output.h"

namespace collab::learners::detail {
namespace {

namespace fs = std::filesystem;

// A random mask with at least one legal act per row.
torch::Tensor random_mask(int64_t rows, int64_t acts) {
  torch::Tensor m = torch::rand({rows, acts}) < 0.3;
  m.index_put_({torch::arange(rows), torch::randint(acts, {rows}, torch::kInt64)}, true);
  return m.to(torch::kUInt8);
}

TEST(LearnersMaskedCategorical, NeverSamplesAMaskedAct) {
  torch::manual_seed(3);
  const int64_t rows = 256, acts = 40;
  const torch::Tensor mask = random_mask(rows, acts);
  // Masked acts get the highest raw logits: only the mask keeps them out.
  const torch::Tensor logits = torch::randn({rows, acts}) + 50 * (1 - mask.to(torch::kFloat32));
  const MaskedCategorical pi(logits, mask);
  for (int draw = 0; draw < 50; ++draw) {
    const torch::Tensor a = pi.sample();
    const torch::Tensor picked = mask.gather(1, a.unsqueeze(1));
    ASSERT_EQ(picked.min().item<int>(), 1) << "draw " << draw;
  }
  const torch::Tensor mode = pi.mode();
  EXPECT_EQ(mask.gather(1, mode.unsqueeze(1)).min().item<int>(), 1);
}

TEST(LearnersMaskedCategorical, ProbabilitiesEntropyAndGradientsStayFinite) {
  torch::manual_seed(4);
  const torch::Tensor mask = random_mask(64, 12);
  const torch::Tensor raw = torch::randn({64, 12}, torch::requires_grad());
  const MaskedCategorical pi(raw, mask);
  const torch::Tensor probs = pi.logits().exp();
  EXPECT_NEAR(probs.sum(1).min().item<double>(), 1.0, 1e-5);
  EXPECT_EQ((probs * (1 - mask.to(torch::kFloat32))).max().item<float>(), 0.0f);
  const torch::Tensor a = pi.sample();
  const torch::Tensor loss = -(pi.log_prob(a).mean() + 0.1 * pi.entropy().mean());
  loss.backward();
  EXPECT_TRUE(torch::isfinite(raw.grad()).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(pi.entropy()).all().item<bool>());
  // A row with a single legal act is deterministic: log-prob 0, entropy 0.
  torch::Tensor one = torch::zeros({1, 12}, torch::kUInt8);
  one[0][5] = 1;
  const MaskedCategorical det(torch::randn({1, 12}), one);
  EXPECT_EQ(det.sample().item<int64_t>(), 5);
  EXPECT_NEAR(det.entropy().item<double>(), 0.0, 1e-6);
}

TEST(LearnersActorCritic, CheckpointRoundTripGivesTheSameActions) {
  torch::manual_seed(5);
  ActorCritic net(10, 7, 16);
  const fs::path dir =
      fs::temp_directory_path() / ("collab_policy_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const nlohmann::json meta = {{"network", {{"num_features", 10}, {"num_acts", 7}, {"hidden", 16}}},
                               {"task", {{"id", "tiny-v0"}}},
                               {"feature_names", std::vector<std::string>(10, "f")},
                               {"act_names", std::vector<std::string>(7, "a")}};
  save_checkpoint(net.ptr(), (dir / "checkpoint.pt").string(), meta);
  ASSERT_TRUE(fs::exists(dir / "checkpoint.json"));
  Checkpoint loaded = load_checkpoint(dir.string());  // a folder resolves to checkpoint.pt
  EXPECT_EQ(loaded.meta, meta);
  EXPECT_EQ(loaded.net->kind(), "mlp");  // a sidecar without network.kind (format 1) is an MLP

  torch::NoGradGuard no_grad;
  const PolicyInput x{torch::randn({200, 10}), torch::empty({200, 7, 0}), random_mask(200, 7)};
  EXPECT_TRUE(torch::equal(net->policy(x.obs, x.mask).mode(), loaded.net->policy(x).mode()));
  EXPECT_TRUE(torch::equal(net->policy(x).logits(), loaded.net->policy(x).logits()));
  EXPECT_TRUE(torch::allclose(net->value(x.obs), loaded.net->value(x)));
  fs::remove_all(dir);
}

TEST(LearnersActorCritic, LoadRefusesMissingOrMalformedCheckpoints) {
  const fs::path dir =
      fs::temp_directory_path() / ("collab_policy_bad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_THROW(load_checkpoint(dir.string()), Error);  // no checkpoint.pt
  EXPECT_THROW(load_checkpoint((dir / "nope.pt").string()), Error);
  ActorCritic net(3, 2, 4);
  save_checkpoint(net.ptr(), (dir / "checkpoint.pt").string(), {{"network", {{"hidden", 4}}}});
  try {
    load_checkpoint(dir.string());
    FAIL() << "expected an error for a sidecar without num_features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.json"), std::string::npos) << e.what();
  }
  // An unknown network kind is named.
  const nlohmann::json unknown = {
      {"network", {{"kind", "transformer"}, {"num_features", 3}, {"num_acts", 2}, {"hidden", 4}}},
      {"task", {{"id", "tiny-v0"}}},
      {"feature_names", std::vector<std::string>(3, "f")},
      {"act_names", std::vector<std::string>(2, "a")}};
  save_checkpoint(net.ptr(), (dir / "checkpoint.pt").string(), unknown);
  try {
    load_checkpoint(dir.string());
    FAIL() << "expected an error for network.kind 'transformer'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("transformer"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// ---- The act-scoring network
// ----------------------------------------------------------------------

constexpr int kF = 6, kK = 4, kHidden = 32;

// A batch of `rows` observations over `acts` acts, random features, a random mask.
PolicyInput random_input(int64_t rows, int64_t acts) {
  return {torch::randn({rows, kF}), torch::randn({rows, acts, kK}), random_mask(rows, acts)};
}

// Both scorers (act_scoring.h): every property below holds for each.
class LearnersActScoringScorers : public ::testing::TestWithParam<std::string> {
 protected:
  ActScoring make(int acts) const {
    return ActScoring(kF, kK, kHidden, acts, ScorerArgs{GetParam(), 8});
  }
};

INSTANTIATE_TEST_SUITE_P(Scorers, LearnersActScoringScorers,
                         ::testing::Values(std::string(kFactoredScorer), std::string(kMlpScorer)),
                         [](const auto& info) { return info.param; });

TEST_P(LearnersActScoringScorers, NeverPicksAMaskedAct) {
  torch::manual_seed(11);
  ActScoring net = make(40);
  // Sharpen the scorer so that a masked act would win often if the mask were ignored.
  {
    torch::NoGradGuard no_grad;
    if (net->score3) {
      net->score3->weight.mul_(500);
    } else {  // q's last layer (weight, then bias: the second-to-last parameter)
      auto q = net->obs_embed->parameters();
      q[q.size() - 2].mul_(500);
    }
  }
  torch::NoGradGuard no_grad;
  for (int64_t acts : {1, 2, 7, 40, 300}) {
    for (int trial = 0; trial < 20; ++trial) {
      const PolicyInput x = random_input(64, acts);
      const MaskedCategorical pi = net->policy(x);
      const torch::Tensor probs = pi.logits().exp();
      ASSERT_EQ((probs * (1 - x.mask.to(torch::kFloat32))).max().item<float>(), 0.0f);
      ASSERT_EQ(x.mask.gather(1, pi.mode().unsqueeze(1)).min().item<int>(), 1) << acts;
      for (int draw = 0; draw < 5; ++draw) {
        ASSERT_EQ(x.mask.gather(1, pi.sample().unsqueeze(1)).min().item<int>(), 1) << acts;
      }
      ASSERT_TRUE(torch::isfinite(pi.entropy()).all().item<bool>());
      ASSERT_TRUE(torch::isfinite(net->value(x)).all().item<bool>());
      // The unmasked scores of the legal acts decide: a masked act scored highest changes nothing.
      const torch::Tensor s = net->scores(x);
      ASSERT_TRUE((s.masked_select(x.mask.eq(0)) == kMaskedLogit).all().item<bool>());
    }
  }
  // A row with no legal act (a finished episode's last observation) is uniform, its value finite.
  PolicyInput none = random_input(2, 5);
  none.mask.zero_();
  EXPECT_NEAR(net->policy(none).logits().exp().max().item<double>(), 0.2, 1e-6);
  EXPECT_TRUE(torch::isfinite(net->value(none)).all().item<bool>());
}

TEST_P(LearnersActScoringScorers, PermutingActsPermutesTheirLogitsAndKeepsTheValue) {
  torch::manual_seed(12);
  ActScoring net = make(40);
  torch::NoGradGuard no_grad;
  const PolicyInput x = random_input(32, 40);
  const torch::Tensor perm = torch::randperm(40, torch::kInt64);
  const PolicyInput y{x.obs, x.act_features.index_select(1, perm), x.mask.index_select(1, perm)};
  const torch::Tensor lx = net->policy(x).logits(), ly = net->policy(y).logits();
  EXPECT_TRUE(torch::allclose(ly, lx.index_select(1, perm), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(net->value(y), net->value(x), 1e-5, 1e-6));
  // y's act j is x's act perm[j]: the greedy act is the same act.
  EXPECT_TRUE(torch::equal(perm.index_select(0, net->policy(y).mode()), net->policy(x).mode()));
}

TEST_P(LearnersActScoringScorers, ScoresDoNotDependOnTheOtherActs) {
  // The same act in another act set (here: 40 acts, then the same 40 among 300) gets the same
  // score: a network trained with A = 40 runs on A = 300.
  torch::manual_seed(13);
  ActScoring net = make(40);
  torch::NoGradGuard no_grad;
  const PolicyInput small = random_input(8, 40);
  const PolicyInput extra = random_input(8, 260);
  const PolicyInput large{small.obs, torch::cat({small.act_features, extra.act_features}, 1),
                          torch::cat({small.mask, extra.mask}, 1)};
  const torch::Tensor s_small = net->scores(small), s_large = net->scores(large);
  EXPECT_TRUE(torch::allclose(s_large.narrow(1, 0, 40), s_small, 1e-5, 1e-6));
  // The scores equal the scorer's formula written out per act, without the shortcuts.
  const torch::Tensor o = small.obs.unsqueeze(1).expand({8, 40, kF});
  torch::Tensor dense;
  if (GetParam() == kMlpScorer) {  // the split first layer is the plain MLP on [o; a]
    dense = net->score3(torch::tanh(net->score2(
                            torch::tanh(net->score1(torch::cat({o, small.act_features}, 2))))))
                .squeeze(-1);
  } else {  // q(o) . relu(Wa a + ba)
    const torch::Tensor q = net->obs_embed->forward(small.obs).unsqueeze(1);  // [8, 1, D]
    dense = (q * torch::relu(net->act_embed->forward(small.act_features))).sum(-1);
  }
  dense = dense.masked_fill(small.mask.eq(0), kMaskedLogit);
  EXPECT_TRUE(torch::allclose(s_small, dense, 1e-5, 1e-5));
}

TEST_P(LearnersActScoringScorers, GradientsReachEveryParameter) {
  torch::manual_seed(14);
  ActScoring net = make(12);
  const PolicyInput x = random_input(16, 12);
  const MaskedCategorical pi = net->policy(x);
  const torch::Tensor loss =
      -(pi.log_prob(pi.sample()).mean() + 0.01 * pi.entropy().mean()) + net->value(x).pow(2).mean();
  loss.backward();
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

// The sidecar records the scorer; a sidecar without one (written before the factored scorer)
// builds the first scorer, whose parameters the old checkpoint holds.
TEST(LearnersActScoring, SidecarRecordsTheScorerAndOldOnesMeanTheFirst) {
  const PolicyNet factored = make_policy(kActScoringPolicy, kF, 40, kK, kHidden);
  EXPECT_EQ(factored->describe()["scorer"], "factored");
  EXPECT_EQ(factored->describe()["act_hidden"], ScorerArgs{}.act_hidden);
  nlohmann::json old = make_policy(kActScoringPolicy, kF, 40, kK, kHidden, {kMlpScorer, 0})
                           ->describe();
  EXPECT_EQ(old["scorer"], "mlp");
  EXPECT_FALSE(old.contains("act_hidden"));
  old.erase("scorer");
  const PolicyNet rebuilt = make_policy(old);
  EXPECT_EQ(rebuilt->describe()["scorer"], "mlp");
  std::vector<std::string> names;
  for (const auto& p : rebuilt->named_parameters()) names.push_back(p.key());
  EXPECT_NE(std::find(names.begin(), names.end(), "score2.weight"), names.end());
  EXPECT_THROW(make_policy(kActScoringPolicy, kF, 40, kK, kHidden, {"lstm", 8}), InvalidOption);
  EXPECT_THROW(make_policy(kActScoringPolicy, kF, 40, kK, kHidden, {kFactoredScorer, 0}),
               InvalidOption);
}

TEST(LearnersActScoring, CheckpointRoundTripGivesIdenticalLogits) {
  torch::manual_seed(15);
  const PolicyNet net = make_policy(kActScoringPolicy, kF, 40, kK, kHidden);
  EXPECT_EQ(net->kind(), "act-scoring");
  const fs::path dir =
      fs::temp_directory_path() / ("collab_act_scoring_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const nlohmann::json meta = {{"network", net->describe()},
                               {"task", {{"id", "tiny-v0"}}},
                               {"feature_names", std::vector<std::string>(kF, "f")},
                               {"act_names", std::vector<std::string>(40, "a")},
                               {"act_feature_names", std::vector<std::string>(kK, "k")}};
  EXPECT_EQ(meta["network"]["num_act_features"], kK);
  save_checkpoint(net, (dir / "checkpoint.pt").string(), meta);
  const Checkpoint loaded = load_checkpoint(dir.string());
  EXPECT_EQ(loaded.net->kind(), "act-scoring");
  EXPECT_EQ(loaded.net->describe(), net->describe());

  torch::NoGradGuard no_grad;
  for (int64_t acts : {40, 300}) {  // and on another act count
    const PolicyInput x = random_input(100, acts);
    EXPECT_TRUE(torch::equal(net->policy(x).logits(), loaded.net->policy(x).logits())) << acts;
    EXPECT_TRUE(torch::equal(net->value(x), loaded.net->value(x))) << acts;
  }

  // A sidecar that names act-scoring but lacks act_feature_names is refused.
  nlohmann::json bad = meta;
  bad.erase("act_feature_names");
  write_json((dir / "checkpoint.json").string(), bad);
  EXPECT_THROW(load_checkpoint(dir.string()), Error);
  fs::remove_all(dir);
}

TEST(LearnersActScoring, MakePolicyChecksKindAndShapes) {
  EXPECT_EQ(make_policy(kMlpPolicy, 5, 3, 2, 8)->kind(), "mlp");
  EXPECT_THROW(make_policy(kActScoringPolicy, 5, 3, 0, 8), InvalidOption);  // K = 0
  EXPECT_THROW(make_policy("cnn", 5, 3, 2, 8), InvalidOption);
  ActScoring net(kF, kK, kHidden, 4);
  const PolicyInput wrong_k{torch::randn({2, kF}), torch::randn({2, 4, kK + 1}), random_mask(2, 4)};
  try {
    net->policy(wrong_k);
    FAIL() << "expected an error for K + 1 act features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 4, 5]"), std::string::npos) << e.what();
  }
}

TEST(LearnersDevice, ResolvesNamesAndRejectsOthers) {
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
  EXPECT_EQ(resolve_device("auto").is_cuda(), torch::cuda::is_available());
  EXPECT_THROW(resolve_device("tpu"), InvalidOption);
  if (!torch::cuda::is_available()) {
    EXPECT_THROW(resolve_device("cuda"), InvalidOption);
  }
}

}  // namespace
}  // namespace collab::learners::detail
