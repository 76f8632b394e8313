#include "tasks/twenty_questions/task.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "env/error.h"

namespace collab::tasks::twenty_questions {

namespace {

// What the user said about one attribute (as said: noise included).
enum class Answer : int8_t { kUnasked = -1, kNo = 0, kYes = 1, kUnsure = 2 };

// All mutable state of one game. Copying it is the whole cost of Env::clone().
class Game final : public Episode {
 public:
  Game(const TwentyQuestions* task, size_t target, const Persona* persona, double noise,
       int opening_variant)
      : task_(task),
        target_(target),
        persona_(persona),
        noise_(noise),
        opening_variant_(opening_variant),
        answers_(task->catalog().attributes.size(), Answer::kUnasked),
        guessed_(task->catalog().objects.size(), 0),
        consistent_(task->catalog().words(), ~uint64_t{0}),
        candidates_(static_cast<int>(task->catalog().objects.size())) {
    const size_t tail = task->catalog().objects.size() % 64;
    if (tail != 0) consistent_.back() = (uint64_t{1} << tail) - 1;
  }

  std::unique_ptr<Episode> clone() const override { return std::make_unique<Game>(*this); }

  std::string opening() const override {
    const auto& cat = task_->catalog();
    if (persona_->hints_category) {
      return fmt::format("I'm thinking of something in the category \"{}\". You have {} questions.",
                         cat.objects[target_].category, cat.patience);
    }
    static constexpr const char* kOpenings[] = {
        "I'm thinking of something. You have {} yes-or-no questions to find it.",
        "Guess what I have in mind! Ask me up to {} yes-or-no questions.",
        "I've picked an everyday thing. {} questions, go.",
    };
    return fmt::format(fmt::runtime(kOpenings[opening_variant_ % 3]), cat.patience);
  }

  UserReply respond(std::optional<int32_t> act, Rng& rng) override {
    const auto& cat = task_->catalog();
    UserReply r;
    ++questions_;
    if (!act) {
      r.text = "Sorry, I don't follow. Ask me a yes-or-no question about it, or guess what it is.";
    } else if (task_->is_ask(*act)) {
      r = ask(static_cast<size_t>(*act), rng);
    } else {
      r = guess(static_cast<size_t>(*act) - cat.attributes.size());
    }
    if (r.ended) return r;
    if (wrong_ >= cat.max_wrong_guesses) {
      gave_up_ = true;
      r.ended = true;
      r.text += fmt::format(" That's {} wrong guesses, I give up on you. It was {}.", wrong_,
                            with_article(cat.objects[target_].name));
    } else if (questions_ >= cat.patience) {
      r.ended = true;
      r.text += fmt::format(" That was question {}, you're out of questions! It was {}.",
                            questions_, with_article(cat.objects[target_].name));
    }
    return r;
  }

  Score score() const override {
    const int patience = task_->catalog().patience;
    Score s;
    s.success = solved_;
    // Success, discounted by questions used: 1.0 on the first question, 0.5 on the last.
    s.task = solved_ ? 1.0 - 0.5 * (questions_ - 1) / std::max(1, patience - 1) : 0.0;
    return s;
  }

  nlohmann::json score_components() const override {
    return {{"questions_used", questions_},
            {"wrong_guesses", wrong_},
            {"solved", solved_},
            {"gave_up", gave_up_}};
  }

  void features(std::span<float> out) const override {
    const auto& cat = task_->catalog();
    const size_t na = cat.attributes.size();
    for (size_t a = 0; a < na; ++a) {
      const Answer ans = answers_[a];
      out[2 * a] = ans == Answer::kUnasked ? 0.0f : 1.0f;
      out[2 * a + 1] = ans == Answer::kYes ? 1.0f : ans == Answer::kNo ? -1.0f : 0.0f;
    }
    out[2 * na] = static_cast<float>(candidates_) / static_cast<float>(cat.objects.size());
    out[2 * na + 1] = static_cast<float>(questions_) / static_cast<float>(cat.patience);
    out[2 * na + 2] = static_cast<float>(wrong_) / static_cast<float>(cat.max_wrong_guesses);
  }

  void mask(std::span<uint8_t> out) const override {
    const size_t na = answers_.size(), no = guessed_.size();
    // Raw restrict pointers: uint8_t may alias anything, which otherwise blocks vectorisation.
    uint8_t* __restrict dst = out.data();
    const uint8_t* __restrict guessed = guessed_.data();
    const Answer* __restrict answers = answers_.data();
    for (size_t a = 0; a < na; ++a) dst[a] = answers[a] == Answer::kUnasked;
    for (size_t o = 0; o < no; ++o) dst[na + o] = guessed[o] ^ 1;
  }

  std::string goal() const override { return task_->catalog().objects[target_].name; }

  // Read by the expert and the passive policy.
  const std::vector<Answer>& answers() const { return answers_; }
  const std::vector<uint8_t>& guessed() const { return guessed_; }
  int questions() const { return questions_; }

 private:
  static std::string with_article(const std::string& noun) {
    const bool vowel =
        !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", noun);
  }

  UserReply ask(size_t a, Rng& rng) {
    const auto& cat = task_->catalog();
    UserReply r;
    if (answers_[a] != Answer::kUnasked) {
      r.event = Event::kRedundant;
      r.text = fmt::format("You asked that already: {}", answer_text(answers_[a]));
      return r;
    }
    // Informative if the objects still consistent with what was said disagree on this attribute.
    int values_seen = 0;
    for (Value v : {Value::kNo, Value::kYes, Value::kSometimes}) {
      const uint64_t* vb = cat.value_bits(a, v);
      uint64_t any = 0;
      for (size_t w = 0; w < consistent_.size(); ++w) any |= consistent_[w] & vb[w];
      values_seen += any != 0;
    }
    r.event = values_seen > 1 ? Event::kInformative : Event::kRedundant;

    const Value truth = cat.value(target_, a);
    Answer said = truth == Value::kSometimes ? Answer::kUnsure
                  : truth == Value::kYes     ? Answer::kYes
                                             : Answer::kNo;
    if (said != Answer::kUnsure && noise_ > 0 && rng.bernoulli(noise_)) {
      said = said == Answer::kYes ? Answer::kNo : Answer::kYes;  // persona mistake
    }
    answers_[a] = said;
    const Value said_value = said == Answer::kYes  ? Value::kYes
                             : said == Answer::kNo ? Value::kNo
                                                   : Value::kSometimes;
    const uint64_t* keep = cat.value_bits(a, said_value);
    candidates_ = 0;
    for (size_t w = 0; w < consistent_.size(); ++w) {
      consistent_[w] &= keep[w];
      candidates_ += std::popcount(consistent_[w]);
    }
    r.text = answer_text(said);
    return r;
  }

  UserReply guess(size_t o) {
    const auto& cat = task_->catalog();
    UserReply r;
    if (o == target_) {
      solved_ = true;
      r.ended = true;
      r.text =
          fmt::format("Yes! It's {}. You got it in {} question{}.",
                      with_article(cat.objects[o].name), questions_, questions_ == 1 ? "" : "s");
      return r;
    }
    // Guessing something the answers already ruled out ignores what the user said.
    const uint64_t bit = uint64_t{1} << (o % 64);
    const bool consistent = (consistent_[o / 64] & bit) != 0;
    if (!consistent || guessed_[o]) r.event = Event::kIgnored;
    if (!guessed_[o]) {
      guessed_[o] = 1;
      ++wrong_;
      if (consistent) {
        consistent_[o / 64] &= ~bit;
        --candidates_;
      }
    }
    r.text = fmt::format("No, it's not {}.", with_article(cat.objects[o].name));
    return r;
  }

  static std::string answer_text(Answer a) {
    switch (a) {
      case Answer::kYes:
        return "Yes.";
      case Answer::kNo:
        return "No.";
      case Answer::kUnsure:
        return "Hmm, not sure. Sometimes.";
      case Answer::kUnasked:
        break;
    }
    return "";
  }

  const TwentyQuestions* task_;
  size_t target_;
  const Persona* persona_;
  double noise_;
  int opening_variant_;
  std::vector<Answer> answers_;
  std::vector<uint8_t> guessed_;
  std::vector<uint64_t> consistent_;  // bit set: consistent with every answer, not guessed
  int candidates_;
  int questions_ = 0;
  int wrong_ = 0;
  bool solved_ = false;
  bool gave_up_ = false;
};

const Game& as_game(const Episode& ep) {
  const auto* g = dynamic_cast<const Game*>(&ep);
  if (g == nullptr) throw Error("twenty_questions: episode belongs to another task");
  return *g;
}

// Words that, right before an object name, make the sentence a guess ("is it a dog").
bool guess_cue(const std::vector<std::string_view>& w, size_t first_word) {
  size_t end = first_word;
  while (end > 0 && (w[end - 1] == "a" || w[end - 1] == "an" || w[end - 1] == "the" ||
                     w[end - 1] == "some" || w[end - 1] == "your")) {
    --end;
  }
  if (end == 0) return true;  // the text starts with the object: "dog?"
  const std::string_view last = w[end - 1];
  if (last == "guess" || last == "guessing" || last == "be" || last == "its" || last == "answer" ||
      last == "say" || last == "think") {
    return true;
  }
  if (end >= 2) {
    const std::string_view prev = w[end - 2];
    if ((prev == "is" && last == "it") || (prev == "it" && last == "is") ||
        (prev == "it" && last == "s") || (prev == "was" && last == "it") ||
        (prev == "thinking" && last == "of")) {
      return true;
    }
  }
  return false;
}

}  // namespace

TwentyQuestions::TwentyQuestions(Catalog catalog) : catalog_(std::move(catalog)) {
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
  features_.insert(features_.end(), {"candidates_left", "questions_used", "wrong_guesses"});
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
  return std::make_shared<const TwentyQuestions>(Catalog::load(load_scenario_file(path)));
}

std::string TwentyQuestions::description() const {
  return fmt::format(
      "20 Questions over {} objects and {} yes/no attributes: ask questions, then guess the "
      "user's object. {}",
      catalog_.objects.size(), catalog_.attributes.size(), catalog_.description);
}

nlohmann::json TwentyQuestions::option_defaults() const {
  return {{"split", "train"}, {"noise", nullptr}, {"persona", nullptr}};
}

void TwentyQuestions::validate_options(const nlohmann::json& o) const {
  const auto& split = o.at("split");
  if (split != "train" && split != "test" && split != "all") {
    throw InvalidOption(
        fmt::format("option 'split' = {}: expected \"train\", \"test\" or \"all\"", split.dump()));
  }
  const auto& noise = o.at("noise");
  if (!noise.is_null() &&
      (!noise.is_number() || noise.get<double>() < 0 || noise.get<double>() > 0.5)) {
    throw InvalidOption(
        fmt::format("option 'noise' = {}: expected null (the persona's) or a number in [0, 0.5]",
                    noise.dump()));
  }
  const auto& persona = o.at("persona");
  if (!persona.is_null()) {
    std::vector<std::string> names;
    for (const auto& p : catalog_.personas) names.push_back(p.name);
    if (!persona.is_string() ||
        std::find(names.begin(), names.end(), persona.get<std::string>()) == names.end()) {
      throw InvalidOption(fmt::format("option 'persona' = {}: expected null (sampled) or one of {}",
                                      persona.dump(), fmt::join(names, ", ")));
    }
  }
}

std::unique_ptr<Episode> TwentyQuestions::new_episode(Rng& rng, const nlohmann::json& o) const {
  const std::string split = o.at("split").get<std::string>();
  const auto& pool = split == "train" ? train_ : split == "test" ? test_ : all_;
  COLLAB_CHECK(!pool.empty());
  const size_t target = pool[rng.below(pool.size())];

  const Persona* persona = nullptr;
  if (o.at("persona").is_string()) {
    for (const auto& p : catalog_.personas) {
      if (p.name == o.at("persona").get<std::string>()) persona = &p;
    }
  } else {
    double total = 0;
    for (const auto& p : catalog_.personas) total += p.weight;
    double x = rng.uniform() * total;
    for (const auto& p : catalog_.personas) {
      persona = &p;
      if ((x -= p.weight) < 0) break;
    }
  }
  COLLAB_CHECK(persona != nullptr);
  const double noise = o.at("noise").is_number() ? o.at("noise").get<double>() : persona->noise;
  const int variant = static_cast<int>(rng.below(3));
  return std::make_unique<Game>(this, target, persona, noise, variant);
}

std::optional<int32_t> TwentyQuestions::parse(std::string_view text, const Episode&) const {
  const std::string norm = text::normalize(text);
  const auto w = text::words(norm);
  const auto object = object_names_.find(w);
  const auto attribute = attribute_phrases_.find(w);
  if (object && (!attribute || guess_cue(w, object->first_word))) {
    return guess_act(static_cast<size_t>(object->label));
  }
  if (attribute) return ask_act(static_cast<size_t>(attribute->label));
  return std::nullopt;
}

std::string TwentyQuestions::render(int32_t act) const {
  COLLAB_CHECK(act >= 0 && act < static_cast<int32_t>(acts_.size()));
  if (is_ask(act)) return catalog_.attributes[static_cast<size_t>(act)].question;
  const std::string& name =
      catalog_.objects[static_cast<size_t>(act) - catalog_.attributes.size()].name;
  const bool vowel = std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return fmt::format("Is it {} {}?", vowel ? "an" : "a", name);
}

int32_t TwentyQuestions::expert_act(const Episode& ep, Rng&) const {
  // Bayesian expert: posterior over objects under an assumed answer-noise e, then either guess the
  // most likely object or ask the question with the largest expected information gain. The loops
  // run over 0/1 indicator columns so that they vectorise (the `omp simd` pragmas need only
  // -fopenmp-simd: no OpenMP runtime).
  const Game& g = as_game(ep);
  const size_t n = catalog_.objects.size();
  const size_t na = catalog_.attributes.size();
  constexpr double e = kExpertAssumedNoise;
  constexpr double kTiny = 1e-4;  // an "unsure" about a clear-cut attribute, or vice versa

  // P(answer | value): rows value (no, yes, sometimes), columns answer (no, yes, unsure).
  static constexpr double kLik[3][3] = {
      {1 - e - kTiny, e, kTiny}, {e, 1 - e - kTiny, kTiny}, {kTiny, kTiny, 1 - 2 * kTiny}};
  thread_local std::vector<double> post_buf;
  post_buf.resize(n);
  double* __restrict post = post_buf.data();
  const uint8_t* __restrict guessed = g.guessed().data();
  for (size_t o = 0; o < n; ++o) post[o] = guessed[o] ? 0.0 : 1.0;
  for (size_t a = 0; a < na; ++a) {
    const auto ans = g.answers()[a];
    if (ans == Answer::kUnasked) continue;
    const int col = ans == Answer::kNo ? 0 : ans == Answer::kYes ? 1 : 2;
    const double base = kLik[0][col], dy = kLik[1][col] - base, ds = kLik[2][col] - base;
    const double* __restrict yes = &yes_ind_[a * n];
    const double* __restrict some = &some_ind_[a * n];
#pragma omp simd
    for (size_t o = 0; o < n; ++o) post[o] *= base + dy * yes[o] + ds * some[o];
  }
  double z = 0;
#pragma omp simd reduction(+ : z)
  for (size_t o = 0; o < n; ++o) z += post[o];
  COLLAB_CHECK(z > 0);
  const double inv = 1.0 / z;
  size_t best = 0;
  for (size_t o = 0; o < n; ++o) {
    post[o] *= inv;
    if (post[o] > post[best]) best = o;
  }
  const int left = catalog_.patience - g.questions();
  if (post[best] >= 0.8 || left <= 1) return guess_act(best);

  auto h = [](double p) { return p > 0 ? -p * std::log2(p) : 0.0; };
  double cond_entropy[3];
  for (int v = 0; v < 3; ++v) cond_entropy[v] = h(kLik[v][0]) + h(kLik[v][1]) + h(kLik[v][2]);
  double best_gain = 1e-9;
  std::optional<size_t> best_attr;
  for (size_t a = 0; a < na; ++a) {
    if (g.answers()[a] != Answer::kUnasked) continue;
    const double* __restrict yes = &yes_ind_[a * n];
    const double* __restrict some = &some_ind_[a * n];
    double py = 0, ps = 0;
#pragma omp simd reduction(+ : py, ps)
    for (size_t o = 0; o < n; ++o) {
      py += post[o] * yes[o];
      ps += post[o] * some[o];
    }
    const double pv[3] = {std::max(0.0, 1.0 - py - ps), py, ps};
    double pans[3] = {0, 0, 0}, hcond = 0;
    for (int v = 0; v < 3; ++v) {
      hcond += pv[v] * cond_entropy[v];
      for (int c = 0; c < 3; ++c) pans[c] += pv[v] * kLik[v][c];
    }
    const double gain = h(pans[0]) + h(pans[1]) + h(pans[2]) - hcond;
    if (gain > best_gain) {
      best_gain = gain;
      best_attr = a;
    }
  }
  if (!best_attr) return guess_act(best);
  return ask_act(*best_attr);
}

int32_t TwentyQuestions::passive_act(const Episode& ep, Rng& rng) const {
  // Never asks: guesses an object it has not guessed yet, uniformly at random.
  const Game& g = as_game(ep);
  size_t open = 0;
  for (uint8_t x : g.guessed()) open += !x;
  COLLAB_CHECK(open > 0);
  size_t k = rng.below(open);
  for (size_t o = 0; o < g.guessed().size(); ++o) {
    if (!g.guessed()[o] && k-- == 0) return guess_act(o);
  }
  COLLAB_CHECK(false);
  return 0;
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
