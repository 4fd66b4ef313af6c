// Jinja2's built-in tests (`x is defined`, `x is divisibleby 3`, ...).
#include <functional>
#include <unordered_map>

#include "template/builtins.h"
#include "template/error.h"
#include "template/interpreter.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

using TestFn = std::function<bool(Interpreter&, const Value&, CallArgs&)>;

const Value& single_arg(const char* name, CallArgs& args) {
  if (args.positional.size() != 1 || !args.keyword.empty())
    fail(std::string("test '") + name + "' takes exactly one argument");
  return args.positional[0];
}

int64_t integer_operand(const char* name, const Value& v) {
  if (v.is_undefined()) undefined_error(v);
  if (!v.is_int() && !v.is_bool()) {
    if (v.is_float()) return static_cast<int64_t>(v.as_float());
    fail(std::string("test '") + name + "' needs a number, got " + v.type_name());
  }
  return v.as_int();
}

bool ordered(const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  return value_less(a, b);
}

bool all_cased(const std::string& s, bool upper) {
  bool any_cased = false;
  for (char32_t cp : utf8_decode(s)) {
    if (upper ? is_cased_lower(cp) : is_cased_upper(cp)) return false;
    if (upper ? is_cased_upper(cp) : is_cased_lower(cp)) any_cased = true;
  }
  return any_cased;
}

const std::unordered_map<std::string, TestFn>& registry() {
  static const std::unordered_map<std::string, TestFn> tests = [] {
    std::unordered_map<std::string, TestFn> t;
    t["defined"] = [](Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); };
    t["undefined"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); };
    t["none"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_none(); };
    t["string"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_string(); };
    // numbers.Number includes bool in Python; `integer` excludes it.
    t["number"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_number(); };
    t["integer"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_int(); };
    t["float"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_float(); };
    t["boolean"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool(); };
    t["true"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); };
    t["false"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); };
    t["mapping"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_dict(); };
    // Jinja2's Undefined is iterable (as empty) and has len/getitem.
    t["iterable"] = [](Interpreter&, const Value& v, CallArgs&) {
      return v.is_undefined() || v.is_list() || v.is_dict() || v.is_string();
    };
    t["sequence"] = [](Interpreter&, const Value& v, CallArgs&) {
      return v.is_undefined() || v.is_list() || v.is_dict() || v.is_string();
    };
    t["callable"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_callable(); };
    t["odd"] = [](Interpreter&, const Value& v, CallArgs&) { return integer_operand("odd", v) % 2 != 0; };
    t["even"] = [](Interpreter&, const Value& v, CallArgs&) { return integer_operand("even", v) % 2 == 0; };
    t["divisibleby"] = [](Interpreter&, const Value& v, CallArgs& a) {
      int64_t d = integer_operand("divisibleby", single_arg("divisibleby", a));
      if (d == 0) fail("integer division or modulo by zero");
      return integer_operand("divisibleby", v) % d == 0;
    };
    TestFn eq = [](Interpreter&, const Value& v, CallArgs& a) { return values_equal(v, single_arg("eq", a)); };
    TestFn ne = [](Interpreter&, const Value& v, CallArgs& a) { return !values_equal(v, single_arg("ne", a)); };
    TestFn lt = [](Interpreter&, const Value& v, CallArgs& a) { return ordered(v, single_arg("lt", a)); };
    TestFn gt = [](Interpreter&, const Value& v, CallArgs& a) { return ordered(single_arg("gt", a), v); };
    TestFn le = [](Interpreter&, const Value& v, CallArgs& a) { return !ordered(single_arg("le", a), v); };
    TestFn ge = [](Interpreter&, const Value& v, CallArgs& a) { return !ordered(v, single_arg("ge", a)); };
    for (const char* n : {"eq", "equalto", "=="}) t[n] = eq;
    for (const char* n : {"ne", "!="}) t[n] = ne;
    for (const char* n : {"lt", "lessthan", "<"}) t[n] = lt;
    for (const char* n : {"gt", "greaterthan", ">"}) t[n] = gt;
    for (const char* n : {"le", "<="}) t[n] = le;
    for (const char* n : {"ge", ">="}) t[n] = ge;
    t["in"] = [](Interpreter&, const Value& v, CallArgs& a) { return contains(single_arg("in", a), v); };
    t["sameas"] = [](Interpreter&, const Value& v, CallArgs& a) {
      const Value& o = single_arg("sameas", a);
      if (v.kind() != o.kind()) return false;
      switch (v.kind()) {
        case Kind::None: case Kind::Undefined: return true;
        case Kind::Bool: return v.as_bool() == o.as_bool();
        case Kind::Int: return v.as_int() == o.as_int();
        case Kind::List: return &v.items() == &o.items();
        case Kind::Dict: case Kind::Namespace: return &v.dict_obj() == &o.dict_obj();
        case Kind::Callable: return &v.callable_obj() == &o.callable_obj();
        default: return false;
      }
    };
    t["lower"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() && all_cased(v.str(), false); };
    t["upper"] = [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() && all_cased(v.str(), true); };
    t["escaped"] = [](Interpreter&, const Value&, CallArgs&) { return false; };
    return t;
  }();
  return tests;
}

}  // namespace

bool has_test(const std::string& name) { return registry().count(name) != 0; }

bool call_test(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args) {
  auto it = registry().find(name);
  if (it == registry().end()) fail("No test named '" + name + "'.");
  return it->second(interp, input, args);
}

}  // namespace ledge::tmpl
