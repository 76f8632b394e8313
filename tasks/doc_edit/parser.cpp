// The text channel. A message is read in this order:
//  1. a document (after the chatter around it is cut off: "Sure! Here is a version:", "Let me
//     know what you think") of at least kMinDraftWords words -> draft, scored as written;
//  2. a statement that announces an assumption ("I'll assume…", "I'll go with…", "let's keep it…")
//     naming a value -> assume:<dim> carrying the value;
//  3. a message that ends the session ("we're done", "that's all") and asks nothing -> finish;
//  4. a question or request about a dimension, found by the words people use for it (tone:
//     "formal", "sound"; length: "how long", "shorter"; audience: "who", "readers"; structure:
//     "bullets", "paragraphs"; points: "include", "mention"; title: "headline") -> ask:<dim>.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "env/text.h"
#include "tasks/doc_edit/task.h"

namespace collab::tasks::doc_edit {
namespace {

constexpr size_t kMinDraftWords = 25;

bool has_phrase(const std::string& norm, std::string_view phrase) {
  std::string padded(1, ' '), needle(1, ' ');
  padded.append(norm).push_back(' ');
  needle.append(phrase).push_back(' ');
  return padded.find(needle) != std::string::npos;
}

bool has_any(const std::string& norm, std::initializer_list<std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return has_phrase(norm, p); });
}

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

std::vector<std::string> paragraphs(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string t = trim(line);
    const bool fence = t.rfind("```", 0) == 0 || t == "---" || t == "***";
    if (t.empty() || fence) {
      if (!trim(cur).empty()) out.push_back(trim(cur));
      cur.clear();
    } else {
      if (!cur.empty()) cur += '\n';
      cur += line;
    }
    start = end + 1;
  }
  if (!trim(cur).empty()) out.push_back(trim(cur));
  return out;
}

size_t word_count(std::string_view s) { return text::words(text::normalize(s)).size(); }

bool is_lead_chatter(const std::string& p) {
  // A line that introduces the draft: it ends with a colon, or opens like a reply ("Sure", "Here
  // is", "I've") and names what follows (a version, a draft, a rewrite…).
  if (word_count(p) > 30) return false;
  if (p.back() == ':') return true;
  const std::string n = text::normalize(p);
  const auto w = text::words(n);
  static const std::vector<std::string_view> kStarts = {
      "sure",  "ok",    "okay",    "certainly", "absolutely", "of", "here",
      "great", "happy", "alright", "no",        "below",      "i",  "this",
      "done",  "yes",   "right",   "thanks",    "got"};
  const bool starts =
      !w.empty() && std::find(kStarts.begin(), kStarts.end(), w[0]) != kStarts.end();
  return starts &&
         has_any(n, {"version", "draft", "rewrite", "revised", "rewritten", "revision", "updated",
                     "edit", "edited", "polished", "below", "here you go", "here it is"});
}

bool is_trail_chatter(const std::string& p) {
  // A line after the draft that asks about it ("Let me know if you'd like changes").
  const std::string n = text::normalize(p);
  if (word_count(p) > 30) return false;
  const bool asks_about_it =
      has_phrase(n, "let me know") &&
      has_any(n, {"change", "changes", "edit", "edits", "tweak", "tweaks", "adjust", "version",
                  "draft", "shorter", "longer", "else", "tone", "want", "like"});
  return asks_about_it ||
         has_any(n, {"hope this helps", "hope that helps", "feel free to", "want me to",
                     "would you like me", "happy to adjust", "happy to change", "any changes",
                     "what do you think", "does this work", "does that work", "how does this",
                     "should i", "i can also", "i can make", "i can change", "thoughts"});
}

}  // namespace

std::optional<std::string> extract_draft(std::string_view text) {
  // A fenced block holds the document.
  std::string_view body = text;
  if (const size_t f = text.find("```"); f != std::string_view::npos) {
    const size_t open_end = text.find('\n', f);
    const size_t close =
        open_end == std::string_view::npos ? std::string_view::npos : text.find("```", open_end);
    if (close != std::string_view::npos) body = text.substr(open_end + 1, close - open_end - 1);
  }
  std::vector<std::string> ps = paragraphs(body);
  while (ps.size() > 1 && is_lead_chatter(ps.front())) ps.erase(ps.begin());
  while (ps.size() > 1 && is_trail_chatter(ps.back())) ps.pop_back();
  if (ps.empty()) return std::nullopt;
  // "Sure! Here is a version: Our office…" on one line: cut at the colon.
  if (const size_t c = ps.front().find(':'); c != std::string::npos) {
    const std::string head = ps.front().substr(0, c);
    if (word_count(head) <= 15 &&
        has_any(text::normalize(head), {"here", "version", "draft", "sure", "rewrite", "revised",
                                        "take", "edit", "polished"})) {
      const std::string rest = trim(ps.front().substr(c + 1));
      if (rest.empty())
        ps.erase(ps.begin());
      else
        ps.front() = rest;
    }
  }
  if (ps.size() == 1 && is_trail_chatter(ps.front()) && word_count(ps.front()) < 2 * kMinDraftWords)
    return std::nullopt;
  std::string out;
  for (const auto& p : ps) {
    if (!out.empty()) out.append("\n\n");
    out.append(p);
  }
  // Quotes around the whole document are not part of it.
  if (out.size() >= 2 && out.front() == '"' && out.back() == '"')
    out = trim(out.substr(1, out.size() - 2));
  const size_t words = word_count(out);
  if (words < kMinDraftWords) return std::nullopt;
  // A long single question is a question, not a document.
  const size_t q = static_cast<size_t>(std::count(out.begin(), out.end(), '?'));
  if (ps.size() == 1 && q > 0 && out.back() == '?' && words < 60) return std::nullopt;
  return out;
}

namespace {

struct Hit {
  int dim;
  int value;  // -1: none named
};

// A value named in the text: points first (the document's own names), then the fixed values.
std::optional<Hit> find_value(const Document& doc, const std::string& n) {
  if (has_any(n, {"no title", "without a title", "untitled", "without title", "no heading",
                  "no headline"}))
    return Hit{kTitle, 2};
  if (has_any(n, {"no extra point", "nothing in particular", "nothing extra", "no particular point",
                  "no extra points", "nothing special", "no must have"}))
    return Hit{kPoints, 0};
  for (size_t p = 0; p < doc.points.size(); ++p) {
    if (has_phrase(n, text::normalize(doc.points[p]))) return Hit{kPoints, static_cast<int>(p) + 1};
  }
  static const std::map<std::string_view, Hit> kWords = {
      {"formal", {kTone, 0}},         {"formally", {kTone, 0}},
      {"professional", {kTone, 0}},   {"casual", {kTone, 1}},
      {"casually", {kTone, 1}},       {"informal", {kTone, 1}},
      {"relaxed", {kTone, 1}},        {"friendly", {kTone, 1}},
      {"chatty", {kTone, 1}},         {"enthusiastic", {kTone, 2}},
      {"excited", {kTone, 2}},        {"upbeat", {kTone, 2}},
      {"energetic", {kTone, 2}},      {"exciting", {kTone, 2}},
      {"short", {kLength, 0}},        {"brief", {kLength, 0}},
      {"concise", {kLength, 0}},      {"shorter", {kLength, 0}},
      {"medium", {kLength, 1}},       {"moderate", {kLength, 1}},
      {"long", {kLength, 2}},         {"longer", {kLength, 2}},
      {"full", {kLength, 2}},         {"detailed", {kLength, 2}},
      {"beginner", {kAudience, 0}},   {"beginners", {kAudience, 0}},
      {"newcomers", {kAudience, 0}},  {"novices", {kAudience, 0}},
      {"novice", {kAudience, 0}},     {"newcomer", {kAudience, 0}},
      {"expert", {kAudience, 1}},     {"experts", {kAudience, 1}},
      {"technical", {kAudience, 1}},  {"specialists", {kAudience, 1}},
      {"jargon", {kAudience, 1}},     {"paragraphs", {kStructure, 0}},
      {"paragraph", {kStructure, 0}}, {"prose", {kStructure, 0}},
      {"bullets", {kStructure, 1}},   {"bullet", {kStructure, 1}},
      {"bulleted", {kStructure, 1}},  {"list", {kStructure, 1}},
      {"plain", {kTitle, 0}},         {"descriptive", {kTitle, 0}},
      {"catchy", {kTitle, 1}},        {"punchy", {kTitle, 1}},
      {"snappy", {kTitle, 1}},
  };
  for (std::string_view w : text::words(n)) {
    if (const auto it = kWords.find(w); it != kWords.end()) return it->second;
  }
  return std::nullopt;
}

// The dimension a question is about: the most cue words, ties to the earliest.
std::optional<int> find_dim(const std::string& n) {
  static const std::map<std::string_view, int> kCues = {
      {"tone", kTone},
      {"tones", kTone},
      {"formal", kTone},
      {"formally", kTone},
      {"casual", kTone},
      {"casually", kTone},
      {"informal", kTone},
      {"enthusiastic", kTone},
      {"excited", kTone},
      {"upbeat", kTone},
      {"friendly", kTone},
      {"professional", kTone},
      {"voice", kTone},
      {"sound", kTone},
      {"sounds", kTone},
      {"register", kTone},
      {"vibe", kTone},
      {"serious", kTone},
      {"playful", kTone},
      {"chatty", kTone},
      {"warm", kTone},
      {"polite", kTone},
      {"energetic", kTone},
      {"stiff", kTone},
      {"relaxed", kTone},
      {"mood", kTone},
      {"feel", kTone},
      {"length", kLength},
      {"long", kLength},
      {"longer", kLength},
      {"short", kLength},
      {"shorter", kLength},
      {"brief", kLength},
      {"concise", kLength},
      {"words", kLength},
      {"detailed", kLength},
      {"trim", kLength},
      {"cut", kLength},
      {"condense", kLength},
      {"lengthy", kLength},
      {"wordy", kLength},
      {"medium", kLength},
      {"sentences", kLength},
      {"size", kLength},
      {"expand", kLength},
      {"tighten", kLength},
      {"shorten", kLength},
      {"audience", kAudience},
      {"who", kAudience},
      {"whom", kAudience},
      {"reader", kAudience},
      {"readers", kAudience},
      {"reading", kAudience},
      {"read", kAudience},
      {"expert", kAudience},
      {"experts", kAudience},
      {"beginner", kAudience},
      {"beginners", kAudience},
      {"technical", kAudience},
      {"jargon", kAudience},
      {"newcomers", kAudience},
      {"novices", kAudience},
      {"specialists", kAudience},
      {"familiar", kAudience},
      {"background", kAudience},
      {"laypeople", kAudience},
      {"customers", kAudience},
      {"clients", kAudience},
      {"engineers", kAudience},
      {"developers", kAudience},
      {"newbies", kAudience},
      {"layperson", kAudience},
      {"word", kLength},
      {"limit", kLength},
      {"bullet", kStructure},
      {"bullets", kStructure},
      {"bulleted", kStructure},
      {"list", kStructure},
      {"paragraph", kStructure},
      {"paragraphs", kStructure},
      {"prose", kStructure},
      {"format", kStructure},
      {"formatted", kStructure},
      {"formatting", kStructure},
      {"structure", kStructure},
      {"structured", kStructure},
      {"layout", kStructure},
      {"include", kPoints},
      {"included", kPoints},
      {"mention", kPoints},
      {"mentioned", kPoints},
      {"must", kPoints},
      {"cover", kPoints},
      {"covered", kPoints},
      {"omit", kPoints},
      {"important", kPoints},
      {"emphasize", kPoints},
      {"emphasise", kPoints},
      {"highlight", kPoints},
      {"essential", kPoints},
      {"point", kPoints},
      {"points", kPoints},
      {"part", kPoints},
      {"topic", kPoints},
      {"missing", kPoints},
      {"title", kTitle},
      {"titles", kTitle},
      {"headline", kTitle},
      {"heading", kTitle},
      {"header", kTitle},
      {"called", kTitle},
      {"titled", kTitle},
      {"caption", kTitle},
  };
  const auto w = text::words(n);
  std::array<int, kDims> score{};
  std::array<size_t, kDims> first;
  first.fill(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    // "bullet points" is a structure, not a point to include.
    if ((w[i] == "points" || w[i] == "point") && i > 0 && w[i - 1] == "bullet") continue;
    const auto it = kCues.find(w[i]);
    if (it == kCues.end()) continue;
    const auto d = static_cast<size_t>(it->second);
    score[d] += (w[i] == "who" || (w[i] == "long" && i > 0 && w[i - 1] == "how")) ? 2 : 1;
    first[d] = std::min(first[d], i);
  }
  std::optional<int> best;
  for (size_t d = 0; d < kDims; ++d) {
    if (score[d] == 0) continue;
    if (!best || score[d] > score[static_cast<size_t>(*best)] ||
        (score[d] == score[static_cast<size_t>(*best)] &&
         first[d] < first[static_cast<size_t>(*best)]))
      best = static_cast<int>(d);
  }
  return best;
}

bool is_question(std::string_view raw, const std::string& n) {
  if (raw.find('?') != std::string_view::npos) return true;
  const auto w = text::words(n);
  static const std::vector<std::string_view> kQ = {
      "what", "how",      "who",  "whom",     "which",  "should", "would",
      "do",   "does",     "is",   "are",      "can",    "could",  "will",
      "any",  "anything", "tell", "describe", "please", "may",    "did"};
  return !w.empty() && std::find(kQ.begin(), kQ.end(), w[0]) != kQ.end();
}

}  // namespace

// v1 (understand.cpp) reads as a person would and says what it cannot read (user_sim.cpp).
Parsed Game::parse(std::string_view text) const {
  if (task_->version() == 0) return parse_v0(text);
  using K = Understanding::Kind;
  const Understanding u = understand(*doc_, text);
  switch (u.kind) {
    case K::kDraft:
      return {DocEdit::kDraft, Content{u.draft, std::nullopt}};
    case K::kAsk:
      return {DocEdit::ask_act(u.dim), {}};
    case K::kAssume:
      // A value outside the dimension's values travels as the words said; the user corrects it.
      return {DocEdit::assume_act(u.dim),
              Content{u.value >= 0 ? doc_->value_name(u.dim, u.value) : u.said, std::nullopt}};
    case K::kFinish:
      return {DocEdit::kFinish, {}};
    default:
      return {};
  }
}

// v0's reader, frozen so that v0 traces replay.
Parsed Game::parse_v0(std::string_view text) const {
  if (auto draft = extract_draft(text)) return {DocEdit::kDraft, Content{*draft, std::nullopt}};
  const std::string n = text::normalize(text);
  const bool question = is_question(text, n);
  if (!question && has_any(n, {"i ll assume",    "i will assume",  "assume",      "assuming",
                               "i ll go with",   "i will go with", "going with",  "let s go with",
                               "i ll keep",      "i ll make it",   "i ll use",    "i ll write",
                               "default to",     "i ll aim for",   "let s keep",  "let s make",
                               "i ll do",        "i ll add",       "i ll give",   "i ll stick",
                               "i ll make sure", "i ll include",   "i ll mention"})) {
    if (const auto hit = find_value(*doc_, n)) {
      return {DocEdit::assume_act(static_cast<size_t>(hit->dim)),
              Content{doc_->value_name(static_cast<size_t>(hit->dim), hit->value), std::nullopt}};
    }
    if (const auto d = find_dim(n)) {
      const auto dim = static_cast<size_t>(*d);
      return {DocEdit::assume_act(dim), Content{doc_->value_name(dim, value_[dim]), std::nullopt}};
    }
  }
  if (!question && has_any(n, {"we re done", "we are done", "i m done", "i am done", "all done",
                               "that s all", "that s it", "goodbye", "bye", "finish", "finished",
                               "done here", "no more changes", "wrap up", "wrap it up", "stop here",
                               "final version", "signing off"})) {
    return {DocEdit::kFinish, {}};
  }
  if (const auto d = find_dim(n)) return {DocEdit::ask_act(static_cast<size_t>(*d)), {}};
  return {};
}

std::string Game::render(int32_t act, const Content& content) const {
  static const std::array<const char*, kDims> kAsk = {
      "What tone should it have: formal, casual or enthusiastic?",
      "How long should it be: short, medium or long?",
      "Who will read it: beginners or experts?",
      "Should it be paragraphs or a bulleted list?",
      "Is there a point it must mention?",
      "What kind of title do you want: plain, catchy or none?"};
  if (act < DocEdit::assume_act(0)) return kAsk[static_cast<size_t>(act)];
  if (act == DocEdit::kDraft) return content.body.empty() ? eager_draft() : content.body;
  if (act == DocEdit::kFinish) return "I think we're done here. Thanks!";
  const auto dim = static_cast<size_t>(act) - kDims;
  const std::string& v = content.body.empty() ? doc_->value_name(dim, value_[dim]) : content.body;
  switch (dim) {
    case kTone:
      return fmt::format("I'll assume a {} tone.", v);
    case kLength:
      return fmt::format("I'll assume a {} length.", v);
    case kAudience:
      return fmt::format("I'll assume the readers are {}s.", v);
    case kStructure:
      return fmt::format("I'll assume {}.", v);
    case kPoints:
      return v == "none" ? "I'll assume no extra point needs mentioning."
                         : fmt::format("I'll assume it should mention {}.", v);
    default:
      return v == "none" ? "I'll assume no title." : fmt::format("I'll assume a {} title.", v);
  }
}

}  // namespace collab::tasks::doc_edit
