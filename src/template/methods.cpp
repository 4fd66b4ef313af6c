// Python methods that templates call on str, dict and list values. The
// sandbox is immutable: mutating methods resolve to an Undefined that raises
// when called, as ImmutableSandboxedEnvironment's unsafe_undefined does.
#include <algorithm>
#include <set>

#include "template/builtins.h"
#include "template/error.h"
#include "template/interpreter.h"
#include "template/unicode.h"

namespace ledge::tmpl {

namespace {

using MethodFn = std::function<Value(const Value& self, CallArgs& args)>;

Value method(const Value& self, const std::string& name, MethodFn fn) {
  return Value::callable(name, [self, fn = std::move(fn)](Interpreter&, CallArgs& args) { return fn(self, args); });
}

Value unsafe(const Value& self, const std::string& name) {
  return Value::undefined("access to attribute '" + name + "' of '" + self.type_name() + "' object is unsafe.");
}

std::string require_str(const Value& v, const std::string& what) {
  if (!v.is_string()) fail(what + " must be str, not " + v.type_name());
  return v.str();
}

std::optional<int64_t> opt_int(const BoundArgs& a, size_t i) {
  if (!a.has(i) || a.get(i).is_none()) return std::nullopt;
  if (!a.get(i).is_int() && !a.get(i).is_bool()) fail("expected an integer argument, got " + a.get(i).type_name());
  return a.get(i).as_int();
}

std::string strip_impl(const std::string& s, const Value& chars, bool left, bool right) {
  std::u32string cps = utf8_decode(s);
  std::u32string set;
  bool whitespace = chars.is_none() || chars.is_undefined();
  if (!whitespace) set = utf8_decode(require_str(chars, "strip arg"));
  auto strip_it = [&](char32_t c) { return whitespace ? is_py_space(c) : set.find(c) != std::u32string::npos; };
  size_t b = 0, e = cps.size();
  if (left) while (b < e && strip_it(cps[b])) ++b;
  if (right) while (e > b && strip_it(cps[e - 1])) --e;
  return utf8_encode(std::u32string_view(cps).substr(b, e - b));
}

std::vector<Value> split_impl(const std::string& s, const Value& sep, int64_t maxsplit) {
  std::vector<Value> parts;
  if (sep.is_none() || sep.is_undefined()) {
    std::u32string cps = utf8_decode(s);
    size_t i = 0, n = cps.size();
    while (true) {
      while (i < n && is_py_space(cps[i])) ++i;
      if (i >= n) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        size_t e = n;
        while (e > i && is_py_space(cps[e - 1])) --e;
        parts.emplace_back(utf8_encode(std::u32string_view(cps).substr(i, e - i)));
        break;
      }
      size_t j = i;
      while (j < n && !is_py_space(cps[j])) ++j;
      parts.emplace_back(utf8_encode(std::u32string_view(cps).substr(i, j - i)));
      i = j;
    }
    return parts;
  }
  std::string d = require_str(sep, "separator");
  if (d.empty()) fail("empty separator");
  size_t start = 0;
  while (true) {
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) break;
    size_t p = s.find(d, start);
    if (p == std::string::npos) break;
    parts.emplace_back(s.substr(start, p - start));
    start = p + d.size();
  }
  parts.emplace_back(s.substr(start));
  return parts;
}

std::vector<Value> rsplit_impl(const std::string& s, const Value& sep, int64_t maxsplit) {
  if (maxsplit < 0) return split_impl(s, sep, maxsplit);
  if (sep.is_none() || sep.is_undefined()) {
    std::vector<std::string> rev;
    std::u32string cps = utf8_decode(s);
    int64_t i = static_cast<int64_t>(cps.size());
    while (true) {
      while (i > 0 && is_py_space(cps[static_cast<size_t>(i - 1)])) --i;
      if (i <= 0) break;
      if (static_cast<int64_t>(rev.size()) == maxsplit) {
        size_t b = 0;
        while (b < static_cast<size_t>(i) && is_py_space(cps[b])) ++b;
        rev.push_back(utf8_encode(std::u32string_view(cps).substr(b, static_cast<size_t>(i) - b)));
        break;
      }
      int64_t j = i;
      while (j > 0 && !is_py_space(cps[static_cast<size_t>(j - 1)])) --j;
      rev.push_back(utf8_encode(std::u32string_view(cps).substr(static_cast<size_t>(j), static_cast<size_t>(i - j))));
      i = j;
    }
    std::vector<Value> out;
    for (auto it = rev.rbegin(); it != rev.rend(); ++it) out.emplace_back(*it);
    return out;
  }
  std::string d = require_str(sep, "separator");
  if (d.empty()) fail("empty separator");
  std::vector<std::string> rev;
  size_t end = s.size();
  while (static_cast<int64_t>(rev.size()) < maxsplit) {
    if (end < d.size()) break;
    size_t p = s.rfind(d, end - d.size());
    if (p == std::string::npos) break;
    rev.push_back(s.substr(p + d.size(), end - p - d.size()));
    end = p;
  }
  rev.push_back(s.substr(0, end));
  std::vector<Value> out;
  for (auto it = rev.rbegin(); it != rev.rend(); ++it) out.emplace_back(*it);
  return out;
}

std::vector<std::string> affixes(const Value& v, const char* fn) {
  if (v.is_string()) return {v.str()};
  if (v.is_tuple()) {
    std::vector<std::string> out;
    for (const auto& e : v.items()) out.push_back(require_str(e, std::string("tuple for ") + fn));
    return out;
  }
  fail(std::string(fn) + " first arg must be str or a tuple of str, not " + v.type_name());
}

// Code point offsets of start/end arguments (Python slice semantics).
std::string sub_range(const std::string& s, const BoundArgs& a, size_t first) {
  if (!a.has(first) && !a.has(first + 1)) return s;
  Value start = a.get_or(first, Value::none());
  Value end = a.get_or(first + 1, Value::none());
  return slice_value(Value(s), start, end, Value::none()).str();
}

std::string replace_impl(const std::string& s, const std::string& old, const std::string& repl, int64_t count) {
  std::string out;
  if (old.empty()) {
    std::u32string cps = utf8_decode(s);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (i < cps.size()) append_utf8(out, cps[i]);
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t p = s.find(old, start);
    if (p == std::string::npos) break;
    out.append(s, start, p - start);
    out += repl;
    start = p + old.size();
    ++done;
  }
  out.append(s, start, std::string::npos);
  return out;
}

int64_t cp_index(const std::string& s, size_t byte_pos) {
  return static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, byte_pos)));
}

template <typename Pred>
bool all_chars(const std::string& s, Pred pred) {
  std::u32string cps = utf8_decode(s);
  if (cps.empty()) return false;
  return std::all_of(cps.begin(), cps.end(), pred);
}

std::optional<Value> string_method(const Value& self, const std::string& name) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    bool left = name != "rstrip", right = name != "lstrip";
    return method(self, name, [name, left, right](const Value& s, CallArgs& args) {
      BoundArgs a(name, args, {"chars"});
      return Value(strip_impl(s.str(), a.get_or(0, Value::none()), left, right));
    });
  }
  if (name == "split" || name == "rsplit") {
    return method(self, name, [name](const Value& s, CallArgs& args) {
      BoundArgs a(name, args, {"sep", "maxsplit"});
      int64_t maxsplit = opt_int(a, 1).value_or(-1);
      Value sep = a.get_or(0, Value::none());
      return Value::list(name == "split" ? split_impl(s.str(), sep, maxsplit) : rsplit_impl(s.str(), sep, maxsplit));
    });
  }
  if (name == "splitlines") {
    return method(self, name, [](const Value& s, CallArgs& args) {
      BoundArgs a("splitlines", args, {"keepends"});
      bool keep = a.get_or(0, Value(false)).truthy();
      std::vector<Value> lines;
      std::u32string cps = utf8_decode(s.str());
      size_t start = 0, i = 0;
      while (i < cps.size()) {
        char32_t c = cps[i];
        bool is_break = c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x1C || c == 0x1D || c == 0x1E ||
                        c == 0x85 || c == 0x2028 || c == 0x2029;
        if (!is_break) { ++i; continue; }
        size_t brk_len = (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ? 2 : 1;
        size_t end = keep ? i + brk_len : i;
        lines.emplace_back(utf8_encode(std::u32string_view(cps).substr(start, end - start)));
        i += brk_len;
        start = i;
      }
      if (start < cps.size()) lines.emplace_back(utf8_encode(std::u32string_view(cps).substr(start)));
      return Value::list(std::move(lines));
    });
  }
  if (name == "startswith" || name == "endswith") {
    bool starts = name == "startswith";
    return method(self, name, [name, starts](const Value& s, CallArgs& args) {
      BoundArgs a(name, args, {"prefix", "start", "end"});
      if (!a.has(0)) fail(name + "() takes at least 1 argument (0 given)");
      std::string hay = sub_range(s.str(), a, 1);
      for (const std::string& x : affixes(a.get(0), name.c_str())) {
        if (x.size() > hay.size()) continue;
        if (starts ? hay.compare(0, x.size(), x) == 0 : hay.compare(hay.size() - x.size(), x.size(), x) == 0)
          return Value(true);
      }
      return Value(false);
    });
  }
  if (name == "upper") return method(self, name, [](const Value& s, CallArgs&) { return Value(py_upper(s.str())); });
  if (name == "lower") return method(self, name, [](const Value& s, CallArgs&) { return Value(py_lower(s.str())); });
  if (name == "title") return method(self, name, [](const Value& s, CallArgs&) { return Value(py_title(s.str())); });
  if (name == "capitalize")
    return method(self, name, [](const Value& s, CallArgs&) { return Value(py_capitalize(s.str())); });
  if (name == "replace") {
    return method(self, name, [](const Value& s, CallArgs& args) {
      BoundArgs a("replace", args, {"old", "new", "count"});
      if (!a.has(0) || !a.has(1)) fail("replace() takes at least 2 arguments");
      return Value(replace_impl(s.str(), require_str(a.get(0), "replace() argument 1"),
                                require_str(a.get(1), "replace() argument 2"), opt_int(a, 2).value_or(-1)));
    });
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    return method(self, name, [name](const Value& s, CallArgs& args) {
      BoundArgs a(name, args, {"sub"});
      std::string sub = require_str(a.get_or(0, Value::none()), name + "() argument");
      size_t p = (name == "find" || name == "index") ? s.str().find(sub) : s.str().rfind(sub);
      if (p == std::string::npos) {
        if (name == "index" || name == "rindex") fail("substring not found");
        return Value(int64_t{-1});
      }
      return Value(cp_index(s.str(), p));
    });
  }
  if (name == "count") {
    return method(self, name, [](const Value& s, CallArgs& args) {
      BoundArgs a("count", args, {"sub"});
      std::string sub = require_str(a.get_or(0, Value::none()), "count() argument");
      if (sub.empty()) return Value(static_cast<int64_t>(utf8_length(s.str()) + 1));
      int64_t n = 0;
      for (size_t p = s.str().find(sub); p != std::string::npos; p = s.str().find(sub, p + sub.size())) ++n;
      return Value(n);
    });
  }
  if (name == "join") {
    return method(self, name, [](const Value& s, CallArgs& args) {
      BoundArgs a("join", args, {"iterable"});
      std::string out;
      size_t i = 0;
      for (const Value& e : iterate(a.get_or(0, Value::none()))) {
        if (!e.is_string())
          fail("sequence item " + std::to_string(i) + ": expected str instance, " + e.type_name() + " found");
        if (i++) out += s.str();
        out += e.str();
      }
      return Value(std::move(out));
    });
  }
  if (name == "format") {
    return method(self, name, [](const Value& s, CallArgs& args) { return Value(py_str_format(s.str(), args)); });
  }
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric")
    return method(self, name, [](const Value& s, CallArgs&) {
      return Value(all_chars(s.str(), [](char32_t c) { return c >= '0' && c <= '9'; }));
    });
  if (name == "isalpha")
    return method(self, name, [](const Value& s, CallArgs&) {
      return Value(all_chars(s.str(), [](char32_t c) { return is_py_alnum(c) && !(c >= '0' && c <= '9'); }));
    });
  if (name == "isalnum")
    return method(self, name, [](const Value& s, CallArgs&) {
      return Value(all_chars(s.str(), [](char32_t c) {
        return is_py_alnum(c);
      }));
    });
  if (name == "isspace")
    return method(self, name, [](const Value& s, CallArgs&) { return Value(all_chars(s.str(), is_py_space)); });
  if (name == "isupper" || name == "islower") {
    bool upper = name == "isupper";
    return method(self, name, [upper](const Value& s, CallArgs&) {
      bool any = false;
      for (char32_t c : utf8_decode(s.str())) {
        if (upper ? is_cased_lower(c) : is_cased_upper(c)) return Value(false);
        if (upper ? is_cased_upper(c) : is_cased_lower(c)) any = true;
      }
      return Value(any);
    });
  }
  return std::nullopt;
}

std::optional<Value> dict_method(const Value& self, const std::string& name) {
  if (name == "get") {
    return method(self, name, [](const Value& d, CallArgs& args) {
      BoundArgs a("get", args, {"key", "default"});
      if (!a.has(0)) fail("get expected at least 1 argument, got 0");
      if (const Value* v = d.dict_obj().find(a.get(0))) return *v;
      return a.get_or(1, Value::none());
    });
  }
  if (name == "items") {
    return method(self, name, [](const Value& d, CallArgs&) {
      std::vector<Value> out;
      for (const auto& [k, v] : d.dict_obj().entries) out.push_back(Value::tuple({k, v}));
      return Value::list(std::move(out));
    });
  }
  if (name == "keys") {
    return method(self, name, [](const Value& d, CallArgs&) { return Value::list(iterate(d)); });
  }
  if (name == "values") {
    return method(self, name, [](const Value& d, CallArgs&) {
      std::vector<Value> out;
      for (const auto& kv : d.dict_obj().entries) out.push_back(kv.second);
      return Value::list(std::move(out));
    });
  }
  if (name == "copy") {
    return method(self, name, [](const Value& d, CallArgs&) {
      return Value::dict(std::make_shared<DictObj>(d.dict_obj()));
    });
  }
  static const std::set<std::string> mutating = {"pop", "popitem", "update", "setdefault", "clear"};
  if (mutating.count(name)) return unsafe(self, name);
  return std::nullopt;
}

std::optional<Value> list_method(const Value& self, const std::string& name) {
  if (name == "index") {
    return method(self, name, [](const Value& l, CallArgs& args) {
      BoundArgs a("index", args, {"value"});
      const auto& items = l.items();
      for (size_t i = 0; i < items.size(); ++i)
        if (values_equal(items[i], a.get_or(0, Value::none()))) return Value(static_cast<int64_t>(i));
      fail(a.get_or(0, Value::none()).repr() + " is not in list");
    });
  }
  if (name == "count") {
    return method(self, name, [](const Value& l, CallArgs& args) {
      BoundArgs a("count", args, {"value"});
      int64_t n = 0;
      for (const auto& e : l.items())
        if (values_equal(e, a.get_or(0, Value::none()))) ++n;
      return Value(n);
    });
  }
  if (name == "copy" && !self.is_tuple()) {
    return method(self, name, [](const Value& l, CallArgs&) { return Value::list(l.items()); });
  }
  static const std::set<std::string> mutating = {"append", "extend", "insert", "pop", "remove",
                                                 "reverse", "sort", "clear"};
  if (!self.is_tuple() && mutating.count(name)) return unsafe(self, name);
  return std::nullopt;
}

}  // namespace

std::optional<Value> bound_method(const Value& self, const std::string& name) {
  switch (self.kind()) {
    case Kind::String: return string_method(self, name);
    case Kind::Dict: return dict_method(self, name);
    case Kind::List: return list_method(self, name);
    default: return std::nullopt;
  }
}

}  // namespace ledge::tmpl
