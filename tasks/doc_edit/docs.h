// doc_edit's scenario: source documents as sentence units with variants per preference
// dimension, and the renderer that turns a document plus one choice per dimension into text.
// Schema: tasks/doc_edit/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "env/scenario.h"

namespace collab::tasks::doc_edit {

// The preference dimensions, in act order.
enum Dim : uint8_t { kTone, kLength, kAudience, kStructure, kPoints, kTitle };
inline constexpr size_t kDims = 6;
inline constexpr std::array<const char*, kDims> kDimNames = {"tone",      "length", "audience",
                                                             "structure", "points", "title"};
// Values of every dimension but kPoints (whose values are "none" + the document's point names).
inline const std::array<std::vector<std::string>, kDims> kValues = {{
    {"formal", "casual", "enthusiastic"},
    {"short", "medium", "long"},
    {"beginner", "expert"},
    {"paragraphs", "bullets"},
    {},
    {"plain", "catchy", "none"},
}};
// What act mode assumes for a dimension nobody spoke about (index into the dimension's values;
// for kPoints 0 = "none").
inline constexpr std::array<int, kDims> kDefaults = {0, 1, 0, 0, 0, 0};

// One sentence unit. Exactly one of: a fixed `text`; tone variants (formal/casual/enthusiastic);
// audience variants (beginner/expert).
struct Unit {
  std::array<std::string, 3> tone;      // by kValues[kTone]; all equal for a fixed text
  std::array<std::string, 2> audience;  // by kValues[kAudience]; used when varies_audience
  bool varies_tone = false, varies_audience = false;
  int min_length = 0;  // 0 short: kept at every length; 1 medium and long; 2 long only
  int point = -1;      // >= 0: kept only when that point is chosen (length then ignored)
  bool beginner_only = false;
  bool new_paragraph = false;  // paragraphs structure: starts a paragraph
  std::string bullet;          // bullets structure: text of the bullet (else the sentence)
};

struct Document {
  std::string id, kind, split;  // kind: "announcement", "email"…; split: "train" / "test"
  std::string title_plain, title_catchy;
  std::vector<std::string> points;  // names of optional points ("pricing")
  std::vector<Unit> units;          // units[0] is the lead sentence
  // Per dimension: how much the text changes across its values, 1 - mean BLEU between the
  // renders that differ only in that dimension (others at their defaults). Public data.
  std::array<double, kDims> change{};
  int values(size_t dim) const {
    return dim == kPoints ? static_cast<int>(points.size()) + 1
                          : static_cast<int>(kValues[dim].size());
  }
  std::string value_name(size_t dim, int v) const {
    if (dim == kPoints) return v == 0 ? "none" : points[static_cast<size_t>(v - 1)];
    return kValues[dim][static_cast<size_t>(v)];
  }
};

// A choice on every dimension (value indices).
using Choice = std::array<int, kDims>;

struct Setup {
  std::string path, hash, description;
  std::string instructions;  // the scenario's own agent instructions ("": the task's)
  std::vector<Document> docs;
  std::vector<std::string> openings;  // "{kind}" and "{source}" are filled in
  int patience = 10;
  double assume_correction = 0.5;  // chance the user corrects a wrong assumption
  static Setup load(const ScenarioFile& file);
};

// The document under `c`: title line (unless none), a blank line, then paragraphs (units joined by
// spaces, a blank line before a unit that starts a paragraph) or the lead sentence followed by
// "- " bullets, one per remaining unit.
std::string render_doc(const Document& d, const Choice& c);
// How the user shows the source in the opening: every unit (every point, the beginner
// explanations), casual wording, expert wording, paragraphs, no title.
std::string render_source(const Document& d);

}  // namespace collab::tasks::doc_edit
