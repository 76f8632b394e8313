// 20 Questions: construction, declared options, sampling the goal and persona.
#include "tasks/twenty_questions/task.h"

#include <fmt/format.h>

#include <algorithm>

#include "env/error.h"

namespace collab::tasks::twenty_questions {

TwentyQuestions::TwentyQuestions(Catalog catalog, int version)
    : catalog_(std::move(catalog)), version_(version) {
  COLLAB_CHECK(version >= 0 && version <= kVersion);
  if (version >= 1) {
    act_features_ = {"is_question",   "yes_share", "no_share",  "sometimes_share",
                     "already_asked", "consistent", "posterior", "already_guessed"};
    COLLAB_CHECK(act_features_.size() == kActFeatures);
  }
  for (size_t a = 0; a < catalog_.attributes.size(); ++a) {
    const auto& attr = catalog_.attributes[a];
    acts_.push_back("ask:" + attr.name);
    features_.push_back("asked:" + attr.name);
    features_.push_back("answer:" + attr.name);
    for (const auto& p : attr.phrases) attribute_phrases_.add(p, static_cast<int>(a));
  }
  for (size_t o = 0; o < catalog_.objects.size(); ++o) {
    const auto& obj = catalog_.objects[o];
    acts_.push_back("guess:" + obj.name);
    object_names_.add(obj.name, static_cast<int>(o));
    for (const auto& s : obj.synonyms) object_names_.add(s, static_cast<int>(o));
    (obj.test ? test_ : train_).push_back(o);
    all_.push_back(o);
  }
  if (version_ >= 2) {
    acts_.push_back(kAskOther);
    reader_ = std::make_shared<const Reader>(catalog_);
  }
  features_.insert(features_.end(), {"candidates_left", "questions_used", "wrong_guesses"});
  // asked: 0/1; answer: -1 no, 0 unasked or sometimes, 1 yes; the three counts are shares of the
  // catalog, of the patience and of the wrong guesses allowed (the user stops at either limit).
  for (size_t a = 0; a < catalog_.attributes.size(); ++a) {
    feature_ranges_.push_back(FeatureRange::unit());
    feature_ranges_.push_back({-1.0f, 1.0f});
  }
  feature_ranges_.resize(features_.size(), FeatureRange::unit());
  act_feature_ranges_.assign(act_features_.size(), FeatureRange::unit());  // flags and shares
  std::vector<std::string> personas;
  for (const auto& p : catalog_.personas) personas.push_back(p.name);
  options_ = {
      OptionSpec::choice("split", "train", {"train", "test", "all"},
                         "which objects the user may think of (the catalog's split)"),
      OptionSpec::number("noise", std::nullopt, 0, 0.5,
                         "probability a yes/no answer comes out wrong (null: the persona's)"),
      OptionSpec::choice("persona", "", personas, "the user persona (null: sampled by weight)")
          .or_null(),
  };
  options_.back().default_value = nullptr;
  const size_t n = catalog_.objects.size();
  yes_ind_.assign(catalog_.attributes.size() * n, 0.0);
  some_ind_.assign(catalog_.attributes.size() * n, 0.0);
  for (size_t a = 0; a < catalog_.attributes.size(); ++a) {
    for (size_t o = 0; o < n; ++o) {
      yes_ind_[a * n + o] = catalog_.value(o, a) == Value::kYes;
      some_ind_[a * n + o] = catalog_.value(o, a) == Value::kSometimes;
    }
  }
}

std::shared_ptr<const Task> TwentyQuestions::from_file(const std::string& path) {
  return std::make_shared<const TwentyQuestions>(Catalog::load(load_scenario_file(path), kVersion),
                                                 kVersion);
}

std::shared_ptr<const Task> TwentyQuestions::from_file_v0(const std::string& path) {
  return std::make_shared<const TwentyQuestions>(Catalog::load(load_scenario_file(path), 0), 0);
}

std::shared_ptr<const Task> TwentyQuestions::from_file_v1(const std::string& path) {
  return std::make_shared<const TwentyQuestions>(Catalog::load(load_scenario_file(path), 1), 1);
}

// What an agent is told (env/instructions.h); a scenario's "instructions" replace it.
std::string TwentyQuestions::instructions() const {
  static constexpr const char* kDefault =
      R"(You are the assistant in a game of 20 Questions. The user has one thing in mind and will not say what it is; find it by asking.
- Ask one yes-or-no question per message, in plain words, for example "Is it alive?" or "Is it bigger than a breadbox?". The user answers yes, no, or that they are not sure.
- When you think you know, guess with "Is it a <thing>?" (one guess per message). A right guess wins and ends the game; a wrong one costs a question, and too many wrong guesses end it.
- You have {max_turns} messages at most, and the user stops after that many questions; fewer questions is better.
How your messages are read: each message is read as one question or one guess. A message the user cannot read as either gets a puzzled reply and still costs a turn; when a question could mean two things, the reply says which one was answered.)";
  return catalog_.instructions.empty() ? std::string(kDefault) : catalog_.instructions;
}

std::string TwentyQuestions::description() const {
  return fmt::format(
      "20 Questions over {} objects and {} yes/no attributes: ask questions, then guess the "
      "user's object. {}",
      catalog_.objects.size(), catalog_.attributes.size(), catalog_.description);
}

std::unique_ptr<Episode> TwentyQuestions::new_episode(Rng& rng, const nlohmann::json& o) const {
  const std::string split = o.at("split").get<std::string>();
  const auto& pool = split == "train" ? train_ : split == "test" ? test_ : all_;
  COLLAB_CHECK(!pool.empty());
  const size_t target = pool[rng.below(pool.size())];

  const Persona* persona = &pick_persona(catalog_.personas, o.at("persona"), rng);
  const double noise = o.at("noise").is_number() ? o.at("noise").get<double>() : persona->noise;
  const int variant = static_cast<int>(rng.below(catalog_.openings.size()));
  return std::make_unique<Game>(this, target, persona, noise, variant);
}

nlohmann::json TwentyQuestions::scenario_info() const {
  return {{"path", catalog_.path},
          {"hash", catalog_.hash},
          {"objects", catalog_.objects.size()},
          {"train", train_.size()},
          {"test", test_.size()},
          {"attributes", catalog_.attributes.size()}};
}

}  // namespace collab::tasks::twenty_questions
