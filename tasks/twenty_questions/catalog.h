// The 20 Questions scenario: a catalog of objects over yes/no attributes, plus user personas.
// Schema and rules: tasks/twenty_questions/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env/scenario.h"

namespace collab::tasks::twenty_questions {

enum class Value : uint8_t { kNo = 0, kYes = 1, kSometimes = 2 };

struct Attribute {
  std::string name;      // snake_case id: the act is "ask:<name>"
  std::string question;  // canonical yes/no question (the act's text form)
  std::vector<std::string> phrases;
};

struct Object {
  std::string name;  // the act is "guess:<name>"
  std::vector<std::string> synonyms;
  std::string category;
  bool test = false;          // split
  std::vector<Value> values;  // one per attribute, in catalog order
};

struct Persona {
  std::string name;
  double weight = 1;            // relative sampling weight
  double noise = 0;             // probability a yes/no answer comes out wrong
  bool hints_category = false;  // the opening names the object's category
};

struct Catalog {
  std::string path;
  std::string hash;
  std::string description;
  std::string instructions;  // the scenario's own agent instructions ("": the task's)
  std::vector<Attribute> attributes;
  std::vector<Object> objects;
  std::vector<Persona> personas;
  int patience = 20;          // questions (guesses included) before the user ends the game, >= 2
  int max_wrong_guesses = 5;  // wrong guesses before the user gives up, in [1, patience]
  // The user's first message: one of `openings` (drawn per episode) with "{questions}" filled in,
  // or, for a hints_category persona, `category_opening` ("{category}", "{questions}").
  std::vector<std::string> openings = default_openings();
  std::string category_opening = kDefaultCategoryOpening;
  // Values again, attribute-major ([attribute * objects + object]): the hot loops scan one
  // attribute over all objects, so this layout keeps them in contiguous memory.
  std::vector<Value> by_attribute;
  Value value(size_t object, size_t attribute) const {
    return by_attribute[attribute * objects.size() + object];
  }
  const Value* column(size_t attribute) const { return &by_attribute[attribute * objects.size()]; }
  // The same as bit sets: bit o of value_bits(a, v) is set when object o has value v for attribute
  // a.
  size_t words() const { return (objects.size() + 63) / 64; }
  std::vector<uint64_t> bits;  // [(attribute * 3 + value) * words() + word]
  const uint64_t* value_bits(size_t attribute, Value v) const {
    return &bits[(attribute * 3 + static_cast<size_t>(v)) * words()];
  }

  static std::vector<std::string> default_openings();
  static constexpr const char* kDefaultCategoryOpening =
      "I'm thinking of something in the category \"{category}\". You have {questions} questions.";

  // Validates everything; throws ScenarioError listing every problem with its JSON path. Text
  // forms are checked with the parser of task version `version` (-1: the latest).
  static Catalog load(const ScenarioFile& file, int version = -1);
  // Same checks, returning the problems instead of throwing (for `scenarios validate`).
  static std::vector<std::string> problems(const ScenarioFile& file, int version = -1);

 private:
  static Catalog parse(const ScenarioFile& file, Problems& problems);
  void build_tables();
};

// Opening templates: text with "{name}" placeholders; "{{" and "}}" stand for literal braces.
// The problem with `tmpl` given the allowed names (an unknown placeholder, a stray brace), if any.
std::optional<std::string> template_problem(std::string_view tmpl,
                                            const std::vector<std::string>& allowed);
// Fills a template that has no problem; placeholders missing from `values` are left empty.
std::string fill_template(std::string_view tmpl,
                          const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace collab::tasks::twenty_questions
