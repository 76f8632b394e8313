#include "learners/rollout.h"

#include <gtest/gtest.h>

#include "env/error.h"

namespace collab::learners::detail {
namespace {

// Two environments, five steps, gamma = lambda = 0.5 (so gamma * lambda = 0.25). Rows are
// time-major: row = t * 2 + env.
//
// env 0: steps 0-1 are one episode that terminates after step 1; row 2 shows its last observation
// (valid = 0: VectorEnv ignores that act and resets); steps 3-4 start the next episode, still
// running at the end (bootstrap from last_value = 4).
//   t  r  V  term trunc valid
//   0  1  1   0    0     1
//   1  3  2   1    0     1
//   2  0  5   0    0     0
//   3  1  1   0    0     1
//   4  0  2   0    0     1        last V = 4
//   t=4: delta = 0 + .5*4 - 2 = 0                     A = 0                 R = 2
//   t=3: delta = 1 + .5*2 - 1 = 1                     A = 1 + .25*0 = 1     R = 2
//   t=2: dead row                                     A = 0                 R = V = 5
//   t=1: terminal: delta = 3 + 0 - 2 = 1              A = 1 (chain cut)     R = 3
//   t=0: delta = 1 + .5*2 - 1 = 1                     A = 1 + .25*1 = 1.25  R = 2.25
//
// env 1: the first episode is truncated after step 1 (turn limit): V bootstraps from row 2's
// observation (the episode's last, V = 3) but the advantage chain stops; the second episode
// terminates after step 4 (last V = 10 is ignored).
//   t  r  V  term trunc valid
//   0  1  0   0    0     1
//   1  1  1   0    1     1
//   2  0  3   0    0     0
//   3  2  1   0    0     1
//   4  0  1   1    0     1        last V = 10
//   t=4: terminal: delta = 0 + 0 - 1 = -1             A = -1                       R = 0
//   t=3: delta = 2 + .5*1 - 1 = 1.5                   A = 1.5 + .25*(-1) = 1.25    R = 2.25
//   t=2: dead row                                     A = 0                        R = 3
//   t=1: truncated: delta = 1 + .5*3 - 1 = 1.5        A = 1.5 (chain cut)          R = 2.5
//   t=0: delta = 1 + .5*1 - 0 = 1.5                   A = 1.5 + .25*1.5 = 1.875    R = 1.875
TEST(LearnersGae, HandWorkedExampleWithTerminationTruncationAndReset) {
  const std::vector<float> rewards = {1, 1, 3, 1, 0, 0, 1, 2, 0, 0};
  const std::vector<float> values = {1, 0, 2, 1, 5, 3, 1, 1, 2, 1};
  const std::vector<uint8_t> terminated = {0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  const std::vector<uint8_t> truncated = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  const std::vector<uint8_t> valid = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1};
  const std::vector<float> last = {4, 10};
  std::vector<float> adv(10, -99), ret(10, -99);
  compute_gae(5, 2, rewards, values, last, terminated, truncated, valid, 0.5, 0.5, adv, ret);
  const std::vector<float> want_adv = {1.25f, 1.875f, 1, 1.5f, 0, 0, 1, 1.25f, 0, -1};
  const std::vector<float> want_ret = {2.25f, 1.875f, 3, 2.5f, 5, 3, 2, 2.25f, 2, 0};
  for (size_t r = 0; r < 10; ++r) {
    EXPECT_FLOAT_EQ(adv[r], want_adv[r]) << "row " << r;
    EXPECT_FLOAT_EQ(ret[r], want_ret[r]) << "row " << r;
  }
}

TEST(LearnersGae, LambdaOneIsTheDiscountedReturnMinusValue) {
  // One env, no episode end: A_t = sum_k gamma^k r_{t+k} + gamma^T V_last - V_t.
  const std::vector<float> rewards = {1, 2, 3}, values = {0.5f, -1, 2}, last = {4};
  const std::vector<uint8_t> zeros(3, 0), ones(3, 1);
  std::vector<float> adv(3), ret(3);
  compute_gae(3, 1, rewards, values, last, zeros, zeros, ones, 0.9, 1.0, adv, ret);
  EXPECT_NEAR(ret[0], 1 + 0.9 * 2 + 0.81 * 3 + 0.729 * 4, 1e-5);
  EXPECT_NEAR(adv[2], 3 + 0.9 * 4 - 2, 1e-5);
}

TEST(LearnersGae, RejectsMismatchedSizes) {
  const std::vector<float> four(4), two(2), three(3);
  const std::vector<uint8_t> flags(4);
  std::vector<float> adv(4), ret(4);
  EXPECT_THROW(compute_gae(2, 2, four, three, two, flags, flags, flags, 0.9, 0.9, adv, ret), Error);
  EXPECT_THROW(compute_gae(2, 2, four, four, three, flags, flags, flags, 0.9, 0.9, adv, ret),
               Error);
}

TEST(LearnersRollout, RowsShowingAFinishedEpisodeAreNotTransitions) {
  Rollout ro(2, 3, 2, 2);
  VectorBatch b;
  b.num_envs = 3;
  b.num_features = 2;
  b.num_acts = 2;
  b.features = {1, 2, 3, 4, 5, 6};
  b.masks = {1, 0, 0, 1, 1, 1};
  b.rewards = {0.5, -1, 2};
  b.terminated = {1, 0, 0};
  b.truncated = {0, 0, 1};
  b.reset = {0, 0, 0};
  b.finished.resize(3);
  ro.record_obs(1, b);
  ro.record_outcome(0, b);
  EXPECT_EQ(ro.valid[3], 0);  // env 0 terminated: row (1, 0) is its last observation
  EXPECT_EQ(ro.valid[4], 1);
  EXPECT_EQ(ro.valid[5], 0);   // env 2 truncated
  EXPECT_EQ(ro.obs[8], 3.0f);  // row 4 = env 1 at t = 1
  EXPECT_EQ(ro.masks[7], 0);
  EXPECT_EQ(ro.masks[9], 1);
  EXPECT_FLOAT_EQ(ro.rewards[2], 2.0f);
  EXPECT_EQ(ro.terminated[0], 1);
  EXPECT_EQ(ro.truncated[2], 1);
}

}  // namespace
}  // namespace collab::learners::detail
