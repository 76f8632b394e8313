// Torch internals: masked categorical, network, checkpoint I/O. (No fmt/spdlog here: see GPU.md.)
#include "learners/policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "env/error.h"
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
  save_checkpoint(net, (dir / "checkpoint.pt").string(), meta);
  ASSERT_TRUE(fs::exists(dir / "checkpoint.json"));
  Checkpoint loaded = load_checkpoint(dir.string());  // a folder resolves to checkpoint.pt
  EXPECT_EQ(loaded.meta, meta);

  torch::NoGradGuard no_grad;
  const torch::Tensor obs = torch::randn({200, 10});
  const torch::Tensor mask = random_mask(200, 7);
  EXPECT_TRUE(torch::equal(net->policy(obs, mask).mode(), loaded.net->policy(obs, mask).mode()));
  EXPECT_TRUE(torch::allclose(net->value(obs), loaded.net->value(obs)));
  fs::remove_all(dir);
}

TEST(LearnersActorCritic, LoadRefusesMissingOrMalformedCheckpoints) {
  const fs::path dir =
      fs::temp_directory_path() / ("collab_policy_bad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_THROW(load_checkpoint(dir.string()), Error);  // no checkpoint.pt
  EXPECT_THROW(load_checkpoint((dir / "nope.pt").string()), Error);
  ActorCritic net(3, 2, 4);
  save_checkpoint(net, (dir / "checkpoint.pt").string(), {{"network", {{"hidden", 4}}}});
  try {
    load_checkpoint(dir.string());
    FAIL() << "expected an error for a sidecar without num_features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.json"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
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
