// The v2 reader: clause finding, head-noun weighting and guess shapes (README "Text (v2)").
#include "tasks/twenty_questions/understand.h"

#include <algorithm>
#include <array>
#include <optional>

#include "env/text.h"
#include "tasks/twenty_questions/words.h"

namespace collab::tasks::twenty_questions {

using namespace words;  // NOLINT(google-build-using-namespace): the reader's own word classes

void Reader::Lexicon::add(std::vector<std::string> words, int label) {
  if (words.empty()) return;
  for (uint32_t id : by_first_word[words.front()]) {
    if (phrases[id].words == words) return;  // first owner keeps it
  }
  by_first_word[words.front()].push_back(static_cast<uint32_t>(phrases.size()));
  phrases.push_back({std::move(words), label});
}

std::vector<Reader::Match> Reader::Lexicon::find(const Words& w) const {
  std::vector<Match> all;
  for (size_t i = 0; i < w.size(); ++i) {
    auto it = by_first_word.find(w[i]);
    if (it == by_first_word.end()) continue;
    for (uint32_t id : it->second) {
      // The text may carry determiners the phrase lacks ("give off *any* light").
      const Phrase& p = phrases[id];
      size_t k = 0, j = i;
      while (k < p.words.size() && j < w.size()) {
        if (w[j] == p.words[k]) {
          ++k;
          ++j;
        } else if (k > 0 && (determiner(w[j]) || w[j] == "it" || w[j] == "them")) {
          ++j;
        } else {
          break;
        }
      }
      if (k == p.words.size()) all.push_back({p.label, i, j});
    }
  }
  // Longest first (then earliest); keep those that overlap nothing kept.
  std::stable_sort(all.begin(), all.end(), [&](const Match& a, const Match& b) {
    if (weight(w, a) != weight(w, b)) return weight(w, a) > weight(w, b);
    return a.begin < b.begin;
  });
  std::vector<Match> kept;
  for (const auto& m : all) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const Match& k) {
      return m.begin < k.end && k.begin < m.end;
    });
    if (!overlaps) kept.push_back(m);
  }
  std::sort(kept.begin(), kept.end(),
            [](const Match& a, const Match& b) { return a.begin < b.begin; });
  return kept;
}

size_t Reader::weight(const Words& w, const Match& m) {
  size_t n = 0;
  for (size_t k = m.begin; k < m.end; ++k) n += !function_word(w[k]);
  return n;
}

Reader::Reader(const Catalog& catalog) {
  auto split = [](std::string_view phrase) {
    const std::string norm = text::normalize(ascii_punctuation(phrase));
    Words out;
    for (auto w : text::words(norm)) out.emplace_back(w);
    return out;
  };
  for (size_t a = 0; a < catalog.attributes.size(); ++a) {
    for (const auto& p : catalog.attributes[a].phrases) {
      for (auto& w : split(p)) vocab_.insert(w);
    }
    size_t n = 0;
    for (const auto& o : catalog.objects) n += o.values[a] != Value::kNo;
    breadth_.push_back(n);
  }
  for (const auto& o : catalog.objects) {
    for (auto& w : split(o.name)) vocab_.insert(w);
    for (const auto& s : o.synonyms) {
      for (auto& w : split(s)) vocab_.insert(w);
    }
  }
  for (const auto& w : vocab_) {
    if (w.size() >= 4 && !common_word(w)) typo_targets_.push_back(w);
  }
  std::sort(typo_targets_.begin(), typo_targets_.end());
  // Phrases are stored in canonical form so that "Has it got legs" and the phrase "leg" meet.
  auto canon = [&](Words ws) {
    for (auto& w : ws) w = canonical(w);
    return ws;
  };
  // Attribute phrases also fold number and person ("contains milk" meets "contain milk"); object
  // names do not ("glasses" must not become "glass").
  for (size_t a = 0; a < catalog.attributes.size(); ++a) {
    for (const auto& p : catalog.attributes[a].phrases) {
      Words ws = canon(split(p));
      for (auto& w : ws) w = lemma(w);
      attributes_.add(std::move(ws), static_cast<int>(a));
    }
  }
  for (size_t o = 0; o < catalog.objects.size(); ++o) {
    objects_.add(canon(split(catalog.objects[o].name)), static_cast<int>(o));
    for (const auto& s : catalog.objects[o].synonyms) {
      objects_.add(canon(split(s)), static_cast<int>(o));
    }
  }
}

std::string Reader::lemma(const std::string& w) const {
  const std::string s = singular(w);
  return s != w && vocab_.contains(s) ? s : w;
}

std::string Reader::canonical(const std::string& w) const {
  if (w == kBoundary || vocab_.contains(w)) return w;
  if (const auto fixed = function_word_typo(w); !fixed.empty()) return std::string(fixed);
  if (std::string s = singular(w); s != w && vocab_.contains(s)) return s;
  if (w.size() >= 3 && !common_word(w)) {
    if (vocab_.contains(w + "s")) return w + "s";
    if (vocab_.contains(w + "es")) return w + "es";
  }
  // A typo: one edit away from a catalog word (two for long words). A derivative of a catalog
  // word ("farmer", "cooking") is a word in its own right, not a typo.
  if (w.size() < 5 || common_word(w) ||
      !std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    return w;
  }
  for (const char* suffix : {"er", "ers", "ing", "ed", "ly", "ness", "est"}) {
    if (!w.ends_with(suffix)) continue;
    const std::string stem = w.substr(0, w.size() - std::string_view(suffix).size());
    if (vocab_.contains(stem) || vocab_.contains(stem + "e")) return w;
  }
  // Among the closest words, prefer one of the same length, then the longest shared prefix
  // ("wheeles" -> "wheeled" over "wheels": both are the same attribute's words anyway).
  const size_t limit = w.size() >= 7 ? 2 : 1;
  auto prefix = [&](const std::string& t) {
    size_t k = 0;
    while (k < t.size() && k < w.size() && t[k] == w[k]) ++k;
    return k;
  };
  const std::string* best = nullptr;
  size_t best_d = limit + 1;
  for (const auto& t : typo_targets_) {
    if (t.size() + limit < w.size() || w.size() + limit < t.size()) continue;
    const size_t d = text::edit_distance(w, t);
    if (d > limit || d > best_d) continue;
    const bool better = !best || d < best_d ||
                        std::make_pair(t.size() == w.size(), prefix(t)) >
                            std::make_pair(best->size() == w.size(), prefix(*best));
    if (better) {
      best = &t;
      best_d = d;
    }
  }
  return best ? std::string(1, kCorrected) + *best : w;
}

std::vector<Reader::Sentence> Reader::sentences(std::string_view raw) const {
  const std::string text = ascii_punctuation(raw);
  std::vector<Sentence> out;
  Sentence cur;
  std::string word;
  auto flush_word = [&] {
    if (!word.empty()) cur.words.push_back(canonical(word));
    word.clear();
  };
  auto boundary = [&] {
    flush_word();
    if (!cur.words.empty() && cur.words.back() != kBoundary) cur.words.push_back(kBoundary);
  };
  auto end_sentence = [&](bool question) {
    flush_word();
    while (!cur.words.empty() && cur.words.back() == kBoundary) cur.words.pop_back();
    cur.question_mark = cur.question_mark || question;
    if (!cur.words.empty())
      out.push_back(std::move(cur));
    else if (question && !out.empty())
      out.back().question_mark = true;  // "dog ?"
    cur = Sentence{};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      word += ch;
    } else if (c >= 'A' && c <= 'Z') {
      word += static_cast<char>(c - 'A' + 'a');
    } else if (ch == '?') {
      end_sentence(true);
    } else if (ch == '.' || ch == '!' || ch == '\n' || ch == ';') {
      // A dot inside a number or an abbreviation ("3.5", "e.g.") does not end a sentence.
      const bool inner = ch == '.' && i + 1 < text.size() && !word.empty() &&
                         std::isalnum(static_cast<unsigned char>(text[i + 1]));
      if (inner) {
        flush_word();
      } else {
        end_sentence(false);
      }
    } else if (ch == ',' || ch == ':' || ch == '(' || ch == ')' || ch == '"' || ch == '[' ||
               ch == ']' ||
               // a dash between spaces; "man-made" stays two words of one phrase
               (ch == '-' && (i == 0 || text[i - 1] == ' ') && i + 1 < text.size() &&
                text[i + 1] == ' ')) {
      boundary();
    } else {
      flush_word();
    }
  }
  end_sentence(false);
  for (auto& s : out) {
    // "but" opens a new clause like a comma does.
    for (auto& w : s.words) {
      if (w == "but") w = kBoundary;
    }
  }
  return out;
}

std::optional<size_t> Reader::guess_in(const Words& marked) const {
  const Words clause = unmarked(marked);
  std::optional<size_t> found;
  for (const auto& m : objects_.find(clause)) {
    // Trailing words: only fillers ("a dog, right?"); anything else makes the name part of a
    // longer description ("a dog toy", "a dog or a cat").
    bool trailing_ok = true;
    for (size_t k = m.end; k < clause.size() && trailing_ok; ++k) {
      trailing_ok = clause[k] == kBoundary || trailing_filler(clause[k]);
    }
    if (!trailing_ok) continue;
    // Leading words: a guess cue after dropping articles, adverbs and boundaries.
    Words p;
    for (size_t k = 0; k < m.begin; ++k) {
      if (clause[k] != kBoundary) p.push_back(clause[k]);
    }
    while (!p.empty() && (article(p.back()) ||
                          in(p.back(), {"your", "my", "maybe", "perhaps", "possibly", "actually",
                                        "probably", "just", "really", "then", "definitely",
                                        "surely", "obviously", "simply", "still", "so"}))) {
      p.pop_back();
    }
    // A name that is also a colour ("is it orange?") names the object only with an article.
    const bool bare = m.begin == 0 || !determiner(clause[m.begin - 1]);
    if (bare && !p.empty() && m.end == m.begin + 1 && colour_word(clause[m.begin])) continue;
    const size_t tail = std::min<size_t>(p.size(), 4);
    if (std::any_of(p.end() - static_cast<ptrdiff_t>(tail), p.end(),
                    [](const std::string& w) { return negator(w); })) {
      continue;  // "so it's not a dog"
    }
    while (!p.empty() && opener(p.front()) && !guess_cue(p)) p.erase(p.begin());
    if (!guess_cue(p)) continue;
    if (found && *found != static_cast<size_t>(m.label)) return std::nullopt;  // two objects
    found = static_cast<size_t>(m.label);
  }
  return found;
}

std::optional<size_t> Reader::attribute_in(const Words& words) const {
  Words clause = unmarked(words);
  for (auto& w : clause) w = lemma(w);
  std::vector<Match> matches = attributes_.find(clause);
  auto from_typo = [&](const Match& m) {
    for (size_t k = m.begin; k < m.end; ++k) {
      if (corrected(words[k])) return true;
    }
    return false;
  };
  if (!std::all_of(matches.begin(), matches.end(), from_typo)) std::erase_if(matches, from_typo);
  // Drop what a contrast rules out, up to the next boundary.
  std::vector<bool> contrasted(clause.size(), false);
  for (size_t i = 0; i < clause.size(); ++i) {
    if (const size_t len = contrast_at(clause, i)) {
      for (size_t k = i + len; k < clause.size() && clause[k] != kBoundary; ++k)
        contrasted[k] = true;
    }
  }
  std::erase_if(matches, [&](const Match& m) { return contrasted[m.begin]; });
  if (matches.empty()) return std::nullopt;

  // The head noun: the last word of the first noun phrase after an article.
  std::optional<size_t> head;
  size_t np_begin = 0, np_end = clause.size();
  bool post_modifier = false;
  for (size_t i = 0; i < clause.size(); ++i) {
    // The noun phrase starts after an article, or right after "is it" / "it's" / "is this".
    const bool copula =
        i >= 2 && ((clause[i - 2] == "is" && in(clause[i - 1], {"it", "this", "that"})) ||
                   (clause[i - 2] == "it" && in(clause[i - 1], {"s", "is"})));
    if (!article(clause[i]) && !copula) continue;
    if (copula && !article(clause[i])) --i;  // the phrase starts at clause[i]
    size_t k = i + 1;
    while (k < clause.size() && clause[k] != kBoundary && !np_stop(clause[k])) ++k;
    if (k > i + 1) {
      head = k - 1;
      np_begin = i + 1;
      np_end = k;
      post_modifier = k < clause.size() && clause[k] != kBoundary &&
                      !in(clause[k], {"or", "and", "than", "like", "as"});
    }
    break;
  }
  // The longest phrase; between equally long ones the narrower notion ("would you eat it for
  // dessert" asks about dessert, not about being edible), then the earlier.
  auto longest = [&](const std::vector<Match>& ms) -> std::optional<size_t> {
    const Match* best = nullptr;
    for (const auto& m : ms) {
      const size_t len = weight(clause, m), best_len = best ? weight(clause, *best) : 0;
      if (!best || len > best_len ||
          (len == best_len &&
           breadth_[static_cast<size_t>(m.label)] < breadth_[static_cast<size_t>(best->label)])) {
        best = &m;
      }
    }
    return best ? std::optional<size_t>(static_cast<size_t>(best->label)) : std::nullopt;
  };
  if (head) {
    std::vector<Match> covering, after;
    for (const auto& m : matches) {
      if (m.begin <= *head && *head < m.end) covering.push_back(m);
      if (post_modifier && m.begin >= np_end) after.push_back(m);
    }
    // "an animal that lives in water" asks about the water; "a household pet" about the pet.
    if (!after.empty() &&
        (covering.empty() || generic_head(clause[*head]) || covering.front().end <= np_end)) {
      return longest(after);
    }
    // "a sweet taste", "a red colour": the noun names the property, the adjective its value.
    if (property_noun(clause[*head])) {
      std::vector<Match> before;
      for (const auto& m : matches) {
        if (m.begin >= np_begin && m.end <= *head) before.push_back(m);
      }
      if (!before.empty()) return longest(before);
    }
    if (!covering.empty()) return longest(covering);
  }
  return longest(matches);
}

Reading Reader::read_sentence(const Sentence& s, bool* asking) const {
  const Words& w = s.words;
  // Chunks between boundaries; the asking part starts at the last chunk that opens like a
  // question and still has something to ask about.
  std::vector<size_t> starts = {0};
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == kBoundary) starts.push_back(i + 1);
  }
  auto first_word = [&](size_t from) {
    size_t k = from;
    while (k < w.size() && w[k] != kBoundary && opener(w[k]) && !starter(w[k])) ++k;
    return k;
  };
  auto opens_question = [&](size_t from) {
    const size_t k = first_word(from);
    if (k >= w.size() || w[k] == kBoundary) return false;
    if (starter(w[k])) return true;
    // "i wonder if …", "i'd like to know …", "can you tell me …"
    for (size_t j = from; j + 1 < w.size() && w[j] != kBoundary; ++j) {
      if ((w[j] == "wonder" || w[j] == "wondering" || w[j] == "know") &&
          in(w[j + 1], {"if", "whether"})) {
        return true;
      }
    }
    return false;
  };
  auto slice = [&](size_t from, size_t to) {
    return Words(w.begin() + static_cast<ptrdiff_t>(from), w.begin() + static_cast<ptrdiff_t>(to));
  };
  *asking = s.question_mark;
  for (size_t c = 0; c < starts.size(); ++c) *asking = *asking || opens_question(starts[c]);

  Reading r;
  for (size_t c = starts.size(); c-- > 0;) {
    if (!opens_question(starts[c])) continue;
    const Words clause = slice(starts[c], w.size());
    if (auto g = guess_in(clause)) {
      r.kind = Reading::Kind::kGuess;
      r.index = *g;
    } else if (auto a = attribute_in(clause)) {
      r.kind = Reading::Kind::kAsk;
      r.index = *a;
    } else {
      continue;
    }
    for (const auto& x : clause) r.clause += (r.clause.empty() ? "" : " ") + x;
    return r;
  }
  // No chunk opens like a question: read the sentence without its recap chunks.
  Words clause;
  for (size_t c = 0; c < starts.size(); ++c) {
    const size_t end = c + 1 < starts.size() ? starts[c + 1] - 1 : w.size();
    const size_t k = first_word(starts[c]);
    const bool last = c + 1 == starts.size();
    if (recap_start(w, k) && !(last && s.question_mark) && !guess_in(slice(starts[c], end)))
      continue;
    const Words part = slice(starts[c], end);
    if (!clause.empty()) clause.push_back(kBoundary);
    clause.insert(clause.end(), part.begin(), part.end());
  }
  if (auto g = guess_in(clause)) {
    r.kind = Reading::Kind::kGuess;
    r.index = *g;
  } else if (auto a = attribute_in(clause)) {
    r.kind = Reading::Kind::kAsk;
    r.index = *a;
  }
  for (const auto& x : clause) r.clause += (r.clause.empty() ? "" : " ") + x;
  return r;
}

Reading Reader::read(std::string_view text) const {
  const auto ss = sentences(text);
  // The last sentence that asks and has something to ask about; else the last guess; else the
  // last sentence with any reading that is not a bare recap.
  std::vector<Reading> readings(ss.size());
  std::vector<bool> asking(ss.size());
  bool any_asking = false;
  for (size_t i = 0; i < ss.size(); ++i) {
    bool a = false;
    readings[i] = read_sentence(ss[i], &a);
    asking[i] = a;
    any_asking = any_asking || a;
  }
  for (size_t i = ss.size(); i-- > 0;) {
    if (asking[i] && readings[i].kind != Reading::Kind::kNothing) return readings[i];
  }
  for (size_t i = ss.size(); i-- > 0;) {
    if (readings[i].kind == Reading::Kind::kGuess) return readings[i];
  }
  for (size_t i = ss.size(); i-- > 0;) {
    // A sentence that does not open like a statement ("four legs", "wheels") asks tersely.
    const auto& w = ss[i].words;
    size_t k = 0;
    while (k < w.size() && opener(w[k]) && !starter(w[k])) ++k;
    if (readings[i].kind != Reading::Kind::kNothing && !recap_start(w, k)) return readings[i];
  }
  Reading r;
  if (any_asking) r.kind = Reading::Kind::kUnknownQuestion;
  if (!ss.empty()) {
    for (const auto& x : ss.back().words) r.clause += (r.clause.empty() ? "" : " ") + x;
  }
  return r;
}

std::string statement(std::string_view question, bool yes) {
  std::string q(question);
  while (!q.empty() && (q.back() == '?' || q.back() == ' ')) q.pop_back();
  const size_t sp1 = q.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? std::string::npos : q.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return yes ? "yes to \"" + q + "?\"" : "no to \"" + q + "?\"";
  std::string aux = q.substr(0, sp1), subject = q.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string rest = q.substr(sp2 + 1);
  for (auto& c : aux) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (subject != "it" && subject != "you" && subject != "they") {
    return yes ? "yes to \"" + q + "?\"" : "no to \"" + q + "?\"";
  }
  if (aux == "does" || aux == "do") {
    if (!yes) return subject + " " + aux + " not " + rest;
    if (aux == "do") return subject + " " + rest;
    // Third person of the verb: have -> has, go -> goes, carry -> carries, need -> needs; an
    // adverb before it stays ("it usually comes in pairs").
    std::string adverb;
    for (const char* a : {"usually ", "often ", "always ", "normally ", "typically ", "really ",
                          "still ", "also ", "ever "}) {
      if (rest.starts_with(a)) {
        adverb = a;
        rest = rest.substr(adverb.size());
        break;
      }
    }
    const size_t sp = rest.find(' ');
    std::string verb = rest.substr(0, sp);
    const std::string tail = sp == std::string::npos ? "" : rest.substr(sp);
    if (verb == "have") {
      verb = "has";
    } else if (verb.ends_with("s") || verb.ends_with("sh") || verb.ends_with("ch") ||
               verb.ends_with("x") || verb.ends_with("z") || verb.ends_with("o")) {
      verb += "es";
    } else if (verb.size() > 1 && verb.back() == 'y' &&
               std::string_view("aeiou").find(verb[verb.size() - 2]) == std::string_view::npos) {
      verb = verb.substr(0, verb.size() - 1) + "ies";
    } else {
      verb += "s";
    }
    return subject + " " + adverb + verb + tail;
  }
  if (aux == "can") return subject + (yes ? " can " : " cannot ") + rest;
  return subject + " " + aux + (yes ? " " : " not ") + rest;
}

}  // namespace collab::tasks::twenty_questions
