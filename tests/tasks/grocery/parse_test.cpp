// The grocery parser on phrasings written by hand: terse and chatty, digits and words, typos.
// Each case gives the expected act and, for adds, the quantity read from the words.
#include <gtest/gtest.h>

#include "tests/tasks/grocery/gr_test_util.h"

namespace collab::tasks::grocery {
namespace {

struct Case {
  const char* text;
  const char* act;  // "" = understood as nothing
  int quantity;     // adds: the quantity; else 0
};

// A fresh dialogue (nothing said yet, no store chosen): a type alone means its first product.
const Case kCases[] = {
    // address
    {"What's your address?", "ask:address", 0},
    {"where do you live", "ask:address", 0},
    {"Where should I deliver the groceries?", "ask:address", 0},
    {"whats ur adress", "ask:address", 0},
    {"Could you tell me your delivery address, please?", "ask:address", 0},
    {"Which city are you in?", "ask:address", 0},
    {"zip code?", "ask:address", 0},
    {"Where to?", "ask:address", 0},
    // store
    {"Which store do you usually shop at?", "ask:store", 0},
    {"where do you usually shop", "ask:store", 0},
    {"Any preferred supermarket?", "ask:store", 0},
    {"which shop should i use?", "ask:store", 0},
    {"Do you have a favourite grocery store?", "ask:store", 0},
    {"wich stor do you use?", "ask:store", 0},
    {"Do you shop at FreshMart?", "ask:store", 0},
    // list
    {"What do you need?", "ask:list", 0},
    {"What's on your shopping list?", "ask:list", 0},
    {"what should I buy for you", "ask:list", 0},
    {"Tell me what groceries you want.", "ask:list", 0},
    {"What items are on the list?", "ask:list", 0},
    {"so what are we getting today?", "ask:list", 0},
    {"Do you need eggs?", "ask:list", 0},
    // quantity
    {"How many of each item do you need?", "ask:quantity", 0},
    {"How many eggs?", "ask:quantity", 0},
    {"how much oat milk do you want", "ask:quantity", 0},
    {"What quantities?", "ask:quantity", 0},
    {"quantitys?", "ask:quantity", 0},
    // brand
    {"Which brand do you like?", "ask:brand", 0},
    {"Any brand or size preferences for the oat milk?", "ask:brand", 0},
    {"What size eggs?", "ask:brand", 0},
    {"do you prefer a particular brand", "ask:brand", 0},
    {"prefered brand?", "ask:brand", 0},
    // diet
    {"Do you have any dietary restrictions?", "ask:diet", 0},
    {"Any allergies?", "ask:diet", 0},
    {"Are you vegan or gluten-free?", "ask:diet", 0},
    {"anything you can't eat?", "ask:diet", 0},
    {"Any food intolerances I should know about?", "ask:diet", 0},
    {"dietery needs?", "ask:diet", 0},
    // budget
    {"What's your budget?", "ask:budget", 0},
    {"How much do you want to spend?", "ask:budget", 0},
    {"Is there a price limit?", "ask:budget", 0},
    {"how much money can I spend", "ask:budget", 0},
    {"max you want to pay?", "ask:budget", 0},
    {"whats the bugdet", "ask:budget", 0},
    // delivery
    {"When would you like it delivered?", "ask:delivery", 0},
    {"What time should it arrive?", "ask:delivery", 0},
    {"Which delivery window works for you?", "ask:delivery", 0},
    {"when do you want the groceries", "ask:delivery", 0},
    {"Pick a delivery slot", "ask:delivery", 0},
    {"delivery tomorrow morning ok?", "ask:delivery", 0},
    // add, quantities in digits and words
    {"Add 2 oat milk", "add:oatly_oat_milk_1_l", 2},
    {"I'll add two cartons of oat milk", "add:oatly_oat_milk_1_l", 2},
    {"3x eggs", "add:vital_farms_eggs_12_pack", 3},
    {"eggs x3", "add:vital_farms_eggs_12_pack", 3},
    {"Put a dozen eggs in the cart", "add:vital_farms_eggs_12_pack", 12},
    {"grab some bananas", "add:dole_bananas_1_kg", 1},
    {"Add Califia oat milk", "add:califia_oat_milk_1_l", 1},
    {"Add 2 Oatly oat milk 2L", "add:oatly_oat_milk_2_l", 2},
    {"one Chobani greek yogurt 1kg", "add:chobani_greek_yogurt_1_kg", 1},
    {"Add five avocados", "add:mission_avocados_4_pack", 5},
    {"add 4 bagles", "add:thomas_bagels_6_pack", 4},
    {"could you add a couple of lemons?", "add:sunkist_lemons_1_kg", 2},
    {"I'd like 6 Barilla pasta", "add:barilla_pasta_500_g", 6},
    {"Order three bags of Kettle chips", "add:kettle_potato_chips_220_g", 3},
    {"Throw in some Sabra hummus", "add:sabra_hummus_283_g", 1},
    {"add 10 x Jif peanut butter", "add:jif_peanut_butter_454_g", 10},
    {"Can you get me twelve Lindt dark chocolate bars?", "add:lindt_dark_chocolate_100_g", 12},
    {"add tofu", "add:nasoya_tofu_400_g", 1},
    {"Add 1 x Everyday gluten-free pasta (227 g) to the cart.",
     "add:everyday_gluten_free_pasta_227_g", 1},
    {"pls add 2 packs of LaCroix", "add:lacroix_sparkling_water_12_pack", 2},
    {"Add some Tillamook cheddar, 2 please", "add:tillamook_cheddar_200_g", 2},
    {"add almond milk, 2 cartons", "add:almond_breeze_almond_milk_1_l", 2},
    {"Add 3 strawberies", "add:driscolls_strawberries_450_g", 3},
    {"add 2 brocoli", "add:mann_s_broccoli_340_g", 2},
    {"I'll take 4 Lay's potato chips", "add:lay_s_potato_chips_220_g", 4},
    {"Let's get the Fuji apples", "add:fuji_apples_2_kg", 1},
    {"add 2 \xC3\x97 Tide laundry detergent", "add:tide_laundry_detergent_1_5_l", 2},
    {"half a dozen Vital Farms eggs 6 pack", "add:vital_farms_eggs_6_pack", 6},
    {"Need 7 salmon", "add:kirkland_salmon_fillet_500_g", 7},
    {"coffee: Lavazza, eight of them", "add:lavazza_coffee_1_kg", 8},
    // remove
    {"Remove the oat milk", "remove:oatly_oat_milk_1_l", 0},
    {"take out the eggs", "remove:vital_farms_eggs_12_pack", 0},
    {"I don't need the bananas anymore", "remove:dole_bananas_1_kg", 0},
    {"drop the Kettle chips", "remove:kettle_potato_chips_220_g", 0},
    {"delete 2 bagels", "remove:thomas_bagels_6_pack", 0},
    {"no more tofu please", "remove:nasoya_tofu_400_g", 0},
    {"Please cancel the Sabra hummus", "remove:sabra_hummus_283_g", 0},
    // store
    {"Let's order from FreshMart in Denver.", "choose_store:freshmart_denver", 0},
    {"use greenleaf portland", "choose_store:greenleaf_market_portland", 0},
    {"Shop at Value Grocer in Boston", "choose_store:valuegrocer_boston", 0},
    {"FreshMart Austin please", "choose_store:freshmart_austin", 0},
    {"switch to the Boston FreshMart", "choose_store:freshmart_boston", 0},
    {"go with greenleaf", "choose_store:greenleaf_market_denver", 0},
    // checkout
    {"Checkout", "checkout", 0},
    {"That's everything, place the order.", "checkout", 0},
    {"ok I'll check out now", "checkout", 0},
    {"Submit the order please", "checkout", 0},
    {"all set, go ahead and pay", "checkout", 0},
    {"chekout", "checkout", 0},
    // nothing
    {"Hello there!", "", 0},
    {"The weather is nice.", "", 0},
    {"Thanks!", "", 0},
};

TEST(GroceryParse, HandWrittenPhrasings) {
  static_assert(std::size(kCases) >= 80);
  const Grocery& t = testing::task();
  const auto g = t.make_game(testing::profile("u003"), testing::persona("terse"));
  int wrong = 0;
  for (const Case& c : kCases) {
    const Parsed p = g->parse(c.text);
    const std::string got = p.act ? t.acts()[static_cast<size_t>(*p.act)] : "";
    EXPECT_EQ(got, c.act) << '"' << c.text << '"';
    wrong += got != c.act;
    if (p.act && t.is_add(*p.act)) {
      EXPECT_EQ(p.content.number, std::optional<double>(c.quantity)) << '"' << c.text << '"';
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST(GroceryParse, ReadsTheDialogueForWhatAMentionMeans) {
  const Grocery& t = testing::task();
  // Profile u003: Boston, FreshMart, Oatly oat milk 2 L.
  auto g = t.make_game(testing::profile("u003"), testing::persona("terse"));
  Rng rng(1);
  Content none;
  g->respond({t.ask_act(Slot::kAddress), none, "What's the delivery address?"}, rng);
  g->respond({t.ask_act(Slot::kBrand), none, "Which brand?"}, rng);
  const Parsed milk = g->parse("add oat milk");
  EXPECT_EQ(t.acts()[static_cast<size_t>(*milk.act)], "add:oatly_oat_milk_2_l")
      << "the stated product";
  const Parsed store = g->parse("use FreshMart");
  EXPECT_EQ(t.acts()[static_cast<size_t>(*store.act)], "choose_store:freshmart_boston")
      << "the stated city";
}

}  // namespace
}  // namespace collab::tasks::grocery
