// Declared options (EnvPool's DefaultConfig is the model): a task lists each option once, with its
// default, type, range or choices and a help line; the framework validates values, fills defaults,
// reports them in spec() and `--help`, and builds every error message (key, value, what is allowed).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace collab {

struct OptionSpec {
  enum class Kind { kString, kNumber, kInteger, kBool };

  std::string name;
  Kind kind = Kind::kString;
  nlohmann::json default_value;      // null only when `nullable`
  std::string help;                  // one line, shown by spec() and the CLI
  bool nullable = false;             // null is allowed (means "the task decides", e.g. persona's)
  std::vector<std::string> choices;  // kString: the allowed values (empty = any string)
  std::optional<double> min, max;    // kNumber / kInteger: inclusive range

  // Builders, so a declaration reads as one line per option.
  static OptionSpec choice(std::string name, std::string default_value,
                           std::vector<std::string> choices, std::string help);
  static OptionSpec number(std::string name, std::optional<double> default_value, double min,
                           double max, std::string help);
  static OptionSpec integer(std::string name, long long default_value, long long min,
                            long long max, std::string help);
  static OptionSpec boolean(std::string name, bool default_value, std::string help);
  OptionSpec&& or_null() &&;  // null is also accepted

  // Throws InvalidOption("option 'KEY' = VALUE: expected …") unless `value` is allowed.
  void validate(const nlohmann::json& value, std::string_view where) const;
  // "a number in [0, 0.5], or null" — what validate() accepts, in words.
  std::string expected() const;
  nlohmann::json to_json() const;
};

using OptionSpecs = std::vector<OptionSpec>;

// The declared options' defaults, {name: default}.
nlohmann::json option_defaults(const OptionSpecs& specs);
// `defaults` overlaid with `given` (every key of `given` must be declared: unknown keys throw
// InvalidOption with a did-you-mean), every value validated. `where` names the caller in errors.
nlohmann::json resolve_options(const OptionSpecs& specs, const nlohmann::json& defaults,
                               const nlohmann::json& given, std::string_view where);
const OptionSpec* find_option(const OptionSpecs& specs, std::string_view name);

}  // namespace collab
