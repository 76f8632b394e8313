// The math_qa scenario: units, question cues, problem templates (variables, statement, exact
// solver as an expression), fixed hand-written problems, and user personas. Schema:
// tasks/math_qa/README.md "Scenario files". Everything is validated on load; problems name the
// file and JSON path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "env/rng.h"
#include "env/scenario.h"
#include "tasks/math_qa/expr.h"
#include "tasks/math_qa/numbers.h"

namespace collab::tasks::math_qa {

struct Unit {
  std::string id;                // "km"
  int dimension = -1;            // index into Setup::dimensions
  double factor = 1;             // size in the dimension's base unit
  std::vector<std::string> say;  // phrases; say[0] is how the user writes it
  std::string format;            // "{} km", "${}", "{}%"
};

struct Dimension {
  std::string name;               // "length"
  std::vector<std::string> cues;  // question phrases that ask for a quantity of it ("how far")
};

// One quantity of a problem.
struct Variable {
  std::string name;   // identifier used by the solver ("distance")
  std::string label;  // how people name it, with article ("the distance")
  std::optional<int> unit;  // index into Setup::units (canonical unit of the value)
  std::string format;       // "{} km" (the unit's format unless given)
  double lo = 0, hi = 0, step = 1;  // templates: values lo, lo+step, …, <= hi
  std::optional<double> value;      // fixed problems: the value
  double guess = 0;                 // the eager assumption when the value is not known
  std::vector<std::string> phrases;  // words people use for it ("how far", "distance")
  std::string missing;               // the statement's words when the value is left out
  std::string vague;                 // blur: words instead of the number ("a few hours"); "" none
  bool rounded = false;              // blur: "about 100 km" for 120 km
  std::optional<int> blur_unit;      // blur: the number given in this unit, without the unit
};

// A problem template (or a fixed problem: every variable has a value and `answer` is given).
struct Problem {
  std::string id;
  std::string topic;
  enum class Split { kTrain, kTest, kBoth } split = Split::kBoth;
  std::string statement;  // with {variable} placeholders
  std::vector<Variable> vars;
  Expr solve;                     // the answer, in the answer unit, from canonical values
  std::vector<Expr> constraints;  // each must hold (non-zero) for a sampled instance
  std::optional<int> answer_unit;
  std::string answer_label;                // "the travel time"
  std::string answer_format;               // "{} hours"
  std::vector<std::string> answer_phrases;  // words for the unknown ("how long")
  double rel_tol = 0.005, abs_tol = 0.01;
  bool fixed = false;
  std::optional<double> fixed_answer;                 // fixed problems: the stated answer
  std::optional<std::vector<size_t>> fixed_missing;  // fixed problems: left out of the opening
  Lexicon var_phrases;     // label = variable index
  Lexicon answer_lexicon;  // label 0: the unknown

  double tolerance(double answer) const { return std::max(abs_tol, rel_tol * std::abs(answer)); }
  bool correct(double given, double answer) const {
    return std::abs(given - answer) <= tolerance(answer);
  }
  // Dimension of variable i (-1: none).
  int dimension(const std::vector<Unit>& units, size_t i) const {
    return vars[i].unit ? units[static_cast<size_t>(*vars[i].unit)].dimension : -1;
  }
};

enum class OpeningKind { kComplete, kOmitOne, kOmitTwo, kBlur };
inline constexpr const char* kOpeningNames[] = {"complete", "omit_one", "omit_two", "blur"};

struct Persona {
  std::string name;
  double weight = 1;
  double openings[4] = {1, 0, 0, 0};  // weights by OpeningKind
  int patience = 8;                   // agent turns before the user gives up
  double slip = 0;          // P(a wrong number when answering a question), corrected on confirm
  double hedge = 0;         // P(a right answer still comes with "I think")
  double number_words = 0;  // P(a whole number in a reply is said in words)
};

struct Setup {
  std::string path, hash, description;
  std::string instructions;  // the scenario's own agent instructions ("": the task's)
  std::vector<Unit> units;
  std::vector<Dimension> dimensions;
  std::vector<Problem> problems;  // templates, then fixed problems
  std::vector<Persona> personas;
  std::vector<std::string> openers;  // prefixes of the opening ("Can you help me? ")
  size_t max_vars = 0;               // slots: the most variables any problem has
  Lexicon unit_lexicon;              // label = unit index
  Lexicon cue_lexicon;               // label = dimension index
  UnitInfo unit_info;                // for find_quantities

  // Reads and validates; throws ScenarioError listing every problem with its JSON path.
  static Setup load(const ScenarioFile& file);
  // Collects the problems of `file` into `pr` (what load throws).
  static Setup read(const ScenarioFile& file, Problems& pr);

  // "120 km", "$1,250", "12.5%": a value in variable i's format.
  std::string say(const Problem& p, size_t i, double value) const;
  std::string say_answer(const Problem& p, double value) const;
};

// "{} km" with the number formatted: whole numbers without decimals (commas from 10,000 on),
// others with up to 4 significant decimals.
std::string format_number(double v);
std::string fill(const std::string& format, const std::string& number);

// Sampling instances. values: canonical values by variable. Returns false if no instance met the
// constraints within the tries (never for a validated scenario).
bool sample_values(const Problem& p, Rng& rng, std::vector<double>* values);
// Which split an instance of a "both" template belongs to (a hash of the values: 1 in 5 is test).
bool instance_is_test(const std::vector<double>& values);
// The answer's value, or nullopt when it is not finite.
std::optional<double> solve(const Problem& p, const std::vector<double>& values);

}  // namespace collab::tasks::math_qa
