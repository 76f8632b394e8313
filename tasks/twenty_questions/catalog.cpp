#include "tasks/twenty_questions/catalog.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "env/instructions.h"
#include "env/text.h"
#include "tasks/twenty_questions/task.h"

namespace collab::tasks::twenty_questions {

namespace {

using json = nlohmann::json;

// The keys each level of the schema accepts (README "Scenario").
const std::vector<std::string> kTopKeys = {"task",       "description", "instructions",
                                           "user",       "attributes",  "objects"};
const std::vector<std::string> kUserKeys = {"patience", "max_wrong_guesses", "personas", "openings",
                                            "category_opening"};
const std::vector<std::string> kPersonaKeys = {"name", "weight", "noise", "hints_category"};
const std::vector<std::string> kAttributeKeys = {"name", "question", "phrases"};
const std::vector<std::string> kObjectKeys = {"name", "synonyms", "category", "split",
                                              "attributes"};

constexpr int kMaxPatience = 1000;

// A JSON Pointer reference token (RFC 6901): "~" -> "~0", "/" -> "~1".
std::string token(std::string_view key) {
  std::string out;
  for (char ch : key) {
    if (ch == '~')
      out += "~0";
    else if (ch == '/')
      out += "~1";
    else
      out += ch;
  }
  return out;
}

std::string at(const std::string& path, std::string_view key) { return path + "/" + token(key); }
std::string at(const std::string& path, size_t index) { return fmt::format("{}/{}", path, index); }

std::string quoted(const std::vector<std::string>& names) {
  std::vector<std::string> q;
  for (const auto& n : names) q.push_back(json(n).dump());
  return text::join_or(q);
}

// Every key of `obj` not in `known` is a problem, with a did-you-mean.
void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& known,
                Problems& pr) {
  for (const auto& [k, v] : obj.items()) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    const auto near = text::did_you_mean(k, known);
    pr.add(at(path, k),
           fmt::format("unknown key {}{}; expected one of: {}", json(k).dump(),
                       near.empty() ? "" : fmt::format(" (did you mean {}?)", quoted(near)),
                       fmt::join(known, ", ")));
  }
}

// The element at `path` must be a JSON object.
bool expect_object(const json& v, const std::string& path, Problems& pr) {
  if (v.is_object()) return true;
  pr.add(path, fmt::format("{}: expected an object", v.dump()));
  return false;
}

// A string that normalizes to at least one word (it can be typed and matched).
std::optional<std::string> text_at(const json& v, const std::string& path, Problems& pr,
                                   std::string_view what) {
  if (!v.is_string()) {
    pr.add(path, fmt::format("{}: expected {} (a string)", v.dump(), what));
    return std::nullopt;
  }
  const auto& s = v.get_ref<const std::string&>();
  if (text::normalize(s).empty()) {
    pr.add(path, fmt::format("{}: expected {} with letters or digits", v.dump(), what));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> text_field(const json& parent, const std::string& key,
                                      const std::string& path, Problems& pr, std::string_view what,
                                      bool required) {
  if (!parent.contains(key)) {
    if (required) pr.add(at(path, key), fmt::format("missing; expected {}", what));
    return std::nullopt;
  }
  return text_at(parent.at(key), at(path, key), pr, what);
}

// An array of texts (`what` is the element's noun: "phrase"); nullopt (and a problem) if it is
// not an array.
std::optional<std::vector<std::pair<size_t, std::string>>> texts_field(
    const json& parent, const std::string& key, const std::string& path, Problems& pr,
    std::string_view what, bool required, bool non_empty) {
  const std::string here = at(path, key);
  if (!parent.contains(key)) {
    if (required) pr.add(here, fmt::format("missing; expected an array of {}s", what));
    return std::nullopt;
  }
  const auto& arr = parent.at(key);
  if (!arr.is_array()) {
    pr.add(here, fmt::format("{}: expected an array of {}s", arr.dump(), what));
    return std::nullopt;
  }
  if (non_empty && arr.empty()) pr.add(here, fmt::format("[]: expected at least one {}", what));
  std::vector<std::pair<size_t, std::string>> out;
  const std::string element = with_article(std::string(what));
  for (size_t i = 0; i < arr.size(); ++i) {
    if (auto s = text_at(arr[i], at(here, i), pr, element)) out.emplace_back(i, std::move(*s));
  }
  return out;
}

// Scans a template, calling on_text for literal text and on_name for each placeholder; returns the
// first structural problem.
template <class OnText, class OnName>
std::optional<std::string> scan_template(std::string_view t, OnText on_text, OnName on_name) {
  size_t i = 0;
  while (i < t.size()) {
    const size_t brace = t.find_first_of("{}", i);
    if (brace == std::string_view::npos) {
      on_text(t.substr(i));
      break;
    }
    on_text(t.substr(i, brace - i));
    const bool doubled = brace + 1 < t.size() && t[brace + 1] == t[brace];
    if (doubled) {
      on_text(t.substr(brace, 1));
      i = brace + 2;
      continue;
    }
    if (t[brace] == '}') {
      return fmt::format("unmatched '}}' at character {} (write '}}}}' for a literal brace)",
                         brace);
    }
    const size_t close = t.find_first_of("{}", brace + 1);
    if (close == std::string_view::npos || t[close] != '}') {
      return fmt::format("unmatched '{{' at character {} (write '{{{{' for a literal brace)",
                         brace);
    }
    if (auto p = on_name(t.substr(brace + 1, close - brace - 1))) return p;
    i = close + 1;
  }
  return std::nullopt;
}

// A template field: known placeholders only; `required` placeholders must occur.
void check_template(const std::string& tmpl, const std::string& path,
                    const std::vector<std::string>& allowed,
                    const std::vector<std::string>& required, Problems& pr) {
  if (auto p = template_problem(tmpl, allowed)) {
    pr.add(path, fmt::format("{}: {}", json(tmpl).dump(), *p));
    return;
  }
  for (const auto& name : required) {
    if (tmpl.find("{" + name + "}") == std::string::npos) {
      pr.add(path, fmt::format("{}: expected the placeholder {{{}}}", json(tmpl).dump(), name));
    }
  }
}

const char* value_name(Value v) {
  return v == Value::kYes ? "yes" : v == Value::kNo ? "no" : "sometimes";
}

}  // namespace

std::optional<std::string> template_problem(std::string_view tmpl,
                                            const std::vector<std::string>& allowed) {
  return scan_template(
      tmpl, [](std::string_view) {},
      [&](std::string_view name) -> std::optional<std::string> {
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) return std::nullopt;
        std::vector<std::string> braced;
        for (const auto& a : allowed) braced.push_back("{" + a + "}");
        const auto near = text::did_you_mean(name, allowed);
        return fmt::format("unknown placeholder {{{}}}{}; expected {}", name,
                           near.empty() ? "" : fmt::format(" (did you mean {{{}}}?)", near[0]),
                           braced.empty() ? "no placeholders" : text::join_or(braced));
      });
}

std::string fill_template(std::string_view tmpl,
                          const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  scan_template(
      tmpl, [&](std::string_view s) { out += s; },
      [&](std::string_view name) -> std::optional<std::string> {
        for (const auto& [k, v] : values) {
          if (k == name) out += v;
        }
        return std::nullopt;
      });
  return out;
}

std::vector<std::string> Catalog::default_openings() {
  return {
      "I'm thinking of something. You have {questions} yes-or-no questions to find it.",
      "Guess what I have in mind! Ask me up to {questions} yes-or-no questions.",
      "I've picked an everyday thing. {questions} questions, go.",
  };
}

Catalog Catalog::parse(const ScenarioFile& file, Problems& pr) {
  Catalog c;
  c.path = file.path;
  c.hash = file.hash;
  const auto& j = file.json;
  if (!j.is_object()) {
    pr.add("", fmt::format("expected a JSON object at the top level, got {}", j.type_name()));
    return c;
  }
  check_keys(j, "", kTopKeys, pr);
  if (const auto* t = pr.string(j, "task", ""); t && *t != "twenty_questions") {
    pr.add("/task", fmt::format("{}: expected \"twenty_questions\"", t->dump()));
  }
  if (j.contains("description")) {
    if (j["description"].is_string())
      c.description = j["description"].get<std::string>();
    else
      pr.add("/description", fmt::format("{}: expected a string", j["description"].dump()));
  }
  if (auto text = read_scenario_instructions(j, pr)) c.instructions = std::move(*text);

  // Attributes.
  std::map<std::string, std::string> phrase_owner;  // normalized phrase -> attribute
  std::map<std::string, size_t> attr_index;         // name -> first index
  std::vector<std::string> attr_names;
  if (const auto* attrs = pr.array(j, "attributes", "")) {
    if (attrs->empty()) pr.add("/attributes", "[]: expected at least one attribute");
    for (size_t i = 0; i < attrs->size(); ++i) {
      const std::string p = at("/attributes", i);
      const auto& a = (*attrs)[i];
      Attribute attr;
      if (expect_object(a, p, pr)) {
        check_keys(a, p, kAttributeKeys, pr);
        if (const auto* n = pr.string(a, "name", p)) {
          attr.name = n->get<std::string>();
          const bool ident =
              !attr.name.empty() && attr.name[0] >= 'a' && attr.name[0] <= 'z' &&
              std::all_of(attr.name.begin(), attr.name.end(), [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
              });
          if (!ident) {
            pr.add(p + "/name",
                   fmt::format("{}: expected a snake_case identifier (a-z, 0-9, _; starting with "
                               "a letter)",
                               n->dump()));
          }
          if (auto [it, fresh] = attr_index.emplace(attr.name, i); !fresh) {
            pr.add(p + "/name", fmt::format("duplicate attribute name {} (also /attributes/{})",
                                            n->dump(), it->second));
          }
        }
        if (auto q = text_field(a, "question", p, pr, "a yes/no question", true)) {
          attr.question = *q;
          if (attr.question.back() != '?') {
            pr.add(p + "/question",
                   fmt::format("{}: expected a question ending with '?'", json(*q).dump()));
          }
        }
        std::set<std::string> own;
        for (auto& [k, phrase] : texts_field(a, "phrases", p, pr, "phrase", true, true)
                                     .value_or(std::vector<std::pair<size_t, std::string>>{})) {
          const std::string norm = text::normalize(phrase);
          const std::string where = at(p + "/phrases", k);
          if (!own.insert(norm).second) {
            pr.add(where, fmt::format("{}: repeats a phrase of this attribute", json(norm).dump()));
            continue;
          }
          auto [it, fresh] = phrase_owner.emplace(norm, attr.name);
          if (!fresh) {
            pr.add(where, fmt::format("phrase {} already belongs to attribute {}",
                                      json(norm).dump(), json(it->second).dump()));
          }
          attr.phrases.push_back(std::move(phrase));
        }
      }
      attr_names.push_back(attr.name);
      c.attributes.push_back(std::move(attr));
    }
  }
  const std::vector<std::string>& declared = attr_names;

  // Objects.
  std::map<std::string, std::string> name_owner;  // normalized name or synonym -> object
  std::vector<bool> complete;                     // object i has a valid value for every attribute
  if (const auto* objs = pr.array(j, "objects", "")) {
    if (objs->size() < 2) pr.add("/objects", "expected at least two objects");
    for (size_t i = 0; i < objs->size(); ++i) {
      const std::string p = at("/objects", i);
      const auto& o = (*objs)[i];
      Object obj;
      bool ok = false;
      if (expect_object(o, p, pr)) {
        check_keys(o, p, kObjectKeys, pr);
        // Names and synonyms: typable (the guess "Is it a <name>?"), unique across the catalog.
        std::vector<std::pair<std::string, std::string>> names;  // (where, text)
        if (const auto* n = pr.string(o, "name", p)) {
          obj.name = n->get<std::string>();
          if (text::normalize(obj.name).empty()) {
            pr.add(p + "/name", fmt::format("{}: expected a name with letters or digits (a guess "
                                            "must be typable)",
                                            n->dump()));
          } else if (text::normalize(obj.name) != obj.name) {
            pr.add(p + "/name", fmt::format("{}: expected lowercase words separated by single "
                                            "spaces (\"{}\")",
                                            n->dump(), text::normalize(obj.name)));
          }
          names.emplace_back(p + "/name", obj.name);
        }
        for (auto& [k, s] : texts_field(o, "synonyms", p, pr, "synonym", false, false)
                                .value_or(std::vector<std::pair<size_t, std::string>>{})) {
          names.emplace_back(at(p + "/synonyms", k), s);
          obj.synonyms.push_back(std::move(s));
        }
        std::set<std::string> own;
        for (const auto& [where, name] : names) {
          const std::string norm = text::normalize(name);
          if (norm.empty()) continue;
          if (!own.insert(norm).second) {
            pr.add(where,
                   fmt::format("{}: repeats a name or synonym of this object", json(norm).dump()));
            continue;
          }
          auto [it, fresh] = name_owner.emplace(norm, obj.name);
          if (!fresh) {
            pr.add(where, fmt::format("{} already names object {}", json(norm).dump(),
                                      json(it->second).dump()));
          }
          if (auto ph = phrase_owner.find(norm); ph != phrase_owner.end()) {
            pr.add(where, fmt::format("{} is also a phrase of attribute {}; a question about the "
                                      "attribute would read as a guess",
                                      json(norm).dump(), json(ph->second).dump()));
          }
        }
        if (auto cat = text_field(o, "category", p, pr, "a category", true)) obj.category = *cat;
        if (o.contains("split")) {
          const auto& s = o["split"];
          if (s == "test")
            obj.test = true;
          else if (s != "train")
            pr.add(p + "/split", fmt::format("{}: expected \"train\" or \"test\"", s.dump()));
        }
        if (const auto* vals = pr.object(o, "attributes", p)) {
          ok = true;
          obj.values.assign(c.attributes.size(), Value::kNo);
          for (size_t a = 0; a < c.attributes.size(); ++a) {
            const auto& an = c.attributes[a].name;
            const std::string where = at(p + "/attributes", an);
            if (!vals->contains(an)) {
              pr.add(where, "missing; expected \"yes\", \"no\" or \"sometimes\"");
              ok = false;
              continue;
            }
            const auto& v = vals->at(an);
            if (v == "yes") {
              obj.values[a] = Value::kYes;
            } else if (v == "no") {
              obj.values[a] = Value::kNo;
            } else if (v == "sometimes") {
              obj.values[a] = Value::kSometimes;
            } else {
              pr.add(where, fmt::format("{}: expected \"yes\", \"no\" or \"sometimes\"", v.dump()));
              ok = false;
            }
          }
          for (const auto& [k, v] : vals->items()) {
            if (attr_index.contains(k)) continue;
            const auto near = text::did_you_mean(k, declared);
            pr.add(
                at(p + "/attributes", k),
                fmt::format("{}: not an attribute declared in /attributes{}", json(k).dump(),
                            near.empty() ? "" : fmt::format(" (did you mean {}?)", quoted(near))));
          }
          ok = ok && attr_index.size() == c.attributes.size();
        }
      }
      complete.push_back(ok);
      c.objects.push_back(std::move(obj));
    }

    bool any_train = false, any_test = false;
    for (const auto& o : c.objects) (o.test ? any_test : any_train) = true;
    if (!objs->empty() && (!any_train || !any_test)) {
      pr.add("/objects", fmt::format("no {} object: expected at least one object in each split "
                                     "(\"train\" and \"test\")",
                                     any_train ? "test" : "train"));
    }

    // Distinguishable: no two objects share every value, and a test object differs from every
    // other object in at least 2 attributes (one noisy answer cannot make it look like another).
    std::map<std::vector<Value>, size_t> seen_values;
    for (size_t i = 0; i < c.objects.size(); ++i) {
      if (!complete[i]) continue;
      auto [it, fresh] = seen_values.emplace(c.objects[i].values, i);
      if (!fresh) {
        pr.add(at("/objects", i) + "/attributes",
               fmt::format("same answers as object {} (/objects/{}): no question can tell them "
                           "apart",
                           json(c.objects[it->second].name).dump(), it->second));
      }
    }
    for (size_t i = 0; i < c.objects.size(); ++i) {
      if (!complete[i] || !c.objects[i].test) continue;
      std::vector<std::string> close;
      for (size_t k = 0; k < c.objects.size(); ++k) {
        if (k == i || !complete[k]) continue;
        size_t diff = 0, where = 0;
        for (size_t a = 0; a < c.attributes.size() && diff < 2; ++a) {
          if (c.objects[i].values[a] != c.objects[k].values[a]) {
            ++diff;
            where = a;
          }
        }
        if (diff == 1) {
          close.push_back(fmt::format("{} at /objects/{} (only {}: {} vs {})",
                                      json(c.objects[k].name).dump(), k, c.attributes[where].name,
                                      value_name(c.objects[i].values[where]),
                                      value_name(c.objects[k].values[where])));
        }
      }
      if (!close.empty()) {
        pr.add(at("/objects", i) + "/attributes",
               fmt::format("test object {} differs in 1 attribute from {}; expected at least 2 "
                           "attributes from every other object",
                           json(c.objects[i].name).dump(), fmt::join(close, ", ")));
      }
    }
  }

  // The user: optional, with defaults.
  c.personas = {{"steady", 1.0, 0.0, false}};
  if (j.contains("user")) {
    const auto& u = j["user"];
    if (expect_object(u, "/user", pr)) {
      check_keys(u, "/user", kUserKeys, pr);
      auto int_field = [&](const char* key, int lo, int hi, int* out, const char* why) {
        if (!u.contains(key)) return;
        const auto& v = u[key];
        if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
          pr.add(fmt::format("/user/{}", key),
                 fmt::format("{}: expected an integer in [{}, {}]{}", v.dump(), lo, hi, why));
        } else {
          *out = v.get<int>();
        }
      };
      int_field("patience", 2, kMaxPatience, &c.patience, " (room for a question and a guess)");
      int_field("max_wrong_guesses", 1, std::max(1, c.patience), &c.max_wrong_guesses,
                " (at most patience: every guess is a question)");

      if (u.contains("personas")) {
        c.personas.clear();
        if (const auto* ps = pr.array(u, "personas", "/user")) {
          if (ps->empty()) pr.add("/user/personas", "[]: expected at least one persona");
          std::map<std::string, size_t> persona_index;
          for (size_t i = 0; i < ps->size(); ++i) {
            const std::string p = at("/user/personas", i);
            const auto& pj = (*ps)[i];
            if (!expect_object(pj, p, pr)) continue;
            check_keys(pj, p, kPersonaKeys, pr);
            Persona per;
            if (auto n = text_field(pj, "name", p, pr, "a persona name", true)) {
              per.name = *n;
              if (auto [it, fresh] = persona_index.emplace(per.name, i); !fresh) {
                pr.add(
                    p + "/name",
                    fmt::format("duplicate persona name {} (also "
                                "/user/personas/{}); the persona option could not tell them apart",
                                json(per.name).dump(), it->second));
              }
            }
            if (const auto* w = pr.number(pj, "weight", p)) {
              per.weight = w->get<double>();
              if (!(per.weight > 0) || !std::isfinite(per.weight)) {
                pr.add(p + "/weight", fmt::format("{}: expected a number > 0", w->dump()));
              }
            }
            if (const auto* nz = pr.number(pj, "noise", p)) {
              per.noise = nz->get<double>();
              if (!(per.noise >= 0 && per.noise <= 0.5)) {
                pr.add(p + "/noise", fmt::format("{}: expected a number in [0, 0.5]", nz->dump()));
              }
            }
            if (pj.contains("hints_category")) {
              if (pj["hints_category"].is_boolean())
                per.hints_category = pj["hints_category"].get<bool>();
              else
                pr.add(p + "/hints_category",
                       fmt::format("{}: expected true or false", pj["hints_category"].dump()));
            }
            c.personas.push_back(std::move(per));
          }
        }
      }

      if (auto os = texts_field(u, "openings", "/user", pr, "opening", false, true)) {
        c.openings.clear();
        for (auto& [k, s] : *os) {
          check_template(s, at("/user/openings", k), {"questions"}, {}, pr);
          c.openings.push_back(std::move(s));
        }
      }
      if (auto co = text_field(u, "category_opening", "/user", pr, "an opening", false)) {
        check_template(*co, "/user/category_opening", {"category", "questions"}, {"category"}, pr);
        c.category_opening = *co;
      }
    }
  }
  return c;
}

void Catalog::build_tables() {
  by_attribute.resize(attributes.size() * objects.size());
  bits.assign(attributes.size() * 3 * words(), 0);
  for (size_t a = 0; a < attributes.size(); ++a) {
    for (size_t o = 0; o < objects.size(); ++o) {
      const Value v = objects[o].values[a];
      by_attribute[a * objects.size() + o] = v;
      bits[(a * 3 + static_cast<size_t>(v)) * words() + o / 64] |= uint64_t{1} << (o % 64);
    }
  }
}

namespace {

// Every act's text form reads back as that act, using the task's own parser: an attribute's
// question, and "Is it a/an <name>?" for each object name and synonym.
void check_text_forms(const Catalog& c, int version, Problems& pr) {
  const TwentyQuestions task(c, version < 0 ? kVersion : version);
  const auto& acts = task.acts();
  auto check = [&](const std::string& where, const std::string& text, int32_t want) {
    const auto got = task.parse_text(text);
    if (got == want) return;
    pr.add(where, fmt::format("{} reads as {}; expected {} (its text form must parse back to it)",
                              json(text).dump(),
                              got ? acts[static_cast<size_t>(*got)] : std::string("nothing"),
                              acts[static_cast<size_t>(want)]));
  };
  for (size_t a = 0; a < c.attributes.size(); ++a) {
    check(at("/attributes", a) + "/question", c.attributes[a].question, task.ask_act(a));
  }
  if (const auto other = task.ask_other_act()) {
    // A question about nothing the catalog records must read as such, not as an attribute.
    check("/attributes", kAskOtherText, *other);
  }
  for (size_t o = 0; o < c.objects.size(); ++o) {
    const auto& obj = c.objects[o];
    check(at("/objects", o) + "/name", task.render_act(task.guess_act(o)), task.guess_act(o));
    for (size_t k = 0; k < obj.synonyms.size(); ++k) {
      check(at(at("/objects", o) + "/synonyms", k),
            fmt::format("Is it {}?", with_article(obj.synonyms[k])), task.guess_act(o));
    }
  }
}

}  // namespace

Catalog Catalog::load(const ScenarioFile& file, int version) {
  Problems pr(file.path);
  Catalog c = parse(file, pr);
  pr.throw_if_any();
  c.build_tables();
  check_text_forms(c, version, pr);
  pr.throw_if_any();
  return c;
}

std::vector<std::string> Catalog::problems(const ScenarioFile& file, int version) {
  Problems pr(file.path);
  Catalog c = parse(file, pr);
  if (pr.empty()) {
    c.build_tables();
    check_text_forms(c, version, pr);
  }
  return pr.items();
}

}  // namespace collab::tasks::twenty_questions
