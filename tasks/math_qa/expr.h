// A small, safe arithmetic expression language: the exact solvers (and sampling constraints) of
// math_qa's problem templates are data, e.g. "distance / (speed1 + speed2)".
//
// Grammar (lowest precedence first):
//   expr    := or
//   or      := and ('||' and)*
//   and     := cmp ('&&' cmp)*
//   cmp     := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?      -> 1 or 0
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := ('-' | '+' | '!') unary | power
//   power   := primary ('^' unary)?                                     right-associative; -2^2 = -4
//   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
// Numbers: 12, 0.5, .5, 1e3. Names: variables (given at compile time) and the constant `pi`.
// Functions: sqrt abs exp ln log10 floor ceil (1 argument), round(x) / round(x, digits),
// min max (2 or more). Non-zero is true. Division by zero gives inf/nan (callers reject it);
// evaluation never throws.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "env/error.h"

namespace collab::tasks::math_qa {

// A syntax error or an unknown name; what() is "at <offset>: <message>" (offset in bytes).
class ExprError : public Error {
 public:
  ExprError(size_t offset, const std::string& message);
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

class Expr {
 public:
  Expr() = default;
  // Compiles `source`; variable i of `names` is read from values[i] by eval(). Throws ExprError.
  static Expr compile(std::string_view source, const std::vector<std::string>& names);
  double eval(std::span<const double> values) const;
  // Which variables the expression reads (index = position in `names`).
  const std::vector<bool>& uses() const { return uses_; }
  const std::string& source() const { return source_; }
  bool empty() const { return code_.empty(); }

 private:
  enum class Op : uint8_t {
    kNum, kVar, kNeg, kNot, kAdd, kSub, kMul, kDiv, kPow,
    kLt, kLe, kGt, kGe, kEq, kNe, kAnd, kOr,
    kSqrt, kAbs, kExp, kLn, kLog10, kFloor, kCeil, kRound, kRound2, kMin, kMax,
  };
  struct Instr {
    Op op;
    int arg = 0;  // variable index (kVar), argument count (kMin, kMax)
    double num = 0;
  };
  class Compiler;

  std::string source_;
  std::vector<Instr> code_;  // postfix
  std::vector<bool> uses_;
  size_t max_stack_ = 0;
};

}  // namespace collab::tasks::math_qa
