// Fuzzes every task's text parser (Episode::parse, then render of what it parsed), the shared
// quantity reader (env/quantity.h) on each turn, and the text
// channel of Env::step (Action::from_text), for every registered id: twenty_questions v0, v1
// (legacy parser) and v2, guess_number, math_qa v0 and v1 (its reader on the shared quantity
// reader), grocery, doc_edit v0 and v1 (its reader of aspects, assumptions and drafts).
//
// Input: "<env id> <seed>\n<turn>\n<turn>…" (a bare or unknown id picks one by hash); when the
// turns hold an ASCII record separator (0x1e), they are split there instead, so that a turn may
// span lines (a doc_edit draft). Each turn
// is parsed and rendered on the episode as it stands, then played with Env::step; the episode
// resets when it ends. Bytes need not be UTF-8: the in-process API takes any std::string.
//
// Findings: any exception but the documented input errors, a crash, a sanitizer report.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

#include <cmath>

#include "env/env.h"
#include "env/quantity.h"
#include "fuzz/fuzz_util.h"
#include "tasks/register_all.h"

namespace {

using namespace collab;

constexpr int kMaxTurns = 12;

void run(std::string_view input) {
  const auto& registry = tasks::builtin_registry();
  const auto ids = registry.ids();
  auto [head, turns] = fuzz::split_first_line(input);
  const size_t space = head.find(' ');
  const std::string_view want = head.substr(0, space);
  uint64_t seed = 0;
  if (space != std::string_view::npos) {
    std::from_chars(head.data() + space + 1, head.data() + head.size(), seed);
  }
  std::string id = ids[std::hash<std::string_view>{}(want) % ids.size()];
  for (const auto& i : ids) {
    if (i == want) id = i;
  }
  Env env = registry.make(id, {{"reward", "terminal"}});
  env.reset(seed);
  const char separator = turns.find('\x1e') != std::string_view::npos ? '\x1e' : '\n';
  for (int t = 0; t < kMaxTurns && !turns.empty(); ++t) {
    const fuzz::Split line = fuzz::split_first_line(turns, separator);
    const std::string_view text = line.head;
    turns = line.rest;
    // The shared quantity reader (env/quantity.h) on the same text: spans inside it, finite.
    for (const Quantity& q : read_quantities(text)) {
      if (q.begin > q.end || q.end > text.size() || !std::isfinite(q.value)) {
        fuzz::report_finding("quantity", "a span outside the text or a value not finite");
      }
    }
    const Parsed p = env.episode().parse(text);
    if (p.act) {
      if (*p.act < 0 || *p.act >= static_cast<int32_t>(env.task().acts().size())) {
        fuzz::report_finding("parse", "act index out of range: " + std::to_string(*p.act));
      }
      (void)env.episode().render(*p.act, p.content);
    }
    fuzz::expect_input_errors_only("step", [&] { env.step(Action::from_text(std::string(text))); });
    if (env.done()) env.reset(seed + static_cast<uint64_t>(t) + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  fuzz::expect_input_errors_only(
      "parser", [&] { run(std::string_view(reinterpret_cast<const char*>(data), size)); });
  return 0;
}
