#include "template/value.h"

#include <algorithm>
#include <cmath>

#include "template/error.h"
#include "template/py_format.h"

namespace ledge::tmpl {

Value Value::undefined(std::string hint) {
  Value v;
  v.s_ = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value Value::markup(std::string s) {
  Value v(std::move(s));
  v.markup_ = true;
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::List;
  uint32_t depth = 1;
  for (const auto& item : items) depth = std::max(depth, item.nesting() + 1);
  if (depth > kMaxValueDepth) fail("value nested too deeply (more than " + std::to_string(kMaxValueDepth) + " levels)");
  v.l_ = std::make_shared<ListObj>(ListObj{std::move(items), false, depth, nullptr});
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.l_->is_tuple = true;
  return v;
}

Value Value::named_tuple(std::vector<Value> items, std::shared_ptr<const std::vector<std::string>> fields) {
  Value v = tuple(std::move(items));
  v.l_->field_names = std::move(fields);
  return v;
}

Value Value::dict(std::shared_ptr<DictObj> d) {
  Value v;
  v.kind_ = Kind::Dict;
  v.d_ = std::move(d);
  return v;
}

Value Value::new_dict() { return dict(std::make_shared<DictObj>()); }

Value Value::namespace_obj(std::shared_ptr<DictObj> d) {
  Value v;
  v.kind_ = Kind::Namespace;
  v.d_ = std::move(d);
  return v;
}

Value Value::callable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn) {
  Value v;
  v.kind_ = Kind::Callable;
  v.c_ = std::make_shared<CallableObj>(CallableObj{std::move(name), std::move(fn)});
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j, uint32_t depth) {
  if (depth > kMaxValueDepth) fail("input JSON nested too deeply (more than " + std::to_string(kMaxValueDepth) + " levels)");
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return none();
    case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e, depth + 1));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      auto d = std::make_shared<DictObj>();
      for (auto it = j.begin(); it != j.end(); ++it) d->set(Value(it.key()), from_json(it.value(), depth + 1));
      return dict(std::move(d));
    }
    default:
      return none();
  }
}

uint32_t Value::nesting() const {
  if (kind_ == Kind::List) return l_->depth;
  if (kind_ == Kind::Dict || kind_ == Kind::Namespace) return d_->depth;
  return 0;
}

bool Value::is_tuple() const { return kind_ == Kind::List && l_->is_tuple; }

double Value::as_float() const {
  if (kind_ == Kind::Float) return f_;
  return static_cast<double>(as_int());
}

const std::vector<Value>& Value::items() const { return l_->items; }

const std::string& Value::undefined_hint() const {
  static const std::string empty;
  return s_ ? *s_ : empty;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined: case Kind::None: return false;
    case Kind::Bool: return b_;
    case Kind::Int: return i_ != 0;
    case Kind::Float: return f_ != 0.0;
    case Kind::String: return !s_->empty();
    case Kind::List: return !l_->items.empty();
    case Kind::Dict: return d_->size() != 0;
    case Kind::Callable: case Kind::Namespace: return true;
  }
  return false;
}

std::string Value::to_str() const {
  switch (kind_) {
    case Kind::Undefined: return "";
    case Kind::String: return *s_;
    default: return repr();
  }
}

std::string Value::repr() const {
  switch (kind_) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return b_ ? "True" : "False";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: return py_float_repr(f_);
    case Kind::String: return py_str_repr(*s_);
    case Kind::List: {
      std::string out = l_->is_tuple ? "(" : "[";
      for (size_t i = 0; i < l_->items.size(); ++i) {
        if (i) out += ", ";
        out += l_->items[i].repr();
      }
      if (l_->is_tuple && l_->items.size() == 1) out += ",";
      out += l_->is_tuple ? ")" : "]";
      return out;
    }
    case Kind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < d_->entries.size(); ++i) {
        if (i) out += ", ";
        out += d_->entries[i].first.repr();
        out += ": ";
        out += d_->entries[i].second.repr();
      }
      return out + "}";
    }
    case Kind::Namespace: {
      std::string out = "<Namespace {";
      for (size_t i = 0; i < d_->entries.size(); ++i) {
        if (i) out += ", ";
        out += d_->entries[i].first.repr() + ": " + d_->entries[i].second.repr();
      }
      return out + "}>";
    }
    case Kind::Callable: return "<function " + c_->name + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return l_->is_tuple ? "tuple" : "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Callable: return "function";
  }
  return "object";
}

std::string hash_key(const Value& v) {
  switch (v.kind()) {
    case Kind::String: return "s" + v.str();
    case Kind::Bool: case Kind::Int: return "n" + std::to_string(v.as_int());
    case Kind::Float: {
      double f = v.as_float();
      if (std::floor(f) == f && std::fabs(f) < 9.2e18) return "n" + std::to_string(static_cast<int64_t>(f));
      return "f" + py_float_repr(f);
    }
    case Kind::None: return "N";
    case Kind::List:
      if (v.is_tuple()) {
        std::string k = "t(";
        for (const auto& e : v.items()) k += hash_key(e) + "\x1f";
        return k + ")";
      }
      fail("unhashable type: 'list'");
    default:
      fail("unhashable type: '" + v.type_name() + "'");
  }
}

const Value* DictObj::find(const Value& key) const {
  if (key.kind() == Kind::List && !key.is_tuple()) return nullptr;
  if (key.kind() == Kind::Dict || key.kind() == Kind::Undefined || key.kind() == Kind::Callable ||
      key.kind() == Kind::Namespace)
    return nullptr;
  auto it = index.find(hash_key(key));
  return it == index.end() ? nullptr : &entries[it->second].second;
}

const Value* DictObj::find(std::string_view key) const {
  auto it = index.find("s" + std::string(key));
  return it == index.end() ? nullptr : &entries[it->second].second;
}

void DictObj::set(const Value& key, Value value) {
  uint32_t needed = std::max(key.nesting(), value.nesting()) + 1;
  if (needed > kMaxValueDepth) fail("value nested too deeply (more than " + std::to_string(kMaxValueDepth) + " levels)");
  depth = std::max(depth, needed);
  std::string k = hash_key(key);
  auto it = index.find(k);
  if (it != index.end()) {
    entries[it->second].second = std::move(value);
    return;
  }
  index.emplace(std::move(k), entries.size());
  entries.emplace_back(key, std::move(value));
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined: case Kind::None: return true;
    case Kind::String: return a.str() == b.str();
    case Kind::List: {
      if (a.is_tuple() != b.is_tuple()) return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!values_equal(x[i], y[i])) return false;
      return true;
    }
    case Kind::Dict: {
      const auto& x = a.dict_obj();
      const auto& y = b.dict_obj();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (!other || !values_equal(v, *other)) return false;
      }
      return true;
    }
    case Kind::Namespace: return &a.dict_obj() == &b.dict_obj();
    case Kind::Callable: return &a.callable_obj() == &b.callable_obj();
    default: return false;
  }
}

bool value_less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() < b.as_float();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 byte order == code point order
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (values_equal(x[i], y[i])) continue;
      return value_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  fail("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

nlohmann::ordered_json to_json_value(const Value& v) {
  switch (v.kind()) {
    case Kind::None: return nullptr;
    case Kind::Bool: return v.as_bool();
    case Kind::Int: return v.as_int();
    case Kind::Float: return v.as_float();
    case Kind::String: return v.str();
    case Kind::List: {
      auto arr = nlohmann::ordered_json::array();
      for (const auto& e : v.items()) arr.push_back(to_json_value(e));
      return arr;
    }
    case Kind::Dict: case Kind::Namespace: {
      auto obj = nlohmann::ordered_json::object();
      for (const auto& [k, val] : v.dict_obj().entries) obj[k.to_str()] = to_json_value(val);
      return obj;
    }
    default:
      fail("Object of type " + v.type_name() + " is not JSON serializable");
  }
}

}  // namespace ledge::tmpl
