// Math QA: construction, declared options, sampling the problem instance, its opening and the
// persona.
#include "tasks/math_qa/task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "env/error.h"

namespace collab::tasks::math_qa {

namespace {

// 1 significant figure: 120 -> 100, 75 -> 80, 3.5 -> 4.
double round_1sf(double v) {
  if (v == 0) return 0;
  const double mag = std::pow(10.0, std::floor(std::log10(std::abs(v))));
  return std::round(v / mag) * mag;
}

double round6(double x) { return std::round(x * 1e6) / 1e6; }

}  // namespace

double round_answer(double x) {
  if (!std::isfinite(x)) return 0;
  return std::stod(fmt::format("{:.6g}", x));
}

double eager_answer(const Problem& p, const std::vector<Known>& known,
                    const std::vector<double>& said) {
  std::vector<double> v(p.vars.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const bool has = known[i] != Known::kMissing && known[i] != Known::kVague && !std::isnan(said[i]);
    v[i] = has ? said[i] : p.vars[i].guess;
  }
  return round_answer(p.solve.eval(v));
}

MathQa::MathQa(Setup setup, int version) : setup_(std::move(setup)), version_(version) {
  COLLAB_CHECK(version >= 0 && version <= kVersion);
  map_shared_units();
  const size_t n = setup_.max_vars;
  for (size_t k = 0; k < n; ++k) acts_.push_back(fmt::format("ask:var{}", k));
  for (size_t k = 0; k < n; ++k) acts_.push_back(fmt::format("confirm:var{}", k));
  acts_.push_back("answer");
  for (size_t k = 0; k < n; ++k) {
    for (const char* f : {"present", "clear", "missing", "blurred", "unit_unclear", "hedged", "asked"}) {
      features_.push_back(fmt::format("var{}_{}", k, f));
    }
  }
  features_.insert(features_.end(), {"unresolved_share", "turns_used"});
  act_features_ = {"is_ask",  "is_confirm",   "is_answer", "slot_present",
                   "slot_clear", "slot_missing", "slot_blurred", "slot_unit_unclear",
                   "slot_hedged", "slot_asked", "unknown_share"};
  // Flags and shares in [0, 1], but turns_used (turns / kMaxTurns), which the most patient
  // persona's patience bounds: the user ends the conversation there.
  feature_ranges_.assign(features_.size(), FeatureRange::unit());
  int patience = kMaxTurns;
  for (const auto& p : setup_.personas) patience = std::max(patience, p.patience);
  feature_ranges_.back().high = static_cast<float>(patience) / static_cast<float>(kMaxTurns);
  act_feature_ranges_.assign(act_features_.size(), FeatureRange::unit());
  for (size_t i = 0; i < setup_.problems.size(); ++i) {
    const auto split = setup_.problems[i].split;
    if (split != Problem::Split::kTest) train_.push_back(i);
    if (split != Problem::Split::kTrain) test_.push_back(i);
    all_.push_back(i);
  }
  std::vector<std::string> personas;
  for (const auto& p : setup_.personas) personas.push_back(p.name);
  options_ = {
      OptionSpec::choice("split", "train", {"train", "test", "all"},
                         "which problems: train or test templates and instances, or all"),
      OptionSpec::choice("persona", "", personas, "the user persona (null: sampled by weight)")
          .or_null(),
      OptionSpec::choice("opening", "", {"complete", "omit_one", "omit_two", "blur"},
                         "how the opening states the problem (null: the persona decides)")
          .or_null(),
      OptionSpec::number("slip", std::nullopt, 0, 1,
                         "P(a wrong number when answering a question) (null: the persona's)"),
  };
  options_[1].default_value = nullptr;
  options_[2].default_value = nullptr;
}

std::shared_ptr<const Task> MathQa::from_file(const std::string& path) {
  return std::make_shared<const MathQa>(Setup::load(load_scenario_file(path)));
}

std::shared_ptr<const Task> MathQa::from_file_v0(const std::string& path) {
  return std::make_shared<const MathQa>(Setup::load(load_scenario_file(path)), 0);
}

// What an agent is told (env/instructions.h); a scenario's "instructions" replace it.
std::string MathQa::instructions() const {
  static constexpr const char* kDefault =
      R"(You are a math tutor answering the user's word problem. The problem as stated may leave out a quantity or give one only roughly; sometimes it states everything, and then you should answer at once.
- Ask for a missing or unclear quantity, one per message: "What is the <quantity>?". To check a doubtful one, ask the user to confirm it: "Could you confirm the <quantity>, with its units?"
- Give your final answer as "The answer is <number> <units>." in the units the question asks for (\boxed{{<number>}} works too). Your first final answer ends the conversation and is judged for accuracy.
- You have {max_turns} messages at most.
How your messages are read: a message with a question in it asks about the quantity it names; otherwise the number that follows "The answer is" (else the last number you give in the question's units) is your answer. Write numbers with digits; showing your working first is fine.)";
  return setup_.instructions.empty() ? std::string(kDefault) : setup_.instructions;
}

std::string MathQa::description() const {
  size_t templates = 0;
  for (const auto& p : setup_.problems) templates += !p.fixed;
  const size_t fixed = setup_.problems.size() - templates;
  // Only the kinds the scenario has: "(40 templates)", "(31 fixed problems)" or both.
  std::string counts;
  if (templates > 0) counts = fmt::format("{} templates", templates);
  if (fixed > 0) counts += fmt::format("{}{} fixed problems", counts.empty() ? "" : ", ", fixed);
  return fmt::format(
      "Math word problems stated loosely ({}): ask for missing or blurred quantities, confirm "
      "doubtful ones, then answer; answer at once when nothing is missing. {}",
      counts, setup_.description);
}

nlohmann::json MathQa::scenario_info() const {
  return {{"path", setup_.path},   {"hash", setup_.hash},         {"problems", setup_.problems.size()},
          {"train", train_.size()}, {"test", test_.size()},        {"slots", setup_.max_vars}};
}

std::optional<Opening> MathQa::make_opening(const Problem& p, const std::vector<double>& truth,
                                            OpeningKind kind, Rng& rng,
                                            const std::vector<size_t>* hidden) const {
  const size_t n = p.vars.size();
  Opening o;
  o.kind = kind;
  o.shown.assign(n, Known::kClear);
  o.said = truth;
  o.shown_number = truth;
  auto omit = [&](size_t i) {
    o.shown[i] = Known::kMissing;
    o.said[i] = std::nan("");
  };
  switch (kind) {
    case OpeningKind::kComplete:
      break;
    case OpeningKind::kOmitOne:
    case OpeningKind::kOmitTwo: {
      const size_t k = kind == OpeningKind::kOmitOne ? 1 : 2;
      if (hidden != nullptr) {
        for (size_t i : *hidden) omit(i);
        break;
      }
      if (n < k) return std::nullopt;
      const size_t a = rng.below(n);
      omit(a);
      if (k == 2) omit((a + 1 + rng.below(n - 1)) % n);
      break;
    }
    case OpeningKind::kBlur: {
      // Every (variable, way of blurring it) the template allows, one picked at random.
      std::vector<std::pair<size_t, Known>> ways;
      for (size_t i = 0; i < n; ++i) {
        const Variable& v = p.vars[i];
        if (!v.vague.empty()) ways.emplace_back(i, Known::kVague);
        if (v.rounded && round_1sf(truth[i]) != truth[i]) ways.emplace_back(i, Known::kRounded);
        if (v.blur_unit) ways.emplace_back(i, Known::kNoUnit);
      }
      if (ways.empty()) return std::nullopt;
      const auto [i, how] = ways[rng.below(ways.size())];
      o.shown[i] = how;
      if (how == Known::kVague) {
        o.said[i] = std::nan("");
      } else if (how == Known::kRounded) {
        o.said[i] = o.shown_number[i] = round_1sf(truth[i]);
      } else {
        const double canon = setup_.units[static_cast<size_t>(*p.vars[i].unit)].factor;
        const double blur = setup_.units[static_cast<size_t>(*p.vars[i].blur_unit)].factor;
        o.said[i] = o.shown_number[i] = round6(truth[i] * (canon / blur));  // read eagerly as canonical
      }
      break;
    }
  }
  return o;
}

std::unique_ptr<Game> MathQa::make_game(const Problem& p, std::vector<double> truth,
                                        Opening opening, const Persona& persona, double slip,
                                        int opener) const {
  return std::make_unique<Game>(this, &p, std::move(truth), std::move(opening), &persona, slip,
                                opener);
}

std::unique_ptr<Episode> MathQa::new_episode(Rng& rng, const nlohmann::json& o) const {
  const std::string split = o.at("split").get<std::string>();
  const auto& pool = split == "train" ? train_ : split == "test" ? test_ : all_;
  COLLAB_CHECK(!pool.empty());
  const Problem& p = setup_.problems[pool[rng.below(pool.size())]];

  const Persona* persona = &pick_persona(setup_.personas, o.at("persona"), rng);
  const double slip = o.at("slip").is_number() ? o.at("slip").get<double>() : persona->slip;

  OpeningKind kind = OpeningKind::kComplete;
  std::vector<size_t> forced;
  if (o.at("opening").is_string()) {
    const std::string k = o.at("opening").get<std::string>();
    for (int i = 0; i < 4; ++i) {
      if (k == kOpeningNames[i]) kind = static_cast<OpeningKind>(i);
    }
  } else if (p.fixed_missing) {
    forced = *p.fixed_missing;
    kind = forced.empty() ? OpeningKind::kComplete
           : forced.size() == 1 ? OpeningKind::kOmitOne
                                : OpeningKind::kOmitTwo;
  } else {
    double total = 0;
    for (double w : persona->openings) total += w;
    double r = rng.uniform() * total;
    for (int i = 0; i < 4; ++i) {
      kind = static_cast<OpeningKind>(i);
      if ((r -= persona->openings[i]) < 0 && persona->openings[i] > 0) break;
    }
  }
  const bool use_forced = !forced.empty() && !o.at("opening").is_string();

  // An instance of the split, presented as `kind`, where what the opening leaves out matters:
  // the eager answer must be wrong (else the "underspecified" problem is not).
  std::vector<double> truth;
  std::optional<Opening> opening;
  for (int attempt = 0; attempt < 200 && !opening; ++attempt) {
    const bool ok = sample_values(p, rng, &truth);
    COLLAB_CHECK(ok);
    if (p.split == Problem::Split::kBoth && split != "all" &&
        instance_is_test(truth) != (split == "test")) {
      continue;
    }
    opening = make_opening(p, truth, kind, rng, use_forced ? &forced : nullptr);
    if (!opening && kind != OpeningKind::kComplete) {
      opening = make_opening(p, truth, OpeningKind::kOmitOne, rng);  // no blur or too few quantities
    }
    if (opening && kind != OpeningKind::kComplete &&
        p.correct(eager_answer(p, opening->shown, opening->said), *solve(p, truth))) {
      opening.reset();
    }
  }
  if (!opening) {
    // This problem cannot be presented so (or its instances of the split are rare): state it
    // fully, on an instance of the split when there is one.
    for (int attempt = 0; attempt < 200; ++attempt) {
      sample_values(p, rng, &truth);
      if (p.split != Problem::Split::kBoth || split == "all" ||
          instance_is_test(truth) == (split == "test")) {
        break;
      }
    }
    opening = make_opening(p, truth, OpeningKind::kComplete, rng);
  }
  const int opener = static_cast<int>(rng.below(setup_.openers.size()));
  return make_game(p, std::move(truth), std::move(*opening), *persona, slip, opener);
}

}  // namespace collab::tasks::math_qa
