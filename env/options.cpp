#include "env/options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"
#include "env/text.h"

namespace collab {

OptionSpec OptionSpec::choice(std::string name, std::string default_value,
                              std::vector<std::string> choices, std::string help) {
  OptionSpec s;
  s.name = std::move(name);
  s.kind = Kind::kString;
  s.default_value = std::move(default_value);
  s.choices = std::move(choices);
  s.help = std::move(help);
  return s;
}

OptionSpec OptionSpec::number(std::string name, std::optional<double> default_value, double min,
                              double max, std::string help) {
  OptionSpec s;
  s.name = std::move(name);
  s.kind = Kind::kNumber;
  s.default_value = default_value ? nlohmann::json(*default_value) : nlohmann::json(nullptr);
  s.nullable = !default_value.has_value();
  s.min = min;
  s.max = max;
  s.help = std::move(help);
  return s;
}

OptionSpec OptionSpec::integer(std::string name, long long default_value, long long min,
                               long long max, std::string help) {
  OptionSpec s;
  s.name = std::move(name);
  s.kind = Kind::kInteger;
  s.default_value = default_value;
  s.min = static_cast<double>(min);
  s.max = static_cast<double>(max);
  s.help = std::move(help);
  return s;
}

OptionSpec OptionSpec::boolean(std::string name, bool default_value, std::string help) {
  OptionSpec s;
  s.name = std::move(name);
  s.kind = Kind::kBool;
  s.default_value = default_value;
  s.help = std::move(help);
  return s;
}

OptionSpec&& OptionSpec::or_null() && {
  nullable = true;
  return std::move(*this);
}

namespace {

std::string range_text(const OptionSpec& s) {
  if (!s.min && !s.max) return "";
  if (s.kind == OptionSpec::Kind::kInteger) {
    return fmt::format(" in [{}, {}]", static_cast<long long>(s.min.value_or(-1e18)),
                       static_cast<long long>(s.max.value_or(1e18)));
  }
  return fmt::format(" in [{}, {}]", s.min.value_or(-HUGE_VAL), s.max.value_or(HUGE_VAL));
}

bool in_range(const OptionSpec& s, double x) {
  return std::isfinite(x) && (!s.min || x >= *s.min) && (!s.max || x <= *s.max);
}

}  // namespace

std::string OptionSpec::expected() const {
  std::string what;
  switch (kind) {
    case Kind::kString:
      if (choices.empty()) {
        what = "a string";
      } else {
        std::vector<std::string> quoted;
        for (const auto& c : choices) quoted.push_back(fmt::format("\"{}\"", c));
        what = choices.size() == 1 ? quoted[0] : "one of " + fmt::format("{}", fmt::join(quoted, ", "));
      }
      break;
    case Kind::kNumber:
      what = "a number" + range_text(*this);
      break;
    case Kind::kInteger:
      what = "an integer" + range_text(*this);
      break;
    case Kind::kBool:
      what = "true or false";
      break;
  }
  return nullable ? what + ", or null" : what;
}

void OptionSpec::validate(const nlohmann::json& v, std::string_view where) const {
  bool ok = false;
  if (v.is_null()) {
    ok = nullable;
  } else {
    switch (kind) {
      case Kind::kString:
        ok = v.is_string() &&
             (choices.empty() ||
              std::find(choices.begin(), choices.end(), v.get<std::string>()) != choices.end());
        break;
      case Kind::kNumber:
        ok = v.is_number() && in_range(*this, v.get<double>());
        break;
      case Kind::kInteger:
        ok = v.is_number_integer() && in_range(*this, static_cast<double>(v.get<long long>()));
        break;
      case Kind::kBool:
        ok = v.is_boolean();
        break;
    }
  }
  if (!ok) {
    throw InvalidOption(fmt::format("option '{}' = {}{}: expected {}", name, v.dump(),
                                    where.empty() ? "" : fmt::format(" ({})", where), expected()));
  }
}

nlohmann::json OptionSpec::to_json() const {
  static constexpr const char* kKinds[] = {"string", "number", "integer", "bool"};
  nlohmann::json j = {{"type", kKinds[static_cast<int>(kind)]},
                      {"default", default_value},
                      {"nullable", nullable},
                      {"help", help}};
  if (!choices.empty()) j["choices"] = choices;
  if (min) j["min"] = *min;
  if (max) j["max"] = *max;
  return j;
}

nlohmann::json option_defaults(const OptionSpecs& specs) {
  nlohmann::json d = nlohmann::json::object();
  for (const auto& s : specs) d[s.name] = s.default_value;
  return d;
}

const OptionSpec* find_option(const OptionSpecs& specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

nlohmann::json resolve_options(const OptionSpecs& specs, const nlohmann::json& defaults,
                               const nlohmann::json& given, std::string_view where) {
  if (!given.is_null() && !given.is_object()) {
    throw InvalidOption(fmt::format("options for {} must be a JSON object, got {}", where,
                                    given.dump()));
  }
  nlohmann::json out = defaults;
  if (given.is_object()) {
    for (const auto& [k, v] : given.items()) {
      const OptionSpec* s = find_option(specs, k);
      if (s == nullptr) {
        std::vector<std::string> known;
        for (const auto& o : specs) known.push_back(o.name);
        const auto near = text::did_you_mean(k, known);
        throw InvalidOption(fmt::format("unknown option '{}' for {}{}; known options: {}", k, where,
                                        near.empty() ? "" : "; did you mean " + text::join_or(near) + "?",
                                        fmt::join(known, ", ")));
      }
      out[k] = v;
    }
  }
  for (const auto& s : specs) s.validate(out.at(s.name), where);
  return out;
}

}  // namespace collab
