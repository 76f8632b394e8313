// The shared quantity reader (env/quantity.h): its corpora, conversions and properties.
#include "env/quantity.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "env/rng.h"

namespace collab {
namespace {

struct Case {
  int line;
  std::string text, expected;
};

std::vector<Case> corpus(const std::string& name) {
  const std::string path = std::string(COLLAB_QUANTITY_CORPUS) + "/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Case> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    EXPECT_NE(tab, std::string::npos) << path << ":" << n << ": no tab";
    if (tab == std::string::npos) continue;
    // A backslash followed by n in the file stands for a line break.
    std::string text;
    for (size_t i = 0; i < tab; ++i) {
      if (line[i] == '\\' && i + 1 < tab && line[i + 1] == 'n') {
        text.push_back('\n');
        ++i;
      } else {
        text.push_back(line[i]);
      }
    }
    out.push_back({n, text, line.substr(tab + 1)});
  }
  return out;
}

// Share read as written; prints every miss.
double score(const std::string& name, size_t* n) {
  const auto cases = corpus(name);
  int ok = 0;
  for (const Case& c : cases) {
    const std::string got = describe_quantities(c.text);
    if (got == c.expected) {
      ++ok;
    } else {
      std::cout << fmt::format("  {}:{}: \"{}\": read \"{}\", expected \"{}\"\n", name, c.line,
                               c.text, got, c.expected);
    }
  }
  *n = cases.size();
  return cases.empty() ? 0 : static_cast<double>(ok) / static_cast<double>(cases.size());
}

TEST(Quantity, DevelopmentCorpusIsReadAsWritten) {
  size_t n = 0;
  const double share = score("dev.tsv", &n);
  std::cout << fmt::format("quantity reader, development corpus: {:.1f}% of {}\n", 100 * share, n);
  EXPECT_GE(n, 130u);
  EXPECT_EQ(share, 1.0);
}

TEST(Quantity, HeldOutCorpusIsReadAsWritten) {
  size_t n = 0;
  const double share = score("heldout.tsv", &n);
  std::cout << fmt::format("quantity reader, held-out corpus: {:.1f}% of {}\n", 100 * share, n);
  EXPECT_GE(n, 60u);
  EXPECT_GE(share, 0.85);  // written after the reader, never tuned on (docs/quantities.md)
}

TEST(Quantity, ConversionsStayWithinADimensionAndACurrency) {
  const Unit kg = *unit_named("kg"), lb = *unit_named("lb"), g = *unit_named("g");
  EXPECT_NEAR(*convert(1, kg, lb), 2.2046226218, 1e-9);
  EXPECT_DOUBLE_EQ(*convert(2.5, kg, g), 2500);
  EXPECT_NEAR(*convert(60, *unit_named("mph"), *unit_named("kmh")), 96.56064, 1e-9);
  EXPECT_DOUBLE_EQ(*convert(90, *unit_named("min"), *unit_named("h")), 1.5);
  EXPECT_DOUBLE_EQ(*convert(250, *unit_named("usd_cent"), *unit_named("usd")), 2.5);
  EXPECT_FALSE(convert(1, kg, *unit_named("l")));
  EXPECT_FALSE(convert(1, *unit_named("usd"), *unit_named("gbp")));
  EXPECT_FALSE(unit_named("furlong"));
  const auto q = read_quantities("about 2 lb (roughly 900 g)");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_NEAR(q[0].base(), 907.18474, 1e-6);
  EXPECT_EQ(q[1].dimension(), Dimension::kMass);
  EXPECT_TRUE(q[0].approximate && q[1].approximate);
}

TEST(Quantity, SpansPointIntoTheText) {
  const std::string text = "Add 2 kg of flour and $3.50 of cheese.";
  const auto q = read_quantities(text);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(text.substr(q[0].begin, q[0].end - q[0].begin), "2 kg");
  EXPECT_EQ(text.substr(q[1].begin, q[1].end - q[1].begin), "$3.50");
}

TEST(Quantity, ASignNegatesWhateverFollowsIt) {
  for (const char* s : {"3", "2.5 kg", "$4", "twelve", "1 3/4 cups", "5k", "7 %"}) {
    const auto pos = read_quantities(s);
    for (const char* sign : {"-", "\xE2\x88\x92", "minus "}) {
      const std::string neg = std::string(sign) + s;
      const auto q = read_quantities(neg);
      ASSERT_EQ(q.size(), 1u) << neg;
      ASSERT_EQ(pos.size(), 1u) << s;
      EXPECT_DOUBLE_EQ(q[0].value, -pos[0].value) << neg;
      EXPECT_EQ(q[0].unit.has_value(), pos[0].unit.has_value()) << neg;
    }
  }
}

TEST(Quantity, NumberWordsAgreeWithDigits) {
  const std::vector<std::pair<const char*, double>> words = {
      {"seven", 7},          {"nineteen", 19},         {"forty-two", 42},
      {"ninety nine", 99},   {"three hundred", 300},   {"one thousand two hundred", 1200},
      {"two million", 2e6},  {"a thousand", 1000},     {"four and a half", 4.5},
      {"one point two five", 1.25}, {"three quarters", 0.75}};
  for (const auto& [w, v] : words) {
    const auto q = read_quantities(w);
    ASSERT_EQ(q.size(), 1u) << w;
    EXPECT_DOUBLE_EQ(q[0].value, v) << w;
    EXPECT_TRUE(q[0].words) << w;
  }
}

TEST(Quantity, ArbitraryBytesNeverBreakIt) {
  Rng rng(7);
  const std::string alphabet =
      "0123456789 .,-/$%~kKmM:" "\xE2\x88\x92" "\xC2\xBD" "\xC2\xA3" "abcdefghijklmnopqrstuvwxyz\n";
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const size_t len = rng.below(40);
    for (size_t k = 0; k < len; ++k) {
      s.push_back(rng.bernoulli(0.05) ? static_cast<char>(rng.below(256))
                                      : alphabet[rng.below(alphabet.size())]);
    }
    for (const Quantity& q : read_quantities(s)) {
      EXPECT_LE(q.begin, q.end);
      EXPECT_LE(q.end, s.size());
      EXPECT_TRUE(std::isfinite(q.value)) << s;
    }
  }
  EXPECT_TRUE(read_quantities("1e999 and 1e300 billion").empty());
}

}  // namespace
}  // namespace collab
