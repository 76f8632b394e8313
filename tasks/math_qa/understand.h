// math_qa-v1's reader (understand.cpp): what an assistant's message means, read the way a careful
// person reads it, on top of the shared quantity reader (env/quantity.h). Where the message
// cannot be read safely — two quantities asked at once, an answer given as a range or as "3 or
// 4", an amount with no number — it says so (Understanding::Kind), and the user asks back instead
// of acting on a guess. Spec: README.md "Text (v1)".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace collab::tasks::math_qa {

struct Understanding {
  enum class Kind {
    kNothing,       // neither a question about the problem nor an answer
    kAsk,           // asks for quantity `slot`
    kConfirm,       // checks the value or unit of quantity `slot`
    kAnswer,        // a final answer: `number`, in the answer's unit
    kUnknown,       // asks the user for the problem's unknown itself
    kOutside,       // a question about something the problem does not contain
    kSeveral,       // asks for several quantities at once (`slots`): which first?
    kUnsureAnswer,  // an answer that is not one number (`numbers`: what it could be; empty:
                    // no number at all, e.g. "a few hours")
  };
  Kind kind = Kind::kNothing;
  size_t slot = 0;
  std::vector<size_t> slots;
  double number = 0;
  std::vector<double> numbers;
};

}  // namespace collab::tasks::math_qa
