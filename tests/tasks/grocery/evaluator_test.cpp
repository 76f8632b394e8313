// The grocery evaluator on conversations worked by hand. Profile u003: 62 Hill Road, Boston;
// FreshMart Boston; 9 items, among them 4 × Oatly oat milk 2 L; budget $135.
// With one cart line of credit c against 9 wanted items: P = c, R = c/9, F1 = 2c/10 = c/5.
#include <gtest/gtest.h>

#include "tests/tasks/grocery/gr_test_util.h"

namespace collab::tasks::grocery {
namespace {

struct Driver {
  std::unique_ptr<Game> g =
      testing::task().make_game(testing::profile("u003"), testing::persona("chatty"));
  Rng rng{1};
  UserReply act(const std::string& name, std::optional<double> qty = std::nullopt) {
    Content c;
    c.number = qty;
    return g->respond({testing::act(name), c, "", false}, rng);
  }
  void basics(bool address = true, bool delivery = true) {
    if (address) act("ask:address");
    if (delivery) act("ask:delivery");
    act("choose_store:freshmart_boston");
  }
};

TEST(GroceryEvaluator, TheExactOrderScoresOneAndSucceeds) {
  Driver d;
  d.basics();
  for (const auto& w : testing::profile("u003").items) {
    d.act("add:" + testing::task().setup().products[w.product].id, w.quantity);
  }
  EXPECT_DOUBLE_EQ(d.g->score().task, 1.0);
  EXPECT_FALSE(d.g->score().success) << "not placed yet";
  const UserReply r = d.act("checkout");
  EXPECT_TRUE(r.ended);
  EXPECT_TRUE(d.g->score().success);
  EXPECT_NE(r.text.find("exactly my order"), std::string::npos) << r.text;
}

TEST(GroceryEvaluator, OneRightLineOfNineIsAFifth) {
  Driver d;
  d.basics();
  d.act("add:oatly_oat_milk_2_l", 4);  // c = 1
  EXPECT_NEAR(d.g->score().task, 0.2, 1e-12);
  EXPECT_NEAR(d.g->score_components()["precision"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(d.g->score_components()["recall"].get<double>(), 1.0 / 9, 1e-12);
}

TEST(GroceryEvaluator, PartialCreditForBrandSizeAndQuantity) {
  Driver d;
  d.basics();
  d.act("add:oatly_oat_milk_1_l", 2);  // type .4 + brand .2 + size 0 + quantity .2 * 2/4 = .7
  EXPECT_NEAR(d.g->score().task, 0.7 / 5, 1e-12);
  d.act("remove:oatly_oat_milk_1_l");
  d.act("add:califia_oat_milk_1_l", 4);  // type .4 + quantity .2 = .6
  EXPECT_NEAR(d.g->score().task, 0.6 / 5, 1e-12);
  d.act("add:corona_beer_6_pack", 1);  // an unwanted line: P = .6/2, R = .6/9
  const double p = 0.3, r = 0.6 / 9;
  EXPECT_NEAR(d.g->score().task, 2 * p * r / (p + r), 1e-12);
}

TEST(GroceryEvaluator, GatesStoreAddressBudgetAndDelivery) {
  {
    Driver d;  // no delivery window: x 0.9
    d.basics(true, false);
    d.act("add:oatly_oat_milk_2_l", 4);
    EXPECT_NEAR(d.g->score().task, 0.18, 1e-12);
  }
  {
    Driver d;  // never asked for the address: 0
    d.basics(false, true);
    d.act("add:oatly_oat_milk_2_l", 4);
    EXPECT_EQ(d.g->score().task, 0.0);
    EXPECT_FALSE(d.g->score_components()["address_ok"].get<bool>());
  }
  {
    Driver d;  // a store in another city: 0
    d.act("ask:address");
    d.act("ask:delivery");
    const UserReply r = d.act("choose_store:freshmart_denver");
    EXPECT_NE(r.text.find("I live in Boston"), std::string::npos) << r.text;
    d.act("add:oatly_oat_milk_2_l", 4);
    EXPECT_EQ(d.g->score().task, 0.0);
  }
  {
    Driver d;  // 40 × $6.45 = $258 > $135: x 0.5; credit .8 + .2 * 4/40 = .82
    d.basics();
    const UserReply r = d.act("add:oatly_oat_milk_2_l", 40);
    EXPECT_NE(r.text.find("over my budget of $135.00"), std::string::npos) << r.text;
    EXPECT_NEAR(d.g->score().task, 0.82 / 5 * 0.5, 1e-12);
  }
}

TEST(GroceryEvaluator, AUserWhoGaveUpGetsNothing) {
  Driver d;
  d.basics();
  d.act("add:oatly_oat_milk_2_l", 4);
  EXPECT_GT(d.g->score().task, 0);
  UserReply r;
  for (int i = 0; i < 20 && !r.ended; ++i) r = d.act("ask:budget");
  EXPECT_TRUE(r.ended);
  EXPECT_TRUE(d.g->gave_up());
  EXPECT_EQ(d.g->score().task, 0.0);
}

}  // namespace
}  // namespace collab::tasks::grocery
