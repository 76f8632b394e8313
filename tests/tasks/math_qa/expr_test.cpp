// The solver expression language: precedence, functions, errors with positions.
#include "tasks/math_qa/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace collab::tasks::math_qa {
namespace {

double eval(const std::string& src, std::vector<double> values = {},
            std::vector<std::string> names = {}) {
  return Expr::compile(src, names).eval(values);
}

TEST(MathQaExpr, ArithmeticAndPrecedence) {
  EXPECT_DOUBLE_EQ(eval("1 + 2 * 3"), 7);
  EXPECT_DOUBLE_EQ(eval("(1 + 2) * 3"), 9);
  EXPECT_DOUBLE_EQ(eval("10 - 4 - 3"), 3);  // left-associative
  EXPECT_DOUBLE_EQ(eval("48 / 4 / 2"), 6);
  EXPECT_DOUBLE_EQ(eval("2 ^ 3 ^ 2"), 512);  // right-associative
  EXPECT_DOUBLE_EQ(eval("-2 ^ 2"), -4);       // ^ binds tighter than unary minus
  EXPECT_DOUBLE_EQ(eval("2 ^ -1"), 0.5);
  EXPECT_DOUBLE_EQ(eval("--3"), 3);
  EXPECT_DOUBLE_EQ(eval("+4 * -2"), -8);
  EXPECT_DOUBLE_EQ(eval(".5 + 1e3 + 2.5E-1"), 1000.75);
  EXPECT_DOUBLE_EQ(eval("  7  "), 7);
}

TEST(MathQaExpr, VariablesFunctionsAndConstants) {
  const std::vector<std::string> names = {"d", "t1", "t2"};
  EXPECT_DOUBLE_EQ(eval("d / (t1 + t2)", {300, 1, 2}, names), 100);
  EXPECT_DOUBLE_EQ(eval("sqrt(d) + abs(t1 - t2)", {16, 1, 4}, names), 7);
  EXPECT_DOUBLE_EQ(eval("min(d, t1, t2) + max(d, t1)", {5, 2, 9}, names), 7);
  EXPECT_DOUBLE_EQ(eval("round(2.5) + floor(2.7) + ceil(2.1)"), 3 + 2 + 3);
  EXPECT_DOUBLE_EQ(eval("round(3.14159, 2)"), 3.14);
  EXPECT_NEAR(eval("exp(ln(5))"), 5, 1e-12);
  EXPECT_DOUBLE_EQ(eval("log10(1000)"), 3);
  EXPECT_DOUBLE_EQ(eval("pi"), std::numbers::pi);
  const Expr e = Expr::compile("t2 * 2", names);
  EXPECT_EQ(e.uses(), (std::vector<bool>{false, false, true}));
}

TEST(MathQaExpr, ComparisonsAndLogic) {
  EXPECT_EQ(eval("3 > 2"), 1);
  EXPECT_EQ(eval("3 < 2"), 0);
  EXPECT_EQ(eval("2 <= 2 && 2 >= 3"), 0);
  EXPECT_EQ(eval("2 == 2 || 1 != 1"), 1);
  EXPECT_EQ(eval("!(1 > 2)"), 1);
  EXPECT_EQ(eval("1 + 1 == 2"), 1);  // arithmetic binds tighter than comparison
}

TEST(MathQaExpr, DivisionByZeroIsNotAnException) {
  EXPECT_TRUE(std::isinf(eval("1 / 0")));
  EXPECT_TRUE(std::isnan(eval("0 / 0")));
}

TEST(MathQaExpr, ErrorsNameThePlaceAndWhatWasExpected) {
  const std::vector<std::string> names = {"speed", "time"};
  auto error = [&](const std::string& src) -> std::string {
    try {
      Expr::compile(src, names);
    } catch (const ExprError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error("sped * time"), "at 0: unknown name 'sped'; the variables are: speed, time");
  EXPECT_EQ(error("speed * "), "at 8: expected a number, a name or '(' at the end");
  EXPECT_EQ(error("(speed + time"), "at 13: expected ')'");
  EXPECT_EQ(error("speed time"), "at 6: unexpected 't' after a complete expression");
  EXPECT_NE(error("cube(speed)").find("unknown function 'cube'"), std::string::npos);
  EXPECT_NE(error("sqrt(speed, time)").find("sqrt() takes 1 argument, got 2"), std::string::npos);
  EXPECT_NE(error("min(speed)").find("takes at least 2 arguments"), std::string::npos);
  EXPECT_NE(error("1 < 2 < 3").find("do not chain"), std::string::npos);
  EXPECT_NE(error("1.2.3").find("malformed number"), std::string::npos);
  EXPECT_NE(error("").find("empty expression"), std::string::npos);
  EXPECT_NE(error("speed $ 2").find("unexpected '$'"), std::string::npos);
}

TEST(MathQaExpr, DeepNestingEvaluates) {
  std::string src;
  for (int i = 0; i < 40; ++i) src += "(1 + ";
  src += "1";
  for (int i = 0; i < 40; ++i) src += ")";
  EXPECT_DOUBLE_EQ(eval(src), 41);
}

}  // namespace
}  // namespace collab::tasks::math_qa
