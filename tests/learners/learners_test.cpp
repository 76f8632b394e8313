// The public API: config checks, train()'s outputs, the ppo: agent, and learning on 20 Questions.
#include "learners/learners.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "agents/agent.h"
#include "agents/evaluate.h"
#include "env/error.h"
#include "env/scenario.h"
#include "tasks/register_all.h"

namespace collab::learners {
namespace {

namespace fs = std::filesystem;

const Registry& registry() { return tasks::builtin_registry(); }

// Training device of these tests: cpu, or $COLLAB_LEARNERS_DEVICE (scripts/gpu-check.sh sets cuda).
std::string test_device() {
  const char* d = std::getenv("COLLAB_LEARNERS_DEVICE");
  return d != nullptr && *d != 0 ? d : "cpu";
}

nlohmann::json small_options(const std::string& reward) {
  return {{"scenario", scenario_dir() + "/twenty_questions/small.json"},
          {"split", "train"},
          {"reward", reward}};
}

// A fresh folder under the temp dir, removed at scope exit.
struct TempDir {
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() /
             ("collab_learners_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

TrainConfig tiny_config(const std::string& out_dir) {
  TrainConfig cfg;
  cfg.task = "twenty_questions-v0";
  cfg.env_options = small_options("terminal");
  cfg.total_steps = 1024;
  cfg.num_envs = 4;
  cfg.seed = 7;
  cfg.device = test_device();
  cfg.out_dir = out_dir;
  return cfg;
}

std::string error_of(const TrainConfig& cfg) {
  try {
    train(registry(), cfg);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LearnersTrainConfig, BadInputThrowsNamingTheValue) {
  TrainConfig cfg = tiny_config("");
  cfg.algo = "dqn";
  EXPECT_THROW(train(registry(), cfg), InvalidOption);
  EXPECT_NE(error_of(cfg).find("'dqn'"), std::string::npos);
  EXPECT_NE(error_of(cfg).find("ppo"), std::string::npos);

  cfg = tiny_config("");
  cfg.num_envs = 0;
  EXPECT_NE(error_of(cfg).find("num_envs = 0"), std::string::npos);
  cfg = tiny_config("");
  cfg.total_steps = 0;
  EXPECT_NE(error_of(cfg).find("total_steps = 0"), std::string::npos);
  cfg = tiny_config("");
  cfg.threads = -1;
  EXPECT_NE(error_of(cfg).find("threads = -1"), std::string::npos);
  cfg = tiny_config("");
  cfg.device = "tpu";
  EXPECT_NE(error_of(cfg).find("'tpu'"), std::string::npos);
  cfg = tiny_config("");
  cfg.ppo.num_minibatches = 0;
  EXPECT_NE(error_of(cfg).find("num_minibatches"), std::string::npos);
  cfg = tiny_config("");
  cfg.task = "twenty_question-v0";
  EXPECT_THROW(train(registry(), cfg), UnknownTask);
  cfg = tiny_config("");
  cfg.env_options["reward"] = "bogus";
  EXPECT_THROW(train(registry(), cfg), InvalidOption);
  cfg = tiny_config("");
  cfg.policy = "cnn";
  EXPECT_NE(error_of(cfg).find("'cnn'"), std::string::npos);
  EXPECT_NE(error_of(cfg).find("act-scoring"), std::string::npos);
  cfg = tiny_config("");  // twenty_questions-v0 has no act features
  cfg.policy = "act-scoring";
  EXPECT_THROW(train(registry(), cfg), InvalidOption);
  EXPECT_NE(error_of(cfg).find("K = 0"), std::string::npos) << error_of(cfg);
}

TEST(LearnersTrainConfig, PolicyAutoScoresActsWhenTheTaskHasActFeatures) {
  EXPECT_EQ(resolve_policy("auto", 3), "act-scoring");
  EXPECT_EQ(resolve_policy("auto", 0), "mlp");
  EXPECT_EQ(resolve_policy("mlp", 3), "mlp");
  EXPECT_EQ(resolve_policy("act-scoring", 8), "act-scoring");
  EXPECT_THROW(resolve_policy("act-scoring", 0), InvalidOption);
  EXPECT_THROW(resolve_policy("act_scoring", 3), InvalidOption);
}

TEST(LearnersTrainConfig, CudaWithoutCudaIsRefused) {
  TrainConfig cfg = tiny_config("");
  cfg.device = "cuda";
  cfg.total_steps = 1;
  const std::string err = error_of(cfg);
  if (err.empty()) GTEST_SKIP() << "this libtorch has CUDA";
  EXPECT_NE(err.find("cuda"), std::string::npos) << err;
}

TEST(LearnersTrainConfig, UnwritableOutDirIsRefused) {
  TempDir tmp("unwritable");
  std::ofstream(tmp.path / "file") << "x";
  const std::string out = (tmp.path / "file" / "run").string();
  const std::string err = error_of(tiny_config(out));
  EXPECT_NE(err.find(out), std::string::npos) << err;
}

TEST(LearnersPpoArgs, JsonRoundTripAndUnknownKeys) {
  PpoArgs a;
  a.learning_rate = 1e-3;
  a.hidden = 32;
  a.anneal_lr = false;
  const PpoArgs b = PpoArgs::from_json(a.to_json());
  EXPECT_EQ(b.to_json(), a.to_json());
  EXPECT_THROW(PpoArgs::from_json({{"lr", 0.1}}), InvalidOption);
  EXPECT_THROW(PpoArgs::from_json({{"hidden", 1.5}}), InvalidOption);
  EXPECT_EQ(algorithms(), std::vector<std::string>{"ppo"});
}

TEST(LearnersTrain, WritesMetricsCurveAndCheckpointWithSidecar) {
  TempDir tmp("outputs");
  int calls = 0;
  int64_t last_step = 0;
  const TrainResult r =
      train(registry(), tiny_config(tmp.path.string()), [&](const TrainProgress& p) {
        ++calls;
        EXPECT_GT(p.step, last_step);
        last_step = p.step;
        EXPECT_EQ(p.total_steps, 1024);
      });
  EXPECT_EQ(r.steps, 1024);  // 8 updates of 32 steps x 4 envs
  EXPECT_EQ(calls, 8);
  EXPECT_EQ(r.device, test_device());
  EXPECT_EQ(fs::path(r.checkpoint), tmp.path / "checkpoint.pt");
  ASSERT_TRUE(fs::exists(tmp.path / "checkpoint.pt"));

  std::ifstream csv(tmp.path / "metrics.csv");
  std::string header, line;
  std::getline(csv, header);
  for (const char* col :
       {"global_step", "charts/episodic_return", "charts/success", "charts/score", "charts/turns",
        "charts/interactivity", "losses/policy_loss", "losses/value_loss", "losses/entropy",
        "losses/approx_kl", "charts/steps_per_second"}) {
    EXPECT_NE(header.find(col), std::string::npos) << col;
  }
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 8);

  std::ifstream svg(tmp.path / "curve.svg");
  const std::string svg_text((std::istreambuf_iterator<char>(svg)), {});
  EXPECT_EQ(svg_text.rfind("<svg", 0), 0u);
  EXPECT_NE(svg_text.find("<polyline"), std::string::npos);

  std::ifstream side(tmp.path / "checkpoint.json");
  const nlohmann::json meta = nlohmann::json::parse(side);
  EXPECT_EQ(meta["task"]["id"], "twenty_questions-v0");
  EXPECT_EQ(meta["task"]["version"], 0);
  EXPECT_EQ(meta["feature_names"].size(), 2u * 58 + 3);
  EXPECT_EQ(meta["act_names"].size(), 58u + 16);
  EXPECT_EQ(meta["ppo"]["num_steps"], 32);
  EXPECT_EQ(meta["env_options"]["reward"], "terminal");
  EXPECT_EQ(meta["seed"], 7);
  EXPECT_EQ(meta["steps"], 1024);
  EXPECT_EQ(meta["format_version"], 3);
  EXPECT_EQ(meta["policy"], "auto");
  EXPECT_EQ(meta["network"]["kind"], "mlp");  // v0 has no act features: auto is the MLP
  EXPECT_EQ(meta["network"]["num_features"], 2 * 58 + 3);
  EXPECT_EQ(meta["network"]["num_acts"], 58 + 16);
  EXPECT_EQ(meta["network"]["hidden"], 128);
  EXPECT_TRUE(meta["act_feature_names"].empty());
  EXPECT_TRUE(meta["git_describe"].is_string());
  EXPECT_FALSE(meta["git_describe"].get<std::string>().empty());
}

TEST(LearnersTrain, SameSeedSameRunOnCpu) {  // CUDA kernels may differ run to run in the last bits
  TrainConfig cfg = tiny_config("");
  cfg.device = "cpu";
  cfg.total_steps = 512;
  const TrainResult a = train(registry(), cfg);
  const TrainResult b = train(registry(), cfg);
  EXPECT_EQ(a.final_return, b.final_return);
  EXPECT_EQ(a.final_success, b.final_success);
}

TEST(LearnersTrain, SelfRolloutsPlayMrFuturesWithThePolicyReproducibly) {
  TrainConfig cfg = tiny_config("");
  cfg.device = "cpu";
  cfg.total_steps = 256;
  cfg.env_options = small_options("mr");
  const TrainResult expert_futures = train(registry(), cfg);
  cfg.self_rollouts = true;
  const TrainResult a = train(registry(), cfg);
  const TrainResult b = train(registry(), cfg);
  EXPECT_EQ(a.final_return, b.final_return);  // futures drawn from the env's streams
  // An untrained policy plays much worse futures than the expert: MR, and so returns, differ.
  EXPECT_NE(a.final_return, expert_futures.final_return);
  EXPECT_TRUE(std::isfinite(a.final_return));
}

// Greedy actions of `spec` over a few episodes of `env`.
std::vector<int32_t> greedy_acts(const std::string& spec, Env& env) {
  auto agent = agents::make_agent(spec);
  std::vector<int32_t> acts;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    agents::play_episode(env, *agent, seed, nlohmann::json::object(), nullptr, &acts);
  }
  return acts;
}

TEST(LearnersPpoAgent, LoadsFromFolderOrFileAndActsTheSame) {
  TempDir tmp("agent");
  train(registry(), tiny_config(tmp.path.string()));
  register_agents();
  Env env = registry().make("twenty_questions-v0", small_options("terminal"));
  const auto from_dir = greedy_acts("ppo:" + tmp.path.string(), env);
  const auto from_file = greedy_acts("ppo:" + (tmp.path / "checkpoint.pt").string(), env);
  EXPECT_EQ(from_dir, from_file);
  EXPECT_GT(from_dir.size(), 5u);
  EXPECT_THROW(agents::make_agent("ppo:" + (tmp.path / "missing").string()), Error);
}

std::string act_error(const std::string& spec, Env& env) {
  auto agent = agents::make_agent(spec);
  const Observation obs = env.reset(0).obs;
  Rng rng(0);
  try {
    agent->begin(env.spec(), 0);
    agent->act(obs, rng);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LearnersPpoAgent, RefusesAnEnvironmentWithADifferentLayout) {
  TempDir tmp("refuse");
  train(registry(), tiny_config(tmp.path.string()));
  register_agents();

  // Different act names: the common catalog has other objects.
  Env common = registry().make("twenty_questions-v0", {{"reward", "terminal"}});
  std::string err = act_error("ppo:" + tmp.path.string(), common);
  EXPECT_NE(err.find("act names"), std::string::npos) << err;

  // Different feature names (a sidecar edited to another layout): both sides are named.
  const fs::path other = tmp.path / "other";
  fs::create_directories(other);
  fs::copy_file(tmp.path / "checkpoint.pt", other / "checkpoint.pt");
  nlohmann::json meta = nlohmann::json::parse(std::ifstream(tmp.path / "checkpoint.json"));
  const std::string real = meta["feature_names"][3];
  meta["feature_names"][3] = "answer:bogus";
  std::ofstream(other / "checkpoint.json") << meta.dump();
  Env small = registry().make("twenty_questions-v0", small_options("terminal"));
  err = act_error("ppo:" + other.string(), small);
  EXPECT_NE(err.find("feature names"), std::string::npos) << err;
  EXPECT_NE(err.find("answer:bogus"), std::string::npos) << err;
  EXPECT_NE(err.find(real), std::string::npos) << err;

  // A different task version.
  meta = nlohmann::json::parse(std::ifstream(tmp.path / "checkpoint.json"));
  meta["task"]["id"] = "twenty_questions-v9";
  std::ofstream(other / "checkpoint.json", std::ios::trunc) << meta.dump();
  err = act_error("ppo:" + other.string(), small);
  EXPECT_NE(err.find("twenty_questions-v9"), std::string::npos) << err;
  EXPECT_NE(err.find("twenty_questions-v0"), std::string::npos) << err;

  // The matching environment is accepted.
  EXPECT_EQ(act_error("ppo:" + tmp.path.string(), small), "");
}

// PPO learns 20 Questions on the small catalog (12 training objects; four personas, some noisy).
// Budget: 250k environment steps, ~16 s on one core here. Seeds 1-4 each reached 96-97% greedy
// success with this configuration; random play succeeds ~15% of the time.
TEST(LearnersPpoLearning, SolvesSmallTwentyQuestions) {
  TempDir tmp("learning");
  TrainConfig cfg;
  cfg.task = "twenty_questions-v0";
  cfg.env_options = small_options("mr_delta");
  cfg.total_steps = 250'000;
  cfg.num_envs = 16;
  cfg.threads = 1;
  cfg.seed = 1;
  cfg.device = test_device();
  cfg.out_dir = tmp.path.string();
  cfg.ppo.learning_rate = 1e-3;
  const TrainResult r = train(registry(), cfg);
  EXPECT_GT(r.final_success, 0.7);  // the stochastic training policy

  register_agents();
  Env env = registry().make(cfg.task, small_options("terminal"));
  agents::RunConfig rc;
  rc.episodes = 200;
  rc.seed = 100000;  // unseen episode seeds
  auto trained = agents::make_agent("ppo:" + cfg.out_dir);
  auto random = agents::make_agent("random");
  const agents::Summary s = agents::evaluate(env, *trained, rc);
  const agents::Summary base = agents::evaluate(env, *random, rc);
  EXPECT_GE(s.stats.success.mean, 0.8);
  EXPECT_GT(s.stats.success.mean, base.stats.success.mean + 0.5);
  EXPECT_GT(s.stats.score.mean, base.stats.score.mean + 0.4);
}

// ---- The act-scoring policy ---------------------------------------------------------------------

nlohmann::json guess_options(const std::string& split, const std::string& reward = "terminal") {
  return {{"split", split}, {"reward", reward}};
}

TrainConfig guess_config(const std::string& out_dir, int64_t steps) {
  TrainConfig cfg;
  cfg.task = "guess_number-v0";  // K = 3 act features: "auto" is act-scoring
  cfg.env_options = guess_options("train");
  cfg.total_steps = steps;
  cfg.num_envs = 16;
  cfg.seed = 1;
  cfg.device = test_device();
  cfg.out_dir = out_dir;
  return cfg;
}

TEST(LearnersActScoringTrain, IsTheDefaultWithActFeaturesAndReproducible) {
  TempDir tmp("act_scoring_outputs");
  const TrainResult r = train(registry(), guess_config(tmp.path.string(), 1024));
  EXPECT_EQ(r.steps, 1024);
  const nlohmann::json meta = nlohmann::json::parse(std::ifstream(tmp.path / "checkpoint.json"));
  EXPECT_EQ(meta["network"]["kind"], "act-scoring");
  EXPECT_EQ(meta["network"]["num_act_features"], 3);
  EXPECT_EQ(meta["network"]["num_acts"], 20);
  EXPECT_EQ(meta["act_feature_names"],
            (std::vector<std::string>{"is_guess", "yes_share", "informative"}));

  TrainConfig cfg = guess_config("", 1024);
  cfg.device = "cpu";
  cfg.policy = "act-scoring";
  const TrainResult a = train(registry(), cfg);
  const TrainResult b = train(registry(), cfg);
  EXPECT_EQ(a.final_return, b.final_return);
  EXPECT_EQ(a.final_success, b.final_success);
  cfg.policy = "mlp";  // the flat MLP stays available on the same task
  const TrainResult m = train(registry(), cfg);
  EXPECT_NE(m.final_return, a.final_return);
}

TEST(LearnersActScoringTrain, SelfRolloutsWorkWithTheActScoringPolicy) {
  TrainConfig cfg = guess_config("", 512);
  cfg.device = "cpu";
  cfg.env_options = guess_options("train", "mr");
  const TrainResult expert_futures = train(registry(), cfg);
  cfg.self_rollouts = true;
  const TrainResult a = train(registry(), cfg);
  const TrainResult b = train(registry(), cfg);
  EXPECT_EQ(a.final_return, b.final_return);
  EXPECT_NE(a.final_return, expert_futures.final_return);
  EXPECT_TRUE(std::isfinite(a.final_return));
}

// A guess_number scenario with thresholds every 2 (49 questions + guess: 50 acts, not 20).
fs::path write_fine_guess_scenario(const fs::path& dir) {
  nlohmann::json thresholds = nlohmann::json::array();
  for (int t = 2; t < 100; t += 2) thresholds.push_back(t);
  const fs::path path = dir / "fine.json";
  std::ofstream(path)
      << nlohmann::json{{"task", "guess_number"},   {"low", 1},       {"high", 100},
                        {"thresholds", thresholds}, {"patience", 12}, {"max_wrong_guesses", 5}}
             .dump();
  return path;
}

// Act-scoring PPO learns guess_number from the even numbers and plays the odd ones it never saw,
// greedily, and the same checkpoint plays a scenario with another act set (50 acts instead of 20).
// Budget: 65k environment steps, ~8 s here. Measured (greedy, 200 episodes): seeds 1-6 at this
// budget 100% on the test split and 100% with 50 acts; at 16-32k steps some seeds still ask the
// extreme threshold first (45%). Test split baselines: random 77%, passive 4%, expert 100%.
TEST(LearnersActScoringLearning, SolvesGuessNumberOnUnseenNumbersAndOtherActSets) {
  TempDir tmp("act_scoring_guess");
  const TrainResult r = train(registry(), guess_config(tmp.path.string(), 65'536));
  EXPECT_GT(r.final_success, 0.9);  // the stochastic training policy

  register_agents();
  agents::RunConfig rc;
  rc.episodes = 200;
  rc.seed = 100000;
  auto trained = agents::make_agent("ppo:" + tmp.path.string());
  Env test = registry().make("guess_number-v0", guess_options("test"));
  auto passive = agents::make_agent("passive");
  const agents::Summary s = agents::evaluate(test, *trained, rc);
  EXPECT_GE(s.stats.success.mean, 0.95);
  EXPECT_GT(s.stats.success.mean, agents::evaluate(test, *passive, rc).stats.success.mean + 0.8);

  // Another act set of the same task: same feature and act-feature names, 50 acts.
  nlohmann::json fine_options = guess_options("test");
  fine_options["scenario"] = write_fine_guess_scenario(tmp.path).string();
  Env fine = registry().make("guess_number-v0", fine_options);
  ASSERT_EQ(fine.num_acts(), 50);
  auto again = agents::make_agent("ppo:" + tmp.path.string());
  EXPECT_GE(agents::evaluate(fine, *again, rc).stats.success.mean, 0.9);
}

TEST(LearnersPpoAgent, ActScoringCheckpointsCheckActFeatureNamesNotActs) {
  TempDir tmp("act_scoring_agent");
  train(registry(), guess_config((tmp.path / "as").string(), 512));
  TrainConfig mlp_cfg = guess_config((tmp.path / "mlp").string(), 512);
  mlp_cfg.policy = "mlp";
  train(registry(), mlp_cfg);
  register_agents();

  nlohmann::json fine_options = guess_options("test");
  fine_options["scenario"] = write_fine_guess_scenario(tmp.path).string();
  Env fine = registry().make("guess_number-v0", fine_options);
  EXPECT_EQ(act_error("ppo:" + (tmp.path / "as").string(), fine), "");  // another act set: fine
  const std::string mlp_err = act_error("ppo:" + (tmp.path / "mlp").string(), fine);
  EXPECT_NE(mlp_err.find("act names"), std::string::npos) << mlp_err;  // one output per act

  // Other act-feature names (a sidecar edited to another layout) are refused, naming both sides.
  const fs::path other = tmp.path / "other";
  fs::create_directories(other);
  fs::copy_file(tmp.path / "as" / "checkpoint.pt", other / "checkpoint.pt");
  nlohmann::json meta = nlohmann::json::parse(std::ifstream(tmp.path / "as" / "checkpoint.json"));
  meta["act_feature_names"][1] = "no_share";
  std::ofstream(other / "checkpoint.json") << meta.dump();
  const std::string err = act_error("ppo:" + other.string(), fine);
  EXPECT_NE(err.find("act-feature names"), std::string::npos) << err;
  EXPECT_NE(err.find("no_share"), std::string::npos) << err;
  EXPECT_NE(err.find("yes_share"), std::string::npos) << err;

  // Another task is refused as before.
  Env tq = registry().make("twenty_questions-v1", small_options("terminal"));
  EXPECT_NE(act_error("ppo:" + (tmp.path / "as").string(), tq).find("guess_number-v0"),
            std::string::npos);
}

// A checkpoint of the first scorer (before the factored one, its sidecar has no network.scorer)
// still loads and plays, as the scorer it holds: the same acts as with the sidecar that names it.
TEST(LearnersPpoAgent, CheckpointsOfTheFirstScorerStillLoadAndPlay) {
  TempDir tmp("first_scorer");
  TrainConfig cfg = guess_config((tmp.path / "mlp_scorer").string(), 2048);
  cfg.ppo.scorer = "mlp";
  train(registry(), cfg);
  nlohmann::json meta =
      nlohmann::json::parse(std::ifstream(tmp.path / "mlp_scorer" / "checkpoint.json"));
  ASSERT_EQ(meta["network"]["scorer"], "mlp");
  const fs::path old = tmp.path / "old";
  fs::create_directories(old);
  fs::copy_file(tmp.path / "mlp_scorer" / "checkpoint.pt", old / "checkpoint.pt");
  meta["network"].erase("scorer");
  meta["format_version"] = 2;
  std::ofstream(old / "checkpoint.json") << meta.dump();

  register_agents();
  Env env = registry().make("guess_number-v0", guess_options("test"));
  agents::RunConfig rc;
  rc.episodes = 30;
  rc.seed = 100000;
  std::vector<int32_t> named, legacy;
  auto a = agents::make_agent("ppo:" + (tmp.path / "mlp_scorer").string());
  auto b = agents::make_agent("ppo:" + old.string());
  for (uint64_t seed = 100000; seed < 100030; ++seed) {
    agents::play_episode(env, *a, seed, nlohmann::json::object(), nullptr, &named);
    agents::play_episode(env, *b, seed, nlohmann::json::object(), nullptr, &legacy);
  }
  EXPECT_FALSE(named.empty());
  EXPECT_EQ(named, legacy);
  // A factored checkpoint's parameters under a sidecar that says "mlp" are refused, naming it.
  TrainConfig f = guess_config((tmp.path / "factored").string(), 512);
  train(registry(), f);
  nlohmann::json fm = nlohmann::json::parse(std::ifstream(tmp.path / "factored" / "checkpoint.json"));
  fm["network"]["scorer"] = "mlp";
  std::ofstream(tmp.path / "factored" / "checkpoint.json") << fm.dump();
  std::string err;
  try {
    err = act_error("ppo:" + (tmp.path / "factored").string(), env);
  } catch (const Error& e) {  // refused when loading, or on its first act
    err = e.what();
  }
  EXPECT_NE(err.find("cannot load checkpoint"), std::string::npos) << err;
}

// Generalization to unseen goals and to a larger act set (issue 9): act-scoring PPO trained on the
// 12 training objects of small.json (20 Questions v1: 8 act features) guesses the 4 test objects
// it never saw, and plays the 309-object common catalog (367 acts instead of 74; same attributes,
// so the same feature names). Budget: 30k steps, terminal reward, a few seconds here. Measured
// at this budget with the first scorer, seeds 1-4 (greedy): small test split 100% each (200
// episodes); common test split 95-99% (100 episodes; expert 99%, passive 2%, random 1%); at 20k
// steps: small 98-100%, common 77-98%. The factored scorer (v2 demo recipe, seeds 1-2): 100% on
// both.
// The flat MLP (v0) reaches 62-76% on the *train* objects after 250k steps with this reward.
TEST(LearnersActScoringLearning, GeneralizesToUnseenTwentyQuestionsObjects) {
  TempDir tmp("act_scoring_tq");
  TrainConfig cfg;
  cfg.task = "twenty_questions-v1";
  cfg.env_options = small_options("terminal");  // split train
  cfg.total_steps = 30'720;
  cfg.num_envs = 16;
  cfg.seed = 1;
  cfg.device = test_device();
  cfg.out_dir = tmp.path.string();
  train(registry(), cfg);

  register_agents();
  nlohmann::json test_options = small_options("terminal");
  test_options["split"] = "test";
  Env test = registry().make(cfg.task, test_options);
  agents::RunConfig rc;
  rc.episodes = 200;
  rc.seed = 100000;
  auto trained = agents::make_agent("ppo:" + cfg.out_dir);
  EXPECT_GE(agents::evaluate(test, *trained, rc).stats.success.mean, 0.9);

  Env common = registry().make(cfg.task, {{"split", "test"}, {"reward", "terminal"}});
  ASSERT_EQ(common.num_acts(), 58 + 309);
  rc.episodes = 100;
  auto on_common = agents::make_agent("ppo:" + cfg.out_dir);
  EXPECT_GE(agents::evaluate(common, *on_common, rc).stats.success.mean, 0.8);
}

}  // namespace
}  // namespace collab::learners
