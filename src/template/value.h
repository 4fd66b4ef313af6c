// The value model of the template language: the Python objects Jinja2 templates
// see (None, bool, int, float, str, list/tuple, dict, callables, namespaces)
// plus Jinja2's Undefined. Values are cheap to copy: containers and strings are
// shared, and the sandbox is immutable, so sharing is never observable except
// through namespace objects, which Jinja2 also shares by reference.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ledge::tmpl {

class Value;
class Interpreter;
struct ListObj;
struct DictObj;
struct CallableObj;

// Containers may nest at most this deep, so printing, comparing and freeing
// them (all recursive) stays far from the stack limit.
inline constexpr uint32_t kMaxValueDepth = 512;

enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Callable, Namespace };

// Positional and keyword arguments of a call, in source order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

class Value {
 public:
  Value() = default;  // Undefined
  Value(bool b) : kind_(Kind::Bool), b_(b) {}
  Value(int64_t i) : kind_(Kind::Int), i_(i) {}
  Value(int i) : kind_(Kind::Int), i_(i) {}
  Value(double f) : kind_(Kind::Float), f_(f) {}
  Value(std::string s) : kind_(Kind::String), s_(std::make_shared<const std::string>(std::move(s))) {}
  Value(const char* s) : Value(std::string(s)) {}

  // An Undefined that remembers why it is undefined, for the error raised when
  // a template uses it in a way Jinja2's Undefined refuses (call, attribute...).
  static Value undefined(std::string hint);
  // A markupsafe.Markup string (from |safe or |escape): concatenating it with
  // a plain string HTML-escapes the plain side, as Python's Markup does.
  static Value markup(std::string s);
  static Value none();
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  // A tuple whose items are also attributes (Python namedtuple), e.g. the
  // (grouper, list) pairs of the groupby filter.
  static Value named_tuple(std::vector<Value> items, std::shared_ptr<const std::vector<std::string>> fields);
  static Value dict(std::shared_ptr<DictObj> d);
  static Value new_dict();
  static Value namespace_obj(std::shared_ptr<DictObj> d);
  static Value callable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn);
  static Value from_json(const nlohmann::ordered_json& j, uint32_t depth = 0);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_markup() const { return kind_ == Kind::String && markup_; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const;
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_namespace() const { return kind_ == Kind::Namespace; }
  bool is_callable() const { return kind_ == Kind::Callable; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == Kind::Bool ? (b_ ? 1 : 0) : i_; }
  double as_float() const;  // int, bool or float as a double
  const std::string& str() const { return *s_; }
  const std::vector<Value>& items() const;
  const ListObj& list_obj() const { return *l_; }
  const DictObj& dict_obj() const { return *d_; }
  DictObj& mutable_dict_obj() const { return *d_; }
  const CallableObj& callable_obj() const { return *c_; }
  const std::string& undefined_hint() const;

  // Container nesting depth: 0 for scalars, 1 for a flat list/dict.
  uint32_t nesting() const;

  bool truthy() const;
  // Python str(): what `{{ x }}` prints. Undefined prints as "".
  std::string to_str() const;
  // Python repr(), used inside containers: ['a', 1], {'k': None}.
  std::string repr() const;
  // Python type name, for error messages ("NoneType", "dict", ...).
  std::string type_name() const;

 private:
  Kind kind_ = Kind::Undefined;
  bool b_ = false;
  bool markup_ = false;
  int64_t i_ = 0;
  double f_ = 0.0;
  std::shared_ptr<const std::string> s_;  // string value, or an Undefined's hint
  std::shared_ptr<ListObj> l_;
  std::shared_ptr<DictObj> d_;
  std::shared_ptr<CallableObj> c_;
};

struct ListObj {
  std::vector<Value> items;
  bool is_tuple = false;
  uint32_t depth = 1;
  std::shared_ptr<const std::vector<std::string>> field_names;  // namedtuple fields, else null
};

// An insertion-ordered dict like Python's. Keys are hashed by a canonical
// string so that 1, 1.0 and True are the same key, as in Python.
struct DictObj {
  std::vector<std::pair<Value, Value>> entries;
  std::unordered_map<std::string, size_t> index;
  uint32_t depth = 1;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(const Value& key, Value value);
  size_t size() const { return entries.size(); }
};

struct CallableObj {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> fn;
};

// Canonical hash key of a dict key; throws a TemplateError for unhashable
// values (lists, dicts), as Python raises TypeError.
std::string hash_key(const Value& v);

// Python ==, with Jinja2's Undefined equal only to Undefined.
bool values_equal(const Value& a, const Value& b);
// Python <, for sorting and comparisons; throws for unorderable types.
bool value_less(const Value& a, const Value& b);

nlohmann::ordered_json to_json_value(const Value& v);

}  // namespace ledge::tmpl
