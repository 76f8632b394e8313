#include "tasks/doc_edit/docs.h"

#include <fmt/format.h>

#include <set>

#include "env/bleu.h"
#include "env/instructions.h"

namespace collab::tasks::doc_edit {
namespace {

void unknown_keys(Problems& pr, const nlohmann::json& j, const std::set<std::string>& keys,
                  const std::string& at) {
  for (const auto& [k, v] : j.items()) {
    if (!keys.contains(k)) {
      pr.add(at + "/" + k, fmt::format("unknown key; expected one of: {}", fmt::join(keys, ", ")));
    }
  }
}

std::string nonempty(Problems& pr, const nlohmann::json& j, const std::string& key,
                     const std::string& at) {
  const auto* s = pr.string(j, key, at);
  if (s == nullptr) return {};
  if (s->get<std::string>().empty()) pr.add(at + "/" + key, "expected a non-empty string");
  return s->get<std::string>();
}

Unit load_unit(Problems& pr, const nlohmann::json& u, const std::string& at,
               const std::vector<std::string>& points) {
  Unit out;
  if (!u.is_object()) {
    pr.add(at, "expected an object");
    return out;
  }
  unknown_keys(pr, u,
               {"text", "formal", "casual", "enthusiastic", "beginner", "expert", "length", "point",
                "beginner_only", "paragraph", "bullet"},
               at);
  const bool fixed = u.contains("text");
  const bool tone = u.contains("formal") || u.contains("casual") || u.contains("enthusiastic");
  const bool aud = u.contains("beginner") || u.contains("expert");
  if (int(fixed) + int(tone) + int(aud) != 1) {
    pr.add(at,
           "expected exactly one of: \"text\"; tone variants (\"formal\", \"casual\", "
           "\"enthusiastic\"); audience variants (\"beginner\", \"expert\")");
    return out;
  }
  if (fixed) {
    const std::string t = nonempty(pr, u, "text", at);
    out.tone = {t, t, t};
    out.audience = {t, t};
  } else if (tone) {
    out.varies_tone = true;
    for (size_t i = 0; i < 3; ++i) out.tone[i] = nonempty(pr, u, kValues[kTone][i], at);
    out.audience = {out.tone[0], out.tone[0]};
  } else {
    out.varies_audience = true;
    for (size_t i = 0; i < 2; ++i) out.audience[i] = nonempty(pr, u, kValues[kAudience][i], at);
    out.tone = {out.audience[0], out.audience[0], out.audience[0]};
  }
  if (u.contains("length")) {
    const auto& l = u.at("length");
    const auto& names = kValues[kLength];
    const auto it =
        l.is_string() ? std::find(names.begin(), names.end(), l.get<std::string>()) : names.end();
    if (it == names.end()) {
      pr.add(at + "/length",
             fmt::format("expected \"short\", \"medium\" or \"long\", got {}", l.dump()));
    } else {
      out.min_length = static_cast<int>(it - names.begin());
    }
  }
  if (u.contains("point")) {
    const auto& p = u.at("point");
    const auto it = p.is_string() ? std::find(points.begin(), points.end(), p.get<std::string>())
                                  : points.end();
    if (it == points.end()) {
      pr.add(at + "/point", fmt::format("expected one of the document's points ({}), got {}",
                                        fmt::join(points, ", "), p.dump()));
    } else {
      out.point = static_cast<int>(it - points.begin());
    }
  }
  for (const char* key : {"beginner_only", "paragraph"}) {
    if (!u.contains(key)) continue;
    if (!u.at(key).is_boolean()) {
      pr.add(at + "/" + key, fmt::format("expected true or false, got {}", u.at(key).dump()));
    } else {
      (std::string(key) == "paragraph" ? out.new_paragraph : out.beginner_only) =
          u.at(key).get<bool>();
    }
  }
  if (u.contains("bullet")) out.bullet = nonempty(pr, u, "bullet", at);
  return out;
}

}  // namespace

Setup Setup::load(const ScenarioFile& file) {
  Setup s;
  s.path = file.path;
  s.hash = file.hash;
  Problems pr(file.path);
  const nlohmann::json& j = file.json;
  if (!j.is_object()) {
    pr.add("", "expected a JSON object at the top level");
    pr.throw_if_any();
  }
  unknown_keys(pr, j, {"task", "description", "instructions", "user", "documents"}, "");
  if (const auto* t = pr.string(j, "task", ""); t && *t != "doc_edit") {
    pr.add("/task", fmt::format("expected \"doc_edit\", got {}", t->dump()));
  }
  if (j.contains("description")) s.description = nonempty(pr, j, "description", "");
  if (auto text = read_scenario_instructions(j, pr)) s.instructions = std::move(*text);
  if (const auto* u = pr.object(j, "user", "")) {
    unknown_keys(pr, *u, {"patience", "assume_correction", "openings"}, "/user");
    if (const auto* p = pr.number(*u, "patience", "/user")) {
      if (!p->is_number_integer() || p->get<int>() < 2 || p->get<int>() > 100) {
        pr.add("/user/patience", fmt::format("expected an integer in [2, 100], got {}", p->dump()));
      } else {
        s.patience = p->get<int>();
      }
    }
    if (u->contains("assume_correction")) {
      if (const auto* p = pr.number(*u, "assume_correction", "/user")) {
        if (p->get<double>() < 0 || p->get<double>() > 1) {
          pr.add("/user/assume_correction",
                 fmt::format("expected a number in [0, 1], got {}", p->dump()));
        } else {
          s.assume_correction = p->get<double>();
        }
      }
    }
    if (const auto* o = pr.array(*u, "openings", "/user")) {
      for (size_t i = 0; i < o->size(); ++i) {
        const std::string at = fmt::format("/user/openings/{}", i);
        if (!(*o)[i].is_string() ||
            (*o)[i].get<std::string>().find("{source}") == std::string::npos) {
          pr.add(at,
                 fmt::format("expected a string containing {{source}}, got {}", (*o)[i].dump()));
        } else {
          s.openings.push_back((*o)[i].get<std::string>());
        }
      }
      if (o->empty()) pr.add("/user/openings", "expected at least one opening");
    }
  }
  std::set<std::string> ids;
  int train = 0, test = 0;
  if (const auto* docs = pr.array(j, "documents", "")) {
    for (size_t i = 0; i < docs->size(); ++i) {
      const auto& d = (*docs)[i];
      const std::string at = fmt::format("/documents/{}", i);
      if (!d.is_object()) {
        pr.add(at, "expected an object");
        continue;
      }
      unknown_keys(pr, d, {"id", "kind", "split", "title", "points", "units"}, at);
      Document doc;
      doc.id = nonempty(pr, d, "id", at);
      if (!doc.id.empty() && !ids.insert(doc.id).second) {
        pr.add(at + "/id", fmt::format("duplicate id \"{}\"", doc.id));
      }
      doc.kind = nonempty(pr, d, "kind", at);
      doc.split = nonempty(pr, d, "split", at);
      if (doc.split == "train")
        ++train;
      else if (doc.split == "test")
        ++test;
      else if (!doc.split.empty()) {
        pr.add(at + "/split", fmt::format("expected \"train\" or \"test\", got \"{}\"", doc.split));
      }
      if (const auto* t = pr.object(d, "title", at)) {
        unknown_keys(pr, *t, {"plain", "catchy"}, at + "/title");
        doc.title_plain = nonempty(pr, *t, "plain", at + "/title");
        doc.title_catchy = nonempty(pr, *t, "catchy", at + "/title");
      }
      if (const auto* p = pr.array(d, "points", at)) {
        for (size_t k = 0; k < p->size(); ++k) {
          const auto& v = (*p)[k];
          if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>() == "none") {
            pr.add(fmt::format("{}/points/{}", at, k),
                   fmt::format("expected a point name (not \"none\"), got {}", v.dump()));
          } else {
            doc.points.push_back(v.get<std::string>());
          }
        }
        if (doc.points.empty() || doc.points.size() > 3) {
          pr.add(at + "/points", fmt::format("expected 1 to 3 points, got {}", p->size()));
        }
      }
      if (const auto* us = pr.array(d, "units", at)) {
        for (size_t k = 0; k < us->size(); ++k) {
          doc.units.push_back(
              load_unit(pr, (*us)[k], fmt::format("{}/units/{}", at, k), doc.points));
        }
        if (doc.units.size() < 3) pr.add(at + "/units", "expected at least 3 units");
        for (size_t p = 0; p < doc.points.size(); ++p) {
          bool used = false;
          for (const Unit& u : doc.units) used = used || u.point == static_cast<int>(p);
          if (!used) {
            pr.add(at + "/points", fmt::format("point \"{}\" has no unit", doc.points[p]));
          }
        }
        if (!doc.units.empty() && (doc.units[0].point >= 0 || doc.units[0].min_length > 0 ||
                                   doc.units[0].beginner_only)) {
          pr.add(at + "/units/0", "the lead unit must be kept in every version");
        }
      }
      s.docs.push_back(std::move(doc));
    }
  }
  if (train == 0 || test == 0) {
    pr.add("/documents",
           fmt::format("expected documents in both splits, got {} train and {} test", train, test));
  }
  pr.throw_if_any();
  if (s.openings.empty()) s.openings = {"Can you help me polish this {kind}?\n\n{source}"};
  for (Document& d : s.docs) {
    Choice base{};
    for (size_t dim = 0; dim < kDims; ++dim) base[dim] = kDefaults[dim];
    for (size_t dim = 0; dim < kDims; ++dim) {
      std::vector<std::string> renders;
      for (int v = 0; v < d.values(dim); ++v) {
        Choice c = base;
        c[dim] = v;
        renders.push_back(render_doc(d, c));
      }
      double sum = 0;
      int pairs = 0;
      for (size_t a = 0; a < renders.size(); ++a) {
        for (size_t b = 0; b < renders.size(); ++b) {
          if (a == b) continue;
          sum += text::bleu4(renders[a], renders[b]);
          ++pairs;
        }
      }
      d.change[dim] = pairs == 0 ? 0.0 : 1.0 - sum / pairs;
    }
  }
  return s;
}

std::string render_doc(const Document& d, const Choice& c) {
  std::string out;
  if (c[kTitle] == 0) out = d.title_plain + "\n\n";
  if (c[kTitle] == 1) out = d.title_catchy + "\n\n";
  const bool bullets = c[kStructure] == 1;
  bool first = true;
  for (const Unit& u : d.units) {
    if (u.point >= 0) {
      if (c[kPoints] != u.point + 1) continue;
    } else if (u.min_length > c[kLength]) {
      continue;
    }
    if (u.beginner_only && c[kAudience] != 0) continue;
    const std::string& sentence = u.varies_audience ? u.audience[static_cast<size_t>(c[kAudience])]
                                                    : u.tone[static_cast<size_t>(c[kTone])];
    if (first) {
      out += sentence;
    } else if (bullets) {
      out.append("\n- ");
      out.append(u.bullet.empty() || u.varies_tone || u.varies_audience ? sentence : u.bullet);
    } else {
      out.append(u.new_paragraph ? "\n\n" : " ");
      out.append(sentence);
    }
    if (first && bullets) out += "\n";
    first = false;
  }
  return out;
}

std::string render_source(const Document& d) {
  std::string out;
  bool first = true;
  for (const Unit& u : d.units) {
    const std::string& s = u.varies_audience ? u.audience[1] : u.tone[1];
    if (!first) out.append(u.new_paragraph ? "\n\n" : " ");
    out.append(s);
    first = false;
  }
  return out;
}

}  // namespace collab::tasks::doc_edit
