// doc_edit-v1's reader. A message is read as the document's owner would read it:
//  1. the user's own document rewritten (the chatter around it cut, markdown read as formatting,
//     and most of its words the document's own) -> a draft;
//  2. otherwise, sentence by sentence: a question (a '?', a question word, a request such as "let
//     me know"), an announced assumption ("I'll keep it brief", "going with bullets unless…"), or
//     a statement. In each, the words people use for an aspect count towards it (a strong cue
//     such as "tone" or "who will read" twice as much as a weak one such as "feel"), except in
//     what the sentence gives as context ("since it's for the whole team, …") or as its reason
//     ("…, so I can pitch the tone right");
//  3. one aspect asked, or one value announced -> ask / assume; two aspects -> several (the user
//     asks which first); a goodbye that asks nothing -> finish; anything else -> nothing.
#include "tasks/doc_edit/understand.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "env/text.h"
#include "tasks/doc_edit/task.h"

namespace collab::tasks::doc_edit {
namespace {

// ---- Words ---------------------------------------------------------------------------------------

// Typographic punctuation to ASCII; other non-ASCII (emoji, symbols) to a space.
std::string fold(std::string_view s) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"\xE2\x80\x99", "'"},  {"\xE2\x80\x98", "'"}, {"\xE2\x80\x9C", "\""}, {"\xE2\x80\x9D", "\""},
      {"\xE2\x80\x94", " - "}, {"\xE2\x80\x93", " - "}, {"\xE2\x80\xA6", "..."}, {"\xC2\xA0", " "},
      {"\xE2\x80\xA2", "-"},  {"\xC2\xB7", "-"},     {"\xE2\x96\xAA", "-"},  {"\xE2\x80\xAF", " "},
      {"\xC3\xA9", "e"},      {"\xC3\xA8", "e"},     {"\xC3\xA1", "a"},      {"\xC3\xB1", "n"}};
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(s[i++]);
      continue;
    }
    bool mapped = false;
    for (const auto& [from, to] : kMap) {
      if (s.substr(i, from.size()) == from) {
        out.append(to);
        i += from.size();
        mapped = true;
        break;
      }
    }
    if (mapped) continue;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    out.push_back(' ');
    i += std::min(len, s.size() - i);
  }
  return out;
}

// Chat spellings and British forms, as the lexicon writes them.
const std::unordered_map<std::string_view, std::string_view>& canonical() {
  static const std::unordered_map<std::string_view, std::string_view> kWords = {
      {"u", "you"},           {"ur", "your"},          {"pls", "please"},
      {"plz", "please"},      {"wanna", "want to"},    {"gonna", "going to"},
      {"im", "i m"},          {"ill", "i ll"},         {"ive", "i ve"},
      {"id", "i d"},          {"dont", "don t"},       {"whats", "what s"},
      {"whos", "who s"},      {"thats", "that s"},     {"lets", "let s"},
      {"ppl", "people"},      {"abt", "about"},        {"tbh", ""},
      {"btw", ""},            {"pref", "preference"},  {"prefs", "preferences"},
      {"colour", "color"},    {"colours", "colors"},   {"humour", "humor"},
      {"humourous", "humorous"}, {"emphasise", "emphasize"}, {"summarise", "summarize"},
      {"organise", "organize"}, {"favour", "favor"},   {"tldr", "summary"},
      {"wd", "would"},        {"shd", "should"},       {"cld", "could"},
      {"r", "are"},           {"y", "why"},            {"b4", "before"},
      {"thx", "thanks"},      {"ty", "thanks"},        {"k", "ok"},
      {"okay", "ok"},         {"yeah", "yes"},         {"yep", "yes"},
      {"title's", "title s"}, {"hed", "headline"},     {"subhead", "subheading"},
      {"subheads", "subheadings"}, {"fmt", "format"},  {"len", "length"},
      {"pg", "page"},         {"pgs", "pages"},        {"info", "information"}};
  return kWords;
}

struct Sentence {
  std::vector<std::string> w;  // words; "," marks a clause boundary (comma, dash, bracket)
  bool question = false;       // ends with '?'
};

std::vector<Sentence> sentences(std::string_view raw) {
  const std::string s = fold(raw);
  std::vector<Sentence> out(1);
  std::string word;
  const auto flush_word = [&] {
    if (word.empty()) return;
    const auto& c = canonical();
    if (const auto it = c.find(word); it != c.end()) {
      std::string_view v = it->second;
      size_t a = 0;
      while (a < v.size()) {
        size_t b = v.find(' ', a);
        if (b == std::string_view::npos) b = v.size();
        if (b > a) out.back().w.emplace_back(v.substr(a, b - a));
        a = b + 1;
      }
    } else {
      out.back().w.push_back(word);
    }
    word.clear();
  };
  const auto end_sentence = [&](bool q) {
    flush_word();
    if (q) out.back().question = true;
    if (!out.back().w.empty()) out.emplace_back();
  };
  bool quoted = false;  // inside "…": its ! ? . do not end the sentence
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') quoted = !quoted;
    if (c == '\n') quoted = false;
    if (quoted && (c == '!' || c == '?' || c == '.')) {
      flush_word();
      continue;
    }
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (c == '\'' && !word.empty() && i + 1 < s.size() &&
               std::isalpha(static_cast<unsigned char>(s[i + 1]))) {
      flush_word();  // "i'll" -> "i", "ll"
    } else if (c == ';' && !word.empty() && i + 1 < s.size() &&
               std::isalpha(static_cast<unsigned char>(s[i + 1]))) {
      continue;  // "TL;DR"
    } else if (c == '?') {
      end_sentence(true);
    } else if (c == '!' || c == ';' || c == '\n' || c == ':') {
      end_sentence(false);
    } else if (c == '.') {
      // "4.5" and "e.g." stay inside the sentence.
      const bool inside = i + 1 < s.size() && std::isalnum(static_cast<unsigned char>(s[i + 1]));
      if (inside) {
        flush_word();
      } else {
        end_sentence(false);
      }
    } else if (c == '+' || c == '&') {
      flush_word();
      out.back().w.emplace_back("and");
    } else if (c == ',' || c == '(' || c == ')' || (c == '-' && (i + 1 >= s.size() || s[i + 1] == ' ') && word.empty())) {
      flush_word();
      if (!out.back().w.empty() && out.back().w.back() != ",") out.back().w.push_back(",");
    } else {
      flush_word();
    }
  }
  end_sentence(false);
  out.pop_back();  // the empty one after the last
  for (auto& x : out) {
    while (!x.w.empty() && x.w.back() == ",") x.w.pop_back();
    while (!x.w.empty() && x.w.front() == ",") x.w.erase(x.w.begin());
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Sentence& x) { return x.w.empty(); }),
            out.end());
  return out;
}

bool at(const std::vector<std::string>& w, size_t i, std::initializer_list<std::string_view> ph) {
  if (i + ph.size() > w.size()) return false;
  size_t k = i;
  for (std::string_view p : ph) {
    if (w[k++] != p) return false;
  }
  return true;
}

// A phrase (space-separated words) anywhere in `w`, as whole words.
std::optional<size_t> find(const std::vector<std::string>& w, std::string_view phrase,
                           size_t from = 0) {
  std::vector<std::string_view> p;
  for (size_t a = 0; a < phrase.size();) {
    size_t b = phrase.find(' ', a);
    if (b == std::string_view::npos) b = phrase.size();
    p.push_back(phrase.substr(a, b - a));
    a = b + 1;
  }
  for (size_t i = from; i + p.size() <= w.size(); ++i) {
    size_t k = 0;
    while (k < p.size() && w[i + k] == p[k]) ++k;
    if (k == p.size()) return i;
  }
  return std::nullopt;
}

bool contains(const std::vector<std::string>& w, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return find(w, p).has_value(); });
}

// ---- The lexicon of aspects ----------------------------------------------------------------------

struct Cue {
  int dim;
  int weight;  // 3 names the aspect, 2 names one of its values, 1 is often about it
  int value;   // the value it names (-1: none; kOutside: on the dimension, but none of its values)
};
constexpr int kNoValue = -1;
constexpr int kOutside = -2;

// "phrase" -> cue. Written with the canonical spellings above; the longest phrase wins.
const std::map<std::string, Cue, std::less<>>& lexicon() {
  static const auto* lex = [] {
    auto* m = new std::map<std::string, Cue, std::less<>>();
    const auto add = [&](int dim, int weight, int value, std::initializer_list<const char*> ps) {
      // A phrase that names the aspect itself ("tone", "who will read") weighs most.
      const int w = value == kNoValue && weight == 2 ? 3 : weight;
      for (const char* p : ps) (*m)[p] = Cue{dim, w, value};
    };
    // Tone.
    add(kTone, 2, kNoValue,
        {"tone", "tones", "voice", "register", "should it sound", "should this sound", "how should it sound",
         "urgent", "urgency", "formality", "how formal", "how casual",
         "level of formality", "vibe", "writing style", "style of writing", "sound like",
         "come across", "come off", "mood", "feel to it", "personality", "energy"});
    add(kTone, 1, kNoValue, {"sound", "sounds", "feel", "style", "serious", "stiff", "polite", "personal",
                             "human", "punchy", "snappy"});
    add(kTone, 2, 0,
        {"formal", "formally", "professional", "businesslike", "business like", "polished",
         "corporate", "buttoned up", "more formal", "official", "serious tone", "professionally"});
    add(kTone, 2, 1,
        {"casual", "casually", "informal", "relaxed", "friendly", "conversational", "chatty",
         "laid back", "light", "lighter", "warm", "warmer", "warmly", "sober", "light hearted", "lighthearted", "easygoing", "easy going",
         "playful", "breezy", "down to earth", "less formal", "more casual"});
    add(kTone, 2, 2,
        {"enthusiastic", "excited", "exciting", "upbeat", "energetic", "peppy", "enthusiasm",
         "excitement", "hype", "hyped", "bubbly", "exclamation", "exclamation marks",
         "exclamation points", "high energy", "more energy", "lively"});
    add(kTone, 2, kOutside, {"humorous", "humor", "funny", "witty", "jokes", "joke", "quirky", "sarcastic"});
    // Length.
    add(kLength, 2, kNoValue,
        {"length", "how long", "word count", "word limit", "words long", "pages", "page count",
         "how much detail", "level of detail", "how many words", "how short", "how brief",
         "how lengthy", "longer or shorter", "shorter or longer", "size", "lengthy", "wordy",
         "condense", "cut down", "trim", "trimmed", "shorten", "shortened", "tighten",
         "tightened", "expand", "expanded", "pare", "pared", "cut it down", "word"});
    add(kLength, 1, kNoValue, {"words", "sentences", "detail", "details", "long", "cut", "lines",
                               "paragraph count"});
    add(kLength, 2, 0,
        {"short", "shorter", "brief", "briefer", "concise", "succinct", "essentials", "just the essentials",
         "bare bones", "a few lines", "a few sentences", "couple of lines", "couple of sentences",
         "tight", "compact", "short and sweet", "to the point", "single paragraph",
         "single paragraph", "a paragraph", "minimal", "trim it right down", "keep it brief"});
    add(kLength, 2, 1, {"medium", "moderate", "middling", "medium length", "mid length", "in between",
                        "halfway", "somewhere in the middle", "middle ground", "about half", "half", "roughly half"});
    add(kLength, 2, 2,
        {"longer", "detailed", "comprehensive", "thorough", "in depth", "full length", "full version",
         "keep everything", "all the details", "every detail", "expanded", "fuller", "more detail", "all the detail", "expand it", "richer",
         "keep all the details", "nothing cut", "full detail", "extensive"});
    add(kLength, 2, kOutside,
        {"one pager", "one page", "a page", "single page", "two pages", "a couple of paragraphs",
         "a few paragraphs", "two paragraphs", "three paragraphs", "half a page", "half page",
         "a page or two", "paragraph or two", "a paragraph or two"});
    // Audience.
    add(kAudience, 2, kNoValue,
        {"audience", "audiences", "readership", "reader", "readers", "who will read", "who ll read",
         "who is reading", "who s reading", "who is it for", "who s it for", "who it s for",
         "who is this for", "who s this for", "who this is for", "who it is for", "who are the readers",
         "intended for", "aimed at", "target audience", "target readers", "target reader", "who s going to read", "who is going to read",
         "who will be reading", "who ll be reading", "read by", "who reads", "who is it going to",
         "who s it going to", "going out to", "sent to", "sending it to", "familiar",
         "background", "prior knowledge", "how technical", "technical level", "level of expertise",
         "expertise", "knowledge level", "how much they know", "written for", "pitch it",
         "pitched", "for whom", "recipients", "recipient", "who receives", "who gets", "who s getting",
         "people reading", "demographic", "who s the", "who is the", "who are the", "who s it",
         "who is it", "who s this", "who is this", "who will", "who ll", "who would", "who d",
         "who are they", "target user", "target users", "who", "whom"});
    // The people a text may be for: on the aspect, but none of its values.
    add(kAudience, 2, kOutside,
        {"manager", "managers", "boss", "leadership", "executives", "whole team", "the team",
         "all staff", "everyone", "customers", "clients", "client", "parents", "public",
         "colleagues", "coworkers", "co workers", "staff", "employees", "subscribers", "users",
         "whole company", "the company", "department", "design team", "buyers", "residents",
         "user", "visitors", "guests", "shoppers", "members", "volunteers", "neighbours",
         "neighbors", "families", "kids", "children", "teenagers", "seniors", "retirees"});
    add(kAudience, 1, kNoValue, {"read", "reading", "know", "level", "jargon", "explain", "terms",
                                 "accessible", "team", "group"});
    add(kAudience, 2, 0,
        {"beginner", "beginners", "newcomers", "newcomer", "novice", "novices", "non technical",
         "nontechnical", "general public", "laypeople", "layperson", "lay readers", "lay audience",
         "first timers", "first time", "newbies", "newbie", "new to", "no jargon", "without jargon",
         "avoid jargon", "jargon free", "plain english", "plain language", "plain terms",
         "simple terms", "everyday language", "explain things", "no background", "starting out",
         "have never", "never used", "never done", "no experience", "new to this", "ordinary people",
         "just starting", "students", "junior", "juniors", "non experts", "non specialists", "beginner friendly"});
    add(kAudience, 2, 1,
        {"expert", "experts", "specialists", "specialist", "technical readers", "technical audience",
         "engineers", "developers", "professionals", "practitioners", "seasoned", "experienced",
         "advanced", "insiders", "know the jargon", "keep the jargon", "jargon heavy", "technical terms",
         "pros", "power users", "already know", "senior", "seniors", "experienced readers", "technical", "tinkerers",
         "enthusiasts"});
    // Structure.
    add(kStructure, 2, kNoValue,
        {"structure", "structured", "format", "formatted", "formatting", "layout", "laid out",
         "headings", "subheadings", "section headings", "section headers", "sections", "section",
         "an intro", "an introduction", "a conclusion", "intro and conclusion", "table", "summary at the top",
         "summary", "tl dr", "order of", "reorder", "organized", "organize", "organization", "broken up",
         "break it up", "skimmable", "scannable", "numbered", "how it s laid out", "shape", "lay it out", "lay out",
         "one block", "pulled out", "broken into"});
    add(kStructure, 1, kNoValue, {"list", "lists", "order", "top", "present", "presented", "intro",
                                "introduction", "conclusion", "body"});
    add(kStructure, 2, 0,
        {"paragraphs", "prose", "flowing", "flowing text", "flowing prose", "running text",
         "no bullets", "without bullets", "not bullets", "no bullet points", "without bullet points",
         "no list", "as prose", "full sentences", "paragraph", "a paragraph", "the paragraph", "paragraph form", "block of text", "narrative"});
    add(kStructure, 2, 1,
        {"bullets", "bullet", "bulleted", "bullet points", "bullet point", "bullet list",
         "bulleted list", "a list", "numbered list", "checklist", "list format", "as a list",
         "point form", "dot points", "listicle", "steps", "step by step", "numbered steps"});
    // Points.
    add(kPoints, 2, kNoValue,
        {"include", "included", "including", "mention", "mentioned", "mentions", "must", "must have",
         "must haves", "cover", "covered", "leave out", "left out", "omit", "omitted", "emphasize",
         "highlight", "highlighted", "essential", "key points", "main points", "talking points",
         "key point", "main point", "key message", "main message", "key facts", "facts", "topics",
         "topic", "non negotiable", "non negotiables", "has to be in", "have to be in", "needs to be in",
         "need to be in", "should be in", "drop", "remove", "cut out", "take out",
         "left in", "leave in", "stay in", "focus on", "point", "points", "anything specific",
         "particular detail", "specific detail", "specific details", "crucial", "important",
         "stress", "call out", "front and center", "priority", "priorities", "miss out", "don t forget",
         "forget", "skip", "missing", "part about", "bit about", "section about", "the bit",
         "the part", "detail about", "details about", "the detail about", "info about",
         "information about", "line about", "sentence about"});
    add(kPoints, 2, 0,
        {"nothing in particular", "nothing specific", "nothing extra", "no particular point",
         "no extra points", "no extra point", "nothing special", "no must haves", "nothing else",
         "no specific point", "no specific points", "nothing that has to be in", "no must have",
         "no must have detail"});
    // Title.
    add(kTitle, 2, kNoValue,
        {"title", "titles", "titled", "headline", "headlines", "heading", "header", "subject line",
         "subject", "call it", "name it", "called", "caption", "title line", "banner", "what to call",
         "named", "to call", "call the", "call this"});
    add(kTitle, 2, 0, {"plain title", "descriptive title", "simple title", "straightforward title",
                       "plain headline", "descriptive headline", "simple headline", "plain heading",
                       "descriptive heading", "straightforward headline"});
    add(kTitle, 2, 1,
        {"catchy", "catchier", "eye catching", "clever title", "punchy title", "snappy title",
         "catchy title", "fun title", "creative title", "punchy headline", "snappy headline",
         "clever headline", "catchy headline", "attention grabbing", "fun headline", "witty title"});
    add(kTitle, 2, 2,
        {"no title", "without a title", "without title", "untitled", "no headline", "no heading",
         "skip the title", "drop the title", "leave off the title", "leave the title off",
         "without a headline", "no need for a title", "title free", "skip the headline",
         "leave out the title", "no title at all"});
    // Phrases that look like cues but ask about something else ("how long have you been running?").
    add(-1, 0, kNoValue, {"how long have", "how long has", "how long did", "how long does",
                          "how long will it take", "how long it takes", "how long ago", "who was",
                          "who are you", "who did", "who made", "who wrote",
                          "anything else i should know", "sounds like", "sounds good", "sounds great",
                          "sound good", "sound ok", "that sounds", "feel free", "i feel", "feel like"});
    return m;
  }();
  return *lex;
}

// The longest lexicon phrase starting at w[i] (up to 6 words).
std::optional<std::pair<Cue, size_t>> cue_at(const std::vector<std::string>& w, size_t i) {
  const auto& lex = lexicon();
  std::string phrase;
  std::optional<std::pair<Cue, size_t>> best;
  for (size_t n = 1; n <= 6 && i + n <= w.size(); ++n) {
    if (w[i + n - 1] == ",") break;
    if (n > 1) phrase.push_back(' ');
    phrase.append(w[i + n - 1]);
    if (const auto it = lex.find(phrase); it != lex.end()) best = {{it->second}, n};
  }
  return best;
}

// A word close to a lexicon word (one edit, or an adjacent swap; two edits from 8 letters) is
// that word ("audiance", "fromal", "lenght"); words the lexicon has are kept.
std::string corrected(const std::string& w) {
  if (w.size() < 5) return w;
  static const std::vector<std::string>* vocab = [] {
    auto* v = new std::vector<std::string>();
    std::set<std::string> seen;
    for (const auto& [p, c] : lexicon()) {
      if (p.find(' ') == std::string::npos && p.size() >= 5 && seen.insert(p).second) v->push_back(p);
    }
    return v;
  }();
  static const std::set<std::string, std::less<>> kKeep = {
      "round", "found", "sense", "thing", "there", "these", "those", "where", "which", "while",
      "about", "could", "would", "should", "their", "other", "heard", "great", "first", "point",
      "write", "wrote", "words", "works", "worst", "topic", "those", "prefer", "people", "please",
      "really", "before", "little", "titled", "better", "letter", "latter", "matter", "longer",
      "longest", "shortest", "reading", "leading", "heading", "reader", "header", "format", "formal",
      "normal", "lists", "least", "last", "start", "style", "still", "bullet", "ballet", "though",
      "through", "thought", "brief", "belief", "detail", "retail", "mention", "motion", "section",
      "action", "include", "conclude", "include", "called", "cancel", "casual", "causal", "visual"};
  if (lexicon().count(w) || kKeep.count(w)) return w;
  const auto swapped = [](const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    size_t i = 0;
    while (i < a.size() && a[i] == b[i]) ++i;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);
  };
  const std::string* best = nullptr;
  int found = 0;
  for (const auto& v : *vocab) {
    const size_t d = text::edit_distance(w, v);
    // Typos drop, double or swap letters; a changed letter is read as a typo only in long words
    // ("audiance"), since short ones are usually other words ("lovely", not "lively").
    const bool indel = w.size() != v.size();
    const bool plural = w + "s" == v || v + "s" == w;
    if (plural) continue;
    const auto vowel_swap = [&] {
      if (indel || d != 1) return false;
      static const std::string_view kVowels = "aeiouy";
      for (size_t k = 0; k < w.size(); ++k) {
        if (w[k] != v[k]) return kVowels.find(w[k]) != kVowels.npos && kVowels.find(v[k]) != kVowels.npos;
      }
      return false;
    };
    if ((d == 1 && indel && w.size() >= 6) || swapped(w, v) || (w.size() >= 8 && vowel_swap()) ||
        (d == 2 && indel && w.size() >= 9 && v.size() >= 9)) {
      best = &v;
      ++found;
    }
  }
  return found == 1 ? *best : w;
}

// The document's point names and the everyday words for them.
std::vector<std::pair<std::vector<std::string>, int>> point_phrases(const Document& doc) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kSynonyms = {
      {"pricing", {"price", "prices", "priced", "cost", "costs", "how much it costs", "the price"}},
      {"costs", {"cost", "price", "prices", "budget", "money", "expenses", "expense", "spending",
                 "how much it cost", "savings"}},
      {"colors", {"color", "colorways", "color options"}},
      {"warranty", {"guarantee", "warranties"}},
      {"security", {"secure", "safety", "safe"}},
      {"safety", {"safe", "safely", "security"}},
      {"the deadline", {"deadline", "due date", "cutoff", "cut off", "deadlines", "closing date"}},
      {"deadline", {"due date", "cutoff", "cut off", "deadlines", "closing date", "by when"}},
      {"late fee", {"late fees", "late payment", "penalty", "fee", "fees", "late charge"}},
      {"status page", {"status", "status updates"}},
      {"transport", {"transportation", "travel", "getting there", "lift", "lifts", "ride", "bus"}},
      {"mistakes", {"mistake", "pitfalls", "errors", "common mistakes"}},
      {"battery", {"batteries", "storage", "home battery"}},
      {"conflicts", {"conflict", "merge conflicts", "merge conflict"}},
      {"shoes", {"shoe", "trainers", "sneakers", "footwear", "running shoes"}},
      {"encryption", {"encrypt", "encrypted", "encrypting"}},
      {"tickets", {"ticket", "ticketing"}},
      {"mentor", {"mentoring", "buddy", "mentorship"}},
      {"dishwasher", {"dishwasher safe", "dishwashers"}},
      {"timing", {"timings", "schedule", "what time"}},
      {"undo", {"undoing", "ctrl z"}},
      {"parking", {"park", "car park", "parking spaces", "where to park"}},
      {"bags", {"bag", "shopping bags", "own bags"}},
      {"contact", {"contact details", "contact information", "reach", "reachable", "phone number"}},
      {"praise", {"compliments", "positive feedback", "praising"}},
      {"weather", {"rain", "forecast"}},
      {"extra boxes", {"boxes", "box", "extra box"}},
      {"discount", {"discount code", "discounts", "promo", "promo code", "coupon"}},
      {"opening offer", {"offer", "opening deal", "deal", "free coffee", "promotion"}},
      {"dogs", {"dog", "dog friendly", "pets", "pet"}},
      {"food", {"snacks", "refreshments", "eating", "dining", "restaurants"}},
      {"new members", {"new member", "newcomers welcome", "joining"}},
      {"helpers", {"helper", "volunteers", "volunteer", "helping out"}},
      {"lunch", {"lunches", "food"}},
      {"children", {"kids", "child", "families", "family"}},
      {"reporting", {"report", "reporting it", "how to report"}},
  };
  std::vector<std::pair<std::vector<std::string>, int>> out;
  const auto add = [&](std::string_view phrase, int value) {
    std::vector<std::string> w;
    for (const auto& s : sentences(phrase)) w.insert(w.end(), s.w.begin(), s.w.end());
    if (!w.empty()) out.emplace_back(std::move(w), value);
  };
  for (size_t p = 0; p < doc.points.size(); ++p) {
    const int value = static_cast<int>(p) + 1;
    std::string name = text::normalize(doc.points[p]);
    if (name == "colours") name = "colors";
    add(name, value);
    if (name.rfind("the ", 0) == 0) add(name.substr(4), value);
    if (const auto it = kSynonyms.find(name); it != kSynonyms.end()) {
      for (const auto& s : it->second) add(s, value);
    }
  }
  return out;
}

struct Hit {
  Cue cue;
  size_t pos;
};

// The cues in w[from, to): the document's points first, then the lexicon (longest phrase first).
std::vector<Hit> hits(const Document& doc, const std::vector<std::string>& w) {
  const auto points = point_phrases(doc);
  std::vector<Hit> out;
  for (size_t i = 0; i < w.size();) {
    size_t best_len = 0;
    int best_value = 0;
    for (const auto& [ph, value] : points) {
      if (ph.size() > best_len && i + ph.size() <= w.size() &&
          std::equal(ph.begin(), ph.end(), w.begin() + static_cast<std::ptrdiff_t>(i))) {
        best_len = ph.size();
        best_value = value;
      }
    }
    // "Who is Jo?" asks about a person, not the readers.
    if (w[i] == "who" && i + 2 < w.size() && (w[i + 1] == "is" || w[i + 1] == "s" || w[i + 1] == "was")) {
      static const std::set<std::string, std::less<>> kReaders = {
          "the", "it", "this", "that", "reading", "going", "our", "your", "my", "a", "an", "likely",
          "most", "actually", "getting", "receiving", "meant", "supposed", "expected", "usually"};
      if (!kReaders.count(w[i + 2]) && best_len == 0) {
        i += 3;
        continue;
      }
    }
    const auto cue = cue_at(w, i);
    if (best_len > 0 && (!cue || cue->second <= best_len)) {
      out.push_back({Cue{kPoints, 2, best_value}, i});
      i += best_len;
    } else if (cue) {
      if (cue->first.dim >= 0) out.push_back({cue->first, i});
      i += cue->second;
    } else {
      ++i;
    }
  }
  return out;
}

// ---- Sentences: question, assumption, statement; context and reasons ----------------------------

const std::initializer_list<std::string_view> kQuestionStarts = {
    "what", "how", "who", "whom", "which", "should", "shall", "would", "do", "does", "did", "is",
    "are", "can", "could", "will", "any", "anything", "tell", "describe", "may", "might", "want",
    "need", "where", "when", "why", "whether", "or", "prefer", "thoughts", "preference", "quick"};

bool starts_as_question(const std::vector<std::string>& w) {
  size_t i = 0;
  // "So, …", "And …", "Also …", "Ok, …", "First, …": look past them.
  static const std::set<std::string, std::less<>> kLead = {
      "so", "and", "also", "ok", "first", "second", "next", "then", "finally", "lastly", "one",
      "last", "great", "thanks", "perfect", "cool", "now", "just", "oh", "hi", "hey", "sure",
      "alright", "right", "well", "hmm", "and", "but", "plus", ","};
  while (i < w.size() && i < 3 && kLead.count(w[i])) ++i;
  if (i >= w.size()) return false;
  return std::find(kQuestionStarts.begin(), kQuestionStarts.end(), w[i]) != kQuestionStarts.end();
}

bool is_request(const std::vector<std::string>& w) {
  return contains(w, {"let me know", "tell me", "could you tell", "can you tell", "i d like to know",
                      "i would like to know", "i d love to know", "wondering", "curious", "do you want",
                      "would you like", "do you have a preference", "any preference", "your preference",
                      "preference on", "preference for", "preferences on", "preferences for",
                      "thoughts on", "your call", "up to you", "help me understand", "clarify",
                      "confirm", "i need to know", "need to know", "i want to check", "checking",
                      "quick check", "just to check", "do you prefer", "you prefer", "you d prefer",
                      "would you prefer", "you want", "you d like", "you would like", "have in mind",
                      "your take", "any thoughts", "share"});
}

// An announcement of what the assistant will do ("I'll keep it brief", "going with bullets").
bool announces(const std::vector<std::string>& w) {
  if (!w.empty() && (w[0] == "going" || w[0] == "assume" || w[0] == "will")) return true;
  return contains(w, {"assume", "i ll", "i won t", "i will not", "won t", "i will", "i m going to", "i am going to", "i m gonna", "going with",
                      "go with", "let s go", "let s keep", "let s make", "let s use", "let s aim",
                      "let s assume", "let s stick", "i ll assume", "assuming", "i m assuming",
                      "i am assuming", "i ll default", "defaulting", "default to", "i plan to",
                      "my plan is", "i ll aim", "unless you", "otherwise i ll", "i d suggest",
                      "i suggest", "i d recommend", "i recommend", "i would go", "i d go", "i propose",
                      "i ll stick", "sticking with", "i ll keep", "i ll make", "i ll write", "i ll use",
                      "i ll pitch", "i ll target", "i ll treat", "i ll take", "i ll do", "i ll add",
                      "i ll include", "i ll leave", "i ll skip", "i ll drop", "i ll give", "i ll put",
                      "i ll format", "i ll structure", "i ll present", "i ll lay", "i ll cut",
                      "i ll trim", "i ll shorten", "i ll expand", "i ll mention", "working on the assumption",
                      "working assumption", "i ll presume", "i m thinking", "i think i ll",
                      "i ll opt", "opting for", "i ll settle", "we ll go", "we ll keep", "we ll use",
                      "i ll tone", "i ll lean", "leaning towards", "leaning toward", "i ll write it"});
}

// Words from the start of a context clause ("since it's for the team, …", "given that…") to the
// clause's end, and from a reason ("so I can…", "to help me…") to the sentence's end, dropped.
std::vector<std::string> main_clause(const std::vector<std::string>& w) {
  static const std::initializer_list<std::initializer_list<std::string_view>> kContext = {
      {"since"}, {"because"}, {"given"}, {"as", "it", "s"}, {"as", "this", "is"}, {"as", "it", "is"},
      {"now", "that"}, {"considering"}, {"based", "on"}, {"seeing", "as"}, {"as", "you"},
      {"if", "it", "s", "for"}, {"knowing"}, {"with", "that", "in", "mind"}};
  static const std::initializer_list<std::initializer_list<std::string_view>> kReason = {
      {"so", "i"}, {"so", "that"}, {"so", "we"}, {"so", "it"}, {"to", "help", "me"}, {"that", "ll", "help"},
      {"that", "will", "help"}, {"this", "will", "help"}, {"which", "will", "help"}, {"it", "ll", "help"},
      {"that", "way"}, {"in", "order", "to"}, {"to", "make", "sure"}, {"to", "decide"}, {"to", "tailor"},
      {"to", "pitch"}, {"to", "gauge"}, {"to", "judge"}, {"to", "figure", "out"}, {"to", "get", "the"},
      {"to", "match"}, {"to", "set", "the"}, {"to", "nail"}, {"to", "know", "how"}, {"this", "helps"},
      {"that", "helps"}, {"it", "helps"}, {"to", "pick", "the"}, {"to", "choose", "the"},
      {"to", "adjust"}, {"to", "calibrate"}, {"to", "inform"}, {"which", "affects"},
      {"that", "affects"}, {"this", "affects"}, {"it", "affects"}, {"as", "that"}, {"as", "it", "will"},
      {"before", "i"}, {"and", "then", "i"}, {"then", "i", "ll"}, {"which", "decides"},
      {"that", "decides"}, {"that", "determines"}, {"which", "determines"}, {"that", "shapes"},
      {"which", "shapes"}, {"it", "ll", "shape"}, {"it", "will", "shape"}, {"that", "ll", "shape"},
      {"that", "will", "shape"}, {"it", "ll", "affect"}, {"that", "ll", "affect"}, {"it", "will", "affect"}};
  std::vector<std::string> out;
  for (size_t i = 0; i < w.size();) {
    const bool clause_start = i == 0 || w[i - 1] == "," || w[i - 1] == "and" || w[i - 1] == "but";
    bool cut = false;
    if (clause_start) {
      for (const auto& m : kContext) {
        if (!at(w, i, m)) continue;
        size_t j = i;
        while (j < w.size() && w[j] != ",") ++j;
        if (j < w.size()) {  // up to the comma; a context clause that runs to the end is kept
          i = j + 1;
          cut = true;
        }
        break;
      }
    }
    if (cut) continue;
    if (i > 0) {
      bool reason = false;
      for (const auto& m : kReason) {
        if (at(w, i, m)) reason = true;
      }
      if (reason) break;
    }
    out.push_back(w[i++]);
  }
  return out;
}

// ---- Drafts ----------------------------------------------------------------------------------------

// Markdown read as formatting: emphasis markers and heading hashes dropped, "* " and "• " bullets
// as "- ", a "Title:" label before the title dropped.
std::string plain_markdown(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    size_t a = 0;
    while (a < line.size() && line[a] == ' ') ++a;
    if (a < line.size() && line[a] == '#') {
      while (a < line.size() && line[a] == '#') ++a;
      while (a < line.size() && line[a] == ' ') ++a;
      line = line.substr(a);
    } else if (a + 1 < line.size() && (line[a] == '*' || line[a] == '+') && line[a + 1] == ' ') {
      line = fmt::format("- {}", line.substr(a + 2));
    } else if (line.compare(a, 4, "\xE2\x80\xA2 ") == 0) {
      line = fmt::format("- {}", line.substr(a + 4));
    }
    std::string clean;
    for (size_t i = 0; i < line.size(); ++i) {
      if ((line[i] == '*' || line[i] == '_') && i + 1 < line.size() && line[i + 1] == line[i]) {
        ++i;  // ** or __
        continue;
      }
      clean.push_back(line[i]);
    }
    for (const char* label : {"Title: ", "Headline: ", "Subject: ", "Subject line: "}) {
      if (clean.rfind(label, 0) == 0) clean = clean.substr(std::string_view(label).size());
    }
    out.append(clean);
    if (end < text.size()) out.push_back('\n');
    start = end + 1;
  }
  return out;
}

// Share of the candidate's words (of 4+ letters) that the document has in some version.
double own_words(const Document& doc, const std::string& candidate) {
  std::set<std::string> vocab;
  const auto learn = [&](std::string_view s) {
    const std::string n = text::normalize(s);  // words() views into it
    for (std::string_view w : text::words(n)) {
      if (w.size() >= 4) vocab.emplace(w);
    }
  };
  learn(doc.title_plain);
  learn(doc.title_catchy);
  for (const auto& u : doc.units) {
    for (const auto& t : u.tone) learn(t);
    for (const auto& t : u.audience) learn(t);
    learn(u.bullet);
  }
  size_t total = 0, own = 0;
  const std::string n = text::normalize(candidate);
  for (std::string_view w : text::words(n)) {
    if (w.size() < 4) continue;
    ++total;
    own += vocab.count(std::string(w));
  }
  return total ? static_cast<double>(own) / static_cast<double>(total) : 0;
}

}  // namespace

namespace {

// Per aspect, the weight of its cues in `h`.
std::array<int, kDims> weights(const std::vector<Hit>& h) {
  std::array<int, kDims> out{};
  for (const Hit& x : h) out[static_cast<size_t>(x.cue.dim)] += x.cue.weight;
  return out;
}

// Words that describe a title when the sentence is about the title ("a punchy subject line"), and
// "no title" said with other words ("I won't add a title").
void title_values(const std::vector<std::string>& w, std::vector<Hit>& h) {
  const auto title = std::find_if(h.begin(), h.end(), [](const Hit& x) { return x.cue.dim == kTitle; });
  if (title == h.end()) return;
  static const std::map<std::string, int, std::less<>> kAdjectives = {
      {"catchy", 1},   {"punchy", 1},  {"snappy", 1},        {"clever", 1},   {"fun", 1},
      {"playful", 1},  {"creative", 1}, {"catchier", 1},     {"witty", 1},    {"flair", 1},
      {"bold", 1},     {"exciting", 1}, {"memorable", 1},    {"plain", 0},    {"simple", 0},
      {"straightforward", 0}, {"descriptive", 0}, {"clear", 0}, {"plainer", 0}, {"simpler", 0},
      {"factual", 0},  {"literal", 0},  {"informative", 0}, {"basic", 0}};
  int value = title->cue.value;
  for (const std::string& x : w) {
    if (const auto it = kAdjectives.find(x); it != kAdjectives.end() && value == kNoValue) value = it->second;
  }
  const size_t at = title->pos;
  for (size_t k = at >= 4 ? at - 4 : 0; k < at; ++k) {
    if (w[k] == "no" || w[k] == "without" || w[k] == "skip" || w[k] == "drop" || w[k] == "won" ||
        w[k] == "not" || w[k] == "don" || w[k] == "never" || w[k] == "lose")
      value = 2;
  }
  if (value == kNoValue) return;
  // Those words are the title's, not the tone's.
  h.erase(std::remove_if(h.begin(), h.end(),
                         [](const Hit& x) { return x.cue.dim == kTone && x.cue.weight < 3; }),
          h.end());
  for (Hit& x : h) {
    if (x.cue.dim == kTitle) x.cue.value = value;
  }
}

// A question sentence in parts: "…, and who is it for?" asks two things.
std::vector<std::vector<std::string>> parts(const std::vector<std::string>& w) {
  std::vector<std::vector<std::string>> out(1);
  for (size_t i = 0; i < w.size(); ++i) {
    const bool joint = (w[i] == "and" || w[i] == "also" || w[i] == "plus") && i + 1 < w.size() &&
                       i > 0 &&
                       std::find(kQuestionStarts.begin(), kQuestionStarts.end(), w[i + 1]) !=
                           kQuestionStarts.end() &&
                       w[i + 1] != "or" && w[i + 1] != "any";
    if (joint && !out.back().empty()) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(w[i]);
  }
  return out;
}

bool asks_instead(const std::vector<std::string>& w) {
  return contains(w, {"need to know", "want to know", "like to know", "love to know", "ask", "check", "confirm", "clarify", "question", "find out", "need to",
                      "wondering", "understand", "hear", "learn"});
}

}  // namespace

Understanding understand(const Document& doc, std::string_view text) {
  using K = Understanding::Kind;
  Understanding u;
  // 1. A draft: the user's own document, rewritten.
  const std::string plain = plain_markdown(text);
  if (auto d = extract_draft(plain); d && own_words(doc, *d) >= 0.5) {
    u.kind = K::kDraft;
    u.draft = std::move(*d);
    return u;
  }
  // 2. Sentence by sentence.
  auto ss = sentences(text);
  for (auto& s : ss) {
    for (auto& w : s.w) {
      if (w != ",") w = corrected(w);
    }
  }
  std::vector<size_t> asked;                              // aspects asked, in order
  std::map<size_t, std::pair<int, std::string>> assumed;  // aspect -> (value, words)
  std::array<int, kDims> stated{};
  bool any_question = false, finish = false;
  const auto ask = [&](size_t d) {
    if (std::find(asked.begin(), asked.end(), d) == asked.end()) asked.push_back(d);
  };
  for (const Sentence& s : ss) {
    const bool question_form = starts_as_question(s.w);
    const bool question = s.question || question_form || is_request(s.w);
    // "I'd go with a checklist, but would you rather have paragraphs?" asks.
    const bool offers_choice = s.question && contains(s.w, {"would you rather", "would you prefer",
                                                            "or would you", "or do you", "do you prefer",
                                                            "or should i", "or would", "but would",
                                                            "but do you", "but should"});
    const bool assumption = !question_form && !offers_choice && announces(s.w);
    any_question = any_question || question;
    const std::vector<std::string> main = main_clause(s.w);
    const auto read = [&](const std::vector<std::string>& w) {
      std::vector<Hit> h = hits(doc, w);
      title_values(w, h);
      return h;
    };
    std::vector<Hit> h = read(main);
    const bool main_has_cues = !h.empty();
    if (h.empty()) h = read(s.w);
    if (assumption && !(question && asks_instead(s.w))) {
      // The values announced: per aspect, the first; an aspect named with no value of its own
      // ("a poetic voice", "into a table") is a value outside its values.
      std::map<size_t, int> values;
      for (const Hit& x : h) {  // a value of the aspect's own before one outside them
        const auto d = static_cast<size_t>(x.cue.dim);
        if (x.cue.value >= 0 && !values.count(d)) values[d] = x.cue.value;
      }
      for (const Hit& x : h) {
        const auto d = static_cast<size_t>(x.cue.dim);
        if (x.cue.value == kOutside && !values.count(d)) values[d] = x.cue.value;
      }
      if (values.empty() && !asks_instead(s.w)) {
        const auto w = weights(h);
        const auto top = static_cast<size_t>(std::max_element(w.begin(), w.end()) - w.begin());
        if (w[top] >= 3) values[top] = kOutside;
      }
      for (const auto& [d, v] : values) {
        if (!assumed.count(d)) assumed[d] = {v, fmt::format("{}", fmt::join(main, " "))};
      }
      if (!values.empty()) continue;
    }
    if (!question) {
      const auto w = weights(h);
      for (size_t d = 0; d < kDims; ++d) stated[d] += w[d];
      if (contains(s.w, {"goodbye", "bye", "good bye", "we re done", "we are done", "i m done",
                         "all done", "that s all", "that s everything", "that s it", "signing off",
                         "take care", "wrap up", "wrapping up", "done here", "nothing more",
                         "no more changes", "farewell", "see you", "catch you later", "talk soon",
                         "that s all from me", "all set", "we re all set", "finish here",
                         "end here", "stop here", "good luck", "cheers", "all finished",
                         "all sorted", "that s a wrap", "leave it there", "have a good", "have a great",
                         "have a nice", "enjoy", "ta ra", "tara", "safe travels", "signing out"}))
        finish = true;
      continue;
    }
    // A question: each of its parts asks its strongest aspect, and another one only if it weighs
    // as much, or names the aspect itself.
    for (const auto& part : parts(main_has_cues ? main : s.w)) {
      std::vector<Hit> ph = read(part);
      // People a question names ("the client") are its readers only when the question is about
      // whom the text is for ("is this for the whole company?").
      if (!contains(part, {"for", "at", "read", "reading", "reads", "written", "aimed", "pitched",
                           "sent", "send", "sending", "going", "go to", "goes to", "addressed", "directed", "targeting",
                           "audience", "readers", "receive", "receiving", "get it", "gets it"})) {
        ph.erase(std::remove_if(ph.begin(), ph.end(),
                                [](const Hit& x) { return x.cue.dim == kAudience && x.cue.value == kOutside; }),
                 ph.end());
      }
      auto w = weights(ph);
      for (auto& x : w) {
        if (x < 2) x = 0;  // a weak cue alone ("know", "feel") asks nothing
      }
      // "A, or B?" offers alternatives on one aspect, whatever other words they use: the aspect
      // with values on both sides of the "or", else the weightiest.
      const auto or_at = std::find(part.begin(), part.end(), "or");
      const bool alternatives = or_at != part.end();
      std::optional<size_t> both_sides;
      if (alternatives) {
        const auto split = static_cast<size_t>(or_at - part.begin());
        std::array<int, kDims> side{};
        for (const Hit& x : ph) {
          if (x.cue.value == kNoValue) continue;
          side[static_cast<size_t>(x.cue.dim)] |= x.pos < split ? 1 : 2;
        }
        for (size_t d = 0; d < kDims; ++d) {
          if (side[d] == 3 && !both_sides) both_sides = d;
        }
      }
      std::array<bool, kDims> head{}, real_value{};
      for (const Hit& x : ph) {
        const auto d = static_cast<size_t>(x.cue.dim);
        head[d] = head[d] || x.cue.weight >= 3;
        real_value[d] = real_value[d] || x.cue.value >= 0;
      }
      std::array<size_t, kDims> order{};
      for (size_t d = 0; d < kDims; ++d) order[d] = d;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (w[a] != w[b]) return w[a] > w[b];
        return (head[a] || real_value[a]) && !(head[b] || real_value[b]);
      });
      if (w[order[0]] == 0) continue;
      // Aspects in the order the part names them.
      std::vector<size_t> named;
      for (const Hit& x : ph) {
        const auto d = static_cast<size_t>(x.cue.dim);
        if (std::find(named.begin(), named.end(), d) == named.end()) named.push_back(d);
      }
      // Another aspect is asked too when the part names it ("…tone or title?"), or, outside
      // alternatives, names one of its values ("shorter and a bit warmer?").
      const size_t top = both_sides.value_or(order[0]);
      // In alternatives, only aspects named right around the "or" ("tone or title?").
      std::array<bool, kDims> by_or{};
      if (alternatives) {
        const auto split = static_cast<size_t>(or_at - part.begin());
        for (const Hit& x : ph) {
          if (x.cue.weight >= 3 && x.pos + 3 >= split && x.pos <= split + 3)
            by_or[static_cast<size_t>(x.cue.dim)] = true;
        }
      }
      for (size_t d : named) {
        if (w[d] == 0) continue;
        if (d == top || (alternatives ? by_or[d] && by_or[top] : head[d] || real_value[d])) ask(d);
      }
    }
  }
  // 3. What the message comes to.
  if (!assumed.empty()) {
    std::vector<size_t> dims;
    for (const auto& [d, v] : assumed) dims.push_back(d);
    for (size_t d : asked) {
      if (!assumed.count(d)) dims.push_back(d);
    }
    if (dims.size() >= 2) {
      u.kind = K::kSeveral;
      u.dims = dims;
      return u;
    }
    u.kind = K::kAssume;
    u.dim = dims[0];
    u.value = assumed.begin()->second.first;
    u.said = assumed.begin()->second.second;
    return u;
  }
  if (asked.size() >= 2) {
    u.kind = K::kSeveral;
    u.dims = asked;
    return u;
  }
  if (asked.size() == 1) {
    u.kind = K::kAsk;
    u.dim = asked[0];
    return u;
  }
  if (finish && !any_question) {
    u.kind = K::kFinish;
    return u;
  }
  // An aspect named in a statement, then a question about it ("The title. What do you think?"),
  // or a terse request ("Tone preference.").
  std::vector<size_t> st;
  for (size_t d = 0; d < kDims; ++d) {
    if (stated[d] >= 3) st.push_back(d);
  }
  if (st.size() == 1 && (any_question || (ss.size() == 1 && ss[0].w.size() <= 6))) {
    u.kind = K::kAsk;
    u.dim = st[0];
  }
  return u;
}

}  // namespace collab::tasks::doc_edit
