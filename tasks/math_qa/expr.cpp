// The solver expression language (expr.h): a recursive-descent compiler to postfix code, and a
// stack machine.
#include "tasks/math_qa/expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <numbers>

namespace collab::tasks::math_qa {

ExprError::ExprError(size_t offset, const std::string& message)
    : Error(fmt::format("at {}: {}", offset, message)), offset_(offset) {}

namespace {

struct Function {
  const char* name;
  int min_args, max_args;  // max -1: unbounded
};
constexpr Function kFunctions[] = {
    {"sqrt", 1, 1},  {"abs", 1, 1},   {"exp", 1, 1},   {"ln", 1, 1},  {"log10", 1, 1},
    {"floor", 1, 1}, {"ceil", 1, 1},  {"round", 1, 2}, {"min", 2, -1}, {"max", 2, -1},
};

}  // namespace

class Expr::Compiler {
 public:
  Compiler(std::string_view src, const std::vector<std::string>& names, Expr& out)
      : s_(src), names_(names), out_(out) {}

  void run() {
    skip();
    if (pos_ >= s_.size()) throw ExprError(pos_, "empty expression");
    parse_or();
    skip();
    if (pos_ < s_.size()) {
      throw ExprError(pos_, fmt::format("unexpected '{}' after a complete expression", s_[pos_]));
    }
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(std::string_view tok) {
    skip();
    if (s_.substr(pos_, tok.size()) != tok) return false;
    pos_ += tok.size();
    return true;
  }
  void emit(Op op, int arg = 0, double num = 0) {
    out_.code_.push_back({op, arg, num});
    // Track the stack depth the code needs.
    switch (op) {
      case Op::kNum:
      case Op::kVar:
        ++depth_;
        break;
      case Op::kNeg: case Op::kNot: case Op::kSqrt: case Op::kAbs: case Op::kExp: case Op::kLn:
      case Op::kLog10: case Op::kFloor: case Op::kCeil: case Op::kRound:
        break;
      case Op::kMin:
      case Op::kMax:
        depth_ -= static_cast<size_t>(arg - 1);
        break;
      default:
        --depth_;
    }
    out_.max_stack_ = std::max(out_.max_stack_, depth_);
  }

  void parse_or() {
    parse_and();
    while (eat("||")) {
      parse_and();
      emit(Op::kOr);
    }
  }
  void parse_and() {
    parse_cmp();
    while (eat("&&")) {
      parse_cmp();
      emit(Op::kAnd);
    }
  }
  void parse_cmp() {
    parse_sum();
    static constexpr std::pair<const char*, Op> kCmp[] = {{"<=", Op::kLe}, {">=", Op::kGe},
                                                          {"==", Op::kEq}, {"!=", Op::kNe},
                                                          {"<", Op::kLt},  {">", Op::kGt}};
    for (const auto& [tok, op] : kCmp) {
      if (eat(tok)) {
        parse_sum();
        emit(op);
        skip();
        for (const auto& [tok2, op2] : kCmp) {
          (void)op2;
          if (s_.substr(pos_, std::string_view(tok2).size()) == tok2) {
            throw ExprError(pos_, "comparisons do not chain; write (a < b) && (b < c)");
          }
        }
        return;
      }
    }
  }
  void parse_sum() {
    parse_product();
    while (true) {
      if (eat("+")) {
        parse_product();
        emit(Op::kAdd);
      } else if (eat("-")) {
        parse_product();
        emit(Op::kSub);
      } else {
        return;
      }
    }
  }
  void parse_product() {
    parse_unary();
    while (true) {
      if (eat("*")) {
        parse_unary();
        emit(Op::kMul);
      } else if (eat("/")) {
        parse_unary();
        emit(Op::kDiv);
      } else {
        return;
      }
    }
  }
  void parse_unary() {
    skip();
    if (pos_ < s_.size() && s_[pos_] == '!' && s_.substr(pos_, 2) != "!=") {
      ++pos_;
      parse_unary();
      emit(Op::kNot);
    } else if (eat("-")) {
      parse_unary();
      emit(Op::kNeg);
    } else if (eat("+")) {
      parse_unary();
    } else {
      parse_power();
    }
  }
  void parse_power() {
    parse_primary();
    if (eat("^")) {
      parse_unary();  // right-associative: a^b^c = a^(b^c); 2^-1 allowed
      emit(Op::kPow);
    }
  }
  void parse_primary() {
    skip();
    if (pos_ >= s_.size()) throw ExprError(pos_, "expected a number, a name or '(' at the end");
    const char c = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return name();
    if (eat("(")) {
      parse_or();
      if (!eat(")")) throw ExprError(pos_, "expected ')'");
      return;
    }
    throw ExprError(pos_, fmt::format("unexpected '{}'; expected a number, a name or '('", c));
  }
  void number() {
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '.')) {
      ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < s_.size() && (s_[p] == '+' || s_[p] == '-')) ++p;
      if (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) {
        pos_ = p;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      }
    }
    const std::string text(s_.substr(start, pos_ - start));
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || std::count(text.begin(), text.end(), '.') > 1) {
      throw ExprError(start, fmt::format("malformed number '{}'", text));
    }
    emit(Op::kNum, 0, v);
  }
  void name() {
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
      ++pos_;
    }
    const std::string id(s_.substr(start, pos_ - start));
    skip();
    if (pos_ < s_.size() && s_[pos_] == '(') return call(id, start);
    const auto it = std::find(names_.begin(), names_.end(), id);
    if (it != names_.end()) {
      const auto index = static_cast<size_t>(it - names_.begin());
      out_.uses_[index] = true;
      return emit(Op::kVar, static_cast<int>(index));
    }
    if (id == "pi") return emit(Op::kNum, 0, std::numbers::pi);
    std::string known = names_.empty() ? "none" : fmt::format("{}", fmt::join(names_, ", "));
    throw ExprError(start, fmt::format("unknown name '{}'; the variables are: {}", id, known));
  }
  void call(const std::string& id, size_t start) {
    const Function* f = nullptr;
    for (const auto& fn : kFunctions) {
      if (id == fn.name) f = &fn;
    }
    if (f == nullptr) {
      std::vector<std::string> all;
      for (const auto& fn : kFunctions) all.emplace_back(fn.name);
      throw ExprError(start, fmt::format("unknown function '{}'; expected one of: {}", id,
                                         fmt::join(all, ", ")));
    }
    eat("(");
    int args = 0;
    if (!eat(")")) {
      do {
        parse_or();
        ++args;
      } while (eat(","));
      if (!eat(")")) throw ExprError(pos_, fmt::format("expected ',' or ')' in {}(...)", id));
    }
    if (args < f->min_args || (f->max_args >= 0 && args > f->max_args)) {
      const std::string want = f->max_args < 0 ? fmt::format("at least {}", f->min_args)
                               : f->min_args == f->max_args
                                   ? fmt::format("{}", f->min_args)
                                   : fmt::format("{} or {}", f->min_args, f->max_args);
      throw ExprError(start, fmt::format("{}() takes {} argument{}, got {}", id, want,
                                         want == "1" ? "" : "s", args));
    }
    const std::string n = id;
    if (n == "sqrt") emit(Op::kSqrt);
    else if (n == "abs") emit(Op::kAbs);
    else if (n == "exp") emit(Op::kExp);
    else if (n == "ln") emit(Op::kLn);
    else if (n == "log10") emit(Op::kLog10);
    else if (n == "floor") emit(Op::kFloor);
    else if (n == "ceil") emit(Op::kCeil);
    else if (n == "round") emit(args == 1 ? Op::kRound : Op::kRound2);
    else if (n == "min") emit(Op::kMin, args);
    else emit(Op::kMax, args);
  }

  std::string_view s_;
  const std::vector<std::string>& names_;
  Expr& out_;
  size_t pos_ = 0;
  size_t depth_ = 0;
};

Expr Expr::compile(std::string_view source, const std::vector<std::string>& names) {
  Expr e;
  e.source_ = std::string(source);
  e.uses_.assign(names.size(), false);
  Compiler(source, names, e).run();
  return e;
}

double Expr::eval(std::span<const double> values) const {
  // Small stacks live on the C++ stack; solvers need a handful of slots.
  double small[32];
  std::vector<double> big;
  double* st = small;
  if (max_stack_ > 32) {
    big.resize(max_stack_);
    st = big.data();
  }
  size_t n = 0;
  for (const Instr& in : code_) {
    switch (in.op) {
      case Op::kNum: st[n++] = in.num; break;
      case Op::kVar: st[n++] = values[static_cast<size_t>(in.arg)]; break;
      case Op::kNeg: st[n - 1] = -st[n - 1]; break;
      case Op::kNot: st[n - 1] = st[n - 1] == 0 ? 1.0 : 0.0; break;
      case Op::kSqrt: st[n - 1] = std::sqrt(st[n - 1]); break;
      case Op::kAbs: st[n - 1] = std::abs(st[n - 1]); break;
      case Op::kExp: st[n - 1] = std::exp(st[n - 1]); break;
      case Op::kLn: st[n - 1] = std::log(st[n - 1]); break;
      case Op::kLog10: st[n - 1] = std::log10(st[n - 1]); break;
      case Op::kFloor: st[n - 1] = std::floor(st[n - 1]); break;
      case Op::kCeil: st[n - 1] = std::ceil(st[n - 1]); break;
      case Op::kRound: st[n - 1] = std::round(st[n - 1]); break;
      case Op::kMin:
      case Op::kMax: {
        const auto k = static_cast<size_t>(in.arg);
        double v = st[n - k];
        for (size_t i = n - k + 1; i < n; ++i) {
          v = in.op == Op::kMin ? std::min(v, st[i]) : std::max(v, st[i]);
        }
        n -= k;
        st[n++] = v;
        break;
      }
      default: {
        const double b = st[--n];
        double& a = st[n - 1];
        switch (in.op) {
          case Op::kAdd: a = a + b; break;
          case Op::kSub: a = a - b; break;
          case Op::kMul: a = a * b; break;
          case Op::kDiv: a = a / b; break;
          case Op::kPow: a = std::pow(a, b); break;
          case Op::kLt: a = a < b; break;
          case Op::kLe: a = a <= b; break;
          case Op::kGt: a = a > b; break;
          case Op::kGe: a = a >= b; break;
          case Op::kEq: a = a == b; break;
          case Op::kNe: a = a != b; break;
          case Op::kAnd: a = (a != 0) && (b != 0); break;
          case Op::kOr: a = (a != 0) || (b != 0); break;
          case Op::kRound2: {
            const double scale = std::pow(10.0, std::round(b));
            a = std::round(a * scale) / scale;
            break;
          }
          default: COLLAB_CHECK(false);
        }
      }
    }
  }
  COLLAB_CHECK(n == 1);
  return st[0];
}

}  // namespace collab::tasks::math_qa
