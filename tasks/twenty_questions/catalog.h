// The 20 Questions scenario: a catalog of objects over yes/no attributes, plus user personas.
// Schema and rules: tasks/twenty_questions/README.md.
#pragma once

#include <cstdint>
#include <string>
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
  std::vector<Attribute> attributes;
  std::vector<Object> objects;
  std::vector<Persona> personas;
  int patience = 20;          // questions (guesses included) before the user ends the game
  int max_wrong_guesses = 5;  // wrong guesses before the user gives up
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

  // Validates everything; throws ScenarioError listing every problem with its JSON path.
  static Catalog load(const ScenarioFile& file);
  // Same checks, returning the problems instead of throwing (for `scenarios validate`).
  static std::vector<std::string> problems(const ScenarioFile& file);

 private:
  static Catalog parse(const ScenarioFile& file, Problems& problems);
};

}  // namespace collab::tasks::twenty_questions
