// doc_edit-v1's reader (understand.cpp): what an assistant's message means, read the way the
// document's owner reads it. It finds the aspect a question is about by the words people use for
// it (including what a question mentions only as context or as its reason), tells an announced
// assumption from a question, recognises a draft as the user's own document rewritten (with its
// markdown read as formatting), and says when it cannot read a message safely: two aspects at
// once, or no aspect at all. Spec: README.md "Text (v1)".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/doc_edit/docs.h"

namespace collab::tasks::doc_edit {

struct Understanding {
  enum class Kind {
    kNothing,  // neither a question, an assumption, a draft nor a goodbye
    kAsk,      // asks about dimension `dim`
    kAssume,   // announces value `value` on `dim` (-1: a value on that dimension that is none of
               // its values, e.g. "a humorous tone"; `said` holds the words)
    kDraft,    // hands in `draft` (markdown emphasis and list markers read as formatting)
    kFinish,   // ends the session
    kSeveral,  // asks about (or assumes) several dimensions at once (`dims`): which first?
  };
  Kind kind = Kind::kNothing;
  size_t dim = 0;
  int value = -1;
  std::string said;
  std::vector<size_t> dims;
  std::string draft;
};

// Reads `text` as a message about `doc`.
Understanding understand(const Document& doc, std::string_view text);

}  // namespace collab::tasks::doc_edit
