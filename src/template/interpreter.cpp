#include "template/interpreter.h"

#include "template/builtins.h"
#include "template/error.h"
#include "template/operators.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

std::shared_ptr<Scope> child_scope(const std::shared_ptr<Scope>& parent) {
  auto s = std::make_shared<Scope>();
  s->parent = parent;
  return s;
}

// Python index normalization for obj[i]; nullopt when out of range.
std::optional<size_t> normalize_index(int64_t i, size_t size) {
  int64_t n = static_cast<int64_t>(size);
  if (i < 0) i += n;
  if (i < 0 || i >= n) return std::nullopt;
  return static_cast<size_t>(i);
}

}  // namespace

[[noreturn]] void undefined_error(const Value& v) {
  const std::string& hint = v.undefined_hint();
  fail(hint.empty() ? "value is undefined" : hint);
}

Value get_attribute(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Kind::Undefined:
      undefined_error(obj);
    case Kind::Dict: {
      if (auto m = bound_method(obj, name)) return *m;
      if (const Value* v = obj.dict_obj().find(std::string_view(name))) return *v;
      return Value::undefined("'dict object' has no attribute '" + name + "'");
    }
    case Kind::Namespace: {
      if (const Value* v = obj.dict_obj().find(std::string_view(name))) return *v;
      return Value::undefined("'Namespace object' has no attribute '" + name + "'");
    }
    case Kind::String: case Kind::List:
      if (obj.is_list() && obj.list_obj().field_names) {
        const auto& fields = *obj.list_obj().field_names;
        for (size_t i = 0; i < fields.size() && i < obj.items().size(); ++i)
          if (fields[i] == name) return obj.items()[i];
      }
      if (auto m = bound_method(obj, name)) return *m;
      return Value::undefined("'" + obj.type_name() + " object' has no attribute '" + name + "'");
    case Kind::None:
      return Value::undefined("'None' has no attribute '" + name + "'");
    default:
      return Value::undefined("'" + obj.type_name() + " object' has no attribute '" + name + "'");
  }
}

Value get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::Undefined:
      undefined_error(obj);
    case Kind::Dict: case Kind::Namespace: {
      if (const Value* v = obj.dict_obj().find(key)) return *v;
      if (key.is_string() && obj.is_dict())
        if (auto m = bound_method(obj, key.str())) return *m;
      return Value::undefined("'dict object' has no attribute '" + key.to_str() + "'");
    }
    case Kind::List:
      if (key.is_int() || key.is_bool()) {
        if (auto i = normalize_index(key.as_int(), obj.items().size())) return obj.items()[*i];
        return Value::undefined("'" + obj.type_name() + " object' has no element " + key.repr());
      }
      if (key.is_string()) return get_attribute(obj, key.str());
      return Value::undefined("'" + obj.type_name() + " object' has no element " + key.repr());
    case Kind::String:
      if (key.is_int() || key.is_bool()) {
        std::u32string cps = utf8_decode(obj.str());
        if (auto i = normalize_index(key.as_int(), cps.size())) return Value(utf8_encode(cps.substr(*i, 1)));
        return Value::undefined("'str object' has no element " + key.repr());
      }
      if (key.is_string())
        if (auto m = bound_method(obj, key.str())) return *m;
      return Value::undefined("'str object' has no element " + key.repr());
    default:
      return Value::undefined("'" + obj.type_name() + " object' has no element " + key.repr());
  }
}

Value slice_value(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.is_undefined()) undefined_error(obj);
  auto as_opt = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (!v.is_int() && !v.is_bool()) fail(std::string("slice ") + what + " must be an integer or None");
    return v.as_int();
  };
  int64_t step = as_opt(step_v, "step").value_or(1);
  if (step == 0) fail("slice step cannot be zero");
  std::u32string cps;
  size_t size;
  if (obj.is_string()) {
    cps = utf8_decode(obj.str());
    size = cps.size();
  } else if (obj.is_list()) {
    size = obj.items().size();
  } else {
    return Value::undefined("'" + obj.type_name() + "' object is not subscriptable");
  }
  const int64_t n = static_cast<int64_t>(size);
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) -> int64_t {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) x += n;
    if (step > 0) return std::clamp<int64_t>(x, 0, n);
    return std::clamp<int64_t>(x, -1, n - 1);
  };
  int64_t start = clamp(as_opt(start_v, "start"), step > 0 ? 0 : n - 1);
  int64_t stop = clamp(as_opt(stop_v, "stop"), step > 0 ? n : -1);
  std::vector<size_t> picks;
  // Steps may be huge; stop before the index would overflow.
  if (step > 0) {
    for (int64_t i = start; i < stop; i = (stop - i > step) ? i + step : stop) picks.push_back(static_cast<size_t>(i));
  } else {
    for (int64_t i = start; i > stop; i = (i - stop > -(step + 1)) ? i + step : stop) picks.push_back(static_cast<size_t>(i));
  }
  if (obj.is_string()) {
    std::u32string out;
    for (size_t i : picks) out.push_back(cps[i]);
    return Value(utf8_encode(out));
  }
  std::vector<Value> out;
  for (size_t i : picks) out.push_back(obj.items()[i]);
  return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return {};
    case Kind::List: return v.items();
    case Kind::Dict: {
      std::vector<Value> keys;
      for (const auto& kv : v.dict_obj().entries) keys.push_back(kv.first);
      return keys;
    }
    case Kind::String: {
      std::vector<Value> chars;
      for (char32_t cp : utf8_decode(v.str())) {
        std::string s;
        append_utf8(s, cp);
        chars.emplace_back(std::move(s));
      }
      return chars;
    }
    default:
      fail("'" + v.type_name() + "' object is not iterable");
  }
}

bool contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Kind::Undefined: return false;
    case Kind::String:
      if (!needle.is_string()) fail("'in <string>' requires string as left operand, not " + needle.type_name());
      return haystack.str().find(needle.str()) != std::string::npos;
    case Kind::List:
      for (const auto& e : haystack.items())
        if (values_equal(e, needle)) return true;
      return false;
    case Kind::Dict: case Kind::Namespace:
      return haystack.dict_obj().find(needle) != nullptr;
    default:
      fail("argument of type '" + haystack.type_name() + "' is not iterable");
  }
}

struct Interpreter::EvalDepthGuard {
  explicit EvalDepthGuard(Interpreter& i) : interp(i) {
    if (++interp.eval_depth_ > interp.limits_.max_eval_depth) {
      --interp.eval_depth_;
      fail("template evaluation nested too deeply (more than " + std::to_string(interp.limits_.max_eval_depth) +
           " levels)");
    }
  }
  ~EvalDepthGuard() { --interp.eval_depth_; }
  Interpreter& interp;
};

namespace {

// True when `v` is or contains the namespace object `ns`; storing such a value
// into `ns` would make a reference cycle (unprintable and never freed).
bool refers_to(const Value& v, const DictObj* ns) {
  switch (v.kind()) {
    case Kind::List:
      for (const auto& e : v.items())
        if (refers_to(e, ns)) return true;
      return false;
    case Kind::Dict: case Kind::Namespace:
      if (&v.dict_obj() == ns) return true;
      for (const auto& [k, e] : v.dict_obj().entries)
        if (refers_to(e, ns)) return true;
      return false;
    default:
      return false;
  }
}

}  // namespace

Interpreter::Interpreter(const RenderLimits& limits, std::shared_ptr<Scope> globals)
    : limits_(limits), globals_(std::move(globals)) {}

void Interpreter::tick() {
  if (++steps_ > limits_.max_steps) fail("template exceeded its step budget (" + std::to_string(limits_.max_steps) + " steps)");
  if (steps_ >= next_time_check_) {
    next_time_check_ = steps_ + 1024;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    if (static_cast<uint64_t>(elapsed.count()) > limits_.max_wall_ms)
      fail("template rendering exceeded its time limit of " + std::to_string(limits_.max_wall_ms) + " ms");
  }
}

void Interpreter::charge(size_t bytes) {
  steps_ += bytes / 64;
  tick();
}

void Interpreter::check_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes)
    fail("template output exceeds the limit of " + std::to_string(limits_.max_output_bytes) + " bytes");
}

void Interpreter::emit(std::string_view text) {
  total_output_ += text.size();
  check_size(total_output_);
  charge(text.size());
  out_->append(text);
}

std::string Interpreter::render(const Body& body) {
  std::string result;
  out_ = &result;
  exec_body(body, child_scope(globals_));
  out_ = nullptr;
  return result;
}

std::string Interpreter::capture(const Body& body, const std::shared_ptr<Scope>& scope) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  try {
    exec_body(body, scope);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buffer;
}

Interpreter::Flow Interpreter::exec_body(const Body& body, const std::shared_ptr<Scope>& scope) {
  for (const auto& s : body) {
    Flow f = exec(*s, scope);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, const std::shared_ptr<Scope>& scope) {
  tick();
  EvalDepthGuard depth_guard(*this);
  current_offset_ = s.offset;
  try {
    switch (s.kind) {
      case StmtKind::Text:
        emit(s.text);
        return Flow::Normal;
      case StmtKind::Output: {
        Value v = eval(*s.expr, scope);
        emit(v.to_str());
        return Flow::Normal;
      }
      case StmtKind::If:
        for (size_t i = 0; i < s.conditions.size(); ++i) {
          if (eval(*s.conditions[i], scope).truthy()) return exec_body(s.bodies[i], scope);
        }
        return exec_body(s.else_body, scope);
      case StmtKind::For:
        exec_for(s, scope);
        return Flow::Normal;
      case StmtKind::Set:
        exec_set(s, scope);
        return Flow::Normal;
      case StmtKind::SetBlock: {
        Value v(capture(s.body, child_scope(scope)));
        if (s.expr) v = apply_filter_expr(*s.expr, std::move(v), scope);
        scope->vars[s.name] = std::move(v);
        return Flow::Normal;
      }
      case StmtKind::Macro:
        scope->vars[s.name] = make_macro(s, scope);
        return Flow::Normal;
      case StmtKind::CallBlock: {
        const Stmt* stmt = &s;
        closure_scopes_.push_back(scope);
        std::weak_ptr<Scope> weak_closure = scope;
        Value caller = Value::callable("caller", [this, stmt, weak_closure](Interpreter&, CallArgs& args) -> Value {
          auto closure = weak_closure.lock();
          if (!closure) fail("caller() used after its call block ended");
          auto local = child_scope(closure);
          for (size_t i = 0; i < stmt->params.size(); ++i) {
            Value v;
            if (i < args.positional.size()) v = args.positional[i];
            else if (stmt->defaults[i]) v = eval(*stmt->defaults[i], local);
            for (auto& [k, kv] : args.keyword)
              if (k == stmt->params[i]) v = kv;
            local->vars[stmt->params[i]] = v;
          }
          return Value(capture(stmt->body, local));
        });
        const Expr& call = *s.expr;
        Value fn = eval(*call.operands[0], scope);
        CallArgs args = eval_args(call, scope);
        args.keyword.emplace_back("caller", caller);
        emit(this->call(fn, args, call.offset).to_str());
        return Flow::Normal;
      }
      case StmtKind::FilterBlock: {
        Value v(capture(s.body, child_scope(scope)));
        emit(apply_filter_expr(*s.expr, std::move(v), scope).to_str());
        return Flow::Normal;
      }
      case StmtKind::Break:
        return Flow::Break;
      case StmtKind::Continue:
        return Flow::Continue;
      case StmtKind::Generation:
        return exec_body(s.body, scope);
      case StmtKind::With: {
        // Values are computed in the outer scope, all before any is bound.
        auto inner = child_scope(scope);
        for (size_t i = 0; i < s.params.size(); ++i) inner->vars[s.params[i]] = eval(*s.defaults[i], scope);
        return exec_body(s.body, inner);
      }
    }
  } catch (TemplateError& err) {
    if (err.offset == kNoPosition) err.offset = s.offset;
    throw;
  }
  return Flow::Normal;
}

void Interpreter::assign(const Expr& target, const Value& v, const std::shared_ptr<Scope>& scope, size_t offset) {
  if (target.kind == ExprKind::Name) {
    scope->vars[target.name] = v;
    return;
  }
  if (target.kind == ExprKind::Tuple) {
    if (!v.is_list() && !v.is_string() && !v.is_dict())
      fail("cannot unpack non-iterable " + v.type_name() + " object", offset);
    std::vector<Value> items = iterate(v);
    if (items.size() < target.operands.size())
      fail("not enough values to unpack (expected " + std::to_string(target.operands.size()) + ", got " +
               std::to_string(items.size()) + ")", offset);
    if (items.size() > target.operands.size())
      fail("too many values to unpack (expected " + std::to_string(target.operands.size()) + ")", offset);
    for (size_t i = 0; i < items.size(); ++i) assign(*target.operands[i], items[i], scope, offset);
    return;
  }
  if (target.kind == ExprKind::GetAttr) {
    Value obj = lookup(target.operands[0]->name, scope);
    if (!obj.is_namespace()) fail("can't assign attribute '" + target.name + "' on a non-namespace object", offset);
    if (refers_to(v, &obj.dict_obj())) fail("can't store a namespace inside itself", offset);
    obj.mutable_dict_obj().set(Value(target.name), v);
    return;
  }
  fail("invalid assignment target", offset);
}

void Interpreter::exec_set(const Stmt& s, const std::shared_ptr<Scope>& scope) {
  Value v = eval(*s.expr, scope);
  assign(*s.target, v, scope, s.offset);
}

void Interpreter::exec_for(const Stmt& s, const std::shared_ptr<Scope>& scope) {
  if (s.recursive) fail("recursive for loops are not supported", s.offset);
  Value iterable = eval(*s.expr, scope);
  std::vector<Value> items = iterate(iterable);
  if (s.condition) {
    std::vector<Value> kept;
    for (auto& item : items) {
      tick();
      auto probe = child_scope(scope);
      assign(*s.target, item, probe, s.offset);
      if (eval(*s.condition, probe).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(s.else_body, child_scope(scope));
    return;
  }
  const int64_t n = static_cast<int64_t>(items.size());
  auto last_seen = std::make_shared<std::optional<Value>>();  // state of loop.changed()
  for (int64_t i = 0; i < n; ++i) {
    tick();
    auto iter_scope = child_scope(scope);
    assign(*s.target, items[static_cast<size_t>(i)], iter_scope, s.offset);
    auto loop = std::make_shared<DictObj>();
    loop->set(Value("index"), Value(i + 1));
    loop->set(Value("index0"), Value(i));
    loop->set(Value("revindex"), Value(n - i));
    loop->set(Value("revindex0"), Value(n - i - 1));
    loop->set(Value("first"), Value(i == 0));
    loop->set(Value("last"), Value(i == n - 1));
    loop->set(Value("length"), Value(n));
    loop->set(Value("depth"), Value(1));
    loop->set(Value("depth0"), Value(0));
    loop->set(Value("previtem"), i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item"));
    loop->set(Value("nextitem"), i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item"));
    loop->set(Value("cycle"), Value::callable("cycle", [i](Interpreter&, CallArgs& args) -> Value {
      if (args.positional.empty()) fail("no items for cycling given");
      return args.positional[static_cast<size_t>(i) % args.positional.size()];
    }));
    loop->set(Value("changed"), Value::callable("changed", [last_seen](Interpreter&, CallArgs& args) -> Value {
      Value now = Value::tuple(args.positional);
      if (*last_seen && values_equal(**last_seen, now)) return Value(false);
      *last_seen = now;
      return Value(true);
    }));
    iter_scope->vars["loop"] = Value::dict(std::move(loop));
    Flow f = exec_body(s.body, iter_scope);
    if (f == Flow::Break) break;
  }
}

Value Interpreter::make_macro(const Stmt& s, const std::shared_ptr<Scope>& scope) {
  const Stmt* stmt = &s;
  closure_scopes_.push_back(scope);
  std::weak_ptr<Scope> weak_closure = scope;
  return Value::callable(s.name, [stmt, weak_closure](Interpreter& interp, CallArgs& args) -> Value {
    auto closure = weak_closure.lock();
    if (!closure) fail("macro '" + stmt->name + "' called after its defining scope ended");
    if (++interp.call_depth_ > interp.limits_.max_call_depth) {
      --interp.call_depth_;
      fail("macro '" + stmt->name + "' exceeded the maximum call depth of " +
           std::to_string(interp.limits_.max_call_depth));
    }
    struct DepthRelease {
      int& d;
      ~DepthRelease() { --d; }
    } release{interp.call_depth_};
    auto local = child_scope(closure);
    const size_t np = stmt->params.size();
    std::vector<bool> bound(np, false);
    std::vector<Value> extra_positional;
    for (size_t i = 0; i < args.positional.size(); ++i) {
      if (i < np) {
        local->vars[stmt->params[i]] = args.positional[i];
        bound[i] = true;
      } else {
        extra_positional.push_back(args.positional[i]);
      }
    }
    auto extra_kw = std::make_shared<DictObj>();
    bool has_caller = false;
    for (auto& [k, v] : args.keyword) {
      bool matched = false;
      for (size_t i = 0; i < np; ++i) {
        if (stmt->params[i] == k) {
          if (bound[i]) fail("macro '" + stmt->name + "' got multiple values for argument '" + k + "'");
          local->vars[k] = v;
          bound[i] = true;
          matched = true;
        }
      }
      if (matched) continue;
      if (k == "caller") {
        local->vars["caller"] = v;
        has_caller = true;
        continue;
      }
      extra_kw->set(Value(k), v);
    }
    for (size_t i = 0; i < np; ++i) {
      if (bound[i]) continue;
      if (stmt->defaults[i]) local->vars[stmt->params[i]] = interp.eval(*stmt->defaults[i], local);
      else local->vars[stmt->params[i]] = Value::undefined("parameter '" + stmt->params[i] + "' was not provided");
    }
    if (!has_caller) local->vars["caller"] = Value::undefined("'caller' is undefined");
    local->vars["varargs"] = Value::tuple(std::move(extra_positional));
    local->vars["kwargs"] = Value::dict(std::move(extra_kw));
    return Value(interp.capture(stmt->body, local));
  });
}

Value Interpreter::lookup(const std::string& name, const std::shared_ptr<Scope>& scope) const {
  for (const Scope* s = scope.get(); s; s = s->parent.get()) {
    auto it = s->vars.find(name);
    if (it != s->vars.end()) return it->second;
  }
  return Value::undefined("'" + name + "' is undefined");
}

Value Interpreter::call(const Value& fn, CallArgs& args, size_t offset) {
  if (fn.is_undefined()) undefined_error(fn);
  if (!fn.is_callable()) fail("'" + fn.type_name() + "' object is not callable", offset);
  return fn.callable_obj().fn(*this, args);
}

Value Interpreter::filter(const std::string& name, const Value& input, CallArgs& args, size_t offset) {
  tick();
  (void)offset;
  return call_filter(*this, name, input, args);
}

bool Interpreter::test(const std::string& name, const Value& input, CallArgs& args, size_t offset) {
  tick();
  (void)offset;
  return call_test(*this, name, input, args);
}

CallArgs Interpreter::eval_args(const Expr& e, const std::shared_ptr<Scope>& scope) {
  CallArgs out;
  const size_t n_kw = e.kwarg_names.size();
  const size_t n_pos = e.args.size() - n_kw;
  for (size_t i = 0; i < n_pos; ++i) out.positional.push_back(eval(*e.args[i], scope));
  for (size_t i = 0; i < n_kw; ++i) out.keyword.emplace_back(e.kwarg_names[i], eval(*e.args[n_pos + i], scope));
  return out;
}

Value Interpreter::apply_filter_expr(const Expr& e, Value input, const std::shared_ptr<Scope>& scope) {
  // A chain parsed without a receiver: apply the innermost filter first.
  if (e.operands[0]) input = apply_filter_expr(*e.operands[0], std::move(input), scope);
  CallArgs args = eval_args(e, scope);
  return filter(e.name, input, args, e.offset);
}

Value Interpreter::eval_compare(const Expr& e, const std::shared_ptr<Scope>& scope) {
  Value left = eval(*e.operands[0], scope);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.operands[i + 1], scope);
    const std::string& op = e.ops[i];
    bool r;
    if (op == "==") r = values_equal(left, right);
    else if (op == "!=") r = !values_equal(left, right);
    else if (op == "in") r = contains(right, left);
    else if (op == "notin") r = !contains(right, left);
    else {
      if (left.is_undefined()) undefined_error(left);
      if (right.is_undefined()) undefined_error(right);
      if (op == "<") r = value_less(left, right);
      else if (op == ">") r = value_less(right, left);
      else if (op == "<=") r = !value_less(right, left);
      else r = !value_less(left, right);
      if ((op == "<=" || op == ">=") && !(left.is_number() && right.is_number()) &&
          !(left.is_string() && right.is_string()) && !(left.is_list() && right.is_list()))
        fail("'" + op + "' not supported between instances of '" + left.type_name() + "' and '" + right.type_name() + "'");
    }
    if (!r) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Value Interpreter::eval_binary(const Expr& e, const std::shared_ptr<Scope>& scope) {
  const std::string& op = e.name;
  if (op == "and") {
    Value l = eval(*e.operands[0], scope);
    if (!l.truthy()) return l;
    return eval(*e.operands[1], scope);
  }
  if (op == "or") {
    Value l = eval(*e.operands[0], scope);
    if (l.truthy()) return l;
    return eval(*e.operands[1], scope);
  }
  Value l = eval(*e.operands[0], scope);
  Value r = eval(*e.operands[1], scope);
  if (op == "~") {
    std::string a = l.to_str();
    std::string b = r.to_str();
    check_size(a.size() + b.size());
    charge(a.size() + b.size());
    return Value(a + b);
  }
  return arithmetic(op, l, r, *this);
}

Value Interpreter::eval(const Expr& e, const std::shared_ptr<Scope>& scope) {
  tick();
  EvalDepthGuard depth_guard(*this);
  try {
    switch (e.kind) {
      case ExprKind::Literal:
        return e.literal;
      case ExprKind::Name:
        return lookup(e.name, scope);
      case ExprKind::GetAttr:
        return get_attribute(eval(*e.operands[0], scope), e.name);
      case ExprKind::GetItem: {
        Value obj = eval(*e.operands[0], scope);
        return get_item(obj, eval(*e.operands[1], scope));
      }
      case ExprKind::Slice: {
        Value obj = eval(*e.operands[0], scope);
        Value parts[3];
        for (int i = 0; i < 3; ++i)
          if (e.operands[static_cast<size_t>(i) + 1]) parts[i] = eval(*e.operands[static_cast<size_t>(i) + 1], scope);
        return slice_value(obj, parts[0], parts[1], parts[2]);
      }
      case ExprKind::Call: {
        Value fn = eval(*e.operands[0], scope);
        CallArgs args = eval_args(e, scope);
        return call(fn, args, e.offset);
      }
      case ExprKind::Filter: {
        Value input = eval(*e.operands[0], scope);
        CallArgs args = eval_args(e, scope);
        return filter(e.name, input, args, e.offset);
      }
      case ExprKind::Test: {
        Value input = eval(*e.operands[0], scope);
        CallArgs args = eval_args(e, scope);
        bool r = test(e.name, input, args, e.offset);
        return Value(e.negated ? !r : r);
      }
      case ExprKind::Unary: {
        Value v = eval(*e.operands[0], scope);
        if (e.name == "not") return Value(!v.truthy());
        if (v.is_undefined()) undefined_error(v);
        if (!v.is_number()) fail("bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
        if (e.name == "+") return v.is_bool() ? Value(v.as_int()) : v;
        if (v.is_float()) return Value(-v.as_float());
        if (v.as_int() == INT64_MIN) fail("integer overflow in template arithmetic");
        return Value(-v.as_int());
      }
      case ExprKind::Binary:
        return eval_binary(e, scope);
      case ExprKind::Compare:
        return eval_compare(e, scope);
      case ExprKind::CondExpr:
        if (eval(*e.operands[1], scope).truthy()) return eval(*e.operands[0], scope);
        if (e.operands[2]) return eval(*e.operands[2], scope);
        return Value::undefined("the inline if-expression evaluated to false and no else section was defined");
      case ExprKind::List: case ExprKind::Tuple: {
        std::vector<Value> items;
        items.reserve(e.operands.size());
        for (const auto& op : e.operands) items.push_back(eval(*op, scope));
        return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      case ExprKind::Dict: {
        auto d = std::make_shared<DictObj>();
        for (size_t i = 0; i + 1 < e.operands.size(); i += 2) {
          Value k = eval(*e.operands[i], scope);
          d->set(k, eval(*e.operands[i + 1], scope));
        }
        return Value::dict(std::move(d));
      }
    }
  } catch (TemplateError& err) {
    if (err.offset == kNoPosition) err.offset = e.offset;
    throw;
  }
  fail("unknown expression", e.offset);
}

}  // namespace ledge::tmpl
