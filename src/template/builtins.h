// Built-in filters, tests, methods and globals, in the files named after them.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "template/value.h"

namespace ledge::tmpl {

class Interpreter;

// Arguments bound to a Python-style signature: positional first, then by name.
class BoundArgs {
 public:
  BoundArgs(const std::string& callee, CallArgs& args, std::initializer_list<const char*> params);
  bool has(size_t i) const { return present_[i]; }
  const Value& get(size_t i) const { return values_[i]; }
  Value get_or(size_t i, Value fallback) const { return present_[i] ? values_[i] : std::move(fallback); }

 private:
  std::vector<Value> values_;
  std::vector<bool> present_;
};

// filters.cpp — throws TemplateError("No filter named ...") for unknown names.
Value call_filter(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args);
bool has_filter(const std::string& name);
// builtin_tests.cpp
bool call_test(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args);
bool has_test(const std::string& name);
// methods.cpp — Python methods of str/dict/list bound to `self`; nullopt when
// the type has no such attribute. Mutating methods come back as an Undefined
// that raises the sandbox's SecurityError when called.
std::optional<Value> bound_method(const Value& self, const std::string& name);
// string_format.cpp — Python str.format().
std::string py_str_format(const std::string& fmt, const CallArgs& args);
// string_format.cpp — Python printf-style `fmt % args` (%s %r %d %i %f %e %g).
std::string py_percent_format(const std::string& fmt, const std::vector<Value>& args);
// globals.cpp
struct GlobalsConfig {
  std::string now;  // "YYYY-MM-DDTHH:MM:SS" for strftime_now
};
void install_globals(std::unordered_map<std::string, Value>& vars, const GlobalsConfig& config);
std::string format_time(const std::string& fmt, const std::string& now_iso);

// Integer / float conversions shared by filters and globals.
std::optional<int64_t> to_integer(const Value& v);

}  // namespace ledge::tmpl
