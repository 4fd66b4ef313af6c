// Tree-walking evaluator: executes a parsed template against a context and
// produces the rendered text, under resource limits for untrusted templates.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "template/ast.h"
#include "template/value.h"

namespace ledge::tmpl {

struct RenderLimits {
  uint64_t max_steps = 20'000'000;        // statements + expressions evaluated
  size_t max_output_bytes = 64u << 20;    // any single rendered/built string, and the total output
  int max_call_depth = 128;               // nested macro calls
  int64_t max_range = 1'000'000;          // elements range() may produce
  int max_eval_depth = 600;               // nested statement/expression evaluation
  // Wall-clock budget, checked as steps are counted: a backstop for work the
  // step count weighs poorly (big values copied or compared many times).
  uint64_t max_wall_ms = 10'000;
};

// Variables visible at one point; lookups walk up to the parent. For-loop
// iterations, macro calls and block captures get their own scope, so
// assignments there do not leak out (Jinja2 scoping; namespaces exist for that).
struct Scope {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Scope> parent;
};

class Interpreter {
 public:
  Interpreter(const RenderLimits& limits, std::shared_ptr<Scope> globals);

  // Renders `body`; throws TemplateError on failure.
  std::string render(const Body& body);

  // Calls a callable value (macro, builtin, bound method).
  Value call(const Value& fn, CallArgs& args, size_t offset);
  // Applies a filter / test by name (used by select, map, ... too).
  Value filter(const std::string& name, const Value& input, CallArgs& args, size_t offset);
  bool test(const std::string& name, const Value& input, CallArgs& args, size_t offset);

  // Counts one unit of work; fails once the step budget is spent.
  void tick();
  // Fails when a string about to be built would exceed the output limit.
  void check_size(size_t bytes) const;
  // Counts the cost of building `bytes` of string or list data against the
  // step budget (one step per 64 bytes), so repeated copying of big values
  // runs out of budget instead of running for hours.
  void charge(size_t bytes);
  const RenderLimits& limits() const { return limits_; }

 private:
  enum class Flow { Normal, Break, Continue };
  Flow exec_body(const Body& body, const std::shared_ptr<Scope>& scope);
  Flow exec(const Stmt& s, const std::shared_ptr<Scope>& scope);
  void exec_for(const Stmt& s, const std::shared_ptr<Scope>& scope);
  void exec_set(const Stmt& s, const std::shared_ptr<Scope>& scope);
  std::string capture(const Body& body, const std::shared_ptr<Scope>& scope);
  Value make_macro(const Stmt& s, const std::shared_ptr<Scope>& scope);
  void assign(const Expr& target, const Value& v, const std::shared_ptr<Scope>& scope, size_t offset);

  Value eval(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value eval_binary(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value eval_compare(const Expr& e, const std::shared_ptr<Scope>& scope);
  CallArgs eval_args(const Expr& e, const std::shared_ptr<Scope>& scope);
  Value apply_filter_expr(const Expr& e, Value input, const std::shared_ptr<Scope>& scope);
  Value lookup(const std::string& name, const std::shared_ptr<Scope>& scope) const;

  void emit(std::string_view text);

  RenderLimits limits_;
  std::shared_ptr<Scope> globals_;
  std::string* out_ = nullptr;
  size_t total_output_ = 0;
  uint64_t steps_ = 0;
  uint64_t next_time_check_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  int call_depth_ = 0;
  int eval_depth_ = 0;
  // Scopes that macros and call blocks close over. Closures hold weak
  // references (a scope holding its own macro would otherwise be a reference
  // cycle that leaks); this list keeps them alive for the render.
  std::vector<std::shared_ptr<Scope>> closure_scopes_;
  struct EvalDepthGuard;
  size_t current_offset_ = 0;

 public:
  size_t current_offset() const { return current_offset_; }
};

// Jinja2 attribute access `obj.name`: attribute (incl. methods) first, then item.
Value get_attribute(const Value& obj, const std::string& name);
// Jinja2 subscription `obj[key]`: item first, then attribute for string keys.
Value get_item(const Value& obj, const Value& key);
// Python slicing obj[start:stop:step] on str, list and tuple.
Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step);
// Elements of an iterable (list, tuple, dict keys, string characters);
// Undefined iterates as empty, as Jinja2's default Undefined does.
std::vector<Value> iterate(const Value& v);
// Python `needle in haystack`.
bool contains(const Value& haystack, const Value& needle);
// Raises Jinja2's UndefinedError for a misused Undefined.
[[noreturn]] void undefined_error(const Value& v);

}  // namespace ledge::tmpl
