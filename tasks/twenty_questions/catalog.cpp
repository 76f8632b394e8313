#include "tasks/twenty_questions/catalog.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "env/text.h"

namespace collab::tasks::twenty_questions {

namespace {

std::vector<std::string> strings_at(const nlohmann::json& parent, const std::string& key,
                                    const std::string& path, Problems& pr, bool required) {
  std::vector<std::string> out;
  if (!parent.contains(key)) {
    if (required) pr.add(path + "/" + key, "missing; expected an array of strings");
    return out;
  }
  const auto& arr = parent.at(key);
  if (!arr.is_array()) {
    pr.add(path + "/" + key, fmt::format("expected an array of strings, got {}", arr.type_name()));
    return out;
  }
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string() || text::normalize(arr[i].get_ref<const std::string&>()).empty()) {
      pr.add(fmt::format("{}/{}/{}", path, key, i), "expected a non-empty string with letters");
    } else {
      out.push_back(arr[i].get<std::string>());
    }
  }
  return out;
}

}  // namespace

Catalog Catalog::parse(const ScenarioFile& file, Problems& pr) {
  Catalog c;
  c.path = file.path;
  c.hash = file.hash;
  const auto& j = file.json;
  if (!j.is_object()) {
    pr.add("", "expected a JSON object at the top level");
    return c;
  }
  if (const auto* t = pr.string(j, "task", ""); t && *t != "twenty_questions") {
    pr.add("/task", fmt::format("expected \"twenty_questions\", got {}", t->dump()));
  }
  if (j.contains("description")) {
    if (j["description"].is_string())
      c.description = j["description"].get<std::string>();
    else
      pr.add("/description", "expected a string");
  }

  // Attributes.
  std::map<std::string, std::string> phrase_owner;  // normalized phrase -> attribute
  std::set<std::string> attr_names;
  if (const auto* attrs = pr.array(j, "attributes", "")) {
    if (attrs->empty()) pr.add("/attributes", "expected at least one attribute");
    for (size_t i = 0; i < attrs->size(); ++i) {
      const std::string p = fmt::format("/attributes/{}", i);
      const auto& a = (*attrs)[i];
      Attribute attr;
      if (const auto* n = pr.string(a, "name", p)) {
        attr.name = n->get<std::string>();
        if (attr.name.empty() || attr.name.find_first_of(" :") != std::string::npos) {
          pr.add(p + "/name",
                 fmt::format("\"{}\": expected an identifier without spaces or ':'", attr.name));
        }
        if (!attr_names.insert(attr.name).second) {
          pr.add(p + "/name", fmt::format("duplicate attribute name \"{}\"", attr.name));
        }
      }
      if (const auto* q = pr.string(a, "question", p)) attr.question = q->get<std::string>();
      attr.phrases = strings_at(a, "phrases", p, pr, true);
      if (attr.phrases.empty() && a.contains("phrases") && a["phrases"].is_array()) {
        pr.add(p + "/phrases", "expected at least one phrase");
      }
      for (size_t k = 0; k < attr.phrases.size(); ++k) {
        const std::string norm = text::normalize(attr.phrases[k]);
        auto [it, fresh] = phrase_owner.emplace(norm, attr.name);
        if (!fresh && it->second != attr.name) {
          pr.add(
              fmt::format("{}/phrases/{}", p, k),
              fmt::format("phrase \"{}\" already belongs to attribute \"{}\"", norm, it->second));
        }
      }
      c.attributes.push_back(std::move(attr));
    }
  }

  // Objects.
  std::map<std::string, std::string> name_owner;  // normalized name or synonym -> object
  std::map<std::vector<Value>, std::string> seen_values;
  if (const auto* objs = pr.array(j, "objects", "")) {
    if (objs->size() < 2) pr.add("/objects", "expected at least two objects");
    for (size_t i = 0; i < objs->size(); ++i) {
      const std::string p = fmt::format("/objects/{}", i);
      const auto& o = (*objs)[i];
      Object obj;
      if (const auto* n = pr.string(o, "name", p)) obj.name = n->get<std::string>();
      if (!obj.name.empty() && text::normalize(obj.name) != obj.name) {
        pr.add(
            p + "/name",
            fmt::format("\"{}\": expected lowercase words separated by single spaces", obj.name));
      }
      obj.synonyms = strings_at(o, "synonyms", p, pr, false);
      std::vector<std::string> names = obj.synonyms;
      names.insert(names.begin(), obj.name);
      for (size_t k = 0; k < names.size(); ++k) {
        const std::string norm = text::normalize(names[k]);
        if (norm.empty()) continue;
        const std::string where = k == 0 ? p + "/name" : fmt::format("{}/synonyms/{}", p, k - 1);
        auto [it, fresh] = name_owner.emplace(norm, obj.name);
        if (!fresh && !(k > 0 && it->second == obj.name)) {
          pr.add(where, fmt::format("\"{}\" already names object \"{}\"", norm, it->second));
        }
        if (auto ph = phrase_owner.find(norm); ph != phrase_owner.end()) {
          pr.add(where, fmt::format("\"{}\" is also a phrase of attribute \"{}\"; a question about "
                                    "the attribute would read as a guess",
                                    norm, ph->second));
        }
      }
      if (const auto* cat = pr.string(o, "category", p)) obj.category = cat->get<std::string>();
      if (o.contains("split")) {
        const auto& s = o["split"];
        if (s == "test")
          obj.test = true;
        else if (s != "train")
          pr.add(p + "/split", fmt::format("{}: expected \"train\" or \"test\"", s.dump()));
      }
      if (const auto* vals = pr.object(o, "attributes", p)) {
        obj.values.assign(c.attributes.size(), Value::kNo);
        for (size_t a = 0; a < c.attributes.size(); ++a) {
          const auto& an = c.attributes[a].name;
          if (!vals->contains(an)) {
            pr.add(p + "/attributes/" + an, "missing; expected \"yes\", \"no\" or \"sometimes\"");
            continue;
          }
          const auto& v = vals->at(an);
          if (v == "yes")
            obj.values[a] = Value::kYes;
          else if (v == "no")
            obj.values[a] = Value::kNo;
          else if (v == "sometimes")
            obj.values[a] = Value::kSometimes;
          else
            pr.add(p + "/attributes/" + an,
                   fmt::format("{}: expected \"yes\", \"no\" or \"sometimes\"", v.dump()));
        }
        for (const auto& [k, v] : vals->items()) {
          if (!attr_names.contains(k)) {
            pr.add(p + "/attributes/" + k, "not an attribute declared in /attributes");
          }
        }
        if (vals->size() == c.attributes.size() && !obj.name.empty()) {
          auto [it, fresh] = seen_values.emplace(obj.values, obj.name);
          if (!fresh) {
            pr.add(p + "/attributes",
                   fmt::format("same answers as object \"{}\": no question can tell them apart",
                               it->second));
          }
        }
      }
      c.objects.push_back(std::move(obj));
    }
    bool any_train = false, any_test = false;
    for (const auto& o : c.objects) (o.test ? any_test : any_train) = true;
    if (!objs->empty() && (!any_train || !any_test)) {
      pr.add("/objects", "expected at least one object in each split (\"train\" and \"test\")");
    }
  }

  // The user: optional, with defaults.
  c.personas = {{"steady", 1.0, 0.0, false}};
  if (j.contains("user")) {
    const auto& u = j["user"];
    if (!u.is_object()) {
      pr.add("/user", "expected an object");
    } else {
      auto int_field = [&](const char* key, int lo, int hi, int* out) {
        if (!u.contains(key)) return;
        const auto& v = u[key];
        if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
          pr.add(fmt::format("/user/{}", key),
                 fmt::format("{}: expected an integer in [{}, {}]", v.dump(), lo, hi));
        } else {
          *out = v.get<int>();
        }
      };
      int_field("patience", 1, 1000, &c.patience);
      int_field("max_wrong_guesses", 1, 1000, &c.max_wrong_guesses);
      if (const auto* ps = u.contains("personas") ? pr.array(u, "personas", "/user") : nullptr) {
        c.personas.clear();
        if (ps->empty()) pr.add("/user/personas", "expected at least one persona");
        for (size_t i = 0; i < ps->size(); ++i) {
          const std::string p = fmt::format("/user/personas/{}", i);
          const auto& pj = (*ps)[i];
          Persona per;
          if (const auto* n = pr.string(pj, "name", p)) per.name = n->get<std::string>();
          if (const auto* w = pr.number(pj, "weight", p)) {
            per.weight = w->get<double>();
            if (!(per.weight > 0)) pr.add(p + "/weight", "expected a number > 0");
          }
          if (const auto* nz = pr.number(pj, "noise", p)) {
            per.noise = nz->get<double>();
            if (per.noise < 0 || per.noise > 0.5)
              pr.add(p + "/noise", "expected a number in [0, 0.5]");
          }
          if (pj.contains("hints_category")) {
            if (pj["hints_category"].is_boolean())
              per.hints_category = pj["hints_category"].get<bool>();
            else
              pr.add(p + "/hints_category", "expected true or false");
          }
          c.personas.push_back(std::move(per));
        }
      }
    }
  }
  return c;
}

Catalog Catalog::load(const ScenarioFile& file) {
  Problems pr(file.path);
  Catalog c = parse(file, pr);
  pr.throw_if_any();
  c.by_attribute.resize(c.attributes.size() * c.objects.size());
  c.bits.assign(c.attributes.size() * 3 * c.words(), 0);
  for (size_t a = 0; a < c.attributes.size(); ++a) {
    for (size_t o = 0; o < c.objects.size(); ++o) {
      const Value v = c.objects[o].values[a];
      c.by_attribute[a * c.objects.size() + o] = v;
      c.bits[(a * 3 + static_cast<size_t>(v)) * c.words() + o / 64] |= uint64_t{1} << (o % 64);
    }
  }
  return c;
}

std::vector<std::string> Catalog::problems(const ScenarioFile& file) {
  Problems pr(file.path);
  parse(file, pr);
  return pr.items();
}

}  // namespace collab::tasks::twenty_questions
