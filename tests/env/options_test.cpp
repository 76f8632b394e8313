// Declared options (env/options.h): validation, defaults, and error messages that name the key, the
// value and what is allowed.
#include "env/options.h"

#include <gtest/gtest.h>

#include "env/env.h"
#include "env/error.h"
#include "tests/env/tiny_task.h"

namespace collab {
namespace {

const OptionSpecs& specs() {
  static const OptionSpecs s = {
      OptionSpec::choice("split", "train", {"train", "test"}, "which goals"),
      OptionSpec::number("noise", std::nullopt, 0, 0.5, "answer noise"),
      OptionSpec::integer("depth", 3, 1, 9, "how deep"),
      OptionSpec::boolean("chatty", false, "volunteers facts"),
  };
  return s;
}

std::string error_of(const nlohmann::json& given) {
  try {
    resolve_options(specs(), option_defaults(specs()), given, "test-v0");
  } catch (const InvalidOption& e) {
    return e.what();
  }
  return "";
}

TEST(Options, DefaultsAreFilledAndGivenValuesKept) {
  const auto o = resolve_options(specs(), option_defaults(specs()), {{"depth", 5}}, "t");
  EXPECT_EQ(o["split"], "train");
  EXPECT_TRUE(o["noise"].is_null());
  EXPECT_EQ(o["depth"], 5);
  EXPECT_EQ(o["chatty"], false);
}

TEST(Options, BadValuesNameTheKeyTheValueAndWhatIsAllowed) {
  EXPECT_EQ(error_of({{"split", "dev"}}),
            "option 'split' = \"dev\" (test-v0): expected one of \"train\", \"test\"");
  EXPECT_NE(error_of({{"noise", 0.7}}).find("expected a number in [0, 0.5], or null"),
            std::string::npos);
  EXPECT_NE(error_of({{"noise", "low"}}).find("option 'noise' = \"low\""), std::string::npos);
  EXPECT_NE(error_of({{"depth", 2.5}}).find("expected an integer in [1, 9]"), std::string::npos);
  EXPECT_NE(error_of({{"depth", 10}}).find("= 10"), std::string::npos);
  EXPECT_NE(error_of({{"chatty", 1}}).find("expected true or false"), std::string::npos);
  EXPECT_NE(error_of({{"split", nullptr}}).find("option 'split' = null"), std::string::npos);
  EXPECT_NE(error_of({{"noise", std::numeric_limits<double>::infinity()}}), "");
}

TEST(Options, UnknownKeysSuggestNearOnesAndListAll) {
  const std::string e = error_of({{"dept", 2}});
  EXPECT_NE(e.find("unknown option 'dept' for test-v0"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean depth?"), std::string::npos) << e;
  EXPECT_NE(e.find("split, noise, depth, chatty"), std::string::npos) << e;
  EXPECT_NE(error_of(nlohmann::json::array()).find("must be a JSON object"), std::string::npos);
}

TEST(Options, SpecListsEveryDeclaredOptionWithHelp) {
  Env env(std::make_shared<testing::TinyTask>());
  const auto& o = env.spec()["options"];
  for (const char* key : {"level", "reward", "mr_window", "max_turns", "scenario"}) {
    ASSERT_TRUE(o.contains(key)) << key;
    EXPECT_TRUE(o[key].contains("default")) << key;
    EXPECT_FALSE(o[key]["help"].get<std::string>().empty()) << key;
  }
  EXPECT_EQ(o["level"]["type"], "integer");
  EXPECT_EQ(o["reward"]["choices"].size(), 4u);
  // The framework validates the task's declared option; the task wrote no validation code.
  EXPECT_THROW(Env(std::make_shared<testing::TinyTask>(), {{"level", 10}}), InvalidOption);
  EXPECT_THROW(Env(std::make_shared<testing::TinyTask>(), {{"max_turns", 0}}), InvalidOption);
}

}  // namespace
}  // namespace collab
