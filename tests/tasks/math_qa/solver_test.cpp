// Every template's solver (expression data) against an independent computation written here, on
// many random instances; fixed problems' answers against their solvers; instance sampling.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "tests/tasks/math_qa/mq_test_util.h"

namespace collab::tasks::math_qa {
namespace {

using Values = std::map<std::string, double>;
using Solver = std::function<double(const Values&)>;

// Independent computations, step by step (not the scenario's expressions).
const std::map<std::string, Solver>& reference() {
  static const std::map<std::string, Solver> m = {
      {"travel_time", [](const Values& v) { return v.at("distance") / v.at("speed"); }},
      {"travel_distance", [](const Values& v) { return v.at("speed") * v.at("time"); }},
      {"average_speed", [](const Values& v) { return 1.0 / (v.at("time") / v.at("distance")); }},
      {"trains_meet", [](const Values& v) {
         const double closing = v.at("speed1") + v.at("speed2");
         return v.at("distance") / closing;
       }},
      {"catch_up", [](const Values& v) {
         const double gap_km = v.at("speed1") * v.at("delay");
         return gap_km / (v.at("speed2") - v.at("speed1"));
       }},
      {"speed_conversion", [](const Values& v) { return v.at("speed") * 1000.0 / 1609.344; }},
      {"sprint_kmh", [](const Values& v) { return v.at("speed") * 3600.0 / 1000.0; }},
      {"discount_price", [](const Values& v) {
         return v.at("price") - v.at("price") * v.at("discount") / 100;
       }},
      {"percent_increase", [](const Values& v) {
         return (v.at("after") / v.at("before") - 1) * 100;
       }},
      {"restaurant_tip", [](const Values& v) { return v.at("bill") + v.at("bill") * v.at("tip") / 100; }},
      {"sales_tax", [](const Values& v) { return v.at("price") + v.at("price") * v.at("tax") / 100; }},
      {"percent_of_class", [](const Values& v) { return v.at("share") / 100 * v.at("students"); }},
      {"unit_price", [](const Values& v) { return v.at("price") * (1 / v.at("size")); }},
      {"hourly_wage", [](const Values& v) { return v.at("hours") * v.at("wage"); }},
      {"monthly_savings", [](const Values& v) {
         int months = 0;
         for (double saved = 0; saved < v.at("goal") - 1e-9; saved += v.at("monthly")) ++months;
         return static_cast<double>(months);
       }},
      {"fuel_cost", [](const Values& v) {
         const double liters = v.at("distance") * v.at("consumption") / 100;
         return liters * v.at("price");
       }},
      {"simple_interest", [](const Values& v) {
         double total = 0;
         for (int y = 0; y < static_cast<int>(v.at("years")); ++y) total += v.at("principal") * v.at("rate") / 100;
         return total;
       }},
      {"compound_interest", [](const Values& v) {
         double x = v.at("principal");
         for (int y = 0; y < static_cast<int>(v.at("years")); ++y) x += x * v.at("rate") / 100;
         return x;
       }},
      {"bacteria_growth", [](const Values& v) {
         double x = v.at("start");
         for (int h = 0; h < static_cast<int>(v.at("hours")); ++h) x *= 1 + v.at("rate") / 100;
         return x;
       }},
      {"rectangle_area", [](const Values& v) { return v.at("width") * v.at("length"); }},
      {"fence_perimeter", [](const Values& v) { return v.at("length") + v.at("width") + v.at("length") + v.at("width"); }},
      {"circle_area", [](const Values& v) { return std::acos(-1.0) * v.at("radius") * v.at("radius"); }},
      {"box_volume", [](const Values& v) {
         const double cm3 = v.at("length") * v.at("width") * v.at("height");
         return cm3 * 0.001;
       }},
      {"cylinder_tank", [](const Values& v) {
         const double m3 = std::acos(-1.0) * v.at("radius") * v.at("radius") * v.at("height");
         return m3 * 1000;
       }},
      {"paint_cans", [](const Values& v) {
         const double area = v.at("length") * v.at("height");
         int cans = 0;
         while (cans * v.at("coverage") < area - 1e-9) ++cans;
         return static_cast<double>(cans);
       }},
      {"pool_fill", [](const Values& v) { return v.at("volume") / (v.at("rate") * 60); }},
      {"similar_shadow", [](const Values& v) {
         const double ratio = v.at("pole") / v.at("shadow");
         return ratio * v.at("tree_shadow");
       }},
      {"recipe_scale", [](const Values& v) { return v.at("flour") * v.at("guests") / v.at("servings"); }},
      {"ratio_split", [](const Values& v) {
         const double part = v.at("total") / (v.at("a") + v.at("b"));
         return part * v.at("a");
       }},
      {"map_scale", [](const Values& v) {
         const double real_cm = v.at("map_distance") * v.at("scale");
         return real_cm / 100 / 1000;
       }},
      {"age_future", [](const Values& v) { return v.at("factor") * v.at("age") + v.at("years"); }},
      {"age_twice", [](const Values& v) {
         // Search year by year: mother + y == 2 * (daughter + y).
         int y = 0;
         while (v.at("mother") + y != 2 * (v.at("daughter") + y)) ++y;
         return static_cast<double>(y);
       }},
      {"age_sum", [](const Values& v) {
         const double brother = (v.at("total") - v.at("gap")) / 2;
         return brother + v.at("gap");
       }},
      {"mix_concentration", [](const Values& v) {
         const double salt = v.at("v1") * v.at("c1") / 100 + v.at("v2") * v.at("c2") / 100;
         return 100 * salt / (v.at("v1") + v.at("v2"));
       }},
      {"dilute_juice", [](const Values& v) {
         const double fruit = v.at("volume") * v.at("conc") / 100;
         const double total = fruit / (v.at("target") / 100);
         return total - v.at("volume");
       }},
      {"coffee_blend", [](const Values& v) {
         const double cost = v.at("w1") * v.at("p1") + v.at("w2") * v.at("p2");
         return cost / (v.at("w1") + v.at("w2"));
       }},
      {"work_together", [](const Values& v) { return 1 / (1 / v.at("t1") + 1 / v.at("t2")); }},
      {"pipes_fill", [](const Values& v) { return 1 / (1 / v.at("t1") - 1 / v.at("t2")); }},
      {"workers_days", [](const Values& v) {
         const double worker_days = v.at("workers1") * v.at("days1");
         return worker_days / v.at("workers2");
       }},
      {"reading_time", [](const Values& v) { return v.at("pages") / v.at("rate"); }},
  };
  return m;
}

TEST(MathQaSolvers, EveryTemplateHasAnIndependentReference) {
  size_t templates = 0;
  for (const auto& p : testing::task().setup().problems) {
    if (p.fixed) continue;
    ++templates;
    EXPECT_TRUE(reference().contains(p.id)) << "no reference computation for template " << p.id;
  }
  EXPECT_GE(templates, 30u);
  EXPECT_EQ(reference().size(), templates);
}

TEST(MathQaSolvers, MatchTheReferenceOnRandomInstances) {
  const MathQa& t = testing::task();
  Rng rng(2026);
  for (const auto& p : t.setup().problems) {
    if (p.fixed || !reference().contains(p.id)) continue;
    const Solver& ref = reference().at(p.id);
    for (int k = 0; k < 300; ++k) {
      std::vector<double> values;
      ASSERT_TRUE(sample_values(p, rng, &values)) << p.id;
      Values named;
      for (size_t i = 0; i < p.vars.size(); ++i) {
        named[p.vars[i].name] = values[i];
        EXPECT_GE(values[i], p.vars[i].lo - 1e-9) << p.id;
        EXPECT_LE(values[i], p.vars[i].hi + 1e-9) << p.id;
      }
      const double want = ref(named);
      const double got = *solve(p, values);
      ASSERT_NEAR(got, want, 1e-9 * std::max(1.0, std::abs(want))) << p.id << " instance " << k;
      ASSERT_GT(got, 0) << p.id;
    }
  }
}

TEST(MathQaSolvers, FixedProblemsLoadWithTheirAnswers) {
  const MathQa& t = testing::fixed_task();
  size_t fixed = 0, complete = 0, missing = 0;
  for (const auto& p : t.setup().problems) {
    ASSERT_TRUE(p.fixed);
    ++fixed;
    std::vector<double> values;
    for (const auto& v : p.vars) values.push_back(*v.value);
    EXPECT_TRUE(p.correct(*p.fixed_answer, *solve(p, values))) << p.id;
    if (p.fixed_missing) (p.fixed_missing->empty() ? complete : missing) += 1;
  }
  EXPECT_GE(fixed, 30u);
  EXPECT_GT(complete, 5u);
  EXPECT_GT(missing, 5u);
}

TEST(MathQaSolvers, InstancesSplitByTemplateAndByValues) {
  const MathQa& t = testing::task();
  size_t test_only = 0, train_only = 0;
  for (const auto& p : t.setup().problems) {
    test_only += p.split == Problem::Split::kTest;
    train_only += p.split == Problem::Split::kTrain;
  }
  EXPECT_GE(test_only, 5u);
  EXPECT_GE(train_only, 5u);
  // Episodes of each split only draw problems and instances of that split.
  for (const char* split : {"train", "test"}) {
    Env env = testing::make_env({{"split", split}});
    for (uint64_t seed = 0; seed < 200; ++seed) {
      env.reset(seed);
      const Game& g = testing::game(env);
      const Problem& p = g.problem();
      ASSERT_NE(p.split, std::string(split) == "train" ? Problem::Split::kTest : Problem::Split::kTrain);
      if (p.split == Problem::Split::kBoth) {
        EXPECT_EQ(instance_is_test(g.truth()), std::string(split) == "test") << p.id;
      }
    }
  }
}

}  // namespace
}  // namespace collab::tasks::math_qa
