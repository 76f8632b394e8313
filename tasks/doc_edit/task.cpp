#include "tasks/doc_edit/task.h"

#include <fmt/format.h>

#include <algorithm>

#include "env/bleu.h"

namespace collab::tasks::doc_edit {

DocEdit::DocEdit(Setup setup, int version) : setup_(std::move(setup)), version_(version) {
  COLLAB_CHECK(version >= 0 && version <= kVersion);
  for (const char* d : kDimNames) acts_.push_back(fmt::format("ask:{}", d));
  for (const char* d : kDimNames) acts_.push_back(fmt::format("assume:{}", d));
  acts_.push_back("draft");
  acts_.push_back("finish");
  for (const char* d : kDimNames) features_.push_back(fmt::format("known:{}", d));
  for (const char* d : kDimNames) features_.push_back(fmt::format("assumed:{}", d));
  features_.insert(features_.end(), {"turns_used", "drafted", "open_share"});
  act_features_ = {"is_ask",      "is_assume", "is_draft",        "is_finish",     "dim_open",
                   "dim_assumed", "dim_known", "dim_text_change", "open_dim_share"};
  // Every feature is a flag or a share (turns of the patience, which ends the conversation;
  // dim_text_change is 1 − mean BLEU-4 between renderings).
  feature_ranges_.assign(features_.size(), FeatureRange::unit());
  act_feature_ranges_.assign(act_features_.size(), FeatureRange::unit());
  options_ = {OptionSpec::choice("split", "train", {"train", "test", "all"},
                                 "which source documents the user brings")};
}

std::shared_ptr<const Task> DocEdit::from_file(const std::string& path) {
  return std::make_shared<const DocEdit>(Setup::load(load_scenario_file(path)));
}

std::shared_ptr<const Task> DocEdit::from_file_v0(const std::string& path) {
  return std::make_shared<const DocEdit>(Setup::load(load_scenario_file(path)), 0);
}

// What an agent is told (env/instructions.h); a scenario's "instructions" replace it.
std::string DocEdit::instructions() const {
  static constexpr const char* kDefault =
      R"(You are a writing assistant. The user gives you a document to improve, but does not say how they want it; their preferences decide whether the result is right.
- You may ask about one aspect per message: the tone, the length, the audience, the structure or format, a point that must be in it, or the title. Example: "Who will read this?"
- You may state an assumption instead of asking: "I'll assume <your choice> for the <aspect>." The user corrects it or lets it stand.
- Hand in a draft by writing the whole document in your message (at least 25 words; a line introducing it is fine). The user compares it with what they want and tells you what is off. Your latest draft is what is judged, word for word.
- Say "That's all, goodbye." to finish; the user also ends once a draft is what they want.
- You have {max_turns} messages at most, and the user loses patience with too many turns.
How your messages are read: a message with a document in it is a draft; otherwise it is read as one question, one assumption or a goodbye. Any other message gets a puzzled reply and still uses up a turn.)";
  return setup_.instructions.empty() ? std::string(kDefault) : setup_.instructions;
}

std::string DocEdit::description() const {
  return setup_.description.empty()
             ? "Edit a document to the user's hidden preferences (tone, length, audience, "
               "structure, points, title); scored by BLEU-4 against the target."
             : setup_.description;
}

std::unique_ptr<Episode> DocEdit::new_episode(Rng& rng, const nlohmann::json& o) const {
  const std::string split = o.at("split").get<std::string>();
  std::vector<size_t> eligible;
  for (size_t i = 0; i < setup_.docs.size(); ++i) {
    if (split == "all" || setup_.docs[i].split == split) eligible.push_back(i);
  }
  const size_t doc = eligible[rng.below(eligible.size())];
  Choice goal{};
  for (size_t d = 0; d < kDims; ++d) {
    goal[d] = static_cast<int>(rng.below(static_cast<uint64_t>(setup_.docs[doc].values(d))));
  }
  const int opener = static_cast<int>(rng.below(setup_.openings.size()));
  // v1 draws the user's voice last, so that v0 and v1 draw the same documents and goals.
  const auto voice = version_ == 0 ? Game::Voice::kFriendly : static_cast<Game::Voice>(rng.below(3));
  return make_game(doc, goal, opener, voice);
}

std::unique_ptr<Game> DocEdit::make_game(size_t doc, Choice goal, int opener, Game::Voice voice) const {
  return std::make_unique<Game>(this, &setup_.docs.at(doc), goal, opener, setup_.patience, voice);
}

nlohmann::json DocEdit::scenario_info() const {
  size_t test = 0;
  for (const auto& d : setup_.docs) test += d.split == "test";
  return {{"path", setup_.path},
          {"hash", setup_.hash},
          {"documents", setup_.docs.size()},
          {"test_documents", test}};
}

// ---- The episode -------------------------------------------------------------------------------

Game::Game(const DocEdit* task, const Document* doc, Choice goal, int opener, int patience,
           Voice voice)
    : task_(task), doc_(doc), goal_(goal), opener_(opener), patience_(patience), voice_(voice) {
  for (size_t d = 0; d < kDims; ++d) value_[d] = kDefaults[d];
}

std::string Game::opening() const {
  std::string s = task_->setup().openings[static_cast<size_t>(opener_)];
  auto fill = [&](const std::string& key, const std::string& with) {
    for (size_t p = s.find(key); p != std::string::npos; p = s.find(key, p + with.size())) {
      s.replace(p, key.size(), with);
    }
  };
  fill("{kind}", doc_->kind);
  fill("{source}", render_source(*doc_));
  return s;
}

int Game::open_dims() const {
  return static_cast<int>(std::count(known_.begin(), known_.end(), Known::kOpen));
}

std::string Game::eager_draft() const { return render_doc(*doc_, value_); }

std::string Game::goal() const {
  std::vector<std::string> parts;
  for (size_t d = 0; d < kDims; ++d) {
    parts.push_back(fmt::format("{}={}", kDimNames[d], doc_->value_name(d, goal_[d])));
  }
  return fmt::format("{}: {}", doc_->id, fmt::join(parts, ", "));
}

// ---- Evaluator: BLEU-4 of the latest draft (0 before any) --------------------------------------

Score Game::score() const { return {bleu_, bleu_ >= DocEdit::kSuccessBleu}; }

nlohmann::json Game::score_components() const {
  return {{"bleu", bleu_},           {"drafts", drafts_},
          {"questions", questions_}, {"assumptions", assumptions_},
          {"satisfied", satisfied_}, {"gave_up", gave_up_},
          {"finished", finished_}};
}

// ---- What the agent sees -----------------------------------------------------------------------

void Game::features(std::span<float> out) const {
  for (size_t d = 0; d < kDims; ++d) {
    out[d] = known_[d] == Known::kKnown ? 1.0f : 0.0f;
    out[kDims + d] = known_[d] == Known::kAssumed ? 1.0f : 0.0f;
  }
  out[2 * kDims] = static_cast<float>(turns_) / static_cast<float>(patience_);
  out[2 * kDims + 1] = drafts_ > 0 ? 1.0f : 0.0f;
  out[2 * kDims + 2] = static_cast<float>(open_dims()) / static_cast<float>(kDims);
}

void Game::act_features(std::span<float> out) const {
  constexpr size_t K = 9;
  const float open_share = static_cast<float>(open_dims()) / static_cast<float>(kDims);
  for (int32_t a = 0; a <= DocEdit::kFinish; ++a) {
    float* row = out.data() + static_cast<size_t>(a) * K;
    std::fill(row, row + K, 0.0f);
    if (a < DocEdit::kDraft) {
      const size_t d = static_cast<size_t>(a) % kDims;
      row[a < static_cast<int32_t>(kDims) ? 0 : 1] = 1.0f;
      row[4] = known_[d] == Known::kOpen ? 1.0f : 0.0f;
      row[5] = known_[d] == Known::kAssumed ? 1.0f : 0.0f;
      row[6] = known_[d] == Known::kKnown ? 1.0f : 0.0f;
      row[7] = static_cast<float>(doc_->change[d]);
    } else {
      row[a == DocEdit::kDraft ? 2 : 3] = 1.0f;
    }
    row[8] = open_share;
  }
}

void Game::mask(std::span<uint8_t> out) const {
  std::fill(out.begin(), out.end(), uint8_t{1});  // every act is always possible
}

Content Game::compose(int32_t act) const {
  if (act == DocEdit::kDraft) return Content{eager_draft(), std::nullopt};
  if (act >= DocEdit::assume_act(0) && act < DocEdit::kDraft) {
    const size_t d = static_cast<size_t>(act) - kDims;
    return Content{doc_->value_name(d, value_[d]), std::nullopt};
  }
  return {};
}

}  // namespace collab::tasks::doc_edit
