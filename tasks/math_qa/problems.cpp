// Loading and validating math_qa scenarios; formatting values; sampling instances (problems.h).
#include "tasks/math_qa/problems.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "env/instructions.h"
#include "env/error.h"

namespace collab::tasks::math_qa {

namespace {

using nlohmann::json;

const char* kTask = "math_qa";

void check_keys(Problems& pr, const json& j, const std::string& path,
                const std::set<std::string>& allowed) {
  if (!j.is_object()) return;
  for (const auto& [k, v] : j.items()) {
    (void)v;
    if (!allowed.contains(k)) {
      pr.add(path + "/" + k, fmt::format("unknown key; expected one of: {}", fmt::join(allowed, ", ")));
    }
  }
}

// A JSON number at j[key] within [lo, hi]; records a problem otherwise.
std::optional<double> num(Problems& pr, const json& j, const std::string& key,
                          const std::string& path, double lo, double hi, bool required = true) {
  if (!j.contains(key)) {
    if (required) pr.add(path + "/" + key, "missing; expected a number");
    return std::nullopt;
  }
  const json& v = j.at(key);
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
    pr.add(path + "/" + key, fmt::format("expected a number in [{}, {}], got {}", lo, hi, v.dump()));
    return std::nullopt;
  }
  return v.get<double>();
}

std::optional<std::string> str(Problems& pr, const json& j, const std::string& key,
                               const std::string& path, bool required = true) {
  if (!j.contains(key)) {
    if (required) pr.add(path + "/" + key, "missing; expected a string");
    return std::nullopt;
  }
  const json& v = j.at(key);
  if (!v.is_string() || v.get<std::string>().empty()) {
    pr.add(path + "/" + key, fmt::format("expected a non-empty string, got {}", v.dump()));
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::vector<std::string> strings(Problems& pr, const json& j, const std::string& key,
                                 const std::string& path, bool required = true) {
  std::vector<std::string> out;
  if (!j.contains(key)) {
    if (required) pr.add(path + "/" + key, "missing; expected a list of strings");
    return out;
  }
  const json& v = j.at(key);
  if (!v.is_array()) {
    pr.add(path + "/" + key, fmt::format("expected a list of strings, got {}", v.dump()));
    return out;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      pr.add(fmt::format("{}/{}/{}", path, key, i), fmt::format("expected a string, got {}", v[i].dump()));
    } else {
      out.push_back(v[i].get<std::string>());
    }
  }
  return out;
}

bool valid_format(const std::string& f) {
  const auto p = f.find("{}");
  return p != std::string::npos && f.find("{}", p + 2) == std::string::npos;
}

bool identifier(const std::string& s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

std::string format_number(double v) {
  if (std::abs(v - std::round(v)) < 1e-9 && std::abs(v) < 1e15) {
    const auto n = static_cast<long long>(std::llround(v));
    if (std::llabs(n) < 10000) return std::to_string(n);
    std::string digits = std::to_string(std::llabs(n)), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
      out.push_back(digits[i]);
    }
    return (n < 0 ? "-" : "") + out;
  }
  std::string s = fmt::format("{:.4f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string fill(const std::string& format, const std::string& number) {
  const auto p = format.find("{}");
  if (p == std::string::npos) return number;
  std::string rest = format.substr(p + 2);
  // "1 hours" -> "1 hour": the plural s of the word right after the number.
  if ((number == "1" || number == "one") && rest.size() > 2 && rest[0] == ' ') {
    const auto end = std::min(rest.find(' ', 1), rest.size());
    if (end > 3 && rest[end - 1] == 's' && rest[end - 2] != 's') rest.erase(end - 1, 1);
  }
  return format.substr(0, p) + number + rest;
}

namespace {

// Money with cents: "$2.50", not "$2.5".
std::string number_for(const Setup& s, std::optional<int> unit, double value) {
  if (unit && s.units[static_cast<size_t>(*unit)].dimension >= 0 &&
      s.dimensions[static_cast<size_t>(s.units[static_cast<size_t>(*unit)].dimension)].name == "money" &&
      std::abs(value - std::round(value)) >= 0.005) {
    return fmt::format("{:.2f}", value);
  }
  return format_number(value);
}

}  // namespace

std::string Setup::say(const Problem& p, size_t i, double value) const {
  return fill(p.vars[i].format, number_for(*this, p.vars[i].unit, value));
}

std::string Setup::say_answer(const Problem& p, double value) const {
  return fill(p.answer_format, number_for(*this, p.answer_unit, value));
}

std::optional<double> solve(const Problem& p, const std::vector<double>& values) {
  const double a = p.solve.eval(values);
  if (!std::isfinite(a)) return std::nullopt;
  return a;
}

bool instance_is_test(const std::vector<double>& values) {
  uint64_t h = 0x51ED270B27A5C0DEULL;
  for (double v : values) h = mix64(h ^ static_cast<uint64_t>(std::llround(v * 1000.0)));
  return h % 5 == 0;
}

bool sample_values(const Problem& p, Rng& rng, std::vector<double>* values) {
  values->assign(p.vars.size(), 0.0);
  for (int attempt = 0; attempt < 500; ++attempt) {
    for (size_t i = 0; i < p.vars.size(); ++i) {
      const Variable& v = p.vars[i];
      if (v.value) {
        (*values)[i] = *v.value;
        continue;
      }
      const auto steps = static_cast<uint64_t>(std::floor((v.hi - v.lo) / v.step + 1e-9)) + 1;
      // Multiply, then round to the step's decimals, so 0.1 steps give 0.3 and not 0.30000000004.
      (*values)[i] = std::round((v.lo + static_cast<double>(rng.below(steps)) * v.step) * 1e6) / 1e6;
    }
    bool ok = true;
    for (const Expr& c : p.constraints) ok = ok && c.eval(*values) != 0;
    const auto a = ok ? solve(p, *values) : std::nullopt;
    if (ok && a && *a > 0) return true;
    if (p.fixed) return false;
  }
  return false;
}

Setup Setup::load(const ScenarioFile& file) {
  Problems pr(file.path);
  Setup s = read(file, pr);
  pr.throw_if_any();
  return s;
}

Setup Setup::read(const ScenarioFile& file, Problems& pr) {
  Setup s;
  s.path = file.path;
  s.hash = file.hash;
  const json& j = file.json;
  if (!j.is_object()) {
    pr.add("", "expected a JSON object at the top level");
    return s;
  }
  check_keys(pr, j, "",
             {"task", "description", "instructions", "units", "dimensions", "user", "templates",
              "fixed"});
  if (const auto t = str(pr, j, "task", ""); t && *t != kTask) {
    pr.add("/task", fmt::format("expected \"{}\", got \"{}\"", kTask, *t));
  }
  s.description = j.value("description", "");
  if (auto text = read_scenario_instructions(j, pr)) s.instructions = std::move(*text);

  // Dimensions and their question cues.
  std::map<std::string, int> dim_index;
  if (const json* d = pr.object(j, "dimensions", "")) {
    for (const auto& [name, cues] : d->items()) {
      const std::string at = "/dimensions/" + name;
      const int index = static_cast<int>(s.dimensions.size());
      dim_index[name] = index;
      Dimension dim{name, {}};
      if (!cues.is_array()) {
        pr.add(at, fmt::format("expected a list of question phrases, got {}", cues.dump()));
      } else {
        for (size_t i = 0; i < cues.size(); ++i) {
          if (!cues[i].is_string()) {
            pr.add(fmt::format("{}/{}", at, i), "expected a string");
          } else if (!s.cue_lexicon.add(cues[i].get<std::string>(), index)) {
            pr.add(fmt::format("{}/{}", at, i), fmt::format("\"{}\" is empty or already a cue",
                                                            cues[i].get<std::string>()));
          } else {
            dim.cues.push_back(cues[i].get<std::string>());
          }
        }
      }
      s.dimensions.push_back(std::move(dim));
    }
  }

  // Units.
  std::map<std::string, int> unit_index;
  if (const json* u = pr.object(j, "units", "")) {
    for (const auto& [id, spec] : u->items()) {
      const std::string at = "/units/" + id;
      if (!spec.is_object()) {
        pr.add(at, "expected an object {dimension, factor, say, format}");
        continue;
      }
      check_keys(pr, spec, at, {"dimension", "factor", "say", "format"});
      Unit unit;
      unit.id = id;
      const int index = static_cast<int>(s.units.size());
      if (const auto dn = str(pr, spec, "dimension", at)) {
        if (!dim_index.contains(*dn)) {
          pr.add(at + "/dimension", fmt::format("\"{}\" is not in /dimensions", *dn));
        } else {
          unit.dimension = dim_index[*dn];
        }
      }
      unit.factor = num(pr, spec, "factor", at, 1e-12, 1e12).value_or(1);
      unit.say = strings(pr, spec, "say", at);
      if (unit.say.empty()) pr.add(at + "/say", "expected at least one phrase");
      for (size_t i = 0; i < unit.say.size(); ++i) {
        if (const auto other = s.unit_lexicon.label_of(unit.say[i]); other && *other != index) {
          pr.add(fmt::format("{}/say/{}", at, i),
                 fmt::format("\"{}\" already means unit \"{}\"", unit.say[i],
                             s.units[static_cast<size_t>(*other)].id));
        } else {
          s.unit_lexicon.add(unit.say[i], index);
        }
      }
      unit.format = spec.contains("format") ? str(pr, spec, "format", at).value_or("{}")
                                            : "{} " + (unit.say.empty() ? id : unit.say[0]);
      if (!valid_format(unit.format)) {
        pr.add(at + "/format", fmt::format("\"{}\" must contain {{}} exactly once", unit.format));
      }
      if (std::find(unit.say.begin(), unit.say.end(), "$") != unit.say.end()) {
        s.unit_info.dollar = index;
      }
      unit_index[id] = index;
      s.units.push_back(std::move(unit));
    }
  }
  for (const auto& u : s.units) {
    s.unit_info.dimension.push_back(u.dimension);
    s.unit_info.factor.push_back(u.factor);
  }
  auto unit_ref = [&](const json& obj, const std::string& key, const std::string& at)
      -> std::optional<int> {
    if (!obj.contains(key)) return std::nullopt;
    const auto id = str(pr, obj, key, at);
    if (!id) return std::nullopt;
    if (!unit_index.contains(*id)) {
      std::vector<std::string> ids;
      for (const auto& [k, v] : unit_index) ids.push_back(k);
      pr.add(at + "/" + key, fmt::format("unknown unit \"{}\"; expected one of /units: {}", *id,
                                         fmt::join(ids, ", ")));
      return std::nullopt;
    }
    return unit_index[*id];
  };

  // The user: openers and personas.
  if (const json* user = pr.object(j, "user", "")) {
    check_keys(pr, *user, "/user", {"openers", "personas"});
    s.openers = strings(pr, *user, "openers", "/user", false);
    if (s.openers.empty()) s.openers.push_back("");
    if (const json* ps = pr.array(*user, "personas", "/user")) {
      if (ps->empty()) pr.add("/user/personas", "expected at least one persona");
      for (size_t i = 0; i < ps->size(); ++i) {
        const json& pj = (*ps)[i];
        const std::string at = fmt::format("/user/personas/{}", i);
        if (!pj.is_object()) {
          pr.add(at, "expected an object");
          continue;
        }
        check_keys(pr, pj, at, {"name", "weight", "openings", "patience", "slip", "hedge", "number_words"});
        Persona p;
        p.name = str(pr, pj, "name", at).value_or("?");
        p.weight = num(pr, pj, "weight", at, 0, 1e6).value_or(1);
        p.patience = static_cast<int>(num(pr, pj, "patience", at, 6, 100).value_or(8));
        p.slip = num(pr, pj, "slip", at, 0, 1, false).value_or(0);
        p.hedge = num(pr, pj, "hedge", at, 0, 1, false).value_or(0);
        p.number_words = num(pr, pj, "number_words", at, 0, 1, false).value_or(0);
        if (const json* o = pr.object(pj, "openings", at)) {
          check_keys(pr, *o, at + "/openings", {"complete", "omit_one", "omit_two", "blur"});
          double total = 0;
          for (int k = 0; k < 4; ++k) {
            p.openings[k] = num(pr, *o, kOpeningNames[k], at + "/openings", 0, 1e6, false).value_or(0);
            total += p.openings[k];
          }
          if (total <= 0) pr.add(at + "/openings", "expected a positive weight for some opening kind");
        }
        s.personas.push_back(std::move(p));
      }
    }
  }

  // Problems: templates and fixed problems share one schema.
  auto read_problem = [&](const json& pj, const std::string& at, bool fixed) {
    Problem p;
    p.fixed = fixed;
    if (!pj.is_object()) {
      pr.add(at, "expected an object");
      return;
    }
    check_keys(pr, pj, at, fixed ? std::set<std::string>{"id", "topic", "split", "statement", "variables", "solve", "answer", "tolerance", "missing"}
                                 : std::set<std::string>{"id", "topic", "split", "statement", "variables", "solve", "constraints", "answer", "tolerance"});
    p.id = str(pr, pj, "id", at).value_or("?");
    for (const auto& other : s.problems) {
      if (other.id == p.id) pr.add(at + "/id", fmt::format("\"{}\" is used by another problem", p.id));
    }
    p.topic = str(pr, pj, "topic", at, false).value_or("");
    if (const auto sp = str(pr, pj, "split", at)) {
      if (*sp == "train") p.split = Problem::Split::kTrain;
      else if (*sp == "test") p.split = Problem::Split::kTest;
      else if (*sp == "both" && !fixed) p.split = Problem::Split::kBoth;
      else pr.add(at + "/split", fmt::format("expected {}, got \"{}\"", fixed ? "\"train\" or \"test\"" : "\"train\", \"test\" or \"both\"", *sp));
    }
    p.statement = str(pr, pj, "statement", at).value_or("");
    std::vector<std::string> names;
    if (const json* vs = pr.array(pj, "variables", at)) {
      if (vs->empty()) pr.add(at + "/variables", "expected at least one variable");
      for (size_t i = 0; i < vs->size(); ++i) {
        const json& vj = (*vs)[i];
        const std::string vat = fmt::format("{}/variables/{}", at, i);
        if (!vj.is_object()) {
          pr.add(vat, "expected an object");
          continue;
        }
        check_keys(pr, vj, vat, fixed ? std::set<std::string>{"name", "label", "unit", "format", "value", "guess", "phrases", "missing", "blur"}
                                      : std::set<std::string>{"name", "label", "unit", "format", "range", "step", "guess", "phrases", "missing", "blur"});
        Variable v;
        v.name = str(pr, vj, "name", vat).value_or("?");
        if (!identifier(v.name)) {
          pr.add(vat + "/name", fmt::format("\"{}\" is not an identifier ([a-z_][a-z0-9_]*)", v.name));
        }
        if (std::find(names.begin(), names.end(), v.name) != names.end()) {
          pr.add(vat + "/name", fmt::format("\"{}\" is used by another variable", v.name));
        }
        v.label = str(pr, vj, "label", vat).value_or(v.name);
        v.unit = unit_ref(vj, "unit", vat);
        v.format = vj.contains("format") ? str(pr, vj, "format", vat).value_or("{}")
                   : v.unit         ? s.units[static_cast<size_t>(*v.unit)].format
                                    : "{}";
        if (!valid_format(v.format)) {
          pr.add(vat + "/format", fmt::format("\"{}\" must contain {{}} exactly once", v.format));
        }
        if (fixed) {
          v.value = num(pr, vj, "value", vat, -1e12, 1e12);
        } else if (const json* r = pr.array(vj, "range", vat)) {
          if (r->size() != 2 || !(*r)[0].is_number() || !(*r)[1].is_number() ||
              (*r)[0].get<double>() > (*r)[1].get<double>()) {
            pr.add(vat + "/range", fmt::format("expected [low, high] with low <= high, got {}", r->dump()));
          } else {
            v.lo = (*r)[0].get<double>();
            v.hi = (*r)[1].get<double>();
          }
          v.step = num(pr, vj, "step", vat, 1e-6, 1e9, false).value_or(1);
          if ((v.hi - v.lo) / v.step > 1e7) pr.add(vat + "/step", "too many values in the range");
        }
        v.guess = num(pr, vj, "guess", vat, -1e12, 1e12).value_or(0);
        v.phrases = strings(pr, vj, "phrases", vat);
        v.missing = str(pr, vj, "missing", vat).value_or("");
        if (vj.contains("blur")) {
          const json& b = vj.at("blur");
          if (!b.is_object()) {
            pr.add(vat + "/blur", "expected an object {vague, rounded, unit}");
          } else {
            check_keys(pr, b, vat + "/blur", {"vague", "rounded", "unit"});
            v.vague = str(pr, b, "vague", vat + "/blur", false).value_or("");
            if (!v.vague.empty() && v.vague == v.missing) {
              pr.add(vat + "/blur/vague", fmt::format("\"{}\" is also the words for a missing value; a "
                                                      "reader could not tell them apart", v.vague));
            }
            if (b.contains("rounded")) {
              if (!b.at("rounded").is_boolean()) pr.add(vat + "/blur/rounded", "expected true or false");
              else v.rounded = b.at("rounded").get<bool>();
            }
            v.blur_unit = unit_ref(b, "unit", vat + "/blur");
            if (v.blur_unit && v.format == "{}") {
              pr.add(vat + "/blur/unit", "the format shows no unit, so a number without its unit "
                                         "would read the same as a clear one");
              v.blur_unit.reset();
            }
            if (v.blur_unit) {
              const Unit& bu = s.units[static_cast<size_t>(*v.blur_unit)];
              if (!v.unit || s.units[static_cast<size_t>(*v.unit)].dimension != bu.dimension ||
                  s.units[static_cast<size_t>(*v.unit)].factor == bu.factor) {
                pr.add(vat + "/blur/unit", fmt::format("\"{}\" must measure the same thing as the variable's unit, at another scale", bu.id));
                v.blur_unit.reset();
              }
            }
          }
        }
        const int index = static_cast<int>(p.vars.size());
        std::vector<std::string> all = v.phrases;
        all.push_back(v.label);
        if (v.label.rfind("the ", 0) == 0) all.push_back(v.label.substr(4));
        for (size_t k = 0; k < all.size(); ++k) {
          if (const auto other = p.var_phrases.label_of(all[k]); other && *other != index) {
            pr.add(k < v.phrases.size() ? fmt::format("{}/phrases/{}", vat, k) : vat + "/label",
                   fmt::format("\"{}\" already names variable \"{}\"", all[k],
                               p.vars[static_cast<size_t>(*other)].name));
          } else {
            p.var_phrases.add(all[k], index);
          }
        }
        names.push_back(v.name);
        p.vars.push_back(std::move(v));
      }
    }
    // Every variable appears exactly once in the statement; no other placeholders.
    for (size_t pos = p.statement.find('{'); pos != std::string::npos; pos = p.statement.find('{', pos + 1)) {
      const auto close = p.statement.find('}', pos);
      const std::string name = close == std::string::npos ? "" : p.statement.substr(pos + 1, close - pos - 1);
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        pr.add(at + "/statement", fmt::format("placeholder {{{}}} is not a variable", name));
      }
    }
    for (const auto& n : names) {
      size_t count = 0;
      for (size_t pos = p.statement.find("{" + n + "}"); pos != std::string::npos;
           pos = p.statement.find("{" + n + "}", pos + 1)) {
        ++count;
      }
      if (count != 1) {
        pr.add(at + "/statement", fmt::format("variable \"{}\" must appear exactly once as {{{}}}, found {}", n, n, count));
      }
    }
    // The solver: every quantity must matter.
    if (const auto src = str(pr, pj, "solve", at)) {
      try {
        p.solve = Expr::compile(*src, names);
        for (size_t i = 0; i < names.size(); ++i) {
          if (!p.solve.uses()[i]) {
            pr.add(at + "/solve", fmt::format("does not use variable \"{}\"; every quantity of a problem must matter", names[i]));
          }
        }
      } catch (const ExprError& e) {
        pr.add(at + "/solve", fmt::format("\"{}\": {}", *src, e.what()));
      }
    }
    if (!fixed && pj.contains("constraints")) {
      const auto cs = strings(pr, pj, "constraints", at);
      for (size_t i = 0; i < cs.size(); ++i) {
        try {
          p.constraints.push_back(Expr::compile(cs[i], names));
        } catch (const ExprError& e) {
          pr.add(fmt::format("{}/constraints/{}", at, i), fmt::format("\"{}\": {}", cs[i], e.what()));
        }
      }
    }
    // The unknown.
    if (const json* a = pr.object(pj, "answer", at)) {
      check_keys(pr, *a, at + "/answer", fixed ? std::set<std::string>{"unit", "label", "phrases", "format", "value"}
                                               : std::set<std::string>{"unit", "label", "phrases", "format"});
      p.answer_unit = unit_ref(*a, "unit", at + "/answer");
      p.answer_label = str(pr, *a, "label", at + "/answer").value_or("the answer");
      p.answer_phrases = strings(pr, *a, "phrases", at + "/answer", false);
      p.answer_format = a->contains("format") ? str(pr, *a, "format", at + "/answer").value_or("{}")
                        : p.answer_unit       ? s.units[static_cast<size_t>(*p.answer_unit)].format
                                              : "{}";
      if (!valid_format(p.answer_format)) {
        pr.add(at + "/answer/format", fmt::format("\"{}\" must contain {{}} exactly once", p.answer_format));
      }
      for (const auto& ph : p.answer_phrases) p.answer_lexicon.add(ph, 0);
      p.answer_lexicon.add(p.answer_label, 0);
      if (fixed) p.fixed_answer = num(pr, *a, "value", at + "/answer", -1e15, 1e15);
    }
    if (pj.contains("tolerance")) {
      const json& t = pj.at("tolerance");
      if (!t.is_object()) {
        pr.add(at + "/tolerance", "expected an object {relative, absolute}");
      } else {
        check_keys(pr, t, at + "/tolerance", {"relative", "absolute"});
        p.rel_tol = num(pr, t, "relative", at + "/tolerance", 0, 0.5, false).value_or(p.rel_tol);
        p.abs_tol = num(pr, t, "absolute", at + "/tolerance", 0, 1e9, false).value_or(p.abs_tol);
      }
    }
    if (fixed && pj.contains("missing")) {
      std::vector<size_t> miss;
      const auto ms = strings(pr, pj, "missing", at);
      for (size_t i = 0; i < ms.size(); ++i) {
        const auto it = std::find(names.begin(), names.end(), ms[i]);
        if (it == names.end()) {
          pr.add(fmt::format("{}/missing/{}", at, i), fmt::format("\"{}\" is not a variable", ms[i]));
        } else {
          miss.push_back(static_cast<size_t>(it - names.begin()));
        }
      }
      if (miss.size() > 2) pr.add(at + "/missing", "at most two quantities may be left out");
      p.fixed_missing = miss;
    }
    // Instances exist, and a fixed problem's answer is what its solver says.
    if (!p.solve.empty() && p.vars.size() == names.size()) {
      Rng rng(0);
      std::vector<double> values;
      if (!sample_values(p, rng, &values)) {
        pr.add(at, fixed ? "the solver gives no finite positive answer for these values"
                         : "no instance meets the constraints with a finite positive answer in 500 tries");
      } else if (p.split == Problem::Split::kBoth) {
        // Both splits need instances: a template with few values cannot be split by instance.
        bool seen[2] = {false, false};
        for (int k = 0; k < 500 && !(seen[0] && seen[1]); ++k) {
          if (sample_values(p, rng, &values)) seen[instance_is_test(values)] = true;
        }
        if (!seen[0] || !seen[1]) {
          pr.add(at + "/split", fmt::format("\"both\", but no {} instance turned up in 500 draws; "
                                            "widen the ranges or make it \"train\" or \"test\"",
                                            seen[0] ? "test" : "train"));
        }
      } else if (fixed && p.fixed_answer) {
        const double a = *solve(p, values);
        if (!p.correct(*p.fixed_answer, a)) {
          pr.add(at + "/answer/value", fmt::format("{} does not match the solver's {} (tolerance {})",
                                                   *p.fixed_answer, a, p.tolerance(a)));
        }
      }
    }
    s.problems.push_back(std::move(p));
  };
  bool any = false;
  for (const char* key : {"templates", "fixed"}) {
    if (!j.contains(key)) continue;
    any = true;
    if (const json* arr = pr.array(j, key, "")) {
      for (size_t i = 0; i < arr->size(); ++i) {
        read_problem((*arr)[i], fmt::format("/{}/{}", key, i), std::string(key) == "fixed");
      }
    }
  }
  if (!any) pr.add("/templates", "missing; expected \"templates\" or \"fixed\" problems");
  bool train = false, test = false;
  for (const auto& p : s.problems) {
    s.max_vars = std::max(s.max_vars, p.vars.size());
    train = train || p.split != Problem::Split::kTest;
    test = test || p.split != Problem::Split::kTrain;
  }
  if (any && !s.problems.empty() && (!train || !test)) {
    pr.add("", "both splits need problems: none is \"train\" or \"both\", or none is \"test\" or \"both\"");
  }
  if (s.max_vars > 8) pr.add("", fmt::format("a problem has {} variables; at most 8", s.max_vars));
  return s;
}

}  // namespace collab::tasks::math_qa
