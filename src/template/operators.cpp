#include "template/operators.h"

#include <cmath>
#include <limits>

#include "template/builtins.h"
#include "template/error.h"
#include "template/interpreter.h"
#include "template/markup.h"

namespace ledge::tmpl {

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  fail("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

int64_t checked(bool overflow, int64_t r) {
  if (overflow) fail("integer overflow in template arithmetic");
  return r;
}

double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0.0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

Value repeat(const Value& seq, int64_t n, Interpreter& interp) {
  const bool empty = seq.is_string() ? seq.str().empty() : seq.items().empty();
  if (n <= 0 || empty) return seq.is_string() ? Value(std::string()) : (seq.is_tuple() ? Value::tuple({}) : Value::list({}));
  if (seq.is_string()) {
    interp.check_size(seq.str().size() * static_cast<size_t>(std::min<int64_t>(n, 1 << 30)));
    interp.charge(seq.str().size() * static_cast<size_t>(n));
    std::string out;
    out.reserve(seq.str().size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += seq.str();
    return Value(std::move(out));
  }
  interp.check_size(seq.items().size() * static_cast<size_t>(std::min<int64_t>(n, 1 << 30)) * sizeof(Value));
  interp.charge(seq.items().size() * static_cast<size_t>(n) * sizeof(Value));
  std::vector<Value> out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

}  // namespace

Value arithmetic(const std::string& op, const Value& a, const Value& b, Interpreter& interp) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  const bool both_numbers = a.is_number() && b.is_number();
  const bool ints = both_numbers && !a.is_float() && !b.is_float();
  if (op == "+") {
    if (ints) {
      int64_t r;
      bool overflow = __builtin_add_overflow(a.as_int(), b.as_int(), &r);
      return Value(checked(overflow, r));
    }
    if (both_numbers) return Value(a.as_float() + b.as_float());
    if (a.is_string() && b.is_string()) {
      interp.check_size(a.str().size() + b.str().size());
      interp.charge(a.str().size() + b.str().size());
      if (a.is_markup() || b.is_markup()) {
        std::string l = a.is_markup() ? a.str() : html_escape(a.str());
        std::string r = b.is_markup() ? b.str() : html_escape(b.str());
        return Value::markup(l + r);
      }
      return Value(a.str() + b.str());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      size_t bytes = (a.items().size() + b.items().size()) * sizeof(Value);
      interp.check_size(bytes);
      interp.charge(bytes);
      std::vector<Value> out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
    }
    if (a.is_string()) fail("can only concatenate str (not \"" + b.type_name() + "\") to str");
    if (a.is_list()) fail("can only concatenate " + a.type_name() + " (not \"" + b.type_name() + "\") to " + a.type_name());
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      int64_t r;
      bool overflow = __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
      return Value(checked(overflow, r));
    }
    if (both_numbers) return Value(a.as_float() - b.as_float());
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      int64_t r;
      bool overflow = __builtin_mul_overflow(a.as_int(), b.as_int(), &r);
      return Value(checked(overflow, r));
    }
    if (both_numbers) return Value(a.as_float() * b.as_float());
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, b.as_int(), interp);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, a.as_int(), interp);
    fail("can't multiply sequence by non-int of type '" + b.type_name() + "'");
  }
  if (!both_numbers) {
    if (op == "%" && a.is_string()) {
      std::vector<Value> args = b.is_tuple() ? b.items() : std::vector<Value>{b};
      std::string out = py_percent_format(a.str(), args);
      interp.check_size(out.size());
      interp.charge(out.size());
      return Value(std::move(out));
    }
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (b.as_float() == 0.0) fail("division by zero");
    return Value(a.as_float() / b.as_float());
  }
  if (op == "//" || op == "%") {
    if (ints) {
      int64_t x = a.as_int(), y = b.as_int();
      if (y == 0) fail(op == "//" ? "integer division or modulo by zero" : "integer modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) fail("integer overflow in template arithmetic");
      int64_t q = x / y, r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) {
        q -= 1;
        r += y;
      }
      return op == "//" ? Value(q) : Value(r);
    }
    double x = a.as_float(), y = b.as_float();
    if (y == 0.0) fail("float divmod()");
    if (op == "%") return Value(py_fmod(x, y));
    return Value(std::floor(x / y));
  }
  if (op == "**") {
    if (ints && b.as_int() >= 0) {
      int64_t base = a.as_int(), e = b.as_int(), r = 1;
      while (e > 0) {
        if ((e & 1) && __builtin_mul_overflow(r, base, &r)) fail("integer overflow in template arithmetic");
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) fail("integer overflow in template arithmetic");
      }
      return Value(r);
    }
    if (a.as_float() == 0.0 && b.as_float() < 0) fail("0.0 cannot be raised to a negative power");
    return Value(std::pow(a.as_float(), b.as_float()));
  }
  fail("unknown operator '" + op + "'");
}

}  // namespace ledge::tmpl
